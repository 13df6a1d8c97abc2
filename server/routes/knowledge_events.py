"""A session's summary published: every open page of the session hears it (a `summary` event
with the link), and its participants get an e-mail (a job, once)."""

from __future__ import annotations

from starlette.requests import Request

from server.domain import channels
from server.models import KnowledgePage
from server.templating import render_per_locale
from server.uow import UnitOfWork


async def announce_published(request: Request, uow: UnitOfWork, page: KnowledgePage) -> None:
    if page.meeting_id is None:
        return
    await uow.emit(
        channels.session_channel(page.meeting_id),
        "summary",
        render_per_locale(request.app.state.templates, "sessions/_summary_event.html", page=page),
    )
    uow.enqueue("send_summary_published", page.id, job_id=f"published:{page.id}")
