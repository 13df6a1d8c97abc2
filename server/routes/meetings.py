"""Series of sessions and their sessions: the session's page (with the slots of the agenda
and the live board), its calendar file, registrations, the invitation list and invitations;
creating a series and planning its sessions (from a group's page or the alliance's list)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import calendars, i18n
from server.domain import channels, groups, invitations, meeting_access, meetings, registrations
from server.domain.errors import N_, Conflict, DomainError, Invalid, Message
from server.domain.events import latest_event_id
from server.models import Meeting
from server.routes.common import current_actor, live_url, read_session, render, unit_of_work
from server.routes.groups import show_group
from server.routes.meeting_parts import emit_invitations, emit_registrations
from server.routes.session_extras import meeting_page_extras
from server.uow import UnitOfWork


def _edit_form(meeting: Meeting) -> dict[str, str]:
    local = meeting.starts_at.astimezone(meetings.BERLIN)
    return {
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "place": meeting.place,
        "video_url": meeting.video_url,
    }


async def show_meeting(
    request: Request,
    *,
    status_code: int = 200,
    errors: dict[str, Message] | None = None,
    form: dict[str, str] | None = None,
    message: Message | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    """The session's page; `extra` adds to its context (e.g. a refused form of a part)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        # Read the event position first: anything committed after it is replayed live.
        after = await latest_event_id(session)
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
        series = meeting.series
        group = (
            await groups.get_group_by_id(session, series.group_id)
            if series.group_id is not None
            else None
        )
        context: dict[str, Any] = {
            "meeting": meeting,
            "series": series,
            "group": group,
            "actor": actor,
            "may_run": meeting_access.may_run(actor, series),
            "invitation_list": await invitations.invitation_list(session, series),
            "subscribable": await invitations.subscribable_organisations(session, actor, series),
            "answers": await registrations.answers(session, actor, meeting),
            "my_answer": await registrations.my_registration(session, actor, meeting),
        }
        context.update(
            await meeting_page_extras(session, actor, meeting, request.app.state.presence)
        )
        context.update(extra or {})
    return render(
        request,
        "sessions/show.html",
        status_code=status_code,
        live_url=live_url(request, channels.session_channel(meeting.id), after),
        errors=errors or {},
        edit_form=form if form is not None else _edit_form(meeting),
        message=message,
        **context,
    )


async def meeting_calendar(request: Request) -> Response:
    """The session as an .ics file, to add it to one's calendar."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
    base = request.app.state.settings.BASE_URL
    page_url = base.rstrip("/") + str(request.url_for("meeting", meeting_id=meeting.id).path)
    description = i18n.gettext("Agenda, registration and the live session:")
    return Response(
        calendars.meeting_calendar(meeting, page_url, base, description),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="sitzung-{meeting.id}.ics"'},
    )


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


def _back_to_meeting(request: Request) -> Response:
    path = request.url_for("meeting", meeting_id=request.path_params["meeting_id"]).path
    return RedirectResponse(str(path), status_code=303)


async def edit_meeting(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            meeting, tell = await meetings.edit_meeting(
                uow.session, actor, request.path_params["meeting_id"], form
            )
            if tell:
                _enqueue_update(uow, meeting)
    except Invalid as exc:
        return await show_meeting(request, status_code=422, errors=exc.errors, form=form)
    except Conflict as exc:
        return await show_meeting(request, status_code=409, message=exc.reason)
    return _back_to_meeting(request)


async def cancel_meeting(request: Request) -> Response:
    actor = await current_actor(request)
    try:
        async with unit_of_work(request) as uow:
            form = await _form(request)
            meeting, tell = await meetings.cancel_meeting(
                uow.session, actor, request.path_params["meeting_id"], form.get("version")
            )
            if tell:
                _enqueue_update(uow, meeting)
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        return await show_meeting(request, status_code=status, message=exc.reason)
    return _back_to_meeting(request)


def _enqueue_update(uow: UnitOfWork, meeting: Meeting) -> None:
    """Tell the invitees of this change (once: the job id names its sequence)."""
    uow.enqueue(
        "send_session_update",
        meeting.id,
        meeting.calendar_sequence,
        job_id=f"session-update:{meeting.id}:{meeting.calendar_sequence}",
    )


async def register(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            registration = await registrations.register(
                uow.session, actor, request.path_params["meeting_id"], form.get("attending")
            )
            meeting = await meeting_access.get_meeting(uow.session, actor, registration.meeting_id)
            await emit_registrations(request, uow, actor, meeting)
    except Invalid as exc:
        return await show_meeting(request, status_code=422, errors=exc.errors)
    except Conflict as exc:
        return await show_meeting(request, status_code=409, message=exc.reason)
    return _back_to_meeting(request)


async def send_invitations(request: Request) -> Response:
    actor = await current_actor(request)
    try:
        async with unit_of_work(request) as uow:
            meeting = await invitations.request_invitations(
                uow.session, actor, request.path_params["meeting_id"]
            )
            uow.enqueue("send_invitations", meeting.id, job_id=f"invitations:{meeting.id}")
    except Conflict as exc:
        return await show_meeting(request, status_code=409, message=exc.reason)
    return await show_meeting(request, message=Message(N_("The invitations are on their way.")))


async def subscribe(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            meeting = await meeting_access.get_meeting(
                uow.session, actor, request.path_params["meeting_id"]
            )
            await invitations.subscribe(uow.session, actor, meeting.series, form)
            await emit_invitations(
                request, uow, await meetings.open_meeting_ids(uow.session, meeting.series_id)
            )
    except Invalid as exc:
        return await show_meeting(request, status_code=422, errors=exc.errors)
    return _back_to_meeting(request)


async def unsubscribe(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        meeting = await meeting_access.get_meeting(
            uow.session, actor, request.path_params["meeting_id"]
        )
        await invitations.unsubscribe(
            uow.session, actor, meeting.series, request.path_params["subscription_id"]
        )
        await emit_invitations(
            request, uow, await meetings.open_meeting_ids(uow.session, meeting.series_id)
        )
    if meeting.series.group_id is None or await _still_follows(request, meeting.id):
        return _back_to_meeting(request)
    return RedirectResponse(str(request.url_for("home").path), status_code=303)


async def _still_follows(request: Request, meeting_id: int) -> bool:
    """Whether the actor may still see the session (taking oneself off the list may end it)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        try:
            await meeting_access.get_meeting(session, actor, meeting_id)
        except DomainError:
            return False
    return True


