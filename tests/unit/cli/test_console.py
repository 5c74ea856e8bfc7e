"""The build console renders synthetic events the same way a live build would show them."""

from __future__ import annotations

import io
import re

import msgspec
import pytest
from rich.console import Console

from orgo_async.cli.console import (
    JSONView,
    PlainView,
    make_view,
    outcome_from_info,
    summary,
)
from orgo_async.cli.console_fleet import FleetLiveView
from orgo_async.cli.console_rich import RichBuildLog
from orgo_async.cli.output import Output
from orgo_async.fleet.report import BuildOutcome
from orgo_async.models import BuildInfo
from tests.unit.cli.conftest import EventFactory

REF = "default/hello@1.0.0"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def rich_console(*, terminal: bool = True) -> tuple[Console, io.StringIO]:
    """A rich console writing to a buffer, with or without terminal codes."""
    buffer = io.StringIO()
    if terminal:
        return Console(file=buffer, force_terminal=True, width=120, color_system="standard"), buffer
    return Console(file=buffer, force_terminal=False, width=120, color_system=None), buffer


class TTYBuffer(io.StringIO):
    """A text buffer that claims to be a terminal."""

    def isatty(self) -> bool:
        """Pretend to be a terminal."""
        return True


def test_rich_log_prints_a_header_per_phase_change(make_event: EventFactory) -> None:
    """A phase header is printed once when the phase changes, not for every line."""
    console, buffer = rich_console(terminal=False)
    log = RichBuildLog(console)
    log.event(REF, make_event("boot", "booting build VM"))
    log.event(REF, make_event("install", "apt-get install -y htop", seconds=1.5, source="apt"))
    log.event(REF, make_event("install", "Setting up htop", seconds=2.0, source="apt"))
    log.event(REF, make_event("ready", "golden ready", seconds=3.0, level="success"))
    text = buffer.getvalue()
    assert text.count("=> [install]") == 1
    assert [line for line in text.splitlines() if line.startswith("=>")] == [
        "=> [boot]",
        "=> [install]",
        "=> [ready]",
    ]
    assert "    1.5s      apt | apt-get install -y htop" in text


def test_rich_log_colours_lines_by_level(make_event: EventFactory) -> None:
    """Error lines are bold red and success lines green on a colour terminal."""
    console, buffer = rich_console()
    log = RichBuildLog(console)
    log.event(REF, make_event("install", "exit 1", level="error"))
    log.event(REF, make_event("ready", "done", level="success"))
    text = buffer.getvalue()
    assert "\x1b[1;31mexit 1" in text
    assert "\x1b[1;32mdone" in text


def test_rich_log_prints_log_text_verbatim(make_event: EventFactory) -> None:
    """Square brackets in a log line are text, never rich markup."""
    console, buffer = rich_console(terminal=False)
    RichBuildLog(console).event(REF, make_event("install", "[bold]not markup[/bold] [1/3]"))
    assert "[bold]not markup[/bold] [1/3]" in buffer.getvalue()


def test_rich_log_names_the_ref_once_a_second_build_appears(make_event: EventFactory) -> None:
    """Headers carry the ref only when more than one build shares the console."""
    console, buffer = rich_console(terminal=False)
    log = RichBuildLog(console)
    log.event(REF, make_event("boot", "one"))
    log.event("default/other@1.0.0", make_event("boot", "two"))
    assert "=> default/other@1.0.0 [boot]" in buffer.getvalue()


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        pytest.param(
            BuildOutcome(ref=REF, status="ready", digest="a" * 64, wall_time=2.25),
            f"✔ {REF} ready in 2.2s (digest aaaaaaaaaaaa)",
            id="ready",
        ),
        pytest.param(
            BuildOutcome(ref=REF, status="reused", digest="b" * 64, reused=True, wall_time=0.1),
            f"✔ {REF} ready at once: reused the golden snapshot (digest bbbbbbbbbbbb)",
            id="reused",
        ),
        pytest.param(
            BuildOutcome(ref=REF, status="failed", error="`exit 1` exited 1", wall_time=1.0),
            f"✘ {REF} failed after 1.0s: `exit 1` exited 1",
            id="failed",
        ),
        pytest.param(
            BuildOutcome(ref=REF, status="cancelled", error="cancelled", wall_time=0.5),
            f"✘ {REF} cancelled after 0.5s",
            id="cancelled",
        ),
    ],
)
def test_rich_log_summary_line(outcome: BuildOutcome, expected: str) -> None:
    """The final line says how the build ended, with a tick or a cross."""
    console, buffer = rich_console(terminal=False)
    RichBuildLog(console).finished(outcome)
    assert buffer.getvalue().strip().startswith(expected)


def test_plain_view_writes_ref_phase_line_without_ansi(make_event: EventFactory) -> None:
    """Without a terminal every line is ``ref | phase | line`` and carries no ANSI codes."""
    buffer = io.StringIO()
    view = PlainView(buffer)
    view.event(REF, make_event("install", "npm install -g pnpm", source="npm"))
    view.event(REF, make_event("install", "exit 1", level="error"))
    view.finished(BuildOutcome(ref=REF, status="failed", error="boom", wall_time=1.0))
    assert buffer.getvalue().splitlines() == [
        f"{REF} | install | [npm] npm install -g pnpm",
        f"{REF} | install | ERROR: exit 1",
        f"{REF} | failed | failed after 1.0s: boom",
    ]
    assert not ANSI.search(buffer.getvalue())


