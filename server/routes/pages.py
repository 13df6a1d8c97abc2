"""The start page and the language switch."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import i18n
from server.domain import groups
from server.middleware import LOCALE_COOKIE
from server.routes.common import current_actor, local_path, read_session, render


async def home(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        fields = await groups.overview(session, actor)
        mine = await groups.my_groups(session, actor)
    return render(request, "home.html", fields=fields, my_groups=mine, actor=actor)


async def switch_language(request: Request) -> Response:
    locale = request.path_params["locale"]
    target = local_path(request.query_params.get("next"))
    response = RedirectResponse(target, status_code=303)
    if locale in i18n.LOCALES:
        response.set_cookie(
            LOCALE_COOKIE,
            locale,
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.secure_cookies,
        )
    return response


routes = [
    Route("/", home, name="home"),
    Route("/language/{locale:str}", switch_language, name="switch_language"),
]
