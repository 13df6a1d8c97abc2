"""The fund's balance after any sequence of pledges, requests, decisions, withdrawals and
payouts, applied through the domain against the real database, equals the sums of its parts
as counted from the operations that were accepted; and exactly the operations the rules allow
are accepted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import date

from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from server.domain import fund, fund_balance
from server.domain.actors import Actor
from server.domain.errors import DomainError
from server.models import FundingRequest
from tests import factories

TODAY = date(2026, 11, 24)
OPEN = ("submitted", "info_requested")

cents = st.integers(min_value=1, max_value=400_000)
small = st.integers(min_value=1, max_value=150_000)
index = st.integers(min_value=0, max_value=3)
# Any sequence, usually begun with money in the fund and requests to decide on (so that
# approvals, payouts and withdrawals of approved requests happen often enough to matter).
operations = st.tuples(
    st.lists(st.tuples(st.just("pledge"), cents), max_size=2),
    st.lists(st.tuples(st.just("submit"), cents), max_size=3),
    st.lists(
        st.one_of(
            st.tuples(st.just("pledge"), cents),
            st.tuples(st.just("submit"), cents),
            st.tuples(st.just("approve"), index, small),
            st.tuples(st.sampled_from(["decline", "info", "resubmit", "withdraw"]), index),
            st.tuples(st.just("payout"), index, small),
            st.tuples(st.just("payout"), index, small),
        ),
        max_size=12,
    ),
).map(lambda parts: [op for part in parts for op in part])


@dataclass
class Requested:
    id: int
    requested: int
    status: str = "submitted"
    granted: int = 0
    paid: int = 0


@dataclass
class Ledger:
    """The fund as counted from the accepted operations alone."""

    pledged: int = 0
    requests: list[Requested] = field(default_factory=list)

    @property
    def granted(self) -> int:
        return sum(r.granted for r in self.requests if r.status == "approved")

    @property
    def paid(self) -> int:
        return sum(r.paid for r in self.requests)

    def allows(self, op: tuple[object, ...]) -> bool:
        kind = op[0]
        if kind in ("pledge", "submit"):
            return True
        target = self._target(op)
        if target is None:
            return False
        if kind == "approve":
            amount = op[2]
            assert isinstance(amount, int)
            left = self.pledged - self.granted
            return target.status in OPEN and amount <= target.requested and amount <= left
        if kind in ("decline", "info", "resubmit"):
            return target.status in OPEN
        if kind == "withdraw":
            return target.status in OPEN or (target.status == "approved" and target.paid == 0)
        amount = op[2]
        assert kind == "payout" and isinstance(amount, int)
        return target.status == "approved" and amount <= target.granted - target.paid

    def apply(self, op: tuple[object, ...], request_id: int | None) -> None:
        kind = op[0]
        amount = op[-1]
        if kind == "pledge":
            assert isinstance(amount, int)
            self.pledged += amount
            return
        if kind == "submit":
            assert isinstance(amount, int) and request_id is not None
            self.requests.append(Requested(request_id, amount))
            return
        target = self._target(op)
        assert target is not None
        if kind == "approve":
            assert isinstance(amount, int)
            target.status, target.granted = "approved", amount
        elif kind == "payout":
            assert isinstance(amount, int)
            target.paid += amount
        else:
            target.status = {
                "decline": "declined",
                "info": "info_requested",
                "resubmit": "submitted",
                "withdraw": "withdrawn",
            }[str(kind)]

    def _target(self, op: tuple[object, ...]) -> Requested | None:
        position = op[1]
        assert isinstance(position, int)
        return self.requests[position] if position < len(self.requests) else None


@dataclass
class People:
    requester: Actor
    committee: Actor
    donor_id: int
    group_id: int
    card_id: int


@asynccontextmanager
async def _rolled_back(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


async def _people(session: AsyncSession) -> People:
    group = await factories.working_group(session)
    _, person = await factories.member_of_group(session, group)
    requester = factories.actor_of(person)
    card = await factories.need(session, requester, group, TODAY)
    donor = await factories.organisation(session)
    committee = factories.actor_of(await factories.person(session, donor.id, fund_committee=True))
    return People(requester, committee, donor.id, group.id, card.id)


def _euros(amount: int) -> str:
    return f"{amount // 100},{amount % 100:02d}"


async def _apply(
    session: AsyncSession, people: People, ledger: Ledger, op: tuple[object, ...]
) -> int | None:
    """Run one operation through the domain; the id of a submitted request."""
    kind = op[0]
    amount = op[-1]
    if kind == "pledge":
        assert isinstance(amount, int)
        form = {"organisation_id": str(people.donor_id), "amount": _euros(amount)}
        await fund_balance.record_pledge(session, people.committee, form)
        return None
    request_form = {
        "title": "Projekt",
        "purpose": "Zweck",
        "starts_on": "2026-12-01",
        "ends_on": "2027-01-31",
        "group_id": str(people.group_id),
    }
    if kind == "submit":
        assert isinstance(amount, int)
        form = {**request_form, "amount": _euros(amount)}
        request = await fund.submit(session, people.requester, form, [str(people.card_id)], TODAY)
        return request.id
    position = op[1]
    assert isinstance(position, int)
    if position >= len(ledger.requests):
        raise DomainError()  # no such request: refused like any other
    target = ledger.requests[position]
    version = await session.scalar(
        select(FundingRequest.version).where(FundingRequest.id == target.id)
    )
    said = {"text": "Ein Satz.", "version": str(version)}
    if kind in ("approve", "decline", "info"):
        assert isinstance(amount, int)
        form = {**said, "decision": str(kind), "amount": _euros(amount)}
        await fund.decide(session, people.committee, target.id, form)
    elif kind == "resubmit":
        form = {**request_form, **said, "amount": _euros(target.requested)}
        await fund.update(session, people.requester, target.id, form, [str(people.card_id)], TODAY)
    elif kind == "withdraw":
        await fund.withdraw(session, people.requester, target.id, said)
    else:
        assert isinstance(amount, int)
        await fund.record_payout(session, people.committee, target.id, {"amount": _euros(amount)})
    return None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
# Always tried too: payouts up to the granted amount and past it, withdrawals before and after
# a payout, decisions on decided and withdrawn requests, approvals beyond the fund's money.
@example(
    ops=[
        ("pledge", 500_000),
        ("submit", 200_000),
        ("approve", 0, 150_000),
        ("payout", 0, 100_000),
        ("payout", 0, 60_000),
        ("payout", 0, 50_000),
        ("withdraw", 0),
        ("submit", 100_000),
        ("approve", 1, 100_000),
        ("withdraw", 1),
        ("approve", 1, 100_000),
        ("payout", 1, 1),
    ]
)
@example(
    ops=[
        ("submit", 1_000),
        ("approve", 0, 1_000),
        ("pledge", 500),
        ("approve", 0, 600),
        ("info", 0),
        ("resubmit", 0),
        ("approve", 0, 500),
        ("decline", 0),
        ("info", 0),
        ("resubmit", 0),
        ("pledge", 100),
        ("submit", 100),
        ("approve", 1, 100),
        ("payout", 1, 101),
    ]
)
async def test_the_balance_is_the_sum_of_the_accepted_operations(
    domain_engine: AsyncEngine, ops: list[tuple[object, ...]]
) -> None:
    async with _rolled_back(domain_engine) as session:
        people = await _people(session)
        ledger = Ledger()
        for op in ops:
            allowed = ledger.allows(op)
            savepoint = await session.begin_nested()
            try:
                request_id = await _apply(session, people, ledger, op)
            except DomainError:
                await savepoint.rollback()
                assert not allowed, f"refused, yet the rules allow it: {op}"
                continue
            await savepoint.commit()
            assert allowed, f"accepted, yet the rules refuse it: {op}"
            event(f"accepted: {op[0]}")
            ledger.apply(op, request_id)
            balance = await fund_balance.fund_balance(session)
            assert (balance.pledged, balance.granted, balance.paid) == (
                ledger.pledged,
                ledger.granted,
                ledger.paid,
            )
            assert balance.left == ledger.pledged - ledger.granted >= 0
            assert balance.committed_unpaid == ledger.granted - ledger.paid >= 0