async def show_sessions(
    request: Request,
    errors: dict[str, Message] | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    """The alliance-wide series with their next sessions (and, for alliance admins, a form to
    start one)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        upcoming = await meetings.upcoming_sessions(session, actor, None, datetime.now(UTC))
    return render(
        request,
        "sessions/index.html",
        status_code=422 if errors else 200,
        upcoming=upcoming,
        may_create_series=meetings.may_create_series(actor, None),
        series_form=form or {},
        series_errors=errors or {},
    )


async def create_series(request: Request) -> Response:
    """A series of a working group (`slug` in the path) or of the alliance."""
    actor = await current_actor(request)
    form = await _form(request)
    slug = request.path_params.get("slug")
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, slug) if slug else None
            series = await meetings.create_series(uow.session, actor, group, form)
            await meetings.plan_sessions(
                uow.session, actor, series.id, form.get("count") or "4", datetime.now(UTC)
            )
    except Invalid as exc:
        if slug:
            return await show_group(request, series_errors=exc.errors, series_form=form)
        return await show_sessions(request, errors=exc.errors, form=form)
    return _back_to_sessions(request, slug)


async def plan_sessions(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    async with unit_of_work(request) as uow:
        await meetings.plan_sessions(
            uow.session,
            actor,
            request.path_params["series_id"],
            form.get("count"),
            datetime.now(UTC),
        )
        series = await meetings.get_series(uow.session, actor, request.path_params["series_id"])
        slug = series.group.slug if series.group is not None else None
    return _back_to_sessions(request, slug)


def _back_to_sessions(request: Request, slug: str | None) -> Response:
    url = request.url_for("group", slug=slug) if slug else request.url_for("sessions")
    return RedirectResponse(str(url.path) + "#sessions-heading", status_code=303)


MEETING = "/sessions/{meeting_id:int}"
routes = [
    Route("/sessions", show_sessions, name="sessions"),
    Route("/sessions/series", create_series, methods=["POST"], name="create_alliance_series"),
    Route("/groups/{slug:str}/series", create_series, methods=["POST"], name="create_series"),
    Route("/series/{series_id:int}/plan", plan_sessions, methods=["POST"], name="plan_sessions"),
    Route(MEETING, show_meeting, name="meeting"),
    Route(MEETING + "/calendar.ics", meeting_calendar, name="meeting_calendar"),
    Route(MEETING + "/edit", edit_meeting, methods=["POST"], name="edit_meeting"),
    Route(MEETING + "/cancel", cancel_meeting, methods=["POST"], name="cancel_meeting"),
    Route(MEETING + "/registration", register, methods=["POST"], name="register"),
    Route(MEETING + "/invitations", send_invitations, methods=["POST"], name="send_invitations"),
    Route(MEETING + "/subscriptions", subscribe, methods=["POST"], name="subscribe"),
    Route(
        MEETING + "/subscriptions/{subscription_id:int}/remove",
        unsubscribe,
        methods=["POST"],
        name="unsubscribe",
    ),
]
