"""The alliance's open needs, offers and pledges across every working group (`/needs`)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import card_overview, groups
from server.domain.errors import Invalid, Message
from server.routes.common import current_actor, htmx_target, read_session, render


async def alliance_board(request: Request) -> Response:
    params = dict(request.query_params)
    actor = await current_actor(request)
    errors: dict[str, Message] = {}
    async with read_session(request) as session:
        try:
            overview = await card_overview.list_open_cards(session, actor, params)
        except Invalid as exc:  # raised after the rights were checked
            overview, errors = card_overview.OverviewPage([], 0, 1, 1), exc.errors
        context = {"overview": overview, "params": params, "errors": errors}
        status = 422 if errors else 200
        if htmx_target(request) == "card-results":
            return render(request, "overview/_results.html", status_code=status, **context)
        fields = await groups.list_fields(session)
        regions = await card_overview.list_regions(session, actor)
    return render(
        request,
        "overview/index.html",
        status_code=status,
        fields=fields,
        regions=regions,
        **context,
    )


routes = [Route("/needs", alliance_board, name="alliance_board")]
