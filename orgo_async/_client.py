"""``Orgo``: the client's settings, its lifecycle, and its resources."""

from __future__ import annotations

import ipaddress
import os
from types import TracebackType
from typing import Final, TypeVar

import aiohttp
from yarl import URL

from orgo_async._logging import configure_from_env
from orgo_async._retry import DEFAULT_MAX_RETRIES, RetryPolicy
from orgo_async._timeout import DEFAULT_TIMEOUT, Timeout
from orgo_async._transport import DEFAULT_MAX_RESPONSE_BYTES, Transport, check_max_retries
from orgo_async.errors import ConfigurationError
from orgo_async.resources import Builds, Templates

__all__ = ["DEFAULT_BASE_URL", "Orgo"]

DEFAULT_BASE_URL: Final = "https://www.orgo.ai/api"
"""The Orgo API, used when neither ``base_url`` nor ``ORGO_BASE_URL`` is set."""

_Self = TypeVar("_Self", bound="Orgo")


class Orgo:
    """Async client of the Orgo templates API; use it as ``async with Orgo() as orgo``.

    The client owns one aiohttp session (and its connection pool), opened on entry or on
    first request inside the running loop and closed by :meth:`aclose`. A ``session`` passed
    in is used as is and left open.

    Args:
        api_key: the API key; defaults to ``ORGO_API_KEY``.
        base_url: the API root; defaults to ``ORGO_BASE_URL``, then ``https://www.orgo.ai/api``.
        timeout: per-attempt limits, as a :class:`Timeout` or seconds for all of them.
        max_retries: retries after the first attempt, for calls that are safe to repeat.
        retry: how long to wait between attempts.
        session: an aiohttp session to send requests through instead of our own.
        allow_insecure_http: allow ``http://`` to a host that is not loopback, which sends
            the key in clear text.
        max_connections: size of the connection pool.
        max_connections_per_host: per-host cap inside the pool; 0 means only the pool size.
        max_response_bytes: the largest response body read; a larger one raises
            :class:`~orgo_async.APIResponseValidationError`.

    Raises:
        ConfigurationError: no API key, or an unusable or insecure base URL or setting.
    """

    templates: Templates
    """Publish, validate, read and delete template versions; test-runs."""
    builds: Builds
    """Start, inspect and cancel golden-snapshot builds."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float | Timeout = DEFAULT_TIMEOUT,
        max_retries: int = DEFAULT_MAX_RETRIES,
        retry: RetryPolicy | None = None,
        session: aiohttp.ClientSession | None = None,
        allow_insecure_http: bool = False,
        max_connections: int = 100,
        max_connections_per_host: int = 0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ):
        configure_from_env()
        key = _api_key(api_key)
        url = _base_url(base_url, allow_insecure_http=allow_insecure_http)
        _check_count("max_connections", max_connections, minimum=1)
        _check_count("max_connections_per_host", max_connections_per_host, minimum=0)
        _check_count("max_response_bytes", max_response_bytes, minimum=1)
        if retry is not None and not isinstance(retry, RetryPolicy):
            raise ConfigurationError(f"retry must be a RetryPolicy, not {type(retry).__name__}")
        if session is not None and not isinstance(session, aiohttp.ClientSession):
            raise ConfigurationError(
                f"session must be an aiohttp.ClientSession, not {type(session).__name__}"
            )
        self._transport = Transport(
            base_url=url,
            api_key=key,
            timeout=Timeout.of(timeout),
            max_retries=check_max_retries(max_retries),
            retry=retry if retry is not None else RetryPolicy(),
            session=session,
            max_connections=max_connections,
            max_connections_per_host=max_connections_per_host,
            max_response_bytes=max_response_bytes,
        )
        self.templates = Templates(self._transport)
        self.builds = Builds(self._transport)

    @property
    def base_url(self) -> str:
        """The API root every path is appended to, without a trailing slash."""
        return self._transport.base_url

    @property
    def timeout(self) -> Timeout:
        """The default per-attempt time limits."""
        return self._transport.timeout

    @property
    def max_retries(self) -> int:
        """The default number of retries after the first attempt."""
        return self._transport.max_retries

    @property
    def retry(self) -> RetryPolicy:
        """The backoff policy between attempts."""
        return self._transport.retry

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called; a closed client sends nothing more."""
        return self._transport.closed

    def __repr__(self) -> str:
        # Never the key: reprs end up in logs and tracebacks.
        return f"Orgo(base_url={self.base_url!r})"

    async def __aenter__(self: _Self) -> _Self:
        self._transport.session()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (not a session passed in); calling it again does nothing."""
        await self._transport.aclose()


def _api_key(explicit: str | None) -> str:
    key = explicit if explicit is not None else os.environ.get("ORGO_API_KEY", "")
    if not isinstance(key, str):
        raise ConfigurationError(f"api_key must be a string, not {type(key).__name__}")
    key = key.strip()
    if not key:
        raise ConfigurationError(
            "no API key: pass api_key= or set ORGO_API_KEY (create one at orgo.ai/workspaces)"
        )
    # A key with spaces or control characters cannot be a header value; say so without echoing it.
    if not key.isprintable() or any(ch.isspace() for ch in key):
        raise ConfigurationError("api_key contains whitespace or control characters")
    return key


def _base_url(explicit: str | None, *, allow_insecure_http: bool) -> str:
    text = explicit if explicit is not None else os.environ.get("ORGO_BASE_URL") or DEFAULT_BASE_URL
    if not isinstance(text, str):
        raise ConfigurationError(f"base_url must be a string, not {type(text).__name__}")
    try:
        url = URL(text.strip())
    except ValueError as exc:
        raise ConfigurationError(f"invalid base_url {text!r}: {exc}") from exc
    if url.user is not None or url.password is not None:
        # Credentials in the URL would leak into logs and error messages.
        raise ConfigurationError("base_url must not carry credentials; pass api_key= instead")
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base_url must be an http(s) URL with a host, not {text!r}")
    if url.query_string or url.fragment:
        raise ConfigurationError(f"base_url must not have a query or fragment: {text!r}")
    if url.scheme == "http" and not allow_insecure_http and not _is_loopback(url.host):
        raise ConfigurationError(
            f"refusing plain http:// to {url.host}: the API key would travel unencrypted; "
            "use https:// or pass allow_insecure_http=True"
        )
    return str(url).rstrip("/")


def _is_loopback(host: str) -> bool:
    if host.rstrip(".").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _check_count(name: str, value: int, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be an integer >= {minimum}, not {value!r}")
