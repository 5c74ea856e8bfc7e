"""Where ``--state`` points: checked before anything is opened, one clear line per problem."""

from __future__ import annotations

import contextlib
import glob
import os
from pathlib import Path
from typing import Literal

from orgo_async.errors import ConfigurationError

__all__ = ["StateKind", "check", "temporary_pattern", "unusable"]

StateKind = Literal["new", "sqlite", "json"]
"""Nothing there yet, a state database, or a JSON state of earlier versions."""

_SQLITE_MAGIC = b"SQLite format 3\x00"
_SNIFF_BYTES = 4096


def unusable(path: Path, detail: str) -> ConfigurationError:
    """The error for a state path that cannot hold a state at all."""
    return ConfigurationError(f"cannot use {path} as the emulator state: {detail}")


def temporary_pattern(path: Path) -> str:
    """Glob of the temporary files written next to ``path`` (``.NAME.*.tmp`` and sidecars)."""
    return os.path.join(glob.escape(str(path.parent)), f".{glob.escape(path.name)}.*.tmp*")


def check(path: Path) -> StateKind:
    """What ``path`` holds; temporary files an earlier run left behind are removed.

    Raises:
        ConfigurationError: a missing directory, a directory, something unreadable or
            unwritable, or a file that is neither a state database nor a JSON state.
    """
    directory = path.parent
    if path.is_dir():
        raise unusable(path, "it is a directory")
    if not directory.is_dir():
        raise unusable(path, f"the directory {directory} does not exist")
    if path.exists() and not path.is_file():
        raise unusable(path, "it is not a regular file")
    _remove_leftovers(path)
    try:
        with path.open("rb") as file:
            head = file.read(_SNIFF_BYTES)
    except FileNotFoundError:
        if not os.access(directory, os.W_OK | os.X_OK):
            raise unusable(path, f"the directory {directory} is not writable") from None
        return "new"
    except OSError as exc:
        raise unusable(path, exc.strerror or str(exc)) from exc
    if not os.access(path, os.R_OK | os.W_OK):
        raise unusable(path, "the file is not writable")
    if not head:
        return "new"  # an empty file holds nothing yet
    if head.startswith(_SQLITE_MAGIC):
        return "sqlite"
    if head.lstrip()[:1] == b"{":
        return "json"
    raise ConfigurationError(
        f"{path} is not a valid emulator state file: neither a state database nor a JSON state"
    )


def _remove_leftovers(path: Path) -> None:
    # A process killed while writing (a JSON state of earlier versions, or a migration)
    # leaves its temporary file behind; nothing else writes files with these names.
    for leftover in glob.glob(temporary_pattern(path)):
        with contextlib.suppress(OSError):
            os.unlink(leftover)
