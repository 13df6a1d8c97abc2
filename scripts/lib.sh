# Shared set-up for `make run` and `make test`: OS packages, the virtualenv, and private
# PostgreSQL / Redis servers under .state/ (or the servers DATABASE_URL / REDIS_URL name).
# Sourced, not executed.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STARTED_PIDS=()
STOP_COMMANDS=()

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root (or sudo) to run: $*"; fi
}

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "please install these packages yourself: $*"
  if [ "$APT_UPDATED" = 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    APT_UPDATED=1
  fi
  log "installing $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >/dev/null
}

pg_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] && echo "$dir"
}

ensure_os_packages() {
  # $1: "run" or "test"
  local need=()
  if [ -z "${DATABASE_URL:-}" ]; then
    if [ -z "$(pg_bindir)" ]; then need+=(postgresql postgresql-contrib); fi
  fi
  if [ -z "${REDIS_URL:-}" ] && ! command -v redis-server >/dev/null; then need+=(redis-server); fi
  if [ "$1" = test ]; then
    [ -x /usr/bin/chromium ] || need+=(chromium)
    [ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
    command -v npm >/dev/null || need+=(nodejs npm)
  fi
  command -v python3.11 >/dev/null || python3 -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null \
    || need+=(python3 python3-venv python3-dev)
  if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi
  if [ -z "${DATABASE_URL:-}" ]; then
    ls /usr/share/postgresql/*/extension/pg_trgm.control >/dev/null 2>&1 || apt_install postgresql-contrib
  fi
}

python_311() {
  if command -v python3.11 >/dev/null; then echo python3.11; else echo python3; fi
}

ensure_venv() {
  local stamp="$VENV/.installed" want
  want=$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)
  if [ ! -x "$PY" ]; then
    log "creating .venv"
    "$(python_311)" -m venv "$VENV"
  fi
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing the project into .venv"
    "$PY" -m pip install -q --upgrade pip >/dev/null
    "$PY" -m pip install -q -e "$ROOT[test]"
    echo "$want" > "$stamp"
  fi
  log "compiling the translations"
  local out
  out=$("$VENV/bin/pybabel" compile -d "$ROOT/locale" -D messages 2>&1) || { echo "$out" >&2; die "pybabel compile failed"; }
}

ensure_node_modules() {
  if [ ! -f "$ROOT/node_modules/axe-core/axe.min.js" ]; then
    log "installing axe-core and the front-end packages (npm ci)"
    (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  fi
}

# A folder the postgres user can use when we run as root (it must traverse every parent).
state_dir_for_postgres() {
  local dir="$1"
  if [ "$(id -u)" != 0 ]; then echo "$dir"; return; fi
  mkdir -p "$dir"
  chown postgres "$dir"
  if runuser -u postgres -- test -w "$dir" 2>/dev/null; then echo "$dir"; return; fi
  local alt
  alt="/var/tmp/knotenpunkt-$(echo "$dir" | sha256sum | cut -c1-12)"
  mkdir -p "$alt"; chown postgres "$alt"; chmod 700 "$alt"
  echo "$alt"
}

pg() {  # run a PostgreSQL binary as the right user
  local bin="$1"; shift
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$(pg_bindir)/$bin" "$@"
  else "$(pg_bindir)/$bin" "$@"; fi
}

start_postgres() {
  # $1: folder, $2: port, $3: database name. Sets DATABASE_URL.
  local dir port="$2" db="$3"
  dir="$(state_dir_for_postgres "$1")/pg"
  if [ ! -f "$dir/PG_VERSION" ]; then
    log "creating a private PostgreSQL cluster in $dir"
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    pg initdb -D "$dir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --locale-provider=icu --icu-locale=de-DE --no-sync >/dev/null
  fi
  if pg pg_ctl -D "$dir" status >/dev/null 2>&1; then
    log "PostgreSQL already running on port $port"
  elif pg pg_isready -q -h 127.0.0.1 -p "$port"; then
    log "a PostgreSQL of another checkout answers on port $port: using it"
  else
    log "starting PostgreSQL on 127.0.0.1:$port"
    pg pg_ctl -D "$dir" -l "$dir.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" >/dev/null \
      || { tail -n 20 "$dir.log" >&2; die "PostgreSQL did not start (log: $dir.log)"; }
    STOP_COMMANDS+=("pg pg_ctl -D '$dir' -m fast -w stop >/dev/null")
  fi
  if ! pg psql -h 127.0.0.1 -p "$port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1; then
    pg createdb -h 127.0.0.1 -p "$port" -U postgres "$db"
  fi
  export DATABASE_URL="postgresql://postgres@127.0.0.1:$port/$db"
}

start_redis() {
  # $1: folder, $2: port. Sets REDIS_URL.
  local dir="$1/redis" port="$2"
  mkdir -p "$dir"
  if redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1; then
    log "Redis already running on port $port"
  else
    log "starting Redis on 127.0.0.1:$port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
      --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null
    for _ in $(seq 50); do redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    redis-cli -h 127.0.0.1 -p "$port" ping >/dev/null || die "Redis did not start ($dir/redis.log)"
    STOP_COMMANDS+=("redis-cli -h 127.0.0.1 -p '$port' shutdown nosave >/dev/null 2>&1 || true")
  fi
  export REDIS_URL="redis://127.0.0.1:$port/0"
}

start_services() {
  # $1: profile (run|test), $2: PostgreSQL port, $3: Redis port, $4: database name
  local state="$ROOT/.state/$1"
  mkdir -p "$state"
  if [ -z "${DATABASE_URL:-}" ]; then start_postgres "$state" "$2" "$4"; else log "using DATABASE_URL"; fi
  if [ -z "${REDIS_URL:-}" ]; then start_redis "$state" "$3"; else log "using REDIS_URL"; fi
}

stop_all() {
  local pid i
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]:-}"; do
    [ -n "$pid" ] && wait "$pid" 2>/dev/null || true
  done
  for (( i=${#STOP_COMMANDS[@]}-1; i>=0; i-- )); do eval "${STOP_COMMANDS[$i]}" || true; done
}

start_demo_identity_provider() {
  # $1: folder, $2: port. Starts oidc-provider-mock on loopback with the demo persons, writes
  # $1/providers.toml registering it for the demo organisations, exports IDENTITY_PROVIDERS_FILE.
  local dir="$1" port="$2" issuer="http://127.0.0.1:$2" users=()
  export IDENTITY_PROVIDERS_FILE="$dir/providers.toml"
  (cd "$ROOT" && "$PY" -m server.demo --providers-file "$IDENTITY_PROVIDERS_FILE" --issuer "$issuer")
  mapfile -t users < <(cd "$ROOT" && "$PY" -m server.demo --mock-users)
  if "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
      "$issuer/.well-known/openid-configuration" >/dev/null 2>&1; then
    log "an identity provider already answers on $issuer: using it"
    return
  fi
  log "demo identity provider (oidc-provider-mock) on $issuer (log: .state/run/oidc.log)"
  "$PY" -m oidc_provider_mock --host 127.0.0.1 --port "$port" "${users[@]}" >>"$dir/oidc.log" 2>&1 &
  STARTED_PIDS+=($!)
}

migrate() {
  log "applying migrations"
  (cd "$ROOT" && "$VENV/bin/alembic" upgrade head)
}
