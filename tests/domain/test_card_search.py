"""What already exists like a card being typed: found across every working group, by German
stems (inflections), letter by letter (typos, half-typed words) and by the words of a typed
description; closed cards and unrelated ones are not; every approved member may look."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import card_search
from server.domain.actors import ANONYMOUS, Actor
from server.domain.card_overview import CardSummary
from server.domain.rights import AwaitingApproval, SignInRequired
from server.models import CardStatus
from tests import factories
from tests.actors import ADMIN
from tests.domain.cardkit import group_with_member, quick_card


def _titles(found: list[CardSummary]) -> list[str]:
    return [card.title for card in found]


async def test_inflections_and_typos_are_found_but_unrelated_cards_are_not(
    session: AsyncSession,
) -> None:
    group, member = await group_with_member(session)
    courses = await quick_card(session, member, group, "Sprachkurse für Kinder gesucht")
    await quick_card(
        session,
        member,
        group,
        "Transporter für Möbelspenden",
        kind="pledge",
        promise="Wir stellen einen Transporter für 4 Samstage",
        condition="wenn jemand zwei Fahrer:innen findet",
    )

    async def similar(title: str, description: str = "") -> list[str]:
        return _titles(await card_search.similar_cards(session, member, title, description))

    assert await similar("Sprachkurs für ein Kind") == [courses.title]
    assert await similar("Sprachkruse Kinder") == [courses.title]
    assert await similar("Sprachk") == [courses.title]  # still being typed
    assert await similar("Dolmetscher beim Arzt") == []
    assert await similar("ab") == []


async def test_the_closest_card_comes_first(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    await quick_card(session, member, group, "Winterschuhe für Erwachsene")
    jackets = await quick_card(session, member, group, "Winterjacken für Kinder")
    found = await card_search.similar_cards(session, member, "Winterjacken Kinder")
    assert _titles(found)[0] == jackets.title


async def test_a_typed_description_finds_cards_by_their_titles(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    jackets = await quick_card(session, member, group, "Winterjacken für Kinder")
    await quick_card(
        session,
        member,
        group,
        "Fahrräder für Jugendliche",
        description="Winterjacken und Kinder kommen hier nur in der Beschreibung vor.",
    )
    description = "Wir sammeln gebrauchte Winterjacken in allen Größen für Kinder ab 3 Jahren."
    found = await card_search.similar_cards(session, member, "Spenden", description)
    assert _titles(found) == [jackets.title]
    unrelated = "Wir suchen einen Raum für das Sprachcafé am Dienstag."
    assert await card_search.similar_cards(session, member, "Spenden", unrelated) == []


async def test_done_and_archived_cards_are_not_offered(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    for status in (CardStatus.done, CardStatus.archived):
        closed = await quick_card(session, member, group, f"Kinderwagen {status.value}")
        closed.status = status
    in_progress = await quick_card(session, member, group, "Kinderwagen unterwegs")
    in_progress.status = CardStatus.in_progress
    await session.flush()
    found = await card_search.similar_cards(session, member, "Kinderwagen")
    assert _titles(found) == ["Kinderwagen unterwegs"]


async def test_every_approved_member_finds_cards_of_every_board(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    card = await quick_card(session, member, group, "Winterjacken für Familien")
    _, stranger = await group_with_member(session)  # of another group only

    [seen_by_stranger] = await card_search.similar_cards(session, stranger, "Winterjacken")
    [seen_by_member] = await card_search.similar_cards(session, member, "Winterjacken")
    [seen_by_admin] = await card_search.similar_cards(session, ADMIN, "Winterjacken")
    assert seen_by_stranger.id == seen_by_member.id == seen_by_admin.id == card.id
    assert seen_by_stranger.group_name == group.name
    assert seen_by_stranger.organisation_id == member.organisation_id
    # Only those who may use the board are led to it; others to the group's page.
    assert (seen_by_stranger.may_use_board, seen_by_member.may_use_board) == (False, True)
    assert seen_by_admin.may_use_board


async def test_people_awaiting_approval_and_visitors_are_refused(session: AsyncSession) -> None:
    organisation = await factories.organisation(session)
    waiting = await factories.person(session, organisation.id, awaiting_approval=True)
    waiting_actor = Actor(
        person_id=waiting.id, organisation_id=organisation.id, name="W", is_approved=False
    )
    with pytest.raises(AwaitingApproval):
        await card_search.similar_cards(session, waiting_actor, "Winterjacken")
    with pytest.raises(SignInRequired):
        await card_search.similar_cards(session, ANONYMOUS, "Winterjacken")


@pytest.mark.parametrize(
    "typed", ["Kinder's (Jacken) & Co: \\", "a & b | !c:* <-> 'x'", "’Zelt’ – „Plane“", "1 2 3"]
)
async def test_search_syntax_in_typed_text_is_just_text(session: AsyncSession, typed: str) -> None:
    group, member = await group_with_member(session)
    await quick_card(session, member, group, "Zelte und Planen")
    found = await card_search.similar_cards(session, member, typed, typed)
    assert all(isinstance(card, CardSummary) for card in found)
