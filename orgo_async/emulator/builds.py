"""Simulated golden-snapshot builds: one task per build in the emulator's task group.

A build plays its planned log (see :mod:`~orgo_async.emulator.buildplan`) over
``build_time`` seconds and settles as ``ready`` or ``failed``. Every way a build ends
goes through :meth:`Builds._finish`, which never awaits, so status, log and statistics
change together.

Identical templates share a build: a ref started while another ref of the same digest is
building follows that build (``building``, taking no capacity slot) and ends ``ready``
with ``reused: true`` on its golden. Should the build it follows fail or be cancelled,
the follower builds the digest itself.

With a state store, every change reaches the store before anything else can see it:
log frames are written before they join the log (a frame id once sent always names the
same line), and a build's last frame, its status and its golden commit together.
"""

from __future__ import annotations

import contextlib
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import anyio
import anyio.abc
import anyio.lowlevel

from orgo_async.emulator import policy
from orgo_async.emulator.buildlog import BuildLog, encode_event
from orgo_async.emulator.buildplan import plan_build, reused_plan
from orgo_async.emulator.documents import interpolated_document
from orgo_async.emulator.persist import StateStore, StoredBuild, StoredGolden
from orgo_async.emulator.registry import TemplateEntry
from orgo_async.emulator.shell import PlannedLine
from orgo_async.emulator.stats import BuildSummary, Stats
from orgo_async.models import BuildEvent, BuildInfo, BuildLevel, BuildPhase, BuildStatus
from orgo_async.refs import TemplateRef

__all__ = ["BuildRecord", "BuildSettings", "Builds", "CapacityReached", "Golden"]


@dataclass
class BuildSettings:
    """Build knobs the control routes may change while the emulator runs."""

    build_time: float = 0.0
    log_lines: int = 20
    capacity: int | None = None
    build_timeout: float = policy.DEFAULT_BUILD_TIMEOUT_S
    keepalive: float = policy.KEEPALIVE_S
    seed: int | None = None


@dataclass(frozen=True)
class Golden:
    """A golden snapshot, keyed by the digest it was built from."""

    golden_dir: str
    build_time_ms: int


class CapacityReached(Exception):
    """Every build slot is taken; ``retry_after`` is a hint in whole seconds."""

    def __init__(self, retry_after: int):
        self.retry_after = retry_after
        super().__init__(f"build capacity reached; retry after {retry_after}s")


def _now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(eq=False)
class BuildRecord:
    """The latest build of one ref: its state and its log."""

    id: str
    ref: TemplateRef
    digest: str
    log: BuildLog = field(default_factory=BuildLog)
    status: BuildStatus = "building"
    golden_dir: str | None = None
    build_time_ms: int | None = None
    reused: bool = False
    error: str | None = None
    outcome: str | None = None
    expected_end: float = 0.0
    scope: anyio.CancelScope = field(default_factory=anyio.CancelScope)
    following: BuildRecord | None = None
    """The build of the same digest this one waits for, while it does."""
    ended: anyio.Event | None = None
    """Set when the build ends; made only when another build follows this one."""

    def info(self, *, reused: bool | None = None) -> BuildInfo:
        """The wire form, as build start and build status return it."""
        return BuildInfo(
            ref=str(self.ref),
            digest=self.digest,
            status=self.status,
            golden_dir=self.golden_dir,
            build_time_ms=self.build_time_ms,
            reused=self.reused if reused is None else reused,
            error=self.error,
        )

    def stored(self) -> StoredBuild:
        """The row the state store keeps (without the log, which it keeps frame by frame)."""
        return StoredBuild(
            id=self.id,
            ref=str(self.ref),
            digest=self.digest,
            status=self.status,
            outcome=self.outcome,
            golden_dir=self.golden_dir,
            build_time_ms=self.build_time_ms,
            reused=self.reused,
            error=self.error,
            ended=self.log.ended,
        )


def _event(level: BuildLevel, phase: BuildPhase, line: str, source: str | None) -> BuildEvent:
    """One log line, stamped now."""
    return BuildEvent(ts=_now(), level=level, phase=phase, line=line, source=source)


def _planned(line: PlannedLine) -> BuildEvent:
    return _event(line.level, line.phase, line.line, line.source)


