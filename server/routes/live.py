"""One SSE stream per page, carrying all the channels the page shows.

A reconnecting browser sends `Last-Event-ID`; a fresh page passes `after`, the outbox position
it was rendered at. Either way the stream first replays what the outbox holds after that id,
then follows the live hub, skipping what the replay already sent.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import channels as live_channels
from server.domain.errors import N_, DomainError, Invalid, Message
from server.domain.events import REPLAY_LIMIT, events_after
from server.live import LiveEvent
from server.routes.common import current_actor, read_session
from server.sessions import still_signed_in

PING_SECONDS = 15
RETRY_MS = 1000
MAX_EVENT_ID = 2**63 - 1  # events.id is a BIGINT


def _after(request: Request) -> int | None:
    raw = request.headers.get("last-event-id") or request.query_params.get("after")
    if raw is None or raw == "":
        return None
    # ASCII digits only ("²".isdigit() is true, yet int() refuses it) and within BIGINT, so
    # a bad position is a 422 here rather than a crash in int() or in the replay query.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 19 and int(raw) <= MAX_EVENT_ID):
        raise Invalid({"after": Message(N_("The position in the live stream is malformed."))})
    return int(raw)


def _message(event: LiveEvent, locale: str) -> ServerSentEvent:
    data = event.data.get(locale) or next(iter(event.data.values()), "")
    return ServerSentEvent(data=data, event=event.name, id=str(event.id), retry=RETRY_MS)


async def live(request: Request) -> Response:
    after = _after(request)
    actor = await current_actor(request)
    async with read_session(request) as session:
        channels = await live_channels.authorize_channels(
            session, actor, request.query_params.getlist("channel")
        )
    hub = request.app.state.hub
    locale = request.state.locale
    recheck = request.app.state.settings.live_recheck_seconds

    async def still_allowed() -> bool:
        """Whether the person may still follow every channel (removed, expired: no)."""
        now = await still_signed_in(request, actor)
        try:
            async with read_session(request) as session:
                await live_channels.authorize_channels(session, now, channels)
        except DomainError:
            return False
        return True

    async def stream() -> AsyncIterator[ServerSentEvent]:
        async with hub.subscribe(channels) as subscription:
            replayed_up_to = after or 0
            # In batches until the outbox is exhausted: live events skip what the replay sent,
            # so stopping after one full batch would lose the events beyond it for good.
            while after is not None:
                async with read_session(request) as session:
                    missed = await events_after(session, channels, replayed_up_to)
                for row in missed:
                    event = LiveEvent(row.id, row.channel, row.name, row.data)
                    yield _message(event, locale)
                    replayed_up_to = row.id
                if len(missed) < REPLAY_LIMIT:
                    break
            while True:
                try:
                    async with asyncio.timeout(recheck):
                        event = await subscription.get()
                except TimeoutError:
                    if not await still_allowed():
                        return  # the browser reconnects, and is refused
                    continue
                if event is None:  # dropped: the browser reconnects and replays
                    return
                if event.id <= replayed_up_to:
                    continue
                yield _message(event, locale)

    return EventSourceResponse(
        stream(),
        ping=PING_SECONDS,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


routes = [Route("/live", live, name="live")]
