"""Everything a closed session left behind, read in one go for its summary (issue 6): the
session with its group, the items it covered with their time, presenter, outcome and notes
(and the revisions the notes grew through), decisions, action items, cards raised at its items
or matched while it ran, and attendance by organisation and federal level.

Nothing from another session: every query is bounded by this session's id (its items), or for
matches by its group's board and the time it ran. A fixed number of queries, whatever the size
of the session."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import matching
from server.models import (
    ActionItem,
    AgendaItem,
    AgendaItemCard,
    AgendaItemStatus,
    Attendance,
    Card,
    Decision,
    Meeting,
    MeetingStatus,
    NoteRevision,
    Organisation,
    Series,
    WorkingGroup,
)


def discussed(item: AgendaItem) -> bool:
    """Covered (closed with its outcome), or taken up before it was deferred (time or notes)."""
    return item.status is AgendaItemStatus.covered or (
        item.status is AgendaItemStatus.deferred
        and (item.used_seconds > 0 or item.notes_version > 0)
    )


@dataclass(frozen=True, slots=True)
class Revision:
    version: int
    text: str


@dataclass
class ItemRecord:
    item: AgendaItem
    decisions: list[Decision] = field(default_factory=list)
    actions: list[ActionItem] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)  # oldest first


@dataclass(frozen=True, slots=True)
class Attended:
    organisation: str
    federal_level: str
    people: int


@dataclass(frozen=True, slots=True)
class Matched:
    need: Card
    supply: Card


@dataclass
class Record:
    meeting: Meeting
    group: WorkingGroup | None
    items: list[ItemRecord]
    deferred: list[AgendaItem]
    attendance: list[Attended]
    matches: list[Matched]
    board_slugs: dict[int, str]  # the boards of the cards named: group id -> slug

    @property
    def started_at(self) -> datetime:
        return self.meeting.started_at or self.meeting.starts_at


async def record_of(session: AsyncSession, meeting_id: int) -> Record | None:
    """The record of a closed session; None for a session that is not closed (or gone)."""
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(
            selectinload(Meeting.series).selectinload(Series.group).selectinload(WorkingGroup.field)
        )
    )
    if meeting is None or meeting.status is not MeetingStatus.closed:
        return None
    all_items = list(
        await session.scalars(
            select(AgendaItem)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.position, AgendaItem.id)
        )
    )
    covered = [item for item in all_items if discussed(item)]
    by_item = {item.id: ItemRecord(item) for item in covered}
    ids = list(by_item)
    for decision in await session.scalars(
        select(Decision).where(Decision.item_id.in_(ids)).order_by(Decision.id)
    ):
        by_item[decision.item_id].decisions.append(decision)
    for action in await session.scalars(
        select(ActionItem)
        .where(ActionItem.item_id.in_(ids))
        .options(selectinload(ActionItem.owner_organisation), selectinload(ActionItem.owner))
        .order_by(ActionItem.id)
    ):
        by_item[action.item_id].actions.append(action)
    for item_id, card in await session.execute(
        select(AgendaItemCard.item_id, Card)
        .join(Card, Card.id == AgendaItemCard.card_id)
        .where(AgendaItemCard.item_id.in_(ids))
        .order_by(Card.id)
    ):
        by_item[item_id].cards.append(card)
    revisions: dict[int, list[Revision]] = defaultdict(list)
    for item_id, version, text in await session.execute(
        select(NoteRevision.item_id, NoteRevision.version, NoteRevision.text)
        .where(NoteRevision.item_id.in_(ids))
        .order_by(NoteRevision.item_id, NoteRevision.version)
    ):
        revisions[item_id].append(Revision(version, text))
    for item_id, found in revisions.items():
        by_item[item_id].revisions = found
    group = meeting.series.group
    matches = await _matches(session, meeting, group)
    boards = {c.group_id for e in by_item.values() for c in e.cards} | {
        c.group_id for m in matches for c in (m.need, m.supply)
    }
    slugs = await session.execute(
        select(WorkingGroup.id, WorkingGroup.slug).where(WorkingGroup.id.in_(boards))
    )
    return Record(
        meeting=meeting,
        group=group,
        items=list(by_item.values()),
        deferred=[item for item in all_items if item.status is AgendaItemStatus.deferred],
        attendance=await _attendance(session, meeting.id),
        matches=matches,
        board_slugs={group_id: slug for group_id, slug in slugs},
    )


async def _attendance(session: AsyncSession, meeting_id: int) -> list[Attended]:
    rows = await session.execute(
        select(Organisation.name, Organisation.federal_level, func.count(Attendance.id))
        .join(Attendance, Attendance.organisation_id == Organisation.id)
        .where(Attendance.meeting_id == meeting_id)
        .group_by(Organisation.id)
        .order_by(Organisation.federal_level, func.lower(Organisation.name))
    )
    return [Attended(name, level.value, count) for name, level, count in rows]


async def _matches(
    session: AsyncSession, meeting: Meeting, group: WorkingGroup | None
) -> list[Matched]:
    """Matches made while the session ran that touch its group's board."""
    if group is None or meeting.started_at is None or meeting.closed_at is None:
        return []
    found = await matching.matches_on_board(
        session, group.id, meeting.started_at, meeting.closed_at
    )
    return [Matched(need, supply) for need, supply in found]
