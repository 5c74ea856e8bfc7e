"""The HTTP transport: one aiohttp session, retries, and the only place aiohttp errors turn typed.

Error statuses become typed errors in :mod:`orgo_async._status`, which the event streams
use too.

Resources describe a call as a :class:`Request`; :meth:`Transport.request` sends it,
retries what is safe to retry, and hands back a :class:`Response` with a 2xx status or
raises an :class:`~orgo_async.errors.APIError`.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import metadata
from typing import Final, TypeVar

import aiohttp
import msgspec
from multidict import CIMultiDictProxy
from yarl import URL

from orgo_async._causes import describe, without_secrets
from orgo_async._decode import SHOWN_BYTES, decode_response, read_error_body
from orgo_async._retry import (
    Backoff,
    RetryPolicy,
    is_retryable_status,
    retry_after_from_headers,
)
from orgo_async._status import status_error
from orgo_async._timeout import Timeout
from orgo_async.errors import (
    APIConnectionError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    ConfigurationError,
)

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "Request",
    "Response",
    "Transport",
    "check_max_retries",
]

_log = logging.getLogger("orgo_async")
_T = TypeVar("_T")

DEFAULT_MAX_RESPONSE_BYTES: Final = 8 * 1024 * 1024
"""Largest response body read into memory; the biggest documented one is a template list."""

_CHUNK: Final = 64 * 1024
# Connect failures prove the request never reached the server, so even calls that are not
# idempotent may be sent again after them.
_NOT_SENT: Final = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


def _user_agent() -> str:
    try:
        version = metadata.version("orgo-async")
    except metadata.PackageNotFoundError:
        version = "unknown"
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"orgo-async/{version} python/{python} aiohttp/{aiohttp.__version__}"


_USER_AGENT: Final = _user_agent()


@dataclass(frozen=True)
class Request:
    """One API call, ready to send.

    Attributes:
        method: the HTTP method.
        path: the path below the base URL, starting with ``/``; built from checked parts only.
        params: query parameters.
        body: the request body, when there is one.
        content_type: the body's media type.
        idempotent: whether sending it twice has the same effect as once; only then is it
            retried after a failure that may have reached the server.
    """

    method: str
    path: str
    params: Mapping[str, str] | None = None
    body: bytes | None = None
    content_type: str | None = None
    idempotent: bool = True


@dataclass(frozen=True)
class Response:
    """A 2xx answer, its body read in full."""

    method: str
    url: str
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    def decode(self, decoder: msgspec.json.Decoder[_T]) -> _T:
        """Decode the body into its model.

        Raises:
            APIResponseValidationError: the body is not the documented payload, for any
                reason (see :mod:`orgo_async._decode`).
        """
        return decode_response(
            decoder, self.body, method=self.method, url=self.url, status=self.status
        )


class Transport:
    """Sends requests through one aiohttp session, owned or borrowed, with retries."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        timeout: Timeout,
        max_retries: int,
        retry: RetryPolicy,
        session: aiohttp.ClientSession | None,
        max_connections: int,
        max_connections_per_host: int,
        max_response_bytes: int,
    ):
        self.base_url = base_url
        self.timeout = timeout
        self.max_retries = max_retries
        self.retry = retry
        self.max_response_bytes = max_response_bytes
        self._headers = {
            "Authorization": f"Bearer {api_key}",
            "Accept": "application/json",
            "User-Agent": _USER_AGENT,
        }
        self._session = session
        self._owns_session = session is None
        self._max_connections = max_connections
        self._max_connections_per_host = max_connections_per_host
        self._closed = False

    def headers(self) -> dict[str, str]:
        """A copy of the headers every request carries (Authorization included): not for logs."""
        return dict(self._headers)

    def __repr__(self) -> str:
        # The headers hold the key; never show them.
        return f"Transport(base_url={self.base_url!r})"

    @property
    def closed(self) -> bool:
        """Whether :meth:`aclose` was called."""
        return self._closed

    def session(self) -> aiohttp.ClientSession:
        """The session requests go through, created on first use inside the running loop."""
        if self._closed:
            raise ConfigurationError("this Orgo client is closed; create a new one")
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=self._max_connections, limit_per_host=self._max_connections_per_host
            )
            self._session = aiohttp.ClientSession(connector=connector)
        return self._session

    async def aclose(self) -> None:
        """Close the session if this transport created it; safe to call more than once."""
        self._closed = True
        session, self._session = self._session, None
        if session is not None and self._owns_session:
            await session.close()

    async def request(
        self,
        request: Request,
        *,
        timeout: float | Timeout | None = None,
        max_retries: int | None = None,
    ) -> Response:
        """Send ``request``, retrying what is safe to retry, and return its 2xx response.

        Raises:
            APIStatusError: the server answered with an error status (a subclass per status).
            APIConnectionError: the server could not be reached (``APITimeoutError`` on timeouts).
            APIResponseValidationError: the response body was larger than allowed, or the
                server redirected.
        """
        limits = self.timeout if timeout is None else Timeout.of(timeout)
        retries = self.max_retries if max_retries is None else check_max_retries(max_retries)
        url = self.base_url + request.path
        backoff: Backoff | None = None  # made on the first retry: most requests need none
        attempt = 0
        while True:
            retry_after: float | None = None
            try:
                response = await self._send_once(request, url, limits)
            except APIConnectionError as exc:
                if not (request.idempotent or isinstance(exc.__cause__, _NOT_SENT)):
                    raise
                failure: APIConnectionError | APIStatusError = exc
            else:
                if response.status < 300:
                    return response
                if response.status < 400:
                    raise _redirected(response)
                failure = status_error(
                    response.method, response.url, response.status, response.headers, response.body
                )
                # A 429 refused the request without acting on it: safe to repeat for any call.
                safe = request.idempotent or response.status == 429
                if not (safe and is_retryable_status(response.status)):
                    raise failure
                retry_after = retry_after_from_headers(response.headers)
            if attempt < retries:
                backoff = backoff or self.retry.backoff()
                delay = backoff.next_delay(retry_after)
            else:
                delay = None
            if delay is None:
                raise failure
            attempt += 1
            _log.debug(
                "retrying %s %s in %.2fs (retry %d of %d) after: %s",
                request.method,
                url,
                delay,
                attempt,
                retries,
                failure,
            )
            await self.retry.sleep(delay)

    async def _send_once(self, request: Request, url: str, limits: Timeout) -> Response:
        headers = dict(self._headers)
        if request.content_type is not None:
            headers["Content-Type"] = request.content_type
        started = time.perf_counter()
        try:
            async with self.session().request(
                request.method,
                URL(url, encoded=True),
                params=request.params,
                data=request.body,
                headers=headers,
                timeout=limits.to_aiohttp(),
                allow_redirects=False,
            ) as resp:
                body = await self._read_body(resp, request.method, url)
                status, resp_headers = resp.status, resp.headers
        except (asyncio.TimeoutError, TimeoutError) as exc:
            _log.debug("%s %s -> timeout after %.1f ms", request.method, url, _ms(started))
            raise APITimeoutError(
                f"request timed out ({describe(exc)})", method=request.method, url=url
            ) from without_secrets(exc)
        except aiohttp.ClientError as exc:
            _log.debug(
                "%s %s -> %s after %.1f ms", request.method, url, describe(exc), _ms(started)
            )
            raise APIConnectionError(
                f"connection failed: {describe(exc)}", method=request.method, url=url
            ) from without_secrets(exc)
        _log.debug("%s %s -> %d in %.1f ms", request.method, url, status, _ms(started))
        return Response(request.method, url, status, resp_headers, body)

    async def _read_body(self, resp: aiohttp.ClientResponse, method: str, url: str) -> bytes:
        if resp.status >= 300:
            # An error's status says what went wrong; its body only illustrates it, so
            # read the start of it and leave the rest (the connection is then closed).
            return await read_error_body(resp)
        limit = self.max_response_bytes
        if resp.content_length is not None and resp.content_length > limit:
            raise _too_large(method, url, resp.status, limit)
        buffer = bytearray()
        async for chunk in resp.content.iter_chunked(_CHUNK):
            buffer += chunk
            if len(buffer) > limit:
                raise _too_large(method, url, resp.status, limit)
        return bytes(buffer)


def _redirected(response: Response) -> APIResponseValidationError:
    # The API never redirects; following one could hand the key to another origin.
    target = response.headers.get("Location", "nowhere")
    return APIResponseValidationError(
        f"unexpected redirect to {target}: the API does not redirect, so none is followed",
        method=response.method,
        url=response.url,
        status_code=response.status,
        body=response.body[:SHOWN_BYTES],
    )


def _too_large(method: str, url: str, status: int, limit: int) -> APIResponseValidationError:
    return APIResponseValidationError(
        f"response body exceeds the limit of {limit} bytes",
        method=method,
        url=url,
        status_code=status,
    )


def check_max_retries(value: int) -> int:
    """``value`` when it is a valid retry count.

    Raises:
        ConfigurationError: it is not an integer >= 0.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigurationError(f"max_retries must be an integer >= 0, not {value!r}")
    return value


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
