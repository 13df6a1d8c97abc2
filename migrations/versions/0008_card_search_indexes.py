"""card search indexes

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The similar-card search (server/domain/card_search.py):
    # the titles nearest to the typed words, nearest first (a GiST index can order by distance,
    # GIN cannot), so a common word does not make the search fetch every title that has it;
    op.create_index(
        "ix_cards_title_trgm_gist",
        "cards",
        ["title"],
        unique=False,
        postgresql_using="gist",
        postgresql_ops={"title": "gist_trgm_ops"},
    )
    # and the words of a description being typed, looked up in titles alone.
    op.create_index(
        "ix_cards_title_search",
        "cards",
        [sa.text("to_tsvector('german'::regconfig, title::text)")],
        unique=False,
        postgresql_using="gin",
    )
    # The alliance-wide overview filters open cards by region and lists their regions.
    op.create_index("ix_cards_region_status", "cards", ["region", "status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_cards_region_status", table_name="cards")
    op.drop_index("ix_cards_title_search", table_name="cards", postgresql_using="gin")
    op.drop_index("ix_cards_title_trgm_gist", table_name="cards", postgresql_using="gist")
