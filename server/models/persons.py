from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import DigestFrequency
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.organisations import Organisation


class Person(Timestamped, Base):
    """One login identity (issuer + subject) of a member organisation."""

    __tablename__ = "persons"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_persons_identity"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254))
    issuer: Mapped[str | None] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(255))
    is_alliance_admin: Mapped[bool] = mapped_column(default=False, server_default="false")
    is_organisation_admin: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Sees every funding request of the alliance fund, decides on them and records payouts
    # (never on a request of its own organisation).
    fund_committee: Mapped[bool] = mapped_column(default=False, server_default="false")
    # A person who came in by a first sign-in waits for an admin of their organisation (or of
    # the alliance) to approve them; everyone else is approved on creation.
    awaiting_approval: Mapped[bool] = mapped_column(default=False, server_default="false")
    # Set when an admin removed the person: identity, name and e-mail are erased then, the row
    # stays for the history that points at it.
    removed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The person's language for e-mails (None: the interface's default) and what they want to
    # be sent: the digest of their working groups, reminders of their action items.
    locale: Mapped[str | None] = mapped_column(String(5))
    digest: Mapped[DigestFrequency] = mapped_column(
        _enum(DigestFrequency, "digest_frequency"),
        default=DigestFrequency.weekly,
        server_default=DigestFrequency.weekly.value,
    )
    due_reminders: Mapped[bool] = mapped_column(default=True, server_default="true")
    digest_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship(back_populates="persons")
