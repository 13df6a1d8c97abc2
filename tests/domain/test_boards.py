"""A board's filters: every one narrows the cards, bad values are refused, and the lexemes a
page keeps its filter with are the ones PostgreSQL searches for."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import boards, cards, channels
from server.domain.errors import Invalid, NotAllowed, NotFound
from server.models import CardKind, CardStatus, Event, ResourceKind
from tests import factories
from tests.domain.cardkit import NEED, OFFER, PLEDGE, TODAY, group_with_member, second_member


async def test_each_filter_narrows_the_board(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    offer = await cards.add_card(session, ben, group, {**OFFER, "region": "Halle"}, TODAY)
    pledge = await cards.add_card(session, ben, group, PLEDGE, TODAY)
    await cards.move_card(session, ben, group, pledge.id, "archived", "open")

    async def shown(**params: str) -> list[int]:
        found = await boards.list_cards(session, anna, group, boards.parse_filter(params))
        return [card.id for card in found]

    assert await shown() == [offer.id, need.id]  # newest first, archived left out
    assert await shown(kind="need") == [need.id]
    assert await shown(resource="goods") == []
    assert await shown(resource="goods", status="archived") == [pledge.id]
    assert await shown(region="Halle") == [offer.id]
    assert await shown(organisation=str(anna.organisation_id)) == [need.id]
    assert await shown(q="Seminarräume") == [offer.id]  # German stemming
    assert await shown(q="Sprachkursen", kind="offer") == [offer.id]
    assert await shown(q="Fahrrad") == []

    choices = await boards.filter_choices(session, group)
    assert choices.regions == ["Halle", "Leipzig"]
    assert {id for id, _ in choices.organisations} == {anna.organisation_id, ben.organisation_id}


async def test_the_page_lexemes_are_what_the_search_looks_for(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    card = await cards.add_card(session, anna, group, NEED, TODAY)
    words = await boards.lexemes(session, "Räumen für die Sprachkurse")
    assert words == ["raum", "sprachkurs"]  # stop words gone, inflections stemmed
    assert set(words) <= set(await boards.card_lexemes(session, card.id))
    assert await boards.lexemes(session, "  ") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "wish"}, "kind"),
        ({"resource": "love"}, "resource"),
        ({"status": "lost"}, "status"),
        ({"organisation": "drei"}, "organisation"),
        ({"region": "r" * 121}, "region"),
        ({"q": "q" * 201}, "q"),
    ],
)
def test_bad_filters_are_refused(params: dict[str, str], field: str) -> None:
    with pytest.raises(Invalid) as refused:
        boards.parse_filter(params)
    assert field in refused.value.errors


def test_a_filter_knows_when_it_filters() -> None:
    assert not boards.parse_filter({}).active
    assert boards.parse_filter({"kind": "need"}) == boards.BoardFilter(kind=CardKind.need)
    assert boards.parse_filter({"status": "done", "resource": "time"}).active
    assert boards.BoardFilter(status=CardStatus.done, resource=ResourceKind.time).active


async def test_a_board_listing_changes_only_with_an_event_of_its_board(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    head = await boards.board_head(session, anna, group.slug)
    assert head.group.id == group.id and head.board_event_id == 0
    other, _ = await group_with_member(session)
    session.add(Event(channel=channels.board_channel(group.id), name="card", data={}))
    await session.flush()
    session.add(Event(channel=channels.board_channel(other.id), name="card", data={}))
    await session.flush()
    later = await boards.board_head(session, anna, group.slug)
    assert later.board_event_id > head.board_event_id
    assert later.seen_event_id > later.board_event_id  # the other board's came last
    await cards.add_card(session, anna, group, NEED, TODAY)
    listing = await boards.board_listing(session, later, boards.BoardFilter())
    assert [card.title for card in listing.cards] == [NEED["title"]]
    assert listing.choices.regions == ["Leipzig"]
    full = await boards.full_cards(session, [listing.cards[0].id])
    assert full[0].description == NEED["description"]
    with pytest.raises(NotAllowed):
        await boards.board_head(
            session,
            factories.actor_of(
                await factories.person(session, (await factories.organisation(session)).id)
            ),
            group.slug,
        )
    with pytest.raises(NotFound):
        await boards.board_head(session, anna, "gibt-es-nicht")
