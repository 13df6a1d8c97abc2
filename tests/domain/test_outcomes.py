"""Decisions and action items: recorded by the session's moderators at items on the agenda,
action items moved by their owners, a card put on the board from an item; every refusal."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import outcomes
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import (
    ActionItemStatus,
    AgendaItem,
    AgendaItemCard,
    AgendaItemStatus,
    Card,
    Meeting,
    MeetingStatus,
)
from tests import factories
from tests.domain.cardkit import group_with_member, second_member

TODAY = date(2026, 11, 24)


async def _session_with_items(session: AsyncSession):  # type: ignore[no-untyped-def]
    group, member = await group_with_member(session)
    moderator = factories.actor_of(
        await factories.person(session, member.organisation_id), moderates=(group.id,)
    )
    meeting = await factories.meeting(session, await factories.series(session, group))
    accepted = AgendaItem(
        meeting_id=meeting.id, title="Winterquartiere", status=AgendaItemStatus.accepted
    )
    proposed = AgendaItem(meeting_id=meeting.id, title="Vorschlag", position=1)
    session.add_all([accepted, proposed])
    await session.flush()
    return group, member, moderator, meeting, accepted, proposed


async def test_the_moderator_records_decisions_and_action_items(session: AsyncSession) -> None:
    group, member, moderator, meeting, item, _ = await _session_with_items(session)
    _, decision = await outcomes.record_decision(
        session, moderator, meeting.id, item.id, " Wir mieten zwei Wohnungen an. "
    )
    _, action = await outcomes.record_action(
        session,
        moderator,
        meeting.id,
        item.id,
        {
            "action": "Mietverträge prüfen",
            "owner_person": str(member.person_id),
            "due_on": "2026-12-10",
        },
        TODAY,
    )
    assert decision.text == "Wir mieten zwei Wohnungen an."
    assert action.owner_organisation_id == member.organisation_id  # from the person
    assert action.due_on == date(2026, 12, 10) and action.status is ActionItemStatus.open
    listed = await outcomes.outcomes_of(session, meeting)
    assert [
        (e.item.id, [d.text for d in e.decisions], [a.text for a in e.actions]) for e in listed
    ] == [(item.id, ["Wir mieten zwei Wohnungen an."], ["Mietverträge prüfen"])]
    assert [name for _, name in await outcomes.owner_choices(session, meeting)]


@pytest.mark.parametrize(
    ("form", "field"),
    [
        ({"action": " ", "owner_organisation": "ORG"}, "action"),
        ({"action": "x" * 2001, "owner_organisation": "ORG"}, "action"),
        ({"action": "Prüfen"}, "owner_organisation"),
        ({"action": "Prüfen", "owner_organisation": "abc"}, "owner_organisation"),
        ({"action": "Prüfen", "owner_organisation": "999999"}, "owner_organisation"),
        ({"action": "Prüfen", "owner_organisation": "ORG", "due_on": "2026-11-01"}, "due_on"),
        ({"action": "Prüfen", "owner_organisation": "ORG", "due_on": "1.12.2026"}, "due_on"),
        (
            {"action": "Prüfen", "owner_organisation": "ORG", "owner_person": "OTHER"},
            "owner_person",
        ),
    ],
)
async def test_bad_action_items_are_refused(
    session: AsyncSession, form: dict[str, str], field: str
) -> None:
    group, member, moderator, meeting, item, _ = await _session_with_items(session)
    other = await second_member(session, group)
    filled = {
        key: value.replace("ORG", str(member.organisation_id)).replace(
            "OTHER", str(other.person_id)
        )
        for key, value in form.items()
    }
    with pytest.raises(Invalid) as refused:
        await outcomes.record_action(session, moderator, meeting.id, item.id, filled, TODAY)
    assert field in refused.value.errors


async def test_recording_is_refused_where_it_makes_no_sense(session: AsyncSession) -> None:
    group, member, moderator, meeting, item, proposed = await _session_with_items(session)
    with pytest.raises(NotAllowed):  # only moderators record
        await outcomes.record_decision(session, member, meeting.id, item.id, "Beschluss")
    with pytest.raises(Invalid):
        await outcomes.record_decision(session, moderator, meeting.id, item.id, "  ")
    with pytest.raises(Invalid):  # not on the agenda (only proposed)
        await outcomes.record_decision(session, moderator, meeting.id, proposed.id, "Beschluss")
    other_meeting = await factories.meeting(session, await factories.series(session, group))
    with pytest.raises(NotFound):
        await outcomes.record_decision(session, moderator, other_meeting.id, item.id, "Beschluss")
    stored = await session.get(Meeting, meeting.id)
    assert stored is not None
    stored.status = MeetingStatus.closed
    await session.flush()
    with pytest.raises(Invalid):
        await outcomes.record_decision(session, moderator, meeting.id, item.id, "Beschluss")


async def test_owners_and_moderators_move_action_items(session: AsyncSession) -> None:
    group, member, moderator, meeting, item, _ = await _session_with_items(session)
    other = await second_member(session, group)
    _, action = await outcomes.record_action(
        session,
        moderator,
        meeting.id,
        item.id,
        {"action": "Liste schicken", "owner_organisation": str(member.organisation_id)},
        TODAY,
    )
    _, moved = await outcomes.set_action_status(
        session, member, meeting.id, action.id, "in_progress", "1"
    )
    assert (moved.status, moved.version) == (ActionItemStatus.in_progress, 2)
    with pytest.raises(Conflict):  # seen before the move
        await outcomes.set_action_status(session, moderator, meeting.id, action.id, "done", "1")
    with pytest.raises(NotAllowed):  # another organisation of the group
        await outcomes.set_action_status(session, other, meeting.id, action.id, "done", "2")
    with pytest.raises(Invalid):
        await outcomes.set_action_status(session, member, meeting.id, action.id, "vergessen", "2")
    _, done = await outcomes.set_action_status(
        session, moderator, meeting.id, action.id, "done", "2"
    )
    assert done.status is ActionItemStatus.done
    with pytest.raises(NotFound):
        await outcomes.set_action_status(session, member, meeting.id, 10**8, "done", "3")


async def test_a_need_raised_in_the_session_goes_on_the_board_in_one_step(
    session: AsyncSession,
) -> None:
    group, member, _, meeting, item, _ = await _session_with_items(session)
    _, card = await outcomes.put_on_board(
        session,
        member,
        meeting.id,
        item.id,
        {"kind": "need", "resource_kind": "space", "title": "Lagerraum für Spenden"},
        TODAY,
    )
    assert (card.group_id, card.organisation_id) == (group.id, member.organisation_id)
    linked = await session.scalar(
        select(AgendaItemCard.card_id).where(AgendaItemCard.item_id == item.id)
    )
    assert linked == card.id
    count = len(list(await session.scalars(select(Card.id).where(Card.group_id == group.id))))
    with pytest.raises(Invalid):
        await outcomes.put_on_board(session, member, meeting.id, item.id, {"kind": "need"}, TODAY)
    assert (
        len(list(await session.scalars(select(Card.id).where(Card.group_id == group.id)))) == count
    )
