"""A pure, incremental parser of ``text/event-stream`` bytes into events (WHATWG HTML).

Implements the "event stream interpretation" of the HTML standard, section 9.2.6:
https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation

The decoder works on whole chunks, never on single bytes or lines read one by one. Each
chunk's line ends are normalised to LF with two ``bytes.replace`` calls; bytes are then
held back until a blank line (``\\n\\n``) completes at least one event, and the completed
events are cut apart with one ``split``. Only the lines of complete events are parsed, so
the cost grows with the number of lines, and a partial event costs nothing until it ends.

Line ends and field syntax are ASCII, and ASCII bytes never occur inside a UTF-8
multi-byte sequence, so cutting on bytes and decoding each complete value gives exactly
what decoding the whole stream first would: a character split across chunks decodes
whole, and invalid UTF-8 becomes U+FFFD.
"""

from __future__ import annotations

from typing import Final

import msgspec

from orgo_async.errors import ConfigurationError, EventTooLargeError

__all__ = ["DEFAULT_MAX_EVENT_SIZE", "SSEDecoder", "ServerSentEvent"]

DEFAULT_MAX_EVENT_SIZE: Final = 1 << 20
"""The largest event accepted unless told otherwise: 1 MiB of raw lines."""

_BOM: Final = b"\xef\xbb\xbf"
_LF: Final = 0x0A
_COLON: Final = 0x3A
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

    ``max_event_size`` bounds the raw bytes of one event: its lines from the one after
    the previous blank line to its last, comments included, each line end counted as one
    byte. It bounds one line too. Going past it raises
    :class:`~orgo_async.errors.EventTooLargeError` rather than buffering without end.
    Events completed before the oversized one are never lost: when a chunk completed
    some, :meth:`feed` returns them and the next call to :meth:`feed` or :meth:`close`
    raises.
    """

    __slots__ = (
        "_at_start",
        "_closed",
        "_failed",
        "_head",
        "_id_buffer",
        "_last_event_id",
        "_max_event_size",
        "_pending",
        "_pending_len",
        "_pending_lf",
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
            raise ConfigurationError(
                f"max_event_size must be at least 1 byte, not {max_event_size}"
            )
        self._max_event_size = max_event_size
        self._at_start = True  # the BOM is only stripped from the very first bytes
        self._head = b""  # the first bytes, held back while they could still be a BOM
        self._skip_lf = False  # the last chunk ended on CR: a leading LF completes that CRLF
        # The unfinished event, line ends already normalised; it never starts with LF.
        self._pending: list[bytes] = []
        self._pending_len = 0
        self._pending_lf = False  # whether it ends with a line end
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
        """The latest valid ``retry:`` of the stream in milliseconds, or ``None``.

        Read when the event holding it ends, or at :meth:`close` for an unfinished one.
        """
        return self._stream_retry

    @property
    def max_event_size(self) -> int:
        """The largest event accepted, in bytes."""
        return self._max_event_size

    @property
    def has_unfinished_event(self) -> bool:
        """Whether an event was begun and not ended: more than comments since the last blank line.

        At the end of a stream this means the connection was cut mid-event.
        """
        if not self._pending:
            return False
        return any(line[:1] != b":" for line in b"".join(self._pending).split(b"\n") if line)

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
            if data[0] == _LF:
                data = data[1:]
        if not data:
            return []
        if b"\r" in data:
            self._skip_lf = data[-1] == 0x0D
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        pending = self._pending
        if not pending and data[0] == _LF:
            # Blank lines between events dispatch nothing: the buffers are empty there.
            data = data.lstrip(b"\n")
            if not data:
                return []
        # A blank line either lies within the chunk or straddles it and the pending bytes.
        if b"\n\n" not in data and not (self._pending_lf and data[0] == _LF):
            pending.append(data)
            self._pending_len += len(data)
            self._pending_lf = data[-1] == _LF
            if self._pending_len > self._max_event_size:
                self._fail()
                raise EventTooLargeError(self._max_event_size)
            return []
        if pending:
            pending.append(data)
            data = b"".join(pending)
            pending.clear()
        cut = data.rfind(b"\n\n")
        complete = data[: cut + 1]  # whole events; its last LF ends the last blank line
        rest = data[cut + 2 :]  # the start of the next event, if any
        fits = True
        if len(complete) > self._max_event_size:
            # Only text longer than the limit can hold an oversized event: look for one.
            oversized = _find_oversized(complete, self._max_event_size)
            if oversized >= 0:
                complete = complete[:oversized]
                fits = False
        events = self._parse(complete)
        if not fits:
            self._fail()
        elif rest:
            if rest[0] == _LF:
                rest = rest.lstrip(b"\n")
            if rest:
                pending.append(rest)
            self._pending_len = len(rest)
            self._pending_lf = rest[-1:] == b"\n"
            if self._pending_len > self._max_event_size:
                self._fail()
                fits = False
        else:
            self._pending_len = 0
            self._pending_lf = False
        if not (fits or events):
            raise EventTooLargeError(self._max_event_size)
        return events

    def close(self) -> None:
        """End the stream: an unfinished event is discarded, as the standard requires.

        Its complete lines are still read for ``retry:``, which takes effect when its
        line ends, not its event.

        Raises:
            EventTooLargeError: an error deferred by the last :meth:`feed`.
        """
        if self._closed:
            return
        self._closed = True
        if self._failed:
            raise EventTooLargeError(self._max_event_size)
        text = b"".join(self._pending)
        self._pending.clear()
        self._pending_len = 0
        for line in text.split(b"\n")[:-1]:  # the last piece is an unfinished line
            if line.startswith(b"retry:"):
                retry = _parse_retry(line[7:] if line[6:7] == b" " else line[6:])
                if retry is not None:
                    self._stream_retry = retry

    def _fail(self) -> None:
        self._failed = True
        self._pending.clear()
        self._pending_len = 0

    def _parse(self, text: bytes) -> list[ServerSentEvent]:
        """Parse whole events: ``text`` ends with the LF of a blank line."""
        # The hot loop: one pass per line, state in locals, the usual lines tested first.
        events: list[ServerSentEvent] = []
        data: list[bytes] = []
        event_type = b""
        retry: int | None = None
        id_buffer = self._id_buffer
        for line in text.split(b"\n"):
            if not line:
                # A blank line: dispatch the event (section 9.2.6).
                if data:
                    joined = data[0] if len(data) == 1 else b"\n".join(data)
                    try:  # inlined _decode(): this runs once per event
                        text_data = joined.decode()
                    except UnicodeDecodeError:
                        text_data = joined.decode("utf-8", "replace")
                    events.append(
                        ServerSentEvent(
                            _decode(event_type) if event_type else "message",
                            text_data,
                            id_buffer,
                            retry,
                        )
                    )
                    data = []
                event_type = b""
                retry = None
            elif line[:6] == b"data: ":
                data.append(line[6:])
            elif line[:4] == b"id: ":
                value = line[4:]
                if b"\x00" not in value:
                    try:  # inlined _decode(): most events carry an id
                        id_buffer = value.decode()
                    except UnicodeDecodeError:
                        id_buffer = value.decode("utf-8", "replace")
            elif line[0] != _COLON:  # not a comment, such as a keep-alive
                colon = line.find(b":")
                if colon < 0:
                    name = line
                    value = b""
                else:
                    name = line[:colon]
                    # One space after the colon is syntax; any more belong to the value.
                    start = colon + 2 if line[colon + 1 : colon + 2] == b" " else colon + 1
                    value = line[start:]
                if name == b"data":
                    data.append(value)
                elif name == b"id":
                    if b"\x00" not in value:
                        id_buffer = _decode(value)
                elif name == b"event":
                    event_type = value
                elif name == b"retry":
                    parsed = _parse_retry(value)
                    if parsed is not None:
                        retry = self._stream_retry = parsed
        # Only the last blank line's id matters: earlier ones are not observable here.
        self._id_buffer = self._last_event_id = id_buffer
        return events


def _decode(value: bytes) -> str:
    """UTF-8 with U+FFFD for invalid bytes; the strict codec is the fast path."""
    try:
        return value.decode()
    except UnicodeDecodeError:
        return value.decode("utf-8", "replace")


def _find_oversized(text: bytes, limit: int) -> int:
    """Where the first event of ``text`` longer than ``limit`` bytes starts, or -1.

    ``text`` holds whole events and ends with the LF of a blank line; an event's size
    counts its lines and their line ends, not the blank lines around it.
    """
    start = 0
    end_of_text = len(text) - 1
    while start < end_of_text:
        if text[start] == _LF:
            start += 1  # a blank line between events
            continue
        end = text.find(b"\n\n", start)
        if end < 0:
            end = end_of_text
        if end + 1 - start > limit:
            return start
        start = end + 2
    return -1


def _parse_retry(value: bytes) -> int | None:
    """A ``retry:`` value in milliseconds, or ``None`` unless it is all ASCII digits."""
    if not value.isdigit():  # bytes.isdigit() is ASCII only, and False for b""
        return None
    digits = value.lstrip(b"0")
    # int() refuses very long digit strings; a wait that long is forever anyway.
    return int(digits or b"0") if len(digits) <= 18 else _MAX_RETRY_MS
