"""A working group's page, and organisations joining it (live for every open page)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import cards, channels, follow_up, groups, meetings, state_contacts
from server.domain.errors import Invalid, Message
from server.domain.events import latest_event_id
from server.i18n import DISPLAY_TIME_ZONE
from server.routes.common import (
    current_actor,
    is_htmx,
    live_url,
    read_session,
    render,
    unit_of_work,
)
from server.templating import render_per_locale

CHANGES_WINDOW = timedelta(days=7)


async def show_group(
    request: Request,
    moderator_errors: dict[str, Message] | None = None,
    series_errors: dict[str, Message] | None = None,
    series_form: dict[str, str] | None = None,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        # Read the event position first: anything committed after it is replayed live.
        after = await latest_event_id(session)
        group = await groups.get_group(session, actor, request.path_params["slug"])
        candidates = await groups.joinable_organisations(session, actor, group)
        moderator_candidates = await groups.moderator_candidates(session, actor, group)
        upcoming = await meetings.upcoming_sessions(session, actor, group, datetime.now(UTC))
        # The group's state contacts see its state page, also from outside the group.
        may_see_state = cards.may_use_board(actor, group) or (
            await state_contacts.own_contact(session, actor, group.id) is not None
        )
        # What changed in the last week: the group's own people only (decisions and action
        # items are the sessions').
        changes = None
        if cards.may_use_board(actor, group):
            now = datetime.now(UTC)
            changes = await follow_up.what_changed(
                session, group, now - CHANGES_WINDOW, now.astimezone(DISPLAY_TIME_ZONE).date()
            )
    return render(
        request,
        "groups/show.html",
        status_code=422 if moderator_errors or series_errors else 200,
        group=group,
        candidates=candidates,
        errors={},
        joined=None,
        live_url=live_url(request, channels.group_channel(group.id), after),
        moderator_candidates=moderator_candidates,
        moderator_errors=moderator_errors or {},
        may_manage_moderators=actor.is_alliance_admin,
        may_use_board=cards.may_use_board(actor, group),
        may_see_state=may_see_state,
        upcoming=upcoming,
        may_create_series=meetings.may_create_series(actor, group.id),
        series_form=series_form or {},
        series_errors=series_errors or {},
        changes=changes,
    )


async def add_moderator(request: Request) -> Response:
    actor = await current_actor(request)
    raw = str((await request.form()).get("person_id") or "")
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, request.path_params["slug"])
            await groups.add_moderator(
                uow.session, actor, group, int(raw) if raw.isdigit() else None
            )
    except Invalid as exc:
        return await show_group(request, moderator_errors=exc.errors)
    return _back_to_group(request)


async def remove_moderator(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        group = await groups.get_group(uow.session, actor, request.path_params["slug"])
        await groups.remove_moderator(uow.session, actor, group, request.path_params["person_id"])
    return _back_to_group(request)


def _back_to_group(request: Request) -> Response:
    url = request.url_for("group", slug=request.path_params["slug"])
    return RedirectResponse(str(url.path), status_code=303)


async def join_group(request: Request) -> Response:
    form = await request.form()
    raw_id = str(form.get("organisation_id") or "")
    organisation_id = int(raw_id) if raw_id.isdigit() else None
    templates = request.app.state.templates
    actor = await current_actor(request)
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, request.path_params["slug"])
            member = await groups.join_group(uow.session, actor, group, organisation_id)
            group = await groups.get_group(uow.session, actor, group.slug)
            joined = member.organisation
            await uow.emit(
                channels.group_channel(group.id),
                "members",
                render_per_locale(
                    templates, "groups/_members_event.html", group=group, joined=joined
                ),
            )
            uow.enqueue(
                "send_welcome_mail",
                group.id,
                joined.id,
                job_id=f"welcome:{group.id}:{joined.id}",
            )
    except Invalid as exc:
        async with read_session(request) as session:
            group = await groups.get_group(session, actor, request.path_params["slug"])
            candidates = await groups.joinable_organisations(session, actor, group)
        name = "groups/_join_form.html" if is_htmx(request) else "groups/show.html"
        return render(
            request,
            name,
            status_code=422,
            group=group,
            candidates=candidates,
            errors=exc.errors,
            joined=None,
            live_url=None,
        )
    if not is_htmx(request):
        return RedirectResponse(str(request.url_for("group", slug=group.slug)), status_code=303)
    async with read_session(request) as session:
        candidates = await groups.joinable_organisations(session, actor, group)
    return render(
        request,
        "groups/_join_form.html",
        group=group,
        candidates=candidates,
        errors={},
        joined=joined,
    )


routes = [
    Route("/groups/{slug:str}", show_group, name="group"),
    Route("/groups/{slug:str}/members", join_group, methods=["POST"], name="join_group"),
    Route("/groups/{slug:str}/moderators", add_moderator, methods=["POST"], name="add_moderator"),
    Route(
        "/groups/{slug:str}/moderators/{person_id:int}/remove",
        remove_moderator,
        methods=["POST"],
        name="remove_moderator",
    ),
]
