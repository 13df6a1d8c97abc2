"""Pure ASGI middleware: the reader's interface language for the whole request, and who is
signed in (loaded once, so that every page's header can name the person)."""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from server import i18n
from server.sessions import current_actor

LOCALE_COOKIE = "kp_lang"


class LocaleMiddleware:
    def __init__(self, app: ASGIApp, default_locale: str) -> None:
        self.app = app
        self.default_locale = default_locale

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        cookie = None
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                try:
                    morsel = SimpleCookie(value.decode("latin-1")).get(LOCALE_COOKIE)
                except CookieError:
                    morsel = None
                cookie = morsel.value if morsel else cookie
        locale = i18n.pick_locale(cookie, self.default_locale)
        scope.setdefault("state", {})["locale"] = locale
        with i18n.use_locale(locale):
            await self.app(scope, receive, send)


class ActorMiddleware:
    """Runs inside the session middleware: loads the signed-in person before any route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and not scope["path"].startswith("/static")
            and scope.get("session", {}).get("person") is not None
        ):
            await current_actor(Request(scope, receive))
        await self.app(scope, receive, send)