class Builds:
    """Every ref's latest build, the goldens by digest, and the tasks playing builds."""

    def __init__(self, settings: BuildSettings, stats: Stats):
        self.settings = settings
        self.records: dict[TemplateRef, BuildRecord] = {}
        self.goldens: dict[str, Golden] = {}
        self._stats = stats
        self._store: StateStore | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self.count = 0
        """Builds started so far; numbers build ids."""

    def keep_in(self, store: StateStore) -> None:
        """Write every change of a build to ``store`` before it becomes visible."""
        self._store = store

    def bind(self, task_group: anyio.abc.TaskGroup) -> None:
        """Run build tasks in ``task_group``, which the emulator's lifetime owns."""
        self._task_group = task_group

    def building(self) -> int:
        """How many builds are in flight (followers of a shared build take no slot)."""
        return sum(
            1 for r in self.records.values() if r.status == "building" and r.following is None
        )

    def status(self, entry: TemplateEntry) -> BuildInfo:
        """The ref's build state; ``not_built`` when it never had a build."""
        record = self.records.get(entry.ref)
        if record is None:
            return BuildInfo(ref=str(entry.ref), digest=entry.digest, status="not_built")
        return record.info()

    def start(self, entry: TemplateEntry, *, from_publish: bool = False) -> BuildInfo:
        """Start (or join, or reuse) the build of ``entry``.

        Raises:
            CapacityReached: a new build is needed and every slot is taken.
        """
        record = self.records.get(entry.ref)
        if record is not None and record.status == "building":
            return record.info()
        golden = self.goldens.get(entry.digest)
        if golden is not None:
            if record is not None and record.status == "ready":
                return record.info(reused=True)
            return self._reuse(entry, golden).info()
        leader = self._building(entry.digest)
        capacity = self.settings.capacity
        if leader is None and capacity is not None and self.building() >= capacity:
            raise CapacityReached(self._retry_after())
        if self._task_group is None:
            raise RuntimeError("builds need a task group: enter the emulator state first")
        settings = self.settings
        # Plan before recording: a plan that raises must not leave a build "building"
        # forever, holding a capacity slot with no task to finish it.
        plan = plan_build(
            interpolated_document(entry.document),
            ref=str(entry.ref),
            digest=entry.digest,
            min_lines=settings.log_lines,
            rng=random.Random(f"{settings.seed}:{entry.digest}"),
            from_publish=from_publish,
        )
        record = self._new_record(entry)
        now = anyio.current_time()
        record.expected_end = now + settings.build_time
        record.scope.deadline = now + settings.build_timeout
        if leader is not None:
            record.following = leader
            if leader.ended is None:
                leader.ended = anyio.Event()
            record.expected_end = leader.expected_end
            line = f"an identical template ({leader.ref}) is building; sharing its build"
            self._log(record, [_event("info", "compile", line, "builder")])
        self._task_group.start_soon(self._run, record, plan, settings.build_time)
        return record.info()

    def cancel(self, ref: TemplateRef, *, line: str = "build cancelled") -> bool:
        """Cancel the ref's in-flight build; False when nothing was building."""
        record = self.records.get(ref)
        if record is None or record.status != "building":
            return False
        event = _event("warn", "cancel", line, "builder")
        self._finish(record, event, "cancelled", error=policy.CANCELLED_ERROR)
        return True

    def discard(self, ref: TemplateRef, *, line: str) -> None:
        """Forget the ref's build, cancelling it first if it is in flight."""
        self.cancel(ref, line=line)
        if self.records.pop(ref, None) is not None and self._store is not None:
            self._store.delete_build(str(ref))

    def add_prebuilt(self, entry: TemplateEntry, build_time_ms: int) -> None:
        """Record a finished build of a curated template, with a log dated at publish time."""
        plan = plan_build(
            interpolated_document(entry.document),
            ref=str(entry.ref),
            digest=entry.digest,
            min_lines=0,
            rng=random.Random(entry.digest),
        )
        step = timedelta(milliseconds=build_time_ms / (len(plan) + 1))
        events = [
            encode_event(
                BuildEvent(
                    ts=entry.published + step * i,
                    level=line.level,
                    phase=line.phase,
                    line=line.line,
                    source=line.source,
                )
            )
            for i, line in enumerate(plan)
        ]
        seconds = build_time_ms / 1000
        events.append(
            encode_event(
                BuildEvent(
                    ts=entry.published + step * len(plan),
                    level="success",
                    phase="ready",
                    line=f"golden snapshot ready in {seconds:.1f}s",
                )
            )
        )
        golden = Golden(policy.GOLDEN_DIR_PREFIX + entry.digest, build_time_ms)
        self.goldens[entry.digest] = golden
        self.records[entry.ref] = BuildRecord(
            id=f"prebuilt:{entry.ref}",
            ref=entry.ref,
            digest=entry.digest,
            log=BuildLog(events, ended=True),
            status="ready",
            golden_dir=golden.golden_dir,
            build_time_ms=build_time_ms,
            outcome="ready",
        )

    def restore(self, record: BuildRecord, *, phase: BuildPhase) -> None:
        """Bring back a build from the state store; one that was in flight fails now.

        Its log ends on a ``level: error`` frame numbered after the last one stored (the
        last one any subscriber can have seen), in ``phase``, the phase the build was in:
        it failed there, nobody cancelled it.
        """
        self.records[record.ref] = record
        if record.status == "building":
            line = f"build failed: {policy.RESTARTED_ERROR}"
            event = _event("error", phase, line, "builder")
            self._finish(record, event, "interrupted", error=policy.RESTARTED_ERROR)
        elif not record.log.ended:
            record.log.end()  # a build that ended but whose end was never marked
            if self._store is not None:
                self._store.finish_build(record.stored())

    def stop_all(self) -> None:
        """Cancel every build task: the emulator is stopping."""
        if self._task_group is not None:
            self._task_group.cancel_scope.cancel()

    def reset(self) -> None:
        """Cancel every build in flight and forget builds and goldens of own templates."""
        for ref in list(self.records):
            self.cancel(ref, line="build cancelled: the emulator was reset")
        self.records = {r: b for r, b in self.records.items() if b.id.startswith("prebuilt:")}
        kept = {b.digest for b in self.records.values()}
        self.goldens = {d: g for d, g in self.goldens.items() if d in kept}
        # The store's own templates go too (EmulatorState.reset clears the store).

    # --- internals -------------------------------------------------------------

    def _building(self, digest: str) -> BuildRecord | None:
        """The build of ``digest`` in flight that others may follow, if any."""
        for record in self.records.values():
            if record.digest == digest and record.status == "building" and not record.following:
                return record
        return None

    def _new_record(self, entry: TemplateEntry) -> BuildRecord:
        self.count += 1
        record = BuildRecord(id=f"bld_{self.count:06d}", ref=entry.ref, digest=entry.digest)
        if self._store is not None:
            self._store.start_build(record.stored(), self.count)
        self.records[entry.ref] = record
        return record

    def _reuse(self, entry: TemplateEntry, golden: Golden) -> BuildRecord:
        with self._transaction():
            record = self._new_record(entry)
            lines = reused_plan(str(entry.ref), entry.digest)
            self._log(record, [_planned(line) for line in lines])
            self._settle_reused(record, golden)
        return record

    def _settle_reused(self, record: BuildRecord, golden: Golden) -> None:
        record.golden_dir, record.build_time_ms, record.reused = golden.golden_dir, 0, True
        ready = _event("success", "ready", "golden snapshot ready in 0.0s (reused)", None)
        self._finish(record, ready, "reused", status="ready")

    async def _follow(self, record: BuildRecord, leader: BuildRecord) -> bool:
        """Wait for the shared build; True when this one must now build the digest itself."""
        assert leader.ended is not None
        await leader.ended.wait()
        if record.status != "building":
            return False  # cancelled while it waited
        record.following = None
        golden = self.goldens.get(record.digest)
        if golden is not None:
            line = f"golden {record.digest[:12]} is ready; reusing it"
            self._log(record, [_event("info", "record", line, "builder")])
            self._settle_reused(record, golden)
            return False
        line = f"the shared build of {leader.ref} ended {leader.status}; building it here"
        self._log(record, [_event("warn", "compile", line, "builder")])
        return True

    def _retry_after(self) -> int:
        now = anyio.current_time()
        rests = [r.expected_end - now for r in self.records.values() if r.status == "building"]
        return max(policy.CAPACITY_RETRY_AFTER_MIN_S, math.ceil(min(rests, default=0.0)))

    def _transaction(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext() if self._store is None else self._store.transaction()

    def _log(self, record: BuildRecord, events: Sequence[BuildEvent]) -> None:
        """Append lines to the record's log, stored first when there is a store."""
        if not events:
            return
        data = [encode_event(event) for event in events]
        if self._store is not None:
            self._store.add_frames(record.id, len(record.log) + 1, data)
        record.log.extend(data)

    def _finish(
        self,
        record: BuildRecord,
        last: BuildEvent,
        outcome: str,
        *,
        status: BuildStatus = "failed",
        error: str | None = None,
        golden: Golden | None = None,
    ) -> None:
        """End a build on its ``last`` frame: log, status and golden change together."""
        with self._transaction():
            self._log(record, [last])
            record.status, record.error, record.outcome = status, error, outcome
            record.log.end()
            if self._store is not None:
                self._store.finish_build(record.stored())
                if golden is not None:
                    self._store.put_golden(
                        StoredGolden(
                            digest=record.digest,
                            golden_dir=golden.golden_dir,
                            build_time_ms=golden.build_time_ms,
                        )
                    )
        if golden is not None:
            self.goldens[record.digest] = golden
        if record.ended is not None:
            record.ended.set()
        record.scope.cancel()
        self._stats.build_finished(
            BuildSummary(
                id=record.id,
                ref=str(record.ref),
                digest=record.digest,
                outcome=outcome,
                lines=len(record.log),
            )
        )

    async def _run(self, record: BuildRecord, plan: list[PlannedLine], build_time: float) -> None:
        started = anyio.current_time()
        try:
            with record.scope:
                leader = record.following
                if leader is not None:
                    if not await self._follow(record, leader):
                        return
                    started = anyio.current_time()
                    record.expected_end = started + build_time
                await self._play(record, plan, build_time, started)
            if record.status == "building":
                # Only the deadline cancels the scope of a build that has not settled.
                timeout = self.settings.build_timeout
                event = _event("error", "timeout", f"build timed out after {timeout:g}s", "builder")
                self._finish(record, event, "timeout", error=policy.TIMEOUT_ERROR)
        finally:
            if record.status == "building":
                # The emulator is stopping or resetting: the build cannot finish.
                line = "build interrupted: the emulator stopped"
                event = _event("error", "cancel", line, "builder")
                self._finish(record, event, "interrupted", error=policy.INTERRUPTED_ERROR)

    async def _play(
        self, record: BuildRecord, plan: list[PlannedLine], build_time: float, started: float
    ) -> None:
        step = build_time / (len(plan) + 1)
        # Lines due at once go to the log (and the store) together, one batch per yield.
        batch = 1 if step > 0 else _LINES_PER_YIELD
        for first in range(0, len(plan), batch):
            if step > 0:
                await _sleep_until(started + step * (first + 1))
            else:
                # As fast as possible, yet never inside the request that started the build,
                # and other requests and streams keep being served.
                await anyio.lowlevel.checkpoint()
            if record.status != "building":
                return  # settled (cancelled) while this task was ready to resume; see below
            lines = plan[first : first + batch]
            failed = next((i for i, line in enumerate(lines) if line.failure is not None), None)
            if failed is not None:
                self._log(record, [_planned(line) for line in lines[:failed]])
                failure = lines[failed]
                self._finish(record, _planned(failure), "failed", error=failure.failure)
                return
            self._log(record, [_planned(line) for line in lines])
        await _sleep_until(started + build_time)
        # A cancel request can settle the build in the loop iteration where this task's
        # sleep ended: anyio interrupts a task only at its next checkpoint, so the task
        # resumes normally and must not write to the ended log.
        if record.status != "building":
            return
        elapsed = anyio.current_time() - started
        golden = Golden(policy.GOLDEN_DIR_PREFIX + record.digest, round(elapsed * 1000))
        record.golden_dir, record.build_time_ms = golden.golden_dir, golden.build_time_ms
        ready = _event("success", "ready", f"golden snapshot ready in {elapsed:.1f}s", None)
        self._finish(record, ready, "ready", status="ready", golden=golden)


_LINES_PER_YIELD = 64
"""With no build time, a build logs this many lines between yields to the event loop."""


async def _sleep_until(deadline: float) -> None:
    # Sleep toward an absolute deadline so per-line delays do not drift.
    delay = deadline - anyio.current_time()
    if delay > 0:
        await anyio.sleep(delay)
    else:
        await anyio.lowlevel.checkpoint()
