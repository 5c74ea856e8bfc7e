"""``init [FILE]``: start a template, from a minimal skeleton or from a curated template."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio
import click

from orgo_async.cli._params import default_in_help
from orgo_async.cli._runner import run
from orgo_async.cli.exits import CommandError, ExitCode
from orgo_async.cli.templates import PATH, yaml_text
from orgo_async.errors import TemplateSyntaxError, TemplateValidationError
from orgo_async.refs import SYSTEM_NAMESPACE, TemplateRef

if TYPE_CHECKING:
    from orgo_async.cli.context import CLIContext

__all__ = ["DEFAULT_NAME", "SCHEMA_COMMENT", "register", "run_init", "skeleton"]

DEFAULT_NAME = "my-template"
DEFAULT_VERSION = "0.1.0"
SCHEMA_COMMENT = "# yaml-language-server: $schema=https://www.orgo.ai/api/template-schema"
"""Lets YAML editors check and complete the file against the format's schema."""

_NEXT_STEPS = (
    "# Check it offline:     orgo-async validate {file}\n"
    "# Publish and build it: orgo-async publish {file} --build\n"
)


def register(group: click.Group) -> None:
    """Add ``init`` to the ``orgo-async`` group."""

    @group.command(
        short_help="Start a new template file (a skeleton, or a curated template).",
        help="Write a new template to FILE: a minimal skeleton, or with --from a copy of one "
        "of Orgo's curated templates (see 'orgo-async curated'). The result is validated "
        "before it is written; an existing FILE is kept unless --force.",
    )
    @click.argument(
        "file",
        required=False,
        type=PATH,
        metavar="[FILE]",
        help=default_in_help("Where to write the template.", "NAME.yaml"),
    )
    @click.option(
        "--name",
        metavar="NAME",
        default=None,
        help=default_in_help(
            "The template's name (kebab-case).",
            "FILE's name, else the curated template's, else my-template",
        ),
    )
    @click.option(
        "--from",
        "source",
        metavar="REF",
        default=None,
        help="Start from this curated template: NAME (its latest version), NAME@VERSION "
        "or system/NAME@VERSION. Needs the API.",
    )
    @click.option("--force", is_flag=True, help="Replace FILE if it exists.")
    def init(file: Path | None, name: str | None, source: str | None, force: bool) -> int:
        return run(run_init, file=file, name=name, source=source, force=force)


async def run_init(
    ctx: CLIContext,
    *,
    file: Path | None = None,
    name: str | None = None,
    source: str | None = None,
    force: bool = False,
) -> int:
    """``init [FILE] [--name NAME] [--from REF] [--force]``."""
    origin = None
    if source is None:
        name = name or (_name_from(file.stem) if file is not None else None) or DEFAULT_NAME
        path = file or Path(f"{name}.yaml")
        text = skeleton(name, path)
    else:
        origin, document = await _fetch_curated(ctx, source)
        name = name or (_name_from(file.stem) if file is not None else None) or origin.name
        path = file or Path(f"{name}.yaml")
        text = _from_document(document, name, origin, path)
    ref = _checked(text, path)
    try:
        async with await anyio.open_file(path, "w" if force else "x", encoding="utf-8") as f:
            await f.write(text)
    except FileExistsError:
        raise CommandError(f"error: {path} exists; pass --force to replace it") from None
    except OSError as exc:
        raise CommandError(f"error: cannot write {path}: {exc.strerror or exc}") from None
    out = ctx.output
    out.record("init", file=str(path), ref=str(ref), source=None if origin is None else str(origin))
    started = f" from {origin}" if origin is not None else ""
    out.line(f"wrote {path}: {ref}{started}")
    out.line(f"next: orgo-async validate {path}, then orgo-async publish {path} --build")
    return ExitCode.OK


def skeleton(name: str, path: Path) -> str:
    """A minimal valid template named ``name``, in the short (sugar) form, with guidance."""
    return (
        f"{SCHEMA_COMMENT}\n"
        "# An Orgo template (format orgo.ai/v1). Fields: orgo-async schema\n"
        + _NEXT_STEPS.format(file=path)
        + "api_version: orgo.ai/v1\n"
        f"name: {name}@{DEFAULT_VERSION}\n"
        "cpu: 2\n"
        "ram: 4gb\n"
        "build:\n"
        "  apt: [htop]\n"
    )


def _from_document(document: dict[str, Any], name: str, origin: TemplateRef, path: Path) -> str:
    metadata = document.get("template")
    if isinstance(metadata, dict):
        document = {**document, "template": {**metadata, "name": name}}
    return (
        f"{SCHEMA_COMMENT}\n# Started from {origin}.\n"
        + _NEXT_STEPS.format(file=path)
        + yaml_text(document)
    )


async def _fetch_curated(ctx: CLIContext, source: str) -> tuple[TemplateRef, dict[str, Any]]:
    """The curated template ``source`` names, and its document."""
    text = source.strip()
    if "/" not in text:
        text = f"{SYSTEM_NAMESPACE}/{text}"
    async with ctx.client() as orgo:
        if "@" in text:
            ref = TemplateRef.parse(text)
        else:
            namespace, _, curated_name = text.partition("/")
            # Checked like any ref component before it becomes a path segment.
            TemplateRef(namespace, curated_name, DEFAULT_VERSION)
            versions = await orgo.templates.curated_versions(namespace, curated_name)
            if not versions:
                raise CommandError(f"error: no curated template {text}; see: orgo-async curated")
            ref = TemplateRef.parse(max(versions, key=_semver).ref)
        version = await orgo.templates.get(ref)
    if version.template is None:
        raise CommandError(
            f"error: the API sent no document for {ref}",
            exit_code=ExitCode.FAILED,
            kind="no_document",
        )
    return ref, version.template


def _checked(text: str, path: Path) -> TemplateRef:
    """The ref of the template in ``text``; a problem stops ``init`` before writing."""
    from orgo_async.documents import load_template

    try:
        return load_template(text).ref
    except TemplateSyntaxError as exc:
        raise CommandError(f"{path}: {exc}", kind="TemplateSyntaxError") from None
    except TemplateValidationError as exc:
        lines = [f"{path}: {i.field or '<document>'}: {i.message} [{i.code}]" for i in exc.issues]
        raise CommandError(*lines, kind="TemplateValidationError") from None


def _name_from(text: str) -> str | None:
    """``text`` made a kebab-case template name, or None when nothing usable is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64].strip("-")
    return slug or None


def _semver(version: Any) -> tuple[Any, ...]:
    from orgo_async.emulator.registry import semver_key

    return semver_key(TemplateRef.parse(version.ref).version)
