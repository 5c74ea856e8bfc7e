"""Registry commands: ``validate`` (offline), ``get``, ``versions``, ``list``, ``delete``.

``publish`` lives with the build commands, since ``publish --build`` follows builds.
"""

from __future__ import annotations

import argparse
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

from orgo_async.cli.exits import ExitCode
from orgo_async.cli.output import Output, to_builtins
from orgo_async.errors import TemplateSyntaxError, TemplateValidationError
from orgo_async.refs import TemplateRef

if TYPE_CHECKING:
    from orgo_async.cli.context import CLIContext
    from orgo_async.documents import Template
    from orgo_async.models import TemplateVersion

__all__ = ["LoadedFile", "check_distinct_refs", "load_files", "register", "report_problems"]


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the registry commands to the ``orgo-async`` parser."""
    validate = commands.add_parser(
        "validate",
        help="check template files locally (offline, no API key needed)",
        description="Check template files against the orgo.ai/v1 format without any request. "
        "Prints every problem with its field path; exits 2 when any file is invalid.",
    )
    validate.add_argument("files", nargs="+", metavar="FILE", type=Path)
    validate.set_defaults(sync_handler=run_validate)

    get = commands.add_parser("get", help="show one published version and its document")
    get.add_argument("ref", metavar="REF", help="namespace/name@version or name@version")
    get.set_defaults(handler=run_get)

    versions = commands.add_parser("versions", help="list the published versions of a template")
    versions.add_argument("template", metavar="NS/NAME", help="namespace/name, or name")
    versions.set_defaults(handler=run_versions)

    listing = commands.add_parser("list", help="list your published templates")
    listing.add_argument("--namespace", metavar="NS", default=None, help="only this namespace")
    listing.set_defaults(handler=run_list)

    delete = commands.add_parser("delete", help="delete one published version")
    delete.add_argument("ref", metavar="REF")
    delete.set_defaults(handler=run_delete)


@dataclass
class LoadedFile:
    """One template file after local loading: its template, or every problem found.

    Attributes:
        path: the file as given.
        template: the loaded template, when the file is valid.
        problems: one printable line per problem, prefixed with the path.
        issues: the same problems as JSON-ready objects, for ``--json``.
    """

    path: Path
    template: Template | None = None
    problems: list[str] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)


def load_files(paths: list[Path]) -> list[LoadedFile]:
    """Load and validate every file locally, collecting every problem instead of stopping."""
    from orgo_async.documents import load_template

    loaded: list[LoadedFile] = []
    for path in paths:
        entry = LoadedFile(path)
        try:
            entry.template = load_template(path.read_bytes())
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
                line = f"{path}: {issue.field or '<document>'}: {issue.message} [{issue.code}]"
                entry.problems.append(line)
                if issue.hint:
                    entry.problems.append(f"    hint: {issue.hint}")
                entry.issues.append(to_builtins(issue))
        loaded.append(entry)
    return loaded


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


def run_validate(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``validate FILE...``: check each file offline; exit 2 when any is invalid."""
    from orgo_async.documents import template_digest

    out = ctx.output
    loaded = load_files(args.files)
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


async def run_get(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``get REF``: the version's ref, digest, date and document (as YAML)."""
    ref = TemplateRef.parse(args.ref)
    async with ctx.client() as orgo:
        version = await orgo.templates.get(ref)
    out = ctx.output
    out.record("template", version)
    out.line(f"ref:       {version.ref}")
    out.line(f"digest:    {version.digest}")
    out.line(f"published: {version.published.isoformat()}")
    if version.template is not None:
        out.line("---")
        out.line(_yaml_text(version.template).rstrip("\n"))
    return ExitCode.OK


async def run_versions(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``versions NS/NAME``: every published version of one template."""
    namespace, _, name = args.template.rpartition("/")
    # Checked through TemplateRef so a bad name fails like a bad ref (exit 2) before any request.
    checked = TemplateRef(namespace or "default", name, "0.0.0")
    async with ctx.client() as orgo:
        versions = await orgo.templates.versions(checked.namespace, checked.name)
    _print_versions(ctx.output, versions)
    return ExitCode.OK


async def run_list(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``list [--namespace NS]``: every published version you own."""
    async with ctx.client() as orgo:
        versions = await orgo.templates.list(namespace=args.namespace)
    _print_versions(ctx.output, versions)
    return ExitCode.OK


async def run_delete(args: argparse.Namespace, ctx: CLIContext) -> int:
    """``delete REF``: delete one version; computers already running from it keep running."""
    ref = TemplateRef.parse(args.ref)
    async with ctx.client() as orgo:
        result = await orgo.templates.delete(ref)
    ctx.output.record("deleted", result, ref=str(ref))
    ctx.output.line(f"deleted {ref}" if result.deleted else f"{ref} was not deleted")
    return ExitCode.OK


def _print_versions(out: Output, versions: list[TemplateVersion]) -> None:
    for version in versions:
        out.record("version", version)
    if not versions:
        out.line("no templates")
        return
    width = max(len(v.ref) for v in versions)
    out.line(f"{'REF'.ljust(width)}  {'DIGEST':12}  PUBLISHED")
    for v in versions:
        out.line(f"{v.ref.ljust(width)}  {v.digest[:12]:12}  {v.published.isoformat()}")


def _yaml_text(document: dict[str, Any]) -> str:
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
