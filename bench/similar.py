"""What already exists, while a card's title is typed: `/groups/{slug}/board/similar?title=`
through the real app with 20,000 German cards over 40 working groups in the database, for
typed texts of every sort (inflections, typos, half-typed words, whole sentences, unrelated
words); against a bare trigram query (`WHERE title % $1`) on the same table.

    .venv/bin/python bench/similar.py [--cards 20000 --rounds 10] [--quick]

Prints JSON: p50_ms and p95_ms of the route for a member (whose organisation is in a quarter
of the groups), `admin` (an alliance admin: every board), `kinds` (p95 per sort of text),
`baseline` (the bare query, p50_ms and p95_ms), cards, queries.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from urllib.parse import quote

if __package__ in (None, ""):  # run as a file: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import asyncpg  # noqa: E402
import httpx  # noqa: E402

from bench import harness  # noqa: E402
from bench.cookies import signed_in  # noqa: E402
from bench.seed import seed_corpus  # noqa: E402

TEXTS = {
    "inflection": [
        "Kühlschränke",
        "Waschmaschine für Familie",
        "Wohnungen für Familien",
        "Dolmetscherinnen",
        "Deutschkurse für Kinder",
        "Fahrräder für Jugendliche",
        "Matratze gesucht",
    ],
    "typo": [
        "Kühlschrnak",
        "Dolmetcher",
        "Wohnug in Leipzig",
        "Deutschkurs fur Kinder",
        "Waschmachine",
        "Kinderbetreung",
    ],
    "typing": ["Küh", "Kühls", "Kühlschr", "Dolm", "Dolmetsch", "Woh", "Wohnung in Le"],
    "sentence": [
        "Wir suchen dringend Dolmetscher für Arztbesuche in Dresden",
        "Biete Lagerraum für Sachspenden in Chemnitz",
        "Begleitung zu Behörden für Senioren",
    ],
    "unrelated": ["Quantencomputer", "Segelboot Regatta", "Steuererklärung", "Orchesterprobe"],
}
BASELINE_SQL = (
    "SELECT id, title FROM cards WHERE title % $1 "
    "ORDER BY similarity(title, $1) DESC, id DESC LIMIT 5"
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=10, help="times each text is searched")
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.cards, args.rounds = 500, 1
    with harness.services() as services, harness.fresh_database(services) as database:
        started = time.monotonic()
        corpus = asyncio.run(seed_corpus(database, args.cards))
        harness.note(f"{args.cards} cards in {time.monotonic() - started:.1f} s")
        with harness.Web(services, database) as web:
            base = web.start()[0].base_url
            texts = [text for sort in TEXTS.values() for text in sort]
            paths = [f"/groups/{corpus.slug}/board/similar?title={quote(t)}" for t in texts]
            member = _search(web, base, corpus.person_id, paths, args.rounds)
            admin = _search(web, base, corpus.admin_id, paths, args.rounds)
            baseline = asyncio.run(_baseline(database, texts, args.rounds))
    kinds = {}
    for sort, sorted_texts in TEXTS.items():
        picked = [i for i, text in enumerate(texts) if text in sorted_texts]
        kinds[sort] = harness.ms(
            harness.percentile([d for i, d in member.by_path() if i in picked], 95)
        )
    harness.emit(
        {
            **_figures(member.latencies),
            "admin": _figures(admin.latencies),
            "kinds": kinds,
            "baseline": _figures(baseline),
            "cards": args.cards,
            "groups": corpus.groups,
            "queries": member.requests,
        }
    )


def _search(
    web: harness.Web, base: str, person_id: int, paths: list[str], rounds: int
) -> harness.Load:
    """Every text `rounds` times, one after another, as one person typing."""
    cookies, _ = signed_in(web.secret_key, person_id)
    first = httpx.get(base + paths[0], cookies=cookies, timeout=10)
    if first.status_code != 200 or 'id="similar"' not in first.text:
        raise RuntimeError(f"{paths[0]}: {first.status_code} {first.text[:300]}")
    if rounds > 1:  # warm up: connections, caches, the interpreter's specialisations
        harness.load([base], paths, clients=1, requests=len(paths), cookies=cookies)
    result = harness.load([base], paths, clients=1, requests=len(paths) * rounds, cookies=cookies)
    if set(result.statuses) != {200}:
        raise RuntimeError(f"statuses {dict(result.statuses)}")
    return result


async def _baseline(database: str, texts: list[str], rounds: int) -> list[float]:
    connection = await asyncpg.connect(database)
    try:
        for text in texts:  # warm-up
            await connection.fetch(BASELINE_SQL, text)
        latencies = []
        for _ in range(rounds):
            for text in texts:
                began = time.monotonic()
                await connection.fetch(BASELINE_SQL, text)
                latencies.append(time.monotonic() - began)
    finally:
        await connection.close()
    return latencies


def _figures(latencies: list[float]) -> dict[str, float]:
    return {
        "p50_ms": harness.ms(harness.percentile(latencies, 50)),
        "p95_ms": harness.ms(harness.percentile(latencies, 95)),
    }


if __name__ == "__main__":
    main()
