"""${var.X} and ${env.X} interpolation: what resolves, what stays, what is an error."""

from __future__ import annotations

from typing import Any

import pytest

from orgo_async.documents import load_template, validate_template
from orgo_async.documents.interpolate import Scope, interpolate_string
from tests.unit.documents.helpers import BASE, DATA, codes, doc

SCOPE = Scope(
    vars={"region": "iad", "tag": "v2", "raw": "${var.tag}"},
    env={"NODE_ENV": "production"},
    secret_env=frozenset({"API_KEY"}),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("region=${var.region}", "region=iad", id="var"),
        pytest.param("${var.region}-${var.tag}", "iad-v2", id="two-vars"),
        pytest.param("mode=${env.NODE_ENV}", "mode=production", id="env"),
        pytest.param("$${var.region}", "${var.region}", id="escape"),
        pytest.param("$${env.NODE_ENV}", "${env.NODE_ENV}", id="escape-env"),
        pytest.param("$${HOME}", "${HOME}", id="escape-applies-to-any-brace"),
        pytest.param("${var.raw}", "${var.tag}", id="single-pass"),
        pytest.param("echo ${WORKER_NAME}", "echo ${WORKER_NAME}", id="shell-brace"),
        pytest.param("try_files $uri $uri/ =404;", "try_files $uri $uri/ =404;", id="nginx-var"),
        pytest.param("echo $(date) $$", "echo $(date) $$", id="command-substitution-and-pid"),
        pytest.param("{{ event.path }}", "{{ event.path }}", id="runtime-placeholder"),
        pytest.param("${variable}", "${variable}", id="not-a-var-prefix"),
        pytest.param("no dollars", "no dollars", id="plain"),
    ],
)
def test_interpolate_string(text: str, expected: str) -> None:
    """References resolve, escapes unescape, every other $ form is left alone."""
    assert interpolate_string(text, SCOPE) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        pytest.param("${var.missing}", "unknown_ref", id="unknown-var"),
        pytest.param("${env.MISSING}", "unknown_ref", id="unknown-env"),
        pytest.param("${env.API_KEY}", "secret_ref", id="secret-backed-env"),
        pytest.param("${var.}", "unknown_ref", id="empty-name"),
        pytest.param("${var.a b}", "unknown_ref", id="space-in-name"),
        pytest.param("${var.region", "unknown_ref", id="unterminated"),
    ],
)
def test_unresolvable_references(text: str, code: str) -> None:
    """An unresolvable reference is reported and kept as written."""
    problems: list[Any] = []
    assert interpolate_string(text, SCOPE, problems.append) == text
    assert [p.code for p in problems] == [code]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        pytest.param(
            doc(
                apps=[
                    {
                        "name": "a",
                        "services": [{"name": "s", "run": "x", "env": {"A": "${var.nope}"}}],
                    }
                ]
            ),
            ("apps[0].services[0].env.A", "unknown_ref"),
            id="exact-path-deep",
        ),
        pytest.param(doc(env={"A": "${var.nope}"}), ("env.A", "unknown_ref"), id="env-value"),
        pytest.param(
            doc(env={"A": "x", "B": "${env.A}"}),
            ("env.B", "unknown_ref", "warning"),
            id="env-may-not-use-env",
        ),
        pytest.param(
            doc(
                secrets=[{"name": "k"}],
                env={"K": {"secret": "k"}},
                hooks={"on_resume": "echo ${env.K}"},
            ),
            ("hooks.on_resume", "secret_ref"),
            id="secret-backed-env-ref",
        ),
        pytest.param(
            doc(files=[{"to": "/srv/a", "inline": "${var.gone}"}]),
            ("files[0].inline", "unknown_ref"),
            id="file-content",
        ),
        pytest.param(doc(vars={"a": "${var.nope}"}), None, id="vars-values-are-literal"),
        pytest.param(
            doc(template={**BASE["template"], "description": "${var.nope}"}),
            ("template.description", "not_interpolated", "warning"),
            id="identity-block-not-interpolated",
        ),
        pytest.param(doc(env={"A": "$${var.nope}"}), None, id="escaped-is-not-a-reference"),
        pytest.param(
            doc(vars={"r": "iad"}, env={"R": "${var.r}"}, hooks={"on_resume": "${env.R}"}),
            None,
            id="env-through-var",
        ),
    ],
)
def test_reference_issues_in_documents(
    document: dict[str, Any], expected: tuple[str, ...] | None
) -> None:
    """Reference problems are reported at the exact field path; out-of-scope text is ignored."""
    assert codes(document) == ({expected} if expected else set())


