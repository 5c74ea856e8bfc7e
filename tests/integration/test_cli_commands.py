"""Every ``orgo-async`` command, run in-process through ``main()`` against a live emulator."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import anyio
import msgspec
import pytest

from orgo_async import Orgo
from orgo_async.cli.__main__ import main
from orgo_async.cli.builds import follow_build
from orgo_async.fleet import BuildOutcome
from orgo_async.models import BuildEvent
from orgo_async.refs import TemplateRef
from orgo_async.testing import EMULATOR_API_KEY, EMULATOR_FREE_PLAN_KEY, run_emulator
from tests.integration.test_cli_support import Run, emulator_thread, write_template
from tests.integration.test_fleet import doc, emulator_control

CLI = Callable[..., Run]
CANCEL_ROUTE = "DELETE /templates/{namespace}/{name}/{version}/build"


@pytest.fixture
def emulator_url() -> Iterator[str]:
    """A fresh emulator with short builds, on a background thread."""
    with emulator_thread(build_time=0.2, log_lines=12, seed=7) as url:
        yield url


@pytest.fixture
def cli(
    emulator_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> CLI:
    """Run ``orgo-async`` in-process against the emulator, configured through the environment."""
    monkeypatch.setenv("ORGO_API_KEY", EMULATOR_API_KEY)
    monkeypatch.setenv("ORGO_BASE_URL", emulator_url)

    def run(*argv: str) -> Run:
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Run(code, out, err)

    return run


def test_validate_is_offline_and_reports_every_problem(cli: CLI, tmp_path: Path) -> None:
    """validate needs no server and prints every problem with its file and field path."""
    good = write_template(tmp_path, "good")
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "api_version: orgo.ai/v1\nname: bad@1.0.0\nhardware:\n  cpu: 3\nfiles:\n  - inline: hi\n",
        encoding="utf-8",
    )
    result = cli("--base-url", "http://127.0.0.1:9/api", "validate", str(good), str(bad))
    assert result.code == 2
    assert f"{good}: ok default/good@1.0.0 digest " in result.out
    assert f"{bad}: hardware.cpu: cpu must be one of 1, 2, 4, 8, 16 [invalid_enum]" in result.err
    assert f"{bad}: files[0].to: to is required [required]" in result.err


def test_validate_reports_syntax_errors_with_line_and_column(cli: CLI, tmp_path: Path) -> None:
    """A file that does not parse is reported as file:line:column."""
    broken = tmp_path / "broken.yaml"
    broken.write_text("api_version: orgo.ai/v1\nname: [unclosed\n", encoding="utf-8")
    result = cli("validate", str(broken))
    assert result.code == 2
    assert result.err.startswith(f"{broken}:3:1: ")
    assert result.err.rstrip().endswith("[syntax]")


def test_publish_get_versions_list_delete(cli: CLI, tmp_path: Path) -> None:
    """The registry commands publish, show, list and delete a version."""
    first = write_template(tmp_path, "registry", "1.0.0")
    second = write_template(tmp_path, "registry", "1.1.0", apt=["htop"])
    published = cli("publish", str(first), str(second))
    assert published.code == 0, published.err
    assert "published default/registry@1.0.0 digest " in published.out
    assert "published default/registry@1.1.0 digest " in published.out

    shown = cli("get", "registry@1.1.0")
    assert shown.code == 0
    assert "ref:       default/registry@1.1.0" in shown.out
    assert "  apt:\n  - htop" in shown.out

    versions = cli("versions", "default/registry")
    assert versions.code == 0
    assert versions.out.count("default/registry@1.") == 2

    listing = cli("list", "--namespace", "default")
    assert "default/registry@1.0.0" in listing.out

    deleted = cli("delete", "registry@1.0.0", "--yes")
    assert (deleted.code, deleted.out) == (0, "deleted default/registry@1.0.0\n")
    gone = cli("get", "registry@1.0.0")
    assert gone.code == 1
    assert gone.err.startswith("error: 404 not found: ")
    assert "Traceback" not in gone.err


def test_publish_publishes_nothing_when_one_file_is_invalid(cli: CLI, tmp_path: Path) -> None:
    """An invalid file stops the whole publish before any request."""
    good = write_template(tmp_path, "untouched")
    bad = tmp_path / "bad.yaml"
    bad.write_text("api_version: orgo.ai/v1\nname: bad@1.0.0\nram: 3gb\n", encoding="utf-8")
    result = cli("publish", str(good), str(bad))
    assert result.code == 2
    assert f"{bad}: " in result.err
    assert "untouched" not in cli("list").out


def test_publish_conflict_then_force(cli: CLI, tmp_path: Path) -> None:
    """Identical content republishes fine; changed content is a 409 until --force."""
    path = write_template(tmp_path, "conflicted")
    assert cli("publish", str(path)).code == 0
    assert cli("publish", str(path)).code == 0
    write_template(tmp_path, "conflicted", apt=["git"])
    conflict = cli("publish", str(path))
    assert conflict.code == 1
    message, request = conflict.err.splitlines()
    assert message.startswith("error: 409 conflict: ")
    assert "--force" in message
    assert "force=true" not in message
    assert "http://" not in message
    assert request.startswith("  request id ")
    assert cli("publish", str(path), "--force").code == 0


def test_build_follow_ready_prints_plain_log_and_summary(cli: CLI, tmp_path: Path) -> None:
    """Following a build without a terminal prints ref | phase | line and the outcome."""
    path = write_template(tmp_path, "follow", apt=["htop"])
    assert cli("publish", str(path)).code == 0
    result = cli("build", "follow@1.0.0", "--follow")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert all(line.startswith("default/follow@1.0.0 | ") for line in lines)
    assert any(" | install | [apt] " in line for line in lines)
    assert lines[-1].startswith("default/follow@1.0.0 | ready | ready in ")
    assert "\x1b[" not in result.out


def test_build_of_a_failing_template_exits_1(cli: CLI, tmp_path: Path) -> None:
    """A build whose step exits 1 ends failed and the command exits 1."""
    path = write_template(tmp_path, "failing", run=["echo hi", "exit 1"])
    result = cli("publish", "--build", str(path))
    assert result.code == 1
    assert " | ERROR: " in result.out
    assert "default/failing@1.0.0 | failed | failed after " in result.out


def test_second_template_with_the_same_digest_reuses_the_golden(cli: CLI, tmp_path: Path) -> None:
    """Building a version whose digest is already built answers reused at once."""
    first = write_template(tmp_path, "twin-a", apt=["jq"])
    second = write_template(tmp_path, "twin-b", "2.0.0", apt=["jq"])
    assert cli("publish", "--build", str(first)).code == 0
    assert cli("publish", str(second)).code == 0
    result = cli("build", "twin-b@2.0.0", "--follow")
    assert result.code == 0
    assert "reused the golden snapshot" in result.out
    status = cli("status", "twin-b@2.0.0")
    assert "default/twin-b@2.0.0: ready (reused golden snapshot" in status.out


def test_build_without_follow_then_logs_and_cancel(cli: CLI, tmp_path: Path) -> None:
    """build returns at once; logs replays the whole log; cancel when idle is no error."""
    path = write_template(tmp_path, "later", apt=["curl"])
    assert cli("publish", str(path)).code == 0
    started = cli("build", "later@1.0.0")
    assert started.code == 0
    assert started.out.startswith("default/later@1.0.0: building")
    logs = cli("logs", "later@1.0.0")
    assert logs.code == 0
    assert logs.out.splitlines()[-1].startswith("default/later@1.0.0 | ready | ")
    idle = cli("cancel", "later@1.0.0")
    assert (idle.code, idle.out) == (0, "default/later@1.0.0: nothing is building\n")


def test_json_output_is_json_lines(cli: CLI, tmp_path: Path) -> None:
    """--json prints one typed JSON object per line: the build, its events and outcome."""
    path = write_template(tmp_path, "jsonic", apt=["htop"])
    assert cli("publish", str(path)).code == 0
    result = cli("--json", "build", "jsonic@1.0.0", "--follow")
    assert result.code == 0
    records = result.records()
    kinds = [record["type"] for record in records]
    assert kinds[0] == "build"
    assert kinds[-1] == "outcome"
    assert set(kinds[1:-1]) == {"event"}
    assert records[-1]["ok"] is True
    assert records[-2]["phase"] == "ready"


def test_fleet_builds_a_directory_and_writes_the_report(cli: CLI, tmp_path: Path) -> None:
    """fleet builds every file of a directory, exits 1 for the failure, writes JSON."""
    folder = tmp_path / "templates"
    folder.mkdir()
    write_template(folder, "fleet-a", apt=["htop"])
    write_template(folder, "fleet-b", apt=["htop"])  # same digest as fleet-a
    write_template(folder, "fleet-c", run=["exit 1"])
    report = tmp_path / "report.json"
    result = cli("fleet", str(folder), "--concurrency", "2", "--report", str(report))
    assert result.code == 1, result.err
    assert "3 builds: 1 ready, 1 reused, 1 failed" in result.out
    data = msgspec.json.decode(report.read_bytes())
    assert data["ok"] is False
    statuses = {ref: build["status"] for ref, build in data["builds"].items()}
    assert statuses["default/fleet-c@1.0.0"] == "failed"
    assert sorted(statuses.values()) == ["failed", "ready", "reused"]


def test_fleet_report_to_an_unwritable_path_is_a_usage_error(cli: CLI, tmp_path: Path) -> None:
    """A --report path that cannot be written exits 2 with one line, after the builds."""
    template = write_template(tmp_path, "report-nowhere")
    target = tmp_path / "missing-dir" / "report.json"
    result = cli("fleet", str(template), "--report", str(target))
    assert result.code == 2
    assert "1 build: 1 ready" in result.out
    assert result.err.strip() == f"cannot write the report to {target}: No such file or directory"


def test_fleet_refuses_two_files_with_one_ref(cli: CLI, tmp_path: Path) -> None:
    """Two files with different content at one ref are refused before publishing."""
    write_template(tmp_path, "same", filename="a.yaml")
    write_template(tmp_path, "same", apt=["git"], filename="b.yaml")
    result = cli("fleet", str(tmp_path))
    assert result.code == 2
    assert "[duplicate_ref]" in result.err


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        pytest.param(("get", "not a ref"), 2, "invalid template ref", id="bad-ref"),
        pytest.param(
            ("--api-key", "sk_wrong", "list"), 2, "error: 401 unauthorized: ", id="wrong-key"
        ),
        pytest.param(
            ("build", "x@1.0.0", "--api-key", EMULATOR_FREE_PLAN_KEY),
            2,
            "error: 403 forbidden: ",
            id="free-plan-key-after-the-command",
        ),
        pytest.param(("status", "missing@1.0.0"), 1, "error: 404 not found: ", id="not-found"),
        pytest.param(
            ("--base-url", "http://127.0.0.1:9/api", "list"),
            1,
            "error: cannot reach the Orgo API",
            id="unreachable",
        ),
    ],
)
def test_errors_print_one_line_and_exit_code(
    cli: CLI, argv: tuple[str, ...], code: int, message: str
) -> None:
    """API and input errors print one clear line, no traceback, with the documented code."""
    result = cli(*argv)
    assert result.code == code
    assert message in result.err
    assert "Traceback" not in result.err


def test_missing_api_key_is_a_usage_error(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without a key the client refuses to start and the command exits 2."""
    monkeypatch.delenv("ORGO_API_KEY")
    result = cli("list")
    assert result.code == 2
    assert result.err.startswith("error: no API key: pass --api-key or set $ORGO_API_KEY")
    assert "api_key=" not in result.err


