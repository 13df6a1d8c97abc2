"""The CSRF token a page hands to htmx (`<body hx-headers>`), for tests that post like it."""

from __future__ import annotations

import re

import httpx

_TOKEN = re.compile(r'"X-CSRF-Token": "([A-Za-z0-9_\-]+)"')


def token_in(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1)


def arm(client: httpx.Client, path: str = "/") -> str:
    """Visit a page (starting the session) and send its token with every later request."""
    token = token_in(client.get(path).text)
    client.headers["X-CSRF-Token"] = token
    return token


async def arm_async(client: httpx.AsyncClient, path: str = "/") -> str:
    token = token_in((await client.get(path)).text)
    client.headers["X-CSRF-Token"] = token
    return token
