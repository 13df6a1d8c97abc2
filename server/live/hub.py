"""Publish and subscribe, with a bounded queue per subscriber.

A subscriber that does not keep up is dropped rather than buffered forever: its stream ends,
the browser reconnects with `Last-Event-ID` and replays what it missed from the outbox.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Protocol

from server.live.events import LiveEvent
from server.live.ordering import Sequencer


class Subscription:
    """A bounded inbox for one stream; `dropped` once it overflowed or the hub lost events."""

    def __init__(self, channels: Iterable[str], maxsize: int) -> None:
        self.channels = frozenset(channels)
        self._queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue(maxsize)
        self.dropped = False

    def offer(self, event: LiveEvent) -> None:
        if self.dropped:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.drop()

    def drop(self) -> None:
        """End the stream: nothing more is queued and the reader sees the end at once."""
        if self.dropped:
            return
        self.dropped = True
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None)

    async def get(self) -> LiveEvent | None:
        """The next event; None once the subscription was dropped."""
        return await self._queue.get()

    def pending(self) -> int:
        return self._queue.qsize()


class Backend(Protocol):
    async def start(self, deliver: DeliverFn, lost: LostFn) -> None: ...
    async def publish(self, event: LiveEvent) -> None: ...
    async def stop(self) -> None: ...


class DeliverFn(Protocol):
    def __call__(self, event: LiveEvent) -> None: ...


class LostFn(Protocol):
    def __call__(self) -> None: ...


class Hub:
    def __init__(self, backend: Backend, queue_size: int = 256) -> None:
        self._backend = backend
        self._queue_size = queue_size
        self._subscribers: dict[str, set[Subscription]] = {}
        self._sequencer = Sequencer(self._fan_out)

    async def start(self) -> None:
        await self._backend.start(self._sequencer.push, self._lost)

    async def stop(self) -> None:
        await self._backend.stop()
        self._lost()

    async def publish(self, event: LiveEvent) -> None:
        await self._backend.publish(event)

    @asynccontextmanager
    async def subscribe(self, channels: Iterable[str]) -> AsyncIterator[Subscription]:
        subscription = Subscription(channels, self._queue_size)
        for channel in subscription.channels:
            self._subscribers.setdefault(channel, set()).add(subscription)
        try:
            yield subscription
        finally:
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
        for subscriptions in list(self._subscribers.values()):
            for subscription in list(subscriptions):
                subscription.drop()
