"""A funding request from submission to payout and report, in two browsers at once: Stadt
Leipzig asks the alliance fund for money for a need on its board, the fund committee sees the
request arrive live, approves it and records the payout, and the requester sees each decision
live (announced politely) and writes the report, which becomes a knowledge page."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import Page, expect

from server.settings import Settings
from tests.browser.conftest import ContextFactory, assert_accessible, translated
from tests.browser.test_board_live import live, open_as
from tests.conftest import Servers

pytestmark = pytest.mark.browser

REQUESTER = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt, in AG Unterkunft
COMMITTEE = "petra.neumann@engagement-stiftung.example"  # the demo's fund committee
NEED = "Betten und Matratzen für die Erstausstattung"
TITLE = "Möbel für die Familie Hrytsenko"


def _(message: str, **params: str) -> str:
    return translated("de", message, **params)


async def submit_request(page: Page) -> None:
    form = page.locator("#main form")
    await form.get_by_label(_("Title of the project")).fill(TITLE)
    await form.get_by_label(_("Purpose: what the money is for")).fill("Zwei Betten, ein Schrank.")
    await form.get_by_label(_("Amount in euros")).fill("1.500")
    await form.get_by_label(_("Starts on")).fill((date.today() + timedelta(days=7)).isoformat())
    await form.get_by_label(_("Ends on")).fill((date.today() + timedelta(days=60)).isoformat())
    await form.get_by_label(_("Working group")).select_option(label="AG Unterkunft")
    await form.get_by_label(NEED).check()
    await form.get_by_role("button", name=_("Submit the request")).click()
    await expect(page).to_have_url(re.compile(r"/fund/requests/\d+$"))


async def test_a_request_from_submission_to_payout_and_report_live(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
) -> None:
    base = servers.start()
    committee = await live(
        await open_as(new_context, settings, demo_people[COMMITTEE], base + "/fund")
    )
    requester = await open_as(
        new_context, settings, demo_people[REQUESTER], base + "/fund/requests/new"
    )
    await submit_request(requester)
    await live(requester)
    await expect(requester.locator("#funding-status")).to_have_attribute("data-status", "submitted")

    # The committee's fund page shows the request without a reload.
    row = committee.locator("#fund-overview tr").filter(has_text=TITLE)
    await expect(row).to_be_visible()
    assert await committee.evaluate("window.knotenpunktTestMarker") == "not reloaded"
    await row.get_by_role("link", name=TITLE).click()
    await live(committee)
    await committee.locator("#decide-text").fill("Passt genau zum Zweck des Fonds.")
    await committee.locator("#decide-amount").fill("1.200")
    await committee.get_by_role("button", name=_("Approve"), exact=True).click()
    await expect(committee.locator("#funding-status")).to_have_attribute("data-status", "approved")

    # The requester sees the decision live, announced politely.
    await expect(requester.locator("#funding-status")).to_have_attribute("data-status", "approved")
    await expect(requester.locator("#live-announcer")).to_have_text(
        _("Funding request approved: %(title)s", title=TITLE)
    )
    await expect(requester.locator("#live-announcer")).to_have_attribute("aria-live", "polite")
    await expect(requester.locator("#funding-granted")).to_contain_text("1.200,00")

    # The requester starts a comment; the payout arriving meanwhile does not throw it away:
    # the request is shown anew once the comment is sent.
    comment = requester.locator("#comment-text")
    await comment.fill("Danke! Die Rechnung folgt.")
    await committee.locator("#payout-amount").fill("1.200")
    await committee.get_by_role("button", name=_("Record the payout")).click()
    await expect(committee.locator("#funding-paid")).to_contain_text("1.200,00")
    await expect(requester.locator("#live-announcer")).to_have_text(
        _("Payout recorded on the funding request %(title)s", title=TITLE)
    )
    await expect(requester.locator("#funding-request")).to_have_attribute(
        "data-live-waiting", "sse:fund"
    )
    await expect(comment).to_have_value("Danke! Die Rechnung folgt.")
    await expect(requester.locator("#report-title")).to_have_count(0)
    await requester.get_by_role("button", name=_("Add the comment")).click()

    # After the payout the requester's page offers the report, still without a reload.
    report_title = requester.locator("#report-title")
    await expect(report_title).to_be_visible()
    await expect(requester.locator("#funding-trail")).to_contain_text("Danke! Die Rechnung folgt.")
    assert await requester.evaluate("window.knotenpunktTestMarker") == "not reloaded"
    await assert_accessible(requester)
    await report_title.fill("Zwei Betten, ein Zuhause")
    await requester.locator("#report-body").fill("Die Familie ist eingezogen.")
    await requester.get_by_role("button", name=_("Publish the report")).click()
    report = requester.locator("#funding-report")
    await expect(report).to_be_visible()
    await expect(committee.locator("#funding-trail li").last).to_have_attribute(
        "data-step", "reported"
    )
    await report.click()
    await expect(requester.locator("h1")).to_have_text("Zwei Betten, ein Zuhause")
