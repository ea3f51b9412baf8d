#!/usr/bin/env bash
# Ingest benchmark: SOURCES feeds (default 1000) of 20-50 items, real-world
# sized (70 KB on average, mostly full-content RSS, some Atom, some
# summary-only), served from a local server on HOSTS loopback addresses and
# ingested twice into a new database: the first cycle fetches, parses,
# sanitises and stores everything, the second finds every feed unchanged
# (304). Beside them, a bare loop of gofeed parsing the same files, as it
# comes and as newsdesk sets it up. Bare loop and ingest alternate REPEAT
# times and the best of each counts, which evens out a machine shared with
# other work. Then a run with a quarter of the sources shows that peak
# memory does not grow with their number.
#
# Targets (issue "Ingest related external feeds"): the first cycle within
# 1.5x of the bare gofeed loop; the second at least 1,000 sources/s.
#
# usage: scripts/bench/ingest.sh   env: SOURCES=1000 HOSTS=50 REPEAT=3
set -euo pipefail
cd "$(dirname "$0")/../.."
sources=${SOURCES:-1000}
hosts=${HOSTS:-50}
repeat=${REPEAT:-3}
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

echo "== $sources sources from $hosts hosts, on $(nproc) CPUs, best of $repeat"
for _ in $(seq "$repeat"); do
  "$bench" bare -dir "$tmp/feeds" -n "$sources" | tee -a "$tmp/runs.out"
  "$bench" ingest -n "$sources" -port "$port" -hosts "$hosts" | tee -a "$tmp/runs.out"
done
quarter=$((sources / 4))
echo "== $quarter sources (peak memory must not grow with the number of sources)"
"$bench" ingest -n "$quarter" -port "$port" -hosts "$hosts" | tee "$tmp/quarter.out"

/usr/bin/python3 - "$sources" "$tmp/runs.out" "$tmp/quarter.out" <<'EOF'
import re, sys
n, runs, quarter = int(sys.argv[1]), open(sys.argv[2]).read(), open(sys.argv[3]).read()
def best(pattern, text=runs):
    times = [float(t) for t in re.findall(pattern + r"[^\n]* in ([0-9.]+)s", text)]
    return min(times)
def peak(pattern, text):
    return max(int(m) for m in re.findall(pattern + r"[^\n]* peak RSS ([0-9]+) MB", text))
bare1 = best(r"bare gofeed, 1 goroutine")
bare_all = best(r"bare gofeed, [2-9][0-9]* goroutine") if re.search(r"bare gofeed, [2-9]", runs) else bare1
lean = best(r"bare gofeed without image scan")
first, second = best(r"first cycle"), best(r"second cycle")
print(f"best: bare gofeed {bare1:.2f}s (on every CPU {bare_all:.2f}s; without image scan {lean:.2f}s), "
      f"ingest {first:.2f}s, all-304 cycle {second:.2f}s")
print(f"first cycle / bare gofeed loop: {first / bare1:.2f}x (target <= 1.5x); "
      f"{first / lean:.2f}x against gofeed set up as newsdesk uses it, {first / bare_all:.2f}x against gofeed on every CPU")
print(f"second cycle: {n / second:.0f} sources/s (target >= 1000)")
print(f"peak RSS: {peak('first cycle', runs)} MB for {n} sources, {peak('first cycle', quarter)} MB for {n // 4}")
print("ingest bench:", "PASS" if first / bare1 <= 1.5 and n / second >= 1000 else "FAIL")
EOF
