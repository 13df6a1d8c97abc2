"""Finding what already exists: open cards on every board like the one being typed, so that
people join an existing need, offer or pledge instead of starting it twice.

A card is a candidate in three ways, each answered by an index (migrations 0006 and 0008):
- its title is close, letter by letter, to the typed title's words, so that typos and
  half-typed words count (pg_trgm; the GiST index hands out the nearest titles first);
- it shares at least two of the typed title's words in its title or text, as German stems,
  so that inflections count (`cards.search`); a single word typed is looked for in titles;
- its title shares at least two of the words of the typed title and description together:
  a description is full of everyday words that would find everything in other descriptions.
Each way gives at most CANDIDATES cards, so that a common word costs no more than a rare one;
the candidates are ranked by the three likenesses together.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    Text,
    cast,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain import rights
from server.domain.actors import Actor
from server.domain.card_overview import CLOSED, CardSummary, summarise, summary_query
from server.models import Card
from server.models.cards import DESCRIPTION_MAX, TITLE_MAX

SIMILAR_MIN_CHARS = 3
SIMILAR_LIMIT = 5
CANDIDATES = 20  # per way of being alike
QUERY_TERMS = 8  # the pairs of terms grow with the square of their number
# How alike, letter by letter, the typed words and a title must be: the words may be found
# in the title (half-typed words count), or whole words of the title may be nearly the same
# (typos count; a short word is not enough that merely begins like another).
WORD_SIMILARITY = 0.6
STRICT_WORD_SIMILARITY = 0.5

# A constant, not a parameter: the planner matches it against the index expression.
_GERMAN: ColumnElement[Any] = literal_column("'german'::regconfig")
# Before the search, in one round trip: the typed text as the German configuration sees it.
# Custom plans for this transaction: whether a word is common decides the best plan.
_ANALYSE = text(
    "SELECT set_config('plan_cache_mode', 'force_custom_plan', true),"
    " ARRAY(SELECT token FROM ts_debug('german', :title)"
    "       WHERE alias NOT LIKE 'hword\\_%' AND cardinality(lexemes) > 0) AS words,"
    " tsvector_to_array(to_tsvector('german', :title)) AS title_terms,"
    " tsvector_to_array(to_tsvector('german', :description)) AS description_terms"
)
Query = Select[*tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class _Typed:
    words: str  # the title's words without stop words, for the letter-by-letter likeness
    title_terms: list[str]  # German stems
    description_terms: list[str]


async def similar_cards(
    session: AsyncSession, actor: Actor, title: str, description: str = ""
) -> list[CardSummary]:
    """Open cards on every board that are like the card being typed, the likest first; every
    approved member sees their summaries (see `card_overview`)."""
    rights.require_member(actor)
    title = title.strip()[:TITLE_MAX]
    description = description.strip()[:DESCRIPTION_MAX]
    if len(title) < SIMILAR_MIN_CHARS and len(description) < SIMILAR_MIN_CHARS:
        return []
    typed = await _analyse(session, title, description)
    title_vector = func.to_tsvector(_GERMAN, Card.title)
    candidates: list[Query] = []
    scores: list[ColumnElement[Any]] = []
    if len(typed.words) >= SIMILAR_MIN_CHARS:
        words = literal(typed.words, Text)
        candidates.append(_nearest_titles(words))
        scores.append(func.word_similarity(words, Card.title))
    title_terms = _chosen(typed.title_terms, [])
    if title_terms:
        in_text = _sharing_two(title_terms, single_in_title=True)
        candidates.append(_newest(Card.search.op("@@")(in_text)))
        scores.append(func.ts_rank(Card.search, in_text))
    all_terms = _chosen(typed.title_terms, typed.description_terms)
    if typed.description_terms and len(all_terms) > 1:
        with_description = _sharing_two(all_terms)
        rank = func.ts_rank(title_vector, with_description)
        candidates.append(_best(title_vector.op("@@")(with_description), rank))
        scores.append(rank)
    if not candidates:
        return []
    score = scores[0]
    for another in scores[1:]:
        score = score + another
    rows = await session.execute(
        summary_query(actor)
        .where(Card.id.in_(union_all(*candidates) if len(candidates) > 1 else candidates[0]))
        .order_by(score.desc(), Card.id.desc())
        .limit(SIMILAR_LIMIT)
    )
    return summarise(actor, rows)


def _nearest_titles(words: ColumnElement[str]) -> Query:
    """Among the open cards whose titles are nearest the words (trigram distance), those whose
    titles are alike enough. The GiST index walks the titles nearest first and stops after
    CANDIDATES, however common the words. Thresholds as conditions of the scan would have
    PostgreSQL guess how many titles pass (it guesses badly for trigrams) and, guessing few,
    fetch and sort every title that shares a few trigrams with the words."""
    nearest = (
        select(Card.id, Card.title)
        .where(Card.status.not_in(CLOSED))
        .order_by(words.op("<->")(Card.title))
        .limit(CANDIDATES)
        .subquery()
    )
    return select(nearest.c.id).where(
        or_(
            func.word_similarity(words, nearest.c.title) >= WORD_SIMILARITY,
            func.strict_word_similarity(words, nearest.c.title) >= STRICT_WORD_SIMILARITY,
        )
    )


def _newest(condition: ColumnElement[bool]) -> Query:
    """The newest open cards meeting the condition: with common words, PostgreSQL walks the
    cards from the newest and stops early; with rare ones, it asks the full-text index."""
    return (
        select(Card.id)
        .where(Card.status.not_in(CLOSED), condition)
        .order_by(Card.id.desc())
        .limit(CANDIDATES)
    )


def _best(condition: ColumnElement[bool], rank: ColumnElement[Any]) -> Query:
    """The open cards meeting the condition that rank highest."""
    return (
        select(Card.id)
        .where(Card.status.not_in(CLOSED), condition)
        .order_by(rank.desc(), Card.id.desc())
        .limit(CANDIDATES)
    )


async def _analyse(session: AsyncSession, title: str, description: str) -> _Typed:
    """The typed text as PostgreSQL's German configuration sees it."""
    row = (await session.execute(_ANALYSE, {"title": title, "description": description})).one()
    return _Typed(" ".join(row.words), _useful(row.title_terms), _useful(row.description_terms))


