"""Presence in a session, kept in the real Redis of the tests: two registries stand for two web
processes; a person counts while one of their streams is open, streams of a process that died
drop out after their time to live, first and last seen are kept for the attendance, and a crowd
arriving at once is announced once."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime

from redis.asyncio import Redis

from server.live.presence import Presence
from tests.live.test_hub import eventually


def a_meeting() -> int:
    """A session id of its own per test (the keys live in the shared test Redis)."""
    return 10**8 + uuid.uuid4().int % 10**8


@asynccontextmanager
async def registry(redis_url: str, **options: float) -> AsyncIterator[tuple[Presence, list[int]]]:
    redis = Redis.from_url(redis_url)
    announced: list[int] = []

    async def on_change(meeting_id: int) -> None:
        announced.append(meeting_id)

    presence = Presence(redis, on_change, **options)
    await presence.start()
    try:
        yield presence, announced
    finally:
        await presence.stop()
        await redis.aclose()


async def test_people_count_while_a_stream_is_open_on_any_process(redis_url: str) -> None:
    meeting, other = a_meeting(), a_meeting()
    async with registry(redis_url) as (one, _), registry(redis_url) as (two, _):
        async with one.present([meeting], 1, 10):
            async with two.present([meeting, other], 2, 20), two.present([meeting], 1, 10):
                await eventually_equal(lambda: one.present_now(meeting), {1: 10, 2: 20})
                assert await one.present_now(other) == {2: 20}
            # Person 1 still has a stream open on process one.
            await eventually_equal(lambda: two.present_now(meeting), {1: 10})
        await eventually_equal(lambda: one.present_now(meeting), {})
        seen = await one.seen(meeting)
        assert [(s.person_id, s.organisation_id) for s in seen] == [(1, 10), (2, 20)]
        assert all(s.first_seen <= s.last_seen <= datetime.now(UTC) for s in seen)
        await one.forget(meeting)
        assert await one.seen(meeting) == []


async def test_the_streams_of_a_process_that_died_drop_out_after_their_time(
    redis_url: str,
) -> None:
    meeting = a_meeting()
    async with (
        registry(redis_url, ttl=0.5, refresh=0.1) as (alive, _),
        registry(redis_url, ttl=0.5, refresh=60) as (dying, _),
        alive.present([meeting], 1, 10),
    ):
        departure = dying.present([meeting], 2, 20)
        await departure.__aenter__()
        await eventually_equal(lambda: alive.present_now(meeting), {1: 10, 2: 20})
        # The process dies: its stream is never closed (no departure) and never refreshed.
        await dying.stop()
        await asyncio.sleep(1.0)
        # The living process refreshes its own streams, so only person 2 is gone.
        assert await alive.present_now(meeting) == {1: 10}
        seen = {s.person_id: s for s in await alive.seen(meeting)}
        assert seen[2].last_seen < seen[1].last_seen


async def test_a_crowd_arriving_at_once_is_announced_once(redis_url: str) -> None:
    meeting = a_meeting()
    clients_before = await redis_clients(redis_url)
    async with registry(redis_url, delay=0.2) as (presence, announced):
        async with AsyncExitStack() as stack:
            for person in range(1, 101):
                await stack.enter_async_context(presence.present([meeting], person, 7))
            await eventually(lambda: len(announced) == 1)
            await asyncio.sleep(0.4)
            assert announced == [meeting]
            assert len(await presence.present_now(meeting)) == 100
            assert (await redis_clients(redis_url)) <= clients_before + 2
        await eventually(lambda: len(announced) == 2)
        assert await presence.present_now(meeting) == {}


async def test_nobody_is_counted_without_a_session_or_a_person(redis_url: str) -> None:
    meeting = a_meeting()
    async with registry(redis_url, delay=0.05) as (presence, announced):
        async with presence.present([], 1, 10), presence.present([meeting], None, None):
            assert await presence.present_now(meeting) == {}
        await asyncio.sleep(0.2)
        assert announced == []


async def eventually_equal(read: object, expected: object, within: float = 5) -> None:
    assert callable(read)
    deadline = asyncio.get_running_loop().time() + within
    while True:
        value = await read()
        if value == expected or asyncio.get_running_loop().time() > deadline:
            assert value == expected
            return
        await asyncio.sleep(0.02)


async def redis_clients(redis_url: str) -> int:
    """How many connections to this test's Redis database the server has now (other test
    workers use databases of their own)."""
    redis = Redis.from_url(redis_url)
    try:
        database = redis.connection_pool.connection_kwargs.get("db", 0)
        clients = await redis.client_list()
    finally:
        await redis.aclose()
    return sum(int(client["db"]) == database for client in clients)


async def test_announcements_slow_down_with_thousands_of_streams(redis_url: str) -> None:
    meeting = a_meeting()
    async with registry(redis_url, delay=1.0) as (presence, _):
        assert presence.announce_delay() == 1.0
        async with AsyncExitStack() as stack:
            for person in range(1, 3001):
                await stack.enter_async_context(presence.present([meeting], person, 7))
            assert presence.announce_delay() == 3.0  # one second per thousand streams
        assert presence.announce_delay() == 1.0
