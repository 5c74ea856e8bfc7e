"""Registry commands: ``validate`` (offline), ``get``, ``versions``, ``list``, ``delete``.

``publish`` lives with the build commands, since ``publish --build`` follows builds.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from orgo_async.cli._humanize import age
from orgo_async.cli._params import default_in_help
from orgo_async.cli._runner import run, run_async
from orgo_async.cli.exits import CommandError, ExitCode
from orgo_async.cli.output import Output, to_builtins
from orgo_async.errors import TemplateSyntaxError, TemplateValidationError
from orgo_async.refs import TemplateRef

if TYPE_CHECKING:
    from orgo_async.cli.context import CLIContext
    from orgo_async.documents import Template
    from orgo_async.models import TemplateVersion, ValidationIssue

__all__ = [
    "FILE_HELP",
    "FORMAT_OPTION",
    "PATH",
    "REF_HELP",
    "LoadedFile",
    "check_distinct_refs",
    "load_files",
    "print_versions",
    "register",
    "report_problems",
    "report_warnings",
    "yaml_text",
]

PATH = click.Path(path_type=Path, dir_okay=False)
"""A template file argument (completed as a path in the shell)."""
REF_HELP = "namespace/name@version, or name@version for the 'default' namespace."
FILE_HELP = "A template file, YAML or JSON."


FORMAT_OPTION = click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json"]),
    default=None,
    help=default_in_help(
        "table: aligned columns with each version's age; json: one JSON array.",
        "table, or JSON lines with --json",
    ),
)


def register(group: click.Group) -> None:
    """Add the registry commands to the ``orgo-async`` group."""

    @group.command(
        short_help="Check template files locally (offline, no API key needed).",
        help="Check template files against the orgo.ai/v1 format without any request.\n\n"
        "Prints every problem with its file and field path; exits 2 when any file is invalid. "
        "Warnings (orgo_async's answers where the docs are silent) are printed too, but "
        "never make a file invalid.",
    )
    @click.argument("files", nargs=-1, required=True, metavar="FILE...", type=PATH, help=FILE_HELP)
    def validate(files: tuple[Path, ...]) -> int:
        return run(run_validate, files=list(files))

    @group.command(
        short_help="Show one published version and its document.",
        help="Show a published version: its ref, digest, publish time and its canonical "
        "document as YAML.",
    )
    @click.argument("ref", metavar="REF", help=REF_HELP)
    def get(ref: str) -> int:
        return run(run_get, ref=ref)

    @group.command(
        short_help="List the published versions of one template.",
        help="List every published version of one template, newest last, with its age.",
    )
    @click.argument("template", metavar="NS/NAME", help="namespace/name, or name for 'default'.")
    @FORMAT_OPTION
    def versions(template: str, fmt: str | None) -> int:
        return run(run_versions, template=template, fmt=fmt)

    @group.command(
        "list",
        short_help="List your published templates.",
        help="List every version you published (curated templates are listed by 'curated').",
    )
    @click.option("--namespace", metavar="NS", default=None, help="Only this namespace.")
    @FORMAT_OPTION
    def list_(namespace: str | None, fmt: str | None) -> int:
        return run(run_list, namespace=namespace, fmt=fmt)

    @group.command(
        short_help="Delete one published version (asks first).",
        help="Delete one published version. Computers already running from it keep running.\n\n"
        "On a terminal it asks first; elsewhere (a script, CI) it needs --yes.",
    )
    @click.argument("ref", metavar="REF", help=REF_HELP)
    @click.option("--yes", "-y", is_flag=True, help="Delete without asking.")
    def delete(ref: str, yes: bool) -> int:
        return run(run_delete, ref=ref, yes=yes)


@dataclass
class LoadedFile:
    """One template file after local loading: its template, or every problem found.

    Attributes:
        path: the file as given.
        template: the loaded template, when the file is valid.
        problems: one printable line per error, prefixed with the path.
        issues: the errors as JSON-ready objects, for ``--json``.
        warnings: one printable line per warning, prefixed with the path.
        text: the file's bytes, when it was read but not validated.
    """

    path: Path
    template: Template | None = None
    problems: list[str] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    text: bytes | None = None

    @property
    def document(self) -> Template | bytes:
        """What to publish: the loaded template, or the bytes read unchecked."""
        document = self.template if self.template is not None else self.text
        assert document is not None, "publish only files that loaded"
        return document


def load_files(paths: list[Path], *, validate: bool = True) -> list[LoadedFile]:
    """Load and validate every file locally, collecting every problem instead of stopping.

    Without ``validate`` each file is only read: the server alone judges it.
    """
    from orgo_async.documents import load_template

    loaded: list[LoadedFile] = []
    for path in paths:
        entry = LoadedFile(path)
        try:
            if not validate:
                entry.text = path.read_bytes()
                loaded.append(entry)
                continue
            entry.template = load_template(path.read_bytes())
            entry.warnings = [_issue_line(path, issue) for issue in entry.template.warnings]
        except OSError as exc:
            reason = exc.strerror or str(exc)
            entry.problems.append(f"{path}: cannot read: {reason}")
            entry.issues.append({"field": "", "code": "unreadable", "message": reason})
        except TemplateSyntaxError as exc:
            where = f":{exc.line}:{exc.column}" if exc.line is not None else ""
            entry.problems.append(f"{path}{where}: {exc.message} [syntax]")
            entry.issues.append(
                {
                    "field": "",
                    "code": "syntax",
                    "message": exc.message,
                    "line": exc.line,
                    "column": exc.column,
                }
            )
        except TemplateValidationError as exc:
            for issue in exc.issues:
                if not issue.is_error:
                    entry.warnings.append(_issue_line(path, issue))
                    continue
                line = f"{path}: {issue.field or '<document>'}: {issue.message} [{issue.code}]"
                entry.problems.append(line)
                if issue.hint:
                    entry.problems.append(f"    hint: {issue.hint}")
                entry.issues.append(to_builtins(issue))
        loaded.append(entry)
    return loaded


def _issue_line(path: Path, issue: ValidationIssue) -> str:
    return f"{path}: warning: {issue.field or '<document>'}: {issue.message} [{issue.code}]"


def report_warnings(output: Output, loaded: list[LoadedFile]) -> None:
    """Print every warning of every file to stderr (a ``warning`` record each with --json)."""
    for entry in loaded:
        for line in entry.warnings:
            if output.json:
                output.stderr.write(
                    _json_line({"type": "warning", "file": str(entry.path), "message": line})
                )
            else:
                output.stderr.write(line + "\n")
    output.stderr.flush()


def _json_line(record: dict[str, Any]) -> str:
    import msgspec

    return msgspec.json.encode(record).decode() + "\n"


def check_distinct_refs(loaded: list[LoadedFile]) -> None:
    """Flag files that publish different content at one ref (a 409 waiting to happen)."""
    from orgo_async.documents import template_digest

    seen: dict[str, tuple[Path, str]] = {}
    for entry in loaded:
        if entry.template is None:
            continue
        ref, digest = str(entry.template.ref), template_digest(entry.template)
        first = seen.setdefault(ref, (entry.path, digest))
        if first[1] != digest:
            entry.problems.append(
                f"{entry.path}: template: {ref} is also in {first[0]} with different "
                "content; bump one version [duplicate_ref]"
            )


def report_problems(output: Output, loaded: list[LoadedFile]) -> bool:
    """Print every problem of every file to stderr; True when there was none."""
    problems = [line for entry in loaded for line in entry.problems]
    if problems:
        output.error(problems, kind="TemplateValidationError", exit_code=ExitCode.USAGE)
    return not problems


def run_validate(ctx: CLIContext, *, files: list[Path]) -> int:
    """``validate FILE...``: check each file offline; exit 2 when any is invalid."""
    from orgo_async.documents import template_digest

    out = ctx.output
    loaded = load_files(files)
    report_warnings(out, loaded)
    for entry in loaded:
        if entry.template is not None:
            digest = template_digest(entry.template)
            ref = str(entry.template.ref)
            out.line(f"{entry.path}: ok {ref} digest {digest[:12]}")
            out.record("validation", file=str(entry.path), ok=True, ref=ref, digest=digest)
        else:
            out.record("validation", file=str(entry.path), ok=False, errors=entry.issues)
    if not report_problems(out, loaded):
        return ExitCode.USAGE
    return ExitCode.OK


async def run_get(ctx: CLIContext, *, ref: str) -> int:
    """``get REF``: the version's ref, digest, date and document (as YAML)."""
    parsed = TemplateRef.parse(ref)
    async with ctx.client() as orgo:
        version = await orgo.templates.get(parsed)
    out = ctx.output
    out.record("template", version)
    out.line(f"ref:       {version.ref}")
    out.line(f"digest:    {version.digest}")
    out.line(f"published: {version.published.isoformat()} ({age(version.published)})")
    if version.template is not None:
        out.line("---")
        out.line(yaml_text(version.template).rstrip("\n"))
    return ExitCode.OK


