"""Jobs of the live sessions: the invitations, and the news that a session invitees were
invited to has moved or was cancelled; each mail with the session as an .ics file, one message
per language of its recipients.

Each job claims its mail in the transaction that commits only after the SMTP server accepted
the message: a repeated job sends nothing, a failed one retries."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

from server import calendars, i18n, mail
from server.domain import invitations
from server.domain.errors import N_
from server.domain.invitations import InvitationMail
from server.models import MeetingStatus
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)

INVITATION = (
    N_("Invitation: %(title)s on %(when)s"),
    N_(
        "Hello,\n\nyou are invited to the session %(title)s of %(group)s.\n\n"
        "When: %(when)s (German time)\nWhere: %(place)s\nVideo conference: %(link)s\n\n"
        "Please tell us on the session's page whether you come; the agenda is "
        "planned there together:\n%(url)s\n\nThe attached file adds the session "
        "to your calendar.\n\nKnotenpunkt"
    ),
)
MOVED = (
    N_("Changed: %(title)s now on %(when)s"),
    N_(
        "Hello,\n\nthe session %(title)s of %(group)s has changed.\n\n"
        "When: %(when)s (German time)\nWhere: %(place)s\nVideo conference: %(link)s\n\n"
        "The session's page:\n%(url)s\n\nThe attached file updates the session in your "
        "calendar.\n\nKnotenpunkt"
    ),
)
CANCELLED = (
    N_("Cancelled: %(title)s on %(when)s"),
    N_(
        "Hello,\n\nthe session %(title)s of %(group)s on %(when)s (German time) is cancelled.\n\n"
        "The session's page:\n%(url)s\n\nThe attached file removes the session from your "
        "calendar.\n\nKnotenpunkt"
    ),
)


async def send_invitations(ctx: dict[str, Any], meeting_id: int) -> str:
    """Invite everyone on the series' invitation list to the session, in one message (each
    recipient blind-copied)."""
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        invitation = await invitations.claim_invitations(uow.session, meeting_id)
        if invitation is None:
            return "already sent"
        sent = await _send(ctx["settings"], invitation, INVITATION)
    log.info("invitations to session %s: %s", meeting_id, sent)
    return sent


async def send_session_update(ctx: dict[str, Any], meeting_id: int, sequence: int) -> str:
    """Tell the invitees that the session moved or was cancelled (its change number
    `sequence`); a later change's job tells the latest state instead."""
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        update = await invitations.claim_update(uow.session, meeting_id, sequence)
        if update is None:
            return "nothing to tell"
        cancelled = update.meeting.status is MeetingStatus.cancelled
        sent = await _send(ctx["settings"], update, CANCELLED if cancelled else MOVED)
    log.info("change %s of session %s: %s", sequence, meeting_id, sent)
    return sent


async def _send(settings: Settings, invitation: InvitationMail, texts: tuple[str, str]) -> str:
    """One message per language of the recipients, each recipient blind-copied."""
    if not invitation.recipients:
        return "no recipient"
    by_language: dict[str, list[str]] = {}
    for email in invitation.recipients:
        language = invitation.languages.get(email) or settings.DEFAULT_LOCALE
        by_language.setdefault(language, []).append(email)
    for language, recipients in sorted(by_language.items()):
        await mail.send(settings, _message(settings, invitation, texts, language, recipients))
    return "sent"


def _message(
    settings: Settings,
    invitation: InvitationMail,
    texts: tuple[str, str],
    language: str,
    recipients: list[str],
) -> EmailMessage:
    meeting = invitation.meeting
    base = settings.BASE_URL.rstrip("/")
    page_url = f"{base}/sessions/{meeting.id}"
    with i18n.use_locale(language):
        params = {
            "title": meeting.title,
            "when": i18n.format_when(meeting.starts_at),
            "place": meeting.place or "–",
            "link": meeting.video_url or "–",
            "group": invitation.group_name or i18n.gettext("the alliance"),
            "url": page_url,
        }
        subject, body = (i18n.gettext(text) % params for text in texts)
        description = i18n.gettext("Agenda, registration and the live session:")
    ics = calendars.meeting_calendar(meeting, page_url, settings.BASE_URL, description)
    subject = " ".join(subject.split())  # a title with a line break must not break the header
    return mail.compose(
        settings,
        [],
        subject,
        body,
        bcc=recipients,
        attachments=[mail.Attachment(ics, "text", "calendar", "sitzung.ics")],
    )
