"""The fund's trail for the donors: every pledge and every step of every request, with its date,
person and organisation (the committee exports all of it; a requesting organisation its own);
and who is told of a decision or payout by e-mail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from server.domain import rights
from server.domain.actors import Actor
from server.models import (
    FundingRequest,
    FundingStep,
    FundingStepKind,
    FundPledge,
    Organisation,
    Person,
)

MAILED = (
    FundingStepKind.approved,
    FundingStepKind.declined,
    FundingStepKind.info_requested,
    FundingStepKind.payout,
)


@dataclass(frozen=True, slots=True)
class TrailRow:
    at: datetime
    person: str
    organisation: str
    request_id: int | None
    request: str
    step: str  # a FundingStepKind's value, or "pledge"
    amount_cents: int | None
    text: str


async def trail(session: AsyncSession, actor: Actor) -> list[TrailRow]:
    """Oldest first. A removed person's name is gone: their rows keep the organisation."""
    rights.require_member(actor)
    step_org = aliased(Organisation)
    steps = (
        select(FundingStep, FundingRequest.title, Person.name, step_org.name)
        .join(FundingRequest, FundingRequest.id == FundingStep.request_id)
        .outerjoin(Person, Person.id == FundingStep.person_id)
        .outerjoin(step_org, step_org.id == FundingStep.organisation_id)
    )
    pledges = (
        select(FundPledge, Organisation.name, Person.name)
        .join(Organisation, Organisation.id == FundPledge.organisation_id)
        .outerjoin(Person, Person.id == FundPledge.recorded_by)
    )
    if not actor.is_fund_committee:
        steps = steps.where(FundingRequest.organisation_id == actor.organisation_id)
        pledges = pledges.where(FundPledge.organisation_id == actor.organisation_id)
    steps, pledges = steps.order_by(FundingStep.id), pledges.order_by(FundPledge.id)
    rows = [
        TrailRow(
            at=step.at,
            person=person or "",
            organisation=organisation or "",
            request_id=step.request_id,
            request=title,
            step=step.kind.value,
            amount_cents=step.amount_cents,
            text=step.text,
        )
        for step, title, person, organisation in await session.execute(steps)
    ]
    # Pledges first: in one moment (one transaction) the money comes before what spends it.
    rows = [
        TrailRow(
            at=pledge.recorded_at,
            person=person or "",
            organisation=donor,
            request_id=None,
            request="",
            step="pledge",
            amount_cents=pledge.amount_cents,
            text=pledge.note,
        )
        for pledge, donor, person in await session.execute(pledges)
    ] + rows
    return sorted(rows, key=lambda row: row.at)


@dataclass(frozen=True, slots=True)
class StepNotice:
    """What to tell the requesting organisation's people about one step, by e-mail."""

    kind: FundingStepKind
    request_id: int
    title: str
    amount_cents: int | None
    text: str
    recipients: list[tuple[str, str | None]]  # (address, language or None)


async def claim_step_notice(session: AsyncSession, step_id: int) -> StepNotice | None:
    """The notice of a decision or payout, claimed: the step is marked told in this
    transaction, so a job that commits after sending tells nobody twice. None when the step is
    gone, told already, or not one to tell."""
    step = await session.scalar(
        select(FundingStep).where(FundingStep.id == step_id).with_for_update()
    )
    if step is None or step.notified_at is not None or step.kind not in MAILED:
        return None
    request = await session.get_one(FundingRequest, step.request_id)
    people = await session.execute(
        select(Person.email, Person.locale).where(
            Person.organisation_id == request.organisation_id,
            Person.removed_at.is_(None),
            Person.awaiting_approval.is_(False),
            Person.email.is_not(None),
            Person.email != "",
        )
    )
    step.notified_at = datetime.now(UTC)
    await session.flush()
    return StepNotice(
        kind=step.kind,
        request_id=request.id,
        title=request.title,
        amount_cents=step.amount_cents,
        text=step.text,
        recipients=[(email, locale) for email, locale in people if email],
    )


async def last_step_id(session: AsyncSession, request_id: int) -> int:
    """The newest step of a request (the one a change just wrote)."""
    step_id = await session.scalar(
        select(FundingStep.id)
        .where(FundingStep.request_id == request_id)
        .order_by(FundingStep.id.desc())
        .limit(1)
    )
    assert step_id is not None  # every request has its submission step
    return int(step_id)
