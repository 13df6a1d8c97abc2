"""A real arq worker process, killed (SIGKILL) while the summary job is in the middle of
writing the page (its INSERT waits on a table lock the test holds, inside the job's open
transaction): nothing of the page is left, and once arq hands the job to a new worker the page
is written exactly once, complete."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time

import asyncpg
from arq.connections import RedisSettings, create_pool

from server.settings import ROOT, Settings
from tests.workers.test_summary_job import closed_sessions

JOB_TIMEOUT = 2  # arq hands a job on after its worker vanished: job timeout + 10 s
WORKER = (
    "from arq import run_worker; from workers.settings import WorkerSettings; "
    f"run_worker(WorkerSettings, job_timeout={JOB_TIMEOUT}, poll_delay=0.1)"
)


def start_worker(settings: Settings) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.DATABASE_URL,
        "REDIS_URL": settings.REDIS_URL,
        "SECRET_KEY": settings.SECRET_KEY,
        "STATE_DIR": settings.STATE_DIR,
        "SMTP_PORT": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def eventually(connection: asyncpg.Connection, sql: str, *args: object) -> object:
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        value = await connection.fetchval(sql, *args)
        if value:
            return value
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {sql}")


async def test_a_worker_killed_mid_write_leaves_nothing_and_the_retry_writes_one_page(
    demo_settings: Settings,
) -> None:
    meeting, _ = await closed_sessions(demo_settings.DATABASE_URL)
    lock = await asyncpg.connect(demo_settings.DATABASE_URL)
    watch = await asyncpg.connect(demo_settings.DATABASE_URL)
    redis = await create_pool(RedisSettings.from_dsn(demo_settings.REDIS_URL))
    first = second = None
    try:
        await redis.enqueue_job("summarise_meeting", meeting, _job_id=f"summary:{meeting}")
        transaction = lock.transaction()
        await transaction.start()
        await lock.execute("LOCK TABLE knowledge_pages IN EXCLUSIVE MODE")

        first = start_worker(demo_settings)
        # The job's transaction is open and its INSERT of the page waits for the lock.
        await eventually(
            watch,
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query ILIKE 'INSERT INTO knowledge_pages%'",
        )
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        await transaction.rollback()
        assert (
            await watch.fetchval(
                "SELECT count(*) FROM knowledge_pages WHERE meeting_id = $1", meeting
            )
            == 0
        )
        assert (
            await watch.fetchval(
                "SELECT count(*) FROM knowledge_revisions r JOIN knowledge_pages p "
                "ON p.id = r.page_id WHERE p.meeting_id = $1",
                meeting,
            )
            == 0
        )

        second = start_worker(demo_settings)
        await eventually(
            watch, "SELECT count(*) FROM knowledge_pages WHERE meeting_id = $1", meeting
        )
        await asyncio.sleep(1)  # anything more would come now
        pages = await watch.fetch(
            "SELECT id, body, version FROM knowledge_pages WHERE meeting_id = $1", meeting
        )
        assert len(pages) == 1
        (page,) = pages
        assert page["version"] == 1 and page["body"].rstrip().endswith(
            "Antragsformular ist noch zu lang."
        )
        assert (
            await watch.fetchval(
                "SELECT count(*) FROM knowledge_revisions WHERE page_id = $1", page["id"]
            )
            == 1
        )
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                worker.terminate()
                worker.wait(10)
        await redis.aclose()
        await lock.close()
        await watch.close()
