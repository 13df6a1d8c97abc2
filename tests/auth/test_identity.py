"""Who a verified identity is, and preloading providers: `server.domain.identity` on real
PostgreSQL (each test rolled back)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import identity
from server.domain.errors import Invalid, NotAllowed
from server.domain.identity import ProviderFileError, VerifiedIdentity
from server.models import (
    AuditEntry,
    IdentityProvider,
    JoinRequest,
    JoinRequestStatus,
    Organisation,
    OrganisationStatus,
    Person,
)
from tests import factories

ISSUER = "https://login.tafel.example"


async def _provider(
    session: AsyncSession,
    organisation: Organisation | None = None,
    domains: list[str] | None = None,
    issuer: str = ISSUER,
    enabled: bool = True,
) -> IdentityProvider:
    organisation = organisation or await factories.organisation(session)
    provider = IdentityProvider(
        organisation_id=organisation.id,
        issuer=issuer,
        client_id="kp",
        client_secret="geheim",
        email_domains=["tafel.example"] if domains is None else domains,
        enabled=enabled,
    )
    session.add(provider)
    await session.flush()
    await session.refresh(provider, ["organisation"])
    return provider


def _claims(sub: str, email: str | None = None, **extra: object) -> dict[str, object]:
    claims: dict[str, object] = {"sub": sub, "iss": ISSUER, **extra}
    if email:
        claims["email"] = email
    return claims


async def _audit(session: AsyncSession) -> list[tuple[str, int | None]]:
    query = select(AuditEntry.action, AuditEntry.actor_id).order_by(AuditEntry.id)
    rows = await session.execute(query)
    return [(action, actor) for action, actor in rows]


async def test_a_known_identity_signs_in_as_its_person(session: AsyncSession) -> None:
    provider = await _provider(session)
    person = Person(
        organisation_id=provider.organisation_id, name="Ada", issuer=ISSUER, subject="ada-1"
    )
    session.add(person)
    await session.flush()
    # The provider's e-mail domain does not matter for a known person.
    found = await identity.sign_in_identity(session, provider, _claims("ada-1", "a@x.example"))
    assert found is person
    assert await _audit(session) == [("login", person.id)]


async def test_first_login_with_a_matching_domain_creates_the_person(
    session: AsyncSession,
) -> None:
    provider = await _provider(session)
    found = await identity.sign_in_identity(
        session, provider, _claims("u-7", "Lena.Berg@Tafel.example", name="Lena  Berg")
    )
    assert isinstance(found, Person)
    assert (found.organisation_id, found.name, found.email) == (
        provider.organisation_id,
        "Lena Berg",
        "lena.berg@tafel.example",
    )
    assert (found.issuer, found.subject) == (ISSUER, "u-7")
    assert await _audit(session) == [("person.created", found.id), ("login", found.id)]


async def test_a_provider_without_domains_accepts_any_address(session: AsyncSession) -> None:
    provider = await _provider(session, domains=[])
    found = await identity.sign_in_identity(session, provider, _claims("u-8", "x@gmx.example"))
    assert isinstance(found, Person)
    assert found.name == "x@gmx.example"


async def test_another_domain_is_not_a_member_but_may_ask_to_join(session: AsyncSession) -> None:
    provider = await _provider(session)
    persons = await session.scalar(select(func.count()).select_from(Person))
    found = await identity.sign_in_identity(
        session, provider, _claims("u-9", "jo@anderswo.example", given_name="Jo", family_name="B")
    )
    assert found == VerifiedIdentity(ISSUER, "u-9", "jo@anderswo.example", "Jo B")
    assert await session.scalar(select(func.count()).select_from(Person)) == persons
    assert await _audit(session) == []


async def test_an_unverified_or_missing_address_joins_nobody(session: AsyncSession) -> None:
    provider = await _provider(session, domains=[])
    unverified = await identity.sign_in_identity(
        session, provider, _claims("u-10", "a@tafel.example", email_verified=False)
    )
    assert isinstance(unverified, VerifiedIdentity)
    assert unverified.email is None and unverified.name == "u-10"
    missing = await identity.sign_in_identity(session, provider, _claims("u-11"))
    assert isinstance(missing, VerifiedIdentity)


async def test_a_domain_named_by_another_provider_of_the_same_issuer_joins_that_organisation(
    session: AsyncSession,
) -> None:
    chosen = await _provider(session, domains=["tafel.example"])
    other = await _provider(session, domains=["nachbarn.example"])
    found = await identity.sign_in_identity(session, chosen, _claims("u-12", "n@nachbarn.example"))
    assert isinstance(found, Person)
    assert found.organisation_id == other.organisation_id


async def test_a_person_of_an_organisation_that_left_is_refused(session: AsyncSession) -> None:
    organisation = await factories.organisation(session, status=OrganisationStatus.left)
    provider = await _provider(session, organisation)
    session.add(Person(organisation_id=organisation.id, name="A", issuer=ISSUER, subject="gone"))
    await session.flush()
    with pytest.raises(NotAllowed):
        await identity.sign_in_identity(session, provider, _claims("gone"))
    assert await _audit(session) == []


async def test_no_usable_subject_is_refused(session: AsyncSession) -> None:
    provider = await _provider(session)
    with pytest.raises(NotAllowed):
        await identity.sign_in_identity(session, provider, {"email": "a@tafel.example"})


JOIN_FORM = {
    "organisation_name": "Tafel Nord e. V.",
    "kind": "association",
    "federal_level": "kommune",
    "contact_email": "info@tafel-nord.example",
}


async def test_a_join_request_is_saved_pending_and_audited(session: AsyncSession) -> None:
    pending = VerifiedIdentity(ISSUER, "u-20", "jo@tafel-nord.example", "Jo")
    request = await identity.create_join_request(session, pending, JOIN_FORM)
    assert request.status is JoinRequestStatus.pending
    assert (request.issuer, request.subject, request.person_name) == (ISSUER, "u-20", "Jo")
    assert await _audit(session) == [("join_request.created", None)]
    # Asking again while the first is pending gives the same request back.
    again = await identity.create_join_request(session, pending, {**JOIN_FORM, "kind": "other"})
    assert again.id == request.id
    assert await session.scalar(select(func.count()).select_from(JoinRequest)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"organisation_name": "  "}, "organisation_name"),
        ({"organisation_name": "x" * 201}, "organisation_name"),
        ({"kind": "verein"}, "kind"),
        ({"federal_level": ""}, "federal_level"),
        ({"contact_email": ""}, "contact_email"),
        ({"contact_email": "kein-at"}, "contact_email"),
    ],
)
async def test_a_join_request_is_checked_like_an_organisation(
    session: AsyncSession, change: dict[str, str], field: str
) -> None:
    pending = VerifiedIdentity(ISSUER, "u-21", None, "Jo")
    with pytest.raises(Invalid) as refused:
        await identity.create_join_request(session, pending, {**JOIN_FORM, **change})
    assert list(refused.value.errors) == [field]
    assert await session.scalar(select(func.count()).select_from(JoinRequest)) == 0


async def test_choose_provider_by_domain_or_organisation(session: AsyncSession) -> None:
    provider = await _provider(session)
    disabled = await _provider(session, domains=["aus.example"], enabled=False)
    by_domain = await identity.choose_provider(session, {"email": "a@TAFEL.example"})
    assert by_domain.id == provider.id
    by_choice = await identity.choose_provider(
        session, {"organisation": str(provider.organisation_id)}
    )
    assert by_choice.id == provider.id
    for form, field in [
        ({"email": "a@aus.example"}, "email"),
        ({"email": "a@unbekannt.example"}, "email"),
        ({"email": "kein-at"}, "email"),
        ({}, "email"),
        ({"organisation": str(disabled.organisation_id)}, "organisation"),
        ({"organisation": "abc"}, "organisation"),
        ({"organisation": "9" * 30}, "organisation"),
    ]:
        with pytest.raises(Invalid) as refused:
            await identity.choose_provider(session, form)
        assert list(refused.value.errors) == [field], form
    offered = await identity.login_organisations(session)
    assert provider.organisation_id in [o.id for o in offered]
    assert disabled.organisation_id not in [o.id for o in offered]


async def test_providers_are_registered_idempotently_by_issuer_and_organisation(
    session: AsyncSession,
) -> None:
    organisation = await factories.organisation(session)
    text = f"""
