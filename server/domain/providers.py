"""Identity providers registered by alliance admins: a member organisation's OpenID Connect
provider, through which its people sign in.

The client secret is kept to redeem authorisation codes; it is never returned for display, and
an edit that leaves it empty keeps the stored one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Invalid, Message, NotFound
from server.domain.identity import normalise_issuer
from server.models import IdentityProvider, Organisation, OrganisationStatus
from server.models.identity_providers import DOMAIN_MAX, ISSUER_MAX

CLIENT_ID_MAX = 255
CLIENT_SECRET_MAX = 500
DOMAINS_MAX = 50
LOCAL_HOSTS = ("127.0.0.1", "localhost")

_ISSUER_TAKEN = N_("This organisation already has a provider with this issuer.")
_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


@dataclass(frozen=True)
class ProviderForm:
    """Checked values of the provider form; `client_secret` is empty to keep the stored one."""

    organisation_id: int
    issuer: str
    client_id: str
    client_secret: str
    email_domains: list[str]
    enabled: bool


async def list_providers(session: AsyncSession, actor: Actor) -> list[IdentityProvider]:
    rights.require_alliance_admin(actor)
    result = await session.scalars(
        select(IdentityProvider)
        .join(Organisation)
        .options(selectinload(IdentityProvider.organisation))
        .order_by(Organisation.name, IdentityProvider.issuer, IdentityProvider.id)
    )
    return list(result)


async def get_provider(session: AsyncSession, actor: Actor, provider_id: int) -> IdentityProvider:
    rights.require_alliance_admin(actor)
    provider = await session.get(
        IdentityProvider, provider_id, options=[selectinload(IdentityProvider.organisation)]
    )
    if provider is None:
        raise NotFound()
    return provider


async def member_organisations(session: AsyncSession, actor: Actor) -> list[Organisation]:
    """The organisations a provider may be registered for."""
    rights.require_alliance_admin(actor)
    result = await session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.member)
        .order_by(Organisation.name)
    )
    return list(result)


async def add_provider(
    session: AsyncSession, actor: Actor, form: Mapping[str, str]
) -> IdentityProvider:
    """Register a provider; every field is checked before anything is written."""
    rights.require_alliance_admin(actor)
    values = await _check(session, form)
    provider = IdentityProvider(
        organisation_id=values.organisation_id,
        issuer=values.issuer,
        client_id=values.client_id,
        client_secret=values.client_secret,
        email_domains=values.email_domains,
        enabled=values.enabled,
    )
    await _save(session, provider)
    await audit.record(
        session,
        "provider.created",
        actor.person_id,
        provider_id=provider.id,
        organisation_id=provider.organisation_id,
        issuer=provider.issuer,
        client_id=provider.client_id,
        email_domains=provider.email_domains,
        enabled=provider.enabled,
    )
    return provider


async def update_provider(
    session: AsyncSession, actor: Actor, provider_id: int, form: Mapping[str, str]
) -> IdentityProvider:
    """Change a provider; an empty secret keeps the stored one. The audit entry names what
    changed (for the secret only that it did)."""
    rights.require_alliance_admin(actor)
    provider = await session.get(IdentityProvider, provider_id, with_for_update=True)
    if provider is None:
        raise NotFound()
    values = await _check(session, form, provider_id=provider.id)
    changes: dict[str, Any] = {}
    for name in ("organisation_id", "issuer", "client_id", "email_domains", "enabled"):
        new = getattr(values, name)
        if getattr(provider, name) != new:
            changes[name] = new
            setattr(provider, name, new)
    if values.client_secret and values.client_secret != provider.client_secret:
        provider.client_secret = values.client_secret
        changes["client_secret"] = "changed"
    if changes:
        await _save(session, provider)
        await audit.record(
            session, "provider.updated", actor.person_id, provider_id=provider.id, **changes
        )
    return provider


async def _save(session: AsyncSession, provider: IdentityProvider) -> None:
    try:
        async with session.begin_nested():
            session.add(provider)
            await session.flush()
    except IntegrityError as exc:  # a concurrent request registered the same issuer first
        raise Invalid({"issuer": Message(_ISSUER_TAKEN)}) from exc


async def _check(
    session: AsyncSession, form: Mapping[str, str], *, provider_id: int | None = None
) -> ProviderForm:
    """Check every field; a new provider needs a secret, an edited one keeps its own."""
    errors = validation.Errors()
    organisation_id = await _organisation(session, errors, form.get("organisation_id"))
    issuer = _issuer(errors, form.get("issuer"))
    client_id = validation.text(
        errors, "client_id", form.get("client_id"), max_length=CLIENT_ID_MAX, required=True
    )
    client_secret = validation.text(
        errors,
        "client_secret",
        form.get("client_secret"),
        max_length=CLIENT_SECRET_MAX,
        required=provider_id is None,
    )
    domains = _domains(errors, form.get("email_domains"))
    if organisation_id is not None and issuer and "issuer" not in errors:
        taken = await session.scalar(
            select(IdentityProvider.id).where(
                IdentityProvider.organisation_id == organisation_id,
                IdentityProvider.issuer == issuer,
                IdentityProvider.id != (provider_id or 0),
            )
        )
        if taken is not None:
            errors.add("issuer", _ISSUER_TAKEN)
    if errors or organisation_id is None:
        raise Invalid(errors)
    return ProviderForm(
        organisation_id=organisation_id,
        issuer=issuer,
        client_id=client_id,
        client_secret=client_secret,
        email_domains=domains,
        enabled=form.get("enabled") in ("1", "on", "true"),
    )


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 10 else 0


async def _organisation(
    session: AsyncSession, errors: validation.Errors, value: str | None
) -> int | None:
    chosen = _int((value or "").strip())
    found = None
    if chosen:
        found = await session.scalar(
            select(Organisation.id).where(
                Organisation.id == chosen, Organisation.status == OrganisationStatus.member
            )
        )
    if found is None:
        errors.add("organisation_id", N_("Please choose one of the offered values."))
    return found


def _issuer(errors: validation.Errors, value: str | None) -> str:
    issuer = normalise_issuer(
        validation.text(errors, "issuer", value, max_length=ISSUER_MAX, required=True)
    )
    if not issuer or "issuer" in errors:
        return issuer
    try:
        parts = urlsplit(issuer)
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    local = parts is not None and parts.scheme == "http" and host in LOCAL_HOSTS
    if (
        parts is None
        or not (parts.scheme == "https" or local)
        or not host
        or parts.query
        or parts.fragment
        or parts.username
        or any(ch.isspace() for ch in issuer)
    ):
        errors.add(
            "issuer",
            N_(
                "Please enter the provider's address starting with https:// (http:// only for "
                "127.0.0.1 or localhost), without query or fragment."
            ),
        )
    return issuer


def _domains(errors: validation.Errors, value: str | None) -> list[str]:
    text = validation.text(errors, "email_domains", value, max_length=DOMAINS_MAX * DOMAIN_MAX)
    domains = [part.strip().lower().lstrip("@") for part in text.split(",") if part.strip()]
    bad = [domain for domain in domains if not _DOMAIN.match(domain)]
    if bad:
        errors.add(
            "email_domains",
            N_("Not a valid e-mail domain: %(domain)s. Separate several domains with commas."),
            domain=bad[0],
        )
    elif len(domains) > DOMAINS_MAX:
        errors.add("email_domains", N_("At most %(max)d domains, please."), max=DOMAINS_MAX)
    return list(dict.fromkeys(domains))
