"""Adding cards to a board: every field checked, nothing saved half-way, history kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import boards, cards
from server.domain.errors import Invalid, NotAllowed
from server.models import Card, CardChange, CardKind, CardStatus, ResourceKind
from tests import factories
from tests.domain.cardkit import NEED, PLEDGE, TODAY, group_with_member


async def _count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(Card)) or 0


async def test_a_member_adds_a_need_of_their_organisation(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    card = await cards.add_card(session, member, group, NEED, TODAY)
    assert (card.kind, card.resource_kind, card.status) == (
        CardKind.need,
        ResourceKind.space,
        CardStatus.open,
    )
    assert card.organisation_id == member.organisation_id
    assert [c.id for c in await boards.list_cards(session, member, group)] == [card.id]
    history = list(await session.scalars(select(CardChange).where(CardChange.card_id == card.id)))
    assert [(h.action, h.changes["title"]) for h in history] == [
        ("created", [None, "Räume für Sprachkurse gesucht"])
    ]


async def test_a_pledge_keeps_promise_condition_helpers_and_deadline(
    session: AsyncSession,
) -> None:
    group, member = await group_with_member(session)
    card = await cards.add_card(session, member, group, PLEDGE, TODAY)
    assert card.helpers_needed == 2
    assert card.deadline == date(2026, 12, 31)
    assert card.condition.startswith("wenn jemand")


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({**NEED, "title": " "}, "title"),
        ({**NEED, "title": "t" * 201}, "title"),
        ({**NEED, "description": "d" * 10_001}, "description"),
        ({**NEED, "resource_kind": "love"}, "resource_kind"),
        ({**NEED, "kind": "wish"}, "kind"),
        ({**NEED, "urgency": "yesterday"}, "urgency"),
        ({**PLEDGE, "condition": ""}, "condition"),
        ({**PLEDGE, "promise": ""}, "promise"),
        ({**PLEDGE, "helpers_needed": "0"}, "helpers_needed"),
        ({**PLEDGE, "helpers_needed": "zwei"}, "helpers_needed"),
        ({**PLEDGE, "deadline": "2026-11-23"}, "deadline"),
        ({**PLEDGE, "deadline": "31.12.2026"}, "deadline"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_saved(
    session: AsyncSession, form: dict[str, str], field: str
) -> None:
    group, member = await group_with_member(session)
    before = await _count(session)
    with pytest.raises(Invalid) as refused:
        await cards.add_card(session, member, group, form, TODAY)
    assert field in refused.value.errors
    assert await _count(session) == before


async def test_markup_is_kept_as_plain_text(session: AsyncSession) -> None:
    group, member = await group_with_member(session)
    form = {**NEED, "title": "<script>alert(1)</script>"}
    card = await cards.add_card(session, member, group, form, TODAY)
    assert card.title == "<script>alert(1)</script>"


async def test_another_groups_board_is_closed_to_outsiders(session: AsyncSession) -> None:
    group, _ = await group_with_member(session)
    outsider = await factories.person(session, (await factories.organisation(session)).id)
    with pytest.raises(NotAllowed):
        await cards.add_card(session, factories.actor_of(outsider), group, NEED, TODAY)
    with pytest.raises(NotAllowed):
        await boards.list_cards(session, factories.actor_of(outsider), group)
    moderator = factories.actor_of(outsider, moderates=(group.id,))
    assert await boards.list_cards(session, moderator, group) == []
