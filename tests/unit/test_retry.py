"""Backoff maths and Retry-After parsing: pure, no network, no sleeping."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orgo_async._retry import (
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
    retry_after_from_headers,
)
from orgo_async.errors import ConfigurationError

NOW = datetime(2026, 6, 8, 17, 0, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("3", 3.0, id="integer-seconds"),
        pytest.param(" 1.5 ", 1.5, id="fractional-seconds-with-spaces"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("-4", 0.0, id="negative-clamped"),
        pytest.param("Mon, 08 Jun 2026 17:00:30 GMT", 30.0, id="http-date-ahead"),
        pytest.param("Mon, 08 Jun 2026 16:59:00 GMT", 0.0, id="http-date-past"),
        pytest.param(None, None, id="absent"),
        pytest.param("", None, id="empty"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("nan", None, id="nan"),
        pytest.param("inf", None, id="infinity"),
    ],
)
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    """Retry-After is read as delta-seconds or an HTTP date relative to now; junk is ignored."""
    assert parse_retry_after(header, now=NOW) == expected


def test_retry_after_from_headers_is_case_insensitive_on_a_multidict() -> None:
    """The header is found whatever its case in a case-insensitive mapping."""
    from multidict import CIMultiDict

    assert retry_after_from_headers(CIMultiDict({"retry-after": "7"})) == 7.0


@pytest.mark.parametrize(
    ("status", "retryable"),
    [
        pytest.param(408, True, id="408-request-timeout"),
        pytest.param(429, True, id="429-rate-limit"),
        pytest.param(500, True, id="500"),
        pytest.param(502, True, id="502"),
        pytest.param(503, True, id="503"),
        pytest.param(504, True, id="504"),
        pytest.param(501, False, id="501-not-implemented"),
        pytest.param(400, False, id="400"),
        pytest.param(401, False, id="401"),
        pytest.param(404, False, id="404"),
        pytest.param(409, False, id="409"),
        pytest.param(422, False, id="422"),
    ],
)
def test_retryable_statuses(status: int, retryable: bool) -> None:
    """Only transient statuses are worth another attempt."""
    assert is_retryable_status(status) is retryable


def test_no_jitter_doubles_from_initial_delay_up_to_the_cap() -> None:
    """Without jitter the delays are 1, 2, 4, ... capped at max_delay."""
    backoff = RetryPolicy(jitter="none", initial_delay=1.0, max_delay=10.0).backoff()
    assert [backoff.next_delay() for _ in range(6)] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_full_jitter_stays_within_the_exponential_envelope() -> None:
    """Full jitter draws each delay from [0, base], base doubling per retry."""
    backoff = RetryPolicy(jitter="full", initial_delay=0.5, max_delay=4.0).backoff(random.Random(7))
    for ceiling in (0.5, 1.0, 2.0, 4.0, 4.0, 4.0):
        delay = backoff.next_delay()
        assert delay is not None
        assert 0.0 <= delay <= ceiling


def test_decorrelated_jitter_stays_between_initial_delay_and_the_cap() -> None:
    """Decorrelated jitter never drops below initial_delay nor exceeds max_delay."""
    policy = RetryPolicy(jitter="decorrelated", initial_delay=1.0, max_delay=20.0)
    backoff = policy.backoff(random.Random(3))
    delays = [backoff.next_delay() for _ in range(50)]
    assert all(d is not None and 1.0 <= d <= 20.0 for d in delays)
    assert len(set(delays)) > 1


@given(
    jitter=st.sampled_from(["full", "decorrelated", "none"]),
    initial=st.floats(min_value=0.0, max_value=5.0),
    cap=st.floats(min_value=0.0, max_value=120.0),
    multiplier=st.floats(min_value=1.0, max_value=1e6),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_delays_never_exceed_the_cap_nor_go_negative(
    jitter: str, initial: float, cap: float, multiplier: float, seed: int
) -> None:
    """Whatever the settings, and however many retries, a delay is within [0, max_delay]."""
    policy = RetryPolicy(
        jitter=jitter,  # type: ignore[arg-type]
        initial_delay=initial,
        max_delay=cap,
        multiplier=multiplier,
    )
    backoff = policy.backoff(random.Random(seed))
    for _ in range(200):
        delay = backoff.next_delay()
        assert delay is not None
        assert 0.0 <= delay <= max(cap, initial)


def test_retry_after_wins_over_the_computed_backoff() -> None:
    """A server hint is waited exactly, even when longer than the backoff would be."""
    backoff = RetryPolicy(jitter="none", initial_delay=1.0).backoff()
    assert backoff.next_delay(retry_after=7.0) == 7.0
    assert backoff.next_delay(retry_after=0.0) == 0.0


def test_retry_after_beyond_the_limit_gives_up() -> None:
    """A hint longer than max_retry_after means no retry rather than an early one."""
    backoff = RetryPolicy(max_retry_after=30.0).backoff()
    assert backoff.next_delay(retry_after=31.0) is None
    assert backoff.next_delay(retry_after=30.0) == 30.0


def test_retry_after_http_date_round_trip() -> None:
    """An HTTP date 90 s ahead of now reads as 90 s."""
    header = (NOW + timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert parse_retry_after(header, now=NOW) == 90.0


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"initial_delay": -1.0}, id="negative-initial"),
        pytest.param({"max_delay": float("inf")}, id="infinite-cap"),
        pytest.param({"max_retry_after": float("nan")}, id="nan-retry-after-limit"),
        pytest.param({"multiplier": 0.5}, id="shrinking-multiplier"),
        pytest.param({"jitter": "random"}, id="unknown-jitter"),
    ],
)
def test_invalid_policy_is_a_configuration_error(kwargs: dict[str, object]) -> None:
    """A policy that cannot work is refused when it is built."""
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


async def test_the_injected_sleep_is_what_the_policy_awaits() -> None:
    """A policy's sleep can be replaced, so waits are recorded instead of slept."""
    waits: list[float] = []

    async def record(delay: float) -> None:
        waits.append(delay)

    policy = RetryPolicy(sleep=record)
    await policy.sleep(2.5)
    assert waits == [2.5]
