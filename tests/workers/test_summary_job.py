"""The summary job on the demo's last session of AG Unterkunft (closed; two items covered with
notes, outcomes, decisions and action items, one deferred, two people present) and a second
closed session of the same series that must not leak in: the draft page holds every decision
and action item once, with its link; running the job again writes no second page."""

from __future__ import annotations

import re
from typing import Any

import asyncpg
from sqlalchemy import func, select

from server import i18n
from server.db import create_sessionmaker
from server.markdown import escape_text
from server.models import KnowledgePage, KnowledgeRevision, PageStatus
from server.settings import Settings
from tests.workers.conftest import run_worker
from workers.settings import job_templates
from workers.summary_jobs import send_summary_published, summarise_meeting

OTHER_DECISION = "Geheimer Beschluss einer anderen Sitzung"


async def closed_sessions(database_url: str) -> tuple[int, int]:
    """The demo's last session (its page removed), and a second closed session of its series
    with a decision."""
    connection = await asyncpg.connect(database_url)
    try:
        last, series = await connection.fetchrow(
            "SELECT id, series_id FROM meetings WHERE status = 'closed' "
            "ORDER BY starts_at DESC LIMIT 1"
        )
        # The demo publishes its summary; these tests have the job write it anew.
        await connection.execute("DELETE FROM knowledge_pages WHERE meeting_id = $1", last)
        other = await connection.fetchval(
            "INSERT INTO meetings (series_id, title, starts_at, ends_at, status, started_at, "
            "closed_at) VALUES ($1, 'Davor', now() - interval '14 days', "
            "now() - interval '14 days' + interval '1 hour', 'closed', "
            "now() - interval '14 days', now() - interval '14 days' + interval '1 hour') "
            "RETURNING id",
            series,
        )
        item = await connection.fetchval(
            "INSERT INTO agenda_items (meeting_id, title, status, notes, notes_version) "
            "VALUES ($1, 'Anderes', 'covered', 'Andere Notizen.', 1) RETURNING id",
            other,
        )
        await connection.execute(
            "INSERT INTO decisions (item_id, text) VALUES ($1, $2)", item, OTHER_DECISION
        )
    finally:
        await connection.close()
    return last, other


async def recorded(database_url: str, meeting: int) -> tuple[list[Any], list[Any]]:
    connection = await asyncpg.connect(database_url)
    try:
        decisions = await connection.fetch(
            "SELECT d.id, d.text FROM decisions d JOIN agenda_items i ON i.id = d.item_id "
            "WHERE i.meeting_id = $1",
            meeting,
        )
        actions = await connection.fetch(
            "SELECT a.id, a.text FROM action_items a JOIN agenda_items i ON i.id = a.item_id "
            "WHERE i.meeting_id = $1",
            meeting,
        )
    finally:
        await connection.close()
    return decisions, actions


async def test_the_draft_holds_everything_once_with_its_link_and_nothing_else(
    demo_settings: Settings, engine: Any
) -> None:
    last, other = await closed_sessions(demo_settings.DATABASE_URL)
    sessionmaker = create_sessionmaker(engine)
    ctx = {"settings": demo_settings, "sessionmaker": sessionmaker, "templates": job_templates()}

    assert (await summarise_meeting(ctx, last)).startswith("draft page ")
    async with sessionmaker() as session:
        page = await session.scalar(select(KnowledgePage).where(KnowledgePage.meeting_id == last))
        assert page is not None and page.status is PageStatus.draft
        revisions = await session.scalar(
            select(func.count()).where(KnowledgeRevision.page_id == page.id)
        )
    assert revisions == 1
    body = page.body
    decisions, actions = await recorded(demo_settings.DATABASE_URL, last)
    assert len(decisions) == 2 and len(actions) == 2
    for decision in decisions:
        source = f"[erfasst](/sessions/{last}#decision-{decision['id']})"
        line = f"{escape_text(decision['text'])} ({source})"
        assert body.count(line) == 1, line
    for action in actions:
        assert body.count(f"/sessions/{last}#action-{action['id']})") == 1
        assert body.count(escape_text(action["text"])) == 1
    assert "Katrin Hoffmann, Stadt Leipzig – Sozialamt" in body
    with i18n.use_locale("de"):
        assert i18n.gettext("Attendance") in body
    assert re.search(r"geplant 20 Min\., gebraucht 24 Min\.", body)
    assert "Fahrdienste zu Besichtigungen" in body  # deferred
    # The notes' summary links to the revision each sentence came from.
    assert re.search(rf"/sessions/{last}/items/\d+/notes/history\?before=2#revision-1\)", body)
    assert OTHER_DECISION not in body and "Andere Notizen" not in body

    # Again, directly and through a real worker: still one page.
    assert await summarise_meeting(ctx, last) == "written already"
    async with sessionmaker() as session:
        pages = await session.scalar(select(func.count()).where(KnowledgePage.meeting_id == last))
    assert pages == 1

    # The other session gets its own page, with its own decision only.
    assert (await summarise_meeting(ctx, other)).startswith("draft page ")
    async with sessionmaker() as session:
        mine = await session.scalar(select(KnowledgePage).where(KnowledgePage.meeting_id == other))
    assert mine is not None and OTHER_DECISION in mine.body
    assert "Belegung der Notunterkünfte" not in mine.body


