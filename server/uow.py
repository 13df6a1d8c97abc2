"""The unit of work: one transaction, its outbox events, and what happens after commit.

A route or job opens one, calls domain functions with `uow.session`, records the live events
of the change with `emit` (rows in the same transaction) and the jobs it needs with `enqueue`.
Only after the commit succeeded are the events published on the live hub and the jobs
enqueued; on any error everything is rolled back and nothing is announced.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from arq.connections import ArqRedis
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from server.live import Hub, LiveEvent
from server.models import Event

log = logging.getLogger(__name__)

# Outbox writers take this transaction-scoped lock, so event ids are handed out in commit
# order: a reader that has seen id N has seen every committed event below N.
OUTBOX_LOCK = 0x4B4E5054


@dataclass
class _Job:
    function: str
    args: tuple[Any, ...]
    job_id: str | None


@dataclass
class UnitOfWork:
    sessionmaker: async_sessionmaker[AsyncSession]
    hub: Hub | None = None
    jobs: ArqRedis | None = None
    _events: list[LiveEvent] = field(default_factory=list)
    _jobs: list[_Job] = field(default_factory=list)
    _session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            raise RuntimeError("the unit of work is not open")
        return self._session

    async def __aenter__(self) -> UnitOfWork:
        self._session = self.sessionmaker()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if exc_type is None:
                await session.commit()
            else:
                await session.rollback()
        finally:
            await session.close()
            self._session = None
        if exc_type is None:
            await self._after_commit()
        self._events.clear()
        self._jobs.clear()

    async def emit(self, channel: str, name: str, data: dict[str, str]) -> LiveEvent:
        """Record a live event in the outbox; it is published once the transaction commits."""
        session = self.session
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": OUTBOX_LOCK})
        row = Event(channel=channel, name=name, data=data)
        session.add(row)
        await session.flush()
        event = LiveEvent(row.id, channel, name, data)
        self._events.append(event)
        return event

    def enqueue(self, function: str, *args: Any, job_id: str | None = None) -> None:
        """Queue a background job to be enqueued after the commit."""
        self._jobs.append(_Job(function, args, job_id))

    async def _after_commit(self) -> None:
        # The change is saved; failing to announce it must not turn it into an error.
        for event in self._events:
            if self.hub is None:
                continue
            try:
                await self.hub.publish(event)
            except Exception:
                log.exception("could not publish live event %s", event.id)
        for job in self._jobs:
            if self.jobs is None:
                log.warning("no job queue: %s not enqueued", job.function)
                continue
            try:
                await self.jobs.enqueue_job(job.function, *job.args, _job_id=job.job_id)
            except Exception:
                log.exception("could not enqueue job %s", job.function)
