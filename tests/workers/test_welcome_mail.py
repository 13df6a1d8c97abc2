"""The welcome job through a real arq worker, real Redis and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest
from arq.connections import ArqRedis
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.models import GroupMember, Organisation, WorkingGroup
from server.settings import Settings
from tests.conftest import DEMO_ADMIN, free_port
from tests.sessions import sign_in
from tests.workers.conftest import run_worker
from workers.jobs import send_welcome_mail


async def _ids(engine: AsyncEngine, group_slug: str, organisation: str) -> tuple[int, int]:
    async with engine.connect() as connection:
        group_id = await connection.scalar(
            select(WorkingGroup.id).where(WorkingGroup.slug == group_slug)
        )
        organisation_id = await connection.scalar(
            select(Organisation.id).where(Organisation.name == organisation)
        )
    assert group_id and organisation_id
    return group_id, organisation_id


async def test_joining_enqueues_one_welcome_mail_after_commit(
    demo_settings: Settings, demo_people: dict[str, int], engine: AsyncEngine, smtp: Any
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    group_id, organisation_id = await _ids(engine, "ag-unterkunft", "Elbe Logistik GmbH")

    def join() -> None:
        with TestClient(create_app(settings), follow_redirects=False) as client:
            sign_in(client, settings.SECRET_KEY, demo_people[DEMO_ADMIN])
            response = client.post(
                "/groups/ag-unterkunft/members", data={"organisation_id": str(organisation_id)}
            )
            assert response.status_code == 303

    await asyncio.to_thread(join)
    worker = await run_worker(settings, engine, send_welcome_mail)
    assert worker.jobs_complete == 1
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    assert mail["To"] == "csr@elbe-logistik.example, anna.becker@unterkunft-ukraine.example"
    assert "AG Unterkunft" in mail["Subject"]
    assert "/groups/ag-unterkunft" in mail.get_payload(decode=True).decode()  # type: ignore[union-attr]

    async with engine.connect() as connection:
        welcomed = await connection.scalar(
            select(GroupMember.welcomed_at).where(
                GroupMember.group_id == group_id, GroupMember.organisation_id == organisation_id
            )
        )
    assert welcomed is not None


async def test_running_the_job_twice_sends_once(
    demo_settings: Settings, engine: AsyncEngine, smtp: Any
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    group_id, organisation_id = await _ids(engine, "ag-bildung", "MediConnect GmbH")
    async with engine.begin() as connection:
        await connection.execute(
            GroupMember.__table__.insert().values(
                group_id=group_id, organisation_id=organisation_id
            )
        )
    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    assert await send_welcome_mail(ctx, group_id, organisation_id) == "sent"
    assert await send_welcome_mail(ctx, group_id, organisation_id) == "already welcomed"
    assert len(inbox.messages) == 1


async def test_a_failed_send_leaves_the_welcome_due(
    demo_settings: Settings, engine: AsyncEngine, smtp: Any
) -> None:
    controller, inbox = smtp
    group_id, organisation_id = await _ids(engine, "ag-gesundheit", "Sprachbrücke gGmbH")
    async with engine.begin() as connection:
        await connection.execute(
            GroupMember.__table__.insert().values(
                group_id=group_id, organisation_id=organisation_id
            )
        )
    broken = dataclasses.replace(demo_settings, SMTP_PORT=str(free_port()))
    ctx = {"settings": broken, "sessionmaker": create_sessionmaker(engine)}
    with pytest.raises(OSError):
        await send_welcome_mail(ctx, group_id, organisation_id)
    working = {
        **ctx,
        "settings": dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port)),
    }
    assert await send_welcome_mail(working, group_id, organisation_id) == "sent"
    assert len(inbox.messages) == 1


def test_worker_settings_register_the_job() -> None:
    from workers.settings import WorkerSettings

    assert send_welcome_mail in WorkerSettings.functions
    assert isinstance(ArqRedis, type)
