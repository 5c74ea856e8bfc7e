"""A scriptable event-stream server on 127.0.0.1 for the SSE integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import anyio
from aiohttp import web
from multidict import CIMultiDictProxy

Handler = Callable[[web.Request, "SSEServer"], Awaitable[web.StreamResponse]]


@dataclass
class SSEServer:
    """What the test's handler needs: the requests seen, and an event per dropped client."""

    url: str = ""
    base_url: str = ""
    requests: list[CIMultiDictProxy[str]] = field(default_factory=list)
    disconnected: anyio.Event = field(default_factory=anyio.Event)

    @property
    def last_event_ids(self) -> list[str | None]:
        """The ``Last-Event-ID`` header of every request, in order."""
        return [headers.get("Last-Event-ID") for headers in self.requests]


async def open_stream(request: web.Request) -> web.StreamResponse:
    """Start a 200 ``text/event-stream`` response."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await response.prepare(request)
    return response


async def cut(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
    """Drop the connection without ending the chunked body, as a network failure would."""
    assert request.transport is not None
    request.transport.close()
    return response


@asynccontextmanager
async def serve(handler: Handler) -> AsyncIterator[SSEServer]:
    """Run ``handler`` for every GET on 127.0.0.1 at a free port; yields the server state.

    ``state.url`` is a stream URL; any other path below ``state.base_url`` works too.
    """
    state = SSEServer()

    async def endpoint(request: web.Request) -> web.StreamResponse:
        state.requests.append(request.headers)
        try:
            return await handler(request, state)
        finally:
            # Runs when the handler ends, also when it is cancelled by a client going away.
            state.disconnected.set()

    app = web.Application()
    app.router.add_get("/{path:.*}", endpoint)
    # handler_cancellation: a handler streaming to a client that left is cancelled, as
    # a production server would do, so the tests can observe the connection was released.
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.base_url = f"http://127.0.0.1:{port}"
    state.url = f"{state.base_url}/stream"
    try:
        yield state
    finally:
        await runner.cleanup()
