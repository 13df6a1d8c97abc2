"""Closing a session: it ends the current item, defers what was not covered, records who was
present while it ran (by organisation), marks the summary as due, and freezes the session.
Every refusal leaves everything as it was."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import agenda, meeting_close, meeting_live, notes, outcomes
from server.domain.errors import Conflict, Invalid, NotAllowed
from server.domain.meeting_close import Seen
from server.models import AgendaItem, AgendaItemStatus, Attendance, MeetingStatus, Speaker
from server.models.enums import SpeakerStatus
from tests import factories
from tests.domain.test_meeting_live import NOW, a_session, snapshot, v

LATER = NOW + timedelta(minutes=50)


def seen(actor_person: int, organisation: int, first: int, last: int) -> Seen:
    """Seen from `first` to `last` minutes after NOW."""
    return Seen(
        actor_person,
        organisation,
        NOW + timedelta(minutes=first),
        NOW + timedelta(minutes=last),
    )


async def test_closing_ends_the_item_defers_the_rest_and_records_attendance(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    first, second, third = setting.items
    meeting, mod, anna, ben = setting.meeting, setting.moderator, setting.anna, setting.ben
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    await meeting_live.close_item(session, mod, meeting.id, first.id, "Erledigt", v(meeting), NOW)
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW + timedelta(minutes=5))
    await meeting_live.raise_hand(session, anna, meeting.id, NOW + timedelta(minutes=6))
    assert anna.person_id and anna.organisation_id and ben.person_id and ben.organisation_id
    present = [
        seen(anna.person_id, anna.organisation_id, -10, 50),
        # Ben left before the session started: he is not recorded as present.
        Seen(
            ben.person_id, ben.organisation_id, NOW - timedelta(hours=2), NOW - timedelta(hours=1)
        ),
    ]

    closed = await meeting_close.close_meeting(session, mod, meeting.id, v(meeting), present, LATER)

    assert closed.meeting is meeting
    assert (meeting.status, meeting.closed_at, meeting.summary_enqueued_at) == (
        MeetingStatus.closed,
        LATER,
        LATER,
    )
    assert meeting.item_started_at is None
    assert second.used_seconds == 45 * 60  # counted up to the close
    statuses = dict(
        (
            await session.execute(
                select(AgendaItem.title, AgendaItem.status).where(
                    AgendaItem.meeting_id == meeting.id
                )
            )
        ).all()
    )
    assert statuses == {
        "Begrüßung": AgendaItemStatus.covered,
        "Nur vorgeschlagen": AgendaItemStatus.deferred,
        "Winterquartiere": AgendaItemStatus.deferred,
        "Verschiedenes": AgendaItemStatus.deferred,
    }
    assert closed.deferred == 3 and third.status is AgendaItemStatus.deferred
    hands = await session.scalars(select(Speaker.status).where(Speaker.meeting_id == meeting.id))
    assert list(hands) == [SpeakerStatus.withdrawn]

    rows = list(
        await session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
    )
    assert closed.attendees == 1
    assert [(r.person_id, r.organisation_id) for r in rows] == [
        (anna.person_id, anna.organisation_id)
    ]
    # Counted from the start of the session, not from when the page was opened.
    assert (rows[0].first_seen, rows[0].last_seen) == (NOW, NOW + timedelta(minutes=50))

    attended = await meeting_close.attendance_of(session, meeting.id)
    assert [(a.organisation_id, a.people) for a in attended] == [(anna.organisation_id, 1)]


async def test_a_closed_session_is_frozen(session: AsyncSession) -> None:
    setting = await a_session(session)
    meeting, mod, anna = setting.meeting, setting.moderator, setting.anna
    first = setting.items[0]
    await meeting_live.next_item(session, mod, meeting.id, v(meeting), NOW)
    await meeting_close.close_meeting(session, mod, meeting.id, v(meeting), [], LATER)
    before = await snapshot(session, meeting)

    with pytest.raises(Invalid) as refused:
        await meeting_close.close_meeting(session, mod, meeting.id, v(meeting), [], LATER)
    assert str(refused.value.errors["meeting"]) == (
        "The session is closed; nothing can be changed any more."
    )
    with pytest.raises(Invalid):
        await meeting_live.raise_hand(session, anna, meeting.id, LATER)
    with pytest.raises(Invalid):
        await meeting_live.next_item(session, mod, meeting.id, v(meeting), LATER)
    with pytest.raises(Conflict) as notes_refused:
        await notes.save_notes(session, anna, meeting.id, first.id, "Nachtrag", "0", LATER)
    assert notes_refused.value.message == "The session is closed; notes can no longer change."
    with pytest.raises(Invalid):
        await outcomes.record_decision(session, mod, meeting.id, first.id, "Nachträglich")
    with pytest.raises(Conflict):
        await agenda.propose_item(session, anna, meeting.id, {"title": "Noch ein Punkt"})
    assert await snapshot(session, meeting) == before


async def test_closing_is_refused_unless_the_moderator_closes_a_running_session_as_seen(
    session: AsyncSession,
) -> None:
    planned = await a_session(session, running=False)
    before = await snapshot(session, planned.meeting)
    with pytest.raises(Invalid) as refused:
        await meeting_close.close_meeting(
            session, planned.moderator, planned.meeting.id, "1", [], LATER
        )
    assert str(refused.value.errors["meeting"]) == (
        "The session has not started yet; nothing was changed."
    )
    assert await snapshot(session, planned.meeting) == before

    setting = await a_session(session)
    meeting = setting.meeting
    before = await snapshot(session, meeting)
    with pytest.raises(NotAllowed):
        await meeting_close.close_meeting(session, setting.anna, meeting.id, v(meeting), [], LATER)
    with pytest.raises(Conflict):
        stale = str(meeting.version - 1)
        await meeting_close.close_meeting(session, setting.moderator, meeting.id, stale, [], LATER)
    with pytest.raises(Invalid):
        await meeting_close.close_meeting(session, setting.moderator, meeting.id, "", [], LATER)
    assert await snapshot(session, meeting) == before
    assert meeting.summary_enqueued_at is None


async def test_attendance_skips_organisations_gone_meanwhile_and_counts_by_organisation(
    session: AsyncSession,
) -> None:
    setting = await a_session(session)
    meeting, anna, ben = setting.meeting, setting.anna, setting.ben
    assert anna.organisation_id and ben.organisation_id and anna.person_id and ben.person_id
    colleague = await factories.person(session, anna.organisation_id)
    present = [
        seen(anna.person_id, anna.organisation_id, 0, 40),
        seen(colleague.id, anna.organisation_id, 1, 30),
        seen(ben.person_id, ben.organisation_id, 2, 20),
        seen(ben.person_id + 10_000, 2**31 - 1, 2, 20),  # an organisation that is gone
    ]
    closed = await meeting_close.close_meeting(
        session, setting.moderator, meeting.id, v(meeting), present, LATER
    )
    assert closed.attendees == 3
    attended = {
        a.organisation_id: a.people for a in await meeting_close.attendance_of(session, meeting.id)
    }
    assert attended == {anna.organisation_id: 2, ben.organisation_id: 1}

    now_present = await meeting_close.present_organisations(
        session, {anna.person_id: anna.organisation_id, colleague.id: anna.organisation_id}
    )
    assert [(p.organisation_id, p.people) for p in now_present] == [(anna.organisation_id, 2)]
    assert await meeting_close.present_organisations(session, {}) == []
