"""Sessions moved or cancelled after their invitations went out: the calendar entry's
sequence (.ics SEQUENCE) and the last sequence invitees were told of.

Revision ID: 0010
Revises: 0009
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "meetings",
        sa.Column("calendar_sequence", sa.Integer(), server_default="0", nullable=False),
    )
    op.add_column(
        "meetings",
        sa.Column("update_sent_sequence", sa.Integer(), server_default="0", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("meetings", "update_sent_sequence")
    op.drop_column("meetings", "calendar_sequence")
