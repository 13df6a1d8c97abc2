"""The alliance-wide overview: every open card as a summary for every approved member, grouped
by field of action and region, filtered, searched in German, paged; closed cards left out."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import card_overview, groups
from server.domain.actors import ANONYMOUS, Actor
from server.domain.card_overview import CardSummary, OverviewPage
from server.domain.errors import Invalid
from server.domain.rights import AwaitingApproval, SignInRequired
from server.models import Card, CardKind, CardStatus, FieldOfAction, ResourceKind
from tests import factories
from tests.actors import ADMIN
from tests.domain.cardkit import group_with_member, quick_card


def _summaries(page: OverviewPage) -> list[CardSummary]:
    return [card for field in page.fields for region in field.regions for card in region.cards]


def _titles(page: OverviewPage) -> list[str]:
    return [card.title for card in _summaries(page)]


async def _fields(session: AsyncSession, *positions: int) -> list[FieldOfAction]:
    made = [await factories.field_of_action(session) for _ in positions]
    for field, position in zip(made, positions, strict=True):
        field.position = position
    await session.flush()
    return made


async def test_open_cards_are_grouped_by_field_then_region_most_urgent_first(
    session: AsyncSession,
) -> None:
    second, first = await _fields(session, 2, 1)
    housing, member = await group_with_member(session, first)
    health, other = await group_with_member(session, second)
    await quick_card(session, member, housing, "Zimmer frei", kind="offer", region="Leipzig")
    await quick_card(
        session, member, housing, "Betten gesucht", region="Leipzig", urgency="critical"
    )
    await quick_card(session, member, housing, "Matratzen gesucht", region="Dresden")
    await quick_card(session, member, housing, "Decken gesucht")  # no region: last
    await quick_card(session, other, health, "Dolmetscher gesucht", region="Chemnitz")
    for status in (CardStatus.done, CardStatus.archived):
        closed = await quick_card(session, member, housing, f"Erledigt {status.value}")
        closed.status = status
    await session.flush()

    page = await card_overview.list_open_cards(session, member, {})

    assert [field.name for field in page.fields] == [first.name, second.name]
    assert [
        (region.region, [card.title for card in region.cards]) for region in page.fields[0].regions
    ] == [
        ("Dresden", ["Matratzen gesucht"]),
        ("Leipzig", ["Betten gesucht", "Zimmer frei"]),
        ("", ["Decken gesucht"]),
    ]
    assert _titles(page)[-1] == "Dolmetscher gesucht"
    assert (page.total, page.page, page.pages) == (5, 1, 1)


async def test_filters_and_german_search_narrow_the_overview(session: AsyncSession) -> None:
    [field] = await _fields(session, 1)
    group, member = await group_with_member(session, field)
    await quick_card(session, member, group, "Sprachkurse für Kinder", resource_kind="knowledge")
    await quick_card(session, member, group, "Laptops für Schüler", region="Leipzig")
    await quick_card(session, member, group, "Lagerraum frei", kind="offer", resource_kind="space")
    other, other_member = await group_with_member(session)  # in another field

    await quick_card(session, other_member, other, "Kinderwagen", region="Leipzig")

    async def titles(**params: str) -> set[str]:
        return set(_titles(await card_overview.list_open_cards(session, member, params)))

    assert await titles(kind="offer") == {"Lagerraum frei"}
    assert await titles(resource="knowledge") == {"Sprachkurse für Kinder"}
    assert await titles(field=field.slug, region="Leipzig") == {"Laptops für Schüler"}
    assert await titles(region="Leipzig") == {"Laptops für Schüler", "Kinderwagen"}
    assert await titles(q="Sprachkurs für ein Kind") == {"Sprachkurse für Kinder"}
    assert await titles(q="Lagerr") == {"Lagerraum frei"}  # a word still being typed
    assert await titles(q="Fahrrad") == set()


async def test_unknown_filter_values_are_refused_each_by_name(session: AsyncSession) -> None:
    _, member = await group_with_member(session)
    params = {
        "kind": "wish",
        "resource": "love",
        "field": "gibt-es-nicht",
        "page": "0",
        "q": "x" * 201,
        "region": "r" * 121,
    }
    with pytest.raises(Invalid) as refused:
        await card_overview.list_open_cards(session, member, params)
    assert set(refused.value.errors) == {"kind", "resource", "field", "page", "q", "region"}
    with pytest.raises(Invalid):
        await card_overview.list_open_cards(session, member, {"page": "zwei"})


async def test_pages_of_fifty(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    session.add_all(
        Card(
            group_id=group.id,
            organisation_id=member.organisation_id,
            kind=CardKind.need,
            resource_kind=ResourceKind.time,
            title=f"Hilfe {number:02d}",
        )
        for number in range(card_overview.PAGE_SIZE + 3)
    )
    await session.flush()
    first = await card_overview.list_open_cards(session, member, {})
    second = await card_overview.list_open_cards(session, member, {"page": "2"})
    assert (first.total, first.pages, len(_titles(first))) == (53, 2, card_overview.PAGE_SIZE)
    assert len(_titles(second)) == 3
    assert not set(_titles(first)) & set(_titles(second))
    beyond = await card_overview.list_open_cards(session, member, {"page": "3"})
    assert _titles(beyond) == []


async def test_every_approved_member_sees_summaries_and_only_board_users_the_board(
    session: AsyncSession,
) -> None:
    group, member = await group_with_member(session)
    await quick_card(session, member, group, "Winterjacken", description="Nur für das Board")
    _, stranger = await group_with_member(session)
    moderator = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id),
        moderates=(group.id,),
    )

    def link_to_board(actor: Actor) -> list[bool]:
        return [card.may_use_board for card in summaries[actor]]

    summaries: dict[Actor, list[CardSummary]] = {}
    for actor in (member, stranger, moderator, ADMIN):
        page = await card_overview.list_open_cards(session, actor, {})
        summaries[actor] = _summaries(page)
    assert [link_to_board(actor) for actor in (member, stranger, moderator, ADMIN)] == [
        [True],
        [False],
        [True],
        [True],
    ]
    assert "description" not in CardSummary.__dataclass_fields__  # stays on the board

    waiting = Actor(person_id=99_999, organisation_id=member.organisation_id, is_approved=False)
    with pytest.raises(AwaitingApproval):
        await card_overview.list_open_cards(session, waiting, {})
    with pytest.raises(SignInRequired):
        await card_overview.list_open_cards(session, ANONYMOUS, {})
    with pytest.raises(SignInRequired):
        await card_overview.list_organisation_cards(session, ANONYMOUS, 1)


async def test_an_organisations_open_cards_and_the_regions_of_open_cards(
    session: AsyncSession,
) -> None:
    group, member = await group_with_member(session)
    second_member = await factories.organisation(session)
    await groups.join_group(session, ADMIN, group, second_member.id)
    colleague = factories.actor_of(await factories.person(session, second_member.id))
    await quick_card(session, member, group, "Zelte", region="Görlitz")
    closed = await quick_card(session, member, group, "Planen", region="Bautzen")
    closed.status = CardStatus.done
    await quick_card(session, colleague, group, "Schlafsäcke", region="Zittau")
    await session.flush()

    own, count = await card_overview.list_organisation_cards(
        session, colleague, member.organisation_id or 0
    )
    assert ([card.title for card in own], count) == (["Zelte"], 1)
    regions = await card_overview.list_regions(session, member)
    assert {"Görlitz", "Zittau"} <= set(regions) and "Bautzen" not in regions
