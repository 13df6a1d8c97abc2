"""A working group's state contacts: people of a municipality or state agency who answer the
group's questions for an authority, listed by federal level (Bund, Land, Kommune).

The group's moderators and the alliance admins add and remove them. A contact's organisation
need not be in the group: the contacts see the group's state page and the questions addressed
to them all the same. Everybody else who sees it are the group's participants, as on its board
(see `rights.may_use_board`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, Message, NotAllowed, NotFound
from server.models import (
    FederalLevel,
    GroupMember,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
    StateContact,
    WorkingGroup,
)
from server.models.state_contacts import AUTHORITY_MAX, TOPICS_MAX

LEVELS = (FederalLevel.bund, FederalLevel.land, FederalLevel.kommune)
STATE_KINDS = (OrganisationKind.state_agency, OrganisationKind.municipality)


class NoStateAccess(NotAllowed):
    message = N_(
        "The state contacts of a working group are for its organisations and its state contacts."
    )


def may_manage_contacts(actor: Actor, group_id: int) -> bool:
    return not actor.is_anonymous and (actor.is_alliance_admin or actor.moderates(group_id))


async def own_contact(session: AsyncSession, actor: Actor, group_id: int) -> StateContact | None:
    """The actor's active contact row in the group, if they are one of its state contacts."""
    if actor.person_id is None:
        return None
    return await session.scalar(
        select(StateContact).where(
            StateContact.group_id == group_id,
            StateContact.person_id == actor.person_id,
            StateContact.removed_at.is_(None),
        )
    )


@dataclass(frozen=True, slots=True)
class StateAccess:
    """Why the actor sees a group's state page: as one of its state contacts (`own`, their
    contact row) and/or as a participant of the group (its organisations, moderators, the
    alliance admins)."""

    own: StateContact | None
    participant: bool


async def require_state_access(session: AsyncSession, actor: Actor, group_id: int) -> StateAccess:
    """Refuse anyone but the group's participants and its state contacts."""
    rights.require_member(actor)
    own = await own_contact(session, actor, group_id)
    members = await session.scalars(
        select(GroupMember.organisation_id).where(GroupMember.group_id == group_id)
    )
    participant = rights.may_use_board(actor, group_id, set(members))
    if own is None and not participant:
        raise NoStateAccess()
    return StateAccess(own, participant)


