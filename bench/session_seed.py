"""A live session for the fan-out benchmark: a working group of member organisations, its
moderator, `participants` people of its organisations and a weekly series with one session whose
agenda holds a few accepted items. Inserted through the models in one transaction (a thousand
people in a second or two); the session is started and run through HTTP by the benchmark.

Every participant's name carries a token of their own (`kpb` and twelve hex digits): their
raised hand is the first board event that names them, so its receipt is found by that token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from server.models import (
    AgendaItem,
    AgendaItemStatus,
    FederalLevel,
    FieldOfAction,
    GroupMember,
    Meeting,
    Organisation,
    OrganisationKind,
    Person,
    Series,
    WorkingGroup,
)
from server.models.groups import GroupModerator
from server.settings import Settings

ITEM_TITLES = [
    "Winterquartiere für Familien",
    "Dolmetschpool für Behördengänge",
    "Sammelstelle für Möbelspenden",
    "Sprachcafé im Stadtteilzentrum",
    "Fahrdienste zur Erstaufnahme",
    "Bericht aus der Landesdirektion",
]
PLACES = ["Leipzig", "Dresden", "Chemnitz", "Halle", "Görlitz", "Zwickau", "Bautzen", "Erfurt"]


@dataclass(frozen=True)
class Participant:
    person_id: int
    token: str  # in the person's name


@dataclass(frozen=True)
class LiveSession:
    meeting_id: int
    moderator_id: int
    items: list[int]  # accepted, in agenda order
    participants: list[Participant]

    @property
    def path(self) -> str:
        return f"/sessions/{self.meeting_id}"


def person_token() -> str:
    return "kpb" + secrets.token_hex(6)


async def seed_session(
    database_url: str, participants: int, *, organisations: int = 50, items: int = 4
) -> LiveSession:
    """The group, its people, and a planned session (tomorrow) with `items` accepted items."""
    engine = create_async_engine(
        Settings(DATABASE_URL=database_url).sqlalchemy_url, poolclass=NullPool
    )
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            field = FieldOfAction(slug="bench-live", name="Benchmark live", position=99)
            group = WorkingGroup(field=field, slug="ag-live", name="AG Unterkunft Live")
            made = [
                Organisation(
                    name=f"Willkommensnetz {PLACES[i % len(PLACES)]} {i}",
                    kind=OrganisationKind.association,
                    federal_level=FederalLevel.kommune,
                    region=PLACES[i % len(PLACES)],
                )
                for i in range(max(1, organisations))
            ]
            session.add_all([group, *made])
            await session.flush()
            session.add_all(GroupMember(group_id=group.id, organisation_id=o.id) for o in made)
            moderator = Person(
                organisation_id=made[0].id, name="Moderatorin Live", email="mod@bench.example"
            )
            tokens = [person_token() for _ in range(participants)]
            people = [
                Person(
                    organisation_id=made[i % len(made)].id,
                    name=f"Teilnehmerin {i} {token}",
                    email=f"live{i}@bench.example",
                )
                for i, token in enumerate(tokens)
            ]
            session.add_all([moderator, *people])
            await session.flush()
            session.add(GroupModerator(group_id=group.id, person_id=moderator.id))
            series = Series(
                group_id=group.id,
                title="Tafelrunde",
                weekday=3,
                starts_at=time(10, 0),
                duration_minutes=90,
            )
            session.add(series)
            await session.flush()
            starts = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)
            meeting = Meeting(
                series_id=series.id,
                title=series.title,
                starts_at=starts,
                ends_at=starts + timedelta(minutes=90),
            )
            session.add(meeting)
            await session.flush()
            agenda = [
                AgendaItem(
                    meeting_id=meeting.id,
                    title=ITEM_TITLES[i % len(ITEM_TITLES)],
                    position=i,
                    status=AgendaItemStatus.accepted,
                    planned_minutes=15,
                )
                for i in range(items)
            ]
            session.add_all(agenda)
            await session.commit()
    finally:
        await engine.dispose()
    return LiveSession(
        meeting.id,
        moderator.id,
        [item.id for item in agenda],
        [Participant(p.id, t) for p, t in zip(people, tokens, strict=True)],
    )
