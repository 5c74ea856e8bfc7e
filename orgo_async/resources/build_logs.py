"""A build's log as typed events, and waiting for a build to end: ``orgo.builds.events/wait``.

:class:`BuildEvents` follows ``GET …/build/events`` through :func:`orgo_async.sse.stream_events`,
so a dropped connection resumes after the last frame received (``Last-Event-ID``): no line
is lost and none repeated. :func:`wait_for_build` follows the same stream to the build's
end, falls back to polling the status when the stream is unavailable, and turns every
ending other than ``ready`` into a :class:`~orgo_async.errors.BuildError`.
"""

from __future__ import annotations

import logging
import math
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator
from types import TracebackType
from typing import TYPE_CHECKING, Final

import anyio
import msgspec

from orgo_async._decode import decode_event
from orgo_async._transport import Transport
from orgo_async.errors import (
    APIConnectionError,
    APIResponseValidationError,
    BuildCancelledError,
    BuildError,
    BuildFailedError,
    BuildTimeoutError,
    ConfigurationError,
    InternalServerError,
    NotFoundError,
    OrgoError,
    RateLimitError,
    StreamError,
)
from orgo_async.models import TERMINAL_PHASES, BuildEvent, BuildInfo
from orgo_async.refs import TemplateRef
from orgo_async.sse import EventSource, stream_events

if TYPE_CHECKING:
    from orgo_async.resources.builds import Builds

__all__ = [
    "CLEANUP_TIMEOUT",
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_STREAM_RECONNECTS",
    "BuildEvents",
    "is_final_event",
    "wait_for_build",
]

_log = logging.getLogger("orgo_async")

DEFAULT_IDLE_TIMEOUT: Final = 60.0
"""Seconds in which no line ends before a build log connection counts as dead and is reopened.

Four of the emulator's 15 s keep-alive periods; the API does not document its own.
"""
DEFAULT_STREAM_RECONNECTS: Final = 8
"""Reconnects in a row without a new frame before a build log stream gives up."""
CLEANUP_TIMEOUT: Final = 5.0
"""Longest wait for the cancel request sent when a wait is abandoned."""

_LAST_LINES: Final = 20
_POLL_FIRST: Final = 0.25
_POLL_GROWTH: Final = 1.5
_POLL_MAX: Final = 5.0
_CANCELLED_ERROR: Final = "cancelled"
_TIMEOUT_ERROR: Final = "timeout"
_DECODER: Final = msgspec.json.Decoder(BuildEvent)
# Streaming is "unavailable" after these; polling the status can still tell how it ended.
_STREAM_UNAVAILABLE: Final = (
    NotFoundError,
    InternalServerError,
    RateLimitError,
    APIConnectionError,
    APIResponseValidationError,
    StreamError,
)


def is_final_event(event: BuildEvent) -> bool:
    """Whether ``event`` is the last line of its build: ready, cancel, timeout, or an error."""
    return event.phase in TERMINAL_PHASES or event.level == "error"


def _events_path(ref: TemplateRef) -> str:
    """The build log's path below the API root."""
    return f"/templates/{ref.path}/build/events"


