"""Knowledge pages: reading one (public pages also without signing in)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import knowledge
from server.routes.common import current_actor, read_session, render


async def show_page(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        view = await knowledge.page_view(session, actor, request.path_params["page_id"])
    return render(
        request,
        "knowledge/show.html",
        page=view.page,
        source_card=view.source_card,
        board=view.board,
        paragraphs=knowledge.paragraphs(view.page.body),
    )


routes = [
    Route("/knowledge/{page_id:int}", show_page, name="knowledge_page"),
]
