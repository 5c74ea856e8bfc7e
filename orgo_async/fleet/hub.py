"""Fan-out of a fleet's items to every live subscriber, each through a bounded buffer."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import anyio
from anyio.streams.memory import MemoryObjectSendStream

from orgo_async.fleet.report import FleetEvent

__all__ = ["EventHub"]


class EventHub:
    """Delivers each published item to the subscribers present at that moment.

    Publishing awaits room in every subscriber's buffer, so a slow consumer slows
    the producers down instead of letting memory grow; with no subscriber an item
    costs nothing and is dropped. Closing ends every subscription once its buffer
    is drained; a subscription started after that ends at once.

    Args:
        buffer: items each subscriber may hold before publishers wait.
    """

    def __init__(self, buffer: int):
        self._buffer = buffer
        self._subscribers: list[MemoryObjectSendStream[FleetEvent]] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    async def subscribe(self) -> AsyncGenerator[FleetEvent, None]:
        """Yield every item published from the first step on, until the hub closes."""
        send, receive = anyio.create_memory_object_stream[FleetEvent](self._buffer)
        if self._closed:
            send.close()
        else:
            self._subscribers.append(send)
        try:
            with receive:
                while True:
                    # Take what is buffered without a trip through the event loop per
                    # item (anyio's receive() checkpoints first); wait only when empty.
                    try:
                        item = receive.receive_nowait()
                    except anyio.WouldBlock:
                        try:
                            item = await receive.receive()
                        except anyio.EndOfStream:
                            return
                    except anyio.EndOfStream:
                        return
                    yield item
        finally:
            # The consumer left early (break, aclose, cancellation): stop feeding it,
            # or the next publish would wait forever for room in its buffer.
            self._drop(send)

    async def publish(self, item: FleetEvent) -> None:
        """Hand ``item`` to every subscriber, waiting while one's buffer is full."""
        for send in tuple(self._subscribers):
            try:
                try:
                    # Room in the buffer (the usual case): no checkpoint, no loop trip.
                    send.send_nowait(item)
                except anyio.WouldBlock:
                    await send.send(item)
            except (anyio.BrokenResourceError, anyio.ClosedResourceError):
                self._drop(send)

    def close(self) -> None:
        """End every subscription after its buffered items; idempotent."""
        self._closed = True
        subscribers, self._subscribers = self._subscribers, []
        for send in subscribers:
            send.close()

    def _drop(self, send: MemoryObjectSendStream[FleetEvent]) -> None:
        if send in self._subscribers:
            self._subscribers.remove(send)
        send.close()
