"""Signing in with a real browser: the login page, the demo identity provider (a real
`oidc-provider-mock` on loopback, registered for the demo organisations the way `make run`
does), back to Knotenpunkt signed in, and signing out; an unknown person's join request; the
pages' accessibility and the login form by keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from playwright.async_api import Page, expect

from server.demo import DEMO_ISSUER, GROUPS, ORGANISATIONS, mock_user_arguments, providers_toml
from tests.auth.conftest import _start_mock
from tests.browser.conftest import ContextFactory, assert_accessible, translated
from tests.conftest import Servers

pytestmark = pytest.mark.browser

MODERATOR_EMAIL = "anna.becker@unterkunft-ukraine.example"
MODERATOR_SUBJECT = "anna.becker"  # a demo person's subject: the local part of the address
MODERATOR_NAME = "Anna Becker"
MODERATED_GROUP = "/groups/ag-unterkunft"
MODERATED_GROUP_NAME = "AG Unterkunft"
MODERATOR_ORGANISATION = "Unterkunft Ukraine e. V."
# Not a demo person: the mock sends the subject itself as the e-mail address, whose domain no
# member organisation has.
STRANGER_SUBJECT = "jemand@beispielverein.example"
STRANGER_ORGANISATION = "Beispielverein Görlitz e. V."
MAX_TABS = 30  # Tab presses allowed to reach the login form's e-mail field


@pytest.fixture(scope="module")
def demo_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo identity provider as `make run` starts it (one-click demo persons with names),
    on a port of its own: the issuer URL."""
    process, issuer = _start_mock(tmp_path_factory.mktemp("demo-oidc"), *mock_user_arguments())
    try:
        yield issuer
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
async def base(demo_database: str, servers: Servers, demo_provider: str, tmp_path: Path) -> str:
    """The app on the demo data with the demo provider registered for the demo organisations
    (a providers.toml as `make run` writes it). The demo persons' identities name the issuer of
    `make run`'s provider (a fixed port); here they are moved to this test's provider."""
    connection = await asyncpg.connect(demo_database)
    try:
        await connection.execute(
            "UPDATE persons SET issuer = $1 WHERE issuer = $2", demo_provider, DEMO_ISSUER
        )
    finally:
        await connection.close()
    providers = tmp_path / "providers.toml"
    providers.write_text(
        providers_toml([name for name, *_ in ORGANISATIONS], demo_provider), encoding="utf-8"
    )
    return servers.start(IDENTITY_PROVIDERS_FILE=str(providers))


def login_url(base: str) -> re.Pattern[str]:
    return re.compile(re.escape(f"{base}/login") + r"(\?.*)?$")


async def authorize_at_provider(page: Page, provider: str, subject: str) -> None:
    """At the mock's authorization page: type the subject into its `sub` field and submit."""
    await expect(page).to_have_url(re.compile(re.escape(f"{provider}/oauth2/authorize")))
    field = page.locator("input[name=sub]")
    await field.fill(subject)
    await field.press("Enter")


async def test_sign_in_through_the_demo_provider_see_your_name_sign_out(
    base: str, demo_provider: str, new_context: ContextFactory
) -> None:
    page = await (await new_context(signed_in=False)).new_page()

    await page.goto(base + "/")
    await expect(page).to_have_url(login_url(base))
    await expect(page.get_by_role("heading", level=1)).to_have_text(translated("de", "Sign in"))
    await expect(page.locator(".account-name")).to_have_count(0)
    await assert_accessible(page)

    email_form = page.locator("form").filter(has=page.locator("#email"))
    await email_form.get_by_label(translated("de", "E-mail address")).fill(MODERATOR_EMAIL)
    await email_form.get_by_role("button", name=translated("de", "Continue to the login")).click()
    await authorize_at_provider(page, demo_provider, MODERATOR_SUBJECT)

    await expect(page).to_have_url(f"{base}/")
    await expect(page.locator(".account-name")).to_have_text(
        translated("de", "Signed in as %(name)s", name=MODERATOR_NAME)
    )
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("de", "Fields of action and working groups")
    )
    await expect(page.locator(".fields .group-list a")).to_have_count(len(GROUPS))
    await assert_accessible(page)

    # The groups they moderate come first, under "My working groups".
    mine = page.get_by_role("region", name=translated("de", "My working groups"))
    await expect(mine.get_by_role("link")).to_have_text([MODERATED_GROUP_NAME])
    await mine.get_by_role("link", name=MODERATED_GROUP_NAME, exact=True).click()
    await expect(page).to_have_url(base + MODERATED_GROUP)
    await expect(page.get_by_role("heading", level=1)).to_have_text(MODERATED_GROUP_NAME)
    moderation = page.locator("section[aria-labelledby=moderators-heading]")
    await expect(moderation).to_contain_text(f"{MODERATOR_NAME} ({MODERATOR_ORGANISATION})")
    await expect(page.locator("#connection-status")).to_have_attribute("data-state", "connected")
    await expect(page.locator(".account-name")).to_have_text(
        translated("de", "Signed in as %(name)s", name=MODERATOR_NAME)
    )
    # Signed in as the demo person who moderates the group, not as someone new of that name.
    await page.goto(base + "/profile")
    facts = page.locator("dl.facts")
    await expect(facts.get_by_text(MODERATOR_EMAIL, exact=True)).to_have_count(1)
    await expect(facts.get_by_text(demo_provider, exact=True)).to_have_count(1)
    await expect(facts.locator(".tags li")).to_contain_text(
        [translated("de", "Moderator of %(group)s", group=MODERATED_GROUP_NAME)]
    )

    await page.locator(".account").get_by_role("button", name=translated("de", "Sign out")).click()
    await expect(page).to_have_url(login_url(base))
    await expect(page.locator(".account-name")).to_have_count(0)
    await page.goto(base + "/")
    await expect(page).to_have_url(login_url(base))
    await page.goto(base + MODERATED_GROUP)
    await expect(page).to_have_url(login_url(base))


