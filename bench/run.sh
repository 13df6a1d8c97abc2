#!/usr/bin/env bash
# `make bench`: the set-up of `make test` (OS packages, .venv, PostgreSQL and Redis, here on
# ports of their own so that it can run beside `make run` and `make test`, or the servers
# DATABASE_URL / REDIS_URL name), then each benchmark; each prints one JSON object.
# BENCHES="pages similar" runs only those.
source "$(dirname "$0")/../scripts/lib.sh"

ensure_os_packages run
ensure_venv
trap 'stop_all' EXIT
trap 'exit 130' INT TERM
# The same profile and ports as bench/harness.py uses when it is run without DATABASE_URL.
start_services bench 27432 27379 knotenpunkt_bench

cd "$ROOT"
for bench in ${BENCHES:-pages similar board_fanout live_fanout notes summary}; do
  log "bench/$bench.py"
  "$PY" "bench/$bench.py"
done
