"""axe-core on every page, in both languages and in its error states: no serious or critical
finding. And the keyboard: the skip link comes first and leads into the content."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import pytest
from playwright.async_api import Page, expect

from tests.browser.conftest import assert_accessible, translated

pytestmark = pytest.mark.browser

GROUP = "/groups/ag-unterkunft"


async def _nothing(page: Page, locale: str) -> None:
    return None


@dataclass(frozen=True)
class Visit:
    """A page to check: where to go, the status it answers with, what to do there first."""

    path: str
    status: int = 200
    then: Callable[[Page, str], Awaitable[None]] = _nothing


async def search_results(page: Page, locale: str) -> None:
    await expect(page.locator("#organisation-results .card").first).to_be_visible()


async def invalid_kind(page: Page, locale: str) -> None:
    kind = page.locator("#kind")
    await expect(kind).to_have_attribute("aria-invalid", "true")
    await expect(kind).to_have_attribute("aria-describedby", "kind-error")
    await expect(page.locator("#kind-error")).not_to_be_empty()


async def filter_as_you_type(page: Page, locale: str) -> None:
    """The directory's live filter (htmx) replaces the results in place."""
    heading = page.locator("#results-heading")
    before = await heading.text_content()
    await page.locator("#q").fill("Dresden")
    await expect(page).to_have_url(re.compile(r"[?&]q=Dresden(&|$)"))
    await expect(heading).not_to_have_text(before or "")
    await expect(page.locator("#organisation-results .card").first).to_contain_text("Dresden")


async def submit_empty(page: Page, locale: str) -> None:
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.locator("#main form").get_by_role("button").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#error-summary")).to_be_visible()
    await expect(page.locator("#name")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#name-error")).not_to_be_empty()


async def first_organisation(page: Page, locale: str) -> None:
    """An organisation's page, reached through the directory's first link."""
    link = page.locator("#organisation-results .card h3 a").first
    name = await link.text_content()
    await link.click()
    await expect(page).to_have_url(re.compile(r"/organisations/\d+$"))
    await expect(page.locator("h1")).to_have_text(name or "")


async def invalid_card_kind(page: Page, locale: str) -> None:
    kind = page.locator("#kind")
    await expect(kind).to_have_attribute("aria-invalid", "true")
    await expect(kind).to_have_attribute("aria-describedby", "kind-error")
    await expect(page.locator("#kind-error")).not_to_be_empty()
    await expect(page.locator("#card-results")).to_be_visible()


async def filter_needs(page: Page, locale: str) -> None:
    """The overview's filters (htmx) replace the results in place."""
    await expect(page.locator("#card-results .card").first).to_be_visible()
    await page.locator("#field").select_option("bildung")
    await expect(page).to_have_url(re.compile(r"[?&]field=bildung(&|$)"))
    await expect(page.locator("#card-results h3")).to_have_text(
        ["Bildung, Kinderbetreuung und Sprache"]
    )


async def similar_from_description(page: Page, locale: str) -> None:
    """Typing a card's description shows what exists on every board (the title is sent too),
    each leading to the card on its board (the alliance admin may use every board)."""
    await page.locator("#description").fill("Wir sammeln Winterjacken für Kinder.")
    similar = page.locator("#similar li")
    await expect(similar.first).to_contain_text("Winterjacken und Winterschuhe für Kinder")
    link = similar.first.get_by_role("link")
    await expect(link).to_have_attribute("href", re.compile(r"^/groups/ag-versorgung/board/"))


def card_page(title: str) -> Callable[[Page, str], Awaitable[None]]:
    """A card's page, reached from its board by the card's link, once it is live."""

    async def then(page: Page, locale: str) -> None:
        await page.locator("#cards").get_by_role("link", name=title).click()
        await expect(page.locator("h1")).to_have_text(title)
        await expect(page.locator("#connection-status")).to_have_attribute(
            "data-state", "connected"
        )

    return then


async def pledge_report(page: Page, locale: str) -> None:
    """The demo pledge's report, reached from the pledge's page."""
    await card_page("Wir übernehmen Mietkautionen")(page, locale)
    await page.get_by_role("link", name=translated(locale, "Read the report")).first.click()
    await expect(page).to_have_url(re.compile(r"/knowledge/\d+$"))


async def invalid_board_filter(page: Page, locale: str) -> None:
    kind = page.locator("#board-kind")
    await expect(kind).to_have_attribute("aria-invalid", "true")
    await expect(kind).to_have_attribute("aria-describedby", "board-kind-error")
    await expect(page.locator("#board-kind-error")).not_to_be_empty()


async def stale_edit(page: Page, locale: str) -> None:
    """A card edited from a form someone else's change made stale: both values shown."""
    await card_page("Betten und Matratzen für die Erstausstattung")(page, locale)
    theirs = f"20 Betten ({locale})"  # each run changes it anew
    status = await page.evaluate(
        """async (theirs) => {
            const form = document.querySelector("form[action$='/edit']");
            const data = new URLSearchParams(new FormData(form));
            data.set("quantity", theirs);
            return (await fetch(form.action, {method: "POST", body: data})).status;
        }""",
        theirs,
    )
    assert status == 200  # the redirect to the card page, followed
    await page.locator("#quantity").fill("15 Betten")
    await page.get_by_role("button", name=translated(locale, "Save changes")).click()
    await expect(page.locator("#quantity-clash")).to_contain_text(theirs)


async def live_group(page: Page, locale: str) -> None:
    status = page.locator("#connection-status")
    await expect(status).to_have_attribute("data-state", "connected")
    await expect(status).to_have_text(translated(locale, "Live: changes appear as they happen."))


async def first_session(page: Page, locale: str) -> None:
    """The group's next demo session, reached from the group's page; the moderation's forms
    are there (the demo admin runs every session), and the page is live."""
    await page.locator("#sessions .upcoming-sessions a").first.click()
    await expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    await expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    await expect(page.locator("#session-moderation")).to_be_visible()


async def last_session(page: Page, locale: str) -> None:
    """The group's last demo session, closed: its attendance, notes, decisions and action
    items, nothing left to change."""
    await page.locator("#sessions .past-sessions a").first.click()
    await expect(page).to_have_url(re.compile(r"/sessions/\d+$"))
    await expect(page.locator("#attendance")).to_be_visible()
    await expect(page.locator("#board-close-session")).to_have_count(0)


async def present_in_session(page: Page, locale: str) -> None:
    """The next session's page counts its own reader as present, live."""
    await first_session(page, locale)
    await expect(page.locator("#presence-live [data-present-count]")).not_to_have_attribute(
        "data-present-count", "0"
    )


async def empty_knowledge_page(page: Page, locale: str) -> None:
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.locator("#main form").get_by_role("button").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#error-summary")).to_be_visible()
    await expect(page.locator("#title")).to_have_attribute("aria-invalid", "true")


async def invalid_session_edit(page: Page, locale: str) -> None:
    await first_session(page, locale)
    await page.locator("#edit-video_url").fill("javascript:alert(1)")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name=translated(locale, "Save the session")).click()
    assert (await answer.value).status == 422
    field = page.locator("#edit-video_url")
    await expect(field).to_have_attribute("aria-invalid", "true")
    await expect(field).to_have_attribute("aria-describedby", "edit-video_url-error")


