"""A session's invitations: asked for by the moderator over HTTP, sent by a real arq worker
through a real SMTP server (aiosmtpd) to everyone on the invitation list, blind-copied, with
the session as an .ics file; sent once however often the job runs."""

from __future__ import annotations

import asyncio
import dataclasses
from email.header import decode_header, make_header
from typing import Any

from icalendar import Calendar
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.settings import Settings
from tests.sessions import sign_in
from tests.workers.conftest import run_worker
from workers.meeting_jobs import send_invitations

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, on the invitation list


async def test_invitations_go_to_the_list_once_with_the_calendar_file(
    demo_settings: Settings, demo_people: dict[str, int], engine: Any, smtp: Any
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))

    def ask() -> tuple[int, str]:
        with TestClient(create_app(settings), follow_redirects=False) as client:
            sign_in(client, settings.SECRET_KEY, demo_people[ANNA])
            (entry,) = client.get("/groups/ag-unterkunft").context["upcoming"]  # type: ignore[attr-defined]
            meeting = entry.meetings[0]
            response = client.post(f"/sessions/{meeting.id}/invitations")
            assert response.status_code == 200, response.text
            again = client.post(f"/sessions/{meeting.id}/invitations")
            assert again.status_code == 200  # the job is queued once (its id)
            return meeting.id, meeting.title

    meeting_id, title = await asyncio.to_thread(ask)
    worker = await run_worker(settings, engine, send_invitations)
    assert worker.jobs_complete == 1

    (mail,) = inbox.messages
    assert inbox.envelope_recipients == [[ANNA, KATRIN]]
    assert mail["Bcc"] is None and ANNA not in str(mail["To"])  # nobody sees the others
    assert title in str(make_header(decode_header(mail["Subject"])))
    body, attachment = [part for part in mail.walk() if not part.is_multipart()]
    assert f"/sessions/{meeting_id}" in body.get_payload(decode=True).decode()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "sitzung.ics"
    (event,) = Calendar.from_ical(attachment.get_payload(decode=True)).walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{meeting_id}@127.0.0.1"
    assert str(event["SUMMARY"]) == title

    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}
    assert await send_invitations(ctx, meeting_id) == "already sent"
    assert len(inbox.messages) == 1

    def page() -> int:
        with TestClient(create_app(settings), follow_redirects=False) as client:
            sign_in(client, settings.SECRET_KEY, demo_people[ANNA])
            shown = client.get(f"/sessions/{meeting_id}")
            assert shown.context["meeting"].invitations_sent_at is not None  # type: ignore[attr-defined]
            return client.post(f"/sessions/{meeting_id}/invitations").status_code

    assert await asyncio.to_thread(page) == 409  # sent already
