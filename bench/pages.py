"""The board page under load: `/groups/{slug}/board` of a group with 200 cards, through the
real app (middleware, session, rights, ORM, translated templates) and PostgreSQL, by 50
concurrent signed-in clients, unfiltered and filtered; against a bare Starlette + asyncpg +
Jinja2 endpoint rendering the same rows from the same database, one web process each.

    .venv/bin/python bench/pages.py [--cards 200 --clients 50 --requests 2000] [--quick]

Prints JSON: p50_ms, p99_ms and pages_per_s of the unfiltered page under load (each client
asking again as soon as it is answered: the capacity), `baseline` with the same keys,
`filtered` (the same for the filtered URL), `unloaded` (one client: the time to render a page
when nothing waits), `paced` (the 50 clients on a schedule at `--paced-rate` pages per second
in all: the wait of a person at that load), clients, cards, requests.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the `bench` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bench import harness  # noqa: E402
from bench.cookies import signed_in  # noqa: E402
from bench.seed import seed_board  # noqa: E402

FILTERED = "?status=open&kind=need"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=200)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="per URL and server")
    parser.add_argument("--workers", type=int, default=1, help="web processes of each app")
    parser.add_argument("--load-processes", type=int, default=1)
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=100.0,
        help="pages per second in all for the paced run (the clients on a schedule)",
    )
    parser.add_argument("--quick", action="store_true", help="tiny numbers: a smoke run")
    args = parser.parse_args(argv)
    if args.quick:
        args.cards, args.clients, args.requests = 12, 4, 40
    harness.raise_open_files_limit()
    with harness.services() as services, harness.fresh_database(services) as database:
        board = asyncio.run(seed_board(database, args.cards))
        with harness.Web(services, database) as web:
            harness.emit(run(web, board.slug, board.person_id, args))


def run(web: harness.Web, slug: str, person_id: int, args: argparse.Namespace) -> dict[str, object]:
    app = [w.base_url for w in web.start(args.workers)]
    baseline = [w.base_url for w in web.start(args.workers, app="bench.baseline_app:create_app")]
    cookies, _ = signed_in(web.secret_key, person_id)
    path = f"/groups/{slug}/board"
    rows = {
        "app": _rows(app[0], path, cookies),
        "app_filtered": _rows(app[0], path + FILTERED, cookies),
        "baseline": _rows(baseline[0], path, {}),
        "baseline_filtered": _rows(baseline[0], path + FILTERED, {}),
    }
    if rows["app"] != args.cards or rows["baseline"] != args.cards:
        raise RuntimeError(f"expected {args.cards} cards on each page, got {rows}")

    def measure(
        bases: list[str], url: str, clients: int, requests: int, rate: float | None = None
    ) -> dict[str, object]:
        options = {"cookies": cookies, "processes": args.load_processes, "rate": rate}
        if not args.quick:  # warm up: connections, caches, the interpreter's specialisations
            harness.load(bases, [url], clients=clients, requests=requests // 10, **options)
        result = harness.load(bases, [url], clients=clients, requests=requests, **options)
        if set(result.statuses) != {200}:
            raise RuntimeError(f"{url}: statuses {dict(result.statuses)}")
        return result.figures()

    harness.note(f"{args.clients} clients, {args.requests} requests per URL and server")
    figures: dict[str, object] = {}
    for label, url in (("unfiltered", path), ("filtered", path + FILTERED)):
        measured = measure(app, url, args.clients, args.requests)
        measured["baseline"] = measure(baseline, url, args.clients, args.requests)
        harness.note(f"{label}: {measured}")
        if label == "unfiltered":
            figures.update(measured)
        else:
            figures["filtered"] = {
                "url": url,
                "rows": rows["app_filtered"],
                **measured,
                "baseline_rows": rows["baseline_filtered"],
            }
    unloaded = measure(app, path, 1, max(args.requests // 10, 10))
    unloaded["baseline"] = measure(baseline, path, 1, max(args.requests // 10, 10))
    figures["unloaded"] = unloaded
    # The same 50 clients, each asking on a schedule (as people click) at a load the app
    # carries: the wait a person has, where the closed loop above measures capacity.
    paced_requests = max(int(args.paced_rate * 10), 20) if not args.quick else 20
    paced = measure(app, path, args.clients, paced_requests, args.paced_rate)
    paced["baseline"] = measure(baseline, path, args.clients, paced_requests, args.paced_rate)
    figures["paced"] = {"rate_per_s": args.paced_rate, **paced}
    figures.update(
        clients=args.clients,
        cards=args.cards,
        requests=args.requests,
        web_processes=args.workers,
        peak_rss_mb={
            "app": max(harness.peak_rss_mb(w.pid) for w in web.processes[: args.workers]),
            "baseline": max(harness.peak_rss_mb(w.pid) for w in web.processes[args.workers :]),
        },
    )
    return figures


def _rows(base: str, path: str, cookies: dict[str, str]) -> int:
    response = httpx.get(base + path, cookies=cookies, timeout=10)
    if response.status_code != 200:
        raise RuntimeError(f"{base}{path}: {response.status_code}")
    return response.text.count('<li class="card ')


if __name__ == "__main__":
    main()
