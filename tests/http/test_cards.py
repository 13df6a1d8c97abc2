"""One card over HTTP: its page, edits merged or refused with both values, moves, matches, and
the board's filters (also as the htmx fragment that filtering swaps in)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
BOARD = "/groups/ag-unterkunft/board"


@pytest.fixture
def app_client(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[TestClient]:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[ANNA])
        yield client


def add(client: TestClient, **fields: str) -> int:
    response = client.post(BOARD + "/cards", data=fields)
    assert response.status_code == 303, response.text
    found = client.get(BOARD).context["cards"]  # type: ignore[attr-defined]
    return int(next(card.id for card in found if card.title == fields["title"]))


def test_the_card_page_edits_and_shows_the_history(app_client: TestClient) -> None:
    card = add(app_client, kind="need", resource_kind="space", title="Zimmer für Familie K.")
    page = app_client.get(f"{BOARD}/cards/{card}")
    assert page.status_code == 200
    assert page.context["card"].version == 1  # type: ignore[attr-defined]

    saved = app_client.post(
        f"{BOARD}/cards/{card}/edit",
        data={"version": "1", "title": "Zimmer für Familie K.", "region": "Leipzig-Grünau"},
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{BOARD}/cards/{card}"
    page = app_client.get(f"{BOARD}/cards/{card}")
    assert "Leipzig-Grünau" in page.text
    history = page.context["history"]  # type: ignore[attr-defined]
    assert [entry.action for entry in history] == ["edited", "created"]
    assert history[0].person.name == "Anna Becker"


def test_a_stale_edit_of_the_same_field_shows_both_values(
    app_client: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    card = add(app_client, kind="offer", resource_kind="time", title="Begleitung zu Ämtern")
    app_client.post(f"{BOARD}/cards/{card}/edit", data={"version": "1", "region": "Halle"})
    with TestClient(create_app(demo_settings), follow_redirects=False) as katrin:
        sign_in(katrin, demo_settings.SECRET_KEY, demo_people[KATRIN])
        refused = katrin.post(
            f"{BOARD}/cards/{card}/edit", data={"version": "1", "region": "Markkleeberg"}
        )
    assert refused.status_code == 409
    assert refused.context["clashes"]["region"].theirs == "Halle"  # type: ignore[attr-defined]
    assert 'value="Markkleeberg"' in refused.text  # what she typed is still in the field
    assert "Halle" in refused.text
    assert 'name="version" value="2"' in refused.text  # saving again is against what is stored
    assert german("Someone else changed this meanwhile to:") in refused.text


def test_moves_and_bad_moves(app_client: TestClient) -> None:
    card = add(app_client, kind="need", resource_kind="goods", title="Kinderbetten")
    moved = app_client.post(
        f"{BOARD}/cards/{card}/status", data={"status": "in_progress", "seen": "open"}
    )
    assert moved.status_code == 303
    stale = app_client.post(f"{BOARD}/cards/{card}/status", data={"status": "done", "seen": "open"})
    assert stale.status_code == 409
    assert german("Someone moved this card in the meantime; please look again.") in stale.text
    wrong = app_client.post(f"{BOARD}/cards/{card}/status", data={"status": "matched"})
    assert wrong.status_code == 422
    assert german("A card cannot move from here to there.") in wrong.text


def test_a_match_links_two_cards_and_nonsense_is_refused(app_client: TestClient) -> None:
    need = add(app_client, kind="need", resource_kind="skills", title="Dolmetscher Arabisch")
    offer = add(app_client, kind="offer", resource_kind="skills", title="Dolmetscherin Arabisch")
    other_need = add(app_client, kind="need", resource_kind="skills", title="Dolmetscher Farsi")
    page = app_client.get(f"{BOARD}/cards/{need}")
    assert offer in [card.id for card in page.context["suggestions"]]  # type: ignore[attr-defined]

    refused = app_client.post(f"{BOARD}/cards/{need}/matches", data={"other": str(other_need)})
    assert refused.status_code == 422
    assert german("A need can only be matched with an offer or a pledge.") in refused.text
    matched = app_client.post(f"{BOARD}/cards/{need}/matches", data={"other": str(offer)})
    assert matched.status_code == 303
    page = app_client.get(f"{BOARD}/cards/{offer}")
    assert [card.id for card in page.context["matches"]] == [need]  # type: ignore[attr-defined]
    assert page.context["card"].status.value == "matched"  # type: ignore[attr-defined]
    again = app_client.post(f"{BOARD}/cards/{need}/matches", data={"other": str(offer)})
    assert again.status_code == 409


def test_filters_narrow_the_board_and_bad_ones_are_explained(app_client: TestClient) -> None:
    need = add(app_client, kind="need", resource_kind="space", title="Sprachkurse für Kinder")
    offer = add(app_client, kind="offer", resource_kind="space", title="Turnhalle für Sport")

    def shown(**params: str) -> set[int]:
        response = app_client.get(BOARD, params=params)
        assert response.status_code == 200
        return {card.id for card in response.context["cards"]}  # type: ignore[attr-defined]

    assert {need, offer} <= shown()
    assert need in shown(kind="need") and offer not in shown(kind="need")
    assert need in shown(q="Sprachkursen mit Kindern")  # German stemming: inflections found
    assert offer not in shown(q="Sprachkursen mit Kindern")
    app_client.post(f"{BOARD}/cards/{offer}/status", data={"status": "archived"})
    assert offer not in shown()
    assert offer in shown(status="archived")

    bad = app_client.get(BOARD, params={"kind": "wish", "organisation": "abc"})
    assert bad.status_code == 422
    assert german("Please choose one of the offered values.") in bad.text

    fragment = app_client.get(
        BOARD, params={"kind": "need"}, headers={"HX-Request": "true", "HX-Target": "cards"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith("<section")
    assert 'data-filter-kind="need"' in fragment.text
    lexemes = re.search(
        r'data-filter-lexemes="([^"]*)"', app_client.get(BOARD, params={"q": "Kindern"}).text
    )
    assert lexemes and lexemes.group(1) == "kind"


def test_a_card_is_only_found_on_its_own_board_and_shown_escaped(
    app_client: TestClient,
) -> None:
    card = add(app_client, kind="need", resource_kind="time", title="<script>alert(1)</script>")
    page = app_client.get(f"{BOARD}/cards/{card}")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    elsewhere = app_client.get(f"/groups/kommunaler-fachaustausch/board/cards/{card}")
    assert elsewhere.status_code in (403, 404)
    assert app_client.get(f"{BOARD}/cards/999999").status_code == 404
