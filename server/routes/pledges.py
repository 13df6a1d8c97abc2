"""Redeeming a pledge: claiming it, the pledger's decision, and the redeeming organisation's
report; each live for the board and told to the other side by e-mail."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import cards, groups, pledges
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, Message
from server.models import WorkingGroup
from server.routes.card_events import emit_card
from server.routes.common import current_actor, read_session, render, unit_of_work
from server.uow import UnitOfWork


async def redeem_pledge(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    slug, card_id = request.path_params["slug"], request.path_params["card_id"]
    try:
        async with unit_of_work(request) as uow:
            group = await groups.get_group(uow.session, actor, slug)
            redemption = await pledges.redeem(
                uow.session, actor, group, card_id, form, date.today()
            )
            await _announce(
                request,
                uow,
                actor,
                group,
                card_id,
                redemption.id,
                "claimed",
                N_("Pledge redeemed: %(title)s"),
            )
    except Invalid as exc:
        async with read_session(request) as session:
            group = await groups.get_group(session, actor, slug)
            card = await cards.get_card(session, actor, group, card_id)
            view = await pledges.redemption_view(session, actor, group, card)
        return render(
            request,
            "pledges/redeem.html",
            status_code=422,
            group=group,
            card=card,
            redemption_view=view,
            redeem_form=form,
            redeem_errors=exc.errors,
        )
    return _to_card(request, slug, card_id)


async def decide_redemption(request: Request) -> Response:
    actor = await current_actor(request)
    form = await _form(request)
    slug, redemption_id = request.path_params["slug"], request.path_params["redemption_id"]
    async with unit_of_work(request) as uow:
        group = await groups.get_group(uow.session, actor, slug)
        confirm = pledges.parse_decision(form)
        redemption = await pledges.decide(uow.session, actor, group, redemption_id, confirm)
        await _announce(
            request,
            uow,
            actor,
            group,
            redemption.pledge_id,
            redemption.id,
            "confirmed" if confirm else "declined",
            N_("Redemption confirmed: %(title)s")
            if confirm
            else N_("Redemption declined: %(title)s"),
        )
    return _to_card(request, slug, redemption.pledge_id)


async def redemption_report(request: Request) -> Response:
    """The report form (GET), and publishing the report (POST)."""
    actor = await current_actor(request)
    slug, redemption_id = request.path_params["slug"], request.path_params["redemption_id"]
    form: dict[str, str] = {"visibility": "members"}
    errors: dict[str, Message] = {}
    if request.method == "POST":
        form = await _form(request)
        try:
            async with unit_of_work(request) as uow:
                group = await groups.get_group(uow.session, actor, slug)
                page = await pledges.report(uow.session, actor, group, redemption_id, form)
                card_id = page.source_card_id
                assert card_id is not None
                await _announce(
                    request,
                    uow,
                    actor,
                    group,
                    card_id,
                    redemption_id,
                    "reported",
                    N_("Report published: %(title)s"),
                )
            return _to_card(request, slug, card_id)
        except Invalid as exc:
            errors = exc.errors
    async with read_session(request) as session:
        group = await groups.get_group(session, actor, slug)
        redemption = await pledges.reportable(session, actor, group, redemption_id)
    return render(
        request,
        "pledges/report.html",
        status_code=422 if errors else 200,
        group=group,
        redemption=redemption,
        card=redemption.pledge,
        form=form,
        errors=errors,
    )


async def _announce(
    request: Request,
    uow: UnitOfWork,
    actor: Actor,
    group: WorkingGroup,
    card_id: int,
    redemption_id: int,
    event: str,
    announcement: str,
) -> None:
    """Show the pledge as it is now on every open board page, and tell the other side by
    e-mail once the change is committed."""
    card = await cards.get_card(uow.session, actor, group, card_id)
    await emit_card(request, uow, group, card, announcement)
    uow.enqueue(
        "send_redemption_mail", redemption_id, event, job_id=f"redemption-{redemption_id}-{event}"
    )


def _to_card(request: Request, slug: str, card_id: int) -> Response:
    path = request.url_for("card", slug=slug, card_id=card_id).path
    return RedirectResponse(str(path), status_code=303)


async def _form(request: Request) -> dict[str, str]:
    return {key: str(value) for key, value in (await request.form()).items()}


REDEMPTION = "/groups/{slug:str}/board/redemptions/{redemption_id:int}"
routes = [
    Route(
        "/groups/{slug:str}/board/cards/{card_id:int}/redemptions",
        redeem_pledge,
        methods=["POST"],
        name="redeem_pledge",
    ),
    Route(REDEMPTION + "/decision", decide_redemption, methods=["POST"], name="decide_redemption"),
    Route(
        REDEMPTION + "/report",
        redemption_report,
        methods=["GET", "POST"],
        name="redemption_report",
    ),
]