async def agenda_proposal(page: Page, locale: str) -> None:
    """A proposal refused in place (htmx swaps the agenda section, the field marked), then
    proposed again and on the agenda."""
    await first_session(page, locale)
    title, minutes = page.locator("#agenda-new-title"), page.locator("#agenda-new-planned_minutes")
    await minutes.fill("500")
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name=translated(locale, "Propose the item")).click()
    assert (await answer.value).status == 422
    await expect(title).to_have_attribute("aria-invalid", "true")
    await expect(minutes).to_have_attribute("aria-describedby", "agenda-new-planned_minutes-error")
    await title.fill(f"Barrierefreie Wohnungen ({locale})")
    await minutes.fill("15")
    await page.get_by_role("button", name=translated(locale, "Propose the item")).click()
    await expect(page.locator("#agenda-list")).to_contain_text(
        f"Barrierefreie Wohnungen ({locale})"
    )


async def empty_state_question(page: Page, locale: str) -> None:
    """A question refused in place: htmx swaps the ask section, the fields marked."""
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name=translated(locale, "Send the question")).click()
    assert (await answer.value).status == 422
    await expect(page.locator("#subject")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#text")).to_have_attribute("aria-describedby", "text-error")


async def empty_funding_request(page: Page, locale: str) -> None:
    """The request form sent empty: every field refused, nothing saved."""
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.locator("#main form button[type=submit]").click()
    assert (await answer.value).status == 422
    await expect(page.locator("#error-summary")).to_be_visible()
    await expect(page.locator("#amount")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator("#cards-error")).not_to_be_empty()


VISITS = {
    "home": Visit("/"),
    "directory": Visit("/organisations"),
    "directory-search": Visit("/organisations?q=Leipzig", then=search_results),
    "directory-invalid-filter": Visit("/organisations?kind=bogus", 422, invalid_kind),
    "directory-filtered-live": Visit("/organisations", then=filter_as_you_type),
    "new-organisation": Visit("/organisations/new"),
    "new-organisation-errors": Visit("/organisations/new", then=submit_empty),
    "organisation": Visit("/organisations", then=first_organisation),
    "group": Visit(GROUP, then=live_group),
    "missing-group": Visit("/groups/gibt-es-nicht", 404),
    "profile": Visit("/profile"),
    "board": Visit("/groups/ag-unterkunft/board"),
    "board-filtered": Visit("/groups/ag-unterkunft/board?kind=need&q=Betten"),
    "board-invalid-filter": Visit(
        "/groups/ag-unterkunft/board?kind=wish", 422, invalid_board_filter
    ),
    "card": Visit("/groups/ag-unterkunft/board", then=card_page("Wir übernehmen Mietkautionen")),
    "card-stale-edit": Visit("/groups/ag-unterkunft/board", 200, stale_edit),
    "pledge-report": Visit("/groups/ag-unterkunft/board", then=pledge_report),
    "board-similar-cards": Visit("/groups/ag-unterkunft/board", then=similar_from_description),
    "needs": Visit("/needs"),
    "needs-of-a-kind": Visit("/needs?kind=need"),
    "needs-invalid-filter": Visit("/needs?kind=bogus", 422, invalid_card_kind),
    "needs-filtered-live": Visit("/needs", then=filter_needs),
    "people": Visit("/organisations/1/people"),
    "admin": Visit("/admin"),
    "admin-join-requests": Visit("/admin/join-requests"),
    "admin-providers": Visit("/admin/providers"),
    "admin-new-provider": Visit("/admin/providers/new"),
    "admin-audit": Visit("/admin/audit"),
    "session": Visit(GROUP, then=first_session),
    "session-present": Visit(GROUP, then=present_in_session),
    "session-closed": Visit(GROUP, then=last_session),
    "session-invalid-edit": Visit(GROUP, then=invalid_session_edit),
    "session-agenda-proposal": Visit(GROUP, then=agenda_proposal),
    "alliance-sessions": Visit("/sessions"),
    "my-tasks": Visit("/tasks"),
    "knowledge": Visit("/knowledge"),
    "knowledge-search": Visit("/knowledge?q=Mietkaution"),
    "knowledge-new-errors": Visit("/knowledge/new", then=empty_knowledge_page),
    "knowledge-page": Visit("/knowledge/1"),
    "state-contacts": Visit(GROUP + "/state"),
    "state-question-refused": Visit(GROUP + "/state", then=empty_state_question),
    "state-questions-of-a-contact": Visit("/state-questions"),
    "fund": Visit("/fund"),
    "fund-request": Visit("/fund/requests/1"),
    "fund-new-request": Visit("/fund/requests/new"),
    "fund-new-request-errors": Visit("/fund/requests/new", then=empty_funding_request),
    "missing-page": Visit("/gibt-es-nicht", 404),
}


@pytest.mark.parametrize("locale", ["de", "en"])
@pytest.mark.parametrize("name", list(VISITS))
async def test_page_has_no_serious_accessibility_finding(
    name: str, locale: str, demo_server: str, page: Page
) -> None:
    visit = VISITS[name]
    if locale != "de":
        await page.context.add_cookies([{"name": "kp_lang", "value": locale, "url": demo_server}])
    response = await page.goto(demo_server + visit.path)
    assert response is not None
    assert response.status == visit.status
    await expect(page.locator("html")).to_have_attribute("lang", locale)
    await visit.then(page, locale)
    await assert_accessible(page)


async def test_language_switch_changes_the_interface(demo_server: str, page: Page) -> None:
    await page.goto(demo_server + "/organisations?q=Leipzig")
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    languages = page.get_by_role("navigation", name=translated("de", "Language"))

    await languages.get_by_role("link", name="English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page).to_have_url(demo_server + "/organisations?q=Leipzig")
    await expect(page.locator("h1")).to_have_text(translated("en", "Member organisations"))
    languages = page.get_by_role("navigation", name=translated("en", "Language"))
    await expect(languages.locator("[aria-current]")).to_have_text("English")
    await assert_accessible(page)

    # The choice sticks for the next page, and switching back works the same way.
    await page.goto(demo_server + GROUP)
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await languages.get_by_role("link", name="Deutsch").click()
    await expect(page.locator("html")).to_have_attribute("lang", "de")
    await expect(page).to_have_url(demo_server + GROUP)


@pytest.mark.parametrize("path", ["/", GROUP])
async def test_skip_link_is_the_first_stop_and_leads_to_the_content(
    path: str, demo_server: str, page: Page
) -> None:
    await page.goto(demo_server + path)
    skip_link = page.get_by_role("link", name=translated("de", "Skip to content"))

    await page.keyboard.press("Tab")
    await expect(skip_link).to_be_focused()
    await expect(skip_link).to_be_in_viewport()
    await page.keyboard.press("Enter")
    await expect(page.locator("main")).to_be_focused()
    await expect(page).to_have_url(demo_server + path + "#main")


async def test_the_check_itself_reports_serious_findings(page: Page) -> None:
    """Guards the guard: a page with known serious faults must fail `assert_accessible`."""
    await page.set_content(
        "<!doctype html><html><head><title>t</title></head><body><main>"
        '<img src="data:,"><button></button>'
        '<p style="color:#bbb;background:#fff">faint</p></main></body></html>'
    )
    with pytest.raises(pytest.fail.Exception) as failure:
        await assert_accessible(page)
    report = str(failure.value)
    for rule in ("html-has-lang", "image-alt", "button-name", "color-contrast"):
        assert rule in report, report
    assert "at img" in report and "at button" in report, report
