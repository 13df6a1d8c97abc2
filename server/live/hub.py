"""Publish and subscribe, with a bounded inbox per subscriber.

A subscriber that does not keep up is dropped rather than buffered forever: its stream ends,
the browser reconnects with `Last-Event-ID` and replays what it missed from the outbox.

Built for thousands of idle streams per process: an inbox is a deque and at most one waiting
future (no timer of its own), and one keep-alive task per hub asks the streams that have been
quiet for `ping_seconds` to send a ping (a proxy would otherwise close them), instead of a
timer per stream.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from typing import Protocol

from server.live.events import LiveEvent
from server.live.ordering import Sequencer
from server.live.shutdown import server_is_closing

log = logging.getLogger(__name__)

PING_SECONDS = 15.0
TICK_SECONDS = 1.0


class Subscription:
    """A bounded inbox for one stream; `dropped` once it overflowed or the hub lost events."""

    __slots__ = (
        "_ended",
        "_events",
        "_maxsize",
        "_ping",
        "_waiter",
        "channels",
        "dropped",
        "quiet_since",
    )

    def __init__(self, channels: Iterable[str], maxsize: int) -> None:
        self.channels = frozenset(channels)
        self._maxsize = maxsize
        self._events: deque[LiveEvent] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._ping = False
        self._ended = False  # the reader has seen the end
        self.dropped = False
        self.quiet_since = time.monotonic()  # when the stream last sent something

    def offer(self, event: LiveEvent) -> None:
        if self.dropped:
            return
        if len(self._events) >= self._maxsize:
            self.drop()
            return
        self._events.append(event)
        self._wake()

    def drop(self) -> None:
        """End the stream: nothing more is queued and the reader sees the end at once."""
        if self.dropped:
            return
        self.dropped = True
        self._events.clear()
        self._wake()

    def ping(self) -> None:
        """Ask the reader of `batch()` to send a ping (an empty batch)."""
        self._ping = True
        self._wake()

    async def get(self) -> LiveEvent | None:
        """The next event; None once the subscription was dropped."""
        while not self._events and not self.dropped:
            await self._wait()
        if self.dropped:
            self._ended = True
            return None
        return self._events.popleft()

    async def batch(self) -> list[LiveEvent] | None:
        """Every event queued by now, at least one, or none when a ping is due; None once the
        subscription was dropped. A stream sends a batch in one write."""
        while not self._events and not self.dropped and not self._ping:
            await self._wait()
        if self.dropped:
            self._ended = True
            return None
        self._ping = False
        self.quiet_since = time.monotonic()
        events = list(self._events)
        self._events.clear()
        return events

    def pending(self) -> int:
        """What the reader has yet to take, the end of a dropped subscription included."""
        return len(self._events) + (self.dropped and not self._ended)

    async def _wait(self) -> None:
        self._waiter = asyncio.get_running_loop().create_future()
        try:
            await self._waiter
        finally:
            self._waiter = None

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)


class Backend(Protocol):
    async def start(self, deliver: DeliverFn, lost: LostFn) -> None: ...
    async def publish(self, event: LiveEvent) -> None: ...
    async def stop(self) -> None: ...


class DeliverFn(Protocol):
    def __call__(self, event: LiveEvent) -> None: ...


class LostFn(Protocol):
    def __call__(self) -> None: ...


class Hub:
    """`closing`: asked once a tick whether the server is shutting down; then every stream
    ends (the server waits for open responses before it stops)."""

    def __init__(
        self,
        backend: Backend,
        queue_size: int = 256,
        *,
        ping_seconds: float = PING_SECONDS,
        closing: Callable[[], bool] | None = server_is_closing,
    ) -> None:
        self._backend = backend
        self._queue_size = queue_size
        self._ping_seconds = ping_seconds
        self._closing = closing
        self._subscribers: dict[str, set[Subscription]] = {}
        self._all: set[Subscription] = set()
        self._sequencer = Sequencer(self._fan_out)
        self._ticker: asyncio.Task[None] | None = None

    async def start(self) -> None:
        raise_open_files_limit()
        await self._backend.start(self._sequencer.push, self._lost)
        self._ticker = asyncio.create_task(self._tick(), name="live-hub-keepalive")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            with suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        await self._backend.stop()
        self._lost()

    async def publish(self, event: LiveEvent) -> None:
        await self._backend.publish(event)

    @asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[Subscription]:
        subscription = Subscription(channels, self._queue_size)
        for channel in subscription.channels:
            self._subscribers.setdefault(channel, set()).add(subscription)
        self._all.add(subscription)
        try:
            yield subscription
        finally:
            self._all.discard(subscription)
            for channel in subscription.channels:
                subscribers = self._subscribers.get(channel)
                if subscribers is not None:
                    subscribers.discard(subscription)
                    if not subscribers:
                        del self._subscribers[channel]

    def subscriber_count(self, channel: str) -> int:
        return len(self._subscribers.get(channel, ()))

    def _fan_out(self, event: LiveEvent) -> None:
        for subscription in list(self._subscribers.get(event.channel, ())):
            subscription.offer(event)

    def _lost(self) -> None:
        """The backend may have missed events: every stream ends and replays on reconnect."""
        self._sequencer.reset()
        for subscription in list(self._all):
            subscription.drop()

    async def _tick(self) -> None:
        """Once a second: a ping for the streams quiet for `ping_seconds`; every stream ends
        once the server is closing."""
        while True:
            await asyncio.sleep(min(TICK_SECONDS, self._ping_seconds))
            try:
                if self._closing is not None and self._closing():
                    for subscription in list(self._all):
                        subscription.drop()
                    continue
                due = time.monotonic() - self._ping_seconds
                for subscription in self._all:
                    if subscription.quiet_since <= due:
                        subscription.ping()
            except Exception:  # the keep-alive must outlive any surprise
                log.exception("live hub: keep-alive tick failed")


def raise_open_files_limit() -> None:
    """Every open stream holds a socket: a process following thousands of pages needs as
    many descriptors, more than the usual soft limit of 1024 (up to the hard limit)."""
    with suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        wanted = 65536 if hard == resource.RLIM_INFINITY else hard
        if soft != resource.RLIM_INFINITY and soft < wanted:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
