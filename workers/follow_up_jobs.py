"""Follow-up e-mails, sent by arq cron jobs (`workers.settings`): reminders of action items due
soon, and each person's digest of their working groups. Each mail goes in the person's
language, and each is claimed in its own transaction that commits only once the mail server
accepted it: a job run twice sends nothing twice, a failed one is retried."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from server import i18n, mail
from server.domain import follow_up
from server.models import Person
from server.settings import Settings
from server.uow import UnitOfWork

log = logging.getLogger(__name__)


async def send_due_reminders(ctx: dict[str, Any]) -> str:
    settings: Settings = ctx["settings"]
    today = datetime.now(UTC).astimezone(i18n.DISPLAY_TIME_ZONE).date()
    async with ctx["sessionmaker"]() as session:
        due = await follow_up.due_for_reminder(session, today)
    sent = 0
    for action_id in due:
        async with UnitOfWork(ctx["sessionmaker"]) as uow:
            reminder = await follow_up.claim_reminder(uow.session, action_id, today)
            if reminder is None:
                continue
            for person in reminder.recipients:
                await mail.send(settings, _reminder(settings, reminder, person))
                sent += 1
    log.info("due reminders: %s action items, %s mails", len(due), sent)
    return f"{sent} reminders"


async def send_digests(ctx: dict[str, Any]) -> str:
    settings: Settings = ctx["settings"]
    now = datetime.now(UTC)
    today = now.astimezone(i18n.DISPLAY_TIME_ZONE).date()
    async with ctx["sessionmaker"]() as session:
        due = [person.id for person in await follow_up.due_digests(session, now)]
    sent = 0
    for person_id in due:
        async with UnitOfWork(ctx["sessionmaker"]) as uow:
            digest = await follow_up.claim_digest(uow.session, person_id, now, today)
            if digest is not None:
                await mail.send(settings, _digest(settings, digest))
                sent += 1
    log.info("digests: %s due, %s sent", len(due), sent)
    return f"{sent} digests"


def _locale(settings: Settings, person: Person) -> str:
    return person.locale or settings.DEFAULT_LOCALE


def _reminder(settings: Settings, reminder: follow_up.Reminder, person: Person) -> Any:
    base = settings.BASE_URL.rstrip("/")
    action = reminder.action
    with i18n.use_locale(_locale(settings, person)):
        due = i18n.format_date(action.due_on) if action.due_on else "–"
        params = {
            "text": action.text,
            "due": due,
            "session": reminder.meeting.title,
            "tasks": f"{base}/tasks",
            "url": f"{base}/sessions/{reminder.meeting.id}#action-{action.id}",
        }
        subject = i18n.gettext("Due on %(due)s: %(text)s") % params
        body = (
            i18n.gettext(
                "Hello,\n\nthe action item “%(text)s” from the session %(session)s is due on "
                "%(due)s:\n%(url)s\n\nAll your tasks: %(tasks)s\n\nYou can switch these "
                "reminders off on your page “My data”.\n\nKnotenpunkt"
            )
            % params
        )
    assert person.email is not None
    return mail.compose(settings, [person.email], " ".join(subject.split())[:200], body)


def _digest(settings: Settings, digest: follow_up.Digest) -> Any:
    base = settings.BASE_URL.rstrip("/")
    person = digest.person
    _ = i18n.gettext
    with i18n.use_locale(_locale(settings, person)):
        lines = [_("Hello %(name)s,") % {"name": person.name}, ""]
        lines.append(
            _("what changed in your working groups since %(when)s:")
            % {"when": i18n.format_when(digest.since)}
        )
        for changes in digest.changes:
            group = changes.group
            lines += ["", f"== {group.name} ==", f"{base}/groups/{group.slug}"]
            for card in changes.new_cards:
                lines.append("- " + _("New on the board: %(title)s") % {"title": card.title})
            for need, supply in changes.matched:
                lines.append(
                    "- "
                    + _("Matched: %(need)s with %(supply)s")
                    % {"need": need.title, "supply": supply.title}
                )
            for decision, meeting in changes.decisions:
                lines.append(
                    "- "
                    + _("Decided in %(session)s: %(text)s")
                    % {"session": meeting.title, "text": decision.text}
                )
            for page in changes.pages:
                lines.append(
                    "- "
                    + _("Published: %(title)s %(url)s")
                    % {"title": page.title, "url": f"{base}/knowledge/{page.id}"}
                )
            for action, _meeting in changes.done:
                lines.append("- " + _("Done: %(text)s") % {"text": action.text})
            for action, _meeting in changes.overdue:
                due = i18n.format_date(action.due_on) if action.due_on else "–"
                lines.append(
                    "- " + _("Overdue since %(due)s: %(text)s") % {"due": due, "text": action.text}
                )
        if digest.open_tasks:
            lines += [
                "",
                i18n.ngettext(
                    "You and your organisation have %(num)d open task: %(url)s",
                    "You and your organisation have %(num)d open tasks: %(url)s",
                    digest.open_tasks,
                )
                % {"num": digest.open_tasks, "url": f"{base}/tasks"},
            ]
        lines += [
            "",
            _("You get this digest as you chose on your page “My data”: %(url)s")
            % {"url": f"{base}/profile"},
            "",
            "Knotenpunkt",
        ]
        subject = _("What changed in your working groups")
    assert person.email is not None
    return mail.compose(settings, [person.email], subject, "\n".join(lines))
