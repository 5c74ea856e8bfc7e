"""Everything one emulator knows, and the task group its builds run in.

:class:`EmulatorState` is an async context manager: entering loads the curated templates
and the ``--state`` file and opens the task group; leaving cancels builds still in flight
(they fail as ``interrupted``) and writes the state one last time.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from types import TracebackType

import anyio
import anyio.to_thread

from orgo_async.documents import validate_template
from orgo_async.emulator.buildlog import BuildLog
from orgo_async.emulator.builds import BuildRecord, Builds, BuildSettings, Golden
from orgo_async.emulator.config import EmulatorConfig
from orgo_async.emulator.curated import load_curated, load_schema
from orgo_async.emulator.faults import Faults, FaultSettings
from orgo_async.emulator.persist import (
    StateSnapshot,
    StoredBuild,
    StoredGolden,
    StoredTemplate,
    load_state,
    save_state,
)
from orgo_async.emulator.registry import Registry, TemplateEntry
from orgo_async.emulator.runs import Runs
from orgo_async.emulator.stats import Stats
from orgo_async.errors import ConfigurationError, InvalidRefError
from orgo_async.refs import TemplateRef

__all__ = ["EmulatorState"]


class EmulatorState:
    """The registry, builds, previews, faults and statistics of one emulator."""

    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.schema = load_schema()
        self.registry = Registry()
        self.stats = Stats()
        self.builds = Builds(self._build_settings(), self.stats, self.save)
        self.faults = Faults(FaultSettings.of(self.config), config.seed)
        self.runs = Runs()
        self.closing = anyio.Event()
        """Set when the server stops; a stream checks it after each batch of frames it sends."""
        self._save_lock = anyio.Lock()
        self._stack: contextlib.AsyncExitStack | None = None

    async def __aenter__(self) -> EmulatorState:
        for curated in load_curated():
            self.registry.put(curated.entry)
            self.builds.add_prebuilt(curated.entry, curated.build_time_ms)
        restored = self._restore()
        async with contextlib.AsyncExitStack() as stack:
            task_group = await stack.enter_async_context(anyio.create_task_group())
            self.builds.bind(task_group)
            if restored:
                await self.save()  # record interrupted builds as failed right away
            self._stack = stack.pop_all()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.closing.set()
        stack, self._stack = self._stack, None
        if stack is None:
            return
        # Builds in flight settle as interrupted when their task group is cancelled.
        self.builds.stop_all()
        try:
            # The block's own exception is not the task group's business: handing it over
            # would come back wrapped in an ExceptionGroup, so it propagates untouched.
            await stack.aclose()
        finally:
            with anyio.CancelScope(shield=True):
                await self.save()

    async def save(self) -> None:
        """Write the state file (when there is one); returns once it is durable."""
        path = self.config.state_file
        if path is None:
            return
        async with self._save_lock:
            # Snapshot under the lock, so a later save never writes older state.
            snapshot = self._snapshot()
            await anyio.to_thread.run_sync(save_state, path, snapshot)

    async def reset(self) -> None:
        """Forget own templates, builds, previews, faults and statistics; keep curated ones."""
        self.registry.clear_own()
        self.builds.reset()
        self.builds.settings = self._build_settings()
        self.runs.clear()
        self.faults.clear()
        self.faults.settings = FaultSettings.of(self.config)
        self.faults.reseed(self.config.seed)
        self.stats.reset()
        await self.save()

    # --- internals -------------------------------------------------------------

    def _build_settings(self) -> BuildSettings:
        c = self.config
        return BuildSettings(
            build_time=c.build_time,
            log_lines=c.log_lines,
            capacity=c.capacity,
            build_timeout=c.build_timeout,
            keepalive=c.keepalive,
            seed=c.seed,
        )

    def _snapshot(self) -> StateSnapshot:
        own = [e for e in self.registry.entries() if not e.curated]
        records = [r for r in self.builds.records.values() if not r.id.startswith("prebuilt:")]
        return StateSnapshot(
            templates=[
                StoredTemplate(
                    ref=str(e.ref), digest=e.digest, published=e.published, document=e.document
                )
                for e in own
            ],
            builds=[
                StoredBuild(
                    id=r.id,
                    ref=str(r.ref),
                    digest=r.digest,
                    status=r.status,
                    outcome=r.outcome,
                    golden_dir=r.golden_dir,
                    build_time_ms=r.build_time_ms,
                    reused=r.reused,
                    error=r.error,
                    events=list(r.log.events),
                )
                for r in records
            ],
            goldens=[
                StoredGolden(digest=d, golden_dir=g.golden_dir, build_time_ms=g.build_time_ms)
                for d, g in self.builds.goldens.items()
            ],
            build_count=self.builds.count,
        )

    def _restore(self) -> bool:
        """Load the state file; True when something was restored."""
        path = self.config.state_file
        if path is None:
            return False
        snapshot = load_state(path)
        for t in snapshot.templates:
            ref = _restored_ref(path, t.ref)
            # A hand-edited file must not smuggle in a document publish would refuse.
            issues = validate_template(t.document)
            if issues:
                first = issues[0]
                raise ConfigurationError(
                    f"{path} is not a valid emulator state file: {ref}: "
                    f"{first.field or '<document>'}: {first.message}"
                )
            self.registry.put(
                TemplateEntry(ref=ref, digest=t.digest, published=t.published, document=t.document)
            )
        for g in snapshot.goldens:
            self.builds.goldens.setdefault(g.digest, Golden(g.golden_dir, g.build_time_ms))
        for b in snapshot.builds:
            self.builds.restore(
                BuildRecord(
                    id=b.id,
                    ref=_restored_ref(path, b.ref),
                    digest=b.digest,
                    log=BuildLog(b.events),
                    status=b.status,
                    golden_dir=b.golden_dir,
                    build_time_ms=b.build_time_ms,
                    reused=b.reused,
                    error=b.error,
                    outcome=b.outcome,
                )
            )
        self.builds.count = max(self.builds.count, snapshot.build_count)
        return bool(snapshot.templates or snapshot.builds)


def _restored_ref(path: Path, text: str) -> TemplateRef:
    try:
        return TemplateRef.parse(text)
    except InvalidRefError as exc:
        raise ConfigurationError(f"{path} is not a valid emulator state file: {exc}") from exc
