"""The agenda, planned together: proposals by every participant, the moderator's order,
accepting, deferring and merging, suggestions from the series' last session, and every
refusal leaving the agenda as it was."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from server.domain import agenda, agenda_edits, agenda_suggestions
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemCard,
    AgendaItemStatus,
    Meeting,
    MeetingStatus,
    Series,
    Subscription,
    WorkingGroup,
)
from server.settings import Settings
from tests import factories
from tests.domain.cardkit import group_with_member, quick_card, second_member


@dataclass
class Setting:
    group: WorkingGroup
    series: Series
    meeting: Meeting
    member: Actor
    other: Actor
    moderator: Actor


async def setting(session: AsyncSession) -> Setting:
    group, member = await group_with_member(session)
    other = await second_member(session, group)
    moderator = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id),
        moderates=(group.id,),
    )
    series = await factories.series(session, group)
    meeting = await factories.meeting(session, series)
    return Setting(group, series, meeting, member, other, moderator)


def proposal(title: str = "Wohnraum für Familien", **fields: str) -> dict[str, str]:
    return {
        "title": title,
        "description": "Stand der Suche",
        "presenter": "Anna Becker",
        "planned_minutes": "15",
        **fields,
    }


async def propose(session: AsyncSession, s: Setting, actor: Actor, title: str) -> AgendaItem:
    return await agenda.propose_item(session, actor, s.meeting.id, proposal(title))


async def titles(session: AsyncSession, meeting: Meeting) -> list[str]:
    return [item.title for item in (await agenda.read_agenda(session, meeting)).items]


async def card_ids(session: AsyncSession, item_id: int) -> set[int]:
    return set(
        await session.scalars(
            select(AgendaItemCard.card_id).where(AgendaItemCard.item_id == item_id)
        )
    )


async def test_a_participant_proposes_an_item_with_cards_and_it_comes_last(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    card = await quick_card(session, s.member, s.group, "Betten gesucht")
    first = await propose(session, s, s.other, "Begrüßung")
    item = await agenda.propose_item(
        session, s.member, s.meeting.id, proposal(), [str(card.id), str(card.id)]
    )
    assert (item.title, item.description, item.presenter, item.planned_minutes) == (
        "Wohnraum für Familien",
        "Stand der Suche",
        "Anna Becker",
        15,
    )
    assert item.status is AgendaItemStatus.proposed
    assert (item.proposed_by, item.organisation_id) == (
        s.member.person_id,
        s.member.organisation_id,
    )
    assert item.position > first.position
    assert await card_ids(session, item.id) == {card.id}
    read = await agenda.read_agenda(session, s.meeting)
    assert [i.title for i in read.items] == ["Begrüßung", "Wohnraum für Familien"]
    assert [c.title for c in read.cards[item.id]] == ["Betten gesucht"]
    assert (read.proposed_minutes, read.planned_minutes, read.session_minutes) == (30, 0, 90)
    defaulted = await agenda.propose_item(
        session, s.member, s.meeting.id, {"title": "Kurz", "planned_minutes": ""}
    )
    assert defaulted.planned_minutes == agenda.DEFAULT_MINUTES


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "d" * 4001}, "description"),
        ({"presenter": "p" * 201}, "presenter"),
        ({"planned_minutes": "0"}, "planned_minutes"),
        ({"planned_minutes": "481"}, "planned_minutes"),
        ({"planned_minutes": "zehn"}, "planned_minutes"),
        ({"planned_minutes": "1.5"}, "planned_minutes"),
        ({"planned_minutes": "-5"}, "planned_minutes"),
    ],
)
async def test_bad_proposals_are_refused_and_nothing_is_added(
    session: AsyncSession, fields: dict[str, str], field: str
) -> None:
    s = await setting(session)
    with pytest.raises(Invalid) as refused:
        await agenda.propose_item(session, s.member, s.meeting.id, proposal(**fields))
    assert field in refused.value.errors
    assert await titles(session, s.meeting) == []


async def test_only_cards_of_the_groups_board_the_person_uses_can_be_linked(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    other_group, stranger = await group_with_member(session)
    foreign = await quick_card(session, stranger, other_group, "Anderes Board")
    own = await quick_card(session, s.member, s.group, "Eigenes Board")
    for wanted in ([str(foreign.id)], ["999999999"], ["abc"]):
        with pytest.raises(Invalid) as refused:
            await agenda.propose_item(session, s.member, s.meeting.id, proposal(), wanted)
        assert "cards" in refused.value.errors

    # Invited to the series, but not of the group: takes part, yet does not use its board.
    guest_organisation = await factories.organisation(session)
    session.add(Subscription(series_id=s.series.id, organisation_id=guest_organisation.id))
    guest = factories.actor_of(await factories.person(session, guest_organisation.id))
    await session.flush()
    with pytest.raises(Invalid) as refused:
        await agenda.propose_item(session, guest, s.meeting.id, proposal(), [str(own.id)])
    assert "cards" in refused.value.errors
    assert await titles(session, s.meeting) == []
    assert (await agenda.propose_item(session, guest, s.meeting.id, proposal())).id
    assert await agenda.linkable_cards(session, guest, s.meeting) == []
    assert (own.id, own.title) in await agenda.linkable_cards(session, s.member, s.meeting)


async def test_outsiders_and_unknown_sessions_are_refused(session: AsyncSession) -> None:
    s = await setting(session)
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    with pytest.raises(NotAllowed):
        await agenda.propose_item(session, outsider, s.meeting.id, proposal())
    with pytest.raises(NotFound):
        await agenda.propose_item(session, s.member, 10**9, proposal())


async def test_while_the_session_runs_only_moderators_add_items(session: AsyncSession) -> None:
    s = await setting(session)
    s.meeting.status = MeetingStatus.running
    await session.flush()
    with pytest.raises(Conflict):
        await propose(session, s, s.member, "Zu spät")
    added = await propose(session, s, s.moderator, "Dringend")
    assert await titles(session, s.meeting) == [added.title]


@pytest.mark.parametrize("status", [MeetingStatus.closed, MeetingStatus.cancelled])
async def test_the_agenda_of_a_closed_session_does_not_change(
    session: AsyncSession, status: MeetingStatus
) -> None:
    s = await setting(session)
    item = await propose(session, s, s.member, "Vorher")
    order = (await agenda.read_agenda(session, s.meeting)).order_version
    s.meeting.status = status
    await session.flush()
    attempts = [
        agenda.propose_item(session, s.moderator, s.meeting.id, proposal()),
        agenda_edits.edit_item(session, s.member, s.meeting.id, item.id, proposal(version="1")),
        agenda.withdraw_item(session, s.member, s.meeting.id, item.id),
        agenda.accept_item(session, s.moderator, s.meeting.id, item.id),
        agenda.defer_item(session, s.moderator, s.meeting.id, item.id),
        agenda.move_item(session, s.moderator, s.meeting.id, item.id, "down", order),
    ]
    for attempt in attempts:
        with pytest.raises(Conflict):
            await attempt
    stored = await session.get(AgendaItem, item.id)
    assert stored is not None and (stored.status, stored.version) == (AgendaItemStatus.proposed, 1)


async def test_the_proposer_edits_their_item_against_its_version(session: AsyncSession) -> None:
    s = await setting(session)
    card = await quick_card(session, s.member, s.group, "Karte A")
    later = await quick_card(session, s.member, s.group, "Karte B")
    item = await agenda.propose_item(session, s.member, s.meeting.id, proposal(), [str(card.id)])
    edited = await agenda_edits.edit_item(
        session,
        s.member,
        s.meeting.id,
        item.id,
        proposal("Wohnraum: Stand", planned_minutes="20", version="1"),
        [str(later.id)],
    )
    assert (edited.title, edited.planned_minutes, edited.version) == ("Wohnraum: Stand", 20, 2)
    assert await card_ids(session, item.id) == {later.id}

    with pytest.raises(Conflict):  # someone saved version 2 meanwhile
        await agenda_edits.edit_item(
            session, s.member, s.meeting.id, item.id, proposal("Alt", version="1")
        )
    with pytest.raises(Invalid):
        await agenda_edits.edit_item(session, s.member, s.meeting.id, item.id, proposal())
    with pytest.raises(Invalid):
        await agenda_edits.edit_item(
            session, s.member, s.meeting.id, item.id, proposal("", version="2")
        )
    with pytest.raises(NotAllowed):  # not theirs
        await agenda_edits.edit_item(session, s.other, s.meeting.id, item.id, proposal(version="2"))
    stored = await session.get(AgendaItem, item.id)
    assert stored is not None and (stored.title, stored.version) == ("Wohnraum: Stand", 2)

    await agenda.accept_item(session, s.moderator, s.meeting.id, item.id)
    with pytest.raises(Conflict):  # decided on: now the moderators' to change
        await agenda_edits.edit_item(
            session, s.member, s.meeting.id, item.id, proposal("Neu", version="3")
        )
    by_moderator = await agenda_edits.edit_item(
        session, s.moderator, s.meeting.id, item.id, proposal("Wohnraum", version="3")
    )
    assert by_moderator.title == "Wohnraum"
    assert await card_ids(session, item.id) == {later.id}  # no cards sent: links stay


async def test_stale_edits_are_merged_and_a_clash_is_refused_with_their_value(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    text = "Wir suchen Wohnungen in Leipzig."
    item = await agenda.propose_item(
        session, s.member, s.meeting.id, proposal("Wohnraum", description=text)
    )
    started = {  # what both forms started from: version 1
        "version": "1",
        "base_title": "Wohnraum",
        "base_description": text,
        "base_presenter": "Anna Becker",
        "base_planned_minutes": "15",
    }
    await agenda_edits.edit_item(
        session,
        s.moderator,
        s.meeting.id,
        item.id,
        {
            **proposal("Wohnraum", description="Wir suchen dringend Wohnungen in Leipzig."),
            **started,
        },
    )
    merged = await agenda_edits.edit_item(
        session,
        s.member,
        s.meeting.id,
        item.id,
        {
            **proposal(
                "Wohnraum",
                description="Wir suchen Wohnungen in Leipzig und Halle.",
                planned_minutes="25",
            ),
            **started,
        },
    )
    assert merged.description == "Wir suchen dringend Wohnungen in Leipzig und Halle."
    assert (merged.planned_minutes, merged.version) == (25, 3)

    await agenda_edits.edit_item(
        session,
        s.moderator,
        s.meeting.id,
        item.id,
        {
            **proposal("Wohnraum in Sachsen", description=merged.description, planned_minutes="25"),
            "version": "3",
        },
    )
    with pytest.raises(agenda_edits.ItemEditConflict) as refused:
        await agenda_edits.edit_item(
            session,
            s.member,
            s.meeting.id,
            item.id,
            {**proposal("Wohnungssuche", description=text), **started},
        )
    assert set(refused.value.errors) == {"title"}
    assert refused.value.errors["title"].params == {"theirs": "Wohnraum in Sachsen"}
    stored = await session.get(AgendaItem, item.id)
    assert stored is not None and (stored.title, stored.version) == ("Wohnraum in Sachsen", 4)


async def test_the_proposer_withdraws_an_undecided_item_and_nobody_else_does(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    mine = await propose(session, s, s.member, "Meins")
    kept = await propose(session, s, s.member, "Bleibt")
    with pytest.raises(NotAllowed):
        await agenda.withdraw_item(session, s.other, s.meeting.id, mine.id)
    with pytest.raises(NotAllowed):
        await agenda.withdraw_item(session, s.moderator, s.meeting.id, mine.id)
    await agenda.withdraw_item(session, s.member, s.meeting.id, mine.id)
    assert await titles(session, s.meeting) == ["Bleibt"]
    await agenda.accept_item(session, s.moderator, s.meeting.id, kept.id)
    with pytest.raises(Conflict):
        await agenda.withdraw_item(session, s.member, s.meeting.id, kept.id)
    assert await titles(session, s.meeting) == ["Bleibt"]


async def test_the_moderator_accepts_and_defers_and_members_may_not(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    item = await propose(session, s, s.member, "Punkt")
    for change in (agenda.accept_item, agenda.defer_item):
        with pytest.raises(NotAllowed):
            await change(session, s.member, s.meeting.id, item.id)
    accepted = await agenda.accept_item(session, s.moderator, s.meeting.id, item.id)
    assert (accepted.status, accepted.version) == (AgendaItemStatus.accepted, 2)
    again = await agenda.accept_item(session, s.moderator, s.meeting.id, item.id)
    assert again.version == 2  # accepting twice changes nothing
    read = await agenda.read_agenda(session, s.meeting)
    assert (read.planned_minutes, read.proposed_minutes) == (15, 0)

    deferred = await agenda.defer_item(session, s.moderator, s.meeting.id, item.id)
    assert deferred.status is AgendaItemStatus.deferred
    read = await agenda.read_agenda(session, s.meeting)
    assert (read.items, [i.id for i in read.set_aside]) == ([], [item.id])
    with pytest.raises(Conflict):
        await agenda.defer_item(session, s.moderator, s.meeting.id, item.id)
    back = await agenda.accept_item(session, s.moderator, s.meeting.id, item.id)
    assert back.status is AgendaItemStatus.accepted


async def test_an_item_being_discussed_is_not_deferred(session: AsyncSession) -> None:
    s = await setting(session)
    item = await propose(session, s, s.moderator, "Jetzt dran")
    s.meeting.status = MeetingStatus.running
    s.meeting.current_item_id = item.id
    await session.flush()
    with pytest.raises(Conflict):
        await agenda.defer_item(session, s.moderator, s.meeting.id, item.id)


async def test_an_item_of_another_session_is_not_found(session: AsyncSession) -> None:
    s = await setting(session)
    elsewhere = await factories.meeting(
        session, s.series, datetime.now(UTC).replace(microsecond=0) + timedelta(days=14)
    )
    item = await propose(session, s, s.member, "Hier")
    for change in (agenda.accept_item, agenda.defer_item):
        with pytest.raises(NotFound):
            await change(session, s.moderator, elsewhere.id, item.id)
    with pytest.raises(NotFound):
        await agenda.withdraw_item(session, s.member, elsewhere.id, item.id)


async def test_merging_appends_the_description_and_links_the_cards(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    first = await quick_card(session, s.member, s.group, "Karte 1")
    second = await quick_card(session, s.member, s.group, "Karte 2")
    target = await agenda.propose_item(
        session,
        s.member,
        s.meeting.id,
        proposal("Wohnraum", description="Stand in Leipzig", presenter="Anna"),
        [str(first.id)],
    )
    merged = await agenda.propose_item(
        session,
        s.other,
        s.meeting.id,
        proposal("Wohnungen", description="Stand in Halle", presenter="Ben"),
        [str(first.id), str(second.id)],
    )
    into = await agenda.merge_item(session, s.moderator, s.meeting.id, merged.id, str(target.id))
    assert into.id == target.id
    assert into.description == "Stand in Leipzig\n\nStand in Halle"
    assert into.presenter == "Anna, Ben"
    assert await card_ids(session, target.id) == {first.id, second.id}
    stored = await session.get(AgendaItem, merged.id)
    assert stored is not None
    assert (stored.status, stored.merged_into_id) == (AgendaItemStatus.merged, target.id)
    read = await agenda.read_agenda(session, s.meeting)
    assert [i.id for i in read.items] == [target.id]
    assert [i.id for i in read.set_aside] == [merged.id]

    with pytest.raises(Conflict):
        await agenda.accept_item(session, s.moderator, s.meeting.id, merged.id)
    with pytest.raises(Conflict):
        await agenda.merge_item(session, s.moderator, s.meeting.id, merged.id, str(target.id))
    third = await propose(session, s, s.member, "Dritter")
    with pytest.raises(Invalid) as refused:  # into an item that is merged itself
        await agenda.merge_item(session, s.moderator, s.meeting.id, third.id, str(merged.id))
    assert "target" in refused.value.errors


async def test_bad_merges_are_refused_and_nothing_changes(session: AsyncSession) -> None:
    s = await setting(session)
    item = await propose(session, s, s.member, "Eins")
    elsewhere = await factories.meeting(
        session, s.series, datetime.now(UTC).replace(microsecond=0) + timedelta(days=14)
    )
    foreign = await agenda.propose_item(session, s.member, elsewhere.id, proposal("Dort"))
    long_text = await agenda.propose_item(
        session, s.member, s.meeting.id, proposal("Lang", description="x" * 4000)
    )
    for target in (str(item.id), str(foreign.id), "", "zwei", str(long_text.id)):
        with pytest.raises(Invalid) as refused:
            await agenda.merge_item(session, s.moderator, s.meeting.id, item.id, target)
        assert "target" in refused.value.errors
    with pytest.raises(NotAllowed):
        await agenda.merge_item(session, s.member, s.meeting.id, item.id, str(long_text.id))
    stored = await session.get(AgendaItem, item.id)
    assert stored is not None and (stored.status, stored.version) == (AgendaItemStatus.proposed, 1)


async def test_the_moderator_orders_the_items_on_the_order_seen(session: AsyncSession) -> None:
    s = await setting(session)
    a, b, c = [await propose(session, s, s.member, title) for title in ("A", "B", "C")]
    seen = (await agenda.read_agenda(session, s.meeting)).order_version
    assert await agenda.move_item(session, s.moderator, s.meeting.id, c.id, "up", seen)
    assert await titles(session, s.meeting) == ["A", "C", "B"]

    with pytest.raises(Conflict):  # the order changed since it was seen
        await agenda.move_item(session, s.moderator, s.meeting.id, a.id, "down", seen)
    assert await titles(session, s.meeting) == ["A", "C", "B"]

    seen = (await agenda.read_agenda(session, s.meeting)).order_version
    assert not await agenda.move_item(session, s.moderator, s.meeting.id, a.id, "up", seen)
    with pytest.raises(Invalid):
        await agenda.move_item(session, s.moderator, s.meeting.id, a.id, "sideways", seen)
    with pytest.raises(NotAllowed):
        await agenda.move_item(session, s.member, s.meeting.id, a.id, "down", seen)

    await agenda.set_order(
        session, s.moderator, s.meeting.id, [str(b.id), str(a.id), str(c.id)], seen
    )
    assert await titles(session, s.meeting) == ["B", "A", "C"]
    seen = (await agenda.read_agenda(session, s.meeting)).order_version
    for wrong in ([str(b.id), str(a.id)], [str(b.id), str(a.id), str(a.id)], ["x", "y", "z"]):
        with pytest.raises(Invalid):
            await agenda.set_order(session, s.moderator, s.meeting.id, wrong, seen)
    with pytest.raises(NotAllowed):
        await agenda.set_order(
            session, s.member, s.meeting.id, [str(a.id), str(b.id), str(c.id)], seen
        )

    await agenda.defer_item(session, s.moderator, s.meeting.id, a.id)
    seen = (await agenda.read_agenda(session, s.meeting)).order_version
    with pytest.raises(Conflict):  # set aside: no place in the order
        await agenda.move_item(session, s.moderator, s.meeting.id, a.id, "up", seen)


# --- suggestions from the series' last session ------------------------------------------------


async def held_before(session: AsyncSession, s: Setting, days: int = 7) -> Meeting:
    """A session of the same series before `s.meeting`, held and closed."""
    earlier = await factories.meeting(session, s.series, s.meeting.starts_at - timedelta(days=days))
    earlier.status = MeetingStatus.closed
    await session.flush()
    return earlier


async def item_in(
    session: AsyncSession, meeting: Meeting, title: str, **fields: object
) -> AgendaItem:
    item = AgendaItem(meeting_id=meeting.id, title=title, **fields)
    session.add(item)
    await session.flush()
    return item


async def action(
    session: AsyncSession,
    item: AgendaItem,
    text: str,
    organisation_id: int | None,
    **fields: object,
) -> ActionItem:
    row = ActionItem(item_id=item.id, text=text, owner_organisation_id=organisation_id, **fields)
    session.add(row)
    await session.flush()
    return row


async def test_open_actions_of_earlier_sessions_and_the_last_ones_deferred_are_suggested(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    older = await held_before(session, s, days=14)
    last = await held_before(session, s)
    organisation = s.member.organisation_id
    covered = await item_in(session, last, "Wohnraum", status=AgendaItemStatus.covered)
    open_action = await action(
        session, covered, "Liste der Vermieter teilen", organisation, due_on=date(2026, 12, 1)
    )
    busy = await action(
        session, covered, "Kontakt zur Stadt", organisation, status=ActionItemStatus.in_progress
    )
    await action(session, covered, "Erledigt", organisation, status=ActionItemStatus.done)
    await action(session, covered, "Verworfen", organisation, status=ActionItemStatus.dropped)
    deferred = await item_in(
        session, last, "Sprachkurse", status=AgendaItemStatus.deferred, planned_minutes=20
    )
    await item_in(session, last, "Abgelehnt", status=AgendaItemStatus.merged)
    old_item = await item_in(session, older, "Ganz alt", status=AgendaItemStatus.deferred)
    old_action = await action(session, old_item, "Alte Aufgabe", organisation)
    # another series of the same group, just before: nothing of it is suggested
    other_series = await factories.series(session, s.group)
    other = await factories.meeting(session, other_series, s.meeting.starts_at - timedelta(days=1))
    await item_in(session, other, "Fremd", status=AgendaItemStatus.deferred)
    # a cancelled session in between is skipped
    cancelled = await factories.meeting(session, s.series, s.meeting.starts_at - timedelta(days=2))
    cancelled.status = MeetingStatus.cancelled
    await session.flush()

    found = await agenda_suggestions.suggestions_for(session, s.meeting)
    assert found.previous is not None and found.previous.id == last.id
    # Open action items are carried along until done, the oldest first; deferred items come
    # from the last session only.
    assert [(a.id, a.title) for a in found.actions] == [
        (old_action.id, "Alte Aufgabe"),
        (open_action.id, "Liste der Vermieter teilen"),
        (busy.id, "Kontakt zur Stadt"),
    ]
    assert found.actions[1].due_on == date(2026, 12, 1)
    assert found.actions[1].owner  # the owner organisation's name
    assert [(d.id, d.title, d.planned_minutes) for d in found.deferred] == [
        (deferred.id, "Sprachkurse", 20)
    ]
    first_ever = await agenda_suggestions.suggestions_for(session, older)
    assert not first_ever and first_ever.previous is None


async def test_the_moderator_takes_suggestions_onto_the_agenda_once(
    session: AsyncSession,
) -> None:
    s = await setting(session)
    last = await held_before(session, s)
    card = await quick_card(session, s.member, s.group, "Sprachkurs-Räume")
    deferred = await item_in(
        session,
        last,
        "Sprachkurse",
        description="Räume fehlen",
        presenter="Ben",
        planned_minutes=20,
        status=AgendaItemStatus.deferred,
        proposed_by=s.member.person_id,
    )
    await agenda.link_cards(session, deferred.id, [card.id])
    covered = await item_in(session, last, "Wohnraum", status=AgendaItemStatus.covered)
    todo = await action(
        session, covered, "Vermieterliste teilen\nmit Kontakten", s.member.organisation_id
    )

    with pytest.raises(NotAllowed):
        await agenda_suggestions.take_suggestion(
            session, s.member, s.meeting.id, "deferred", str(deferred.id)
        )
    taken = await agenda_suggestions.take_suggestion(
        session, s.moderator, s.meeting.id, "deferred", str(deferred.id)
    )
    assert (taken.title, taken.description, taken.presenter, taken.planned_minutes) == (
        "Sprachkurse",
        "Räume fehlen",
        "Ben",
        20,
    )
    assert (taken.status, taken.carried_from_id) == (AgendaItemStatus.accepted, deferred.id)
    assert await card_ids(session, taken.id) == {card.id}

    follow_up = await agenda_suggestions.take_suggestion(
        session, s.moderator, s.meeting.id, "action", str(todo.id)
    )
    assert (follow_up.title, follow_up.carried_action_id) == ("Vermieterliste teilen", todo.id)
    assert follow_up.description == "Vermieterliste teilen\nmit Kontakten"
    assert follow_up.status is AgendaItemStatus.accepted
    assert await titles(session, s.meeting) == ["Sprachkurse", "Vermieterliste teilen"]

    assert not await agenda_suggestions.suggestions_for(session, s.meeting)  # taken: gone
    with pytest.raises(Conflict):
        await agenda_suggestions.take_suggestion(
            session, s.moderator, s.meeting.id, "action", str(todo.id)
        )
    for kind, ident in (("deferred", str(covered.id)), ("action", "999999")):
        with pytest.raises(NotFound):
            await agenda_suggestions.take_suggestion(
                session, s.moderator, s.meeting.id, kind, ident
            )
    for kind, ident in (("card", str(todo.id)), ("action", "x")):
        with pytest.raises(Invalid):
            await agenda_suggestions.take_suggestion(
                session, s.moderator, s.meeting.id, kind, ident
            )

    # Withdrawn again from this agenda (deferred once more), the item is suggested next time.
    await agenda.defer_item(session, s.moderator, s.meeting.id, taken.id)
    s.meeting.status = MeetingStatus.closed
    await session.flush()
    with pytest.raises(Conflict):
        await agenda_suggestions.take_suggestion(
            session, s.moderator, s.meeting.id, "action", str(todo.id)
        )
    following = await factories.meeting(session, s.series, s.meeting.starts_at + timedelta(days=7))
    found = await agenda_suggestions.suggestions_for(session, following)
    assert [d.id for d in found.deferred] == [taken.id]


# --- two moderators at once ---------------------------------------------------------------------


@pytest.fixture
async def committed(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on a database of its own, for moderators in separate transactions."""
    engine = create_async_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url, pool_size=4)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_two_moderators_moving_on_the_same_order_one_wins_the_other_is_told(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        s = await setting(session)
        second = factories.actor_of(
            await factories.person(session, (await factories.organisation(session)).id),
            moderates=(s.group.id,),
        )
        a, b, c = [await propose(session, s, s.member, title) for title in ("A", "B", "C")]
        seen = (await agenda.read_agenda(session, s.meeting)).order_version
        meeting_id = s.meeting.id

    async def move(actor: Actor, item_id: int, direction: str) -> str:
        try:
            async with committed() as session, session.begin():
                await agenda.move_item(session, actor, meeting_id, item_id, direction, seen)
            return "moved"
        except Conflict:
            return "told"

    results = await asyncio.gather(move(s.moderator, c.id, "up"), move(second, a.id, "down"))
    assert sorted(results) == ["moved", "told"]
    async with committed() as session:
        meeting = await session.get_one(Meeting, meeting_id)
        assert await titles(session, meeting) in (["A", "C", "B"], ["B", "A", "C"])
        assert b.id
