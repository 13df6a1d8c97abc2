"""The knowledge page of a closed session, written as Markdown (`server.markdown`) in the
language the caller set (`i18n.use_locale`): date, working group, attendance by organisation
and federal level; each item covered with its time planned and used, presenter and outcome;
its decisions and action items exactly as recorded; the cards raised at it; a short summary of
its notes; then the cards matched while the session ran, the items deferred, and the notes in
full (so that the page keeps every word, and a search finds any of them).

Every line links back to where it came from: the item, the decision, the action item, the card,
or the revision of the notes a summarised sentence first appeared in. Only recorded decisions
are listed as decisions; the notes' summary is marked as such, whatever its wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from server import i18n, labels
from server.domain.session_record import ItemRecord, Record, Revision
from server.markdown import escape_text, link
from server.models import Card, FederalLevel


@dataclass(frozen=True, slots=True)
class ItemSummary:
    """What a summariser made of an item's notes: sentences, and how (said on the page)."""

    sentences: list[str]
    by_model: bool = False


def title_of(record: Record) -> str:
    return i18n.gettext("%(title)s on %(date)s") % {
        "title": record.meeting.title,
        "date": i18n.format_when(record.started_at)[:10],
    }


def compose(record: Record, summaries: Mapping[int, ItemSummary], note: str = "") -> str:
    """The page's Markdown; `summaries` by item id, `note` a line on how they were made."""
    _ = i18n.gettext
    meeting = record.meeting
    session_path = f"/sessions/{meeting.id}"
    lines: list[str] = []
    group = record.group
    where = link(group.name, f"/groups/{group.slug}") if group else escape_text(_("the alliance"))
    lines.append(
        _("Session of %(group)s on %(when)s (German time): %(link)s")
        % {
            "group": where,
            "when": escape_text(i18n.format_when(record.started_at)),
            "link": link(_("the session's page"), session_path),
        }
    )
    if note:
        lines += ["", escape_text(note)]

    lines += ["", "## " + escape_text(_("Attendance"))]
    if record.attendance:
        for present in record.attendance:
            level = _(labels.LEVEL_LABELS[FederalLevel(present.federal_level)])
            lines.append(
                f"- {escape_text(present.organisation)} ({escape_text(level)}): "
                + i18n.ngettext("%(num)d person", "%(num)d people", present.people)
                % {"num": present.people}
            )
    else:
        lines.append(escape_text(_("Nobody followed this session in Knotenpunkt.")))

    lines += ["", "## " + escape_text(_("Agenda"))]
    if not record.items:
        lines.append(escape_text(_("No item was taken up.")))
    for number, entry in enumerate(record.items, start=1):
        lines += ["", *_item(number, entry, summaries.get(entry.item.id), session_path, record)]

    if record.matches:
        lines += ["", "## " + escape_text(_("Matched while the session ran"))]
        for match in record.matches:
            lines.append(f"- {_card(match.need, record)} ↔ {_card(match.supply, record)}")
    if record.deferred:
        lines += ["", "## " + escape_text(_("Deferred to the next session"))]
        for item in record.deferred:
            lines.append("- " + link(item.title, f"{session_path}#outcomes-item-{item.id}"))
    with_notes = [entry for entry in record.items if entry.item.notes.strip()]
    if with_notes:
        # The notes in full, as the session left them: nothing of what was written is lost.
        lines += ["", "## " + escape_text(_("The notes in full"))]
        for entry in with_notes:
            item = entry.item
            history = f"/sessions/{meeting.id}/items/{item.id}/notes/history"
            lines += ["", "### " + link(item.title, history), ""]
            lines += [escape_text(line) for line in item.notes.splitlines() if line.strip()]
    return "\n".join(lines) + "\n"


def _item(
    number: int,
    entry: ItemRecord,
    summary: ItemSummary | None,
    session_path: str,
    record: Record,
) -> list[str]:
    _ = i18n.gettext
    item = entry.item
    anchor = f"{session_path}#outcomes-item-{item.id}"
    lines = ["### " + link(f"{number}. {item.title}", anchor)]
    used = round(item.used_seconds / 60)
    facts = [
        _("planned %(planned)d min., used %(used)d min.")
        % {"planned": item.planned_minutes, "used": used}
    ]
    if item.presenter:
        facts.append(_("presented by %(name)s") % {"name": item.presenter})
    lines.append("- " + escape_text("; ".join(facts)))
    label = {
        "outcome": _strong(_("Outcome:")),
        "decision": _strong(_("Decision:")),
        "action": _strong(_("Action item:")),
        "card": _strong(_("Card:")),
    }
    recorded = _("recorded")
    if item.outcome:
        lines.append(f"- {label['outcome']} {escape_text(item.outcome)}")
    for decision in entry.decisions:
        source = link(recorded, f"{session_path}#decision-{decision.id}")
        lines.append(f"- {label['decision']} {escape_text(decision.text)} ({source})")
    for action in entry.actions:
        owner = ", ".join(
            name
            for name in (
                action.owner.name if action.owner and not action.owner.removed_at else "",
                action.owner_organisation.name if action.owner_organisation else "",
            )
            if name
        )
        due = (
            _("due %(date)s") % {"date": action.due_on.strftime("%d.%m.%Y")}
            if action.due_on
            else _("no due date")
        )
        source = link(recorded, f"{session_path}#action-{action.id}")
        who = escape_text(owner or _("nobody named"))
        lines.append(
            f"- {label['action']} {escape_text(action.text)} ({who}; {escape_text(due)}; {source})"
        )
    for card in entry.cards:
        lines.append(f"- {label['card']} {_card(card, record)}")
    if summary and summary.sentences:
        heading = (
            _("From the notes (summarised by the language model):")
            if summary.by_model
            else _("From the notes (summarised automatically):")
        )
        lines += ["", _strong(heading)]
        history = f"/sessions/{record.meeting.id}/items/{item.id}/notes/history"
        for sentence in summary.sentences:
            version = _source(entry.revisions, sentence, summary.by_model)
            target = f"{history}?before={version + 1}#revision-{version}"
            source = link(_("notes, revision %(version)d") % {"version": version}, target)
            lines.append(f"- {escape_text(sentence)} ({source})")
    return lines


def _strong(text: str) -> str:
    return f"**{escape_text(text)}**"


def _card(card: Card, record: Record) -> str:
    kind = i18n.gettext(labels.CARD_KIND_LABELS[card.kind])
    slug = record.board_slugs.get(card.group_id)
    if slug is None:
        return escape_text(f"{kind}: {card.title}")
    return link(f"{kind}: {card.title}", f"/groups/{slug}/board/cards/{card.id}")


def _source(revisions: list[Revision], sentence: str, by_model: bool) -> int:
    """The revision a sentence of the notes first appeared in (a model's summary: the last)."""
    if not revisions:
        return 0
    if not by_model:
        for revision in revisions:
            if sentence in revision.text:
                return revision.version
    return revisions[-1].version
