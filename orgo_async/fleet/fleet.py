"""``BuildFleet``: build many templates at once, bounded, rate-limit aware, cancellable."""

from __future__ import annotations

import math
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import TypeVar

import anyio
from anyio.abc import TaskGroup

from orgo_async._client import Orgo
from orgo_async.errors import ConfigurationError
from orgo_async.fleet.digests import DigestBoard
from orgo_async.fleet.errors import FleetClosedError, RefConflictError
from orgo_async.fleet.gate import StartGate
from orgo_async.fleet.hub import DEFAULT_CONSUMER_TIMEOUT, EventHub
from orgo_async.fleet.job import BuildHandle, BuildJob
from orgo_async.fleet.report import BuildOutcome, FleetEvent, FleetReport
from orgo_async.fleet.runner import BuildRunner
from orgo_async.fleet.submission import SubmitSource, take_submission

__all__ = ["DEFAULT_CONSUMER_TIMEOUT", "DEFAULT_EVENT_BUFFER", "BuildFleet"]

DEFAULT_EVENT_BUFFER = 256
"""Items each ``events()`` consumer may fall behind by before builds wait for it."""

_Self = TypeVar("_Self", bound="BuildFleet")


class BuildFleet:
    """Build many templates concurrently: ``async with BuildFleet(orgo) as fleet``.

    ``await submit(...)`` checks a document (off the event loop), queues its build and
    returns its :class:`BuildHandle`; at most ``concurrency`` builds are in flight, each
    in a task of the fleet's own task group (opened on entry, closed on exit), however
    many are queued. Leaving the block
    normally waits for every build, like a task group; leaving it with an error (or
    being cancelled) cancels every build, on the server too when ``cancel_on_exit``.

    Args:
        orgo: an open client.
        concurrency: the most builds in flight at once.
        fail_fast: on the first failed or timed-out build, cancel all the others.
        build_timeout: seconds a build may run after its start was accepted; past it the
            build is cancelled on the server and ends ``timeout``.
        cancel_on_exit: cancel builds still running on the server when the block is left
            with an error or cancelled; ``False`` leaves them running there.
        event_buffer: items each :meth:`events` consumer may fall behind by.
        consumer_timeout: seconds builds wait for room in a consumer's full buffer before
            dropping that consumer (its iterator then raises
            :class:`~orgo_async.FellBehindError` after its buffered items); ``None``
            waits for as long as it takes.

    Raises:
        ConfigurationError: a setting out of range.
    """

    def __init__(
        self,
        orgo: Orgo,
        *,
        concurrency: int = 8,
        fail_fast: bool = False,
        build_timeout: float | None = None,
        cancel_on_exit: bool = True,
        event_buffer: int = DEFAULT_EVENT_BUFFER,
        consumer_timeout: float | None = DEFAULT_CONSUMER_TIMEOUT,
    ):
        _check_positive_int("concurrency", concurrency)
        _check_positive_int("event_buffer", event_buffer)
        if consumer_timeout is not None and not _is_positive_seconds(consumer_timeout):
            raise ConfigurationError(
                f"consumer_timeout must be seconds > 0 or None, not {consumer_timeout!r}"
            )
        if build_timeout is not None and not (
            isinstance(build_timeout, (int, float))
            and not isinstance(build_timeout, bool)  # True is an int, not one second
            and math.isfinite(build_timeout)
        ):
            raise ConfigurationError(f"build_timeout must be finite seconds, not {build_timeout!r}")
        if build_timeout is not None and build_timeout <= 0:
            raise ConfigurationError(f"build_timeout must be positive, not {build_timeout!r}")
        self._orgo = orgo
        self._concurrency = concurrency
        self._fail_fast = fail_fast
        self._event_buffer = event_buffer
        self._consumer_timeout = consumer_timeout
        self._build_timeout = build_timeout
        self._cancel_on_exit = cancel_on_exit
        self._jobs: dict[str, BuildJob] = {}
        self._handles: dict[str, BuildHandle] = {}
        self._submitted = 0
        self._outstanding = 0
        self._accepting = False
        self._entered = False
        self._started_at = 0.0
        self._finished_at: float | None = None
        self._gate = StartGate(orgo.retry)
        self._board: DigestBoard[BuildJob] = DigestBoard()
        self._hub = EventHub(event_buffer, consumer_timeout)
        self._tg: TaskGroup | None = None

    # --- lifecycle -------------------------------------------------------------

    async def __aenter__(self: _Self) -> _Self:
        if self._entered:
            raise FleetClosedError("a BuildFleet can be entered only once")
        self._entered = True
        self._limiter = anyio.CapacityLimiter(self._concurrency)
        # Queuing a checked submission needs no await, so jobs go through an unbounded
        # stream (data, not tasks); tasks are only ever started when a slot is free.
        self._intake_send, self._intake = anyio.create_memory_object_stream[BuildJob](math.inf)
        self._ready_send, self._ready = anyio.create_memory_object_stream[BuildJob](math.inf)
        self._finished = anyio.Event()
        self._runner = BuildRunner(
            self._orgo,
            gate=self._gate,
            board=self._board,
            emit=self._emit,
            build_timeout=self._build_timeout,
            cancel_on_exit=self._cancel_on_exit,
        )
        self._started_at = anyio.current_time()
        self._accepting = True
        tg = anyio.create_task_group()
        await tg.__aenter__()
        self._tg = tg
        tg.start_soon(self._take_submissions, name="orgo-fleet-intake")
        tg.start_soon(self._dispatch, name="orgo-fleet-dispatch")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        assert self._tg is not None
        tg = self._tg
        if exc_type is None:
            self.close_submissions()
        else:
            self._close_intake()
        try:
            if exc is None or isinstance(exc, anyio.get_cancelled_exc_class()):
                return await tg.__aexit__(exc_type, exc, tb)
            # The block's own error is not the fleet's: cancel the builds and let it
            # propagate as it was raised, not wrapped in the task group's exception group.
            tg.cancel_scope.cancel()
            await tg.__aexit__(None, None, None)
            return None
        finally:
            # Builds the teardown cut off never reached their own end: settle them here,
            # so every handle resolves and the report covers every ref.
            reason = "the fleet was left before this build ended"
            now = anyio.current_time()
            for job in self._jobs.values():
                if job.outcome is None:
                    job.request_cancel(reason)
                    job.conclude_cancelled(now=now)
                if job.hub is not None:
                    job.hub.close()
            # Parked twins were settled above; off the board, a later cancel() finds none
            # to put back on the (closed) ready stream.
            self._board.drain()
            self._close_streams()
            self._mark_finished()

    # --- submitting ---------------------------------------------------------------

    async def submit(
        self,
        source: SubmitSource,
        *,
        publish: bool = True,
        force: bool = False,
        validate: bool = True,
    ) -> BuildHandle:
        """Check ``source``, queue its build and return its handle: ``await fleet.submit(...)``.

        ``source`` is a ref (``TemplateRef`` or a string that parses as one), built as
        it is, or a document (``Template``, path, YAML/JSON text or mapping), which is
        read and validated here, off the event loop unless it is tiny, then published as
        written (unless ``publish=False``; ``force`` republishes a changed version) and
        built. ``validate=False`` skips the local check: the document is only parsed for
        the ref it names, and the server alone judges it. A ref already in the fleet
        returns its handle. The await lasts as long as reading the document; the build
        itself runs in the fleet.

        Raises:
            InvalidRefError: a ref that does not parse.
            TemplateSyntaxError, TemplateValidationError: an invalid document; nothing queued.
            TemplateError: a path that cannot be read; nothing queued.
            RefConflictError: the ref is already in the fleet with different content.
            FleetClosedError: the fleet takes no more submissions.
        """
        self._check_accepting()
        submission = await take_submission(source, validate=validate)
        # Submissions may have closed while the document was read.
        self._check_accepting()
        name = str(submission.ref)
        existing = self._jobs.get(name)
        if existing is not None:
            # Only loaded documents have a local digest; text sent unchecked is not compared.
            other = submission.digest
            first = existing.document_digest() if other is not None else None
            if first is not None and other is not None and first != other:
                raise RefConflictError(name, digest=first, other_digest=other)
            self._submitted += 1
            return self._handles[name]
        job = BuildJob(
            ref=submission.ref,
            template=submission.template,
            digest=None,
            publish=publish,
            force=force,
            submitted_at=anyio.current_time(),
            event_buffer=self._event_buffer,
            consumer_timeout=self._consumer_timeout,
            validate=validate,
            _document_digest=submission.digest,
        )
        if submission.digest is not None and not publish:
            # Nothing to publish, so no server digest before the start: group twins by ours.
            job.digest = submission.digest
        handle = BuildHandle(job, self._cancel_job)
        self._jobs[name] = job
        self._handles[name] = handle
        self._submitted += 1
        self._outstanding += 1
        self._intake_send.send_nowait(job)
        return handle

    def _check_accepting(self) -> None:
        if not self._accepting:
            state = "not entered" if not self._entered else "closed to new builds"
            raise FleetClosedError(f"the fleet is {state}")

    def close_submissions(self) -> None:
        """Take no more submissions; queued builds go on. :meth:`events` can then end."""
        self._close_intake()
        self._finish_if_idle()

    def cancel(self) -> None:
        """Cancel every queued and running build (on the server too) and take no more.

        The builds end ``cancelled``; :meth:`wait` returns once they have.
        """
        self._cancel_all("the fleet was cancelled")

    # --- results -----------------------------------------------------------------------

    async def wait(self) -> FleetReport:
        """Close submissions, wait for every build to end, and return the report.

        Raises:
            FleetClosedError: the fleet was never entered, so nothing could end.
        """
        if not self._entered:
            raise FleetClosedError(
                "the fleet is not entered; use it as `async with BuildFleet(...)`"
            )
        self.close_submissions()
        await self._finished.wait()
        return self.report()

    def report(self) -> FleetReport:
        """The report of the builds that have ended so far (all of them, once finished)."""
        if not self._entered:
            end = self._started_at
        elif self._finished_at is not None:
            end = self._finished_at
        else:
            end = anyio.current_time()
        outcomes = [job.outcome for job in self._jobs.values() if job.outcome is not None]
        return FleetReport.from_outcomes(
            outcomes,
            submitted=self._submitted,
            rate_limit_pauses=self._gate.pauses,
            wall_time=max(0.0, end - self._started_at),
        )

    def events(self) -> AsyncGenerator[FleetEvent, None]:
        """Follow every build's log lines and state changes, merged, in arrival order.

        The iterator receives items from its first step on (nothing is replayed) and ends
        once the fleet has finished: submissions closed (:meth:`close_submissions`,
        :meth:`wait`, :meth:`cancel` or leaving the block) and every build ended. Each
        consumer has a buffer of ``event_buffer`` items; when it is full, builds wait, so
        keep reading (do not await :meth:`wait` inside the loop) or close the iterator.
        A consumer that takes nothing for ``consumer_timeout`` seconds while its buffer is
        full is dropped: its iterator hands out what it had buffered, then raises
        :class:`~orgo_async.FellBehindError`. With no consumer, items are dropped.
        """
        return self._hub.subscribe()

    @property
    def handles(self) -> list[BuildHandle]:
        """A handle for every ref submitted so far, in submission order."""
        return list(self._handles.values())

    # --- internals -----------------------------------------------------------------------

    def _close_intake(self) -> None:
        if self._accepting:
            self._accepting = False
            self._intake_send.close()

    def _cancel_all(self, reason: str) -> None:
        self._close_intake()
        for job in self._jobs.values():
            job.request_cancel(reason)
        # Parked twins are in no queue; put them back so the dispatcher settles them.
        for job in self._board.drain():
            self._ready_send.send_nowait(job)
        self._finish_if_idle()

    def _cancel_job(self, job: BuildJob) -> None:
        if job.request_cancel("cancelled by its handle") and self._board.unpark(job):
            self._ready_send.send_nowait(job)

    async def _take_submissions(self) -> None:
        async with self._intake:
            async for job in self._intake:
                await self._emit(job, FleetEvent(ref=job.name, kind="queued"))
                self._ready_send.send_nowait(job)

    async def _dispatch(self) -> None:
        assert self._tg is not None
        async with self._ready:
            async for job in self._ready:
                if job.finished:
                    continue
                if not job.cancel_requested():
                    await self._limiter.acquire_on_behalf_of(job)
                    # A cancel may have come while this job waited for its slot.
                    if not job.cancel_requested():
                        if job.slot_at is None:
                            job.slot_at = anyio.current_time()
                        self._tg.start_soon(self._run, job, name=f"orgo-fleet {job.name}")
                        continue
                    self._limiter.release_on_behalf_of(job)
                await self._finish(job, job.conclude_cancelled(now=anyio.current_time()))

    async def _run(self, job: BuildJob) -> None:
        # The slot is held until the terminal item is handed over, so builds ending
        # while a consumer is slow cannot pile up as tasks beyond `concurrency`.
        try:
            outcome = await self._runner.run(job)
            if outcome is None:
                # Parked behind a twin of the same digest, whose end schedules it again;
                # unless it was cancelled meanwhile, then the dispatcher settles it now.
                if job.cancel_requested() and self._board.unpark(job):
                    self._ready_send.send_nowait(job)
                return
            if job.claimed_digest is not None:
                for twin in self._board.release(job.claimed_digest, job, built=outcome.ok):
                    self._ready_send.send_nowait(twin)
            await self._finish(job, outcome)
        finally:
            self._limiter.release_on_behalf_of(job)

    async def _finish(self, job: BuildJob, outcome: BuildOutcome) -> None:
        if job.finished:
            return
        job.finished = True
        if self._fail_fast and outcome.status in ("failed", "timeout"):
            self._cancel_all(f"cancelled because {job.name} ended {outcome.status} (fail_fast)")
        try:
            await self._emit(job, FleetEvent(ref=job.name, kind=outcome.status, outcome=outcome))
        finally:
            if job.hub is not None:
                job.hub.close()
            self._outstanding -= 1
            self._finish_if_idle()

    async def _emit(self, job: BuildJob, item: FleetEvent) -> None:
        if item.kind != "log":
            job.state = item.kind
        await self._hub.publish(item)
        if job.hub is not None:
            await job.hub.publish(item)

    def _finish_if_idle(self) -> None:
        if (
            self._entered
            and not self._accepting
            and self._outstanding == 0
            and self._finished_at is None
        ):
            self._close_streams()
            self._mark_finished()

    def _close_streams(self) -> None:
        self._ready_send.close()
        self._hub.close()

    def _mark_finished(self) -> None:
        if self._finished_at is None:
            self._finished_at = anyio.current_time()
        self._finished.set()


def _is_positive_seconds(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)  # True is an int, not one second
        and math.isfinite(value)
        and value > 0
    )


def _check_positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be an integer >= 1, not {value!r}")
