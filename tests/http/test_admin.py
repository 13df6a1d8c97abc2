"""The alliance admins' pages over HTTP: join requests, identity providers, the audit log."""

from __future__ import annotations

import json

import asyncpg
from starlette.testclient import TestClient

from server.app import create_app
from server.domain.errors import Conflict
from server.labels import ACTION_LABELS
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

SCRIPT = "<script>alert(1)</script>"
SECRET = "sehr-geheimes-secret-4711"


async def _fetchval(settings: Settings, sql: str, *args: object) -> object:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def _join_request(settings: Settings, organisation_name: str, subject: str) -> int:
    return int(
        str(
            await _fetchval(
                settings,
                "INSERT INTO join_requests (issuer, subject, email, person_name, "
                "organisation_name, kind, federal_level, contact_email) VALUES "
                "('https://login.fremd.example', $1, 'jo@fremd.example', 'Jo Neu', $2, "
                "'association', 'kommune', 'kontakt@fremd.example') RETURNING id",
                subject,
                organisation_name,
            )
        )
    )


async def _organisation_id(settings: Settings, name: str) -> int:
    return int(str(await _fetchval(settings, "SELECT id FROM organisations WHERE name=$1", name)))


def test_the_admin_index_links_the_three_pages(demo_client: TestClient) -> None:
    response = demo_client.get("/admin")
    assert response.status_code == 200
    assert response.template.name == "admin/index.html"  # type: ignore[attr-defined]
    for path in ("/admin/join-requests", "/admin/providers", "/admin/audit"):
        assert f'href="{path}"' in response.text


