"""Join requests decided by an alliance admin, on real PostgreSQL (each test rolled back)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import identity, join_requests
from server.domain.actors import Actor
from server.domain.errors import Conflict, Invalid, NotAllowed, NotFound
from server.models import (
    AuditEntry,
    IdentityProvider,
    JoinRequest,
    JoinRequestStatus,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
    Person,
)
from tests import factories
from tests.actors import member_of

ISSUER = "https://login.fremd.example"


async def _admin(session: AsyncSession) -> Actor:
    """A real alliance admin: decisions and audit entries point at the person."""
    organisation = await factories.organisation(session)
    person = Person(organisation_id=organisation.id, name="Ada", is_alliance_admin=True)
    session.add(person)
    await session.flush()
    return Actor(
        person_id=person.id,
        organisation_id=organisation.id,
        name="Ada",
        is_alliance_admin=True,
    )


async def _request(
    session: AsyncSession, subject: str | None = None, organisation_name: str | None = None
) -> JoinRequest:
    pending = identity.VerifiedIdentity(
        issuer=ISSUER,
        subject=subject or factories.unique("sub").replace(" ", "-"),
        email="jo@fremd.example",
        name="Jo Neu",
    )
    form = {
        "organisation_name": organisation_name or factories.unique("Neuer Verein"),
        "kind": "foundation",
        "federal_level": "land",
        "contact_email": "kontakt@fremd.example",
    }
    return await identity.create_join_request(session, pending, form)


async def _actions(session: AsyncSession) -> list[str]:
    result = await session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
    return list(result)


async def test_approving_creates_the_member_organisation_and_its_admin(
    session: AsyncSession,
) -> None:
    admin = await _admin(session)
    request = await _request(session)
    decided = await join_requests.approve_join_request(session, admin, request.id)

    assert decided.status is JoinRequestStatus.approved
    assert decided.decided_by == admin.person_id
    assert decided.decided_at is not None
    organisation = await session.scalar(
        select(Organisation).where(Organisation.name == request.organisation_name)
    )
    assert organisation is not None
    assert organisation.status is OrganisationStatus.member
    assert organisation.kind is OrganisationKind.foundation
    assert organisation.contact_email == "kontakt@fremd.example"
    person = await session.scalar(select(Person).where(Person.subject == request.subject))
    assert person is not None
    assert (person.organisation_id, person.issuer, person.email, person.name) == (
        organisation.id,
        ISSUER,
        "jo@fremd.example",
        "Jo Neu",
    )
    assert person.is_organisation_admin and not person.is_alliance_admin
    assert (await _actions(session))[-3:] == [
        "join_request.approved",
        "organisation.created",
        "person.created",
    ]


async def test_after_approval_the_requester_signs_in_as_the_new_person(
    session: AsyncSession,
) -> None:
    admin = await _admin(session)
    request = await _request(session)
    await join_requests.approve_join_request(session, admin, request.id)
    other = await factories.organisation(session)
    provider = IdentityProvider(
        organisation_id=other.id, issuer=ISSUER, client_id="kp", client_secret="s"
    )
    session.add(provider)
    await session.flush()

    found = await identity.sign_in_identity(
        session, provider, {"sub": request.subject, "email": "jo@fremd.example"}
    )
    assert isinstance(found, Person)
    assert found.is_organisation_admin
    assert found.organisation.name == request.organisation_name


async def test_declining_needs_a_reason_and_keeps_it(session: AsyncSession) -> None:
    admin = await _admin(session)
    request = await _request(session)
    with pytest.raises(Invalid) as refused:
        await join_requests.decline_join_request(session, admin, request.id, {"reason": "  "})
    assert refused.value.errors["reason"].id == "Please fill in this field."
    with pytest.raises(Invalid):
        await join_requests.decline_join_request(session, admin, request.id, {"reason": "x" * 501})
    assert request.status is JoinRequestStatus.pending

    decided = await join_requests.decline_join_request(
        session, admin, request.id, {"reason": "Private Personen sind keine Mitglieder."}
    )
    assert decided.status is JoinRequestStatus.declined
    assert decided.decline_reason == "Private Personen sind keine Mitglieder."
    assert decided.decided_by == admin.person_id
    assert (await _actions(session))[-1] == "join_request.declined"
    organisations = select(func.count()).where(Organisation.name == request.organisation_name)
    assert await session.scalar(organisations) == 0


@pytest.mark.parametrize("first", ["approve", "decline"])
async def test_a_decided_request_cannot_be_decided_again(session: AsyncSession, first: str) -> None:
    admin = await _admin(session)
    request = await _request(session)
    if first == "approve":
        await join_requests.approve_join_request(session, admin, request.id)
    else:
        await join_requests.decline_join_request(session, admin, request.id, {"reason": "Nein"})
    status = request.status
    audited = len(await _actions(session))
    with pytest.raises(Conflict):
        await join_requests.approve_join_request(session, admin, request.id)
    with pytest.raises(Conflict):
        await join_requests.decline_join_request(session, admin, request.id, {"reason": "Doch"})
    assert request.status is status
    assert len(await _actions(session)) == audited


async def test_approval_is_refused_when_the_organisation_name_is_taken(
    session: AsyncSession,
) -> None:
    admin = await _admin(session)
    existing = await factories.organisation(session)
    request = await _request(session, organisation_name=existing.name.upper())
    persons_before = await session.scalar(select(func.count()).select_from(Person))
    with pytest.raises(Conflict) as refused:
        await join_requests.approve_join_request(session, admin, request.id)
    assert "already exists" in refused.value.message
    assert request.status is JoinRequestStatus.pending
    assert await session.scalar(select(func.count()).select_from(Person)) == persons_before


async def test_approval_is_refused_when_the_identity_is_already_a_person(
    session: AsyncSession,
) -> None:
    admin = await _admin(session)
    request = await _request(session)
    known = await factories.organisation(session)
    session.add(Person(organisation_id=known.id, name="Jo", issuer=ISSUER, subject=request.subject))
    await session.flush()
    with pytest.raises(Conflict):
        await join_requests.approve_join_request(session, admin, request.id)
    organisations = select(func.count()).where(Organisation.name == request.organisation_name)
    assert await session.scalar(organisations) == 0


async def test_only_alliance_admins_decide(session: AsyncSession) -> None:
    request = await _request(session)
    member = member_of(1)
    with pytest.raises(NotAllowed):
        await join_requests.list_join_requests(session, member)
    with pytest.raises(NotAllowed):
        await join_requests.approve_join_request(session, member, request.id)
    with pytest.raises(NotAllowed):
        await join_requests.decline_join_request(session, member, request.id, {"reason": "x"})
    assert request.status is JoinRequestStatus.pending


async def test_an_unknown_request_is_not_found(session: AsyncSession) -> None:
    admin = await _admin(session)
    with pytest.raises(NotFound):
        await join_requests.approve_join_request(session, admin, 987_654)


async def test_the_list_shows_pending_and_decided_requests(session: AsyncSession) -> None:
    admin = await _admin(session)
    waiting = await _request(session)
    decided = await _request(session)
    await join_requests.decline_join_request(session, admin, decided.id, {"reason": "Nein"})
    listed = await join_requests.list_join_requests(session, admin)
    assert waiting in listed.pending and decided not in listed.pending
    assert listed.decided[0] is decided


async def test_the_decision_mail_is_claimed_once(session: AsyncSession) -> None:
    admin = await _admin(session)
    request = await _request(session)
    assert await join_requests.claim_decision_mail(session, request.id) is None  # pending
    await join_requests.decline_join_request(session, admin, request.id, {"reason": "Nein"})
    mail = await join_requests.claim_decision_mail(session, request.id)
    assert mail is not None
    assert (mail.recipient, mail.approved, mail.reason) == ("kontakt@fremd.example", False, "Nein")
    assert await join_requests.claim_decision_mail(session, request.id) is None
