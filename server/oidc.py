"""The OpenID Connect authorisation-code flow with PKCE, as a client of a member organisation's
identity provider (authlib for the OAuth 2 client, joserfc for the ID token).

Each attempt has its own `state`, `nonce` and PKCE verifier, kept in the signed session cookie
between the redirect to the provider and the callback. The callback is accepted once: the
attempt leaves the session and its state is marked used in Redis. The ID token must be signed
by a key of the provider's JWKS and name the registered issuer, our client id, the attempt's
nonce, and not be expired. Anything else is refused with a `LoginRefused` and changes nothing.
"""

from __future__ import annotations

import logging
import secrets
import time
from dataclasses import asdict, dataclass
from typing import Any

import httpx
from authlib.integrations.base_client import OAuthError
from authlib.integrations.httpx_client import AsyncOAuth2Client
from joserfc import jwt
from joserfc.errors import ClaimError, JoseError
from joserfc.jwk import KeySet

from server.domain.errors import N_

log = logging.getLogger(__name__)

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
TIMEOUT_SECONDS = 10.0  # authlib's client is httpx2's (or httpx's): a plain number suits both
ATTEMPT_SECONDS = 600  # a sign-in must come back from the provider within ten minutes
LEEWAY_SECONDS = 60  # clock skew allowed on exp / iat
SCOPE = "openid email profile"
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


class LoginRefused(Exception):
    """A sign-in that is refused: `message` is a gettext message id for the person."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class Attempt:
    """One sign-in in progress, as kept in the session."""

    provider_id: int
    state: str
    nonce: str
    verifier: str
    redirect_uri: str
    next: str
    started: int

    @classmethod
    def start(cls, provider_id: int, redirect_uri: str, next_path: str) -> Attempt:
        return cls(
            provider_id=provider_id,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(64),
            redirect_uri=redirect_uri,
            next=next_path,
            started=int(time.time()),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> Attempt | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(**data)
        except TypeError:
            return None

    @property
    def expired(self) -> bool:
        return time.time() - self.started > ATTEMPT_SECONDS


@dataclass(frozen=True)
class Provider:
    """What the protocol needs of a registered provider."""

    issuer: str
    client_id: str
    client_secret: str


async def discover(provider: Provider) -> dict[str, Any]:
    """The provider's metadata; it must name the registered issuer (OIDC Discovery 4.3)."""
    url = f"{provider.issuer}/.well-known/openid-configuration"
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            response = await http.get(url)
            response.raise_for_status()
            metadata = response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginRefused(
            N_("The identity provider of your organisation cannot be reached. Please try later."),
            status=502,
        ) from exc
    needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(metadata, dict) or not all(
        isinstance(metadata.get(key), str) for key in needed
    ):
        raise LoginRefused(N_("The identity provider of your organisation is misconfigured."), 502)
    if metadata["issuer"].rstrip("/") != provider.issuer:
        raise LoginRefused(
            N_("The identity provider answered for another issuer than the registered one."), 403
        )
    return metadata


def _client(provider: Provider, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_SECONDS,
    )


async def authorization_url(provider: Provider, metadata: dict[str, Any], attempt: Attempt) -> str:
    async with _client(provider, attempt.redirect_uri) as client:
        url, _ = client.create_authorization_url(
            metadata["authorization_endpoint"],
            state=attempt.state,
            nonce=attempt.nonce,
            code_verifier=attempt.verifier,
        )
    return str(url)


def check_callback(attempt: Attempt | None, params: dict[str, str]) -> str:
    """The authorisation code of a callback that answers this session's attempt."""
    if attempt is None:
        raise LoginRefused(
            N_(
                "There is no sign-in in progress here: it was already completed, or it "
                "was started in another browser. Please sign in again."
            )
        )
    if attempt.expired:
        raise LoginRefused(N_("The sign-in took too long. Please sign in again."))
    if "error" in params:
        raise LoginRefused(
            N_("Your organisation's identity provider did not sign you in. Please try again.")
        )
    state = params.get("state", "")
    if not secrets.compare_digest(state.encode(), attempt.state.encode()):
        raise LoginRefused(
            N_(
                "This sign-in answer does not belong to the sign-in started here. Nobody was "
                "signed in; please sign in again."
            ),
            status=403,
        )
    code = params.get("code", "")
    if not code:
        raise LoginRefused(N_("The identity provider sent no sign-in. Please try again."))
    return code


async def redeem(
    provider: Provider, metadata: dict[str, Any], attempt: Attempt, code: str
) -> dict[str, Any]:
    """Exchange the code and return the verified claims of the ID token."""
    try:
        async with _client(provider, attempt.redirect_uri) as client:
            token = await client.fetch_token(
                metadata["token_endpoint"], code=code, code_verifier=attempt.verifier
            )
    except OAuthError as exc:  # the provider refused the code (used, expired, not its own)
        raise LoginRefused(
            N_("The identity provider did not accept this sign-in. Please sign in again."), 403
        ) from exc
    except Exception as exc:  # unreachable, or no OAuth answer (authlib's HTTP client's errors)
        log.warning("token request to %s failed: %r", metadata["token_endpoint"], exc)
        raise LoginRefused(
            N_("The identity provider of your organisation cannot be reached. Please try later."),
            status=502,
        ) from exc
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT) as http:
            jwks_response = await http.get(metadata["jwks_uri"])
            jwks_response.raise_for_status()
            jwks = jwks_response.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise LoginRefused(
            N_("The identity provider of your organisation cannot be reached. Please try later."),
            status=502,
        ) from exc
    if not isinstance(token, dict):
        raise LoginRefused(N_("The identity provider sent no ID token."), 403)
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise LoginRefused(N_("The identity provider sent no ID token."), 403)
    return verify_id_token(provider, jwks, id_token, attempt.nonce)


def verify_id_token(
    provider: Provider, jwks: dict[str, Any], id_token: str, nonce: str
) -> dict[str, Any]:
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        decoded = jwt.decode(id_token, keys, algorithms=ALGORITHMS)
    except (JoseError, ValueError, TypeError) as exc:
        raise LoginRefused(
            N_("The identity provider's answer could not be verified. Nobody was signed in."), 403
        ) from exc
    claims = dict(decoded.claims)
    registry = jwt.JWTClaimsRegistry(
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": provider.issuer},
        aud={"essential": True, "value": provider.client_id},
        exp={"essential": True},
        iat={"essential": True},
        sub={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    try:
        registry.validate(claims)
    except ClaimError as exc:
        if exc.claim == "iss":
            message = N_(
                "The sign-in came from an identity provider that is not registered for this "
                "organisation. Nobody was signed in."
            )
        elif exc.claim == "nonce":
            message = N_(
                "This sign-in does not belong to the sign-in started here (the nonce does not "
                "match). Nobody was signed in; please sign in again."
            )
        else:
            message = N_(
                "The identity provider's answer could not be verified. Nobody was signed in."
            )
        raise LoginRefused(message, 403) from exc
    audience = claims["aud"]
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != provider.client_id:
        raise LoginRefused(
            N_("The identity provider's answer could not be verified. Nobody was signed in."), 403
        )
    return claims
