"""Security headers on every response, and the CSRF check on every unsafe request.

The CSRF token lives in the signed session. htmx sends it in the `X-CSRF-Token` header (set on
`<body hx-headers>`); plain forms carry it in the `csrf_token` field. A request whose token is
missing or wrong, or whose Origin is another site, is refused with 403 and a clear page before
any route runs, so nothing is changed.
"""

from __future__ import annotations

import hmac
from urllib.parse import parse_qs, urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.errors import N_
from server.live import stream

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_FORM_BYTES = 1_000_000
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}


class SecurityHeadersMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # The send below every middleware of the app: a live stream sends its body through it
        # (server/live/stream.py), once its headers went the whole way, sparing each event of
        # each stream the wrappers that only look at the start of a response.
        scope[stream.BODY_SEND] = send

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CSRFMiddleware:
    """Runs inside the session middleware: `scope["session"]` holds the expected token."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.origin = _origin(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in UNSAFE_METHODS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        expected = scope.get("session", {}).get("csrf")
        origin = headers.get("origin")
        if origin and origin != "null" and origin != self.origin and origin != _own_origin(scope):
            await _refuse(scope, receive, send, N_("This request came from another site."))
            return
        body = b""
        given = headers.get(CSRF_HEADER)
        if given is None and headers.get("content-type", "").startswith(
            "application/x-www-form-urlencoded"
        ):
            body, too_large = await _read_body(receive)
            if too_large:
                await _refuse(scope, receive, send, N_("This form is too large."), status=413)
                return
            values = parse_qs(body.decode("latin-1"), max_num_fields=1000).get(CSRF_FIELD)
            given = values[0] if values else None
        if not expected or not given or not hmac.compare_digest(str(expected), given):
            await _refuse(
                scope,
                receive,
                send,
                N_(
                    "This form has expired or did not come from Knotenpunkt. Please reload "
                    "the page and try again: nothing was changed."
                ),
            )
            return
        await self.app(scope, _replay(body, receive) if body else receive, send)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _own_origin(scope: Scope) -> str:
    host = Headers(scope=scope).get("host", "")
    return f"{scope.get('scheme', 'http')}://{host}"


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    chunks: list[bytes] = []
    size = 0
    more = True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_FORM_BYTES:
            return b"", True
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks), False


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _refuse(
    scope: Scope, receive: Receive, send: Send, message: str, status: int = 403
) -> None:
    from server.routes.common import is_htmx, render

    request = Request(scope, receive)
    name = "errors/_error.html" if is_htmx(request) else "errors/error.html"
    response = render(request, name, status_code=status, status=status, message=message, errors={})
    await response(scope, receive, send)
