"""Template refs parse, format and refuse anything that could address another API path."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgo_async.errors import InvalidRefError
from orgo_async.refs import NAME_PATTERN, TemplateRef


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "default/claude-code@1.0.0", TemplateRef("default", "claude-code", "1.0.0"), id="full"
        ),
        pytest.param(
            "claude-code@1.0.0", TemplateRef("default", "claude-code", "1.0.0"), id="no-namespace"
        ),
        pytest.param(
            "system/openclaw@2.1.3-rc.1+b5",
            TemplateRef("system", "openclaw", "2.1.3-rc.1+b5"),
            id="prerelease-and-build",
        ),
        pytest.param(" default/a@0.0.1 ", TemplateRef("default", "a", "0.0.1"), id="spaces"),
    ],
)
def test_parse_valid_refs(text: str, expected: TemplateRef) -> None:
    """Valid refs parse into their three components; the namespace defaults to default."""
    assert TemplateRef.parse(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("claude-code", id="no-version"),
        pytest.param("default/claude-code@", id="empty-version"),
        pytest.param("default/claude-code@1.0", id="two-part-version"),
        pytest.param("Default/claude-code@1.0.0", id="uppercase-namespace"),
        pytest.param("default/claude_code@1.0.0", id="underscore-name"),
        pytest.param("../secrets@1.0.0", id="dot-dot-namespace"),
        pytest.param("a/b/c@1.0.0", id="extra-segment"),
        pytest.param("default/x@1.0.0/build", id="path-in-version"),
        pytest.param("default/x%2F@1.0.0", id="percent-encoded"),
        pytest.param("default/-x@1.0.0", id="leading-hyphen"),
        pytest.param("default/x@1.0.0?force=true", id="query-in-version"),
        pytest.param("", id="empty"),
    ],
)
def test_parse_rejects_bad_refs(text: str) -> None:
    """Anything that is not namespace/name@version with checked parts is an InvalidRefError."""
    with pytest.raises(InvalidRefError):
        TemplateRef.parse(text)


def test_parse_rejects_non_strings() -> None:
    """A ref of the wrong type is an InvalidRefError, which is also a ValueError."""
    with pytest.raises(ValueError, match="must be a string"):
        TemplateRef.parse(42)  # type: ignore[arg-type]


def test_a_ref_formats_and_builds_its_path() -> None:
    """str() gives namespace/name@version and .path the URL segments."""
    ref = TemplateRef.parse("claude-code@1.0.0")
    assert str(ref) == "default/claude-code@1.0.0"
    assert ref.path == "default/claude-code/1.0.0"
    assert TemplateRef.parse(ref) is ref


def test_direct_construction_is_checked() -> None:
    """Building a ref from parts checks them too."""
    with pytest.raises(InvalidRefError):
        TemplateRef("default", "name", "..")


@given(
    namespace=st.from_regex(NAME_PATTERN, fullmatch=True),
    name=st.from_regex(NAME_PATTERN, fullmatch=True),
    version=st.from_regex(
        r"(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})\.(0|[1-9][0-9]{0,3})", fullmatch=True
    ),
)
def test_format_then_parse_round_trips(namespace: str, name: str, version: str) -> None:
    """Every valid ref survives str() and parse() unchanged, and its path has three segments."""
    ref = TemplateRef(namespace, name, version)
    assert TemplateRef.parse(str(ref)) == ref
    assert ref.path.split("/") == [namespace, name, version]
