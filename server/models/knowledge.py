"""Knowledge pages: what the alliance learned, kept where others can find and copy it (pledge
reports now; session summaries and good-practice pages build on them), with every revision."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import PageKind, PageStatus, PageVisibility
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.organisations import Organisation
    from server.models.persons import Person

PAGE_TITLE_MAX = 200
PAGE_BODY_MAX = 500_000  # a long session's summary holds its notes in full

_SEARCH_DOCUMENT = (
    "setweight(to_tsvector('german', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('german', coalesce(body, '')), 'B')"
)


class KnowledgePage(Timestamped, Base):
    """A page of the alliance's knowledge; `version` rises with every revision."""

    __tablename__ = "knowledge_pages"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        Index("ix_knowledge_pages_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PageKind] = mapped_column(_enum(PageKind, "page_kind"))
    visibility: Mapped[PageVisibility] = mapped_column(
        _enum(PageVisibility, "page_visibility"),
        default=PageVisibility.members,
        server_default=PageVisibility.members.value,
    )
    title: Mapped[str] = mapped_column(String(PAGE_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text, default="", server_default="")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="SET NULL"), index=True
    )
    source_card_id: Mapped[int | None] = mapped_column(
        ForeignKey("cards.id", ondelete="SET NULL"), index=True
    )
    # A session's summary: one page per session (the summary job relies on it: run twice, it
    # cannot write a second page).
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), unique=True
    )
    # The page's tag: the field of action it belongs to (a group's page: its group's).
    field_of_action_id: Mapped[int | None] = mapped_column(
        ForeignKey("fields_of_action.id", ondelete="SET NULL"), index=True
    )
    status: Mapped[PageStatus] = mapped_column(
        _enum(PageStatus, "page_status"),
        default=PageStatus.published,
        server_default=PageStatus.published.value,
    )
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the session's participants were told it is published (the job tells them once).
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Only searched in SQL, never read: not loaded with the row.
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(_SEARCH_DOCUMENT, persisted=True), deferred=True
    )

    organisation: Mapped[Organisation | None] = relationship()


class KnowledgeRevision(Base):
    """One revision of a page, with its author: the base of later merges and of the history."""

    __tablename__ = "knowledge_revisions"
    __table_args__ = (
        UniqueConstraint("page_id", "version", name="uq_knowledge_revisions_version"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("knowledge_pages.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column()
    title: Mapped[str] = mapped_column(String(PAGE_TITLE_MAX))
    body: Mapped[str] = mapped_column(Text)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    person: Mapped[Person | None] = relationship()
