#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: test/services/postgres.sh start|stop|status
#
# Uses the PostgreSQL the machine has (Debian: apt-get install --no-install-recommends postgresql);
# installs nothing. The cluster lives in $HUB_PG_DIR (default: <temp dir>/hub-test-postgres):
# data/ (the cluster), log, url. It listens on 127.0.0.1 only, on a free port, with its socket in
# that folder, trusts local connections (user postgres, no password) and runs with fsync=off: a
# test database, never a real one. Run as root, the server runs as the `postgres` user (runuser).
#
#   start   starts the cluster (creating it on first use) unless it runs; prints its URL
#           postgres://postgres@127.0.0.1:PORT/postgres, also written to $HUB_PG_DIR/url
#   stop    stops the cluster this folder holds (SIGINT to the PID in data/postmaster.pid, then
#           waits for it to go); nothing else
#   status  prints the URL and exits 0 when it runs, prints "stopped" and exits 3 when not
set -euo pipefail

dir="${HUB_PG_DIR:-${TMPDIR:-/tmp}/hub-test-postgres}"
data="$dir/data"
log="$dir/log"
url_file="$dir/url"

die() {
  echo "postgres.sh: $*" >&2
  exit 1
}

bindir() {
  if [[ -n "${HUB_PG_BINDIR:-}" ]]; then
    echo "$HUB_PG_BINDIR"
    return
  fi
  local found
  found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  [[ -n "$found" && -x "$found/initdb" ]] || die "PostgreSQL is not installed (Debian: apt-get install --no-install-recommends postgresql), or set HUB_PG_BINDIR"
  echo "$found"
}

# runs a command as the cluster's owner: `postgres` when we are root, ourselves otherwise
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# the postmaster's PID when the cluster runs, else nothing
running_pid() {
  [[ -f "$data/postmaster.pid" ]] || return 0
  local pid
  pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  return 0
}

free_port() {
  node -e "const s = require('node:net').createServer(); s.listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

start() {
  if [[ -n "$(running_pid)" && -f "$url_file" ]]; then
    cat "$url_file"
    return
  fi
  local bin
  bin="$(bindir)"
  mkdir -p "$dir"
  chmod 700 "$dir"
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "no postgres user (it comes with the postgresql package)"
    chown postgres: "$dir"
    as_owner test -x "$dir" || die "the postgres user cannot reach $dir: give every folder above it o+x, or set HUB_PG_DIR"
  fi
  if [[ ! -f "$data/PG_VERSION" ]]; then
    as_owner "$bin/initdb" -D "$data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 || die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  fi
  local port attempt
  for attempt in 1 2 3; do
    port="$(free_port)"
    if as_owner "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 \
      -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=${HUB_PG_MAX_CONNECTIONS:-300}" \
      start >/dev/null; then
      echo "postgres://postgres@127.0.0.1:$port/postgres" >"$url_file"
      cat "$url_file"
      return
    fi
    # another process took the port between the check and the start: try another
  done
  die "the cluster did not start: $(tail -n 5 "$log" 2>/dev/null)"
}

stop() {
  local pid
  pid="$(running_pid)"
  rm -f "$url_file"
  [[ -n "$pid" ]] || return 0
  kill -INT "$pid"
  for _ in $(seq 1 600); do
    [[ -f "$data/postmaster.pid" ]] && kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  die "PostgreSQL (PID $pid) did not stop within 60 s"
}

status() {
  if [[ -n "$(running_pid)" && -f "$url_file" ]]; then
    cat "$url_file"
  else
    echo stopped
    exit 3
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status" >&2
    exit 2
    ;;
esac
