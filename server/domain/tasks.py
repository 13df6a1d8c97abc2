""" "My tasks": the action items a person follows up, from every working group's sessions: the
ones their organisation owns and the ones named for them, open and in progress first (by due
date, the overdue marked), then what was done or dropped in the last weeks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import rights
from server.domain.actors import Actor
from server.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    Meeting,
    Series,
    WorkingGroup,
)

OPEN = (ActionItemStatus.open, ActionItemStatus.in_progress)
RECENT_DAYS = 28


@dataclass(frozen=True, slots=True)
class Task:
    action: ActionItem
    item: AgendaItem
    meeting: Meeting
    group: WorkingGroup | None

    def overdue(self, today: date) -> bool:
        due = self.action.due_on
        return self.action.status in OPEN and due is not None and due < today


@dataclass(frozen=True, slots=True)
class Tasks:
    open: list[Task]
    finished: list[Task]


async def my_tasks(session: AsyncSession, actor: Actor, now: datetime) -> Tasks:
    rights.require_member(actor)
    rows = await session.execute(
        select(ActionItem, AgendaItem, Meeting)
        .join(AgendaItem, AgendaItem.id == ActionItem.item_id)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(
            or_(
                ActionItem.owner_person_id == actor.person_id,
                ActionItem.owner_organisation_id == actor.organisation_id,
            ),
            or_(
                ActionItem.status.in_(OPEN),
                ActionItem.updated_at >= now - timedelta(days=RECENT_DAYS),
            ),
        )
        .options(
            selectinload(ActionItem.owner),
            selectinload(ActionItem.owner_organisation),
            selectinload(Meeting.series).selectinload(Series.group),
        )
        .order_by(ActionItem.due_on.asc().nulls_last(), ActionItem.id)
    )
    found = [Task(action, item, meeting, meeting.series.group) for action, item, meeting in rows]
    return Tasks(
        [t for t in found if t.action.status in OPEN],
        [t for t in found if t.action.status not in OPEN],
    )
