"""Decisions and action items of a session's items, and a card put on the board from an item;
each change is live for every open page of the session (an `outcomes` event)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import outcomes
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid
from server.models import Meeting, WorkingGroup
from server.routes.card_events import emit_card
from server.routes.common import current_actor, unit_of_work
from server.routes.meetings import show_meeting
from server.routes.outcome_events import emit_outcomes
from server.routes.task_events import emit_tasks
from server.routes.tasks import show_tasks
from server.uow import UnitOfWork

Change = Callable[[UnitOfWork, Actor, int, dict[str, str]], Awaitable[tuple[Meeting, str]]]


async def _change(request: Request, change: Change) -> Response:
    actor = await current_actor(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    meeting_id = request.path_params["meeting_id"]
    from_tasks = form.get("back") == "tasks"
    try:
        async with unit_of_work(request) as uow:
            meeting, said = await change(uow, actor, meeting_id, form)
            await emit_outcomes(request, uow, meeting, said)
    except (Invalid, Conflict) as exc:
        if from_tasks:  # the owner may not follow the session: back to "My tasks"
            status = 409 if isinstance(exc, Conflict) else 422
            return await show_tasks(request, status_code=status, message=exc.reason)
        errors = getattr(exc, "errors", {}) or {}
        return await show_meeting(
            request,
            status_code=409 if isinstance(exc, Conflict) else 422,
            message=exc.reason,
            extra={
                "outcome_form": form,
                "outcome_errors": errors,
                "outcome_item": form.get("item"),
            },
        )
    if from_tasks:
        return RedirectResponse(str(request.url_for("tasks").path), status_code=303)
    path = request.url_for("meeting", meeting_id=meeting_id).path
    return RedirectResponse(f"{path}#outcomes", status_code=303)


async def record_decision(request: Request) -> Response:
    async def decide(
        uow: UnitOfWork, actor: Actor, meeting_id: int, form: dict[str, str]
    ) -> tuple[Meeting, str]:
        meeting, _ = await outcomes.record_decision(
            uow.session, actor, meeting_id, form.get("item"), form.get("decision")
        )
        return meeting, N_("A decision was recorded.")

    return await _change(request, decide)


async def record_action(request: Request) -> Response:
    async def act(
        uow: UnitOfWork, actor: Actor, meeting_id: int, form: dict[str, str]
    ) -> tuple[Meeting, str]:
        meeting, action = await outcomes.record_action(
            uow.session, actor, meeting_id, form.get("item"), form, date.today()
        )
        await emit_tasks(request, uow, action)
        return meeting, N_("An action item was recorded.")

    return await _change(request, act)


async def set_action_status(request: Request) -> Response:
    action_id = request.path_params["action_id"]

    async def move(
        uow: UnitOfWork, actor: Actor, meeting_id: int, form: dict[str, str]
    ) -> tuple[Meeting, str]:
        meeting, action = await outcomes.set_action_status(
            uow.session, actor, meeting_id, action_id, form.get("status"), form.get("version")
        )
        await emit_tasks(request, uow, action)
        return meeting, N_("An action item changed.")

    return await _change(request, move)


async def put_on_board(request: Request) -> Response:
    async def put(
        uow: UnitOfWork, actor: Actor, meeting_id: int, form: dict[str, str]
    ) -> tuple[Meeting, str]:
        meeting, card = await outcomes.put_on_board(
            uow.session, actor, meeting_id, form.get("item"), form, date.today()
        )
        group = await uow.session.get(WorkingGroup, card.group_id)
        assert group is not None
        await emit_card(request, uow, group, card, N_("New on the board: %(title)s"))
        return meeting, N_("A card was put on the board.")

    return await _change(request, put)


MEETING = "/sessions/{meeting_id:int}"
routes = [
    Route(MEETING + "/decisions", record_decision, methods=["POST"], name="record_decision"),
    Route(MEETING + "/actions", record_action, methods=["POST"], name="record_action"),
    Route(MEETING + "/cards", put_on_board, methods=["POST"], name="put_on_board"),
    Route(
        MEETING + "/actions/{action_id:int}/status",
        set_action_status,
        methods=["POST"],
        name="action_status",
    ),
]
