"""The state store: round trip, one transaction per change, refusal of unusable paths."""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timezone
from pathlib import Path

import msgspec
import pytest

from orgo_async.emulator._legacy_state import BACKUP_SUFFIX
from orgo_async.emulator._state_db import SCHEMA_VERSION
from orgo_async.emulator.persist import (
    StateStore,
    StoredBuild,
    StoredGolden,
    StoredState,
    StoredTemplate,
)
from orgo_async.errors import ConfigurationError
from orgo_async.models import BuildEvent

DOCUMENT = {"api_version": "orgo.ai/v1", "template": {"name": "a", "version": "1.0.0"}}
PUBLISHED = datetime(2026, 1, 1, tzinfo=timezone.utc)


def _event(line: str) -> bytes:
    event = BuildEvent(ts=PUBLISHED, level="info", phase="install", line=line)
    return msgspec.json.encode(event)


def _state() -> StoredState:
    template = StoredTemplate(
        ref="default/a@1.0.0", digest="0" * 64, published=PUBLISHED, document=DOCUMENT
    )
    build = StoredBuild(
        id="bld_000003",
        ref="default/a@1.0.0",
        digest="0" * 64,
        status="ready",
        outcome="ready",
        golden_dir="/var/orgo/goldens/" + "0" * 64,
        build_time_ms=12,
        ended=True,
        frames=[_event("one"), _event("two")],
    )
    golden = StoredGolden(digest="0" * 64, golden_dir=build.golden_dir or "", build_time_ms=12)
    return StoredState(templates=[template], builds=[build], goldens=[golden], build_count=3)


def _reopened(path: Path) -> StoredState:
    store = StateStore.open(path)
    try:
        return store.load()
    finally:
        store.close()


def test_what_a_store_holds_reads_back_equal_after_closing(tmp_path: Path) -> None:
    """Templates, builds with every frame, goldens and the counter survive a close."""
    path = tmp_path / "state.db"
    store = StateStore.open(path)
    store.write_all(_state())
    store.close()
    assert _reopened(path) == _state()
    assert [p.name for p in tmp_path.iterdir()] == ["state.db"]  # no -wal, no -shm


def test_frames_added_one_change_at_a_time_read_back_in_order(tmp_path: Path) -> None:
    """A build started, then logged in batches, then finished, reads back as written."""
    path = tmp_path / "state.db"
    store = StateStore.open(path)
    running = StoredBuild(id="bld_000001", ref="default/a@1.0.0", digest="d", status="building")
    store.start_build(running, 1)
    store.add_frames(running.id, 1, [_event("one")])
    store.add_frames(running.id, 2, [_event("two"), _event("three")])
    store.finish_build(StoredBuild(**{**msgspec.structs.asdict(running), "status": "failed"}))
    store.close()
    [build] = StateStore.open(path).load().builds
    assert build.frames == [_event("one"), _event("two"), _event("three")]
    assert (build.status, build.ended) == ("failed", True)


def test_a_frame_id_is_never_written_twice(tmp_path: Path) -> None:
    """Adding a frame under an id already stored raises, and the stored line stays."""
    store = StateStore.open(tmp_path / "state.db")
    running = StoredBuild(id="bld_000001", ref="default/a@1.0.0", digest="d", status="building")
    store.start_build(running, 1)
    store.add_frames(running.id, 1, [_event("one"), _event("two")])
    with pytest.raises(sqlite3.IntegrityError):
        store.add_frames(running.id, 2, [_event("other")])
    assert store.load().builds[0].frames == [_event("one"), _event("two")]
    store.close()


def test_a_failed_transaction_keeps_nothing_of_it(tmp_path: Path) -> None:
    """Changes grouped in a transaction that raises are all rolled back."""
    store = StateStore.open(tmp_path / "state.db")

    def write_then_fail() -> None:
        with store.transaction():
            store.write_all(_state())
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError):
        write_then_fail()
    assert store.load() == StoredState()
    store.close()


def test_a_new_build_of_a_ref_replaces_the_old_build_and_its_log(tmp_path: Path) -> None:
    """Starting a build of a ref forgets that ref's previous build and frames."""
    store = StateStore.open(tmp_path / "state.db")
    store.write_all(_state())
    rebuilt = StoredBuild(id="bld_000004", ref="default/a@1.0.0", digest="d", status="building")
    store.start_build(rebuilt, 4)
    loaded = store.load()
    assert [(b.id, b.frames) for b in loaded.builds] == [("bld_000004", [])]
    assert loaded.build_count == 4
    store.close()


