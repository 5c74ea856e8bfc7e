"""The event hub: fan-out, backpressure, dropping and closing."""

from __future__ import annotations

import anyio

from orgo_async.fleet.hub import EventHub
from orgo_async.fleet.report import FleetEvent


def item(n: int) -> FleetEvent:
    return FleetEvent(ref=f"default/t{n}@1.0.0", kind="queued")


async def test_items_without_subscriber_are_dropped() -> None:
    """Publishing with nobody subscribed neither blocks nor keeps the item."""
    hub = EventHub(buffer=1)
    for n in range(10):
        await hub.publish(item(n))
    hub.close()
    assert [x async for x in hub.subscribe()] == []


async def test_every_subscriber_gets_every_item_in_order() -> None:
    """Two subscribers each receive all items published after they subscribed, in order."""
    hub = EventHub(buffer=4)
    got: dict[str, list[str]] = {"a": [], "b": []}

    async def consume(name: str) -> None:
        async for x in hub.subscribe():
            got[name].append(x.ref)

    async with anyio.create_task_group() as tg:
        tg.start_soon(consume, "a")
        tg.start_soon(consume, "b")
        # Both consumers are parked on their first receive, so both are subscribed.
        await anyio.wait_all_tasks_blocked()
        for n in range(10):
            await hub.publish(item(n))
        hub.close()
    expected = [f"default/t{n}@1.0.0" for n in range(10)]
    assert got == {"a": expected, "b": expected}


async def test_full_buffer_makes_publisher_wait() -> None:
    """A subscriber that does not read holds the publisher back once its buffer is full."""
    hub = EventHub(buffer=2)
    stream = hub.subscribe()
    published = 0

    async def produce() -> None:
        nonlocal published
        for n in range(5):
            await hub.publish(item(n))
            published += 1

    async with anyio.create_task_group() as tg:
        # The first item is taken by the pending anext, then two fill the buffer.
        first = anext(stream)
        tg.start_soon(produce)
        assert (await first).ref == "default/t0@1.0.0"
        await anyio.wait_all_tasks_blocked()
        assert published == 3
        rest = [(await anext(stream)).ref for _ in range(4)]
        assert rest == [f"default/t{n}@1.0.0" for n in range(1, 5)]
    await stream.aclose()
    assert published == 5


async def test_closing_a_subscription_unblocks_publishers() -> None:
    """A consumer that leaves early stops receiving and no longer holds publishers back."""
    hub = EventHub(buffer=1)
    stream = hub.subscribe()
    first = anext(stream)
    with anyio.fail_after(5):
        async with anyio.create_task_group() as tg:
            tg.start_soon(hub.publish, item(0))
            await first
            await stream.aclose()
            for n in range(1, 5):
                await hub.publish(item(n))


async def test_subscribing_after_close_ends_at_once() -> None:
    """A subscription started after close yields nothing and ends."""
    hub = EventHub(buffer=1)
    hub.close()
    hub.close()
    assert hub.closed
    assert [x async for x in hub.subscribe()] == []
