"""Signed-in sessions: a signed cookie of its own name, with idle and absolute expiry.

The cookie (Starlette's SessionMiddleware, signed with SECRET_KEY) holds only the person's id,
when the sign-in began, when the person was last seen, and the CSRF token. A tampered cookie
fails its signature and counts as no cookie at all: the visitor is anonymous.
"""

from __future__ import annotations

import secrets
import time

from starlette.requests import Request

from server.domain.actors import ANONYMOUS, Actor
from server.domain.persons import actor_for

SESSION_COOKIE = "knotenpunkt_session"
SEEN_RESOLUTION = 60  # seconds: don't rewrite the cookie on every request


def sign_in(request: Request, person_id: int) -> None:
    """Start a fresh session for the person (a new CSRF token too: no fixation)."""
    now = int(time.time())
    request.session.clear()
    request.session.update(
        {"person": person_id, "issued": now, "seen": now, "csrf": secrets.token_urlsafe(32)}
    )
    request.state.actor = None


def sign_out(request: Request) -> None:
    request.session.clear()
    request.state.actor = ANONYMOUS


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use (anonymous visitors have one too)."""
    token = request.session.get("csrf")
    if not isinstance(token, str) or len(token) < 32:
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def current_actor(request: Request) -> Actor:
    """The signed-in person, or ANONYMOUS; an expired or orphaned session is ended."""
    cached = getattr(request.state, "actor", None)
    if cached is not None:
        return cached
    actor = await _load_actor(request)
    request.state.actor = actor
    return actor


async def _load_actor(request: Request) -> Actor:
    data = request.session
    person_id = data.get("person")
    if not isinstance(person_id, int):
        return ANONYMOUS
    settings = request.app.state.settings
    now = int(time.time())
    issued, seen = data.get("issued", 0), data.get("seen", 0)
    if now - issued > settings.session_max_seconds or now - seen > settings.session_idle_seconds:
        sign_out(request)
        return ANONYMOUS
    # A connection, not an ORM session: this runs for every request of a signed-in person.
    async with request.app.state.engine.connect() as connection:
        actor = await actor_for(connection, person_id)
    if actor is None:
        sign_out(request)
        return ANONYMOUS
    if now - seen >= SEEN_RESOLUTION:
        data["seen"] = now
    return actor


async def still_signed_in(request: Request, actor: Actor) -> Actor:
    """For a long-lived request (a live stream): the actor as of now, or ANONYMOUS once the
    sign-in passed its absolute limit or the person was removed. The idle limit does not end
    a stream: an open page is not idle."""
    if actor.is_anonymous or actor.person_id is None:
        return ANONYMOUS
    settings = request.app.state.settings
    issued = request.session.get("issued", 0)
    if int(time.time()) - issued > settings.session_max_seconds:
        return ANONYMOUS
    async with request.app.state.sessionmaker() as session:
        return await actor_for(session, actor.person_id) or ANONYMOUS
