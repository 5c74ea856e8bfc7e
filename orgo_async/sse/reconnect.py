"""An event stream that survives dropped connections, resuming by ``Last-Event-ID``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Final

import aiohttp

from orgo_async._retry import DEFAULT_MAX_RETRIES, RetryPolicy
from orgo_async._timeout import Timeout
from orgo_async.errors import ConfigurationError
from orgo_async.sse._follow import Follower
from orgo_async.sse.decoder import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent

__all__ = ["DEFAULT_STREAM_RETRY", "EventSource", "stream_events"]

DEFAULT_STREAM_RETRY: Final = RetryPolicy(initial_delay=1.0, max_delay=30.0)
"""Reconnection delays unless told otherwise: 1 s, doubling, at most 30 s, plus jitter."""


def stream_events(
    session: aiohttp.ClientSession,
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    params: Mapping[str, str] | None = None,
    last_event_id: str | None = None,
    is_terminal: Callable[[ServerSentEvent], bool] | None = None,
    end_on_close: bool = False,
    retry_policy: RetryPolicy = DEFAULT_STREAM_RETRY,
    max_reconnects: int | None = 8,
    idle_timeout: float | None = None,
    max_idle_reconnects: int = 1,
    connect_timeout: float | Timeout | None = 30.0,
    max_connect_retries: int = DEFAULT_MAX_RETRIES,
    max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
) -> EventSource:
    """Follow the event stream at ``url`` across dropped connections.

    Use it as an async context manager, so the connection is closed even when the loop
    is left early::

        async with stream_events(session, url, is_terminal=lambda e: e.event == "end") as events:
            async for event in events:
                ...

    Plain ``async for`` also works; leaving that loop early closes the connection once
    the iterator is garbage-collected.

    A dropped connection (an error, or the body ending without the caller's say-so) is
    reopened after a delay with ``Last-Event-ID`` set to the last id the stream completed,
    so no event is lost; each connection gets a fresh decoder, so an event cut in half is
    never emitted. The stream ends, without a reconnect, after an event for which
    ``is_terminal`` is true, on a clean end of body when ``end_on_close`` is set, or when
    the server answers 204 No Content.

    Args:
        session: the aiohttp session to connect through; the caller keeps owning it.
        url: the stream's URL.
        headers: extra request headers; copied, never modified.
        params: query parameters.
        last_event_id: resume after this id from the first request on.
        is_terminal: says which event is the last one of the stream.
        end_on_close: treat a clean end of body as the end of the stream (unless it cut
            an event in half) rather than reconnecting, as the standard does.
        retry_policy: reconnection delays: ``initial_delay`` (replaced by the server's
            ``retry:``), growth per failed attempt, ``max_delay`` cap, and ``sleep``.
        max_reconnects: reconnects in a row without a new event before the last error
            is raised; ``None`` for no limit.
        idle_timeout: seconds in which a line must end (a keep-alive comment is a line;
            bytes trickling into one line are not progress), after which the connection
            is considered dead and reopened; ``None`` waits forever.
        max_idle_reconnects: reconnects after idle connections in a row before
            :class:`~orgo_async.errors.APITimeoutError` is raised.
        connect_timeout: seconds to connect and receive the response headers (and,
            for an error status, the start of its body); or a
            :class:`~orgo_async.Timeout`, whose ``connect`` bounds opening the
            connection and whose ``total`` (else ``connect + read``) the headers.
        max_connect_retries: until the stream has connected once, a failure (refused,
            unreachable, no headers in time, a retryable status) is retried at most this
            many times, as a call is: an unreachable server fails in seconds. Once a
            connection has been answered with a stream, ``max_reconnects`` applies.
        max_event_size: the largest event accepted, in bytes.

    Raises:
        APIStatusError: the server refused the stream with a status that retrying
            cannot change, or retries ran out (a subclass per status).
        APIConnectionError: the connection kept failing, or never opened.
        APITimeoutError: the stream stayed silent through every idle reconnect.
        APIResponseValidationError: the response is not ``text/event-stream``.
        EventTooLargeError: an event exceeded ``max_event_size``.
        ConfigurationError: a negative ``max_reconnects``, ``max_idle_reconnects`` or
            ``max_connect_retries`` (raised at once, before any request).
    """
    return EventSource(
        session,
        url,
        headers=headers,
        params=params,
        last_event_id=last_event_id,
        is_terminal=is_terminal,
        end_on_close=end_on_close,
        retry_policy=retry_policy,
        max_reconnects=max_reconnects,
        idle_timeout=idle_timeout,
        max_idle_reconnects=max_idle_reconnects,
        connect_timeout=connect_timeout,
        max_connect_retries=max_connect_retries,
        max_event_size=max_event_size,
    )


class EventSource:
    """A reconnecting event stream: async iterator and async context manager.

    Made by :func:`stream_events`, which documents its behaviour.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        last_event_id: str | None = None,
        is_terminal: Callable[[ServerSentEvent], bool] | None = None,
        end_on_close: bool = False,
        retry_policy: RetryPolicy = DEFAULT_STREAM_RETRY,
        max_reconnects: int | None = 8,
        idle_timeout: float | None = None,
        max_idle_reconnects: int = 1,
        connect_timeout: float | Timeout | None = 30.0,
        max_connect_retries: int = DEFAULT_MAX_RETRIES,
        max_event_size: int = DEFAULT_MAX_EVENT_SIZE,
    ):
        """Prepare the stream; nothing connects until the first iteration."""
        if max_reconnects is not None and max_reconnects < 0:
            raise ConfigurationError(f"max_reconnects must be >= 0 or None, not {max_reconnects}")
        if max_idle_reconnects < 0:
            raise ConfigurationError(f"max_idle_reconnects must be >= 0, not {max_idle_reconnects}")
        if max_connect_retries < 0:
            raise ConfigurationError(f"max_connect_retries must be >= 0, not {max_connect_retries}")
        self._follower = Follower(
            session,
            url,
            headers=headers,
            params=params,
            last_event_id=last_event_id or "",
            is_terminal=is_terminal,
            end_on_close=end_on_close,
            policy=retry_policy,
            max_reconnects=max_reconnects,
            idle_timeout=idle_timeout,
            max_idle_reconnects=max_idle_reconnects,
            connect_timeout=connect_timeout,
            max_connect_retries=max_connect_retries,
            max_event_size=max_event_size,
        )
        # The generator refers to the follower, never to this object: a caller who leaves
        # a plain ``async for`` drops the last reference to it, and the event loop's
        # async-generator finalizer then closes the generator and its connection promptly.
        self._iterator = self._follower.run()
        self._closed = False

    @property
    def last_event_id(self) -> str:
        """The id sent as ``Last-Event-ID`` on the next reconnect; ``""`` if none yet."""
        return self._follower.last_event_id

    @property
    def reconnects(self) -> int:
        """How many times the stream was reopened."""
        return self._follower.reconnects

    async def __aenter__(self) -> EventSource:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the open connection, if any, and end the stream; safe to call twice."""
        if not self._closed:
            self._closed = True
            await self._iterator.aclose()

    def __aiter__(self) -> EventSource:
        return self

    async def __anext__(self) -> ServerSentEvent:
        if self._closed:
            raise StopAsyncIteration
        return await self._iterator.__anext__()
