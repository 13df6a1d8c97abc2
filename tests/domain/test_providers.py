"""Identity providers registered by alliance admins, on real PostgreSQL (each test rolled
back)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import providers
from server.domain.actors import Actor
from server.domain.errors import Invalid, NotAllowed, NotFound
from server.models import AuditEntry, IdentityProvider, OrganisationStatus, Person
from tests import factories
from tests.actors import member_of


async def _admin(session: AsyncSession) -> Actor:
    organisation = await factories.organisation(session)
    person = Person(organisation_id=organisation.id, name="Ada", is_alliance_admin=True)
    session.add(person)
    await session.flush()
    return Actor(person_id=person.id, organisation_id=organisation.id, is_alliance_admin=True)


async def _form(session: AsyncSession, **changes: str) -> dict[str, str]:
    organisation = await factories.organisation(session)
    return {
        "organisation_id": str(organisation.id),
        "issuer": "https://login.verein.example/",
        "client_id": "knotenpunkt",
        "client_secret": "geheim-123",
        "email_domains": " verein.example, @Verein-EV.example ,verein.example",
        "enabled": "1",
        **changes,
    }


async def _count(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(IdentityProvider)) or 0


async def _last_audit(session: AsyncSession) -> AuditEntry:
    entry = await session.scalar(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(1))
    assert entry is not None
    return entry


async def test_adding_a_provider_cleans_and_saves_every_field(session: AsyncSession) -> None:
    admin = await _admin(session)
    form = await _form(session)
    provider = await providers.add_provider(session, admin, form)
    assert provider.organisation_id == int(form["organisation_id"])
    assert provider.issuer == "https://login.verein.example"
    assert provider.client_id == "knotenpunkt"
    assert provider.client_secret == "geheim-123"
    assert provider.email_domains == ["verein.example", "verein-ev.example"]
    assert provider.enabled is True
    entry = await _last_audit(session)
    assert entry.action == "provider.created"
    assert entry.actor_id == admin.person_id
    assert "geheim-123" not in str(entry.details)


async def test_a_local_http_issuer_is_accepted(session: AsyncSession) -> None:
    admin = await _admin(session)
    form = await _form(session, issuer="http://127.0.0.1:15556", email_domains="")
    provider = await providers.add_provider(session, admin, form)
    assert provider.issuer == "http://127.0.0.1:15556"
    assert provider.email_domains == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"issuer": ""}, "issuer"),
        ({"issuer": "http://login.verein.example"}, "issuer"),
        ({"issuer": "ftp://login.verein.example"}, "issuer"),
        ({"issuer": "https://login.verein.example?x=1"}, "issuer"),
        ({"issuer": "https://"}, "issuer"),
        ({"issuer": "javascript:alert(1)"}, "issuer"),
        ({"issuer": "https://" + "a" * 500 + ".example"}, "issuer"),
        ({"client_id": ""}, "client_id"),
        ({"client_id": "c" * 256}, "client_id"),
        ({"client_secret": ""}, "client_secret"),
        ({"client_secret": "s" * 501}, "client_secret"),
        ({"email_domains": "verein"}, "email_domains"),
        ({"email_domains": "<script>alert(1)</script>"}, "email_domains"),
        ({"email_domains": "verein.example, kein domain.example"}, "email_domains"),
        ({"organisation_id": ""}, "organisation_id"),
        ({"organisation_id": "abc"}, "organisation_id"),
        ({"organisation_id": "999999999"}, "organisation_id"),
    ],
)
async def test_bad_input_is_refused_and_nothing_is_saved(
    session: AsyncSession, changes: dict[str, str], field: str
) -> None:
    admin = await _admin(session)
    form = await _form(session, **changes)
    before = await _count(session)
    with pytest.raises(Invalid) as refused:
        await providers.add_provider(session, admin, form)
    assert field in refused.value.errors
    assert await _count(session) == before


async def test_an_organisation_that_left_gets_no_provider(session: AsyncSession) -> None:
    admin = await _admin(session)
    gone = await factories.organisation(session, status=OrganisationStatus.left)
    form = await _form(session, organisation_id=str(gone.id))
    with pytest.raises(Invalid) as refused:
        await providers.add_provider(session, admin, form)
    assert "organisation_id" in refused.value.errors
    assert gone not in await providers.member_organisations(session, admin)


async def test_the_same_issuer_twice_for_an_organisation_is_refused(session: AsyncSession) -> None:
    admin = await _admin(session)
    form = await _form(session)
    await providers.add_provider(session, admin, form)
    with pytest.raises(Invalid) as refused:
        await providers.add_provider(session, admin, form)
    assert "issuer" in refused.value.errors


async def test_editing_with_an_empty_secret_keeps_the_stored_one(session: AsyncSession) -> None:
    admin = await _admin(session)
    form = await _form(session)
    provider = await providers.add_provider(session, admin, form)
    changed = {**form, "client_secret": "", "client_id": "neu", "enabled": ""}
    await providers.update_provider(session, admin, provider.id, changed)
    assert provider.client_secret == "geheim-123"
    assert (provider.client_id, provider.enabled) == ("neu", False)
    entry = await _last_audit(session)
    assert entry.action == "provider.updated"
    assert entry.details == {"provider_id": provider.id, "client_id": "neu", "enabled": False}


async def test_editing_the_secret_records_only_that_it_changed(session: AsyncSession) -> None:
    admin = await _admin(session)
    form = await _form(session)
    provider = await providers.add_provider(session, admin, form)
    await providers.update_provider(
        session, admin, provider.id, {**form, "client_secret": "ganz-neu"}
    )
    assert provider.client_secret == "ganz-neu"
    entry = await _last_audit(session)
    assert entry.details == {"provider_id": provider.id, "client_secret": "changed"}


async def test_an_invalid_edit_changes_nothing(session: AsyncSession) -> None:
    admin = await _admin(session)
    form = await _form(session)
    provider = await providers.add_provider(session, admin, form)
    with pytest.raises(Invalid):
        await providers.update_provider(
            session,
            admin,
            provider.id,
            {**form, "client_id": "neu", "issuer": "http://login.verein.example"},
        )
    assert (provider.client_id, provider.issuer) == ("knotenpunkt", "https://login.verein.example")


async def test_only_alliance_admins_manage_providers(session: AsyncSession) -> None:
    admin = await _admin(session)
    provider = await providers.add_provider(session, admin, await _form(session))
    member = member_of(provider.organisation_id)
    with pytest.raises(NotAllowed):
        await providers.list_providers(session, member)
    with pytest.raises(NotAllowed):
        await providers.add_provider(session, member, await _form(session))
    with pytest.raises(NotAllowed):
        await providers.update_provider(session, member, provider.id, {})
    with pytest.raises(NotFound):
        await providers.get_provider(session, admin, 987_654)
