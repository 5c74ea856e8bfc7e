"""The state database itself: its tables, and opening it with the right settings and checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from orgo_async.emulator import _state_path
from orgo_async.errors import ConfigurationError

__all__ = ["SCHEMA_VERSION", "connect"]

SCHEMA_VERSION = 1
"""Version of the tables below; a database of a later version is refused, never guessed at."""
_APPLICATION_ID = 0x4F52474F  # "ORGO": tells our databases from any other SQLite file

_SCHEMA = """
CREATE TABLE templates (
    ref TEXT PRIMARY KEY,
    digest TEXT NOT NULL,
    published TEXT NOT NULL,
    document BLOB NOT NULL
);
CREATE TABLE goldens (
    digest TEXT PRIMARY KEY,
    golden_dir TEXT NOT NULL,
    build_time_ms INTEGER NOT NULL
);
CREATE TABLE builds (
    ref TEXT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    digest TEXT NOT NULL,
    status TEXT NOT NULL,
    outcome TEXT,
    golden_dir TEXT,
    build_time_ms INTEGER,
    reused INTEGER NOT NULL,
    error TEXT,
    ended INTEGER NOT NULL
);
CREATE TABLE frames (
    build_id TEXT NOT NULL,
    id INTEGER NOT NULL,
    event BLOB NOT NULL,
    PRIMARY KEY (build_id, id)
) WITHOUT ROWID;
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
"""
_TABLES = frozenset({"templates", "goldens", "builds", "frames", "counters"})


def connect(path: Path) -> sqlite3.Connection:
    """Open ``path`` as our database, creating the tables in a new one.

    Raises:
        ConfigurationError: another SQLite file, a newer schema, or a database in use.
    """
    try:
        # isolation_level=None: transactions are ours (BEGIN/COMMIT), never implicit.
        db = sqlite3.connect(path, isolation_level=None, timeout=0)
    except sqlite3.Error as exc:
        raise _state_path.unusable(path, str(exc)) from exc
    try:
        # Exclusive before WAL: then SQLite keeps the WAL index in memory (no -shm file).
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        mode = db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if mode != "wal":
            raise _state_path.unusable(path, f"SQLite cannot use WAL mode there ({mode})")
        db.execute("PRAGMA synchronous = NORMAL")
        db.execute("BEGIN IMMEDIATE")  # takes the lock now, so a second emulator fails here
        _check_or_create(db, path)
        db.execute("COMMIT")
    except sqlite3.OperationalError as exc:
        db.close()
        if "locked" in str(exc):
            raise ConfigurationError(
                f"{path} is in use by another process (another emulator on the same state?)"
            ) from exc
        raise _state_path.unusable(path, str(exc)) from exc
    except sqlite3.DatabaseError as exc:
        db.close()
        raise ConfigurationError(f"{path} is not a valid emulator state file: {exc}") from exc
    except BaseException:
        db.close()
        raise
    return db


def _check_or_create(db: sqlite3.Connection, path: Path) -> None:
    application_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if application_id == 0 and version == 0 and not tables:
        # One statement at a time: executescript() would commit the open transaction.
        for statement in _SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        db.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        return
    if application_id != _APPLICATION_ID:
        raise ConfigurationError(
            f"{path} is not a valid emulator state file: an SQLite database of another program"
        )
    if version > SCHEMA_VERSION:
        raise ConfigurationError(
            f"{path} was written by a newer orgo_async (state schema {version}; "
            f"this version reads schema {SCHEMA_VERSION}): upgrade orgo_async or use another file"
        )
    if version != SCHEMA_VERSION or not tables.issuperset(_TABLES):
        raise ConfigurationError(
            f"{path} is not a valid emulator state file: schema {version} with tables "
            f"{sorted(tables)}"
        )
