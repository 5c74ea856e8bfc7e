"""Everything one emulator knows, and the task group its builds run in.

:class:`EmulatorState` is an async context manager: entering loads the curated templates,
opens the ``--state`` store and reads it back, and opens the task group; leaving cancels
builds still in flight (they fail as ``interrupted``) and closes the store.
"""

from __future__ import annotations

import contextlib
from types import TracebackType

import anyio
import msgspec

from orgo_async.emulator.buildlog import BuildLog
from orgo_async.emulator.builds import BuildRecord, Builds, BuildSettings, Golden
from orgo_async.emulator.config import EmulatorConfig
from orgo_async.emulator.curated import load_curated, load_schema
from orgo_async.emulator.faults import Faults, FaultSettings
from orgo_async.emulator.persist import StateStore, StoredTemplate
from orgo_async.emulator.registry import Registry, TemplateEntry
from orgo_async.emulator.runs import Runs
from orgo_async.emulator.stats import Stats
from orgo_async.models import BuildPhase
from orgo_async.refs import TemplateRef

__all__ = ["EmulatorState"]


class _Phase(msgspec.Struct):
    """The one field of a stored frame that a restart needs."""

    phase: BuildPhase


class EmulatorState:
    """The registry, builds, previews, faults and statistics of one emulator."""

    def __init__(self, config: EmulatorConfig):
        self.config = config
        self.schema = load_schema()
        self.registry = Registry()
        self.stats = Stats()
        self.builds = Builds(self._build_settings(), self.stats)
        self.faults = Faults(FaultSettings.of(self.config), config.seed)
        self.runs = Runs()
        self.closing = anyio.Event()
        """Set when the server stops; a stream checks it after each batch of frames it sends."""
        self._store: StateStore | None = None
        self._stack: contextlib.AsyncExitStack | None = None

    async def __aenter__(self) -> EmulatorState:
        for curated in load_curated():
            self.registry.put(curated.entry)
            self.builds.add_prebuilt(curated.entry, curated.build_time_ms)
        async with contextlib.AsyncExitStack() as stack:
            path = self.config.state_file
            if path is not None:
                store = StateStore.open(path)
                stack.callback(store.close)
                self._restore(store)
                self._store = store
                # Runs after the task group has closed: builds are settled by then.
                stack.callback(self._write_registry)
            task_group = await stack.enter_async_context(anyio.create_task_group())
            self.builds.bind(task_group)
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
        # The block's own exception is not the task group's business: handing it over
        # would come back wrapped in an ExceptionGroup, so it propagates untouched.
        await stack.aclose()

    async def save(self) -> None:
        """Make published and deleted versions durable (with ``--state``) before answering.

        Builds need no call: they write every change to the store as it happens.
        """
        self._write_registry()

    async def reset(self) -> None:
        """Forget own templates, builds, previews, faults and statistics; keep curated ones."""
        self.registry.clear_own()
        self.builds.reset()
        if self._store is not None:
            self._store.clear()
        self.builds.settings = self._build_settings()
        self.runs.clear()
        self.faults.clear()
        self.faults.settings = FaultSettings.of(self.config)
        self.faults.reseed(self.config.seed)
        self.stats.reset()

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

    def _write_registry(self) -> None:
        changes = self.registry.take_changes()
        store = self._store
        if store is None or not changes:
            return
        with store.transaction():
            for ref, entry in changes.items():
                if entry is None:
                    store.delete_template(str(ref))
                else:
                    store.put_template(
                        StoredTemplate(
                            ref=str(ref),
                            digest=entry.digest,
                            published=entry.published,
                            document=entry.document,
                        )
                    )

    def _restore(self, store: StateStore) -> None:
        """Bring back what ``store`` holds; builds that were in flight fail now."""
        stored = store.load()
        for t in stored.templates:
            self.registry.put(
                TemplateEntry(
                    ref=TemplateRef.parse(t.ref),
                    digest=t.digest,
                    published=t.published,
                    document=t.document,
                )
            )
        self.registry.take_changes()  # they come from the store: nothing to write back
        for g in stored.goldens:
            self.builds.goldens.setdefault(g.digest, Golden(g.golden_dir, g.build_time_ms))
        self.builds.count = max(self.builds.count, stored.build_count)
        self.builds.keep_in(store)
        for b in stored.builds:
            ref = TemplateRef.parse(b.ref)
            if self.registry.get(ref) is None:
                # The process died between forgetting a version and forgetting its build.
                store.delete_build(b.ref)
                continue
            self.builds.restore(
                BuildRecord(
                    id=b.id,
                    ref=ref,
                    digest=b.digest,
                    log=BuildLog(b.frames, ended=b.ended),
                    status=b.status,
                    golden_dir=b.golden_dir,
                    build_time_ms=b.build_time_ms,
                    reused=b.reused,
                    error=b.error,
                    outcome=b.outcome,
                ),
                phase=_last_phase(b.frames),
            )


_phase_decoder = msgspec.json.Decoder(_Phase)


def _last_phase(frames: list[bytes]) -> BuildPhase:
    """The phase of a log's last frame (a log with none has not left ``compile``)."""
    return _phase_decoder.decode(frames[-1]).phase if frames else "compile"
