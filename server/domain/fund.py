"""Funding requests of the alliance fund (Anschubfinanzierung).

A member organisation asks for money for a concrete project of one of its working groups: one
form with purpose, amount, time frame and the need cards of the group's board it answers. The
fund committee discusses it (comments), decides in one click and one sentence (approved with
an amount, declined, more information needed) and records the payouts; the requesting
organisation may change the request while it is open, withdraw it (also once approved, as
long as nothing was paid) and, after a payout, writes the report, published as a knowledge
page. Every step is a row of the trail with its date and person, and is audited.

Checks run in one order: the actor's rights, the input, then the request's state; every write
locks the request's row first, and approvals take the fund's lock too, so the fund never
grants more than was pledged (see `fund_balance`). A request's form is read by `fund_forms`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, fund_balance, fund_forms, knowledge, money, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed, NotFound
from server.models import (
    Card,
    CardKind,
    CardStatus,
    FundingRequest,
    FundingRequestCard,
    FundingStatus,
    FundingStep,
    FundingStepKind,
    GroupMember,
    KnowledgePage,
    PageKind,
    PageVisibility,
    WorkingGroup,
)

COMMENT_MAX = 5000
SENTENCE_MAX = 1000
REPORT_BODY_MAX = 20_000
OPEN = (FundingStatus.submitted, FundingStatus.info_requested)
DECISIONS = {
    "approve": (FundingStatus.approved, FundingStepKind.approved),
    "decline": (FundingStatus.declined, FundingStepKind.declined),
    "info": (FundingStatus.info_requested, FundingStepKind.info_requested),
}
# Held by every approval until its transaction ends: two approvals never both spend what is
# left of the fund.
FUND_LOCK = 0x4B4E4655


async def submit(
    session: AsyncSession,
    actor: Actor,
    form: Mapping[str, str],
    card_ids: Sequence[str],
    today: date,
) -> FundingRequest:
    """A new request of the actor's organisation."""
    rights.require_member(actor)
    assert actor.organisation_id is not None
    fields = await fund_forms.parse_request(session, actor.organisation_id, form, card_ids, today)
    request = FundingRequest(
        organisation_id=actor.organisation_id,
        created_by=actor.person_id,
        status=FundingStatus.submitted,
        version=1,
        **fund_forms.columns(fields),
    )
    session.add(request)
    await session.flush()
    session.add_all(FundingRequestCard(request_id=request.id, card_id=c) for c in fields.card_ids)
    await _step(
        session, actor, request, FundingStepKind.submitted, fields.amount_requested, bump=False
    )
    return request


async def update(
    session: AsyncSession,
    actor: Actor,
    request_id: int,
    form: Mapping[str, str],
    card_ids: Sequence[str],
    today: date,
) -> FundingRequest:
    """The requesting organisation changes its open request (e.g. with the information the
    committee asked for, said in `answer`); it is submitted again."""
    request = await _load(session, actor, request_id, lock=True)
    _require_requester(actor, request)
    fields = await fund_forms.parse_request(session, request.organisation_id, form, card_ids, today)
    answer = _sentence(form, "answer", required=False)
    version = _version(form)
    _require_current(request, version)
    if request.status not in OPEN:
        raise Conflict(N_("This request is decided or withdrawn; it cannot be changed any more."))
    for name, value in fund_forms.columns(fields).items():
        setattr(request, name, value)
    await session.execute(
        delete(FundingRequestCard).where(FundingRequestCard.request_id == request.id)
    )
    session.add_all(FundingRequestCard(request_id=request.id, card_id=c) for c in fields.card_ids)
    request.status = FundingStatus.submitted
    await _step(session, actor, request, FundingStepKind.updated, fields.amount_requested, answer)
    return request


async def withdraw(
    session: AsyncSession, actor: Actor, request_id: int, form: Mapping[str, str]
) -> FundingRequest:
    """The requesting organisation withdraws its request, saying why: while it is open, or
    once approved as long as nothing was paid (the granted money goes back to the fund)."""
    request = await _load(session, actor, request_id, lock=True)
    _require_requester(actor, request)
    reason = _sentence(form, "text")
    if request.status is FundingStatus.withdrawn:
        raise Conflict(N_("This request was withdrawn already."))
    if request.status is FundingStatus.declined:
        raise Conflict(N_("A declined request cannot be withdrawn."))
    if request.status is FundingStatus.approved and await fund_balance.paid_on(session, request.id):
        raise Conflict(N_("Money was paid out on this request; it cannot be withdrawn any more."))
    request.status = FundingStatus.withdrawn
    await _step(session, actor, request, FundingStepKind.withdrawn, None, reason)
    return request


async def comment(
    session: AsyncSession, actor: Actor, request_id: int, form: Mapping[str, str]
) -> FundingStep:
    """A comment in the discussion of a request: by the committee or the requesting
    organisation."""
    request = await _load(session, actor, request_id, lock=True)
    said = _sentence(form, "text", max_length=COMMENT_MAX)
    return await _step(
        session, actor, request, FundingStepKind.comment, None, said, bump=False, audited=False
    )


