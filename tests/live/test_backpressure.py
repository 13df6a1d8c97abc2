"""A browser that stops reading its live stream is dropped over real HTTP, while a reading one
on the same app process gets every event; the dropped one catches up when it reconnects."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from server.settings import Settings
from tests.live.sse import SSEStream, StalledClient, parse
from tests.live.support import SLUG, admin_cookie, admin_http, group_page, join, outbox, start

if TYPE_CHECKING:
    from tests.conftest import Servers

QUEUE_SIZE = 2
# Each "members" event lists every member of the group, so a group with many members with
# long Ukrainian names (two bytes a letter) makes every event large (~150 kB). Organisations
# join until well more than the stalled client's socket buffers can hold was streamed: the
# kernel grows the server's send buffer up to tcp_wmem's maximum (4 MiB by default), uvicorn
# buffers 64 kB more, the stalled client's receive buffer is tiny.
EXTRA_MEMBERS = 200
MAX_JOINS = 120


def bytes_to_stream() -> int:
    try:
        largest_send_buffer = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    except (OSError, IndexError, ValueError):
        largest_send_buffer = 4 << 20
    return largest_send_buffer * 3 // 2 + 1_000_000


NAME = "Українська громада взаємодопомоги "  # repeated to 180 letters
REGION = "Київська область, "  # repeated to 110 letters


async def make_the_group_large(settings: Settings) -> None:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        group = await connection.fetchval("SELECT id FROM working_groups WHERE slug = $1", SLUG)
        await connection.execute(
            """
            WITH member AS (
                INSERT INTO organisations (name, kind, federal_level, region)
                SELECT 'Mitglied ' || lpad(n::text, 4, '0') || ' ' || left(repeat($3, 9), 180),
                       'association', 'kommune', left(repeat($4, 9), 110)
                FROM generate_series(1, $1) AS n
                RETURNING id
            )
            INSERT INTO group_members (group_id, organisation_id, welcomed_at)
            SELECT $2, id, now() FROM member
            """,
            EXTRA_MEMBERS,
            group,
            NAME,
            REGION,
        )
        await connection.execute(
            """
            INSERT INTO organisations (name, kind, federal_level, region)
            SELECT 'Neu ' || lpad(n::text, 4, '0') || ' ' || left(repeat($2, 9), 180),
                   'foundation', 'land', left(repeat($3, 9), 110)
            FROM generate_series(1, $1) AS n
            """,
            MAX_JOINS,
            NAME,
            REGION,
        )
    finally:
        await connection.close()


async def test_a_stalled_client_is_dropped_while_a_reading_one_gets_every_event(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    await make_the_group_large(settings)
    target = bytes_to_stream()
    (base,) = await start(servers, 1, LIVE_QUEUE_SIZE=str(QUEUE_SIZE))
    async with admin_http(settings, base) as http:
        page = await group_page(http)
        assert len(page.candidates) >= MAX_JOINS
        stalled = StalledClient(base, page.live_url, admin_cookie(settings))
        try:
            assert await asyncio.to_thread(stalled.open) == "HTTP/1.1 200 OK"
            async with SSEStream(http, page.live_url) as reader:
                received = []
                streamed = 0
                for organisation_id, _ in page.candidates[:MAX_JOINS]:
                    await join(http, organisation_id)
                    received.append(await reader.next())
                    streamed += len(received[-1].data.encode())
                    if streamed > target:
                        break
                await reader.nothing_for(0.2)
                assert not reader.closed_by_server
            assert streamed > target, "add organisations: MAX_JOINS streams too little"
            joins = len(received)

            rows = await outbox(settings)
            assert len(rows) == joins
            assert [event.id for event in received] == [str(row.id) for row in rows]
            assert [event.data for event in received] == [row.data["de"] for row in rows]

            # Now the stalled tab wakes up: it gets what its buffers held, then the end.
            body, ended = await asyncio.to_thread(stalled.drain, 20)
        finally:
            stalled.close()
        assert ended, "the server should have ended the stalled stream"
        got = parse(body)
        # The stream blocked writing event k, k+1 and k+2 filled its queue, k+3 dropped it.
        assert 1 <= len(got) <= joins - (QUEUE_SIZE + 1)
        assert [event.id for event in got] == [str(row.id) for row in rows[: len(got)]]
        assert got[-1].data == rows[len(got) - 1].data["de"]

        # Like EventSource, it reconnects with the last id it saw and replays the rest.
        async with SSEStream(http, page.live_url, {"Last-Event-ID": str(got[-1].id)}) as again:
            rest = await again.take(joins - len(got))
            await again.nothing_for(0.2)
        assert [event.id for event in rest] == [str(row.id) for row in rows[len(got) :]]
