"""Jobs of the alliance fund: the requesting organisation's people hear of a decision or a
payout by e-mail, each person in their own language.

The notice is claimed in the transaction that commits only after the SMTP server accepted
every message: a repeated job sends nothing, a failed one retries."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

from server import i18n, mail
from server.domain import fund_trail
from server.domain.errors import N_
from server.models import FundingStepKind
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)

TEXTS = {
    FundingStepKind.approved: (
        N_("Approved: %(title)s"),
        N_(
            "Hello,\n\nthe fund committee approved your organisation's funding request "
            "“%(title)s” with %(amount)s:\n\n%(text)s\n\nThe request and its trail:\n%(url)s"
            "\n\nKnotenpunkt"
        ),
    ),
    FundingStepKind.declined: (
        N_("Declined: %(title)s"),
        N_(
            "Hello,\n\nthe fund committee declined your organisation's funding request "
            "“%(title)s”:\n\n%(text)s\n\nThe request and its trail:\n%(url)s\n\nKnotenpunkt"
        ),
    ),
    FundingStepKind.info_requested: (
        N_("More information needed: %(title)s"),
        N_(
            "Hello,\n\nthe fund committee needs more information on your organisation's "
            "funding request “%(title)s”:\n\n%(text)s\n\nPlease change the request or answer "
            "with a comment:\n%(url)s\n\nKnotenpunkt"
        ),
    ),
    FundingStepKind.payout: (
        N_("Payout: %(amount)s for %(title)s"),
        N_(
            "Hello,\n\nthe fund committee recorded a payout of %(amount)s on your "
            "organisation's funding request “%(title)s”.\n\n%(text)s\n\nAfter the project, "
            "please write the short report on the request's page:\n%(url)s\n\nKnotenpunkt"
        ),
    ),
}


async def send_fund_mail(ctx: dict[str, Any], step_id: int) -> str:
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        notice = await fund_trail.claim_step_notice(uow.session, step_id)
        if notice is None:
            return "nothing to tell"
        for address, language in notice.recipients:
            await mail.send(settings, _message(settings, notice, address, language))
    log.info("fund step %s told to %s people", step_id, len(notice.recipients))
    return f"{len(notice.recipients)} mails"


def _message(
    settings: Settings, notice: fund_trail.StepNotice, address: str, language: str | None
) -> EmailMessage:
    subject_id, body_id = TEXTS[notice.kind]
    with i18n.use_locale(language or settings.DEFAULT_LOCALE):
        params = {
            "title": notice.title,
            "amount": i18n.format_euros(notice.amount_cents),
            "text": notice.text or "–",
            "url": f"{settings.BASE_URL.rstrip('/')}/fund/requests/{notice.request_id}",
        }
        subject = i18n.gettext(subject_id) % params
        body = i18n.gettext(body_id) % params
    subject = " ".join(subject.split())  # a title with a line break must not break the header
    return mail.compose(settings, [address], subject, body)
