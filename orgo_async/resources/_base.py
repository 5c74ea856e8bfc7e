"""What every resource shares: the transport, and path segments checked before any URL is built."""

from __future__ import annotations

import re
from typing import Final

from orgo_async._transport import Transport
from orgo_async.errors import InvalidRefError
from orgo_async.refs import NAME_PATTERN

__all__ = ["Resource", "checked_name"]

_NAME: Final = re.compile(NAME_PATTERN)


class Resource:
    """A group of API calls sharing the client's transport."""

    def __init__(self, transport: Transport):
        self._transport = transport

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._transport.base_url!r})"


def checked_name(part: str, value: object) -> str:
    """``value`` when it is a valid namespace or template name, so it is one safe path segment.

    Raises:
        InvalidRefError: it is not a kebab-case name.
    """
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise InvalidRefError(f"invalid {part} {value!r}: expected lowercase kebab-case")
    return value
