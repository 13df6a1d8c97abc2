#!/usr/bin/env bash
# `make test`: the same set-up as `make run` on its own ports and database, then every check:
# ruff, mypy, and pytest (domain, HTTP, live hub, worker and browser tests).
source "$(dirname "$0")/lib.sh"

ensure_os_packages test
ensure_venv
ensure_node_modules
trap 'stop_all' EXIT
trap 'exit 130' INT TERM
start_services test 25432 26379 knotenpunkt_test

cd "$ROOT"
log "ruff"
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
log "mypy"
"$VENV/bin/mypy" server workers
log "pytest"
set +e
# Two processes (pytest-xdist): most tests wait on a browser, a server or the database. Each
# has its own databases and Redis database; the benchmarks' smoke runs stay on one of them.
"$VENV/bin/pytest" -n "${PYTEST_WORKERS:-2}" --dist loadgroup "$@"
status=$?
set -e
if [ "$status" = 5 ]; then echo "pytest collected no tests: that is a failure here" >&2; exit 1; fi
exit "$status"