async def run_versions(ctx: CLIContext, *, template: str, fmt: str | None = None) -> int:
    """``versions NS/NAME``: every published version of one template."""
    namespace, _, name = template.rpartition("/")
    # Checked through TemplateRef so a bad name fails like a bad ref (exit 2) before any request.
    checked = TemplateRef(namespace or "default", name, "0.0.0")
    async with ctx.client() as orgo:
        versions = await orgo.templates.versions(checked.namespace, checked.name)
    print_versions(ctx.output, versions, fmt)
    return ExitCode.OK


async def run_list(ctx: CLIContext, *, namespace: str | None, fmt: str | None = None) -> int:
    """``list [--namespace NS]``: every published version you own."""
    async with ctx.client() as orgo:
        versions = await orgo.templates.list(namespace=namespace)
    print_versions(ctx.output, versions, fmt)
    return ExitCode.OK


def run_delete(ctx: CLIContext, *, ref: str, yes: bool) -> int:
    """``delete REF [--yes]``: confirm on a terminal (or refuse without one), then delete."""
    parsed = TemplateRef.parse(ref)
    if not yes:
        if not sys.stdin.isatty():
            raise CommandError(
                f"error: not deleting {parsed} without a confirmation: pass --yes "
                "(there is no terminal to ask on)"
            )
        question = f"Delete {parsed}? Computers already running from it keep running."
        if not click.confirm(question, default=False, err=True):
            raise CommandError(
                f"{parsed} was not deleted", exit_code=ExitCode.FAILED, kind="declined"
            )
    return run_async(ctx, lambda: _delete(ctx, parsed))


