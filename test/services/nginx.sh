#!/usr/bin/env bash
# nginx (Debian's package) as the load balancer in front of several `hub serve` processes, for the
# scale-out tests and benchmarks (issue 18). Idempotent; stops only what it started, by PID.
#
#   nginx.sh start DIR PORT...   writes DIR/nginx.conf with an upstream of 127.0.0.1:PORT...,
#                                starts nginx on a free 127.0.0.1 port and prints its URL (also in DIR/url)
#   nginx.sh stop DIR            stops the nginx started in DIR (its pid file), waits for it to go
#   nginx.sh status DIR          prints the URL and exits 0 when it runs, exits 1 otherwise
#
# Every request is balanced on its own (round robin), so one client's batch, uploads and ref
# update may each reach a different server. Bodies stream both ways (no buffering: pushes of
# gigabytes), a server that refuses connections is skipped (proxy_next_upstream) and marked down
# for 2 s; requests in flight on a server that dies fail with 502 and clients retry.
set -euo pipefail

cmd="${1:-}"
dir="${2:-}"
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: nginx.sh start|stop|status DIR [PORT...]" >&2; exit 2; }
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"
pidfile="$dir/nginx.pid"

running() { [ -s "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

case "$cmd" in
  start)
    shift 2
    [ "$#" -gt 0 ] || { echo "nginx.sh start: give the upstream ports" >&2; exit 2; }
    if running; then cat "$dir/url"; exit 0; fi
    [ -x "$nginx_bin" ] || { echo "nginx.sh: nginx is not installed (apt-get install nginx)" >&2; exit 3; }
    mkdir -p "$dir/tmp"
    port="$(free_port)"
    user_line=""
    [ "$(id -u)" = 0 ] && user_line="user root;"
    {
      echo "$user_line"
      echo "worker_processes 1; daemon on; pid $pidfile; error_log $dir/error.log warn;"
      echo "events { worker_connections 1024; }"
      echo "http {"
      echo "  access_log $dir/access.log;"
      for t in client_body proxy fastcgi uwsgi scgi; do echo "  ${t}_temp_path $dir/tmp/$t;"; done
      echo "  upstream hub {"
      for p in "$@"; do echo "    server 127.0.0.1:$p max_fails=1 fail_timeout=2s;"; done
      echo "    keepalive 32;"
      echo "  }"
      echo "  server {"
      echo "    listen 127.0.0.1:$port;"
      echo "    client_max_body_size 0;"
      echo "    proxy_request_buffering off; proxy_buffering off;"
      echo "    proxy_http_version 1.1; proxy_set_header Connection \"\";"
      echo "    proxy_set_header Host \$http_host;"
      echo "    proxy_read_timeout 600s; proxy_send_timeout 600s;"
      echo "    proxy_next_upstream error timeout; proxy_next_upstream_tries 3;"
      echo "    location / { proxy_pass http://hub; }"
      echo "  }"
      echo "}"
    } > "$dir/nginx.conf"
    "$nginx_bin" -c "$dir/nginx.conf" -p "$dir" -e "$dir/error.log" 2>>"$dir/error.log" || { cat "$dir/error.log" >&2; exit 1; }
    for _ in $(seq 1 100); do running && break; sleep 0.05; done
    running || { echo "nginx.sh: nginx did not start" >&2; cat "$dir/error.log" >&2; exit 1; }
    echo "http://127.0.0.1:$port" | tee "$dir/url"
    ;;
  stop)
    if running; then
      pid="$(cat "$pidfile")"
      kill -QUIT "$pid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    ;;
  status)
    if running; then cat "$dir/url"; else exit 1; fi
    ;;
  *) echo "nginx.sh: unknown command $cmd" >&2; exit 2 ;;
esac
