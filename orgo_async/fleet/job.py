"""One build's place in a fleet: the internal job record and the handle callers hold."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from dataclasses import dataclass, field

import anyio
import anyio.lowlevel

from orgo_async.documents import Template, template_digest
from orgo_async.errors import OrgoError
from orgo_async.fleet.hub import DEFAULT_CONSUMER_TIMEOUT, EventHub
from orgo_async.fleet.report import BuildOutcome, BuildState, FleetEvent, OutcomeStatus
from orgo_async.refs import TemplateRef

__all__ = ["BuildHandle", "BuildJob"]


@dataclass(eq=False, slots=True)
class BuildJob:
    """Everything the fleet tracks about one ref, from submit to outcome."""

    ref: TemplateRef
    template: Template | bytes | None
    """What to publish: a loaded template, or a document as written that nothing checked."""
    digest: str | None
    """The digest to group twins by, once known (from publish, status or start)."""
    publish: bool
    force: bool
    submitted_at: float
    event_buffer: int
    consumer_timeout: float | None = DEFAULT_CONSUMER_TIMEOUT
    validate: bool = True
    """Whether publishing checks the document first (``submit(..., validate=False)``)."""
    state: BuildState = "queued"
    attempts: int = 0
    published: bool = False
    claimed_digest: str | None = None
    """The digest this job holds on the fleet's board while it builds."""
    remote_active: bool = False
    """A build start was sent and the build's end is not known yet."""
    slot_at: float | None = None
    scope: anyio.CancelScope | None = None
    cancel_reason: str | None = None
    outcome: BuildOutcome | None = None
    finished: bool = False
    """The fleet has counted the job as ended and sent its terminal item."""
    hub: EventHub | None = None
    # Made only when someone waits on this one build: thousands of queued jobs need none.
    done: anyio.Event | None = None
    name: str = field(init=False)
    """The ref as text, as events and outcomes carry it."""
    _document_digest: str | None = None

    def document_digest(self) -> str | None:
        """The local digest of a loaded document, computed on first use; None for text."""
        if not isinstance(self.template, Template):
            return None
        if self._document_digest is None:
            self._document_digest = template_digest(self.template)
        return self._document_digest

    def __post_init__(self) -> None:
        self.name = str(self.ref)

    def cancel_requested(self) -> bool:
        """Whether the job was asked to stop (it may still be settling)."""
        return self.cancel_reason is not None

    def request_cancel(self, reason: str) -> bool:
        """Mark the job cancelled and stop its work; False when it had already ended."""
        if self.outcome is not None:
            return False
        if self.cancel_reason is None:
            self.cancel_reason = reason
        if self.scope is not None:
            self.scope.cancel()
        return True

    def conclude(
        self,
        status: OutcomeStatus,
        *,
        now: float,
        error: str | None = None,
        error_type: str | None = None,
        build_time_ms: int | None = None,
        reused: bool = False,
    ) -> BuildOutcome:
        """Record the outcome, wake whoever waits on it, and return it."""
        if self.outcome is not None:
            return self.outcome
        slot_at = self.slot_at if self.slot_at is not None else now
        self.outcome = BuildOutcome(
            ref=self.name,
            status=status,
            digest=self.digest,
            reused=reused,
            build_time_ms=build_time_ms,
            attempts=self.attempts,
            error=error,
            error_type=error_type,
            queue_time=max(0.0, slot_at - self.submitted_at),
            wall_time=max(0.0, now - self.submitted_at),
        )
        self.state = status
        if self.done is not None:
            self.done.set()
        return self.outcome

    def conclude_error(self, exc: OrgoError, *, now: float) -> BuildOutcome:
        """Record a failed outcome caused by ``exc``."""
        return self.conclude("failed", now=now, error=str(exc), error_type=type(exc).__name__)

    def conclude_cancelled(self, *, now: float) -> BuildOutcome:
        """Record a cancelled outcome with the reason the job was cancelled for."""
        return self.conclude(
            "cancelled", now=now, error=self.cancel_reason or "cancelled", error_type=None
        )

    def hub_for_handle(self) -> EventHub:
        """The handle's own event hub, made on first use."""
        if self.hub is None:
            self.hub = EventHub(self.event_buffer, self.consumer_timeout)
        return self.hub


class BuildHandle:
    """One build in a fleet, as :meth:`BuildFleet.submit` returns it.

    Submitting the same ref again returns the same handle, so duplicates share one outcome.
    """

    __slots__ = ("_cancel", "_job")

    def __init__(self, job: BuildJob, cancel: Callable[[BuildJob], None]):
        self._job = job
        self._cancel = cancel

    def __repr__(self) -> str:
        return f"<BuildHandle {self._job.name} {self._job.state}>"

    @property
    def ref(self) -> str:
        """The ref being built, ``namespace/name@version``."""
        return self._job.name

    @property
    def state(self) -> BuildState:
        """Where the build stands now; see :data:`~orgo_async.fleet.BuildState`."""
        return self._job.state

    @property
    def outcome(self) -> BuildOutcome | None:
        """The outcome, once the build has ended."""
        return self._job.outcome

    def done(self) -> bool:
        """Whether the build has ended."""
        return self._job.outcome is not None

    async def wait(self) -> BuildOutcome:
        """Wait for the build to end and return its outcome (a failure is an outcome)."""
        job = self._job
        if job.outcome is None:
            if job.done is None:
                job.done = anyio.Event()
            await job.done.wait()
        else:
            await anyio.lowlevel.checkpoint()
        assert job.outcome is not None
        return job.outcome

    async def events(self) -> AsyncGenerator[FleetEvent, None]:
        """Follow this build's items (log lines and state changes) until its terminal item.

        Items before the first step are not replayed; once the build has ended this
        yields only its terminal item. A consumer that stops reading is dropped as the
        fleet's :meth:`BuildFleet.events` consumers are, with
        :class:`~orgo_async.FellBehindError`.
        """
        job = self._job
        if job.outcome is not None:
            yield FleetEvent(ref=job.name, kind=job.outcome.status, outcome=job.outcome)
            return
        async with aclosing(job.hub_for_handle().subscribe()) as items:
            async for item in items:
                yield item

    def cancel(self) -> None:
        """Cancel this build (on the server too, if it started); it ends ``cancelled``."""
        self._cancel(self._job)
