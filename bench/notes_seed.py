"""Data for the notes benchmark: a working group of one member organisation with many people,
and a running session of the group with one accepted item whose notes hold a line per
participant ("Teilnehmer 17:") as their first revision, for each to write into."""

from __future__ import annotations

import random
from dataclasses import dataclass

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from bench.seed import _alliance
from server.models import Person
from server.settings import Settings


@dataclass(frozen=True)
class NotesSession:
    meeting_id: int
    item_id: int
    person_ids: list[int]  # the participants, person_ids[i] writes line i

    @property
    def path(self) -> str:
        return f"/sessions/{self.meeting_id}"

    @property
    def notes_path(self) -> str:
        return f"/sessions/{self.meeting_id}/items/{self.item_id}/notes"


def line_label(index: int) -> str:
    return f"Teilnehmer {index}:"


def first_text(participants: int) -> str:
    return "\n".join(line_label(index) for index in range(participants))


async def seed_notes_session(database_url: str, participants: int) -> NotesSession:
    engine = create_async_engine(
        Settings(DATABASE_URL=database_url).sqlalchemy_url, poolclass=NullPool
    )
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            alliance = await _alliance(
                session, random.Random(5), groups=1, organisations=1, per_group=1
            )
            more = [
                Person(
                    organisation_id=alliance.organisation_ids[0],
                    name=f"Teilnehmerin {index}",
                    email=f"notes{index}@bench.example",
                )
                for index in range(1, participants)
            ]
            session.add_all(more)
            await session.commit()
            person_ids = alliance.person_ids[:1] + [person.id for person in more]
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(database_url)
    try:
        async with connection.transaction():
            series = await connection.fetchval(
                "INSERT INTO session_series (group_id, title, weekday, starts_at) "
                "VALUES ($1, 'Lagebesprechung', 3, '10:00') RETURNING id",
                alliance.group_ids[0],
            )
            meeting = await connection.fetchval(
                "INSERT INTO meetings (series_id, title, starts_at, ends_at, status, started_at)"
                " VALUES ($1, 'Lagebesprechung', now(), now() + interval '90 minutes',"
                " 'running', now()) RETURNING id",
                series,
            )
            text = first_text(participants)
            item = await connection.fetchval(
                "INSERT INTO agenda_items (meeting_id, title, position, status, planned_minutes,"
                " notes, notes_version) VALUES ($1, 'Winterquartiere', 0, 'accepted', 30, $2, 1)"
                " RETURNING id",
                meeting,
                text,
            )
            await connection.execute(
                "INSERT INTO note_revisions (item_id, version, text, person_id)"
                " VALUES ($1, 1, $2, $3)",
                item,
                text,
                person_ids[0],
            )
    finally:
        await connection.close()
    return NotesSession(meeting, item, person_ids)
