"""The parser's options, path expansion, and the demo's check of how builds ended."""

from __future__ import annotations

from pathlib import Path

import pytest

from orgo_async.cli.app import build_parser, main
from orgo_async.cli.context import CLIContext
from orgo_async.cli.demo import unexpected_endings
from orgo_async.cli.fleet import expand_paths
from orgo_async.demo import DEMO_TEMPLATES, demo_templates
from orgo_async.documents import load_template, template_digest
from orgo_async.fleet import BuildOutcome, FleetReport


def report_of(statuses: dict[str, str]) -> FleetReport:
    """A fleet report whose builds ended with the given statuses."""
    outcomes = [BuildOutcome(ref=ref, status=status) for ref, status in statuses.items()]  # type: ignore[arg-type]
    return FleetReport.from_outcomes(
        outcomes, submitted=len(outcomes), rate_limit_pauses=0, wall_time=1.0
    )


EXPECTED = {
    "default/hello-desktop@1.0.0": "ready",
    "default/hello-desktop-lts@2.0.0": "reused",
    "default/static-site@1.0.0": "ready",
    "default/python-workbench@1.2.0": "ready",
    "default/broken-build@0.1.0": "failed",
}


def test_demo_templates_are_valid_and_two_share_a_digest() -> None:
    """Every shipped example loads from package data; exactly the pair shares a digest."""
    examples = demo_templates()
    assert [e.filename for e in examples] == list(DEMO_TEMPLATES)
    digests: dict[str, list[str]] = {}
    for example in examples:
        template = load_template(example.source)
        assert str(template.ref) == example.ref
        digests.setdefault(template_digest(template), []).append(example.ref)
    shared = [refs for refs in digests.values() if len(refs) > 1]
    assert shared == [["default/hello-desktop@1.0.0", "default/hello-desktop-lts@2.0.0"]]


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        pytest.param({}, None, id="as-expected"),
        pytest.param(
            {"default/hello-desktop@1.0.0": "reused", "default/hello-desktop-lts@2.0.0": "ready"},
            None,
            id="twins-either-order",
        ),
        pytest.param(
            {"default/broken-build@0.1.0": "ready"},
            "default/broken-build@0.1.0: ready, expected failed",
            id="broken-built",
        ),
        pytest.param(
            {"default/hello-desktop-lts@2.0.0": "ready"},
            "expected one build and the rest reused, got ready, ready",
            id="twin-rebuilt",
        ),
        pytest.param(
            {"default/static-site@1.0.0": "cancelled"},
            "default/static-site@1.0.0: cancelled, expected ready",
            id="cancelled",
        ),
    ],
)
def test_unexpected_endings(changes: dict[str, str], problem: str | None) -> None:
    """The demo passes only when the failing one failed, one twin reused, the rest ready."""
    problems = unexpected_endings(demo_templates(), report_of({**EXPECTED, **changes}))
    if problem is None:
        assert problems == []
    else:
        assert any(problem in line for line in problems), problems


def test_expand_paths_reads_directories_in_order(tmp_path: Path) -> None:
    """A directory stands for its YAML and JSON files, sorted; files stay as given."""
    for name in ("b.yaml", "a.yml", "c.json", "notes.txt"):
        (tmp_path / name).write_text("", encoding="utf-8")
    single = tmp_path / "notes.txt"
    assert expand_paths([tmp_path, single]) == [
        tmp_path / "a.yml",
        tmp_path / "b.yaml",
        tmp_path / "c.json",
        single,
    ]


def test_global_options_fall_back_to_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """--api-key and --base-url default to ORGO_API_KEY and ORGO_BASE_URL."""
    monkeypatch.setenv("ORGO_API_KEY", "sk_env")
    monkeypatch.setenv("ORGO_BASE_URL", "http://127.0.0.1:1/api")
    ctx = CLIContext.from_args(build_parser().parse_args(["list"]))
    assert (ctx.api_key, ctx.base_url, ctx.output.json) == (
        "sk_env",
        "http://127.0.0.1:1/api",
        False,
    )
    ctx = CLIContext.from_args(
        build_parser().parse_args(["--api-key", "sk_flag", "--json", "list"])
    )
    assert (ctx.api_key, ctx.output.json) == ("sk_flag", True)


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-command"),
        pytest.param(["fleet"], id="fleet-without-paths"),
        pytest.param(["fleet", "x", "--concurrency", "0"], id="zero-concurrency"),
        pytest.param(["build"], id="build-without-ref"),
        pytest.param(["demo", "--capacity", "0"], id="demo-zero-capacity"),
        pytest.param(["demo", "--concurrency", "0"], id="demo-zero-concurrency"),
    ],
)
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """Bad usage is reported by argparse and exits 2 before anything runs."""
    assert main(argv) == 2
    assert "usage: orgo-async" in capsys.readouterr().err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """--help prints the commands and the exit codes, and exits 0."""
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "Exit codes" in text
    assert "demo" in text
