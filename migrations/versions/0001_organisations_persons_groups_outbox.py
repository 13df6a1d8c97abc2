"""organisations persons groups outbox

Revision ID: 0001
Revises:
Create Date: 2026-11-24 01:01:49.211617
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("channel", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("data", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_channel_id", "events", ["channel", "id"], unique=False)
    op.create_table(
        "fields_of_action",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("position", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fields_of_action")),
        sa.UniqueConstraint("name", name=op.f("uq_fields_of_action_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_fields_of_action_slug")),
    )
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "association",
                "foundation",
                "company",
                "municipality",
                "state_agency",
                "other",
                name="organisation_kind",
            ),
            nullable=False,
        ),
        sa.Column(
            "federal_level",
            sa.Enum("bund", "land", "kommune", "none", name="federal_level"),
            nullable=False,
        ),
        sa.Column("region", sa.String(length=120), server_default="", nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column(
            "status",
            sa.Enum("pending", "member", "left", name="organisation_status"),
            server_default="member",
            nullable=False,
        ),
        sa.Column(
            "search",
            postgresql.TSVECTOR(),
            sa.Computed(
                "setweight(to_tsvector('german', coalesce(name, '')), 'A') || setweight(to_tsvector('german', coalesce(region, '')), 'B') || setweight(to_tsvector('german', coalesce(description, '')), 'C')",
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
        sa.CheckConstraint("length(btrim(name)) > 0", name=op.f("ck_organisations_name_not_blank")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("name", name=op.f("uq_organisations_name")),
    )
    op.create_index(
        "ix_organisations_search", "organisations", ["search"], unique=False, postgresql_using="gin"
    )
    op.create_table(
        "organisation_fields",
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["fields_of_action.id"],
            name=op.f("fk_organisation_fields_field_id_fields_of_action"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_organisation_fields_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("organisation_id", "field_id", name=op.f("pk_organisation_fields")),
    )
    op.create_table(
        "persons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("issuer", sa.String(length=500), nullable=True),
        sa.Column("subject", sa.String(length=255), nullable=True),
        sa.Column("is_alliance_admin", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("is_organisation_admin", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_persons_organisation_id_organisations"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_persons")),
        sa.UniqueConstraint("issuer", "subject", name="uq_persons_identity"),
    )
    op.create_index(
        op.f("ix_persons_organisation_id"), "persons", ["organisation_id"], unique=False
    )
    op.create_table(
        "working_groups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("field_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["field_id"],
            ["fields_of_action.id"],
            name=op.f("fk_working_groups_field_id_fields_of_action"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_working_groups")),
        sa.UniqueConstraint("name", name=op.f("uq_working_groups_name")),
        sa.UniqueConstraint("slug", name=op.f("uq_working_groups_slug")),
    )
    op.create_index(
        op.f("ix_working_groups_field_id"), "working_groups", ["field_id"], unique=False
    )
    op.create_table(
        "group_members",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column(
            "joined_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("welcomed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_group_members_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_group_members_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "organisation_id", name=op.f("pk_group_members")),
    )
    op.create_index(
        op.f("ix_group_members_organisation_id"), "group_members", ["organisation_id"], unique=False
    )
    op.create_table(
        "group_moderators",
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["working_groups.id"],
            name=op.f("fk_group_moderators_group_id_working_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["persons.id"],
            name=op.f("fk_group_moderators_person_id_persons"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("group_id", "person_id", name=op.f("pk_group_moderators")),
    )
    op.create_index(
        op.f("ix_group_moderators_person_id"), "group_moderators", ["person_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_group_moderators_person_id"), table_name="group_moderators")
    op.drop_table("group_moderators")
    op.drop_index(op.f("ix_group_members_organisation_id"), table_name="group_members")
    op.drop_table("group_members")
    op.drop_index(op.f("ix_working_groups_field_id"), table_name="working_groups")
    op.drop_table("working_groups")
    op.drop_index(op.f("ix_persons_organisation_id"), table_name="persons")
    op.drop_table("persons")
    op.drop_table("organisation_fields")
    op.drop_index("ix_organisations_search", table_name="organisations", postgresql_using="gin")
    op.drop_table("organisations")
    op.drop_table("fields_of_action")
    op.drop_index("ix_events_channel_id", table_name="events")
    op.drop_table("events")
    for enum in ("organisation_status", "federal_level", "organisation_kind"):
        sa.Enum(name=enum).drop(op.get_bind(), checkfirst=True)
