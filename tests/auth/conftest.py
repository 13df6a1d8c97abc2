"""A real OpenID Connect provider for the sign-in tests: `oidc-provider-mock` in a subprocess on
loopback (its Flask app warns about authlib deprecations on import, so it stays out of the test
process), and a browser-like client that follows the redirects between app and provider by hand.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.conftest import free_port

CLIENT_ID = "knotenpunkt-test"
CLIENT_SECRET = "s3cr3t-never-shown-anywhere-9f2c"
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def _start_mock(tmp: Path, *arguments: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start oidc-provider-mock on a free loopback port; `arguments` are added to its command
    line (e.g. `--user-claims`). Returns the process and the issuer URL."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(tmp / f"oidc-mock-{port}.log", "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "oidc_provider_mock",
                "-H",
                "127.0.0.1",
                "-p",
                str(port),
                *arguments,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"oidc-provider-mock exited: see {tmp}")
        try:
            if httpx.get(f"{base}/.well-known/openid-configuration", timeout=1).is_success:
                return process, base
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("oidc-provider-mock did not start")


@pytest.fixture(scope="session")
def mock_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The issuer URL of a running mock provider (shared: each test uses its own subjects)."""
    process, base = _start_mock(tmp_path_factory.mktemp("oidc"))
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def other_mock_issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second mock provider that no organisation registered."""
    process, base = _start_mock(tmp_path_factory.mktemp("oidc-other"))
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def _serve_discovery(metadata: dict[str, object], claimed_issuer: str | None) -> Iterator[str]:
    """Serve one discovery document on its own port; it names `claimed_issuer` as its issuer
    (None: its own address)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server method name
            body = json.dumps({**metadata, "issuer": claimed_issuer or base}).encode()
            self.send_response(200 if self.path.endswith("/openid-configuration") else 404)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
    base = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def forged_issuer(other_mock_issuer: str) -> Iterator[str]:
    """A discovery document that claims its own (registered) issuer but sends people to the
    unregistered mock, whose tokens name that mock as issuer: a provider mix-up."""
    metadata = httpx.get(f"{other_mock_issuer}/.well-known/openid-configuration").json()
    yield from _serve_discovery(metadata, None)


@pytest.fixture
def impostor_issuer(other_mock_issuer: str) -> Iterator[str]:
    """A registered address whose discovery document names another issuer."""
    metadata = httpx.get(f"{other_mock_issuer}/.well-known/openid-configuration").json()
    yield from _serve_discovery(metadata, other_mock_issuer)


def providers_file(path: Path, *entries: dict[str, object]) -> str:
    """Write an IDENTITY_PROVIDERS_FILE and return its path."""
    lines = []
    for entry in entries:
        values = {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, **entry}
        lines.append("[[provider]]")
        lines += [
            f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in values.items()
        ]
        lines.append("")
    path.write_text("\n".join(lines), encoding="utf-8")
    return str(path)


@dataclass
class Browser:
    """One person's browser: the app's cookies, redirects followed by hand, pages kept."""

    app: httpx.AsyncClient
    pages: list[str] = field(default_factory=list)

    async def get(self, url: str) -> httpx.Response:
        response = await self.app.get(url)
        self.pages.append(response.text)
        return response

    async def post(self, url: str, data: dict[str, str]) -> httpx.Response:
        response = await self.app.post(url, data=data)
        self.pages.append(response.text)
        return response

    async def form_token(self, url: str = "/login") -> str:
        match = _CSRF_FIELD.search((await self.get(url)).text)
        assert match, f"no form with a CSRF token on {url}"
        return match.group(1)

    async def start_login(self, **form: str) -> httpx.Response:
        """POST /login with an e-mail address or an organisation id."""
        token = await self.form_token()
        return await self.post("/login", {"csrf_token": token, **form})

    async def authorize_url(self, **form: str) -> str:
        response = await self.start_login(**form)
        assert response.status_code == 303, response.text
        return response.headers["location"]

    async def sign_in_at_provider(self, authorize_url: str, sub: str) -> str:
        """Type the subject into the mock's form; returns the callback URL it redirects to."""
        async with httpx.AsyncClient() as provider:
            page = await provider.get(authorize_url)
            assert page.status_code == 200, page.text
            self.pages.append(page.text)
            answer = await provider.post(authorize_url, data={"sub": sub})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def deny_at_provider(self, authorize_url: str) -> str:
        async with httpx.AsyncClient() as provider:
            answer = await provider.post(authorize_url, data={"action": "deny"})
        assert answer.status_code == 302, answer.text
        return answer.headers["location"]

    async def callback(self, url: str) -> httpx.Response:
        parts = urlsplit(url)
        assert parts.path == "/auth/callback", url
        return await self.get(f"{parts.path}?{parts.query}")

    async def login(self, sub: str, **form: str) -> httpx.Response:
        """The whole round trip: app -> provider -> app callback."""
        callback = await self.sign_in_at_provider(await self.authorize_url(**form), sub)
        return await self.callback(callback)

    async def signed_in_name(self) -> str | None:
        """Who the page header names (the login page is open to everyone)."""
        page = (await self.get("/login")).text
        match = re.search(r'class="account-name">([^<]+)<', page)
        return match.group(1) if match else None


def query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
