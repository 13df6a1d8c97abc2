"""The fund's mails through a real arq worker, real Redis and a real SMTP server (aiosmtpd):
the requesting organisation's people hear of the decision and the payout once, each in their
own language."""

from __future__ import annotations

import asyncio
import dataclasses
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.settings import Settings
from tests.conftest import free_port
from tests.sessions import sign_in
from tests.workers.conftest import Inbox, run_worker
from workers.fund_jobs import send_fund_mail

COMMITTEE = "petra.neumann@engagement-stiftung.example"
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, whose demo request waits
ENGLISH = "english@leipzig.example"


async def _demo_request(settings: Settings) -> int:
    """The demo's request of Stadt Leipzig, with a second person of Stadt Leipzig who reads
    English and one without an address."""
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        organisation = await connection.fetchval(
            "SELECT organisation_id FROM persons WHERE email = $1", KATRIN
        )
        await connection.execute(
            "INSERT INTO persons (organisation_id, name, email, locale) VALUES "
            "($1, 'Eve', $2, 'en'), ($1, 'Ohne Adresse', NULL, NULL)",
            organisation,
            ENGLISH,
        )
        return int(await connection.fetchval("SELECT min(id) FROM funding_requests"))
    finally:
        await connection.close()


def _decide_and_pay(settings: Settings, committee: int, request_id: int) -> None:
    path = f"/fund/requests/{request_id}"
    with TestClient(create_app(settings), follow_redirects=False) as client:
        sign_in(client, settings.SECRET_KEY, committee)
        decision = {"decision": "approve", "amount": "4.000", "text": "Wir fördern das gern."}
        version = client.get(path).context["funding"].version  # type: ignore[attr-defined]
        assert client.post(f"{path}/decision", data={**decision, "version": version}).is_redirect
        assert client.post(f"{path}/payouts", data={"amount": "1.500"}).is_redirect


def _is_approval(mail: Message) -> bool:
    """Told apart in any language: the approval names the 4.000 € granted."""
    return "4.000,00" in _body(mail) or "4,000.00" in _body(mail)


def _to(mail: Message) -> list[str]:
    return [address for _, address in getaddresses([mail["To"]])]


def _subject(mail: Message) -> str:
    return str(make_header(decode_header(mail["Subject"])))


def _body(mail: Message) -> str:
    return str(mail.get_payload(decode=True).decode())  # type: ignore[union-attr]


async def test_the_decision_and_the_payout_reach_the_requesters_once(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    request_id = await _demo_request(settings)
    await asyncio.to_thread(_decide_and_pay, settings, demo_people[COMMITTEE], request_id)
    assert (await run_worker(settings, engine, send_fund_mail)).jobs_complete == 2
    by_reader = {(_to(m)[0], _is_approval(m)): m for m in inbox.messages}
    assert sorted(by_reader) == [
        (ENGLISH, False),
        (ENGLISH, True),
        (KATRIN, False),
        (KATRIN, True),
    ]
    english = by_reader[(ENGLISH, True)]
    assert "Erstausstattung für drei Familienwohnungen" in _subject(english)
    assert "€4,000.00" in _body(english)
    assert "Wir fördern das gern." in _body(english)
    assert f"/fund/requests/{request_id}" in _body(english)
    assert "1.500,00\xa0€" in _body(by_reader[(KATRIN, False)])  # German for Katrin

    assert (await run_worker(settings, engine, send_fund_mail)).jobs_complete == 0
    assert len(inbox.messages) == 4


async def test_a_failed_mail_is_sent_again_and_a_repeated_job_sends_nothing(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    request_id = await _demo_request(demo_settings)
    await asyncio.to_thread(_decide_and_pay, demo_settings, demo_people[COMMITTEE], request_id)
    connection = await asyncpg.connect(demo_settings.DATABASE_URL)
    try:
        step = await connection.fetchval(
            "SELECT id FROM funding_steps WHERE kind = 'approved' AND request_id = $1", request_id
        )
    finally:
        await connection.close()
    ctx: dict[str, Any] = {"sessionmaker": create_sessionmaker(engine)}
    broken = dataclasses.replace(demo_settings, SMTP_PORT=str(free_port()))
    with pytest.raises(OSError):
        await send_fund_mail({**ctx, "settings": broken}, step)
    working = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    assert await send_fund_mail({**ctx, "settings": working}, step) == "2 mails"
    assert await send_fund_mail({**ctx, "settings": working}, step) == "nothing to tell"
    assert len(inbox.messages) == 2


def test_worker_settings_register_the_job() -> None:
    from workers.settings import WorkerSettings

    assert send_fund_mail in WorkerSettings.functions
