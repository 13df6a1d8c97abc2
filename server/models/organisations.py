from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    Column,
    Computed,
    Enum,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
)
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import FederalLevel, OrganisationKind, OrganisationStatus

if TYPE_CHECKING:
    from server.models.groups import FieldOfAction, WorkingGroup
    from server.models.persons import Person

NAME_MAX = 200
REGION_MAX = 120
DESCRIPTION_MAX = 2000

organisation_fields = Table(
    "organisation_fields",
    Base.metadata,
    Column(
        "organisation_id",
        ForeignKey("organisations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("field_id", ForeignKey("fields_of_action.id", ondelete="CASCADE"), primary_key=True),
)

_SEARCH_DOCUMENT = (
    "setweight(to_tsvector('german', coalesce(name, '')), 'A') || "
    "setweight(to_tsvector('german', coalesce(region, '')), 'B') || "
    "setweight(to_tsvector('german', coalesce(description, '')), 'C')"
)


def _enum(enum_cls: type, name: str) -> Enum:
    return Enum(enum_cls, name=name, values_callable=lambda e: [m.value for m in e])


class Organisation(Timestamped, Base):
    """A member of the alliance: only organisations are members, never private persons."""

    __tablename__ = "organisations"
    __table_args__ = (
        CheckConstraint("length(btrim(name)) > 0", name="name_not_blank"),
        Index("ix_organisations_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(_enum(OrganisationKind, "organisation_kind"))
    federal_level: Mapped[FederalLevel] = mapped_column(_enum(FederalLevel, "federal_level"))
    region: Mapped[str] = mapped_column(String(REGION_MAX), default="", server_default="")
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    contact_email: Mapped[str | None] = mapped_column(String(254))
    status: Mapped[OrganisationStatus] = mapped_column(
        _enum(OrganisationStatus, "organisation_status"),
        default=OrganisationStatus.member,
        server_default=OrganisationStatus.member.value,
    )
    # Only searched in SQL, never read: not loaded with the row.
    search: Mapped[str] = mapped_column(
        TSVECTOR, Computed(_SEARCH_DOCUMENT, persisted=True), deferred=True
    )

    fields: Mapped[list[FieldOfAction]] = relationship(
        secondary=organisation_fields, order_by="FieldOfAction.position"
    )
    persons: Mapped[list[Person]] = relationship(back_populates="organisation")
    working_groups: Mapped[list[WorkingGroup]] = relationship(
        secondary="group_members", back_populates="organisations", viewonly=True
    )
