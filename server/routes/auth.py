"""Signing in through the organisation's own identity provider, asking to join, signing out."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server import oidc
from server.domain import identity
from server.domain.errors import N_, Invalid, NotFound
from server.routes.common import local_path, read_session, render, unit_of_work
from server.sessions import sign_in, sign_out

log = logging.getLogger(__name__)

ATTEMPT = "oidc"  # the sign-in in progress, in the session
IDENTITY = "identity"  # a verified identity without organisation, until it asks to join
IDENTITY_SECONDS = 1800


def _form_values(form: object) -> dict[str, str]:
    items = form.items() if hasattr(form, "items") else []
    return {key: value for key, value in items if isinstance(value, str)}


async def login_page(request: Request) -> Response:
    return await _login_form(request, {"next": local_path(request.query_params.get("next"))}, {})


async def _login_form(
    request: Request, form: dict[str, str], errors: dict[str, object], status: int = 200
) -> Response:
    async with read_session(request) as session:
        organisations = await identity.login_organisations(session)
    return render(
        request,
        "auth/login.html",
        status_code=status,
        organisations=organisations,
        form=form,
        errors=errors,
    )


async def start_login(request: Request) -> Response:
    if await _too_many(request):
        return _rate_limited(request)
    values = _form_values(await request.form())
    values["next"] = local_path(values.get("next"))
    try:
        async with read_session(request) as session:
            provider = await identity.choose_provider(session, values)
            protocol = oidc.Provider(provider.issuer, provider.client_id, provider.client_secret)
            provider_id = provider.id
    except Invalid as exc:
        return await _login_form(request, values, dict(exc.errors), status=422)
    try:
        metadata = await oidc.discover(protocol)
    except oidc.LoginRefused as exc:
        return _refused(request, exc)
    attempt = oidc.Attempt.start(provider_id, str(request.url_for("auth_callback")), values["next"])
    request.session[ATTEMPT] = attempt.as_dict()
    return RedirectResponse(await oidc.authorization_url(protocol, metadata, attempt), 303)


async def callback(request: Request) -> Response:
    if await _too_many(request):
        return _rate_limited(request)
    attempt = oidc.Attempt.from_dict(request.session.pop(ATTEMPT, None))
    try:
        code = oidc.check_callback(attempt, dict(request.query_params))
        assert attempt is not None
        if not await _first_use(request, attempt.state):
            raise oidc.LoginRefused(
                N_(
                    "This sign-in answer was already used. Nobody was signed in; "
                    "please sign in again."
                )
            )
        async with read_session(request) as session:
            try:
                provider = await identity.get_provider(session, attempt.provider_id)
            except NotFound as exc:
                raise oidc.LoginRefused(
                    N_("This organisation cannot sign in through its own login any more."), 403
                ) from exc
            protocol = oidc.Provider(provider.issuer, provider.client_id, provider.client_secret)
        metadata = await oidc.discover(protocol)
        claims = await oidc.redeem(protocol, metadata, attempt, code)
    except oidc.LoginRefused as exc:
        return _refused(request, exc)
    async with unit_of_work(request) as uow:
        provider = await identity.get_provider(uow.session, attempt.provider_id)
        found = await identity.sign_in_identity(uow.session, provider, claims)
        person_id = found.id if not isinstance(found, identity.VerifiedIdentity) else None
    if person_id is not None:
        sign_in(request, person_id)
        return RedirectResponse(attempt.next, status_code=303)
    assert isinstance(found, identity.VerifiedIdentity)
    sign_out(request)
    request.session[IDENTITY] = {**found.as_dict(), "at": int(time.time())}
    return RedirectResponse(request.url_for("join_request"), status_code=303)


def _pending_identity(request: Request) -> identity.VerifiedIdentity | None:
    data = request.session.get(IDENTITY)
    if not isinstance(data, dict) or time.time() - int(data.get("at", 0)) > IDENTITY_SECONDS:
        request.session.pop(IDENTITY, None)
        return None
    return identity.VerifiedIdentity.from_dict(data)


async def join_request_form(request: Request) -> Response:
    pending = _pending_identity(request)
    if pending is None:
        return RedirectResponse(request.url_for("login"), status_code=303)
    return render(request, "auth/join_request.html", pending=pending, form={}, errors={})


async def create_join_request(request: Request) -> Response:
    pending = _pending_identity(request)
    if pending is None:
        return RedirectResponse(request.url_for("login"), status_code=303)
    values = _form_values(await request.form())
    try:
        async with unit_of_work(request) as uow:
            join_request = await identity.create_join_request(uow.session, pending, values)
            organisation_name = join_request.organisation_name
    except Invalid as exc:
        return render(
            request,
            "auth/join_request.html",
            status_code=422,
            pending=pending,
            form=values,
            errors=exc.errors,
        )
    request.session.pop(IDENTITY, None)
    return render(request, "auth/join_requested.html", organisation_name=organisation_name)


async def logout(request: Request) -> Response:
    sign_out(request)
    return RedirectResponse(request.url_for("home"), status_code=303)


def _refused(request: Request, exc: oidc.LoginRefused) -> Response:
    return render(
        request,
        "auth/refused.html",
        status_code=exc.status,
        heading=N_("Sign-in refused"),
        message=exc.message,
    )


def _rate_limited(request: Request) -> Response:
    response = render(
        request,
        "auth/refused.html",
        status_code=429,
        heading=N_("Too many sign-in attempts"),
        message=N_(
            "There were too many sign-in attempts from your address. Please wait a few "
            "minutes and try again."
        ),
    )
    response.headers["Retry-After"] = str(request.app.state.settings.login_rate_window)
    return response


async def _too_many(request: Request) -> bool:
    """A fixed window per client address: INCR, and EXPIRE when the window opens."""
    settings = request.app.state.settings
    window = settings.login_rate_window
    client = request.client.host if request.client else "unknown"
    key = f"ratelimit:login:{client}:{int(time.time()) // window}"
    try:
        count = await request.app.state.redis.incr(key)
        if count == 1:
            await request.app.state.redis.expire(key, window)
    except Exception:  # Redis down: sign-in keeps working, unthrottled
        log.exception("login rate limit unavailable")
        return False
    return bool(count > settings.login_rate_limit)


async def _first_use(request: Request, state: str) -> bool:
    """Mark the attempt's state as used; False when it was used before (a replay)."""
    try:
        fresh = await request.app.state.redis.set(
            f"oidc:used-state:{state}", b"1", nx=True, ex=oidc.ATTEMPT_SECONDS
        )
    except Exception:  # the session and the provider's one-time codes still refuse replays
        log.exception("cannot record used sign-in states")
        return True
    return bool(fresh)


routes = [
    Route("/login", login_page, name="login"),
    Route("/login", start_login, methods=["POST"], name="start_login"),
    Route("/auth/callback", callback, name="auth_callback"),
    Route("/join-request", join_request_form, name="join_request"),
    Route("/join-request", create_join_request, methods=["POST"], name="create_join_request"),
    Route("/logout", logout, methods=["POST"], name="logout"),
]