async def decide(
    session: AsyncSession, actor: Actor, request_id: int, form: Mapping[str, str]
) -> FundingRequest:
    """The committee's decision, in one sentence: `approve` with an amount (at most what was
    asked for and what the fund has left), `decline`, or `info` (more information needed)."""
    request = await _load(session, actor, request_id, lock=True)
    rights.require_may_decide_funding_request(actor, request.organisation_id)
    errors = validation.Errors()
    decision = form.get("decision", "")
    if decision not in DECISIONS:
        errors.add("decision", N_("Please choose one of the offered values."))
    sentence = validation.text(
        errors, "text", form.get("text"), max_length=SENTENCE_MAX, required=True
    )
    amount = (
        money.parse_cents(errors, "amount", form.get("amount")) if decision == "approve" else None
    )
    version = _version(form, errors)
    if errors:
        raise Invalid(errors)
    if request.status is FundingStatus.withdrawn:
        raise Conflict(N_("This request was withdrawn; it cannot be decided any more."))
    if request.status not in OPEN:
        raise Conflict(N_("This request has been decided already."))
    _require_current(request, version)
    status, kind = DECISIONS[decision]
    if amount is not None:
        await _require_grantable(session, request, amount)
        request.amount_granted = amount
    request.status = status
    await _step(session, actor, request, kind, amount, sentence)
    return request


async def record_payout(
    session: AsyncSession, actor: Actor, request_id: int, form: Mapping[str, str]
) -> FundingStep:
    """The committee records money paid out on an approved request; all payouts together stay
    within the granted amount."""
    request = await _load(session, actor, request_id, lock=True)
    rights.require_may_decide_funding_request(actor, request.organisation_id)
    errors = validation.Errors()
    amount = money.parse_cents(errors, "amount", form.get("amount"))
    note = validation.text(errors, "text", form.get("text"), max_length=SENTENCE_MAX)
    if errors or amount is None:
        raise Invalid(errors)
    if request.status is not FundingStatus.approved or request.amount_granted is None:
        raise Conflict(N_("Only an approved request is paid out."))
    still_due = request.amount_granted - await fund_balance.paid_on(session, request.id)
    if amount > still_due:
        raise Invalid(
            {
                "amount": Message(
                    N_("This is more than was granted: at most %(due)s are still to be paid."),
                    {"due": money.format_euros(still_due)},
                )
            }
        )
    return await _step(session, actor, request, FundingStepKind.payout, amount, note)


async def report(
    session: AsyncSession, actor: Actor, request_id: int, form: Mapping[str, str]
) -> KnowledgePage:
    """The requesting organisation's report after the project, published as a knowledge page
    for the members (once, after a payout)."""
    request = await _load(session, actor, request_id, lock=True)
    _require_requester(actor, request)
    page_text = knowledge.parse_page(
        {**form, "visibility": PageVisibility.members.value}, body_max=REPORT_BODY_MAX
    )
    if request.report_page_id is not None:
        raise Conflict(N_("The report on this request has been written already."))
    if request.status is not FundingStatus.approved or not await fund_balance.paid_on(
        session, request.id
    ):
        raise Conflict(N_("The report is written after the first payout."))
    page = await knowledge.create_page(
        session,
        actor,
        kind=PageKind.fund_report,
        title=page_text.title,
        body=page_text.body,
        visibility=PageVisibility.members,
        organisation_id=request.organisation_id,
        group_id=request.group_id,
        source_card_id=None,
    )
    request.report_page_id = page.id
    await _step(session, actor, request, FundingStepKind.reported, None, page_text.title)
    return page


async def get_request(session: AsyncSession, actor: Actor, request_id: int) -> FundingRequest:
    """A request with its organisation and group, if the actor may see it."""
    return await _load(session, actor, request_id)


async def list_requests(session: AsyncSession, actor: Actor) -> list[FundingRequest]:
    """The requests the actor may see, newest first: all of them for the committee, else
    those of the actor's organisation."""
    rights.require_member(actor)
    query = select(FundingRequest).options(
        selectinload(FundingRequest.organisation), selectinload(FundingRequest.group)
    )
    if not actor.is_fund_committee:
        query = query.where(FundingRequest.organisation_id == actor.organisation_id)
    result = await session.scalars(query.order_by(FundingRequest.id.desc()))
    return list(result)


@dataclass(frozen=True, slots=True)
class RequestView:
    """A request as one person sees it on its page, with the forms they get."""

    request: FundingRequest
    cards: list[Card]
    steps: list[FundingStep]
    paid: int
    still_due: int
    may_update: bool
    may_withdraw: bool
    may_comment: bool
    may_decide: bool
    may_pay: bool
    may_report: bool


