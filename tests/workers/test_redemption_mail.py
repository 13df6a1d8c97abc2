"""The redemption mails through a real arq worker, real Redis and a real SMTP server
(aiosmtpd): the other side hears of each step once."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import date, timedelta
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.models import Card, PledgeRedemption
from server.settings import Settings
from tests.conftest import free_port
from tests.sessions import sign_in
from tests.workers.conftest import Inbox, run_worker
from workers.jobs import send_redemption_mail

PLEDGER = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
REDEEMER = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine, in AG Unterkunft
BOARD = "/groups/ag-unterkunft/board"
LEIPZIG, KATRIN = "sozialamt@leipzig.example", PLEDGER
UKRAINE, ANNA = "team@unterkunft-ukraine.example", REDEEMER
TITLE = "Transporter\nfür Möbelspenden"  # one header line in the subject all the same


@pytest.fixture
async def redis_client(demo_settings: Settings) -> AsyncIterator[Redis]:
    client = Redis.from_url(demo_settings.REDIS_URL)
    yield client
    await client.aclose()


def _steps(settings: Settings, people: dict[str, int], *steps: str) -> None:
    """Walk a pledge of Stadt Leipzig through the steps, as the people would."""
    with TestClient(create_app(settings), follow_redirects=False) as client:
        if "pledge" in steps:
            sign_in(client, settings.SECRET_KEY, people[PLEDGER])
            deadline = (date.today() + timedelta(days=30)).isoformat()
            form = {
                "kind": "pledge",
                "resource_kind": "goods",
                "title": TITLE,
                "promise": "einen Transporter",
                "condition": "zwei Fahrer:innen",
                "deadline": deadline,
            }
            assert client.post(f"{BOARD}/cards", data=form).status_code == 303
        if "redeem" in steps:
            sign_in(client, settings.SECRET_KEY, people[REDEEMER])
            card_id = _card_id(client)
            path = f"{BOARD}/cards/{card_id}/redemptions"
            assert client.post(path, data={"fulfilment": "Zwei Fahrerinnen"}).status_code == 303
        if "confirm" in steps or "decline" in steps:
            sign_in(client, settings.SECRET_KEY, people[PLEDGER])
            decision = "confirm" if "confirm" in steps else "decline"
            path = f"{BOARD}/redemptions/{_redemption_id(client)}/decision"
            assert client.post(path, data={"decision": decision}).status_code == 303
        if "report" in steps:
            sign_in(client, settings.SECRET_KEY, people[REDEEMER])
            path = f"{BOARD}/redemptions/{_redemption_id(client)}/report"
            report = {"title": "Vier Samstage", "body": "Es hat geklappt.", "visibility": "public"}
            assert client.post(path, data=report).status_code == 303


# The redemption of this test's pledge (the demo data has one of its own).
_REDEMPTION = (
    select(PledgeRedemption.id)
    .join(Card, Card.id == PledgeRedemption.pledge_id)
    .where(Card.title == TITLE)
)


def _card_id(client: TestClient) -> int:
    return _scalar(client, select(Card.id).where(Card.title == TITLE))


def _redemption_id(client: TestClient) -> int:
    return _scalar(client, _REDEMPTION)


def _scalar(client: TestClient, query: Any) -> int:
    async def run() -> int:
        async with client.app.state.sessionmaker() as session:  # type: ignore[attr-defined]
            return int(await session.scalar(query))

    assert client.portal is not None
    return client.portal.call(run)


def _to(mail: Message) -> list[str]:
    return [address for _, address in getaddresses([mail["To"]])]


def _subject(mail: Message) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def _body(mail: Message) -> str:
    return str(mail.get_payload(decode=True).decode())  # type: ignore[union-attr]


async def test_each_step_reaches_the_other_side_once(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    await asyncio.to_thread(_steps, settings, demo_people, "pledge", "redeem")
    assert (await run_worker(settings, engine, send_redemption_mail)).jobs_complete == 1
    claimed = inbox.messages[-1]
    assert _to(claimed) == [LEIPZIG, KATRIN]
    assert "Transporter für Möbelspenden" in _subject(claimed)
    assert "Unterkunft Ukraine e. V." in _body(claimed)
    assert "Zwei Fahrerinnen" in _body(claimed)
    assert f"{BOARD}/cards/" in _body(claimed)

    await asyncio.to_thread(_steps, settings, demo_people, "confirm", "report")
    assert (await run_worker(settings, engine, send_redemption_mail)).jobs_complete == 2
    assert len(inbox.messages) == 3
    confirmed, reported = sorted(inbox.messages[1:], key=lambda m: len(_to(m)))
    assert _to(confirmed) == [UKRAINE, ANNA]
    assert _to(reported) == [LEIPZIG, KATRIN, UKRAINE, ANNA]
    assert "/knowledge/" in _body(reported)


async def test_a_repeated_job_sends_nothing_and_a_failed_one_retries(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    redis_client: Redis,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    await asyncio.to_thread(_steps, demo_settings, demo_people, "pledge", "redeem", "decline")
    async with engine.connect() as connection:
        redemption_id = await connection.scalar(_REDEMPTION)
    assert redemption_id is not None
    ctx: dict[str, Any] = {"sessionmaker": create_sessionmaker(engine), "redis": redis_client}

    broken = dataclasses.replace(demo_settings, SMTP_PORT=str(free_port()))
    with pytest.raises(OSError):
        await send_redemption_mail({**ctx, "settings": broken}, redemption_id, "declined")
    working = {
        **ctx,
        "settings": dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port)),
    }
    assert await send_redemption_mail(working, redemption_id, "declined") == "sent"
    assert await send_redemption_mail(working, redemption_id, "declined") == "already sent"
    assert await send_redemption_mail(working, redemption_id, "confirmed") == "nothing to send"
    assert await send_redemption_mail(working, redemption_id + 1000, "claimed") == (
        "nothing to send"
    )
    assert len(inbox.messages) == 1
    assert _to(inbox.messages[0]) == [UKRAINE, ANNA]


def test_worker_settings_register_the_job() -> None:
    from workers.settings import WorkerSettings

    assert send_redemption_mail in WorkerSettings.functions
