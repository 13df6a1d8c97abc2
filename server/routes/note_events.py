"""An item's notes changed: tell every open page of the session, in each reader's language, with
one `notes` event (the item, its new version, the merged text, who saved it; no form, no
token); and what the session's page needs to show the notes editors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request

from server.domain import channels, meeting_live
from server.domain.actors import Actor
from server.models import AgendaItem, Meeting, MeetingStatus
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_notes(
    request: Request, uow: UnitOfWork, meeting_id: int, item: AgendaItem, author: str
) -> None:
    """Publish the item's notes as just saved (flushed) on the session's channel."""
    await uow.emit(
        channels.session_channel(meeting_id),
        "notes",
        render_per_locale(
            request.app.state.templates, "sessions/_notes_event.html", item=item, author=author
        ),
    )


def notes_open(meeting: Meeting) -> bool:
    """Whether the session's notes may still change."""
    return meeting.status in (MeetingStatus.planned, MeetingStatus.running)


async def notes_page_context(
    session: AsyncSession, actor: Actor, meeting: Meeting
) -> dict[str, Any]:
    """What the session's page needs for `sessions/_notes.html`: the items on the board."""
    items = await session.scalars(
        select(AgendaItem)
        .where(
            AgendaItem.meeting_id == meeting.id, AgendaItem.status.in_(meeting_live.ON_THE_BOARD)
        )
        .order_by(AgendaItem.position, AgendaItem.id)
    )
    return {"notes_items": list(items), "notes_open": notes_open(meeting)}
