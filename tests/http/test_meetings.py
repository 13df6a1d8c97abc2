"""Sessions over HTTP on the demo data: the session's page and its calendar file, answering the
invitation, the invitation list, moving a session, starting a series, and the refusals."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import asyncpg
import pytest
from icalendar import Calendar
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
TOBIAS = "tobias.richter@fh-dresden.example"  # Flüchtlingshilfe Dresden, not in AG Unterkunft
PETRA = "petra.neumann@engagement-stiftung.example"  # alliance admin
GROUP = "/groups/ag-unterkunft"


@pytest.fixture
def app(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        yield client


Signed = Callable[[str], TestClient]


@pytest.fixture
def signed(app: TestClient, demo_settings: Settings, demo_people: dict[str, int]) -> Signed:
    """The app's client, signed in as the demo person of that e-mail address."""

    def switch(email: str) -> TestClient:
        sign_in(app, demo_settings.SECRET_KEY, demo_people[email])
        return app

    return switch


def _first_meeting(client: TestClient) -> int:
    """The next demo session of AG Unterkunft, from the group's page."""
    page = client.get(GROUP)
    assert page.status_code == 200
    (entry,) = page.context["upcoming"]  # type: ignore[attr-defined]
    assert len(entry.meetings) == 4
    return int(entry.meetings[0].id)


def test_the_session_page_has_its_context_and_slots(signed: Signed) -> None:
    client = signed(KATRIN)
    meeting_id = _first_meeting(client)
    page = client.get(f"/sessions/{meeting_id}")
    assert page.status_code == 200
    assert page.template.name == "sessions/show.html"  # type: ignore[attr-defined]
    context = page.context  # type: ignore[attr-defined]
    assert context["meeting"].id == meeting_id
    assert context["group"].slug == "ag-unterkunft"
    assert context["series"].video_url == "https://meet.example/ag-unterkunft"
    assert context["may_run"] is False and context["actor"].name == "Katrin Hoffmann"
    assert f"channel=session%3A{meeting_id}" in context["live_url"]
    assert 'sse-connect="' in page.text and 'id="connection-status"' in page.text
    assert {entry.organisation.name for entry in context["invitation_list"]} >= {
        "Stadt Leipzig – Sozialamt",
        "Unterkunft Ukraine e. V.",
    }
    assert signed(ANNA).get(f"/sessions/{meeting_id}").context["may_run"] is True  # type: ignore[attr-defined]


def test_the_calendar_file_names_the_session(signed: Signed, demo_settings: Settings) -> None:
    client = signed(KATRIN)
    meeting_id = _first_meeting(client)
    meeting = client.get(f"/sessions/{meeting_id}").context["meeting"]  # type: ignore[attr-defined]
    response = client.get(f"/sessions/{meeting_id}/calendar.ics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    assert "attachment" in response.headers["content-disposition"]
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]) == f"meeting-{meeting_id}@127.0.0.1"
    assert event.decoded("DTSTART") == meeting.starts_at
    assert event.decoded("DTSTART").tzinfo is not None
    assert event.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["SUMMARY"]) == meeting.title
    assert str(event["LOCATION"]) == "https://meet.example/ag-unterkunft"
    page_url = f"{demo_settings.BASE_URL.rstrip('/')}/sessions/{meeting_id}"
    assert str(event["URL"]) == page_url
    assert page_url in str(event["DESCRIPTION"])


def test_a_participant_answers_and_changes_the_answer_the_moderator_sees_it(
    signed: Signed,
) -> None:
    client = signed(KATRIN)
    meeting_id = _first_meeting(client)
    path = f"/sessions/{meeting_id}"
    answered = client.post(path + "/registration", data={"attending": "yes"})
    assert answered.status_code == 303 and answered.headers["location"] == path
    assert client.get(path).context["my_answer"] is True  # type: ignore[attr-defined]
    assert client.post(path + "/registration", data={"attending": "no"}).status_code == 303
    assert client.get(path).context["my_answer"] is False  # type: ignore[attr-defined]
    refused = client.post(path + "/registration", data={"attending": "maybe"})
    assert refused.status_code == 422
    assert 'id="attending-error"' in refused.text

    moderator = signed(ANNA)
    assert moderator.post(path + "/registration", data={"attending": "yes"}).status_code == 303
    answers = moderator.get(path).context["answers"]  # type: ignore[attr-defined]
    assert (answers.coming, answers.not_coming) == (1, 1)
    by_name = {entry.name: entry for entry in answers.organisations}
    assert by_name["Stadt Leipzig – Sozialamt"].not_coming == ["Katrin Hoffmann"]
    assert by_name["Unterkunft Ukraine e. V."].coming == ["Anna Becker"]
    assert "Katrin Hoffmann" in moderator.get(path).text


