"""The reconnect loop behind :func:`orgo_async.sse.stream_events`.

Kept apart from the public :class:`~orgo_async.sse.EventSource` on purpose: the loop's
generator refers to a :class:`Follower` only, never to the handle the caller holds, so
dropping that handle lets the event loop finalize the generator and close its connection.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Final

import aiohttp
import anyio
from multidict import CIMultiDict

from orgo_async._causes import describe, without_secrets
from orgo_async._decode import read_error_body
from orgo_async._retry import RETRYABLE_STATUSES, RetryPolicy
from orgo_async._status import status_error
from orgo_async._timeout import Timeout
from orgo_async.errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APIStatusError,
    APITimeoutError,
    RateLimitError,
)
from orgo_async.sse.decoder import ServerSentEvent
from orgo_async.sse.stream import EVENT_STREAM, EventStream

__all__ = ["Follower"]

_log = logging.getLogger("orgo_async")

_JITTER: Final = 0.25  # each delay grows by up to a quarter, so clients spread out


class Follower:
    """The reconnect loop's state and policy, apart from the public :class:`EventSource`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        headers: Mapping[str, str] | None,
        params: Mapping[str, str] | None,
        last_event_id: str,
        is_terminal: Callable[[ServerSentEvent], bool] | None,
        end_on_close: bool,
        policy: RetryPolicy,
        max_reconnects: int | None,
        idle_timeout: float | None,
        max_idle_reconnects: int,
        connect_timeout: float | Timeout | None,
        max_connect_retries: int,
        max_event_size: int,
    ):
        self._session = session
        self._url = url
        # A private copy: the caller's mapping is never modified, even by our own headers.
        self._headers: CIMultiDict[str] = CIMultiDict(headers or {})
        self._headers["Accept"] = EVENT_STREAM
        self._headers["Cache-Control"] = "no-cache"
        self._params = dict(params or {})
        self._is_terminal = is_terminal
        self._end_on_close = end_on_close
        self._policy = policy
        self._max_reconnects = max_reconnects
        self._idle_timeout = idle_timeout
        self._max_idle_reconnects = max_idle_reconnects
        limits = (
            connect_timeout
            if isinstance(connect_timeout, Timeout)
            else Timeout(connect=connect_timeout, read=None, total=connect_timeout)
        )
        self._socket_connect_timeout = limits.connect
        self._connect_timeout = _headers_deadline(limits)
        self._max_connect_retries = max_connect_retries
        self._connected = False  # whether any connection has been answered with a stream
        self._max_event_size = max_event_size
        self._server_retry_ms: int | None = None
        self._rng = random.Random()
        self.last_event_id = last_event_id
        self.reconnects = 0

    async def run(self) -> AsyncGenerator[ServerSentEvent, None]:
        failures = 0  # attempts in a row that brought no new event
        idles = 0  # of which ended idle
        retry_after: float | None = None  # the server's Retry-After for the next attempt
        while True:
            if failures:
                await self._wait_before_reconnect(failures, retry_after)
                self.reconnects += 1
            retry_after = None
            try:
                response = await self._connect()
            except RateLimitError as exc:
                failures += 1
                self._check_budget(failures, exc)
                retry_after = exc.retry_after
                if retry_after is not None and retry_after > self._policy.max_retry_after:
                    raise
                continue
            except APIStatusError as exc:
                if exc.status_code not in RETRYABLE_STATUSES:
                    raise
                failures += 1
                self._check_budget(failures, exc)
                continue
            except APIConnectionError as exc:
                failures += 1
                self._check_budget(failures, exc)
                continue
            if response is None:
                return  # 204 No Content: the server says there is nothing more to stream
            self._connected = True
            stream = EventStream(
                response,
                max_event_size=self._max_event_size,
                idle_timeout=self._idle_timeout,
                last_event_id=self.last_event_id,
            )
            try:
                async for event in stream:
                    failures = idles = 0
                    self._note_progress(stream)
                    yield event
                    if self._is_terminal is not None and self._is_terminal(event):
                        return
                self._note_progress(stream)
                if self._end_on_close and not stream.truncated:
                    return
                failures += 1
                self._check_budget(failures, None)
                _log.debug("event stream %s ended early; reconnecting", self._url)
            except APITimeoutError as exc:
                self._note_progress(stream)
                idles += 1
                failures += 1
                if idles > self._max_idle_reconnects:
                    raise
                self._check_budget(failures, exc)
                _log.debug("event stream %s went idle; reconnecting", self._url)
            except APIConnectionError as exc:
                self._note_progress(stream)
                failures += 1
                self._check_budget(failures, exc)
                _log.debug("event stream %s dropped (%s); reconnecting", self._url, exc)
            finally:
                # A body read to its end leaves a reusable connection; any other is closed.
                if stream.ended:
                    response.release()
                else:
                    response.close()
                await stream.aclose()

    def _note_progress(self, stream: EventStream) -> None:
        self.last_event_id = stream.last_event_id
        if stream.retry is not None:
            self._server_retry_ms = stream.retry

    def _check_budget(self, failures: int, error: APIError | None) -> None:
        limit = self._max_reconnects
        if not self._connected:
            # Never connected: the server may not be there at all, or may not stream. Give
            # up as a call would, not after a budget meant for a live stream that dropped.
            limit = (
                self._max_connect_retries
                if limit is None
                else min(limit, self._max_connect_retries)
            )
        if limit is None or failures <= limit:
            return
        if error is not None:
            raise error
        raise APIConnectionError(
            f"event stream kept ending before its last event ({failures} times in a row)",
            method="GET",
            url=self._url,
        )

    async def _wait_before_reconnect(self, failures: int, retry_after: float | None) -> None:
        policy = self._policy
        if retry_after is None:
            # The server's retry: replaces the base delay, as the standard says; failures in
            # a row then back it off, capped, so a dead server is not hammered.
            base = policy.initial_delay
            if self._server_retry_ms is not None:
                base = min(self._server_retry_ms / 1000, policy.max_delay)
            cap = max(base, policy.max_delay)
            delay = base
            # Step by step, not multiplier ** failures: a large multiplier would overflow.
            for _ in range(failures - 1):
                if delay >= cap or policy.multiplier <= 1:
                    break
                delay = min(delay * policy.multiplier, cap)
            retry_after = delay * (1 + _JITTER * self._rng.random())
        await policy.sleep(retry_after)

    async def _connect(self) -> aiohttp.ClientResponse | None:
        """Open one connection: the streaming response, or ``None`` on 204 No Content."""
        headers = self._headers.copy()
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        # The stream may rightly last for hours: only connecting is time-limited here, and
        # silence is the idle timeout's business.
        timeout = aiohttp.ClientTimeout(
            total=None, sock_read=None, sock_connect=self._socket_connect_timeout
        )
        try:
            with anyio.fail_after(self._connect_timeout):
                # Redirects are refused, as the client's transport refuses them: a
                # redirect would carry the caller's headers (an API key) elsewhere.
                response = await self._session.get(
                    self._url,
                    headers=headers,
                    params=self._params,
                    timeout=timeout,
                    allow_redirects=False,
                )
        except (asyncio.TimeoutError, TimeoutError) as exc:
            raise APITimeoutError(
                f"no response within {self._connect_timeout} s", method="GET", url=self._url
            ) from without_secrets(exc)
        except (aiohttp.ClientError, OSError) as exc:
            raise APIConnectionError(
                f"connection failed: {describe(exc)}", method="GET", url=self._url
            ) from without_secrets(exc)
        if response.status == 204:
            response.release()
            return None
        if response.status >= 400:
            raise await _status_error(response, self._connect_timeout)
        if response.status >= 300:
            response.release()
            raise APIResponseValidationError(
                f"event stream answered {response.status} redirecting to "
                f"{response.headers.get('Location', 'nowhere')!r}; redirects are not followed",
                method="GET",
                url=self._url,
                status_code=response.status,
            )
        return response


async def _status_error(response: aiohttp.ClientResponse, within: float | None) -> APIStatusError:
    body = b""  # the status alone still says what went wrong
    try:
        # Bounded like connecting: a server that sends an error status and then stalls
        # must not hold the stream open forever (the read has no socket timeout).
        with anyio.move_on_after(within):
            body = await read_error_body(response)
    except (aiohttp.ClientError, OSError):
        pass
    finally:
        response.release()
    return status_error("GET", str(response.url), response.status, response.headers, body)


def _headers_deadline(limits: Timeout) -> float | None:
    """Seconds to connect and receive the headers, as one request's limits allow them."""
    bounds = [limits.total]
    if limits.connect is not None and limits.read is not None:
        bounds.append(limits.connect + limits.read)
    return min((bound for bound in bounds if bound is not None), default=None)
