"""Helpers for client tests against the emulator: a client, its statistics, injected faults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import anyio
import msgspec

from orgo_async._client import Orgo
from orgo_async.models import BuildInfo
from orgo_async.testing import EMULATOR_API_KEY, no_wait_retries

__all__ = [
    "MINIMAL",
    "MINIMAL_REF",
    "control",
    "emulator_client",
    "inject",
    "requests_to",
    "settle",
]

MINIMAL = """\
api_version: orgo.ai/v1
name: my-template@1.0.0
cpu: 2
ram: 4gb
"""
MINIMAL_REF = "default/my-template@1.0.0"


@asynccontextmanager
async def emulator_client(
    url: str, waits: list[float] | None = None, **kwargs: Any
) -> AsyncIterator[Orgo]:
    """A client of the emulator at ``url`` whose retries record their waits instead of sleeping."""
    async with Orgo(EMULATOR_API_KEY, url, retry=no_wait_retries(waits), **kwargs) as orgo:
        yield orgo


async def control(method: str, url: str, path: str, body: Any = None) -> Any:
    """Call the emulator's control route ``path`` (under ``/_emulator``); its decoded JSON."""
    data = None if body is None else msgspec.json.encode(body)
    # Control routes take bodies declared as JSON only (a web page cannot send that).
    headers = {"Content-Type": "application/json"} if method in ("POST", "PUT") else {}
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{url}/_emulator{path}", data=data, headers=headers) as response,
    ):
        assert response.status == 200, await response.text()
        return msgspec.json.decode(await response.read())


async def requests_to(url: str, route: str) -> dict[str, int]:
    """How many requests the emulator answered on ``route``, by status (``{"201": 1}``)."""
    report = await control("GET", url, "/stats")
    counts: dict[str, int] = report["requests"].get(route, {})
    return counts


async def inject(
    url: str, route: str, status: int, *, count: int = 1, retry_after: int | None = None
) -> None:
    """Answer the next ``count`` requests of ``route`` with ``status``."""
    body: dict[str, Any] = {"route": route, "status": status, "count": count}
    if retry_after is not None:
        body["retry_after"] = retry_after
    await control("POST", url, "/inject", body)


async def settle(orgo: Orgo, ref: str, *, deadline: float = 10.0) -> BuildInfo:
    """Poll the build status until it leaves ``building``, failing after ``deadline`` seconds."""
    with anyio.fail_after(deadline):
        while True:
            info = await orgo.builds.status(ref)
            if info.status != "building":
                return info
            await anyio.sleep(0.02)
