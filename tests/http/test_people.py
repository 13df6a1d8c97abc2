"""Managing the people of an organisation over HTTP: removal signs the person out for good."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in

MODERATOR = "anna.becker@unterkunft-ukraine.example"


def test_an_admin_removes_a_person_who_is_then_signed_out(
    demo_client: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    anna = demo_people[MODERATOR]
    with TestClient(create_app(demo_settings), follow_redirects=False) as annas_browser:
        sign_in(annas_browser, demo_settings.SECRET_KEY, anna)
        assert annas_browser.get("/").status_code == 200

        organisation_id = annas_browser.get("/profile/data.json").json()["organisation"]["id"]
        page = demo_client.get(f"/organisations/{organisation_id}/people")
        assert page.status_code == 200
        assert [p.id for p in page.context["people"]] == [anna]  # type: ignore[attr-defined]
        assert "Anna Becker" in page.text

        removed = demo_client.post(f"/people/{anna}/remove")
        assert removed.status_code == 303
        assert removed.headers["location"] == f"/organisations/{organisation_id}/people"
        after = demo_client.get(f"/organisations/{organisation_id}/people")
        assert after.context["people"] == []  # type: ignore[attr-defined]
        assert "Anna Becker" not in demo_client.get("/groups/ag-unterkunft").text

        response = annas_browser.get("/")
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


def test_a_member_cannot_see_the_people_page(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[MODERATOR])
        organisation_id = client.get("/profile/data.json").json()["organisation"]["id"]
        assert client.get(f"/organisations/{organisation_id}/people").status_code == 403
        assert client.post(f"/people/{demo_people[MODERATOR]}/remove").status_code == 403


async def test_a_newcomer_waits_until_an_admin_of_their_organisation_approves(
    demo_client: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    import asyncpg

    from tests.text import german

    connection = await asyncpg.connect(demo_settings.DATABASE_URL)
    try:
        organisation_id = await connection.fetchval(
            "SELECT organisation_id FROM persons WHERE id = $1", demo_people[MODERATOR]
        )
        newcomer = await connection.fetchval(
            "INSERT INTO persons (organisation_id, name, email, awaiting_approval) "
            "VALUES ($1, 'Nina Neu', 'nina@unterkunft-ukraine.example', true) RETURNING id",
            organisation_id,
        )
    finally:
        await connection.close()
    with TestClient(create_app(demo_settings), follow_redirects=False) as ninas_browser:
        sign_in(ninas_browser, demo_settings.SECRET_KEY, newcomer)
        waiting = ninas_browser.get("/")
        assert waiting.status_code == 403
        assert (
            german(
                "You are signed in, but an admin of your organisation has not approved your "
                "account yet. You will be able to take part once they have."
            )
            in waiting.text
        )
        assert ninas_browser.get("/profile").status_code == 200  # her own data, still

        people = demo_client.get(f"/organisations/{organisation_id}/people")
        assert people.context["people"][0].id == newcomer  # type: ignore[attr-defined]
        assert german("Waiting for approval") in people.text
        assert demo_client.post(f"/people/{newcomer}/approve").status_code == 303

        assert ninas_browser.get("/").status_code == 200
