"""The event hub drops a consumer that stopped reading, and only such a consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import anyio
import pytest

from orgo_async import FellBehindError
from orgo_async.fleet.hub import EventHub
from orgo_async.fleet.report import FleetEvent


def item(n: int) -> FleetEvent:
    return FleetEvent(ref=f"default/t{n}@1.0.0", kind="queued")


def refs(items: list[FleetEvent]) -> list[str]:
    return [x.ref for x in items]


async def test_a_consumer_that_breaks_and_keeps_its_iterator_is_dropped() -> None:
    """Publishers wait consumer_timeout at most; the kept iterator drains, then raises."""
    hub = EventHub(buffer=2, consumer_timeout=0.1)
    stream = hub.subscribe()
    first = anext(stream)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(hub.publish, item(0))
            assert (await first).ref == item(0).ref
            # The consumer leaves its loop here but keeps `stream` alive.
        for n in range(1, 6):
            await hub.publish(item(n))
    got: list[FleetEvent] = []
    with pytest.raises(FellBehindError, match="buffer of 2 items") as caught:
        await _drain(stream, got)
    assert refs(got) == refs([item(1), item(2)])  # what it had buffered, nothing after
    assert (caught.value.buffer, caught.value.waited) == (2, 0.1)


async def test_every_waiting_publisher_is_released_when_the_consumer_is_dropped() -> None:
    """Publishers blocked on the same full buffer are all released by the first one's drop.

    anyio 4.16 and later wake them when the send stream closes; earlier versions, which
    the package supports too, rely on the hub cancelling their waits.
    """
    hub = EventHub(buffer=1, consumer_timeout=0.3)
    stream = hub.subscribe()
    first = anext(stream)
    done: list[int] = []
    first_gave_up = anyio.Event()

    async def publish(n: int) -> None:
        await hub.publish(item(n))
        done.append(n)
        if n == 2:
            first_gave_up.set()

    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(hub.publish, item(0))
            await first
            await hub.publish(item(1))  # fills the buffer
            tg.start_soon(publish, 2)
            await anyio.sleep(0.1)  # the others start waiting later, so time out later
            tg.start_soon(publish, 3)
            tg.start_soon(publish, 4)
            await first_gave_up.wait()
            await anyio.wait_all_tasks_blocked()
            # Had they waited for their own deadlines, 3 and 4 would still be blocked here.
            assert sorted(done) == [2, 3, 4]
    await stream.aclose()


async def test_a_slow_but_live_consumer_is_never_dropped() -> None:
    """A consumer that takes an item now and then, well within the bound, gets everything."""
    hub = EventHub(buffer=1, consumer_timeout=1.0)
    got: list[FleetEvent] = []

    async def consume() -> None:
        async for x in hub.subscribe():
            got.append(x)
            await anyio.sleep(0.02)

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(consume)
            await anyio.wait_all_tasks_blocked()
            for n in range(20):
                await hub.publish(item(n))
            hub.close()
    assert refs(got) == refs([item(n) for n in range(20)])


async def test_without_a_timeout_a_full_buffer_waits_for_as_long_as_it_takes() -> None:
    """consumer_timeout=None keeps the old contract: publishers wait for the consumer."""
    hub = EventHub(buffer=1, consumer_timeout=None)
    stream = hub.subscribe()
    first = anext(stream)
    async with anyio.create_task_group() as tg:
        tg.start_soon(hub.publish, item(0))
        await first
        await hub.publish(item(1))
        with anyio.move_on_after(0.3) as waited:
            await hub.publish(item(2))
    assert waited.cancelled_caught  # still waiting after 0.3 s
    assert (await anext(stream)).ref == item(1).ref  # and the consumer was kept
    await stream.aclose()


async def _drain(stream: AsyncIterator[FleetEvent], into: list[FleetEvent]) -> None:
    async for x in stream:
        into.append(x)
