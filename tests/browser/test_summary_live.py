"""From a closed session to a knowledge page someone finds, in two browsers with a real app
process and a real arq worker: a participant writes notes, the moderator closes the session,
the draft summary appears on the moderator's page by itself, the moderator publishes it, the
participant's page says so live, and a search for a word from the notes finds the page."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import assert_accessible
from tests.browser.test_session_live import SessionPages, de, session_pages
from tests.conftest import Servers

pytestmark = pytest.mark.browser
__all__ = ["session_pages"]  # the fixture, used here

WORD = "Zeltplätze"


async def test_close_see_the_draft_publish_it_and_find_it(
    session_pages: SessionPages, servers: Servers
) -> None:
    servers.start_worker()
    board, base = session_pages.board, session_pages.base
    anna, katrin = session_pages.anna, session_pages.katrin

    await anna.get_by_role("button", name=de("Start the session")).click()
    await expect(anna.locator("#board-next")).to_be_visible()
    await anna.keyboard.press("Alt+KeyN")
    field = katrin.locator(f"#notes-text-{board.items[0]}")
    await field.fill(f"Wir brauchen {WORD} am Stadtrand. Die Stadt prüft zwei Flächen.")
    await expect(katrin.locator(f"#notes-status-{board.items[0]}")).to_have_text(de("Saved."))

    await anna.locator("details.close-session summary").click()
    await anna.get_by_role("button", name=de("Close the session now")).click()
    review = anna.get_by_role("link", name=de("Review and publish the draft summary"))
    await expect(review).to_be_visible(timeout=15_000)  # the worker wrote it meanwhile
    await expect(katrin.locator("#session-summary")).to_contain_text(
        de("The summary is written; the moderation reviews it before it is published.")
    )

    await review.click()
    await expect(anna.locator("#page-title")).to_be_visible()
    await expect(anna.locator(".page-body")).to_contain_text(WORD)
    await assert_accessible(anna)
    await anna.get_by_role("button", name=de("Publish the summary")).click()
    await expect(anna.locator("#publish")).to_have_count(0)

    read = katrin.get_by_role("link", name=de("Read the summary of this session"))
    await expect(read).to_be_visible()
    await katrin.goto(f"{base}/knowledge?q={WORD}")
    found = katrin.locator("#knowledge-pages a").first
    await expect(found).to_be_visible()
    await found.click()
    await expect(katrin.locator(".page-body")).to_contain_text(WORD)
    await assert_accessible(katrin)
