"""Times for people: ``3 min ago`` instead of an ISO timestamp."""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["age"]

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_MONTH = 30 * _DAY


def age(moment: datetime, now: datetime | None = None) -> str:
    """How long ago ``moment`` was: ``just now``, ``42 s ago``, ``3 min ago``, ``2 days ago``.

    Past a month it is the date itself (``on 2026-01-05``). A moment slightly in the
    future (the server's clock runs ahead) reads ``just now``. A naive ``moment`` is UTC.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    now = now if now is not None else datetime.now(timezone.utc)
    seconds = int((now - moment).total_seconds())
    if seconds < 10:
        return "just now"
    if seconds < _MINUTE:
        return f"{seconds} s ago"
    if seconds < _HOUR:
        return f"{seconds // _MINUTE} min ago"
    if seconds < _DAY:
        return f"{seconds // _HOUR} h ago"
    if seconds < _MONTH:
        days = seconds // _DAY
        return f"{days} day{'s' if days != 1 else ''} ago"
    return f"on {moment.date().isoformat()}"
