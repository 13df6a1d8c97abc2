"""A person sees their own data and can take it away as JSON."""

from __future__ import annotations

import json

import asyncpg
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import DEMO_ADMIN


async def _log_login(database_url: str, person_id: int) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute(
            "INSERT INTO audit_log (actor_id, action, details) VALUES ($1, 'login', '{}')",
            person_id,
        )
    finally:
        await connection.close()


async def test_profile_shows_the_persons_own_data(
    demo_client: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    await _log_login(demo_settings.DATABASE_URL, demo_people[DEMO_ADMIN])
    response = demo_client.get("/profile")
    assert response.status_code == 200
    assert response.template.name == "profile/show.html"  # type: ignore[attr-defined]
    profile = response.context["profile"]  # type: ignore[attr-defined]
    assert profile.person.email == DEMO_ADMIN
    # Her own entries only, newest first: the login, then what the demo had her do (she sits
    # on the fund committee and recorded its pledges).
    assert profile.activity[0].action == "login"
    assert {entry.actor_id for entry in profile.activity} == {demo_people[DEMO_ADMIN]}
    assert "Petra Neumann" in response.text


def test_profile_download_is_json_of_the_same_data(
    demo_client: TestClient, demo_people: dict[str, int]
) -> None:
    response = demo_client.get("/profile/data.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert "attachment" in response.headers["content-disposition"]
    data = json.loads(response.text)
    assert data["person"]["id"] == demo_people[DEMO_ADMIN]
    assert data["person"]["email"] == DEMO_ADMIN
    assert data["person"]["roles"]["alliance_admin"] is True
    assert data["organisation"]["name"] == "Stiftung für Engagement und Ehrenamt"


def test_a_moderator_sees_the_groups_they_moderate(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    from tests.sessions import sign_in

    with TestClient(create_app(demo_settings)) as client:
        sign_in(
            client, demo_settings.SECRET_KEY, demo_people["anna.becker@unterkunft-ukraine.example"]
        )
        data = client.get("/profile/data.json").json()
    assert data["person"]["roles"]["moderator_of"] == ["AG Unterkunft"]
    assert data["person"]["roles"]["alliance_admin"] is False


def test_anonymous_visitors_have_no_profile(demo_settings: Settings) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        assert client.get("/profile").status_code == 303
        assert client.get("/profile/data.json").status_code == 303


def test_a_person_chooses_what_is_sent_to_them(demo_client: TestClient) -> None:
    page = demo_client.get("/profile")
    assert 'id="digest-weekly" name="digest" value="weekly" checked' in page.text
    refused = demo_client.post(
        "/profile/notifications",
        data={"digest": "hourly", "due_reminders": "maybe", "locale": "fr"},
    )
    assert refused.status_code == 422
    for field in ("digest", "due_reminders", "locale"):
        assert f'id="{field}-error"' in refused.text or f'id="mail-{field}-error"' in refused.text
    saved = demo_client.post(
        "/profile/notifications", data={"digest": "none", "due_reminders": "no", "locale": "en"}
    )
    assert saved.status_code == 200
    person = saved.context["profile"].person  # type: ignore[attr-defined]
    assert (person.digest.value, person.due_reminders, person.locale) == ("none", False, "en")
    data = json.loads(demo_client.get("/profile/data.json").text)
    assert data["person"]["notifications"] == {
        "digest": "none",
        "due_reminders": False,
        "language": "en",
    }
