"""Closing a session over HTTP: the moderator's form at the end, its refusals on the session's
page with their reason, the closed page (frozen, with its attendance), one `board` event for
every open page, and the summary job enqueued once in the real job queue."""

from __future__ import annotations

import asyncio

import asyncpg
import redis
from starlette.testclient import TestClient

from server.settings import Settings
from tests.http.test_meeting_live import HTMX, board_events
from tests.meeting_board import Board
from tests.text import german


def enqueued_summaries(settings: Settings, meeting: int) -> list[bytes]:
    """The summary jobs of the session waiting in arq's queue."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        queued = client.zrange("arq:queue", 0, -1)
        return [job for job in queued if job == f"summary:{meeting}".encode()]
    finally:
        client.close()


async def item_statuses(database_url: str, meeting: int) -> dict[str, str]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT title, status::text FROM agenda_items WHERE meeting_id = $1", meeting
        )
    finally:
        await connection.close()
    return {row["title"]: row["status"] for row in rows}


def test_the_moderator_closes_the_session_and_it_is_frozen(
    anna: TestClient,
    katrin: TestClient,
    board: Board,
    demo_database: str,
    demo_settings: Settings,
) -> None:
    anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    anna.post(board.path + "/next", data={"version": "2"}, headers=HTMX)
    katrin.post(board.path + "/hand", headers=HTMX)
    controls = anna.get(board.path + "/board/controls", headers=HTMX)
    assert 'id="board-close-session"' in controls.text

    closed = anna.post(board.path + "/close", data={"version": "3"})
    assert closed.status_code == 303
    assert closed.headers["location"] == board.path

    events = asyncio.run(board_events(demo_database, board.meeting))
    assert german("The session is closed.") in events[-1]["de"]
    assert enqueued_summaries(demo_settings, board.meeting) == [f"summary:{board.meeting}".encode()]
    assert asyncio.run(item_statuses(demo_database, board.meeting)) == {
        "Winterquartiere": "deferred",
        "Vorschlag": "deferred",
        "Umzüge": "deferred",
    }

    page = katrin.get(board.path)
    assert page.status_code == 200
    assert 'id="attendance"' in page.text and 'id="presence"' not in page.text
    assert 'id="session-hand"' not in page.text
    assert german("The session is closed.") in page.text
    frozen = katrin.post(board.path + "/hand", headers=HTMX)
    assert frozen.status_code == 422
    assert german("The session is closed; nothing can be changed any more.") in frozen.text

    again = anna.post(board.path + "/close", data={"version": "4"})
    assert again.status_code == 422
    assert german("The session is closed; nothing can be changed any more.") in again.text
    assert len(enqueued_summaries(demo_settings, board.meeting)) == 1
    assert 'id="board-close-session"' not in anna.get(board.path).text


def test_closing_is_refused_with_its_reason_and_changes_nothing(
    anna: TestClient, katrin: TestClient, board: Board, demo_database: str
) -> None:
    not_started = anna.post(board.path + "/close", data={"version": "1"})
    assert not_started.status_code == 422
    assert german("The session has not started yet; nothing was changed.") in not_started.text

    anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
    assert katrin.post(board.path + "/close", data={"version": "2"}).status_code == 403
    stale = anna.post(board.path + "/close", data={"version": "1"})
    assert stale.status_code == 409
    assert (
        german(
            "Someone else changed the agenda board in the meantime; it now shows their "
            "change. Please check it and try again."
        )
        in stale.text
    )
    forged = anna.post(board.path + "/close", data={"version": "<b>2</b>"})
    assert forged.status_code == 422
    assert "<b>2</b>" not in forged.text

    statuses = asyncio.run(item_statuses(demo_database, board.meeting))
    assert statuses["Winterquartiere"] == "accepted"
