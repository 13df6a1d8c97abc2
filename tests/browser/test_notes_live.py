"""Notes written by two participants at once in two browsers: each sees the other's text
without reloading; an edit made while one's line is down waits, says plainly that it is not
saved, is sent once the line is back and merged with what the other wrote meanwhile; a change
of the same words comes back with both versions, hers marked, for her to decide."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import pytest
from playwright.async_api import expect

from server.settings import Settings
from tests.browser.conftest import ContextFactory, assert_accessible, translated
from tests.browser.proxy import CuttableProxy
from tests.browser.test_session_live import KATRIN, open_as, person_of_nordsachsen
from tests.conftest import Servers
from tests.meeting_board import board_of_ag_unterkunft

pytestmark = pytest.mark.browser


@pytest.fixture
async def proxy() -> AsyncIterator[list[CuttableProxy]]:
    started: list[CuttableProxy] = []
    try:
        yield started
    finally:
        for running in started:
            await running.stop()


async def test_two_participants_write_notes_at_once_and_an_offline_edit_is_sent_later(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
    proxy: list[CuttableProxy],
) -> None:
    board = await board_of_ag_unterkunft(demo_database)
    lena_id = await person_of_nordsachsen(demo_database)
    base = servers.start()
    line = await CuttableProxy("127.0.0.1", urlsplit(base).port or 80).start()
    proxy.append(line)
    katrin = await open_as(new_context, settings, demo_people[KATRIN], base + board.path)
    lena = await open_as(new_context, settings, lena_id, line.url + board.path)
    # Katrin's line never drops: her first save is posted and opens the page's socket, her
    # later ones go over it.
    posts: list[str] = []
    katrin.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    field = f"#notes-text-{board.items[0]}"
    status = f"#notes-status-{board.items[0]}"
    version = f"#notes-{board.items[0]} [name=version]"

    await katrin.locator(field).fill("Zwei Turnhallen in Leipzig.")
    await expect(katrin.locator(status)).to_have_text(translated("de", "Saved."))
    await expect(lena.locator(field)).to_have_value("Zwei Turnhallen in Leipzig.")

    # Lena's line drops; she writes on, and is told plainly that it is not saved yet.
    line.cut()
    await expect(lena.locator("#connection-status")).to_have_attribute("data-state", "disconnected")
    await lena.locator(field).fill("Zwei Turnhallen in Leipzig. Duschen fehlen.")
    await expect(lena.locator(status)).to_have_text(
        translated(
            "de", "Not saved yet: no connection. It is sent as soon as the connection is back."
        )
    )
    # Meanwhile Katrin changes another place.
    await katrin.locator(field).fill("Drei Turnhallen in Leipzig.")
    await expect(katrin.locator(version)).to_have_value("2")

    line.restore()
    await expect(lena.locator("#connection-status")).to_have_attribute(
        "data-state", "connected", timeout=15_000
    )
    merged = "Drei Turnhallen in Leipzig. Duschen fehlen."
    await expect(lena.locator(field)).to_have_value(merged)
    await expect(lena.locator(status)).to_have_text(translated("de", "Saved."))
    await expect(katrin.locator(field)).to_have_value(merged)

    # Both change the same word while Lena is offline: she gets both, hers marked, and decides.
    line.cut()
    await expect(lena.locator("#connection-status")).to_have_attribute("data-state", "disconnected")
    await lena.locator(field).fill(merged.replace("Drei", "Vier"))
    await expect(lena.locator(status)).to_have_text(
        translated(
            "de", "Not saved yet: no connection. It is sent as soon as the connection is back."
        )
    )
    await katrin.locator(field).fill(merged.replace("Drei", "Fünf"))
    await expect(katrin.locator(version)).to_have_value("4")
    line.restore()
    await expect(lena.locator(field)).to_have_value(
        merged.replace("Drei", "Fünf⟦Vier⟧"), timeout=15_000
    )
    await expect(lena.locator(field)).to_have_attribute("aria-invalid", "true")
    await expect(lena.locator(status)).to_contain_text("⟦…⟧")
    resolved = merged.replace("Drei", "Fünf oder vier")
    await lena.locator(field).fill(resolved)
    await expect(lena.locator(status)).to_have_text(translated("de", "Saved."))
    await expect(katrin.locator(field)).to_have_value(resolved)

    markers = [await page.evaluate("window.knotenpunktTestMarker") for page in (katrin, lena)]
    assert markers == ["not reloaded"] * 2
    assert len(posts) == 1 and posts[0].endswith(f"/items/{board.items[0]}/notes")
    await assert_accessible(lena)
