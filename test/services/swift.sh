#!/usr/bin/env bash
# A throwaway single-node OpenStack Swift with the S3 API (s3api + tempauth), for the tests of
# `hub serve --storage s3://...`: one device folder, one replica, everything bound to 127.0.0.1
# on free ports, under one root folder (HUB_SWIFT_ROOT, default /tmp/hub-swift-<uid>).
#
#   test/services/swift.sh start    start it (or find it running); prints "started URL" or "running URL"
#   test/services/swift.sh stop     stop what `start` started (by the PIDs it recorded)
#   test/services/swift.sh status   prints "running URL" (exit 0) or "stopped" (exit 3)
#
# The S3 endpoint URL is also written to $HUB_SWIFT_ROOT/endpoint. Credentials: access key
# `test:tester`, secret `testing`, region us-east-1, path-style addressing.
# Needs Debian's packages: swift swift-proxy swift-object swift-container swift-account
# python3-swift memcached (apt-get install --no-install-recommends). May run as root: the
# daemons then run as the `swift` user the packages create. Idempotent; start and stop take a
# lock, so concurrent callers (test files in parallel) see one cluster.
set -euo pipefail

ROOT="${HUB_SWIFT_ROOT:-${TMPDIR:-/tmp}/hub-swift-$(id -u)}"
ETC="$ROOT/etc"
RUN="$ROOT/run"
LOG="$ROOT/log"
DAEMONS=(account container object proxy)
PY=/usr/bin/python3 # a python3 earlier on PATH may not see the swift module

die() { echo "swift.sh: $*" >&2; exit 1; }

# the user the daemons run as: `swift` when we are root, else ourselves
if [ "$(id -u)" = 0 ]; then
  RUNAS=swift
  id swift >/dev/null 2>&1 || die "no 'swift' user: install the swift packages"
else
  RUNAS="$(id -un)"
fi

