"""Parts of a session's page that change while it is open elsewhere: the answers to the
invitation, the invitation list, and once closed its summary. A change is one live event on
the session's channel: `registrations` carries the counts (the same for everyone); the
moderators' table of answers by organisation (with names), the invitation list (with each
viewer's own forms) and the moderators' link to a draft summary are personal, so the event
only tells the page to fetch its part again from here."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import channels, invitations, meeting_access, registrations, session_summary
from server.domain.actors import Actor
from server.models import Meeting, MeetingStatus
from server.routes.common import current_actor, read_session, render
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def emit_registrations(
    request: Request, uow: UnitOfWork, actor: Actor, meeting: Meeting
) -> None:
    await uow.session.flush()
    answers = await registrations.answers(uow.session, actor, meeting)
    await uow.emit(
        channels.session_channel(meeting.id),
        "registrations",
        render_per_locale(
            request.app.state.templates, "sessions/_registration_counts.html", answers=answers
        ),
    )


async def emit_invitations(request: Request, uow: UnitOfWork, meeting_ids: list[int]) -> None:
    """The series' invitation list changed: every open page of its sessions fetches it."""
    for meeting_id in meeting_ids:
        await uow.emit(
            channels.session_channel(meeting_id),
            "invitations",
            render_per_locale(request.app.state.templates, "sessions/_invitations_event.html"),
        )


async def registration_answers(request: Request) -> Response:
    """The moderators' table of answers by organisation."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
        meeting_access.require_may_run(actor, meeting.series)
        answers = await registrations.answers(session, actor, meeting)
    return render(request, "sessions/_registration_answers.html", meeting=meeting, answers=answers)


async def invitation_entries(request: Request) -> Response:
    """The invitation list as the viewer sees it (with their own forms)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
        listed = await invitations.invitation_list(session, meeting.series)
    return render(
        request,
        "sessions/_invitation_entries.html",
        meeting=meeting,
        invitation_list=listed,
        actor=actor,
        may_run=meeting_access.may_run(actor, meeting.series),
    )


async def summary_page_context(session: AsyncSession, meeting: Meeting) -> dict[str, Any]:
    """What `sessions/_summary.html` needs: the closed session's page, if written yet."""
    if meeting.status is not MeetingStatus.closed:
        return {}
    return {"summary_page": await session_summary.page_of(session, meeting.id)}


async def meeting_summary(request: Request) -> Response:
    """The summary's state as a moderator sees it (with the link to the draft)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
        meeting_access.require_may_run(actor, meeting.series)
        context = await summary_page_context(session, meeting)
    return render(request, "sessions/_summary.html", meeting=meeting, may_run=True, **context)


MEETING = "/sessions/{meeting_id:int}"
routes = [
    Route(MEETING + "/registrations", registration_answers, name="registration_answers"),
    Route(MEETING + "/invitation-list", invitation_entries, name="invitation_entries"),
    Route(MEETING + "/summary", meeting_summary, name="meeting_summary"),
]
