"""A series' invitation list (Einladungsverteiler) and its invitations: organisations and
persons put on it (themselves, or by the moderators), and whom an invitation reaches."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain import meeting_access, rights
from server.domain.actors import Actor
from server.domain.errors import N_, Conflict, Invalid, Message, NotAllowed, NotFound
from server.models import (
    Meeting,
    MeetingStatus,
    Organisation,
    OrganisationStatus,
    Person,
    Series,
    Subscription,
)


async def invitation_list(session: AsyncSession, series: Series) -> list[Subscription]:
    """The series' invitation list: organisations first, then persons, by name."""
    rows = await session.scalars(
        select(Subscription)
        .where(Subscription.series_id == series.id)
        .options(
            selectinload(Subscription.organisation),
            selectinload(Subscription.person).selectinload(Person.organisation),
        )
    )
    return sorted(
        rows,
        key=lambda s: (
            s.organisation is None,
            (s.organisation.name if s.organisation else s.person.name if s.person else "").lower(),
        ),
    )


async def subscribable_organisations(
    session: AsyncSession, actor: Actor, series: Series
) -> list[Organisation]:
    """Member organisations not yet on the list that the actor may put on it."""
    listed = select(Subscription.organisation_id).where(
        Subscription.series_id == series.id, Subscription.organisation_id.is_not(None)
    )
    query = select(Organisation).where(
        Organisation.status == OrganisationStatus.member, Organisation.id.not_in(listed)
    )
    if not meeting_access.may_run(actor, series):
        query = query.where(Organisation.id == actor.organisation_id)
    return list(await session.scalars(query.order_by(Organisation.name)))


async def subscribe(
    session: AsyncSession, actor: Actor, series: Series, form: Mapping[str, str]
) -> Subscription:
    """Put an organisation (`organisation_id`) or a person (`person_id`, or their `email`) on
    the series' invitation list. Everyone who follows the series may put themselves or their
    own organisation on it; its moderators anyone of a member organisation."""
    await meeting_access.require_part(session, actor, series)
    running = meeting_access.may_run(actor, series)
    raw_organisation = (form.get("organisation_id") or "").strip()
    raw_person = (form.get("person_id") or "").strip()
    email = (form.get("email") or "").strip()
    if raw_organisation:
        organisation = (
            await session.get(Organisation, int(raw_organisation))
            if raw_organisation.isdigit() and len(raw_organisation) <= 9
            else None
        )
        if organisation is None or organisation.status != OrganisationStatus.member:
            raise Invalid({"organisation_id": Message(N_("Please choose a member organisation."))})
        if not running and organisation.id != actor.organisation_id:
            raise NotAllowed(N_("You may put your own organisation on the list."))
        subscription = Subscription(
            series_id=series.id, organisation_id=organisation.id, added_by=actor.person_id
        )
        name, field_name = organisation.name, "organisation_id"
    else:
        person = await _person(session, raw_person, email)
        field_name = "email" if email and not raw_person else "person_id"
        if person is None:
            raise Invalid(
                {field_name: Message(N_("Nobody of a member organisation has this address."))}
            )
        if not running and person.id != actor.person_id:
            raise NotAllowed(N_("You may put yourself on the list."))
        subscription = Subscription(
            series_id=series.id, person_id=person.id, added_by=actor.person_id
        )
        name = person.name
    already = await session.scalar(
        select(Subscription.id).where(
            Subscription.series_id == series.id,
            Subscription.organisation_id == subscription.organisation_id
            if subscription.organisation_id
            else Subscription.person_id == subscription.person_id,
        )
    )
    if already is not None:
        raise Invalid(
            {field_name: Message(N_("%(name)s is on the invitation list already."), {"name": name})}
        )
    session.add(subscription)
    await session.flush()
    return subscription


async def _person(session: AsyncSession, raw_id: str, email: str) -> Person | None:
    """An approved person of a member organisation, by id or e-mail address."""
    query = (
        select(Person)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .where(
            Person.removed_at.is_(None),
            Person.awaiting_approval.is_(False),
            Organisation.status == OrganisationStatus.member,
        )
    )
    if raw_id:
        if not raw_id.isdigit() or len(raw_id) > 9:
            return None
        query = query.where(Person.id == int(raw_id))
    elif email:
        query = query.where(func.lower(Person.email) == email.lower())
    else:
        return None
    return await session.scalar(query.limit(1))