def test_refusals(signed: Signed) -> None:
    meeting_id = _first_meeting(signed(KATRIN))
    path = f"/sessions/{meeting_id}"
    outsider = signed(TOBIAS)
    assert outsider.get(path).status_code == 403
    assert outsider.get(path + "/calendar.ics").status_code == 403
    assert outsider.post(path + "/registration", data={"attending": "yes"}).status_code == 403
    assert outsider.get("/sessions/999999").status_code == 404
    member = signed(KATRIN)
    assert (
        member.post(path + "/edit", data={"date": "2030-01-01", "time": "10:00"}).status_code == 403
    )
    assert member.post(path + "/invitations").status_code == 403
    assert member.post(GROUP + "/series", data={"title": "Neu"}).status_code == 403
    assert member.post("/sessions/series", data={"title": "Neu"}).status_code == 403


def test_the_moderator_moves_a_session(signed: Signed) -> None:
    client = signed(ANNA)
    meeting_id = _first_meeting(client)
    path = f"/sessions/{meeting_id}"
    form = {"date": "2030-07-04", "time": "11:15", "place": "Rathaus", "video_url": ""}
    assert client.post(path + "/edit", data=form).status_code == 303
    meeting = client.get(path).context["meeting"]  # type: ignore[attr-defined]
    assert meeting.starts_at == datetime(2030, 7, 4, 9, 15, tzinfo=UTC)  # summer time
    assert meeting.place == "Rathaus" and meeting.video_url == ""
    refused = client.post(path + "/edit", data={**form, "video_url": "javascript:alert(1)"})
    assert refused.status_code == 422
    assert 'id="edit-video_url-error"' in refused.text
    assert 'value="javascript:alert(1)"' in refused.text  # what was typed stays in the field


def test_the_invitation_list_over_http(signed: Signed) -> None:
    meeting_id = _first_meeting(signed(KATRIN))
    path = f"/sessions/{meeting_id}"
    outsider = signed(TOBIAS)
    assert outsider.post(path + "/subscriptions", data={"email": TOBIAS}).status_code == 403

    moderator = signed(ANNA)
    unknown = moderator.post(path + "/subscriptions", data={"email": "niemand@x.example"})
    assert unknown.status_code == 422 and 'id="email-error"' in unknown.text
    assert moderator.post(path + "/subscriptions", data={"email": TOBIAS}).status_code == 303

    invited = signed(TOBIAS)
    page = invited.get(path)
    assert page.status_code == 200  # on the list now
    (mine,) = [
        entry
        for entry in page.context["invitation_list"]  # type: ignore[attr-defined]
        if entry.person is not None and entry.person.name == "Tobias Richter"
    ]
    left = invited.post(f"{path}/subscriptions/{mine.id}/remove")
    assert left.status_code == 303 and left.headers["location"] == "/"  # no longer invited
    assert invited.get(path).status_code == 403


def test_a_moderator_starts_a_series_from_the_groups_page(signed: Signed) -> None:
    client = signed(ANNA)
    refused = client.post(GROUP + "/series", data={"title": "", "weekday": "1", "starts_at": "9"})
    assert refused.status_code == 422
    assert refused.template.name == "groups/show.html"  # type: ignore[attr-defined]
    assert set(refused.context["series_errors"]) == {"title", "starts_at"}  # type: ignore[attr-defined]
    made = client.post(
        GROUP + "/series",
        data={"title": "Sprechstunde", "weekday": "1", "starts_at": "09:00", "count": "2"},
    )
    assert made.status_code == 303
    upcoming = client.get(GROUP).context["upcoming"]  # type: ignore[attr-defined]
    (added,) = [entry for entry in upcoming if entry.series.title == "Sprechstunde"]
    assert len(added.meetings) == 2
    planned = client.post(f"/series/{added.series.id}/plan", data={"count": "3"})
    assert planned.status_code == 303
    upcoming = client.get(GROUP).context["upcoming"]  # type: ignore[attr-defined]
    assert len(next(e for e in upcoming if e.series.title == "Sprechstunde").meetings) == 3


