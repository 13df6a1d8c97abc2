"""Series of sessions and their sessions: creating a series, planning its next dates, moving
one session, and the sessions to come. The invitation list and invitations are in
`invitations`, the answers to them in `registrations`.

Times are German wall-clock times (Europe/Berlin): a series meets "Thursday 10:00" in summer
and in winter alike, so each session's UTC moment is computed from the wall clock of its own
date. Who may follow and run a series is decided by `meeting_access`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import meeting_access, rights
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed, NotFound
from server.domain.validation import Errors, text
from server.models import (
    Meeting,
    MeetingStatus,
    Series,
    WorkingGroup,
)
from server.models.meetings import PLACE_MAX, TITLE_MAX, URL_MAX

BERLIN = ZoneInfo("Europe/Berlin")
PLAN_MAX = 12
PAST_LIMIT = 3
UPCOMING_LIMIT = 10
OPEN = (MeetingStatus.planned, MeetingStatus.running)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def may_create_series(actor: Actor, group_id: int | None) -> bool:
    """A group's series are created by its moderators and the alliance admins; the alliance's
    by the alliance admins."""
    if actor.is_alliance_admin:
        return True
    return group_id is not None and actor.moderates(group_id)


def wall_clock(day: date, at: time, minutes: int) -> tuple[datetime, datetime]:
    """Start and end in UTC of a session on `day` at German time `at`."""
    starts = datetime.combine(day, at, tzinfo=BERLIN)
    return starts.astimezone(UTC), (starts + timedelta(minutes=minutes)).astimezone(UTC)


def _time(errors: Errors, name: str, value: str | None) -> time | None:
    match = _TIME.match((value or "").strip())
    if match is None:
        errors.add(name, N_("Please enter a time like 10:00."))
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _url(errors: Errors, name: str, value: str | None) -> str:
    """A video-conference link: http(s) with a host, or nothing."""
    cleaned = text(errors, name, value, max_length=URL_MAX)
    if not cleaned:
        return ""
    parts = urlsplit(cleaned)
    if parts.scheme not in ("http", "https") or not parts.hostname or re.search(r"\s", cleaned):
        errors.add(name, N_("Please enter a web address starting with https:// or http://."))
    return cleaned


def _number(errors: Errors, name: str, value: str | None, low: int, high: int) -> int | None:
    raw = (value or "").strip()
    if not raw.isascii() or not raw.isdigit() or not low <= int(raw) <= high:
        errors.add(
            name, N_("Please enter a whole number from %(low)d to %(high)d."), low=low, high=high
        )
        return None
    return int(raw)


async def create_series(
    session: AsyncSession, actor: Actor, group: WorkingGroup | None, form: Mapping[str, str]
) -> Series:
    """A new series of the group (or of the alliance, without group)."""
    rights.require_member(actor)
    if not may_create_series(actor, group.id if group else None):
        raise NotAllowed(N_("Only the group's moderators create its series of sessions."))
    errors = Errors()
    title = text(errors, "title", form.get("title"), max_length=TITLE_MAX, required=True)
    weekday = _number(errors, "weekday", form.get("weekday"), 0, 6)
    starts_at = _time(errors, "starts_at", form.get("starts_at"))
    duration = _number(errors, "duration_minutes", form.get("duration_minutes") or "90", 5, 720)
    place = text(errors, "place", form.get("place"), max_length=PLACE_MAX)
    video_url = _url(errors, "video_url", form.get("video_url"))
    if errors:
        raise Invalid(errors)
    assert weekday is not None and starts_at is not None and duration is not None
    series = Series(
        group_id=group.id if group else None,
        title=title,
        weekday=weekday,
        starts_at=starts_at,
        duration_minutes=duration,
        place=place,
        video_url=video_url,
        created_by=actor.person_id,
    )
    session.add(series)
    await session.flush()
    return series


async def get_series(session: AsyncSession, actor: Actor, series_id: int) -> Series:
    """A series the actor may follow."""
    rights.require_member(actor)
    series = await session.scalar(
        select(Series)
        .where(Series.id == series_id)
        .options(selectinload(Series.group))
        .execution_options(populate_existing=True)
    )
    if series is None:
        raise NotFound(N_("This series of sessions does not exist (any more)."))
    await meeting_access.require_part(session, actor, series)
    return series


async def plan_sessions(
    session: AsyncSession, actor: Actor, series_id: int, count: int | str | None, now: datetime
) -> list[Meeting]:
    """Plan the series' sessions on its next `count` dates from `now`; a date that has a
    session already keeps it (planning twice adds nothing). Returns the new sessions."""
    rights.require_member(actor)
    series = await session.scalar(
        select(Series).where(Series.id == series_id).with_for_update()  # one planner at a time
    )
    if series is None:
        raise NotFound(N_("This series of sessions does not exist (any more)."))
    meeting_access.require_may_run(actor, series)
    errors = Errors()
    wanted = _number(errors, "count", str(count or ""), 1, PLAN_MAX)
    if errors or wanted is None:
        raise Invalid(errors)
    today = now.astimezone(BERLIN).date()
    first = today + timedelta(days=(series.weekday - today.weekday()) % 7)
    days = [first + timedelta(weeks=week) for week in range(wanted + 1)]
    if wall_clock(first, series.starts_at, series.duration_minutes)[0] > now:
        days = days[:wanted]  # today's session is still ahead
    else:
        days = days[1:]
    taken = {
        starts.astimezone(BERLIN).date()
        for starts in await session.scalars(
            select(Meeting.starts_at).where(
                Meeting.series_id == series.id,
                Meeting.starts_at >= wall_clock(days[0], time(0), 1)[0],
            )
        )
    }
    added = []
    for day in days:
        if day in taken:
            continue
        starts, ends = wall_clock(day, series.starts_at, series.duration_minutes)
        added.append(
            Meeting(
                series_id=series.id,
                title=series.title,
                starts_at=starts,
                ends_at=ends,
                place=series.place,
                video_url=series.video_url,
            )
        )
    session.add_all(added)
    await session.flush()
    return added


async def edit_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int, form: Mapping[str, str]
) -> tuple[Meeting, bool]:
    """Move one planned session to another date or time, or change its place or link; its
    length stays. Says whether invitees must be told (invited already, and it changed: the
    calendar entry's sequence rose)."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id, lock=True)
    meeting_access.require_may_run(actor, meeting.series)
    if meeting.status != MeetingStatus.planned:
        raise Conflict(N_("Only a planned session can be moved or changed."))
    errors = Errors()
    try:
        day = date.fromisoformat((form.get("date") or "").strip())
    except ValueError:
        errors.add("date", N_("Please enter a date."))
        day = None
    at = _time(errors, "time", form.get("time"))
    place = text(errors, "place", form.get("place"), max_length=PLACE_MAX)
    video_url = _url(errors, "video_url", form.get("video_url"))
    if errors:
        raise Invalid(errors)
    assert day is not None and at is not None
    minutes = round((meeting.ends_at - meeting.starts_at).total_seconds() / 60)
    before = (meeting.starts_at, meeting.ends_at, meeting.place, meeting.video_url)
    meeting.starts_at, meeting.ends_at = wall_clock(day, at, minutes)
    meeting.place, meeting.video_url = place, video_url
    changed = before != (meeting.starts_at, meeting.ends_at, meeting.place, meeting.video_url)
    if changed:
        meeting.calendar_sequence += 1
    await session.flush()
    return meeting, changed and meeting.invitations_sent_at is not None


async def cancel_meeting(
    session: AsyncSession, actor: Actor, meeting_id: int, version: str | None
) -> tuple[Meeting, bool]:
    """Cancel a planned session as the moderator's page showed it (`version`; its page stays,
    marked cancelled). Says whether invitees must be told (they were invited)."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id, lock=True)
    meeting_access.require_may_run(actor, meeting.series)
    if meeting.status != MeetingStatus.planned:
        raise Conflict(N_("Only a planned session can be cancelled."))
    seen = (version or "").strip()
    if not (seen.isascii() and seen.isdigit() and len(seen) <= 9):
        raise Invalid(
            {"version": Message(N_("This page is out of date. Please reload it and try again."))}
        )
    if int(seen) != meeting.version:
        raise Conflict(N_("This page is out of date. Please reload it and try again."))
    meeting.status = MeetingStatus.cancelled
    meeting.calendar_sequence += 1
    meeting.version += 1
    await session.flush()
    return meeting, meeting.invitations_sent_at is not None


async def open_meeting_ids(session: AsyncSession, series_id: int) -> list[int]:
    """The series' sessions still planned or running (their pages show its invitation list)."""
    return list(
        await session.scalars(
            select(Meeting.id)
            .where(Meeting.series_id == series_id, Meeting.status.in_(OPEN))
            .order_by(Meeting.starts_at)
        )
    )


@dataclass(frozen=True)
class Upcoming:
    series: Series
    meetings: list[Meeting]
    past: list[Meeting]  # its last closed sessions, the latest first


async def upcoming_sessions(
    session: AsyncSession, actor: Actor, group: WorkingGroup | None, now: datetime
) -> list[Upcoming]:
    """The group's (or, without group, the alliance's) series the actor may follow, each with
    its next sessions that have not ended (cancelled ones too, to be seen as such) and its last
    closed ones."""
    rights.require_member(actor)
    query = select(Series).order_by(Series.weekday, Series.starts_at, Series.id)
    query = query.where(
        Series.group_id == group.id if group is not None else Series.group_id.is_(None)
    )
    found = []
    for series in await session.scalars(query):
        if not await meeting_access.may_take_part(session, actor, series):
            continue
        meetings = await session.scalars(
            select(Meeting)
            .where(
                Meeting.series_id == series.id,
                Meeting.ends_at > now,
                Meeting.status.in_((*OPEN, MeetingStatus.cancelled)),
            )
            .order_by(Meeting.starts_at)
            .limit(UPCOMING_LIMIT)
        )
        past = await session.scalars(
            select(Meeting)
            .where(Meeting.series_id == series.id, Meeting.status == MeetingStatus.closed)
            .order_by(Meeting.starts_at.desc())
            .limit(PAST_LIMIT)
        )
        found.append(Upcoming(series, list(meetings), list(past)))
    return found
