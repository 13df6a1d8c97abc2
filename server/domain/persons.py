"""People of member organisations: who is acting, from a signed-in session."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain.actors import Actor
from server.models import GroupModerator, OrganisationStatus, Person


async def actor_for(session: AsyncSession, person_id: int) -> Actor | None:
    """The actor a signed-in person is, or None when the person or their organisation's
    membership is gone (removed, or the organisation left the alliance)."""
    person = await session.get(Person, person_id, options=[selectinload(Person.organisation)])
    if person is None or person.organisation.status != OrganisationStatus.member:
        return None
    moderated = await session.scalars(
        select(GroupModerator.group_id).where(GroupModerator.person_id == person.id)
    )
    return Actor(
        person_id=person.id,
        organisation_id=person.organisation_id,
        name=person.name,
        is_alliance_admin=person.is_alliance_admin,
        is_organisation_admin=person.is_organisation_admin,
        moderated_group_ids=frozenset(moderated),
    )
