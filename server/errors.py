"""Domain errors and HTTP errors become pages (or short fragments for htmx) in one place."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

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
from server.routes.common import is_htmx, render

STATUS = {NotFound: 404, NotAllowed: 403, Conflict: 409, Invalid: 422}


async def domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)
    status = STATUS.get(type(exc), 400)
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


EXCEPTION_HANDLERS = {DomainError: domain_error, HTTPException: http_error}
