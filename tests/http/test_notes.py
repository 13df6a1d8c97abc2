"""Notes per agenda item over HTTP: htmx gets the item's editor back (merged text, new version),
409 with the merged proposal when someone changed the same words, 422 for text that cannot be
saved; a plain form goes back to the session's page; every saved change is one `notes` event."""

from __future__ import annotations

import asyncio
import html
import json
import re

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from starlette.applications import Starlette
from starlette.testclient import TestClient

from server.domain import notes
from server.domain.actors import Actor
from server.domain.merging import apply_line_changes
from server.domain.persons import actor_for
from server.routes.note_writer import note_writer
from server.settings import Settings
from tests.http.conftest import ANNA, KATRIN
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
    assert f'data-item="{board.items[0]}"' in last
    assert 'data-from="1"' in last and 'data-version="2"' in last
    # The changed lines from version 1 (one line here: all of it), not the whole text.
    changes = json.loads(html.unescape(re.search(r"data-changes='([^']*)'", last).group(1)))  # type: ignore[union-attr]
    stored, _, _ = asyncio.run(_stored(demo_database, board))
    assert "Duschen" in stored and apply_line_changes(TEXT, changes) == stored
    assert "Anna Becker" in last
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


def test_the_editor_as_stored_is_there_for_a_page_that_missed_a_change(
    anna: TestClient, katrin: TestClient, board: Board
) -> None:
    notes = f"{board.path}/items/{board.items[0]}/notes"
    katrin.post(notes, data={"text": TEXT, "version": "0"}, headers=HTMX)
    editor = anna.get(notes, headers=HTMX)
    assert editor.status_code == 200
    assert editor.template.name == "sessions/_notes_editor.html"  # type: ignore[attr-defined]
    assert version_in(editor.text) == "1" and html.escape(TEXT, quote=False) in editor.text
    assert anna.get(f"{board.path}/items/999999/notes", headers=HTMX).status_code == 404


def test_saves_arriving_together_are_saved_in_one_go_each_a_revision_of_its_author(
    katrin: TestClient, demo_people: dict[str, int], board: Board, demo_database: str
) -> None:
    """Twenty saves of one item at once in one process: one transaction and one event for
    them (or a few), yet every edit is merged and is a revision of its own with its author;
    the event's changed lines turn the notes before into the notes after."""
    lines = [f"Zeile {n}:" for n in range(20)]
    notes_path = f"{board.path}/items/{board.items[0]}/notes"
    client = katrin
    first = client.post(notes_path, data={"text": "\n".join(lines), "version": "0"})
    assert first.status_code == 303
    app = client.app
    assert isinstance(app, Starlette)
    writer = note_writer(app.state)

    async def save_all() -> list[tuple[notes.SavedNotes, notes.EditOutcome]]:
        actors = [await writer_actor(demo_database, demo_people[email]) for email in (ANNA, KATRIN)]
        edits = [
            notes.NoteEdit(
                actors[n % 2],
                "\n".join(f"{line} neu{n}" if k == n else line for k, line in enumerate(lines)),
                "1",
            )
            for n in range(20)
        ]
        return await asyncio.gather(
            *(writer.save(board.meeting, board.items[0], edit) for edit in edits)
        )

    results = client.portal.call(save_all)  # type: ignore[union-attr]
    assert all(outcome.changed for _, outcome in results)
    batches = {id(saved) for saved, _ in results}
    assert len(batches) < 20
    stored, revisions, events = asyncio.run(_stored(demo_database, board))
    assert stored == "\n".join(f"{line} neu{n}" for n, line in enumerate(lines))
    assert [version for version, _ in revisions] == list(range(1, 22))
    authors = {person for _, person in revisions[1:]}
    assert authors == {demo_people[ANNA], demo_people[KATRIN]}
    assert len(events) == 1 + len(batches)
    text, version = "\n".join(lines), 1
    for event in events[1:]:
        data = event["de"]
        assert f'data-from="{version}"' in data
        changes = json.loads(html.unescape(re.search(r"data-changes='([^']*)'", data).group(1)))  # type: ignore[union-attr]
        text = apply_line_changes(text, changes)
        version = int(re.search(r'data-version="(\d+)"', data).group(1))  # type: ignore[union-attr]
    assert (text, version) == (stored, 21)


async def writer_actor(database_url: str, person_id: int) -> Actor:
    engine = create_async_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url)
    try:
        async with AsyncSession(engine) as session:
            actor = await actor_for(session, person_id)
    finally:
        await engine.dispose()
    assert actor is not None
    return actor


async def _stored(
    database_url: str, board: Board
) -> tuple[str, list[tuple[int, int]], list[dict[str, str]]]:
    connection = await asyncpg.connect(database_url)
    try:
        stored = await connection.fetchval(
            "SELECT notes FROM agenda_items WHERE id = $1", board.items[0]
        )
        revisions = await connection.fetch(
            "SELECT version, person_id FROM note_revisions WHERE item_id = $1 ORDER BY version",
            board.items[0],
        )
    finally:
        await connection.close()
    events = await notes_events(database_url, board.meeting)
    return stored, [(row["version"], row["person_id"]) for row in revisions], events
