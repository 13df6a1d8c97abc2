"""The ID token checks of `server.oidc.verify_id_token` with tokens signed here: signature
against the JWKS, issuer, audience, expiry and nonce. No services needed."""

from __future__ import annotations

import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from server.oidc import LoginRefused, Provider, verify_id_token

PROVIDER = Provider("https://login.example", "knotenpunkt", "secret")
NONCE = "n-123"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"})
JWKS = KeySet([KEY]).as_dict(private=False)


def _token(key: RSAKey = KEY, **changes: object) -> str:
    now = int(time.time())
    claims: dict[str, object] = {
        "iss": PROVIDER.issuer,
        "aud": PROVIDER.client_id,
        "sub": "u-1",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        **changes,
    }
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode({"alg": "RS256", "kid": "k1"}, claims, key)


def test_a_good_token_gives_its_claims() -> None:
    claims = verify_id_token(PROVIDER, JWKS, _token(email="a@b.example"), NONCE)
    assert claims["sub"] == "u-1" and claims["email"] == "a@b.example"
    listed = verify_id_token(
        PROVIDER, JWKS, _token(aud=[PROVIDER.client_id, "other"], azp=PROVIDER.client_id), NONCE
    )
    assert listed["sub"] == "u-1"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        (lambda: _token(key=RSAKey.generate_key(2048)), "could not be verified"),
        (lambda: _token(iss="https://evil.example"), "not registered"),
        (lambda: _token(aud="someone-else"), "could not be verified"),
        (lambda: _token(aud=[PROVIDER.client_id, "other"]), "could not be verified"),
        (lambda: _token(exp=int(time.time()) - 600), "could not be verified"),
        (lambda: _token(nonce="n-other"), "nonce"),
        (lambda: _token(nonce=None), "nonce"),
        (lambda: _token(sub=None), "could not be verified"),
        (lambda: "not.a.token", "could not be verified"),
    ],
)
def test_a_bad_token_is_refused(token: object, message: str) -> None:
    assert callable(token)
    with pytest.raises(LoginRefused, match=message) as refused:
        verify_id_token(PROVIDER, JWKS, token(), NONCE)
    assert refused.value.status == 403
