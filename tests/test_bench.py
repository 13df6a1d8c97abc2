"""The benchmarks still run: each in its smoke mode (`--quick`, tiny numbers) against the test
services, printing its figures as one JSON object. Their figures are not checked here: speed
is measured by `make bench`, not by timed tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from server.settings import ROOT

FIGURES = {
    "summary": {"items", "revisions", "decisions", "actions", "p50_ms", "max_ms", "baseline"},
    "pages": {"p50_ms", "p99_ms", "pages_per_s", "baseline", "clients", "cards", "requests"},
    "similar": {"p50_ms", "p95_ms", "cards", "queries", "baseline"},
    "board_fanout": {
        "subscribers",
        "events",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "lost",
        "deliveries_per_s",
        "baseline",
    },
    "live_fanout": {
        "subscribers",
        "events",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "lost",
        "deliveries_per_s",
        "rss_kb_per_subscriber",
        "baseline",
        "idle",
    },
    "notes": {
        "participants",
        "edits",
        "p50_ms",
        "p95_ms",
        "max_ms",
        "lost",
        "lost_deliveries",
        "lost_in_database",
        "refused",
        "baseline",
    },
}


# One at a time, on one worker: each starts an app on the services' own Redis database.
pytestmark = pytest.mark.xdist_group("bench")


@pytest.mark.parametrize("bench", sorted(FIGURES))
def test_the_benchmark_runs_and_prints_its_figures_as_json(bench: str) -> None:
    result = subprocess.run(
        [sys.executable, f"bench/{bench}.py", "--quick"],
        cwd=ROOT,
        env=os.environ,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout)
    assert FIGURES[bench] <= set(figures)
    assert "p50_ms" in figures["baseline"]
    assert figures.get("lost", 0) == figures["baseline"].get("lost", 0) == 0
