"""Two open pages of one working group: a change made in one appears in the other without a
reload, and a page that lost its connection catches up with what it missed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.async_api import Page, Request, Route, expect

from tests.browser.conftest import (
    ContextFactory,
    assert_accessible,
    translated,
)
from tests.browser.proxy import CuttableProxy
from tests.conftest import Servers

pytestmark = pytest.mark.browser

GROUP = "/groups/ag-unterkunft"
MEMBERS_BEFORE = 3  # the demo data's AG Unterkunft
NEWCOMER = "Sprachbrücke gGmbH"
SECOND_NEWCOMER = "Willkommensnetz Leipzig-Ost"
RECONNECT_TIMEOUT_MS = 15_000  # the browser retries after 1 s, htmx backs off after failures


async def open_group_page(
    new_context: ContextFactory, base: str, live_requests: list[Request] | None = None
) -> Page:
    """The group page in a browser of its own, once its live connection is up."""
    page = await (await new_context()).new_page()
    if live_requests is not None:
        page.on("request", lambda r: live_requests.append(r) if is_live(r) else None)
    await page.goto(base + GROUP)
    await expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    # Survives only as long as the document does: proves that nothing reloaded the page.
    await page.evaluate("window.knotenpunktTestMarker = 'not reloaded'")
    return page


def is_live(request: Request) -> bool:
    return "/live?" in request.url


async def assert_not_reloaded(page: Page) -> None:
    assert await page.evaluate("window.knotenpunktTestMarker") == "not reloaded"


async def join(page: Page, organisation: str) -> None:
    """Choose the organisation in the page's join form and submit it (htmx); return once the
    answer has replaced the form and htmx has set it up again (so it can be used at once)."""
    form = page.locator("#join form")
    await form.get_by_label(translated("de", "Organisation")).select_option(label=organisation)
    await page.evaluate(
        """() => {
            window.knotenpunktTestSettled = new Promise((resolve) => {
                document.addEventListener("htmx:afterSettle", function settled(event) {
                    if (!event.detail.requestConfig) return;  // a live update
                    document.removeEventListener("htmx:afterSettle", settled);
                    resolve();
                });
            });
        }"""
    )
    await form.get_by_role("button").click()
    await page.evaluate("() => window.knotenpunktTestSettled")


async def expect_member(page: Page, organisation: str, count: int) -> None:
    members = page.locator("#members")
    await expect(members.get_by_role("link", name=organisation, exact=True)).to_have_count(1)
    await expect(members.locator(".count")).to_have_text(f"({count})")


async def test_a_join_appears_live_in_every_open_page(
    demo_database: str, servers: Servers, new_context: ContextFactory
) -> None:
    base = servers.start()
    page_a = await open_group_page(new_context, base)
    page_b = await open_group_page(new_context, base)
    await expect(page_b.locator("#members .count")).to_have_text(f"({MEMBERS_BEFORE})")
    await expect(page_b.locator("#members").get_by_text(NEWCOMER)).to_have_count(0)
    # The reader of page B is about to choose an organisation too.
    await page_b.locator("#organisation_id").focus()

    await join(page_a, NEWCOMER)

    announcement = translated("de", "%(name)s joined the working group.", name=NEWCOMER)
    for page in (page_b, page_a):
        await expect_member(page, NEWCOMER, MEMBERS_BEFORE + 1)
        await expect(page.locator("#live-announcer")).to_have_text(announcement)
        await assert_not_reloaded(page)
    announcer = page_b.locator("#live-announcer")
    await expect(announcer).to_have_attribute("aria-live", "polite")
    await expect(announcer).to_have_attribute("role", "status")
    # Page A's form confirms the join and no longer offers the organisation.
    await expect(page_a.locator("#join .notice")).to_have_text(announcement)
    options = page_a.locator("#organisation_id option")
    await expect(options.filter(has_text=NEWCOMER)).to_have_count(0)
    # Live updates never take the focus away from where the reader is.
    await expect(page_b.locator("#organisation_id")).to_be_focused()
    # The pages stay accessible after the live swap.
    await assert_accessible(page_b)


async def test_the_same_organisation_cannot_join_twice(
    demo_database: str, servers: Servers, new_context: ContextFactory
) -> None:
    base = servers.start()
    page_a = await open_group_page(new_context, base)
    page_b = await open_group_page(new_context, base)

    await join(page_a, NEWCOMER)
    await expect_member(page_b, NEWCOMER, MEMBERS_BEFORE + 1)
    # Page B's form was rendered before the join and still offers the organisation.
    await join(page_b, NEWCOMER)

    select = page_b.locator("#organisation_id")
    error = page_b.locator("#organisation_id-error")
    await expect(error).to_have_text(
        translated("de", "%(name)s is already a member of this working group.", name=NEWCOMER)
    )
    await expect(select).to_have_attribute("aria-invalid", "true")
    await expect(select).to_have_attribute("aria-describedby", "organisation_id-error")
    await expect(select).to_be_focused()
    await expect_member(page_b, NEWCOMER, MEMBERS_BEFORE + 1)
    await expect_member(page_a, NEWCOMER, MEMBERS_BEFORE + 1)
    await assert_not_reloaded(page_b)
    await assert_accessible(page_b)


@pytest.fixture
async def proxies() -> AsyncIterator[list[CuttableProxy]]:
    started: list[CuttableProxy] = []
    try:
        yield started
    finally:
        for proxy in started:
            await proxy.stop()


async def stream_position(request: Request) -> int:
    """Where a request to /live asks the stream to resume: Last-Event-ID, else `after`."""
    header = (await request.all_headers()).get("last-event-id")
    after = parse_qs(urlsplit(request.url).query).get("after", [""])[0]
    return int(header or after or -1)


@pytest.mark.parametrize(
    "outage",
    [
        pytest.param(None, id="network-drop"),  # the browser's own reconnect (Last-Event-ID)
        pytest.param(502, id="app-unavailable"),  # EventSource fails; htmx reconnects (after=)
    ],
)
async def test_a_page_catches_up_after_losing_its_connection(
    outage: int | None,
    demo_database: str,
    servers: Servers,
    new_context: ContextFactory,
    proxies: list[CuttableProxy],
) -> None:
    base = servers.start()
    proxy = await CuttableProxy("127.0.0.1", urlsplit(base).port or 80).start()
    proxies.append(proxy)
    page_a = await open_group_page(new_context, base)
    live_requests: list[Request] = []
    page_b = await open_group_page(new_context, proxy.url, live_requests)  # through the proxy
    status_b = page_b.locator("#connection-status")
    rendered_at = await stream_position(live_requests[0])

    # A first change arrives live, so page B knows a position in the stream.
    await join(page_a, NEWCOMER)
    await expect_member(page_b, NEWCOMER, MEMBERS_BEFORE + 1)

    # The line drops, and page B's first attempt to reconnect fails too.
    first_stream = live_requests[0]
    async with page_b.expect_event(
        "requestfinished" if outage else "requestfailed",
        predicate=lambda r: is_live(r) and r is not first_stream,
        timeout=RECONNECT_TIMEOUT_MS,
    ):
        proxy.cut(status=outage)
        await expect(status_b).to_have_attribute("data-state", "disconnected")
        await expect(status_b).to_have_text(
            translated("de", "Connection lost – reconnecting; nothing will be missed.")
        )
    await join(page_a, SECOND_NEWCOMER)
    await expect_member(page_a, SECOND_NEWCOMER, MEMBERS_BEFORE + 2)
    # Page A has the change live; page B, cut off, has not.
    await expect_member(page_b, NEWCOMER, MEMBERS_BEFORE + 1)
    await expect(page_b.locator("#members").get_by_text(SECOND_NEWCOMER)).to_have_count(0)

    proxy.restore()
    await expect(status_b).to_have_attribute(
        "data-state", "connected", timeout=RECONNECT_TIMEOUT_MS
    )
    await expect_member(page_b, SECOND_NEWCOMER, MEMBERS_BEFORE + 2)
    await expect(page_b.locator("#live-announcer")).to_have_text(
        translated("de", "%(name)s joined the working group.", name=SECOND_NEWCOMER)
    )
    await expect(status_b).to_have_text(translated("de", "Live: changes appear as they happen."))
    await assert_not_reloaded(page_b)
    # The reconnect that got through resumed after the first change, not at the render position.
    resumed = live_requests[-1]
    assert (await resumed.response()) is not None
    assert await stream_position(resumed) > rendered_at, [
        (r.url, await stream_position(r)) for r in live_requests
    ]


async def test_changes_made_before_the_live_connection_opens_all_arrive(
    demo_database: str, servers: Servers, new_context: ContextFactory
) -> None:
    """A page rendered before two joins connects after them: the replay sends both events at
    once, and the page must apply both, not only the first."""
    base = servers.start()
    page_a = await open_group_page(new_context, base)
    page_b = await (await new_context()).new_page()
    held: list[Route] = []
    release = asyncio.Event()

    async def hold_live(route: Route) -> None:
        held.append(route)
        await release.wait()
        await route.continue_()

    await page_b.route("**/live?*", hold_live)
    try:
        await page_b.goto(base + GROUP)
        await expect(page_b.locator("#members .count")).to_have_text(f"({MEMBERS_BEFORE})")
        await join(page_a, NEWCOMER)
        await expect_member(page_a, NEWCOMER, MEMBERS_BEFORE + 1)
        await join(page_a, SECOND_NEWCOMER)
        await expect_member(page_a, SECOND_NEWCOMER, MEMBERS_BEFORE + 2)
        assert held, "page B never asked for its live stream"
        await expect(page_b.locator("#connection-status")).to_have_attribute(
            "data-state", "connecting"
        )
    finally:
        release.set()
    await expect(page_b.locator("#connection-status")).to_have_attribute("data-state", "connected")
    await expect_member(page_b, NEWCOMER, MEMBERS_BEFORE + 2)
    await expect_member(page_b, SECOND_NEWCOMER, MEMBERS_BEFORE + 2)
    await expect(page_b.locator("#live-announcer")).to_have_text(
        translated("de", "%(name)s joined the working group.", name=SECOND_NEWCOMER)
    )


async def test_the_indicator_recovers_when_the_browser_is_back_online(
    demo_database: str, servers: Servers, new_context: ContextFactory
) -> None:
    base = servers.start()
    page_a = await open_group_page(new_context, base)
    page_b = await open_group_page(new_context, base)
    status_b = page_b.locator("#connection-status")

    await page_b.context.set_offline(True)
    await expect(status_b).to_have_attribute("data-state", "disconnected")
    await page_b.context.set_offline(False)
    # The open stream outlived the blip (Chromium keeps it): changes still arrive live ...
    await join(page_a, NEWCOMER)
    await expect_member(page_b, NEWCOMER, MEMBERS_BEFORE + 1)
    # ... so the page must not go on claiming that the connection is lost.
    await expect(status_b).to_have_attribute("data-state", "connected", timeout=2_000)
