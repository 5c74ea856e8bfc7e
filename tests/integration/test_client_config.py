"""Client settings: key and URL from the environment, refused insecure setups, lifecycle rules."""

from __future__ import annotations

import logging

import pytest

from orgo_async._client import DEFAULT_BASE_URL, Orgo
from orgo_async._logging import LOGGER_NAME
from orgo_async._retry import RetryPolicy
from orgo_async._timeout import Timeout
from orgo_async.errors import ConfigurationError, InvalidRefError

KEY = "sk_test_config_secret"


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Start every test without ORGO_* variables from the machine running it."""
    for name in ("ORGO_API_KEY", "ORGO_BASE_URL", "ORGO_LOG"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    "key",
    [pytest.param(None, id="unset"), pytest.param("", id="empty"), pytest.param("  ", id="blank")],
)
def test_a_missing_key_is_refused_at_construction(
    monkeypatch: pytest.MonkeyPatch, key: str | None
) -> None:
    """Without api_key or ORGO_API_KEY the client cannot be built."""
    if key is not None:
        monkeypatch.setenv("ORGO_API_KEY", key)
    with pytest.raises(ConfigurationError, match="ORGO_API_KEY"):
        Orgo()


def test_key_and_url_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """ORGO_API_KEY and ORGO_BASE_URL are used when no arguments are given."""
    monkeypatch.setenv("ORGO_API_KEY", KEY)
    monkeypatch.setenv("ORGO_BASE_URL", "https://orgo.example/api/")
    assert Orgo().base_url == "https://orgo.example/api"


def test_the_default_url_is_orgo() -> None:
    """With no URL anywhere, the client talks to www.orgo.ai."""
    assert Orgo(KEY).base_url == DEFAULT_BASE_URL == "https://www.orgo.ai/api"


def test_arguments_win_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """An explicit base_url beats ORGO_BASE_URL."""
    monkeypatch.setenv("ORGO_BASE_URL", "https://env.example/api")
    assert Orgo(KEY, "https://arg.example/api").base_url == "https://arg.example/api"


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://127.0.0.1:8080/api", id="ipv4-loopback"),
        pytest.param("http://127.9.9.9/api", id="other-127"),
        pytest.param("http://localhost:1/api", id="localhost"),
        pytest.param("http://[::1]:1/api", id="ipv6-loopback"),
        pytest.param("https://orgo.example/api", id="https"),
    ],
)
def test_loopback_http_and_any_https_are_allowed(url: str) -> None:
    """Plain http:// is fine to loopback, and https:// anywhere."""
    assert Orgo(KEY, url).base_url == url


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("http://orgo.example/api", id="hostname"),
        pytest.param("http://10.0.0.5/api", id="private-ip"),
        pytest.param("http://localhost.evil.example/api", id="localhost-prefix"),
    ],
)
def test_plain_http_to_another_host_is_refused(url: str) -> None:
    """The key would travel unencrypted, so http:// off-loopback needs an explicit opt-in."""
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        Orgo(KEY, url)
    assert Orgo(KEY, url, allow_insecure_http=True).base_url == url


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("ftp://orgo.example/api", id="scheme"),
        pytest.param("orgo.example/api", id="no-scheme"),
        pytest.param("https:///api", id="no-host"),
        pytest.param("https://orgo.example/api?x=1", id="query"),
        pytest.param("https://orgo.example/api#frag", id="fragment"),
    ],
)
def test_unusable_urls_are_refused(url: str) -> None:
    """A base URL that is not a plain http(s) root is a ConfigurationError."""
    with pytest.raises(ConfigurationError):
        Orgo(KEY, url)


