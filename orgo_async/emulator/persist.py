"""The ``--state`` store: templates, builds and every log frame, in one SQLite database.

The database runs in WAL mode with ``synchronous=NORMAL``: each change (a publish, a
build's start, a batch of log lines, a build's end) is one small transaction appended to
the write-ahead log, never a rewrite of the whole state. A commit returns once the
operating system holds the bytes, so a killed process (``kill -9``) loses nothing it
committed; a power loss may drop the last transactions but leaves a consistent file.

The connection holds the database in exclusive locking mode: a second emulator on the
same file is refused, and SQLite needs no shared-memory file beside it. The ``-wal`` file
lives while the emulator runs (or after a crash, until the next start replays it) and is
folded back and removed on a clean stop.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import msgspec

from orgo_async.documents import validate_template
from orgo_async.emulator import _state_db, _state_path
from orgo_async.errors import ConfigurationError, InvalidRefError
from orgo_async.models import BuildEvent, BuildStatus
from orgo_async.refs import TemplateRef

__all__ = [
    "StateStore",
    "StoredBuild",
    "StoredGolden",
    "StoredState",
    "StoredTemplate",
]

_BUILD_COLUMNS = "id, ref, digest, status, outcome, golden_dir, build_time_ms, reused, error, ended"


class StoredTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """A published version as the store keeps it."""

    ref: str
    digest: str
    published: datetime
    document: dict[str, Any]


class StoredBuild(msgspec.Struct, frozen=True, kw_only=True):
    """A ref's latest build; ``frames`` holds its log, each frame a JSON ``BuildEvent``."""

    id: str
    ref: str
    digest: str
    status: BuildStatus
    outcome: str | None = None
    golden_dir: str | None = None
    build_time_ms: int | None = None
    reused: bool = False
    error: str | None = None
    ended: bool = False
    frames: list[bytes] = msgspec.field(default_factory=list)


class StoredGolden(msgspec.Struct, frozen=True, kw_only=True):
    """A golden snapshot, by digest."""

    digest: str
    golden_dir: str
    build_time_ms: int


