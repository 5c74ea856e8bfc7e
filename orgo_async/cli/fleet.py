"""``fleet PATH...``: publish and build many templates at once, with a live table and a report."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TextIO, runtime_checkable

import anyio
import anyio.lowlevel
import click

from orgo_async.cli._params import POSITIVE_INT
from orgo_async.cli._runner import run
from orgo_async.cli.console import BuildView, make_view
from orgo_async.cli.exits import ExitCode
from orgo_async.cli.output import is_terminal
from orgo_async.cli.report import plain_report
from orgo_async.cli.templates import check_distinct_refs, load_files, report_problems

if TYPE_CHECKING:
    from orgo_async import Orgo
    from orgo_async.cli.context import CLIContext
    from orgo_async.documents import Template
    from orgo_async.fleet import BuildFleet, FleetReport

__all__ = ["DEFAULT_CONCURRENCY", "build_fleet", "expand_paths", "register", "run_fleet_of"]

DEFAULT_CONCURRENCY = 4
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json")
# How often the live table is redrawn while no build prints anything.
_TICK_SECONDS = 0.25


def register(group: click.Group) -> None:
    """Add ``fleet`` to the ``orgo-async`` group."""

    @group.command(
        short_help="Publish and build many templates concurrently.",
        help="Validate every template locally, then publish and build them all with at most "
        "N builds at once. A directory stands for its *.yaml, *.yml and *.json files. "
        "Exits 0 when every build is ready, 1 when any failed; Ctrl-C cancels the builds.",
    )
    @click.argument(
        "paths",
        nargs=-1,
        required=True,
        metavar="PATH...",
        type=click.Path(path_type=Path),
        help="Template files, or directories of them.",
    )
    @click.option(
        "--concurrency",
        "-c",
        type=POSITIVE_INT,
        default=DEFAULT_CONCURRENCY,
        help="Builds at once.",
    )
    @click.option("--fail-fast", is_flag=True, help="Cancel the other builds once one fails.")
    @click.option("--force", is_flag=True, help="Replace different content at the same ref.")
    @click.option(
        "--report",
        metavar="FILE",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        help="Also write the report to FILE as JSON.",
    )
    def fleet(
        paths: tuple[Path, ...], concurrency: int, fail_fast: bool, force: bool, report: Path | None
    ) -> int:
        return run(
            run_fleet_of,
            files=list(paths),
            concurrency=concurrency,
            fail_fast=fail_fast,
            force=force,
            report_file=report,
        )


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; directories become their template files, sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in TEMPLATE_SUFFIXES)
        else:
            files.append(path)
    return files


async def run_fleet_of(
    ctx: CLIContext,
    files: list[Path],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    force: bool = False,
    report_file: Path | None = None,
) -> int:
    """``fleet PATH...``: validate ``files`` locally, then publish and build them as one fleet.

    A directory among ``files`` stands for its template files.
    """
    files = expand_paths(files)
    if not files:
        ctx.output.error(["no template files found"], exit_code=ExitCode.USAGE)
        return ExitCode.USAGE
    loaded = load_files(files)
    check_distinct_refs(loaded)
    if not report_problems(ctx.output, loaded):
        return ExitCode.USAGE
    templates = [entry.template for entry in loaded if entry.template is not None]
    async with ctx.client() as orgo:
        report = await build_fleet(
            orgo,
            templates,
            view=make_view(ctx.output, fleet=True, refs=[str(t.ref) for t in templates]),
            concurrency=concurrency,
            fail_fast=fail_fast,
            force=force,
        )
    print_report(ctx, report)
    if report_file is not None:
        try:
            await anyio.Path(report_file).write_bytes(report.to_json() + b"\n")
        except OSError as exc:
            # The builds are done and reported above; only the file is missing, and a path
            # the user gave is theirs to fix (exit 2), not a traceback.
            reason = exc.strerror or str(exc)
            ctx.output.error(
                [f"cannot write the report to {report_file}: {reason}"],
                kind="OSError",
                exit_code=ExitCode.USAGE,
            )
            return ExitCode.USAGE
    return ExitCode.OK if report.ok else ExitCode.FAILED


async def build_fleet(
    orgo: Orgo,
    templates: list[Template],
    *,
    view: BuildView,
    concurrency: int,
    fail_fast: bool = False,
    force: bool = False,
) -> FleetReport:
    """Publish and build ``templates`` as a [`BuildFleet`][orgo_async.fleet.BuildFleet], shown live.

    Ctrl-C cancels the fleet, which cancels on the server every build it started.
    """
    from orgo_async.fleet import BuildFleet

    try:
        async with (
            BuildFleet(orgo, concurrency=concurrency, fail_fast=fail_fast) as fleet,
            anyio.create_task_group() as group,
        ):
            group.start_soon(_feed, fleet, view)
            if isinstance(view, _Ticking):
                group.start_soon(_tick, view)
            # The fleet replays nothing: let the feeder subscribe before the first
            # submission can produce an event.
            await anyio.lowlevel.checkpoint()
            for template in templates:
                await fleet.submit(template, force=force)
            report = await fleet.wait()
            group.cancel_scope.cancel()
    finally:
        view.close()
    return report


@runtime_checkable
class _Ticking(Protocol):
    def tick(self) -> None: ...


async def _feed(fleet: BuildFleet, view: BuildView) -> None:
    async with aclosing(fleet.events()) as items:
        async for item in items:
            if item.outcome is not None:
                view.finished(item.outcome)
            elif item.kind == "log":
                if item.event is not None:
                    view.event(item.ref, item.event)
            else:
                view.state(item.ref, item.kind)


async def _tick(view: _Ticking) -> None:
    while True:
        await anyio.sleep(_TICK_SECONDS)
        view.tick()


def print_report(ctx: CLIContext, report: FleetReport) -> None:
    """Write the report: a JSON line with ``--json``, plain lines without a terminal.

    On a terminal the live view has already printed it as a table.
    """
    out = ctx.output
    if out.json:
        out.write_json({"type": "report", **_report_data(report)})
        return
    if not _is_terminal_view(out.stdout):
        for line in plain_report(list(report.builds.values())):
            out.line(line)


def _report_data(report: FleetReport) -> dict[str, object]:
    import msgspec

    data: dict[str, object] = msgspec.json.decode(report.to_json())
    return data


def _is_terminal_view(stream: TextIO) -> bool:
    from orgo_async.cli.console import rich_available

    return is_terminal(stream) and rich_available()
