"""The people of an organisation, managed by its admins (and the alliance's)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import organisations, persons
from server.routes.common import current_actor, read_session, render, unit_of_work


async def list_people(request: Request) -> Response:
    actor = await current_actor(request)
    organisation_id = request.path_params["organisation_id"]
    async with read_session(request) as session:
        people = await persons.list_people(session, actor, organisation_id)
        organisation = await organisations.get_organisation(session, actor, organisation_id)
    return render(
        request,
        "organisations/people.html",
        organisation=organisation,
        people=people,
        actor=actor,
    )


async def remove_person(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        person = await persons.remove_person(uow.session, actor, request.path_params["person_id"])
    return _back_to_people(request, person.organisation_id)


async def approve_person(request: Request) -> Response:
    actor = await current_actor(request)
    async with unit_of_work(request) as uow:
        person = await persons.approve_person(uow.session, actor, request.path_params["person_id"])
    return _back_to_people(request, person.organisation_id)


async def set_organisation_admin(request: Request) -> Response:
    actor = await current_actor(request)
    form = await request.form()
    async with unit_of_work(request) as uow:
        person = await persons.set_organisation_admin(
            uow.session, actor, request.path_params["person_id"], form.get("admin") == "1"
        )
    return _back_to_people(request, person.organisation_id)


async def set_fund_committee(request: Request) -> Response:
    actor = await current_actor(request)
    form = await request.form()
    async with unit_of_work(request) as uow:
        person = await persons.set_fund_committee(
            uow.session, actor, request.path_params["person_id"], form.get("committee") == "1"
        )
    return _back_to_people(request, person.organisation_id)


def _back_to_people(request: Request, organisation_id: int) -> Response:
    url = request.url_for("people", organisation_id=organisation_id)
    return RedirectResponse(str(url.path), status_code=303)


routes = [
    Route("/organisations/{organisation_id:int}/people", list_people, name="people"),
    Route("/people/{person_id:int}/remove", remove_person, methods=["POST"], name="remove_person"),
    Route(
        "/people/{person_id:int}/approve", approve_person, methods=["POST"], name="approve_person"
    ),
    Route(
        "/people/{person_id:int}/organisation-admin",
        set_organisation_admin,
        methods=["POST"],
        name="set_organisation_admin",
    ),
    Route(
        "/people/{person_id:int}/fund-committee",
        set_fund_committee,
        methods=["POST"],
        name="set_fund_committee",
    ),
]
