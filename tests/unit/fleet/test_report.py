"""The fleet report: totals, ok, failures and its JSON form."""

from __future__ import annotations

import msgspec

from orgo_async.fleet import BuildOutcome, FleetEvent, FleetReport


def outcome(ref: str, status: str, attempts: int = 1, **fields: object) -> BuildOutcome:
    return msgspec.convert(
        {"ref": ref, "status": status, "attempts": attempts, **fields}, BuildOutcome
    )


def test_totals_count_each_status_and_every_attempt() -> None:
    """Totals count outcomes by status, sum the attempts and keep submission order."""
    report = FleetReport.from_outcomes(
        [
            outcome("default/a@1.0.0", "ready", attempts=3, build_time_ms=12),
            outcome("default/b@1.0.0", "reused"),
            outcome("default/c@1.0.0", "failed", error="step 1 failed"),
            outcome("default/d@1.0.0", "cancelled", attempts=0),
            outcome("default/e@1.0.0", "timeout"),
        ],
        submitted=6,
        rate_limit_pauses=2,
        wall_time=1.5,
    )
    totals = report.totals
    assert (totals.submitted, totals.builds) == (6, 5)
    assert (totals.ready, totals.reused, totals.failed) == (1, 1, 1)
    assert (totals.cancelled, totals.timeout) == (1, 1)
    assert totals.attempts == 6
    assert totals.rate_limit_pauses == 2
    assert list(report.builds) == [f"default/{x}@1.0.0" for x in "abcde"]
    assert not report.ok
    assert [o.ref for o in report.failures()] == [f"default/{x}@1.0.0" for x in "cde"]


def test_ok_when_every_build_is_ready_or_reused() -> None:
    """A report whose builds all reached ready (built or reused) is ok; an empty one too."""
    good = [outcome("default/a@1.0.0", "ready"), outcome("default/b@1.0.0", "reused")]
    assert FleetReport.from_outcomes(good, submitted=2, rate_limit_pauses=0, wall_time=0).ok
    assert FleetReport.from_outcomes([], submitted=0, rate_limit_pauses=0, wall_time=0).ok


def test_to_json_round_trips_with_ok_first() -> None:
    """The JSON form starts with ok and decodes back to the same builds and totals."""
    report = FleetReport.from_outcomes(
        [outcome("default/a@1.0.0", "failed", error="boom", error_type="BuildFailedError")],
        submitted=1,
        rate_limit_pauses=0,
        wall_time=0.25,
    )
    data = report.to_json()
    assert data.startswith(b'{"ok":false,')
    decoded = msgspec.json.decode(data)
    assert decoded["builds"]["default/a@1.0.0"]["error"] == "boom"
    assert msgspec.convert(decoded["totals"], type(report.totals)) == report.totals
    assert msgspec.convert({k: v for k, v in decoded.items() if k != "ok"}, FleetReport) == report


def test_fleet_event_terminal_only_with_outcome() -> None:
    """Only items that carry an outcome are terminal."""
    done = outcome("default/a@1.0.0", "ready")
    assert FleetEvent(ref=done.ref, kind="ready", outcome=done).terminal
    assert not FleetEvent(ref=done.ref, kind="building").terminal
    assert done.ok