class StoredState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a store holds."""

    templates: list[StoredTemplate] = msgspec.field(default_factory=list)
    builds: list[StoredBuild] = msgspec.field(default_factory=list)
    goldens: list[StoredGolden] = msgspec.field(default_factory=list)
    build_count: int = 0


_event_decoder = msgspec.json.Decoder(BuildEvent)
_document_decoder = msgspec.json.Decoder(dict[str, Any])
_encoder = msgspec.json.Encoder()


class StateStore:
    """An open state database; every method that changes it is one transaction.

    Calls inside :meth:`transaction` join it, so several changes commit together.
    """

    def __init__(self, connection: sqlite3.Connection, path: Path):
        self._db = connection
        self.path = path
        self._depth = 0

    @classmethod
    def open(cls, path: Path) -> StateStore:
        """Open (or create) the state at ``path``; a JSON state of earlier versions is migrated.

        Raises:
            ConfigurationError: the path cannot hold a state, or holds something else.
        """
        kind = _state_path.check(path)
        if kind == "json":
            from orgo_async.emulator._legacy_state import migrate_json_state

            migrate_json_state(path)
        return cls(_state_db.connect(path), path)

    @classmethod
    def create(cls, path: Path) -> StateStore:
        """A new, empty state database at ``path`` (which must not exist)."""
        return cls(_state_db.connect(path), path)

    def close(self) -> None:
        """Close the database: the write-ahead log is folded back and removed."""
        self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Commit every change made in the block at once, or none of them."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._db.execute("ROLLBACK")
            raise
        self._depth = 0
        self._db.execute("COMMIT")

    # --- changes ---------------------------------------------------------------

    def put_template(self, template: StoredTemplate) -> None:
        """Publish (or replace) one version."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO templates VALUES (?, ?, ?, ?)",
                (
                    template.ref,
                    template.digest,
                    template.published.isoformat(),
                    _encoder.encode(template.document),
                ),
            )

    def delete_template(self, ref: str) -> None:
        """Forget one version (its build goes through :meth:`delete_build`)."""
        with self.transaction():
            self._db.execute("DELETE FROM templates WHERE ref = ?", (ref,))

    def start_build(self, build: StoredBuild, count: int) -> None:
        """Record a new build of ``build.ref``, replacing its previous build and log."""
        with self.transaction():
            self.delete_build(build.ref)
            self._db.execute(
                f"INSERT INTO builds ({_BUILD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                _build_row(build),
            )
            self._db.execute("INSERT OR REPLACE INTO counters VALUES ('builds', ?)", (count,))

    def add_frames(self, build_id: str, first_id: int, events: Sequence[bytes]) -> None:
        """Append log frames numbered from ``first_id``; an id already used raises."""
        if not events:
            return
        with self.transaction():
            self._db.executemany(
                "INSERT INTO frames VALUES (?, ?, ?)",
                [(build_id, first_id + i, event) for i, event in enumerate(events)],
            )

    def finish_build(self, build: StoredBuild) -> None:
        """Record how a build ended (its log has ended too)."""
        with self.transaction():
            self._db.execute(
                "UPDATE builds SET status = ?, outcome = ?, golden_dir = ?, build_time_ms = ?, "
                "reused = ?, error = ?, ended = 1 WHERE id = ?",
                (
                    build.status,
                    build.outcome,
                    build.golden_dir,
                    build.build_time_ms,
                    build.reused,
                    build.error,
                    build.id,
                ),
            )

    def delete_build(self, ref: str) -> None:
        """Forget the ref's build and its log."""
        with self.transaction():
            self._db.execute(
                "DELETE FROM frames WHERE build_id IN (SELECT id FROM builds WHERE ref = ?)",
                (ref,),
            )
            self._db.execute("DELETE FROM builds WHERE ref = ?", (ref,))

    def put_golden(self, golden: StoredGolden) -> None:
        """Record a golden snapshot."""
        with self.transaction():
            self._db.execute(
                "INSERT OR REPLACE INTO goldens VALUES (?, ?, ?)",
                (golden.digest, golden.golden_dir, golden.build_time_ms),
            )

    def clear(self) -> None:
        """Forget every template, build, frame and golden; the build counter stays."""
        with self.transaction():
            for table in ("templates", "builds", "frames", "goldens"):
                self._db.execute(f"DELETE FROM {table}")

    def write_all(self, state: StoredState) -> None:
        """Write a whole state into this (empty) store, in one transaction."""
        with self.transaction():
            for template in state.templates:
                self.put_template(template)
            for golden in state.goldens:
                self.put_golden(golden)
            for build in state.builds:
                self.start_build(build, state.build_count)
                self.add_frames(build.id, 1, build.frames)
                if build.ended:
                    self.finish_build(build)
            self._db.execute(
                "INSERT OR REPLACE INTO counters VALUES ('builds', ?)", (state.build_count,)
            )

    # --- reading -----------------------------------------------------------------

    def load(self) -> StoredState:
        """Everything stored, checked as carefully as a publish checks a document.

        Raises:
            ConfigurationError: a row does not hold what this version wrote.
        """
        try:
            state = self._read()
        except (msgspec.ValidationError, msgspec.DecodeError, ValueError, TypeError) as exc:
            raise self._invalid(str(exc)) from exc
        check_state(self.path, state)
        return state

    def _read(self) -> StoredState:
        db = self._db
        templates = [
            msgspec.convert(
                {
                    "ref": ref,
                    "digest": digest,
                    "published": published,
                    "document": _document_decoder.decode(document),
                },
                StoredTemplate,
            )
            for ref, digest, published, document in db.execute("SELECT * FROM templates")
        ]
        goldens = [
            msgspec.convert(
                {"digest": d, "golden_dir": g, "build_time_ms": ms}, StoredGolden, strict=True
            )
            for d, g, ms in db.execute("SELECT * FROM goldens")
        ]
        frames: dict[str, list[bytes]] = {}
        for build_id, frame_id, event in db.execute(
            "SELECT build_id, id, event FROM frames ORDER BY build_id, id"
        ):
            log = frames.setdefault(build_id, [])
            if frame_id != len(log) + 1 or not isinstance(event, bytes):
                raise ValueError(f"the log of build {build_id} is not frames 1, 2, 3, ...")
            _event_decoder.decode(event)
            log.append(event)
        names = _BUILD_COLUMNS.split(", ")
        builds = [
            msgspec.convert(
                {**dict(zip(names, row, strict=True)), "frames": frames.get(row[0], [])},
                StoredBuild,
                strict=False,
            )
            for row in db.execute(f"SELECT {_BUILD_COLUMNS} FROM builds")
        ]
        count = db.execute("SELECT value FROM counters WHERE name = 'builds'").fetchone()
        return StoredState(
            templates=templates,
            builds=builds,
            goldens=goldens,
            build_count=int(count[0]) if count else 0,
        )

    def _invalid(self, detail: str) -> ConfigurationError:
        return ConfigurationError(f"{self.path} is not a valid emulator state file: {detail}")


def check_state(path: Path, state: StoredState) -> None:
    """Refuse refs and documents that publish would refuse (a hand-edited state included).

    Raises:
        ConfigurationError: naming the first problem.
    """
    for template in state.templates:
        ref = _checked_ref(path, template.ref)
        issues = [issue for issue in validate_template(template.document) if issue.is_error]
        if issues:
            first = issues[0]
            raise ConfigurationError(
                f"{path} is not a valid emulator state file: {ref}: "
                f"{first.field or '<document>'}: {first.message}"
            )
    for build in state.builds:
        _checked_ref(path, build.ref)


def _checked_ref(path: Path, text: str) -> TemplateRef:
    try:
        return TemplateRef.parse(text)
    except InvalidRefError as exc:
        raise ConfigurationError(f"{path} is not a valid emulator state file: {exc}") from exc


def _build_row(build: StoredBuild) -> tuple[Any, ...]:
    return (
        build.id,
        build.ref,
        build.digest,
        build.status,
        build.outcome,
        build.golden_dir,
        build.build_time_ms,
        build.reused,
        build.error,
        build.ended,
    )
