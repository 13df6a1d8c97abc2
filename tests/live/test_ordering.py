"""Events reach subscribers in outbox order even when they are published out of order."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from server.live import Hub, LiveEvent
from server.live.backends import MemoryBackend, RedisBackend
from server.live.ordering import HOLD_SECONDS


def _event(event_id: int, channel: str = "group:1") -> LiveEvent:
    return LiveEvent(event_id, channel, "members", {"de": f"<p>{event_id}</p>"})


@pytest.fixture(params=["memory", "redis"])
async def hub(request: pytest.FixtureRequest, redis_url: str) -> AsyncIterator[Hub]:
    client = None
    if request.param == "redis":
        client = Redis.from_url(redis_url)
        backend: MemoryBackend | RedisBackend = RedisBackend(client)
    else:
        backend = MemoryBackend()
    hub = Hub(backend, queue_size=64)
    await hub.start()
    yield hub
    await hub.stop()
    if client is not None:
        await client.aclose()


async def _receive(hub: Hub, publish: list[int], count: int) -> tuple[list[int], float]:
    async with hub.subscribe(["group:1"]) as subscription:
        started = time.monotonic()
        for event_id in publish:
            await hub.publish(_event(event_id))
        received = []
        for _ in range(count):
            event = await asyncio.wait_for(subscription.get(), 5)
            assert event is not None
            received.append(event.id)
        return received, time.monotonic() - started


async def test_an_event_that_overtook_an_earlier_one_waits_for_it(hub: Hub) -> None:
    received, _ = await _receive(hub, [1, 3, 2, 4], 4)
    assert received == [1, 2, 3, 4]


async def test_events_of_other_channels_keep_the_sequence_moving(hub: Hub) -> None:
    async with hub.subscribe(["group:1"]) as subscription:
        started = time.monotonic()
        await hub.publish(_event(1))
        await hub.publish(_event(2, "group:2"))
        await hub.publish(_event(3))
        first = await asyncio.wait_for(subscription.get(), 5)
        second = await asyncio.wait_for(subscription.get(), 5)
        elapsed = time.monotonic() - started
    assert (first and first.id, second and second.id) == (1, 3)
    assert elapsed < HOLD_SECONDS  # no gap in the global sequence: nothing waited


async def test_a_gap_that_never_fills_is_given_up_after_the_hold(hub: Hub) -> None:
    received, elapsed = await _receive(hub, [1, 3], 2)
    assert received == [1, 3]
    assert elapsed >= HOLD_SECONDS


async def test_a_late_event_is_still_delivered(hub: Hub) -> None:
    async with hub.subscribe(["group:1"]) as subscription:
        for event_id in (1, 3):
            await hub.publish(_event(event_id))
        ids = [getattr(await asyncio.wait_for(subscription.get(), 5), "id", None) for _ in "ab"]
        await hub.publish(_event(2))
        late = await asyncio.wait_for(subscription.get(), 5)
    assert ids == [1, 3]
    assert late is not None and late.id == 2
