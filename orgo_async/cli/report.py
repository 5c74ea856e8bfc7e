"""The end-of-run report of several builds: a rich table on terminals, aligned text elsewhere."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from orgo_async.fleet.report import BuildOutcome

if TYPE_CHECKING:
    from rich.table import Table

__all__ = ["plain_report", "report_table", "totals_line"]

_ORDER = ("ready", "reused", "failed", "cancelled", "timeout", "error")


def totals_line(outcomes: list[BuildOutcome]) -> str:
    """``5 builds: 3 ready, 1 reused, 1 failed``."""
    counts = Counter(outcome.status for outcome in outcomes)
    statuses = sorted(counts, key=lambda s: _ORDER.index(s) if s in _ORDER else len(_ORDER))
    parts = ", ".join(f"{counts[status]} {status}" for status in statuses)
    noun = "build" if len(outcomes) == 1 else "builds"
    return f"{len(outcomes)} {noun}: {parts}" if parts else f"0 {noun}"


def _rows(outcomes: list[BuildOutcome]) -> list[tuple[str, str, str, str, str]]:
    return [
        (
            o.ref,
            o.status,
            f"{o.wall_time:.1f}s",
            (o.digest or "")[:12],
            "" if o.ok else (o.error or ""),
        )
        for o in outcomes
    ]


def plain_report(outcomes: list[BuildOutcome]) -> list[str]:
    """The report as aligned plain-text lines, ending with the totals."""
    header = ("REF", "RESULT", "TIME", "DIGEST", "ERROR")
    rows = [header, *_rows(outcomes)]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:4], widths, strict=True))
        + "  "
        + row[4]
        for row in rows
    ]
    return [line.rstrip() for line in lines] + [totals_line(outcomes)]


def report_table(outcomes: list[BuildOutcome]) -> Table:
    """The report as a rich table whose caption is the totals."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Build report", caption=totals_line(outcomes), header_style="bold")
    for column in ("REF", "RESULT", "TIME", "DIGEST", "ERROR"):
        table.add_column(column, justify="right" if column == "TIME" else "left")
    for ref, status, took, digest, error in _rows(outcomes):
        style = "green" if status in {"ready", "reused"} else "red"
        table.add_row(ref, Text(status, style=style), took, digest, error)
    return table
