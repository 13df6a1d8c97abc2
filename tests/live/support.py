"""What the live tests over HTTP share: the outbox and the group page as the app has them,
starting app processes, joining a group."""

from __future__ import annotations

import asyncio
import html
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import asyncpg
import httpx
from markupsafe import escape

from server.sessions import SESSION_COOKIE
from server.settings import Settings
from tests.csrf import arm_async
from tests.live.sse import SSEEvent, select_options, sse_connect_url
from tests.sessions import sign_in, signed_in_cookie

if TYPE_CHECKING:
    from tests.conftest import Servers

SLUG = "ag-unterkunft"
GROUP_PAGE = f"/groups/{SLUG}"
DEMO_MEMBERS = ["Landkreis Nordsachsen", "Stadt Leipzig – Sozialamt", "Unterkunft Ukraine e. V."]


@dataclass(frozen=True)
class OutboxRow:
    id: int
    channel: str
    name: str
    data: dict[str, str]


async def outbox(settings: Settings) -> list[OutboxRow]:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        rows = await connection.fetch("SELECT id, channel, name, data FROM events ORDER BY id")
    finally:
        await connection.close()
    return [OutboxRow(r["id"], r["channel"], r["name"], json.loads(r["data"])) for r in rows]


async def group_id(settings: Settings, slug: str = SLUG) -> int:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        value = await connection.fetchval("SELECT id FROM working_groups WHERE slug = $1", slug)
    finally:
        await connection.close()
    assert isinstance(value, int)
    return value


_ADMINS: dict[str, int] = {}  # database URL -> id of its demo alliance admin


async def start(servers: Servers, count: int, **overrides: str) -> list[str]:
    """Start app processes side by side (each waits for its own health check)."""
    connection = await asyncpg.connect(servers.settings.DATABASE_URL)
    try:
        admin = await connection.fetchval(
            "SELECT id FROM persons WHERE is_alliance_admin ORDER BY id LIMIT 1"
        )
    finally:
        await connection.close()
    if admin is not None:
        _ADMINS[servers.settings.DATABASE_URL] = admin
    bases = await asyncio.gather(
        *(asyncio.to_thread(servers.start, **overrides) for _ in range(count))
    )
    return list(bases)


def admin_http(settings: Settings, base: str) -> httpx.AsyncClient:
    """An HTTP client of the app signed in as the demo alliance admin."""
    client = httpx.AsyncClient(base_url=base, timeout=10)
    sign_in(client, settings.SECRET_KEY, _ADMINS[settings.DATABASE_URL])
    return client


def admin_cookie(settings: Settings) -> str:
    cookie, _ = signed_in_cookie(settings.SECRET_KEY, _ADMINS[settings.DATABASE_URL])
    return f"{SESSION_COOKIE}={cookie}"


@dataclass(frozen=True)
class GroupPage:
    live_url: str
    after: int
    channels: list[str]
    candidates: list[tuple[int, str]]


async def group_page(http: httpx.AsyncClient) -> GroupPage:
    response = await http.get(GROUP_PAGE)
    assert response.status_code == 200
    live_url = sse_connect_url(response.text)
    parts = urlsplit(live_url)
    assert parts.path == "/live"
    query = parse_qs(parts.query)
    assert set(query) == {"channel", "after"}
    return GroupPage(
        live_url,
        int(query["after"][0]),
        query["channel"],
        select_options(response.text, "organisation_id"),
    )


async def join(http: httpx.AsyncClient, organisation_id: int) -> None:
    if "X-CSRF-Token" not in http.headers:
        await arm_async(http, GROUP_PAGE)
    response = await http.post(
        f"{GROUP_PAGE}/members", data={"organisation_id": str(organisation_id)}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith(GROUP_PAGE)


def announcement(name: str) -> str:
    """The polite announcer's out-of-band fragment for `name` joining (German is the default)."""
    return (
        '<div hx-swap-oob="innerHTML:#live-announcer">'
        f"{escape(name)} ist der Arbeitsgruppe beigetreten.</div>"
    )


def member_names(fragment: str) -> list[str]:
    section = re.search(r'<section id="members".*?</section>', fragment, re.S)
    assert section is not None, fragment
    links = re.findall(r'<a href="/organisations/\d+">([^<]*)</a>', section.group(0))
    return [html.unescape(name) for name in links]


def assert_members_event(
    event: SSEEvent, row: OutboxRow, group: int, joined: str, members: list[str]
) -> None:
    assert (row.channel, row.name) == (f"group:{group}", "members")
    assert event.event == "members"
    assert event.id == str(row.id)
    assert event.retry == 1000
    # The whole German fragment from the outbox, with its many lines joined back by "\n".
    assert event.data == row.data["de"].replace("\r\n", "\n")
    assert event.data.count("\n") >= 3
    assert event.data.rstrip().endswith(announcement(joined))
    assert member_names(event.data) == sorted(members)
    assert f'<span class="count">({len(members)})</span>' in event.data
