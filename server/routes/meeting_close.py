"""Closing a session (`domain.meeting_close`): the moderator's one step at the end. It records
attendance from the live presence, freezes the session, announces it on every open page (a
`board` event) and enqueues the summary job once, after the commit.

A plain form (no htmx): the whole page changes with it, so the moderator gets the session's
page again, closed; a refusal comes back on that page with its reason."""

from __future__ import annotations

from contextlib import suppress
from datetime import UTC, datetime

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import meeting_close
from server.domain.errors import N_, Conflict, Invalid, Message
from server.routes.common import current_actor, unit_of_work
from server.routes.meeting_events import emit_board
from server.routes.meetings import show_meeting

SUMMARY_JOB = "summarise_meeting"


def summary_job_id(meeting_id: int) -> str:
    """One summary job per session: arq does not enqueue a job id twice."""
    return f"summary:{meeting_id}"


async def close_meeting(request: Request) -> Response:
    actor = await current_actor(request)
    meeting_id = request.path_params["meeting_id"]
    form = await request.form()
    presence = request.app.state.presence
    try:
        seen = await presence.seen(meeting_id)
    except RedisError:
        # Closing without knowing who was there would lose the attendance for good.
        message = Message(
            N_(
                "Who was present cannot be read right now, so the session stays open. "
                "Please try again in a moment."
            )
        )
        return await show_meeting(request, status_code=503, message=message)
    try:
        async with unit_of_work(request) as uow:
            version = str(form.get("version", ""))
            closed = await meeting_close.close_meeting(
                uow.session, actor, meeting_id, version, seen, datetime.now(UTC)
            )
            await emit_board(request, uow, closed.meeting, N_("The session is closed."))
            uow.enqueue(SUMMARY_JOB, meeting_id, job_id=summary_job_id(meeting_id))
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        return await show_meeting(request, status_code=status, message=exc.reason)
    with suppress(RedisError):  # else the keys expire by themselves
        await presence.forget(meeting_id)
    path = request.url_for("meeting", meeting_id=meeting_id).path
    return RedirectResponse(str(path), status_code=303)


routes = [
    Route(
        "/sessions/{meeting_id:int}/close", close_meeting, methods=["POST"], name="close_meeting"
    ),
]
