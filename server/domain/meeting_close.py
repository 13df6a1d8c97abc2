"""Closing a session (issue 5, step 7): the moderator ends it, and from then on it is frozen.

Closing
- ends the current item (its time counted, its speakers list ended), `meeting_live.leave_current`;
- defers what the session did not get to: accepted items not covered and proposals nobody
  decided on become deferred, so the series' next session suggests them again
  (`agenda_suggestions`);
- records attendance: everyone whose page was open while the session ran, by organisation,
  with when they were first and last there (`live.presence.Seen`, read by the route);
- marks the summary as due (`summary_enqueued_at`): the route enqueues the summary job in the
  same unit of work, after the commit. The job is `workers.summary_jobs.summarise_meeting`.

A closed session refuses every change: the board (`meeting_live`), the notes (`notes`), the
decisions and action items' recording (`outcomes`) and the agenda (`agenda`) all check the
session's status under its row lock, and this function takes that lock, so nothing slips in
between. Closing twice is refused; the work is done once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import meeting_live
from server.domain.actors import Actor
from server.models import (
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    Meeting,
    MeetingStatus,
    Organisation,
)

LEFT_OPEN = (AgendaItemStatus.accepted, AgendaItemStatus.proposed)


@dataclass(frozen=True, slots=True)
class Seen:
    """A person seen in a session (its live presence): for which organisation, first and
    last (UTC)."""

    person_id: int
    organisation_id: int
    first_seen: datetime
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class Closed:
    meeting: Meeting
    attendees: int
    deferred: int


async def close_meeting(
    session: AsyncSession,
    actor: Actor,
    meeting_id: int,
    version: str | None,
    seen: Iterable[Seen],
    now: datetime,
) -> Closed:
    """Close the running session as the moderator's page saw it (`version`)."""
    meeting = await meeting_live.running_for_moderator(session, actor, meeting_id, version)
    await meeting_live.leave_current(session, meeting, now)
    deferred = await session.scalars(
        update(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id, AgendaItem.status.in_(LEFT_OPEN))
        .values(status=AgendaItemStatus.deferred, version=AgendaItem.version + 1)
        .returning(AgendaItem.id)
        .execution_options(synchronize_session="fetch")
    )
    attendees = await _record_attendance(session, meeting, seen)
    meeting.status = MeetingStatus.closed
    meeting.closed_at = now
    meeting.summary_enqueued_at = now
    meeting.version += 1
    await session.flush()
    return Closed(meeting, attendees, len(deferred.all()))


async def _record_attendance(session: AsyncSession, meeting: Meeting, seen: Iterable[Seen]) -> int:
    """Who was there while the session ran (seen after it started), one row per person."""
    started = meeting.started_at
    rows = [
        {
            "meeting_id": meeting.id,
            "person_id": entry.person_id,
            "organisation_id": entry.organisation_id,
            "first_seen": max(entry.first_seen, started) if started else entry.first_seen,
            "last_seen": entry.last_seen,
        }
        for entry in seen
        if started is None or entry.last_seen >= started
    ]
    if not rows:
        return 0
    # People and organisations may have gone meanwhile: only rows that still point somewhere.
    known = set(
        await session.scalars(
            select(Organisation.id).where(
                Organisation.id.in_({row["organisation_id"] for row in rows})
            )
        )
    )
    rows = [row for row in rows if row["organisation_id"] in known]
    if rows:
        await session.execute(
            insert(Attendance)
            .values(rows)
            .on_conflict_do_nothing(constraint="uq_attendance_person")
        )
    return len(rows)


@dataclass(frozen=True, slots=True)
class Attended:
    """One organisation's attendance: its name, federal level and how many of its people."""

    organisation_id: int
    name: str
    federal_level: str
    people: int


async def attendance_of(session: AsyncSession, meeting_id: int) -> list[Attended]:
    """The recorded attendance of a closed session, by organisation (by name)."""
    rows = await session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Organisation.federal_level,
            func.count(Attendance.id),
        )
        .join(Attendance, Attendance.organisation_id == Organisation.id)
        .where(Attendance.meeting_id == meeting_id)
        .group_by(Organisation.id)
        .order_by(func.lower(Organisation.name), Organisation.id)
    )
    return [Attended(i, name, level.value, count) for i, name, level, count in rows]


async def present_organisations(session: AsyncSession, present: dict[int, int]) -> list[Attended]:
    """Who is present now (person id -> organisation id, from `live.presence`), by organisation."""
    counts: dict[int, int] = {}
    for organisation_id in present.values():
        counts[organisation_id] = counts.get(organisation_id, 0) + 1
    if not counts:
        return []
    rows = await session.execute(
        select(Organisation.id, Organisation.name, Organisation.federal_level)
        .where(Organisation.id.in_(counts))
        .order_by(func.lower(Organisation.name), Organisation.id)
    )
    return [Attended(i, name, level.value, counts[i]) for i, name, level in rows]
