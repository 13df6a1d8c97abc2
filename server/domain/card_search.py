"""Finding what already exists: cards like the one being typed, so that people join an existing
need, offer or pledge instead of starting it twice."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from server.domain.actors import Actor
from server.domain.cards import require_board_access
from server.models import Card, CardStatus, GroupMember, WorkingGroup
from server.models.cards import TITLE_MAX

SIMILAR_MIN_CHARS = 3
SIMILAR_LIMIT = 5
TRIGRAM_THRESHOLD = 0.3


async def similar_cards(
    session: AsyncSession, actor: Actor, group: WorkingGroup, text: str
) -> list[Card]:
    """Cards like the one being typed, on every board the actor may use, so that people join
    what exists instead of starting it twice: German full-text (inflections) or trigram
    similarity of the title (typos)."""
    await require_board_access(session, actor, group.id)
    words = text.strip()[:TITLE_MAX]
    if len(words) < SIMILAR_MIN_CHARS:
        return []
    tsquery = func.plainto_tsquery("german", words)
    likeness = func.greatest(
        func.similarity(Card.title, words), func.word_similarity(words, Card.title)
    )
    query = (
        select(Card)
        .where(
            Card.status != CardStatus.archived,
            or_(Card.search.op("@@")(tsquery), likeness >= TRIGRAM_THRESHOLD),
        )
        .options(selectinload(Card.organisation))
        .order_by((func.ts_rank(Card.search, tsquery) + likeness).desc(), Card.id.desc())
        .limit(SIMILAR_LIMIT)
    )
    if not actor.is_alliance_admin:
        member_of = select(GroupMember.group_id).where(
            GroupMember.organisation_id == actor.organisation_id
        )
        query = query.where(
            or_(Card.group_id.in_(member_of), Card.group_id.in_(actor.moderated_group_ids))
        )
    return list(await session.scalars(query))
