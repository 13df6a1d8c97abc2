"""Jobs of the needs boards: telling both organisations of a match by e-mail."""

from __future__ import annotations

import logging
from typing import Any

from server import i18n, mail
from server.domain import matching
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)


async def send_match_mail(ctx: dict[str, Any], match_id: int) -> str:
    """Tell both organisations that their cards were matched, with links to both cards.

    The match is marked notified in the transaction that commits only after the SMTP server
    accepted the message: a repeated job sends nothing, a failed one retries."""
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        notice = await matching.claim_match_notice(uow.session, match_id)
        if notice is None:
            return "already sent"
        if not notice.recipients:
            return "no recipient"
        base = settings.BASE_URL.rstrip("/")
        params = {
            "need": notice.need_title,
            "need_organisation": notice.need_organisation,
            "supply": notice.supply_title,
            "supply_organisation": notice.supply_organisation,
            "need_url": base + notice.need_path,
            "supply_url": base + notice.supply_path,
        }
        with i18n.use_locale(settings.DEFAULT_LOCALE):
            subject = i18n.gettext("Matched: %(need)s") % params
            body = (
                i18n.gettext(
                    "Hello,\n\na need and what could meet it were matched on Knotenpunkt:\n\n"
                    "Need of %(need_organisation)s: %(need)s\n%(need_url)s\n\n"
                    "Matched with, from %(supply_organisation)s: %(supply)s\n%(supply_url)s\n\n"
                    "Please get in touch with each other.\n\nKnotenpunkt"
                )
                % params
            )
        subject = " ".join(subject.split())
        await mail.send(settings, mail.compose(settings, notice.recipients, subject, body))
    log.info("told both organisations of match %s", match_id)
    return "sent"