[[provider]]
organisation = "{organisation.name}"
issuer = "{ISSUER}/"
client_id = "kp"
client_secret = "eins"
email_domains = ["Tafel.example"]
"""
    first = await identity.register_providers(session, identity.parse_providers(text))
    second = await identity.register_providers(
        session, identity.parse_providers(text.replace("eins", "zwei"))
    )
    assert [p.id for p in first] == [p.id for p in second]
    stored = await session.scalars(
        select(IdentityProvider).where(IdentityProvider.organisation_id == organisation.id)
    )
    assert [(p.issuer, p.client_secret, p.email_domains) for p in stored] == [
        (ISSUER, "zwei", ["tafel.example"])
    ]


async def test_an_unknown_organisation_in_the_file_is_a_clear_error(session: AsyncSession) -> None:
    entries = identity.parse_providers(
        '[[provider]]\norganisation = "Gibt es nicht"\nissuer = "https://a.example"\n'
        'client_id = "c"\nclient_secret = "s"\n'
    )
    with pytest.raises(ProviderFileError, match="no organisation named 'Gibt es nicht'"):
        await identity.register_providers(session, entries)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[provider]\n", "not valid TOML"),
        ("[provider]\nissuer = 1\n", "array of tables"),
        ("[[providers]]\n", "unknown key"),
        ('[[provider]]\norganisation = "A"\n', "`issuer` must be a non-empty string"),
        (
            '[[provider]]\norganisation = "A"\nissuer = "ftp://x"\nclient_id = "c"\n'
            'client_secret = "s"\n',
            "http\\(s\\) URL",
        ),
        (
            '[[provider]]\norganisation = "A"\nissuer = "https://x"\nclient_id = "c"\n'
            'client_secret = "s"\nemail_domains = "x.example"\n',
            "`email_domains` must be a list",
        ),
        (
            '[[provider]]\norganisation = "A"\nissuer = "https://x"\nclient_id = "c"\n'
            'client_secret = "s"\nsecret = "typo"\n',
            "unknown key",
        ),
    ],
)
def test_a_malformed_provider_file_is_refused_with_where_and_what(text: str, message: str) -> None:
    with pytest.raises(ProviderFileError, match=message):
        identity.parse_providers(text)
