"""The summary of a closed session: enqueued once when the session is closed
(`routes.meeting_close`, job id `summary:{meeting id}`, after the commit that closed it).

It reads the session's record (`domain.session_record`), has the notes summarised
(`server.summarisers`: here, or by a configured language model), writes the page's Markdown
(`server.summary_page`) and stores it as the session's draft page (`domain.session_summary`),
announced on the session's live channel. Safe to run again: a session has one page at most,
and the page is written in one transaction, so a worker killed in the middle leaves nothing
and the retry writes the whole page. A failure is retried with a growing delay.
"""

from __future__ import annotations

import logging
from typing import Any

from arq import Retry

from server import i18n, mail, summarisers, summary_page
from server.domain import channels, session_record, session_summary
from server.settings import Settings
from server.templating import render_per_locale
from server.uow import UnitOfWork

log = logging.getLogger(__name__)

RETRY_SECONDS = 5


async def summarise_meeting(ctx: dict[str, Any], meeting_id: int) -> str:
    try:
        return await _summarise(ctx, meeting_id)
    except Exception as exc:
        delay = RETRY_SECONDS * ctx.get("job_try", 1)
        log.warning("summary of session %s failed (%r); retrying in %s s", meeting_id, exc, delay)
        raise Retry(defer=delay) from exc


async def _summarise(ctx: dict[str, Any], meeting_id: int) -> str:
    settings: Settings = ctx["settings"]
    async with ctx["sessionmaker"]() as session:
        record = await session_record.record_of(session, meeting_id)
        if record is None:
            return "not a closed session"
        if await session_summary.page_of(session, meeting_id) is not None:
            return "written already"
    summaries = await summarisers.summarise(settings, record.items)
    with i18n.use_locale(settings.DEFAULT_LOCALE):
        title = summary_page.title_of(record)
        note = i18n.gettext(summaries.note) if summaries.note else ""
        body = summary_page.compose(record, summaries.by_item, note)
    async with UnitOfWork(ctx["sessionmaker"], ctx.get("hub")) as uow:
        page = await session_summary.write_draft(uow.session, record, title, body)
        if page is None:
            return "written already"
        await uow.emit(
            channels.session_channel(meeting_id),
            "summary",
            render_per_locale(ctx["templates"], "sessions/_summary_event.html", page=page),
        )
    log.info("session %s: draft page %s written", meeting_id, page.id)
    return f"draft page {page.id}"


async def send_summary_published(ctx: dict[str, Any], page_id: int) -> str:
    """Tell everyone who attended the session that its summary is published, each in their
    language (one message per language, every recipient blind-copied), once."""
    settings: Settings = ctx["settings"]
    base = settings.BASE_URL.rstrip("/")
    async with UnitOfWork(ctx["sessionmaker"]) as uow:
        claimed = await session_summary.claim_published_mail(uow.session, page_id)
        if claimed is None:
            return "told already"
        page = claimed.page
        for locale, recipients in claimed.recipients.items():
            with i18n.use_locale(locale or settings.DEFAULT_LOCALE):
                params = {"title": page.title, "url": f"{base}/knowledge/{page.id}"}
                subject = i18n.gettext("Summary published: %(title)s") % params
                body = (
                    i18n.gettext(
                        "Hello,\n\nthe summary of the session %(title)s, in which you took part, "
                        "is published:\n%(url)s\n\nKnotenpunkt"
                    )
                    % params
                )
            message = mail.compose(settings, [], " ".join(subject.split()), body, bcc=recipients)
            await mail.send(settings, message)
    return f"told {sum(len(r) for r in claimed.recipients.values())}"
