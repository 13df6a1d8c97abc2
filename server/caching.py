"""A small in-process cache with a size bound and an age limit, for what many requests read
alike and a key tells apart reliably (see the board listing in `routes/boards.py`)."""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TimedCache(Generic[K, V]):
    """Keeps at most `size` values, none longer than `max_age` seconds (so that a change the
    key cannot see, e.g. one written outside the app, shows within that time)."""

    def __init__(
        self, size: int, max_age: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._size = size
        self._max_age = max_age
        self._clock = clock
        self._values: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def get(self, key: K) -> V | None:
        found = self._values.get(key)
        if found is None:
            return None
        stored, value = found
        if self._clock() - stored > self._max_age:
            del self._values[key]
            return None
        self._values.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        self._values[key] = (self._clock(), value)
        self._values.move_to_end(key)
        while len(self._values) > self._size:
            self._values.popitem(last=False)

    def __len__(self) -> int:
        return len(self._values)
