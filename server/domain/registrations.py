"""Answers to a session's invitation: each person comes or not (and may change it); the
moderators see who comes, by organisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import meeting_access
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.domain.meetings import OPEN
from server.models import Meeting, Organisation, Person, Registration


async def register(
    session: AsyncSession, actor: Actor, meeting_id: int, attending: str | None
) -> Registration:
    """The actor's answer to the invitation (`yes` or `no`); answering again changes it."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    if attending not in ("yes", "no"):
        raise Invalid({"attending": Message(N_("Please choose one of the offered values."))})
    if meeting.status not in OPEN:
        raise Conflict(N_("This session is over; answers are closed."))
    assert actor.person_id is not None and actor.organisation_id is not None
    values = {
        "meeting_id": meeting.id,
        "person_id": actor.person_id,
        "organisation_id": actor.organisation_id,
        "attending": attending == "yes",
    }
    await session.execute(
        insert(Registration)
        .values(**values)
        .on_conflict_do_update(
            index_elements=[Registration.meeting_id, Registration.person_id],
            set_={"attending": values["attending"], "answered_at": datetime.now(UTC)},
        )
    )
    registration = await session.get(
        Registration, (meeting.id, actor.person_id), populate_existing=True
    )
    assert registration is not None
    return registration


async def my_registration(session: AsyncSession, actor: Actor, meeting: Meeting) -> bool | None:
    """Whether the actor said they come (None: not answered)."""
    if actor.person_id is None:
        return None
    registration = await session.get(Registration, (meeting.id, actor.person_id))
    return registration.attending if registration is not None else None


@dataclass
class OrganisationAnswers:
    name: str
    coming: list[str] = field(default_factory=list)
    not_coming: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Answers:
    """Who comes, by organisation (names for the moderators only), and the counts."""

    coming: int
    not_coming: int
    organisations: list[OrganisationAnswers]


async def answers(session: AsyncSession, actor: Actor, meeting: Meeting) -> Answers:
    rows = await session.execute(
        select(Organisation.name, Person.name, Person.removed_at, Registration.attending)
        .join(Organisation, Organisation.id == Registration.organisation_id)
        .join(Person, Person.id == Registration.person_id)
        .where(Registration.meeting_id == meeting.id)
        .order_by(Organisation.name, Person.name)
    )
    by_name: dict[str, OrganisationAnswers] = {}
    coming = not_coming = 0
    for organisation, person, removed_at, attending in rows:
        entry = by_name.setdefault(organisation, OrganisationAnswers(organisation))
        shown = person if removed_at is None else "–"
        if attending:
            coming += 1
            entry.coming.append(shown)
        else:
            not_coming += 1
            entry.not_coming.append(shown)
    names_shown = meeting_access.may_run(actor, meeting.series)
    return Answers(coming, not_coming, list(by_name.values()) if names_shown else [])
