"""Where published events travel: within one process, or across processes through Redis."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.live.hub import DeliverFn, LiveEvent, LostFn

log = logging.getLogger(__name__)

REDIS_PREFIX = "knotenpunkt:live:"


def redis_prefix(redis: Redis) -> str:
    """The pub/sub channel prefix of the app using this Redis database. Pub/sub ignores the
    database number, so two apps on one Redis server (staging and production, or test runs
    side by side) each on a database of their own would otherwise hear each other's events."""
    database = redis.connection_pool.connection_kwargs.get("db", 0)
    return f"{REDIS_PREFIX}{database}:"


class MemoryBackend:
    """One process: a published event goes straight to the local subscribers."""

    def __init__(self) -> None:
        self._deliver: DeliverFn | None = None

    async def start(self, deliver: DeliverFn, lost: LostFn) -> None:
        self._deliver = deliver

    async def publish(self, event: LiveEvent) -> None:
        if self._deliver is not None:
            self._deliver(event)

    async def stop(self) -> None:
        self._deliver = None


class RedisBackend:
    """Many processes: events go through Redis pub/sub to every process's subscribers.

    If the connection to Redis breaks, events may have been missed, so every local stream is
    ended (its browser reconnects and replays from the outbox) while the reader reconnects.
    """

    def __init__(self, redis: Redis, retry_seconds: float = 0.5) -> None:
        self._redis = redis
        self.prefix = redis_prefix(redis)
        self._retry_seconds = retry_seconds
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self, deliver: DeliverFn, lost: LostFn) -> None:
        self._task = asyncio.create_task(self._read(deliver, lost), name="live-hub-redis")
        try:
            await asyncio.wait_for(self._ready.wait(), timeout=5)
        except TimeoutError:
            log.warning("live hub: Redis is not reachable yet; retrying in the background")

    async def publish(self, event: LiveEvent) -> None:
        await self._redis.publish(self.prefix + event.channel, event.to_json())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _read(self, deliver: DeliverFn, lost: LostFn) -> None:
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.psubscribe(self.prefix + "*")
                # Streams that began while no subscription was active (a reconnect, or a
                # start before Redis was reachable) missed what was published meanwhile.
                lost()
                self._ready.set()
                async for message in pubsub.listen():
                    if message["type"] == "pmessage":
                        try:
                            event = LiveEvent.from_json(message["data"])
                        except (ValueError, KeyError, TypeError):
                            # One bad message must not end the reader for good.
                            log.warning(
                                "live hub: ignoring malformed message on %s", message["channel"]
                            )
                            continue
                        deliver(event)
            except (RedisError, OSError) as exc:
                log.warning("live hub lost Redis (%s); streams will replay", exc)
                lost()
                await asyncio.sleep(self._retry_seconds)
            finally:
                with suppress(Exception):
                    await pubsub.aclose()