async def test_the_job_runs_in_a_real_worker_once(demo_settings: Settings, engine: Any) -> None:
    last, _ = await closed_sessions(demo_settings.DATABASE_URL)
    from arq.connections import RedisSettings, create_pool

    redis = await create_pool(RedisSettings.from_dsn(demo_settings.REDIS_URL))
    try:
        for _ in range(2):
            await redis.enqueue_job("summarise_meeting", last, _job_id=f"summary:{last}")
    finally:
        await redis.aclose()
    worker = await run_worker(demo_settings, engine, summarise_meeting, templates=job_templates())
    assert worker.jobs_complete == 1 and worker.jobs_failed == 0
    sessionmaker = create_sessionmaker(engine)
    async with sessionmaker() as session:
        pages = await session.scalar(select(func.count()).where(KnowledgePage.meeting_id == last))
    assert pages == 1


async def test_who_attended_hears_once_that_the_summary_is_published_in_their_language(
    demo_settings: Settings, demo_people: dict[str, int], engine: Any, smtp: Any
) -> None:
    import dataclasses
    from email.header import decode_header, make_header

    controller, inbox = smtp
    settings = dataclasses.replace(demo_settings, SMTP_PORT=str(controller.port))
    last, _ = await closed_sessions(settings.DATABASE_URL)
    sessionmaker = create_sessionmaker(engine)
    ctx = {"settings": settings, "sessionmaker": sessionmaker, "templates": job_templates()}
    page_id = int((await summarise_meeting(ctx, last)).rsplit(" ", 1)[1])
    assert await send_summary_published(ctx, page_id) == "told already"  # a draft: nobody
    connection = await asyncpg.connect(settings.DATABASE_URL)
    try:
        await connection.execute(
            "UPDATE knowledge_pages SET status = 'published', published_at = now() WHERE id = $1",
            page_id,
        )
        await connection.execute(
            "UPDATE persons SET locale = 'en' WHERE id = $1",
            demo_people["k.hoffmann@leipzig.example"],
        )
    finally:
        await connection.close()

    from arq.connections import RedisSettings, create_pool

    redis = await create_pool(RedisSettings.from_dsn(settings.REDIS_URL))
    try:
        await redis.enqueue_job("send_summary_published", page_id, _job_id=f"published:{page_id}")
    finally:
        await redis.aclose()
    worker = await run_worker(settings, engine, send_summary_published)
    assert worker.jobs_complete == 1
    subjects = sorted(str(make_header(decode_header(m["Subject"]))) for m in inbox.messages)
    assert len(subjects) == 2
    assert subjects[0].startswith("Summary published: ")
    assert subjects[1].startswith("Zusammenfassung veröffentlicht: ")
    assert sorted(map(tuple, inbox.envelope_recipients)) == [
        ("anna.becker@unterkunft-ukraine.example",),
        ("k.hoffmann@leipzig.example",),
    ]
    for message in inbox.messages:
        assert f"/knowledge/{page_id}" in message.get_payload(decode=True).decode()
    assert await send_summary_published(ctx, page_id) == "told already"
    assert len(inbox.messages) == 2
