"""Validation as a whole: the documented error, every problem at once, hints, issue codes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orgo_async.documents import ISSUE_CODES, load_template, validate_template
from orgo_async.errors import TemplateValidationError
from orgo_async.models import ValidationIssue
from tests.documented_examples import DOCUMENTED
from tests.unit.documents import test_rules_core, test_rules_files_apps, test_rules_triggers
from tests.unit.documents.helpers import codes, doc

RULES = [*test_rules_core.RULES, *test_rules_files_apps.RULES, *test_rules_triggers.RULES]


@pytest.mark.parametrize("name", DOCUMENTED)
def test_documented_examples_have_no_errors(name: str) -> None:
    """Every example the docs show loads: at most warnings, never an error."""
    issues = validate_template(DOCUMENTED[name])
    assert [issue for issue in issues if issue.is_error] == []
    assert load_template(DOCUMENTED[name]).warnings == tuple(issues)


def test_the_triggers_guide_example_has_one_warning() -> None:
    """The guide's service action names a service it does not declare: a warning, not an error."""
    assert codes(DOCUMENTED["triggers-guide"]) == {
        ("triggers[1].actions[0].target", "unknown_ref", "warning")
    }


def test_documented_cpu_error_is_exact() -> None:
    """cpu: 3 gives exactly the documented issue."""
    issues = validate_template(doc(hardware={"cpu": 3}))
    assert [(i.field, i.code, i.message) for i in issues] == [
        ("hardware.cpu", "invalid_enum", "cpu must be one of 1, 2, 4, 8, 16")
    ]


def test_every_problem_is_reported_at_once() -> None:
    """Problems in different parts of a document all come back, each at its own path."""
    document = {
        "api_version": "orgo.ai/v1",
        "template": {"name": "demo"},
        "hardware": {"cpu": 3, "ram_gb": 6},
        "env": {"lower": "x", "TOKEN": {"secret": "missing"}},
        "files": [{"to": "/proc/x", "inline": "a"}, {"to": "/srv/y"}],
        "apps": [
            {"name": "a", "services": [{"name": "s", "run": "x"}], "ports": [{"internal": 6080}]},
            {"name": "b", "services": [{"name": "s"}]},
        ],
        "triggers": [{"name": "t", "source": {"type": "cron"}, "actions": []}],
    }
    assert codes(document) == {
        ("template.version", "required"),
        ("hardware.cpu", "invalid_enum"),
        ("hardware.ram_gb", "invalid_enum"),
        ("env.lower", "pattern"),
        ("env.TOKEN.secret", "undeclared_secret", "warning"),
        ("files[0].to", "reserved_path"),
        ("files[1]", "exactly_one_of"),
        ("apps[0].ports[0].internal", "reserved_port"),
        ("apps[1].services[0].run", "required"),
        ("apps[1].services[0].name", "duplicate"),
        ("triggers[0].actions", "too_few_items"),
        ("triggers[0].source.schedule", "required", "warning"),
    }


def test_load_raises_with_every_issue() -> None:
    """load_template raises TemplateValidationError carrying every issue, listed in its message."""
    with pytest.raises(TemplateValidationError) as caught:
        load_template(doc(hardware={"cpu": 3, "gpu": "rtx"}))
    assert {(i.field, i.code) for i in caught.value.issues} == {
        ("hardware.cpu", "invalid_enum"),
        ("hardware.gpu", "invalid_enum"),
    }
    assert "2 problems" in str(caught.value)
    assert "hardware.gpu" in str(caught.value)


def test_number_where_text_is_wanted_hints_at_quoting() -> None:
    """An unquoted value YAML read as a number gets a hint showing the quoted spelling."""
    (issue,) = validate_template("api_version: orgo.ai/v1\nname: demo@1.0.0\nenv: {PORT: 8080}\n")
    assert issue == ValidationIssue(
        field="env.PORT",
        code="type",
        message="PORT must be a string or {secret: <name>}, not int",
        hint='quote it in YAML: PORT: "8080"',
    )


def test_unknown_field_suggests_the_closest_name() -> None:
    """A misspelt field is an unknown_field whose hint names the field meant."""
    (issue,) = validate_template(doc(hardware={"reigon": "iad"}))
    assert (issue.field, issue.code, issue.hint) == (
        "hardware.reigon",
        "unknown_field",
        "did you mean region?",
    )


def test_unknown_top_level_field_suggests_sugar_keys() -> None:
    """A misspelt sugar key is an unknown_field whose hint names the sugar key."""
    (issue,) = validate_template(doc(wallpapper="https://x/bg.png"))
    assert (issue.field, issue.code, issue.hint) == (
        "wallpapper",
        "unknown_field",
        "did you mean wallpaper?",
    )


def test_cpu_hint_mentions_fractional_cpu() -> None:
    """The cpu issue keeps the documented message and hints that 0.5 is accepted too."""
    (issue,) = validate_template(doc(hardware={"cpu": 32}))
    assert issue.hint is not None
    assert "0.5" in issue.hint


def test_issue_codes_are_the_documented_list() -> None:
    """Every code the table's documents produce is in ISSUE_CODES, and docs list exactly those."""
    produced = {issue[1] for param in RULES for issue in codes(param.values[0])}
    assert produced <= ISSUE_CODES
    docs = (Path(__file__).parents[3] / "docs" / "documents.md").read_text()
    table = docs.split("### Issue codes", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| `(\w+)`(?: / `(\w+)`)?", table, re.MULTILINE))
    assert {code for pair in documented for code in pair if code} == ISSUE_CODES
