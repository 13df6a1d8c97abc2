"""Domain errors and HTTP errors become pages (or short fragments for htmx) in one place."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response

from server import i18n
from server.domain.errors import (
    N_,
    Conflict,
    DomainError,
    Invalid,
    Message,
    NotAllowed,
    NotFound,
)
from server.domain.rights import SignInRequired
from server.routes.common import is_htmx, local_path, render

STATUS = {NotFound: 404, NotAllowed: 403, Conflict: 409, Invalid: 422}


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    if isinstance(exc, SignInRequired):
        return _sign_in_first(request, exc)
    status = next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 400)
    return _error_page(request, status, exc.message, getattr(exc, "errors", {}))


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    messages = {
        404: N_("This page or item does not exist (any more)."),
        405: N_("This action is not possible here."),
    }
    return _error_page(request, exc.status_code, messages.get(exc.status_code, exc.detail), {})


def _error_page(
    request: Request, status: int, message: str, errors: dict[str, Message]
) -> Response:
    if request.url.path.startswith(("/live", "/static")):
        # No page around it: name the precise problem when there is one.
        first = next(iter(errors.values()), None)
        text = i18n.translate(first) if first is not None else i18n.gettext(message)
        return PlainTextResponse(text, status_code=status)
    name = "errors/_error.html" if is_htmx(request) else "errors/error.html"
    return render(request, name, status_code=status, status=status, message=message, errors=errors)


def _sign_in_first(request: Request, exc: SignInRequired) -> Response:
    """Pages send a visitor to the sign-in, and back afterwards; streams just say 401."""
    if request.url.path.startswith(("/live", "/static")):
        return PlainTextResponse(i18n.gettext(exc.message), status_code=401)
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    back = here if request.method == "GET" else request.headers.get("hx-current-url", "/")
    target = "/login?" + urlencode({"next": local_path(_path_of(back))})
    if is_htmx(request):
        return Response(status_code=401, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


EXCEPTION_HANDLERS = {DomainError: domain_error, HTTPException: http_error}
