"""The agenda on the session's page over HTTP (demo data): proposing, the moderator's decisions
and order, suggestions from the last session, refusals shown with the reason and what was
typed, and one live `agenda` event per change, the same for every follower."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import asyncpg
import pytest
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import Settings
from tests.sessions import sign_in

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig, in AG Unterkunft
TOBIAS = "tobias.richter@fh-dresden.example"  # not in AG Unterkunft

Signed = Callable[[str], TestClient]


@pytest.fixture
def signed(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[Signed]:
    with TestClient(create_app(demo_settings), follow_redirects=False) as client:

        def switch(email: str) -> TestClient:
            sign_in(client, demo_settings.SECRET_KEY, demo_people[email])
            return client

        yield switch


@pytest.fixture
async def sessions(demo_database: str) -> tuple[int, int]:
    """A series of AG Unterkunft with a session held last week (one item deferred there, one
    open action item) and the next one, planned: (last, next)."""
    connection = await asyncpg.connect(demo_database)
    try:
        group = await connection.fetchval(
            "SELECT id FROM working_groups WHERE slug='ag-unterkunft'"
        )
        series = await connection.fetchval(
            "INSERT INTO session_series (group_id, title, weekday, starts_at) "
            "VALUES ($1, 'Agenda-Test', 3, '10:00') RETURNING id",
            group,
        )

        async def meeting(days: int, status: str) -> int:
            return int(
                await connection.fetchval(
                    "INSERT INTO meetings (series_id, title, starts_at, ends_at, status) "
                    f"VALUES ($1, 'Agenda-Test', now() + interval '{days} days', "
                    f"now() + interval '{days} days 90 minutes', $2) RETURNING id",
                    series,
                    status,
                )
            )

        last, upcoming = await meeting(-7, "closed"), await meeting(7, "planned")
        await connection.execute(
            "INSERT INTO agenda_items (meeting_id, title, status, planned_minutes) "
            "VALUES ($1, 'Sprachkurse vertagt', 'deferred', 20)",
            last,
        )
        covered = await connection.fetchval(
            "INSERT INTO agenda_items (meeting_id, title, status) "
            "VALUES ($1, 'Wohnraum', 'covered') RETURNING id",
            last,
        )
        await connection.execute(
            "INSERT INTO action_items (item_id, text, owner_organisation_id) "
            "SELECT $1::int, 'Vermieterliste teilen', organisation_id FROM group_members "
            "WHERE group_id=$2 ORDER BY 1 LIMIT 1",
            covered,
            group,
        )
        return last, upcoming
    finally:
        await connection.close()


async def agenda_events(database_url: str, meeting_id: int) -> list[dict[str, str]]:
    connection = await asyncpg.connect(database_url)
    try:
        rows = await connection.fetch(
            "SELECT data FROM events WHERE channel=$1 AND name='agenda' ORDER BY id",
            f"session:{meeting_id}",
        )
    finally:
        await connection.close()
    return [
        json.loads(row["data"]) if isinstance(row["data"], str) else row["data"] for row in rows
    ]


def items_of(client: TestClient, meeting_id: int) -> list[tuple[str, str]]:
    page = client.get(f"/sessions/{meeting_id}")
    assert page.status_code == 200
    agenda = page.context["agenda"]  # type: ignore[attr-defined]
    return [(item.title, item.status.value) for item in agenda.items]


def item_id(client: TestClient, meeting_id: int, title: str) -> int:
    page = client.get(f"/sessions/{meeting_id}")
    agenda = page.context["agenda"]  # type: ignore[attr-defined]
    return int(next(item.id for item in agenda.items if item.title == title))


async def test_a_member_proposes_and_every_follower_gets_the_list(
    signed: Signed, sessions: tuple[int, int], demo_settings: Settings
) -> None:
    _, meeting = sessions
    katrin = signed(KATRIN)
    page = katrin.get(f"/sessions/{meeting}")
    assert 'id="agenda-planning"' in page.text and 'sse-swap="agenda"' in page.text
    assert page.context["agenda_may_propose"] is True  # type: ignore[attr-defined]
    assert page.context["agenda_may_order"] is False  # type: ignore[attr-defined]
    assert 'id="agenda-moderation"' not in page.text

    sent = katrin.post(
        f"/sessions/{meeting}/agenda",
        data={"title": "Wohnungsbörse", "presenter": "Katrin", "planned_minutes": "15"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/sessions/{meeting}#agenda-planning"
    assert items_of(katrin, meeting) == [("Wohnungsbörse", "proposed")]
    page = katrin.get(f"/sessions/{meeting}")
    assert 'id="agenda-edits"' in page.text  # her own proposal: edit and withdraw

    (event,) = await agenda_events(demo_settings.DATABASE_URL, meeting)
    assert set(event) == {"de", "en"}
    assert "Wohnungsbörse" in event["de"] and "csrf" not in event["de"]
    assert "<form" not in event["de"] and "<form" not in event["en"]


def test_a_refused_proposal_shows_the_reason_and_what_was_typed(
    signed: Signed, sessions: tuple[int, int]
) -> None:
    _, meeting = sessions
    refused = signed(KATRIN).post(
        f"/sessions/{meeting}/agenda",
        data={"title": "Zu lang geplant", "planned_minutes": "500"},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422
    assert refused.template.name == "sessions/agenda.html"  # type: ignore[attr-defined]
    assert "planned_minutes" in refused.context["agenda_errors"]  # type: ignore[attr-defined]
    assert 'value="Zu lang geplant"' in refused.text
    assert 'id="agenda-planning"' in refused.text  # what htmx picks out of the page
    assert items_of(signed(KATRIN), meeting) == []


def test_the_moderator_orders_accepts_defers_and_merges(
    signed: Signed, sessions: tuple[int, int]
) -> None:
    _, meeting = sessions
    katrin = signed(KATRIN)
    for title in ("Eins", "Zwei", "Drei"):
        assert katrin.post(f"/sessions/{meeting}/agenda", data={"title": title}).status_code == 303
    one, three = item_id(katrin, meeting, "Eins"), item_id(katrin, meeting, "Drei")
    assert katrin.post(f"/sessions/{meeting}/agenda/{one}/accept").status_code == 403

    anna = signed(ANNA)
    page = anna.get(f"/sessions/{meeting}")
    assert 'id="agenda-moderation"' in page.text
    seen = page.context["agenda"].order_version  # type: ignore[attr-defined]
    moved = anna.post(
        f"/sessions/{meeting}/agenda/{three}/move", data={"direction": "up", "version": seen}
    )
    assert moved.status_code == 303
    stale = anna.post(
        f"/sessions/{meeting}/agenda/{one}/move", data={"direction": "down", "version": seen}
    )
    assert stale.status_code == 409
    assert stale.context["agenda_message"] is not None  # type: ignore[attr-defined]
    assert [title for title, _ in items_of(anna, meeting)] == ["Eins", "Drei", "Zwei"]

    assert anna.post(f"/sessions/{meeting}/agenda/{one}/accept").status_code == 303
    two = item_id(anna, meeting, "Zwei")
    assert anna.post(f"/sessions/{meeting}/agenda/{two}/defer").status_code == 303
    merged = anna.post(f"/sessions/{meeting}/agenda/{three}/merge", data={"target": str(one)})
    assert merged.status_code == 303
    assert items_of(anna, meeting) == [("Eins", "accepted")]
    assert anna.post(f"/sessions/{meeting}/agenda/{three}/accept").status_code == 409
    itself = anna.post(f"/sessions/{meeting}/agenda/{one}/merge", data={"target": str(one)})
    assert itself.status_code == 422


def test_the_proposer_edits_and_withdraws_others_may_not(
    signed: Signed, sessions: tuple[int, int]
) -> None:
    _, meeting = sessions
    katrin = signed(KATRIN)
    katrin.post(f"/sessions/{meeting}/agenda", data={"title": "Entwurf"})
    item = item_id(katrin, meeting, "Entwurf")
    edited = katrin.post(
        f"/sessions/{meeting}/agenda/{item}/edit",
        data={"version": "1", "title": "Fassung", "planned_minutes": "5"},
    )
    assert edited.status_code == 303
    stale = katrin.post(
        f"/sessions/{meeting}/agenda/{item}/edit", data={"version": "1", "title": "Alt"}
    )
    assert stale.status_code == 409
    bad = katrin.post(f"/sessions/{meeting}/agenda/{item}/edit", data={"version": "2", "title": ""})
    assert bad.status_code == 422
    assert bad.context["agenda_editing"] == item  # type: ignore[attr-defined]
    assert signed(ANNA).post(f"/sessions/{meeting}/agenda/{item}/withdraw").status_code == 403
    assert signed(KATRIN).post(f"/sessions/{meeting}/agenda/{item}/withdraw").status_code == 303
    assert items_of(signed(KATRIN), meeting) == []


def test_suggestions_from_the_last_session_are_taken_once(
    signed: Signed, sessions: tuple[int, int]
) -> None:
    _, meeting = sessions
    anna = signed(ANNA)
    page = anna.get(f"/sessions/{meeting}")
    offered = page.context["agenda_suggestions"]  # type: ignore[attr-defined]
    assert [s.title for s in offered.actions] == ["Vermieterliste teilen"]
    assert [s.title for s in offered.deferred] == ["Sprachkurse vertagt"]
    assert (
        "Offene Aufgaben aus der letzten Sitzung" in page.text or "Open action items" in page.text
    )
    for kind, found in (("action", offered.actions[0]), ("deferred", offered.deferred[0])):
        taken = anna.post(
            f"/sessions/{meeting}/agenda/suggestions/take", data={"kind": kind, "id": str(found.id)}
        )
        assert taken.status_code == 303
    assert items_of(anna, meeting) == [
        ("Vermieterliste teilen", "accepted"),
        ("Sprachkurse vertagt", "accepted"),
    ]
    again = anna.post(
        f"/sessions/{meeting}/agenda/suggestions/take",
        data={"kind": "action", "id": str(offered.actions[0].id)},
    )
    assert again.status_code == 409
    assert not anna.get(f"/sessions/{meeting}").context["agenda_suggestions"]  # type: ignore[attr-defined]
    katrin_take = signed(KATRIN).post(
        f"/sessions/{meeting}/agenda/suggestions/take",
        data={"kind": "deferred", "id": str(offered.deferred[0].id)},
    )
    assert katrin_take.status_code == 403


def test_outsiders_and_closed_sessions_are_refused(
    signed: Signed, sessions: tuple[int, int]
) -> None:
    last, meeting = sessions
    assert (
        signed(TOBIAS).post(f"/sessions/{meeting}/agenda", data={"title": "X"}).status_code == 403
    )
    closed = signed(ANNA).post(f"/sessions/{last}/agenda", data={"title": "Nachträglich"})
    assert closed.status_code == 409
    page = signed(ANNA).get(f"/sessions/{last}")
    assert page.context["agenda_may_propose"] is False  # type: ignore[attr-defined]
    assert 'id="agenda-propose"' not in page.text


def test_a_stale_edit_is_merged_or_shows_the_clash(
    signed: Signed, sessions: tuple[int, int]
) -> None:
    _, meeting = sessions
    signed(KATRIN).post(f"/sessions/{meeting}/agenda", data={"title": "Wohnraum"})
    item = item_id(signed(KATRIN), meeting, "Wohnraum")
    edit = f"/sessions/{meeting}/agenda/{item}/edit"
    assert 'name="base_title" value="Wohnraum"' in signed(KATRIN).get(f"/sessions/{meeting}").text
    started = {
        "version": "1",
        "base_title": "Wohnraum",
        "base_description": "",
        "base_presenter": "",
        "base_planned_minutes": "10",
        "title": "Wohnraum",
    }
    assert signed(ANNA).post(edit, data={**started, "planned_minutes": "30"}).status_code == 303
    merged = signed(KATRIN).post(
        edit, data={**started, "presenter": "Katrin", "planned_minutes": "10"}
    )
    assert merged.status_code == 303
    page = signed(KATRIN).get(f"/sessions/{meeting}")
    (stored,) = page.context["agenda"].items  # type: ignore[attr-defined]
    assert (stored.presenter, stored.planned_minutes, stored.version) == ("Katrin", 30, 3)

    clash = signed(KATRIN).post(edit, data={**started, "planned_minutes": "45"})
    assert clash.status_code == 409
    assert "planned_minutes" in clash.context["agenda_errors"]  # type: ignore[attr-defined]
    assert 'value="45"' in clash.text  # what she typed stays
    assert 'name="version" value="3"' in clash.text  # saving again is against what is stored


async def test_a_decision_updates_the_live_board_too_and_is_announced_once(
    signed: Signed, sessions: tuple[int, int], demo_settings: Settings
) -> None:
    _, meeting = sessions
    signed(KATRIN).post(f"/sessions/{meeting}/agenda", data={"title": "Wohnraum"})
    item = item_id(signed(ANNA), meeting, "Wohnraum")
    assert signed(ANNA).post(f"/sessions/{meeting}/agenda/{item}/accept").status_code == 303
    connection = await asyncpg.connect(demo_settings.DATABASE_URL)
    try:
        rows = await connection.fetch(
            "SELECT name, data FROM events WHERE channel=$1 ORDER BY id", f"session:{meeting}"
        )
    finally:
        await connection.close()
    names = [row["name"] for row in rows]
    assert names == ["agenda", "agenda", "board"]  # proposed; accepted: list and board
    accepted = json.loads(rows[1]["data"]) if isinstance(rows[1]["data"], str) else rows[1]["data"]
    assert "live-announcer" not in accepted["en"]  # the board's event says it
    board = json.loads(rows[2]["data"]) if isinstance(rows[2]["data"], str) else rows[2]["data"]
    assert "Item accepted: Wohnraum" in board["en"]
