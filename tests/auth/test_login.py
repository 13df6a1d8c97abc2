"""Signing in through the organisation's own identity provider, over real HTTP: the app served
by uvicorn, a real OpenID Connect provider (`oidc-provider-mock`) on loopback, and the redirects
between them followed by hand like a browser would."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import pytest

from server.demo import DEMO_ISSUER
from tests.auth.conftest import CLIENT_SECRET, Browser, providers_file, query
from tests.conftest import Servers

UKRAINE = "Unterkunft Ukraine e. V."
UKRAINE_DOMAIN = "unterkunft-ukraine.example"
LEIPZIG = "Stadt Leipzig – Sozialamt"

BrowserFactory = Callable[[], Awaitable[Browser]]


async def _fetch(database_url: str, sql: str, *args: object) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(database_url)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


@pytest.fixture
async def demo_at_mock(demo_database: str, mock_issuer: str) -> str:
    """The demo data, its persons' identities moved from the demo issuer to the test mock, and
    its audit log emptied: the demo's own history (fund decisions, state contacts) is not what
    these tests look at."""
    await _fetch(
        demo_database, "UPDATE persons SET issuer = $1 WHERE issuer = $2", mock_issuer, DEMO_ISSUER
    )
    await _fetch(demo_database, "DELETE FROM audit_log")
    return demo_database


@pytest.fixture
async def base_url(demo_at_mock: str, servers: Servers, mock_issuer: str, tmp_path: Path) -> str:
    """The app, with the mock registered for two demo organisations through the TOML file."""
    path = providers_file(
        tmp_path / "providers.toml",
        {"organisation": UKRAINE, "issuer": mock_issuer, "email_domains": [UKRAINE_DOMAIN]},
        {"organisation": LEIPZIG, "issuer": mock_issuer, "email_domains": ["leipzig.example"]},
    )
    return await asyncio.to_thread(servers.start, IDENTITY_PROVIDERS_FILE=path)


@pytest.fixture
async def browsers(base_url: str) -> AsyncIterator[BrowserFactory]:
    clients: list[httpx.AsyncClient] = []

    async def new() -> Browser:
        client = httpx.AsyncClient(base_url=base_url, follow_redirects=False, timeout=30)
        clients.append(client)
        return Browser(client)

    yield new
    for client in clients:
        await client.aclose()


async def _audit(database_url: str) -> list[tuple[str, int | None]]:
    rows = await _fetch(database_url, "SELECT action, actor_id FROM audit_log ORDER BY id")
    return [(row["action"], row["actor_id"]) for row in rows]


async def _person_id(database_url: str, subject: str) -> int | None:
    rows = await _fetch(database_url, "SELECT id FROM persons WHERE subject = $1", subject)
    return rows[0]["id"] if rows else None


async def test_a_known_person_signs_in_and_the_login_is_audited(
    browsers: BrowserFactory, demo_at_mock: str
) -> None:
    browser = await browsers()
    assert await browser.signed_in_name() is None
    response = await browser.login("anna.becker", email=f"anna.becker@{UKRAINE_DOMAIN}")
    assert response.status_code == 303
    assert response.headers["location"] == "/"
    name = await browser.signed_in_name()
    assert name is not None and "Anna Becker" in name
    anna = await _person_id(demo_at_mock, "anna.becker")
    assert await _audit(demo_at_mock) == [("login", anna)]


async def test_choosing_the_organisation_works_too_and_returns_to_the_page_asked_for(
    browsers: BrowserFactory, demo_at_mock: str
) -> None:
    browser = await browsers()
    organisation = await _fetch(
        demo_at_mock, "SELECT id FROM organisations WHERE name = $1", LEIPZIG
    )
    page = (await browser.get("/login")).text
    assert LEIPZIG in page and UKRAINE in page
    assert "Elbe Logistik" not in page  # no provider: not offered
    response = await browser.login(
        "k.hoffmann", organisation=str(organisation[0]["id"]), next="/organisations"
    )
    assert response.headers["location"] == "/organisations"
    name = await browser.signed_in_name()
    assert name is not None and "Katrin Hoffmann" in name


async def test_first_login_with_the_organisations_domain_creates_the_person(
    browsers: BrowserFactory, demo_at_mock: str
) -> None:
    browser = await browsers()
    email = f"neu.hier@{UKRAINE_DOMAIN}"  # the mock's ad-hoc users get e-mail = sub
    assert await _person_id(demo_at_mock, email) is None
    response = await browser.login(email, email=email)
    assert response.status_code == 303
    rows = await _fetch(
        demo_at_mock,
        "SELECT p.id, p.email, p.issuer, o.name FROM persons p "
        "JOIN organisations o ON o.id = p.organisation_id WHERE p.subject = $1",
        email,
    )
    assert [(row["email"], row["name"]) for row in rows] == [(email, UKRAINE)]
    assert await _audit(demo_at_mock) == [
        ("person.created", rows[0]["id"]),
        ("login", rows[0]["id"]),
    ]
    name = await browser.signed_in_name()
    assert name is not None and email in name
    # Signed in, but taking part waits for an admin of the organisation.
    waiting = await _fetch(
        demo_at_mock, "SELECT awaiting_approval FROM persons WHERE id = $1", rows[0]["id"]
    )
    assert waiting[0]["awaiting_approval"] is True
    assert (await browser.get("/")).status_code == 403
    # The second login finds the same person.
    again = await browsers()
    await again.login(email, email=email)
    assert len(await _fetch(demo_at_mock, "SELECT 1 FROM persons WHERE subject = $1", email)) == 1


async def test_an_unknown_domain_leads_to_a_join_request_waiting_for_an_admin(
    browsers: BrowserFactory, demo_at_mock: str, mock_issuer: str
) -> None:
    browser = await browsers()
    email = "lena@tafel-nord.example"
    ukraine = await _fetch(demo_at_mock, "SELECT id FROM organisations WHERE name = $1", UKRAINE)
    # Through Unterkunft Ukraine's login, but the domain is not theirs: not a member.
    response = await browser.login(email, organisation=str(ukraine[0]["id"]))
    assert response.status_code == 303
    assert response.headers["location"].endswith("/join-request")
    assert await browser.signed_in_name() is None
    form = await browser.get("/join-request")
    assert "Aufnahme in das Bündnis beantragen" in form.text

    token = await browser.form_token("/join-request")
    refused = await browser.post(
        "/join-request",
        {
            "csrf_token": token,
            "organisation_name": " ",
            "kind": "club",
            "federal_level": "kommune",
            "contact_email": "kein-at",
        },
    )
    assert refused.status_code == 422
    assert "Bitte dieses Feld ausfüllen." in refused.text
    assert "Bitte einen der angebotenen Werte auswählen." in refused.text
    assert "Bitte eine gültige E-Mail-Adresse eingeben." in refused.text
    too_long = await browser.post(
        "/join-request",
        {
            "csrf_token": token,
            "organisation_name": "T" * 201,
            "kind": "association",
            "federal_level": "kommune",
            "contact_email": "info@tafel-nord.example",
        },
    )
    assert too_long.status_code == 422
    assert await _fetch(demo_at_mock, "SELECT 1 FROM join_requests") == []

    sent = await browser.post(
        "/join-request",
        {
            "csrf_token": token,
            "organisation_name": "Tafel Nord e. V.",
            "kind": "association",
            "federal_level": "kommune",
            "contact_email": "info@tafel-nord.example",
        },
    )
    assert sent.status_code == 200
    assert "wartet auf die Prüfung durch die Bündnis-Administration" in sent.text
    rows = await _fetch(demo_at_mock, "SELECT * FROM join_requests")
    assert len(rows) == 1
    saved = rows[0]
    assert (saved["subject"], saved["email"], saved["status"]) == (email, email, "pending")
    assert (saved["organisation_name"], saved["kind"], saved["federal_level"]) == (
        "Tafel Nord e. V.",
        "association",
        "kommune",
    )
    assert saved["issuer"] == mock_issuer
    assert await _audit(demo_at_mock) == [("join_request.created", None)]
    assert await _fetch(demo_at_mock, "SELECT 1 FROM persons WHERE subject = $1", email) == []
    # The identity was used up: the form is gone.
    assert (await browser.get("/join-request")).status_code == 303


async def test_login_page_explains_an_unknown_domain(browsers: BrowserFactory) -> None:
    browser = await browsers()
    response = await browser.start_login(email="jemand@unbekannt.example")
    assert response.status_code == 422
    assert "Keine Mitgliedsorganisation meldet sich mit Adressen von unbekannt.example an" in (
        response.text
    )
    empty = await browser.start_login(email="")
    assert empty.status_code == 422
    assert "Bitte geben Sie Ihre E-Mail-Adresse ein oder wählen Sie Ihre Organisation." in (
        empty.text
    )
    no_provider = await browser.start_login(organisation="999999")
    assert no_provider.status_code == 422
    assert "noch nicht über ihre eigene Anmeldung anmelden" in no_provider.text


async def _nobody_signed_in(browser: Browser, database_url: str) -> None:
    assert await browser.signed_in_name() is None
    assert await _audit(database_url) == []


async def test_a_tampered_state_is_refused(browsers: BrowserFactory, demo_at_mock: str) -> None:
    browser = await browsers()
    callback = await browser.sign_in_at_provider(
        await browser.authorize_url(email=f"anna.becker@{UKRAINE_DOMAIN}"), "anna.becker"
    )
    params = query(callback)
    params["state"] = params["state"][:-2] + ("AA" if not params["state"].endswith("AA") else "BB")
    response = await browser.callback("/auth/callback?" + urlencode(params))
    assert response.status_code == 403
    assert "Anmeldung abgelehnt" in response.text
    assert "gehört nicht zu der hier begonnenen Anmeldung" in response.text
    await _nobody_signed_in(browser, demo_at_mock)


async def test_a_code_issued_for_another_attempt_fails_the_nonce_check(
    browsers: BrowserFactory, demo_at_mock: str
) -> None:
    """Code injection: the victim's callback carries its own state, but a code the attacker got
    for their own attempt (with their nonce). Only the nonce in the ID token tells them apart."""
    victim, attacker = await browsers(), await browsers()
    victim_url = await victim.authorize_url(email=f"anna.becker@{UKRAINE_DOMAIN}")
    attacker_url = await attacker.authorize_url(email=f"anna.becker@{UKRAINE_DOMAIN}")
    assert query(victim_url)["nonce"] != query(attacker_url)["nonce"]
    attacker_callback = await attacker.sign_in_at_provider(attacker_url, "m.schulz")
    injected = {"code": query(attacker_callback)["code"], "state": query(victim_url)["state"]}
    response = await victim.callback("/auth/callback?" + urlencode(injected))
    assert response.status_code == 403
    assert "die Nonce stimmt nicht überein" in response.text
    await _nobody_signed_in(victim, demo_at_mock)


async def test_a_token_from_an_unregistered_issuer_is_refused(
    demo_at_mock: str,
    servers: Servers,
    mock_issuer: str,
    forged_issuer: str,
    other_mock_issuer: str,
    tmp_path: Path,
) -> None:
    path = providers_file(
        tmp_path / "forged.toml",
        {"organisation": UKRAINE, "issuer": forged_issuer, "email_domains": [UKRAINE_DOMAIN]},
    )
    base = await asyncio.to_thread(servers.start, IDENTITY_PROVIDERS_FILE=path)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        browser = Browser(client)
        url = await browser.authorize_url(email=f"anna.becker@{UKRAINE_DOMAIN}")
        assert url.startswith(other_mock_issuer)  # the forged discovery sent us there
        response = await browser.callback(await browser.sign_in_at_provider(url, "anna.becker"))
        assert response.status_code == 403
        assert "der für diese Organisation nicht eingetragen ist" in response.text
        await _nobody_signed_in(browser, demo_at_mock)


async def test_a_discovery_document_of_another_issuer_is_refused(
    demo_at_mock: str, servers: Servers, impostor_issuer: str, tmp_path: Path
) -> None:
    path = providers_file(
        tmp_path / "impostor.toml",
        {"organisation": UKRAINE, "issuer": impostor_issuer, "email_domains": [UKRAINE_DOMAIN]},
    )
    base = await asyncio.to_thread(servers.start, IDENTITY_PROVIDERS_FILE=path)
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        browser = Browser(client)
        response = await browser.start_login(email=f"anna.becker@{UKRAINE_DOMAIN}")
        assert response.status_code == 403
        assert "für einen anderen Aussteller geantwortet" in response.text
        await _nobody_signed_in(browser, demo_at_mock)


async def test_an_error_from_the_provider_is_refused(
    browsers: BrowserFactory, demo_at_mock: str
) -> None:
    browser = await browsers()
    url = await browser.authorize_url(email=f"anna.becker@{UKRAINE_DOMAIN}")
    callback = await browser.deny_at_provider(url)
    assert query(callback)["error"] == "access_denied"
    response = await browser.callback(callback)
    assert response.status_code == 400
    assert "hat Sie nicht angemeldet" in response.text
    await _nobody_signed_in(browser, demo_at_mock)


async def test_a_replayed_callback_is_refused(browsers: BrowserFactory, demo_at_mock: str) -> None:
    browser = await browsers()
    callback = await browser.sign_in_at_provider(
        await browser.authorize_url(email=f"anna.becker@{UKRAINE_DOMAIN}"), "anna.becker"
    )
    before = dict(browser.app.cookies)
    assert (await browser.callback(callback)).status_code == 303
    anna = await _person_id(demo_at_mock, "anna.becker")

    # The same browser again: the attempt is used up.
    again = await browser.callback(callback)
    assert again.status_code == 400
    assert "Hier läuft keine Anmeldung" in again.text

    # Another browser with the cookie from before the callback: the state was used.
    thief = await browsers()
    thief.app.cookies.update(before)
    stolen = await thief.callback(callback)
    assert stolen.status_code == 400
    assert "wurde bereits verwendet" in stolen.text
    assert await thief.signed_in_name() is None
    assert await _audit(demo_at_mock) == [("login", anna)]


async def test_logout_ends_the_session(browsers: BrowserFactory) -> None:
    browser = await browsers()
    await browser.login("petra.neumann", email="petra.neumann@unterkunft-ukraine.example")
    name = await browser.signed_in_name()
    assert name is not None and "Petra Neumann" in name
    token = await browser.form_token("/")
    response = await browser.post("/logout", {"csrf_token": token})
    assert response.status_code == 303
    assert await browser.signed_in_name() is None
    start = await browser.get("/")
    assert start.status_code == 303
    assert start.headers["location"].startswith("/login")


async def test_too_many_sign_in_requests_get_429(
    demo_at_mock: str, servers: Servers, mock_issuer: str, tmp_path: Path
) -> None:
    path = providers_file(
        tmp_path / "providers.toml",
        {"organisation": UKRAINE, "issuer": mock_issuer, "email_domains": [UKRAINE_DOMAIN]},
    )
    base = await asyncio.to_thread(
        servers.start, IDENTITY_PROVIDERS_FILE=path, LOGIN_RATE_LIMIT="3"
    )
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        browser = Browser(client)
        for _ in range(3):
            assert (await browser.start_login(email="x@unbekannt.example")).status_code == 422
        limited = await browser.start_login(email=f"anna.becker@{UKRAINE_DOMAIN}")
        assert limited.status_code == 429
        assert "Zu viele Anmeldeversuche" in limited.text
        assert limited.headers["retry-after"] == "300"
        callback = await browser.callback("/auth/callback?code=x&state=y")
        assert callback.status_code == 429


async def test_the_client_secret_appears_on_no_page(browsers: BrowserFactory) -> None:
    browser = await browsers()
    await browser.login("anna.becker", email=f"anna.becker@{UKRAINE_DOMAIN}")
    for path in ("/", "/login", "/organisations"):
        await browser.get(path)
    stranger = await browsers()
    await stranger.login("jo@anderswo.example", email=f"x@{UKRAINE_DOMAIN}")
    await stranger.get("/join-request")
    await stranger.start_login(email="x@unbekannt.example")
    assert len(browser.pages) + len(stranger.pages) > 10
    for page in browser.pages + stranger.pages:
        assert CLIENT_SECRET not in page
