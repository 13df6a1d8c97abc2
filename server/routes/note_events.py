"""An item's notes changed: tell every open page of the session, in each reader's language, with
one `notes` event per saved batch of edits (`routes/note_writer.py`): the item, the version the
change starts from and the one it leads to, the changed lines (`merging.line_changes`), who
saved them; no form, no token. Not the whole text: with everyone writing at once there are
many events a second, each to every open page, and the text grows; a page whose notes are not
at the starting version (it missed one) fetches the editor instead (`GET …/notes`). Replay
after a reconnect sends the same events in order, so a page ends at the stored notes either
way. Also: what the session's page needs to show the notes editors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.templating import Jinja2Templates

from server.domain import channels, meeting_live
from server.domain.actors import Actor
from server.domain.merging import line_changes
from server.domain.notes import SavedNotes
from server.models import AgendaItem, Meeting, MeetingStatus
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_notes(
    templates: Jinja2Templates,
    uow: UnitOfWork,
    meeting_id: int,
    saved: SavedNotes,
    authors: list[str],
) -> None:
    """Publish the change of the item's notes just saved (flushed) on the session's channel."""
    item = saved.item
    await uow.emit(
        channels.session_channel(meeting_id),
        "notes",
        render_per_locale(
            templates,
            "sessions/_notes_event.html",
            item=item,
            from_version=saved.from_version,
            changes=line_changes(saved.from_text, item.notes),
            author=_names(authors),
        ),
    )


def _names(authors: list[str], shown: int = 3) -> str:
    """Who saved the batch, each once: a few names, not a hundred in every event."""
    names = list(dict.fromkeys(authors))
    return ", ".join(names[:shown]) + (" …" if len(names) > shown else "")


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
