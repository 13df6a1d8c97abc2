"""Demo sessions: AG Unterkunft's weekly session and the Kommunaler Fachaustausch, each with
its next sessions planned and the group's organisations on its invitation list. Idempotent:
a series is matched by its group and title, and planning adds only missing dates."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.demo_last_session import load_demo_last_session
from server.domain import meetings, persons
from server.models import (
    AgendaItem,
    AgendaItemStatus,
    GroupMember,
    Meeting,
    Person,
    Series,
    Subscription,
    WorkingGroup,
)

# group slug, title, weekday (0 = Monday), time, minutes, place, video link, moderator's e-mail
DEMO_SERIES = [
    (
        "ag-unterkunft",
        "Wöchentliche Sitzung der AG Unterkunft",
        3,
        "10:00",
        "90",
        "",
        "https://meet.example/ag-unterkunft",
        "anna.becker@unterkunft-ukraine.example",
    ),
    (
        "kommunaler-fachaustausch",
        "Kommunaler Fachaustausch",
        2,
        "14:00",
        "90",
        "",
        "https://meet.example/fachaustausch",
        "jonas.weber@staedteverbund.example",
    ),
]
PLANNED = 4


async def load_demo_sessions(session: AsyncSession, now: datetime | None = None) -> None:
    """Add the demo series that are missing, plan their next sessions and invite the group's
    organisations (the groups and moderators of the demo must be there)."""
    now = now or datetime.now(UTC)
    for slug, title, weekday, at, minutes, place, link, moderator in DEMO_SERIES:
        group = await session.scalar(select(WorkingGroup).where(WorkingGroup.slug == slug))
        person = await session.scalar(select(Person.id).where(Person.email == moderator))
        actor = await persons.actor_for(session, person) if person is not None else None
        if group is None or actor is None:
            continue
        series = await session.scalar(
            select(Series).where(Series.group_id == group.id, Series.title == title)
        )
        if series is None:
            form = {
                "title": title,
                "weekday": str(weekday),
                "starts_at": at,
                "duration_minutes": minutes,
                "place": place,
                "video_url": link,
            }
            series = await meetings.create_series(session, actor, group, form)
        await meetings.plan_sessions(session, actor, series.id, PLANNED, now)
        listed = set(
            await session.scalars(
                select(Subscription.organisation_id).where(Subscription.series_id == series.id)
            )
        )
        members = await session.scalars(
            select(GroupMember.organisation_id).where(GroupMember.group_id == group.id)
        )
        for organisation_id in members:
            if organisation_id not in listed:
                session.add(
                    Subscription(
                        series_id=series.id,
                        organisation_id=organisation_id,
                        added_by=actor.person_id,
                    )
                )
        await session.flush()
        if slug == "ag-unterkunft":
            await _demo_agenda(session, series, now)
            await load_demo_last_session(session, series, now)


# title, presenter, planned minutes, status, proposer's e-mail
DEMO_AGENDA = [
    (
        "Winterquartiere für Neuankommende",
        "Anna Becker",
        20,
        AgendaItemStatus.accepted,
        "anna.becker@unterkunft-ukraine.example",
    ),
    (
        "Bericht: Mietkautionen gegen Besichtigungsbegleitung",
        "Katrin Hoffmann",
        15,
        AgendaItemStatus.accepted,
        "k.hoffmann@leipzig.example",
    ),
    (
        "Sprachmittlung bei Wohnungsbesichtigungen",
        "",
        10,
        AgendaItemStatus.proposed,
        "k.hoffmann@leipzig.example",
    ),
]


async def _demo_agenda(session: AsyncSession, series: Series, now: datetime) -> None:
    """An agenda for the series' next session, once (nothing if it has items already)."""
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.series_id == series.id, Meeting.starts_at > now)
        .order_by(Meeting.starts_at)
        .limit(1)
    )
    if meeting is None or await session.scalar(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id).limit(1)
    ):
        return
    for position, (title, presenter, minutes, status, proposer) in enumerate(DEMO_AGENDA):
        person = await session.scalar(select(Person).where(Person.email == proposer))
        session.add(
            AgendaItem(
                meeting_id=meeting.id,
                title=title,
                presenter=presenter,
                planned_minutes=minutes,
                position=position,
                status=status,
                proposed_by=person.id if person else None,
                organisation_id=person.organisation_id if person else None,
            )
        )
    await session.flush()
