"""Who is present, across two web processes: each participant's open session page (its live
stream) counts, every page hears of it by organisation, and closing the session records those
present as its attendance."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from server.settings import Settings
from tests.live.sse import SSEStream
from tests.live.support import start
from tests.live.test_session_board_stream import ANNA, HTMX, KATRIN, signed_in
from tests.meeting_board import board_of_ag_unterkunft
from tests.text import german

if TYPE_CHECKING:
    from tests.conftest import Servers


async def attendance(database_url: str, meeting: int) -> set[tuple[int, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT a.person_id, o.name FROM attendance a "
            "JOIN organisations o ON o.id = a.organisation_id WHERE a.meeting_id = $1",
            meeting,
        )
    finally:
        await connection.close()
    return {(row["person_id"], row["name"]) for row in rows}


async def test_presence_by_organisation_across_processes_becomes_the_attendance(
    demo_database: str, demo_people: dict[str, int], settings: Settings, servers: Servers
) -> None:
    board = await board_of_ag_unterkunft(demo_database)
    base_a, base_b = await start(servers, 2)
    live = f"/live?channel=session:{board.meeting}&after=0"
    async with (
        signed_in(settings, base_a, demo_people[ANNA]) as anna,
        signed_in(settings, base_b, demo_people[KATRIN]) as katrin,
        SSEStream(anna, live, skip=()) as anna_sees,
    ):
        first = await anna_sees.next()
        assert first.event == "presence"
        assert "Unterkunft Ukraine e. V." in first.data and "Stadt Leipzig" not in first.data
        assert 'data-present-count="1"' in first.data
        async with SSEStream(katrin, live, skip=()):
            second = await anna_sees.next()
            assert second.event == "presence"
            assert "Stadt Leipzig – Sozialamt" in second.data
            assert 'data-present-count="2"' in second.data
            assert "Katrin" not in second.data  # organisations and head counts, no names

            page = await katrin.get(board.path)
            assert 'id="presence"' in page.text and "Stadt Leipzig – Sozialamt" in page.text

            started = await anna.post(board.path + "/start", data={"version": "1"}, headers=HTMX)
            assert started.status_code == 200
            closed = await anna.post(board.path + "/close", data={"version": "2"})
            assert closed.status_code == 303, closed.text

        events = [await anna_sees.next(), await anna_sees.next()]
        assert [event.event for event in events] == ["board", "board"]
        assert german("The session is closed.") in events[1].data

    assert await attendance(demo_database, board.meeting) == {
        (demo_people[ANNA], "Unterkunft Ukraine e. V."),
        (demo_people[KATRIN], "Stadt Leipzig – Sozialamt"),
    }
    page = await _closed_page(settings, base_a, demo_people[KATRIN], board.path)
    assert 'id="attendance"' in page
    assert 'Stadt Leipzig – Sozialamt <span class="meta">(1)</span>' in page


async def _closed_page(settings: Settings, base: str, person: int, path: str) -> str:
    async with signed_in(settings, base, person) as client:
        return (await client.get(path)).text
