"""board cards and their history

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 02:38:47.989468
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Trigram similarity finds existing cards worded differently (typos, inflections).
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.create_table(
        "cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("kind", sa.Enum("need", "offer", "pledge", name="card_kind"), nullable=False),
        sa.Column(
            "resource_kind",
            sa.Enum(
                "knowledge",
                "skills",
                "contacts",
                "ideas",
                "time",
                "money",
                "goods",
                "space",
                name="resource_kind",
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum("open", "matched", "in_progress", "done", "archived", name="card_status"),
            server_default="open",
            nullable=False,
        ),
        sa.Column(
            "urgency",
            sa.Enum("low", "normal", "high", "critical", name="urgency"),
            server_default="normal",
            nullable=False,
        ),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("quantity", sa.String(length=120), server_default="", nullable=False),
        sa.Column("region", sa.String(length=120), server_default="", nullable=False),
        sa.Column("promise", sa.Text(), server_default="", nullable=False),
        sa.Column("condition", sa.Text(), server_default="", nullable=False),
        sa.Column("helpers_needed", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('german', coalesce(title, '')), 'A') || setweight(to_tsvector('german', coalesce(description, '')), 'B') || setweight(to_tsvector('german', coalesce(promise, '') || ' ' || coalesce(condition, '')), 'B') || setweight(to_tsvector('german', coalesce(region, '')), 'C')",
                persisted=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "kind <> 'pledge' OR (promise <> '' AND condition <> '')",
            name=op.f("ck_cards_pledge_complete"),
        ),
        sa.CheckConstraint(
            "helpers_needed IS NULL OR helpers_needed > 0", name=op.f("ck_cards_helpers_positive")
        ),
        sa.CheckConstraint("length(btrim(title)) > 0", name=op.f("ck_cards_title_not_blank")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["persons.id"],
            name=op.f("fk_cards_created_by_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_cards_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_cards_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cards")),
    )
    op.create_index("ix_cards_group_status", "cards", ["group_id", "status"], unique=False)
    op.create_index(op.f("ix_cards_organisation_id"), "cards", ["organisation_id"], unique=False)
    op.create_index("ix_cards_search", "cards", ["search"], unique=False, postgresql_using="gin")
    op.create_index(
        "ix_cards_title_trgm",
        "cards",
        ["title"],
        unique=False,
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.create_table(
        "card_changes",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column(
            "changes", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_card_changes_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_card_changes_person_id_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_changes")),
    )
    op.create_index(op.f("ix_card_changes_card_id"), "card_changes", ["card_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_card_changes_card_id"), table_name="card_changes")
    op.drop_table("card_changes")
    op.drop_index(
        "ix_cards_title_trgm",
        table_name="cards",
        postgresql_using="gin",
        postgresql_ops={"title": "gin_trgm_ops"},
    )
    op.drop_index("ix_cards_search", table_name="cards", postgresql_using="gin")
    op.drop_index(op.f("ix_cards_organisation_id"), table_name="cards")
    op.drop_index("ix_cards_group_status", table_name="cards")
    op.drop_table("cards")
    for enum in ("card_kind", "resource_kind", "card_status", "urgency"):
        sa.Enum(name=enum).drop(op.get_bind(), checkfirst=True)
