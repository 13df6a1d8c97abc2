"""A change of a session's agenda reaches every follower of the session, in another process
too, as the agenda list (the same bytes for everyone) with a polite announcement."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from server.settings import Settings
from tests.csrf import arm_async
from tests.live.sse import SSEStream
from tests.live.support import admin_http, start

if TYPE_CHECKING:
    from tests.conftest import Servers


async def _planned_session(settings: Settings) -> int:
    """A planned session of AG Unterkunft (a series of its own, so the demo's stay apart)."""
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        series = await connection.fetchval(
            "INSERT INTO session_series (group_id, title, weekday, starts_at) SELECT id, "
            "'Live-Agenda', 3, '10:00' FROM working_groups WHERE slug='ag-unterkunft' "
            "RETURNING id"
        )
        return int(
            await connection.fetchval(
                "INSERT INTO meetings (series_id, title, starts_at, ends_at) VALUES ($1, "
                "'Live-Agenda', now() + interval '7 days', "
                "now() + interval '7 days 90 minutes') RETURNING id",
                series,
            )
        )
    finally:
        await connection.close()


async def test_a_proposal_is_streamed_to_a_follower_in_another_process(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    base_a, base_b = await start(servers, 2)
    meeting = await _planned_session(settings)
    async with admin_http(settings, base_a) as writer, admin_http(settings, base_b) as reader:
        await arm_async(writer, f"/sessions/{meeting}")
        async with SSEStream(reader, f"/live?channel=session:{meeting}&after=0") as stream:
            response = await writer.post(
                f"/sessions/{meeting}/agenda",
                data={"title": "Wohnungsbörse", "planned_minutes": "15"},
            )
            assert response.status_code == 303
            event = await stream.next()
            while event.event != "agenda":
                event = await stream.next()
    assert "Wohnungsbörse" in event.data
    assert 'id="agenda-minutes"' in event.data
    assert "csrf_token" not in event.data and "<form" not in event.data
    assert 'hx-swap-oob="innerHTML:#live-announcer"' in event.data
