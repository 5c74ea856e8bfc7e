"""``orgo-async`` through its installed entry point, one process per invocation.

Every invocation is independent, so all of them run at once (a few at a time) against
one emulator for the module, and each test checks one of the results: global options
after the command, exit codes, JSON output, shell completion, and the newer commands.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio
import msgspec
import pytest

from orgo_async import Orgo
from orgo_async.documents import load_template
from orgo_async.testing import EMULATOR_API_KEY
from tests.integration.test_cli_support import emulator_thread, write_template

# Generous: a loaded machine may start Python slowly; each run takes ~0.4 s.
PROCESS_TIMEOUT = 60
# Two cores: more processes at once only queue for them.
PARALLEL = 4
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z "


@dataclass(frozen=True)
class Case:
    """One invocation: its arguments, environment changes and standard input."""

    argv: tuple[str, ...]
    env: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    """What one invocation produced."""

    code: int
    out: str
    err: str

    def records(self) -> list[dict[str, Any]]:
        """stdout as JSON lines."""
        return [msgspec.json.decode(line) for line in self.out.splitlines() if line]


@dataclass(frozen=True)
class Runs:
    """Every case's result, and the folder the cases ran in."""

    folder: Path
    results: dict[str, Result]

    def __getitem__(self, name: str) -> Result:
        return self.results[name]


def _entry_point() -> list[str]:
    """The installed ``orgo-async`` script beside this interpreter, else ``-m``."""
    script = shutil.which("orgo-async", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "orgo_async.cli"]


def _run(case: Case, base_env: dict[str, str], cwd: Path) -> Result:
    env = dict(base_env)
    for key, value in case.env.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    process = subprocess.run(
        [*_entry_point(), *case.argv],
        stdin=subprocess.DEVNULL,  # never a terminal: what a script or CI gives
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        env=env,
        cwd=cwd,
        check=False,
    )
    return Result(process.returncode, process.stdout, process.stderr)


async def _prepare(url: str) -> None:
    """Publish what the cases read: a version whose build reuses a curated golden at once."""
    async with Orgo(EMULATOR_API_KEY, url) as orgo:
        curated = await orgo.templates.get("system/claude-code@1.0.0")
        assert curated.template is not None
        document = {**curated.template, "template": {"name": "done", "version": "1.0.0"}}
        await orgo.templates.publish(document)
        await orgo.builds.start("done@1.0.0")  # same content: ready at once, reused
        await orgo.templates.publish("api_version: orgo.ai/v1\nname: doomed@1.0.0\ncpu: 1\n")
        await orgo.templates.publish("api_version: orgo.ai/v1\nname: slow@1.0.0\ncpu: 4\n")


def _cases(folder: Path) -> dict[str, Case]:
    valid = write_template(folder, "valid")
    no_key: dict[str, str | None] = {"ORGO_API_KEY": None}
    return {
        "validate-json-after": Case(("validate", str(valid), "--json")),
        "list-key-after": Case(
            ("list", "--api-key", EMULATOR_API_KEY, "--format", "json"), env=no_key
        ),
        "schema": Case(("schema",)),
        "init-skeleton": Case(("init", "fresh.yaml")),
        "init-from-curated": Case(("init", "--from", "claude-code", "agent.yaml")),
        "test-run": Case(("test-run", "system/claude-code@1.0.0", "--json")),
        "wait-times-out": Case(("build", "slow@1.0.0", "--wait", "--timeout", "0.1")),
        "logs-tail": Case(("logs", "done@1.0.0", "--tail", "2", "-t", "--no-follow")),
        "delete-without-tty": Case(("delete", "doomed@1.0.0")),
        "status-missing-json": Case(("status", "missing@1.0.0", "--json")),
        "usage-error": Case(("fleet", "x", "-c", "0")),
        "completion-bash": Case(("completion", "bash")),
        "completion-zsh": Case(("completion", "zsh")),
        "completion-fish": Case(("completion", "fish")),
        "complete-an-option": Case(
            (),
            env={
                "_ORGO_ASYNC_COMPLETE": "bash_complete",
                "COMP_WORDS": "orgo-async build done@1.0.0 --fo",
                "COMP_CWORD": "3",
            },
        ),
    }


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    """Every case's result, run at once against one emulator."""
    folder = tmp_path_factory.mktemp("cli")
    with emulator_thread(build_time=1.0, log_lines=10, seed=5) as url:
        anyio.run(_prepare, url)
        base_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ORGO_")},
            "ORGO_API_KEY": EMULATOR_API_KEY,
            "ORGO_BASE_URL": url,
        }
        cases = _cases(folder)
        with ThreadPoolExecutor(PARALLEL) as pool:
            futures = {
                name: pool.submit(_run, case, base_env, folder) for name, case in cases.items()
            }
            yield Runs(folder, {name: future.result() for name, future in futures.items()})


