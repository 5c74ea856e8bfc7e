"""``orgo.builds``: start, inspect and cancel a version's golden-snapshot build."""

from __future__ import annotations

from typing import Final

import msgspec

from orgo_async._timeout import Timeout
from orgo_async._transport import Request, check_max_retries
from orgo_async.errors import NotFoundError
from orgo_async.models import BuildInfo, CancelResult
from orgo_async.refs import TemplateRef
from orgo_async.resources._base import Resource
from orgo_async.resources.build_logs import (
    DEFAULT_IDLE_TIMEOUT,
    DEFAULT_STREAM_RECONNECTS,
    BuildEvents,
    wait_for_build,
)

__all__ = ["Builds"]

_BUILD: Final = msgspec.json.Decoder(BuildInfo)
_CANCEL: Final = msgspec.json.Decoder(CancelResult)


def _build_path(ref: str | TemplateRef) -> str:
    return f"/templates/{TemplateRef.parse(ref).path}/build"


class Builds(Resource):
    """Golden-snapshot builds: ``orgo.builds``.

    Every method also takes ``timeout=`` (seconds or a :class:`~orgo_async.Timeout`) and
    ``max_retries=``, overriding the client's settings for that call.
    """

    async def start(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> BuildInfo:
        """Start building ``ref``; returns at once with status ``building`` (or ``ready``).

        Starting again while a build runs returns that build, and a digest that already
        has a golden snapshot answers ``ready`` with ``reused`` true, so this is retried
        like a read.

        Raises:
            NotFoundError: no such version.
            RateLimitError: build rate limit or host capacity reached (after retries).
        """
        response = await self._transport.request(
            Request("POST", _build_path(ref)), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_BUILD)

    async def status(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> BuildInfo:
        """Where ``ref``'s build stands: ``not_built``, ``building``, ``ready`` or ``failed``."""
        response = await self._transport.request(
            Request("GET", _build_path(ref)), timeout=timeout, max_retries=max_retries
        )
        return response.decode(_BUILD)

    async def cancel(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> CancelResult:
        """Cancel ``ref``'s running build; status ``idle`` means nothing was building.

        Raises:
            NotFoundError: no such version (any 404 other than the ``idle`` answer).
        """
        try:
            response = await self._transport.request(
                Request("DELETE", _build_path(ref)), timeout=timeout, max_retries=max_retries
            )
        except NotFoundError as exc:
            # The API answers "nothing to cancel" as 404 {"status": "idle"}: a normal outcome.
            if isinstance(exc.body, dict) and exc.body.get("status") == "idle":
                return CancelResult(status="idle")
            raise
        return response.decode(_CANCEL)

    def events(
        self,
        ref: str | TemplateRef,
        *,
        last_event_id: str | None = None,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        max_retries: int | None = None,
    ) -> BuildEvents:
        """Follow ``ref``'s build log: typed events from the first line to the last.

        Iterate with ``async for``, preferably inside ``async with``; the iteration ends
        after the final line (phase ``ready``, ``cancel`` or ``timeout``, or a
        ``level="error"`` line). A late subscriber gets the whole log from the start. A
        dropped connection is reopened after the server's ``retry:`` delay and resumes
        after the last line received, so no line is lost or repeated.

        Args:
            ref: the template version whose build to follow.
            last_event_id: resume after this frame (``BuildEvents.last_event_id``).
            idle_timeout: seconds in which no line ends (keep-alives are lines; bytes
                dripping into one line are not) before the connection is reopened; a
                second such silence in a row raises :class:`~orgo_async.APITimeoutError`.
                ``None`` waits forever.
            max_retries: reconnects in a row without a new line before giving up, and
                retries of a log that never connected (default: the client's
                ``max_retries`` for those, 8 reconnects once it has streamed).

        Raises:
            NotFoundError: no such version, or it was never built.
            EventDecodeError: a frame is not a valid BuildEvent.
            APIConnectionError: the stream kept dropping without progress.
        """
        return BuildEvents(
            self._transport,
            ref,
            last_event_id=last_event_id,
            idle_timeout=idle_timeout,
            max_reconnects=(
                DEFAULT_STREAM_RECONNECTS if max_retries is None else check_max_retries(max_retries)
            ),
            max_connect_retries=max_retries,
        )

    async def wait(
        self,
        ref: str | TemplateRef,
        *,
        timeout: float | None = None,
        cancel_on_timeout: bool = False,
        cancel_on_cancel: bool = True,
    ) -> BuildInfo:
        """Wait until ``ref``'s build ends; returns its final status when ``ready``.

        Follows the build log, and polls the status with backoff when the log cannot be
        streamed (404, 5xx, a stream that keeps dropping). If the waiting task is
        cancelled, the build is cancelled on the server too (shielded, within 5 s),
        unless ``cancel_on_cancel`` is false.

        Args:
            ref: the template version whose build to wait for.
            timeout: the longest wait in seconds; ``None`` waits for as long as it takes.
            cancel_on_timeout: cancel the build on the server when ``timeout`` elapses.
            cancel_on_cancel: cancel the build on the server when the waiting task is
                cancelled; false leaves it running, to be followed again later.

        Raises:
            BuildFailedError: the build failed; ``error`` and ``last_lines`` say why.
            BuildCancelledError: the build was cancelled.
            BuildTimeoutError: the build timed out on the server, or ``timeout`` elapsed.
            BuildError: there is no build to wait for (status ``not_built``).
            NotFoundError: no such version.
            ConfigurationError: ``timeout`` is not a number of seconds.
        """
        return await wait_for_build(
            self,
            ref,
            within=timeout,
            cancel_on_timeout=cancel_on_timeout,
            cancel_on_cancel=cancel_on_cancel,
        )