async def _delete(ctx: CLIContext, ref: TemplateRef) -> int:
    async with ctx.client() as orgo:
        result = await orgo.templates.delete(ref)
    ctx.output.record("deleted", result, ref=str(ref))
    ctx.output.line(f"deleted {ref}" if result.deleted else f"{ref} was not deleted")
    return ExitCode.OK


def print_versions(out: Output, versions: list[TemplateVersion], fmt: str | None = None) -> None:
    """Print versions as a table with ages, a JSON array (``json``), or JSON lines (``--json``)."""
    if fmt == "json":
        out.write_json(versions)
        return
    if fmt is None:
        for version in versions:
            out.record("version", version)
        if out.json:
            return
    if not versions:
        out.stdout.write("no templates\n")
        return
    rows = [("REF", "DIGEST", "PUBLISHED")]
    rows += [(v.ref, v.digest[:12], age(v.published)) for v in versions]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for ref, digest, when in rows:
        out.stdout.write(f"{ref.ljust(widths[0])}  {digest.ljust(widths[1])}  {when}\n")
    out.stdout.flush()


def yaml_text(document: dict[str, Any]) -> str:
    """The document as YAML in its own key order, multi-line strings as ``|`` blocks."""
    yaml = YAML()
    yaml.default_flow_style = False
    buffer = io.StringIO()
    yaml.dump(_literal_blocks(document), buffer)
    return buffer.getvalue()


def _literal_blocks(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _literal_blocks(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_literal_blocks(item) for item in value]
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value
