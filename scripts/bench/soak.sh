#!/usr/bin/env bash
# Soak: the daemon doing everything at once for SOAK_DURATION seconds
# (default 180, three minutes), then it stops by itself. wrk requests
# /feed.xml on 100 connections the whole time, while the daemon
#   - delivers a 20,000-recipient edition to Postfix's smtp-sink (the
#     edition is made by `digest send --now` a few seconds in, and handed to
#     the daemon, which sends it over its SMTP connections);
#   - ingests 200 local sources every minute (ingest.interval = 1m; the
#     feeds are served by scripts/bench/ingestbench from 50 loopback
#     addresses; the first pass reads them all, later ones mostly get 304);
#   - is scraped on /metrics every 5 seconds, as Prometheus would.
#
# It reports feed latency (p50, p99), the delivery rate, ingest cycle
# times, peak RSS and error counts, and checks that no 5xx or socket error
# reached a client, that the log holds no SQLITE_BUSY or "database is
# locked", that every message was delivered once (smtp-sink's count, the
# deliveries marked sent and the recipients agree) and that p99 feed latency
# stays under SOAK_P99_MS. A missed check prints "TARGET MISSED"; the script
# fails only when something crashes.
#
# usage: scripts/bench/soak.sh   (as root, or with sudo for apt-get and smtp-sink -u)
# env:   SOAK_DURATION=180 SOAK_RECIPIENTS=20000 SOAK_SOURCES=200 SOAK_CONNECTIONS=100
#        SOAK_SMTP_CONNECTIONS=4 SOAK_P99_MS=50 BENCH_SUMMARY=FILE KEEP_TMP=1
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
py=/usr/bin/python3
duration=${SOAK_DURATION:-180}
recipients=${SOAK_RECIPIENTS:-20000}
sources=${SOAK_SOURCES:-200}
conns=${SOAK_CONNECTIONS:-100}
smtp_conns=${SOAK_SMTP_CONNECTIONS:-4}
p99_target=${SOAK_P99_MS:-50}
summary=${BENCH_SUMMARY:-/dev/null}
hosts=50

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'soak: %s\n' "$*" >&2; exit 1; }

sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
missing=()
[ -x /usr/sbin/smtp-sink ] || missing+=(postfix)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v sqlite3 >/dev/null || missing+=(sqlite3)
if ((${#missing[@]} > 0)); then
  log "installing ${missing[*]}"
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" </dev/null
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-soak.XXXXXX")
chmod 755 "$tmp"
pids=() sink=
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [ -n "$sink" ]; then $sudo kill "$sink" 2>/dev/null || true; fi
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ "${KEEP_TMP:-}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
free_port() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

log "building"
go build -o "$tmp/newsdesk" ./cmd/newsdesk
go build -o "$tmp/ingestbench" ./scripts/bench/ingestbench
port=$(free_port) sink_port=$(free_port) feed_port=$(free_port)
base=http://127.0.0.1:$port

# "${nd[@]}" COMMAND ... "${at[@]}" runs newsdesk on the soak desk with its
# configuration; a simple command, so that a background one's $! is
# newsdesk itself.
nd=(env NEWSDESK_SITE_BASE_URL="$base" NEWSDESK_MAIL_FROM="Soak <news@soak.example>"
  NEWSDESK_MAIL_TRANSPORT=smtp NEWSDESK_SMTP_HOST=127.0.0.1 NEWSDESK_SMTP_PORT="$sink_port"
  NEWSDESK_SMTP_TLS=none NEWSDESK_SMTP_CONNECTIONS="$smtp_conns"
  NEWSDESK_INGEST_INTERVAL=1m NEWSDESK_INGEST_ALLOW_PRIVATE=true NEWSDESK_LOG_FORMAT=json
  "$tmp/newsdesk")
at=(--config "$tmp/newsdesk.toml" --data "$tmp/data")

log "a desk with $recipients subscribers and $sources sources in $tmp"
"$tmp/ingestbench" gen -dir "$tmp/feeds" -n "$sources" >/dev/null
"$py" - "$tmp" "$recipients" "$sources" "$feed_port" "$hosts" <<'EOF'
import sys
tmp, n, sources, port, hosts = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
with open(f"{tmp}/list.csv", "w") as f:
    f.write("email\n")
    for i in range(n):
        f.write(f"reader{i:07d}@example.com\n")
with open(f"{tmp}/sources.opml", "w") as f:
    f.write('<?xml version="1.0"?>\n<opml version="2.0"><head><title>soak</title></head><body>\n')
    for i in range(sources):
        f.write(f'<outline type="rss" text="Feed {i}" xmlUrl="http://127.0.0.{1 + i % hosts}:{port}/feed{i:04d}.xml"/>\n')
    f.write("</body></opml>\n")
EOF
"${nd[@]}" init --demo "${at[@]}" >/dev/null
"${nd[@]}" newsletter add --slug soak --name "The Soak Review" "${at[@]}" >/dev/null
"${nd[@]}" subscriber import --newsletter soak --confirmed "$tmp/list.csv" "${at[@]}" >/dev/null
"${nd[@]}" source import "$tmp/sources.opml" "${at[@]}" >/dev/null

"$tmp/ingestbench" serve -dir "$tmp/feeds" -port "$feed_port" -hosts "$hosts" >/dev/null &
pids+=($!)
$sudo /usr/sbin/smtp-sink -u nobody -c "127.0.0.1:$sink_port" 1000 >"$tmp/sink.out" 2>&1 &
sink=$!
"${nd[@]}" serve --listen "127.0.0.1:$port" "${at[@]}" >"$tmp/serve.out" 2>"$tmp/serve.log" &
daemon=$!
pids+=("$daemon")
for _ in $(seq 100); do curl -fs -o /dev/null "$base/healthz" && break; sleep 0.1; done
curl -fs -o /dev/null "$base/healthz" || { cat "$tmp/serve.log" >&2; die "the daemon does not answer"; }
curl -fs -o /dev/null "http://127.0.0.1:$feed_port/feed0000.xml" || die "the feed server does not answer"

# Prometheus' part: a scrape every 5 seconds, with its status and time.
(while kill -0 "$daemon" 2>/dev/null; do
  curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "$base/metrics" >>"$tmp/scrapes" || true
  sleep 5
done) &
pids+=($!)

log "soak for ${duration}s: wrk -t2 -c$conns on /feed.xml, an edition to $recipients, $sources sources a minute"
load_before=$(cut -d' ' -f1 /proc/loadavg)
wrk -t2 -c"$conns" -d"${duration}s" --latency "$base/feed.xml" >"$tmp/wrk.out" 2>&1 &
wrk=$!
pids+=("$wrk")
sleep 5
send_start=$(date +%s.%N)
"${nd[@]}" digest send --newsletter soak --now "${at[@]}" >"$tmp/send.log" 2>&1 &
send=$!
pids+=("$send")
wait "$wrk" || die "wrk failed: $(cat "$tmp/wrk.out")"
# The edition gets as long again as the soak to finish, then the daemon is
# stopped whatever the state.
for _ in $(seq $((duration * 10))); do
  kill -0 "$send" 2>/dev/null || break
  sleep 0.1
done
send_end=$(date +%s.%N)
if kill -0 "$send" 2>/dev/null; then
  log "the edition was not finished $((duration * 2))s into the soak"
  kill "$send"
fi
wait "$send" || true
peak_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$daemon/status")
curl -fs "$base/metrics" >"$tmp/metrics.txt" || true
sleep 1 # the outbox journal is folded into the store every 50 ms
kill -TERM "$daemon"
wait "$daemon" || die "the daemon exited $? after SIGTERM: $(tail -n 5 "$tmp/serve.log")"
$sudo kill "$sink" 2>/dev/null || true
wait "$sink" 2>/dev/null || true
sink=

sink_count=$(tr '\r' '\n' <"$tmp/sink.out" | awk -F'mesg=' 'NF > 1 { n = $2 } END { print n + 0 }')
sqlite3 "$tmp/data/newsdesk.db" "SELECT status, COUNT(*) FROM deliveries WHERE edition_id = 1 GROUP BY status" >"$tmp/deliveries"
recorded=$(sqlite3 "$tmp/data/newsdesk.db" "SELECT recipients FROM editions WHERE id = 1")

"$py" - "$tmp" "$duration" "$recipients" "$sources" "$conns" "$p99_target" "$sink_count" "${recorded:-0}" \
  "$send_start" "$send_end" "$peak_kb" "$summary" "$load_before" "$(cut -d' ' -f1 /proc/loadavg)" <<'EOF'
import json, os, re, statistics, sys
from datetime import datetime
(tmp, duration, recipients, sources, conns, p99_target, sink_count, recorded,
 send_start, send_end, peak_kb, summary, load_before, load_after) = sys.argv[1:]
duration, recipients, sources, p99_target = int(duration), int(recipients), int(sources), float(p99_target)
sink_count, recorded, peak_kb = int(sink_count), int(recorded), int(peak_kb or 0)

def ms(v):
    for unit, f in (("us", 1e-3), ("ms", 1.0), ("s", 1e3)):
        if v.endswith(unit):
            return float(v[: -len(unit)]) * f
    return float(v)

wrk = open(f"{tmp}/wrk.out").read()
p50 = ms(re.search(r"^\s+50%\s+(\S+)", wrk, re.M).group(1))
p99 = ms(re.search(r"^\s+99%\s+(\S+)", wrk, re.M).group(1))
rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", wrk).group(1))
requests = int(re.search(r"(\d+) requests in", wrk).group(1))
non2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", wrk))
m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", wrk)
socket_errors = sum(int(x) for x in m.groups()) if m else 0

deliveries = dict(line.split("|") for line in open(f"{tmp}/deliveries").read().split())
sent = int(deliveries.get("sent", 0))

records, busy, errors, failed_requests = [], 0, 0, 0
for line in open(f"{tmp}/serve.log"):
    if "SQLITE_BUSY" in line or "database is locked" in line:
        busy += 1
    try:
        r = json.loads(line)
    except ValueError:
        continue
    records.append(r)
    errors += r.get("level") == "ERROR"
    failed_requests += r.get("msg") in ("request failed", "panic in handler")
cycles = [r for r in records if r.get("msg") == "job ran" and r.get("job") == "ingest"]
# Delivery time: from digest send to the daemon's "edition finished" line
# (the command itself only watches, and on a busy machine it may notice a
# while later), or to the end when the edition did not finish.
send_secs = float(send_end) - float(send_start)
for r in records:
    if r.get("msg") == "edition finished" and r.get("edition") == 1:
        send_secs = datetime.fromisoformat(r["time"]).timestamp() - float(send_start)
cycle_secs = [r["duration"] / 1e9 for r in cycles]
scrapes = [l.split() for l in open(f"{tmp}/scrapes").read().splitlines() if l.strip()]
scrape_bad = sum(1 for code, _ in scrapes if code != "200")
scrape_max = max((float(t) for _, t in scrapes), default=0)

print(f"feeds:     {requests} requests of /feed.xml in {duration}s on {conns} connections, {rps:.0f} req/s; "
      f"p50 {p50:.2f} ms, p99 {p99:.2f} ms")
print(f"errors:    {non2xx} non-2xx, {socket_errors} socket errors at the client; {busy} SQLITE_BUSY or "
      f"'database is locked' lines, {errors} error lines in the log ({failed_requests} failed requests)")
print(f"delivery:  {sent} of {recipients} deliveries marked sent, {sink_count} messages received by smtp-sink, "
      f"edition of {recorded} recipients; {sent / send_secs:.0f} msg/s from digest send to the last one "
      f"({send_secs:.1f}s to the edition's last delivery, selection, rendering and queueing included)")
if cycles:
    print(f"ingest:    {len(cycles)} cycles of {', '.join(str(r.get('sources')) for r in cycles)} sources; "
          f"cycle time median {statistics.median(cycle_secs):.2f}s, max {max(cycle_secs):.2f}s "
          f"(first: {cycles[0].get('new', 0)} new items)")
else:
    print("ingest:    no ingest cycle ran")
print(f"metrics:   {len(scrapes)} scrapes of /metrics, {scrape_bad} not 200, slowest {scrape_max * 1000:.0f} ms")
print(f"memory:    peak RSS {peak_kb / 1024:.0f} MiB")
print(f"machine:   load average {load_before} before, {load_after} after, on {os.cpu_count()} cores "
      "(above the core count, other work shared the machine and the latencies suffer)")

checks = [
    ("no 5xx or socket error reaches a client", non2xx == 0 and socket_errors == 0),
    ("no SQLITE_BUSY in the log", busy == 0),
    ("every message delivered once", sent == recipients == sink_count == recorded),
    (f"p99 feed latency {p99:.1f} ms (target < {p99_target:g} ms)", p99 < p99_target),
    ("ingest ran every minute", len(cycles) >= duration // 60),
]
verdict = [f"soak ({duration}s, load average {load_before} before, {load_after} after): "
           f"feed p50 {p50:.2f} ms, p99 {p99:.2f} ms at {rps:.0f} req/s; "
           f"delivery {sent / send_secs:.0f} msg/s, {sent}/{recipients} sent, smtp-sink {sink_count}; "
           f"ingest cycle median {statistics.median(cycle_secs) if cycles else 0:.2f}s over {len(cycles)} cycles; "
           f"peak RSS {peak_kb / 1024:.0f} MiB; client errors {non2xx + socket_errors}, SQLITE_BUSY {busy}"]
for name, ok in checks:
    verdict.append(f"soak check: {name}: {'ok' if ok else 'TARGET MISSED'}")
print()
with open(summary, "a") as f:
    for line in verdict:
        print(line)
        print(line, file=f)
EOF
