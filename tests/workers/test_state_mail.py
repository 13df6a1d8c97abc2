"""The state contacts' mails through a real arq worker, real Redis and a real SMTP server
(aiosmtpd): the addressed contact hears of a question, the asker of the answer; each once."""

from __future__ import annotations

import asyncio
import dataclasses
from email.header import decode_header, make_header
from email.message import Message
from email.utils import getaddresses
from typing import Any

from aiosmtpd.controller import Controller
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.models import StateContact, StateQuestion
from server.settings import Settings
from tests.sessions import sign_in
from tests.workers.conftest import Inbox, run_worker
from workers.state_jobs import send_state_answer_mail, send_state_question_mail

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft, asks
KATRIN = "k.hoffmann@leipzig.example"  # the demo's Kommune contact of AG Unterkunft
STATE = "/groups/ag-unterkunft/state"
SUBJECT = "Wohnberechtigungsschein\nfür Familien"  # one header line in the subject all the same


def _ask_and_answer(settings: Settings, people: dict[str, int], step: str) -> None:
    with TestClient(create_app(settings), follow_redirects=False) as client:
        if step == "ask":
            sign_in(client, settings.SECRET_KEY, people[ANNA])
            contact = _scalar(client, select(StateContact.id))
            form = {"contact_id": str(contact), "subject": SUBJECT, "text": "Wie lange dauert es?"}
            assert client.post(f"{STATE}/questions", data=form).status_code == 303
        else:
            sign_in(client, settings.SECRET_KEY, people[KATRIN])
            path = f"/state-questions/{_newest(client)}/answer"
            answered = client.post(path, data={"version": "1", "answer": "Zwei Wochen."})
            assert answered.status_code == 303


def _newest(client: TestClient) -> int:
    return _scalar(client, select(StateQuestion.id).order_by(StateQuestion.id.desc()).limit(1))


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


async def test_the_contact_hears_of_the_question_and_the_asker_of_the_answer_once(
    demo_settings: Settings,
    demo_people: dict[str, int],
    engine: AsyncEngine,
    smtp: tuple[Controller, Inbox],
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    await asyncio.to_thread(_ask_and_answer, settings, demo_people, "ask")
    assert (await run_worker(settings, engine, send_state_question_mail)).jobs_complete == 1
    asked = inbox.messages[-1]
    assert _to(asked) == [KATRIN]
    assert "Wohnberechtigungsschein für Familien" in _subject(asked)
    assert "Wie lange dauert es?" in _body(asked)
    assert "Anna Becker (Unterkunft Ukraine e. V.)" in _body(asked)
    assert f"{STATE}#question-" in _body(asked)

    await asyncio.to_thread(_ask_and_answer, settings, demo_people, "answer")
    assert (await run_worker(settings, engine, send_state_answer_mail)).jobs_complete == 1
    answered = inbox.messages[-1]
    assert _to(answered) == [ANNA]
    assert "Zwei Wochen." in _body(answered)
    assert "Stadt Leipzig – Sozialamt, Abteilung Unterbringung" in _body(answered)

    # Run again (a retry, a second enqueue): nothing more is sent.
    async with engine.connect() as connection:
        question_id = await connection.scalar(
            select(StateQuestion.id).order_by(StateQuestion.id.desc()).limit(1)
        )
    assert question_id is not None
    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    assert await send_state_question_mail(ctx, question_id) == "nothing to send"
    assert await send_state_answer_mail(ctx, question_id) == "nothing to send"
    assert len(inbox.messages) == 2
