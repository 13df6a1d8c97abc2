"""Small builders for test data, written through the models (no shortcuts around the rules)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards
from server.domain.actors import Actor
from server.models import (
    Card,
    FederalLevel,
    FieldOfAction,
    GroupMember,
    Meeting,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
    Series,
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
        is_fund_committee=person.fund_committee,
        moderated_group_ids=frozenset(moderates),
    )


async def member_of_group(
    session: AsyncSession, group: WorkingGroup, **person_extra: object
) -> tuple[Organisation, Person]:
    """A new member organisation in the group, and a person of it."""
    organisation_row = await organisation(
        session, contact_email=f"{uuid.uuid4().hex[:8]}@org.example"
    )
    session.add(GroupMember(group_id=group.id, organisation_id=organisation_row.id))
    await session.flush()
    return organisation_row, await person(session, organisation_row.id, **person_extra)


async def pledge(
    session: AsyncSession, actor: Actor, group: WorkingGroup, today: date, **fields: str
) -> Card:
    """A pledge of the actor's organisation, put on the board like a person would."""
    form = {
        "kind": "pledge",
        "resource_kind": "goods",
        "title": unique("Transporter"),
        "promise": "Wir stellen einen Transporter für 4 Samstage",
        "condition": "wenn jemand zwei Fahrer:innen findet",
        **fields,
    }
    return await cards.add_card(session, actor, group, form, today)


async def need(
    session: AsyncSession, actor: Actor, group: WorkingGroup, today: date, **fields: str
) -> Card:
    """A need of the actor's organisation on the board (`kind` may make it an offer)."""
    form = {"kind": "need", "resource_kind": "money", "title": unique("Miete"), **fields}
    return await cards.add_card(session, actor, group, form, today)


async def series(session: AsyncSession, group: WorkingGroup | None, **fields: object) -> Series:
    """A weekly series (Thursday 10:00, 90 minutes) of the group, or of the alliance."""
    row = Series(
        group_id=group.id if group is not None else None,
        title=str(fields.pop("title", unique("Wöchentlicher Austausch"))),
        weekday=int(fields.pop("weekday", 3)),  # type: ignore[call-overload]
        starts_at=fields.pop("starts_at", time(10, 0)),
        duration_minutes=int(fields.pop("duration_minutes", 90)),  # type: ignore[call-overload]
        **fields,
    )
    session.add(row)
    await session.flush()
    return row


async def meeting(session: AsyncSession, of: Series, starts: datetime | None = None) -> Meeting:
    """A planned session of the series (next week unless `starts` says when)."""
    starts = starts or datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)
    row = Meeting(
        series_id=of.id,
        title=of.title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=of.duration_minutes),
    )
    session.add(row)
    await session.flush()
    return row
