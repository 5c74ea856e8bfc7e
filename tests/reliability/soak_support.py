"""Pieces of the soak test: its templates, a time-compressed retry policy, emulator counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final

import aiohttp
import anyio
import msgspec

from orgo_async._retry import RetryPolicy
from orgo_async.emulator.stats import StatsReport

__all__ = [
    "BUILD_ROUTE",
    "EVENTS_ROUTE",
    "PUBLISH_ROUTE",
    "TIME_SCALE",
    "CompressedWaits",
    "Requests",
    "clear_faults",
    "read_stats",
    "soak_templates",
]

PUBLISH_ROUTE: Final = "POST /templates"
BUILD_ROUTE: Final = "/templates/{namespace}/{name}/{version}/build"
EVENTS_ROUTE: Final = "GET /templates/{namespace}/{name}/{version}/build/events"

TIME_SCALE: Final = 0.01
"""Every wait the client asks for is slept at this fraction, so a 1 s Retry-After costs 10 ms.

Waits are slept for real, not skipped: the fleet's start gate holds every worker back
while a 429 pause runs, so the pause is exercised, only compressed in time.
"""


@dataclass
class CompressedWaits:
    """A retry policy's ``sleep`` that records each wait and sleeps a fraction of it."""

    waits: list[float] = field(default_factory=list)

    async def sleep(self, delay: float) -> None:
        """Record ``delay`` and sleep ``delay * TIME_SCALE``."""
        self.waits.append(delay)
        await anyio.sleep(delay * TIME_SCALE)

    def policy(self) -> RetryPolicy:
        """The default backoff with this sleep."""
        return RetryPolicy(sleep=self.sleep)


def soak_templates(count: int, *, failing_every: int, twin_every: int = 0) -> list[dict[str, Any]]:
    """``count`` templates; every ``failing_every``-th build fails on purpose.

    Each has content of its own, so its own digest, except every ``twin_every``-th, which
    has the content of the one before it under another name: the fleet must build that
    digest once and reuse it.
    """
    documents = []
    for index in range(count):
        twin = bool(twin_every) and index % twin_every == twin_every - 1 and index > 0
        content_of = index - 1 if twin else index
        document: dict[str, Any] = {
            "api_version": "orgo.ai/v1",
            "name": f"soak-{index:04d}@1.0.0",
            "cpu": 1,
            "ram": "4gb",
            "env": {"SOAK_INDEX": str(content_of)},
        }
        if failing_every and content_of % failing_every == failing_every - 1:
            document["build"] = {"run": ["echo preparing", "exit 1"]}
        documents.append(document)
    return documents


@dataclass(frozen=True)
class Requests:
    """The emulator's request counters, by route and status."""

    by_route: dict[str, dict[str, int]]

    def count(self, route: str, *, statuses: tuple[str, ...] | None = None) -> int:
        """Requests to ``route`` answered with one of ``statuses`` (all when ``None``)."""
        answered = Counter(self.by_route.get(route, {}))
        return sum(n for status, n in answered.items() if statuses is None or status in statuses)

    def count_class(self, route: str, first_digit: str) -> int:
        """Requests to ``route`` answered with a status of one class (``"2"``, ``"5"``...)."""
        return sum(n for s, n in self.by_route.get(route, {}).items() if s.startswith(first_digit))


async def read_stats(session: aiohttp.ClientSession, url: str) -> StatsReport:
    """The emulator's statistics (a control route: no key, not counted)."""
    async with session.get(f"{url}/_emulator/stats") as response:
        response.raise_for_status()
        return msgspec.json.decode(await response.read(), type=StatsReport)


async def clear_faults(session: aiohttp.ClientSession, url: str) -> None:
    """Turn every fault off, so the emulator can be read back without interference."""
    async with session.delete(f"{url}/_emulator/faults") as response:
        response.raise_for_status()
