"""Notes saves over the session page's WebSocket (`routes/note_socket.py`): the same saves as by
HTTP, answered on the socket; refused to other sites, to a page without its token, to people
who may not take part, and closed on a message it cannot read."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from collections.abc import Iterator

import asyncpg
import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.app import create_app
from server.settings import Settings
from tests.http.conftest import KATRIN
from tests.http.test_notes import TEXT, notes_events
from tests.meeting_board import Board
from tests.sessions import sign_in
from tests.text import german

ORIGIN = {"origin": "http://testserver"}
_SOCKET = re.compile(r'data-notes-socket="([^"]+)"')


def socket_path(client: TestClient, board: Board) -> str:
    """The socket's path with the page's token, as the session's page names it."""
    page = client.get(board.path)
    match = _SOCKET.search(page.text)
    assert match, "the session's page names no notes socket"
    return match.group(1).replace("&amp;", "&")


def save(socket: object, number: int, item: int, version: str, text: str) -> dict[str, object]:
    socket.send_text(  # type: ignore[attr-defined]
        json.dumps({"n": number, "item": item, "version": version, "text": text})
    )
    answer = json.loads(socket.receive_text())  # type: ignore[attr-defined]
    assert answer["n"] == number
    return answer


def test_a_save_over_the_socket_is_saved_merged_and_announced_like_one_by_http(
    katrin: TestClient, anna: TestClient, board: Board, demo_database: str
) -> None:
    item = board.items[0]
    with katrin.websocket_connect(socket_path(katrin, board), headers=ORIGIN) as socket:
        saved = save(socket, 1, item, "0", TEXT)
        assert saved == {"n": 1, "item": item, "status": 200, "version": 1, "text": TEXT}

        # Anna changes a word by HTTP; Katrin's next save, from version 1, is merged with it.
        anna.post(
            f"{board.path}/items/{item}/notes",
            data={"text": TEXT.replace("zwei", "drei"), "version": "1"},
            headers={"HX-Request": "true"},
        )
        merged = save(socket, 2, item, "1", TEXT + "\nHeizung fehlt.")
        assert merged["status"] == 200 and merged["version"] == 3
        assert merged["text"] == TEXT.replace("zwei", "drei") + "\nHeizung fehlt."

        # The same words changed by both: 409 with the proposal and the version stored now.
        clash = save(socket, 3, item, "1", TEXT.replace("zwei", "vier") + "\nHeizung fehlt.")
        assert clash["status"] == 409 and clash["version"] == 3
        assert "drei⟦vier⟧" in str(clash["text"])
        assert clash["message"] == german(
            "Someone else changed the same words in the meantime. Both versions are shown, "
            "yours marked ⟦…⟧: choose and save again."
        )
        marked = save(socket, 4, item, "3", "drei⟦vier⟧")
        assert marked["status"] == 422
        assert marked["message"] == german("Please resolve the marked passage ⟦…⟧ first.")
        elsewhere = save(socket, 5, 999_999, "0", "Nicht hier.")
        assert elsewhere["status"] in (404, 422) and elsewhere["message"]

        socket.send_text("{not json")
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_text()
        assert closed.value.code == 4400

    events = asyncio.run(notes_events(demo_database, board.meeting))
    assert len(events) == 3  # Katrin's two saves and Anna's; nothing for the refused ones
    stored = asyncio.run(_notes(demo_database, item))
    assert stored == TEXT.replace("zwei", "drei") + "\nHeizung fehlt."


@pytest.fixture
def outsider(demo_settings: Settings, demo_database: str) -> Iterator[TestClient]:
    """A person of an organisation that is not in AG Unterkunft."""
    person = asyncio.run(_outsider(demo_database))
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, person)
        yield client


def test_the_socket_opens_only_for_the_page_of_someone_who_may_write(
    katrin: TestClient, outsider: TestClient, board: Board, demo_settings: Settings
) -> None:
    path = socket_path(katrin, board)
    bare = path.split("?", 1)[0]
    refused = {
        "another site": (katrin, path, {"origin": "https://evil.example"}),
        "no origin": (katrin, path, {}),
        "no token": (katrin, bare, ORIGIN),
        "a wrong token": (katrin, bare + "?csrf=forged", ORIGIN),
        "someone not in the group": (outsider, path, ORIGIN),
    }
    for reason, (client, url, headers) in refused.items():
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            client.websocket_connect(url, headers=headers),
        ):
            pass
        assert closed.value.code == 4403, reason
    with TestClient(create_app(demo_settings)) as anonymous:
        with (
            pytest.raises(WebSocketDisconnect) as closed,
            anonymous.websocket_connect(bare + "?csrf=x", headers=ORIGIN),
        ):
            pass
        assert closed.value.code == 4403


def test_a_person_removed_while_the_socket_is_open_loses_it_with_the_next_save(
    demo_settings: Settings, demo_people: dict[str, int], board: Board, demo_database: str
) -> None:
    checked_each_save = dataclasses.replace(demo_settings, LIVE_RECHECK_SECONDS="0")
    with TestClient(create_app(checked_each_save), follow_redirects=False) as client:
        sign_in(client, demo_settings.SECRET_KEY, demo_people[KATRIN])
        with client.websocket_connect(socket_path(client, board), headers=ORIGIN) as socket:
            assert save(socket, 1, board.items[0], "0", TEXT)["status"] == 200
            asyncio.run(_remove(demo_database, demo_people[KATRIN]))
            socket.send_text(
                json.dumps({"n": 2, "item": board.items[0], "version": "1", "text": "Weg."})
            )
            with pytest.raises(WebSocketDisconnect) as closed:
                socket.receive_text()
            assert closed.value.code == 4403
    assert asyncio.run(_notes(demo_database, board.items[0])) == TEXT


async def _remove(database_url: str, person: int) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        await connection.execute("UPDATE persons SET removed_at = now() WHERE id = $1", person)
    finally:
        await connection.close()


async def _outsider(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        person: int = await connection.fetchval(
            "SELECT p.id FROM persons p WHERE NOT p.is_alliance_admin AND p.email <> $1"
            " AND p.organisation_id NOT IN (SELECT m.organisation_id FROM group_members m"
            " JOIN working_groups g ON g.id = m.group_id WHERE g.slug = 'ag-unterkunft')"
            " AND p.id NOT IN (SELECT person_id FROM group_moderators) ORDER BY p.id LIMIT 1",
            KATRIN,
        )
    finally:
        await connection.close()
    assert person is not None
    return person


async def _notes(database_url: str, item: int) -> str:
    connection = await asyncpg.connect(database_url)
    try:
        text: str = await connection.fetchval("SELECT notes FROM agenda_items WHERE id = $1", item)
    finally:
        await connection.close()
    return text
