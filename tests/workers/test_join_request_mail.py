"""The join request decision mail through a real arq worker, real Redis and a real SMTP server
(aiosmtpd)."""

from __future__ import annotations

import asyncio
import dataclasses
from email.header import decode_header, make_header
from typing import Any

import asyncpg
import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.settings import Settings
from tests.conftest import DEMO_ADMIN, free_port
from tests.sessions import sign_in
from tests.workers.conftest import Inbox, run_worker
from workers.jobs import send_join_request_decision_mail


async def _join_request(
    settings: Settings, subject: str, organisation_name: str = "Hilfe Grünau e. V."
) -> int:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        return int(
            await connection.fetchval(
                "INSERT INTO join_requests (issuer, subject, email, person_name, "
                "organisation_name, kind, federal_level, contact_email) VALUES "
                "('https://login.fremd.example', $1, 'jo@fremd.example', 'Jo Neu', "
                "$2, 'association', 'kommune', 'kontakt@fremd.example') RETURNING id",
                subject,
                organisation_name,
            )
        )
    finally:
        await connection.close()


def _body(message: Any) -> str:
    return str(message.get_payload(decode=True).decode())


def _decide(settings: Settings, admin_id: int, path: str, data: dict[str, str]) -> None:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        sign_in(client, settings.SECRET_KEY, admin_id)
        assert client.post(path, data=data).status_code == 303


async def test_approving_sends_the_requester_one_welcome_after_commit(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    request_id = await _join_request(settings, "jo-neu", "Hilfe\nGrünau e. V.")  # one header line
    path = f"/admin/join-requests/{request_id}/approve"
    await asyncio.to_thread(_decide, settings, demo_people[DEMO_ADMIN], path, {})

    worker = await run_worker(settings, engine, send_join_request_decision_mail)
    assert worker.jobs_complete == 1
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "kontakt@fremd.example"
    assert "Hilfe Grünau e. V." in str(make_header(decode_header(mail["Subject"])))
    assert "/login" in _body(mail)


async def test_declining_sends_the_reason_once_however_often_the_job_runs(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    request_id = await _join_request(settings, "privat")
    path = f"/admin/join-requests/{request_id}/decline"
    reason = {"reason": "Nur Organisationen können Mitglied werden."}
    await asyncio.to_thread(_decide, settings, demo_people[DEMO_ADMIN], path, reason)

    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    assert await send_join_request_decision_mail(ctx, request_id) == "sent"
    assert await send_join_request_decision_mail(ctx, request_id) == "nothing to send"
    assert len(inbox.messages) == 1
    assert "Nur Organisationen können Mitglied werden." in _body(inbox.messages[0])


async def test_a_pending_request_sends_nothing_and_a_failed_send_retries(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    request_id = await _join_request(demo_settings, "wieder")
    ctx = {"settings": demo_settings, "sessionmaker": create_sessionmaker(engine)}
    assert await send_join_request_decision_mail(ctx, request_id) == "nothing to send"

    path = f"/admin/join-requests/{request_id}/decline"
    await asyncio.to_thread(
        _decide, demo_settings, demo_people[DEMO_ADMIN], path, {"reason": "Nein"}
    )
    broken = {**ctx, "settings": dataclasses.replace(demo_settings, SMTP_PORT=str(free_port()))}
    with pytest.raises(OSError):
        await send_join_request_decision_mail(broken, request_id)
    working = {
        **ctx,
        "settings": dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port)),
    }
    assert await send_join_request_decision_mail(working, request_id) == "sent"
    assert len(inbox.messages) == 1


def test_worker_settings_register_the_job() -> None:
    from workers.settings import WorkerSettings

    assert send_join_request_decision_mail in WorkerSettings.functions
