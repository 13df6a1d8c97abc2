"""The alliance admins' pages: join requests, identity providers and the audit log."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import audit, join_requests, providers, rights
from server.domain.errors import Invalid
from server.routes.common import current_actor, read_session, render, unit_of_work

DECISION_MAIL = "send_join_request_decision_mail"


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


def _redirect(request: Request, name: str) -> Response:
    return RedirectResponse(request.url_for(name).path, status_code=303)


async def index(request: Request) -> Response:
    rights.require_alliance_admin(await current_actor(request))
    return render(request, "admin/index.html")


async def list_join_requests(request: Request) -> Response:
    return await _join_requests_page(request, {})


async def _join_requests_page(request: Request, errors: Mapping[str, object]) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        found = await join_requests.list_join_requests(session, actor)
    return render(
        request,
        "admin/join_requests.html",
        status_code=422 if errors else 200,
        join_requests=found,
        errors=errors,
    )


async def approve_join_request(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        decided = await join_requests.approve_join_request(
            uow.session, actor, request.path_params["join_request_id"]
        )
        uow.enqueue(DECISION_MAIL, decided.id, job_id=f"join-request-decision:{decided.id}")
    return _redirect(request, "admin_join_requests")


async def decline_join_request(request: Request) -> Response:
    actor = await current_actor(request)
    join_request_id = request.path_params["join_request_id"]
    values = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            decided = await join_requests.decline_join_request(
                uow.session, actor, join_request_id, values
            )
            uow.enqueue(DECISION_MAIL, decided.id, job_id=f"join-request-decision:{decided.id}")
    except Invalid as exc:
        errors = {f"reason-{join_request_id}": message for message in exc.errors.values()}
        return await _join_requests_page(request, errors)
    return _redirect(request, "admin_join_requests")


async def list_providers(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        found = await providers.list_providers(session, actor)
    return render(request, "admin/providers.html", providers=found)


async def _provider_form(
    request: Request,
    form: dict[str, str],
    errors: dict[str, object],
    provider_id: int | None = None,
    status: int = 200,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        organisations = await providers.member_organisations(session, actor)
    form = {key: value for key, value in form.items() if key != "client_secret"}
    return render(
        request,
        "admin/provider_form.html",
        status_code=status,
        organisations=organisations,
        form=form,
        errors=errors,
        provider_id=provider_id,
    )


async def new_provider(request: Request) -> Response:
    return await _provider_form(request, {"enabled": "1"}, {})


async def create_provider(request: Request) -> Response:
    actor = await current_actor(request)
    values = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            await providers.add_provider(uow.session, actor, values)
    except Invalid as exc:
        return await _provider_form(request, values, dict(exc.errors), status=422)
    return _redirect(request, "admin_providers")


async def edit_provider(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        provider = await providers.get_provider(session, actor, request.path_params["provider_id"])
        form = {
            "organisation_id": str(provider.organisation_id),
            "issuer": provider.issuer,
            "client_id": provider.client_id,
            "email_domains": ", ".join(provider.email_domains),
            "enabled": "1" if provider.enabled else "",
        }
    return await _provider_form(request, form, {}, provider.id)


async def update_provider(request: Request) -> Response:
    actor = await current_actor(request)
    provider_id = request.path_params["provider_id"]
    values = await _form(request)
    try:
        async with unit_of_work(request) as uow:
            await providers.update_provider(uow.session, actor, provider_id, values)
    except Invalid as exc:
        return await _provider_form(request, values, dict(exc.errors), provider_id, status=422)
    return _redirect(request, "admin_providers")


async def list_audit_entries(request: Request) -> Response:
    actor = await current_actor(request)
    before = request.query_params.get("before", "")
    async with read_session(request) as session:
        entries = await audit.list_entries(
            session, actor, int(before) if before.isdigit() and len(before) < 19 else None
        )
    return render(
        request,
        "admin/audit.html",
        entries=entries,
        page_size=audit.PAGE_SIZE,
    )


routes = [
    Route("/admin", index, name="admin"),
    Route("/admin/join-requests", list_join_requests, name="admin_join_requests"),
    Route(
        "/admin/join-requests/{join_request_id:int}/approve",
        approve_join_request,
        methods=["POST"],
        name="approve_join_request",
    ),
    Route(
        "/admin/join-requests/{join_request_id:int}/decline",
        decline_join_request,
        methods=["POST"],
        name="decline_join_request",
    ),
    Route("/admin/providers", list_providers, name="admin_providers"),
    Route("/admin/providers", create_provider, methods=["POST"], name="create_provider"),
    Route("/admin/providers/new", new_provider, name="new_provider"),
    Route("/admin/providers/{provider_id:int}", edit_provider, name="edit_provider"),
    Route(
        "/admin/providers/{provider_id:int}",
        update_provider,
        methods=["POST"],
        name="update_provider",
    ),
    Route("/admin/audit", list_audit_entries, name="admin_audit"),
]
