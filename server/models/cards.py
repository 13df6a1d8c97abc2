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
    func,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import CardKind, CardStatus, ResourceKind, Urgency
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.organisations import Organisation

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
    search: Mapped[str] = mapped_column(TSVECTOR, Computed(_SEARCH_DOCUMENT, persisted=True))

    organisation: Mapped[Organisation] = relationship()


class CardChange(Base):
    """One entry of a card's history: who changed what, when (field -> [before, after])."""

    __tablename__ = "card_changes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    action: Mapped[str] = mapped_column(String(40))
    changes: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default="{}")
