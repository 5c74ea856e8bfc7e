"""Published template versions, keyed by ref, listed in semver order."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from orgo_async.models import TemplateVersion
from orgo_async.refs import TemplateRef

__all__ = ["Registry", "TemplateEntry", "content_hash", "semver_key"]


def content_hash(document: dict[str, Any]) -> str:
    """SHA-256 of a whole normalized document (identity block included), keys sorted."""
    return hashlib.sha256(msgspec.json.encode(document, order="sorted")).hexdigest()


@dataclass(frozen=True)
class TemplateEntry:
    """One published version: its canonical document, digest and publish time.

    ``content`` hashes the whole document (identity block included): a republish of the
    same ref is identical only when it matches, while ``digest`` (which leaves identity
    out) keys the golden snapshot shared across versions.
    """

    ref: TemplateRef
    digest: str
    published: datetime
    document: dict[str, Any]
    content: str = ""
    curated: bool = False

    def __post_init__(self) -> None:
        if not self.content:
            # A restored version: the store keeps the document, the hash is recomputed.
            object.__setattr__(self, "content", content_hash(self.document))

    def as_version(self) -> TemplateVersion:
        """The wire form, as list, versions, curated and get return it."""
        return TemplateVersion(
            ref=str(self.ref), digest=self.digest, published=self.published, template=self.document
        )


_PreKey = tuple[tuple[int, int, str], ...]


def semver_key(version: str) -> tuple[int, int, int, int, _PreKey, str]:
    """Sort key giving semver precedence: ``1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0 < 1.0.1``.

    Build metadata does not change precedence; the full text breaks ties so order is total.
    """
    core, _, _build = version.partition("+")
    release, _, pre = core.partition("-")
    major, minor, patch = (int(part) for part in release.split("."))
    # Numeric identifiers sort before alphanumeric ones and compare as numbers.
    pre_key: _PreKey = tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in pre.split(".") if pre
    )
    return (major, minor, patch, 0 if pre else 1, pre_key, version)


def _order(entry: TemplateEntry) -> tuple[str, str, tuple[int, int, int, int, _PreKey, str]]:
    return (entry.ref.namespace, entry.ref.name, semver_key(entry.ref.version))


class Registry:
    """Every published version, the curated ones included."""

    def __init__(self) -> None:
        self._entries: dict[TemplateRef, TemplateEntry] = {}
        self._changes: dict[TemplateRef, TemplateEntry | None] = {}

    def get(self, ref: TemplateRef) -> TemplateEntry | None:
        """The version at ``ref``, if published."""
        return self._entries.get(ref)

    def put(self, entry: TemplateEntry) -> None:
        """Publish ``entry``, replacing whatever was at its ref."""
        self._entries[entry.ref] = entry
        if not entry.curated:
            self._changes[entry.ref] = entry

    def remove(self, ref: TemplateRef) -> None:
        """Forget the version at ``ref`` (no error when absent)."""
        if self._entries.pop(ref, None) is not None:
            self._changes[ref] = None

    def take_changes(self) -> dict[TemplateRef, TemplateEntry | None]:
        """Own versions published (the entry) or removed (None) since the last call."""
        changes, self._changes = self._changes, {}
        return changes

    def versions(self, namespace: str, name: str) -> list[TemplateEntry]:
        """Every version of one template, oldest semver first."""
        found = (
            e for e in self._entries.values() if (e.ref.namespace, e.ref.name) == (namespace, name)
        )
        return sorted(found, key=_order)

    def listing(self, *, curated: bool, namespace: str | None = None) -> list[TemplateEntry]:
        """Own (or curated) versions, optionally of one namespace, by namespace, name, semver."""
        found = (
            e
            for e in self._entries.values()
            if e.curated == curated and (namespace is None or e.ref.namespace == namespace)
        )
        return sorted(found, key=_order)

    def entries(self) -> Iterable[TemplateEntry]:
        """Every version, in no particular order."""
        return list(self._entries.values())

    def clear_own(self) -> None:
        """Drop every version that is not curated (a change :meth:`take_changes` omits)."""
        self._entries = {ref: e for ref, e in self._entries.items() if e.curated}
        self._changes.clear()