class BuildEvents:
    """The log of one build as typed :class:`~orgo_async.models.BuildEvent` objects.

    An async iterator that ends after the build's final line (phase ``ready``, ``cancel``
    or ``timeout``, or a ``level="error"`` line), and an async context manager that closes
    the connection however the loop is left::

        async with orgo.builds.events(ref) as events:
            async for event in events:
                print(event.phase, event.line)

    Raises (while iterating):
        NotFoundError: the version does not exist or was never built.
        EventDecodeError: a frame is not a valid BuildEvent (``raw`` keeps its data).
        APIConnectionError: the stream kept dropping without progress.
        APITimeoutError: the stream stayed silent through every idle reconnect.
    """

    def __init__(
        self,
        transport: Transport,
        ref: str | TemplateRef,
        *,
        last_event_id: str | None = None,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        max_reconnects: int | None = DEFAULT_STREAM_RECONNECTS,
        max_connect_retries: int | None = None,
    ):
        """Prepare to follow ``ref``'s build log; nothing is sent before the first iteration."""
        self.ref = TemplateRef.parse(ref)
        url = transport.base_url + _events_path(self.ref)
        self._source = stream_events(
            transport.session(),
            url,
            # Authorization and User-Agent go with the stream request too.
            headers=transport.headers(),
            last_event_id=last_event_id,
            retry_policy=transport.retry,
            max_reconnects=max_reconnects,
            idle_timeout=idle_timeout,
            connect_timeout=transport.timeout,
            # Until the stream first connects, an unreachable server fails it like a call.
            max_connect_retries=(
                transport.max_retries if max_connect_retries is None else max_connect_retries
            ),
        )
        # The generator holds the source, never this object, so leaving a plain
        # ``async for`` early lets the loop's async-generator finalizer close the connection.
        self._events = _typed_events(self._source, url)

    @property
    def last_event_id(self) -> str:
        """The id of the last frame received: pass it as ``last_event_id`` to resume later."""
        return self._source.last_event_id

    def __aiter__(self) -> AsyncIterator[BuildEvent]:
        return self._events

    async def __anext__(self) -> BuildEvent:
        return await self._events.__anext__()

    async def __aenter__(self) -> BuildEvents:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection and end the iteration; safe to call more than once."""
        await self._events.aclose()
        await self._source.aclose()


async def _typed_events(source: EventSource, url: str) -> AsyncGenerator[BuildEvent, None]:
    async with source:
        async for frame in source:
            if frame.event != "message":
                continue  # event types the API may add later carry no build line
            event = decode_event(_DECODER, frame.data, frame_id=frame.id, url=url)
            yield event
            if is_final_event(event):
                return  # the server closes the stream next; no need to wait for it


async def wait_for_build(
    builds: Builds,
    ref: str | TemplateRef,
    *,
    within: float | None = None,
    cancel_on_timeout: bool = False,
    cancel_on_cancel: bool = True,
) -> BuildInfo:
    """Wait until ``ref``'s build ends, at most ``within`` seconds; its final status when ready.

    Implements :meth:`orgo_async.resources.builds.Builds.wait`, which documents it.
    """
    if within is not None and not _is_wait_limit(within):
        raise ConfigurationError(f"timeout must be a number of seconds or None, not {within!r}")
    parsed = TemplateRef.parse(ref)
    lines: deque[BuildEvent] = deque(maxlen=_LAST_LINES)
    watch = _Watch(builds, parsed, lines)
    try:
        with anyio.move_on_after(within if within is not None else float("inf")) as deadline:
            info = await watch.until_ended()
    except anyio.get_cancelled_exc_class():
        # The caller gave up on the build: stop it on the server too, unless told not to.
        if cancel_on_cancel:
            await _cancel_remote(builds, parsed)
        raise
    if deadline.cancelled_caught:
        if cancel_on_timeout:
            await _cancel_remote(builds, parsed)
        raise BuildTimeoutError(
            f"gave up waiting for the build of {parsed} after {within} s"
            + (" and cancelled it" if cancel_on_timeout else ""),
            ref=str(parsed),
            info=watch.info,
            last_lines=lines,
        )
    return _conclude(parsed, info, lines)


class _Watch:
    """Follows one build to its end: the log while it streams, the status otherwise."""

    def __init__(self, builds: Builds, ref: TemplateRef, lines: deque[BuildEvent]):
        self._builds = builds
        self._ref = ref
        self._lines = lines
        self.info: BuildInfo | None = None

    async def until_ended(self) -> BuildInfo:
        info = self.info = await self._builds.status(self._ref)
        if info.status != "building":
            return info
        try:
            async with self._builds.events(self._ref) as events:
                async for event in events:
                    self._lines.append(event)
        except _STREAM_UNAVAILABLE as exc:
            _log.debug("build log of %s unavailable (%s); polling its status", self._ref, exc)
        # The stream can end a moment before the status settles; poll until it has.
        return await self._poll()

    async def _poll(self) -> BuildInfo:
        delay = _POLL_FIRST
        while True:
            info = self.info = await self._builds.status(self._ref)
            if info.status != "building":
                return info
            await anyio.sleep(delay)
            delay = min(delay * _POLL_GROWTH, _POLL_MAX)


def _conclude(ref: TemplateRef, info: BuildInfo, lines: deque[BuildEvent]) -> BuildInfo:
    """``info`` when the build is ready; otherwise the BuildError that says how it ended."""
    if info.status == "ready":
        return info
    name, last = str(ref), lines[-1] if lines else None
    if info.status != "failed":
        raise BuildError(
            f"{ref} has no build to wait for (status {info.status})",
            ref=name,
            info=info,
            last_lines=lines,
        )
    if info.error == _CANCELLED_ERROR or (last is not None and last.phase == "cancel"):
        raise BuildCancelledError(
            f"the build of {ref} was cancelled", ref=name, info=info, last_lines=lines
        )
    if info.error == _TIMEOUT_ERROR or (last is not None and last.phase == "timeout"):
        raise BuildTimeoutError(
            f"the build of {ref} timed out on the server", ref=name, info=info, last_lines=lines
        )
    reason = info.error or (last.line if last is not None and last.level == "error" else None)
    raise BuildFailedError(
        f"the build of {ref} failed: {reason or 'no reason given'}",
        error=info.error,
        ref=name,
        info=info,
        last_lines=lines,
    )


async def _cancel_remote(builds: Builds, ref: TemplateRef) -> None:
    """Cancel ``ref``'s build, shielded from the cancellation that prompted it, time-boxed."""
    with anyio.move_on_after(CLEANUP_TIMEOUT, shield=True):
        try:
            await builds.cancel(ref, max_retries=1)
        except OrgoError as exc:
            # Best effort: a build left running still ends on its own server-side timeout.
            _log.warning("could not cancel the build of %s: %s", ref, exc)


def _is_wait_limit(value: object) -> bool:
    # Zero or less gives up at once, like any elapsed deadline; NaN is no deadline at all.
    return isinstance(value, (int, float)) and not isinstance(value, bool) and not math.isnan(value)