def test_only_alliance_admins_see_the_administration_link(
    demo_client: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    assert 'href="/admin"' in demo_client.get("/").text
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(
            client, demo_settings.SECRET_KEY, demo_people["anna.becker@unterkunft-ukraine.example"]
        )
        assert 'href="/admin"' not in client.get("/").text
        assert client.get("/admin").status_code == 403


async def test_approving_a_join_request_over_http(
    demo_client: TestClient, demo_settings: Settings
) -> None:
    request_id = await _join_request(demo_settings, f"Neu {SCRIPT} e. V.", "jo-neu")
    page = demo_client.get("/admin/join-requests")
    assert page.status_code == 200
    assert [r.id for r in page.context["join_requests"].pending] == [request_id]  # type: ignore[attr-defined]
    assert SCRIPT not in page.text and "&lt;script&gt;" in page.text

    response = demo_client.post(f"/admin/join-requests/{request_id}/approve")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/join-requests"
    status = await _fetchval(
        demo_settings, "SELECT status FROM join_requests WHERE id=$1", request_id
    )
    assert status == "approved"
    admin = await _fetchval(
        demo_settings, "SELECT is_organisation_admin FROM persons WHERE subject='jo-neu'"
    )
    assert admin is True

    again = demo_client.post(f"/admin/join-requests/{request_id}/approve")
    assert again.status_code == 409
    assert german(Conflict.message) not in again.text  # the precise reason, not the generic one
    assert german("This join request has already been decided; nothing was changed.") in again.text
    declined = demo_client.post(f"/admin/join-requests/{request_id}/decline", data={"reason": "x"})
    assert declined.status_code == 409


async def test_approval_refuses_a_taken_organisation_name(
    demo_client: TestClient, demo_settings: Settings
) -> None:
    request_id = await _join_request(demo_settings, "Elbe Logistik GmbH", "elbe-2")
    response = demo_client.post(f"/admin/join-requests/{request_id}/approve")
    assert response.status_code == 409
    status = await _fetchval(
        demo_settings, "SELECT status FROM join_requests WHERE id=$1", request_id
    )
    assert status == "pending"
    assert (
        await _fetchval(demo_settings, "SELECT count(*) FROM persons WHERE subject='elbe-2'") == 0
    )


async def test_declining_needs_a_reason(demo_client: TestClient, demo_settings: Settings) -> None:
    request_id = await _join_request(demo_settings, "Privatperson", "privat")
    refused = demo_client.post(f"/admin/join-requests/{request_id}/decline", data={"reason": " "})
    assert refused.status_code == 422
    assert refused.template.name == "admin/join_requests.html"  # type: ignore[attr-defined]
    assert f"reason-{request_id}" in refused.context["errors"]  # type: ignore[attr-defined]
    assert german("Please fill in this field.") in refused.text

    response = demo_client.post(
        f"/admin/join-requests/{request_id}/decline", data={"reason": f"Keine {SCRIPT}"}
    )
    assert response.status_code == 303
    page = demo_client.get("/admin/join-requests")
    assert [r.id for r in page.context["join_requests"].decided] == [request_id]  # type: ignore[attr-defined]
    assert SCRIPT not in page.text


def test_deciding_an_unknown_request_is_not_found(demo_client: TestClient) -> None:
    assert demo_client.post("/admin/join-requests/999999/approve").status_code == 404


def test_a_post_without_csrf_token_is_refused(demo_client: TestClient) -> None:
    del demo_client.headers["X-CSRF-Token"]
    assert demo_client.post("/admin/providers", data={}).status_code == 403


async def test_registering_and_editing_a_provider_never_shows_the_secret(
    demo_client: TestClient, demo_settings: Settings
) -> None:
    organisation_id = await _organisation_id(demo_settings, "Elbe Logistik GmbH")
    form = demo_client.get("/admin/providers/new")
    assert form.status_code == 200
    assert 'name="csrf_token"' in form.text
    assert "Elbe Logistik GmbH" in form.text
    data = {
        "organisation_id": str(organisation_id),
        "issuer": "https://login.elbe-logistik.example",
        "client_id": "knotenpunkt",
        "client_secret": SECRET,
        "email_domains": "elbe-logistik.example",
        "enabled": "1",
    }
    created = demo_client.post("/admin/providers", data=data)
    assert created.status_code == 303
    assert created.headers["location"] == "/admin/providers"

    listed = demo_client.get("/admin/providers")
    assert listed.status_code == 200
    assert "https://login.elbe-logistik.example" in listed.text
    assert SECRET not in listed.text and "•" not in listed.text
    provider = listed.context["providers"][0]  # type: ignore[attr-defined]

    edit = demo_client.get(f"/admin/providers/{provider.id}")
    assert edit.status_code == 200
    assert SECRET not in edit.text
    assert 'value="knotenpunkt"' in edit.text

    changed = demo_client.post(
        f"/admin/providers/{provider.id}",
        data={**data, "client_secret": "", "client_id": "kp-2"},
    )
    assert changed.status_code == 303
    stored = await _fetchval(
        demo_settings,
        "SELECT client_id || ' ' || client_secret FROM identity_providers WHERE id=$1",
        provider.id,
    )
    assert stored == f"kp-2 {SECRET}"


async def test_an_invalid_provider_is_refused_with_the_form_again(
    demo_client: TestClient, demo_settings: Settings
) -> None:
    organisation_id = await _organisation_id(demo_settings, "Elbe Logistik GmbH")
    response = demo_client.post(
        "/admin/providers",
        data={
            "organisation_id": str(organisation_id),
            "issuer": "http://login.elbe-logistik.example",
            "client_id": SCRIPT,
            "client_secret": SECRET,
            "email_domains": SCRIPT,
        },
    )
    assert response.status_code == 422
    assert response.template.name == "admin/provider_form.html"  # type: ignore[attr-defined]
    assert set(response.context["errors"]) == {"issuer", "email_domains"}  # type: ignore[attr-defined]
    assert SCRIPT not in response.text and SECRET not in response.text
    assert await _fetchval(demo_settings, "SELECT count(*) FROM identity_providers") == 0


def test_editing_an_unknown_provider_is_not_found(demo_client: TestClient) -> None:
    assert demo_client.get("/admin/providers/999999").status_code == 404


async def test_the_audit_log_shows_who_did_what_escaped(
    demo_client: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    await _fetchval(
        demo_settings,
        "INSERT INTO audit_log (actor_id, action, details) VALUES ($1, 'login', $2::jsonb)",
        demo_people["petra.neumann@engagement-stiftung.example"],
        json.dumps({"issuer": SCRIPT}),
    )
    response = demo_client.get("/admin/audit")
    assert response.status_code == 200
    assert response.template.name == "admin/audit.html"  # type: ignore[attr-defined]
    entries = response.context["entries"]  # type: ignore[attr-defined]
    assert entries[0].action == "login"
    assert "Petra Neumann" in response.text
    assert f"{german(ACTION_LABELS['login'])} <code>login</code>" in response.text
    assert SCRIPT not in response.text and "&lt;script&gt;" in response.text
    assert demo_client.get("/admin/audit?before=abc").status_code == 200
