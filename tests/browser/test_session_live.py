"""A session run live in three browsers: the moderator moves through the agenda by keyboard and
gives the floor, two participants raise their hands, and each sees the others' changes without
reloading; the timer counts down in every page; a participant whose line drops misses nothing."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg
import pytest
from playwright.async_api import Page, expect

from server.sessions import SESSION_COOKIE
from server.settings import Settings
from tests.browser.conftest import ContextFactory, assert_accessible, translated
from tests.browser.proxy import CuttableProxy
from tests.conftest import Servers
from tests.meeting_board import Board, board_of_ag_unterkunft
from tests.sessions import signed_in_cookie

pytestmark = pytest.mark.browser

ANNA = "anna.becker@unterkunft-ukraine.example"  # moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt, in the group


async def person_of_nordsachsen(database_url: str) -> int:
    """Another participant: a person of Landkreis Nordsachsen, in AG Unterkunft."""
    connection = await asyncpg.connect(database_url)
    try:
        return int(
            await connection.fetchval(
                "INSERT INTO persons (organisation_id, name, email) SELECT id, 'Lena Lindner', "
                "'l.lindner@nordsachsen.example' FROM organisations "
                "WHERE name = 'Landkreis Nordsachsen' RETURNING id"
            )
        )
    finally:
        await connection.close()


async def open_as(new_context: ContextFactory, settings: Settings, person: int, url: str) -> Page:
    context = await new_context(signed_in=False)
    cookie, _ = signed_in_cookie(settings.SECRET_KEY, person)
    await context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie, "domain": "127.0.0.1", "path": "/"}]
    )
    page = await context.new_page()
    await page.goto(url)
    await expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    await page.evaluate("window.knotenpunktTestMarker = 'not reloaded'")
    return page


@dataclass
class SessionPages:
    board: Board
    base: str
    anna: Page  # the moderator
    katrin: Page  # a participant


@pytest.fixture
async def session_pages(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
) -> SessionPages:
    """A planned session of AG Unterkunft served by an app process, open as Anna and Katrin."""
    board = await board_of_ag_unterkunft(demo_database)
    base = servers.start()
    anna = await open_as(new_context, settings, demo_people[ANNA], base + board.path)
    katrin = await open_as(new_context, settings, demo_people[KATRIN], base + board.path)
    return SessionPages(board, base, anna, katrin)


@pytest.fixture
async def proxy() -> AsyncIterator[list[CuttableProxy]]:
    started: list[CuttableProxy] = []
    try:
        yield started
    finally:
        for running in started:
            await running.stop()


def de(message: str, **params: str) -> str:
    return translated("de", message, **params)


async def test_a_moderator_and_two_participants_run_a_session_live(
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
    anna = await open_as(new_context, settings, demo_people[ANNA], base + board.path)
    katrin = await open_as(new_context, settings, demo_people[KATRIN], base + board.path)
    lena = await open_as(new_context, settings, lena_id, line.url + board.path)  # a cuttable line
    everyone = (anna, katrin, lena)

    await anna.get_by_role("button", name=de("Start the session")).click()
    for page in (katrin, lena):
        await expect(page.locator("#live-announcer")).to_have_text(de("The session has started."))
    # The moderator's page learnt the new version and its buttons: Alt+N makes item 1 current.
    await expect(anna.locator("#board-next")).to_be_visible()
    await anna.keyboard.press("Alt+KeyN")
    for page in everyone:
        await expect(page.locator("#session-board .current-item h3")).to_have_text(
            "Winterquartiere"
        )
    # The timer counts down in every page, from the server's start time.
    for page in everyone:
        await expect(page.locator("#session-board .timer [data-timer-value]")).not_to_have_text(
            "15:00", timeout=4_000
        )
        await expect(page.locator("#session-board .timer [data-timer-value]")).to_have_text(
            re.compile(r"^14:[45]\d$")
        )

    # Both participants raise their hands; everyone sees the list in order.
    await katrin.get_by_role("button", name=de("Raise my hand")).click()
    await expect(katrin.get_by_role("button", name=de("Lower my hand"))).to_be_visible()
    await lena.get_by_role("button", name=de("Raise my hand")).click()
    for page in everyone:
        speakers = page.locator("#session-board .speakers li")
        await expect(speakers).to_have_count(2)
        await expect(speakers.nth(0)).to_contain_text("Katrin Hoffmann")
        await expect(speakers.nth(1)).to_contain_text("Lena Lindner")

    # The moderator gives the floor to the next speaker by keyboard (Alt+F).
    await expect(anna.locator("#board-floor-next")).to_contain_text("Katrin Hoffmann")
    await anna.keyboard.press("Alt+KeyF")
    for page in everyone:
        await expect(page.locator("#session-board .speakers li.speaking")).to_contain_text(
            "Katrin Hoffmann"
        )
    await expect(anna.locator("#board-floor-next")).to_contain_text("Lena Lindner")
    await anna.locator("#board-floor-next").click()
    for page in everyone:
        await expect(page.locator("#session-board .speakers li.speaking")).to_contain_text(
            "Lena Lindner"
        )
        await expect(page.locator("#session-board .speakers li")).to_have_count(1)
    # Katrin is done speaking: she may raise her hand again.
    await expect(katrin.get_by_role("button", name=de("Raise my hand"))).to_be_visible()

    # Alt+N while typing the outcome does nothing; the button moves on to the next item.
    await anna.locator("#board-outcome").fill("Zwei Quartiere gefunden.")
    await anna.locator("#board-outcome").press("Alt+KeyN")
    await expect(katrin.locator("#session-board .current-item h3")).to_have_text("Winterquartiere")
    await anna.get_by_role("button", name=de("Close the item")).click()
    for page in everyone:
        await expect(page.locator("#session-board .current-item")).to_contain_text(
            "Zwei Quartiere gefunden."
        )
    await expect(lena.get_by_role("button", name=de("Raise my hand"))).to_be_hidden()
    await anna.keyboard.press("Alt+KeyN")
    for page in everyone:
        await expect(page.locator("#session-board .current-item h3")).to_have_text("Umzüge")
        await expect(page.locator("#session-board .agenda-board li.current")).to_contain_text(
            "Umzüge"
        )
    await expect(lena.get_by_role("button", name=de("Raise my hand"))).to_be_visible()

    # Lena's line drops while Katrin raises her hand and gets the floor; back online, Lena's
    # page catches up on both changes.
    line.cut()
    await expect(lena.locator("#connection-status")).to_have_attribute("data-state", "disconnected")
    await katrin.get_by_role("button", name=de("Raise my hand")).click()
    await expect(anna.locator("#board-floor-next")).to_contain_text("Katrin Hoffmann")
    await anna.locator("#board-floor-next").click()
    await expect(katrin.locator("#session-board .speakers li.speaking")).to_contain_text(
        "Katrin Hoffmann"
    )
    await expect(lena.locator("#session-board .speakers li")).to_have_count(0)
    line.restore()
    await expect(lena.locator("#connection-status")).to_have_attribute(
        "data-state", "connected", timeout=15_000
    )
    await expect(lena.locator("#session-board .speakers li.speaking")).to_contain_text(
        "Katrin Hoffmann"
    )
    await expect(lena.locator("#live-announcer")).to_have_text(
        de("%(name)s has the floor.", name="Katrin Hoffmann")
    )

    markers = [await page.evaluate("window.knotenpunktTestMarker") for page in everyone]
    assert markers == ["not reloaded"] * 3
    await assert_accessible(anna)
    await assert_accessible(katrin)

    # Who is present, by organisation, on every page.
    for page in everyone:
        present = page.locator("#presence-live [data-present-organisation]")
        await expect(present).to_have_count(3)
    await expect(katrin.locator("#presence-live")).to_contain_text("Landkreis Nordsachsen")

    # The moderator records a decision and an action item; the participants see them live.
    await anna.locator("#decision").fill("Umzugshilfe über die Pinnwand koordinieren.")
    await anna.get_by_role("button", name=de("Record the decision")).click()
    await anna.locator("#action").fill("Umzugskartons sammeln")
    await anna.locator("#owner_organisation").select_option(label="Landkreis Nordsachsen")
    await anna.get_by_role("button", name=de("Record the action item")).click()
    for page in (katrin, lena):
        outcomes = page.locator("#outcomes-live")
        await expect(outcomes).to_contain_text("Umzugshilfe über die Pinnwand koordinieren.")
        await expect(outcomes).to_contain_text("Umzugskartons sammeln")
        # Recorded at the current item, which the forms choose unless told otherwise.
        await expect(page.locator("#outcomes-live li", has_text="Umzüge")).to_contain_text(
            "Umzugskartons sammeln"
        )

    # The moderator closes the session: every page hears it, hands go, attendance is kept.
    await anna.locator("details.close-session summary").click()
    await anna.get_by_role("button", name=de("Close the session now")).click()
    await expect(anna.locator("#attendance")).to_contain_text("Landkreis Nordsachsen")
    await expect(anna.locator("#attendance li")).to_have_count(3)
    for page in (katrin, lena):
        await expect(page.locator("#live-announcer")).to_have_text(de("The session is closed."))
        await expect(page.locator("#session-board")).to_contain_text(de("The session is closed."))
        await expect(page.get_by_role("button", name=de("Raise my hand"))).to_be_hidden()
    markers = [await page.evaluate("window.knotenpunktTestMarker") for page in (katrin, lena)]
    assert markers == ["not reloaded"] * 2
    await assert_accessible(anna)


async def test_the_timer_shows_the_overrun_and_announces_it_once(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
) -> None:
    board = await board_of_ag_unterkunft(demo_database)
    base = servers.start()
    connection = await asyncpg.connect(demo_database)
    try:  # the first item (15 minutes) has run for 14:52 already
        await connection.execute(
            "UPDATE meetings SET status = 'running', started_at = now(), version = 3, "
            "current_item_id = $2, item_started_at = now() - interval '892 seconds' "
            "WHERE id = $1",
            board.meeting,
            board.items[0],
        )
    finally:
        await connection.close()
    katrin = await open_as(new_context, settings, demo_people[KATRIN], base + board.path)
    timer = katrin.locator("#session-board .timer")
    await expect(timer).not_to_have_class(re.compile("overrun"))
    await expect(timer).to_have_class(re.compile("overrun"), timeout=15_000)
    await expect(timer.locator("[data-timer-value]")).to_have_text(re.compile(r"^\+0:0\d$"))
    over = de("The planned time for “%(title)s” is over.", title="Winterquartiere")
    await expect(katrin.locator("#live-announcer")).to_have_text(over)
    # Said once, not every second: another announcement is not overwritten by the timer.
    await katrin.evaluate("document.getElementById('live-announcer').textContent = 'x'")
    await katrin.wait_for_timeout(1_500)
    await expect(katrin.locator("#live-announcer")).to_have_text("x")


async def test_answers_and_the_invitation_list_follow_live(session_pages: SessionPages) -> None:
    anna, katrin = session_pages.anna, session_pages.katrin

    await katrin.locator("#attending-yes").check()
    await katrin.get_by_role("button", name=de("Save my answer")).click()
    await expect(anna.locator("#registration-counts")).to_contain_text(
        translated("de", "%(num)d person comes", num=1)
    )
    await expect(anna.locator("#registration-answers")).to_contain_text("Katrin Hoffmann")
    assert await anna.evaluate("window.knotenpunktTestMarker") == "not reloaded"

    await expect(katrin.locator("#connection-status")).to_have_attribute("data-state", "connected")
    await katrin.evaluate("window.knotenpunktTestMarker = 'not reloaded'")
    await anna.locator("#email").fill("tobias.richter@fh-dresden.example")
    await anna.get_by_role("button", name=de("Add the person")).click()
    await expect(katrin.locator("#invitation-entries")).to_contain_text("Tobias Richter")
    assert await katrin.evaluate("window.knotenpunktTestMarker") == "not reloaded"


async def tab_to(page: Page, selector: str, most: int = 200) -> None:
    """Press Tab until the element has the focus (the keyboard alone, as a person would)."""
    target = page.locator(selector)
    for _ in range(most):
        if await target.evaluate("element => element === document.activeElement"):
            return
        await page.keyboard.press("Tab")
    await expect(target).to_be_focused()


async def test_the_moderator_runs_a_session_by_keyboard_alone(session_pages: SessionPages) -> None:
    anna, katrin = session_pages.anna, session_pages.katrin

    await tab_to(anna, "#board-start")
    await anna.keyboard.press("Enter")
    await expect(katrin.locator("#live-announcer")).to_have_text(de("The session has started."))
    await expect(anna.locator("#board-next")).to_be_visible()
    await anna.keyboard.press("Alt+KeyN")
    await expect(katrin.locator("#session-board .current-item h3")).to_have_text("Winterquartiere")

    await tab_to(anna, "#board-outcome")
    await anna.keyboard.type("Drei Quartiere gefunden.")
    await tab_to(anna, "#board-close")
    await anna.keyboard.press("Enter")
    await expect(katrin.locator("#session-board .current-item")).to_contain_text(
        "Drei Quartiere gefunden."
    )

    await tab_to(anna, "details.close-session summary")
    await anna.keyboard.press("Enter")
    await tab_to(anna, "#board-close-session")
    await anna.keyboard.press("Enter")
    await expect(anna.locator("#attendance")).to_be_visible()
    await expect(katrin.locator("#live-announcer")).to_have_text(de("The session is closed."))


async def test_an_item_accepted_after_the_page_opened_gets_its_notes_editor(
    session_pages: SessionPages,
) -> None:
    anna, katrin = session_pages.anna, session_pages.katrin
    title = "Wohnungsbörse für Geflüchtete"
    await katrin.locator("#agenda-new-title").fill(title)
    await katrin.locator("#agenda-new-planned_minutes").fill("10")
    await katrin.get_by_role("button", name=de("Propose the item")).click()
    accept = anna.get_by_role("button", name=de("Accept “%(title)s”", title=title))
    await expect(accept).to_be_visible()
    await accept.click()

    editor = katrin.locator("form[data-notes-item]", has_text=title)
    await expect(editor).to_have_count(1)
    # In the board's order: after the two items accepted before.
    await expect(katrin.locator("form[data-notes-item]").last).to_contain_text(title)
    await editor.locator("textarea").fill("Eine Börse gibt es schon in Dresden.")
    await expect(editor.locator("[data-notes-status]")).to_have_text(de("Saved."))
    assert await katrin.evaluate("window.knotenpunktTestMarker") == "not reloaded"
