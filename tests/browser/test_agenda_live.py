"""The agenda planned together in two browsers: a member proposes, the moderator's page shows
the item without reloading (the list and the moderator's own controls), the moderator accepts
it and the member's page shows that too; the page was never reloaded."""

from __future__ import annotations

import asyncpg
import pytest
from playwright.async_api import expect

from server.settings import Settings
from tests.browser.conftest import ContextFactory, translated
from tests.browser.test_board_live import ANNA, KATRIN, live, open_as
from tests.conftest import Servers

pytestmark = pytest.mark.browser


async def _planned_session(database_url: str) -> int:
    connection = await asyncpg.connect(database_url)
    try:
        series = await connection.fetchval(
            "INSERT INTO session_series (group_id, title, weekday, starts_at) SELECT id, "
            "'Agenda live', 3, '10:00' FROM working_groups WHERE slug='ag-unterkunft' "
            "RETURNING id"
        )
        return int(
            await connection.fetchval(
                "INSERT INTO meetings (series_id, title, starts_at, ends_at) VALUES ($1, "
                "'Agenda live', now() + interval '7 days', "
                "now() + interval '7 days 90 minutes') RETURNING id",
                series,
            )
        )
    finally:
        await connection.close()


async def test_a_proposal_and_its_acceptance_arrive_live_on_both_pages(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
) -> None:
    meeting = await _planned_session(demo_database)
    base = servers.start()
    url = f"{base}/sessions/{meeting}"
    anna = await live(await open_as(new_context, settings, demo_people[ANNA], url))
    katrin = await live(await open_as(new_context, settings, demo_people[KATRIN], url))

    await katrin.locator("#agenda-new-title").fill("Wohnungen für große Familien")
    await katrin.locator("#agenda-new-planned_minutes").fill("20")
    # Her own answer is swapped in before anyone acts on the item (else a slow answer could
    # land after the live news of the acceptance).
    async with katrin.expect_response(
        lambda response: response.request.method == "POST" and "/agenda" in response.url
    ):
        await katrin.get_by_role("button", name=translated("de", "Propose the item")).click()
    await expect(katrin.locator("#agenda-list")).to_contain_text("Wohnungen für große Familien")

    item = anna.locator("#agenda-list li").filter(has_text="Wohnungen für große Familien")
    await expect(item).to_have_attribute("data-status", "proposed")
    accept = anna.locator("#agenda-moderation").get_by_role(
        "button", name=translated("de", "Accept “%(title)s”", title="Wohnungen für große Familien")
    )
    await expect(accept).to_be_visible()  # the moderator's own block, fetched again
    await accept.click()

    mine = katrin.locator("#agenda-list li").filter(has_text="Wohnungen für große Familien")
    await expect(mine).to_have_attribute("data-status", "accepted")
    assert await anna.evaluate("window.knotenpunktTestMarker") == "not reloaded"
    # Katrin's page swapped in the agenda section after her proposal: still the same page.
    assert await katrin.evaluate("window.knotenpunktTestMarker") == "not reloaded"
