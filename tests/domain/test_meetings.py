"""Series and sessions: who creates a series and what it must hold, planning its dates (twice
adds nothing; German wall-clock time across the clock change), moving a session, the
invitation list, registrations and whom the invitations reach."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import invitations, meeting_access, meetings, registrations
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import MeetingStatus, Organisation, Person, WorkingGroup
from tests import factories
from tests.domain.cardkit import group_with_member

SERIES = {
    "title": "Wöchentliche Sitzung",
    "weekday": "3",
    "starts_at": "10:00",
    "duration_minutes": "90",
    "video_url": "https://meet.example/ag",
}
# A Tuesday in late October 2026: the clock goes back on Sunday 25 October.
BEFORE_CLOCK_CHANGE = datetime(2026, 10, 20, 12, 0, tzinfo=UTC)


async def _admin(session: AsyncSession) -> Actor:
    """An alliance admin with a row of their own (series and list entries name their author)."""
    organisation = await factories.organisation(session)
    person = await factories.person(session, organisation.id, is_alliance_admin=True)
    return factories.actor_of(person)


async def _moderated_group(session: AsyncSession) -> tuple[WorkingGroup, Actor, Actor]:
    """A group, a person of one of its organisations, and its moderator."""
    group, member = await group_with_member(session)
    organisation = await factories.organisation(session)
    moderator = factories.actor_of(
        await factories.person(session, organisation.id), moderates=(group.id,)
    )
    return group, member, moderator


async def test_moderators_and_alliance_admins_create_a_groups_series(
    session: AsyncSession,
) -> None:
    group, member, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, moderator, group, SERIES)
    assert (series.group_id, series.weekday, series.starts_at) == (group.id, 3, time(10, 0))
    assert series.video_url == "https://meet.example/ag" and series.duration_minutes == 90
    await meetings.create_series(session, await _admin(session), group, SERIES)
    with pytest.raises(NotAllowed):
        await meetings.create_series(session, member, group, SERIES)


async def test_only_alliance_admins_create_an_alliance_series(session: AsyncSession) -> None:
    group, _, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, await _admin(session), None, SERIES)
    assert series.group_id is None
    with pytest.raises(NotAllowed):
        await meetings.create_series(session, moderator, None, SERIES)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "   "),
        ("title", "x" * 201),
        ("weekday", "7"),
        ("weekday", "Donnerstag"),
        ("starts_at", "25:00"),
        ("starts_at", "10 Uhr"),
        ("duration_minutes", "1"),
        ("video_url", "javascript:alert(1)"),
        ("video_url", "ftp://meet.example/ag"),
        ("video_url", "https://"),
        ("place", "x" * 301),
    ],
)
async def test_a_series_is_refused_with_the_field_named(
    session: AsyncSession, field: str, value: str
) -> None:
    group, _, moderator = await _moderated_group(session)
    with pytest.raises(Invalid) as refused:
        await meetings.create_series(session, moderator, group, {**SERIES, field: value})
    assert list(refused.value.errors) == [field]


async def test_planning_twice_adds_nothing_and_keeps_german_time_across_the_clock_change(
    session: AsyncSession,
) -> None:
    group, member, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, moderator, group, SERIES)
    planned = await meetings.plan_sessions(session, moderator, series.id, 4, BEFORE_CLOCK_CHANGE)
    assert [m.starts_at for m in planned] == [
        datetime(2026, 10, 22, 8, 0, tzinfo=UTC),  # summer time: 10:00 is 08:00 UTC
        datetime(2026, 10, 29, 9, 0, tzinfo=UTC),  # winter time: 10:00 is 09:00 UTC
        datetime(2026, 11, 5, 9, 0, tzinfo=UTC),
        datetime(2026, 11, 12, 9, 0, tzinfo=UTC),
    ]
    assert all((m.ends_at - m.starts_at).total_seconds() == 90 * 60 for m in planned)
    assert await meetings.plan_sessions(session, moderator, series.id, 4, BEFORE_CLOCK_CHANGE) == []
    more = await meetings.plan_sessions(session, moderator, series.id, "6", BEFORE_CLOCK_CHANGE)
    assert [m.starts_at.day for m in more] == [19, 26]
    with pytest.raises(NotAllowed):
        await meetings.plan_sessions(session, member, series.id, 4, BEFORE_CLOCK_CHANGE)
    for count in ("0", "13", "vier", None):
        with pytest.raises(Invalid):
            await meetings.plan_sessions(session, moderator, series.id, count, BEFORE_CLOCK_CHANGE)
    with pytest.raises(NotFound):
        await meetings.plan_sessions(session, moderator, 10**9, 4, BEFORE_CLOCK_CHANGE)


async def test_todays_session_is_planned_only_while_it_is_ahead(session: AsyncSession) -> None:
    group, _, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, moderator, group, SERIES)
    thursday_morning = datetime(2026, 11, 26, 8, 0, tzinfo=UTC)  # 09:00 in Berlin
    planned = await meetings.plan_sessions(session, moderator, series.id, 1, thursday_morning)
    assert planned[0].starts_at == datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
    other = await meetings.create_series(session, moderator, group, SERIES)
    thursday_noon = datetime(2026, 11, 26, 11, 0, tzinfo=UTC)
    planned = await meetings.plan_sessions(session, moderator, other.id, 1, thursday_noon)
    assert planned[0].starts_at == datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


async def test_a_moderator_moves_a_planned_session_on_german_time(session: AsyncSession) -> None:
    group, member, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, moderator, group, SERIES)
    (meeting,) = await meetings.plan_sessions(session, moderator, series.id, 1, BEFORE_CLOCK_CHANGE)
    form = {"date": "2026-10-30", "time": "11:30", "place": "Rathaus, Raum 2", "video_url": ""}
    moved, tell = await meetings.edit_meeting(session, moderator, meeting.id, form)
    assert not tell  # nobody was invited yet
    assert moved.calendar_sequence == 1
    assert moved.starts_at == datetime(2026, 10, 30, 10, 30, tzinfo=UTC)
    assert moved.ends_at == datetime(2026, 10, 30, 12, 0, tzinfo=UTC)
    assert (moved.place, moved.video_url) == ("Rathaus, Raum 2", "")
    moved.invitations_sent_at = BEFORE_CLOCK_CHANGE
    _, tell = await meetings.edit_meeting(session, moderator, meeting.id, form)
    assert not tell and moved.calendar_sequence == 1  # the same again: nothing changed
    _, tell = await meetings.edit_meeting(session, moderator, meeting.id, {**form, "time": "12:00"})
    assert tell and moved.calendar_sequence == 2
    with pytest.raises(NotAllowed):
        await meetings.edit_meeting(session, member, meeting.id, form)
    with pytest.raises(Invalid) as refused:
        await meetings.edit_meeting(
            session, moderator, meeting.id, {"date": "30.10.", "time": "", "video_url": "x"}
        )
    assert set(refused.value.errors) == {"date", "time", "video_url"}
    moved.status = MeetingStatus.running
    with pytest.raises(Conflict):
        await meetings.edit_meeting(session, moderator, meeting.id, form)


async def test_a_moderator_cancels_a_planned_session(session: AsyncSession) -> None:
    group, member, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, moderator, group, SERIES)
    first, second = await meetings.plan_sessions(
        session, moderator, series.id, 2, BEFORE_CLOCK_CHANGE
    )
    with pytest.raises(NotAllowed):
        await meetings.cancel_meeting(session, member, first.id, "1")
    with pytest.raises(Conflict):
        await meetings.cancel_meeting(session, moderator, first.id, "7")
    assert first.status is MeetingStatus.planned and first.calendar_sequence == 0
    cancelled, tell = await meetings.cancel_meeting(session, moderator, first.id, "1")
    assert (cancelled.status, cancelled.calendar_sequence, tell) == (
        MeetingStatus.cancelled,
        1,
        False,
    )
    with pytest.raises(Conflict):
        await meetings.cancel_meeting(session, moderator, first.id, str(cancelled.version))
    second.invitations_sent_at = BEFORE_CLOCK_CHANGE
    _, tell = await meetings.cancel_meeting(session, moderator, second.id, "1")
    assert tell


async def test_upcoming_sessions_are_listed_for_those_who_may_follow(
    session: AsyncSession,
) -> None:
    group, member, moderator = await _moderated_group(session)
    series = await meetings.create_series(session, moderator, group, SERIES)
    now = datetime.now(UTC)
    await meetings.plan_sessions(session, moderator, series.id, 3, now)
    (listed,) = await meetings.upcoming_sessions(session, member, group, now)
    assert listed.series.id == series.id and len(listed.meetings) == 3
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    assert await meetings.upcoming_sessions(session, outsider, group, now) == []
    alliance = await meetings.create_series(session, await _admin(session), None, SERIES)
    found = await meetings.upcoming_sessions(session, outsider, None, now)
    assert alliance.id in [entry.series.id for entry in found]


async def test_the_invitation_list_people_add_themselves_moderators_anyone(
    session: AsyncSession,
) -> None:
    group, member, moderator = await _moderated_group(session)
    series = await factories.series(session, group)
    outsider_organisation = await factories.organisation(session)
    outsider = await factories.person(session, outsider_organisation.id, email="o@out.example")
    outsider_actor = factories.actor_of(outsider)

    mine = await invitations.subscribe(
        session, member, series, {"person_id": str(member.person_id)}
    )
    with pytest.raises(Invalid):  # twice
        await invitations.subscribe(session, member, series, {"person_id": str(member.person_id)})
    own = {"organisation_id": str(member.organisation_id)}
    await invitations.subscribe(session, member, series, own)
    with pytest.raises(NotAllowed):  # someone else
        await invitations.subscribe(session, member, series, {"email": "o@out.example"})
    with pytest.raises(NotAllowed):  # outsiders do not invite themselves into a group's series
        await invitations.subscribe(
            session, outsider_actor, series, {"person_id": str(outsider.id)}
        )

    added = await invitations.subscribe(session, moderator, series, {"email": "O@OUT.example"})
    assert added.person_id == outsider.id
    await meeting_access.require_part(session, outsider_actor, series)  # invited now
    with pytest.raises(Invalid) as unknown:
        await invitations.subscribe(session, moderator, series, {"email": "nobody@x.example"})
    assert list(unknown.value.errors) == ["email"]
    with pytest.raises(Invalid):
        await invitations.subscribe(session, moderator, series, {"organisation_id": "10000000"})

    listed = await invitations.invitation_list(session, series)
    assert [entry.organisation_id is not None for entry in listed] == [True, False, False]
    with pytest.raises(NotAllowed):  # someone else's entry
        await invitations.unsubscribe(session, member, series, added.id)
    await invitations.unsubscribe(session, member, series, mine.id)
    await invitations.unsubscribe(session, moderator, series, added.id)
    with pytest.raises(NotFound):
        await invitations.unsubscribe(session, moderator, series, added.id)
    assert len(await invitations.invitation_list(session, series)) == 1


async def test_invitations_reach_listed_people_and_the_approved_people_of_listed_organisations(
    session: AsyncSession,
) -> None:
    group, _, _ = await _moderated_group(session)
    series = await factories.series(session, group)
    listed: Organisation = await factories.organisation(session)
    await factories.person(session, listed.id, email="a@listed.example")
    await factories.person(session, listed.id, email=None)
    await factories.person(session, listed.id, email="new@listed.example", awaiting_approval=True)
    await factories.person(
        session, listed.id, email="gone@listed.example", removed_at=datetime.now(UTC)
    )
    single: Person = await factories.person(
        session, (await factories.organisation(session)).id, email="b@single.example"
    )
    await factories.person(session, (await factories.organisation(session)).id, email="c@x.example")
    admin = await _admin(session)
    await invitations.subscribe(session, admin, series, {"organisation_id": str(listed.id)})
    await invitations.subscribe(session, admin, series, {"person_id": str(single.id)})
    assert await invitations.recipients(session, series.id) == [
        "a@listed.example",
        "b@single.example",
    ]

    meeting = await factories.meeting(session, series)
    claimed = await invitations.claim_invitations(session, meeting.id)
    assert claimed is not None and claimed.recipients == ["a@listed.example", "b@single.example"]
    assert claimed.group_name == group.name
    assert await invitations.claim_invitations(session, meeting.id) is None  # once


async def test_asking_for_invitations_is_for_moderators_once(session: AsyncSession) -> None:
    group, member, moderator = await _moderated_group(session)
    meeting = await factories.meeting(session, await factories.series(session, group))
    with pytest.raises(NotAllowed):
        await invitations.request_invitations(session, member, meeting.id)
    assert (await invitations.request_invitations(session, moderator, meeting.id)).id == meeting.id
    meeting.invitations_sent_at = datetime.now(UTC)
    with pytest.raises(Conflict):
        await invitations.request_invitations(session, moderator, meeting.id)


async def test_participants_answer_and_change_their_answer_moderators_see_by_organisation(
    session: AsyncSession,
) -> None:
    group, member, moderator = await _moderated_group(session)
    meeting = await factories.meeting(session, await factories.series(session, group))
    await registrations.register(session, member, meeting.id, "yes")
    assert await registrations.my_registration(session, member, meeting) is True
    changed = await registrations.register(session, member, meeting.id, "no")
    assert changed.attending is False
    await registrations.register(session, moderator, meeting.id, "yes")

    seen = await registrations.answers(session, moderator, meeting)
    assert (seen.coming, seen.not_coming) == (1, 1)
    by_name = {entry.name: entry for entry in seen.organisations}
    assert len(by_name) == 2
    assert sum(len(entry.not_coming) for entry in seen.organisations) == 1
    counts_only = await registrations.answers(session, member, meeting)
    assert (counts_only.coming, counts_only.organisations) == (1, [])

    with pytest.raises(Invalid):
        await registrations.register(session, member, meeting.id, "maybe")
    outsider = factories.actor_of(
        await factories.person(session, (await factories.organisation(session)).id)
    )
    with pytest.raises(NotAllowed):
        await registrations.register(session, outsider, meeting.id, "yes")
    meeting.status = MeetingStatus.closed
    with pytest.raises(Conflict):
        await registrations.register(session, member, meeting.id, "yes")
