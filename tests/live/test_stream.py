"""The live stream over real HTTP: app processes under uvicorn sharing PostgreSQL and Redis,
read by an SSE client the way a browser's EventSource reads it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import asyncpg

from server.domain.events import REPLAY_LIMIT
from server.settings import Settings
from tests.live.sse import SSEStream
from tests.live.support import (
    DEMO_MEMBERS,
    admin_http,
    announcement,
    assert_members_event,
    group_id,
    group_page,
    join,
    outbox,
    start,
)

if TYPE_CHECKING:
    from tests.conftest import Servers


async def test_join_on_one_process_is_streamed_to_a_subscriber_of_another(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    base_a, base_b = await start(servers, 2)
    group = await group_id(settings)
    async with (
        admin_http(settings, base_a) as process_a,
        admin_http(settings, base_b) as process_b,
    ):
        page = await group_page(process_b)
        assert page.channels == [f"group:{group}"]
        assert page.after == 0  # the demo data has no outbox events
        assert [name for _, name in page.candidates][:2] == [
            "Bundesamt für Integrationsfragen",
            "Bürgerstiftung Dresden",
        ]
        (first_id, first), (second_id, second) = page.candidates[:2]

        async with SSEStream(process_b, page.live_url) as stream:
            await join(process_a, first_id)
            # Arrives by replay or live, depending on how fast B subscribed; either way once.
            first_event = await stream.next()
            # Having received an event, B's stream is subscribed and past its replay: this
            # one can only travel from process A through Redis to process B.
            await join(process_a, second_id)
            second_event = await stream.next()
            await stream.nothing_for(0.3)

        rows = await outbox(settings)
        assert len(rows) == 2 and rows[0].id < rows[1].id
        assert_members_event(first_event, rows[0], group, first, [*DEMO_MEMBERS, first])
        assert_members_event(second_event, rows[1], group, second, [*DEMO_MEMBERS, first, second])


async def test_reconnect_with_last_event_id_replays_exactly_the_missed_events(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    (base,) = await start(servers, 1)
    group = await group_id(settings)
    async with admin_http(settings, base) as http:
        page = await group_page(http)
        organisations = page.candidates
        assert len(organisations) >= 5

        async with SSEStream(http, page.live_url) as stream:
            await join(http, organisations[0][0])
            seen = await stream.next()
        # The browser is gone; three changes happen meanwhile.
        for organisation_id, _ in organisations[1:4]:
            await join(http, organisation_id)
        rows = await outbox(settings)
        assert seen.id == str(rows[0].id)
        assert len(rows) == 4

        # EventSource reconnects to the same URL (after=0) with the last id it saw.
        async with SSEStream(http, page.live_url, {"Last-Event-ID": str(seen.id)}) as stream:
            missed = await stream.take(3)
            await join(http, organisations[4][0])
            live = await stream.next()
            await stream.nothing_for(0.3)

    rows = await outbox(settings)
    assert len(rows) == 5
    assert [event.id for event in missed] == [str(row.id) for row in rows[1:4]]
    assert [int(event.id or 0) for event in [seen, *missed, live]] == sorted(row.id for row in rows)
    members = list(DEMO_MEMBERS)
    for event, row, (_, name) in zip([seen, *missed, live], rows, organisations[:5], strict=True):
        members.append(name)
        assert_members_event(event, row, group, name, members)


async def test_after_positions_a_fresh_page_and_last_event_id_wins_over_it(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    (base,) = await start(servers, 1)
    async with admin_http(settings, base) as http:
        old_page = await group_page(http)
        assert old_page.after == 0
        for organisation_id, _ in old_page.candidates[:3]:
            await join(http, organisation_id)
        ids = [row.id for row in await outbox(settings)]
        assert len(ids) == 3

        fresh_page = await group_page(http)
        assert fresh_page.after == ids[-1]
        async with (
            SSEStream(http, fresh_page.live_url) as fresh,
            SSEStream(http, old_page.live_url) as old,
            SSEStream(http, old_page.live_url, {"Last-Event-ID": str(ids[1])}) as resumed,
        ):
            old_replay = await old.take(3)
            resumed_replay = await resumed.next()
            await join(http, fresh_page.candidates[0][0])
            ids = [row.id for row in await outbox(settings)]
            assert len(ids) == 4
            fresh_first = await fresh.next()
            old_live = await old.next()
            resumed_live = await resumed.next()
            for stream in (fresh, old, resumed):
                await stream.nothing_for(0.2)

    assert [event.id for event in old_replay] == [str(i) for i in ids[:3]]
    assert resumed_replay.id == str(ids[2])  # the header's id 2, not after=0
    assert [fresh_first.id, old_live.id, resumed_live.id] == [str(ids[3])] * 3
    assert fresh_first.data == old_live.data == resumed_live.data
    assert announcement(fresh_page.candidates[0][1]) in fresh_first.data


async def test_a_replay_longer_than_one_batch_is_sent_in_full(
    demo_database: str, settings: Settings, servers: Servers
) -> None:
    group = await group_id(settings)
    count = REPLAY_LIMIT + 3
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        await connection.execute(
            """
            INSERT INTO events (channel, name, data)
            SELECT $1, 'members', jsonb_build_object('de', 'Nr. ' || n, 'en', 'No. ' || n)
            FROM generate_series(1, $2) AS n
            """,
            f"group:{group}",
            count,
        )
    finally:
        await connection.close()
    rows = await outbox(settings)
    assert len(rows) == count
    (base,) = await start(servers, 1)
    async with (
        admin_http(settings, base) as http,
        SSEStream(http, f"/live?channel=group:{group}&after=0") as stream,
    ):
        replayed = await stream.take(count)
        await stream.nothing_for(0.2)
    assert [(event.id, event.data) for event in replayed] == [
        (str(row.id), f"Nr. {number}") for number, row in enumerate(rows, 1)
    ]
