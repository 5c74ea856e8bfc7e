"""``orgo-async`` as a real process: the demo, exit codes, JSON lines and Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import msgspec
import pytest

from orgo_async.cli.__main__ import main
from orgo_async.testing import EMULATOR_API_KEY
from tests.integration.test_cli_support import emulator_thread, write_template

# Generous: a loaded CI machine may start Python slowly; the demo itself takes seconds.
PROCESS_TIMEOUT = 120


@pytest.fixture
def emulator_url() -> Iterator[str]:
    """An emulator whose builds take long enough to interrupt one."""
    with emulator_thread(build_time=20.0, log_lines=200, seed=3) as url:
        yield url


def run_cli(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m orgo_async.cli`` to its end and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "orgo_async.cli", *argv],
        capture_output=True,
        text=True,
        timeout=PROCESS_TIMEOUT,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_demo_exits_0_and_prints_the_report() -> None:
    """The README's first command: every example build ends as expected, well within a minute."""
    started = time.monotonic()
    result = run_cli("demo")
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "REF" in result.stdout
    assert "5 builds: 3 ready, 1 reused, 1 failed" in result.stdout
    assert "demo passed" in result.stdout
    assert "\x1b[" not in result.stdout  # not a terminal: plain text
    assert elapsed < 60


def test_validate_of_an_invalid_file_exits_2_with_every_problem(tmp_path: Path) -> None:
    """validate prints every problem with its field path and exits 2."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "api_version: orgo.ai/v1\ntemplate:\n  name: bad\n  version: 1.0.0\n"
        "hardware:\n  cpu: 3\n  ram_gb: 5\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(bad))
    assert result.returncode == 2
    assert f"{bad}: hardware.cpu: cpu must be one of 1, 2, 4, 8, 16 [invalid_enum]" in result.stderr
    assert f"{bad}: hardware.ram_gb: " in result.stderr


def test_publish_build_of_several_files_runs_a_fleet(tmp_path: Path) -> None:
    """publish --build with several files builds them as a fleet and prints its report."""
    first = write_template(tmp_path, "pair-a", apt=["htop"])
    second = write_template(tmp_path, "pair-b", apt=["jq"])
    with emulator_thread(build_time=0.2, log_lines=10) as url:
        env = {"ORGO_API_KEY": EMULATOR_API_KEY, "ORGO_BASE_URL": url}
        result = run_cli("publish", "--build", str(first), str(second), env=env)
    assert result.returncode == 0, result.stderr
    assert "2 builds: 2 ready" in result.stdout


def test_failing_build_exits_1_and_json_lines_parse(tmp_path: Path) -> None:
    """A failing build exits 1; with --json every stdout line is a JSON object."""
    path = write_template(tmp_path, "sub-failing", run=["exit 1"])
    with emulator_thread(build_time=0.2, log_lines=10) as url:
        env = {"ORGO_API_KEY": EMULATOR_API_KEY, "ORGO_BASE_URL": url}
        result = run_cli("--json", "publish", "--build", str(path), env=env)
    assert result.returncode == 1, result.stderr
    records = [msgspec.json.decode(line) for line in result.stdout.splitlines()]
    assert records[0]["type"] == "published"
    assert records[-1] == {**records[-1], "type": "outcome", "status": "failed", "ok": False}
    assert any(r["type"] == "event" and r["level"] == "error" for r in records)


def test_ctrl_c_cancels_the_followed_build_and_exits_130(
    emulator_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SIGINT during build --follow cancels the build on the server, then exits 130."""
    monkeypatch.setenv("ORGO_API_KEY", EMULATOR_API_KEY)
    monkeypatch.setenv("ORGO_BASE_URL", emulator_url)
    path = write_template(tmp_path, "interrupted", apt=["htop"])
    assert main(["publish", str(path)]) == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "orgo_async.cli", "build", "interrupted@1.0.0", "--follow"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # the build is running once a log line arrives
        assert first.startswith("default/interrupted@1.0.0 | ")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=PROCESS_TIMEOUT) == 130
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    capsys.readouterr()
    assert main(["status", "interrupted@1.0.0"]) == 0
    assert "failed (error: cancelled)" in capsys.readouterr().out


def test_ctrl_c_cancels_every_build_of_a_fleet(
    emulator_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """SIGINT during fleet cancels every build it started on the server, then exits 130."""
    monkeypatch.setenv("ORGO_API_KEY", EMULATOR_API_KEY)
    monkeypatch.setenv("ORGO_BASE_URL", emulator_url)
    refs = {f"default/halted-{i}@1.0.0" for i in range(2)}
    for i in range(2):
        write_template(tmp_path, f"halted-{i}", apt=[f"pkg{i}"])
    process = subprocess.Popen(
        [sys.executable, "-m", "orgo_async.cli", "fleet", str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )
    try:
        assert process.stdout is not None
        logging: set[str] = set()
        while logging != refs:  # both builds run once each has logged a line
            line = process.stdout.readline()
            assert line, "the fleet ended before both builds logged"
            ref, kind, _ = line.split(" | ", 2)
            if kind != "state":
                logging.add(ref)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=PROCESS_TIMEOUT) == 130
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    capsys.readouterr()
    for ref in sorted(refs):
        assert main(["status", ref]) == 0
        assert "failed (error: cancelled)" in capsys.readouterr().out
