"""The security baseline over HTTP: CSRF on every unsafe request, headers, the session cookie."""

from __future__ import annotations

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import create_app
from server.security import CONTENT_SECURITY_POLICY
from server.sessions import SESSION_COOKIE
from server.settings import Settings
from tests.text import german

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def _unsafe_routes(client: TestClient) -> list[tuple[str, str]]:
    found = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route):
            for method in (route.methods or set()) & UNSAFE:
                path = route.path.replace("{slug:str}", "ag-unterkunft")
                path = path.replace("{organisation_id:int}", "1").replace("{locale:str}", "de")
                found.append((method, path))
    return found


def test_there_are_unsafe_routes_to_check(demo_client: TestClient) -> None:
    assert ("POST", "/organisations") in _unsafe_routes(demo_client)
    assert ("POST", "/groups/ag-unterkunft/members") in _unsafe_routes(demo_client)


@pytest.mark.parametrize("token", [None, "", "wrong-token-" + "x" * 40])
def test_every_unsafe_route_refuses_a_missing_or_wrong_token(
    demo_client: TestClient, token: str | None
) -> None:
    client = demo_client
    real = client.headers.pop("X-CSRF-Token")
    for method, path in _unsafe_routes(client):
        data = {
            "name": "Neu e. V.",
            "kind": "association",
            "federal_level": "none",
            "organisation_id": "11",
        }
        if token is not None:
            data["csrf_token"] = token
        response = client.request(method, path, data=data)
        assert response.status_code == 403, (method, path)
        assert (
            german(
                "This form has expired or did not come from Knotenpunkt. Please reload the "
                "page and try again: nothing was changed."
            )
            in response.text
        )
    # nothing was changed: the organisation is not in the group, no "Neu e. V." exists
    assert "Neu e. V." not in client.get("/organisations").text
    group = client.get("/groups/ag-unterkunft").text
    assert "Elbe Logistik GmbH</a>" not in group
    # the real token works, as a form field or as htmx's header
    ok = client.post(
        "/groups/ag-unterkunft/members", data={"organisation_id": "11", "csrf_token": real}
    )
    assert ok.status_code == 303


def test_a_token_of_another_session_is_refused(client: TestClient) -> None:
    foreign = client.headers.pop("X-CSRF-Token")
    client.cookies.clear()
    client.get("/")  # a new session with a token of its own
    response = client.post("/organisations", data={"name": "X", "csrf_token": foreign})
    assert response.status_code == 403


def test_a_request_from_another_origin_is_refused(client: TestClient) -> None:
    response = client.post(
        "/organisations", data={"name": "X"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    assert german("This request came from another site.") in response.text


def test_a_huge_form_is_refused_without_reading_it_all(client: TestClient) -> None:
    del client.headers["X-CSRF-Token"]
    response = client.post(
        "/organisations",
        content=b"name=" + b"x" * 1_100_000,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413


def test_security_headers_are_on_every_response(client: TestClient) -> None:
    for path in ["/", "/organisations", "/healthz", "/static/app.css", "/nope"]:
        headers = client.get(path).headers
        assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY, path
        assert "script-src 'self'" in CONTENT_SECURITY_POLICY
        assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
        assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_session_cookie_has_its_own_name_and_flags(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        cookie = client.get("/").headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()


def test_session_cookie_is_secure_behind_https(settings: Settings) -> None:
    import dataclasses

    secure = dataclasses.replace(settings, BASE_URL="https://knotenpunkt.example")
    with TestClient(create_app(secure), base_url="https://knotenpunkt.example") as client:
        cookie = client.get("/").headers["set-cookie"]
    assert "; secure" in cookie.lower()


def test_a_tampered_session_cookie_counts_as_none(client: TestClient) -> None:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, "eyJwZXJzb24iOiAxfQ==.forged.signature")
    response = client.post("/organisations", data={"name": "Gefälscht"})
    assert response.status_code == 403
    assert "Gefälscht" not in client.get("/organisations").text


@pytest.mark.parametrize(
    ("issued_ago", "seen_ago"),
    [(13 * 3600, 60), (3600, 3 * 3600)],
    ids=["past the absolute limit", "idle too long"],
)
def test_an_expired_session_is_signed_out_and_changes_nothing(
    demo_settings: Settings, demo_people: dict[str, int], issued_ago: int, seen_ago: int
) -> None:
    import time

    from tests.conftest import DEMO_ADMIN
    from tests.sessions import signed_in_cookie

    now = int(time.time())
    cookie, token = signed_in_cookie(
        demo_settings.SECRET_KEY,
        demo_people[DEMO_ADMIN],
        issued=now - issued_ago,
        seen=now - seen_ago,
    )
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        response = client.post(
            "/organisations",
            data={"name": "Zu spät e. V.", "kind": "association", "federal_level": "none"},
            headers={"X-CSRF-Token": token},
        )
        # The expired session ends before anything runs, and its form token with it.
        assert response.status_code == 403
        assert client.get("/").headers["location"].startswith("/login")
    fresh_cookie, _ = signed_in_cookie(demo_settings.SECRET_KEY, demo_people[DEMO_ADMIN])
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, fresh_cookie)
        assert "Zu spät e. V." not in client.get("/organisations").text


def test_an_active_session_is_kept_alive(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    import time

    from tests.conftest import DEMO_ADMIN
    from tests.sessions import signed_in_cookie

    now = int(time.time())
    cookie, _ = signed_in_cookie(
        demo_settings.SECRET_KEY, demo_people[DEMO_ADMIN], issued=now - 3600, seen=now - 3000
    )
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        client.cookies.set(SESSION_COOKIE, cookie)
        first = client.get("/")
        assert first.status_code == 200
        assert SESSION_COOKIE in first.headers.get("set-cookie", "")  # "seen" moved on
