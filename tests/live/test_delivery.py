"""How the hub hands events to a stream with thousands beside it: everything queued in one
batch, an event's SSE bytes encoded once per language, pings and the server's shutdown from one
task per hub, and the recheck of who may still follow asked once per person and channels."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sse_starlette import ServerSentEvent

from server.live import Hub, LiveEvent
from server.live.backends import MemoryBackend
from server.live.recheck import Recheck
from server.live.stream import Hangup

CHANNEL = "session:7"


def event(number: int) -> LiveEvent:
    return LiveEvent(
        number, CHANNEL, "board", {"de": f"<p>Nr. {number}</p>\n<p>zwei</p>", "en": "<p>No.</p>"}
    )


async def test_a_stream_gets_everything_queued_meanwhile_in_one_batch() -> None:
    hub = Hub(MemoryBackend(), queue_size=8)
    await hub.start()
    try:
        async with hub.subscribe([CHANNEL]) as subscription:
            for number in (1, 2, 3):
                await hub.publish(event(number))
            batch = await asyncio.wait_for(subscription.batch(), 1)
            assert [e.id for e in batch or ()] == [1, 2, 3]
            assert subscription.pending() == 0
            await hub.publish(event(4))
            assert [e.id for e in await asyncio.wait_for(subscription.batch(), 1) or ()] == [4]
            subscription.drop()
            assert await subscription.batch() is None
    finally:
        await hub.stop()


def test_an_event_is_encoded_once_per_language_as_sse_starlette_would() -> None:
    one = event(5)
    expected = ServerSentEvent(
        data="<p>Nr. 5</p>\n<p>zwei</p>", event="board", id="5", retry=1000
    ).encode()
    assert one.sse("de") == expected
    assert one.sse("de") is one.sse("de")
    assert b"No." in one.sse("en")
    assert one.sse("uk") == expected  # a language without a fragment gets the first one
    assert one == LiveEvent.from_json(one.to_json())  # the cache is no part of the event


async def test_quiet_streams_are_asked_for_a_ping_and_all_end_when_the_server_closes() -> None:
    closing = False
    hub = Hub(MemoryBackend(), ping_seconds=0.2, closing=lambda: closing)
    await hub.start()
    try:
        async with hub.subscribe([CHANNEL]) as quiet, hub.subscribe([CHANNEL]) as other:
            began = time.monotonic()
            assert await asyncio.wait_for(quiet.batch(), 3) == []  # a ping is due
            assert time.monotonic() - began >= 0.2
            closing = True
            assert await asyncio.wait_for(quiet.batch(), 3) is None
            assert await asyncio.wait_for(other.batch(), 3) is None
    finally:
        await hub.stop()


async def test_the_recheck_asks_once_per_key_and_ends_every_stream_of_a_refused_one() -> None:
    hub = Hub(MemoryBackend())
    await hub.start()
    asked: dict[str, int] = {"anna": 0, "ben": 0}
    allowed = {"anna": True, "ben": True}

    def check(name: str) -> Callable[[], Awaitable[bool]]:
        async def ask() -> bool:
            asked[name] += 1
            return allowed[name]

        return ask

    recheck = Recheck(0.1)
    far = time.time() + 3600
    try:
        async with (
            hub.subscribe([CHANNEL]) as anna_1,
            hub.subscribe([CHANNEL]) as anna_2,
            hub.subscribe([CHANNEL]) as ben,
            hub.subscribe([CHANNEL]) as expiring,
        ):
            with (
                recheck.watch("anna", check("anna"), anna_1, far),
                recheck.watch("anna", check("anna"), anna_2, far),
                recheck.watch("ben", check("ben"), ben, far),
                recheck.watch("ben", check("ben"), expiring, time.time() + 0.15),
            ):
                await asyncio.sleep(0.55)
                # about five rounds, each asking once for Anna's two tabs, not twice
                assert 3 <= asked["anna"] <= 6
                assert not (anna_1.dropped or anna_2.dropped or ben.dropped)
                assert expiring.dropped  # its sign-in ended: no question needed
                allowed["anna"] = False
                await asyncio.sleep(0.3)
                assert anna_1.dropped and anna_2.dropped
                assert not ben.dropped
    finally:
        await hub.stop()
    await asyncio.sleep(0.2)
    assert recheck._task is None  # nothing watched: the task ended by itself


async def test_a_client_gone_before_or_after_subscribing_ends_the_subscription() -> None:
    hub = Hub(MemoryBackend())
    await hub.start()
    try:
        early, late = Hangup(), Hangup()
        early()  # the client went while the stream was still being authorised
        async with hub.subscribe([CHANNEL]) as one, hub.subscribe([CHANNEL]) as two:
            early.watch(one)
            late.watch(two)
            assert one.dropped and not two.dropped
            late()
            assert await asyncio.wait_for(two.batch(), 1) is None
        assert hub.subscriber_count(CHANNEL) == 0
    finally:
        await hub.stop()
