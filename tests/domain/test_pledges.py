"""Redeeming pledges: claimed by another organisation, decided by the pledger, finished by a
published report; every step in the card's history, every refusal with its reason."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards, knowledge, pledges
from server.domain.actors import ANONYMOUS, Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.domain.rights import AwaitingApproval, SignInRequired
from server.models import (
    Card,
    CardChange,
    CardStatus,
    KnowledgePage,
    KnowledgeRevision,
    Organisation,
    PageKind,
    PageVisibility,
    Person,
    PledgeRedemption,
    RedemptionStatus,
    WorkingGroup,
)
from tests import factories
from tests.actors import ADMIN

TODAY = date(2026, 11, 24)
FULFILMENT = {"fulfilment": "Zwei Fahrerinnen aus unserem Verein, Samstags ab 9 Uhr."}
REPORT = {
    "title": "Vier Samstage Möbeltransport",
    "body": "Wir haben 12 Wohnungen eingerichtet.\n\nNachmachen lohnt sich.",
    "visibility": "public",
}


@dataclass
class Scene:
    """A group with a pledging and a redeeming organisation (each with a person)."""

    group: WorkingGroup
    pledging: Organisation
    pledger: Actor
    pledger_person: Person
    redeeming: Organisation
    redeemer: Actor
    redeemer_person: Person


@pytest.fixture
async def scene(session: AsyncSession) -> Scene:
    group = await factories.working_group(session)
    pledging, pledger = await factories.member_of_group(session, group, email="p@pledge.example")
    redeeming, redeemer = await factories.member_of_group(session, group, email="r@redeem.example")
    return Scene(
        group,
        pledging,
        factories.actor_of(pledger),
        pledger,
        redeeming,
        factories.actor_of(redeemer),
        redeemer,
    )


async def _pledge(session: AsyncSession, scene: Scene, **fields: str) -> Card:
    return await factories.pledge(session, scene.pledger, scene.group, TODAY, **fields)


async def _history(session: AsyncSession, card: Card) -> list[tuple[str, dict[str, object]]]:
    rows = await session.scalars(
        select(CardChange).where(CardChange.card_id == card.id).order_by(CardChange.version)
    )
    return [(row.action, row.changes) for row in rows]


async def _confirmed(session: AsyncSession, scene: Scene, card: Card) -> PledgeRedemption:
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    return await pledges.decide(session, scene.pledger, scene.group, redemption.id, True)


async def _count(session: AsyncSession, model: type[object]) -> int:
    return await session.scalar(select(func.count()).select_from(model)) or 0


# Redeeming


async def test_another_organisation_redeems_a_pledge(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    assert redemption.status is RedemptionStatus.claimed
    assert redemption.organisation_id == scene.redeeming.id
    assert redemption.claimed_by == scene.redeemer.person_id
    assert redemption.fulfilment == FULFILMENT["fulfilment"]
    assert card.status is CardStatus.open
    listed = await pledges.redemptions_of(session, scene.pledger, scene.group, card)
    assert [(r.id, r.organisation.name) for r in listed] == [(redemption.id, scene.redeeming.name)]
    assert [action for action, _ in await _history(session, card)] == ["created", "redeemed"]


async def test_a_need_or_an_offer_cannot_be_redeemed(session: AsyncSession, scene: Scene) -> None:
    need = await cards.add_card(
        session,
        scene.pledger,
        scene.group,
        {"kind": "need", "resource_kind": "time", "title": "Fahrer:innen gesucht"},
        TODAY,
    )
    with pytest.raises(Conflict, match="Only pledges"):
        await pledges.redeem(session, scene.redeemer, scene.group, need.id, FULFILMENT, TODAY)


async def test_the_pledging_organisation_cannot_redeem_its_own_pledge(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene)
    colleague = factories.actor_of(await factories.person(session, scene.pledging.id))
    with pytest.raises(NotAllowed, match="its own pledge"):
        await pledges.redeem(session, colleague, scene.group, card.id, FULFILMENT, TODAY)


@pytest.mark.parametrize("status", [CardStatus.done, CardStatus.archived])
async def test_a_finished_pledge_cannot_be_redeemed(
    session: AsyncSession, scene: Scene, status: CardStatus
) -> None:
    card = await _pledge(session, scene)
    await cards.move_card(session, scene.pledger, scene.group, card.id, status.value, None)
    with pytest.raises(Conflict, match="finished"):
        await pledges.redeem(session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY)


async def test_a_pledge_can_be_redeemed_on_its_deadline_but_not_after(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene, deadline=TODAY.isoformat())
    later = TODAY + timedelta(days=1)
    with pytest.raises(Conflict, match="deadline"):
        await pledges.redeem(session, scene.redeemer, scene.group, card.id, FULFILMENT, later)
    await pledges.redeem(session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY)


async def test_an_organisation_redeems_a_pledge_once(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    await pledges.redeem(session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY)
    colleague = factories.actor_of(await factories.person(session, scene.redeeming.id))
    with pytest.raises(Conflict, match="already"):
        await pledges.redeem(session, colleague, scene.group, card.id, FULFILMENT, TODAY)
    assert await _count(session, PledgeRedemption) == 1


@pytest.mark.parametrize("fulfilment", ["", "  \n ", "x" * 2001])
async def test_the_fulfilment_is_required_and_short(
    session: AsyncSession, scene: Scene, fulfilment: str
) -> None:
    card = await _pledge(session, scene)
    with pytest.raises(Invalid) as refused:
        await pledges.redeem(
            session, scene.redeemer, scene.group, card.id, {"fulfilment": fulfilment}, TODAY
        )
    assert set(refused.value.errors) == {"fulfilment"}
    assert await _count(session, PledgeRedemption) == 0


async def test_people_without_the_board_cannot_redeem(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    with pytest.raises(NotAllowed):
        await pledges.redeem(session, outsider, scene.group, card.id, FULFILMENT, TODAY)
    with pytest.raises(SignInRequired):
        await pledges.redeem(session, ANONYMOUS, scene.group, card.id, FULFILMENT, TODAY)
    other_group = await factories.working_group(session)
    with pytest.raises(NotFound):
        await pledges.redeem(session, ADMIN, other_group, card.id, FULFILMENT, TODAY)


# Deciding


async def test_confirming_moves_the_pledge_in_progress(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    redemption = await _confirmed(session, scene, card)
    assert redemption.status is RedemptionStatus.confirmed
    assert redemption.decided_by == scene.pledger.person_id
    assert redemption.decided_at is not None
    assert card.status is CardStatus.in_progress
    assert (await _history(session, card))[-1] == (
        "redemption_confirmed",
        {"status": ["open", "in_progress"]},
    )


async def test_declining_leaves_the_pledge_open(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    await pledges.decide(session, scene.pledger, scene.group, redemption.id, False)
    assert redemption.status is RedemptionStatus.declined
    assert card.status is CardStatus.open
    assert (await _history(session, card))[-1] == ("redemption_declined", {})


async def test_a_second_confirmation_keeps_the_pledge_in_progress(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene, helpers_needed="2")
    await _confirmed(session, scene, card)
    _, other = await factories.member_of_group(session, scene.group)
    second = await pledges.redeem(
        session, factories.actor_of(other), scene.group, card.id, FULFILMENT, TODAY
    )
    await pledges.decide(session, scene.pledger, scene.group, second.id, True)
    assert card.status is CardStatus.in_progress
    assert (await _history(session, card))[-1] == ("redemption_confirmed", {})


async def test_moderators_and_alliance_admins_decide_for_the_pledger(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene, helpers_needed="2")
    _, other = await factories.member_of_group(session, scene.group)
    first = await pledges.redeem(session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY)
    second = await pledges.redeem(
        session, factories.actor_of(other), scene.group, card.id, FULFILMENT, TODAY
    )
    outsider = await factories.person(session, (await factories.organisation(session)).id)
    moderator = factories.actor_of(outsider, moderates=(scene.group.id,))
    await pledges.decide(session, moderator, scene.group, first.id, True)
    admin = await factories.person(
        session, (await factories.organisation(session)).id, is_alliance_admin=True
    )
    await pledges.decide(session, factories.actor_of(admin), scene.group, second.id, False)
    assert (first.status, second.status) == (RedemptionStatus.confirmed, RedemptionStatus.declined)


async def test_nobody_decides_on_their_own_redemption_nor_others_for_the_pledger(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    _, bystander = await factories.member_of_group(session, scene.group)
    moderating_redeemer = factories.actor_of(scene.redeemer_person, moderates=(scene.group.id,))
    for actor in (scene.redeemer, factories.actor_of(bystander), moderating_redeemer):
        with pytest.raises(NotAllowed, match="pledging organisation"):
            await pledges.decide(session, actor, scene.group, redemption.id, True)
    assert redemption.status is RedemptionStatus.claimed


@pytest.mark.parametrize("first", [True, False])
async def test_a_redemption_is_decided_once(
    session: AsyncSession, scene: Scene, first: bool
) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    await pledges.decide(session, scene.pledger, scene.group, redemption.id, first)
    for again in (True, False):
        with pytest.raises(Conflict, match="decided already"):
            await pledges.decide(session, scene.pledger, scene.group, redemption.id, again)


async def test_an_unknown_redemption_or_one_of_another_board_is_not_found(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    with pytest.raises(NotFound):
        await pledges.decide(session, scene.pledger, scene.group, redemption.id + 1000, True)
    other_group = await factories.working_group(session)
    with pytest.raises(NotFound):
        await pledges.decide(session, ADMIN, other_group, redemption.id, True)


def test_a_decision_is_confirm_or_decline() -> None:
    assert pledges.parse_decision({"decision": "confirm"}) is True
    assert pledges.parse_decision({"decision": "decline"}) is False
    with pytest.raises(Invalid) as refused:
        pledges.parse_decision({"decision": "maybe"})
    assert set(refused.value.errors) == {"decision"}


# Reporting


async def test_the_report_is_published_as_a_knowledge_page(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene)
    redemption = await _confirmed(session, scene, card)
    page = await pledges.report(session, scene.redeemer, scene.group, redemption.id, REPORT)
    assert (page.kind, page.visibility, page.title) == (
        PageKind.pledge_report,
        PageVisibility.public,
        REPORT["title"],
    )
    assert (page.organisation_id, page.group_id, page.source_card_id, page.version) == (
        scene.redeeming.id,
        scene.group.id,
        card.id,
        1,
    )
    revisions = list(
        await session.scalars(select(KnowledgeRevision).where(KnowledgeRevision.page_id == page.id))
    )
    assert [(r.version, r.person_id, r.body) for r in revisions] == [
        (1, scene.redeemer.person_id, REPORT["body"])
    ]
    assert (redemption.status, redemption.report_page_id) == (RedemptionStatus.reported, page.id)
    assert card.status is CardStatus.done
    assert (await _history(session, card))[-1] == (
        "redemption_reported",
        {"status": ["in_progress", "done"]},
    )


async def test_the_pledge_is_done_once_reports_cover_its_helpers(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene, helpers_needed="2")
    first = await _confirmed(session, scene, card)
    await pledges.report(session, scene.redeemer, scene.group, first.id, REPORT)
    assert card.status is CardStatus.in_progress
    assert (await _history(session, card))[-1] == ("redemption_reported", {})

    _, other_person = await factories.member_of_group(session, scene.group)
    other = factories.actor_of(other_person)
    second = await pledges.redeem(session, other, scene.group, card.id, FULFILMENT, TODAY)
    await pledges.decide(session, scene.pledger, scene.group, second.id, True)
    await pledges.report(
        session, other, scene.group, second.id, {**REPORT, "visibility": "members"}
    )
    assert card.status is CardStatus.done
    view = await pledges.redemption_view(session, scene.pledger, scene.group, card, TODAY)
    assert (view.reports, view.reports_needed) == (2, 2)


async def test_members_only_is_a_choice_of_the_authors(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    redemption = await _confirmed(session, scene, card)
    page = await pledges.report(
        session, scene.redeemer, scene.group, redemption.id, {**REPORT, "visibility": "members"}
    )
    assert page.visibility is PageVisibility.members


async def test_no_report_before_confirmation_after_declining_or_twice(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    with pytest.raises(Conflict, match="once the pledging organisation confirmed"):
        await pledges.report(session, scene.redeemer, scene.group, redemption.id, REPORT)
    await pledges.decide(session, scene.pledger, scene.group, redemption.id, False)
    with pytest.raises(Conflict, match="once the pledging organisation confirmed"):
        await pledges.report(session, scene.redeemer, scene.group, redemption.id, REPORT)

    _, other_person = await factories.member_of_group(session, scene.group)
    other = factories.actor_of(other_person)
    second = await pledges.redeem(session, other, scene.group, card.id, FULFILMENT, TODAY)
    await pledges.decide(session, scene.pledger, scene.group, second.id, True)
    await pledges.report(session, other, scene.group, second.id, REPORT)
    with pytest.raises(Conflict, match="written already"):
        await pledges.report(session, other, scene.group, second.id, REPORT)
    assert await _count(session, KnowledgePage) == 1


async def test_only_the_redeeming_organisation_reports(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    redemption = await _confirmed(session, scene, card)
    for actor in (scene.pledger, ADMIN):
        with pytest.raises(NotAllowed, match="redeeming organisation"):
            await pledges.report(session, actor, scene.group, redemption.id, REPORT)
    colleague = factories.actor_of(await factories.person(session, scene.redeeming.id))
    await pledges.report(session, colleague, scene.group, redemption.id, REPORT)


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({**REPORT, "title": " "}, "title"),
        ({**REPORT, "title": "t" * 201}, "title"),
        ({**REPORT, "body": ""}, "body"),
        ({**REPORT, "body": "b" * 20_001}, "body"),
        ({**REPORT, "visibility": "secret"}, "visibility"),
        ({"title": REPORT["title"], "body": REPORT["body"]}, "visibility"),
    ],
)
async def test_a_bad_report_is_refused_and_nothing_saved(
    session: AsyncSession, scene: Scene, form: dict[str, str], field: str
) -> None:
    card = await _pledge(session, scene)
    redemption = await _confirmed(session, scene, card)
    with pytest.raises(Invalid) as refused:
        await pledges.report(session, scene.redeemer, scene.group, redemption.id, form)
    assert set(refused.value.errors) == {field}
    assert redemption.status is RedemptionStatus.confirmed
    assert await _count(session, KnowledgePage) == 0


# What the card page shows


async def test_the_view_offers_each_person_their_buttons(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene)
    before = await pledges.redemption_view(session, scene.redeemer, scene.group, card, TODAY)
    assert (before.may_redeem, before.redeem_refusal, before.redemptions) == (True, None, [])
    own = await pledges.redemption_view(session, scene.pledger, scene.group, card, TODAY)
    assert (own.may_redeem, own.redeem_refusal) == (False, None)

    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    pledger = await pledges.redemption_view(session, scene.pledger, scene.group, card, TODAY)
    redeemer = await pledges.redemption_view(session, scene.redeemer, scene.group, card, TODAY)
    assert pledger.may_decide(redemption) and not redeemer.may_decide(redemption)
    assert not redeemer.may_redeem
    assert redeemer.redeem_refusal == "Your organisation has redeemed this pledge already."
    assert not redeemer.may_report(redemption)

    await pledges.decide(session, scene.pledger, scene.group, redemption.id, True)
    pledger = await pledges.redemption_view(session, scene.pledger, scene.group, card, TODAY)
    redeemer = await pledges.redemption_view(session, scene.redeemer, scene.group, card, TODAY)
    assert not pledger.may_decide(redemption) and not pledger.may_report(redemption)
    assert redeemer.may_report(redemption)
    third = await pledges.redemption_view(session, ADMIN, scene.group, card, TODAY)
    assert third.may_redeem and not third.may_report(redemption)


async def test_the_view_says_why_a_pledge_past_its_deadline_cannot_be_redeemed(
    session: AsyncSession, scene: Scene
) -> None:
    card = await _pledge(session, scene, deadline=TODAY.isoformat())
    view = await pledges.redemption_view(
        session, scene.redeemer, scene.group, card, TODAY + timedelta(days=1)
    )
    assert not view.may_redeem
    assert view.redeem_refusal == "The deadline of this pledge has passed."


# Mail


async def test_each_step_is_told_to_the_other_side(session: AsyncSession, scene: Scene) -> None:
    card = await _pledge(session, scene)
    redemption = await pledges.redeem(
        session, scene.redeemer, scene.group, card.id, FULFILMENT, TODAY
    )
    pledging = [scene.pledging.contact_email, "p@pledge.example"]
    redeeming = [scene.redeeming.contact_email, "r@redeem.example"]

    async def recipients(event: str) -> list[str] | None:
        news = await pledges.redemption_mail(session, redemption.id, event)
        return None if news is None else news.recipients

    assert await recipients("claimed") == pledging
    assert await recipients("confirmed") is None
    await pledges.decide(session, scene.pledger, scene.group, redemption.id, True)
    assert await recipients("confirmed") == redeeming
    assert await recipients("declined") is None
    assert await recipients("reported") is None
    await pledges.report(session, scene.redeemer, scene.group, redemption.id, REPORT)
    assert await recipients("reported") == pledging + redeeming
    assert await recipients("unknown") is None
    assert await pledges.redemption_mail(session, redemption.id + 1000, "claimed") is None


# Knowledge pages


async def _page(session: AsyncSession, scene: Scene, visibility: str) -> KnowledgePage:
    card = await _pledge(session, scene)
    redemption = await _confirmed(session, scene, card)
    form = {**REPORT, "visibility": visibility}
    return await pledges.report(session, scene.redeemer, scene.group, redemption.id, form)


async def test_a_public_page_is_for_everyone(session: AsyncSession, scene: Scene) -> None:
    page = await _page(session, scene, "public")
    found = await knowledge.get_page(session, ANONYMOUS, page.id)
    assert found.organisation is not None and found.organisation.name == scene.redeeming.name
    anonymous = await knowledge.page_view(session, ANONYMOUS, page.id)
    assert anonymous.source_card is not None and anonymous.board is None


async def test_a_members_page_needs_an_approved_member(session: AsyncSession, scene: Scene) -> None:
    page = await _page(session, scene, "members")
    with pytest.raises(SignInRequired):
        await knowledge.get_page(session, ANONYMOUS, page.id)
    waiting = Actor(person_id=99_999, organisation_id=scene.redeeming.id, is_approved=False)
    with pytest.raises(AwaitingApproval):
        await knowledge.get_page(session, waiting, page.id)
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    view = await knowledge.page_view(session, outsider, page.id)
    assert view.page.id == page.id and view.board is None
    member = await knowledge.page_view(session, scene.pledger, page.id)
    assert member.board is not None and member.board.id == scene.group.id


async def test_an_unknown_page_is_not_found(session: AsyncSession) -> None:
    with pytest.raises(NotFound):
        await knowledge.get_page(session, ADMIN, 987_654_321)
