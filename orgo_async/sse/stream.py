"""The events of one HTTP response: bytes from aiohttp through :class:`SSEDecoder`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Final

import aiohttp
import anyio

from orgo_async._causes import describe, without_secrets
from orgo_async._decode import read_error_body
from orgo_async.errors import APIConnectionError, APIResponseValidationError, APITimeoutError
from orgo_async.sse.decoder import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder

__all__ = ["EVENT_STREAM", "EventStream", "iter_events"]

EVENT_STREAM: Final = "text/event-stream"


def iter_events(
    response: aiohttp.ClientResponse,
    *,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    idle_timeout: float | None = None,
    last_event_id: str = "",
) -> EventStream:
    """Iterate over the events of one ``text/event-stream`` response.

    The caller owns the response (checks its status, closes it); iteration ends at the
    end of the body, where an unfinished event is discarded.

    Args:
        response: a response whose headers have arrived.
        max_event_size: the largest event accepted, in bytes.
        idle_timeout: the longest wait, in seconds, for a line to end (keep-alive
            comments are lines; bytes dripping into one line are not progress);
            ``None`` waits forever.
        last_event_id: the id events report until the stream sets one (a resumed stream).

    Raises:
        APIResponseValidationError: on first iteration, when the content type is not
            ``text/event-stream``.
        APIConnectionError: the connection failed mid-stream.
        APITimeoutError: no line ended within ``idle_timeout`` seconds of waiting.
        EventTooLargeError: an event exceeded ``max_event_size``.
    """
    return EventStream(
        response,
        max_event_size=max_event_size,
        idle_timeout=idle_timeout,
        last_event_id=last_event_id,
    )


class EventStream:
    """An async iterator of the events of one response; see :func:`iter_events`."""

    def __init__(
        self,
        response: aiohttp.ClientResponse,
        *,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
        idle_timeout: float | None = None,
        last_event_id: str = "",
    ):
        """Wrap ``response``; nothing is read until the first iteration."""
        self._response = response
        self._decoder = SSEDecoder(max_event_size=max_event_size, last_event_id=last_event_id)
        self._idle_timeout = idle_timeout
        self._ended = False
        self._truncated = False
        # ``async for`` drives this generator directly: cheaper per event than a
        # coroutine ``__anext__``, which matters at hundreds of thousands of events/s.
        self._events = self._iterate()

    @property
    def last_event_id(self) -> str:
        """The id to resume after: set at each blank line the stream has completed."""
        return self._decoder.last_event_id

    @property
    def retry(self) -> int | None:
        """The latest reconnection time the server sent with ``retry:``, in milliseconds."""
        return self._decoder.retry

    @property
    def ended(self) -> bool:
        """Whether the body ended and every event was handed out."""
        return self._ended

    @property
    def truncated(self) -> bool:
        """Whether the body ended, or broke, inside an event (a connection cut mid-frame)."""
        return self._truncated

    def __aiter__(self) -> AsyncIterator[ServerSentEvent]:
        return self._events

    async def __anext__(self) -> ServerSentEvent:
        return await self._events.__anext__()

    async def aclose(self) -> None:
        """Stop iterating; the response stays open (its owner closes it)."""
        await self._events.aclose()

    async def _iterate(self) -> AsyncGenerator[ServerSentEvent, None]:
        await self._check_content_type()
        feed = self._decoder.feed
        idle = self._idle_timeout
        current_time = anyio.current_time
        # Seconds spent waiting for bytes since a line last ended. Only a line end resets
        # it: a server dripping bytes into one line is as dead as a silent one, and no
        # per-read timeout would notice. Time the consumer spends between reads is not
        # waiting, so a slow consumer never makes a live stream look idle.
        waited = 0.0
        while True:
            try:
                if idle is None:
                    chunk = await self._read(None)
                else:
                    started = current_time()
                    chunk = await self._read(idle - waited)
                    if b"\n" in chunk or b"\r" in chunk:
                        waited = 0.0
                    else:
                        waited += current_time() - started
            except APIConnectionError:
                self._finish()
                raise
            if not chunk:
                self._finish()
                self._ended = True
                return
            for event in feed(chunk):
                yield event

    def _finish(self) -> None:
        # close() discards an unfinished event but still applies its complete retry: line,
        # and raises an EventTooLargeError the last feed deferred.
        self._truncated = self._decoder.has_unfinished_event
        self._decoder.close()

    async def _check_content_type(self) -> None:
        response = self._response
        if response.content_type != EVENT_STREAM:
            body = b""  # the body only illustrates the error; losing it loses nothing
            try:
                # A server that stalls after the headers must not hang the error.
                with anyio.move_on_after(self._idle_timeout):
                    body = await read_error_body(response)
            except (aiohttp.ClientError, OSError, asyncio.TimeoutError):
                pass
            raise APIResponseValidationError(
                f"expected {EVENT_STREAM}, got {response.headers.get('Content-Type', 'nothing')!r}"
                f" (status {response.status})",
                method=response.method,
                url=str(response.url),
                status_code=response.status,
                body=body,
            )

    async def _read(self, limit: float | None) -> bytes:
        content = self._response.content
        try:
            if limit is None:
                return await content.readany()
            with anyio.move_on_after(limit):
                return await content.readany()
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise self._error(
                APITimeoutError, f"stream read timed out ({exc!r})"
            ) from without_secrets(exc)
        except (aiohttp.ClientError, OSError) as exc:
            raise self._error(
                APIConnectionError, f"stream dropped: {describe(exc)}"
            ) from without_secrets(exc)
        raise self._error(
            APITimeoutError, f"stream idle: no line ended within {self._idle_timeout} s"
        )

    def _error(self, kind: type[APIConnectionError], message: str) -> APIConnectionError:
        return kind(message, method=self._response.method, url=str(self._response.url))
