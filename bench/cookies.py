"""A signed-in visitor without a sign-in flow: the same signed session cookie the app's
session middleware writes (Starlette's SessionMiddleware, signed with the app's SECRET_KEY)."""

from __future__ import annotations

import json
import secrets
import time
from base64 import b64encode

from itsdangerous import TimestampSigner

from server.sessions import SESSION_COOKIE


def session_cookie(secret_key: str, data: dict[str, object]) -> str:
    payload = b64encode(json.dumps(data).encode("utf-8"))
    return TimestampSigner(secret_key).sign(payload).decode("utf-8")


def signed_in(secret_key: str, person_id: int) -> tuple[dict[str, str], str]:
    """Cookies of a fresh sign-in of the person, and the session's CSRF token."""
    now = int(time.time())
    token = secrets.token_urlsafe(32)
    data = {"person": person_id, "issued": now, "seen": now, "csrf": token}
    return {SESSION_COOKIE: session_cookie(secret_key, data)}, token
