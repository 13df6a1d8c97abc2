"""The moderator's agenda board and the speakers list: every change raises the session's
version, a stale one is refused, and every refusal leaves everything as it was."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from server.domain import meeting_live
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed
from server.models import AgendaItem, AgendaItemStatus, Meeting, MeetingStatus, Speaker
from server.models.enums import SpeakerStatus
from server.settings import Settings
from tests import factories
from tests.domain.cardkit import group_with_member, second_member

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


@dataclass
class Setting:
    meeting: Meeting
    moderator: Actor
    anna: Actor
    ben: Actor
    items: list[AgendaItem]  # accepted, in agenda order


async def a_session(session: AsyncSession, *, running: bool = True) -> Setting:
    """A group's session with three accepted items (and one merely proposed), two members and
    a moderator; started unless told otherwise."""
    group, anna = await group_with_member(session)
    ben = await second_member(session, group)
    moderator = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id),
        moderates=(group.id,),
    )
    meeting = await factories.meeting(session, await factories.series(session, group))
    items = []
    for position, (title, status) in enumerate(
        [
            ("Begrüßung", AgendaItemStatus.accepted),
            ("Nur vorgeschlagen", AgendaItemStatus.proposed),
            ("Winterquartiere", AgendaItemStatus.accepted),
            ("Verschiedenes", AgendaItemStatus.accepted),
        ]
    ):
        item = AgendaItem(
            meeting_id=meeting.id, title=title, planned_minutes=10, position=position, status=status
        )
        session.add(item)
        items.append(item)
    await session.flush()
    if running:
        await meeting_live.start_meeting(session, moderator, meeting.id, "1", NOW)
    accepted = [item for item in items if item.status is AgendaItemStatus.accepted]
    return Setting(meeting, moderator, anna, ben, accepted)


def v(meeting: Meeting) -> str:
    return str(meeting.version)


async def snapshot(session: AsyncSession, meeting: Meeting) -> tuple[object, ...]:
    """Everything a refused change must leave as it was."""
    stored = await session.scalar(
        select(Meeting).where(Meeting.id == meeting.id).execution_options(populate_existing=True)
    )
    assert stored is not None
    items = (
        await session.execute(
            select(AgendaItem.id, AgendaItem.status, AgendaItem.used_seconds, AgendaItem.outcome)
            .where(AgendaItem.meeting_id == meeting.id)
            .order_by(AgendaItem.id)
        )
    ).all()
    speakers = (
        await session.execute(
            select(Speaker.id, Speaker.status, Speaker.position)
            .where(Speaker.meeting_id == meeting.id)
            .order_by(Speaker.id)
        )
    ).all()
    return (
        stored.status,
        stored.version,
        stored.current_item_id,
        stored.item_started_at,
        tuple(items),
        tuple(speakers),
    )


async def test_starting_a_planned_session_runs_it_and_raises_its_version(
    session: AsyncSession,
) -> None:
    setting = await a_session(session, running=False)
    meeting = await meeting_live.start_meeting(
        session, setting.moderator, setting.meeting.id, "1", NOW
    )
    assert (meeting.status, meeting.started_at, meeting.version) == (
        MeetingStatus.running,
        NOW,
        2,
    )
    assert meeting.current_item_id is None
    with pytest.raises(Invalid) as refused:
        await meeting_live.start_meeting(session, setting.moderator, meeting.id, "2", NOW)
    assert str(refused.value.errors["meeting"]) == "The session is running already."


async def test_making_an_item_current_starts_its_timer_and_counts_the_time_of_the_last(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    first, second, _ = setting.items
    meeting = await meeting_live.make_current(
        session, setting.moderator, setting.meeting.id, str(first.id), v(setting.meeting), NOW
    )
    assert (meeting.current_item_id, meeting.item_started_at) == (first.id, NOW)
    later = NOW + timedelta(minutes=7, seconds=5)
    await meeting_live.make_current(
        session, setting.moderator, meeting.id, second.id, v(meeting), later
    )
    assert (meeting.current_item_id, meeting.item_started_at) == (second.id, later)
    assert first.used_seconds == 425 and second.used_seconds == 0

    board = await meeting_live.get_board(session, setting.anna, meeting.id)
    assert [item.title for item in board.items] == ["Begrüßung", "Winterquartiere", "Verschiedenes"]
    assert board.current is not None and board.current.id == second.id and board.hands_open


async def test_only_an_accepted_item_of_this_session_can_be_current(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    proposed = await session.scalar(
        select(AgendaItem).where(
            AgendaItem.meeting_id == setting.meeting.id,
            AgendaItem.status == AgendaItemStatus.proposed,
        )
    )
    other = await a_session(session)
    before = await snapshot(session, setting.meeting)
    for item_id in (proposed.id if proposed else 0, other.items[0].id, "x"):
        with pytest.raises(Invalid):
            await meeting_live.make_current(
                session, setting.moderator, setting.meeting.id, item_id, v(setting.meeting), NOW
            )
    assert await snapshot(session, setting.meeting) == before


async def test_next_and_previous_follow_the_accepted_items_in_order(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    first, second, third = setting.items
    meeting, mod, m = setting.meeting, setting.moderator, setting.meeting.id
    with pytest.raises(Invalid) as refused:
        await meeting_live.previous_item(session, mod, m, v(meeting), NOW)
    assert str(refused.value.errors["item_id"]) == "There is no earlier item on the agenda."

    seen = []
    for minute in range(3):
        await meeting_live.next_item(session, mod, m, v(meeting), NOW + timedelta(minutes=minute))
        seen.append(meeting.current_item_id)
    assert seen == [first.id, second.id, third.id]  # the proposed item is skipped
    with pytest.raises(Invalid) as refused:
        await meeting_live.next_item(session, mod, m, v(meeting), NOW)
    assert str(refused.value.errors["item_id"]) == "There is no further item on the agenda."

    await meeting_live.previous_item(session, mod, m, v(meeting), NOW + timedelta(minutes=5))
    assert meeting.current_item_id == second.id
    assert (first.used_seconds, second.used_seconds, third.used_seconds) == (60, 60, 180)


async def test_closing_the_current_item_records_its_outcome_and_time(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    first, second, _ = setting.items
    meeting, mod = setting.meeting, setting.moderator
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    hand = await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)

    with pytest.raises(Invalid) as refused:
        await meeting_live.close_item(
            session, mod, meeting.id, second.id, "Erledigt", v(meeting), NOW
        )
    assert str(refused.value.errors["item_id"]) == "Only the current item can be closed."
    with pytest.raises(Invalid) as refused:
        await meeting_live.close_item(
            session, mod, meeting.id, first.id, "x" * 4001, v(meeting), NOW
        )
    assert "4000" in str(refused.value.errors["outcome"])

    closed_at = NOW + timedelta(minutes=12)
    await meeting_live.close_item(
        session, mod, meeting.id, first.id, "  Alle sind begrüßt.  ", v(meeting), closed_at
    )
    assert (first.status, first.outcome, first.used_seconds) == (
        AgendaItemStatus.covered,
        "Alle sind begrüßt.",
        720,
    )
    assert meeting.current_item_id == first.id and meeting.item_started_at is None
    assert hand.status is SpeakerStatus.withdrawn  # the closed item's list is ended
    board = await meeting_live.get_board(session, setting.anna, meeting.id)
    assert not board.hands_open and board.speakers == []
    with pytest.raises(Invalid):  # a covered item does not come back as current
        await meeting_live.make_current(session, mod, meeting.id, first.id, v(meeting), NOW)
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), closed_at)
    assert meeting.current_item_id == second.id
    with pytest.raises(Invalid):  # previous skips the covered item
        await meeting_live.previous_item(session, mod, meeting.id, v(meeting), closed_at)


async def test_a_stale_version_is_refused_and_changes_nothing(session: AsyncSession) -> None:
    setting = await a_session(session)
    meeting, mod = setting.meeting, setting.moderator
    seen = v(meeting)
    await meeting_live.next_item(session, mod, meeting.id, seen, NOW)
    before = await snapshot(session, meeting)
    with pytest.raises(Conflict) as refused:
        await meeting_live.make_current(session, mod, meeting.id, setting.items[2].id, seen, NOW)
    assert "Someone else changed the agenda board" in refused.value.message
    with pytest.raises(Invalid) as missing:
        await meeting_live.next_item(session, mod, meeting.id, None, NOW)
    assert "out of date" in str(missing.value.errors["version"])
    assert await snapshot(session, meeting) == before


async def test_members_do_not_run_the_board(session: AsyncSession) -> None:
    setting = await a_session(session)
    meeting = setting.meeting
    before = await snapshot(session, meeting)
    attempts = [
        meeting_live.start_meeting(session, setting.anna, meeting.id, v(meeting), NOW),
        meeting_live.next_item(session, setting.anna, meeting.id, v(meeting), NOW),
        meeting_live.previous_item(session, setting.anna, meeting.id, v(meeting), NOW),
        meeting_live.make_current(
            session, setting.anna, meeting.id, setting.items[0].id, v(meeting), NOW
        ),
        meeting_live.close_item(
            session, setting.anna, meeting.id, setting.items[0].id, "", v(meeting), NOW
        ),
        meeting_live.give_floor(session, setting.anna, meeting.id, 1, v(meeting), NOW),
        meeting_live.remove_speaker(session, setting.anna, meeting.id, 1, v(meeting), NOW),
        meeting_live.move_speaker(session, setting.anna, meeting.id, 1, "up", v(meeting)),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed) as refused:
            await attempt
        assert refused.value.message == "Only the group's moderators run its sessions."
    assert await snapshot(session, meeting) == before


async def test_hands_are_raised_given_the_floor_and_lowered_in_order(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    meeting, mod = setting.meeting, setting.moderator
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    version = meeting.version
    anna = await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    ben = await meeting_live.raise_hand(session, setting.ben, meeting.id, NOW)
    assert meeting.version == version  # hands do not make the moderator's page stale
    board = await meeting_live.get_board(session, setting.anna, meeting.id)
    assert [s.id for s in board.waiting] == [anna.id, ben.id]
    mine = await meeting_live.my_hand(session, setting.ben, meeting)
    assert mine is not None and mine.id == ben.id

    await meeting_live.give_floor(session, mod, meeting.id, ben.id, v(meeting), NOW)
    assert (ben.status, ben.started_at) == (SpeakerStatus.speaking, NOW)
    later = NOW + timedelta(minutes=2)
    await meeting_live.give_floor(session, mod, meeting.id, anna.id, v(meeting), later)
    assert (ben.status, ben.ended_at) == (SpeakerStatus.done, later)
    assert anna.status is SpeakerStatus.speaking

    again = await meeting_live.raise_hand(session, setting.ben, meeting.id, later)  # done: again
    board = await meeting_live.get_board(session, setting.ben, meeting.id)
    assert board.speaking is not None and board.speaking.id == anna.id
    assert [s.id for s in board.waiting] == [again.id]
    await meeting_live.lower_hand(session, setting.ben, meeting.id, later)
    assert again.status is SpeakerStatus.withdrawn
    await meeting_live.lower_hand(session, setting.anna, meeting.id, later)  # ends her turn
    assert anna.status is SpeakerStatus.done


async def test_moving_to_another_item_ends_the_turn_and_keeps_the_waiting(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    meeting, mod = setting.meeting, setting.moderator
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    anna = await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    ben = await meeting_live.raise_hand(session, setting.ben, meeting.id, NOW)
    await meeting_live.give_floor(session, mod, meeting.id, anna.id, v(meeting), NOW)
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    assert (anna.status, ben.status) == (SpeakerStatus.done, SpeakerStatus.waiting)
    board = await meeting_live.get_board(session, setting.anna, meeting.id)
    assert board.speakers == []  # the new item's list starts empty
    await meeting_live.raise_hand(session, setting.ben, meeting.id, NOW)  # on the new item


async def test_the_moderator_removes_and_reorders_the_waiting(session: AsyncSession) -> None:
    setting = await a_session(session)
    meeting, mod = setting.meeting, setting.moderator
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    anna = await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    ben = await meeting_live.raise_hand(session, setting.ben, meeting.id, NOW)

    async def order() -> list[int]:
        board = await meeting_live.get_board(session, mod, meeting.id)
        return [s.id for s in board.waiting]

    await meeting_live.move_speaker(session, mod, meeting.id, ben.id, "up", v(meeting))
    assert await order() == [ben.id, anna.id]
    before = await snapshot(session, meeting)
    for speaker, direction, message in (
        (ben, "up", "This person is first on the list already."),
        (anna, "down", "This person is last on the list already."),
        (anna, "sideways", "Please move up or down."),
    ):
        with pytest.raises(Invalid) as refused:
            await meeting_live.move_speaker(
                session, mod, meeting.id, speaker.id, direction, v(meeting)
            )
        assert str(refused.value.errors["direction"]) == message
    assert await snapshot(session, meeting) == before
    await meeting_live.move_speaker(session, mod, meeting.id, ben.id, "down", v(meeting))
    assert await order() == [anna.id, ben.id]

    await meeting_live.remove_speaker(session, mod, meeting.id, anna.id, v(meeting), NOW)
    assert anna.status is SpeakerStatus.withdrawn
    assert await order() == [ben.id]


async def test_speakers_list_refusals_are_clear_and_change_nothing(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    meeting, mod = setting.meeting, setting.moderator
    with pytest.raises(Invalid) as refused:  # no item current yet
        await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    assert "no open item" in str(refused.value.errors["hand"])
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    anna = await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    other = await a_session(session)
    await meeting_live.next_item(session, other.moderator, other.meeting.id, v(other.meeting), NOW)
    elsewhere = await meeting_live.raise_hand(session, other.anna, other.meeting.id, NOW)
    before = await snapshot(session, meeting)

    with pytest.raises(Invalid) as refused:
        await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    assert str(refused.value.errors["hand"]) == "Your hand is raised already."
    with pytest.raises(Invalid) as refused:
        await meeting_live.lower_hand(session, setting.ben, meeting.id, NOW)
    assert str(refused.value.errors["hand"]) == "Your hand is not raised."
    for speaker_id in (elsewhere.id, 10**8):  # on another session's list; on none
        with pytest.raises(Invalid) as refused:
            await meeting_live.give_floor(session, mod, meeting.id, speaker_id, v(meeting), NOW)
        assert str(refused.value.errors["speaker"]) == "This person is not on the speakers list."
    await meeting_live.lower_hand(session, setting.anna, meeting.id, NOW)
    before = await snapshot(session, meeting)
    with pytest.raises(Invalid) as refused:  # lowered: no longer on the list
        await meeting_live.give_floor(session, mod, meeting.id, anna.id, v(meeting), NOW)
    assert str(refused.value.errors["speaker"]) == "This person is not on the speakers list."
    assert await snapshot(session, meeting) == before


@pytest.mark.parametrize("status", [MeetingStatus.planned, MeetingStatus.closed])
async def test_nothing_changes_on_a_session_that_is_not_running(
    session: AsyncSession, status: MeetingStatus
) -> None:
    setting = await a_session(session)
    meeting, mod = setting.meeting, setting.moderator
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    anna = await meeting_live.raise_hand(session, setting.anna, meeting.id, NOW)
    ben = await meeting_live.raise_hand(session, setting.ben, meeting.id, NOW)
    meeting.status = status
    await session.flush()
    before = await snapshot(session, meeting)
    m, version = meeting.id, v(meeting)
    attempts = [
        meeting_live.make_current(session, mod, m, setting.items[1].id, version, NOW),
        meeting_live.next_item(session, mod, m, version, NOW),
        meeting_live.previous_item(session, mod, m, version, NOW),
        meeting_live.close_item(session, mod, m, setting.items[0].id, "", version, NOW),
        meeting_live.give_floor(session, mod, m, anna.id, version, NOW),
        meeting_live.remove_speaker(session, mod, m, anna.id, version, NOW),
        meeting_live.move_speaker(session, mod, m, ben.id, "up", version),  # ordering
        meeting_live.raise_hand(session, setting.anna, m, NOW),
        meeting_live.lower_hand(session, setting.anna, m, NOW),
    ]
    expected = {
        MeetingStatus.planned: "The session has not started yet; nothing was changed.",
        MeetingStatus.closed: "The session is closed; nothing can be changed any more.",
    }[status]
    for attempt in attempts:
        with pytest.raises(Invalid) as refused:
            await attempt
        assert str(refused.value.errors["meeting"]) == expected
    assert await snapshot(session, meeting) == before


@pytest.fixture
async def committed(database_url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A sessionmaker on a database of its own, for moderators in separate transactions."""
    engine = create_async_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url, pool_size=4)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def test_two_moderators_make_different_items_current_at_once_one_wins(
    committed: async_sessionmaker[AsyncSession],
) -> None:
    async with committed() as session, session.begin():
        setting = await a_session(session)
        anna_moderator = setting.moderator
        ben_moderator = factories.actor_of(
            await factories.person(session, (await factories.organisation(session)).id),
            moderates=anna_moderator.moderated_group_ids,
        )
        meeting_id, seen = setting.meeting.id, v(setting.meeting)
        wanted = {
            anna_moderator.person_id: setting.items[1].id,
            ben_moderator.person_id: setting.items[2].id,
        }

    async def make_current(moderator: Actor) -> str:
        try:
            async with committed() as session, session.begin():
                await meeting_live.make_current(
                    session, moderator, meeting_id, wanted[moderator.person_id], seen, NOW
                )
            return "made current"
        except Conflict as refused:
            assert "Someone else changed the agenda board" in refused.message
            return "told"

    results = await asyncio.gather(make_current(anna_moderator), make_current(ben_moderator))
    assert sorted(results) == ["made current", "told"]
    winner = [anna_moderator, ben_moderator][results.index("made current")]
    async with committed() as session:
        stored = await session.get(Meeting, meeting_id)
        assert stored is not None
        assert stored.current_item_id == wanted[winner.person_id]
        assert stored.version == int(seen) + 1
        board = await meeting_live.get_board(session, anna_moderator, meeting_id)
        assert board.current is not None and board.current.id == stored.current_item_id
