"""The pages over HTTP, in-process: template and context, status codes, language."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.text import german


def test_home_lists_fields_and_groups(demo_client: TestClient) -> None:
    response = demo_client.get("/")
    assert response.status_code == 200
    assert response.template.name == "home.html"  # type: ignore[attr-defined]
    fields = response.context["fields"]  # type: ignore[attr-defined]
    names = [item.field.name for item in fields]
    assert names[:2] == ["Orientierung und Information", "Unterkunft"]
    accommodation = next(item for item in fields if item.field.slug == "unterkunft")
    assert [(s.group.name, s.member_count) for s in accommodation.groups] == [("AG Unterkunft", 3)]
    assert 'lang="de"' in response.text
    assert "Arbeitsgruppen" in response.text


def test_language_switch_sets_a_cookie_and_returns_to_the_page(client: TestClient) -> None:
    response = client.get("/language/en", params={"next": "/organisations?kind=company"})
    assert response.status_code == 303
    assert response.headers["location"] == "/organisations?kind=company"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith("kp_lang=en;") and "HttpOnly" in cookie and "SameSite=lax" in cookie
    page = client.get("/")
    assert 'lang="en"' in page.text
    assert "Fields of action and working groups" in page.text
    client.get("/language/de")
    assert 'lang="de"' in client.get("/").text


def test_language_switch_never_redirects_to_another_site(client: TestClient) -> None:
    for target in ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:x"]:
        response = client.get("/language/en", params={"next": target})
        assert response.headers["location"] == "/", target


def test_unknown_language_changes_nothing(client: TestClient) -> None:
    response = client.get("/language/xx", params={"next": "/organisations"})
    assert response.status_code == 303
    assert "set-cookie" not in response.headers
    assert 'lang="de"' in client.get("/").text


def test_a_malformed_cookie_header_falls_back_to_german(client: TestClient) -> None:
    response = client.get("/gibt-es-nicht", headers={"cookie": 'kp_lang="en; broken=\\x'})
    assert response.status_code == 404
    assert 'lang="de"' in response.text


def test_unknown_page_is_a_404_page_in_german(client: TestClient) -> None:
    response = client.get("/gibt-es-nicht")
    assert response.status_code == 404
    assert response.template.name == "errors/error.html"  # type: ignore[attr-defined]
    assert german("This page or item does not exist (any more).") in response.text


def test_the_demo_alliance_admin_is_the_first_person(demo_people: dict[str, int]) -> None:
    # The browser tests sign in as person 1 and rely on this.
    assert demo_people["petra.neumann@engagement-stiftung.example"] == 1


def test_anonymous_visitors_are_sent_to_sign_in(demo_settings: Settings) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as anonymous:
        for path in [
            "/",
            "/organisations?kind=company",
            "/groups/ag-unterkunft",
            "/organisations/1",
            "/organisations/new",
        ]:
            response = anonymous.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next="), path
        assert anonymous.get("/live", params={"channel": "group:1"}).status_code == 401
        assert anonymous.get("/healthz").status_code == 200


def test_home_shows_the_groups_a_moderator_moderates(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    from tests.sessions import sign_in

    with TestClient(create_app(demo_settings)) as client:
        sign_in(
            client, demo_settings.SECRET_KEY, demo_people["anna.becker@unterkunft-ukraine.example"]
        )
        response = client.get("/")
    assert [g.slug for g in response.context["my_groups"]] == ["ag-unterkunft"]  # type: ignore[attr-defined]
    assert german("you moderate it") in response.text
