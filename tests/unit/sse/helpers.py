"""Shared helpers of the SSE decoder tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from orgo_async.errors import EventTooLargeError
from orgo_async.sse import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder


def decode_chunks(
    chunks: Iterable[bytes], *, max_event_size: int = DEFAULT_MAX_EVENT_SIZE
) -> tuple[list[ServerSentEvent], bool]:
    """Feed ``chunks`` then close: the events and whether EventTooLargeError ended it."""
    decoder = SSEDecoder(max_event_size=max_event_size)
    events: list[ServerSentEvent] = []
    try:
        for chunk in chunks:
            events.extend(decoder.feed(chunk))
        decoder.close()
    except EventTooLargeError:
        return events, True
    return events, False


def split_at(data: bytes, cuts: Iterable[int]) -> list[bytes]:
    """``data`` cut at the given offsets (taken modulo its length, sorted, deduplicated)."""
    points = sorted({cut % (len(data) + 1) for cut in cuts} | {0, len(data)})
    return [data[start:end] for start, end in itertools.pairwise(points)]


def bytewise(data: bytes) -> list[bytes]:
    """``data`` one byte per chunk."""
    return [data[i : i + 1] for i in range(len(data))]
