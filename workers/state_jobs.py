"""Jobs of the state contacts: the addressed contact hears of a new question, the asker of the
answer; each by e-mail in the recipient's language, once.

The question is marked told in the transaction that commits only after the SMTP server accepted
the message: a repeated job sends nothing, a failed one retries.
"""

from __future__ import annotations

import logging
from typing import Any

from server import i18n, mail
from server.domain import state_questions
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)


async def send_state_question_mail(ctx: dict[str, Any], question_id: int) -> str:
    """Tell the addressed state contact of a question to them."""
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        notice = await state_questions.claim_asked_mail(uow.session, question_id)
        if notice is None:
            return "nothing to send"
        params = _params(settings, notice)
        with i18n.use_locale(notice.locale or settings.DEFAULT_LOCALE):
            subject = i18n.gettext("Question to you as a state contact: %(subject)s") % params
            body = (
                i18n.gettext(
                    "Hello,\n\n%(asker)s (%(organisation)s) asks you, as the contact of "
                    "%(authority)s in the working group %(group)s:\n\n%(subject)s\n\n%(text)s\n\n"
                    "Please answer on the group's page of state contacts:\n%(url)s\n\nKnotenpunkt"
                )
                % params
            )
        await _send(settings, notice.recipients, subject, body)
    log.info("told the state contact of question %s", question_id)
    return "sent"


async def send_state_answer_mail(ctx: dict[str, Any], question_id: int) -> str:
    """Tell the asker that their question to a state contact was answered."""
    settings: Settings = ctx["settings"]
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        notice = await state_questions.claim_answered_mail(uow.session, question_id)
        if notice is None:
            return "nothing to send"
        params = _params(settings, notice)
        with i18n.use_locale(notice.locale or settings.DEFAULT_LOCALE):
            subject = i18n.gettext("Your question was answered: %(subject)s") % params
            body = (
                i18n.gettext(
                    "Hello,\n\n%(authority)s answered your question in the working group "
                    "%(group)s:\n\n%(subject)s\n\n%(answer)s\n\nThe question and its answer:\n"
                    "%(url)s\n\nKnotenpunkt"
                )
                % params
            )
        await _send(settings, notice.recipients, subject, body)
    log.info("told the asker of question %s of the answer", question_id)
    return "sent"


def _params(settings: Settings, notice: state_questions.QuestionMail) -> dict[str, str]:
    base = settings.BASE_URL.rstrip("/")
    return {
        "subject": notice.subject,
        "text": notice.text,
        "answer": notice.answer,
        "asker": notice.asker,
        "organisation": notice.organisation,
        "authority": notice.authority,
        "group": notice.group_name,
        "url": f"{base}/groups/{notice.group_slug}/state#question-{notice.question_id}",
    }


async def _send(settings: Settings, recipients: list[str], subject: str, body: str) -> None:
    message = mail.compose(settings, recipients, " ".join(subject.split()), body)
    await mail.send(settings, message)
