from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Timestamped
from server.models.enums import FederalLevel, JoinRequestStatus, OrganisationKind
from server.models.identity_providers import ISSUER_MAX
from server.models.organisations import NAME_MAX, _enum

DECLINE_REASON_MAX = 500


class JoinRequest(Timestamped, Base):
    """Someone whose verified identity belongs to no member organisation asks to join."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(ISSUER_MAX))
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(254))
    person_name: Mapped[str] = mapped_column(String(200))
    organisation_name: Mapped[str] = mapped_column(String(NAME_MAX))
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    federal_level: Mapped[FederalLevel] = mapped_column(_enum(FederalLevel, "federal_level"))
    contact_email: Mapped[str] = mapped_column(String(254))
    status: Mapped[JoinRequestStatus] = mapped_column(
        _enum(JoinRequestStatus, "join_request_status"),
        default=JoinRequestStatus.pending,
        server_default=JoinRequestStatus.pending.value,
        index=True,
    )
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    decline_reason: Mapped[str | None] = mapped_column(String(DECLINE_REASON_MAX))
    # Set by the job that told the requester of the decision, so a repeated job sends nothing.
    notified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
