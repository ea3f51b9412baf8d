#!/usr/bin/env bash
# Ingest benchmark: SOURCES feeds (default 1000) of 20-50 items, served from a
# local server on 50 loopback addresses, ingested twice into a new database:
# the first cycle fetches, parses, sanitises and stores everything, the
# second finds every feed unchanged (304). Printed beside them: a bare loop
# of gofeed parsing the same files. The run is repeated with a quarter of
# the sources to show that peak memory does not grow with their number.
#
# Targets (DESIGN "Ingest"): first cycle within 1.5x of the bare loop;
# second cycle at least 1,000 sources/s.
#
# usage: scripts/bench/ingest.sh   env: SOURCES=1000 HOSTS=50
set -euo pipefail
cd "$(dirname "$0")/../.."
sources=${SOURCES:-1000}
hosts=${HOSTS:-50}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-ingestbench.XXXXXX")
server=
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

go build -o "$tmp/ingestbench" ./scripts/bench/ingestbench
bench=$tmp/ingestbench
"$bench" gen -dir "$tmp/feeds" -n "$sources"
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bench" serve -dir "$tmp/feeds" -port "$port" -hosts "$hosts" &
server=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$port/feed0000.xml" 2>/dev/null && break; sleep 0.1; done

echo "== $sources sources on $(nproc) CPUs"
"$bench" bare -dir "$tmp/feeds" -n "$sources" | tee "$tmp/bare.out"
"$bench" ingest -n "$sources" -port "$port" -hosts "$hosts" | tee "$tmp/ingest.out"
quarter=$((sources / 4))
echo "== $quarter sources (peak memory must not grow with the number of sources)"
"$bench" ingest -n "$quarter" -port "$port" -hosts "$hosts"

# Verdict from the figures above.
secs() { sed -n "s/.*$1[^:]*: [0-9]* [a-z]* in \([0-9.]*\)s.*/\1/p" "$2" | head -n 1; }
bare1=$(secs "1 goroutine" "$tmp/bare.out")
bareN=$(secs "[2-9][0-9]* goroutine" "$tmp/bare.out")
first=$(secs "first cycle" "$tmp/ingest.out")
second=$(secs "second cycle" "$tmp/ingest.out")
/usr/bin/python3 - "$sources" "$bare1" "${bareN:-$bare1}" "$first" "$second" <<'EOF'
import sys
n, bare1, bare_n, first, second = int(sys.argv[1]), *map(float, sys.argv[2:])
ratio = first / bare1
rate = n / second
print(f"first cycle / bare gofeed loop: {ratio:.2f}x (target <= 1.5x; {first / bare_n:.2f}x against the loop on every CPU)")
print(f"second cycle: {rate:.0f} sources/s (target >= 1000)")
print("ingest bench:", "PASS" if ratio <= 1.5 and rate >= 1000 else "FAIL")
EOF
