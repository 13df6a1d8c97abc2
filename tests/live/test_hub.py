"""The live hub with both backends: in memory, and through the real Redis of the tests."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from redis.asyncio import Redis

from server.live import Hub, LiveEvent, Subscription
from server.live.backends import MemoryBackend, RedisBackend, redis_prefix

QUEUE_SIZE = 4
EVENTS = 20


def event(number: int, channel: str) -> LiveEvent:
    return LiveEvent(
        number, channel, "members", {"de": f"<p>Nr. {number}</p>", "en": f"<p>No. {number}</p>"}
    )


@pytest.fixture
def channel() -> str:
    """A channel of its own per test: pub/sub in Redis ignores the database number."""
    return f"group:{uuid.uuid4().int % 10**9}"


@asynccontextmanager
async def running_hub(
    kind: str, redis_url: str, queue_size: int, retry_seconds: float = 0.05
) -> AsyncIterator[Hub]:
    if kind == "memory":
        hub = Hub(MemoryBackend(), queue_size=queue_size)
        await hub.start()
        try:
            yield hub
        finally:
            await hub.stop()
        return
    name = f"hub-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(redis_url, client_name=name)
    hub = Hub(RedisBackend(redis, retry_seconds=retry_seconds), queue_size=queue_size)
    await hub.start()
    try:
        yield hub
    finally:
        await hub.stop()
        await redis.aclose()


async def eventually(condition: Callable[[], bool], within: float = 5) -> None:
    for _ in range(int(within / 0.005)):
        if condition():
            return
        await asyncio.sleep(0.005)
    raise AssertionError("condition not met in time")


async def next_event(subscription: Subscription, within: float = 5) -> LiveEvent | None:
    return await asyncio.wait_for(subscription.get(), within)


@pytest.mark.parametrize("kind", ["memory", "redis"])
async def test_a_subscriber_that_does_not_read_is_dropped_while_others_receive_all(
    kind: str, redis_url: str, channel: str
) -> None:
    async with (
        running_hub(kind, redis_url, QUEUE_SIZE) as hub,
        hub.subscribe([channel]) as slow,
        hub.subscribe([channel]) as reader,
        hub.subscribe([channel + "0"]) as elsewhere,
    ):
        assert hub.subscriber_count(channel) == 2
        received: list[LiveEvent] = []

        async def read() -> None:
            while (item := await reader.get()) is not None:
                received.append(item)

        async def until_received(count: int) -> None:
            await eventually(lambda: len(received) == count)

        reading = asyncio.create_task(read())
        try:
            for number in range(1, EVENTS + 1):
                await hub.publish(event(number, channel))
                # The reader keeps pace; once it has an event, so has every subscriber.
                await until_received(number)
                if number <= QUEUE_SIZE:
                    assert (slow.dropped, slow.pending()) == (False, number)
                else:  # overflowed: emptied, and only the end marker stays
                    assert (slow.dropped, slow.pending()) == (True, 1)
        finally:
            reading.cancel()
            with pytest.raises(asyncio.CancelledError):
                await reading

        assert [item.id for item in received] == list(range(1, EVENTS + 1))
        assert received[4] == event(5, channel)
        assert (reader.dropped, reader.pending()) == (False, 0)
        assert await next_event(slow, within=1) is None
        assert (elsewhere.dropped, elsewhere.pending()) == (False, 0)
    assert hub.subscriber_count(channel) == 0


async def pubsub_client_ids(admin: Redis, name: str) -> list[int]:
    """Ids of the named connections that are in pub/sub mode."""
    clients = await admin.client_list(_type="pubsub")
    return [int(client["id"]) for client in clients if client["name"] == name]


async def test_losing_redis_drops_local_streams_and_the_hub_recovers(
    redis_url: str, channel: str
) -> None:
    name = f"hub-{uuid.uuid4().hex[:8]}"
    redis = Redis.from_url(redis_url, client_name=name)
    admin = Redis.from_url(redis_url)
    # A longer retry leaves time to act while the hub is cut off.
    hub = Hub(RedisBackend(redis, retry_seconds=0.5), queue_size=16)
    await hub.start()
    try:
        (connection,) = await pubsub_client_ids(admin, name)
        async with hub.subscribe([channel]) as one, hub.subscribe([channel]) as two:
            await hub.publish(event(1, channel))
            assert await next_event(one) == event(1, channel)
            assert await next_event(two) == event(1, channel)

            assert await admin.client_kill_filter(_id=str(connection)) == 1
            # Events may have been missed: every local stream ends, so browsers replay.
            assert await next_event(one) is None
            assert await next_event(two) is None

            # A stream that begins while the hub is still cut off cannot get what is
            # published meanwhile: it must be ended as well once the hub is back.
            async with hub.subscribe([channel]) as meanwhile:
                await hub.publish(event(2, channel))  # nobody is listening in Redis
                ids: list[int] = []
                async with asyncio.timeout(5):
                    while not ids:
                        ids = await pubsub_client_ids(admin, name)
                        await asyncio.sleep(0.02)
                assert ids != [connection]
                assert await next_event(meanwhile) is None

        async with hub.subscribe([channel]) as after:
            await hub.publish(event(3, channel))
            assert await next_event(after) == event(3, channel)
            await hub.publish(event(4, channel))
            assert await next_event(after) == event(4, channel)
            assert (after.dropped, after.pending()) == (False, 0)
    finally:
        await hub.stop()
        await redis.aclose()
        await admin.aclose()


async def test_hubs_on_different_databases_of_one_redis_do_not_hear_each_other(
    redis_url: str, channel: str
) -> None:
    other_url = redis_url.rsplit("/", 1)[0] + "/" + str(int(redis_url.rsplit("/", 1)[1]) + 1)
    async with (
        running_hub("redis", redis_url, 16) as hub,
        running_hub("redis", other_url, 16) as other,
        hub.subscribe([channel]) as mine,
        other.subscribe([channel]) as theirs,
    ):
        await other.publish(event(1, channel))
        assert await next_event(theirs) == event(1, channel)
        await hub.publish(event(2, channel))
        assert await next_event(mine) == event(2, channel)  # not the other database's event
        await asyncio.sleep(0.2)
        assert (mine.pending(), theirs.pending()) == (0, 0)


async def test_a_malformed_message_in_redis_does_not_stop_the_hub(
    redis_url: str, channel: str
) -> None:
    admin = Redis.from_url(redis_url)
    try:
        async with running_hub("redis", redis_url, 16) as hub, hub.subscribe([channel]) as one:
            prefix = redis_prefix(admin)
            await admin.publish(prefix + channel, "not json")
            await admin.publish(prefix + channel, json.dumps({"id": 1}))
            await hub.publish(event(2, channel))
            assert await next_event(one) == event(2, channel)
            assert (one.dropped, one.pending()) == (False, 0)
    finally:
        await admin.aclose()
