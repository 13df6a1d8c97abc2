"""Jobs of the live sessions: the invitations, with the session as an .ics file."""

from __future__ import annotations

import logging
from typing import Any

from server import calendars, i18n, mail
from server.domain import invitations
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)


async def send_invitations(ctx: dict[str, Any], meeting_id: int) -> str:
    """Invite everyone on the series' invitation list to the session, in one message (each
    recipient blind-copied) with the session as an .ics attachment.

    The session is marked invited in the transaction that commits only after the SMTP server
    accepted the message: a repeated job sends nothing, a failed one retries."""
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        invitation = await invitations.claim_invitations(uow.session, meeting_id)
        if invitation is None:
            return "already sent"
        if not invitation.recipients:
            return "no recipient"
        meeting = invitation.meeting
        base = settings.BASE_URL.rstrip("/")
        page_url = f"{base}/sessions/{meeting.id}"
        with i18n.use_locale(settings.DEFAULT_LOCALE):
            params = {
                "title": meeting.title,
                "when": i18n.format_when(meeting.starts_at),
                "place": meeting.place or "–",
                "link": meeting.video_url or "–",
                "group": invitation.group_name or i18n.gettext("the alliance"),
                "url": page_url,
            }
            subject = i18n.gettext("Invitation: %(title)s on %(when)s") % params
            body = (
                i18n.gettext(
                    "Hello,\n\nyou are invited to the session %(title)s of %(group)s.\n\n"
                    "When: %(when)s (German time)\nWhere: %(place)s\nVideo conference: %(link)s\n\n"
                    "Please tell us on the session's page whether you come; the agenda is "
                    "planned there together:\n%(url)s\n\nThe attached file adds the session "
                    "to your calendar.\n\nKnotenpunkt"
                )
                % params
            )
            description = i18n.gettext("Agenda, registration and the live session:")
        ics = calendars.meeting_calendar(meeting, page_url, settings.BASE_URL, description)
        subject = " ".join(subject.split())  # a title with a line break must not break the header
        message = mail.compose(
            settings,
            [],
            subject,
            body,
            bcc=invitation.recipients,
            attachments=[mail.Attachment(ics, "text", "calendar", "sitzung.ics")],
        )
        await mail.send(settings, message)
    log.info("sent the invitations to session %s", meeting_id)
    return "sent"
