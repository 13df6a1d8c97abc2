"""Signing a test client in as a person: the same signed cookie the app's session middleware
writes (Starlette's SessionMiddleware, signed with the app's SECRET_KEY)."""

from __future__ import annotations

import json
import secrets
import time
from base64 import b64encode

import httpx
from itsdangerous import TimestampSigner

from server.sessions import SESSION_COOKIE


def session_cookie(secret_key: str, data: dict[str, object]) -> str:
    payload = b64encode(json.dumps(data).encode("utf-8"))
    return TimestampSigner(secret_key).sign(payload).decode("utf-8")


def signed_in_cookie(
    secret_key: str, person_id: int, *, issued: int | None = None, seen: int | None = None
) -> tuple[str, str]:
    """A session cookie for the person and its CSRF token."""
    now = int(time.time())
    token = secrets.token_urlsafe(32)
    data = {
        "person": person_id,
        "issued": now if issued is None else issued,
        "seen": now if seen is None else seen,
        "csrf": token,
    }
    return session_cookie(secret_key, data), token


def sign_in(client: httpx.Client | httpx.AsyncClient, secret_key: str, person_id: int) -> None:
    cookie, token = signed_in_cookie(secret_key, person_id)
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie)
    client.headers["X-CSRF-Token"] = token
