"""Build many templates at once: ``BuildFleet``, its handles, merged events and report."""

from orgo_async.fleet.errors import FleetClosedError, RefConflictError
from orgo_async.fleet.fleet import DEFAULT_EVENT_BUFFER, BuildFleet
from orgo_async.fleet.job import BuildHandle
from orgo_async.fleet.report import (
    TERMINAL_STATES,
    BuildOutcome,
    BuildState,
    FleetEvent,
    FleetReport,
    FleetTotals,
    OutcomeStatus,
)
from orgo_async.fleet.submission import SubmitSource

__all__ = [
    "DEFAULT_EVENT_BUFFER",
    "TERMINAL_STATES",
    "BuildFleet",
    "BuildHandle",
    "BuildOutcome",
    "BuildState",
    "FleetClosedError",
    "FleetEvent",
    "FleetReport",
    "FleetTotals",
    "OutcomeStatus",
    "RefConflictError",
    "SubmitSource",
]
