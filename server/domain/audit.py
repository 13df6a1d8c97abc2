"""The audit log: sign-ins, role changes, approvals and removals, for the admins to read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import rights
from server.domain.actors import Actor
from server.models import AuditEntry

PAGE_SIZE = 200


async def record(session: AsyncSession, action: str, actor_id: int | None, **details: Any) -> None:
    """Add an entry in the transaction of the change it describes."""
    session.add(AuditEntry(action=action, actor_id=actor_id, details=details))
    await session.flush()


async def list_entries(
    session: AsyncSession, actor: Actor, before: int | None = None
) -> list[AuditEntry]:
    """The newest entries (older than the entry id `before`, for paging); admins only."""
    rights.require_alliance_admin(actor)
    query = select(AuditEntry).options(selectinload(AuditEntry.actor))
    if before is not None:
        query = query.where(AuditEntry.id < before)
    result = await session.scalars(query.order_by(AuditEntry.id.desc()).limit(PAGE_SIZE))
    return list(result)
