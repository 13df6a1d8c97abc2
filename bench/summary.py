"""The summary job on a long session: a 3-hour session of a working group with 30 items,
2,000 note revisions, 40 decisions, 80 action items, 60 people present and cards raised, built
in a fresh migrated database; then `workers.summary_jobs.summarise_meeting` runs as the worker
runs it (its context: settings, sessionmaker, the app's templates), each round on the same
session with its page removed before (so every round writes the whole page).

    .venv/bin/python bench/summary.py [--rounds 5] [--quick]

Against a bare baseline measured in the same run: the same rows read with plain asyncpg
queries (no ORM, no summarising, no Markdown), what any summary has to read at the least.
Prints JSON: items, revisions, decisions, actions, rounds, p50_ms, max_ms, page_chars, and
`baseline` with p50_ms and max_ms. Target: the job ≤ 2 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402

from bench import harness  # noqa: E402

WORDS = [
    "Unterkunft",
    "Plätze",
    "Messehalle",
    "Landkreis",
    "Familien",
    "Kinder",
    "Schule",
    "Kita",
    "Sprachkurs",
    "Dolmetscher",
    "Termin",
    "Behörde",
    "Antrag",
    "Formular",
    "Kaution",
    "Wohnung",
    "Besichtigung",
    "Fahrdienst",
    "Spenden",
    "Lager",
    "Ehrenamt",
    "Koordination",
    "Bedarf",
    "Angebot",
    "Versprechen",
    "Stadt",
    "Sozialamt",
    "Beratung",
    "Arzt",
    "Impfung",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    return " ".join(words).capitalize() + "."


async def build(database: str, items: int, revisions: int, decisions: int, actions: int) -> int:
    """A closed 3-hour session of a new group, with everything a long session leaves."""
    rng = random.Random(7)
    connection = await asyncpg.connect(database)
    try:
        field = await connection.fetchval(
            "INSERT INTO fields_of_action (slug, name) VALUES ('unterkunft', 'Unterkunft') "
            "RETURNING id"
        )
        group = await connection.fetchval(
            "INSERT INTO working_groups (field_id, slug, name) VALUES ($1, 'ag-bench', "
            "'AG Bench') RETURNING id",
            field,
        )
        organisations = [
            await connection.fetchval(
                "INSERT INTO organisations (name, kind, federal_level, status) VALUES "
                "($1, 'association', $2, 'member') RETURNING id",
                f"Organisation {n}",
                ("bund", "land", "kommune")[n % 3],
            )
            for n in range(20)
        ]
        persons = [
            await connection.fetchval(
                "INSERT INTO persons (organisation_id, name, email) VALUES ($1, $2, $3) "
                "RETURNING id",
                organisations[n % 20],
                f"Person {n}",
                f"p{n}@bench.example",
            )
            for n in range(60)
        ]
        series = await connection.fetchval(
            "INSERT INTO session_series (group_id, title, weekday, starts_at, duration_minutes) "
            "VALUES ($1, 'Sitzung', 3, '10:00', 180) RETURNING id",
            group,
        )
        meeting = await connection.fetchval(
            "INSERT INTO meetings (series_id, title, starts_at, ends_at, status, started_at, "
            "closed_at) VALUES ($1, 'Lange Sitzung', now() - interval '3 hours', now(), "
            "'closed', now() - interval '3 hours', now()) RETURNING id",
            series,
        )
        item_ids = []
        for position in range(items):
            item_ids.append(
                await connection.fetchval(
                    "INSERT INTO agenda_items (meeting_id, title, presenter, planned_minutes, "
                    "position, status, used_seconds, outcome) VALUES ($1, $2, 'Anna Becker', "
                    "6, $3, 'covered', $4, $5) RETURNING id",
                    meeting,
                    f"Punkt {position + 1}: {rng.choice(WORDS)}",
                    position,
                    rng.randint(200, 500),
                    sentence(rng),
                )
            )
        texts: dict[int, list[str]] = {item: [] for item in item_ids}
        rows = []
        for number in range(revisions):
            item = item_ids[number % items]
            texts[item].append(sentence(rng))
            rows.append((item, len(texts[item]), "\n".join(texts[item]), rng.choice(persons)))
        await connection.copy_records_to_table(
            "note_revisions", records=rows, columns=["item_id", "version", "text", "person_id"]
        )
        for item, lines in texts.items():
            await connection.execute(
                "UPDATE agenda_items SET notes = $2, notes_version = $3 WHERE id = $1",
                item,
                "\n".join(lines),
                len(lines),
            )
        await connection.executemany(
            "INSERT INTO decisions (item_id, text) VALUES ($1, $2)",
            [(item_ids[n % items], sentence(rng)) for n in range(decisions)],
        )
        await connection.executemany(
            "INSERT INTO action_items (item_id, text, owner_organisation_id, due_on) "
            "VALUES ($1, $2, $3, current_date + 14)",
            [
                (item_ids[n % items], sentence(rng), rng.choice(organisations))
                for n in range(actions)
            ],
        )
        for n in range(items):
            card = await connection.fetchval(
                "INSERT INTO cards (group_id, organisation_id, kind, resource_kind, title) "
                "VALUES ($1, $2, 'need', 'goods', $3) RETURNING id",
                group,
                organisations[n % 20],
                f"Bedarf {n}",
            )
            await connection.execute(
                "INSERT INTO agenda_item_cards (item_id, card_id) VALUES ($1, $2)",
                item_ids[n],
                card,
            )
        await connection.executemany(
            "INSERT INTO attendance (meeting_id, person_id, organisation_id, first_seen, "
            "last_seen) SELECT $1, id, organisation_id, now() - interval '3 hours', now() "
            "FROM persons WHERE id = $2",
            [(meeting, person) for person in persons],
        )
    finally:
        await connection.close()
    return int(meeting)


async def run_job(database: str, meeting: int, rounds: int) -> tuple[list[float], int]:
    from server.db import create_engine, create_sessionmaker
    from server.settings import load_settings
    from workers.settings import job_templates
    from workers.summary_jobs import summarise_meeting

    settings = load_settings({"DATABASE_URL": database})
    engine = create_engine(settings)
    ctx: dict[str, Any] = {
        "settings": settings,
        "sessionmaker": create_sessionmaker(engine),
        "templates": job_templates(),
    }
    times, chars = [], 0
    connection = await asyncpg.connect(database)
    try:
        for _ in range(rounds + 1):  # the first round warms up
            await connection.execute("DELETE FROM knowledge_pages WHERE meeting_id = $1", meeting)
            began = time.perf_counter()
            result = await summarise_meeting(ctx, meeting)
            times.append(time.perf_counter() - began)
            assert result.startswith("draft page"), result
        chars = await connection.fetchval(
            "SELECT length(body) FROM knowledge_pages WHERE meeting_id = $1", meeting
        )
    finally:
        await connection.close()
        await engine.dispose()
    return times[1:], int(chars)


async def run_baseline(database: str, meeting: int, rounds: int) -> list[float]:
    connection = await asyncpg.connect(database)
    queries = [
        "SELECT * FROM meetings WHERE id = $1",
        "SELECT * FROM agenda_items WHERE meeting_id = $1 ORDER BY position",
        "SELECT d.* FROM decisions d JOIN agenda_items i ON i.id = d.item_id "
        "WHERE i.meeting_id = $1",
        "SELECT a.* FROM action_items a JOIN agenda_items i ON i.id = a.item_id "
        "WHERE i.meeting_id = $1",
        "SELECT r.item_id, r.version, r.text FROM note_revisions r JOIN agenda_items i "
        "ON i.id = r.item_id WHERE i.meeting_id = $1 ORDER BY r.item_id, r.version",
        "SELECT c.* FROM cards c JOIN agenda_item_cards l ON l.card_id = c.id JOIN "
        "agenda_items i ON i.id = l.item_id WHERE i.meeting_id = $1",
        "SELECT o.name, count(*) FROM attendance a JOIN organisations o ON o.id = "
        "a.organisation_id WHERE a.meeting_id = $1 GROUP BY o.name",
    ]
    times = []
    try:
        for _ in range(rounds + 1):
            began = time.perf_counter()
            for query in queries:
                await connection.fetch(query, meeting)
            times.append(time.perf_counter() - began)
    finally:
        await connection.close()
    return times[1:]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--revisions", type=int, default=2000)
    parser.add_argument("--decisions", type=int, default=40)
    parser.add_argument("--actions", type=int, default=80)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.items, args.revisions, args.decisions, args.actions, args.rounds = 3, 30, 3, 3, 1
    with harness.services() as services, harness.fresh_database(services) as database:
        meeting = asyncio.run(
            build(database, args.items, args.revisions, args.decisions, args.actions)
        )
        harness.note(f"session {meeting}: {args.items} items, {args.revisions} revisions")
        times, chars = asyncio.run(run_job(database, meeting, args.rounds))
        baseline = asyncio.run(run_baseline(database, meeting, args.rounds))
    harness.emit(
        {
            "items": args.items,
            "revisions": args.revisions,
            "decisions": args.decisions,
            "actions": args.actions,
            "rounds": args.rounds,
            "p50_ms": harness.ms(harness.percentile(times, 50)),
            "max_ms": harness.ms(max(times)),
            "page_chars": chars,
            "baseline": {
                "p50_ms": harness.ms(harness.percentile(baseline, 50)),
                "max_ms": harness.ms(max(baseline)),
            },
        }
    )


if __name__ == "__main__":
    main()
