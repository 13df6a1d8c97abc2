"""One SSE stream per page, carrying all the channels the page shows.

A reconnecting browser sends `Last-Event-ID`; a fresh page passes `after`, the outbox position
it was rendered at. Either way the stream first replays what the outbox holds after that id,
then follows the live hub, skipping what the replay already sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import channels as live_channels
from server.domain.actors import ANONYMOUS
from server.domain.errors import N_, DomainError, Invalid, Message
from server.domain.events import REPLAY_LIMIT, events_after
from server.domain.persons import actor_for
from server.live import LiveEvent, Subscription
from server.live.recheck import Recheck
from server.live.stream import PING, Hangup, LiveStreamResponse
from server.routes.common import current_actor, read_session

MAX_EVENT_ID = 2**63 - 1  # events.id is a BIGINT
OPENING_AT_ONCE = 8  # of the pool's 10 (+20) connections


def _after(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if raw is None or raw == "":
        return None
    # ASCII digits only ("²".isdigit() is true, yet int() refuses it) and within BIGINT, so
    # a bad position is a 422 here rather than a crash in int() or in the replay query.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_EVENT_ID):
        raise Invalid({"after": Message(N_("The position in the live stream is malformed."))})
    return int(raw)


async def live(request: Request) -> Response:
    after = _after(request)
    actor = await current_actor(request)
    async with _opening(request), read_session(request) as session:
        channels = await live_channels.authorize_channels(
            session, actor, request.query_params.getlist("channel")
        )
    state = request.app.state
    hub = state.hub
    locale = request.state.locale
    # Whoever may not follow the channels any more (removed, left the group) loses the stream;
    # so does a sign-in that reaches its absolute limit while the page is open.
    recheck = _recheck(request)
    person_id = actor.person_id
    key = (person_id, tuple(channels))
    deadline = request.session.get("issued", 0) + state.settings.session_max_seconds

    async def still_allowed() -> bool:
        """Whether the person may still follow every channel."""
        async with state.sessionmaker() as session:
            now = await actor_for(session, person_id) if person_id is not None else None
            try:
                await live_channels.authorize_channels(session, now or ANONYMOUS, channels)
            except DomainError:
                return False
        return True

    presence = state.presence
    present_in = live_channels.session_ids(channels)
    hangup = Hangup()

    async def stream() -> AsyncIterator[bytes]:
        # A session's page with its stream open counts its person as present (live.presence).
        async with (
            presence.present(present_in, actor.person_id, actor.organisation_id),
            hub.subscribe(channels) as subscription,
        ):
            hangup.watch(subscription)
            with recheck.watch(key, still_allowed, subscription, deadline):
                following = _follow(request, subscription, channels, after, locale)
                async with aclosing(following):
                    async for chunk in following:
                        yield chunk

    return LiveStreamResponse(
        stream(), hangup, headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )


async def _follow(
    request: Request,
    subscription: Subscription,
    channels: list[str],
    after: int | None,
    locale: str,
) -> AsyncGenerator[bytes, None]:
    """What the outbox holds after `after`, then the hub's events as they come (all that
    queued meanwhile in one write), a ping when the hub asks for one; ends once the
    subscription is dropped (overflow, lost hub, recheck refused, client gone)."""
    replayed_up_to = after or 0
    # In batches until the outbox is exhausted: live events skip what the replay sent, so
    # stopping after one full batch would lose the events beyond it for good.
    while after is not None:
        async with _opening(request), read_session(request) as session:
            missed = await events_after(session, channels, replayed_up_to)
        if missed:
            events = [LiveEvent(row.id, row.channel, row.name, row.data) for row in missed]
            yield b"".join(event.sse(locale) for event in events)
            replayed_up_to = missed[-1].id
        if len(missed) < REPLAY_LIMIT:
            break
    while (batch := await subscription.batch()) is not None:
        if not batch:
            yield PING
            continue
        chunk = b"".join(event.sse(locale) for event in batch if event.id > replayed_up_to)
        if chunk:
            yield chunk


def _opening(request: Request) -> asyncio.Semaphore:
    """Streams opening at once take turns for the database, a few at a time: thousands of pages
    reconnecting together (a deploy, a lost hub) would otherwise take every connection of the
    pool, and wait for one longer than its timeout (an error), as would everyone else."""
    state = request.app.state
    opening: asyncio.Semaphore | None = getattr(state, "live_opening", None)
    if opening is None:
        opening = state.live_opening = asyncio.Semaphore(OPENING_AT_ONCE)
    return opening


def _recheck(request: Request) -> Recheck:
    """The app's one `Recheck` (made with the first stream)."""
    state = request.app.state
    recheck: Recheck | None = getattr(state, "live_recheck", None)
    if recheck is None:
        recheck = state.live_recheck = Recheck(state.settings.live_recheck_seconds)
    return recheck


routes = [Route("/live", live, name="live")]
