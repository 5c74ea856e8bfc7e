"""Time limits of HTTP attempts, per client and per call."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import aiohttp

from orgo_async.errors import ConfigurationError

__all__ = ["DEFAULT_TIMEOUT", "Timeout"]


@dataclass(frozen=True)
class Timeout:
    """Time limits of one HTTP attempt, in seconds; ``None`` means no limit.

    The defaults bound every attempt: a server that answers nothing, or drips its answer
    a byte at a time, ends in :class:`~orgo_async.APITimeoutError` within ``total``.

    Attributes:
        connect: opening the TCP (and TLS) connection.
        read: the longest silence while waiting for response bytes.
        total: the whole attempt, from asking for a connection (the wait for a free one
            in a busy pool included) to the last body byte.
    """

    connect: float | None = 5.0
    read: float | None = 30.0
    total: float | None = 60.0

    def __post_init__(self) -> None:
        for name in ("connect", "read", "total"):
            value = getattr(self, name)
            if value is not None and not _is_positive(value):
                raise ConfigurationError(f"Timeout.{name} must be a number > 0 or None: {value!r}")

    @classmethod
    def of(cls, value: float | Timeout) -> Timeout:
        """A :class:`Timeout` as given, or one where ``value`` seconds bounds every limit.

        Raises:
            ConfigurationError: ``value`` is neither a positive number nor a ``Timeout``.
        """
        if isinstance(value, Timeout):
            return value
        if not _is_positive(value):
            raise ConfigurationError(f"timeout must be seconds > 0 or a Timeout, not {value!r}")
        return cls(connect=value, read=value, total=value)

    def to_aiohttp(self) -> aiohttp.ClientTimeout:
        """The same limits as aiohttp takes them."""
        # sock_connect, not connect: waiting for a free pooled connection is not a connect
        # timeout, so a busy pool fails no request for connecting slowly (only total
        # counts that wait).
        return aiohttp.ClientTimeout(
            total=self.total, sock_connect=self.connect, sock_read=self.read
        )


def _is_positive(value: object) -> bool:
    return (
        isinstance(value, (int, float))
        and not isinstance(value, bool)
        and math.isfinite(value)
        and value > 0
    )


DEFAULT_TIMEOUT: Final = Timeout()
"""5 s to connect, 30 s of silence while reading, 60 s for the whole attempt."""