def test_credentials_in_the_url_are_refused_without_echoing_them() -> None:
    """A URL with user:password is refused, and the message does not repeat the password."""
    with pytest.raises(ConfigurationError) as caught:
        Orgo(KEY, "https://user:hunter2@orgo.example/api")
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "key",
    [pytest.param(f"{KEY}\nX-Evil: 1", id="newline"), pytest.param("sk live", id="space")],
)
def test_a_key_that_cannot_be_a_header_is_refused_without_echoing_it(key: str) -> None:
    """A key with whitespace or control characters is refused; the error does not show it."""
    with pytest.raises(ConfigurationError) as caught:
        Orgo(key)
    assert key not in str(caught.value)
    assert "sk live" not in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"max_retries": -1}, id="negative-retries"),
        pytest.param({"max_retries": 1.5}, id="fractional-retries"),
        pytest.param({"timeout": 0}, id="zero-timeout"),
        pytest.param({"timeout": "5"}, id="text-timeout"),
        pytest.param({"max_connections": 0}, id="empty-pool"),
        pytest.param({"max_connections_per_host": -1}, id="negative-per-host"),
        pytest.param({"max_response_bytes": 0}, id="zero-body-limit"),
        pytest.param({"retry": {"initial_delay": 1}}, id="retry-not-a-policy"),
        pytest.param({"session": object()}, id="session-not-a-session"),
    ],
)
def test_unusable_settings_are_refused(kwargs: dict[str, object]) -> None:
    """Settings that cannot work raise ConfigurationError at construction."""
    with pytest.raises(ConfigurationError):
        Orgo(KEY, **kwargs)  # type: ignore[arg-type]


def test_settings_are_readable() -> None:
    """The effective settings are exposed; a number timeout bounds every limit."""
    policy = RetryPolicy(initial_delay=0.25)
    orgo = Orgo(KEY, timeout=5, max_retries=4, retry=policy)
    assert orgo.timeout == Timeout(connect=5, read=5, total=5)
    assert orgo.max_retries == 4
    assert orgo.retry is policy


def test_repr_shows_the_url_and_never_the_key() -> None:
    """repr() and str() of the client and its resources name the URL only."""
    orgo = Orgo(KEY, "https://orgo.example/api")
    for shown in (repr(orgo), str(orgo), repr(orgo.templates), repr(orgo.builds)):
        assert KEY not in shown
    assert repr(orgo) == "Orgo(base_url='https://orgo.example/api')"


async def test_aclose_is_idempotent_and_a_closed_client_refuses_calls() -> None:
    """aclose() can be called twice; afterwards calls and re-entry raise ConfigurationError."""
    orgo = Orgo(KEY, "http://127.0.0.1:9/api")
    await orgo.aclose()
    await orgo.aclose()
    assert orgo.closed
    with pytest.raises(ConfigurationError, match="closed"):
        await orgo.builds.status("default/x@1.0.0")
    with pytest.raises(ConfigurationError, match="closed"):
        await orgo.__aenter__()


@pytest.mark.parametrize(
    ("namespace", "name"),
    [
        pytest.param("default", "../x", id="dot-dot"),
        pytest.param("default", "a/b", id="slash"),
        pytest.param("Default", "x", id="uppercase"),
        pytest.param("default", "", id="empty"),
    ],
)
async def test_bad_names_are_refused_before_any_request(namespace: str, name: str) -> None:
    """versions() checks its parts before building a URL (the client has no server here)."""
    async with Orgo(KEY, "http://127.0.0.1:9/api", max_retries=0) as orgo:
        with pytest.raises(InvalidRefError):
            await orgo.templates.versions(namespace, name)


async def test_bad_refs_are_refused_before_any_request() -> None:
    """A ref that does not parse raises InvalidRefError, never a connection error."""
    async with Orgo(KEY, "http://127.0.0.1:9/api", max_retries=0) as orgo:
        with pytest.raises(InvalidRefError):
            await orgo.builds.start("default/x@1.0.0/../../y")


def test_orgo_log_debug_adds_one_stderr_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    """ORGO_LOG=debug sets the level and adds its handler once, however many clients exist."""
    logger = logging.getLogger(LOGGER_NAME)
    before_level, before_handlers = logger.level, list(logger.handlers)
    monkeypatch.setenv("ORGO_LOG", "debug")
    try:
        Orgo(KEY)
        Orgo(KEY)
        added = [h for h in logger.handlers if h not in before_handlers]
        assert len(added) == 1
        assert logger.level == logging.DEBUG
    finally:
        logger.handlers[:] = before_handlers
        logger.setLevel(before_level)
