"""A session's invitations: asked for by the moderator over HTTP, sent by a real arq worker
through a real SMTP server (aiosmtpd) to everyone on the invitation list, blind-copied, with
the session as an .ics file; sent once however often the job runs."""

from __future__ import annotations

import asyncio
import dataclasses
from email.header import decode_header, make_header
from typing import Any

import asyncpg
from icalendar import Calendar
from starlette.testclient import TestClient

from server.app import create_app
from server.db import create_sessionmaker
from server.settings import Settings
from tests.sessions import sign_in
from tests.workers.conftest import run_worker
from workers.meeting_jobs import send_invitations, send_session_update

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


async def test_invitees_hear_when_a_session_moves_and_when_it_is_cancelled(
    demo_settings: Settings, demo_people: dict[str, int], engine: Any, smtp: Any
) -> None:
    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    ctx = {"settings": settings, "sessionmaker": create_sessionmaker(engine)}

    def client() -> TestClient:
        app = TestClient(create_app(settings), follow_redirects=False)
        sign_in(app, settings.SECRET_KEY, demo_people[ANNA])
        return app

    def invite_and_move() -> int:
        with client() as app:
            (entry,) = app.get("/groups/ag-unterkunft").context["upcoming"]  # type: ignore[attr-defined]
            meeting = entry.meetings[1]
            # Moved before anyone was invited: nobody is told.
            form = {"date": "2031-03-06", "time": "10:00", "place": "", "video_url": ""}
            assert app.post(f"/sessions/{meeting.id}/edit", data=form).status_code == 303
            assert app.post(f"/sessions/{meeting.id}/invitations").status_code == 200
            return int(meeting.id)

    meeting_id = await asyncio.to_thread(invite_and_move)
    await run_worker(settings, engine, send_invitations)
    assert len(inbox.messages) == 1

    def move(form: dict[str, str]) -> None:
        with client() as app:
            assert app.post(f"/sessions/{meeting_id}/edit", data=form).status_code == 303

    # From now on Katrin reads her e-mail in English.
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        await connection.execute("UPDATE persons SET locale = 'en' WHERE email = $1", KATRIN)
    finally:
        await connection.close()
    moved = {"date": "2031-03-06", "time": "11:30", "place": "Rathaus", "video_url": ""}
    await asyncio.to_thread(move, moved)
    await asyncio.to_thread(move, moved)  # the same again: no change, nobody told
    worker = await run_worker(settings, engine, send_session_update)
    assert worker.jobs_complete == 1
    changed, in_english = inbox.messages[1:3]  # one message per language
    assert str(make_header(decode_header(changed["Subject"]))).startswith("Geändert:")
    assert str(make_header(decode_header(in_english["Subject"]))).startswith("Changed:")
    assert inbox.envelope_recipients[1:3] == [[ANNA], [KATRIN]]
    english_body = next(p for p in in_english.walk() if p.get_content_type() == "text/plain")
    assert "the session" in english_body.get_payload(decode=True).decode()
    assert f"/sessions/{meeting_id}" in english_body.get_payload(decode=True).decode()
    event = _event(changed)
    assert (int(event["SEQUENCE"]), str(event["LOCATION"])) == (2, "Rathaus")
    assert event.decoded("DTSTART").hour == 10  # 11:30 in Berlin is 10:30 UTC in March

    def cancel() -> str:
        with client() as app:
            page = app.get(f"/sessions/{meeting_id}")
            version = str(page.context["meeting"].version)  # type: ignore[attr-defined]
            stale = app.post(f"/sessions/{meeting_id}/cancel", data={"version": "0"})
            assert stale.status_code == 409
            assert (
                app.post(f"/sessions/{meeting_id}/cancel", data={"version": version}).status_code
                == 303
            )
            again = app.post(f"/sessions/{meeting_id}/cancel", data={"version": version})
            assert again.status_code == 409
            return app.get("/groups/ag-unterkunft").text

    group_page = await asyncio.to_thread(cancel)
    assert f'href="/sessions/{meeting_id}"' in group_page  # still listed, marked cancelled
    await run_worker(settings, engine, send_session_update)
    cancelled = inbox.messages[3]
    assert inbox.envelope_recipients[3:5] == [[ANNA], [KATRIN]]
    assert str(make_header(decode_header(cancelled["Subject"]))).startswith("Abgesagt:")
    calendar = _calendar(cancelled)
    assert str(calendar["METHOD"]) == "CANCEL"
    (event,) = calendar.walk("VEVENT")
    assert (int(event["SEQUENCE"]), str(event["STATUS"])) == (3, "CANCELLED")

    # A repeated job, or one of an older change, tells nobody again.
    assert await send_session_update(ctx, meeting_id, 3) == "nothing to tell"
    assert await send_session_update(ctx, meeting_id, 2) == "nothing to tell"
    assert len(inbox.messages) == 5


def _calendar(message: Any) -> Calendar:
    (attachment,) = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(attachment.get_payload(decode=True))


def _event(message: Any) -> Any:
    (event,) = _calendar(message).walk("VEVENT")
    return event
