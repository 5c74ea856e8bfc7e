"""A pure, incremental parser of ``text/event-stream`` bytes into events (WHATWG HTML).

Implements the "event stream interpretation" of the HTML standard, section 9.2.6:
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

The decoder works on whole chunks: it looks for line ends with ``bytes.find``-style
scans and splits complete lines in one call, so its cost grows with the number of
lines, not bytes. Line ends and field syntax are ASCII and never occur inside a UTF-8
multi-byte sequence, so lines are cut on bytes and each value is decoded once it is
complete; a character split across chunks therefore decodes whole, and invalid
UTF-8 becomes U+FFFD exactly as decoding the stream in one go would.
"""

from __future__ import annotations

from typing import Final

import msgspec

from orgo_async.errors import EventTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_SIZE: Final = 1 << 20
"""The largest event accepted unless told otherwise: 1 MiB of raw lines."""

_BOM: Final = b"\xef\xbb\xbf"
_MAX_RETRY_MS: Final = 10**18 - 1


class ServerSentEvent(msgspec.Struct, frozen=True, gc=False):
    """One dispatched server-sent event.

    Attributes:
        event: the event type; ``"message"`` when the server named none.
        data: the ``data:`` lines of the event, joined with ``"\\n"``.
        id: the stream's last event id when the event was dispatched; ``""`` if none.
        retry: the reconnection time in milliseconds set by a ``retry:`` line of
            this event, if it had a valid one.
    """

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None


