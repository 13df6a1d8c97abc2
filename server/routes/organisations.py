"""The organisation directory and adding an organisation."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import card_overview, groups, organisations, rights
from server.domain.errors import Invalid
from server.routes.common import (
    current_actor,
    htmx_target,
    read_session,
    render,
    unit_of_work,
)


async def directory(request: Request) -> Response:
    params = dict(request.query_params)
    actor = await current_actor(request)
    async with read_session(request) as session:
        fields = await groups.list_fields(session)
        regions = await organisations.list_regions(session)
        try:
            directory_filter = organisations.DirectoryFilter.parse(params)
        except Invalid as exc:
            await organisations.list_organisations(session, actor)  # rights before errors
            return render(
                request,
                "organisations/index.html",
                status_code=422,
                fields=fields,
                regions=regions,
                params=params,
                errors=exc.errors,
                organisations=[],
            )
        found = await organisations.list_organisations(session, actor, directory_filter)
    name = (
        "organisations/_results.html"
        if htmx_target(request) == "organisation-results"
        else "organisations/index.html"
    )
    return render(
        request,
        name,
        fields=fields,
        regions=regions,
        params=params,
        errors={},
        organisations=found,
    )


async def new_organisation(request: Request) -> Response:
    rights.require_alliance_admin(await current_actor(request))
    async with read_session(request) as session:
        fields = await groups.list_fields(session)
    return render(request, "organisations/new.html", fields=fields, form={}, errors={})


async def create_organisation(request: Request) -> Response:
    form = await request.form()
    values = {key: str(value) for key, value in form.items() if isinstance(value, str)}
    field_slugs = [str(value) for value in form.getlist("fields")]
    try:
        async with unit_of_work(request) as uow:
            organisation = await organisations.add_organisation(
                uow.session, await current_actor(request), values, field_slugs
            )
    except Invalid as exc:
        async with read_session(request) as session:
            fields = await groups.list_fields(session)
        return render(
            request,
            "organisations/new.html",
            status_code=422,
            fields=fields,
            form={**values, "fields": field_slugs},
            errors=exc.errors,
        )
    url = request.url_for("organisation", organisation_id=organisation.id)
    return RedirectResponse(str(url), status_code=303)


async def show_organisation(request: Request) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        organisation = await organisations.get_organisation(
            session, actor, request.path_params["organisation_id"]
        )
        memberships = await groups.groups_of(session, organisation.id)
        open_cards, open_card_count = await card_overview.list_organisation_cards(
            session, actor, organisation.id
        )
    return render(
        request,
        "organisations/show.html",
        organisation=organisation,
        memberships=memberships,
        open_cards=open_cards,
        open_card_count=open_card_count,
        may_manage_people=rights.may_manage_people_of(actor, organisation.id),
    )


routes = [
    Route("/organisations", directory, name="organisations"),
    Route("/organisations", create_organisation, methods=["POST"], name="create_organisation"),
    Route("/organisations/new", new_organisation, name="new_organisation"),
    Route("/organisations/{organisation_id:int}", show_organisation, name="organisation"),
]
