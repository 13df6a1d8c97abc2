"""The history page of an item's notes, on the demo's last (closed) session of AG Unterkunft."""

from __future__ import annotations

import asyncio

import asyncpg
from starlette.testclient import TestClient

from tests.text import german


async def first_item_of_last_session(database_url: str) -> tuple[int, int]:
    connection = await asyncpg.connect(database_url)
    try:
        row = await connection.fetchrow(
            "SELECT m.id AS meeting, i.id AS item FROM meetings m "
            "JOIN agenda_items i ON i.meeting_id = m.id "
            "WHERE m.status = 'closed' ORDER BY m.starts_at DESC, i.position LIMIT 1"
        )
    finally:
        await connection.close()
    assert row is not None
    return row["meeting"], row["item"]


def test_the_history_shows_each_revision_with_its_author_and_change(
    anna: TestClient, demo_database: str
) -> None:
    meeting, item = asyncio.run(first_item_of_last_session(demo_database))
    path = f"/sessions/{meeting}/items/{item}/notes/history"
    page = anna.get(path)
    assert page.status_code == 200
    assert page.template.name == "sessions/note_history.html"  # type: ignore[attr-defined]
    assert "Katrin Hoffmann (Stadt Leipzig – Sozialamt)" in page.text
    assert f'<ins><span class="visually-hidden">{german("added:")} </span>Messehalle' in page.text
    assert anna.get(path + "?before=1").status_code == 200
    refused = anna.get(path + "?before=eins")
    assert refused.status_code == 422
    assert german("Please choose one of the offered values.") in refused.text
    assert anna.get(f"/sessions/{meeting}/items/999999/notes/history").status_code == 404