class SSEDecoder:
    """Turns chunks of an event stream into :class:`ServerSentEvent` objects, incrementally.

    Feed every chunk in order with :meth:`feed`, then call :meth:`close` at the end of
    the stream. Any chunking of the same bytes yields the same events.

    ``max_event_size`` bounds the raw bytes between two blank lines (the lines of one
    event, comments included, each line end counted as one byte), and so also the
    length of one line. Going past it raises :class:`~orgo_async.errors.EventTooLargeError`
    rather than buffering without end. Events completed before the oversized one are
    never lost: if a chunk completed some, :meth:`feed` returns them and the error is
    raised by the next call to :meth:`feed` or :meth:`close`.
    """

    __slots__ = (
        "_at_start",
        "_closed",
        "_data",
        "_event_type",
        "_failed",
        "_head",
        "_id_buffer",
        "_last_event_id",
        "_max_event_size",
        "_pending",
        "_pending_len",
        "_retry",
        "_size",
        "_skip_lf",
        "_stream_retry",
    )

    def __init__(self, *, max_event_size: int = DEFAULT_MAX_EVENT_SIZE, last_event_id: str = ""):
        """Start a decoder at the beginning of a stream.

        Args:
            max_event_size: the largest event accepted, in bytes (see the class docstring).
            last_event_id: the last event id carried over from an earlier connection;
                events without an ``id:`` line report it until the server sets another.
        """
        if max_event_size < 1:
            raise ValueError(f"max_event_size must be at least 1 byte, not {max_event_size}")
        self._max_event_size = max_event_size
        self._at_start = True  # the BOM is only stripped from the very first bytes
        self._head = b""  # the first bytes, held back while they could still be a BOM
        self._skip_lf = False  # the last chunk ended on CR: a leading LF completes that CRLF
        self._pending: list[bytes] = []  # the unfinished line, as received
        self._pending_len = 0
        self._size = 0  # bytes of the current event's complete lines
        self._data: list[bytes] = []
        self._event_type = b""
        self._retry: int | None = None
        self._id_buffer = last_event_id
        self._last_event_id = last_event_id
        self._stream_retry: int | None = None
        self._failed = False
        self._closed = False

    @property
    def last_event_id(self) -> str:
        """The id a reconnecting client sends as ``Last-Event-ID``; ``""`` if none.

        Set at each blank line, so an ``id:`` in a block without data counts, and an
        unfinished event does not.
        """
        return self._last_event_id

    @property
    def retry(self) -> int | None:
        """The latest valid ``retry:`` of the stream, in milliseconds, or ``None``."""
        return self._stream_retry

    @property
    def max_event_size(self) -> int:
        """The largest event accepted, in bytes."""
        return self._max_event_size

    @property
    def has_unfinished_event(self) -> bool:
        """Whether data of an event not yet dispatched is buffered (a cut stream, at its end)."""
        return bool(self._pending_len or self._data or self._event_type)

    def feed(self, chunk: bytes | bytearray | memoryview) -> list[ServerSentEvent]:
        """Parse the next chunk of the stream; returns the events it completed, in order.

        Raises:
            EventTooLargeError: an event grew past ``max_event_size``; the decoder is
                unusable afterwards and raises again on every call.
        """
        if self._failed:
            raise EventTooLargeError(self._max_event_size)
        if self._closed:
            raise RuntimeError("SSEDecoder.feed() called after close()")
        data = bytes(chunk)
        if self._at_start:
            data = self._head + data
            if len(data) < len(_BOM) and _BOM.startswith(data):
                self._head = data
                return []
            self._at_start = False
            self._head = b""
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
        if self._skip_lf and data:
            self._skip_lf = False
            if data[0] == 0x0A:
                data = data[1:]
        if not data:
            return []
        has_cr = b"\r" in data
        if not has_cr and b"\n" not in data:
            # Only the scan of the new chunk: a long line costs O(n), not O(n^2).
            self._pending.append(data)
            self._pending_len += len(data)
            if self._size + self._pending_len > self._max_event_size:
                self._fail()
                raise EventTooLargeError(self._max_event_size)
            return []
        if self._pending:
            self._pending.append(data)
            data = b"".join(self._pending)
            self._pending.clear()
            self._pending_len = 0
        if has_cr:
            self._skip_lf = data[-1] == 0x0D
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = data.split(b"\n")
        tail = lines.pop()  # after the last line end: the start of an unfinished line
        events: list[ServerSentEvent] = []
        fits = self._parse_lines(lines, events)
        if fits and tail:
            self._pending.append(tail)
            self._pending_len = len(tail)
            if self._size + self._pending_len > self._max_event_size:
                self._fail()
                fits = False
        if not (fits or events):
            raise EventTooLargeError(self._max_event_size)
        return events

    def close(self) -> None:
        """End the stream: an unfinished event is discarded, as the standard requires.

        Raises:
            EventTooLargeError: an error deferred by the last :meth:`feed`.
        """
        self._closed = True
        self._pending.clear()
        self._pending_len = 0
        self._data = []
        self._event_type = b""
        self._retry = None
        self._size = 0
        if self._failed:
            raise EventTooLargeError(self._max_event_size)

    def _fail(self) -> None:
        self._failed = True
        self._pending.clear()
        self._pending_len = 0
        self._data = []

    def _parse_lines(self, lines: list[bytes], events: list[ServerSentEvent]) -> bool:
        """Parse complete lines into ``events``; ``False`` when an event grew too large."""
        # Hot loop: state lives in locals and is written back once at the end.
        data = self._data
        event_type = self._event_type
        retry = self._retry
        id_buffer = self._id_buffer
        size = self._size
        limit = self._max_event_size
        for line in lines:
            if not line:
                # Blank line: dispatch (section 9.2.6, "dispatch the event").
                self._last_event_id = id_buffer
                if data:
                    text = data[0] if len(data) == 1 else b"\n".join(data)
                    events.append(
                        ServerSentEvent(
                            event_type.decode("utf-8", "replace") if event_type else "message",
                            text.decode("utf-8", "replace"),
                            id_buffer,
                            retry,
                        )
                    )
                    data = []
                event_type = b""
                retry = None
                size = 0
                continue
            size += len(line) + 1
            if size > limit:
                self._fail()
                self._id_buffer = id_buffer
                return False
            colon = line.find(b":")
            if colon == 0:
                continue  # a comment, such as a keep-alive
            if colon < 0:
                name = line
                value = b""
            else:
                name = line[:colon]
                # Exactly one space after the colon is syntax; any more belong to the value.
                start = colon + 2 if line[colon + 1 : colon + 2] == b" " else colon + 1
                value = line[start:]
            if name == b"data":
                data.append(value)
            elif name == b"id":
                if b"\x00" not in value:
                    id_buffer = value.decode("utf-8", "replace")
            elif name == b"event":
                event_type = value
            elif name == b"retry" and value.isdigit():  # bytes.isdigit() is ASCII only
                digits = value.lstrip(b"0")
                # int() refuses very long digit strings; such a wait is forever anyway.
                retry = int(digits or b"0") if len(digits) <= 18 else _MAX_RETRY_MS
                self._stream_retry = retry
        self._data = data
        self._event_type = event_type
        self._retry = retry
        self._id_buffer = id_buffer
        self._size = size
        return True
