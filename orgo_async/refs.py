"""Template refs: ``namespace/name@version``, parsed and checked before any URL is built."""

from __future__ import annotations

import re
from typing import Final

import msgspec

from orgo_async.errors import InvalidRefError

__all__ = [
    "DEFAULT_NAMESPACE",
    "NAME_PATTERN",
    "SYSTEM_NAMESPACE",
    "VERSION_PATTERN",
    "TemplateRef",
]

DEFAULT_NAMESPACE: Final = "default"
"""Namespace of your own templates."""
SYSTEM_NAMESPACE: Final = "system"
"""Namespace of Orgo's curated templates."""

# Names and namespaces follow the format's kebab-case pattern (template.name in the schema).
# The docs give no namespace pattern; kebab-case covers `default` and `system` and keeps
# every component a single, harmless URL path segment.
NAME_PATTERN: Final = r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?"
# [0-9], not \d: Python's \d also matches full-width and other non-ASCII digits.
VERSION_PATTERN: Final = r"[0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?"

_NAME = re.compile(NAME_PATTERN)
_VERSION = re.compile(VERSION_PATTERN)
_REF = re.compile(r"(?:(?P<ns>[^/@]*)/)?(?P<name>[^/@]*)@(?P<version>[^/@]*)")


class TemplateRef(msgspec.Struct, frozen=True, order=True):
    """An immutable template ref such as ``default/claude-code@1.0.0``.

    Build one with :meth:`parse` or directly; every component is checked against
    the documented patterns, so a ref can never address another API path.
    """

    namespace: str
    name: str
    version: str

    def __post_init__(self) -> None:
        _check("namespace", self.namespace, _NAME)
        _check("name", self.name, _NAME)
        # The semver pattern also keeps "." and ".." out, so a version is a safe path segment.
        _check("version", self.version, _VERSION)

    @classmethod
    def parse(cls, ref: str | TemplateRef) -> TemplateRef:
        """Parse ``namespace/name@version``; ``name@version`` means namespace ``default``.

        Raises:
            InvalidRefError: the text is not a ref, or a component breaks its pattern.
        """
        if isinstance(ref, TemplateRef):
            return ref
        if not isinstance(ref, str):
            raise InvalidRefError(f"a ref must be a string, not {type(ref).__name__}")
        match = _REF.fullmatch(ref.strip())
        if match is None:
            raise InvalidRefError(
                f"invalid template ref {ref!r}: expected namespace/name@version or name@version"
            )
        namespace = match["ns"] if match["ns"] is not None else DEFAULT_NAMESPACE
        return cls(namespace, match["name"], match["version"])

    @property
    def path(self) -> str:
        """The ref as URL path segments: ``namespace/name/version``."""
        return f"{self.namespace}/{self.name}/{self.version}"

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}@{self.version}"


def _check(part: str, value: object, pattern: re.Pattern[str]) -> None:
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise InvalidRefError(f"invalid {part} {value!r} in template ref")
