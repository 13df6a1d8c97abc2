"""Small builders for test data, written through the models (no shortcuts around the rules)."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.actors import Actor
from server.models import (
    FederalLevel,
    FieldOfAction,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
    WorkingGroup,
)


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


async def field_of_action(session: AsyncSession, name: str | None = None) -> FieldOfAction:
    name = name or unique("Feld")
    field = FieldOfAction(slug=name.lower().replace(" ", "-"), name=name)
    session.add(field)
    await session.flush()
    return field


async def organisation(
    session: AsyncSession,
    name: str | None = None,
    kind: OrganisationKind = OrganisationKind.association,
    level: FederalLevel = FederalLevel.kommune,
    region: str = "Leipzig",
    status: OrganisationStatus = OrganisationStatus.member,
    **extra: object,
) -> Organisation:
    organisation = Organisation(
        name=name or unique("Verein"),
        kind=kind,
        federal_level=level,
        region=region,
        status=status,
        **extra,
    )
    session.add(organisation)
    await session.flush()
    return organisation


async def working_group(session: AsyncSession, field: FieldOfAction | None = None) -> WorkingGroup:
    field = field or await field_of_action(session)
    name = unique("AG")
    group = WorkingGroup(slug=name.lower().replace(" ", "-"), name=name, field=field)
    session.add(group)
    await session.flush()
    return group


async def person(session: AsyncSession, organisation_id: int, **extra: object) -> Person:
    person = Person(name=unique("Person"), organisation_id=organisation_id, **extra)
    session.add(person)
    await session.flush()
    return person


def actor_of(person: Person, *, moderates: tuple[int, ...] = ()) -> Actor:
    return Actor(
        person_id=person.id,
        organisation_id=person.organisation_id,
        name=person.name,
        is_alliance_admin=person.is_alliance_admin,
        is_organisation_admin=person.is_organisation_admin,
        moderated_group_ids=frozenset(moderates),
    )
