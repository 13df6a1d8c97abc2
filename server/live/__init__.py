"""The live hub: publish a rendered fragment on a channel after commit; every SSE subscriber of
that channel, in any web process, receives it. See `hub.py` and `backends.py`."""

from server.live.events import LiveEvent
from server.live.hub import Hub, Subscription

__all__ = ["Hub", "LiveEvent", "Subscription"]
