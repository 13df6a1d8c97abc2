"""Data for the benchmarks: working groups of member organisations with their people, and
German needs, offers and pledges made up from word lists.

A board's cards go through the domain function `add_card` (every rule applies, history too);
the tens of thousands of cards of the similar-card search go in with COPY, in seconds.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import asyncpg
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from server.domain import cards
from server.domain.persons import actor_for
from server.models import (
    Card,
    CardStatus,
    FederalLevel,
    FieldOfAction,
    GroupMember,
    Organisation,
    OrganisationKind,
    Person,
    WorkingGroup,
)
from server.settings import Settings

# (singular, plural, resource kind): things a project lacks or a member brings.
THINGS = [
    ("Kühlschrank", "Kühlschränke", "goods"),
    ("Waschmaschine", "Waschmaschinen", "goods"),
    ("Kinderwagen", "Kinderwagen", "goods"),
    ("Winterjacke", "Winterjacken", "goods"),
    ("Matratze", "Matratzen", "goods"),
    ("Fahrrad", "Fahrräder", "goods"),
    ("Laptop", "Laptops", "goods"),
    ("Schulranzen", "Schulranzen", "goods"),
    ("Hygieneartikel", "Hygieneartikel", "goods"),
    ("Dolmetscherin", "Dolmetscherinnen", "skills"),
    ("Dolmetscher", "Dolmetscher", "skills"),
    ("Übersetzung", "Übersetzungen", "skills"),
    ("Psychologin", "Psychologinnen", "skills"),
    ("Kinderärztin", "Kinderärzte", "skills"),
    ("Deutschkurs", "Deutschkurse", "knowledge"),
    ("Rechtsberatung", "Rechtsberatungen", "knowledge"),
    ("Bewerbungstraining", "Bewerbungstrainings", "knowledge"),
    ("Schulung zum Aufenthaltsrecht", "Schulungen zum Aufenthaltsrecht", "knowledge"),
    ("Wohnung", "Wohnungen", "space"),
    ("Zimmer", "Zimmer", "space"),
    ("Lagerraum", "Lagerräume", "space"),
    ("Gemeinschaftsraum", "Gemeinschaftsräume", "space"),
    ("Fahrdienst", "Fahrdienste", "time"),
    ("Begleitung zu Behörden", "Begleitungen zu Behörden", "time"),
    ("Kinderbetreuung", "Kinderbetreuungen", "time"),
    ("Hausaufgabenhilfe", "Hausaufgabenhilfen", "time"),
    ("Kontakt zum Jobcenter", "Kontakte zu Jobcentern", "contacts"),
    ("Kontakt zur Ausländerbehörde", "Kontakte zu Ausländerbehörden", "contacts"),
    ("Patenschaft", "Patenschaften", "contacts"),
    ("Spende für Mietkaution", "Spenden für Mietkautionen", "money"),
    ("Zuschuss für Fahrkarten", "Zuschüsse für Fahrkarten", "money"),
    ("Idee für ein Sprachcafé", "Ideen für Sprachcafés", "ideas"),
    ("Konzept für Begegnungsfeste", "Konzepte für Begegnungsfeste", "ideas"),
]
FOR_WHOM = [
    "für Familien",
    "für Kinder",
    "für Jugendliche",
    "für Senioren",
    "für Alleinerziehende",
    "für Studierende",
    "für die Erstaufnahme",
    "für Menschen mit Behinderung",
    "für Geflüchtete aus der Ukraine",
    "",
]
PLACES = [
    "Leipzig",
    "Dresden",
    "Chemnitz",
    "Halle",
    "Görlitz",
    "Zwickau",
    "Berlin-Lichtenberg",
    "Nordsachsen",
    "Bautzen",
    "Magdeburg",
    "Erfurt",
    "Plauen",
]
NEED_OPENINGS = ["Gesucht:", "Dringend gesucht:", "Wir suchen", "Brauchen", "Benötigt:", ""]
OFFER_OPENINGS = ["Biete", "Wir bieten", "Abzugeben:", "Kostenlos:", "Verfügbar:", ""]
SENTENCES = [
    "Wir betreuen {n} Familien aus der Ukraine in {place}.",
    "Abholung nach Absprache, gern auch am Wochenende.",
    "Unser Ehrenamtsteam meldet sich innerhalb von zwei Tagen zurück.",
    "Bitte melden Sie sich bis Ende des Monats.",
    "Die Unterkunft liegt zentral und ist mit Bus und Bahn gut erreichbar.",
    "Wir arbeiten eng mit dem Sozialamt und der Ausländerbehörde zusammen.",
    "Sprachkenntnisse in Ukrainisch oder Russisch sind hilfreich, aber keine Voraussetzung.",
    "Die Kosten übernimmt unser Förderverein.",
    "Ein Transporter steht an zwei Tagen in der Woche zur Verfügung.",
    "Für Rückfragen erreichen Sie uns telefonisch oder per E-Mail.",
    "Das Angebot gilt zunächst für drei Monate und wird dann verlängert.",
    "Viele der Kinder besuchen bereits die Grundschule im Stadtteil.",
]
ORGANISATION_NAMES = [
    ("Stadt {place} – Sozialamt", OrganisationKind.municipality, FederalLevel.kommune),
    ("Willkommensnetz {place}", OrganisationKind.association, FederalLevel.kommune),
    ("Flüchtlingshilfe {place} e. V.", OrganisationKind.association, FederalLevel.kommune),
    ("Bürgerstiftung {place}", OrganisationKind.foundation, FederalLevel.kommune),
    ("Stadtwerke {place} GmbH", OrganisationKind.company, FederalLevel.kommune),
    ("Landesdirektion {place}", OrganisationKind.state_agency, FederalLevel.land),
]
GROUP_TOPICS = [
    "Unterkunft",
    "Sprache",
    "Gesundheit",
    "Arbeit",
    "Versorgung",
    "Freiwillige",
    "Kinderbetreuung",
    "Begegnung",
]


@dataclass(frozen=True)
class CardText:
    kind: str
    resource_kind: str
    title: str
    description: str
    region: str
    promise: str
    condition: str


def card_text(rng: random.Random) -> CardText:
    """A need, offer or pledge as a member organisation might write it."""
    singular, plural, resource = rng.choice(THINGS)
    thing = rng.choice((singular, plural))
    place = rng.choice(PLACES)
    whom = rng.choice(FOR_WHOM)
    kind = rng.choices(("need", "offer", "pledge"), weights=(5, 4, 1))[0]
    opening = rng.choice(NEED_OPENINGS if kind == "need" else OFFER_OPENINGS)
    words = [opening, thing, whom, f"in {place}" if rng.random() < 0.6 else ""]
    title = " ".join(word for word in words if word)
    sentences = rng.sample(SENTENCES, rng.randint(1, 3))
    description = " ".join(s.format(n=rng.randint(2, 40), place=place) for s in sentences)
    promise = condition = ""
    if kind == "pledge":
        title = f"Wir stellen {thing} bereit"
        promise = f"{thing} {whom}".strip()
        condition = rng.choice(("Transport", "Begleitung", "Übersetzung", "einem Lagerraum"))
    return CardText(kind, resource, title, description, place, promise, condition)


@dataclass(frozen=True)
class Alliance:
    """Working groups of member organisations, each organisation with one person."""

    group_ids: list[int]
    slugs: list[str]
    organisation_ids: list[int]
    person_ids: list[int]  # person_ids[i] belongs to organisation_ids[i]
    memberships: dict[int, list[int]]  # group id -> organisation ids


async def _alliance(
    session: AsyncSession, rng: random.Random, groups: int, organisations: int, per_group: int
) -> Alliance:
    field = FieldOfAction(slug="bench", name="Benchmark", position=99)
    session.add(field)
    made_groups = []
    for index in range(groups):
        topic = GROUP_TOPICS[index % len(GROUP_TOPICS)]
        place = PLACES[index // len(GROUP_TOPICS) % len(PLACES)]
        slug = f"ag-{topic.lower()}-{index}"
        made_groups.append(WorkingGroup(field=field, slug=slug, name=f"AG {topic} {place} {index}"))
    made_organisations = []
    for index in range(organisations):
        pattern, kind, level = ORGANISATION_NAMES[index % len(ORGANISATION_NAMES)]
        place = PLACES[index // len(ORGANISATION_NAMES) % len(PLACES)]
        name = pattern.format(place=place) + f" {index}"
        made_organisations.append(
            Organisation(name=name, kind=kind, federal_level=level, region=place)
        )
    session.add_all(made_groups)
    session.add_all(made_organisations)
    await session.flush()
    persons = [
        Person(organisation_id=o.id, name=f"Person {i}", email=f"person{i}@bench.example")
        for i, o in enumerate(made_organisations)
    ]
    session.add_all(persons)
    memberships: dict[int, list[int]] = {}
    for index, group in enumerate(made_groups):
        # The first organisation is in every group: it is who the benchmarks sign in as.
        others = rng.sample(made_organisations[1:], min(per_group - 1, organisations - 1))
        members = [made_organisations[0], *others] if index % 4 == 0 else others
        members = members or [made_organisations[0]]
        memberships[group.id] = [o.id for o in members]
        session.add_all(GroupMember(group_id=group.id, organisation_id=o.id) for o in members)
    await session.flush()
    return Alliance(
        [g.id for g in made_groups],
        [g.slug for g in made_groups],
        [o.id for o in made_organisations],
        [p.id for p in persons],
        memberships,
    )


@dataclass(frozen=True)
class Board:
    group_id: int
    slug: str
    person_id: int  # a person of a member organisation of the group
    cards: int


async def seed_board(database_url: str, cards_on_board: int, seed: int = 4) -> Board:
    """One working group of eight organisations with `cards_on_board` cards of every kind,
    resource, region and organisation, put on the board through `add_card`, then moved on to
    mixed statuses (none archived, so all are shown)."""
    rng = random.Random(seed)
    engine = create_async_engine(Settings(DATABASE_URL=database_url).sqlalchemy_url)
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            alliance = await _alliance(session, rng, groups=1, organisations=8, per_group=8)
            group = await session.get(WorkingGroup, alliance.group_ids[0])
            assert group is not None
            actors = [await actor_for(session, p) for p in alliance.person_ids]
            today = date.today()
            for index in range(cards_on_board):
                actor = actors[index % len(actors)]
                assert actor is not None
                text = card_text(rng)
                form = {
                    "kind": text.kind,
                    "resource_kind": text.resource_kind,
                    "title": text.title,
                    "description": text.description,
                    "region": text.region,
                    "promise": text.promise,
                    "condition": text.condition,
                    "deadline": (today + timedelta(days=rng.randint(1, 90))).isoformat()
                    if rng.random() < 0.3
                    else "",
                }
                card = await cards.add_card(session, actor, group, form, today)
                status = rng.choices(list(CardStatus)[:4], weights=(6, 2, 2, 1))[0]
                if status is not CardStatus.open:
                    await session.execute(
                        update(Card).where(Card.id == card.id).values(status=status)
                    )
            await session.commit()
    finally:
        await engine.dispose()
    return Board(group.id, group.slug, alliance.person_ids[0], cards_on_board)


@dataclass(frozen=True)
class Corpus:
    slug: str  # a group the person's organisation is a member of
    person_id: int
    admin_id: int  # an alliance admin: may use every board
    cards: int
    groups: int


async def seed_corpus(database_url: str, count: int, groups: int = 40, seed: int = 20) -> Corpus:
    """`count` cards over `groups` working groups of 60 organisations, with COPY."""
    rng = random.Random(seed)
    engine = create_async_engine(
        Settings(DATABASE_URL=database_url).sqlalchemy_url, poolclass=NullPool
    )
    try:
        async with AsyncSession(engine, expire_on_commit=False) as session:
            alliance = await _alliance(session, rng, groups=groups, organisations=60, per_group=8)
            admin = Person(
                organisation_id=alliance.organisation_ids[0],
                name="Bench Admin",
                email="admin@bench.example",
                is_alliance_admin=True,
            )
            session.add(admin)
            await session.commit()
    finally:
        await engine.dispose()
    connection = await asyncpg.connect(database_url)
    try:
        await connection.copy_records_to_table(
            "cards", records=_card_rows(rng, alliance, count), columns=CARD_COLUMNS
        )
        await connection.execute("ANALYZE")
    finally:
        await connection.close()
    slug = alliance.slugs[0]  # every fourth group, the first too, has the first organisation
    return Corpus(slug, alliance.person_ids[0], admin.id, count, groups)


CARD_COLUMNS = [
    "group_id",
    "organisation_id",
    "created_by",
    "kind",
    "resource_kind",
    "status",
    "title",
    "description",
    "region",
    "promise",
    "condition",
    "created_at",
]


def _card_rows(rng: random.Random, alliance: Alliance, count: int) -> Sequence[tuple[object, ...]]:
    people = dict(zip(alliance.organisation_ids, alliance.person_ids, strict=True))
    start = datetime.now(UTC) - timedelta(days=365)
    rows = []
    for index in range(count):
        group = rng.choice(alliance.group_ids)
        organisation = rng.choice(alliance.memberships[group])
        text = card_text(rng)
        status = rng.choices(list(CardStatus), weights=(6, 2, 2, 2, 3))[0]
        rows.append(
            (
                group,
                organisation,
                people[organisation],
                text.kind,
                text.resource_kind,
                status.value,
                text.title,
                text.description,
                text.region,
                text.promise,
                text.condition,
                start + timedelta(minutes=26 * index),
            )
        )
    return rows
