#!/usr/bin/env bash
# Mail throughput: newsdesk sends an edition to 100,000 subscribers through
# Postfix's smtp-sink, side by side with Postfix's smtp-source sending as
# many messages of the same size over the same number of connections.
# newsdesk should reach at least 0.8x smtp-source's messages per second.
# Also prints newsdesk's peak memory (RSS high-water mark) for 10,000 and
# 100,000 recipients, which should be about the same.
#
# With BENCH_KIND=digest (scripts/bench/digest.sh) the edition is a
# personalised digest: articles chosen per subscriber by topic, related
# reading from ingested sources, per-subscriber links; the target is 0.7x,
# timed from the command's start, selection, rendering and queueing
# included.
#
# usage: scripts/bench/mail.sh   (as root, or with sudo for apt-get and smtp-sink -u)
# env:   MESSAGES=100000 SMALL=10000 CONNECTIONS=8 KEEP_TMP=1 BENCH_KIND=mail|digest
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
py=/usr/bin/python3
messages=${MESSAGES:-100000}
small=${SMALL:-10000}
conns=${CONNECTIONS:-8}
kind=${BENCH_KIND:-mail}
case $kind in
  mail) target=0.8 ;;
  digest) target=0.7 ;;
  *) echo "bench: BENCH_KIND must be mail or digest, not $kind" >&2; exit 2 ;;
esac

sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
if ! [ -x /usr/sbin/smtp-sink ] || ! [ -x /usr/sbin/smtp-source ] || ! [ -x /usr/bin/time ]; then
  echo "bench: installing postfix (smtp-sink, smtp-source) and time"
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix time </dev/null
fi
go build -o bin/newsdesk ./cmd/newsdesk

tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-bench-$kind.XXXXXX")
sink= feeds=
cleanup() {
  if [ -n "$sink" ]; then $sudo kill "$sink" 2>/dev/null || true; fi
  if [ -n "$feeds" ]; then kill "$feeds" 2>/dev/null || true; fi
  [ "${KEEP_TMP:-}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
freeport() { "$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
waitport() { for _ in $(seq 50); do "$py" -c "import socket; socket.create_connection(('127.0.0.1', $1), 1)" 2>/dev/null && return; sleep 0.1; done; }
port=$(freeport)

# A digest's related reading: the conformance fixture feeds, on loopback.
if [ "$kind" = digest ]; then
  feeds_port=$(freeport)
  "$py" -m http.server --bind 127.0.0.1 --directory "$repo/feeds/testdata/conformance" "$feeds_port" >/dev/null 2>&1 &
  feeds=$!
  export NEWSDESK_INGEST_ALLOW_PRIVATE=true NEWSDESK_INGEST_RETENTION=876000h
  waitport "$feeds_port"
fi

# A desk with n confirmed subscribers of the newsletter "bench". For a
# digest, the newsletter is limited to three categories, the subscribers'
# topics are spread over four choices so that they get different digests,
# and two sources are ingested once.
desk() {
  local dir=$tmp/$1 n=$2 categories=()
  mkdir -p "$dir"
  "$py" -c "
topics = ['', 'economy', 'cities', 'climate,technology'] if '$kind' == 'digest' else ['']
with open('$dir/list.csv', 'w') as f:
    f.write('email,topics\n')
    for i in range($n): f.write('reader%07d@example.com,\"%s\"\n' % (i, topics[i % len(topics)]))"
  nd "$1" init --demo >/dev/null
  [ "$kind" = digest ] && categories=(--categories economy,cities,climate)
  nd "$1" newsletter add --slug bench --name "The Bench Review" "${categories[@]}" >/dev/null
  nd "$1" subscriber import --newsletter bench --confirmed "$dir/list.csv" >/dev/null
  if [ "$kind" = digest ]; then
    nd "$1" source add "http://127.0.0.1:$feeds_port/harbour-watch.xml" --category economy >/dev/null
    nd "$1" source add "http://127.0.0.1:$feeds_port/city-ledger.xml" --category cities >/dev/null
    nd "$1" ingest >/dev/null
  fi
}
# nd DESK ARGS... runs newsdesk on a desk; $transport and $prefix (e.g.
# /usr/bin/time) apply when set.
transport=file prefix=()
nd() {
  local d=$1; shift
  env NEWSDESK_SITE_BASE_URL=https://news.bench.example NEWSDESK_MAIL_FROM="Bench <news@bench.example>" \
    NEWSDESK_MAIL_TRANSPORT="$transport" NEWSDESK_SMTP_HOST=127.0.0.1 NEWSDESK_SMTP_PORT="$port" \
    NEWSDESK_SMTP_TLS=none NEWSDESK_SMTP_CONNECTIONS="$conns" \
    "${prefix[@]}" "$repo/bin/newsdesk" "$@" --config "$tmp/$d/newsdesk.toml" --data "$tmp/$d/data"
}

echo "bench: preparing desks with $small and $messages subscribers"
desk small "$small"
desk large "$messages"
# The size of the digest as sent (for a digest, the largest: a reader of
# every topic): a test send with the file transport.
nd small digest send --newsletter bench --test size@example.com >/dev/null
size=$(stat -c %s "$tmp"/small/data/outbox/*.eml | head -n 1)
echo "bench: digest of $size bytes, $conns connections"

$sudo /usr/sbin/smtp-sink -u nobody "127.0.0.1:$port" 1000 >/dev/null 2>&1 &
sink=$!
waitport "$port"

now() { date +%s.%N; }
# send DESK: runs digest send over SMTP; prints seconds, peak RSS in KiB and
# CPU seconds (user, system).
send() {
  local t0 t1
  t0=$(now)
  local transport=smtp prefix=(/usr/bin/time -f "%M %U %S" -o "$tmp/$1.rss")
  nd "$1" digest send --newsletter bench --now >"$tmp/$1.log" 2>&1
  t1=$(now)
  echo "$("$py" -c "print($t1 - $t0)") $(cat "$tmp/$1.rss")"
}

t0=$(now)
/usr/sbin/smtp-source -d -s "$conns" -m "$messages" -l "$size" "127.0.0.1:$port"
t1=$(now)
source_secs=$("$py" -c "print($t1 - $t0)")
read -r small_secs small_rss _ _ < <(send small)
read -r large_secs large_rss large_user large_sys < <(send large)
grep -q "Edition 1 sent: $messages sent" "$tmp/large.log" || { echo "bench: newsdesk did not send them all:"; tail -n 5 "$tmp/large.log"; exit 1; }
if [ "$kind" = digest ]; then
  grep -o 'articles=[0-9]*' "$tmp/large.log" | head -n 1 | sed 's/^/bench: edition of /'
  echo "bench: $(sqlite3 "$tmp/large/data/newsdesk.db" 'SELECT COUNT(*) FROM edition_variants') distinct digests rendered"
fi

"$py" - "$messages" "$source_secs" "$large_secs" "$small" "$small_secs" "$small_rss" "$large_rss" "$target" \
  "$large_user" "$large_sys" "$kind" <<'EOF'
import sys
n, src, nds, small, small_s, small_rss, large_rss, target, user, system, kind = sys.argv[1:]
n, small = int(n), int(small)
src_rate, nd_rate = n / float(src), n / float(nds)
ratio = nd_rate / src_rate
print(f"smtp-source: {n} messages in {float(src):.2f}s = {src_rate:.0f} msg/s")
print(f"newsdesk:    {n} messages in {float(nds):.2f}s = {nd_rate:.0f} msg/s "
      "(digest send from start to finish: " +
      ("selection, rendering, queueing, delivery)" if kind == "digest" else "queueing, rendering, delivery)"))
print(f"ratio:       {ratio:.2f} (target >= {target})")
print(f"CPU:         newsdesk used {(float(user) + float(system)) / n * 1e6:.0f} µs per message "
      f"({float(user):.1f}s user, {float(system):.1f}s system); smtp-sink shares the same 2 cores")
print(f"peak RSS:    {int(small_rss) / 1024:.1f} MiB for {small} recipients "
      f"({small / float(small_s):.0f} msg/s), {int(large_rss) / 1024:.1f} MiB for {n}")
if ratio < float(target):
    print("TARGET MISSED: the ratio is below the target")
EOF
