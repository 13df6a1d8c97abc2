"""The alliance-wide overview of open cards (`/needs`) and an organisation's open cards, over
HTTP on the demo data: filters, search, refusals that say what is wrong, where summaries lead,
and what stays on the boards."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import asyncpg
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.demo_cards import DEMO_CARDS
from server.domain.card_overview import CardSummary, OverviewPage
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

ANNA = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine e. V., in AG Unterkunft
TOBIAS = "tobias.richter@fh-dresden.example"  # Flüchtlingshilfe Dresden: not in AG Unterkunft
HOUSING = "Wohnraum für Familien aus der Ukraine gesucht"  # a demo need of AG Unterkunft


def _summaries(page: OverviewPage) -> list[CardSummary]:
    return [card for field in page.fields for region in field.regions for card in region.cards]


def _titles(response: object) -> list[str]:
    return [card.title for card in _summaries(response.context["overview"])]  # type: ignore[attr-defined]


Opener = Callable[[str], TestClient]


@pytest.fixture
def as_person(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[Opener]:
    """Opens a client signed in as a demo person: `as_person(email)`."""
    clients: list[TestClient] = []

    def open_client(email: str) -> TestClient:
        client = TestClient(create_app(demo_settings), follow_redirects=False)
        client.__enter__()
        clients.append(client)
        sign_in(client, demo_settings.SECRET_KEY, demo_people[email])
        return client

    yield open_client
    for client in clients:
        client.__exit__(None, None, None)


def test_every_open_demo_card_is_listed_by_field_of_action(demo_client: TestClient) -> None:
    response = demo_client.get("/needs")
    assert response.status_code == 200
    assert response.template.name == "overview/index.html"  # type: ignore[attr-defined]
    overview = response.context["overview"]  # type: ignore[attr-defined]
    assert overview.total == len(DEMO_CARDS)
    fields = [field.name for field in overview.fields]
    assert fields[:2] == ["Orientierung und Information", "Unterkunft"]
    assert 'href="/needs" aria-current="page"' in response.text  # in the main navigation


def test_filters_and_search_narrow_the_overview(demo_client: TestClient) -> None:
    needs = demo_client.get("/needs", params={"kind": "need"})
    kinds = {card.kind.value for card in _summaries(needs.context["overview"])}  # type: ignore[attr-defined]
    assert kinds == {"need"}
    narrowed = demo_client.get(
        "/needs", params={"field": "bildung", "resource": "goods", "region": "Leipzig"}
    )
    assert _titles(narrowed) == ["Laptops für Schülerinnen und Schüler"]
    found = demo_client.get("/needs", params={"q": "Winterjacke"})
    assert _titles(found) == ["Winterjacken und Winterschuhe für Kinder"]


def test_htmx_filtering_returns_only_the_results_fragment(demo_client: TestClient) -> None:
    response = demo_client.get(
        "/needs",
        params={"kind": "pledge"},
        headers={"HX-Request": "true", "HX-Target": "card-results"},
    )
    assert response.template.name == "overview/_results.html"  # type: ignore[attr-defined]
    assert response.text.lstrip().startswith('<section id="card-results"')
    assert "Wir übernehmen Mietkautionen" in response.text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "wish"}, "kind"),
        ({"resource": "love"}, "resource"),
        ({"field": "gibt-es-nicht"}, "field"),
        ({"page": "0"}, "page"),
    ],
)
def test_unknown_filter_values_are_refused_with_a_message(
    demo_client: TestClient, params: dict[str, str], field: str
) -> None:
    response = demo_client.get("/needs", params=params)
    assert response.status_code == 422
    assert set(response.context["errors"]) == {field}  # type: ignore[attr-defined]
    assert response.context["overview"].total == 0  # type: ignore[attr-defined]
    message = (
        german("Please enter a whole number from 1 to %(max)d.", max=10_000)
        if field == "page"
        else german("Please choose one of the offered values.")
    )
    assert message in response.text
    if field != "page":
        assert f'aria-describedby="{field}-error" aria-invalid="true"' in response.text


def test_summaries_lead_to_the_board_only_for_those_who_may_use_it(
    as_person: Opener,
) -> None:
    anna, tobias = as_person(ANNA), as_person(TOBIAS)
    for client, link in [
        (anna, r'href="/groups/ag-unterkunft/board/cards/\d+"'),
        (tobias, r'href="/groups/ag-unterkunft"'),
    ]:
        page = client.get("/needs", params={"field": "unterkunft"})
        assert page.status_code == 200
        assert HOUSING in _titles(page)
        assert re.search(link + r">" + re.escape(HOUSING), page.text), page.text
        # the description stays on the board
        assert "Drei Familien mit Kindern" not in page.text


def test_markup_in_a_card_is_shown_escaped(as_person: Opener) -> None:
    anna = as_person(ANNA)
    hostile = "<img src=x onerror=alert(1)>"
    posted = anna.post(
        "/groups/ag-unterkunft/board/cards",
        data={"kind": "need", "resource_kind": "time", "title": hostile, "region": hostile},
    )
    assert posted.status_code == 303
    organisation_id = anna.get("/profile/data.json").json()["organisation"]["id"]
    for page in (anna.get("/needs"), anna.get(f"/organisations/{organisation_id}")):
        assert "<img src=x" not in page.text
        assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


async def test_visitors_and_people_awaiting_approval_see_nothing(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    connection = await asyncpg.connect(demo_settings.DATABASE_URL)
    try:
        waiting = await connection.fetchval(
            "INSERT INTO persons (organisation_id, name, email, awaiting_approval) "
            "SELECT organisation_id, 'Nina Neu', 'nina@neu.example', true FROM persons "
            "WHERE id = $1 RETURNING id",
            demo_people[ANNA],
        )
    finally:
        await connection.close()
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        visitor = client.get("/needs", params={"kind": "need"})
        assert visitor.status_code == 303
        assert visitor.headers["location"] == "/login?next=%2Fneeds%3Fkind%3Dneed"
        sign_in(client, demo_settings.SECRET_KEY, waiting)
        refused = client.get("/needs")
        assert refused.status_code == 403
        assert HOUSING not in refused.text
        assert client.get("/needs", params={"kind": "wish"}).status_code == 403  # rights first


def test_an_organisations_page_lists_its_open_cards(as_person: Opener) -> None:
    tobias = as_person(TOBIAS)
    organisation_id = tobias.get("/profile/data.json").json()["organisation"]["id"]
    anna = as_person(ANNA)
    page = anna.get(f"/organisations/{organisation_id}")
    assert page.status_code == 200
    titles = [card.title for card in page.context["open_cards"]]  # type: ignore[attr-defined]
    authored = {
        demo.fields["title"] for demo in DEMO_CARDS if demo.author.endswith("@fh-dresden.example")
    }
    assert set(titles) == authored
    assert page.context["open_card_count"] == len(authored)  # type: ignore[attr-defined]
    assert german("Open needs, offers and pledges") in page.text
    # Anna's organisation is not in AG Versorgung: the summary leads to the group's page.
    assert 'href="/groups/ag-versorgung">Winterjacken und Winterschuhe für Kinder' in page.text
