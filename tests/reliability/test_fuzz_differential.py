"""The local validator against the bundled JSON Schema run by ``jsonschema``, on fuzzed input.

Documents are the documented examples (and the demo templates), mutated, and generated
ones. Each goes through orgo_async's validator and, after sugar expansion, through the
schema. Where the two disagree, orgo_async may only be stricter, and only by a rule the
docs state (an error, named below with where the reference states it) or by one of its
own answers to the docs' gaps (a warning, which never blocks). It is never looser: a
document the schema refuses always has an error here.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Final

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from orgo_async.documents import parse_document
from orgo_async.documents.load import read_written
from orgo_async.documents.sugar import SUGAR_KEYS
from orgo_async.documents.validate import check_document
from orgo_async.emulator._schema_check import load_schema
from orgo_async.errors import TemplateSyntaxError
from orgo_async.models import ValidationIssue
from tests.documented_examples import DOCUMENTED
from tests.reliability.mutations import mutated_examples

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
SCHEMA: Final = Draft202012Validator(msgspec.json.decode(load_schema()))

_DEMO = Path(__file__).parents[2] / "orgo_async" / "demo" / "templates"
SEEDS: Final = [
    *(parse_document(text) for text in DOCUMENTED.values()),
    *(parse_document(path.read_bytes()) for path in sorted(_DEMO.glob("*.yaml"))),
]

DOCUMENTED_RULES: Final = {
    "exactly_one_of": "§3.9: each file sets exactly one of from or inline",
    "at_most_one_of": "§3.11: at most one dedup strategy per trigger",
    "duplicate": "§3.10-3.12: app, service, trigger and session names are unique",
    "reserved_path": "§3.9: reserved destination paths are rejected",
    "reserved_port": "§3.10: ports 5900, 5999, 6080 and 8080 are reserved",
    "unknown_ref": "§3.7: an unknown ${...} reference is a validation error",
    "secret_ref": "§3.7: ${env.X} cannot use a secret-backed env value",
    "format": "§3.9-3.11: absolute paths, no '..', the from schemes, 5-field cron, on_fail",
}
"""Errors the schema cannot state (they need more than one field, or prose)."""


def _documented(issue: ValidationIssue, data: Any, expanded: Any) -> bool:
    """Whether an error the schema does not share rests on a rule the docs state."""
    if issue.code in DOCUMENTED_RULES:
        return True
    top = re.split(r"[.\[]", issue.field, maxsplit=1)[0]
    if top in SUGAR_KEYS or (top == "files" and isinstance(data.get("files"), dict)):
        return True  # §3.2: the sugar forms (`name: foo@1.0.0`, `ram: 4gb`, map-form files)
    if issue.code == "type" and "finite" in issue.message:
        return True  # JSON has no NaN or infinity: such a value cannot be sent at all
    if issue.code == "pattern":
        # ECMA-262 patterns: `$` ends the text (Python's also matches before a final
        # newline) and `\d` is ASCII (Python's is any Unicode digit).
        value = _value_at(expanded, issue.field)
        return isinstance(value, str) and (value.endswith("\n") or not value.isascii())
    return False


_STEP = re.compile(r'\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]')


def _value_at(document: Any, field: str) -> Any:
    value = document
    for name, index, quoted in _STEP.findall(field):
        key: Any = int(index) if index else msgspec.json.decode(quoted) if quoted else name
        try:
            value = value[key]
        except (KeyError, IndexError, TypeError):
            return None
    return value


def _compare(document: Any) -> None:
    try:
        data = read_written(document).data
    except TemplateSyntaxError:
        return  # refused before validation on both sides (an integer beyond 64 bits)
    checked = check_document(data)
    if checked.expansion is None:
        assert checked.issues[0].is_error  # not a mapping: the schema's `type: object` too
        return
    expanded = checked.expansion.document
    errors = [issue for issue in checked.issues if issue.is_error]
    refused = list(SCHEMA.iter_errors(expanded))
    if refused:
        assert errors, f"looser than the schema: {refused[0].message}"
        return
    for issue in errors:
        assert _documented(issue, data, expanded), issue


@pytest.mark.parametrize("name", DOCUMENTED)
def test_the_documented_examples_agree(name: str) -> None:
    """Every example the docs show is valid for both, with no error here."""
    _compare(parse_document(DOCUMENTED[name]))


@FUZZ
@given(st.sampled_from(SEEDS).map(copy.deepcopy) | mutated_examples())
def test_mutated_documents_are_never_looser_and_stricter_only_by_rule(document: Any) -> None:
    """A mutated example the schema refuses has an error here; any other error is a rule."""
    _compare(document)


_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False)
    | st.sampled_from(["1280x720x24", "30s", "0755", "10/1m", "rtmp://x", "a-b", "A", "1.0.0"])
    | st.text(max_size=12)
)


@st.composite
def _field_swaps(draw: st.DrawFn) -> Any:
    """An example with one field, anywhere, set to a value of another type or shape."""
    document = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    containers = [document]
    found: list[tuple[Any, Any]] = []
    while containers:
        value = containers.pop()
        items = value.items() if isinstance(value, dict) else enumerate(value)
        for key, item in items:
            found.append((value, key))
            if isinstance(item, (dict, list)):
                containers.append(item)
    if found:
        parent, key = draw(st.sampled_from(found))
        parent[key] = draw(_SCALARS | st.lists(_SCALARS, max_size=3))
    return document


@FUZZ
@given(_field_swaps())
def test_documents_with_one_field_swapped_are_never_looser(document: Any) -> None:
    """Any one field given another value or type: the schema's verdict is never missed."""
    _compare(document)
