"""The summary of a closed session: enqueued once when the session is closed
(`routes.meeting_close`, job id `summary:{meeting id}`, after the commit that closed it).

This is the seam issue 6 builds on: there, this job turns the closed session (its agenda with
times and outcomes, notes, decisions, action items, attendance) into a draft knowledge page,
safe to run again. Until then it checks that the session is closed and reports what a summary
would hold; it writes nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import func, select

from server.models import ActionItem, AgendaItem, Attendance, Decision, Meeting, MeetingStatus

log = logging.getLogger(__name__)


async def summarise_meeting(ctx: dict[str, Any], meeting_id: int) -> str:
    async with ctx["sessionmaker"]() as session:
        meeting = await session.get(Meeting, meeting_id)
        if meeting is None or meeting.status is not MeetingStatus.closed:
            return "not a closed session"
        items = select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id)
        counts = {
            "items": await session.scalar(select(func.count()).select_from(items.subquery())),
            "decisions": await session.scalar(
                select(func.count(Decision.id)).where(Decision.item_id.in_(items))
            ),
            "actions": await session.scalar(
                select(func.count(ActionItem.id)).where(ActionItem.item_id.in_(items))
            ),
            "attendees": await session.scalar(
                select(func.count(Attendance.id)).where(Attendance.meeting_id == meeting_id)
            ),
        }
    log.info("session %s closed: %s; its summary page comes with issue 6", meeting_id, counts)
    return (
        "closed session: {items} items, {decisions} decisions, {actions} action items, "
        "{attendees} present".format(**counts)
    )
