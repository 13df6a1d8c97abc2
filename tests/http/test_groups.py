"""A working group's page and joining it, over HTTP."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german


def _candidate_id(page: str, name: str) -> str:
    match = re.search(r'<option value="(\d+)">' + re.escape(name) + "</option>", page)
    assert match, f"{name} is not offered"
    return match.group(1)


def test_group_page_shows_members_moderators_and_a_live_connection(
    demo_client: TestClient,
) -> None:
    response = demo_client.get("/groups/ag-unterkunft")
    assert response.status_code == 200
    context = response.context  # type: ignore[attr-defined]
    assert [o.name for o in context["group"].organisations] == [
        "Landkreis Nordsachsen",
        "Stadt Leipzig – Sozialamt",
        "Unterkunft Ukraine e. V.",
    ]
    assert [p.name for p in context["group"].moderators] == ["Anna Becker"]
    group_id = context["group"].id
    assert context["live_url"] == f"/live?channel=group%3A{group_id}&after=0"
    assert f'sse-connect="/live?channel=group%3A{group_id}&amp;after=0"' in response.text


def test_joining_by_plain_form_redirects_back(demo_client: TestClient) -> None:
    page = demo_client.get("/groups/ag-unterkunft").text
    organisation_id = _candidate_id(page, "Elbe Logistik GmbH")
    response = demo_client.post(
        "/groups/ag-unterkunft/members", data={"organisation_id": organisation_id}
    )
    assert response.status_code == 303
    assert response.headers["location"].endswith("/groups/ag-unterkunft")
    after = demo_client.get("/groups/ag-unterkunft")
    names = [o.name for o in after.context["group"].organisations]  # type: ignore[attr-defined]
    assert "Elbe Logistik GmbH" in names
    assert after.context["live_url"].endswith("&after=1")  # type: ignore[attr-defined]


def test_joining_by_htmx_returns_the_form_fragment(demo_client: TestClient) -> None:
    page = demo_client.get("/groups/ag-unterkunft").text
    organisation_id = _candidate_id(page, "MediConnect GmbH")
    response = demo_client.post(
        "/groups/ag-unterkunft/members",
        data={"organisation_id": organisation_id},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.template.name == "groups/_join_form.html"  # type: ignore[attr-defined]
    assert response.context["joined"].name == "MediConnect GmbH"  # type: ignore[attr-defined]
    assert 'value="' + organisation_id + '"' not in response.text


def test_joining_twice_is_refused_clearly(demo_client: TestClient) -> None:
    page = demo_client.get("/groups/ag-unterkunft").text
    organisation_id = _candidate_id(page, "Sprachbrücke gGmbH")
    demo_client.post("/groups/ag-unterkunft/members", data={"organisation_id": organisation_id})
    again = demo_client.post(
        "/groups/ag-unterkunft/members",
        data={"organisation_id": organisation_id},
        headers={"HX-Request": "true"},
    )
    assert again.status_code == 422
    assert again.context["errors"]["organisation_id"].params == {  # type: ignore[attr-defined]
        "name": "Sprachbrücke gGmbH"
    }
    assert 'aria-invalid="true"' in again.text


def test_joining_with_garbage_is_refused(demo_client: TestClient) -> None:
    for value in ["", "abc", "-1", "99999999"]:
        response = demo_client.post(
            "/groups/ag-unterkunft/members", data={"organisation_id": value}
        )
        assert response.status_code == 422, value


def test_unknown_group_is_404(demo_client: TestClient) -> None:
    assert demo_client.get("/groups/gibt-es-nicht").status_code == 404
    assert (
        demo_client.post("/groups/gibt-es-nicht/members", data={"organisation_id": "1"}).status_code
        == 404
    )


def test_an_alliance_admin_assigns_and_removes_moderators(
    demo_client: TestClient, demo_people: dict[str, int]
) -> None:
    page = demo_client.get("/groups/ag-unterkunft")
    candidates = page.context["moderator_candidates"]  # type: ignore[attr-defined]
    assert candidates, "the group's organisations have people who could moderate"
    person = candidates[0]
    added = demo_client.post("/groups/ag-unterkunft/moderators", data={"person_id": person.id})
    assert added.status_code == 303
    moderators = demo_client.get("/groups/ag-unterkunft").context["group"].moderators  # type: ignore[attr-defined]
    assert person.id in [p.id for p in moderators]
    audit = demo_client.get("/admin/audit").text
    assert "role.moderator.granted" in audit

    again = demo_client.post("/groups/ag-unterkunft/moderators", data={"person_id": person.id})
    assert again.status_code == 422
    assert german("Please choose a person of one of the group's organisations.") in again.text

    removed = demo_client.post(f"/groups/ag-unterkunft/moderators/{person.id}/remove")
    assert removed.status_code == 303
    moderators = demo_client.get("/groups/ag-unterkunft").context["group"].moderators  # type: ignore[attr-defined]
    assert person.id not in [p.id for p in moderators]


def test_only_alliance_admins_assign_moderators(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    moderator = demo_people["anna.becker@unterkunft-ukraine.example"]
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, moderator)
        page = client.get("/groups/ag-unterkunft")
        assert page.context["moderator_candidates"] == []  # type: ignore[attr-defined]
        response = client.post("/groups/ag-unterkunft/moderators", data={"person_id": moderator})
        assert response.status_code == 403
        assert (
            client.post(f"/groups/ag-unterkunft/moderators/{moderator}/remove").status_code == 403
        )
