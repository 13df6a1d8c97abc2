"""One card of a board: its page (details, history, matches, suggestions, redemptions),
editing it while others do (merged), moving it and matching it, each live for the board."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import card_edits, cards, channels, groups, matching, pledges
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.domain.events import latest_event_id
from server.models import Card, CardStatus, WorkingGroup
from server.routes.card_events import emit_card
from server.routes.common import current_actor, live_url, read_session, render, unit_of_work
from server.uow import UnitOfWork


async def show_card(
    request: Request,
    *,
    status_code: int = 200,
    form: dict[str, Any] | None = None,
    errors: dict[str, Message] | None = None,
    clashes: list[card_edits.FieldClash] | None = None,
    message: Message | None = None,
) -> Response:
    actor = await current_actor(request)
    card_id = request.path_params["card_id"]
    async with read_session(request) as session:
        after = await latest_event_id(session)
        group = await groups.get_group(session, actor, request.path_params["slug"])
        card = await cards.get_card(session, actor, group, card_id)
        context = {
            "group": group,
            "card": card,
            "history": await cards.history(session, actor, group, card_id),
            "matches": await matching.matches_of(session, card),
            "suggestions": await matching.suggestions(session, actor, group, card_id),
            "redemption_view": (
                await pledges.redemption_view(session, actor, group, card)
                if card.kind.value == "pledge"
                else None
            ),
        }
    return render(
        request,
        "boards/card.html",
        status_code=status_code,
        form=form if form is not None else cards.snapshot(card),
        errors=errors or {},
        clashes={clash.field: clash for clash in clashes or []},
        message=message,
        moves=[m for m in cards.MOVES[card.status] if _may_move(actor, card, m)],
        live_url=live_url(request, channels.board_channel(group.id), after),
        **context,
    )


def _may_move(actor: Actor, card: Card, target: CardStatus) -> bool:
    archiving = CardStatus.archived in (target, card.status)
    return not archiving or cards.may_archive(actor, card)


def _back_to_card(request: Request) -> Response:
    path = request.url_for(
        "card", slug=request.path_params["slug"], card_id=request.path_params["card_id"]
    ).path
    return RedirectResponse(str(path), status_code=303)


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


Change = Callable[[UnitOfWork, Actor, WorkingGroup, int, dict[str, str]], Awaitable[None]]


async def _change(request: Request, change: Change, *, edit: bool = False) -> Response:
    """Carry out one change of the card in one transaction, then back to its page; a refusal
    shows the page again with the reason (and, for an edit, the form as the person sent it)."""
    actor = await current_actor(request)
    form = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, request.path_params["slug"])
            await change(uow, actor, group, request.path_params["card_id"], form)
    except card_edits.EditConflict as exc:
        proposal = {**exc.stored, **exc.proposal, "version": exc.version}
        return await show_card(
            request, status_code=409, form=proposal, clashes=exc.clashes, message=exc.reason
        )
    except (Invalid, Conflict) as exc:
        return await show_card(
            request,
            status_code=409 if isinstance(exc, Conflict) else 422,
            form=form if edit else None,
            errors=getattr(exc, "errors", None) if edit else None,
            message=None if edit else exc.reason,
        )
    return _back_to_card(request)


async def edit_card(request: Request) -> Response:
    async def edit(
        uow: UnitOfWork, actor: Actor, group: WorkingGroup, card_id: int, form: dict[str, str]
    ) -> None:
        card, changed = await card_edits.edit_card(
            uow.session, actor, group, card_id, form, date.today()
        )
        if changed:
            await emit_card(request, uow, group, card, N_("Card changed: %(title)s"))

    return await _change(request, edit, edit=True)


async def move_card(request: Request) -> Response:
    async def move(
        uow: UnitOfWork, actor: Actor, group: WorkingGroup, card_id: int, form: dict[str, str]
    ) -> None:
        card = await cards.move_card(
            uow.session, actor, group, card_id, form.get("status"), form.get("seen")
        )
        await emit_card(request, uow, group, card, N_("Card moved: %(title)s"))

    return await _change(request, move)


async def match_card(request: Request) -> Response:
    async def match(
        uow: UnitOfWork, actor: Actor, group: WorkingGroup, card_id: int, form: dict[str, str]
    ) -> None:
        made = await matching.match_cards(uow.session, actor, group, card_id, form.get("other"))
        for card in (made.need, made.supply):
            await emit_card(request, uow, group, card, N_("Matched: %(title)s"))
        uow.enqueue("send_match_mail", made.record.id, job_id=f"match-{made.record.id}")

    return await _change(request, match)


CARD = "/groups/{slug:str}/board/cards/{card_id:int}"
routes = [
    Route(CARD, show_card, name="card"),
    Route(CARD + "/edit", edit_card, methods=["POST"], name="edit_card"),
    Route(CARD + "/status", move_card, methods=["POST"], name="move_card"),
    Route(CARD + "/matches", match_card, methods=["POST"], name="match_card"),
]
