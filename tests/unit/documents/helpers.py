"""Shared builders for the document tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from orgo_async.documents import validate_template

DATA = Path(__file__).parent / "data"
EXAMPLES = sorted(DATA.glob("*.yaml"))

BASE: dict[str, Any] = {
    "api_version": "orgo.ai/v1",
    "template": {"name": "demo", "version": "1.0.0"},
}


def doc(**fields: Any) -> dict[str, Any]:
    """A minimal valid document with ``fields`` set (or replaced) at the top level."""
    return {**BASE, **fields}


def codes(document: Any) -> set[tuple[str, ...]]:
    """``(field, code)`` of every error a document has, ``(field, code, "warning")`` of warnings."""
    return {
        (issue.field, issue.code) if issue.is_error else (issue.field, issue.code, "warning")
        for issue in validate_template(document)
    }


def app(name: str = "web", **fields: Any) -> dict[str, Any]:
    """An app entry."""
    return {"name": name, **fields}


def trigger(source: dict[str, Any], *actions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A trigger entry; a log action when none is given."""
    return {
        "name": fields.pop("name", "t"),
        "source": source,
        "actions": list(actions) or [{"type": "log", "message": "fired"}],
        **fields,
    }


SECRETS = [{"name": "api_key"}]
NGINX = app("nginx", services=[{"name": "nginx", "run": "nginx"}])
CRON = {"type": "cron", "schedule": "*/5 * * * *"}


def files(*entries: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A document with these file entries."""
    return doc(files=list(entries), **extra)


def apps(*entries: dict[str, Any]) -> dict[str, Any]:
    """A document with these apps."""
    return doc(apps=list(entries))


def triggers(*entries: dict[str, Any]) -> dict[str, Any]:
    """A document with these triggers, beside an nginx app they may refer to."""
    return doc(apps=[NGINX], triggers=list(entries))
