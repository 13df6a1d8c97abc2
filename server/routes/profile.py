"""A person's own data: seen on a page, taken away as JSON."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import persons
from server.domain.errors import N_, Invalid, Message
from server.routes.common import current_actor, read_session, render, unit_of_work


async def show_profile(
    request: Request,
    *,
    status_code: int = 200,
    errors: dict[str, Message] | None = None,
    message: Message | None = None,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        profile = await persons.get_profile(session, actor)
    return render(
        request,
        "profile/show.html",
        status_code=status_code,
        profile=profile,
        errors=errors or {},
        message=message,
    )


async def save_notifications(request: Request) -> Response:
    actor = await current_actor(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    try:
        async with unit_of_work(request) as uow:
            await persons.set_notifications(uow.session, actor, form)
    except Invalid as exc:
        return await show_profile(request, status_code=422, errors=exc.errors)
    return await show_profile(request, message=Message(N_("Your choices are saved.")))


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
    Route(
        "/profile/notifications", save_notifications, methods=["POST"], name="save_notifications"
    ),
]
