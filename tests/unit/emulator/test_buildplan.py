"""What a simulated build logs: steps from the document, failures, padding (pure)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest

from orgo_async.emulator.buildplan import plan_build
from orgo_async.emulator.shell import run_script

REF = "default/demo@1.0.0"
DIGEST = "ab" * 32


def _plan(document: Mapping[str, Any], min_lines: int = 0) -> list[str]:
    lines = plan_build(document, ref=REF, digest=DIGEST, min_lines=min_lines, rng=random.Random(1))
    return [line.line for line in lines]


def test_the_log_follows_build_steps_files_and_apps_in_order() -> None:
    """Build packages, build.run, files and app installs appear in the documented order."""
    document = {
        "build": {"apt": ["ffmpeg"], "pip": ["httpx"], "npm": ["pnpm"], "run": ["make all"]},
        "files": [{"to": "/opt/a.txt", "inline": "hello"}],
        "apps": [
            {"name": "web", "install": "echo install", "services": [{"name": "web", "run": "x"}]}
        ],
    }
    lines = _plan(document)
    order = [
        "apt-get install -y --no-install-recommends ffmpeg",
        "pip install httpx",
        "npm install -g pnpm",
        "$ make all",
        "wrote /opt/a.txt (5 bytes, mode 0644)",
        "installing app web",
        "$ echo install",
        "registered service web (restart=always, user=orgo)",
        "snapshot captured",
    ]
    positions = [lines.index(line) for line in order]
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("document", "step"),
    [
        pytest.param({"build": {"run": ["true", "exit 4"]}}, "build.run[1]", id="run"),
        pytest.param(
            {"apps": [{"name": "a", "install": "false"}]}, "apps[0].install (a)", id="app"
        ),
        pytest.param(
            {"hooks": {"on_pre_snapshot": "exit 1"}}, "hooks.on_pre_snapshot", id="pre-snapshot"
        ),
    ],
)
def test_a_failing_command_ends_the_plan_on_an_error_line(
    document: dict[str, object], step: str
) -> None:
    """The first non-zero exit ends the plan; its error line names the step."""
    plan = plan_build(document, ref=REF, digest=DIGEST, min_lines=0, rng=random.Random(1))
    assert plan[-1].level == "error"
    assert plan[-1].failure is not None
    assert plan[-1].failure.startswith(step)
    assert all(line.failure is None for line in plan[:-1])


def test_padding_reaches_min_lines_with_the_ready_line_counted() -> None:
    """With ``min_lines=N`` the plan has N-1 lines, leaving room for the final ready line."""
    assert len(_plan({}, min_lines=300)) == 299


def test_secret_files_are_never_read_at_build_time() -> None:
    """A ``secret://`` file is deferred to launch; its value is never in the log."""
    lines = _plan({"files": [{"to": "/root/.key", "from": "secret://api_key"}]})
    assert "deferred /root/.key: filled from secret api_key at launch" in lines


@pytest.mark.parametrize(
    ("script", "logged", "status"),
    [
        pytest.param("echo a\nexit 0\necho b", ["$ echo a", "$ exit 0"], None, id="exit-0-ends"),
        pytest.param("echo a && \\\n  echo b", ["$ echo a && echo b"], None, id="continuation"),
        pytest.param("# comment\n\nexit 7", ["$ exit 7"], 7, id="comment-and-failure"),
    ],
)
def test_scripts_run_line_by_line_under_set_e(
    script: str, logged: list[str], status: int | None
) -> None:
    """Comments and blanks are skipped, continuations joined, ``exit N`` ends the script."""
    lines, failure = run_script(script, phase="install", source="app", rng=random.Random(0))
    assert [line.line for line in lines] == logged
    assert (failure.status if failure else None) == status
