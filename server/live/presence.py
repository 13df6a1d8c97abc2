"""Who is present in a live session: every open session page holds a live stream, and every
stream of a session's channel counts its person as present while it is open.

Presence is kept in Redis, so that every web process sees the whole session:

- `…:{meeting}` is a sorted set of open streams (`person:organisation:stream`), each scored by
  the time it expires: a stream of a process that died without saying goodbye drops out after
  `ttl` seconds. The owning process refreshes its streams every `refresh` seconds, in one
  pipeline for all of them.
- `…:{meeting}:first`, `…:last` and `…:org` remember, per person, when they were first and
  last seen and for which organisation: attendance is recorded from them when the session is
  closed (`domain.meeting_close`).

The keys expire two days after the last change (personal data only as long as needed).
Opening and closing a stream costs no round trip: arrivals and departures are queued, and one
writer task per process writes them in one pipeline (a thousand people arriving at once are a
few pipelines, not a thousand connections to Redis). A change of who is present is announced
through `on_change`, at most once per `delay` seconds per session (longer when the process
holds thousands of streams, see `announce_delay`), so a crowd arriving makes one announcement,
not a hundred.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from server.domain.meeting_close import Seen

log = logging.getLogger(__name__)

PREFIX = "knotenpunkt:presence:"
KEEP_SECONDS = 2 * 24 * 3600
STREAMS_PER_SECOND = 1000  # announcements slow down beyond this many streams per process
STREAMS_DELAY_MAX = 15.0

OnChange = Callable[[int], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class _Stream:
    meeting_id: int
    person_id: int
    organisation_id: int
    member: str


def _key(meeting_id: int, part: str = "") -> str:
    return f"{PREFIX}{meeting_id}{':' + part if part else ''}"


def _at(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class Presence:
    def __init__(
        self,
        redis: Redis,
        on_change: OnChange | None = None,
        *,
        ttl: float = 60,
        refresh: float = 20,
        delay: float = 1.0,
    ) -> None:
        self._redis = redis
        self._on_change = on_change
        self._ttl = ttl
        self._refresh = refresh
        self._delay = delay
        self._streams: set[_Stream] = set()
        self._arrived: set[_Stream] = set()
        self._left: set[_Stream] = set()
        self._wake = asyncio.Event()
        self._pending: set[int] = set()
        self._announcing: set[asyncio.Task[None]] = set()
        self._writer: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._writer = asyncio.create_task(self._write_forever(), name="presence-writer")

    async def stop(self) -> None:
        """Stop writing and announcing, after writing what is queued (once more)."""
        if self._writer is not None:
            self._writer.cancel()
            with suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
            with suppress(RedisError, OSError):
                await self._flush(refresh=False)
        announcing, self._announcing = list(self._announcing), set()
        for task in announcing:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    @asynccontextmanager
    async def present(
        self, meeting_ids: Iterable[int], person_id: int | None, organisation_id: int | None
    ) -> AsyncIterator[None]:
        """The person counts as present in these sessions while the block runs."""
        if person_id is None or organisation_id is None:
            yield
            return
        token = uuid.uuid4().hex[:12]
        member = f"{person_id}:{organisation_id}:{token}"
        streams = {_Stream(m, person_id, organisation_id, member) for m in meeting_ids}
        self._streams |= streams
        self._arrived |= streams
        self._wake.set()
        try:
            yield
        finally:
            self._streams -= streams
            # Left before it was even written: nothing to undo.
            gone = streams - self._arrived
            self._arrived -= streams
            self._left |= gone
            self._wake.set()

    async def present_now(self, meeting_id: int) -> dict[int, int]:
        """Everyone present now: person id -> organisation id."""
        members = await self._redis.zrangebyscore(_key(meeting_id), time.time(), "+inf")
        present: dict[int, int] = {}
        for member in members:
            person, organisation, _ = member.decode().split(":")
            present[int(person)] = int(organisation)
        return present

    async def seen(self, meeting_id: int) -> list[Seen]:
        """Everyone seen in the session so far; those present now were last seen now."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.hgetall(_key(meeting_id, "first"))
            pipe.hgetall(_key(meeting_id, "last"))
            pipe.hgetall(_key(meeting_id, "org"))
            first, last, organisations = await pipe.execute()
        now = time.time()
        present = await self.present_now(meeting_id)
        seen = []
        for raw_person, raw_first in first.items():
            person = int(raw_person)
            organisation = present.get(person) or int(organisations.get(raw_person, 0))
            if not organisation:
                continue
            until = now if person in present else float(last.get(raw_person, raw_first))
            seen.append(Seen(person, organisation, _at(float(raw_first)), _at(until)))
        return sorted(seen, key=lambda s: s.person_id)

    async def forget(self, meeting_id: int) -> None:
        """Drop what is kept of a session's presence (once its attendance is recorded)."""
        await self._redis.delete(
            *(_key(meeting_id, part) for part in ("first", "last", "org")), _key(meeting_id)
        )

    async def _write_forever(self) -> None:
        next_refresh = time.monotonic() + self._refresh
        while True:
            with suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, next_refresh - time.monotonic())):
                    await self._wake.wait()
            refresh = time.monotonic() >= next_refresh
            if refresh:
                next_refresh = time.monotonic() + self._refresh
            try:
                await self._flush(refresh=refresh)
            except (RedisError, OSError) as exc:
                log.warning("presence: could not write to Redis (%s); retrying", exc)
                await asyncio.sleep(1)

    async def _flush(self, *, refresh: bool) -> None:
        """Write arrivals and departures (and, to `refresh`, every open stream) in one go."""
        self._wake.clear()
        arrived, self._arrived = self._arrived, set()
        left, self._left = self._left, set()
        renewed = set(self._streams) if refresh else arrived
        if not (renewed or left):
            return
        now = time.time()
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for stream in renewed:
                    pipe.zadd(_key(stream.meeting_id), {stream.member: now + self._ttl})
                    pipe.hset(_key(stream.meeting_id, "last"), str(stream.person_id), repr(now))
                for stream in arrived:
                    person = str(stream.person_id)
                    pipe.hsetnx(_key(stream.meeting_id, "first"), person, repr(now))
                    pipe.hset(_key(stream.meeting_id, "org"), person, str(stream.organisation_id))
                for stream in left:
                    pipe.zrem(_key(stream.meeting_id), stream.member)
                    pipe.hset(_key(stream.meeting_id, "last"), str(stream.person_id), repr(now))
                for meeting_id in {s.meeting_id for s in renewed | left}:
                    for part in ("", "first", "last", "org"):
                        pipe.expire(_key(meeting_id, part), KEEP_SECONDS)
                    # Streams that expired (their process died) go, so the set stays small.
                    pipe.zremrangebyscore(_key(meeting_id), "-inf", now)
                await pipe.execute()
        except BaseException:
            # Not written: keep them for the next try (unless they have gone meanwhile).
            self._arrived |= arrived & self._streams
            self._left |= left
            raise
        self._changed({s.meeting_id for s in arrived | left})

    def _changed(self, meeting_ids: set[int]) -> None:
        if self._on_change is None:
            return
        for meeting_id in meeting_ids - self._pending:
            self._pending.add(meeting_id)
            task = asyncio.ensure_future(self._announce_later(meeting_id))
            self._announcing.add(task)
            task.add_done_callback(self._announcing.discard)

    def announce_delay(self) -> float:
        """Seconds between announcements: `delay`, longer the more streams this process holds
        (each announcement is a write to every stream of the session: with ten thousand open
        pages, once a second would be all the process does), at most STREAMS_DELAY_MAX."""
        streams = len({s.member for s in self._streams})
        return min(max(self._delay, streams / STREAMS_PER_SECOND), STREAMS_DELAY_MAX)

    async def _announce_later(self, meeting_id: int) -> None:
        await asyncio.sleep(self.announce_delay())
        self._pending.discard(meeting_id)
        assert self._on_change is not None
        try:
            await self._on_change(meeting_id)
        except Exception:
            log.exception("presence: could not announce session %s", meeting_id)
