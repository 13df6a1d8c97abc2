"""Who a verified identity is: signing in through a member organisation's own identity provider.

The web layer runs the OpenID Connect protocol (state, nonce, PKCE, the ID token's signature and
claims); this module decides what a verified identity means here. A person known by issuer and
subject signs in; someone new whose e-mail domain belongs to the provider's organisation becomes
a person of it on first login (a provider without domains vouches for any address); anyone else
may ask to join the alliance with a join request for an alliance admin.

Identity providers can be preloaded from a TOML file (`IDENTITY_PROVIDERS_FILE`):

    [[provider]]
    organisation = "Unterkunft Ukraine e. V."   # an existing organisation, by name
    issuer = "https://login.unterkunft-ukraine.example"
    client_id = "knotenpunkt"
    client_secret = "..."
    email_domains = ["unterkunft-ukraine.example"]
    enabled = true                                # optional
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import audit, validation
from server.domain.errors import N_, Invalid, Message, NotAllowed, NotFound
from server.models import (
    FederalLevel,
    IdentityProvider,
    JoinRequest,
    JoinRequestStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
)
from server.models.identity_providers import DOMAIN_MAX, ISSUER_MAX
from server.models.organisations import NAME_MAX

PERSON_NAME_MAX = 200
SUBJECT_MAX = 255


class ProviderFileError(ValueError):
    """The identity provider file is malformed or names an unknown organisation."""


@dataclass(frozen=True)
class ProviderEntry:
    organisation: str
    issuer: str
    client_id: str
    client_secret: str
    email_domains: tuple[str, ...] = ()
    enabled: bool = True


_ENTRY_KEYS = {"organisation", "issuer", "client_id", "client_secret", "email_domains", "enabled"}


def normalise_issuer(url: str) -> str:
    return url.strip().rstrip("/")


def parse_providers(text: str, source: str = "the identity provider file") -> list[ProviderEntry]:
    """Read `[[provider]]` tables; anything unexpected is refused with the place it is at."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProviderFileError(f"{source} is not valid TOML: {exc}") from exc
    unknown = set(data) - {"provider"}
    if unknown:
        raise ProviderFileError(f"{source}: unknown key(s) {sorted(unknown)}; use [[provider]]")
    tables = data.get("provider", [])
    if not isinstance(tables, list):
        raise ProviderFileError(f"{source}: `provider` must be an array of tables ([[provider]])")
    return [_entry(table, f"{source}, provider {number}") for number, table in enumerate(tables, 1)]


def _entry(table: object, where: str) -> ProviderEntry:
    if not isinstance(table, dict):
        raise ProviderFileError(f"{where}: must be a table")
    unknown = set(table) - _ENTRY_KEYS
    if unknown:
        raise ProviderFileError(f"{where}: unknown key(s) {sorted(unknown)}")

    def string(key: str, max_length: int) -> str:
        value = table.get(key)
        if not isinstance(value, str) or not value.strip():
            raise ProviderFileError(f"{where}: `{key}` must be a non-empty string")
        if len(value) > max_length:
            raise ProviderFileError(f"{where}: `{key}` is longer than {max_length} characters")
        return value.strip()

    issuer = normalise_issuer(string("issuer", ISSUER_MAX))
    parts = urlsplit(issuer)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query:
        raise ProviderFileError(f"{where}: `issuer` must be an http(s) URL without a query")
    domains = table.get("email_domains", [])
    if not isinstance(domains, list) or not all(
        isinstance(domain, str) and domain.strip() and len(domain) <= DOMAIN_MAX
        for domain in domains
    ):
        raise ProviderFileError(f"{where}: `email_domains` must be a list of domain names")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ProviderFileError(f"{where}: `enabled` must be true or false")
    return ProviderEntry(
        organisation=string("organisation", NAME_MAX),
        issuer=issuer,
        client_id=string("client_id", 255),
        client_secret=string("client_secret", 500),
        email_domains=tuple(dict.fromkeys(d.strip().lower().lstrip("@") for d in domains)),
        enabled=enabled,
    )


