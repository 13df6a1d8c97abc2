"""Shared set-up of the card tests: a group with a member, and cards of each kind."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards, groups
from server.domain.actors import Actor
from server.models import Card, FieldOfAction, WorkingGroup
from tests import factories
from tests.actors import ADMIN

TODAY = date(2026, 11, 24)
NEED = {
    "kind": "need",
    "resource_kind": "space",
    "title": "Räume für Sprachkurse gesucht",
    "description": "Zwei Räume dienstags, je 20 Personen.",
    "quantity": "2 Räume, 3 Monate",
    "region": "Leipzig",
    "urgency": "high",
}
OFFER = {
    "kind": "offer",
    "resource_kind": "space",
    "title": "Seminarraum für Sprachkurse frei",
    "description": "Unser Seminarraum ist dienstags frei, 25 Plätze.",
    "region": "Leipzig",
}
PLEDGE = {
    "kind": "pledge",
    "resource_kind": "goods",
    "title": "Transporter für Möbelspenden",
    "promise": "Wir stellen einen Transporter für 4 Samstage",
    "condition": "wenn jemand zwei Fahrer:innen findet",
    "helpers_needed": "2",
    "deadline": "2026-12-31",
}


async def group_with_member(
    session: AsyncSession, field: FieldOfAction | None = None
) -> tuple[WorkingGroup, Actor]:
    """A group, and a person of one of its organisations."""
    group = await factories.working_group(session, field)
    organisation = await factories.organisation(session)
    await groups.join_group(session, ADMIN, group, organisation.id)
    return group, factories.actor_of(await factories.person(session, organisation.id))


async def second_member(session: AsyncSession, group: WorkingGroup) -> Actor:
    """A person of another organisation of the same group."""
    organisation = await factories.organisation(session)
    await groups.join_group(session, ADMIN, group, organisation.id)
    return factories.actor_of(await factories.person(session, organisation.id))


async def quick_card(
    session: AsyncSession, actor: Actor, group: WorkingGroup, title: str, **fields: str
) -> Card:
    """A need for goods with this title (or whatever `fields` say instead)."""
    form = {"kind": "need", "resource_kind": "goods", "title": title, **fields}
    return await cards.add_card(session, actor, group, form, TODAY)
