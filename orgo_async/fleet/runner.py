"""One build, from where it stands to its outcome: publish, start through the gate, follow."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import suppress

import anyio

from orgo_async._client import Orgo
from orgo_async.errors import (
    APIConnectionError,
    BuildError,
    InternalServerError,
    OrgoError,
    RateLimitError,
    StreamError,
)
from orgo_async.fleet.digests import DigestBoard
from orgo_async.fleet.gate import StartGate
from orgo_async.fleet.job import BuildJob
from orgo_async.fleet.report import BuildOutcome, BuildState, FleetEvent, outcome_status
from orgo_async.models import TERMINAL_STATUSES, BuildInfo

__all__ = ["CLEANUP_TIMEOUT", "BuildRunner"]

CLEANUP_TIMEOUT = 5.0
"""Seconds a shielded server-side cancel may take while the fleet is being torn down."""

Emit = Callable[[BuildJob, FleetEvent], Awaitable[None]]


class BuildRunner:
    """Drives one job of a fleet; the fleet calls :meth:`run` from the job's own task.

    Args:
        orgo: the client.
        gate: the fleet-wide start gate.
        board: the fleet's digest board.
        emit: hands an item to the fleet's subscribers (and the job's), with backpressure.
        build_timeout: seconds from an accepted start to the build's end, or ``None``.
        cancel_on_exit: whether a build cut off by the fleet's teardown is cancelled on
            the server; explicit cancels, ``fail_fast`` and timeouts always are.
    """

    def __init__(
        self,
        orgo: Orgo,
        *,
        gate: StartGate,
        board: DigestBoard[BuildJob],
        emit: Emit,
        build_timeout: float | None,
        cancel_on_exit: bool,
    ):
        self._orgo = orgo
        self._gate = gate
        self._board = board
        self._emit = emit
        self._build_timeout = build_timeout
        self._cancel_on_exit = cancel_on_exit

    async def run(self, job: BuildJob) -> BuildOutcome | None:
        """Take ``job`` to its outcome; ``None`` when it was parked behind a digest twin.

        A failure of the API becomes a failed outcome; cancelling the job (its own
        scope) gives a cancelled one. Cancellation from outside propagates, after
        the server-side cancel when ``cancel_on_exit`` says so.
        """
        already_ended = False
        with anyio.CancelScope() as scope:
            job.scope = scope
            if job.cancel_reason is not None:
                scope.cancel()
            try:
                return await self._drive(job)
            except OrgoError as exc:
                await self._abandon(job)
                return job.conclude_error(exc, now=anyio.current_time())
            except anyio.get_cancelled_exc_class():
                if scope.cancel_called or self._cancel_on_exit:
                    already_ended = await self._abandon(job)
                raise
            except BaseException:
                await self._abandon(job)
                raise
            finally:
                job.scope = None
        # Only the job's own scope gets here. A cancel that found nothing building means the
        # build ended before the cancel arrived: report that end, not a cancel that never was.
        ended = await self._ended_status(job) if already_ended else None
        if ended is not None:
            return _outcome_of(job, ended)
        return job.conclude_cancelled(now=anyio.current_time())

    async def _drive(self, job: BuildJob) -> BuildOutcome | None:
        if job.template is not None and job.publish and not job.published:
            await self._enter(job, "publishing")
            published = await self._orgo.templates.publish(
                job.template, force=job.force, validate=job.validate
            )
            job.published = True
            job.digest = published.digest
        if job.digest is None:
            # A bare ref: learn its digest before starting, so twins never build in parallel.
            job.digest = (await self._orgo.builds.status(job.ref)).digest
        if job.claimed_digest is None:
            if self._board.blocks(job.digest, job):
                await self._enter(job, "waiting")
            # No await between a failed claim and the return: a parked job has no task,
            # so whoever cancels it finds it on the board, never half-way.
            if not self._board.claim(job.digest, job):
                return None
            job.claimed_digest = job.digest
        info = await self._start(job)
        job.digest = info.digest
        if info.status == "building":
            await self._enter(job, "building")
            final = await self._follow(job)
            if final is None:
                return job.conclude(
                    "timeout",
                    now=anyio.current_time(),
                    error=f"build did not end within {self._build_timeout:g}s; cancelled",
                    error_type="BuildTimeoutError",
                )
            info = final
        job.remote_active = False
        return _outcome_of(job, info)

    async def _start(self, job: BuildJob) -> BuildInfo:
        """Send the build start, pausing the whole fleet on 429 and retrying brief failures.

        The client's own retries are off for this call: it would retry a 429 on its
        own schedule while the gate holds every other build back. Starting twice is
        safe (the server returns the build in flight), so 5xx and dropped connections
        are retried here, up to the client's ``max_retries``.
        """
        failures = 0
        backoff = None
        while True:
            await self._gate.wait()
            job.attempts += 1
            job.remote_active = True
            try:
                info = await self._orgo.builds.start(job.ref, max_retries=0)
            except RateLimitError as exc:
                self._gate.refused(exc.retry_after)
                continue
            except (InternalServerError, APIConnectionError):
                failures += 1
                if failures > self._orgo.max_retries:
                    raise
                backoff = backoff or self._orgo.retry.backoff()
                await self._orgo.retry.sleep(backoff.next_delay() or 0.0)
                continue
            self._gate.accepted()
            return info

    async def _follow(self, job: BuildJob) -> BuildInfo | None:
        """Forward the build's log until it ends; its final status, or ``None`` on timeout."""
        if self._build_timeout is None:
            return await self._watch(job)
        with anyio.move_on_after(self._build_timeout) as deadline:
            return await self._watch(job)
        assert deadline.cancelled_caught
        if await self._abandon(job):
            return await self._ended_status(job)  # it ended just as the deadline passed
        return None

    async def _watch(self, job: BuildJob) -> BuildInfo:
        name = job.name
        try:
            async with self._orgo.builds.events(job.ref) as events:
                async for event in events:
                    await self._emit(job, FleetEvent(ref=name, kind="log", event=event))
        except (StreamError, APIConnectionError):
            # The log is lost past this point, not the build: wait for its end instead.
            return await self._settle(job)
        info = await self._orgo.builds.status(job.ref)
        if info.status == "building":
            # The log's last line can come a moment before the status settles.
            info = await self._settle(job)
        return info

    async def _settle(self, job: BuildJob) -> BuildInfo:
        """The build's final status, as ``orgo.builds.wait`` finds it (its errors undone)."""
        try:
            return await self._orgo.builds.wait(job.ref)
        except BuildError as exc:
            if exc.info is None:
                raise
            return exc.info

    async def _enter(self, job: BuildJob, state: BuildState) -> None:
        if job.state == state:
            return  # a twin parked again after a failed holder: still just waiting
        await self._emit(job, FleetEvent(ref=job.name, kind=state))

    async def _abandon(self, job: BuildJob) -> bool:
        """Cancel the job's build on the server, shielded, if it may still be running.

        Returns:
            True when the server found nothing building: the build had already ended
            (or never started).
        """
        if not job.remote_active:
            return False
        job.remote_active = False
        # Best effort: if the cancel fails, the build's own end settles it on the server.
        with anyio.move_on_after(CLEANUP_TIMEOUT, shield=True), suppress(OrgoError):
            result = await self._orgo.builds.cancel(job.ref, max_retries=1)
            return result.status == "idle"
        return False

    async def _ended_status(self, job: BuildJob) -> BuildInfo | None:
        """The build's status if it has ended (ready or failed), read shielded and time-boxed."""
        with anyio.move_on_after(CLEANUP_TIMEOUT, shield=True), suppress(OrgoError):
            info = await self._orgo.builds.status(job.ref, max_retries=1)
            if info.status in TERMINAL_STATUSES:
                return info
        return None


def _outcome_of(job: BuildJob, info: BuildInfo) -> BuildOutcome:
    now = anyio.current_time()
    status = outcome_status(info)
    if status in ("ready", "reused"):
        return job.conclude(status, now=now, build_time_ms=info.build_time_ms, reused=info.reused)
    if status == "cancelled":
        return job.conclude(status, now=now, error="the server reports the build cancelled")
    if status == "timeout":
        # The same error_type as a fleet-side build_timeout: one kind of ending, one name.
        return job.conclude(
            status,
            now=now,
            error="the server reports the build timed out",
            error_type="BuildTimeoutError",
        )
    error = info.error or f"build ended with status {info.status}"
    return job.conclude(status, now=now, error=error, error_type="BuildFailedError")
