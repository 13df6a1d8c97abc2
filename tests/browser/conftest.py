"""Chromium through Playwright: one browser per test session, fresh German browser contexts per
test, the app served for real, and `assert_accessible(page)`, which runs axe-core in the page.

The tests use Playwright's async API on pytest-asyncio's session loop: the sync API keeps its
own loop marked as running between calls, which stops the async fixtures of tests/conftest.py
(the databases) from running.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from server import i18n
from server.sessions import SESSION_COOKIE
from server.settings import ROOT, Settings, load_settings
from tests.conftest import BASE_DATABASE_URL, BASE_REDIS_URL, TEST_REDIS_DB, Servers
from tests.sessions import signed_in_cookie

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")
ACTION_TIMEOUT_MS = 10_000
LIVE_TIMEOUT_MS = 5_000  # how long a change may take to reach another open page

ContextFactory = Callable[..., Awaitable[BrowserContext]]

expect.set_options(timeout=LIVE_TIMEOUT_MS)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    _require(Path(CHROMIUM), "install the Debian package `chromium`")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


# The demo loader creates the alliance admin first (checked in tests/http/test_pages.py).
DEMO_ADMIN_ID = 1


@pytest.fixture
async def new_context(browser: Browser) -> AsyncIterator[ContextFactory]:
    """Opens browser contexts (each like a browser of its own: cookies, connections) reading
    German, and closes them after the test. They bypass the page's Content-Security-Policy
    only so that axe-core can be injected; the app's own scripts never need that."""
    contexts: list[BrowserContext] = []

    async def open_context(signed_in: bool = True, **options: Any) -> BrowserContext:
        """A context signed in as the demo alliance admin unless `signed_in=False`."""
        context = await browser.new_context(locale="de-DE", bypass_csp=True, **options)
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        if signed_in:
            cookie, _ = signed_in_cookie("test-secret-key", DEMO_ADMIN_ID)
            await context.add_cookies(
                [{"name": SESSION_COOKIE, "value": cookie, "domain": "127.0.0.1", "path": "/"}]
            )
        contexts.append(context)
        return context

    try:
        yield open_context
    finally:
        for context in contexts:
            await context.close()


@pytest.fixture
async def page(new_context: ContextFactory) -> Page:
    context = await new_context()
    return await context.new_page()


@pytest.fixture(scope="module")
async def demo_server(
    template_database: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[str]:
    """One app server on its own demo database for a module of tests that change nothing
    (the read-only pages): a server and a database per test would only cost time."""
    from server.demo import load_demo

    name = f"kp_t_{uuid.uuid4().hex[:10]}"
    await _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    database_url = BASE_DATABASE_URL.rpartition("/")[0] + f"/{name}"
    engine = create_async_engine(
        Settings(DATABASE_URL=database_url).sqlalchemy_url, poolclass=NullPool
    )
    async with AsyncSession(engine) as session:
        await load_demo(session)
        await session.commit()
    await engine.dispose()
    state = tmp_path_factory.mktemp("demo-server")
    settings = load_settings(
        {
            "DATABASE_URL": database_url,
            "REDIS_URL": BASE_REDIS_URL.rsplit("/", 1)[0] + f"/{TEST_REDIS_DB}",
            "SECRET_KEY": "test-secret-key",
            "STATE_DIR": str(state / "state"),
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": "1",
        },
        dotenv=state / "no.env",
    )
    servers = Servers(settings)
    try:
        yield servers.start()
    finally:
        servers.stop()
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _admin(sql: str) -> None:
    head = BASE_DATABASE_URL.rpartition("/")[0].replace("postgresql+asyncpg://", "postgresql://")
    connection = await asyncpg.connect(f"{head}/postgres")
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def translated(locale: str, message: str, **params: str) -> str:
    """A message as the app shows it in `locale`, from the same catalogs."""
    with i18n.use_locale(locale):
        text = i18n.gettext(message)
    return text % params if params else text


def _require(path: Path, hint: str) -> None:
    if not path.is_file():
        pytest.fail(f"{path} is missing: {hint}", pytrace=False)


@cache
def _axe_source() -> str:
    _require(AXE, "run `npm ci`")
    return AXE.read_text(encoding="utf-8")


async def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Every axe-core violation on the page as it is now."""
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        await page.evaluate(_axe_source())
    return await page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
    )


async def assert_accessible(page: Page) -> None:
    """Fail with a readable list of every serious or critical axe-core finding on the page."""
    serious = [v for v in await axe_violations(page) if v.get("impact") in BLOCKING_IMPACTS]
    if not serious:
        return
    lang = await page.evaluate("document.documentElement.lang")
    lines = [
        f"{len(serious)} serious or critical axe-core violation(s) on {page.url} (lang={lang!r}):"
    ]
    for violation in serious:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"    at {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            for hint in _hints(node.get("failureSummary") or ""):
                lines.append(f"      {hint}")
    pytest.fail("\n".join(lines), pytrace=False)


def _hints(failure_summary: str) -> list[str]:
    """axe's "Fix any of the following:" blocks, one line each, the fixes joined by "; "."""
    hints: list[str] = []
    for line in failure_summary.splitlines():
        if not line.strip():
            continue
        if not line.startswith(" ") or not hints:
            hints.append(line.strip())
        else:
            separator = " " if hints[-1].endswith(":") else "; "
            hints[-1] += separator + line.strip()
    return hints
