"""join request decisions: decline reason, requester notified

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 01:55:49.888092
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "join_requests", sa.Column("decline_reason", sa.String(length=500), nullable=True)
    )
    op.add_column(
        "join_requests", sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("join_requests", "notified_at")
    op.drop_column("join_requests", "decline_reason")
