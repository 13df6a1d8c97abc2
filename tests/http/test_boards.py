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
        response = client.post("/groups/ag-unterkunft/board/cards", data=NEED)
        assert response.status_code == 303
        board = client.get("/groups/ag-unterkunft/board")
        assert board.status_code == 200
        assert [c.title for c in board.context["cards"]] == ["Räume für Sprachkurse"]  # type: ignore[attr-defined]
        assert "Unterkunft Ukraine e. V." in board.text
        assert board.context["live_url"].startswith("/live?channel=board%3A")  # type: ignore[attr-defined]


def test_bad_cards_are_refused_with_messages_and_nothing_saved(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[MODERATOR])
        response = client.post(
            "/groups/ag-unterkunft/board/cards",
            data={**NEED, "title": "", "resource_kind": "love", "deadline": "2001-01-01"},
            headers={"HX-Request": "true"},
        )
        assert response.status_code == 422
        assert response.template.name == "boards/_card_form.html"  # type: ignore[attr-defined]
        assert set(response.context["errors"]) == {"title", "resource_kind", "deadline"}  # type: ignore[attr-defined]
        assert german("The deadline must not lie in the past.") in response.text
        assert client.get("/groups/ag-unterkunft/board").context["cards"] == []  # type: ignore[attr-defined]


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


def test_what_already_exists_appears_while_typing(
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
        assert [c.title for c in found.context["similar"]] == ["Räume für Sprachkurse"]  # type: ignore[attr-defined]
        nothing = client.get("/groups/ag-unterkunft/board/similar", params={"title": "Fahrrad"})
        assert nothing.context["similar"] == []  # type: ignore[attr-defined]
        assert german("Nothing similar on your boards yet.") in nothing.text
