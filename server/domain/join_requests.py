"""Join requests decided by an alliance admin: approving one makes the organisation a member
and the requester its first admin; declining one gives a short reason. Either way the
requester is told by e-mail (a job, after the commit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import audit, rights, validation
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, NotFound
from server.models import (
    JoinRequest,
    JoinRequestStatus,
    Organisation,
    OrganisationStatus,
    Person,
)
from server.models.join_requests import DECLINE_REASON_MAX

DECIDED_SHOWN = 20


@dataclass(frozen=True)
class JoinRequests:
    pending: list[JoinRequest]
    decided: list[JoinRequest]


async def list_join_requests(session: AsyncSession, actor: Actor) -> JoinRequests:
    """Pending requests, oldest first, and the last decided ones, newest first."""
    rights.require_alliance_admin(actor)
    pending = await session.scalars(
        select(JoinRequest)
        .where(JoinRequest.status == JoinRequestStatus.pending)
        .order_by(JoinRequest.created_at, JoinRequest.id)
    )
    decided = await session.scalars(
        select(JoinRequest)
        .where(JoinRequest.status != JoinRequestStatus.pending)
        .order_by(JoinRequest.decided_at.desc(), JoinRequest.id.desc())
        .limit(DECIDED_SHOWN)
    )
    return JoinRequests(list(pending), list(decided))


async def _pending_request(session: AsyncSession, join_request_id: int) -> JoinRequest:
    """The request, locked; a decided one is refused so that nobody decides twice."""
    request = await session.get(JoinRequest, join_request_id, with_for_update=True)
    if request is None:
        raise NotFound()
    if request.status != JoinRequestStatus.pending:
        raise Conflict(N_("This join request has already been decided; nothing was changed."))
    return request


async def approve_join_request(
    session: AsyncSession, actor: Actor, join_request_id: int
) -> JoinRequest:
    """Make the requested organisation a member and the requester its admin, all or nothing."""
    rights.require_alliance_admin(actor)
    request = await _pending_request(session, join_request_id)
    taken = await session.scalar(
        select(Organisation.id).where(
            func.lower(Organisation.name) == request.organisation_name.lower()
        )
    )
    if taken is not None:
        raise Conflict(
            N_(
                "An organisation with this name already exists; nothing was changed. Decline "
                "the request with a reason, or add the person to that organisation another way."
            )
        )
    known = await session.scalar(
        select(Person.id).where(Person.issuer == request.issuer, Person.subject == request.subject)
    )
    if known is not None:
        raise Conflict(
            N_("This identity already belongs to a person of the alliance; nothing was changed.")
        )
    organisation = Organisation(
        name=request.organisation_name,
        kind=request.kind,
        federal_level=request.federal_level,
        contact_email=request.contact_email,
        status=OrganisationStatus.member,
    )
    person = Person(
        organisation=organisation,
        name=request.person_name,
        email=request.email,
        issuer=request.issuer,
        subject=request.subject,
        is_organisation_admin=True,
    )
    try:
        async with session.begin_nested():
            session.add_all([organisation, person])
            await session.flush()
    except IntegrityError as exc:  # a concurrent change took the name or the identity first
        raise Conflict(
            N_("The organisation or the person was created by someone else in the meantime.")
        ) from exc
    _decide(request, actor, JoinRequestStatus.approved)
    await audit.record(
        session,
        "join_request.approved",
        actor.person_id,
        join_request_id=request.id,
        organisation_id=organisation.id,
        person_id=person.id,
    )
    await audit.record(
        session,
        "organisation.created",
        actor.person_id,
        organisation_id=organisation.id,
        name=organisation.name,
        join_request_id=request.id,
    )
    await audit.record(
        session,
        "person.created",
        actor.person_id,
        person_id=person.id,
        organisation_id=organisation.id,
        organisation_admin=True,
        join_request_id=request.id,
    )
    return request


async def decline_join_request(
    session: AsyncSession, actor: Actor, join_request_id: int, form: Mapping[str, str]
) -> JoinRequest:
    """Decline a request with a short reason, which the requester is sent."""
    rights.require_alliance_admin(actor)
    errors = validation.Errors()
    reason = validation.text(
        errors, "reason", form.get("reason"), max_length=DECLINE_REASON_MAX, required=True
    )
    request = await _pending_request(session, join_request_id)
    if errors:
        raise Invalid(errors)
    request.decline_reason = reason
    _decide(request, actor, JoinRequestStatus.declined)
    await audit.record(
        session,
        "join_request.declined",
        actor.person_id,
        join_request_id=request.id,
        organisation_name=request.organisation_name,
        reason=reason,
    )
    return request


def _decide(request: JoinRequest, actor: Actor, status: JoinRequestStatus) -> None:
    request.status = status
    request.decided_at = datetime.now(UTC)
    request.decided_by = actor.person_id


@dataclass(frozen=True)
class DecisionMail:
    recipient: str
    approved: bool
    organisation_name: str
    person_name: str
    reason: str


async def claim_decision_mail(session: AsyncSession, join_request_id: int) -> DecisionMail | None:
    """Lock a decided request whose requester has not been told yet and mark them told; None
    when there is nothing (more) to send.

    The caller sends the e-mail before committing, so a failed send rolls the mark back and a
    retried job sends it once more; a repeated job after success sends nothing.
    """
    request = await session.get(JoinRequest, join_request_id, with_for_update=True)
    if (
        request is None
        or request.status == JoinRequestStatus.pending
        or request.notified_at is not None
    ):
        return None
    request.notified_at = datetime.now(UTC)
    await session.flush()
    return DecisionMail(
        recipient=request.contact_email,
        approved=request.status == JoinRequestStatus.approved,
        organisation_name=request.organisation_name,
        person_name=request.person_name,
        reason=request.decline_reason or "",
    )
