"""A working group's board over HTTP: for the group's organisations only, live for the rest."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in
from tests.text import german

MODERATOR = "anna.becker@unterkunft-ukraine.example"  # of AG Unterkunft
OUTSIDER = "tobias.richter@fh-dresden.example"  # Flüchtlingshilfe Dresden: not in AG Unterkunft
NEED = {
    "kind": "need",
    "resource_kind": "space",
    "title": "Räume für Sprachkurse",
    "description": "Zwei Räume dienstags",
    "region": "Leipzig",
}


def test_a_member_puts_a_need_on_the_board(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[MODERATOR])
        assert client.get("/groups/ag-unterkunft").context["may_use_board"]  # type: ignore[attr-defined]
        before = client.get("/groups/ag-unterkunft/board").context["cards"]  # type: ignore[attr-defined]
        response = client.post("/groups/ag-unterkunft/board/cards", data=NEED)
        assert response.status_code == 303
        board = client.get("/groups/ag-unterkunft/board")
        assert board.status_code == 200
        titles = [c.title for c in board.context["cards"]]  # type: ignore[attr-defined]
        assert titles[0] == "Räume für Sprachkurse" and len(titles) == len(before) + 1
        assert "Unterkunft Ukraine e. V." in board.text
        assert board.context["live_url"].startswith("/live?channel=board%3A")  # type: ignore[attr-defined]


def test_bad_cards_are_refused_with_messages_and_nothing_saved(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[MODERATOR])
        board = client.get("/groups/ag-unterkunft/board")
        before = [c.id for c in board.context["cards"]]  # type: ignore[attr-defined]
        response = client.post(
            "/groups/ag-unterkunft/board/cards",
            data={**NEED, "title": "", "resource_kind": "love", "deadline": "2001-01-01"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 422
        assert response.template.name == "boards/_card_form.html"  # type: ignore[attr-defined]
        assert set(response.context["errors"]) == {"title", "resource_kind", "deadline"}  # type: ignore[attr-defined]
        assert german("The deadline must not lie in the past.") in response.text
        after = client.get("/groups/ag-unterkunft/board").context["cards"]  # type: ignore[attr-defined]
        assert [c.id for c in after] == before


def test_markup_on_a_card_is_shown_escaped(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[MODERATOR])
        client.post(
            "/groups/ag-unterkunft/board/cards",
            data={**NEED, "title": "<img src=x onerror=alert(1)>"},
        )
        page = client.get("/groups/ag-unterkunft/board").text
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_people_of_other_organisations_see_nothing_of_the_board(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[OUTSIDER])
        group = client.get("/groups/ag-unterkunft")
        assert group.context["may_use_board"] is False  # type: ignore[attr-defined]
        group_id = group.context["group"].id  # type: ignore[attr-defined]
        assert client.get("/groups/ag-unterkunft/board").status_code == 403
        assert client.post("/groups/ag-unterkunft/board/cards", data=NEED).status_code == 403
        live = client.get("/live", params={"channel": f"board:{group_id}"})
        assert live.status_code == 403


def test_what_already_exists_on_any_board_appears_while_typing(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[MODERATOR])
        client.post("/groups/ag-unterkunft/board/cards", data=NEED)
        found = client.get(
            "/groups/ag-unterkunft/board/similar",
            params={"title": "Raum für Sprachkurs"},
            headers={"HX-Request": "true"},
        )
        assert found.template.name == "boards/_similar.html"  # type: ignore[attr-defined]
        [first, *_] = found.context["similar"]  # type: ignore[attr-defined]
        assert first.title == "Räume für Sprachkurse"
        assert f'href="/groups/ag-unterkunft/board/cards/{first.id}"' in found.text
        nothing = client.get("/groups/ag-unterkunft/board/similar", params={"title": "Fahrrad"})
        assert nothing.context["similar"] == []  # type: ignore[attr-defined]
        assert german("Nothing similar on any board yet.") in nothing.text

        # Tobias's organisation is not in AG Unterkunft: he is shown the card all the same,
        # while typing on his own group's board, and led to the group's page.
        sign_in(client, demo_settings.SECRET_KEY, demo_people[OUTSIDER])
        elsewhere = client.get(
            "/groups/ag-versorgung/board/similar",
            params={"title": "Sprachkurs", "description": "Wir brauchen Räume dafür"},
        )
        assert elsewhere.status_code == 200
        assert "Räume für Sprachkurse" in [c.title for c in elsewhere.context["similar"]]  # type: ignore[attr-defined]
        assert 'href="/groups/ag-unterkunft">Räume für Sprachkurse</a>' in elsewhere.text
