"""The in-process cache: bounded in size and in age."""

from __future__ import annotations

from server.caching import TimedCache


def test_values_are_kept_until_too_old_or_pushed_out() -> None:
    now = [0.0]
    cache: TimedCache[str, int] = TimedCache(size=2, max_age=10, clock=lambda: now[0])
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # a is now the most recently used
    cache.put("c", 3)
    assert (cache.get("b"), cache.get("a"), cache.get("c")) == (None, 1, 3)
    now[0] = 10.5
    assert cache.get("a") is None
    assert len(cache) == 1
    cache.put("a", 4)
    assert cache.get("a") == 4
