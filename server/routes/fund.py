"""The alliance fund: its page (balance, requests, pledges), one form for a request, the
request's page with its trail and the forms of each side, and the trail as CSV for the donors.

Every change redirects to the request's page (htmx swaps the request's part of it); a refused
change shows the page again with the reason. Live: each fund page follows its organisation's
fund channel, the committee's pages the committee's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from server.domain import channels, fund, fund_balance, money
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message
from server.domain.events import latest_event_id
from server.models import FundingRequest
from server.routes.common import current_actor, live_url, read_session, render, unit_of_work
from server.routes.fund_events import emit_fund
from server.uow import UnitOfWork

Change = Callable[[UnitOfWork, Actor, int, FormData], Awaitable[None]]
Act = Callable[[AsyncSession, Actor, int, dict[str, str], FormData], Awaitable[object]]


async def show_fund(
    request: Request,
    *,
    status_code: int = 200,
    pledge_form: dict[str, str] | None = None,
    pledge_errors: dict[str, Message] | None = None,
) -> Response:
    actor = await current_actor(request)
    async with read_session(request) as session:
        after = await latest_event_id(session)
        balance = await fund_balance.fund_balance(session)
        requests = await fund.list_requests(session, actor)
        pledges = await fund_balance.list_pledges(session, actor)
        donors = await fund_balance.donor_choices(session, actor) if actor.is_fund_committee else []
    return render(
        request,
        "fund/index.html",
        status_code=status_code,
        actor=actor,
        balance=balance,
        requests=requests,
        pledges=pledges,
        donors=donors,
        pledge_form=pledge_form or {},
        pledge_errors=pledge_errors or {},
        live_url=live_url(request, channels.fund_channel_of(actor), after),
    )


async def new_request(request: Request) -> Response:
    """The request form (GET), and submitting it (POST)."""
    actor = await current_actor(request)
    form: dict[str, str] = {}
    cards: list[str] = []
    errors: dict[str, Message] = {}
    if request.method == "POST":
        raw = await request.form()
        form, cards = _fields(raw), _cards(raw)
        try:
            async with unit_of_work(request) as uow:
                funding = await fund.submit(uow.session, actor, form, cards, date.today())
                await emit_fund(request, uow, funding, N_("New funding request: %(title)s"))
            return _to_request(request, funding.id)
        except Invalid as exc:
            errors = exc.errors
    async with read_session(request) as session:
        choices = await fund.request_choices(session, actor)
    return render(
        request,
        "fund/new.html",
        status_code=422 if errors else 200,
        choices=choices,
        form=form,
        chosen_cards=cards,
        errors=errors,
    )


async def show_request(
    request: Request,
    *,
    status_code: int = 200,
    problem: Message | None = None,
    failed: str | None = None,
    form: dict[str, str] | None = None,
    chosen_cards: list[str] | None = None,
    errors: dict[str, Message] | None = None,
) -> Response:
    """The request's page; after a refused change, `failed` names the form that was refused,
    shown again with what was typed (`form`) and its `errors`."""
    actor = await current_actor(request)
    request_id = request.path_params["request_id"]
    async with read_session(request) as session:
        after = await latest_event_id(session)
        view = await fund.request_view(session, actor, request_id)
        choices = await fund.request_choices(session, actor) if view.may_update else []
    funding = view.request
    edit_form = _edit_defaults(funding) if failed != "edit" else form or {}
    return render(
        request,
        "fund/show.html",
        status_code=status_code,
        view=view,
        funding=funding,
        choices=choices,
        problem=problem,
        failed=failed,
        form=form or {},
        errors=errors or {},
        edit_form=edit_form,
        chosen_cards=(
            chosen_cards
            if failed == "edit" and chosen_cards is not None
            else [str(c.id) for c in view.cards]
        ),
        live_url=live_url(request, channels.fund_channel_of(actor), after),
    )


def _changing(
    name: str, act: Act, announcement: Callable[[dict[str, str]], str], *, mail: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """The route of one change of a request (`name`, the form refused when it fails): `act`
    changes it, then every fund page concerned hears `announcement` (a message id that may
    name the request's `%(title)s`), and with `mail` the requesting organisation's people are
    told by e-mail."""

    async def endpoint(request: Request) -> Response:
        async def change(uow: UnitOfWork, actor: Actor, request_id: int, raw: FormData) -> None:
            form = _fields(raw)
            await act(uow.session, actor, request_id, form, raw)
            # Loaded (and locked) by the change: the session's identity map, no query.
            funding = await uow.session.get(FundingRequest, request_id)
            assert funding is not None
            await emit_fund(request, uow, funding, announcement(form), mail=mail)

        return await _change(request, name, change)

    return endpoint


DECIDED = {
    "approve": N_("Funding request approved: %(title)s"),
    "decline": N_("Funding request declined: %(title)s"),
    "info": N_("More information needed on the funding request %(title)s"),
}

edit_request = _changing(
    "edit",
    lambda session, actor, request_id, form, raw: fund.update(
        session, actor, request_id, form, _cards(raw), date.today()
    ),
    lambda form: N_("Funding request changed: %(title)s"),
)
withdraw_request = _changing(
    "withdraw",
    lambda session, actor, request_id, form, raw: fund.withdraw(session, actor, request_id, form),
    lambda form: N_("Funding request withdrawn: %(title)s"),
)
comment_request = _changing(
    "comment",
    lambda session, actor, request_id, form, raw: fund.comment(session, actor, request_id, form),
    lambda form: N_("New comment on the funding request %(title)s"),
)
decide_request = _changing(
    "decide",
    lambda session, actor, request_id, form, raw: fund.decide(session, actor, request_id, form),
    lambda form: DECIDED[form["decision"]],
    mail=True,
)
pay_request = _changing(
    "payout",
    lambda session, actor, request_id, form, raw: fund.record_payout(
        session, actor, request_id, form
    ),
    lambda form: N_("Payout recorded on the funding request %(title)s"),
    mail=True,
)
report_request = _changing(
    "report",
    lambda session, actor, request_id, form, raw: fund.report(session, actor, request_id, form),
    lambda form: N_("Report published on %(title)s"),
)


async def record_pledge(request: Request) -> Response:
    actor = await current_actor(request)
    form = _fields(await request.form())
    try:
        async with unit_of_work(request) as uow:
            await fund_balance.record_pledge(uow.session, actor, form)
    except Invalid as exc:
        return await show_fund(request, status_code=422, pledge_form=form, pledge_errors=exc.errors)
    return RedirectResponse(request.url_for("fund").path, status_code=303)


async def _change(request: Request, name: str, change: Change) -> Response:
    """Run one change of a request in one transaction; a refusal shows the page again."""
    actor = await current_actor(request)
    request_id = request.path_params["request_id"]
    raw = await request.form()
    form = _fields(raw)
    try:
        async with unit_of_work(request) as uow:
            await change(uow, actor, request_id, raw)
    except Invalid as exc:
        return await show_request(
            request,
            status_code=422,
            failed=name,
            form=form,
            chosen_cards=_cards(raw),
            errors=exc.errors,
            problem=exc.reason,
        )
    except Conflict as exc:
        return await show_request(
            request, status_code=409, failed=name, problem=exc.reason, form=form
        )
    return _to_request(request, request_id)


def _fields(raw: FormData) -> dict[str, str]:
    return {key: str(value) for key, value in raw.items() if key not in ("csrf_token", "cards")}


def _cards(raw: FormData) -> list[str]:
    return [str(value) for value in raw.getlist("cards")]


def _edit_defaults(funding: FundingRequest) -> dict[str, Any]:
    """The request's present values, for its change form."""
    return {
        "title": funding.title,
        "purpose": funding.purpose,
        "amount": money.plain_euros(funding.amount_requested),
        "starts_on": funding.starts_on.isoformat(),
        "ends_on": funding.ends_on.isoformat(),
        "group_id": str(funding.group_id),
    }


def _to_request(request: Request, request_id: int) -> Response:
    path = request.url_for("funding_request", request_id=request_id).path
    return RedirectResponse(path, status_code=303)


REQUEST = "/fund/requests/{request_id:int}"
routes = [
    Route("/fund", show_fund, name="fund"),
    Route("/fund/requests/new", new_request, methods=["GET", "POST"], name="new_funding_request"),
    Route(REQUEST, show_request, name="funding_request"),
    Route(REQUEST + "/edit", edit_request, methods=["POST"], name="edit_funding_request"),
    Route(
        REQUEST + "/withdraw", withdraw_request, methods=["POST"], name="withdraw_funding_request"
    ),
    Route(REQUEST + "/comments", comment_request, methods=["POST"], name="comment_funding_request"),
    Route(REQUEST + "/decision", decide_request, methods=["POST"], name="decide_funding_request"),
    Route(REQUEST + "/payouts", pay_request, methods=["POST"], name="pay_funding_request"),
    Route(REQUEST + "/report", report_request, methods=["POST"], name="report_funding_request"),
    Route("/fund/pledges", record_pledge, methods=["POST"], name="record_fund_pledge"),
]
