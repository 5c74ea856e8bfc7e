"""``fleet PATH...``: publish and build many templates at once, with a live table and a report."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from contextlib import aclosing
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import anyio
import anyio.lowlevel

from orgo_async.cli.console import BuildView, make_view
from orgo_async.cli.exits import ExitCode
from orgo_async.cli.report import plain_report
from orgo_async.cli.templates import check_distinct_refs, load_files, report_problems

if TYPE_CHECKING:
    from orgo_async import Orgo
    from orgo_async.cli.context import CLIContext
    from orgo_async.documents import Template
    from orgo_async.fleet import BuildFleet, FleetReport

__all__ = ["DEFAULT_CONCURRENCY", "expand_paths", "register", "run_fleet", "run_fleet_of"]

DEFAULT_CONCURRENCY = 4
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json")
# How often the live table is redrawn while no build prints anything.
_TICK_SECONDS = 0.25


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``fleet`` to the ``orgo-async`` parser."""
    fleet = commands.add_parser(
        "fleet",
        help="publish and build many templates concurrently",
        description="Validate every template locally, then publish and build them all with at "
        "most N builds at once. A directory stands for its *.yaml, *.yml and *.json files. "
        "Exits 0 when every build is ready, 1 when any failed; Ctrl-C cancels the builds.",
    )
    fleet.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    fleet.add_argument(
        "--concurrency",
        "-c",
        type=positive_int,
        default=DEFAULT_CONCURRENCY,
        metavar="N",
        help=f"builds running at once (default {DEFAULT_CONCURRENCY})",
    )
    fleet.add_argument(
        "--fail-fast", action="store_true", help="cancel the other builds once one fails"
    )
    fleet.add_argument(
        "--force", action="store_true", help="replace different content already at the same ref"
    )
    fleet.add_argument(
        "--report", metavar="FILE", type=Path, default=None, help="also write the report as JSON"
    )
    fleet.set_defaults(handler=run_fleet)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given; directories become their template files, sorted by name."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.suffix in TEMPLATE_SUFFIXES)
        else:
            files.append(path)
    return files


async def run_fleet(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``fleet PATH... [--concurrency N] [--fail-fast] [--report FILE]``."""
    return await run_fleet_of(
        ctx,
        expand_paths(args.paths),
        concurrency=args.concurrency,
        fail_fast=args.fail_fast,
        force=args.force,
        report_file=args.report,
    )


async def run_fleet_of(
    ctx: CLIContext,
    files: list[Path],
    *,
    concurrency: int = DEFAULT_CONCURRENCY,
    fail_fast: bool = False,
    force: bool = False,
    report_file: Path | None = None,
) -> int:
    """Validate ``files`` locally, then publish and build them all as one fleet."""
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
    """Publish and build ``templates`` with a :class:`~orgo_async.fleet.BuildFleet`, showing it.

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


def _is_terminal_view(stream: object) -> bool:
    from orgo_async.cli.console import rich_available

    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty()) and rich_available()


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value
