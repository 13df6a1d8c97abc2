"""The demo's last session of AG Unterkunft, a week ago and closed: items covered with their
notes, outcome, decisions and action items (one still open), one item deferred, and who
attended, and its summary published. It shows a closed session's page and its knowledge page,
and feeds the next session's agenda suggestions and the follow-up (My tasks, digests). Once:
nothing if the series has a closed session."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server import i18n, summarisers, summary_page
from server.domain import meetings, session_record, session_summary
from server.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    AgendaItemStatus,
    Attendance,
    Decision,
    Meeting,
    MeetingStatus,
    NoteRevision,
    PageStatus,
    Person,
    Series,
)

MODERATOR = "anna.becker@unterkunft-ukraine.example"
PARTICIPANT = "k.hoffmann@leipzig.example"

# title, presenter, planned and used minutes, notes, outcome
COVERED = [
    (
        "Belegung der Notunterkünfte",
        "Anna Becker",
        20,
        24,
        "Messehalle zu 80 % belegt. Landkreis meldet 12 freie Plätze in Eilenburg.\n"
        "Vorschlag: wöchentliche Meldung der freien Plätze an alle.",
        "Freie Plätze werden ab jetzt wöchentlich gemeldet.",
    ),
    (
        "Mietkautionen: Stand der Zusagen",
        "Katrin Hoffmann",
        15,
        12,
        "Sozialamt übernimmt Kautionen bis 1.500 €. Antragsformular ist noch zu lang.",
        "Das Sozialamt kürzt das Antragsformular.",
    ),
]
DEFERRED = ("Fahrdienste zu Besichtigungen", "", 10)


async def load_demo_last_session(session: AsyncSession, series: Series, now: datetime) -> None:
    closed = await session.scalar(
        select(Meeting.id).where(
            Meeting.series_id == series.id, Meeting.status == MeetingStatus.closed
        )
    )
    anna = await session.scalar(select(Person).where(Person.email == MODERATOR))
    katrin = await session.scalar(select(Person).where(Person.email == PARTICIPANT))
    if closed is not None or anna is None or katrin is None:
        return
    day = (now - timedelta(days=7)).astimezone(meetings.BERLIN).date()
    starts, _ = meetings.wall_clock(day, series.starts_at, series.duration_minutes)
    meeting = Meeting(
        series_id=series.id,
        title=series.title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=series.duration_minutes),
        video_url=series.video_url,
        status=MeetingStatus.closed,
        started_at=starts,
        closed_at=starts + timedelta(minutes=80),
        summary_enqueued_at=starts + timedelta(minutes=80),
        version=12,
    )
    session.add(meeting)
    await session.flush()
    items = []
    for position, (title, presenter, planned, used, notes, outcome) in enumerate(COVERED):
        item = AgendaItem(
            meeting_id=meeting.id,
            title=title,
            presenter=presenter,
            planned_minutes=planned,
            used_seconds=used * 60,
            position=position,
            status=AgendaItemStatus.covered,
            proposed_by=anna.id,
            organisation_id=anna.organisation_id,
            notes=notes,
            notes_version=1,
            outcome=outcome,
        )
        session.add(item)
        items.append(item)
    title, presenter, planned = DEFERRED
    session.add(
        AgendaItem(
            meeting_id=meeting.id,
            title=title,
            presenter=presenter,
            planned_minutes=planned,
            position=len(COVERED),
            status=AgendaItemStatus.deferred,
            proposed_by=katrin.id,
            organisation_id=katrin.organisation_id,
        )
    )
    await session.flush()
    first, second = items
    session.add_all(
        [
            NoteRevision(item_id=first.id, version=1, text=first.notes, person_id=katrin.id),
            NoteRevision(item_id=second.id, version=1, text=second.notes, person_id=anna.id),
            Decision(item_id=first.id, text=first.outcome, recorded_by=anna.id),
            Decision(item_id=second.id, text=second.outcome, recorded_by=anna.id),
            ActionItem(
                item_id=first.id,
                text="Freie Plätze jeden Montag in die Pinnwand eintragen",
                owner_organisation_id=anna.organisation_id,
                due_on=(starts + timedelta(days=5)).date(),
                status=ActionItemStatus.done,
                recorded_by=anna.id,
            ),
            ActionItem(
                item_id=second.id,
                text="Kürzeres Antragsformular für Mietkautionen entwerfen",
                owner_organisation_id=katrin.organisation_id,
                owner_person_id=katrin.id,
                due_on=_next_week(now),
                status=ActionItemStatus.open,
                recorded_by=anna.id,
            ),
        ]
    )
    for person in (anna, katrin):
        session.add(
            Attendance(
                meeting_id=meeting.id,
                person_id=person.id,
                organisation_id=person.organisation_id,
                first_seen=starts,
                last_seen=starts + timedelta(minutes=80),
            )
        )
    await session.flush()
    # Published the day after (within the week a weekly digest looks back on).
    await _published_summary(session, meeting.id, now - timedelta(days=6))


async def _published_summary(session: AsyncSession, meeting_id: int, at: datetime) -> None:
    """The session's summary as the job writes it (summarised here), published by its
    moderator: the knowledge base has a session summary to show and to search."""
    record = await session_record.record_of(session, meeting_id)
    assert record is not None
    with i18n.use_locale("de"):
        title = summary_page.title_of(record)
        body = summary_page.compose(record, summarisers.extractive_summaries(record.items))
    page = await session_summary.write_draft(session, record, title, body)
    assert page is not None
    page.status = PageStatus.published
    page.published_at = at
    page.notified_at = at  # nobody is e-mailed about the demo's past
    await session.flush()


def _next_week(now: datetime) -> date:
    return (now + timedelta(days=7)).date()
