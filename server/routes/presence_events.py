"""Who is present in a session, as its page shows it: the organisations whose people have the
session's page open now (`live.presence`), and once the session is closed its recorded
attendance. A change of presence is one `presence` event on the session's channel (the same
for every reader: organisations and how many of their people, no names)."""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from server.domain import channels, meeting_close
from server.live.presence import Presence
from server.models import Meeting, MeetingStatus
from server.templating import render_per_locale
from server.uow import UnitOfWork

log = logging.getLogger(__name__)

OPEN = (MeetingStatus.planned, MeetingStatus.running)


async def announce_presence(app: Starlette, meeting_id: int) -> None:
    """Tell every open page of the session who is present now (a session still open)."""
    state = app.state
    present = await state.presence.present_now(meeting_id)
    async with UnitOfWork(state.sessionmaker, state.hub) as uow:
        meeting = await uow.session.get(Meeting, meeting_id)
        if meeting is None or meeting.status not in OPEN:
            return
        organisations = await meeting_close.present_organisations(uow.session, present)
        await uow.emit(
            channels.session_channel(meeting_id),
            "presence",
            render_per_locale(
                state.templates, "sessions/_presence_list.html", present=organisations
            ),
        )


async def presence_page_context(
    session: AsyncSession, meeting: Meeting, presence: Presence
) -> dict[str, Any]:
    """What the session's page needs for `sessions/_presence.html`."""
    if meeting.status is MeetingStatus.closed:
        return {"attendance": await meeting_close.attendance_of(session, meeting.id)}
    if meeting.status not in OPEN:
        return {}
    try:
        present = await presence.present_now(meeting.id)
    except RedisError as exc:
        log.warning("presence of session %s unknown: %s", meeting.id, exc)
        return {"present": None}
    return {"present": await meeting_close.present_organisations(session, present)}