async def register_providers(
    session: AsyncSession, entries: list[ProviderEntry]
) -> list[IdentityProvider]:
    """Add or update each provider, matched by issuer and organisation (idempotent)."""
    registered = []
    for entry in entries:
        organisation = await session.scalar(
            select(Organisation).where(Organisation.name == entry.organisation)
        )
        if organisation is None:
            raise ProviderFileError(
                f"identity provider {entry.issuer}: no organisation named {entry.organisation!r}"
            )
        provider = await session.scalar(
            select(IdentityProvider).where(
                IdentityProvider.issuer == entry.issuer,
                IdentityProvider.organisation_id == organisation.id,
            )
        )
        if provider is None:
            provider = IdentityProvider(organisation_id=organisation.id, issuer=entry.issuer)
            session.add(provider)
        provider.client_id = entry.client_id
        provider.client_secret = entry.client_secret
        provider.email_domains = list(entry.email_domains)
        provider.enabled = entry.enabled
        registered.append(provider)
    await session.flush()
    return registered


def _usable() -> list[Any]:
    return [
        IdentityProvider.enabled.is_(True),
        Organisation.status == OrganisationStatus.member,
    ]


async def login_organisations(session: AsyncSession) -> list[Organisation]:
    """Member organisations whose people can sign in through an enabled provider."""
    enabled = select(IdentityProvider.organisation_id).where(IdentityProvider.enabled.is_(True))
    result = await session.scalars(
        select(Organisation)
        .where(Organisation.status == OrganisationStatus.member, Organisation.id.in_(enabled))
        .order_by(Organisation.name)
    )
    return list(result)


async def choose_provider(session: AsyncSession, form: Mapping[str, str]) -> IdentityProvider:
    """The provider to sign in with: the chosen organisation's, or the e-mail domain's."""
    errors = validation.Errors()
    chosen = (form.get("organisation") or "").strip()
    query = (
        select(IdentityProvider)
        .join(Organisation)
        .where(*_usable())
        .options(selectinload(IdentityProvider.organisation))
        .order_by(IdentityProvider.id)
        .limit(1)
    )
    if chosen:
        if not chosen.isdigit() or len(chosen) > 9:
            raise Invalid({"organisation": Message(N_("Please choose one of the offered values."))})
        provider = await session.scalar(
            query.where(IdentityProvider.organisation_id == int(chosen))
        )
        if provider is None:
            raise Invalid(
                {
                    "organisation": Message(
                        N_("This organisation cannot sign in through its own login yet.")
                    )
                }
            )
        return provider
    email = validation.email(errors, "email", form.get("email"))
    if errors:
        raise Invalid(errors)
    if not email:
        raise Invalid(
            {"email": Message(N_("Please enter your e-mail address or choose your organisation."))}
        )
    domain = email.rsplit("@", 1)[1].lower()
    provider = await session.scalar(query.where(IdentityProvider.email_domains.any_() == domain))
    if provider is None:
        raise Invalid(
            {
                "email": Message(
                    N_(
                        "No member organisation signs in with addresses of %(domain)s. Choose "
                        "your organisation from the list, or sign in through your own "
                        "organisation's login to ask to join."
                    ),
                    {"domain": domain},
                )
            }
        )
    return provider


async def get_provider(session: AsyncSession, provider_id: int) -> IdentityProvider:
    """An enabled provider of a member organisation."""
    provider = await session.scalar(
        select(IdentityProvider)
        .join(Organisation)
        .where(IdentityProvider.id == provider_id, *_usable())
        .options(selectinload(IdentityProvider.organisation))
    )
    if provider is None:
        raise NotFound()
    return provider


@dataclass(frozen=True)
class VerifiedIdentity:
    """A person the provider vouched for who belongs to no member organisation (yet)."""

    issuer: str
    subject: str
    email: str | None
    name: str

    def as_dict(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: object) -> VerifiedIdentity | None:
        if not isinstance(data, dict):
            return None
        try:
            return cls(
                issuer=str(data["issuer"]),
                subject=str(data["subject"]),
                email=str(data["email"]) if data.get("email") else None,
                name=str(data["name"]),
            )
        except KeyError:
            return None


