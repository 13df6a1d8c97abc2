"""The HTTP side of a live stream: a `text/event-stream` response written from an async
iterator of ready-made SSE bytes.

sse-starlette's `EventSourceResponse` runs four tasks per response in a task group (the stream,
a ping timer, a shutdown watcher, a disconnect listener) and encodes every message per stream;
with ten thousand open pages in one process that is most of the memory and much of the time of
a fan-out. Here a stream is its request's own task and one listener for the disconnect; pings
and the shutdown come from the hub (one task per process), and an event is encoded once per
language (`LiveEvent.sse`). The bytes on the wire are the same as sse-starlette's.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import suppress

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from server.live.hub import Subscription

# Where the outermost middleware (security.SecurityHeadersMiddleware) leaves the send below the
# app's middlewares: a stream's events go there once its headers went the whole way.
BODY_SEND = "knotenpunkt.body_send"

PING = b": ping\r\n\r\n"


class Hangup:
    """Ends a stream's subscription once its client is gone, whether the client went before or
    after the stream subscribed."""

    __slots__ = ("_subscription", "gone")

    def __init__(self) -> None:
        self.gone = False
        self._subscription: Subscription | None = None

    def watch(self, subscription: Subscription) -> None:
        self._subscription = subscription
        if self.gone:
            subscription.drop()

    def __call__(self) -> None:
        self.gone = True
        if self._subscription is not None:
            self._subscription.drop()


class LiveStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(
        self,
        body: AsyncIterator[bytes],
        hangup: Hangup,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status_code = 200
        self.background = None
        self.body_iterator = body
        self.hangup = hangup
        self.init_headers({"Connection": "keep-alive", **(headers or {})})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        start = {"type": "http.response.start", "status": 200, "headers": self.raw_headers}
        if scope.get("method") == "HEAD":  # headers only: a stream would never end
            await send(start)
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            await _close(self.body_iterator)
            return
        listener = asyncio.create_task(self._listen(receive))
        try:
            await send(start)
            # The headers went through every middleware; the events take the short way (the
            # middlewares above only act on a response's start).
            body_send: Send = scope.get(BODY_SEND, send)
            async for chunk in self.body_iterator:
                if self.hangup.gone:
                    break
                await body_send({"type": "http.response.body", "body": chunk, "more_body": True})
            if not self.hangup.gone:
                await body_send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.cancel()
            await _close(self.body_iterator)

    async def _listen(self, receive: Receive) -> None:
        """The client's disconnect ends the stream (writes to a gone client go nowhere)."""
        while (await receive())["type"] != "http.disconnect":
            pass
        self.hangup()


async def _close(iterator: AsyncIterator[bytes]) -> None:
    aclose: Callable[[], object] | None = getattr(iterator, "aclose", None)
    if aclose is not None:
        with suppress(RuntimeError):  # already running or closed
            await aclose()  # type: ignore[misc]
