"""Helpers shared by the emulator's integration tests (this module holds no tests).

Tests talk to the emulator with a plain aiohttp session, never the SDK client, so the
emulator's HTTP behaviour is checked on its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec

from orgo_async.testing import EMULATOR_API_KEY

__all__ = ["Frame", "api", "doc", "parse_frames", "read_frames"]


def doc(
    name: str = "demo", version: str = "1.0.0", *, run: list[str] | None = None, **extra: Any
) -> str:
    """A small valid document as YAML (JSON flow values); ``run`` becomes ``build.run``."""
    fields: dict[str, Any] = {"api_version": "orgo.ai/v1", "name": f"{name}@{version}", "cpu": 2}
    if run is not None:
        fields["build"] = {"run": run}
    fields.update(extra)
    return "".join(
        f"{key}: {msgspec.json.encode(value).decode()}\n" for key, value in fields.items()
    )


@asynccontextmanager
async def api(key: str | None = EMULATOR_API_KEY) -> AsyncIterator[aiohttp.ClientSession]:
    """A session that sends ``key`` as a Bearer token (None: no Authorization header)."""
    headers = {"Authorization": f"Bearer {key}"} if key is not None else {}
    async with aiohttp.ClientSession(headers=headers) as session:
        yield session


@dataclass(frozen=True)
class Frame:
    """One SSE frame as the test saw it: its id and its decoded JSON data."""

    id: int
    data: dict[str, Any]


def parse_frames(text: str) -> tuple[list[Frame], list[str]]:
    """Split an event-stream body into frames, plus every comment line seen.

    As in the SSE spec, a last block without its blank line (a cut stream) is dropped.
    """
    frames: list[Frame] = []
    comments: list[str] = []
    for block in text.split("\n\n")[:-1]:
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.startswith(":"):
                comments.append(line[1:].strip())
            elif ": " in line:
                key, _, value = line.partition(": ")
                fields[key] = value
        if "data" in fields:
            frames.append(Frame(int(fields["id"]), msgspec.json.decode(fields["data"])))
    return frames, comments


async def read_frames(
    session: aiohttp.ClientSession, url: str, *, last_event_id: int | None = None
) -> list[Frame]:
    """Read a whole build-event stream (it closes when the build has ended)."""
    headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
    async with session.get(url, headers=headers) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/event-stream")
        frames, _ = parse_frames(await response.text())
        return frames
