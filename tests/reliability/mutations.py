"""Mutations of the documented examples, for fuzzing: data and YAML text alike."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from orgo_async.documents import parse_document

__all__ = ["EXAMPLES", "EXAMPLE_FILES", "EXAMPLE_TEXTS", "mutated_examples", "mutated_texts"]

_REFERENCE = Path("/work/shared/reference/examples")
_DEMO = Path(__file__).parents[2] / "orgo_async" / "demo" / "templates"
EXAMPLE_FILES = sorted(
    [*(_REFERENCE.glob("*.yaml") if _REFERENCE.is_dir() else []), *_DEMO.glob("*.yaml")]
)
EXAMPLE_TEXTS = [path.read_text(encoding="utf-8") for path in EXAMPLE_FILES]
EXAMPLES = [parse_document(text) for text in EXAMPLE_TEXTS]


_KEYS = st.sampled_from(
    [
        *("api_version", "name", "template", "version", "hardware", "cpu", "ram", "display"),
        *("files", "apps", "services", "env", "vars", "build", "run", "secrets", "triggers"),
        *("on_resume", "health", "ports", "streaming", "egress", "to", "from", "inline", "x", ""),
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    # Integers beyond 64 bits are refused outright (TemplateSyntaxError), not reported as
    # issues; test_hostile_documents.py fuzzes them.
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["${var.x}", "${env.HOME}", "$${x}", "${", "../../etc", "4gb", "x@1.0.0"])
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=10,
)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in a document, depth first."""
    found: list[tuple[Any, Any]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((value, key))
            found += _slots(item)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found.append((value, index))
            found += _slots(item)
    return found


@st.composite
def mutated_examples(draw: st.DrawFn) -> Any:
    """A reference example with a few of its keys, values, types or nesting changed."""
    document = copy.deepcopy(draw(st.sampled_from(EXAMPLES)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        slots = _slots(document)
        if not slots:
            break
        parent, key = draw(st.sampled_from(slots))
        value = parent[key]
        how = draw(
            st.sampled_from(
                ["replace", "delete", "rename", "wrap", "unwrap", "stringify", "duplicate"]
            )
        )
        if how == "replace":
            parent[key] = draw(_VALUES)
        elif how == "delete":
            del parent[key]
        elif how == "rename" and isinstance(parent, dict):
            parent[draw(_KEYS | st.text(max_size=8))] = parent.pop(key)
        elif how == "wrap":
            parent[key] = draw(st.sampled_from([[value], {"x": value}, {str(key): value}]))
        elif how == "unwrap" and isinstance(value, (list, dict)) and value:
            parent[key] = next(iter(value.values() if isinstance(value, dict) else value))
        elif how == "stringify":
            parent[key] = str(value)
        elif how == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(value))
    return document


_INSERTS = st.sampled_from(
    [
        *(":", ": ", "-", "- ", "\t", "  ", "\n", "!", "!!str ", "&a ", "*a", "{", "}", "[", "]"),
        *('"', "'", "#", "|", ">", "?", "%", "@", "\x00", "\ufeff", "\u2028", "---\n", "...\n"),
        *("<<: *a\n", "${var.", "\\", "\r", "é", "\U0001f600", "0x1F", "1e400", ".nan", "~"),
    ]
)


@st.composite
def mutated_texts(draw: st.DrawFn) -> str:
    """An example's YAML text with characters inserted, removed or lines shuffled."""
    text = draw(st.sampled_from(EXAMPLE_TEXTS))
    for _ in range(draw(st.integers(min_value=1, max_value=5))):
        how = draw(st.sampled_from(["insert", "delete", "dup-line", "drop-line", "indent"]))
        at = draw(st.integers(min_value=0, max_value=len(text)))
        if how == "insert":
            text = text[:at] + draw(_INSERTS | st.text(max_size=4)) + text[at:]
        elif how == "delete":
            text = text[:at] + text[at + draw(st.integers(min_value=1, max_value=12)) :]
        else:
            lines = text.split("\n")
            index = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            if how == "dup-line":
                lines.insert(index, lines[index])
            elif how == "drop-line":
                del lines[index]
            else:
                lines[index] = draw(st.sampled_from([" ", "  ", "\t", "- "])) + lines[index]
            text = "\n".join(lines)
    return text
