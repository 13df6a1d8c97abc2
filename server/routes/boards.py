"""A working group's board: its cards filtered, adding one (live for every open board page),
and what already exists like the card being typed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import i18n
from server.caching import TimedCache
from server.domain import boards, card_search, cards, channels, groups
from server.domain.errors import N_, Invalid, Message
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
from server.templating import card_fragments


@dataclass
class _Listed:
    """A board listing as pages show it, with its cards joined once per language."""

    listing: boards.BoardListing
    html: dict[str, Markup] = field(default_factory=dict)


BoardListings = TimedCache[tuple[int, boards.BoardFilter, int], _Listed]


def board_listings() -> BoardListings:
    """Board pages are asked for far more often than boards change: a listing is kept per
    board, filter and newest board event (each card change publishes one), so most pages read
    one statement instead of 200 cards; the age limit covers changes made outside the app.
    One per app (`app.state.board_listings`)."""
    return TimedCache(size=500, max_age=60)


async def _listed(
    request: Request, session: AsyncSession, head: boards.BoardHead, wanted: boards.BoardFilter
) -> tuple[boards.BoardListing, Markup]:
    key = (head.group.id, wanted, head.board_event_id)
    listings: BoardListings = request.app.state.board_listings
    listed = listings.get(key)
    if listed is None:
        listed = _Listed(await boards.board_listing(session, head, wanted))
        listings.put(key, listed)
    locale = i18n.current_locale.get()
    html = listed.html.get(locale)
    if html is None:
        fragments = card_fragments(request.app.state.templates)
        cards, slug = listed.listing.cards, head.group.slug
        missing = fragments.missing(cards, slug)
        if missing:
            fragments.keep(cards, await boards.full_cards(session, missing), slug)
        html = listed.html[locale] = fragments.many(cards, slug)
    return listed.listing, html


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
        head = await boards.board_head(session, actor, request.path_params["slug"])
        listing, cards_html = await _listed(request, session, head, board_filter)
    status = 422 if errors or filter_errors else 200
    context = {
        "group": head.group,
        "cards": listing.cards,
        "cards_html": cards_html,
        "board_filter": board_filter,
        "query_lexemes": listing.query_lexemes,
    }
    if htmx_target(request) == "cards":  # the filter form asks for the cards alone
        return render(request, "boards/_cards.html", status_code=status, **context)
    return render(
        request,
        "boards/show.html",
        status_code=status,
        choices=listing.choices,
        filter_form=params,
        filter_errors=filter_errors,
        form=form or {},
        errors=errors or {},
        live_url=live_url(request, channels.board_channel(head.group.id), head.seen_event_id),
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
