"""State contacts of the working groups (people of a municipality or state agency speaking
for an authority at one federal level) and the members' questions to them, with their answers;
answers kept as knowledge pages of their own kind.

Revision ID: 0013
Revises: 0012
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


QUESTION_STATUS = sa.Enum("open", "answered", "withdrawn", name="state_question_status")
# The type exists since 0001; the tables only use it.
FEDERAL_LEVEL = postgresql.ENUM(
    "bund", "land", "kommune", "none", name="federal_level", create_type=False
)
PAGE_KINDS_BEFORE = ("pledge_report", "good_practice", "session_summary", "fund_report")


def upgrade() -> None:
    # A new value cannot be used in the transaction that adds it; nothing here uses it.
    op.execute("ALTER TYPE page_kind ADD VALUE IF NOT EXISTS 'state_answer'")
    QUESTION_STATUS.create(op.get_bind())
    op.create_table(
        "state_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("level", FEDERAL_LEVEL, nullable=False),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column("topics", sa.String(length=300), server_default="", nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("level <> 'none'", name=op.f("ck_state_contacts_level_given")),
        sa.CheckConstraint(
            "length(btrim(authority)) > 0", name=op.f("ck_state_contacts_authority_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["persons.id"],
            name=op.f("fk_state_contacts_added_by_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_state_contacts_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_state_contacts_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_contacts")),
        sa.UniqueConstraint("group_id", "person_id", name="uq_state_contacts_group_person"),
    )
    op.create_index(
        op.f("ix_state_contacts_person_id"), "state_contacts", ["person_id"], unique=False
    )
    op.create_table(
        "state_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("asked_by", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "status",
            postgresql.ENUM(name="state_question_status", create_type=False),
            server_default="open",
            nullable=False,
        ),
        sa.Column("answer", sa.Text(), server_default="", nullable=False),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("knowledge_page_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("contact_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("asker_notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'answered' OR answer <> ''",
            name=op.f("ck_state_questions_answered_with_text"),
        ),
        sa.CheckConstraint(
            "length(btrim(subject)) > 0", name=op.f("ck_state_questions_subject_not_blank")
        ),
        sa.ForeignKeyConstraint(
            ["answered_by"],
            ["persons.id"],
            name=op.f("fk_state_questions_answered_by_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["asked_by"],
            ["persons.id"],
            name=op.f("fk_state_questions_asked_by_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["state_contacts.id"],
            name=op.f("fk_state_questions_contact_id_state_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_state_questions_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["knowledge_page_id"],
            ["knowledge_pages.id"],
            name=op.f("fk_state_questions_knowledge_page_id_knowledge_pages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_state_questions_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_state_questions")),
        sa.UniqueConstraint("knowledge_page_id", name=op.f("uq_state_questions_knowledge_page_id")),
    )
    op.create_index(
        op.f("ix_state_questions_contact_id"), "state_questions", ["contact_id"], unique=False
    )
    op.create_index(
        "ix_state_questions_group_created",
        "state_questions",
        ["group_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_state_questions_organisation_id"),
        "state_questions",
        ["organisation_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_state_questions_organisation_id"), table_name="state_questions")
    op.drop_index("ix_state_questions_group_created", table_name="state_questions")
    op.drop_index(op.f("ix_state_questions_contact_id"), table_name="state_questions")
    op.drop_table("state_questions")
    op.drop_index(op.f("ix_state_contacts_person_id"), table_name="state_contacts")
    op.drop_table("state_contacts")
    QUESTION_STATUS.drop(op.get_bind())
    # PostgreSQL cannot drop a value from an enum: the type is built again without it, and the
    # answers' pages become good-practice pages rather than being lost.
    op.execute(
        "UPDATE knowledge_pages SET kind = 'good_practice' WHERE kind::text = 'state_answer'"
    )
    op.execute("ALTER TYPE page_kind RENAME TO page_kind_old")
    sa.Enum(*PAGE_KINDS_BEFORE, name="page_kind").create(op.get_bind())
    op.execute(
        "ALTER TABLE knowledge_pages ALTER COLUMN kind TYPE page_kind USING kind::text::page_kind"
    )
    op.execute("DROP TYPE page_kind_old")