def test_json_view_writes_parseable_lines(make_event: EventFactory) -> None:
    """``--json`` gives one JSON object per event and per outcome, each with a type."""
    buffer = io.StringIO()
    view = JSONView(Output(json=True, stdout=buffer))
    view.event(REF, make_event("boot", "booting", seconds=1))
    view.finished(BuildOutcome(ref=REF, status="ready", digest="c" * 64, wall_time=1.5))
    records = [msgspec.json.decode(line) for line in buffer.getvalue().splitlines()]
    assert records[0] == {
        "type": "event",
        "ref": REF,
        "ts": "2026-06-08T17:00:01Z",
        "level": "info",
        "phase": "boot",
        "line": "booting",
    }
    assert records[1]["type"] == "outcome"
    assert records[1]["ok"] is True
    assert records[1]["status"] == "ready"


@pytest.mark.parametrize(
    ("info", "status"),
    [
        pytest.param(BuildInfo(ref=REF, digest="d", status="ready"), "ready", id="ready"),
        pytest.param(
            BuildInfo(ref=REF, digest="d", status="ready", reused=True), "reused", id="reused"
        ),
        pytest.param(
            BuildInfo(ref=REF, digest="d", status="failed", error="cancelled"),
            "cancelled",
            id="cancelled",
        ),
        pytest.param(
            BuildInfo(ref=REF, digest="d", status="failed", error="timeout"),
            "timeout",
            id="timeout",
        ),
        pytest.param(
            BuildInfo(ref=REF, digest="d", status="failed", error="step 2 exited 1"),
            "failed",
            id="failed",
        ),
    ],
)
def test_outcome_from_info(info: BuildInfo, status: str) -> None:
    """A final build status maps to the fleet's outcome statuses."""
    outcome = outcome_from_info(info, 1.0)
    assert outcome.status == status
    assert outcome.ok == (status in {"ready", "reused"})


def test_summary_of_a_timeout() -> None:
    """A timed-out build says so with its elapsed time."""
    outcome = BuildOutcome(ref=REF, status="timeout", wall_time=60.0)
    assert summary(outcome) == "timed out after 60.0s"


@pytest.mark.parametrize(
    ("json", "tty", "fleet", "kind"),
    [
        pytest.param(True, True, False, JSONView, id="json-wins"),
        pytest.param(False, False, False, PlainView, id="pipe-plain"),
        pytest.param(False, False, True, PlainView, id="pipe-fleet-plain"),
        pytest.param(False, True, False, RichBuildLog, id="tty-rich-log"),
        pytest.param(False, True, True, FleetLiveView, id="tty-fleet-live"),
    ],
)
def test_make_view_fits_the_output(json: bool, tty: bool, fleet: bool, kind: type) -> None:
    """JSON mode gives JSON lines, a terminal gets rich, anything else plain text."""
    stream = TTYBuffer() if tty else io.StringIO()
    view = make_view(Output(json=json, stdout=stream), fleet=fleet)
    assert isinstance(view, kind)


class FakeClock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def frame_text(view: FleetLiveView) -> str:
    """Render the fleet's current frame without terminal codes."""
    console, buffer = rich_console(terminal=False)
    console.print(view.render())
    return buffer.getvalue()


def test_fleet_table_tracks_each_build(make_event: EventFactory) -> None:
    """Each build has a row with its phase, line count, elapsed time and status."""
    clock = FakeClock()
    console, _ = rich_console(terminal=False)
    view = FleetLiveView(console, refs=[REF, "default/other@1.0.0"], clock=clock)
    frame = frame_text(view)
    assert re.search(r"default/other@1\.0\.0\s+-\s+0\s+-\s+queued", frame)
    view.event(REF, make_event("boot", "booting"))
    clock.now += 2.5
    view.event(REF, make_event("install", "apt-get install htop", source="apt"))
    frame = frame_text(view)
    assert re.search(r"default/hello@1\.0\.0\s+install \(4/8\)\s+2\s+2\.5s\s+building", frame)
    assert "default/hello@1.0.0  install | apt-get install htop" in frame
    view.finished(BuildOutcome(ref=REF, status="ready", wall_time=3.0))
    clock.now += 10
    assert re.search(r"hello@1\.0\.0\s+install \(4/8\)\s+2\s+3\.0s\s+ready", frame_text(view))
    view.close()


def test_fleet_tail_keeps_only_the_last_lines(make_event: EventFactory) -> None:
    """The merged log tail under the table holds the last ``tail`` lines of all builds."""
    console, _ = rich_console(terminal=False)
    view = FleetLiveView(console, clock=FakeClock(), tail=3)
    for i in range(10):
        view.event(REF if i % 2 else "default/b@1.0.0", make_event("install", f"line {i}"))
    frame = frame_text(view)
    assert [n for n in range(10) if f"line {n}" in frame] == [7, 8, 9]
    view.close()


def test_fleet_close_prints_the_report(make_event: EventFactory) -> None:
    """Closing the live table leaves the last frame and prints the report with totals."""
    console, buffer = rich_console(terminal=False)
    view = FleetLiveView(console, refs=[REF], clock=FakeClock())
    view.event(REF, make_event("boot", "booting"))
    view.finished(BuildOutcome(ref=REF, status="failed", error="step exited 1", wall_time=1))
    view.close()
    text = buffer.getvalue()
    assert "Build report" in text
    assert "step exited 1" in text
    assert "1 build: 1 failed" in text
