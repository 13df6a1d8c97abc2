"""Events handed on in id order, even when processes publish them out of order.

Outbox ids are given out in commit order (the outbox lock in `server/uow.py`), but two web
processes publish after their commits independently, so id 12 can reach Redis before id 11.
A browser that received 12 and then reconnected would ask for what came after 12 and never see
11. The sequencer lets an event that overtook an earlier id wait briefly for it; an id that has
not come by then (its transaction rolled back, or its publish failed) is given up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from server.live.events import LiveEvent

HOLD_SECONDS = 0.2


class Sequencer:
    def __init__(
        self, deliver: Callable[[LiveEvent], None], hold_seconds: float = HOLD_SECONDS
    ) -> None:
        self._deliver = deliver
        self._hold_seconds = hold_seconds
        self._last: int | None = None
        self._waiting: dict[int, LiveEvent] = {}
        self._timer: asyncio.TimerHandle | None = None

    def push(self, event: LiveEvent) -> None:
        if self._last is None or event.id <= self._last + 1:
            # The first event seen, the next one, or a late one: better late than never.
            self._emit(event)
            self._drain()
            return
        self._waiting[event.id] = event
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._hold_seconds, self._give_up)

    def reset(self) -> None:
        """Forget the position (after the backend lost events: every stream replays anyway)."""
        self._cancel_timer()
        self._waiting.clear()
        self._last = None

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def _emit(self, event: LiveEvent) -> None:
        self._deliver(event)
        if self._last is None or event.id > self._last:
            self._last = event.id

    def _drain(self) -> None:
        while self._last is not None and self._last + 1 in self._waiting:
            self._emit(self._waiting.pop(self._last + 1))
        if not self._waiting:
            self._cancel_timer()

    def _give_up(self) -> None:
        self._timer = None
        for event_id in sorted(self._waiting):
            self._emit(self._waiting.pop(event_id))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
