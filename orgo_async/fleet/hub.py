"""Fan-out of a fleet's items to every live subscriber, each through a bounded buffer."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Final

import anyio
from anyio.streams.memory import MemoryObjectSendStream

from orgo_async.errors import FellBehindError
from orgo_async.fleet.report import FleetEvent

__all__ = ["DEFAULT_CONSUMER_TIMEOUT", "EventHub"]

DEFAULT_CONSUMER_TIMEOUT: Final = 30.0
"""Seconds publishers wait for room in a full buffer before dropping its subscriber."""

_CLOSED = (anyio.BrokenResourceError, anyio.ClosedResourceError)


class _Subscriber:
    """One subscription's sending end, and whether it was dropped for falling behind."""

    __slots__ = ("fell_behind", "send", "waiting")

    def __init__(self, send: MemoryObjectSendStream[FleetEvent]):
        self.send = send
        self.fell_behind = False
        # The scopes of publishers waiting for room, cancelled when the subscriber goes.
        self.waiting: set[anyio.CancelScope] = set()


class EventHub:
    """Delivers each published item to the subscribers present at that moment.

    Publishing awaits room in every subscriber's buffer, so a slow consumer slows
    the producers down instead of letting memory grow; with no subscriber an item
    costs nothing and is dropped. A consumer that takes nothing while its buffer stays
    full for ``consumer_timeout`` seconds has stopped reading (a loop left with
    ``break`` and a generator kept alive, a task that awaits something else): it is
    dropped, so it cannot hold the producers back forever. Its iterator then hands out
    what it had buffered and raises :class:`~orgo_async.FellBehindError`. Closing ends
    every subscription once its buffer is drained; a subscription started after that
    ends at once.

    Args:
        buffer: items each subscriber may hold before publishers wait.
        consumer_timeout: seconds publishers wait for room in one subscriber's buffer
            before dropping it; ``None`` waits for as long as it takes.
    """

    def __init__(self, buffer: int, consumer_timeout: float | None = DEFAULT_CONSUMER_TIMEOUT):
        self._buffer = buffer
        self._consumer_timeout = consumer_timeout
        self._subscribers: list[_Subscriber] = []
        self._closed = False

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    async def subscribe(self) -> AsyncGenerator[FleetEvent, None]:
        """Yield every item published from the first step on, until the hub closes.

        Raises:
            FellBehindError: after the buffered items, when this subscription was
                dropped for taking nothing while its buffer stayed full.
        """
        send, receive = anyio.create_memory_object_stream[FleetEvent](self._buffer)
        subscriber = _Subscriber(send)
        if self._closed:
            send.close()
        else:
            self._subscribers.append(subscriber)
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
                            break
                    except anyio.EndOfStream:
                        break
                    yield item
        finally:
            # The consumer left early (break, aclose, cancellation): stop feeding it at
            # once, or the next publish would wait for room in its buffer.
            self._drop(subscriber)
        if subscriber.fell_behind:
            raise FellBehindError(buffer=self._buffer, waited=self._consumer_timeout or 0.0)

    async def publish(self, item: FleetEvent) -> None:
        """Hand ``item`` to every subscriber, waiting while one's buffer is full."""
        for subscriber in tuple(self._subscribers):
            try:
                # Room in the buffer (the usual case): no checkpoint, no loop trip.
                subscriber.send.send_nowait(item)
            except anyio.WouldBlock:
                await self._wait_for_room(subscriber, item)
            except _CLOSED:
                self._drop(subscriber)

    def close(self) -> None:
        """End every subscription after its buffered items; idempotent."""
        self._closed = True
        subscribers, self._subscribers = self._subscribers, []
        for subscriber in subscribers:
            subscriber.send.close()

    async def _wait_for_room(self, subscriber: _Subscriber, item: FleetEvent) -> None:
        with anyio.move_on_after(self._consumer_timeout) as scope:
            subscriber.waiting.add(scope)
            try:
                await subscriber.send.send(item)
            except _CLOSED:
                self._drop(subscriber)
            finally:
                subscriber.waiting.discard(scope)
        if scope.cancelled_caught and subscriber in self._subscribers:
            # The buffer stayed full for the whole wait: the consumer stopped reading.
            subscriber.fell_behind = True
            self._drop(subscriber)

    def _drop(self, subscriber: _Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)
        subscriber.send.close()
        # Other publishers waiting for room in this buffer need not wait any longer
        # (anyio before 4.16 leaves a sender blocked on a send stream closed under it).
        for scope in tuple(subscriber.waiting):
            scope.cancel()
