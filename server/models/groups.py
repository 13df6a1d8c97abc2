from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped

if TYPE_CHECKING:
    from server.models.organisations import Organisation
    from server.models.persons import Person


class FieldOfAction(Base):
    """A Handlungsfeld such as accommodation or health; working groups belong to one."""

    __tablename__ = "fields_of_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")
    position: Mapped[int] = mapped_column(default=0, server_default="0")

    working_groups: Mapped[list[WorkingGroup]] = relationship(
        back_populates="field", order_by="WorkingGroup.name"
    )


class GroupMember(Base):
    """An organisation's membership in a working group."""

    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    welcomed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    organisation: Mapped[Organisation] = relationship()


class GroupModerator(Base):
    __tablename__ = "group_moderators"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class WorkingGroup(Timestamped, Base):
    __tablename__ = "working_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    field_id: Mapped[int] = mapped_column(
        ForeignKey("fields_of_action.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="", server_default="")

    field: Mapped[FieldOfAction] = relationship(back_populates="working_groups")
    organisations: Mapped[list[Organisation]] = relationship(
        secondary="group_members", order_by="Organisation.name", viewonly=True
    )
    moderators: Mapped[list[Person]] = relationship(
        secondary="group_moderators", order_by="Person.name", viewonly=True
    )
