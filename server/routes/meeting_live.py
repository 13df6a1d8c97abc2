"""The moderator's agenda board and the speakers list of a running session, each change live
for every open page of the session (`meeting_events.emit_board`).

htmx gets back the part of the page it changed (the moderator's controls, one's own hand), with
a refusal's reason in it (409 for a board someone else changed meanwhile, 422 otherwise);
a plain form goes back to the session's page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import meeting_access, meeting_live
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.models import AgendaItem, Meeting, Speaker
from server.routes.common import current_actor, is_htmx, read_session, render, unit_of_work
from server.routes.meeting_events import emit_board
from server.routes.meetings import show_meeting

# What a change says to every page: (message id, its parameters).
Said = tuple[str, dict[str, object]]
Change = Callable[[AsyncSession, Actor, int, dict[str, str], datetime], Awaitable[Said]]


async def show_controls(request: Request) -> Response:
    """The moderator's controls as they are now (fetched again after every board event)."""
    actor = await current_actor(request)
    return await _controls(request, actor, request.path_params["meeting_id"])


async def _controls(
    request: Request,
    actor: Actor,
    meeting_id: int,
    *,
    status_code: int = 200,
    message: Message | None = None,
    problem_in: str = "",
    errors: dict[str, Message] | None = None,
    outcome: str = "",
) -> Response:
    async with read_session(request) as session:
        board = await meeting_live.get_board(session, actor, meeting_id)
        meeting_access.require_may_run(actor, board.meeting.series)
    return render(
        request,
        "sessions/_board_controls.html",
        status_code=status_code,
        board=board,
        board_message=message,
        board_problem_in=problem_in,
        board_errors=errors or {},
        board_outcome=outcome,
    )


async def _hand(
    request: Request,
    actor: Actor,
    meeting_id: int,
    *,
    status_code: int = 200,
    message: Message | None = None,
) -> Response:
    async with read_session(request) as session:
        board = await meeting_live.get_board(session, actor, meeting_id)
        my_hand = await meeting_live.my_hand(session, actor, board.meeting)
    return render(
        request,
        "sessions/_hand.html",
        status_code=status_code,
        board=board,
        actor=actor,
        my_hand=my_hand,
        hand_message=message,
    )


async def _change(request: Request, change: Change, *, part: str = "actions") -> Response:
    """Carry out one change of the board in one transaction and announce it; `part` is what
    htmx gets back: the controls' `actions` or `close` region, or one's `hand`."""
    actor = await current_actor(request)
    meeting_id = request.path_params["meeting_id"]
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        async with unit_of_work(request) as uow:
            announcement, params = await change(
                uow.session, actor, meeting_id, form, datetime.now(UTC)
            )
            meeting = await uow.session.get(Meeting, meeting_id)
            assert meeting is not None  # the change found and locked it
            await emit_board(request, uow, meeting, announcement, **params)
    except (Invalid, Conflict) as exc:
        status = 409 if isinstance(exc, Conflict) else 422
        if not is_htmx(request):
            return await show_meeting(request, status_code=status, message=exc.reason)
        if part == "hand":
            message = exc.reason
            return await _hand(request, actor, meeting_id, status_code=status, message=message)
        return await _controls(
            request,
            actor,
            meeting_id,
            status_code=status,
            message=exc.reason,
            problem_in=part,
            errors=getattr(exc, "errors", None) if part == "close" else None,
            outcome=form.get("outcome", ""),
        )
    if not is_htmx(request):
        path = request.url_for("meeting", meeting_id=meeting_id).path
        return RedirectResponse(str(path), status_code=303)
    if part == "hand":
        return await _hand(request, actor, meeting_id)
    return await _controls(request, actor, meeting_id)


async def _item_title(session: AsyncSession, meeting: Meeting) -> dict[str, object]:
    item = await session.get(AgendaItem, meeting.current_item_id)
    return {"title": item.title if item is not None else ""}


async def _speaker_name(session: AsyncSession, speaker: Speaker) -> dict[str, object]:
    await session.refresh(speaker, ["person"])
    person = speaker.person
    return {"name": person.name if person is not None and not person.removed_at else "–"}


