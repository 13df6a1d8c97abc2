"""Notes per agenda item over HTTP: htmx gets the item's editor back (merged text, new version),
409 with the merged proposal when someone changed the same words, 422 for text that cannot be
saved; a plain form goes back to the session's page; every saved change is one `notes` event."""

from __future__ import annotations

import asyncio
import html
import json
import re

import asyncpg
from starlette.testclient import TestClient

from tests.meeting_board import Board
from tests.text import german

HTMX = {"HX-Request": "true"}
TEXT = "Winterquartiere: zwei Turnhallen in Leipzig."


async def notes_events(database_url: str, meeting: int) -> list[dict[str, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT name, data FROM events WHERE channel = $1 AND name = 'notes' ORDER BY id",
            f"session:{meeting}",
        )
    finally:
        await connection.close()
    return [json.loads(row["data"]) for row in rows]


def version_in(page: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', page)
    assert match, "no version in the editor"
    return match.group(1)


def test_the_page_shows_an_editor_per_item_and_a_save_is_one_event(
    anna: TestClient, katrin: TestClient, board: Board, demo_database: str
) -> None:
    page = katrin.get(board.path)
    assert page.status_code == 200
    for item in board.items:
        assert f'id="notes-text-{item}"' in page.text
    assert 'sse-swap="notes"' in page.text
    notes = f"{board.path}/items/{board.items[0]}/notes"

    saved = katrin.post(notes, data={"text": TEXT, "version": "0"}, headers=HTMX)
    assert saved.status_code == 200
    assert saved.template.name == "sessions/_notes_editor.html"  # type: ignore[attr-defined]
    assert version_in(saved.text) == "1"
    assert html.escape(TEXT, quote=False) in saved.text

    # Anna wrote from the empty notes too, elsewhere: both are kept.
    merged = anna.post(notes, data={"text": "Offen: Duschen.", "version": "0"}, headers=HTMX)
    assert merged.status_code == 200 and version_in(merged.text) == "2"
    events = asyncio.run(notes_events(demo_database, board.meeting))
    assert len(events) == 2
    last = events[-1]["de"]
    assert f'data-item="{board.items[0]}"' in last and 'data-version="2"' in last
    assert "Turnhallen" in last and "Duschen" in last and "Anna Becker" in last
    for personal in ("csrf_token", 'name="version"', "<form", "<textarea"):
        assert personal not in last
    assert "Anna Becker changed the notes" in events[-1]["en"]

    unchanged = anna.post(notes, data={"text": "", "version": "0"}, headers=HTMX)
    assert unchanged.status_code == 200 and version_in(unchanged.text) == "2"
    assert len(asyncio.run(notes_events(demo_database, board.meeting))) == 2

    plain = katrin.post(notes, data={"text": TEXT + " Mehr.", "version": "1"})
    assert plain.status_code == 303
    assert plain.headers["location"] == f"{board.path}#notes-{board.items[0]}"


def test_an_overlapping_edit_is_409_with_the_proposal_and_bad_text_is_422(
    anna: TestClient, katrin: TestClient, board: Board, demo_database: str
) -> None:
    notes = f"{board.path}/items/{board.items[1]}/notes"
    katrin.post(notes, data={"text": TEXT, "version": "0"}, headers=HTMX)
    anna.post(notes, data={"text": TEXT.replace("zwei", "drei"), "version": "1"}, headers=HTMX)
    clash = katrin.post(
        notes, data={"text": TEXT.replace("zwei", "vier"), "version": "1"}, headers=HTMX
    )
    assert clash.status_code == 409
    assert clash.template.name == "sessions/_notes_editor.html"  # type: ignore[attr-defined]
    assert "drei⟦vier⟧" in clash.text  # both, hers marked
    assert version_in(clash.text) == "2"  # resolving saves against what is stored
    assert 'aria-invalid="true"' in clash.text

    marked = katrin.post(notes, data={"text": "drei⟦vier⟧", "version": "2"}, headers=HTMX)
    assert marked.status_code == 422
    assert german("Please resolve the marked passage ⟦…⟧ first.") in marked.text
    assert "drei⟦vier⟧" in marked.text  # what she typed is still there
    stale = katrin.post(notes, data={"text": "x", "version": "9"}, headers=HTMX)
    assert stale.status_code == 422
    plain = katrin.post(notes, data={"text": TEXT.replace("zwei", "fünf"), "version": "1"})
    assert plain.status_code == 409  # a page with the reason, keeping her words
    assert plain.template.name == "sessions/notes_refused.html"  # type: ignore[attr-defined]
    assert "drei⟦fünf⟧" in plain.text and 'name="version" value="2"' in plain.text

    events = asyncio.run(notes_events(demo_database, board.meeting))
    assert len(events) == 2
