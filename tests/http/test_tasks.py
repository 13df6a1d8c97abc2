""" "My tasks" over HTTP on the demo data: Katrin's open action item from the last session of AG
Unterkunft (named for her), moved from the page and back to it, every change heard where the
item is shown (the session's `outcomes`, the organisation's `tasks`); stale and foreign
changes refused."""

from __future__ import annotations

import asyncio
import html
import json
from urllib.parse import unquote

import asyncpg
from starlette.testclient import TestClient

from server.settings import Settings
from tests.live.sse import sse_connect_url
from tests.text import german

TASK = "Kürzeres Antragsformular für Mietkautionen entwerfen"


async def _events(settings: Settings, name: str) -> list[tuple[str, dict[str, str]]]:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        rows = await connection.fetch(
            "SELECT channel, data FROM events WHERE name = $1 ORDER BY id", name
        )
    finally:
        await connection.close()
    return [(row["channel"], json.loads(row["data"])) for row in rows]


def test_my_tasks_are_moved_from_the_page_and_heard_everywhere(
    katrin: TestClient, anna: TestClient, demo_settings: Settings, demo_people: dict[str, int]
) -> None:
    page = katrin.get("/tasks")
    assert page.status_code == 200
    (task,) = [t for t in page.context["tasks"].open if t.action.text == TASK]  # type: ignore[attr-defined]
    live = unquote(html.unescape(sse_connect_url(page.text)))
    assert f"channel=tasks:{task.action.owner_organisation_id}" in live
    status_url = f"/sessions/{task.meeting.id}/actions/{task.action.id}/status"
    moved = katrin.post(status_url, data={"status": "in_progress", "version": "1", "back": "tasks"})
    assert moved.status_code == 303 and moved.headers["location"] == "/tasks"
    again = katrin.get("/tasks/list")
    assert again.status_code == 200 and 'id="task-list"' in again.text
    assert 'data-status="in_progress"' in again.text

    tasks_events = asyncio.run(_events(demo_settings, "tasks"))
    organisation = task.action.owner_organisation_id
    assert [channel for channel, _ in tasks_events] == [f"tasks:{organisation}"]
    assert TASK in tasks_events[0][1]["de"]
    outcomes = asyncio.run(_events(demo_settings, "outcomes"))
    assert outcomes[-1][0] == f"session:{task.meeting.id}"

    stale = katrin.post(status_url, data={"status": "done", "version": "1", "back": "tasks"})
    assert stale.status_code == 409
    assert german("Someone changed this action item in the meantime; please look again.") in (
        stale.text
    )
    assert stale.template.name == "tasks/index.html"  # type: ignore[attr-defined]

    # Anna moderates the group: she may move it too.
    assert anna.post(status_url, data={"status": "done", "version": "2"}).status_code == 303


def test_the_tasks_channel_is_for_the_organisations_own_people(
    katrin: TestClient, demo_people: dict[str, int]
) -> None:
    page = katrin.get("/tasks")
    mine = page.context["tasks"].open[0].action.owner_organisation_id  # type: ignore[attr-defined]
    assert katrin.get(f"/live?channel=tasks:{mine + 1}").status_code == 403


def test_the_group_page_tells_its_people_what_changed_since_last_week(
    katrin: TestClient, anna: TestClient
) -> None:
    page = katrin.get("/groups/ag-unterkunft")
    assert page.status_code == 200
    changes = page.context["changes"]  # type: ignore[attr-defined]
    assert changes is not None and changes.decisions  # the demo's last session, a week ago
    assert german("What changed since last week") in page.text
    assert "#decision-" in page.text


def test_a_state_contacts_unanswered_questions_are_among_their_tasks(
    anna: TestClient, katrin: TestClient, demo_settings: Settings
) -> None:
    contact = asyncio.run(_katrins_contact(demo_settings))
    asked = anna.post(
        "/groups/ag-unterkunft/state/questions",
        data={"contact_id": str(contact), "subject": "Dolmetscher", "text": "Gibt es welche?"},
    )
    assert asked.status_code == 303
    mine = katrin.get("/tasks")
    assert mine.status_code == 200
    unanswered = [q.subject for q in mine.context["unanswered"]]  # type: ignore[attr-defined]
    assert unanswered == ["Dolmetscher"]  # not the demo's question: it has its answer
    assert german("Questions waiting for your answer") in mine.text
    # Anna asked it; it is not hers to answer.
    assert anna.get("/tasks").context["unanswered"] == []  # type: ignore[attr-defined]


async def _katrins_contact(settings: Settings) -> int:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        contact: int = await connection.fetchval(
            "SELECT c.id FROM state_contacts c JOIN persons p ON p.id = c.person_id"
            " WHERE p.email = 'k.hoffmann@leipzig.example'"
        )
    finally:
        await connection.close()
    return contact
