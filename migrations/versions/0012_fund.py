"""The alliance fund: donor members' pledges, funding requests of member organisations with
the need cards they answer, and the trail of every step (decisions, payouts, the report);
the fund committee as a role of a person; fund reports as knowledge pages.

Revision ID: 0012
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_STATUS = sa.Enum(
    "submitted",
    "info_requested",
    "approved",
    "declined",
    "withdrawn",
    name="funding_request_status",
)
STEP_KIND = sa.Enum(
    "submitted",
    "updated",
    "comment",
    "info_requested",
    "approved",
    "declined",
    "withdrawn",
    "payout",
    "reported",
    name="funding_step_kind",
)
PAGE_KINDS_BEFORE = ("pledge_report", "good_practice", "session_summary")


def upgrade() -> None:
    op.add_column(
        "persons",
        sa.Column("fund_committee", sa.Boolean(), server_default="false", nullable=False),
    )
    # Usable from the next transaction on; nothing in this migration writes it.
    op.execute("ALTER TYPE page_kind ADD VALUE IF NOT EXISTS 'fund_report'")
    op.create_table(
        "fund_pledges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column(
            "recorded_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_fund_pledges_amount_positive")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_fund_pledges_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["persons.id"],
            name=op.f("fk_fund_pledges_recorded_by_persons"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_pledges")),
    )
    op.create_index(
        op.f("ix_fund_pledges_organisation_id"), "fund_pledges", ["organisation_id"], unique=False
    )
    op.create_table(
        "funding_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("amount_requested", sa.BigInteger(), nullable=False),
        sa.Column("amount_granted", sa.BigInteger(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("status", REQUEST_STATUS, server_default="submitted", nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("report_page_id", sa.Integer(), nullable=True),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "length(btrim(title)) > 0", name=op.f("ck_funding_requests_title_not_blank")
        ),
        sa.CheckConstraint(
            "length(btrim(purpose)) > 0", name=op.f("ck_funding_requests_purpose_not_blank")
        ),
        sa.CheckConstraint(
            "amount_requested > 0", name=op.f("ck_funding_requests_requested_positive")
        ),
        sa.CheckConstraint(
            "amount_granted IS NULL OR (amount_granted > 0 AND amount_granted <= amount_requested)",
            name=op.f("ck_funding_requests_granted_within_requested"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR amount_granted IS NOT NULL",
            name=op.f("ck_funding_requests_approved_has_amount"),
        ),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_funding_requests_time_frame")),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["persons.id"],
            name=op.f("fk_funding_requests_created_by_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_funding_requests_group_id_working_groups"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_funding_requests_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["report_page_id"],
            ["knowledge_pages.id"],
            name=op.f("fk_funding_requests_report_page_id_knowledge_pages"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_requests")),
    )
    op.create_index(
        op.f("ix_funding_requests_organisation_id"),
        "funding_requests",
        ["organisation_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_funding_requests_group_id"), "funding_requests", ["group_id"], unique=False
    )
    op.create_index(
        op.f("ix_funding_requests_status"), "funding_requests", ["status"], unique=False
    )
    op.create_table(
        "funding_request_cards",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["card_id"],
            ["cards.id"],
            name=op.f("fk_funding_request_cards_card_id_cards"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["funding_requests.id"],
            name=op.f("fk_funding_request_cards_request_id_funding_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", "card_id", name=op.f("pk_funding_request_cards")),
    )
    op.create_index(
        op.f("ix_funding_request_cards_card_id"),
        "funding_request_cards",
        ["card_id"],
        unique=False,
    )
    op.create_table(
        "funding_steps",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", STEP_KIND, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("amount_cents", sa.BigInteger(), nullable=True),
        sa.Column("text", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "amount_cents IS NULL OR amount_cents > 0",
            name=op.f("ck_funding_steps_amount_positive"),
        ),
        sa.CheckConstraint(
            "kind <> 'payout' OR amount_cents IS NOT NULL",
            name=op.f("ck_funding_steps_payout_has_amount"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_funding_steps_organisation_id_organisations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_funding_steps_person_id_persons"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["funding_requests.id"],
            name=op.f("fk_funding_steps_request_id_funding_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funding_steps")),
    )
    op.create_index(
        "ix_funding_steps_request_kind", "funding_steps", ["request_id", "kind"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_funding_steps_request_kind", table_name="funding_steps")
    op.drop_table("funding_steps")
    STEP_KIND.drop(op.get_bind())
    op.drop_index(op.f("ix_funding_request_cards_card_id"), table_name="funding_request_cards")
    op.drop_table("funding_request_cards")
    op.drop_index(op.f("ix_funding_requests_status"), table_name="funding_requests")
    op.drop_index(op.f("ix_funding_requests_group_id"), table_name="funding_requests")
    op.drop_index(op.f("ix_funding_requests_organisation_id"), table_name="funding_requests")
    op.drop_table("funding_requests")
    REQUEST_STATUS.drop(op.get_bind())
    op.drop_index(op.f("ix_fund_pledges_organisation_id"), table_name="fund_pledges")
    op.drop_table("fund_pledges")
    # PostgreSQL cannot drop a value from an enum: the type is built again without it, and the
    # fund's reports become good-practice pages rather than being lost.
    op.execute("UPDATE knowledge_pages SET kind = 'good_practice' WHERE kind::text = 'fund_report'")
    op.execute("ALTER TYPE page_kind RENAME TO page_kind_old")
    sa.Enum(*PAGE_KINDS_BEFORE, name="page_kind").create(op.get_bind())
    op.execute(
        "ALTER TABLE knowledge_pages ALTER COLUMN kind TYPE page_kind USING kind::text::page_kind"
    )
    op.execute("DROP TYPE page_kind_old")
    op.drop_column("persons", "fund_committee")
