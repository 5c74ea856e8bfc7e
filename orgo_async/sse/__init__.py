"""Server-sent events in three layers: a pure decoder, one response, a reconnecting stream.

- :class:`SSEDecoder` turns bytes into :class:`ServerSentEvent` objects (WHATWG HTML rules).
- :func:`iter_events` yields the events of one aiohttp response.
- :func:`stream_events` follows a URL across dropped connections, resuming by ``Last-Event-ID``.
"""

from orgo_async.sse.decoder import DEFAULT_MAX_EVENT_SIZE, ServerSentEvent, SSEDecoder
from orgo_async.sse.reconnect import DEFAULT_STREAM_RETRY, EventSource, stream_events
from orgo_async.sse.stream import EventStream, iter_events

__all__ = [
    "DEFAULT_MAX_EVENT_SIZE",
    "DEFAULT_STREAM_RETRY",
    "EventSource",
    "EventStream",
    "SSEDecoder",
    "ServerSentEvent",
    "iter_events",
    "stream_events",
]