async def test_the_login_form_works_with_the_keyboard_alone(
    base: str, demo_provider: str, new_context: ContextFactory
) -> None:
    page = await (await new_context(signed_in=False)).new_page()
    await page.goto(base + "/login")
    email = page.locator("#email")

    for _ in range(MAX_TABS):
        await page.keyboard.press("Tab")
        if await email.evaluate("field => field === document.activeElement"):
            break
    await expect(email).to_be_focused()
    await page.keyboard.type(MODERATOR_EMAIL)
    await page.keyboard.press("Enter")

    # The mock's page focuses its `sub` field itself (autofocus).
    await expect(page).to_have_url(re.compile(re.escape(f"{demo_provider}/oauth2/authorize")))
    await expect(page.locator("input[name=sub]")).to_be_focused()
    await page.keyboard.type(MODERATOR_SUBJECT)
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{base}/")
    await expect(page.locator(".account-name")).to_have_text(
        translated("de", "Signed in as %(name)s", name=MODERATOR_NAME)
    )


async def test_an_unknown_person_asks_to_join(
    base: str, demo_provider: str, new_context: ContextFactory
) -> None:
    page = await (await new_context(signed_in=False)).new_page()
    await page.goto(base + "/login")

    # Nobody registered the stranger's domain: the e-mail way does not know whose login to use,
    # so they choose an organisation's login, where the provider knows them all the same.
    organisation_form = page.locator("form").filter(has=page.locator("#organisation"))
    await organisation_form.get_by_label(translated("de", "Organisation")).select_option(
        label=MODERATOR_ORGANISATION
    )
    await organisation_form.get_by_role(
        "button", name=translated("de", "Continue to the login")
    ).click()
    await authorize_at_provider(page, demo_provider, STRANGER_SUBJECT)

    await expect(page).to_have_url(f"{base}/join-request")
    await expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("de", "Ask to join the alliance")
    )
    await expect(page.locator(".account-name")).to_have_count(0)
    contact = page.get_by_label(translated("de", "Contact e-mail of the organisation"))
    await expect(contact).to_have_value(STRANGER_SUBJECT)  # the address the provider vouched for
    await assert_accessible(page)

    await page.get_by_label(translated("de", "Name of your organisation")).fill(
        STRANGER_ORGANISATION
    )
    await page.get_by_label(translated("de", "Kind"), exact=True).select_option(
        label=translated("de", "Association / NGO")
    )
    await page.get_by_label(translated("de", "Federal level")).select_option(
        label=translated("de", "Local (Kommune)")
    )
    await contact.fill("kontakt@beispielverein.example")
    await page.get_by_role("button", name=translated("de", "Send the request")).click()

    await expect(page.get_by_role("heading", level=1)).to_have_text(
        translated("de", "Request sent")
    )
    await expect(page.get_by_role("status").filter(has_text=STRANGER_ORGANISATION)).to_have_text(
        translated(
            "de",
            "Your request for %(organisation)s is waiting for an alliance admin. You will hear "
            "from us at the contact address.",
            organisation=STRANGER_ORGANISATION,
        )
    )
    await assert_accessible(page)
    # Asking to join signs nobody in, and the request cannot be sent a second time.
    await expect(page.locator(".account-name")).to_have_count(0)
    await page.goto(base + "/join-request")
    await expect(page).to_have_url(login_url(base))
