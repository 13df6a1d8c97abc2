"""Parts of a session's page that change while it is open elsewhere: the answers to the
invitation and the invitation list. A change is one live event on the session's channel:
`registrations` carries the counts (the same for everyone); the moderators' table of answers
by organisation (with names) and the invitation list (with each viewer's own forms) are
personal, so the event only tells the page to fetch its part again from here."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import channels, invitations, meeting_access, registrations
from server.domain.actors import Actor
from server.models import Meeting
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


MEETING = "/sessions/{meeting_id:int}"
routes = [
    Route(MEETING + "/registrations", registration_answers, name="registration_answers"),
    Route(MEETING + "/invitation-list", invitation_entries, name="invitation_entries"),
]
