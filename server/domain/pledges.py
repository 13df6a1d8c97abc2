"""Redeeming pledges ("we promise X if someone helps with Y").

Another organisation of the board redeems a pledge by fulfilling its condition and saying how;
the pledger (a person of the pledging organisation, or the group's moderator or an alliance
admin for it) confirms or declines; after confirmation the redeeming organisation writes a
short report, published as a knowledge page for others to copy. The pledge moves to
`in_progress` on the first confirmation and to `done` once its reports cover the helpers it
asked for. Every step is written to the card's history.

Every change locks the pledge's card first, so changes of one pledge run one after another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import cards, knowledge, validation
from server.domain.actors import Actor
from server.domain.errors import (
    N_,
    Conflict,
    DomainError,
    Invalid,
    Message,
    NotAllowed,
    NotFound,
)
from server.models import (
    Card,
    CardKind,
    CardStatus,
    KnowledgePage,
    Organisation,
    PageKind,
    Person,
    PledgeRedemption,
    RedemptionStatus,
    WorkingGroup,
)

FULFILMENT_MAX = 2000
REPORT_BODY_MAX = 20_000
MAIL_EVENTS = ("claimed", "confirmed", "declined", "reported")
_OPEN = (CardStatus.open, CardStatus.matched)


async def redemptions_of(
    session: AsyncSession, actor: Actor, group: WorkingGroup, card: Card
) -> list[PledgeRedemption]:
    """A pledge's redemptions, oldest first, with their organisations."""
    await cards.require_board_access(session, actor, group.id)
    if card.group_id != group.id:
        raise NotFound(N_("This card is not on this board (any more)."))
    result = await session.scalars(
        select(PledgeRedemption)
        .where(PledgeRedemption.pledge_id == card.id)
        .options(selectinload(PledgeRedemption.organisation))
        .order_by(PledgeRedemption.created_at, PledgeRedemption.id)
        .execution_options(populate_existing=True)
    )
    return list(result)


async def redeem(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    card_id: int,
    form: Mapping[str, str],
    today: date,
) -> PledgeRedemption:
    """The actor's organisation redeems the pledge; `fulfilment` says how it fulfilled the
    condition."""
    card = await cards.get_card(session, actor, group, card_id, lock=True)
    refusal = _redeem_refusal(actor, card, today, await _has_redeemed(session, actor, card))
    if refusal is not None:
        raise refusal
    errors = validation.Errors()
    fulfilment = validation.text(
        errors, "fulfilment", form.get("fulfilment"), max_length=FULFILMENT_MAX, required=True
    )
    if errors:
        raise Invalid(errors)
    redemption = PledgeRedemption(
        pledge=card,
        organisation=await session.get_one(Organisation, actor.organisation_id),
        claimed_by=actor.person_id,
        fulfilment=fulfilment,
        status=RedemptionStatus.claimed,
    )
    session.add(redemption)
    await session.flush()
    await cards.record_change(session, actor, card, "redeemed", {})
    return redemption


async def decide(
    session: AsyncSession, actor: Actor, group: WorkingGroup, redemption_id: int, confirm: bool
) -> PledgeRedemption:
    """The pledger confirms (the pledge is being kept) or declines a claimed redemption."""
    card, redemption = await _load(session, actor, group, redemption_id)
    if not _is_pledger(actor, card, redemption):
        raise NotAllowed(
            N_(
                "Only the pledging organisation, the group's moderators and the alliance "
                "admins may confirm or decline a redemption."
            )
        )
    if redemption.status is not RedemptionStatus.claimed:
        raise Conflict(N_("This redemption has been decided already."))
    redemption.status = RedemptionStatus.confirmed if confirm else RedemptionStatus.declined
    redemption.decided_by = actor.person_id
    redemption.decided_at = datetime.now(UTC)
    if not confirm:
        await cards.record_change(session, actor, card, "redemption_declined", {})
    elif card.status in _OPEN:
        await _move(session, actor, card, CardStatus.in_progress, "redemption_confirmed")
    else:
        await cards.record_change(session, actor, card, "redemption_confirmed", {})
    return redemption


def parse_decision(form: Mapping[str, str]) -> bool:
    """A decision from a form: `confirm` (True) or `decline` (False)."""
    decision = form.get("decision")
    if decision not in ("confirm", "decline"):
        raise Invalid({"decision": Message(N_("Please choose one of the offered values."))})
    return decision == "confirm"


async def reportable(
    session: AsyncSession, actor: Actor, group: WorkingGroup, redemption_id: int
) -> PledgeRedemption:
    """A confirmed redemption of the actor's organisation, whose report is still due (with
    its pledge and organisation): what the report form is for."""
    card, redemption = await _load(session, actor, group, redemption_id, lock=False)
    refusal = _report_refusal(actor, redemption)
    if refusal is not None:
        raise refusal
    return redemption


