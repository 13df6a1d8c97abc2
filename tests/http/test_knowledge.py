"""Knowledge pages over HTTP on the demo data: the draft summary of the demo's last session seen
by its moderators only, edited (merged like notes) and published; then read, searched, printed
and downloaded by members; a good-practice page written by hand."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import asyncpg
import pytest
import redis
from starlette.testclient import TestClient

from server.db import create_engine, create_sessionmaker
from server.settings import Settings
from tests.text import german
from tests.workers.test_summary_job import closed_sessions
from workers.settings import job_templates
from workers.summary_jobs import summarise_meeting


async def _draft(settings: Settings) -> tuple[int, int]:
    """The demo's last session summarised: (session id, page id)."""
    last, _ = await closed_sessions(settings.DATABASE_URL)
    engine = create_engine(settings)
    try:
        ctx: dict[str, Any] = {
            "settings": settings,
            "sessionmaker": create_sessionmaker(engine),
            "templates": job_templates(),
        }
        written = await summarise_meeting(ctx, last)
    finally:
        await engine.dispose()
    return last, int(written.rsplit(" ", 1)[1])


@pytest.fixture
def draft(demo_settings: Settings) -> tuple[int, int]:
    return asyncio.run(_draft(demo_settings))


async def _events(settings: Settings, channel: str, name: str) -> list[dict[str, str]]:
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        rows = await connection.fetch(
            "SELECT data FROM events WHERE channel = $1 AND name = $2 ORDER BY id", channel, name
        )
    finally:
        await connection.close()
    return [json.loads(row["data"]) for row in rows]


def test_the_draft_is_the_moderators_until_they_publish_it(
    anna: TestClient, katrin: TestClient, draft: tuple[int, int], demo_settings: Settings
) -> None:
    meeting, page_id = draft
    path = f"/knowledge/{page_id}"
    assert katrin.get(path).status_code == 404  # a draft is not there for others
    assert katrin.get(path + ".md").status_code == 404
    shown = anna.get(path)
    assert shown.status_code == 200 and german("Draft") in shown.text
    assert 'id="publish-page"' in shown.text
    assert german("Review and publish the draft summary") in anna.get(f"/sessions/{meeting}").text
    participant_view = katrin.get(f"/sessions/{meeting}").text
    assert german("The summary is written; the moderation reviews it before it is published.") in (
        participant_view
    )
    assert 'hx-trigger="sse:summary"' in anna.get(f"/sessions/{meeting}").text
    assert anna.get(f"/sessions/{meeting}/summary").status_code == 200
    assert katrin.get(f"/sessions/{meeting}/summary").status_code == 403
    (written,) = asyncio.run(_events(demo_settings, f"session:{meeting}", "summary"))
    written_text = (
        "The summary of this session is written; the moderation reviews it before it is published."
    )
    assert german(written_text) in written["de"]

    bad = anna.post(path + "/publish", data={"visibility": "everyone"})
    assert bad.status_code == 422
    published = anna.post(path + "/publish", data={"visibility": "members"})
    assert published.status_code == 303
    again = anna.post(path + "/publish", data={"visibility": "members"})
    assert again.status_code == 409 and german("This page is published already.") in again.text

    _, told = asyncio.run(_events(demo_settings, f"session:{meeting}", "summary"))
    assert f'href="/knowledge/{page_id}"' in told["de"]
    client = redis.Redis.from_url(demo_settings.REDIS_URL)
    try:
        assert f"published:{page_id}".encode() in client.zrange("arq:queue", 0, -1)
    finally:
        client.close()

    read = katrin.get(path)
    assert read.status_code == 200 and 'id="edit"' not in read.text
    assert '<a href="/sessions/' in read.text  # the Markdown's links are links
    assert german("Read the summary of this session") in katrin.get(f"/sessions/{meeting}").text
    found = katrin.get("/knowledge?q=Messehalle")
    assert found.status_code == 200 and f'href="/knowledge/{page_id}"' in found.text
    assert "<mark>Messehalle</mark>" in found.text
    assert f'href="/knowledge/{page_id}"' not in katrin.get("/knowledge?q=Giraffe").text
    download = katrin.get(path + ".md")
    assert download.headers["content-type"].startswith("text/markdown")
    assert download.text.startswith("# ") and "## " in download.text
    assert katrin.get(path + "/print").status_code == 200


def test_edits_are_merged_and_every_revision_is_in_the_history(
    anna: TestClient, draft: tuple[int, int]
) -> None:
    _, page_id = draft
    path = f"/knowledge/{page_id}"
    form = anna.get(path).context["form"]  # type: ignore[attr-defined]
    title, body = form["title"], form["body"]
    first = body.replace("Anwesenheit", "Anwesende", 1)
    second = body.replace("Tagesordnung", "Tagesordnung (wie geplant)", 1)
    assert (
        anna.post(path + "/edit", data={"title": title, "body": first, "version": "1"}).status_code
        == 303
    )
    assert (
        anna.post(path + "/edit", data={"title": title, "body": second, "version": "1"}).status_code
        == 303
    )
    page = anna.get(path).context["page"]  # type: ignore[attr-defined]
    assert page.version == 3
    assert "Anwesende" in page.body and "Tagesordnung (wie geplant)" in page.body

    clash = anna.post(
        path + "/edit",
        data={"title": title, "body": body.replace("Anwesenheit", "Teilnahme", 1), "version": "1"},
    )
    assert clash.status_code == 409
    assert "⟦" in clash.text  # both versions shown, mine marked
    marked = anna.post(path + "/edit", data={"title": title, "body": "a ⟦b⟧", "version": "3"})
    assert marked.status_code == 422
    empty = anna.post(path + "/edit", data={"title": "", "body": "", "version": "3"})
    assert empty.status_code == 422
    stale = anna.post(path + "/edit", data={"title": title, "body": "x", "version": "99"})
    assert stale.status_code == 422

    history = anna.get(path + "/history")
    assert history.status_code == 200
    assert german("Knotenpunkt (written automatically)") in history.text
    assert "Anna Becker" in history.text and "<ins>" in history.text


def test_a_member_writes_a_good_practice_page(katrin: TestClient) -> None:
    assert katrin.get("/knowledge/new").status_code == 200
    refused = katrin.post("/knowledge/new", data={"title": "", "body": "", "field": "mond"})
    assert refused.status_code == 422
    assert 'id="title-error"' in refused.text and 'id="field-error"' in refused.text
    written = katrin.post(
        "/knowledge/new",
        data={
            "title": "Besichtigungen mit Sprachmittlung",
            "body": "## So geht es\n- Termine **gemeinsam** planen\n- <b>nie</b> allein",
            "visibility": "public",
            "field": "unterkunft",
        },
    )
    assert written.status_code == 303
    page = katrin.get(written.headers["location"])
    assert "<strong>gemeinsam</strong>" in page.text and "&lt;b&gt;nie&lt;/b&gt;" in page.text
    listed = katrin.get("/knowledge?field=unterkunft&kind=good_practice")
    assert "Besichtigungen mit Sprachmittlung" in listed.text
    assert katrin.get("/knowledge?kind=poem").status_code == 422
