"""Live sessions (issue 5): a working group's (or the alliance's) series of sessions, its
invitation list, each session with its registrations and attendance.

The model is called `Meeting` (table `meetings`) so that it is never confused with a database
session or the sign-in session."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from server.models.base import Base, Timestamped
from server.models.enums import MeetingStatus
from server.models.organisations import _enum

if TYPE_CHECKING:
    from server.models.groups import WorkingGroup
    from server.models.organisations import Organisation
    from server.models.persons import Person

TITLE_MAX = 200
PLACE_MAX = 300
URL_MAX = 500


class Series(Timestamped, Base):
    """A recurring session, e.g. weekly on Thursday at 10:00, of a working group or (without
    group) of the whole alliance, like the municipalities' weekly exchange."""

    __tablename__ = "session_series"
    __table_args__ = (
        CheckConstraint("length(btrim(title)) > 0", name="title_not_blank"),
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_of_week"),
        CheckConstraint("duration_minutes BETWEEN 5 AND 720", name="duration_sensible"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("working_groups.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday
    starts_at: Mapped[time] = mapped_column(Time)  # German wall-clock time
    duration_minutes: Mapped[int] = mapped_column(default=90, server_default="90")
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="", server_default="")
    video_url: Mapped[str] = mapped_column(String(URL_MAX), default="", server_default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))

    group: Mapped[WorkingGroup | None] = relationship()


class Subscription(Base):
    """One entry of a series' invitation list (Einladungsverteiler): an organisation (all its
    people) or a single person."""

    __tablename__ = "series_subscriptions"
    __table_args__ = (
        CheckConstraint(
            "(organisation_id IS NULL) <> (person_id IS NULL)", name="organisation_or_person"
        ),
        Index(
            "uq_series_subscriptions_organisation",
            "series_id",
            "organisation_id",
            unique=True,
            postgresql_where="organisation_id IS NOT NULL",
        ),
        Index(
            "uq_series_subscriptions_person",
            "series_id",
            "person_id",
            unique=True,
            postgresql_where="person_id IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id", ondelete="CASCADE"))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE")
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organisation: Mapped[Organisation | None] = relationship()
    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])


class Meeting(Timestamped, Base):
    """One session of a series. While it runs, `current_item_id` and `item_started_at` are the
    server's word on the agenda board (every page counts down from them); `version` rises with
    every change of that state, so two moderators acting at once do not undo each other."""

    __tablename__ = "meetings"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_meetings_series_starts", "series_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("session_series.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="", server_default="")
    video_url: Mapped[str] = mapped_column(String(URL_MAX), default="", server_default="")
    status: Mapped[MeetingStatus] = mapped_column(
        _enum(MeetingStatus, "meeting_status"),
        default=MeetingStatus.planned,
        server_default=MeetingStatus.planned.value,
    )
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    current_item_id: Mapped[int | None] = mapped_column(
        ForeignKey("agenda_items.id", ondelete="SET NULL", use_alter=True)
    )
    item_started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    invitations_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Rises when a planned session is moved or cancelled (the .ics SEQUENCE); invitees were
    # told of every change up to `update_sent_sequence`.
    calendar_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    update_sent_sequence: Mapped[int] = mapped_column(default=0, server_default="0")
    summary_enqueued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    series: Mapped[Series] = relationship()


class Registration(Base):
    """A person's answer to an invitation: attending or not (by organisation, for the
    moderator's overview)."""

    __tablename__ = "registrations"

    meeting_id: Mapped[int] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("persons.id", ondelete="CASCADE"), primary_key=True
    )
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    attending: Mapped[bool] = mapped_column()
    answered_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )


class Attendance(Base):
    """Who was present, recorded when the session is closed (from the live presence)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_attendance_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id", ondelete="SET NULL"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    first_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notes: Mapped[str] = mapped_column(Text, default="", server_default="")