async def request_view(session: AsyncSession, actor: Actor, request_id: int) -> RequestView:
    request = await _load(session, actor, request_id)
    cards = await session.scalars(
        select(Card)
        .join(FundingRequestCard, FundingRequestCard.card_id == Card.id)
        .where(FundingRequestCard.request_id == request.id)
        .order_by(Card.title)
    )
    steps = await session.scalars(
        select(FundingStep)
        .where(FundingStep.request_id == request.id)
        .options(selectinload(FundingStep.person), selectinload(FundingStep.organisation))
        .order_by(FundingStep.id)
    )
    paid = await fund_balance.paid_on(session, request.id)
    own = actor.organisation_id == request.organisation_id
    committee = actor.is_fund_committee and not own
    status = request.status
    approved = status is FundingStatus.approved
    return RequestView(
        request=request,
        cards=list(cards),
        steps=list(steps),
        paid=paid,
        still_due=(request.amount_granted or 0) - paid if approved else 0,
        may_update=own and status in OPEN,
        may_withdraw=own and (status in OPEN or (approved and paid == 0)),
        may_comment=True,
        may_decide=committee and status in OPEN,
        may_pay=committee and approved and paid < (request.amount_granted or 0),
        may_report=own and approved and paid > 0 and request.report_page_id is None,
    )


async def request_choices(session: AsyncSession, actor: Actor) -> list[tuple[int, str, list[Card]]]:
    """For the request form: the working groups of the actor's organisation, each with the
    need cards of its board that are still open (id, name, cards)."""
    rights.require_member(actor)
    groups = await session.execute(
        select(WorkingGroup.id, WorkingGroup.name)
        .join(GroupMember, GroupMember.group_id == WorkingGroup.id)
        .where(GroupMember.organisation_id == actor.organisation_id)
        .order_by(WorkingGroup.name)
    )
    choices = []
    for group_id, name in groups:
        found = await session.scalars(
            select(Card)
            .where(
                Card.group_id == group_id,
                Card.kind == CardKind.need,
                Card.status.not_in((CardStatus.done, CardStatus.archived)),
            )
            .order_by(Card.title)
        )
        choices.append((group_id, name, list(found)))
    return choices


def _sentence(
    form: Mapping[str, str], field: str, *, required: bool = True, max_length: int = SENTENCE_MAX
) -> str:
    errors = validation.Errors()
    said = validation.text(errors, field, form.get(field), max_length=max_length, required=required)
    if errors:
        raise Invalid(errors)
    return said


def _version(form: Mapping[str, str], errors: validation.Errors | None = None) -> int:
    raw = (form.get("version") or "").strip()
    if raw.isascii() and raw.isdigit() and len(raw) <= 9:
        return int(raw)
    refused = {"version": Message(N_("The form is incomplete; please reload the page."))}
    if errors is None:
        raise Invalid(refused)
    errors.update(refused)
    return 0


def _require_current(request: FundingRequest, version: int) -> None:
    if version != request.version:
        raise Conflict(
            N_("This request changed since you opened it; please read it again and then decide.")
        )


def _require_requester(actor: Actor, request: FundingRequest) -> None:
    if actor.organisation_id != request.organisation_id:
        raise NotAllowed(N_("Only the requesting organisation may do this."))


async def _require_grantable(session: AsyncSession, request: FundingRequest, amount: int) -> None:
    if amount > request.amount_requested:
        raise Invalid(
            {
                "amount": Message(
                    N_("The fund grants at most the requested %(requested)s."),
                    {"requested": money.format_euros(request.amount_requested)},
                )
            }
        )
    await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": FUND_LOCK})
    left = (await fund_balance.fund_balance(session)).left
    if amount > left:
        raise Invalid(
            {
                "amount": Message(
                    N_("The fund has only %(left)s left that is not granted yet."),
                    {"left": money.format_euros(left)},
                )
            }
        )


async def _load(
    session: AsyncSession, actor: Actor, request_id: int, *, lock: bool = False
) -> FundingRequest:
    rights.require_member(actor)
    query = (
        select(FundingRequest)
        .where(FundingRequest.id == request_id)
        .options(selectinload(FundingRequest.organisation), selectinload(FundingRequest.group))
        .execution_options(populate_existing=True)
    )
    request = await session.scalar(query.with_for_update(of=FundingRequest) if lock else query)
    if request is None:
        raise NotFound(N_("This funding request does not exist."))
    if not rights.may_see_funding_request(actor, request.organisation_id):
        raise NotAllowed(N_("Only the requesting organisation and the fund committee see this."))
    return request


async def _step(
    session: AsyncSession,
    actor: Actor,
    request: FundingRequest,
    kind: FundingStepKind,
    amount: int | None,
    said: str = "",
    *,
    bump: bool = True,
    audited: bool = True,
) -> FundingStep:
    """A step of the trail with its audit entry (not for a comment); the request's version
    rises with every change (`bump`), so a decision on what changed meanwhile is refused."""
    if bump:
        request.version += 1
    step = FundingStep(
        request_id=request.id,
        kind=kind,
        person_id=actor.person_id,
        organisation_id=actor.organisation_id,
        amount_cents=amount,
        text=said,
    )
    session.add(step)
    await session.flush()
    if audited:
        await audit.record(
            session,
            f"fund.request.{kind.value}",
            actor.person_id,
            request_id=request.id,
            organisation_id=request.organisation_id,
            status=request.status.value,
            amount_cents=amount,
        )
    if bump:
        await session.refresh(request, ["updated_at"])
    return step
