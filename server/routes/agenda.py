"""The agenda, planned together, on the session's page: proposing, editing and withdrawing
items; the moderator's accepting, deferring, merging and ordering; taking suggestions from the
series' last session. Every change is live for everyone following the session (the agenda
list, the same for all); a refusal shows the agenda again with the reason and, for a form,
what the person typed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import agenda, agenda_edits, agenda_suggestions, channels, meeting_access
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.models import Meeting, MeetingStatus
from server.routes.common import current_actor, read_session, render, unit_of_work
from server.routes.meeting_events import emit_board
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def agenda_page_context(
    session: AsyncSession, actor: Actor, meeting: Meeting
) -> dict[str, Any]:
    """What the session page's agenda section needs (the meeting is one the actor follows)."""
    open_ = meeting.status in (MeetingStatus.planned, MeetingStatus.running)
    may_run = meeting_access.may_run(actor, meeting.series)
    return {
        "agenda": await agenda.read_agenda(session, meeting),
        "agenda_suggestions": (
            await agenda_suggestions.suggestions_for(session, meeting)
            if open_
            else agenda_suggestions.Suggestions()
        ),
        "agenda_cards": await agenda.linkable_cards(session, actor, meeting) if open_ else [],
        "agenda_may_propose": meeting.status is MeetingStatus.planned
        or (meeting.status is MeetingStatus.running and may_run),
        "agenda_may_order": open_ and may_run,
        "agenda_form": {},
        "agenda_errors": {},
        "agenda_message": None,
        "agenda_editing": None,
    }


async def show_agenda(
    request: Request,
    *,
    status_code: int,
    message: Message | None = None,
    form: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    editing: int | None = None,
) -> Response:
    """The session's agenda section on a page of its own, after a refusal (htmx picks the
    section out of it, `hx-select="#agenda-planning"`)."""
    actor = await current_actor(request)
    async with read_session(request) as session:
        meeting = await meeting_access.get_meeting(
            session, actor, request.path_params["meeting_id"]
        )
        context = await agenda_page_context(session, actor, meeting)
    context.update(
        agenda_form=form or {},
        agenda_errors=errors or {},
        agenda_message=message,
        agenda_editing=editing,
    )
    return render(
        request,
        "sessions/agenda.html",
        status_code=status_code,
        meeting=meeting,
        series=meeting.series,
        actor=actor,
        may_run=meeting_access.may_run(actor, meeting.series),
        **context,
    )


async def emit_agenda(
    request: Request,
    uow: UnitOfWork,
    meeting_id: int,
    announcement: str,
    title: str,
    *,
    board: bool = True,
) -> None:
    """Publish the session's agenda list as it is now (after the change is flushed), and with
    `board` the live agenda board too (it shows the accepted items in their order), which
    then carries the announcement; `announcement` is a message id that may name the item's
    `%(title)s`."""
    session = uow.session
    await session.flush()
    meeting = await session.get_one(Meeting, meeting_id)
    await uow.emit(
        channels.session_channel(meeting.id),
        "agenda",
        render_per_locale(
            request.app.state.templates,
            "sessions/_agenda_event.html",
            meeting=meeting,
            agenda=await agenda.read_agenda(session, meeting),
            announcement=None if board else announcement,
            title=title,
        ),
    )
    if board:
        await emit_board(request, uow, meeting, announcement, title=title)


def _back_to_meeting(request: Request) -> Response:
    path = request.url_for("meeting", meeting_id=request.path_params["meeting_id"]).path
    return RedirectResponse(f"{path}#agenda-planning", status_code=303)


# A change gets the session, the actor, the meeting's id and the form, and says what to
# announce: (message id, item title), or None when nothing changed.
Change = Callable[[AsyncSession, Actor, int, FormData], Awaitable[tuple[str, str] | None]]


async def _change(
    request: Request, change: Change, *, form_of: int | None = None, board: bool = True
) -> Response:
    """Carry out one change of the agenda in one transaction, tell every follower, then back
    to the session. `form_of` names the form that was sent (0: the proposal, else the item's
    edit form), so a refusal shows it again as typed; `board` says whether the change can
    touch the live agenda board (accepted items)."""
    actor = await current_actor(request)
    form = await request.form()
    meeting_id = request.path_params["meeting_id"]
    try:
        async with unit_of_work(request) as uow:
            announced = await change(uow.session, actor, meeting_id, form)
            if announced is not None:
                await emit_agenda(request, uow, meeting_id, *announced, board=board)
    except (Invalid, Conflict) as exc:
        typed: dict[str, Any] = {k: str(v) for k, v in form.items() if k != "csrf_token"}
        typed["cards"] = _cards(form)
        field_errors = getattr(exc, "errors", None) or {}
        message: Message | None = exc.reason
        if form_of is not None and field_errors:  # the marked fields say it, a clash also here
            message = Message(exc.message) if isinstance(exc, Conflict) else None
        return await show_agenda(
            request,
            status_code=409 if isinstance(exc, Conflict) else 422,
            message=message,
            form=typed if form_of is not None else None,
            errors=field_errors if form_of is not None else None,
            editing=form_of,
        )
    return _back_to_meeting(request)


