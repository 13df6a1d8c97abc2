"""Notes per agenda item, written by everyone at once (`domain.notes`): each save is merged
with what others saved meanwhile, saved together with the saves of the item arriving at the
same time (`note_writer`: one transaction and one live `notes` event per batch, one revision
per edit with its author) and announced on the session's channel (`note_events`).

htmx gets back the item's notes editor (the merged text, the new version), or 409 with the
merged proposal when someone changed the same words, 422 for text that cannot be saved; a plain
form goes back to the session's page, or when refused to a page with the reason and the editor
holding the text (the proposal after a clash). `GET` gives the editor as stored now: a page that
missed a change of the notes fetches it."""

from __future__ import annotations

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import meeting_access, notes
from server.domain.errors import N_, Conflict, Invalid, Message, NotFound
from server.models import AgendaItem, Meeting
from server.routes.common import current_actor, is_htmx, read_session, render
from server.routes.note_events import notes_open
from server.routes.note_writer import note_writer


async def save_notes(request: Request) -> Response:
    actor = await current_actor(request)
    meeting_id = request.path_params["meeting_id"]
    item_id = request.path_params["item_id"]
    form = await request.form()
    text, version = str(form.get("text", "")), str(form.get("version", ""))
    # Who may write is checked here, each save on its own, before it joins a batch.
    writer = note_writer(request.app.state)
    meeting = await writer.meeting(actor, meeting_id)
    try:
        saved, outcome = await writer.save(
            meeting.id, item_id, notes.NoteEdit(actor, text, version)
        )
        if outcome.refused is not None:
            raise outcome.refused
    except notes.NotesConflict as conflict:
        return await _editor(
            request,
            meeting,
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
        return await _editor(request, meeting, item_id, text, version, status, message)
    if not is_htmx(request):
        path = request.url_for("meeting", meeting_id=meeting_id).path
        return RedirectResponse(f"{path}#notes-{item_id}", status_code=303)
    item = saved.item
    return _render(request, meeting, item, item.notes, item.notes_version)


async def notes_editor(request: Request) -> Response:
    """The item's notes editor as stored now."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
    return await _editor(request, meeting, request.path_params["item_id"])


async def _editor(
    request: Request,
    meeting: Meeting,
    item_id: int,
    text: str | None = None,
    version: int | str | None = None,
    status_code: int = 200,
    message: Message | None = None,
) -> Response:
    """The editor of the item: with `text` and `version` (a refused save), else as stored."""
    async with read_session(request) as session:
        item = await session.scalar(
            select(AgendaItem).where(AgendaItem.id == item_id, AgendaItem.meeting_id == meeting.id)
        )
    if item is None:
        raise NotFound(N_("This item is not on this session's agenda (any more)."))
    if text is None or version is None:
        text, version = item.notes, item.notes_version
    return _render(request, meeting, item, text, version, status_code, message)


def _render(
    request: Request,
    meeting: Meeting,
    item: AgendaItem,
    text: str,
    version: int | str,
    status_code: int = 200,
    message: Message | None = None,
) -> Response:
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
    Route(
        "/sessions/{meeting_id:int}/items/{item_id:int}/notes",
        notes_editor,
        methods=["GET"],
        name="notes_editor",
    ),
]