@pytest.mark.parametrize(
    "document",
    [
        pytest.param(doc(files=[{"to": "${var.dir}/a", "inline": "x"}]), id="path-check"),
        pytest.param(
            doc(apps=[{"name": "a", "health": {"type": "http", "url": "${var.url}"}}]),
            id="url-check",
        ),
    ],
)
def test_unknown_reference_is_reported_once(document: dict[str, Any]) -> None:
    """A value holding an unknown reference gets the unknown_ref issue only, not a second one."""
    assert [issue.code for issue in validate_template(document)] == ["unknown_ref"]


def test_map_form_file_keys_are_interpolated_as_destinations() -> None:
    """A map-form file key becomes `to`, a value, so it is interpolated."""
    document = {
        "api_version": "orgo.ai/v1",
        "name": "demo@1.0.0",
        "vars": {"dir": "/srv"},
        "files": {"${var.dir}/a": "x"},
    }
    assert validate_template(document) == []
    assert load_template(document).interpolated().to_dict()["files"] == [
        {"to": "/srv/a", "inline": "x"}
    ]


def test_static_site_interpolates_vars_but_not_shell() -> None:
    """The static-site example gets its headline and keeps nginx's $uri."""
    template = load_template(DATA / "static-site.yaml")
    files = template.interpolated().to_dict()["files"]
    assert "<title>Hello from Orgo</title>" in files[0]["inline"]
    assert "try_files $uri $uri/ =404;" in files[1]["inline"]
    assert "${var.headline}" in template.to_dict()["files"][0]["inline"]


def test_interpolated_keeps_vars_keys_and_identity() -> None:
    """interpolated() keeps vars, mapping keys and the identity block as written."""
    template = load_template(
        doc(
            template={**BASE["template"], "description": "$${not} ${touched}"},
            vars={"v": "1"},
            env={"V": "${var.v}"},
            apps=[{"name": "a", "services": [{"name": "s", "run": "run ${env.V} $${env.V}"}]}],
        )
    )
    result = template.interpolated().to_dict()
    assert result["vars"] == {"v": "1"}
    assert result["env"] == {"V": "1"}
    assert result["template"]["description"] == "$${not} ${touched}"
    assert result["apps"][0]["services"][0]["run"] == "run 1 ${env.V}"


def test_enums_are_checked_as_written() -> None:
    """An enum value cannot come from a var: the check sees the text as written."""
    document = doc(
        vars={"p": "always"},
        apps=[{"name": "a", "services": [{"name": "s", "run": "x", "restart": "${var.p}"}]}],
    )
    (issue,) = validate_template(document)
    assert (issue.field, issue.code) == ("apps[0].services[0].restart", "invalid_enum")
    assert issue.hint is not None


@pytest.mark.parametrize(
    ("document", "field"),
    [
        pytest.param(
            doc(vars={"res": "1280x720x24"}, hardware={"resolution": "${var.res}"}),
            "hardware.resolution",
            id="resolution",
        ),
        pytest.param(
            doc(vars={"m": "0755"}, files=[{"to": "/srv/a", "inline": "x", "mode": "${var.m}"}]),
            "files[0].mode",
            id="mode",
        ),
        pytest.param(
            doc(
                vars={"d": "30s"},
                apps=[{"name": "a", "health": {"type": "tcp", "port": 1, "every": "${var.d}"}}],
            ),
            "apps[0].health.every",
            id="duration",
        ),
        pytest.param(
            doc(vars={"n": "web"}, apps=[{"name": "${var.n}"}]), "apps[0].name", id="app-name"
        ),
    ],
)
def test_patterns_are_checked_as_written(document: dict[str, Any], field: str) -> None:
    """A schema pattern judges the value as written (and stored), so ${...} cannot stand there."""
    (issue,) = validate_template(document)
    assert (issue.field, issue.code, issue.is_error) == (field, "pattern", True)
    assert issue.hint is not None
    assert "as written" in issue.hint


@pytest.mark.parametrize("field", ["name", "version", "publisher"])
def test_references_in_the_identity_block_are_errors(field: str) -> None:
    """${...} in a patterned identity field is an error at its path, never resolved."""
    template = {**BASE["template"], field: "${var.x}"}
    issues = validate_template(doc(vars={"x": "demo"}, template=template))
    assert [(i.field, i.code, i.is_error) for i in issues] == [
        (f"template.{field}", "pattern", True)
    ]