alive() { # pid file -> 0 when its process runs and is the one we started
  # (a pid file holds the pid, then a word of the command line it was started with)
  local pid sig
  [ -s "$1" ] || return 1
  { read -r pid; read -r sig; } <"$1" || return 1
  [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$sig"
}

exists() { # pid file -> 0 while its process has not exited (a zombie has exited). For the start
  # loop: right after `&` the child may still be the forked shell, not yet the daemon it execs,
  # so its command line cannot be asked there (that race once failed CI under load).
  local pid state
  [ -s "$1" ] || return 1
  read -r pid <"$1" || return 1
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
  state="$(sed -e 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)"
  [ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

healthy() { # url -> 0 when /healthcheck answers OK
  [ "$(curl -fsS --max-time 2 "$1/healthcheck" 2>/dev/null || true)" = OK ] || \
    [ "$(/usr/bin/python3 -c 'import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]+"/healthcheck",timeout=2).read().decode())' "$1" 2>/dev/null || true)" = OK ]
}

running() {
  [ -s "$ROOT/endpoint" ] || return 1
  alive "$RUN/memcached.pid" || return 1
  for d in "${DAEMONS[@]}"; do alive "$RUN/$d.pid" || return 1; done
  healthy "$(cat "$ROOT/endpoint")"
}

free_ports() { # n -> n free TCP ports on 127.0.0.1 (held together while chosen, so all differ)
  "$PY" - "$1" <<'EOF'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    socks.append(s)
print(' '.join(str(s.getsockname()[1]) for s in socks))
EOF
}

stop_all() {
  local f pid i
  for f in "$RUN"/*.pid; do
    [ -e "$f" ] || continue
    if alive "$f"; then
      pid="$(head -n 1 "$f")"
      kill -TERM "$pid" 2>/dev/null || true
      for i in $(seq 1 100); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
      [ -d "/proc/$pid" ] && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  rm -f "$ROOT/endpoint"
}

write_confs() { # account container object proxy memcached ports
  local pa=$1 pc=$2 po=$3 pp=$4 pm=$5 kind port
  for kind in account container object; do
    case $kind in account) port=$pa ;; container) port=$pc ;; object) port=$po ;; esac
    cat >"$ETC/$kind-server.conf" <<EOF
[DEFAULT]
devices = $ROOT/data
mount_check = false
bind_ip = 127.0.0.1
bind_port = $port
workers = 0
user = $RUNAS
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = healthcheck $kind-server

[app:$kind-server]
use = egg:swift#$kind

[filter:healthcheck]
use = egg:swift#healthcheck

[$kind-replicator]
[$kind-updater]
[$kind-auditor]
EOF
  done
  cat >"$ETC/proxy-server.conf" <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $pp
workers = 0
user = $RUNAS
swift_dir = $ETC
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats bulk tempurl ratelimit s3api tempauth copy container-quotas account-quotas slo dlo versioned_writes symlink proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true

[filter:s3api]
use = egg:swift#s3api
location = us-east-1

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$pm
EOF
  for f in catch_errors gatekeeper healthcheck proxy-logging listing_formats bulk tempurl ratelimit copy container-quotas account-quotas slo dlo versioned_writes symlink; do
    printf '\n[filter:%s]\nuse = egg:swift#%s\n' "$f" "${f//-/_}" >>"$ETC/proxy-server.conf"
  done
}

build_rings() { # account container object ports; ~0.5 s through RingBuilder (swift-ring-builder takes ~5 s)
  "$PY" - "$ETC" "$1" "$2" "$3" <<'EOF'
import sys
from swift.common.ring import RingBuilder
etc = sys.argv[1]
for kind, port in zip(('account', 'container', 'object'), sys.argv[2:5]):
    b = RingBuilder(8, 1, 1)  # part power 8, one replica
    b.add_dev({'id': 0, 'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': int(port), 'device': 'd1', 'weight': 100, 'meta': ''})
    b.rebalance()
    b.save(f'{etc}/{kind}.builder')
    b.get_ring().save(f'{etc}/{kind}.ring.gz')
EOF
}

start() {
  if running; then
    echo "running $(cat "$ROOT/endpoint")"
    return 0
  fi
  command -v swift-proxy-server >/dev/null && command -v memcached >/dev/null && [ -x "$PY" ] || \
    die "Swift is not installed: apt-get install -y --no-install-recommends swift swift-proxy swift-object swift-container swift-account python3-swift memcached"
  stop_all # whatever a half-started or crashed run left
  rm -rf "$ETC" "$ROOT/data" "$LOG"
  mkdir -p "$ETC" "$RUN" "$LOG" "$ROOT/data/d1"
  # the daemons run as $RUNAS: every folder down to their configuration must be readable by it
  chmod 755 "$ROOT" "$ETC" "$RUN" "$LOG" "$ROOT/data"
  if [ "$(id -u)" = 0 ]; then chown -R "$RUNAS" "$ROOT/data" "$LOG"; fi
  if [ ! -s /etc/swift/swift.conf ]; then # a hard-coded path in Swift 2.30
    [ -w /etc ] || die "/etc/swift/swift.conf is missing and cannot be written"
    mkdir -p /etc/swift
    printf '[swift-hash]\nswift_hash_path_suffix = hubtest\nswift_hash_path_prefix = hubtest\n\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n\n[swift-constraints]\nmax_meta_value_length = 2048\nmax_meta_overall_size = 2048\n' >/etc/swift/swift.conf
  fi
  local ports pa pc po pp pm
  ports="$(free_ports 5)"
  read -r pa pc po pp pm <<<"$ports"
  write_confs "$pa" "$pc" "$po" "$pp" "$pm"
  build_rings "$pa" "$pc" "$po"
  if [ "$(id -u)" = 0 ] && ! setpriv --reuid="$RUNAS" --regid="$RUNAS" --init-groups test -r "$ETC/proxy-server.conf"; then
    stop_all
    die "the $RUNAS user cannot read $ETC: every folder above $ROOT must be open to it (a mktemp folder is 0700)"
  fi
  # memcached: tempauth keeps its tokens there (the `cache` filter must stay in the pipeline)
  # as root, the daemons run as $RUNAS (with workers = 0 Swift would not drop privileges itself)
  local mcuser=() asuser=()
  if [ "$(id -u)" = 0 ]; then mcuser=(-u "$RUNAS"); asuser=(setpriv --reuid="$RUNAS" --regid="$RUNAS" --init-groups); fi
  setsid memcached -l 127.0.0.1 -p "$pm" -U 0 -m 64 "${mcuser[@]}" >"$LOG/memcached.log" 2>&1 </dev/null 9>&- &
  printf '%s\n%s\n' $! "-p $pm" >"$RUN/memcached.pid"
  for d in "${DAEMONS[@]}"; do
    setsid "${asuser[@]}" "swift-$d-server" "$ETC/$d-server.conf" -v >"$LOG/$d.log" 2>&1 </dev/null 9>&- &
    printf '%s\n%s\n' $! "$ETC/$d-server.conf" >"$RUN/$d.pid"
  done
  local url="http://127.0.0.1:$pp" i d p
  for i in $(seq 1 300); do
    local ok=1
    for d in "${DAEMONS[@]}"; do
      exists "$RUN/$d.pid" || { tail -n 20 "$LOG/$d.log" >&2; stop_all; die "swift-$d-server exited (log: $LOG/$d.log)"; }
    done
    for p in "$pa" "$pc" "$po" "$pp"; do healthy "http://127.0.0.1:$p" || { ok=0; break; }; done
    if [ "$ok" = 1 ]; then
      echo "$url" >"$ROOT/endpoint"
      echo "started $url"
      return 0
    fi
    sleep 0.1
  done
  stop_all
  die "Swift did not answer /healthcheck within 30 s (logs: $LOG)"
}

cmd="${1:-}"
case "$cmd" in
  start | stop | status) ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
mkdir -p "$ROOT"
chmod 755 "$ROOT"
exec 9>"$ROOT/lock"
flock 9
case "$cmd" in
  start) start ;;
  stop) stop_all; echo stopped ;;
  status)
    if running; then echo "running $(cat "$ROOT/endpoint")"; else echo stopped; exit 3; fi
    ;;
esac
