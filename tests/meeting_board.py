"""A session of AG Unterkunft (demo data) with its agenda accepted, for the tests of the agenda
board over HTTP, across processes and in the browser."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg


@dataclass(frozen=True)
class Board:
    meeting: int
    items: list[int]  # accepted, in agenda order

    @property
    def path(self) -> str:
        return f"/sessions/{self.meeting}"


async def board_of_ag_unterkunft(database_url: str) -> Board:
    """A planned session of AG Unterkunft with two accepted items (and one proposed)."""
    connection = await asyncpg.connect(database_url)
    try:
        group = await connection.fetchval(
            "SELECT id FROM working_groups WHERE slug = 'ag-unterkunft'"
        )
        series = await connection.fetchval(
            "INSERT INTO session_series (group_id, title, weekday, starts_at) "
            "VALUES ($1, 'Tafelrunde', 3, '10:00') RETURNING id",
            group,
        )
        meeting = await connection.fetchval(
            "INSERT INTO meetings (series_id, title, starts_at, ends_at) VALUES "
            "($1, 'Tafelrunde', now() + interval '1 day', now() + interval '1 day 90 minutes') "
            "RETURNING id",
            series,
        )
        items = []
        for position, (title, status) in enumerate(
            [("Winterquartiere", "accepted"), ("Vorschlag", "proposed"), ("Umzüge", "accepted")]
        ):
            item = await connection.fetchval(
                "INSERT INTO agenda_items (meeting_id, title, position, status, planned_minutes) "
                "VALUES ($1, $2, $3, $4, 15) RETURNING id",
                meeting,
                title,
                position,
                status,
            )
            if status == "accepted":
                items.append(item)
        return Board(meeting, items)
    finally:
        await connection.close()
