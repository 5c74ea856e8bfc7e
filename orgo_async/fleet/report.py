"""What a fleet tells you: per-build outcomes, merged stream items and the final report."""

from __future__ import annotations

from typing import Literal, TypeAlias

import msgspec

from orgo_async.models import BuildEvent, BuildInfo

__all__ = [
    "TERMINAL_STATES",
    "BuildOutcome",
    "BuildState",
    "FleetEvent",
    "FleetReport",
    "FleetTotals",
    "OutcomeStatus",
    "outcome_status",
]

OutcomeStatus: TypeAlias = Literal["ready", "reused", "failed", "cancelled", "timeout"]
"""How a build ended: built, reused an existing golden, failed, cancelled or timed out."""


def outcome_status(info: BuildInfo) -> OutcomeStatus:
    """How a build whose final status is ``info`` is reported, by the fleet and the CLI alike."""
    if info.status == "ready":
        return "reused" if info.reused else "ready"
    if info.error in ("cancelled", "timeout"):
        return "cancelled" if info.error == "cancelled" else "timeout"
    return "failed"


BuildState: TypeAlias = Literal[
    "queued",
    "publishing",
    "waiting",
    "building",
    "ready",
    "reused",
    "failed",
    "cancelled",
    "timeout",
]
"""Where a build stands in the fleet; the last five are terminal (see :data:`OutcomeStatus`).

``waiting`` means another build of the same digest is running and this one starts after it.
"""

TERMINAL_STATES: frozenset[BuildState] = frozenset(
    {"ready", "reused", "failed", "cancelled", "timeout"}
)


class BuildOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """How one build of the fleet ended.

    Attributes:
        ref: the template ref, ``namespace/name@version``.
        status: ``ready``, ``reused``, ``failed``, ``cancelled`` or ``timeout``.
        digest: the content digest, when it was learned (locally or from the server).
        reused: true when the server reused an existing golden snapshot.
        build_time_ms: the server's build time, when the build reached ready.
        attempts: build starts sent, counting those refused with 429.
        error: why the build did not reach ready, for people.
        error_type: the name of the error class behind ``error``, for programs.
        queue_time: seconds from submit until the build took a fleet slot.
        wall_time: seconds from submit until the outcome.
    """

    ref: str
    status: OutcomeStatus
    digest: str | None = None
    reused: bool = False
    build_time_ms: int | None = None
    attempts: int = 0
    error: str | None = None
    error_type: str | None = None
    queue_time: float = 0.0
    wall_time: float = 0.0

    @property
    def ok(self) -> bool:
        """Whether the ref has a golden snapshot now (built or reused)."""
        return self.status in ("ready", "reused")


class FleetEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One item of a fleet's merged stream: a build's log line or a change of its state.

    Attributes:
        ref: the build the item belongs to.
        kind: ``"log"`` for a log line, else the state the build entered.
        event: the log line, for ``kind == "log"``; otherwise ``None``.
        outcome: the build's outcome, on terminal items; otherwise ``None``.
    """

    ref: str
    kind: Literal["log"] | BuildState
    event: BuildEvent | None = None
    outcome: BuildOutcome | None = None

    @property
    def terminal(self) -> bool:
        """Whether this is the build's last item."""
        return self.outcome is not None


class FleetTotals(msgspec.Struct, frozen=True, kw_only=True):
    """Counts over a fleet's builds."""

    submitted: int
    builds: int
    ready: int
    reused: int
    failed: int
    cancelled: int
    timeout: int
    attempts: int
    rate_limit_pauses: int


class FleetReport(msgspec.Struct, frozen=True, kw_only=True):
    """Every build's outcome, in submission order, with totals.

    Attributes:
        builds: outcome per ref, in the order the refs were first submitted.
        totals: counts by status, build starts sent and fleet-wide rate-limit pauses.
        wall_time: seconds from entering the fleet until its last build ended.
    """

    builds: dict[str, BuildOutcome]
    totals: FleetTotals
    wall_time: float

    @classmethod
    def from_outcomes(
        cls,
        outcomes: list[BuildOutcome],
        *,
        submitted: int,
        rate_limit_pauses: int,
        wall_time: float,
    ) -> FleetReport:
        """Build a report and its totals from the builds' outcomes."""

        def count(status: OutcomeStatus) -> int:
            return sum(1 for outcome in outcomes if outcome.status == status)

        totals = FleetTotals(
            submitted=submitted,
            builds=len(outcomes),
            ready=count("ready"),
            reused=count("reused"),
            failed=count("failed"),
            cancelled=count("cancelled"),
            timeout=count("timeout"),
            attempts=sum(outcome.attempts for outcome in outcomes),
            rate_limit_pauses=rate_limit_pauses,
        )
        return cls(
            builds={outcome.ref: outcome for outcome in outcomes},
            totals=totals,
            wall_time=wall_time,
        )

    @property
    def ok(self) -> bool:
        """Whether every build reached ready (built or reused)."""
        return all(outcome.ok for outcome in self.builds.values())

    def failures(self) -> list[BuildOutcome]:
        """The builds that did not reach ready, in submission order."""
        return [outcome for outcome in self.builds.values() if not outcome.ok]

    def to_json(self) -> bytes:
        """The report as JSON (msgspec), with ``ok`` first, for logs and CI artifacts."""
        return _ENCODER.encode(
            {
                "ok": self.ok,
                "wall_time": self.wall_time,
                "totals": self.totals,
                "builds": self.builds,
            }
        )


_ENCODER = msgspec.json.Encoder()