def identity_from_claims(provider: IdentityProvider, claims: Mapping[str, Any]) -> VerifiedIdentity:
    """The identity in verified ID token claims; an e-mail the provider marks unverified
    counts as none."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > SUBJECT_MAX:
        raise NotAllowed(N_("The identity provider sent no usable identity."))
    email = claims.get("email")
    if not isinstance(email, str) or claims.get("email_verified") is False:
        email = None
    else:
        errors = validation.Errors()
        email = validation.email(errors, "email", email)
        email = None if errors or not email else email.lower()
    name = claims.get("name")
    if not isinstance(name, str) or not name.strip():
        parts = [claims.get("given_name"), claims.get("family_name")]
        name = " ".join(part for part in parts if isinstance(part, str) and part.strip())
    if not name.strip():
        username = claims.get("preferred_username")
        name = username if isinstance(username, str) and username.strip() else email or subject
    return VerifiedIdentity(
        issuer=normalise_issuer(provider.issuer),
        subject=subject,
        email=email,
        name=" ".join(name.split())[:PERSON_NAME_MAX],
    )


async def sign_in_identity(
    session: AsyncSession, provider: IdentityProvider, claims: Mapping[str, Any]
) -> Person | VerifiedIdentity:
    """The person the verified claims belong to, created on first login when the e-mail domain
    is one of the organisation's; otherwise the identity, to ask to join. Every login is
    written to the audit log."""
    identity = identity_from_claims(provider, claims)
    person = await session.scalar(
        select(Person)
        .where(Person.issuer == identity.issuer, Person.subject == identity.subject)
        .options(selectinload(Person.organisation))
    )
    if person is not None and person.organisation.status != OrganisationStatus.member:
        raise NotAllowed(N_("Your organisation is no longer a member of the alliance."))
    if person is None:
        joining = await _joining_provider(session, provider, identity)
        if joining is None:
            return identity
        person = Person(
            organisation_id=joining.organisation_id,
            name=identity.name,
            email=identity.email,
            issuer=identity.issuer,
            subject=identity.subject,
            awaiting_approval=True,  # an admin of the organisation lets them take part
        )
        session.add(person)
        await session.flush()
        await audit.record(
            session,
            "person.created",
            person.id,
            organisation_id=joining.organisation_id,
            provider_id=joining.id,
        )
    await audit.record(
        session,
        "login",
        person.id,
        issuer=identity.issuer,
        provider_id=provider.id,
        organisation_id=person.organisation_id,
    )
    return person


async def _joining_provider(
    session: AsyncSession, provider: IdentityProvider, identity: VerifiedIdentity
) -> IdentityProvider | None:
    """The provider whose organisation a new identity joins: the one signed in with when it
    accepts the e-mail domain, else another of the same issuer that names the domain."""
    if not identity.email:
        return None
    domain = identity.email.rsplit("@", 1)[1]
    usable = await session.scalar(
        select(IdentityProvider.id)
        .join(Organisation)
        .where(IdentityProvider.id == provider.id, *_usable())
    )
    if usable is not None and provider.accepts_domain(domain):
        return provider
    return await session.scalar(
        select(IdentityProvider)
        .join(Organisation)
        .where(
            IdentityProvider.issuer == identity.issuer,
            IdentityProvider.email_domains.any_() == domain,
            *_usable(),
        )
        .order_by(IdentityProvider.id)
        .limit(1)
    )


async def create_join_request(
    session: AsyncSession, identity: VerifiedIdentity, form: Mapping[str, str]
) -> JoinRequest:
    """Ask to join the alliance; an identity with a pending request gets that one back."""
    errors = validation.Errors()
    name = validation.text(
        errors,
        "organisation_name",
        form.get("organisation_name"),
        max_length=NAME_MAX,
        required=True,
    )
    kind = validation.choice(errors, "kind", form.get("kind"), OrganisationKind)
    level = validation.choice(errors, "federal_level", form.get("federal_level"), FederalLevel)
    contact_email = validation.email(errors, "contact_email", form.get("contact_email"))
    if not contact_email and "contact_email" not in errors:
        errors.add("contact_email", N_("Please fill in this field."))
    if errors or kind is None or level is None or contact_email is None:
        raise Invalid(errors)
    pending = await session.scalar(
        select(JoinRequest).where(
            JoinRequest.issuer == identity.issuer,
            JoinRequest.subject == identity.subject,
            JoinRequest.status == JoinRequestStatus.pending,
        )
    )
    if pending is not None:
        return pending
    request = JoinRequest(
        issuer=identity.issuer,
        subject=identity.subject,
        email=identity.email,
        person_name=identity.name,
        organisation_name=name,
        kind=kind,
        federal_level=level,
        contact_email=contact_email,
    )
    session.add(request)
    await session.flush()
    await audit.record(
        session,
        "join_request.created",
        None,
        join_request_id=request.id,
        issuer=identity.issuer,
        subject=identity.subject,
        organisation_name=name,
    )
    return request
