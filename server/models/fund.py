"""The alliance fund (Anschubfinanzierung): what donor members pledged, the funding requests of
member organisations, and the trail of every step a request took. Money is in integer cents."""

from __future__ import annotations

import enum
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
    String,
    Text,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.groups import WorkingGroup
    from server.models.organisations import Organisation
    from server.models.persons import Person

REQUEST_TITLE_MAX = 200


class FundingStatus(enum.StrEnum):
    """Submitted (again after more information was given), waiting for more information,
    approved with an amount, declined, or withdrawn by the requesting organisation."""

    submitted = "submitted"
    info_requested = "info_requested"
    approved = "approved"
    declined = "declined"
    withdrawn = "withdrawn"


class FundingStepKind(enum.StrEnum):
    submitted = "submitted"
    updated = "updated"
    comment = "comment"
    info_requested = "info_requested"
    approved = "approved"
    declined = "declined"
    withdrawn = "withdrawn"
    payout = "payout"
    reported = "reported"


class FundPledge(Base):
    """Money a donor member organisation promised the fund, recorded by the committee."""

    __tablename__ = "fund_pledges"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="", server_default="")
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )

    organisation: Mapped[Organisation] = relationship()


class FundingRequest(Timestamped, Base):
    """A member organisation asking the fund for money for a concrete project of one of its
    working groups. `version` rises with every change, so a decision on a request that changed
    meanwhile is refused rather than made on what the committee did not see."""

    __tablename__ = "funding_requests"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("length(btrim(purpose)) > 0", name="purpose_not_blank"),
        CheckConstraint("amount_requested > 0", name="requested_positive"),
        CheckConstraint(
            "amount_granted IS NULL OR (amount_granted > 0 AND amount_granted <= amount_requested)",
            name="granted_within_requested",
        ),
        CheckConstraint(
            "status <> 'approved' OR amount_granted IS NOT NULL", name="approved_has_amount"
        ),
        CheckConstraint("ends_on >= starts_on", name="time_frame"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(REQUEST_TITLE_MAX))
    purpose: Mapped[str] = mapped_column(Text)
    amount_requested: Mapped[int] = mapped_column(BigInteger)
    amount_granted: Mapped[int | None] = mapped_column(BigInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[FundingStatus] = mapped_column(
        _enum(FundingStatus, "funding_request_status"),
        default=FundingStatus.submitted,
        server_default=FundingStatus.submitted.value,
        index=True,
    )
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    report_page_id: Mapped[int | None] = mapped_column(
        ForeignKey("knowledge_pages.id", ondelete="SET NULL")
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    organisation: Mapped[Organisation] = relationship()
    group: Mapped[WorkingGroup] = relationship()


class FundingRequestCard(Base):
    """A need card of the request's working group that the project answers."""

    __tablename__ = "funding_request_cards"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("funding_requests.id", ondelete="CASCADE"), primary_key=True
    )
    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class FundingStep(Base):
    """One step of a request's trail, with its date and person: what the donors can export.
    A payout is a step with an amount."""

    __tablename__ = "funding_steps"
    __table_args__ = (
        CheckConstraint("amount_cents IS NULL OR amount_cents > 0", name="amount_positive"),
        CheckConstraint("kind <> 'payout' OR amount_cents IS NOT NULL", name="payout_has_amount"),
        Index("ix_funding_steps_request_kind", "request_id", "kind"),
    )

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("funding_requests.id", ondelete="CASCADE"))
    kind: Mapped[FundingStepKind] = mapped_column(_enum(FundingStepKind, "funding_step_kind"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    amount_cents: Mapped[int | None] = mapped_column(BigInteger)
    text: Mapped[str] = mapped_column(Text, default="", server_default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # When the requesting organisation's people were told by e-mail (the job tells them once).
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    person: Mapped[Person | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
