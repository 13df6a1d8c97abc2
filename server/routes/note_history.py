"""The history page of an item's notes (`domain.note_history`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import note_history
from server.routes.common import current_actor, read_session, render


async def show_note_history(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        history = await note_history.note_history(
            session,
            actor,
            request.path_params["meeting_id"],
            request.path_params["item_id"],
            request.query_params.get("before"),
        )
    return render(request, "sessions/note_history.html", history=history)


routes = [
    Route(
        "/sessions/{meeting_id:int}/items/{item_id:int}/notes/history",
        show_note_history,
        name="note_history",
    ),
]
