"""The alliance fund's money: what donor members pledged (recorded by the committee), and the
balance every member sees, computed in SQL from the recorded rows alone: pledges, the granted
amounts of approved requests, and the payouts of the trail. Nothing is added up elsewhere, so
the fund's page, the export and the decisions cannot disagree."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, money, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid
from server.models import (
    FundingRequest,
    FundingStatus,
    FundingStep,
    FundingStepKind,
    FundPledge,
    Organisation,
    OrganisationStatus,
)

NOTE_MAX = 1000


@dataclass(frozen=True, slots=True)
class FundBalance:
    """In cents. `committed_unpaid` is granted but not paid yet; `left` is pledged but not
    granted yet (what new approvals may spend)."""

    pledged: int
    granted: int
    paid: int

    @property
    def committed_unpaid(self) -> int:
        return self.granted - self.paid

    @property
    def left(self) -> int:
        return self.pledged - self.granted


async def fund_balance(session: AsyncSession) -> FundBalance:
    pledged = select(func.coalesce(func.sum(FundPledge.amount_cents), 0)).scalar_subquery()
    granted = (
        select(func.coalesce(func.sum(FundingRequest.amount_granted), 0))
        .where(FundingRequest.status == FundingStatus.approved)
        .scalar_subquery()
    )
    paid = (
        select(func.coalesce(func.sum(FundingStep.amount_cents), 0))
        .where(FundingStep.kind == FundingStepKind.payout)
        .scalar_subquery()
    )
    row = (await session.execute(select(pledged, granted, paid))).one()
    return FundBalance(pledged=int(row[0]), granted=int(row[1]), paid=int(row[2]))


async def paid_on(session: AsyncSession, request_id: int) -> int:
    """What was paid out on one request so far, in cents."""
    paid = await session.scalar(
        select(func.coalesce(func.sum(FundingStep.amount_cents), 0)).where(
            FundingStep.request_id == request_id, FundingStep.kind == FundingStepKind.payout
        )
    )
    return int(paid or 0)


async def record_pledge(session: AsyncSession, actor: Actor, form: Mapping[str, str]) -> FundPledge:
    """The committee records what a donor member organisation pledged to the fund."""
    rights.require_fund_committee(actor)
    errors = validation.Errors()
    donor = await _donor(session, errors, form.get("organisation_id"))
    amount = money.parse_cents(errors, "amount", form.get("amount"))
    note = validation.text(errors, "note", form.get("note"), max_length=NOTE_MAX)
    if errors or donor is None or amount is None:
        raise Invalid(errors)
    pledge = FundPledge(
        organisation_id=donor, amount_cents=amount, note=note, recorded_by=actor.person_id
    )
    session.add(pledge)
    await session.flush()
    await audit.record(
        session, "fund.pledge.recorded", actor.person_id, organisation_id=donor, amount_cents=amount
    )
    return pledge


async def list_pledges(session: AsyncSession, actor: Actor) -> list[FundPledge]:
    """Every pledge, newest first: the fund is the alliance's, its donors are no secret."""
    rights.require_member(actor)
    result = await session.scalars(
        select(FundPledge)
        .options(selectinload(FundPledge.organisation))
        .order_by(FundPledge.recorded_at.desc(), FundPledge.id.desc())
    )
    return list(result)


async def donor_choices(session: AsyncSession, actor: Actor) -> list[tuple[int, str]]:
    """The member organisations the committee may record a pledge of."""
    rights.require_fund_committee(actor)
    rows = await session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.status == OrganisationStatus.member)
        .order_by(Organisation.name)
    )
    return [(row[0], row[1]) for row in rows]


async def _donor(session: AsyncSession, errors: validation.Errors, raw: str | None) -> int | None:
    text = (raw or "").strip()
    if text.isascii() and text.isdigit() and len(text) <= 9:
        found = await session.scalar(
            select(Organisation.id).where(
                Organisation.id == int(text), Organisation.status == OrganisationStatus.member
            )
        )
        if found is not None:
            return int(found)
    errors.add("organisation_id", N_("Please choose a member organisation."))
    return None