def test_usage_error_exits_2(cli: CLI) -> None:
    """An unknown command is a usage error."""
    assert cli("explode").code == 2


def test_json_errors_go_to_stderr_as_json(cli: CLI) -> None:
    """With --json an error is one JSON object on stderr with its exit code."""
    result = cli("--json", "status", "missing@1.0.0")
    assert result.code == 1
    error = msgspec.json.decode(result.err)
    assert error["type"] == "error"
    assert error["kind"] == "NotFoundError"
    assert error["exit_code"] == 1


class _CancelOnFirstLine:
    """A build view that cancels ``scope`` on the first log line, as Ctrl-C would."""

    def __init__(self, scope: anyio.CancelScope):
        self._scope = scope

    def event(self, ref: str, event: BuildEvent) -> None:
        self._scope.cancel()

    def state(self, ref: str, state: str) -> None:
        pass

    def finished(self, outcome: BuildOutcome) -> None:
        pass

    def close(self) -> None:
        pass


async def test_interrupted_follow_outlives_a_failing_server_cancel() -> None:
    """An interrupt while following stays an interrupt when the server-side cancel fails."""
    async with (
        run_emulator(build_time=5.0, log_lines=50) as url,
        Orgo(EMULATOR_API_KEY, url, max_retries=0) as orgo,
    ):
        published = await orgo.templates.publish(doc("cancel-fails"))
        ref = TemplateRef.parse(published.ref)
        started = await orgo.builds.start(ref)
        await emulator_control(url, "inject", {"route": CANCEL_ROUTE, "status": 500})
        with anyio.CancelScope() as scope:
            await follow_build(orgo, ref, _CancelOnFirstLine(scope), started=started)
        assert scope.cancelled_caught
        assert (await orgo.builds.status(ref)).status == "building"
        await orgo.builds.cancel(ref)


