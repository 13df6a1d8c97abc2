"""A question to a state contact, live in two browsers: a member asks, the contact sees it arrive
without reloading and answers it there, and the member sees the answer arrive."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from server.settings import Settings
from tests.browser.conftest import ContextFactory, assert_accessible, translated
from tests.browser.test_session_live import open_as, person_of_nordsachsen
from tests.conftest import Servers

pytestmark = pytest.mark.browser

ANNA = "anna.becker@unterkunft-ukraine.example"  # Unterkunft Ukraine, moderator of AG Unterkunft
KATRIN = "k.hoffmann@leipzig.example"  # Stadt Leipzig – Sozialamt: the group's Kommune contact
STATE = "/groups/ag-unterkunft/state"


def de(message: str, **params: str) -> str:
    return translated("de", message, **params)


async def test_a_member_asks_and_the_contact_answers_live(
    demo_database: str,
    demo_people: dict[str, int],
    settings: Settings,
    servers: Servers,
    new_context: ContextFactory,
) -> None:
    base = servers.start()
    await person_of_nordsachsen(demo_database)  # of a municipality: one to add as a contact
    anna = await open_as(new_context, settings, demo_people[ANNA], base + STATE)
    katrin = await open_as(new_context, settings, demo_people[KATRIN], base + STATE)

    await anna.locator("#contact_id").select_option(index=1)
    await anna.locator("#subject").fill("Dolmetscher beim Amt")
    await anna.locator("#text").fill("Stellt das Sozialamt Dolmetscher?")
    await anna.get_by_role("button", name=de("Send the question")).click()
    await expect(anna.locator("#state-ask [role=status]")).to_contain_text("Katrin Hoffmann")

    question = katrin.locator("#state-questions > li").filter(has_text="Dolmetscher beim Amt")
    await expect(question).to_be_visible()
    await expect(katrin.locator("#live-announcer")).to_have_text(
        de("New question: %(subject)s", subject="Dolmetscher beim Amt")
    )
    answer = question.get_by_label(
        de("Your answer to “%(subject)s”", subject="Dolmetscher beim Amt")
    )
    await answer.fill("Ja, auf Anfrage für Ukrainisch und Russisch.")
    await question.get_by_role("button", name=de("Send the answer")).click()

    answered = anna.locator("#state-questions > li").filter(has_text="Dolmetscher beim Amt")
    await expect(answered).to_contain_text("Ja, auf Anfrage für Ukrainisch und Russisch.")
    await expect(anna.locator("#live-announcer")).to_have_text(
        de("Answered: %(subject)s", subject="Dolmetscher beim Amt")
    )
    for page in (anna, katrin):  # neither page was reloaded
        assert await page.evaluate("window.knotenpunktTestMarker") == "not reloaded"
    await assert_accessible(anna)

    # Anna, moderating, adds a contact: Katrin's page shows them, and offers to ask them.
    await anna.locator("#person_id").select_option(label="Lena Lindner (Landkreis Nordsachsen)")
    await anna.locator("#level").select_option("kommune")
    await anna.locator("#authority").fill("Ausländerbehörde Nordsachsen")
    await anna.get_by_role("button", name=de("Add the contact")).click()
    await expect(katrin.locator("#state-contacts")).to_contain_text("Ausländerbehörde Nordsachsen")
    await expect(katrin.locator("#live-announcer")).to_have_text(
        de("%(name)s is now a state contact of the group.", name="Lena Lindner")
    )
    await expect(katrin.locator("#contact_id option", has_text="Lena Lindner")).to_have_count(1)
    assert await katrin.evaluate("window.knotenpunktTestMarker") == "not reloaded"
