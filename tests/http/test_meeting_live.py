"""The agenda board over HTTP: the moderator's controls (htmx gets them back, a plain form goes
to the session's page), refusals with their reason (409 for a board changed meanwhile, 422
otherwise), one's own hand, and the one `board` event every change leaves in the outbox."""

from __future__ import annotations

import asyncio
import json
import re

import asyncpg
from starlette.testclient import TestClient

from tests.meeting_board import Board
from tests.text import german

HTMX = {"HX-Request": "true"}


async def board_events(database_url: str, meeting: int) -> list[dict[str, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT name, data FROM events WHERE channel = $1 ORDER BY id", f"session:{meeting}"
        )
    finally:
        await connection.close()
    assert {row["name"] for row in rows} <= {"board"}
    return [json.loads(row["data"]) for row in rows]


def version_in(html: str) -> str:
    match = re.search(r'name="version" value="(\d+)"', html)
    assert match, "no version in the controls"
    return match.group(1)


def test_the_moderator_runs_the_board_by_htmx_and_every_change_is_one_event(
    anna: TestClient, board: Board, demo_database: str
) -> None:
    page = anna.get(board.path)
    assert page.status_code == 200
    assert 'id="session-board"' in page.text and 'id="board-controls"' in page.text
    assert 'sse-swap="board"' in page.text

    started = anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    assert started.status_code == 200
    assert started.template.name == "sessions/_board_controls.html"  # type: ignore[attr-defined]
    assert started.context["board"].meeting.status.value == "running"  # type: ignore[attr-defined]
    version = version_in(started.text)
    assert version == "2"

    moved = anna.post(board.path + "/next", data={"version": version}, headers=HTMX)
    assert moved.status_code == 200
    shown = moved.context["board"]  # type: ignore[attr-defined]
    assert shown.current.id == board.items[0] and shown.meeting.version == 3
    assert 'aria-keyshortcuts="Alt+N"' in moved.text

    current = anna.post(
        board.path + "/current", data={"version": "3", "item_id": str(board.items[1])}
    )
    assert current.status_code == 303  # a plain form goes back to the page
    assert current.headers["location"] == board.path

    events = asyncio.run(board_events(demo_database, board.meeting))
    assert len(events) == 3  # one per change
    german_board = events[-1]["de"]
    assert 'id="session-board"' in german_board
    assert 'data-version="4"' in german_board
    assert f'data-current-item="{board.items[1]}"' in german_board
    assert "data-timer" in german_board and 'data-planned-seconds="900"' in german_board
    assert german("Now on the agenda: %(title)s", title="Umzüge") in german_board
    for personal in ("csrf_token", "board-controls", "session-hand", 'name="version"'):
        assert personal not in german_board
    assert "Now on the agenda: Umzüge" in events[-1]["en"]


def test_a_stale_version_is_refused_with_409_in_the_controls(
    anna: TestClient, board: Board
) -> None:
    anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    anna.post(board.path + "/next", data={"version": "2"}, headers=HTMX)
    stale = anna.post(
        board.path + "/current",
        data={"version": "2", "item_id": str(board.items[1])},
        headers=HTMX,
    )
    assert stale.status_code == 409
    assert stale.template.name == "sessions/_board_controls.html"  # type: ignore[attr-defined]
    assert (
        german(
            "Someone else changed the agenda board in the meantime; it now shows their change. "
            "Please check it and try again."
        )
        in stale.text
    )
    assert 'role="alert"' in stale.text
    assert version_in(stale.text) == "3"  # trying again is against what is stored
    assert stale.context["board"].current.id == board.items[0]  # type: ignore[attr-defined]

    plain = anna.post(board.path + "/next", data={"version": "2"})
    assert plain.status_code == 409  # without htmx: the session's page with the reason
    assert (
        german(
            "Someone else changed the agenda board in the meantime; it now shows their change. "
            "Please check it and try again."
        )
        in plain.text
    )


def test_refusals_are_422_with_their_reason(
    anna: TestClient, katrin: TestClient, board: Board, demo_database: str
) -> None:
    not_yet = anna.post(board.path + "/next", data={"version": "1"}, headers=HTMX)
    assert not_yet.status_code == 422
    assert german("The session has not started yet; nothing was changed.") in not_yet.text
    hand = katrin.post(board.path + "/hand", headers=HTMX)
    assert hand.status_code == 422
    assert hand.template.name == "sessions/_hand.html"  # type: ignore[attr-defined]

    anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    anna.post(board.path + "/next", data={"version": "2"}, headers=HTMX)
    raised = katrin.post(board.path + "/hand", headers=HTMX)
    assert raised.status_code == 200
    assert raised.context["my_hand"] is not None  # type: ignore[attr-defined]
    twice = katrin.post(board.path + "/hand", headers=HTMX)
    assert twice.status_code == 422
    assert german("Your hand is raised already.") in twice.text

    too_long = anna.post(
        f"{board.path}/items/{board.items[0]}/close",
        data={"version": "3", "outcome": "x" * 4001},
        headers=HTMX,
    )
    assert too_long.status_code == 422
    assert 'aria-invalid="true"' in too_long.text
    assert german("Please keep the outcome to %(max)d characters.", max=4000) in too_long.text
    assert "x" * 4001 in too_long.text  # what was typed is still there
    nobody = anna.post(f"{board.path}/speakers/999999/floor", data={"version": "3"}, headers=HTMX)
    assert nobody.status_code == 422
    assert german("This person is not on the speakers list.") in nobody.text
    assert len(asyncio.run(board_events(demo_database, board.meeting))) == 3


def test_the_floor_the_list_and_closing_an_item(
    anna: TestClient, katrin: TestClient, board: Board, demo_database: str
) -> None:
    anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    anna.post(board.path + "/next", data={"version": "2"}, headers=HTMX)
    katrin.post(board.path + "/hand", headers=HTMX)
    controls = anna.get(board.path + "/board/controls", headers=HTMX)
    assert controls.status_code == 200
    speaker = controls.context["board"].waiting[0]  # type: ignore[attr-defined]
    assert 'data-shortcut="f"' in controls.text

    floor = anna.post(
        f"{board.path}/speakers/{speaker.id}/floor", data={"version": "3"}, headers=HTMX
    )
    assert floor.status_code == 200
    assert floor.context["board"].speaking.id == speaker.id  # type: ignore[attr-defined]
    page = katrin.get(board.path)
    assert "Katrin Hoffmann" in page.text
    assert page.context["my_hand"].status.value == "speaking"  # type: ignore[attr-defined]
    lowered = katrin.post(board.path + "/hand/lower", headers=HTMX)
    assert lowered.status_code == 200 and lowered.context["my_hand"] is None  # type: ignore[attr-defined]
    again = katrin.post(board.path + "/hand/lower", headers=HTMX)
    assert again.status_code == 422
    assert german("Your hand is not raised.") in again.text

    closed = anna.post(
        f"{board.path}/items/{board.items[0]}/close",
        data={"version": "4", "outcome": "Zwei Quartiere gefunden."},
        headers=HTMX,
    )
    assert closed.status_code == 200
    item = closed.context["board"].current  # type: ignore[attr-defined]
    assert (item.status.value, item.outcome) == ("covered", "Zwei Quartiere gefunden.")
    events = asyncio.run(board_events(demo_database, board.meeting))
    assert german("Item closed: %(title)s", title="Winterquartiere") in events[-1]["de"]
    assert german("%(name)s has the floor.", name="Katrin Hoffmann") in events[-3]["de"]


def test_members_follow_the_board_but_do_not_run_it(katrin: TestClient, board: Board) -> None:
    page = katrin.get(board.path)
    assert page.status_code == 200
    assert 'id="session-board"' in page.text and 'id="board-controls"' not in page.text
    assert 'id="session-hand"' in page.text
    assert katrin.post(board.path + "/start", data={"version": "1"}).status_code == 403
    assert katrin.get(board.path + "/board/controls").status_code == 403


def test_two_moderators_choose_different_items_and_both_pages_agree(
    anna: TestClient, demo_client: TestClient, board: Board
) -> None:
    """Anna and the alliance admin both saw version 3 and make different items current: the
    first wins, the second is told, and both pages then show the winner's choice."""
    anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    anna.post(board.path + "/next", data={"version": "2"}, headers=HTMX)
    first, second = board.items
    won = anna.post(
        board.path + "/current", data={"version": "3", "item_id": str(second)}, headers=HTMX
    )
    told = demo_client.post(
        board.path + "/current", data={"version": "3", "item_id": str(first)}, headers=HTMX
    )
    assert (won.status_code, told.status_code) == (200, 409)
    assert told.context["board"].current.id == second  # type: ignore[attr-defined]
    for client in (anna, demo_client):
        shown = client.get(board.path).context["board"]  # type: ignore[attr-defined]
        assert (shown.current.id, shown.meeting.version) == (second, 4)
