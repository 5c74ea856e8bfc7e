"""``demo``: an emulator in-process, a fleet of the shipped example templates, a report.

The demo shows in under a minute what the SDK does: builds limited by the server's
capacity (429 with Retry-After, handled by the fleet), a failing build, and two templates
of the same content where the second reuses the first one's golden snapshot.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from orgo_async.cli._params import POSITIVE_INT, SECONDS_OR_ZERO
from orgo_async.cli._runner import run
from orgo_async.cli.console import make_view
from orgo_async.cli.context import CLIContext
from orgo_async.cli.exits import ExitCode
from orgo_async.cli.fleet import build_fleet, print_report

if TYPE_CHECKING:
    from orgo_async.demo import DemoTemplate
    from orgo_async.fleet import FleetReport

__all__ = ["register", "run_demo", "unexpected_endings"]

DEMO_BUILD_TIME = 1.5
DEMO_CAPACITY = 2
DEMO_CONCURRENCY = 4
DEMO_SEED = 2026


def register(group: click.Group) -> None:
    """Add ``demo`` to the ``orgo-async`` group."""

    @group.command(
        short_help="Build example templates as a fleet on an in-process emulator.",
        help="Start the emulator on a free local port, publish the example templates "
        "shipped with orgo_async and build them as a fleet while showing the live console. "
        "Exits 0 when every build ended as expected: the broken one failed, the duplicate "
        "reused the golden snapshot, the rest are ready. Needs no API key and no network.",
    )
    @click.option(
        "--build-time",
        type=SECONDS_OR_ZERO,
        default=DEMO_BUILD_TIME,
        help="How long each emulated build takes, in seconds.",
    )
    @click.option(
        "--capacity",
        type=POSITIVE_INT,
        default=DEMO_CAPACITY,
        help="Builds the emulator runs at once; more get 429.",
    )
    @click.option(
        "--concurrency",
        type=POSITIVE_INT,
        default=DEMO_CONCURRENCY,
        help="Builds the fleet tries to run at once.",
    )
    def demo(build_time: float, capacity: int, concurrency: int) -> int:
        return run(run_demo, build_time=build_time, capacity=capacity, concurrency=concurrency)


async def run_demo(
    ctx: CLIContext,
    *,
    build_time: float = DEMO_BUILD_TIME,
    capacity: int = DEMO_CAPACITY,
    concurrency: int = DEMO_CONCURRENCY,
) -> int:
    """Run the demo; exit 0 when every build ended as its template says it should."""
    from orgo_async.demo import demo_templates
    from orgo_async.documents import load_template
    from orgo_async.testing import EMULATOR_API_KEY, run_emulator

    out = ctx.output
    examples = demo_templates()
    templates = [load_template(example.source) for example in examples]
    async with run_emulator(build_time=build_time, capacity=capacity, seed=DEMO_SEED) as url:
        out.line(f"orgo-async demo: emulator at {url}, capacity {capacity} builds at once")
        out.line(
            f"building {len(templates)} example templates, {concurrency} at a time "
            "(one fails on purpose; two share a digest)"
        )
        out.line()
        out.record("demo", base_url=url, capacity=capacity, concurrency=concurrency)
        demo_ctx = CLIContext(api_key=EMULATOR_API_KEY, base_url=url, output=out)
        async with demo_ctx.client() as orgo:
            report = await build_fleet(
                orgo,
                templates,
                view=make_view(out, fleet=True, refs=[example.ref for example in examples]),
                concurrency=concurrency,
            )
    print_report(ctx, report)
    problems = unexpected_endings(examples, report)
    out.record("demo_result", ok=not problems, problems=problems)
    if problems:
        out.error(["demo: some builds did not end as expected:", *problems])
        return ExitCode.FAILED
    out.line()
    pauses = report.totals.rate_limit_pauses
    out.line(
        f"demo passed in {report.wall_time:.1f}s: every build ended as expected "
        f"({pauses} capacity pause{'' if pauses == 1 else 's'} handled)."
    )
    return ExitCode.OK


def unexpected_endings(examples: list[DemoTemplate], report: FleetReport) -> list[str]:
    """Every way the report differs from what the examples expect; empty when all is well."""
    problems: list[str] = []
    shared: list[str] = []
    for example in examples:
        outcome = report.builds.get(example.ref)
        if outcome is None:
            problems.append(f"{example.ref}: missing from the report")
            continue
        if example.expected == "ready-or-reused":
            shared.append(outcome.status)
            if outcome.status not in {"ready", "reused"}:
                problems.append(f"{example.ref}: {outcome.status}, expected ready or reused")
        elif outcome.status != example.expected:
            problems.append(f"{example.ref}: {outcome.status}, expected {example.expected}")
    if shared and sorted(shared) != ["ready"] + ["reused"] * (len(shared) - 1):
        problems.append(
            "templates sharing a digest: expected one build and the rest reused, "
            f"got {', '.join(sorted(shared))}"
        )
    return problems
