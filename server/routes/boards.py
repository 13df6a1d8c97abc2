"""A working group's board: its cards, and adding one (live for every open board page)."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import card_search, cards, channels, groups
from server.domain.errors import Invalid, Message
from server.domain.events import latest_event_id
from server.routes.common import (
    current_actor,
    is_htmx,
    live_url,
    read_session,
    render,
    unit_of_work,
)
from server.templating import render_per_locale


async def show_board(
    request: Request,
    form: dict[str, str] | None = None,
    errors: dict[str, Message] | None = None,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        after = await latest_event_id(session)
        group = await groups.get_group(session, actor, request.path_params["slug"])
        board = await cards.list_cards(session, actor, group)
    return render(
        request,
        "boards/show.html",
        status_code=422 if errors else 200,
        group=group,
        cards=board,
        form=form or {},
        errors=errors or {},
        live_url=live_url(request, channels.board_channel(group.id), after),
    )


async def add_card(request: Request) -> Response:
    actor = await current_actor(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    templates = request.app.state.templates
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, request.path_params["slug"])
            card = await cards.add_card(uow.session, actor, group, form, date.today())
            board = await cards.list_cards(uow.session, actor, group)
            await uow.emit(
                channels.board_channel(group.id),
                "cards",
                render_per_locale(templates, "boards/_cards_event.html", cards=board, added=card),
            )
    except Invalid as exc:
        if is_htmx(request):
            async with read_session(request) as session:
                group = await groups.get_group(session, actor, request.path_params["slug"])
            return render(
                request,
                "boards/_card_form.html",
                status_code=422,
                group=group,
                form=form,
                errors=exc.errors,
            )
        return await show_board(request, form=form, errors=exc.errors)
    if is_htmx(request):
        return render(request, "boards/_card_form.html", group=group, form={}, errors={})
    return RedirectResponse(str(request.url_for("board", slug=group.slug).path), status_code=303)


async def similar_cards(request: Request) -> Response:
    """What already exists like the card being typed (an htmx fragment)."""
    actor = await current_actor(request)
    text = request.query_params.get("title", "")
    async with read_session(request) as session:
        group = await groups.get_group(session, actor, request.path_params["slug"])
        similar = await card_search.similar_cards(session, actor, group, text)
    return render(request, "boards/_similar.html", similar=similar, typed=text.strip())


routes = [
    Route("/groups/{slug:str}/board", show_board, name="board"),
    Route("/groups/{slug:str}/board/cards", add_card, methods=["POST"], name="add_card"),
    Route("/groups/{slug:str}/board/similar", similar_cards, name="similar_cards"),
]
