"""Matching needs with offers and pledges: suggestions that fit, links that move both cards,
and the matches that make no sense refused."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import cards, groups, matching
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import CardStatus, FieldOfAction, Organisation
from tests.actors import ADMIN
from tests.domain.cardkit import NEED, OFFER, PLEDGE, TODAY, group_with_member, second_member


async def test_a_need_is_offered_fitting_offers_and_pledges_best_first(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    room = await cards.add_card(session, ben, group, OFFER, TODAY)
    far_room = await cards.add_card(
        session, ben, group, {**OFFER, "title": "Turnhalle frei", "region": "Kiel"}, TODAY
    )
    space_pledge = await cards.add_card(
        session, ben, group, {**PLEDGE, "resource_kind": "space"}, TODAY
    )
    await cards.add_card(session, ben, group, {**OFFER, "resource_kind": "money"}, TODAY)
    await cards.add_card(session, ben, group, {**NEED, "title": "Noch ein Bedarf"}, TODAY)
    done = await cards.add_card(session, ben, group, OFFER, TODAY)
    await cards.move_card(session, ben, group, done.id, "done", "open")

    found = await matching.suggestions(session, anna, group, need.id)
    assert [card.id for card in found][0] == room.id
    assert {card.id for card in found} == {room.id, far_room.id, space_pledge.id}
    # and the other way round: an offer is offered the needs
    needs = await matching.suggestions(session, ben, group, room.id)
    assert [card.id for card in needs][0] == need.id  # same words, same region: first
    assert len(needs) == 2


async def test_suggestions_come_from_boards_of_the_same_field_the_person_may_use(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    neighbour, bob = await group_with_member(
        session, await session.get(FieldOfAction, group.field_id)
    )
    await groups.join_group(session, ADMIN, neighbour, anna.organisation_id)
    elsewhere, carl = await group_with_member(session)  # another field of action
    await groups.join_group(session, ADMIN, elsewhere, anna.organisation_id)
    closed, dora = await group_with_member(
        session, await session.get(FieldOfAction, group.field_id)
    )  # same field, but anna's organisation is not in it
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    near = await cards.add_card(session, bob, neighbour, OFFER, TODAY)
    await cards.add_card(session, carl, elsewhere, OFFER, TODAY)
    await cards.add_card(session, dora, closed, OFFER, TODAY)

    assert [card.id for card in await matching.suggestions(session, anna, group, need.id)] == [
        near.id
    ]


async def test_a_match_links_both_cards_moves_them_and_is_in_both_histories(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    offer = await cards.add_card(session, ben, group, OFFER, TODAY)
    await cards.move_card(session, ben, group, offer.id, "in_progress", "open")

    match = await matching.match_cards(session, anna, group, need.id, str(offer.id))
    assert (match.need.id, match.supply.id) == (need.id, offer.id)
    assert need.status is CardStatus.matched
    assert offer.status is CardStatus.in_progress  # already further along: stays
    assert [c.id for c in await matching.matches_of(session, need)] == [offer.id]
    assert [c.id for c in await matching.matches_of(session, offer)] == [need.id]
    for card in (need, offer):
        latest = (await cards.history(session, anna, group, card.id))[0]
        assert latest.action == "matched"
    assert await matching.suggestions(session, anna, group, need.id) == []

    with pytest.raises(Conflict):
        await matching.match_cards(session, ben, group, offer.id, need.id)


async def test_nonsense_matches_are_refused(session: AsyncSession) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    other_need = await cards.add_card(session, ben, group, {**NEED, "title": "Bedarf B"}, TODAY)
    offer = await cards.add_card(session, ben, group, OFFER, TODAY)
    pledge = await cards.add_card(session, ben, group, PLEDGE, TODAY)

    for other in (other_need.id, need.id):
        with pytest.raises(Invalid) as refused:
            await matching.match_cards(session, anna, group, need.id, other)
        assert "other" in refused.value.errors
    with pytest.raises(Invalid):  # an offer and a pledge: neither needs anything
        await matching.match_cards(session, ben, group, offer.id, pledge.id)
    with pytest.raises(Invalid):
        await matching.match_cards(session, anna, group, need.id, "x")
    with pytest.raises(NotFound):
        await matching.match_cards(session, anna, group, need.id, 10**9)
    await cards.move_card(session, ben, group, offer.id, "done", "open")
    with pytest.raises(Conflict):
        await matching.match_cards(session, anna, group, need.id, offer.id)


async def test_a_card_of_a_board_one_may_not_use_cannot_be_matched(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    same_field = await session.get(FieldOfAction, group.field_id)
    closed, dora = await group_with_member(session, same_field)
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    hidden = await cards.add_card(session, dora, closed, OFFER, TODAY)
    with pytest.raises(NotAllowed):
        await matching.match_cards(session, anna, group, need.id, hidden.id)
    elsewhere, carl = await group_with_member(session)
    await groups.join_group(session, ADMIN, elsewhere, anna.organisation_id)
    foreign = await cards.add_card(session, carl, elsewhere, OFFER, TODAY)
    with pytest.raises(Invalid):  # another field of action
        await matching.match_cards(session, anna, group, need.id, foreign.id)


async def test_the_match_notice_is_claimed_once_with_both_addresses(
    session: AsyncSession,
) -> None:
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    for actor, address in ((anna, "info@anna.example"), (ben, "kontakt@ben.example")):
        organisation = await session.get(Organisation, actor.organisation_id)
        assert organisation is not None
        organisation.contact_email = address
    need = await cards.add_card(session, anna, group, NEED, TODAY)
    offer = await cards.add_card(session, ben, group, OFFER, TODAY)
    match = await matching.match_cards(session, anna, group, need.id, offer.id)

    notice = await matching.claim_match_notice(session, match.record.id)
    assert notice is not None
    assert set(notice.recipients) == {"info@anna.example", "kontakt@ben.example"}
    assert notice.need_path.endswith(f"/board/cards/{need.id}")
    assert await matching.claim_match_notice(session, match.record.id) is None
