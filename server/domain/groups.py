"""Fields of action and their working groups; organisations joining a group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, rights
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, Message, NotFound
from server.models import (
    FieldOfAction,
    GroupMember,
    GroupModerator,
    Organisation,
    OrganisationStatus,
    Person,
    WorkingGroup,
)


@dataclass(frozen=True)
class GroupSummary:
    group: WorkingGroup
    member_count: int


@dataclass(frozen=True)
class FieldOverview:
    field: FieldOfAction
    groups: list[GroupSummary]


async def list_fields(session: AsyncSession) -> list[FieldOfAction]:
    return list(await session.scalars(select(FieldOfAction).order_by(FieldOfAction.position)))


async def overview(session: AsyncSession, actor: Actor) -> list[FieldOverview]:
    """Every field of action with its working groups and how many organisations are in each."""
    rights.require_member(actor)
    rows = await session.execute(
        select(GroupMember.group_id, func.count()).group_by(GroupMember.group_id)
    )
    counts: dict[int, int] = {group_id: count for group_id, count in rows}
    fields = await session.scalars(
        select(FieldOfAction)
        .options(selectinload(FieldOfAction.working_groups))
        .order_by(FieldOfAction.position, FieldOfAction.name)
    )
    return [
        FieldOverview(
            field=field,
            groups=[GroupSummary(group, counts.get(group.id, 0)) for group in field.working_groups],
        )
        for field in fields
    ]


async def my_groups(session: AsyncSession, actor: Actor) -> list[WorkingGroup]:
    """The groups the actor moderates or their organisation is a member of."""
    rights.require_member(actor)
    mine = select(GroupMember.group_id).where(GroupMember.organisation_id == actor.organisation_id)
    result = await session.scalars(
        select(WorkingGroup)
        .where(WorkingGroup.id.in_(mine) | WorkingGroup.id.in_(actor.moderated_group_ids))
        .options(selectinload(WorkingGroup.field))
        .order_by(WorkingGroup.name)
    )
    return list(result)


async def get_group(session: AsyncSession, actor: Actor, slug: str) -> WorkingGroup:
    rights.require_member(actor)
    return await _load_group(session, slug)


async def _load_group(session: AsyncSession, slug: str) -> WorkingGroup:
    group = await session.scalar(
        select(WorkingGroup)
        .where(WorkingGroup.slug == slug)
        .options(
            selectinload(WorkingGroup.field),
            selectinload(WorkingGroup.organisations),
            selectinload(WorkingGroup.moderators).selectinload(Person.organisation),
        )
        .execution_options(populate_existing=True)
    )
    if group is None:
        raise NotFound()
    return group


async def get_group_by_id(session: AsyncSession, group_id: int) -> WorkingGroup:
    slug = await session.scalar(select(WorkingGroup.slug).where(WorkingGroup.id == group_id))
    if slug is None:
        raise NotFound()
    return await _load_group(session, slug)


async def groups_of(session: AsyncSession, organisation_id: int) -> list[WorkingGroup]:
    result = await session.scalars(
        select(WorkingGroup)
        .join(GroupMember, GroupMember.group_id == WorkingGroup.id)
        .where(GroupMember.organisation_id == organisation_id)
        .options(selectinload(WorkingGroup.field))
        .order_by(WorkingGroup.name)
    )
    return list(result)


async def joinable_organisations(
    session: AsyncSession, actor: Actor, group: WorkingGroup
) -> list[Organisation]:
    """Member organisations outside the group that the actor may add to it."""
    if actor.is_anonymous:
        return []
    inside = select(GroupMember.organisation_id).where(GroupMember.group_id == group.id)
    query = select(Organisation).where(
        Organisation.status == OrganisationStatus.member, Organisation.id.not_in(inside)
    )
    if not rights.may_add_any_organisation_to(actor, group.id):
        query = query.where(Organisation.id == actor.organisation_id)
    return list(await session.scalars(query.order_by(Organisation.name)))


async def join_group(
    session: AsyncSession, actor: Actor, group: WorkingGroup, organisation_id: int | None
) -> GroupMember:
    """Make an organisation a member of the working group: only organisations with member
    status can join, each only once, and only by someone who may add it (see `rights`)."""
    rights.require_member(actor)
    organisation = await session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None or organisation.status != OrganisationStatus.member:
        raise Invalid({"organisation_id": Message(N_("Please choose a member organisation."))})
    rights.require_may_add_to_group(actor, group.id, organisation.id)
    existing = await session.get(GroupMember, (group.id, organisation.id))
    if existing is not None:
        raise Invalid(
            {
                "organisation_id": Message(
                    N_("%(name)s is already a member of this working group."),
                    {"name": organisation.name},
                )
            }
        )
    member = GroupMember(group_id=group.id, organisation_id=organisation.id)
    session.add(member)
    await session.flush()
    return member


@dataclass(frozen=True)
class Welcome:
    """What the welcome e-mail of a new group member needs."""

    group_name: str
    group_slug: str
    organisation_name: str
    recipients: list[str]


async def claim_welcome(
    session: AsyncSession, group_id: int, organisation_id: int
) -> Welcome | None:
    """Lock a membership whose welcome is still due and mark it sent; None when already done.

    The caller sends the e-mail before committing, so a failed send rolls the mark back and a
    retried job sends it once more; a repeated job after success sends nothing.
    """
    member = await session.scalar(
        select(GroupMember)
        .where(GroupMember.group_id == group_id, GroupMember.organisation_id == organisation_id)
        .options(selectinload(GroupMember.organisation))
        .with_for_update()
    )
    if member is None or member.welcomed_at is not None:
        return None
    group = await get_group_by_id(session, group_id)
    recipients = [member.organisation.contact_email] if member.organisation.contact_email else []
    recipients += [m.email for m in group.moderators if m.email and m.email not in recipients]
    member.welcomed_at = datetime.now(UTC)
    await session.flush()
    return Welcome(group.name, group.slug, member.organisation.name, recipients)


async def moderator_candidates(
    session: AsyncSession, actor: Actor, group: WorkingGroup
) -> list[Person]:
    """People of the group's organisations who could moderate it (for alliance admins)."""
    if not actor.is_alliance_admin:
        return []
    members = select(GroupMember.organisation_id).where(GroupMember.group_id == group.id)
    moderators = select(GroupModerator.person_id).where(GroupModerator.group_id == group.id)
    result = await session.scalars(
        select(Person)
        .where(
            Person.organisation_id.in_(members),
            Person.id.not_in(moderators),
            Person.removed_at.is_(None),
        )
        .options(selectinload(Person.organisation))
        .order_by(Person.name)
    )
    return list(result)


async def add_moderator(
    session: AsyncSession, actor: Actor, group: WorkingGroup, person_id: int | None
) -> Person:
    """Make a person of one of the group's organisations a moderator of the group."""
    rights.require_alliance_admin(actor)
    candidates = {p.id: p for p in await moderator_candidates(session, actor, group)}
    person = candidates.get(person_id) if person_id is not None else None
    if person is None:
        raise Invalid(
            {
                "person_id": Message(
                    N_("Please choose a person of one of the group's organisations.")
                )
            }
        )
    session.add(GroupModerator(group_id=group.id, person_id=person.id))
    await session.flush()
    await audit.record(
        session, "role.moderator.granted", actor.person_id, group_id=group.id, person_id=person.id
    )
    return person


async def remove_moderator(
    session: AsyncSession, actor: Actor, group: WorkingGroup, person_id: int
) -> None:
    rights.require_alliance_admin(actor)
    link = await session.get(GroupModerator, (group.id, person_id))
    if link is None:
        raise NotFound()
    await session.delete(link)
    await session.flush()
    await audit.record(
        session, "role.moderator.revoked", actor.person_id, group_id=group.id, person_id=person_id
    )
