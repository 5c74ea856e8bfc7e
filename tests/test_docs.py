"""The documentation: tables have named columns, and the CLI page covers every command."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import click
import pytest

from orgo_async.cli._app import cli

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([*ROOT.joinpath("docs").rglob("*.md"), ROOT / "README.md"])
_DELIMITER_ROW = re.compile(r"^\|(\s*:?-+:?\s*\|)+\s*$")


def _header_rows(text: str) -> list[str]:
    lines = text.splitlines()
    return [
        line
        for line, below in itertools.pairwise(lines)
        if line.startswith("|") and _DELIMITER_ROW.match(below)
    ]


@pytest.mark.parametrize("page", [pytest.param(p, id=str(p.relative_to(ROOT))) for p in PAGES])
def test_every_table_column_has_a_header(page: Path) -> None:
    """No Markdown table has an empty header cell (a screen reader reads it as nothing)."""
    for header in _header_rows(page.read_text(encoding="utf-8")):
        cells = [cell.strip() for cell in header.strip().strip("|").split("|")]
        assert all(cells), f"{page.name}: {header}"


def test_the_cli_page_documents_every_command_and_option() -> None:
    """docs/cli.md names every command and every option of each (global ones aside)."""
    text = ROOT.joinpath("docs", "cli.md").read_text(encoding="utf-8")
    for name, command in cli.commands.items():
        assert f"`{name}" in text, name
        for param in command.params:
            if isinstance(param, click.Option) and param.expose_value:
                long_names = [opt for opt in param.opts if opt.startswith("--")]
                assert any(opt in text for opt in long_names), f"{name} {long_names}"
