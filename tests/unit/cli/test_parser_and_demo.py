"""The command line's options and value types, path expansion, and the demo's verdict."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path

import click
import pytest

from orgo_async.cli.__main__ import main
from orgo_async.cli._params import DURATION, POSITIVE_INT, SECONDS, GlobalOptions
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
    ctx = CLIContext.from_options(GlobalOptions())
    assert (ctx.api_key, ctx.base_url, ctx.output.json, ctx.timeout) == (
        "sk_env",
        "http://127.0.0.1:1/api",
        False,
        None,
    )
    ctx = CLIContext.from_options(GlobalOptions(api_key="sk_flag", json=True, timeout=3.0))
    assert (ctx.api_key, ctx.output.json, ctx.client().timeout.read) == ("sk_flag", True, 3.0)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        pytest.param([], "Usage: orgo-async [OPTIONS] COMMAND", id="no-command"),
        pytest.param(["explode"], "No such command 'explode'", id="unknown-command"),
        pytest.param(["fleet"], "Missing argument 'PATH...'", id="fleet-without-paths"),
        pytest.param(
            ["fleet", "x", "--concurrency", "0"], "must be at least 1, not 0", id="zero-concurrency"
        ),
        pytest.param(
            ["fleet", "x", "-c", "many"], "expected a whole number, not 'many'", id="not-a-number"
        ),
        pytest.param(["build"], "Missing argument 'REF'", id="build-without-ref"),
        pytest.param(["build", "x@1.0.0", "--follow", "--wait"], "one of --follow", id="both"),
        pytest.param(["build", "x@1.0.0", "--timeout", "5"], "limits --wait", id="timeout-alone"),
        pytest.param(["demo", "--capacity", "0"], "at least 1", id="demo-zero-capacity"),
        pytest.param(["demo", "--concurrency", "0"], "at least 1", id="demo-zero-concurrency"),
        pytest.param(["logs", "x@1.0.0", "--since", "soon"], "such as 90s, 5m", id="bad-since"),
        pytest.param(["list", "--timeout", "-1"], "seconds above 0", id="negative-timeout"),
        pytest.param(["test-run"], "either REF", id="test-run-nothing"),
        pytest.param(["completion", "tcsh"], "'tcsh' is not one of", id="unknown-shell"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bad usage is reported in the CLI's own words and exits 2 before anything runs."""
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "positive_int" not in err


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    """--help prints the commands and the exit codes, and exits 0."""
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    assert "Exit codes" in text
    assert "demo" in text


def test_every_command_and_argument_has_help(capsys: pytest.CaptureFixture[str]) -> None:
    """Each command has a description and each of its arguments and options a help text."""
    from orgo_async.cli._app import cli

    for name, command in cli.commands.items():
        assert command.help, name
        assert command.short_help, name
        for param in command.params:
            assert getattr(param, "help", None), f"{name} {param.name}"


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        pytest.param(POSITIVE_INT, "3", 3, id="int"),
        pytest.param(SECONDS, "2.5", 2.5, id="seconds"),
        pytest.param(DURATION, "90", timedelta(seconds=90), id="bare-seconds"),
        pytest.param(DURATION, "5m", timedelta(minutes=5), id="minutes"),
        pytest.param(DURATION, "1h30m", timedelta(hours=1, minutes=30), id="compound"),
        pytest.param(DURATION, "2d", timedelta(days=2), id="days"),
    ],
)
def test_value_types_convert(kind: click.ParamType[object], text: str, value: object) -> None:
    """Counts, seconds and durations parse from their usual spellings."""
    assert kind.convert(text, None, None) == value


@pytest.mark.parametrize(
    ("kind", "text"),
    [
        pytest.param(POSITIVE_INT, "0", id="zero"),
        pytest.param(SECONDS, "nan", id="nan"),
        pytest.param(SECONDS, "0", id="zero-seconds"),
        pytest.param(DURATION, "5 minutes", id="words"),
        pytest.param(DURATION, "5m3", id="trailing-number"),
        pytest.param(DURATION, "", id="empty"),
    ],
)
def test_value_types_refuse(kind: click.ParamType[object], text: str) -> None:
    """Out-of-range and malformed values are usage errors."""
    with pytest.raises(click.BadParameter):
        kind.convert(text, None, None)


def test_without_the_cli_extra_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without click (the cli extra) orgo-async names the extra to install and exits 2."""
    monkeypatch.setitem(sys.modules, "click", None)  # an import of click now fails
    assert main(["--help"]) == 2
    assert "pip install 'orgo-async[cli]'" in capsys.readouterr().err