def test_alliance_sessions_are_for_every_member(signed: Signed) -> None:
    admin = signed(PETRA)
    made = admin.post(
        "/sessions/series",
        data={"title": "Bündnisrunde", "weekday": "0", "starts_at": "16:00", "count": "1"},
    )
    assert made.status_code == 303
    page = signed(TOBIAS).get("/sessions")
    assert page.status_code == 200
    (entry,) = page.context["upcoming"]  # type: ignore[attr-defined]
    assert entry.series.title == "Bündnisrunde"
    assert signed(TOBIAS).get(f"/sessions/{entry.meetings[0].id}").status_code == 200


def test_the_moderator_sends_the_invitations_once(signed: Signed) -> None:
    client = signed(ANNA)
    meeting_id = _first_meeting(client)
    sent = client.post(f"/sessions/{meeting_id}/invitations")
    assert sent.status_code == 200
    assert sent.context["message"].id == "The invitations are on their way."  # type: ignore[attr-defined]


def _session_events(settings: Settings, meeting_id: int, name: str) -> list[dict[str, str]]:
    async def read() -> list[dict[str, str]]:
        connection = await asyncpg.connect(settings.DATABASE_URL)
        try:
            rows = await connection.fetch(
                "SELECT data FROM events WHERE channel = $1 AND name = $2 ORDER BY id",
                f"session:{meeting_id}",
                name,
            )
        finally:
            await connection.close()
        return [json.loads(row["data"]) for row in rows]

    return asyncio.run(read())


def test_answers_reach_open_pages_live_with_counts_and_the_moderators_fetch_names(
    signed: Signed, demo_settings: Settings
) -> None:
    client = signed(KATRIN)
    meeting_id = _first_meeting(client)
    path = f"/sessions/{meeting_id}"
    page = client.get(path)
    assert 'sse-swap="registrations"' in page.text
    assert 'hx-trigger="sse:registrations"' not in page.text  # the names are the moderators'
    assert client.post(path + "/registration", data={"attending": "yes"}).status_code == 303
    (event,) = _session_events(demo_settings, meeting_id, "registrations")
    assert german("%(num)d person comes", num=1) in event["de"]
    assert "Katrin" not in event["de"] + event["en"]
    assert client.get(path + "/registrations").status_code == 403

    moderator = signed(ANNA)
    assert 'hx-trigger="sse:registrations"' in moderator.get(path).text
    table = moderator.get(path + "/registrations")
    assert table.status_code == 200 and 'id="registration-answers"' in table.text
    assert "Katrin Hoffmann" in table.text


def test_a_change_of_the_invitation_list_reaches_every_open_session_of_the_series(
    signed: Signed, demo_settings: Settings
) -> None:
    moderator = signed(ANNA)
    page = moderator.get(GROUP)
    (entry,) = page.context["upcoming"]  # type: ignore[attr-defined]
    first, *later = [meeting.id for meeting in entry.meetings]
    path = f"/sessions/{first}"
    assert moderator.post(path + "/subscriptions", data={"email": TOBIAS}).status_code == 303
    for meeting_id in (first, *later):
        assert len(_session_events(demo_settings, meeting_id, "invitations")) == 1
    listed = signed(TOBIAS).get(path + "/invitation-list")
    assert listed.status_code == 200 and 'id="invitation-entries"' in listed.text
    assert "Tobias Richter" in listed.text and "csrf_token" in listed.text
    assert signed(TOBIAS).get(f"/sessions/{entry.past[0].id}/invitation-list").status_code == 200
    assert _session_events(demo_settings, entry.past[0].id, "invitations") == []
