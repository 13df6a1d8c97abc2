"""What the other parts of a session's page add to its context (the agenda planning, the live
agenda board): one call from `meetings.show_meeting`, one dict merged into the context."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.actors import Actor
from server.live.presence import Presence
from server.models import Meeting
from server.routes.agenda import agenda_page_context
from server.routes.meeting_events import board_page_context
from server.routes.meeting_parts import summary_page_context
from server.routes.note_events import notes_page_context
from server.routes.outcome_events import outcomes_page_context
from server.routes.presence_events import presence_page_context


async def meeting_page_extras(
    session: AsyncSession, actor: Actor, meeting: Meeting, presence: Presence
) -> dict[str, Any]:
    """Context for the page's included partials; the meeting is one the actor may follow."""
    extras: dict[str, Any] = {}
    extras.update(await agenda_page_context(session, actor, meeting))
    extras.update(await board_page_context(session, actor, meeting))
    extras.update(await notes_page_context(session, actor, meeting))
    extras.update(await outcomes_page_context(session, actor, meeting))
    extras.update(await presence_page_context(session, meeting, presence))
    extras.update(await summary_page_context(session, meeting))
    return extras