async def list_contacts(session: AsyncSession, group_id: int) -> list[StateContact]:
    """The group's active contacts with their person and organisation, by level and name."""
    result = await session.scalars(
        select(StateContact)
        .join(Person, Person.id == StateContact.person_id)
        .where(StateContact.group_id == group_id, StateContact.removed_at.is_(None))
        .options(selectinload(StateContact.person).selectinload(Person.organisation))
        .order_by(StateContact.level, Person.name, StateContact.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


def by_level(contacts: Sequence[StateContact]) -> list[tuple[FederalLevel, list[StateContact]]]:
    """Bund, Land, Kommune: each level with its contacts (possibly none)."""
    return [(level, [c for c in contacts if c.level is level]) for level in LEVELS]


async def candidates(session: AsyncSession, actor: Actor, group: WorkingGroup) -> list[Person]:
    """People of member organisations of kind state agency or municipality who are not yet
    contacts of the group (for those who may add them)."""
    if not may_manage_contacts(actor, group.id):
        return []
    active = select(StateContact.person_id).where(
        StateContact.group_id == group.id, StateContact.removed_at.is_(None)
    )
    result = await session.scalars(
        select(Person)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(
            Organisation.kind.in_(STATE_KINDS),
            Organisation.status == OrganisationStatus.member,
            Person.removed_at.is_(None),
            Person.awaiting_approval.is_(False),
            Person.id.not_in(active),
        )
        .options(selectinload(Person.organisation))
        .order_by(Organisation.name, Person.name)
        .execution_options(populate_existing=True)
    )
    return list(result)


@dataclass(frozen=True, slots=True)
class ContactForm:
    person_id: int
    level: FederalLevel
    authority: str
    topics: str


def parse_contact(form: Mapping[str, str]) -> ContactForm:
    """Person, level (Bund, Land or Kommune) and authority are required; all errors at once."""
    errors = validation.Errors()
    raw_person = form.get("person_id") or ""
    if not (raw_person.isascii() and raw_person.isdigit() and len(raw_person) <= 9):
        errors.add("person_id", N_("Please choose a person of a state agency or municipality."))
    level = None
    if form.get("level") in {level.value for level in LEVELS}:
        level = FederalLevel(form["level"])
    else:
        errors.add("level", N_("Please choose the federal level: Bund, Land or Kommune."))
    authority = validation.text(
        errors, "authority", form.get("authority"), max_length=AUTHORITY_MAX, required=True
    )
    topics = validation.text(errors, "topics", form.get("topics"), max_length=TOPICS_MAX)
    if errors or level is None:
        raise Invalid(errors)
    return ContactForm(int(raw_person), level, authority, topics)


async def add_contact(
    session: AsyncSession, actor: Actor, group: WorkingGroup, form: Mapping[str, str]
) -> StateContact:
    """Make a person of a state agency or municipality a state contact of the group; a person
    removed before comes back with what the form says now."""
    rights.require_member(actor)
    if not may_manage_contacts(actor, group.id):
        raise NotAllowed(
            N_("Only the group's moderators and the alliance admins manage its state contacts.")
        )
    data = parse_contact(form)
    eligible = {p.id: p for p in await candidates(session, actor, group)}
    person = eligible.get(data.person_id)
    if person is None:
        raise Invalid(
            {
                "person_id": Message(
                    N_(
                        "Please choose a person of a state agency or municipality who is not "
                        "a state contact of this group yet."
                    )
                )
            }
        )
    contact = await session.scalar(
        select(StateContact)
        .where(StateContact.group_id == group.id, StateContact.person_id == person.id)
        .with_for_update()
    )
    if contact is None:
        contact = StateContact(group_id=group.id, person_id=person.id)
        session.add(contact)
    contact.level = data.level
    contact.authority = data.authority
    contact.topics = data.topics
    contact.added_by = actor.person_id
    contact.removed_at = None
    await session.flush()
    await audit.record(
        session,
        "state_contact.added",
        actor.person_id,
        group_id=group.id,
        person_id=person.id,
        level=data.level.value,
        authority=data.authority,
    )
    return contact


async def remove_contact(
    session: AsyncSession, actor: Actor, group: WorkingGroup, contact_id: int
) -> StateContact:
    """End a contact's role in the group; their questions and answers stay."""
    rights.require_member(actor)
    if not may_manage_contacts(actor, group.id):
        raise NotAllowed(
            N_("Only the group's moderators and the alliance admins manage its state contacts.")
        )
    contact = await session.scalar(
        select(StateContact)
        .where(StateContact.id == contact_id, StateContact.group_id == group.id)
        .with_for_update()
    )
    if contact is None or contact.removed_at is not None:
        raise NotFound(N_("This state contact does not exist (any more)."))
    contact.removed_at = datetime.now(UTC)
    await session.flush()
    await audit.record(
        session,
        "state_contact.removed",
        actor.person_id,
        group_id=group.id,
        person_id=contact.person_id,
    )
    return contact


async def contact_groups(session: AsyncSession, actor: Actor) -> list[WorkingGroup]:
    """The groups in which the actor is an active state contact."""
    if actor.person_id is None:
        return []
    result = await session.scalars(
        select(WorkingGroup)
        .join(StateContact, StateContact.group_id == WorkingGroup.id)
        .where(StateContact.person_id == actor.person_id, StateContact.removed_at.is_(None))
        .order_by(WorkingGroup.name)
    )
    return list(result)
