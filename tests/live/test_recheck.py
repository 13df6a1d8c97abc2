"""An open live stream ends once its person may no longer follow it (removed, sign-in over)."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

import httpx

from server.settings import Settings
from tests.live.sse import SSEStream
from tests.live.support import admin_http, group_id, start
from tests.sessions import sign_in, signed_in_cookie

if TYPE_CHECKING:
    from tests.conftest import Servers

MODERATOR = "anna.becker@unterkunft-ukraine.example"


async def test_a_removed_person_loses_the_stream_while_others_keep_it(
    demo_database: str, settings: Settings, servers: Servers, demo_people: dict[str, int]
) -> None:
    (base,) = await start(servers, 1, LIVE_RECHECK_SECONDS="0.3")
    url = f"/live?channel=group:{await group_id(settings)}"
    anna = demo_people[MODERATOR]
    async with (
        admin_http(settings, base) as admin,
        httpx.AsyncClient(base_url=base, timeout=10) as annas,
    ):
        sign_in(annas, settings.SECRET_KEY, anna)
        async with SSEStream(annas, url) as annas_stream, SSEStream(admin, url) as admins_stream:
            await annas_stream.nothing_for(0.8)  # rechecked twice: still allowed
            assert not annas_stream.closed_by_server

            removed = await admin.post(f"/people/{anna}/remove")
            assert removed.status_code == 303
            for _ in range(50):
                if annas_stream.closed_by_server:
                    break
                await asyncio.sleep(0.1)
            assert annas_stream.closed_by_server
            assert not admins_stream.closed_by_server
        again = await annas.get(url)
        assert again.status_code == 401


async def test_a_stream_ends_when_the_sign_in_reaches_its_absolute_limit(
    demo_database: str, settings: Settings, servers: Servers, demo_people: dict[str, int]
) -> None:
    (base,) = await start(servers, 1, LIVE_RECHECK_SECONDS="0.3", SESSION_MAX_HOURS="1")
    url = f"/live?channel=group:{await group_id(settings)}"
    # signed in 59 minutes and 58 seconds ago: the limit passes while the stream is open
    issued = int(time.time()) - 3600 + 2
    cookie, _ = signed_in_cookie(settings.SECRET_KEY, demo_people[MODERATOR], issued=issued)
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        client.cookies.set("knotenpunkt_session", cookie)
        async with SSEStream(client, url) as stream:
            for _ in range(60):
                if stream.closed_by_server:
                    break
                await asyncio.sleep(0.1)
            assert stream.closed_by_server
