"""What the API offers besides your templates: ``schema``, ``curated`` and ``test-run``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click
import msgspec

from orgo_async.cli._runner import run
from orgo_async.cli.exits import CommandError, ExitCode
from orgo_async.cli.templates import FORMAT_OPTION, REF_HELP, print_versions
from orgo_async.refs import TemplateRef

if TYPE_CHECKING:
    from orgo_async.cli.context import CLIContext

__all__ = ["register", "run_curated", "run_schema", "run_test_run"]


def register(group: click.Group) -> None:
    """Add ``schema``, ``curated`` and ``test-run`` to the ``orgo-async`` group."""

    @group.command(
        short_help="Print the JSON Schema of the template format.",
        help="Print the JSON Schema of the orgo.ai/v1 template format, as the API serves it "
        "(GET /template-schema). Save it for an editor: orgo-async schema > schema.json",
    )
    def schema() -> int:
        return run(run_schema)

    @group.command(
        short_help="List Orgo's curated templates.",
        help="List the templates Orgo builds and keeps current (namespace 'system'). "
        "Start your own from one with: orgo-async init --from NAME",
    )
    @FORMAT_OPTION
    def curated(fmt: str | None) -> int:
        return run(run_curated, fmt=fmt)

    @group.command(
        "test-run",
        short_help="Boot a short-lived preview computer from a built version.",
        help="Boot a preview computer from REF, whose build must be ready, and print how to "
        "reach it. Previews are reaped after a while; --stop ID stops one now.",
    )
    @click.argument("ref", metavar="[REF]", required=False, help=REF_HELP)
    @click.option(
        "--stop",
        "stop_id",
        metavar="ID",
        default=None,
        help="Stop the preview with this desktop id instead.",
    )
    def test_run(ref: str | None, stop_id: str | None) -> int:
        if (ref is None) == (stop_id is None):
            raise click.UsageError("give either REF (to start a preview) or --stop ID")
        return run(run_test_run, ref=ref, stop_id=stop_id)


async def run_schema(ctx: CLIContext) -> int:
    """``schema``: the JSON Schema, indented (one ``schema`` record with ``--json``)."""
    async with ctx.client() as orgo:
        document = await orgo.templates.schema()
    out = ctx.output
    out.record("schema", schema=document)
    out.line(msgspec.json.format(msgspec.json.encode(document), indent=2).decode())
    return ExitCode.OK


async def run_curated(ctx: CLIContext, *, fmt: str | None = None) -> int:
    """``curated``: every curated template version, with its age."""
    async with ctx.client() as orgo:
        versions = await orgo.templates.curated()
    print_versions(ctx.output, versions, fmt)
    return ExitCode.OK


async def run_test_run(ctx: CLIContext, *, ref: str | None, stop_id: str | None) -> int:
    """``test-run REF`` starts a preview; ``test-run --stop ID`` stops one."""
    out = ctx.output
    async with ctx.client() as orgo:
        if stop_id is not None:
            stopped = await orgo.templates.stop_test_run(stop_id)
            out.record("test_run_stopped", stopped, id=stop_id)
            out.line(f"stopped {stop_id}" if stopped.stopped else f"{stop_id} was already stopped")
            return ExitCode.OK
        if ref is None:  # the command checked that one of them is given
            raise CommandError("error: give either REF or --stop ID")
        parsed = TemplateRef.parse(ref)
        preview = await orgo.templates.test_run(parsed)
    out.record("test_run", preview, ref=str(parsed))
    out.line(f"preview of {parsed}: {preview.status}")
    out.line(f"  desktop:  {preview.desktop_id}")
    out.line(f"  host:     {preview.public_host}")
    out.line(f"  password: {preview.vnc_password}")
    out.line(f"  display:  {preview.resolution}")
    out.line(f"stop it with: orgo-async test-run --stop {preview.desktop_id}")
    return ExitCode.OK
