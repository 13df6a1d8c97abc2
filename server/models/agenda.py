"""A session's agenda, planned together and run live: items with their notes (every revision
kept with its author, merged like card descriptions), speakers, decisions and action items."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import ActionItemStatus, AgendaItemStatus, SpeakerStatus
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.organisations import Organisation
    from server.models.persons import Person

ITEM_TITLE_MAX = 200
ITEM_TEXT_MAX = 4000
NOTES_MAX = 100_000
DECISION_MAX = 4000
ACTION_MAX = 2000


class AgendaItem(Timestamped, Base):
    """An item proposed for a session (title, short description, presenter, planned minutes);
    the moderator orders, accepts, defers or merges items. `notes` is the newest revision of the
    item's notes (`notes_version`); `used_seconds` counts the time the item was current."""

    __tablename__ = "agenda_items"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("planned_minutes BETWEEN 1 AND 480", name="minutes_sensible"),
        Index("ix_agenda_items_meeting_position", "meeting_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(ITEM_TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    presenter: Mapped[str] = mapped_column(String(200), default="", server_default="")
    planned_minutes: Mapped[int] = mapped_column(SmallInteger, default=10, server_default="10")
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[AgendaItemStatus] = mapped_column(
        _enum(AgendaItemStatus, "agenda_item_status"),
        default=AgendaItemStatus.proposed,
        server_default=AgendaItemStatus.proposed.value,
    )
    proposed_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    carried_from_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL")
    )
    """The deferred item of an earlier session this one continues."""
    carried_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("action_items.id", ondelete="SET NULL", use_alter=True)
    )
    """The open action item of an earlier session this one follows up."""
    outcome: Mapped[str] = mapped_column(Text, default="", server_default="")
    used_seconds: Mapped[int] = mapped_column(default=0, server_default="0")
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
    notes_version: Mapped[int] = mapped_column(default=0, server_default="0")
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    organisation: Mapped[Organisation | None] = relationship()


class AgendaItemCard(Base):
    """A board card an agenda item is about."""

    __tablename__ = "agenda_item_cards"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class NoteRevision(Base):
    """One revision of an item's notes, with its author: the base later edits are merged
    against, and where a summary line links back to."""

    __tablename__ = "note_revisions"
    __table_args__ = (UniqueConstraint("item_id", "version", name="uq_note_revisions_version"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    person: Mapped[Person | None] = relationship()


class Speaker(Base):
    """A raised hand on the speakers list of the session's current item, in order."""

    __tablename__ = "speakers"
    __table_args__ = (
        Index(
            "uq_speakers_one_open_hand",
            "item_id",
            "person_id",
            unique=True,
            postgresql_where="status IN ('waiting', 'speaking')",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[SpeakerStatus] = mapped_column(
        _enum(SpeakerStatus, "speaker_status"),
        default=SpeakerStatus.waiting,
        server_default=SpeakerStatus.waiting.value,
    )
    raised_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship()


class Decision(Timestamped, Base):
    __tablename__ = "decisions"
    __table_args__ = (CheckConstraint("length(btrim(text)) > 0", name="text_not_blank"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))


class ActionItem(Timestamped, Base):
    """Who does what by when, recorded at an item; followed up until done (issue 6)."""

    __tablename__ = "action_items"
    __table_args__ = (
        CheckConstraint("length(btrim(text)) > 0", name="text_not_blank"),
        CheckConstraint(
            "owner_organisation_id IS NOT NULL OR owner_person_id IS NOT NULL", name="has_owner"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    owner_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    owner_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("persons.id", ondelete="SET NULL"), index=True
    )
    due_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ActionItemStatus] = mapped_column(
        _enum(ActionItemStatus, "action_item_status"),
        default=ActionItemStatus.open,
        server_default=ActionItemStatus.open.value,
    )
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # When its owners were reminded that it is due (the reminder job sends once).
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    owner_organisation: Mapped[Organisation | None] = relationship()
    owner: Mapped[Person | None] = relationship(foreign_keys=[owner_person_id])
