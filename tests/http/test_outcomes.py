"""Decisions and action items over HTTP: recorded by the moderator, live for every page of the
session, refused with the reason and the typed text kept."""

from __future__ import annotations

import asyncpg
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.meeting_board import board_of_ag_unterkunft
from tests.sessions import sign_in
from tests.text import german

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft


async def test_the_moderator_records_and_pages_follow_live(
    demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    board = await board_of_ag_unterkunft(demo_settings.DATABASE_URL)
    item = str(board.items[0])
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[ANNA])
        decided = client.post(
            board.path + "/decisions",
            data={"item": item, "decision": "Zwei Wohnungen <b>mieten</b>"},
        )
        assert decided.status_code == 303
        organisation = client.get(board.path).context["outcome_owners"][0][0]  # type: ignore[attr-defined]
        acted = client.post(
            board.path + "/actions",
            data={
                "item": item,
                "action": "Verträge prüfen",
                "owner_organisation": str(organisation),
            },
        )
        assert acted.status_code == 303
        page = client.get(board.path)
        assert "Zwei Wohnungen &lt;b&gt;mieten&lt;/b&gt;" in page.text
        assert "Verträge prüfen" in page.text

        refused = client.post(
            board.path + "/actions", data={"item": item, "action": "Ohne Zuständige"}
        )
        assert refused.status_code == 422
        assert german("Please name who does it: an organisation or a person.") in refused.text
        assert "Ohne Zuständige" in refused.text  # what was typed stays

        sign_in(client, demo_settings.SECRET_KEY, demo_people[KATRIN])
        not_moderator = client.post(board.path + "/decisions", data={"item": item, "decision": "x"})
        assert not_moderator.status_code == 403
    connection = await asyncpg.connect(demo_settings.DATABASE_URL)
    try:
        events = await connection.fetchval(
            "SELECT count(*) FROM events WHERE channel = $1 AND name = 'outcomes'",
            f"session:{board.meeting}",
        )
    finally:
        await connection.close()
    assert events == 2
