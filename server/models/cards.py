"""The cards of a working group's board: needs, offers and pledges, with their history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    ForeignKey,
    Identity,
    Index,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import CardKind, CardStatus, RedemptionStatus, ResourceKind, Urgency
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.organisations import Organisation
    from server.models.persons import Person

TITLE_MAX = 200
DESCRIPTION_MAX = 10_000
SHORT_MAX = 120

_SEARCH_DOCUMENT = (
    "setweight(to_tsvector('german', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('german', coalesce(description, '')), 'B') || "
    "setweight(to_tsvector('german', coalesce(promise, '') || ' ' || coalesce(condition, '')),"
    " 'B') || setweight(to_tsvector('german', coalesce(region, '')), 'C')"
)


class Card(Timestamped, Base):
    """A need (Bedarf), an offer (Angebot) or a pledge (Versprechen: "we promise X if someone
    helps with Y") on a working group's board. `version` rises with every change, so a stale
    edit of a structured field is noticed instead of overwriting."""

    __tablename__ = "cards"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("helpers_needed IS NULL OR helpers_needed > 0", name="helpers_positive"),
        CheckConstraint(
            "kind <> 'pledge' OR (promise <> '' AND condition <> '')", name="pledge_complete"
        ),
        Index("ix_cards_search", "search", postgresql_using="gin"),
        Index(
            "ix_cards_title_trgm",
            "title",
            postgresql_using="gin",
            postgresql_ops={"title": "gin_trgm_ops"},
        ),
        Index("ix_cards_group_status", "group_id", "status"),
        # The similar-card search (domain/card_search.py): nearest titles first, and the words
        # of a typed description looked up in titles alone.
        Index(
            "ix_cards_title_trgm_gist",
            "title",
            postgresql_using="gist",
            postgresql_ops={"title": "gist_trgm_ops"},
        ),
        Index(
            "ix_cards_title_search",
            text("to_tsvector('german'::regconfig, title::text)"),
            postgresql_using="gin",
        ),
        Index("ix_cards_region_status", "region", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("working_groups.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    kind: Mapped[CardKind] = mapped_column(_enum(CardKind, "card_kind"))
    resource_kind: Mapped[ResourceKind] = mapped_column(_enum(ResourceKind, "resource_kind"))
    status: Mapped[CardStatus] = mapped_column(
        _enum(CardStatus, "card_status"),
        default=CardStatus.open,
        server_default=CardStatus.open.value,
    )
    urgency: Mapped[Urgency] = mapped_column(
        _enum(Urgency, "urgency"), default=Urgency.normal, server_default=Urgency.normal.value
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    quantity: Mapped[str] = mapped_column(String(SHORT_MAX), default="", server_default="")
    region: Mapped[str] = mapped_column(String(SHORT_MAX), default="", server_default="")
    promise: Mapped[str] = mapped_column(Text, default="", server_default="")
    condition: Mapped[str] = mapped_column(Text, default="", server_default="")
    helpers_needed: Mapped[int | None] = mapped_column()
    deadline: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )
    # Only searched in SQL, never read: not loaded with the row.
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(_SEARCH_DOCUMENT, persisted=True), deferred=True
    )

    organisation: Mapped[Organisation] = relationship()

    @property
    def organisation_name(self) -> str:
        """As board listings read it without loading the organisation (see `boards`)."""
        return self.organisation.name


class CardChange(Base):
    """One entry of a card's history: who changed what, when (field -> [before, after])."""

    __tablename__ = "card_changes"
    __table_args__ = (UniqueConstraint("card_id", "version", name="uq_card_changes_version"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    """The card's version after this change."""
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
    """Every editable field after this change: the base a later edit of this version is merged
    against."""

    person: Mapped[Person | None] = relationship()


class CardMatch(Base):
    """A need linked to an offer or pledge that meets it (cards may sit on different boards of
    one field of action)."""

    __tablename__ = "card_matches"
    __table_args__ = (
        UniqueConstraint("need_id", "supply_id", name="uq_card_matches_pair"),
        CheckConstraint("need_id <> supply_id", name="two_cards"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    supply_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    """When both organisations were told by e-mail (the job sends once)."""

    need: Mapped[Card] = relationship(foreign_keys=[need_id])
    supply: Mapped[Card] = relationship(foreign_keys=[supply_id])


class PledgeRedemption(Timestamped, Base):
    """An organisation redeeming a pledge by fulfilling its condition; the pledger confirms, and
    the redeeming organisation's report (a knowledge page) finishes it."""

    __tablename__ = "pledge_redemptions"
    __table_args__ = (
        UniqueConstraint("pledge_id", "organisation_id", name="uq_pledge_redemptions_once"),
        CheckConstraint("length(btrim(fulfilment)) > 0", name="fulfilment_not_blank"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT")
    )
    claimed_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    fulfilment: Mapped[str] = mapped_column(Text)
    """How the redeeming organisation fulfilled the pledge's condition."""
    status: Mapped[RedemptionStatus] = mapped_column(
        _enum(RedemptionStatus, "redemption_status"),
        default=RedemptionStatus.claimed,
        server_default=RedemptionStatus.claimed.value,
    )
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    report_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_pages.id", ondelete="SET NULL")
    )

    pledge: Mapped[Card] = relationship()
    organisation: Mapped[Organisation] = relationship()
