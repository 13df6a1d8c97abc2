"""People of member organisations: who is acting, and what is kept about them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import selectinload

from server import i18n
from server.domain import audit, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, NotAllowed, NotFound
from server.models import (
    AuditEntry,
    DigestFrequency,
    GroupModerator,
    Organisation,
    OrganisationStatus,
    Person,
    WorkingGroup,
)

ACTIVITY_LIMIT = 500


async def actor_for(session: AsyncSession | AsyncConnection, person_id: int) -> Actor | None:
    """The actor a signed-in person is, or None when the person or their organisation's
    membership is gone (removed, or the organisation left the alliance). One statement of
    plain columns (no entity is built): it runs for every request of a signed-in person."""
    moderated = (
        select(func.array_agg(GroupModerator.group_id))
        .where(GroupModerator.person_id == Person.id)
        .scalar_subquery()
    )
    row = (
        await session.execute(
            select(
                Person.id,
                Person.organisation_id,
                Person.name,
                Person.is_alliance_admin,
                Person.is_organisation_admin,
                Person.awaiting_approval,
                Person.fund_committee,
                moderated,
            )
            .join(Person.organisation)
            .where(
                Person.id == person_id,
                Person.removed_at.is_(None),
                Organisation.status == OrganisationStatus.member,
            )
        )
    ).first()
    if row is None:
        return None
    person_id, organisation_id, name, alliance_admin, organisation_admin, waiting, fund, ids = row
    return Actor(
        person_id=person_id,
        organisation_id=organisation_id,
        name=name,
        is_alliance_admin=alliance_admin,
        is_organisation_admin=organisation_admin,
        is_approved=not waiting,
        is_fund_committee=fund,
        moderated_group_ids=frozenset(ids or ()),
    )


@dataclass(frozen=True)
class Profile:
    """Everything Knotenpunkt keeps about one person, for them to see and take away."""

    person: Person
    moderated_groups: list[WorkingGroup]
    activity: list[AuditEntry]


async def get_profile(session: AsyncSession, actor: Actor) -> Profile:
    rights.require_signed_in(actor)  # waiting for approval, one still sees one's own data
    person = await session.get(Person, actor.person_id, options=[selectinload(Person.organisation)])
    if person is None:
        raise NotFound()
    groups = await session.scalars(
        select(WorkingGroup)
        .join(GroupModerator, GroupModerator.group_id == WorkingGroup.id)
        .where(GroupModerator.person_id == person.id)
        .order_by(WorkingGroup.name)
    )
    activity = await session.scalars(
        select(AuditEntry)
        .where(AuditEntry.actor_id == person.id)
        .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        .limit(ACTIVITY_LIMIT)
    )
    return Profile(person, list(groups), list(activity))


def export_profile(profile: Profile) -> dict[str, Any]:
    """The profile as plain data (the JSON download)."""
    person = profile.person
    return {
        "person": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "identity": {"issuer": person.issuer, "subject": person.subject},
            "created_at": person.created_at.isoformat(),
            "notifications": {
                "digest": person.digest.value,
                "due_reminders": person.due_reminders,
                "language": person.locale,
            },
            "roles": {
                "alliance_admin": person.is_alliance_admin,
                "organisation_admin": person.is_organisation_admin,
                "moderator_of": [group.name for group in profile.moderated_groups],
            },
        },
        "organisation": {
            "id": person.organisation.id,
            "name": person.organisation.name,
        },
        "activity": [
            {"at": entry.at.isoformat(), "action": entry.action, "details": entry.details}
            for entry in profile.activity
        ],
    }


async def list_people(session: AsyncSession, actor: Actor, organisation_id: int) -> list[Person]:
    """The people of an organisation, for those who manage them."""
    rights.require_may_manage_people_of(actor, organisation_id)
    result = await session.scalars(
        select(Person)
        .where(Person.organisation_id == organisation_id, Person.removed_at.is_(None))
        .order_by(Person.awaiting_approval.desc(), Person.name, Person.id)
    )
    return list(result)


async def approve_person(session: AsyncSession, actor: Actor, person_id: int) -> Person:
    """Let a person who came in by a first sign-in take part."""
    person = await session.get(Person, person_id, with_for_update=True)
    if person is None or person.removed_at is not None:
        raise NotFound()
    rights.require_may_manage_people_of(actor, person.organisation_id)
    if person.awaiting_approval:
        person.awaiting_approval = False
        await audit.record(
            session,
            "person.approved",
            actor.person_id,
            person_id=person.id,
            organisation_id=person.organisation_id,
        )
    return person


async def remove_person(session: AsyncSession, actor: Actor, person_id: int) -> Person:
    """Remove a person: what they wrote stays, but no longer says who they were.

    Their identity (so they can no longer sign in), name, e-mail and roles are erased; the row
    stays so that the history pointing at it keeps its shape.
    """
    person = await session.get(Person, person_id, with_for_update=True)
    if person is None or person.removed_at is not None:
        raise NotFound()
    rights.require_may_manage_people_of(actor, person.organisation_id)
    if person.id == actor.person_id:
        raise NotAllowed(N_("You cannot remove yourself; please ask another admin."))
    await session.execute(delete(GroupModerator).where(GroupModerator.person_id == person.id))
    person.name = ""
    person.email = None
    person.issuer = None
    person.subject = None
    person.is_alliance_admin = False
    person.is_organisation_admin = False
    person.removed_at = datetime.now(UTC)
    await audit.record(
        session,
        "person.removed",
        actor.person_id,
        person_id=person.id,
        organisation_id=person.organisation_id,
    )
    return person


async def set_organisation_admin(
    session: AsyncSession, actor: Actor, person_id: int, value: bool
) -> Person:
    """Make a person an admin of their organisation, or no longer."""
    person = await session.get(Person, person_id, with_for_update=True)
    if person is None or person.removed_at is not None:
        raise NotFound()
    rights.require_may_manage_people_of(actor, person.organisation_id)
    if person.id == actor.person_id and not value:
        raise NotAllowed(N_("You cannot remove your own admin role; please ask another admin."))
    if person.is_organisation_admin != value:
        person.is_organisation_admin = value
        await audit.record(
            session,
            "role.organisation_admin." + ("granted" if value else "revoked"),
            actor.person_id,
            person_id=person.id,
            organisation_id=person.organisation_id,
        )
    return person


async def set_fund_committee(
    session: AsyncSession, actor: Actor, person_id: int, value: bool
) -> Person:
    """Name a person to the alliance fund's committee, or no longer (alliance admins)."""
    rights.require_alliance_admin(actor)
    person = await session.get(Person, person_id, with_for_update=True)
    if person is None or person.removed_at is not None:
        raise NotFound()
    if person.fund_committee != value:
        person.fund_committee = value
        await audit.record(
            session,
            "role.fund_committee." + ("granted" if value else "revoked"),
            actor.person_id,
            person_id=person.id,
            organisation_id=person.organisation_id,
        )
    return person


async def set_notifications(session: AsyncSession, actor: Actor, form: Mapping[str, str]) -> Person:
    """What the person wants sent: the digest (daily, weekly or never), reminders of their
    action items' due dates (yes or no), and in which language."""
    rights.require_signed_in(actor)
    person = await session.get(Person, actor.person_id, with_for_update=True)
    if person is None:
        raise NotFound()
    errors = validation.Errors()
    digest = validation.choice(errors, "digest", form.get("digest"), DigestFrequency)
    reminders = form.get("due_reminders", "no")
    if reminders not in ("yes", "no"):
        errors.add("due_reminders", N_("Please choose one of the offered values."))
    locale = (form.get("locale") or "").strip()
    if locale and locale not in i18n.LOCALES:
        errors.add("locale", N_("Please choose one of the offered values."))
    if errors or digest is None:
        raise Invalid(errors)
    person.digest = digest
    person.due_reminders = reminders == "yes"
    person.locale = locale or None
    await session.flush()
    return person