def test_global_options_work_after_the_command(results: Runs) -> None:
    """--json and --api-key given after the command are honoured."""
    validated = results["validate-json-after"]
    assert validated.code == 0, validated.err
    assert validated.records()[0] == {**validated.records()[0], "type": "validation", "ok": True}
    listing = results["list-key-after"]
    assert listing.code == 0, listing.err
    refs = [version["ref"] for version in msgspec.json.decode(listing.out)]
    assert "default/done@1.0.0" in refs


def test_schema_prints_the_json_schema(results: Runs) -> None:
    """schema prints the format's JSON Schema, ready to save for an editor."""
    result = results["schema"]
    assert result.code == 0, result.err
    assert msgspec.json.decode(result.out)["title"] == "Orgo Template (orgo.ai/v1)"


def test_init_writes_valid_templates_and_keeps_existing_files(results: Runs) -> None:
    """init writes a valid skeleton or a curated copy, and never overwrites without --force."""
    folder = results.folder
    assert results["init-skeleton"].code == 0, results["init-skeleton"].err
    assert str(load_template((folder / "fresh.yaml").read_text()).ref) == "default/fresh@0.1.0"
    assert results["init-from-curated"].code == 0, results["init-from-curated"].err
    copy = (folder / "agent.yaml").read_text()
    assert "# Started from system/claude-code@1.0.0." in copy
    assert str(load_template(copy).ref) == "default/agent@1.0.0"


def test_test_run_starts_a_preview(results: Runs) -> None:
    """test-run REF starts a preview of a built version and prints how to reach it."""
    started = results["test-run"]
    assert started.code == 0, started.err
    record = started.records()[0]
    assert record["type"] == "test_run"
    assert record["desktop_id"]


def test_build_wait_exits_1_when_its_timeout_elapses(results: Runs) -> None:
    """build --wait --timeout exits 1 when the time is up first (the build goes on)."""
    late = results["wait-times-out"]
    assert late.code == 1
    assert late.err.startswith("default/slow@1.0.0: still building after 0.1s")


def test_logs_tail_with_timestamps(results: Runs) -> None:
    """logs --tail 2 -t --no-follow prints the last two lines of the log with their times."""
    tail = results["logs-tail"]
    assert tail.code == 0, tail.err
    lines = tail.out.splitlines()
    assert len(lines) == 2
    assert all(re.match(TIMESTAMP, line) for line in lines)
    assert " | ready | " in lines[-1]


def test_delete_refuses_without_a_terminal_or_yes(results: Runs) -> None:
    """With no terminal to ask on and no --yes, delete refuses with exit 2."""
    refused = results["delete-without-tty"]
    assert refused.code == 2
    assert "pass --yes" in refused.err


def test_api_errors_as_json_carry_the_request_id(results: Runs) -> None:
    """An API error with --json is one JSON object on stderr with status and request id."""
    result = results["status-missing-json"]
    assert result.code == 1
    error = msgspec.json.decode(result.err)
    assert (error["type"], error["status_code"], error["exit_code"]) == ("error", 404, 1)
    assert error["request_id"]


def test_usage_errors_exit_2_in_the_cli_words(results: Runs) -> None:
    """A bad option value exits 2 and says what is wrong, not argparse's type name."""
    usage = results["usage-error"]
    assert usage.code == 2
    assert "must be at least 1, not 0" in usage.err


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        pytest.param("bash", "complete -o nosort -F _orgo_async_completion orgo-async", id="bash"),
        pytest.param("zsh", "#compdef orgo-async", id="zsh"),
        pytest.param("fish", "complete --no-files --command orgo-async", id="fish"),
    ],
)
def test_completion_scripts(results: Runs, shell: str, marker: str) -> None:
    """completion SHELL prints a script for that shell that calls back into orgo-async."""
    result = results[f"completion-{shell}"]
    assert result.code == 0, result.err
    assert marker in result.out
    assert "_ORGO_ASYNC_COMPLETE" in result.out


def test_completion_answers_with_the_options_of_a_command(results: Runs) -> None:
    """Asked by the bash script, orgo-async completes an option of the command typed."""
    result = results["complete-an-option"]
    assert result.code == 0, result.err
    assert result.out.split() == ["plain,--follow"]
