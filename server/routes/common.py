"""What every route needs: sessions, the acting person, page rendering, htmx awareness."""

# `current_actor` is re-exported: routes ask this module who is acting.

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response

from server.sessions import current_actor
from server.uow import UnitOfWork


@asynccontextmanager
async def read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """A session for reading only; nothing it does is committed."""
    async with request.app.state.sessionmaker() as session:
        yield session


def unit_of_work(request: Request) -> UnitOfWork:
    """One transaction on the app's database, publishing and enqueueing after its commit."""
    state = request.app.state
    return UnitOfWork(state.sessionmaker, state.hub, state.jobs)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def htmx_target(request: Request) -> str | None:
    return request.headers.get("hx-target") if is_htmx(request) else None


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(request, name, context, status_code=status_code)


def live_url(request: Request, channel: str, after: int) -> str:
    """The page's SSE address: its channel, and the outbox position it was rendered at."""
    url = request.url_for("live").include_query_params(channel=channel, after=after)
    return f"{url.path}?{url.query}"


def local_path(value: str | None, fallback: str = "/") -> str:
    """A same-site path to return to; anything else (another host, a scheme) is refused."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    return value


__all__ = [
    "current_actor",
    "htmx_target",
    "is_htmx",
    "live_url",
    "local_path",
    "read_session",
    "render",
    "unit_of_work",
]
