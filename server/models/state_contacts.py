"""A working group's state contacts (people of a municipality or state agency who speak for an
authority at one federal level) and the questions the group's members address to them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import FederalLevel, StateQuestionStatus
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.groups import WorkingGroup
    from server.models.organisations import Organisation
    from server.models.persons import Person

AUTHORITY_MAX = 300
TOPICS_MAX = 300
SUBJECT_MAX = 200
QUESTION_MAX = 5000
ANSWER_MAX = 10_000


class StateContact(Timestamped, Base):
    """A person who answers a working group's questions for an authority (Bund, Land or
    Kommune). Removing a contact keeps the row (`removed_at`) for the questions it answered."""

    __tablename__ = "state_contacts"
    __table_args__ = (
        UniqueConstraint("group_id", "person_id", name="uq_state_contacts_group_person"),
        CheckConstraint("level <> 'none'", name="level_given"),
        CheckConstraint("length(btrim(authority)) > 0", name="authority_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"), index=True)
    level: Mapped[FederalLevel] = mapped_column(_enum(FederalLevel, "federal_level"))
    authority: Mapped[str] = mapped_column(String(AUTHORITY_MAX))
    topics: Mapped[str] = mapped_column(String(TOPICS_MAX), default="", server_default="")
    added_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class StateQuestion(Base):
    """A question of a member to one state contact of the group; the answer is kept with the
    group and can become a knowledge page once. `version` rises with every change."""

    __tablename__ = "state_questions"
    __table_args__ = (
        CheckConstraint("length(btrim(subject)) > 0", name="subject_not_blank"),
        CheckConstraint("status <> 'answered' OR answer <> ''", name="answered_with_text"),
        Index("ix_state_questions_group_created", "group_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("state_contacts.id", ondelete="CASCADE"), index=True
    )
    asked_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[StateQuestionStatus] = mapped_column(
        _enum(StateQuestionStatus, "state_question_status"),
        default=StateQuestionStatus.open,
        server_default=StateQuestionStatus.open.value,
    )
    answer: Mapped[str] = mapped_column(Text, default="", server_default="")
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    knowledge_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_pages.id", ondelete="SET NULL"), unique=True
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    # When the addressed contact, and later the asker, were told by e-mail (each once).
    contact_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    asker_notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    contact: Mapped[StateContact] = relationship()
    asker: Mapped[Person | None] = relationship(foreign_keys=[asked_by])
    answerer: Mapped[Person | None] = relationship(foreign_keys=[answered_by])
    organisation: Mapped[Organisation] = relationship()
    group: Mapped[WorkingGroup] = relationship()
