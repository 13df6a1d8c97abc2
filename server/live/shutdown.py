"""Whether the server is shutting down, so that open live streams end and let it stop.

uvicorn waits for open responses before it stops (and before the lifespan's shutdown), and a
live stream never ends by itself. sse-starlette, whose `AppStatus` hooks uvicorn's exit
handler when imported, asks the same two questions; here the hub's keep-alive tick asks them
once a second for all streams of the process, instead of one watcher per stream.
"""

from __future__ import annotations

import signal

from sse_starlette.sse import AppStatus


def server_is_closing() -> bool:
    if AppStatus.should_exit:
        return True
    # uvicorn installs its signal handler as a bound method of its Server, which has
    # `should_exit` set once a signal came (recent uvicorn bypasses the hooked handle_exit).
    handler = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    return bool(getattr(server, "should_exit", False))
