"""The JSON state file of earlier versions: read once at start and migrated into a database.

The migration writes a new state database beside the file, then renames it over the
file; the JSON is kept as ``NAME.v1.json`` next to it. A kill at any moment leaves either
the JSON state (and a temporary file the next start removes) or the migrated database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import secrets
import shutil
from pathlib import Path
from typing import Literal

import msgspec

from orgo_async.emulator import _state_path
from orgo_async.emulator.persist import (
    StateStore,
    StoredBuild,
    StoredGolden,
    StoredState,
    StoredTemplate,
    check_state,
)
from orgo_async.errors import ConfigurationError
from orgo_async.models import BuildEvent, BuildStatus

__all__ = ["BACKUP_SUFFIX", "migrate_json_state", "read_json_state"]

BACKUP_SUFFIX = ".v1.json"
"""Appended to the state file's name for the JSON kept after a migration."""


class _JsonBuild(msgspec.Struct, frozen=True, kw_only=True):
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


class _JsonState(msgspec.Struct, frozen=True, kw_only=True):
    format: Literal[1] = 1
    templates: list[StoredTemplate] = msgspec.field(default_factory=list)
    builds: list[_JsonBuild] = msgspec.field(default_factory=list)
    goldens: list[StoredGolden] = msgspec.field(default_factory=list)
    build_count: int = 0


_decoder = msgspec.json.Decoder(_JsonState)
_encoder = msgspec.json.Encoder()


def read_json_state(path: Path) -> StoredState:
    """The state a JSON state file holds, checked like a database's.

    Raises:
        ConfigurationError: the file is not a JSON state, or holds what publish refuses.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _state_path.unusable(path, exc.strerror or str(exc)) from exc
    try:
        old = _decoder.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        raise ConfigurationError(f"{path} is not a valid emulator state file: {exc}") from exc
    state = StoredState(
        templates=old.templates,
        builds=[
            StoredBuild(
                id=b.id,
                ref=b.ref,
                digest=b.digest,
                status=b.status,
                outcome=b.outcome,
                golden_dir=b.golden_dir,
                build_time_ms=b.build_time_ms,
                reused=b.reused,
                error=b.error,
                # The JSON writer kept no end marker: only a build in flight had an open log.
                ended=b.status != "building",
                frames=[_encoder.encode(event) for event in b.events],
            )
            for b in old.builds
        ],
        goldens=old.goldens,
        build_count=old.build_count,
    )
    check_state(path, state)
    return state


def migrate_json_state(path: Path) -> None:
    """Replace the JSON state at ``path`` by a state database holding the same state.

    Raises:
        ConfigurationError: the JSON is not a valid state; the file is left untouched.
    """
    state = read_json_state(path)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        store = StateStore.create(temporary)
        try:
            store.write_all(state)
        finally:
            store.close()
        _fsync(temporary)
        shutil.copyfile(path, path.with_name(path.name + BACKUP_SUFFIX))
        os.replace(temporary, path)
    except BaseException:
        for leftover in glob.glob(glob.escape(str(temporary)) + "*"):
            with contextlib.suppress(OSError):
                os.unlink(leftover)
        raise
    _fsync(path.parent)


def _fsync(path: Path) -> None:
    # Not every platform can open a directory; the rename is then as durable as it gets.
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