def _useful(terms: list[str]) -> list[str]:
    """Terms that tell cards apart: no numbers, no single letters, and no hyphenated whole
    (its parts are terms of their own)."""
    return [t for t in terms if len(t) > 1 and not t.isdigit() and "-" not in t]


def _chosen(title_terms: list[str], description_terms: list[str]) -> list[str]:
    """At most QUERY_TERMS terms: the title's first, then the description's longest (long German
    words are the telling ones: compounds rather than everyday words)."""
    chosen = sorted(title_terms, key=lambda t: (-len(t), t))[:QUERY_TERMS]
    for term in sorted(description_terms, key=lambda t: (-len(t), t)):
        if len(chosen) >= QUERY_TERMS:
            break
        if term not in chosen:
            chosen.append(term)
    return chosen


def _sharing_two(terms: list[str], *, single_in_title: bool = False) -> ColumnElement[Any]:
    """A tsquery matching text that holds at least two of the terms; a single term must be in
    a title (weight A) when `single_in_title`, since alone it says little elsewhere."""
    if len(terms) == 1:
        query = _quoted(terms[0]) + (":A" if single_in_title else "")
    else:
        query = " | ".join(f"({_quoted(a)} & {_quoted(b)})" for a, b in combinations(terms, 2))
    return cast(literal(query, Text), TSQUERY)


def _quoted(term: str) -> str:
    """A term as a tsquery lexeme, taken as it is (no second stemming)."""
    return "'" + term.replace("\\", "\\\\").replace("'", "''") + "'"
