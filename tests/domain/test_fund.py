"""Funding requests of the alliance fund: every state change with its step and audit entry,
every refusal with its reason, and nothing saved half-way."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import channels, fund, fund_balance, fund_trail, persons
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed
from server.models import (
    AuditEntry,
    Card,
    FundingRequest,
    FundingRequestCard,
    FundingStatus,
    FundingStep,
    FundingStepKind,
    KnowledgePage,
    Organisation,
    PageKind,
    PageVisibility,
    WorkingGroup,
)
from tests import factories
from tests.actors import ADMIN

TODAY = date(2026, 11, 24)


@dataclass
class Scene:
    """A group with a requesting organisation and its need card; a committee member of a
    foundation outside the group; a committee member of the requesting organisation; another
    member organisation; and 10.000 € pledged."""

    group: WorkingGroup
    requesting: Organisation
    requester: Actor
    card: Card
    committee: Actor
    own_committee: Actor
    other: Actor


@pytest.fixture
async def scene(session: AsyncSession) -> Scene:
    group = await factories.working_group(session)
    requesting, person = await factories.member_of_group(session, group, email="r@req.example")
    requester = factories.actor_of(person)
    card = await factories.need(session, requester, group, TODAY)
    foundation = await factories.organisation(session)
    committee = factories.actor_of(
        await factories.person(session, foundation.id, fund_committee=True)
    )
    own_committee = factories.actor_of(
        await factories.person(session, requesting.id, fund_committee=True)
    )
    other = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    await fund_balance.record_pledge(
        session, committee, {"organisation_id": str(foundation.id), "amount": "10.000"}
    )
    return Scene(group, requesting, requester, card, committee, own_committee, other)


def _form(scene: Scene, **fields: str) -> dict[str, str]:
    return {
        "title": "Sprachcafé für Neuankommende",
        "purpose": "Raummiete und Material für zwölf Treffen.",
        "amount": "1.500",
        "starts_on": "2026-12-01",
        "ends_on": "2027-03-31",
        "group_id": str(scene.group.id),
        **fields,
    }


async def _submit(session: AsyncSession, scene: Scene, **fields: str) -> FundingRequest:
    return await fund.submit(
        session, scene.requester, _form(scene, **fields), [str(scene.card.id)], TODAY
    )


async def _decide(
    session: AsyncSession,
    scene: Scene,
    request: FundingRequest,
    decision: str = "approve",
    amount: str = "1.200",
    actor: Actor | None = None,
    version: int | None = None,
) -> FundingRequest:
    form = {
        "decision": decision,
        "amount": amount,
        "text": "Passt gut zum Fonds.",
        "version": str(request.version if version is None else version),
    }
    return await fund.decide(session, actor or scene.committee, request.id, form)


async def _pay(
    session: AsyncSession, scene: Scene, request: FundingRequest, amount: str
) -> FundingStep:
    return await fund.record_payout(
        session, scene.committee, request.id, {"amount": amount, "text": "Erste Rate"}
    )


async def _steps(session: AsyncSession, request: FundingRequest) -> list[tuple[str, int | None]]:
    rows = await session.scalars(
        select(FundingStep).where(FundingStep.request_id == request.id).order_by(FundingStep.id)
    )
    return [(row.kind.value, row.amount_cents) for row in rows]


async def _audited(session: AsyncSession, request: FundingRequest) -> list[str]:
    rows = await session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.details["request_id"].as_integer() == request.id)
        .order_by(AuditEntry.id)
    )
    return list(rows)


async def _count(session: AsyncSession, model: type) -> int:
    return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_request_is_submitted_with_its_cards_a_step_and_an_audit_entry(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene, amount="1 500,50 €")
    assert request.status is FundingStatus.submitted
    assert request.amount_requested == 150_050
    assert request.organisation_id == scene.requesting.id
    cards = await session.scalars(
        select(FundingRequestCard.card_id).where(FundingRequestCard.request_id == request.id)
    )
    assert list(cards) == [scene.card.id]
    assert await _steps(session, request) == [("submitted", 150_050)]
    assert await _audited(session, request) == ["fund.request.submitted"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("-500", "negative amounts are refused"),
        ("0", "more than zero"),
        ("0,00 €", "more than zero"),
        ("10.000.000,01", "not plausible"),
        ("99999999999", "not plausible"),
        ("zwölf", "e.g. 1.500"),
        ("1,500", "e.g. 1.500"),
        ("12,345", "e.g. 1.500"),
        ("", "Please enter an amount"),
    ],
)
async def test_a_bad_amount_is_refused_and_nothing_is_saved(
    session: AsyncSession, scene: Scene, amount: str, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        await _submit(session, scene, amount=amount)
    assert message in refused.value.errors["amount"].id
    assert await _count(session, FundingRequest) == 0
    assert await _count(session, FundingStep) == 0


async def test_every_field_is_checked_at_once(session: AsyncSession, scene: Scene) -> None:
    with pytest.raises(Invalid) as refused:
        await fund.submit(
            session,
            scene.requester,
            {"title": " ", "amount": "-1", "starts_on": "2027-01-02", "ends_on": "2027-01-01"},
            [],
            TODAY,
        )
    assert set(refused.value.errors) == {
        "title",
        "purpose",
        "amount",
        "ends_on",
        "group_id",
        "cards",
    }


async def test_only_need_cards_of_one_of_the_organisations_groups_are_accepted(
    session: AsyncSession, scene: Scene
) -> None:
    elsewhere = await factories.working_group(session)
    with pytest.raises(Invalid) as refused:
        await _submit(session, scene, group_id=str(elsewhere.id))
    assert "group_id" in refused.value.errors
    offer = await factories.need(session, scene.requester, scene.group, TODAY, kind="offer")
    with pytest.raises(Invalid) as refused:
        await fund.submit(
            session, scene.requester, _form(scene), [str(scene.card.id), str(offer.id)], TODAY
        )
    assert set(refused.value.errors) == {"cards"}
    assert await _count(session, FundingRequest) == 0


async def test_approval_grants_an_amount_with_one_sentence(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    await _decide(session, scene, request, amount="1.200")
    assert request.status is FundingStatus.approved
    assert request.amount_granted == 120_000
    assert request.version == 2
    assert await _steps(session, request) == [("submitted", 150_000), ("approved", 120_000)]
    assert await _audited(session, request) == ["fund.request.submitted", "fund.request.approved"]
    balance = await fund_balance.fund_balance(session)
    assert (balance.pledged, balance.granted, balance.left) == (1_000_000, 120_000, 880_000)


async def test_an_approval_above_the_request_or_the_funds_money_is_refused(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene, amount="20.000")
    with pytest.raises(Invalid) as refused:
        await _decide(session, scene, request, amount="20.000,01")
    assert "at most the requested" in refused.value.errors["amount"].id
    with pytest.raises(Invalid) as refused:
        await _decide(session, scene, request, amount="10.000,01")
    assert refused.value.errors["amount"].params == {"left": "10.000,00 €"}
    assert request.status is FundingStatus.submitted
    assert await _steps(session, request) == [("submitted", 2_000_000)]


async def test_a_decision_needs_a_sentence_and_one_of_the_three_choices(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    form = {"decision": "maybe", "text": "", "version": str(request.version)}
    with pytest.raises(Invalid) as refused:
        await fund.decide(session, scene.committee, request.id, form)
    assert set(refused.value.errors) == {"decision", "text"}


async def test_declining_and_asking_for_more_information_then_resubmitting(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    await _decide(session, scene, request, "info")
    assert request.status is FundingStatus.info_requested
    form = _form(scene, amount="900", answer="Es sind nur acht Treffen.", version="2")
    await fund.update(session, scene.requester, request.id, form, [str(scene.card.id)], TODAY)
    assert request.status is FundingStatus.submitted
    assert request.amount_requested == 90_000
    await _decide(session, scene, request, "decline")
    assert request.status is FundingStatus.declined
    assert request.amount_granted is None
    assert await _steps(session, request) == [
        ("submitted", 150_000),
        ("info_requested", None),
        ("updated", 90_000),
        ("declined", None),
    ]
    assert (await fund_balance.fund_balance(session)).granted == 0


async def test_only_the_committee_decides_and_never_on_its_own_organisation(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    for actor in (scene.requester, scene.own_committee, ADMIN):
        with pytest.raises(NotAllowed):
            await _decide(session, scene, request, actor=actor)
    with pytest.raises(NotAllowed):  # another organisation does not even see the request
        await _decide(session, scene, request, actor=scene.other)
    assert request.status is FundingStatus.submitted


async def test_a_withdrawn_decided_or_changed_request_is_not_decided(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    with pytest.raises(Conflict, match="changed since you opened it"):
        await _decide(session, scene, request, version=request.version - 1)
    await fund.withdraw(session, scene.requester, request.id, {"text": "Anders finanziert."})
    with pytest.raises(Conflict, match="withdrawn"):
        await _decide(session, scene, request)
    decided = await _submit(session, scene)
    await _decide(session, scene, decided, "decline")
    with pytest.raises(Conflict, match="decided already"):
        await _decide(session, scene, decided)
    assert (await fund_balance.fund_balance(session)).granted == 0


async def test_payouts_stay_within_the_granted_amount(session: AsyncSession, scene: Scene) -> None:
    request = await _submit(session, scene)
    await _decide(session, scene, request, amount="1.000")
    await _pay(session, scene, request, "600")
    with pytest.raises(Invalid) as refused:
        await _pay(session, scene, request, "400,01")
    assert refused.value.errors["amount"].params == {"due": "400,00 €"}
    for bad in ("-5", "0"):
        with pytest.raises(Invalid):
            await _pay(session, scene, request, bad)
    await _pay(session, scene, request, "400")
    balance = await fund_balance.fund_balance(session)
    assert (balance.granted, balance.paid, balance.committed_unpaid) == (100_000, 100_000, 0)
    assert await _steps(session, request) == [
        ("submitted", 150_000),
        ("approved", 100_000),
        ("payout", 60_000),
        ("payout", 40_000),
    ]
    assert (await _audited(session, request))[-1] == "fund.request.payout"


async def test_only_an_approved_request_is_paid_and_not_by_its_own_organisation(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    with pytest.raises(Conflict, match="Only an approved request"):
        await _pay(session, scene, request, "100")
    await _decide(session, scene, request)
    with pytest.raises(NotAllowed):
        await fund.record_payout(session, scene.own_committee, request.id, {"amount": "100"})
    assert await fund_balance.paid_on(session, request.id) == 0


async def test_withdrawing_an_approved_request_gives_the_money_back_until_something_is_paid(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    await _decide(session, scene, request)
    await fund.withdraw(session, scene.requester, request.id, {"text": "Projekt fällt aus."})
    assert request.status is FundingStatus.withdrawn
    assert (await fund_balance.fund_balance(session)).left == 1_000_000
    paid = await _submit(session, scene)
    await _decide(session, scene, paid)
    await _pay(session, scene, paid, "100")
    with pytest.raises(Conflict, match="paid out"):
        await fund.withdraw(session, scene.requester, paid.id, {"text": "Doch nicht."})
    with pytest.raises(Invalid):
        await fund.withdraw(session, scene.requester, paid.id, {"text": ""})
    with pytest.raises(NotAllowed):
        await fund.withdraw(session, scene.committee, paid.id, {"text": "Für sie."})
    with pytest.raises(Conflict, match="withdrawn already"):
        await fund.withdraw(session, scene.requester, request.id, {"text": "Nochmal."})


async def test_a_decided_request_cannot_be_changed(session: AsyncSession, scene: Scene) -> None:
    request = await _submit(session, scene)
    await _decide(session, scene, request)
    form = _form(scene, version=str(request.version))
    with pytest.raises(Conflict):
        await fund.update(session, scene.requester, request.id, form, [str(scene.card.id)], TODAY)
    with pytest.raises(NotAllowed):
        await fund.update(session, scene.committee, request.id, form, [str(scene.card.id)], TODAY)


async def test_the_report_after_a_payout_is_a_members_knowledge_page(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    report = {"title": "Zwölf Treffen", "body": "Es kamen 40 Menschen.", "visibility": "public"}
    await _decide(session, scene, request)
    with pytest.raises(Conflict, match="after the first payout"):
        await fund.report(session, scene.requester, request.id, report)
    await _pay(session, scene, request, "1.200")
    with pytest.raises(NotAllowed):
        await fund.report(session, scene.committee, request.id, report)
    with pytest.raises(Invalid):
        await fund.report(session, scene.requester, request.id, {**report, "body": ""})
    page = await fund.report(session, scene.requester, request.id, report)
    assert page.kind is PageKind.fund_report
    assert page.visibility is PageVisibility.members
    assert (page.organisation_id, page.group_id) == (scene.requesting.id, scene.group.id)
    assert request.report_page_id == page.id
    assert (await _steps(session, request))[-1] == ("reported", None)
    with pytest.raises(Conflict, match="written already"):
        await fund.report(session, scene.requester, request.id, report)
    assert await _count(session, KnowledgePage) == 1


async def test_only_the_committee_sees_requests_of_other_organisations(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    with pytest.raises(NotAllowed):
        await fund.get_request(session, scene.other, request.id)
    with pytest.raises(NotAllowed):
        await fund.comment(session, scene.other, request.id, {"text": "Hallo"})
    assert await fund.list_requests(session, scene.other) == []
    assert await fund.list_requests(session, ADMIN) == []  # an admin is not the committee
    assert [r.id for r in await fund.list_requests(session, scene.requester)] == [request.id]
    assert [r.id for r in await fund.list_requests(session, scene.committee)] == [request.id]


async def test_the_committee_and_the_requester_discuss_without_changing_the_request(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    await fund.comment(session, scene.committee, request.id, {"text": "Wie viele Treffen?"})
    await fund.comment(session, scene.requester, request.id, {"text": "Zwölf."})
    with pytest.raises(Invalid):
        await fund.comment(session, scene.requester, request.id, {"text": "  "})
    assert request.version == 1  # a decision opened before the comments still counts
    assert await _steps(session, request) == [
        ("submitted", 150_000),
        ("comment", None),
        ("comment", None),
    ]


async def test_what_each_side_may_do_on_the_requests_page(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    mine = await fund.request_view(session, scene.requester, request.id)
    assert (mine.may_update, mine.may_withdraw, mine.may_decide, mine.may_report) == (
        True,
        True,
        False,
        False,
    )
    theirs = await fund.request_view(session, scene.committee, request.id)
    assert (theirs.may_decide, theirs.may_pay, theirs.may_update) == (True, False, False)
    own = await fund.request_view(session, scene.own_committee, request.id)
    assert own.may_decide is False
    await _decide(session, scene, request)
    await _pay(session, scene, request, "200")
    mine = await fund.request_view(session, scene.requester, request.id)
    assert (mine.paid, mine.still_due, mine.may_withdraw, mine.may_report) == (
        20_000,
        100_000,
        False,
        True,
    )
    assert [s.kind for s in mine.steps][-1] is FundingStepKind.payout


async def test_pledges_are_recorded_by_the_committee_only(
    session: AsyncSession, scene: Scene
) -> None:
    donor = str(scene.requesting.id)
    for actor in (scene.requester, ADMIN):
        with pytest.raises(NotAllowed):
            await fund_balance.record_pledge(session, actor, {"organisation_id": donor})
    with pytest.raises(Invalid) as refused:
        await fund_balance.record_pledge(
            session, scene.committee, {"organisation_id": "0", "amount": "-10"}
        )
    assert set(refused.value.errors) == {"organisation_id", "amount"}
    await fund_balance.record_pledge(
        session, scene.committee, {"organisation_id": donor, "amount": "2.500", "note": "2027"}
    )
    assert (await fund_balance.fund_balance(session)).pledged == 1_250_000


async def test_the_trail_holds_every_step_for_the_committee_and_its_own_for_a_requester(
    session: AsyncSession, scene: Scene
) -> None:
    request = await _submit(session, scene)
    await _decide(session, scene, request)
    await _pay(session, scene, request, "500")
    everything = await fund_trail.trail(session, scene.committee)
    assert [(r.step, r.amount_cents) for r in everything] == [
        ("pledge", 1_000_000),
        ("submitted", 150_000),
        ("approved", 120_000),
        ("payout", 50_000),
    ]
    own = await fund_trail.trail(session, scene.requester)
    assert [r.step for r in own] == ["submitted", "approved", "payout"]
    assert {r.organisation for r in own[1:]} != {""}
    assert await fund_trail.trail(session, scene.other) == []


async def test_a_decision_is_told_to_the_requesting_people_once(
    session: AsyncSession, scene: Scene
) -> None:
    await factories.person(session, scene.requesting.id, email="en@req.example", locale="en")
    await factories.person(session, scene.requesting.id, email=None)
    request = await _submit(session, scene)
    await _decide(session, scene, request)
    step_id = await session.scalar(
        select(FundingStep.id).where(FundingStep.kind == FundingStepKind.approved)
    )
    assert step_id is not None
    notice = await fund_trail.claim_step_notice(session, step_id)
    assert notice is not None
    assert sorted(notice.recipients) == [("en@req.example", "en"), ("r@req.example", None)]
    assert notice.amount_cents == 120_000
    assert await fund_trail.claim_step_notice(session, step_id) is None
    submitted = await session.scalar(
        select(FundingStep.id).where(FundingStep.kind == FundingStepKind.submitted)
    )
    assert submitted is not None
    assert await fund_trail.claim_step_notice(session, submitted) is None


async def test_alliance_admins_name_the_committee_and_it_is_audited(
    session: AsyncSession, scene: Scene
) -> None:
    person_id = scene.requester.person_id
    assert person_id is not None
    with pytest.raises(NotAllowed):
        await persons.set_fund_committee(session, scene.committee, person_id, True)
    admin_org = await factories.organisation(session)
    admin = factories.actor_of(
        await factories.person(session, admin_org.id, is_alliance_admin=True)
    )
    await persons.set_fund_committee(session, admin, person_id, True)
    actor = await persons.actor_for(session, person_id)
    assert actor is not None and actor.is_fund_committee
    action = await session.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()))
    assert action == "role.fund_committee.granted"


async def test_fund_channels_are_for_the_organisation_and_the_committee(
    session: AsyncSession, scene: Scene
) -> None:
    own = channels.fund_channel(scene.requesting.id)
    assert await channels.authorize_channels(session, scene.requester, [own]) == [own]
    assert channels.fund_channel_of(scene.committee) == channels.FUND_COMMITTEE_CHANNEL
    committee = [channels.FUND_COMMITTEE_CHANNEL]
    assert await channels.authorize_channels(session, scene.committee, committee) == committee
    with pytest.raises(NotAllowed):
        await channels.authorize_channels(session, scene.requester, committee)
    with pytest.raises(NotAllowed):
        await channels.authorize_channels(session, scene.other, [own])
