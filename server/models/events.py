from __future__ import annotations

from sqlalchemy import BigInteger, Identity, Index, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from server.models.base import Base, Timestamped


class Event(Timestamped, Base):
    """The outbox: one row per live update, written in the transaction of the change.

    The id orders events; the stored fragment (one per interface language) is what every
    subscriber of the channel receives, live or on replay after a reconnect.
    """

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_channel_id", "channel", "id"),)

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    channel: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(80))
    data: Mapped[dict[str, str]] = mapped_column(JSONB)
