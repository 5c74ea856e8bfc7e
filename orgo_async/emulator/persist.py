"""The ``--state`` file: published templates and finished builds, written atomically.

A write goes to a temporary file in the same directory, is fsynced, then renamed over
the old file, so a kill at any moment leaves either the old state or the new one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import msgspec

from orgo_async.errors import ConfigurationError
from orgo_async.models import BuildEvent, BuildStatus

__all__ = [
    "StateSnapshot",
    "StoredBuild",
    "StoredGolden",
    "StoredTemplate",
    "load_state",
    "save_state",
]


class StoredTemplate(msgspec.Struct, frozen=True, kw_only=True):
    """A published version as the state file keeps it."""

    ref: str
    digest: str
    published: datetime
    document: dict[str, Any]


class StoredBuild(msgspec.Struct, frozen=True, kw_only=True):
    """A ref's latest build, with its whole log."""

    id: str
    ref: str
    digest: str
    status: BuildStatus
    outcome: str | None = None
    golden_dir: str | None = None
    build_time_ms: int | None = None
    reused: bool = False
    error: str | None = None
    events: list[BuildEvent] = msgspec.field(default_factory=list)


class StoredGolden(msgspec.Struct, frozen=True, kw_only=True):
    """A golden snapshot, by digest."""

    digest: str
    golden_dir: str
    build_time_ms: int


class StateSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the state file holds."""

    format: Literal[1] = 1
    templates: list[StoredTemplate] = msgspec.field(default_factory=list)
    builds: list[StoredBuild] = msgspec.field(default_factory=list)
    goldens: list[StoredGolden] = msgspec.field(default_factory=list)
    build_count: int = 0


_decoder = msgspec.json.Decoder(StateSnapshot)


def load_state(path: Path) -> StateSnapshot:
    """Read the state file; a missing file is an empty state.

    Raises:
        ConfigurationError: the file exists but is not an emulator state (it is left untouched).
    """
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return StateSnapshot()
    except OSError as exc:
        raise ConfigurationError(f"cannot read emulator state {path}: {exc}") from exc
    try:
        return _decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise ConfigurationError(f"{path} is not a valid emulator state file: {exc}") from exc


def save_state(path: Path, snapshot: StateSnapshot) -> None:
    """Write ``snapshot`` to ``path`` atomically (temp file, fsync, rename, fsync dir)."""
    data = msgspec.json.encode(snapshot)
    directory = path.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        tmp_file = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(tmp_name)
        raise
    try:
        with tmp_file as tmp:
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    # Make the rename itself durable; not every platform can open a directory.
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
