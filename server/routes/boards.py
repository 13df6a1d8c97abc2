"""A working group's board: its cards filtered, adding one (live for every open board page),
and what already exists like the card being typed."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import boards, card_search, cards, channels, groups
from server.domain.errors import N_, Invalid, Message
from server.domain.events import latest_event_id
from server.routes.card_events import emit_card
from server.routes.common import (
    current_actor,
    htmx_target,
    is_htmx,
    live_url,
    read_session,
    render,
    unit_of_work,
)


async def show_board(
    request: Request,
    form: dict[str, str] | None = None,
    errors: dict[str, Message] | None = None,
) -> Response:
    actor = await current_actor(request)
    params = dict(request.query_params)
    filter_errors: dict[str, Message] = {}
    try:
        board_filter = boards.parse_filter(params)
    except Invalid as exc:
        board_filter, filter_errors = boards.BoardFilter(), exc.errors
    async with read_session(request) as session:
        after = await latest_event_id(session)
        group = await groups.get_group(session, actor, request.path_params["slug"])
        board = await boards.list_cards(session, actor, group, board_filter)
        query_lexemes = await boards.lexemes(session, board_filter.q)
        choices = (
            None if htmx_target(request) == "cards" else await boards.filter_choices(session, group)
        )
    status = 422 if errors or filter_errors else 200
    context = {
        "group": group,
        "cards": board,
        "board_filter": board_filter,
        "query_lexemes": query_lexemes,
    }
    if choices is None:
        return render(request, "boards/_cards.html", status_code=status, **context)
    return render(
        request,
        "boards/show.html",
        status_code=status,
        choices=choices,
        filter_form=params,
        filter_errors=filter_errors,
        form=form or {},
        errors=errors or {},
        live_url=live_url(request, channels.board_channel(group.id), after),
        **context,
    )


async def add_card(request: Request) -> Response:
    actor = await current_actor(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, request.path_params["slug"])
            card = await cards.add_card(uow.session, actor, group, form, date.today())
            await emit_card(request, uow, group, card, N_("New on the board: %(title)s"))
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
    """What already exists on every board like the card being typed (an htmx fragment). The
    summaries are the alliance's, whichever board's form asks: the group is not looked up,
    which keeps this request (sent while typing) quick."""
    actor = await current_actor(request)
    title = request.query_params.get("title", "")
    description = request.query_params.get("description", "")
    async with read_session(request) as session:
        similar = await card_search.similar_cards(session, actor, title, description)
    typed = max(title.strip(), description.strip(), key=len)
    return render(request, "boards/_similar.html", similar=similar, typed=typed)


routes = [
    Route("/groups/{slug:str}/board", show_board, name="board"),
    Route("/groups/{slug:str}/board/cards", add_card, methods=["POST"], name="add_card"),
    Route("/groups/{slug:str}/board/similar", similar_cards, name="similar_cards"),
]
