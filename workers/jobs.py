"""The jobs. Each takes ids, opens its own transaction, calls domain functions, and is safe to
run twice."""

from __future__ import annotations

import logging
from typing import Any

from server import i18n, mail
from server.domain import groups, join_requests, pledges
from server.domain.errors import N_
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


async def send_join_request_decision_mail(ctx: dict[str, Any], join_request_id: int) -> str:
    """Tell the requester how their join request was decided, at its contact address.

    Like the welcome: the request is marked notified in the transaction that commits only
    after the SMTP server accepted the message, so the job sends at most once when it succeeds.
    """
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        decision = await join_requests.claim_decision_mail(uow.session, join_request_id)
        if decision is None:
            return "nothing to send"
        params = {
            "name": decision.person_name,
            "organisation": decision.organisation_name,
            "reason": decision.reason,
            "url": f"{settings.BASE_URL.rstrip('/')}/login",
        }
        with i18n.use_locale(settings.DEFAULT_LOCALE):
            if decision.approved:
                subject = i18n.gettext("Welcome to the alliance: %(organisation)s") % params
                body = (
                    i18n.gettext(
                        "Hello %(name)s,\n\nyour request was approved: %(organisation)s is now a "
                        "member of the alliance, and you are its admin.\nSign in through your "
                        "organisation's login:\n%(url)s\n\nKnotenpunkt"
                    )
                    % params
                )
            else:
                subject = i18n.gettext("Your request to join the alliance")
                body = (
                    i18n.gettext(
                        "Hello %(name)s,\n\nyour request for %(organisation)s to join the alliance "
                        "was declined.\nThe reason given:\n%(reason)s\n\nKnotenpunkt"
                    )
                    % params
                )
        subject = " ".join(subject.split())  # a name with a line break must not break the header
        await mail.send(settings, mail.compose(settings, [decision.recipient], subject, body))
    log.info("told the requester of join request %s of the decision", join_request_id)
    return "sent"


async def send_redemption_mail(ctx: dict[str, Any], redemption_id: int, event: str) -> str:
    """Tell the other side of a pledge's redemption what happened: the pledging organisation
    of a new redemption (`claimed`), the redeeming one of the decision (`confirmed`,
    `declined`), both of the report (`reported`).

    Sent once per redemption and event: a marker in Redis is set after the SMTP server accepted
    the message, so a repeated job sends nothing and a failed one retries.
    """
    settings: Settings = ctx["settings"]
    redis = ctx["redis"]
    marker = f"knotenpunkt:redemption-mail:{redemption_id}:{event}"
    if await redis.exists(marker):
        return "already sent"
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        news = await pledges.redemption_mail(uow.session, redemption_id, event)
    if news is None:
        return "nothing to send"
    if not news.recipients:
        return "no recipient"
    base = settings.BASE_URL.rstrip("/")
    params = {
        "title": news.pledge_title,
        "pledger": news.pledger,
        "redeemer": news.redeemer,
        "fulfilment": news.fulfilment,
        "url": f"{base}/groups/{news.group_slug}/board/cards/{news.card_id}",
        "report_url": f"{base}/knowledge/{news.report_page_id}",
    }
    with i18n.use_locale(settings.DEFAULT_LOCALE):
        subject, body = _redemption_text(event)
        subject, body = i18n.gettext(subject) % params, i18n.gettext(body) % params
    subject = " ".join(subject.split())  # a title with a line break must not break the header
    await mail.send(settings, mail.compose(settings, news.recipients, subject, body))
    await redis.set(marker, "sent")
    log.info("told of redemption %s: %s", redemption_id, event)
    return "sent"


def _redemption_text(event: str) -> tuple[str, str]:
    """Subject and body (message ids) of a redemption's mail."""
    texts = {
        "claimed": (
            N_("Your pledge is being redeemed: %(title)s"),
            N_(
                'Hello,\n\n%(redeemer)s redeems your pledge "%(title)s". How they fulfil '
                "the condition:\n\n%(fulfilment)s\n\nPlease confirm or decline on the pledge's "
                "page:\n%(url)s\n\nKnotenpunkt"
            ),
        ),
        "confirmed": (
            N_("Redemption confirmed: %(title)s"),
            N_(
                "Hello,\n\n%(pledger)s confirmed that %(redeemer)s redeemed the pledge "
                '"%(title)s". Please write a short report once it is done; it is published '
                "for others to do the same:\n%(url)s\n\nKnotenpunkt"
            ),
        ),
        "declined": (
            N_("Redemption declined: %(title)s"),
            N_(
                'Hello,\n\n%(pledger)s declined the redemption of the pledge "%(title)s" '
                "by %(redeemer)s. The pledge's page:\n%(url)s\n\nKnotenpunkt"
            ),
        ),
        "reported": (
            N_("Report published: %(title)s"),
            N_(
                'Hello,\n\n%(redeemer)s published its report on the pledge "%(title)s" of '
                "%(pledger)s:\n%(report_url)s\n\nThe pledge's page:\n%(url)s\n\nKnotenpunkt"
            ),
        ),
    }
    return texts[event]
