"""Real services for the tests: PostgreSQL and Redis from DATABASE_URL / REDIS_URL (`make test`
starts private ones), fresh databases cloned from one migrated template, and the app served
for real by uvicorn in a subprocess when a test needs HTTP over a socket."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool
from starlette.testclient import TestClient

from server.app import create_app
from server.settings import ROOT, Settings, load_settings
from tests.sessions import sign_in

BASE_DATABASE_URL = os.environ.get("DATABASE_URL", "")
BASE_REDIS_URL = os.environ.get("REDIS_URL", "")
# Jobs and keys of the tests live apart from a developer's data, each pytest-xdist worker's
# in a database of its own (gw0: 3, gw1: 4 …; the live hub's channels carry the number too).
TEST_REDIS_DB = 3 + int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)


def pytest_configure(config: pytest.Config) -> None:
    if not BASE_DATABASE_URL or not BASE_REDIS_URL:
        raise pytest.UsageError(
            "run the tests with `make test` (it sets DATABASE_URL and REDIS_URL)"
        )


def _server_url(database: str) -> str:
    head, _, _ = BASE_DATABASE_URL.rpartition("/")
    return f"{head}/{database}"


def _asyncpg_dsn(database: str) -> str:
    return _server_url(database).replace("postgresql+asyncpg://", "postgresql://")


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_asyncpg_dsn("postgres"))
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="session")
async def template_database() -> AsyncIterator[str]:
    """A database migrated once with the real Alembic command; tests clone it."""
    name = f"kp_tpl_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": _server_url(name)}
    subprocess.run(  # noqa: ASYNC221 - once per test session, before any test runs
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    yield name
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def database_url(template_database: str) -> AsyncIterator[str]:
    """A fresh, migrated, empty database for this test alone."""
    name = f"kp_t_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield _server_url(name)
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
async def domain_engine(template_database: str) -> AsyncIterator[AsyncEngine]:
    name = f"kp_dom_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    engine = create_async_engine(
        Settings(DATABASE_URL=_server_url(name)).sqlalchemy_url, poolclass=NullPool
    )
    yield engine
    await engine.dispose()
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def session(domain_engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session inside a transaction that is rolled back after the test."""
    async with domain_engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The test Redis database, emptied before the test."""
    import redis

    url = BASE_REDIS_URL.rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}"
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    yield url


@pytest.fixture
def settings(database_url: str, redis_url: str, tmp_path: Path) -> Settings:
    return load_settings(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "test-secret-key",
            "STATE_DIR": str(tmp_path / "state"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "1",
        },
        dotenv=tmp_path / "no.env",
    )


@pytest.fixture
def client(settings: Settings, admin_id: int) -> Iterator[TestClient]:
    """The app in-process with its lifespan (database, Redis, live hub) running, on a database
    that holds nothing but one alliance admin, who is signed in."""
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        sign_in(test_client, settings.SECRET_KEY, admin_id)
        yield test_client


def free_port() -> int:
    """A free loopback port below 32768 (higher ones can be taken by outgoing connections)."""
    for _ in range(200):
        port = 20000 + uuid.uuid4().int % 12000
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


@dataclass
class Servers:
    """Starts real app processes (uvicorn) on loopback and stops them after the test."""

    settings: Settings
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def env(self, **overrides: str) -> dict[str, str]:
        """The environment of an app or worker process on these settings."""
        return {
            **os.environ,
            "DATABASE_URL": self.settings.DATABASE_URL,
            "REDIS_URL": self.settings.REDIS_URL,
            "SECRET_KEY": self.settings.SECRET_KEY,
            "STATE_DIR": self.settings.STATE_DIR,
            "SMTP_HOST": self.settings.SMTP_HOST,
            "SMTP_PORT": self.settings.SMTP_PORT,
            **overrides,
        }

    def start(self, **overrides: str) -> str:
        port = free_port()
        env = self.env(PORT=str(port), **overrides)
        log_path = Path(self.settings.STATE_DIR).parent / f"server-{port}.log"
        with open(log_path, "wb") as log:  # the child keeps its own copy of the file
            process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "--factory",
                    "server.app:create_app",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--timeout-graceful-shutdown",
                    "1",
                    "--no-access-log",
                ],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"app server exited: see {log_path}")
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"app server did not become healthy: see {log_path}")

    def start_worker(self, **overrides: str) -> subprocess.Popen[bytes]:
        """A real arq worker process of the app's jobs, on the same settings."""
        env = self.env(**overrides)
        log_path = Path(self.settings.STATE_DIR).parent / f"worker-{len(self.processes)}.log"
        with open(log_path, "wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "arq", "workers.settings.WorkerSettings"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def servers(settings: Settings) -> Iterator[Servers]:
    running = Servers(settings)
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
async def demo_database(database_url: str) -> str:
    """The test database with the demo data loaded by the real loader."""
    from server.demo import load_demo

    engine = create_async_engine(
        Settings(DATABASE_URL=database_url).sqlalchemy_url, poolclass=NullPool
    )
    async with AsyncSession(engine) as session:
        await load_demo(session)
        await session.commit()
    await engine.dispose()
    return database_url


ServerFactory = Callable[..., str]


@pytest.fixture
def demo_settings(demo_database: str, settings: Settings) -> Settings:
    """Settings of a test whose database holds the demo data."""
    assert demo_database == settings.DATABASE_URL
    return settings


DEMO_ADMIN = "petra.neumann@engagement-stiftung.example"


@pytest.fixture
async def demo_people(demo_database: str) -> dict[str, int]:
    """E-mail address -> id of every demo person."""
    connection = await asyncpg.connect(demo_database)
    try:
        rows = await connection.fetch("SELECT email, id FROM persons")
    finally:
        await connection.close()
    return {row["email"]: row["id"] for row in rows}


@pytest.fixture
def demo_client(demo_settings: Settings, demo_people: dict[str, int]) -> Iterator[TestClient]:
    """The app on the demo data, signed in as the demo alliance admin."""
    with TestClient(create_app(demo_settings), follow_redirects=False) as test_client:
        sign_in(test_client, demo_settings.SECRET_KEY, demo_people[DEMO_ADMIN])
        yield test_client


@pytest.fixture
async def admin_id(database_url: str) -> int:
    """An alliance admin (of an organisation of their own) in the otherwise empty database."""
    connection = await asyncpg.connect(database_url)
    try:
        organisation = await connection.fetchval(
            "INSERT INTO organisations (name, kind, federal_level) "
            "VALUES ('Bündnisbüro', 'other', 'bund') RETURNING id"
        )
        return int(
            await connection.fetchval(
                "INSERT INTO persons (organisation_id, name, email, is_alliance_admin) "
                "VALUES ($1, 'Ada Admin', 'ada@buendnis.example', true) RETURNING id",
                organisation,
            )
        )
    finally:
        await connection.close()
