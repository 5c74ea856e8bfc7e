"""A scripted aiohttp server on 127.0.0.1 for client tests that need answers Orgo never gives.

The emulator answers like Orgo does; some client behaviour is only visible with a stalled
body, a malformed payload or an exact sequence of failures, so this server plays them over
real HTTP. Each request is answered by the next queued action.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from aiohttp import web

from orgo_async._client import Orgo
from orgo_async.testing import no_wait_retries

__all__ = [
    "BUILD",
    "KEY",
    "REF",
    "RUN",
    "Action",
    "ScriptedServer",
    "client",
    "raw",
    "reply",
    "scripted_server",
    "stall",
]

KEY = "sk_test_scripted_secret"
REF = "default/claude-code@1.0.0"
BUILD = {"ref": REF, "digest": "a" * 64, "status": "building"}
RUN = {
    "id": "vm-1",
    "desktop_id": "d-1",
    "status": "running",
    "vnc_password": "pw",
    "public_host": "h",
    "resolution": "1280x720x24",
}

Action = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class ScriptedServer:
    """A loopback server answering each request with the next scripted action."""

    url: str
    runner: web.AppRunner
    actions: deque[Action] = field(default_factory=deque)
    seen: list[tuple[str, str]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    release: anyio.Event = field(default_factory=anyio.Event)
    hung_up: anyio.Event = field(default_factory=anyio.Event)

    def then(self, *actions: Action) -> None:
        """Queue actions, answered in order; an empty queue answers 200 with BUILD."""
        self.actions.extend(actions)

    def open_connections(self) -> int:
        """Connections the server still holds open."""
        server = self.runner.server
        assert server is not None
        return len(server.connections)


def reply(status: int, body: object = None, **headers: str) -> Action:
    """An action answering ``status`` with a JSON body."""

    async def act(request: web.Request) -> web.StreamResponse:
        return web.json_response(body if body is not None else {}, status=status, headers=headers)

    return act


def raw(status: int, data: bytes, content_type: str = "application/json") -> Action:
    """An action answering ``status`` with exactly these bytes."""

    async def act(request: web.Request) -> web.StreamResponse:
        return web.Response(status=status, body=data, content_type=content_type)

    return act


@asynccontextmanager
async def scripted_server() -> AsyncIterator[ScriptedServer]:
    """Run a scripted server on 127.0.0.1 for the duration of the block."""
    state: list[ScriptedServer] = []

    async def handle(request: web.Request) -> web.StreamResponse:
        srv = state[0]
        srv.seen.append((request.method, request.path_qs))
        srv.headers.append(dict(request.headers))
        srv.bodies.append(await request.read())
        action = srv.actions.popleft() if srv.actions else reply(200, BUILD)
        return await action(request)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    # handler_cancellation: a handler stalled on purpose ends when its client hangs up, so
    # the server's connection count shows what the client closed.
    runner = web.AppRunner(app, handler_cancellation=True)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.append(ScriptedServer(url=f"http://127.0.0.1:{port}/api", runner=runner))
    try:
        yield state[0]
    finally:
        state[0].release.set()
        await runner.cleanup()


def client(srv: ScriptedServer, waits: list[float] | None = None, **kwargs: object) -> Orgo:
    """A client of ``srv`` whose retries never sleep."""
    return Orgo(KEY, srv.url, retry=no_wait_retries(waits), **kwargs)  # type: ignore[arg-type]


def stall(srv: ScriptedServer) -> Action:
    """An action sending headers, then nothing until the test ends."""

    async def act(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse()
        response.content_type = "application/json"
        await response.prepare(request)
        try:
            await srv.release.wait()
        except anyio.get_cancelled_exc_class():
            # The server cancels a handler only when its client closed the connection.
            srv.hung_up.set()
            raise
        return response

    return act
