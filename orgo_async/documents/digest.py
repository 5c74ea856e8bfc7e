"""The content digest: SHA-256 over what a computer is built from, in one canonical form.

The golden snapshot is keyed by this digest, so it leaves out the ``template`` identity
block (name, version, description, ...) and ``vars`` (already substituted), fills the
documented defaults, and serializes with sorted keys. docs/documents.md states the
algorithm step by step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, Final

import msgspec

from orgo_async.documents._limits import check_json
from orgo_async.documents.interpolate import interpolate_document
from orgo_async.documents.schema import Template

__all__ = ["DIGEST_EXCLUDED", "build_content", "template_digest"]

DIGEST_EXCLUDED: Final = frozenset({"template", "vars"})
"""Top-level keys that never reach the digest."""

_HEALTH_DEFAULTS: Final[dict[str, Any]] = {"every": "30s", "timeout": "5s", "retries": 3}
_SERVICE_DEFAULTS: Final[dict[str, Any]] = {"restart": "always", "user": "orgo"}
_ITEM_DEFAULTS: Final[dict[str, dict[str, Any]]] = {
    "secrets": {"optional": False},
    "files": {"when": "build"},
    "triggers": {"enabled": True},
    "streaming": {"autostart": False},
}


def template_digest(template: Template | Mapping[str, Any]) -> str:
    """Return the 64-hex-digit SHA-256 content digest of a template.

    A mapping is loaded (sugar expanded and validated) first.

    Raises:
        TemplateValidationError: a mapping that is not a valid template.
        TemplateSyntaxError: a ``Template`` built by hand holding what JSON cannot write
            (text that is not Unicode, an integer beyond 64 bits, ``nan`` or ``inf``);
            loaded documents are refused earlier.
    """
    content = build_content(template)
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


def build_content(template: Template | Mapping[str, Any]) -> dict[str, Any]:
    """Return the exact data the digest hashes (before sorted-key JSON encoding)."""
    if not isinstance(template, Template):
        from orgo_async.documents.load import load_template

        template = load_template(template)
    document = template.to_dict()
    # A Template built by hand has not been through the loader's checks.
    check_json(document)
    document = interpolate_document(document)
    content = {k: v for k, v in document.items() if k not in DIGEST_EXCLUDED}
    _fill_defaults(content)
    canonical: dict[str, Any] = _canonical(content)
    return canonical


def _fill_defaults(content: dict[str, Any]) -> None:
    # Every container here is a fresh copy made by interpolate_document, so filling in
    # place never touches the Template.
    hardware = content.setdefault("hardware", {})
    hardware.setdefault("os", "linux")
    hardware.setdefault("audio", False)
    for key, defaults in _ITEM_DEFAULTS.items():
        for item in content.get(key) or ():
            for name, value in defaults.items():
                item.setdefault(name, value)
    for app in content.get("apps") or ():
        for service in app.get("services") or ():
            for name, value in _SERVICE_DEFAULTS.items():
                service.setdefault(name, value)
        for port in app.get("ports") or ():
            port.setdefault("public", False)
        health = app.get("health")
        if health is not None:
            for name, value in _HEALTH_DEFAULTS.items():
                health.setdefault(name, value)


def _canonical(value: Any) -> Any:
    """Drop empty lists and mappings (an empty collection is the same as none) and write
    whole floats as integers (``cpu: 2.0`` is ``cpu: 2``)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            item = _canonical(item)
            if item is not None and item != [] and item != {}:
                out[key] = item
        return out
    if isinstance(value, list):
        return [_canonical(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value