def test_leftover_temporary_files_are_removed_at_open(tmp_path: Path) -> None:
    """Temporary files a killed process left next to the state are cleaned at start."""
    path = tmp_path / "state.db"
    (tmp_path / ".state.db.abc123.tmp").write_bytes(b"half")
    (tmp_path / ".state.db.abc123.tmp-wal").write_bytes(b"half")
    (tmp_path / "unrelated.tmp").write_bytes(b"mine")
    StateStore.open(path).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.db", "unrelated.tmp"]


def test_a_second_store_on_the_same_file_is_refused(tmp_path: Path) -> None:
    """Two emulators cannot share one state: the second is told the file is in use."""
    path = tmp_path / "state.db"
    first = StateStore.open(path)
    try:
        with pytest.raises(ConfigurationError, match="in use by another process"):
            StateStore.open(path)
    finally:
        first.close()


def _foreign_sqlite(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE notes (text TEXT)")
    db.commit()
    db.close()


def _newer_schema(path: Path) -> None:
    StateStore.open(path).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p.write_text("hello"), "not a valid emulator state", id="text"),
        pytest.param(_foreign_sqlite, "database of another program", id="other-sqlite"),
        pytest.param(_newer_schema, "newer orgo_async", id="newer-schema"),
        pytest.param(lambda p: p.mkdir(), "it is a directory", id="directory"),
    ],
)
def test_a_file_that_is_not_our_state_is_refused_and_kept(
    tmp_path: Path, make: object, message: str
) -> None:
    """Something else at the path raises one clear ConfigurationError and stays untouched."""
    path = tmp_path / "state.db"
    make(path)  # type: ignore[operator]
    before = sorted((p.name, p.stat().st_size) for p in tmp_path.rglob("*"))
    with pytest.raises(ConfigurationError, match=message) as caught:
        StateStore.open(path)
    assert "\n" not in str(caught.value)
    assert sorted((p.name, p.stat().st_size) for p in tmp_path.rglob("*")) == before


def test_a_missing_directory_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    """A state path in a directory that does not exist is refused at open, naming it."""
    with pytest.raises(ConfigurationError, match=r"directory .*missing does not exist"):
        StateStore.open(tmp_path / "missing" / "state.db")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_directory_is_refused(tmp_path: Path) -> None:
    """A state path where the file cannot be created is refused at open."""
    tmp_path.chmod(0o500)
    try:
        with pytest.raises(ConfigurationError, match="not writable"):
            StateStore.open(tmp_path / "state.db")
    finally:
        tmp_path.chmod(0o700)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_path_nothing_can_be_created_at_is_refused() -> None:
    """Even root cannot create a database in /proc: one clear ConfigurationError."""
    with pytest.raises(ConfigurationError, match=r"cannot use /proc/orgo-state\.db"):
        StateStore.open(Path("/proc/orgo-state.db"))


def test_frames_with_a_gap_are_refused(tmp_path: Path) -> None:
    """A hand-edited log whose frame ids are not 1, 2, 3... would renumber lines: refused."""
    path = tmp_path / "state.db"
    store = StateStore.open(path)
    store.write_all(_state())
    store.close()
    db = sqlite3.connect(path)
    db.execute("DELETE FROM frames WHERE id = 1")
    db.commit()
    db.close()
    with pytest.raises(ConfigurationError, match="not frames 1, 2, 3"):
        _reopened(path)


def test_a_json_state_of_earlier_versions_is_migrated_and_kept_beside(tmp_path: Path) -> None:
    """The old JSON state becomes a database with the same content; the JSON stays beside."""
    path = tmp_path / "state.json"
    state = _state()
    old = {
        "format": 1,
        "templates": msgspec.to_builtins(state.templates),
        "builds": [
            {
                **{k: v for k, v in msgspec.to_builtins(b).items() if k not in ("frames", "ended")},
                "events": [msgspec.json.decode(f) for f in b.frames],
            }
            for b in state.builds
        ],
        "goldens": msgspec.to_builtins(state.goldens),
        "build_count": state.build_count,
    }
    path.write_bytes(msgspec.json.encode(old))
    original = path.read_bytes()
    assert _reopened(path) == state
    backup = tmp_path / ("state.json" + BACKUP_SUFFIX)
    assert backup.read_bytes() == original
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", backup.name]
    assert _reopened(path) == state  # opened again: a database now, nothing migrated twice
