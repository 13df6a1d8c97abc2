"""A match tells both organisations by e-mail: through the real HTTP route, a real arq worker,
real Redis and a real SMTP server (aiosmtpd); sent once however often the job runs."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.models import CardMatch
from server.settings import Settings
from tests.csrf import token_in
from tests.sessions import sign_in
from tests.workers.conftest import run_worker
from workers.board_jobs import send_match_mail

ANNA = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine e. V.
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt
BOARD = "/groups/ag-unterkunft/board"


def _add(client: TestClient, **fields: str) -> int:
    page = client.get(BOARD)
    response = client.post(BOARD + "/cards", data={"csrf_token": token_in(page.text), **fields})
    assert response.status_code == 303, response.text
    ids = re.findall(r'id="card-(\d+)"', client.get(BOARD + f"?q={fields['title']}").text)
    return int(ids[0])


async def test_a_match_mails_both_organisations_once(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: Any,
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))

    def match() -> int:
        with TestClient(create_app(settings), follow_redirects=False) as client:
            sign_in(client, settings.SECRET_KEY, demo_people[ANNA])
            need = _add(client, kind="need", resource_kind="space", title="Zimmer Mailtest")
            sign_in(client, settings.SECRET_KEY, demo_people[KATRIN])
            offer = _add(client, kind="offer", resource_kind="space", title="Wohnung Mailtest")
            card_page = client.get(f"{BOARD}/cards/{offer}")
            response = client.post(
                f"{BOARD}/cards/{offer}/matches",
                data={"csrf_token": token_in(card_page.text), "other": str(need)},
            )
            assert response.status_code == 303, response.text
            return need

    need = await asyncio.to_thread(match)
    worker = await run_worker(settings, engine, send_match_mail)
    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    assert worker.jobs_complete == 1
    (mail,) = inbox.messages
    assert ANNA in mail["To"] and KATRIN in mail["To"]
    assert "Zimmer Mailtest" in mail["Subject"]
    body = mail.get_payload(decode=True).decode()
    assert f"/groups/ag-unterkunft/board/cards/{need}" in body
    assert "Wohnung Mailtest" in body
    async with engine.connect() as connection:
        match_id = await connection.scalar(select(CardMatch.id).where(CardMatch.need_id == need))
    assert match_id is not None
    assert await send_match_mail(ctx, match_id) == "already sent"
    assert len(inbox.messages) == 1
