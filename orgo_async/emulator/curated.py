"""Orgo's curated templates (``system`` namespace), shipped as package data and prebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from orgo_async.emulator import policy
from orgo_async.emulator._schema_check import load_schema
from orgo_async.emulator.documents import normalize, parse_body
from orgo_async.emulator.registry import TemplateEntry
from orgo_async.refs import SYSTEM_NAMESPACE, TemplateRef

__all__ = ["CURATED_BUILD_MS", "CuratedTemplate", "load_curated", "load_schema"]

CURATED_BUILD_MS: dict[str, int] = {
    "claude-code": 118_420,  # the build time the docs show for claude-code
    "openclaw": 142_730,
    "hermes-agent": 131_050,
}
"""How long each curated golden took to build."""


@dataclass(frozen=True)
class CuratedTemplate:
    """A curated version and how long its (prebuilt) golden took."""

    entry: TemplateEntry
    build_time_ms: int


def _read(*parts: str) -> bytes:
    # One joinpath per part: several parts in one call need Python 3.11.
    node = resources.files("orgo_async.emulator").joinpath("data")
    for part in parts:
        node = node.joinpath(part)
    return node.read_bytes()


def load_curated() -> list[CuratedTemplate]:
    """Every curated template, normalized like a publish would."""
    out: list[CuratedTemplate] = []
    for name, build_ms in CURATED_BUILD_MS.items():
        source = _read("curated", f"{name}.yaml")
        template = normalize(parse_body(source))
        ref = TemplateRef(SYSTEM_NAMESPACE, template.name, template.version)
        entry = TemplateEntry(
            ref=ref,
            digest=template.digest,
            published=policy.CURATED_PUBLISHED,
            document=template.document,
            content=template.content,
            curated=True,
        )
        out.append(CuratedTemplate(entry, build_ms))
    return out
