"""Whether the people of a process's open streams may still follow their channels (removed,
sign-in over, no longer in the group: the stream ends, the browser reconnects and is refused).

One task per process asks once per `interval` for each person and set of channels, however
many streams (tabs) share them, and spreads the questions evenly over the interval: ten thousand
streams opened within a minute do not all ask the database at the same moment a minute later.
A stream's sign-in reaching its absolute limit is a deadline of the stream itself, checked on
the same round without the database.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Iterator
from contextlib import contextmanager

from server.live.hub import Subscription

log = logging.getLogger(__name__)

Check = Callable[[], Awaitable[bool]]


class _Watched:
    __slots__ = ("check", "streams")

    def __init__(self, check: Check) -> None:
        self.check = check
        self.streams: dict[Subscription, float] = {}  # -> the sign-in's end (time.time())


class Recheck:
    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._watched: dict[Hashable, _Watched] = {}
        self._task: asyncio.Task[None] | None = None

    @contextmanager
    def watch(
        self, key: Hashable, check: Check, subscription: Subscription, deadline: float
    ) -> Iterator[None]:
        """While the block runs, `subscription` is dropped once `check` (shared by the streams
        of the same `key`) says no, or once `deadline` passed."""
        watched = self._watched.get(key)
        if watched is None:
            watched = self._watched[key] = _Watched(check)
        watched.streams[subscription] = deadline
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="live-recheck")
        try:
            yield
        finally:
            watched.streams.pop(subscription, None)
            if not watched.streams and self._watched.get(key) is watched:
                del self._watched[key]

    async def _run(self) -> None:
        try:
            while self._watched:
                keys = list(self._watched)
                pause = self.interval / len(keys)
                for key in keys:
                    await asyncio.sleep(pause)
                    watched = self._watched.get(key)
                    if watched is not None:
                        await self._ask(watched)
        finally:
            self._task = None

    async def _ask(self, watched: _Watched) -> None:
        now = time.time()
        for subscription, deadline in list(watched.streams.items()):
            if now >= deadline:
                subscription.drop()
        if not any(not s.dropped for s in watched.streams):
            return
        try:
            allowed = await watched.check()
        except Exception:  # e.g. the database is away: ask again next round
            log.exception("live recheck failed")
            return
        if not allowed:
            for subscription in list(watched.streams):
                subscription.drop()
