"""A person's own data: seen on a page, taken away as JSON."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import persons
from server.routes.common import current_actor, read_session, render


async def show_profile(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        profile = await persons.get_profile(session, actor)
    return render(request, "profile/show.html", profile=profile)


async def download_profile(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        data = persons.export_profile(await persons.get_profile(session, actor))
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="knotenpunkt-meine-daten.json"',
            "Cache-Control": "no-store",
        },
    )


routes = [
    Route("/profile", show_profile, name="profile"),
    Route("/profile/data.json", download_profile, name="profile_data"),
]
