"""Two members of a working group use its board at once: each sees the other's cards appear,
move and get matched without reloading, a filtered page keeps its filter while cards arrive,
and a person of an organisation outside the group sees nothing of it, not even by its live
stream."""

from __future__ import annotations

import pytest
from playwright.async_api import Page, expect

from server.sessions import SESSION_COOKIE
from server.settings import Settings
from tests.browser.conftest import ContextFactory, assert_accessible, translated
from tests.conftest import Servers
from tests.sessions import signed_in_cookie

pytestmark = pytest.mark.browser

BOARD = "/groups/ag-unterkunft/board"
ANNA = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine e. V., in the group
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt, in the group
TOBIAS = "tobias.richter@fh-dresden.example"  # Flüchtlingshilfe Dresden: not in the group
NEED = "Zimmer für Familie Hrytsenko"
OFFER = "Zweizimmerwohnung in Leipzig-Grünau frei"


async def open_as(
    new_context: ContextFactory, settings: Settings, person_id: int, url: str
) -> Page:
    context = await new_context(signed_in=False)
    cookie, _ = signed_in_cookie(settings.SECRET_KEY, person_id)
    await context.add_cookies(
        [{"name": SESSION_COOKIE, "value": cookie, "domain": "127.0.0.1", "path": "/"}]
    )
    page = await context.new_page()
    await page.goto(url)
    return page


async def live(page: Page) -> Page:
    await expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    await page.evaluate("window.knotenpunktTestMarker = 'not reloaded'")
    return page


async def put_on_board(page: Page, kind: str, title: str) -> None:
    form = page.locator("#card-form")
    await form.get_by_label(translated("de", "Kind of card")).select_option(kind)
    await form.get_by_label(translated("de", "Resource")).select_option("space")
    await form.get_by_label(translated("de", "Title")).fill(title)
    await form.get_by_role("button", name=translated("de", "Put on the board")).click()
    await expect(form.get_by_label(translated("de", "Title"))).to_have_value("")


def card(page: Page, title: str):  # type: ignore[no-untyped-def]
    return page.locator("#cards li.card").filter(has_text=title)


async def test_two_members_see_each_others_cards_appear_move_and_match_live(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
) -> None:
    base = servers.start()
    anna = await live(await open_as(new_context, settings, demo_people[ANNA], base + BOARD))
    katrin = await live(await open_as(new_context, settings, demo_people[KATRIN], base + BOARD))
    needs_only = await live(
        await open_as(new_context, settings, demo_people[KATRIN], base + BOARD + "?kind=need")
    )
    by_words = await live(  # German stemming: "Familien" finds "Familie"
        await open_as(new_context, settings, demo_people[ANNA], base + BOARD + "?q=Familien")
    )
    words_before = int(await by_words.locator("[data-count]").inner_text())
    tobias = await open_as(new_context, settings, demo_people[TOBIAS], base + BOARD)
    await expect(tobias.locator("h1")).not_to_have_text(
        translated("de", "Needs, offers and pledges")
    )
    group_id = await anna.evaluate(
        "new URL(document.querySelector('[sse-connect]').getAttribute('sse-connect'),"
        " location.href).searchParams.get('channel')"
    )
    # The outsider cannot open the board's stream either.
    refused = await tobias.evaluate(
        "async (channel) => (await fetch('/live?channel=' + encodeURIComponent(channel))).status",
        group_id,
    )
    assert refused == 403
    await tobias.goto(base + "/groups/ag-unterkunft")  # the group page is open to members

    await put_on_board(anna, "need", NEED)
    await expect(card(katrin, NEED)).to_have_count(1)
    await expect(card(needs_only, NEED)).to_have_count(1)
    await expect(card(by_words, NEED)).to_have_count(1)
    await expect(katrin.locator("#live-announcer")).to_have_text(
        translated("de", "New on the board: %(title)s", title=NEED)
    )
    await put_on_board(katrin, "offer", OFFER)
    await expect(card(anna, OFFER)).to_have_count(1)
    # The filtered page keeps its filter: the offer does not appear there.
    await expect(card(needs_only, NEED)).to_have_count(1)
    await expect(card(needs_only, OFFER)).to_have_count(0)
    await expect(card(by_words, OFFER)).to_have_count(0)
    await expect(by_words.locator("[data-count]")).to_have_text(str(words_before + 1))

    # Katrin opens her offer and moves it; Anna's board shows it moved.
    offer_page = await katrin.context.new_page()
    await offer_page.goto(base + BOARD)
    await offer_page.locator("#cards").get_by_role("link", name=OFFER).click()
    await offer_page.get_by_role("button", name=translated("de", "Mark in progress")).click()
    in_progress = translated("de", "In progress")
    await expect(card(anna, OFFER).locator(".status")).to_have_text(in_progress)

    # Anna opens her need's page while Katrin matches her offer with it.
    need_page = await anna.context.new_page()
    await need_page.goto(base + BOARD)
    await need_page.locator("#cards").get_by_role("link", name=NEED).click()
    await live(need_page)

    # She matches it with Anna's need: both cards show it on both boards, live.
    await offer_page.get_by_role(
        "button", name=translated("de", "Match with %(title)s", title=NEED)
    ).click()
    matched = translated("de", "Matched")
    await expect(card(anna, NEED).locator(".status")).to_have_text(matched)
    await expect(card(katrin, NEED).locator(".status")).to_have_text(matched)
    await expect(card(needs_only, NEED).locator(".status")).to_have_text(matched)
    await expect(card(anna, OFFER).locator(".status")).to_have_text(in_progress)
    # Anna's open card page follows: the match and the history appear without a reload.
    await expect(need_page.locator("#card-matches")).to_contain_text(OFFER)
    await expect(need_page.locator("[data-changed-note]")).to_be_visible()
    assert await need_page.evaluate("window.knotenpunktTestMarker") == "not reloaded"

    for page in (anna, katrin, needs_only, by_words):
        assert await page.evaluate("window.knotenpunktTestMarker") == "not reloaded"
    await assert_accessible(anna)
    await assert_accessible(offer_page)
    # Nothing of it reached the outsider's page.
    assert NEED not in await tobias.content()
    assert OFFER not in await tobias.content()
