"""Follow-up e-mails through a real SMTP server (aiosmtpd), on the demo data: a reminder before
an action item is due (to the person named for it, or to the owning organisation's people who
attended), and the digest of what changed in one's working groups; each in the person's
language, with working links, once, and not to those who said no."""

from __future__ import annotations

import dataclasses
from email.header import decode_header, make_header
from typing import Any

import asyncpg

from server.db import create_sessionmaker
from server.settings import Settings
from workers.follow_up_jobs import send_digests, send_due_reminders

KATRIN = "k.hoffmann@leipzig.example"
ANNA = "anna.becker@unterkunft-ukraine.example"
OPEN_TASK = "Kürzeres Antragsformular für Mietkautionen entwerfen"
DONE_TASK = "Freie Plätze jeden Montag in die Pinnwand eintragen"


async def sql(settings: Settings, statement: str, *args: object) -> None:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        await connection.execute(statement, *args)
    finally:
        await connection.close()


def subject(message: Any) -> str:
    return str(make_header(decode_header(message["Subject"])))


def body(message: Any) -> str:
    return message.get_payload(decode=True).decode()


async def test_reminders_go_once_to_the_owners_who_want_them(
    demo_settings: Settings, engine: Any, smtp: Any
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    await sql(
        settings,
        "UPDATE action_items SET due_on = current_date + 1, status = 'open' WHERE text = ANY($1)",
        [OPEN_TASK, DONE_TASK],
    )
    assert await send_due_reminders(ctx) == "2 reminders"
    by_recipient = {
        tuple(to): m for to, m in zip(inbox.envelope_recipients, inbox.messages, strict=True)
    }
    katrins = by_recipient[(KATRIN,)]  # named for her
    annas = by_recipient[(ANNA,)]  # her organisation's, and she attended
    assert subject(katrins).startswith("Fällig am ") and OPEN_TASK in subject(katrins)
    assert DONE_TASK in subject(annas)
    link = next(line for line in body(katrins).splitlines() if "#action-" in line)
    assert link.startswith(settings.BASE_URL + "/sessions/")
    assert await send_due_reminders(ctx) == "0 reminders"  # once

    await sql(settings, "UPDATE action_items SET reminded_at = NULL")
    await sql(settings, "UPDATE persons SET due_reminders = false WHERE email = $1", KATRIN)
    await sql(settings, "UPDATE persons SET locale = 'en' WHERE email = $1", ANNA)
    assert await send_due_reminders(ctx) == "1 reminders"
    assert inbox.envelope_recipients[-1] == [ANNA]
    assert subject(inbox.messages[-1]).startswith("Due on ")


async def test_the_digest_tells_what_changed_in_ones_groups_in_ones_language(
    demo_settings: Settings, engine: Any, smtp: Any
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    await sql(settings, "UPDATE persons SET digest = 'none'")
    await sql(
        settings, "UPDATE persons SET digest = 'weekly' WHERE email = ANY($1)", [ANNA, KATRIN]
    )
    await sql(settings, "UPDATE persons SET locale = 'en' WHERE email = $1", KATRIN)
    assert await send_digests(ctx) == "2 digests"
    by_recipient = {
        tuple(to): m for to, m in zip(inbox.envelope_recipients, inbox.messages, strict=True)
    }
    german, english = by_recipient[(ANNA,)], by_recipient[(KATRIN,)]
    assert subject(german) == "Was sich in Ihren Arbeitsgruppen geändert hat"
    assert subject(english) == "What changed in your working groups"
    text = body(english)
    assert "== AG Unterkunft ==" in text
    assert "Decided in Wöchentliche Sitzung der AG Unterkunft: Freie Plätze werden" in text
    assert "You and your organisation have 1 open task" in text
    # The last session's summary, published by the demo six days ago.
    assert "Published: Wöchentliche Sitzung der AG Unterkunft am " in text
    assert f"{settings.BASE_URL}/knowledge/" in text
    group_link = f"{settings.BASE_URL}/groups/ag-unterkunft"
    assert group_link in text
    assert await send_digests(ctx) == "0 digests"  # sent this week already
    assert len(inbox.messages) == 2


async def test_links_in_the_mails_lead_to_pages_that_exist(demo_settings: Settings) -> None:
    """The paths the mails link to are routes of the app (not 404 for a signed-in member)."""
    from starlette.testclient import TestClient

    from server.app import create_app
    from tests.sessions import sign_in

    connection = await asyncpg.connect(demo_settings.DATABASE_URL)
    try:
        katrin = await connection.fetchval("SELECT id FROM persons WHERE email = $1", KATRIN)
    finally:
        await connection.close()
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, katrin)
        for path in ("/tasks", "/profile", "/groups/ag-unterkunft"):
            assert client.get(path).status_code == 200, path
