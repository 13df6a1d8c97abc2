"""Following up between sessions (issue 6): what changed in a working group since a moment
("What changed since last week": new and matched cards, decisions, action items done and
overdue, knowledge pages published), the action items due soon whose owners are to be
reminded (once), and whom the digest goes to and with what.

Nobody is flooded: a reminder goes once per action item, to the person named for it, or else
to the people of the owning organisation who attended the session it came from; the digest goes
at the frequency each person chose (daily, weekly, or never), only with what changed in the
groups of their organisation, and not at all when nothing did.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import matching
from server.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    Attendance,
    Card,
    Decision,
    DigestFrequency,
    GroupMember,
    KnowledgePage,
    Meeting,
    Organisation,
    OrganisationStatus,
    PageStatus,
    Person,
    Series,
    WorkingGroup,
)

OPEN = (ActionItemStatus.open, ActionItemStatus.in_progress)
REMIND_DAYS = 2  # a reminder goes this many days before the due date
PERIODS = {DigestFrequency.daily: timedelta(days=1), DigestFrequency.weekly: timedelta(days=7)}


@dataclass
class Changes:
    """What changed in one group since a moment."""

    group: WorkingGroup
    new_cards: list[Card] = field(default_factory=list)
    matched: list[tuple[Card, Card]] = field(default_factory=list)
    decisions: list[tuple[Decision, Meeting]] = field(default_factory=list)
    done: list[tuple[ActionItem, Meeting]] = field(default_factory=list)
    overdue: list[tuple[ActionItem, Meeting]] = field(default_factory=list)
    pages: list[KnowledgePage] = field(default_factory=list)  # published since, e.g. summaries

    def __bool__(self) -> bool:
        return bool(
            self.new_cards
            or self.matched
            or self.decisions
            or self.done
            or self.overdue
            or self.pages
        )


async def what_changed(
    session: AsyncSession, group: WorkingGroup, since: datetime, today: date
) -> Changes:
    changes = Changes(group)
    changes.new_cards = list(
        await session.scalars(
            select(Card)
            .where(Card.group_id == group.id, Card.created_at >= since)
            .options(selectinload(Card.organisation))
            .order_by(Card.created_at)
        )
    )
    changes.matched = await matching.matches_on_board(session, group.id, since)
    of_group = (
        select(AgendaItem.id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Series, Series.id == Meeting.series_id)
        .where(Series.group_id == group.id)
    )
    decisions = await session.execute(
        select(Decision, Meeting)
        .join(AgendaItem, AgendaItem.id == Decision.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Decision.item_id.in_(of_group), Decision.created_at >= since)
        .order_by(Decision.created_at)
    )
    changes.decisions = [(d, m) for d, m in decisions]
    actions = await session.execute(
        select(ActionItem, Meeting)
        .join(AgendaItem, AgendaItem.id == ActionItem.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            ActionItem.item_id.in_(of_group),
            or_(
                (ActionItem.status == ActionItemStatus.done) & (ActionItem.updated_at >= since),
                ActionItem.status.in_(OPEN) & (ActionItem.due_on < today),
            ),
        )
        .options(selectinload(ActionItem.owner), selectinload(ActionItem.owner_organisation))
        .order_by(ActionItem.due_on.asc().nulls_last(), ActionItem.id)
    )
    for action, meeting in actions:
        bucket = changes.done if action.status is ActionItemStatus.done else changes.overdue
        bucket.append((action, meeting))
    changes.pages = list(
        await session.scalars(
            select(KnowledgePage)
            .where(
                KnowledgePage.group_id == group.id,
                KnowledgePage.status == PageStatus.published,
                KnowledgePage.published_at >= since,
            )
            .order_by(KnowledgePage.published_at)
        )
    )
    return changes


# --- reminders --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reminder:
    action: ActionItem
    meeting: Meeting
    recipients: list[Person]


async def due_for_reminder(session: AsyncSession, today: date) -> list[int]:
    """The open action items due within REMIND_DAYS whose owners were not reminded yet."""
    return list(
        await session.scalars(
            select(ActionItem.id)
            .where(
                ActionItem.status.in_(OPEN),
                ActionItem.due_on.is_not(None),
                ActionItem.due_on >= today,
                ActionItem.due_on <= today + timedelta(days=REMIND_DAYS),
                ActionItem.reminded_at.is_(None),
            )
            .order_by(ActionItem.id)
        )
    )


async def claim_reminder(session: AsyncSession, action_id: int, today: date) -> Reminder | None:
    """Mark one action item's owners reminded (the caller commits once the mail went out) and
    say whom to remind; None when reminded already or no longer due soon and open."""
    claimed = await session.scalar(
        update(ActionItem)
        .where(
            ActionItem.id == action_id,
            ActionItem.status.in_(OPEN),
            ActionItem.due_on >= today,
            ActionItem.due_on <= today + timedelta(days=REMIND_DAYS),
            ActionItem.reminded_at.is_(None),
        )
        .values(reminded_at=func.now())
        .returning(ActionItem.id)
    )
    if claimed is None:
        return None
    action, meeting = (
        await session.execute(
            select(ActionItem, Meeting)
            .join(AgendaItem, AgendaItem.id == ActionItem.item_id)
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(ActionItem.id == action_id)
            .execution_options(populate_existing=True)
        )
    ).one()
    return Reminder(action, meeting, await _owners(session, action, meeting))


async def _owners(session: AsyncSession, action: ActionItem, meeting: Meeting) -> list[Person]:
    reachable = (
        Person.removed_at.is_(None),
        Person.email.is_not(None),
        Person.awaiting_approval.is_(False),
        Person.due_reminders.is_(True),
    )
    if action.owner_person_id is not None:
        return list(
            await session.scalars(
                select(Person).where(Person.id == action.owner_person_id, *reachable)
            )
        )
    if action.owner_organisation_id is None:
        return []
    return list(
        await session.scalars(
            select(Person)
            .join(Attendance, Attendance.person_id == Person.id)
            .where(
                Attendance.meeting_id == meeting.id,
                Person.organisation_id == action.owner_organisation_id,
                *reachable,
            )
            .order_by(Person.id)
        )
    )


# --- the digest -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Digest:
    person: Person
    since: datetime
    changes: list[Changes]  # only groups where something changed
    open_tasks: int


async def due_digests(session: AsyncSession, now: datetime) -> list[Person]:
    """People whose digest is due: daily or weekly as they chose, the last one that long ago
    (or never sent), of member organisations, reachable by e-mail."""
    due = []
    people = await session.scalars(
        select(Person)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(
            Person.digest != DigestFrequency.none,
            Person.removed_at.is_(None),
            Person.awaiting_approval.is_(False),
            Person.email.is_not(None),
            Organisation.status == OrganisationStatus.member,
        )
        .order_by(Person.id)
    )
    for person in people:
        period = PERIODS[person.digest]
        # A little slack, so that a job running a few minutes earlier than last time still
        # counts the period as over.
        if person.digest_sent_at is None or person.digest_sent_at <= now - period + timedelta(
            hours=1
        ):
            due.append(person)
    return due


async def claim_digest(
    session: AsyncSession, person_id: int, now: datetime, today: date
) -> Digest | None:
    """What changed for one person since their last digest (or one period), marked sent (the
    caller commits once the mail went out); None when not due (any more) or nothing changed
    (then it is marked too, so the next one covers from now)."""
    person = await session.scalar(select(Person).where(Person.id == person_id).with_for_update())
    if person is None or person.digest is DigestFrequency.none or person.email is None:
        return None
    period = PERIODS[person.digest]
    since = person.digest_sent_at or now - period
    if since > now - period + timedelta(hours=1):
        return None
    person.digest_sent_at = now
    groups = await session.scalars(
        select(WorkingGroup)
        .join(GroupMember, GroupMember.group_id == WorkingGroup.id)
        .where(GroupMember.organisation_id == person.organisation_id)
        .order_by(WorkingGroup.name)
    )
    changes = [c for g in groups if (c := await what_changed(session, g, since, today))]
    open_tasks = await session.scalar(
        select(func.count(ActionItem.id)).where(
            ActionItem.status.in_(OPEN),
            or_(
                ActionItem.owner_person_id == person.id,
                ActionItem.owner_organisation_id == person.organisation_id,
            ),
        )
    )
    await session.flush()
    if not changes and not open_tasks:
        return None
    return Digest(person, since, changes, open_tasks or 0)