async def report(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    redemption_id: int,
    form: Mapping[str, str],
) -> KnowledgePage:
    """The redeeming organisation's report: published as a knowledge page (members or public,
    as the authors choose); the pledge is done once its reports cover the helpers it asked
    for."""
    card, redemption = await _load(session, actor, group, redemption_id)
    refusal = _report_refusal(actor, redemption)
    if refusal is not None:
        raise refusal
    text = knowledge.parse_page(form, body_max=REPORT_BODY_MAX)
    page = await knowledge.create_page(
        session,
        actor,
        kind=PageKind.pledge_report,
        title=text.title,
        body=text.body,
        visibility=text.visibility,
        organisation_id=redemption.organisation_id,
        group_id=group.id,
        source_card_id=card.id,
    )
    redemption.status = RedemptionStatus.reported
    redemption.report_page_id = page.id
    await session.flush()
    reports = await _count_reports(session, card)
    if reports >= reports_needed(card) and card.status in (*_OPEN, CardStatus.in_progress):
        await _move(session, actor, card, CardStatus.done, "redemption_reported")
    else:
        await cards.record_change(session, actor, card, "redemption_reported", {})
    return page


def reports_needed(card: Card) -> int:
    """How many reports finish a pledge: one per helper it asked for, at least one."""
    return card.helpers_needed or 1


@dataclass(frozen=True, slots=True)
class RedemptionView:
    """A pledge's redemptions as one person sees them on the card's page, with the buttons
    they get: redeem (for their organisation), confirm/decline (`may_decide`), write the
    report (`may_report`)."""

    redemptions: list[PledgeRedemption]
    may_redeem: bool
    redeem_refusal: str | None
    """Why the viewer's organisation cannot redeem (a message id); None when it can, and for
    the pledging organisation itself."""
    decidable: frozenset[int]
    reportable: frozenset[int]
    reports: int
    reports_needed: int

    def may_decide(self, redemption: PledgeRedemption) -> bool:
        return redemption.id in self.decidable

    def may_report(self, redemption: PledgeRedemption) -> bool:
        return redemption.id in self.reportable


async def redemption_view(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    card: Card,
    today: date | None = None,
) -> RedemptionView:
    """What the card page's redemption section needs (see `templates/boards/_redemptions.html`)."""
    redemptions = await redemptions_of(session, actor, group, card)
    own = any(r.organisation_id == actor.organisation_id for r in redemptions)
    refusal = _redeem_refusal(actor, card, today or date.today(), own)
    return RedemptionView(
        redemptions=redemptions,
        may_redeem=refusal is None,
        redeem_refusal=(
            None
            if refusal is None or actor.organisation_id == card.organisation_id
            else refusal.message
        ),
        decidable=frozenset(
            r.id
            for r in redemptions
            if r.status is RedemptionStatus.claimed and _is_pledger(actor, card, r)
        ),
        reportable=frozenset(r.id for r in redemptions if _report_refusal(actor, r) is None),
        reports=sum(r.status is RedemptionStatus.reported for r in redemptions),
        reports_needed=reports_needed(card),
    )


@dataclass(frozen=True, slots=True)
class RedemptionMail:
    """What to tell whom about one step of a redemption (for the mail job)."""

    event: str
    recipients: list[str]
    pledge_title: str
    pledger: str
    redeemer: str
    fulfilment: str
    group_slug: str
    card_id: int
    report_page_id: int | None


async def redemption_mail(
    session: AsyncSession, redemption_id: int, event: str
) -> RedemptionMail | None:
    """The other side of a step: the pledging organisation hears of a new redemption, the
    redeeming one of the decision, both of the report; each at the organisation's contact
    address and the address of the person who made the card or claimed the redemption.
    None when the redemption is gone or the step did not happen (any more)."""
    redemption = await session.scalar(
        select(PledgeRedemption)
        .where(PledgeRedemption.id == redemption_id)
        .options(
            selectinload(PledgeRedemption.organisation),
            selectinload(PledgeRedemption.pledge).selectinload(Card.organisation),
        )
    )
    if redemption is None or not _happened(redemption.status, event):
        return None
    card = redemption.pledge
    group_slug = await session.scalar(
        select(WorkingGroup.slug).where(WorkingGroup.id == card.group_id)
    )
    pledger = [card.organisation.contact_email, await _email_of(session, card.created_by)]
    redeemer = [
        redemption.organisation.contact_email,
        await _email_of(session, redemption.claimed_by),
    ]
    addresses = {
        "claimed": pledger,
        "confirmed": redeemer,
        "declined": redeemer,
        "reported": pledger + redeemer,
    }[event]
    return RedemptionMail(
        event=event,
        recipients=list(dict.fromkeys(a for a in addresses if a)),
        pledge_title=card.title,
        pledger=card.organisation.name,
        redeemer=redemption.organisation.name,
        fulfilment=redemption.fulfilment,
        group_slug=group_slug or "",
        card_id=card.id,
        report_page_id=redemption.report_page_id,
    )


