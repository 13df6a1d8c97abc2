"""The knowledge page of a state contact's answer, written as Markdown (`server.markdown`) in the
language the caller set (`i18n.use_locale`): the question with who asked it, the answer with who
gave it for which authority and when, and a link back to the working group's state page."""

from __future__ import annotations

from server import i18n, labels
from server.markdown import escape_text, link
from server.models import StateQuestion, WorkingGroup
from server.models.knowledge import PAGE_TITLE_MAX


def compose(question: StateQuestion, group: WorkingGroup) -> tuple[str, str]:
    """Title and body of the page."""
    _ = i18n.gettext
    contact = question.contact
    answerer = question.answerer.name if question.answerer else contact.person.name
    params = {
        "subject": question.subject,
        "group": group.name,
        "authority": contact.authority,
        "level": _(labels.LEVEL_LABELS[contact.level]),
    }
    title = (_("%(authority)s answers: %(subject)s") % params)[:PAGE_TITLE_MAX]
    lines = [
        escape_text(_("A question of the working group %(group)s to its state contacts.") % params)
        + " "
        + link(
            _("The group's state contacts"), f"/groups/{group.slug}/state#question-{question.id}"
        ),
        "",
        "## " + escape_text(_("Question: %(subject)s") % params),
        "",
        escape_text(
            _("Asked by %(name)s (%(organisation)s) on %(when)s")
            % {
                "name": question.asker.name if question.asker else "–",
                "organisation": question.organisation.name,
                "when": i18n.format_when(question.created_at),
            }
        ),
        "",
        *_paragraphs(question.text),
        "## " + escape_text(_("Answer")),
        "",
        escape_text(
            _("Answered by %(name)s for %(authority)s (%(level)s) on %(when)s")
            % {**params, "name": answerer, "when": i18n.format_when(question.answered_at)}
        ),
        "",
        *_paragraphs(question.answer),
    ]
    return title, "\n".join(lines).rstrip() + "\n"


def _paragraphs(text: str) -> list[str]:
    """Each paragraph of a person's text, escaped so it stays text, followed by a blank line."""
    out: list[str] = []
    for paragraph in text.split("\n\n"):
        if paragraph.strip():
            out += [escape_text(paragraph), ""]
    return out
