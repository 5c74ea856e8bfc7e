"""The state file: round trip, atomic replacement, refusal of foreign files."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from orgo_async.emulator.persist import StateSnapshot, StoredTemplate, load_state, save_state
from orgo_async.errors import ConfigurationError


def _snapshot(version: str) -> StateSnapshot:
    template = StoredTemplate(
        ref=f"default/a@{version}",
        digest="0" * 64,
        published=datetime(2026, 1, 1, tzinfo=timezone.utc),
        document={"api_version": "orgo.ai/v1"},
    )
    return StateSnapshot(templates=[template], build_count=3)


def test_a_saved_state_loads_back_equal(tmp_path: Path) -> None:
    """What save_state writes, load_state reads back unchanged."""
    path = tmp_path / "state.json"
    save_state(path, _snapshot("1.0.0"))
    assert load_state(path) == _snapshot("1.0.0")


def test_saving_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    """A second save replaces the first whole; no temporary file stays behind."""
    path = tmp_path / "state.json"
    save_state(path, _snapshot("1.0.0"))
    save_state(path, _snapshot("2.0.0"))
    assert load_state(path) == _snapshot("2.0.0")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_failed_save_keeps_the_old_state(tmp_path: Path) -> None:
    """When the new state cannot be written, the old file is intact and no temp remains."""
    path = tmp_path / "state.json"
    save_state(path, _snapshot("1.0.0"))
    with pytest.raises(TypeError):
        save_state(path, object())  # type: ignore[arg-type]
    assert load_state(path) == _snapshot("1.0.0")
    assert [p.name for p in tmp_path.iterdir()] == ["state.json"]


def test_a_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    """No file yet means nothing published yet."""
    assert load_state(tmp_path / "absent.json") == StateSnapshot()


def test_a_foreign_file_is_refused(tmp_path: Path) -> None:
    """A file that is not an emulator state raises ConfigurationError."""
    path = tmp_path / "state.json"
    path.write_text('{"format": 2}')
    with pytest.raises(ConfigurationError, match="not a valid emulator state"):
        load_state(path)
