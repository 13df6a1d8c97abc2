"""Knowledge pages of sessions: one summary page per session (written as a draft, published
by a moderator, its participants told once) and a page's field of action as its tag; each
person's language for e-mails, digest frequency and due-date reminders; when an action item's
owners were reminded of its due date.

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE_STATUS = sa.Enum("draft", "published", name="page_status")
DIGEST = sa.Enum("daily", "weekly", "none", name="digest_frequency")


def upgrade() -> None:
    PAGE_STATUS.create(op.get_bind())
    op.add_column("knowledge_pages", sa.Column("meeting_id", sa.Integer(), nullable=True))
    op.add_column("knowledge_pages", sa.Column("field_of_action_id", sa.Integer(), nullable=True))
    op.add_column(
        "knowledge_pages",
        sa.Column("status", PAGE_STATUS, server_default="published", nullable=False),
    )
    op.add_column(
        "knowledge_pages", sa.Column("published_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "knowledge_pages", sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True)
    )
    DIGEST.create(op.get_bind())
    op.add_column("persons", sa.Column("locale", sa.String(length=5), nullable=True))
    op.add_column("persons", sa.Column("digest", DIGEST, server_default="weekly", nullable=False))
    op.add_column(
        "persons",
        sa.Column("due_reminders", sa.Boolean(), server_default="true", nullable=False),
    )
    op.add_column("persons", sa.Column("digest_sent_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "action_items", sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.create_unique_constraint(
        op.f("uq_knowledge_pages_meeting_id"), "knowledge_pages", ["meeting_id"]
    )
    op.create_index(
        op.f("ix_knowledge_pages_field_of_action_id"),
        "knowledge_pages",
        ["field_of_action_id"],
        unique=False,
    )
    op.create_foreign_key(
        op.f("fk_knowledge_pages_meeting_id_meetings"),
        "knowledge_pages",
        "meetings",
        ["meeting_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.create_foreign_key(
        op.f("fk_knowledge_pages_field_of_action_id_fields_of_action"),
        "knowledge_pages",
        "fields_of_action",
        ["field_of_action_id"],
        ["id"],
        ondelete="SET NULL",
    )
    # Pages written so far are published; their tag is their group's field of action.
    op.execute("UPDATE knowledge_pages SET published_at = created_at")
    op.execute(
        "UPDATE knowledge_pages p SET field_of_action_id = g.field_id "
        "FROM working_groups g WHERE g.id = p.group_id"
    )


def downgrade() -> None:
    op.drop_constraint(
        op.f("fk_knowledge_pages_field_of_action_id_fields_of_action"),
        "knowledge_pages",
        type_="foreignkey",
    )
    op.drop_constraint(
        op.f("fk_knowledge_pages_meeting_id_meetings"), "knowledge_pages", type_="foreignkey"
    )
    op.drop_index(op.f("ix_knowledge_pages_field_of_action_id"), table_name="knowledge_pages")
    op.drop_constraint(op.f("uq_knowledge_pages_meeting_id"), "knowledge_pages", type_="unique")
    op.drop_column("action_items", "reminded_at")
    op.drop_column("persons", "digest_sent_at")
    op.drop_column("persons", "due_reminders")
    op.drop_column("persons", "digest")
    op.drop_column("persons", "locale")
    DIGEST.drop(op.get_bind())
    op.drop_column("knowledge_pages", "notified_at")
    op.drop_column("knowledge_pages", "published_at")
    op.drop_column("knowledge_pages", "status")
    op.drop_column("knowledge_pages", "field_of_action_id")
    op.drop_column("knowledge_pages", "meeting_id")
    PAGE_STATUS.drop(op.get_bind())