def _happened(status: RedemptionStatus, event: str) -> bool:
    happened = {
        "claimed": set(RedemptionStatus),
        "confirmed": {RedemptionStatus.confirmed, RedemptionStatus.reported},
        "declined": {RedemptionStatus.declined},
        "reported": {RedemptionStatus.reported},
    }
    return status in happened.get(event, set())


async def _email_of(session: AsyncSession, person_id: int | None) -> str | None:
    if person_id is None:
        return None
    return await session.scalar(
        select(Person.email).where(Person.id == person_id, Person.removed_at.is_(None))
    )


def _redeem_refusal(
    actor: Actor, card: Card, today: date, already_redeemed: bool
) -> DomainError | None:
    """Why the actor's organisation may not redeem the pledge, or None."""
    if card.kind is not CardKind.pledge:
        return Conflict(N_("Only pledges can be redeemed; this card is a need or an offer."))
    if actor.organisation_id is None or actor.organisation_id == card.organisation_id:
        return NotAllowed(N_("An organisation cannot redeem its own pledge."))
    if card.status in (CardStatus.done, CardStatus.archived):
        return Conflict(N_("This pledge is finished; it cannot be redeemed any more."))
    if card.deadline is not None and card.deadline < today:
        return Conflict(N_("The deadline of this pledge has passed."))
    if already_redeemed:
        return Conflict(N_("Your organisation has redeemed this pledge already."))
    return None


def _report_refusal(actor: Actor, redemption: PledgeRedemption) -> DomainError | None:
    if actor.organisation_id != redemption.organisation_id:
        return NotAllowed(N_("Only the redeeming organisation writes the report."))
    if redemption.status is RedemptionStatus.reported:
        return Conflict(N_("The report on this redemption has been written already."))
    if redemption.status is not RedemptionStatus.confirmed:
        return Conflict(N_("The report can be written once the pledging organisation confirmed."))
    return None


def _is_pledger(actor: Actor, card: Card, redemption: PledgeRedemption) -> bool:
    """The pledging organisation decides; moderators and alliance admins may decide for it,
    but not on a redemption of their own organisation."""
    if actor.organisation_id == card.organisation_id:
        return True
    stands_in = actor.is_alliance_admin or actor.moderates(card.group_id)
    return stands_in and actor.organisation_id != redemption.organisation_id


async def _has_redeemed(session: AsyncSession, actor: Actor, card: Card) -> bool:
    found = await session.scalar(
        select(PledgeRedemption.id).where(
            PledgeRedemption.pledge_id == card.id,
            PledgeRedemption.organisation_id == actor.organisation_id,
        )
    )
    return found is not None


async def _load(
    session: AsyncSession,
    actor: Actor,
    group: WorkingGroup,
    redemption_id: int,
    *,
    lock: bool = True,
) -> tuple[Card, PledgeRedemption]:
    """A redemption of a pledge on this board, with the pledge (locked for an update) and the
    redeeming organisation."""
    pledge_id = await session.scalar(
        select(PledgeRedemption.pledge_id).where(PledgeRedemption.id == redemption_id)
    )
    if pledge_id is None:
        raise NotFound(N_("This redemption does not exist (any more)."))
    card = await cards.get_card(session, actor, group, pledge_id, lock=lock)
    query = (
        select(PledgeRedemption)
        .where(PledgeRedemption.id == redemption_id, PledgeRedemption.pledge_id == card.id)
        .options(selectinload(PledgeRedemption.organisation))
        .execution_options(populate_existing=True)
    )
    redemption = await session.scalar(query.with_for_update() if lock else query)
    if redemption is None:
        raise NotFound(N_("This redemption does not exist (any more)."))
    redemption.pledge = card
    return card, redemption


async def _count_reports(session: AsyncSession, card: Card) -> int:
    count = await session.scalar(
        select(func.count())
        .select_from(PledgeRedemption)
        .where(
            PledgeRedemption.pledge_id == card.id,
            PledgeRedemption.status == RedemptionStatus.reported,
        )
    )
    return count or 0


async def _move(
    session: AsyncSession, actor: Actor, card: Card, to: CardStatus, action: str
) -> None:
    before = card.status
    card.status = to
    await cards.record_change(session, actor, card, action, {"status": [before.value, to.value]})