def _fields(form: FormData) -> dict[str, str]:
    return {key: str(value) for key, value in form.items() if key != "cards"}


def _cards(form: FormData) -> list[str]:
    return [str(value) for value in form.getlist("cards")]


async def propose_item(request: Request) -> Response:
    async def propose(
        session: AsyncSession, actor: Actor, meeting_id: int, form: FormData
    ) -> tuple[str, str]:
        item = await agenda.propose_item(session, actor, meeting_id, _fields(form), _cards(form))
        return N_("Item proposed: %(title)s"), item.title

    return await _change(request, propose, form_of=0, board=False)


async def edit_item(request: Request) -> Response:
    item_id = request.path_params["item_id"]

    async def edit(
        session: AsyncSession, actor: Actor, meeting_id: int, form: FormData
    ) -> tuple[str, str]:
        cards = _cards(form) if "cards_listed" in form else None
        item = await agenda_edits.edit_item(
            session, actor, meeting_id, item_id, _fields(form), cards
        )
        return N_("Item changed: %(title)s"), item.title

    return await _change(request, edit, form_of=item_id)


def _item_change(
    act: Callable[[AsyncSession, Actor, int, int], Awaitable[Any]],
    announcement: str,
    *,
    board: bool = True,
) -> Callable[[Request], Awaitable[Response]]:
    """A route that applies one of the domain's item decisions (accept, defer, withdraw)."""

    async def route(request: Request) -> Response:
        item_id = request.path_params["item_id"]

        async def decide(
            session: AsyncSession, actor: Actor, meeting_id: int, form: FormData
        ) -> tuple[str, str]:
            item = await act(session, actor, meeting_id, item_id)
            return announcement, item.title

        return await _change(request, decide, board=board)

    return route


accept_item = _item_change(agenda.accept_item, N_("Item accepted: %(title)s"))
defer_item = _item_change(agenda.defer_item, N_("Item deferred to the next session: %(title)s"))
withdraw_item = _item_change(
    agenda.withdraw_item,
    N_("Item withdrawn: %(title)s"),
    board=False,  # only proposals
)


async def merge_item(request: Request) -> Response:
    item_id = request.path_params["item_id"]

    async def merge(
        session: AsyncSession, actor: Actor, meeting_id: int, form: FormData
    ) -> tuple[str, str]:
        target = await agenda.merge_item(
            session, actor, meeting_id, item_id, str(form.get("target") or "")
        )
        return N_("Items merged into: %(title)s"), target.title

    return await _change(request, merge)


async def move_item(request: Request) -> Response:
    item_id = request.path_params["item_id"]

    async def move(
        session: AsyncSession, actor: Actor, meeting_id: int, form: FormData
    ) -> tuple[str, str] | None:
        moved = await agenda.move_item(
            session,
            actor,
            meeting_id,
            item_id,
            str(form.get("direction") or ""),
            str(form.get("version") or ""),
        )
        return (N_("The agenda's order changed."), "") if moved else None

    return await _change(request, move)


async def take_suggestion(request: Request) -> Response:
    async def take(
        session: AsyncSession, actor: Actor, meeting_id: int, form: FormData
    ) -> tuple[str, str]:
        item = await agenda_suggestions.take_suggestion(
            session, actor, meeting_id, str(form.get("kind") or ""), str(form.get("id") or "")
        )
        return N_("Put on the agenda: %(title)s"), item.title

    return await _change(request, take)


AGENDA = "/sessions/{meeting_id:int}/agenda"
ITEM = AGENDA + "/{item_id:int}"
routes = [
    Route(AGENDA, propose_item, methods=["POST"], name="propose_agenda_item"),
    Route(ITEM + "/edit", edit_item, methods=["POST"], name="edit_agenda_item"),
    Route(ITEM + "/withdraw", withdraw_item, methods=["POST"], name="withdraw_agenda_item"),
    Route(ITEM + "/accept", accept_item, methods=["POST"], name="accept_agenda_item"),
    Route(ITEM + "/defer", defer_item, methods=["POST"], name="defer_agenda_item"),
    Route(ITEM + "/merge", merge_item, methods=["POST"], name="merge_agenda_item"),
    Route(ITEM + "/move", move_item, methods=["POST"], name="move_agenda_item"),
    Route(
        AGENDA + "/suggestions/take",
        take_suggestion,
        methods=["POST"],
        name="take_agenda_suggestion",
    ),
]
