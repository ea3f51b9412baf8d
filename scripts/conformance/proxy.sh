#!/usr/bin/env bash
# Behind a real nginx: newsdesk trusts X-Forwarded-For from the proxy only
# (http.trusted_proxies = 127.0.0.1/32), so two clients at two addresses
# (127.0.0.2 and 127.0.0.3, both on loopback) have limits of their own: one
# floods sign-up and login until it gets 429, the other is still served.
# nginx runs with proxy_http_version 1.1 and a keep-alive upstream, as the
# README recommends.
#
# Prints `ok WHAT` / `FAIL WHAT: why` lines; scripts/conformance.sh counts
# them. usage: scripts/conformance/proxy.sh   (KEEP_TMP=1 keeps its files)
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-proxy.XXXXXX")
py=/usr/bin/python3
pids=()
ok() { echo "ok $*"; }
fail() { echo "FAIL $*"; }
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "proxy: files kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
[ -x "$repo/bin/newsdesk" ] || (cd "$repo" && make build) >&2

proxy_check() {
  local nginx dir nd_port ng_port nd_pid ng_pid base status errors i
  nginx=$(command -v nginx || echo /usr/sbin/nginx)
  if [ ! -x "$nginx" ]; then
    echo "conformance: installing nginx"
    local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx </dev/null
    nginx=$(command -v nginx || echo /usr/sbin/nginx)
  fi
  [ -x "$nginx" ] || { fail "proxy: no nginx"; return; }
  dir=$tmp/proxy
  mkdir -p "$dir/nginx"
  free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
  nd_port=$(free_port)
  ng_port=$(free_port)
  base=http://127.0.0.1:$ng_port

  local pw
  pw=$("$repo/bin/newsdesk" init --demo --data "$dir/data" --config "$dir/newsdesk.toml" 2>"$dir/init.log" |
    sed -n 's/^Password (shown only now): //p')
  [ -n "$pw" ] || { fail "proxy: newsdesk init: $(tail -n 2 "$dir/init.log" | tr '\n' ' ')"; return; }
  env NEWSDESK_SITE_BASE_URL="$base" NEWSDESK_HTTP_TRUSTED_PROXIES=127.0.0.1/32 \
    "$repo/bin/newsdesk" serve --listen "127.0.0.1:$nd_port" --data "$dir/data" --config "$dir/newsdesk.toml" \
    >"$dir/serve.out" 2>"$dir/serve.log" </dev/null &
  nd_pid=$!
  pids+=("$nd_pid")

  local user=
  [ "$(id -u)" = 0 ] && user="user root;"
  cat >"$dir/nginx.conf" <<CONF
$user
daemon off;
worker_processes 1;
pid $dir/nginx/nginx.pid;
error_log $dir/nginx/error.log warn;
events { worker_connections 256; }
http {
  access_log $dir/nginx/access.log;
  client_body_temp_path $dir/nginx/body;
  proxy_temp_path $dir/nginx/proxy;
  fastcgi_temp_path $dir/nginx/fastcgi;
  uwsgi_temp_path $dir/nginx/uwsgi;
  scgi_temp_path $dir/nginx/scgi;
  upstream newsdesk {
    server 127.0.0.1:$nd_port;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$ng_port;
    location / {
      proxy_pass http://newsdesk;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
CONF
  "$nginx" -p "$dir/nginx" -c "$dir/nginx.conf" >"$dir/nginx/stdout.log" 2>&1 &
  ng_pid=$!
  pids+=("$ng_pid")
  for _ in $(seq 100); do
    curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
    sleep 0.1
  done
  if ! curl -fsS -o /dev/null "$base/healthz"; then
    fail "proxy: nginx in front of newsdesk did not answer: $(tail -n 2 "$dir/nginx/error.log" "$dir/serve.log" 2>/dev/null | tr '\n' ' ')"
    return
  fi
  ok "proxy: nginx on $base forwards to newsdesk on 127.0.0.1:$nd_port with a keep-alive upstream"

  # client ADDR METHOD PATH [curl args…]: the status code.
  client() {
    local addr=$1 path=$2; shift 2
    curl -s -o /dev/null -w '%{http_code}' --interface "$addr" "$@" "$base$path"
  }
  subscribe() { client "$1" /subscribe -X POST --data "email=$2&newsletter=weekly&website=" "${@:3}"; }
  login() { client "$1" /admin/login -X POST -H "Origin: $base" --data-urlencode "email=editor@localhost" --data-urlencode "password=$2"; }

  status=
  for i in $(seq 30); do
    status=$(subscribe 127.0.0.2 "flood$i%40example.com")
    [ "$status" = 429 ] && break
  done
  [ "$status" = 429 ] && ok "proxy: the flooding client (127.0.0.2) gets 429 from sign-up after $i requests" ||
    fail "proxy: sign-up flood from 127.0.0.2 never limited (last status $status)"
  status=$(subscribe 127.0.0.2 "spoof%40example.com" -H "X-Forwarded-For: 192.0.2.77")
  [ "$status" = 429 ] && ok "proxy: a made-up X-Forwarded-For does not give the flooding client a new bucket" ||
    fail "proxy: 127.0.0.2 with its own X-Forwarded-For got $status, want 429"
  status=$(subscribe 127.0.0.3 "reader%40example.com")
  [ "$status" = 200 ] && ok "proxy: the other client (127.0.0.3) still signs up (200)" ||
    fail "proxy: the other client's sign-up got $status, want 200"

  status=
  for i in $(seq 30); do
    status=$(login 127.0.0.2 "wrong password $i")
    [ "$status" = 429 ] && break
  done
  [ "$status" = 429 ] && ok "proxy: the flooding client gets 429 from login after $i wrong passwords" ||
    fail "proxy: login flood from 127.0.0.2 never limited (last status $status)"
  status=$(login 127.0.0.3 "still wrong")
  [ "$status" = 401 ] && ok "proxy: the other client's wrong password is tried (401, not 429)" ||
    fail "proxy: the other client's wrong password got $status, want 401"
  status=$(login 127.0.0.3 "$pw")
  [ "$status" = 303 ] && ok "proxy: the other client logs in with the right password (303)" ||
    fail "proxy: the other client's login got $status, want 303"
  errors=$(grep -c 'level=ERROR' "$dir/serve.log" || true)
  [ "$errors" = 0 ] && ok "proxy: no errors logged by newsdesk behind nginx" ||
    fail "proxy: newsdesk logged $(grep -m1 'level=ERROR' "$dir/serve.log")"
  grep -q 'ip=127.0.0.2' "$dir/serve.log" && ok "proxy: the log names the client's address, not the proxy's" ||
    fail "proxy: no log line names 127.0.0.2: $(grep -m1 'rate-limited' "$dir/serve.log")"
}
proxy_check