async def unsubscribe(
    session: AsyncSession, actor: Actor, series: Series, subscription_id: int
) -> None:
    """Take an entry off the list: one's own (or one's organisation's), or any as moderator."""
    rights.require_member(actor)
    subscription = await session.scalar(
        select(Subscription).where(
            Subscription.id == subscription_id, Subscription.series_id == series.id
        )
    )
    if subscription is None:
        raise NotFound(N_("This entry is not on the invitation list (any more)."))
    own = (subscription.person_id is not None and subscription.person_id == actor.person_id) or (
        subscription.organisation_id is not None
        and subscription.organisation_id == actor.organisation_id
    )
    if not own and not meeting_access.may_run(actor, series):
        raise NotAllowed(N_("Only the group's moderators take others off the list."))
    await session.delete(subscription)
    await session.flush()


async def request_invitations(session: AsyncSession, actor: Actor, meeting_id: int) -> Meeting:
    """Check that the moderator may send the session's invitations now (the job sends them)."""
    meeting = await meeting_access.get_meeting(session, actor, meeting_id)
    meeting_access.require_may_run(actor, meeting.series)
    if meeting.invitations_sent_at is not None:
        raise Conflict(N_("The invitations to this session were sent already."))
    if meeting.status != MeetingStatus.planned:
        raise Conflict(N_("Invitations go out for planned sessions only."))
    return meeting


@dataclass(frozen=True)
class InvitationMail:
    meeting: Meeting
    group_name: str | None
    recipients: list[str]
    languages: dict[str, str | None]  # each recipient's language for e-mails (None: default)


async def claim_invitations(session: AsyncSession, meeting_id: int) -> InvitationMail | None:
    """Mark the session's invitations sent and say whom they go to; None when that happened
    already (or the session is gone). The caller commits only after the mail server accepted
    the message, so a failed send is retried and a repeated job sends nothing."""
    claimed = await session.scalar(
        update(Meeting)
        .where(Meeting.id == meeting_id, Meeting.invitations_sent_at.is_(None))
        .values(invitations_sent_at=datetime.now(UTC))
        .returning(Meeting.id)
    )
    if claimed is None:
        return None
    return await _mail_of(session, meeting_id)


async def claim_update(
    session: AsyncSession, meeting_id: int, sequence: int
) -> InvitationMail | None:
    """Mark invitees told of the session's change number `sequence` and say whom to tell;
    None when they were told already, or a later change superseded it (its own job tells the
    latest state), or nobody was invited. Committed only once the mail server accepted."""
    claimed = await session.scalar(
        update(Meeting)
        .where(
            Meeting.id == meeting_id,
            Meeting.invitations_sent_at.is_not(None),
            Meeting.calendar_sequence == sequence,
            Meeting.update_sent_sequence < sequence,
        )
        .values(update_sent_sequence=sequence)
        .returning(Meeting.id)
    )
    if claimed is None:
        return None
    return await _mail_of(session, meeting_id)


async def _mail_of(session: AsyncSession, meeting_id: int) -> InvitationMail:
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.id == meeting_id)
        .options(selectinload(Meeting.series).selectinload(Series.group))
        .execution_options(populate_existing=True)
    )
    assert meeting is not None
    group = meeting.series.group
    listed = await recipients_with_languages(session, meeting.series_id)
    return InvitationMail(meeting, group.name if group else None, list(listed), listed)


async def recipients(session: AsyncSession, series_id: int) -> list[str]:
    """The e-mail addresses of everyone on the invitation list: listed persons and the people
    of listed organisations (approved, not removed, of a member organisation)."""
    return list(await recipients_with_languages(session, series_id))


async def recipients_with_languages(session: AsyncSession, series_id: int) -> dict[str, str | None]:
    """`recipients`, each with their language for e-mails (None: the default)."""
    listed = select(Subscription).where(Subscription.series_id == series_id).subquery()
    rows = await session.execute(
        select(Person.email, Person.locale)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .join(
            listed,
            or_(
                listed.c.person_id == Person.id, listed.c.organisation_id == Person.organisation_id
            ),
        )
        .where(
            Person.email.is_not(None),
            Person.email != "",
            Person.removed_at.is_(None),
            Person.awaiting_approval.is_(False),
            Organisation.status == OrganisationStatus.member,
        )
        .order_by(Person.email)
    )
    found: dict[str, str | None] = {}
    for email, locale in rows:
        if email and email not in found:
            found[email] = locale
    return found
