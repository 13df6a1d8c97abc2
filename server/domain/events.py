"""Reading the outbox: what a reconnecting page missed, and where a fresh page starts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Event

REPLAY_LIMIT = 2000


async def events_after(
    session: AsyncSession, channels: Sequence[str], after: int, limit: int = REPLAY_LIMIT
) -> list[Event]:
    """Events of the channels with an id above `after`, oldest first."""
    result = await session.scalars(
        select(Event)
        .where(Event.channel.in_(channels), Event.id > after)
        .order_by(Event.id)
        .limit(limit)
    )
    return list(result)


async def latest_event_id(session: AsyncSession) -> int:
    """The newest event id: a page rendered now has seen everything up to it."""
    return await session.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0
