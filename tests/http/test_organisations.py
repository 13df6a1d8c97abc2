"""The organisation directory and the form that adds an organisation, over HTTP."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from server.models import Organisation
from server.settings import Settings
from tests.text import german

FORM = {
    "name": "Tafel Grünau e. V.",
    "kind": "association",
    "federal_level": "kommune",
    "region": "Leipzig",
    "contact_email": "",
    "description": "",
}


async def _organisation_count(settings: Settings) -> int:
    engine = create_async_engine(settings.sqlalchemy_url, poolclass=NullPool)
    async with engine.connect() as connection:
        count = await connection.scalar(select(func.count()).select_from(Organisation))
    await engine.dispose()
    return count or 0


def test_directory_lists_members_alphabetically(demo_client: TestClient) -> None:
    response = demo_client.get("/organisations")
    assert response.status_code == 200
    assert response.template.name == "organisations/index.html"  # type: ignore[attr-defined]
    names = [o.name for o in response.context["organisations"]]  # type: ignore[attr-defined]
    assert len(names) == 13
    assert names == sorted(names, key=str.casefold) or names[0].startswith("Bundesamt")


def test_directory_filters_by_kind_level_field_and_region(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/organisations",
        params={
            "kind": "municipality",
            "federal_level": "kommune",
            "field": "unterkunft",
            "region": "Leipzig",
        },
    )
    names = [o.name for o in response.context["organisations"]]  # type: ignore[attr-defined]
    assert names == ["Stadt Leipzig – Sozialamt"]


def test_directory_search_finds_by_description_with_german_stemming(
    demo_client: TestClient,
) -> None:
    response = demo_client.get("/organisations", params={"q": "Sachspende"})
    names = [o.name for o in response.context["organisations"]]  # type: ignore[attr-defined]
    assert names == ["Elbe Logistik GmbH"]


def test_htmx_filtering_returns_only_the_results_fragment(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/organisations",
        params={"kind": "foundation"},
        headers={"HX-Request": "true", "HX-Target": "organisation-results"},
    )
    assert response.template.name == "organisations/_results.html"  # type: ignore[attr-defined]
    assert response.text.lstrip().startswith('<section id="organisation-results"')
    assert "Bürgerstiftung Dresden" in response.text


def test_unknown_filter_values_are_refused_with_a_message(demo_client: TestClient) -> None:
    response = demo_client.get("/organisations", params={"kind": "alien"})
    assert response.status_code == 422
    assert german("Please choose one of the offered values.") in response.text
    assert response.context["organisations"] == []  # type: ignore[attr-defined]


async def test_adding_an_organisation_redirects_to_its_page(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/organisations", data=FORM)
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert page.context["organisation"].name == "Tafel Grünau e. V."  # type: ignore[attr-defined]
    assert await _organisation_count(settings) == 2  # and the admin's own


async def test_an_empty_name_is_refused_and_the_form_keeps_the_input(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/organisations", data={**FORM, "name": "  ", "region": "Halle"})
    assert response.status_code == 422
    assert response.template.name == "organisations/new.html"  # type: ignore[attr-defined]
    assert set(response.context["errors"]) == {"name"}  # type: ignore[attr-defined]
    assert 'aria-invalid="true"' in response.text
    assert 'value="Halle"' in response.text
    assert await _organisation_count(settings) == 1  # the admin's own


async def test_an_overlong_name_and_unknown_kind_are_refused_together(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/organisations", data={**FORM, "name": "n" * 500, "kind": "person"})
    assert response.status_code == 422
    assert set(response.context["errors"]) == {"name", "kind"}  # type: ignore[attr-defined]
    assert "200" in response.text  # the limit is named
    assert await _organisation_count(settings) == 1  # the admin's own


def test_markup_in_a_name_is_shown_escaped(client: TestClient) -> None:
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    created = client.post("/organisations", data={**FORM, "name": hostile})
    page = client.get(created.headers["location"])
    directory = client.get("/organisations")
    for response in (page, directory):
        assert "<script>alert" not in response.text
        assert "<img src=x" not in response.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in response.text


def test_unknown_organisation_is_a_clear_404(client: TestClient) -> None:
    response = client.get("/organisations/424242")
    assert response.status_code == 404
    assert response.template.name == "errors/error.html"  # type: ignore[attr-defined]
