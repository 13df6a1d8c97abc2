"""Notes per agenda item, written by everyone at once (`domain.notes`): each save is merged
with what others saved meanwhile and announced live as one `notes` event on the session's
channel (the item, its new version, the merged text and who saved it; nothing personal).

htmx gets back the item's notes editor (the merged text, the new version), or 409 with the
merged proposal when someone changed the same words, 422 for text that cannot be saved; a plain
form goes back to the session's page, or when refused to a page with the reason and the editor
holding the text (the proposal after a clash)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import meeting_access, notes
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotFound
from server.models import AgendaItem
from server.routes.common import current_actor, is_htmx, read_session, render, unit_of_work
from server.routes.note_events import emit_notes, notes_open


async def save_notes(request: Request) -> Response:
    actor = await current_actor(request)
    meeting_id = request.path_params["meeting_id"]
    item_id = request.path_params["item_id"]
    form = await request.form()
    text, version = str(form.get("text", "")), str(form.get("version", ""))
    try:
        async with unit_of_work(request) as uow:
            item, changed = await notes.save_notes(
                uow.session, actor, meeting_id, item_id, text, version, datetime.now(UTC)
            )
            if changed:
                await emit_notes(request, uow, meeting_id, item, actor.name)
            shown = (item.notes, item.notes_version)
    except notes.NotesConflict as conflict:
        return await _editor(
            request,
            actor,
            meeting_id,
            item_id,
            conflict.proposal,
            conflict.version,
            409,
            Message(conflict.message),
        )
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        errors = getattr(exc, "errors", None) or {}
        message = next(iter(errors.values()), None) or Message(exc.message)
        return await _editor(request, actor, meeting_id, item_id, text, version, status, message)
    if not is_htmx(request):
        path = request.url_for("meeting", meeting_id=meeting_id).path
        return RedirectResponse(f"{path}#notes-{item_id}", status_code=303)
    return await _editor(request, actor, meeting_id, item_id, *shown)


async def _editor(
    request: Request,
    actor: Actor,
    meeting_id: int,
    item_id: int,
    text: str,
    version: int | str,
    status_code: int = 200,
    message: Message | None = None,
) -> Response:
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(session, actor, meeting_id)
        item = await session.scalar(
            select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
        )
    if item is None:
        raise NotFound(N_("This item is not on this session's agenda (any more)."))
    # Without htmx a refusal gets a page of its own that keeps the text (the session's page
    # would show the stored notes instead).
    partial = is_htmx(request) or status_code < 400
    return render(
        request,
        "sessions/_notes_editor.html" if partial else "sessions/notes_refused.html",
        status_code=status_code,
        meeting=meeting,
        item=item,
        notes_text=text,
        notes_version=version,
        notes_open=notes_open(meeting),
        notes_message=message,
        notes_problem=status_code >= 400,
    )


routes = [
    Route(
        "/sessions/{meeting_id:int}/items/{item_id:int}/notes",
        save_notes,
        methods=["POST"],
        name="save_notes",
    ),
]