def test_listings_show_ages_tables_and_json(cli: CLI, tmp_path: Path) -> None:
    """list/versions/curated show each version's age; --format json is one JSON array."""
    assert cli("publish", str(write_template(tmp_path, "aged"))).code == 0
    table = cli("versions", "aged")
    assert table.out.splitlines()[0].split() == ["REF", "DIGEST", "PUBLISHED"]
    assert table.out.splitlines()[1].endswith(("just now", " s ago"))
    array = msgspec.json.decode(cli("list", "--format", "json").out)
    assert [version["ref"] for version in array] == ["default/aged@1.0.0"]
    curated = cli("curated", "--json").records()
    assert {record["type"] for record in curated} == {"version"}
    assert "system/claude-code@1.0.0" in {record["ref"] for record in curated}
    assert "on 2026-" in cli("curated").out  # published long ago: the date itself


def test_init_refuses_to_overwrite_and_checks_what_it_writes(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """init keeps an existing file unless --force, and refuses a name the format forbids."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "taken.yaml").write_text("keep me\n", encoding="utf-8")
    refused = cli("init", "taken.yaml")
    assert refused.code == 2
    assert refused.err.startswith("error: taken.yaml exists; pass --force")
    assert (tmp_path / "taken.yaml").read_text() == "keep me\n"
    assert cli("init", "taken.yaml", "--force").code == 0
    assert "name: taken@0.1.0" in (tmp_path / "taken.yaml").read_text()
    bad = cli("init", "--name", "Not_Kebab")
    assert bad.code == 2
    assert bad.err.startswith("Not_Kebab.yaml: name: name must be lowercase kebab-case")
    assert not (tmp_path / "Not_Kebab.yaml").exists()
    assert cli("init").code == 0
    assert (tmp_path / "my-template.yaml").exists()
    unknown = cli("init", "--from", "no-such-thing")
    assert unknown.code == 1
    assert not (tmp_path / "no-such-thing.yaml").exists()


def test_publish_auto_build_and_build_wait(cli: CLI, tmp_path: Path) -> None:
    """publish --auto-build starts the build; build --wait exits 0 when ready, 1 when failed."""
    auto = cli("publish", str(write_template(tmp_path, "auto", apt=["jq"])), "--auto-build")
    assert auto.code == 0, auto.err
    assert auto.out.rstrip().endswith("; build building")
    ready = cli("build", "auto@1.0.0", "--wait")
    assert ready.code == 0, ready.err
    assert ready.out.startswith("default/auto@1.0.0: ready")
    assert cli("publish", str(write_template(tmp_path, "sinks", run=["exit 3"]))).code == 0
    failed = cli("build", "sinks@1.0.0", "--wait", "--timeout", "30", "--json")
    assert failed.code == 1
    assert failed.records()[-1]["status"] == "failed"


def test_test_run_starts_and_stops_a_preview(cli: CLI) -> None:
    """test-run starts a preview of a built version; --stop stops it, then knows it stopped."""
    started = cli("test-run", "system/claude-code@1.0.0", "--json")
    assert started.code == 0, started.err
    desktop = started.records()[0]["desktop_id"]
    assert cli("test-run", "--stop", desktop).out == f"stopped {desktop}\n"
    assert cli("test-run", "--stop", desktop).out == f"{desktop} was already stopped\n"
    unknown = cli("test-run", "--stop", "dsk_nothing")
    assert unknown.code == 1
    assert unknown.err.startswith("error: 404 not found: ")
    not_built = cli("test-run", "never@1.0.0")
    assert not_built.code == 1


def test_logs_since_keeps_only_recent_lines(cli: CLI, tmp_path: Path) -> None:
    """--since keeps lines logged within the duration; all of a build just done, none of 1 ms."""
    assert cli("publish", "--build", str(write_template(tmp_path, "recent", apt=["jq"]))).code == 0
    recent = cli("logs", "recent@1.0.0", "--since", "1h", "--json").records()
    assert len(recent) > 3
    assert recent[-1]["phase"] == "ready"
    assert cli("logs", "recent@1.0.0", "--since", "0.001").out == ""


def test_logs_no_follow_returns_during_a_live_build(capsys: pytest.CaptureFixture[str]) -> None:
    """--no-follow prints the lines logged so far and returns while the build goes on."""
    with emulator_thread(build_time=30.0, log_lines=300, seed=11) as url:
        env = {"ORGO_API_KEY": EMULATOR_API_KEY, "ORGO_BASE_URL": url}

        async def started_and_logging() -> None:
            async with Orgo(EMULATOR_API_KEY, url) as orgo:
                await orgo.templates.publish(doc("long-haul"))
                await orgo.builds.start("long-haul@1.0.0")
                async with orgo.builds.events("long-haul@1.0.0") as events:
                    seen = 0
                    async for _ in events:
                        seen += 1
                        if seen == 5:
                            break

        anyio.run(started_and_logging)
        with pytest.MonkeyPatch.context() as patch:
            for key, value in env.items():
                patch.setenv(key, value)
            started = time.monotonic()
            code = main(["logs", "long-haul@1.0.0", "--no-follow", "--tail", "3"])
            took = time.monotonic() - started
            status = main(["status", "long-haul@1.0.0"])
    out = capsys.readouterr().out
    assert (code, status) == (0, 0)
    lines = out.splitlines()
    assert len(lines) == 4, out  # three log lines, then the status
    assert all(line.startswith("default/long-haul@1.0.0 | ") for line in lines[:3])
    assert lines[3].startswith("default/long-haul@1.0.0: building")
    assert took < 20  # the build takes 30 s; the command returns once it has the backlog


def test_help_shows_arguments_defaults_and_global_options(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A command's help documents its arguments, shows defaults, and lists global options."""
    assert main(["build", "--help"]) == 0
    text = capsys.readouterr().out
    assert "Positional arguments:" in text
    assert "[default: no limit]" in text
    assert "Global options (before or after the command):" in text
    assert main(["emulator", "--help"]) == 0
    assert "usage: orgo-async emulator" in capsys.readouterr().out
