"""``orgo_async.__all__`` is the public API: sorted, complete, and every name importable."""

from __future__ import annotations

import types

import pytest

import orgo_async
import orgo_async.errors
import orgo_async.models
import orgo_async.resources

CLIENT_NAMES = frozenset({"Orgo", "RetryPolicy", "Timeout", "TemplateRef"})
"""What a user of the client reaches for first, importable from the package root."""

FLEET_NAMES = frozenset({"BuildFleet", "BuildHandle", "BuildOutcome", "FleetEvent", "FleetReport"})
"""The fleet and what it hands back."""

DOCUMENT_NAMES = frozenset({"Template", "load_template", "template_digest", "validate_template"})
"""The document API the issue names as importable from orgo_async."""

MODEL_NAMES = frozenset(
    {
        "BuildEvent",
        "BuildInfo",
        "CancelResult",
        "DeleteResult",
        "PublishResult",
        "StopRunResult",
        "TemplateRun",
        "TemplateVersion",
        "ValidationIssue",
        "ValidationResult",
    }
)
"""What the client's methods return, so callers can annotate without reaching into submodules."""


def _ruff_order(name: str) -> tuple[int, str]:
    # ruff's RUF022 "isort-style" order: CONSTANTS, then Classes, then everything else.
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@pytest.mark.parametrize(
    "module",
    [
        pytest.param(orgo_async, id="orgo_async"),
        pytest.param(orgo_async.errors, id="errors"),
        pytest.param(orgo_async.models, id="models"),
        pytest.param(orgo_async.resources, id="resources"),
    ],
)
def test_all_is_sorted_unique_and_importable(module: types.ModuleType) -> None:
    """__all__ is in ruff's order, without duplicates, and each name exists."""
    exported = list(module.__all__)
    assert exported == sorted(exported, key=_ruff_order)
    assert len(set(exported)) == len(exported)
    missing = [name for name in exported if not hasattr(module, name)]
    assert missing == []


def test_nothing_public_is_left_out_of_all() -> None:
    """Every public name in the package namespace is listed in __all__ (modules aside)."""
    public = {
        name
        for name, value in vars(orgo_async).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name != "annotations"  # a `from __future__ import annotations` leaves this behind
    }
    assert public - set(orgo_async.__all__) == set()


def test_the_client_and_its_types_are_exported_from_the_root() -> None:
    """Orgo, the fleet, the document API, return types and errors import from the root."""
    expected = (
        CLIENT_NAMES | FLEET_NAMES | DOCUMENT_NAMES | MODEL_NAMES | set(orgo_async.errors.__all__)
    )
    assert expected - set(orgo_async.__all__) == set()


def test_root_names_are_the_same_objects_as_in_their_modules() -> None:
    """Re-exports are the real objects, not copies: isinstance checks work either way."""
    from orgo_async._client import Orgo
    from orgo_async._retry import RetryPolicy
    from orgo_async._timeout import Timeout

    for name, obj in {"Orgo": Orgo, "RetryPolicy": RetryPolicy, "Timeout": Timeout}.items():
        assert getattr(orgo_async, name, None) is obj, name
    for name in MODEL_NAMES:
        assert getattr(orgo_async, name, None) is getattr(orgo_async.models, name), name
