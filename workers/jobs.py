"""The jobs. Each takes ids, opens its own transaction, calls domain functions, and is safe to
run twice."""

from __future__ import annotations

import logging
from typing import Any

from server import i18n, mail
from server.domain import groups
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)


async def send_welcome_mail(ctx: dict[str, Any], group_id: int, organisation_id: int) -> str:
    """Welcome an organisation to a working group, copying the group's moderators.

    The membership is marked welcomed in the same transaction that is committed only after
    the SMTP server accepted the message: a repeated job sends nothing, a failed one retries.
    """
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        welcome = await groups.claim_welcome(uow.session, group_id, organisation_id)
        if welcome is None:
            return "already welcomed"
        if not welcome.recipients:
            return "no recipient"
        with i18n.use_locale(settings.DEFAULT_LOCALE):
            subject = i18n.gettext("Welcome to the working group %(group)s") % {
                "group": welcome.group_name
            }
            body = i18n.gettext(
                "Hello,\n\n%(organisation)s is now a member of the working group %(group)s.\n"
                "The group's page, with its members and what they work on:\n%(url)s\n\n"
                "Knotenpunkt"
            ) % {
                "organisation": welcome.organisation_name,
                "group": welcome.group_name,
                "url": f"{settings.BASE_URL.rstrip('/')}/groups/{welcome.group_slug}",
            }
        await mail.send(settings, mail.compose(settings, welcome.recipients, subject, body))
    log.info("welcomed organisation %s in group %s", organisation_id, group_id)
    return "sent"
