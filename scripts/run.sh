#!/usr/bin/env bash
# `make run`: set up what is missing, start PostgreSQL, Redis, a local mail sink, the demo
# identity provider, the worker and the web server. Ctrl-C stops what this script started.
source "$(dirname "$0")/lib.sh"

PORT="${PORT:-8000}"
export PORT
ensure_os_packages run
ensure_venv
trap 'log "stopping"; stop_all' EXIT
trap 'exit 130' INT TERM
start_services run 15432 16379 knotenpunkt
migrate
(cd "$ROOT" && "$PY" -m server.demo --if-empty)

STATE="$ROOT/.state/run"
if [ -z "${SMTP_HOST:-}" ]; then
  export SMTP_HOST=127.0.0.1 SMTP_PORT="${SMTP_PORT:-8025}"
  log "mail sink on $SMTP_HOST:$SMTP_PORT: outgoing e-mail is written to .state/run/mail.log"
  "$PY" -m aiosmtpd -n -l "$SMTP_HOST:$SMTP_PORT" >>"$STATE/mail.log" 2>&1 &
  STARTED_PIDS+=($!)
fi

if [ -z "${IDENTITY_PROVIDERS_FILE:-}" ]; then
  start_demo_identity_provider "$STATE" 15556
else
  log "using IDENTITY_PROVIDERS_FILE=$IDENTITY_PROVIDERS_FILE (no demo identity provider)"
fi

log "starting the worker (log: .state/run/worker.log)"
(cd "$ROOT" && exec "$VENV/bin/arq" workers.settings.WorkerSettings) >>"$STATE/worker.log" 2>&1 &
STARTED_PIDS+=($!)

log "Knotenpunkt: http://127.0.0.1:$PORT  (Ctrl-C stops)"
cd "$ROOT"
"$VENV/bin/uvicorn" --factory server.app:create_app --host 127.0.0.1 --port "$PORT" \
  --timeout-graceful-shutdown 3 --no-access-log &
STARTED_PIDS+=($!)
wait "${STARTED_PIDS[-1]}"