async def start_meeting(request: Request) -> Response:
    async def start(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        await meeting_live.start_meeting(session, actor, meeting_id, form.get("version"), now)
        return N_("The session has started."), {}

    return await _change(request, start)


async def make_current(request: Request) -> Response:
    async def current(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        meeting = await meeting_live.make_current(
            session, actor, meeting_id, form.get("item_id"), form.get("version"), now
        )
        return N_("Now on the agenda: %(title)s"), await _item_title(session, meeting)

    return await _change(request, current)


async def next_item(request: Request) -> Response:
    async def forward(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        meeting = await meeting_live.next_item(session, actor, meeting_id, form.get("version"), now)
        return N_("Now on the agenda: %(title)s"), await _item_title(session, meeting)

    return await _change(request, forward)


async def previous_item(request: Request) -> Response:
    async def back(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        meeting = await meeting_live.previous_item(
            session, actor, meeting_id, form.get("version"), now
        )
        return N_("Now on the agenda: %(title)s"), await _item_title(session, meeting)

    return await _change(request, back)


async def close_item(request: Request) -> Response:
    item_id = request.path_params["item_id"]

    async def close(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        meeting = await meeting_live.close_item(
            session, actor, meeting_id, item_id, form.get("outcome"), form.get("version"), now
        )
        return N_("Item closed: %(title)s"), await _item_title(session, meeting)

    return await _change(request, close, part="close")


async def raise_hand(request: Request) -> Response:
    async def raise_(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        speaker = await meeting_live.raise_hand(session, actor, meeting_id, now)
        return N_("%(name)s raised a hand."), await _speaker_name(session, speaker)

    return await _change(request, raise_, part="hand")


async def lower_hand(request: Request) -> Response:
    async def lower(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        await meeting_live.lower_hand(session, actor, meeting_id, now)
        return N_("%(name)s lowered their hand."), {"name": actor.name}

    return await _change(request, lower, part="hand")


async def give_floor(request: Request) -> Response:
    speaker_id = request.path_params["speaker_id"]

    async def floor(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        speaker = await meeting_live.give_floor(
            session, actor, meeting_id, speaker_id, form.get("version"), now
        )
        return N_("%(name)s has the floor."), await _speaker_name(session, speaker)

    return await _change(request, floor)


async def remove_speaker(request: Request) -> Response:
    speaker_id = request.path_params["speaker_id"]

    async def remove(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        speaker = await meeting_live.remove_speaker(
            session, actor, meeting_id, speaker_id, form.get("version"), now
        )
        return N_("%(name)s is off the speakers list."), await _speaker_name(session, speaker)

    return await _change(request, remove)


async def move_speaker(request: Request) -> Response:
    speaker_id = request.path_params["speaker_id"]

    async def move(
        session: AsyncSession, actor: Actor, meeting_id: int, form: dict[str, str], now: datetime
    ) -> Said:
        await meeting_live.move_speaker(
            session, actor, meeting_id, speaker_id, form.get("direction"), form.get("version")
        )
        return N_("The speakers list was reordered."), {}

    return await _change(request, move)


MEETING = "/sessions/{meeting_id:int}"
SPEAKER = MEETING + "/speakers/{speaker_id:int}"
routes = [
    Route(MEETING + "/board/controls", show_controls, name="board_controls"),
    Route(MEETING + "/start", start_meeting, methods=["POST"], name="start_meeting"),
    Route(MEETING + "/current", make_current, methods=["POST"], name="make_current"),
    Route(MEETING + "/next", next_item, methods=["POST"], name="next_item"),
    Route(MEETING + "/previous", previous_item, methods=["POST"], name="previous_item"),
    Route(MEETING + "/items/{item_id:int}/close", close_item, methods=["POST"], name="close_item"),
    Route(MEETING + "/hand", raise_hand, methods=["POST"], name="raise_hand"),
    Route(MEETING + "/hand/lower", lower_hand, methods=["POST"], name="lower_hand"),
    Route(SPEAKER + "/floor", give_floor, methods=["POST"], name="give_floor"),
    Route(SPEAKER + "/remove", remove_speaker, methods=["POST"], name="remove_speaker"),
    Route(SPEAKER + "/move", move_speaker, methods=["POST"], name="move_speaker"),
]
