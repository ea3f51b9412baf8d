#!/usr/bin/env bash
# make bench: how fast newsdesk serves feeds (against nginx serving the same
# bytes from `newsdesk export`), how much a publication costs the feeds
# (against the size of the archive), and the ingest, delivery and digest
# benchmarks under scripts/bench/, and the soak test. Prints a summary at
# the end and writes it as BENCHMARKS.md (scripts/bench/report.py): the
# benchmarks run replace their rows there, the others' rows are kept.
#
# It fails only when something crashes; a missed target is printed as
# "TARGET MISSED" and still exits 0.
#
# Environment:
#   BENCH_ONLY=feeds|pages|render|bounces|ingest|mail|digest|soak  run one benchmark only
#   BENCH_BOUNCES            reports fed to the bounce receiver (default 100000)
#   BENCH_SHORT=1            skip the 100,000-article archive (go test -short)
#   BENCH_RENDER_TARGET_MS   ceiling for one publish at 100k articles (default 50)
#   BENCH_RENDER_GROWTH      largest acceptable 100k/1k cost ratio (default 2)
#   and the BENCH_* variables of scripts/bench/feeds.sh, SOAK_* of soak.sh.
set -uo pipefail

cd "$(dirname "$0")/.."
started=$(date +%s)
only=${BENCH_ONLY:-}
render_target_ms=${BENCH_RENDER_TARGET_MS:-50}
render_growth=${BENCH_RENDER_GROWTH:-2}
work=$(mktemp -d /tmp/newsdesk-bench-summary.XXXXXX)
trap 'rm -rf "$work"' EXIT
summary=$work/summary
: >"$summary"
crashed=0

if [[ -z $only || $only == feeds ]]; then
	echo "### Feeds vs nginx (scripts/bench/feeds.sh)"
	echo "@section feeds" >>"$summary"
	if ! BENCH_SUMMARY=$summary scripts/bench/feeds.sh; then
		echo "feeds vs nginx: CRASHED (see above)" >>"$summary"
		crashed=1
	fi
	echo
fi

if [[ -z $only || $only == pages ]]; then
	# Pages are served from memory by the ordinary server (no fast path):
	# the target is half of nginx's rate for the same exported bytes.
	echo "### Pages vs nginx (scripts/bench/feeds.sh with BENCH_PATH)"
	echo "@section pages" >>"$summary"
	for p in / /articles/harbour-at-a-crossroads; do
		if ! BENCH_SUMMARY=$summary BENCH_NAME=pages BENCH_PATH=$p BENCH_TARGET=${BENCH_PAGES_TARGET:-0.5} BENCH_GOMAXPROCS= \
			scripts/bench/feeds.sh; then
			echo "pages $p vs nginx: CRASHED (see above)" >>"$summary"
			crashed=1
		fi
	done
	echo "@section page-edit" >>"$summary"
	go test -run '^$' -bench EditReachesCachedPage -benchtime=20x -timeout 30m ./web/ | tee "$work/page-edit.txt"
	if ((PIPESTATUS[0] != 0)); then
		echo "page edit: CRASHED (see above)" >>"$summary"
		crashed=1
	else
		awk -v target="${BENCH_PAGE_EDIT_TARGET_MS:-50}" '
			$1 ~ /^BenchmarkEditReachesCachedPage\/articles=/ {
				split($1, part, "/"); sub(/^articles=/, "", part[2]); sub(/-[0-9]+$/, "", part[2])
				for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") ns = $i
				printf "page edit at %s articles: %.1f ms from the edit to the new page served (target < %d ms): %s\n", \
					part[2], ns / 1e6, target, ns / 1e6 < target ? "ok" : "TARGET MISSED"
			}
		' "$work/page-edit.txt" >>"$summary"
	fi
	echo
fi

if [[ -z $only || $only == render ]]; then
	echo "### Publish and render vs archive size (go test -bench PublishAndRender ./feeds/)"
	echo "@section render" >>"$summary"
	short=()
	[[ -z ${BENCH_SHORT:-} ]] || short=(-short)
	go test -run '^$' -bench PublishAndRender -benchtime=20x -benchmem -timeout 30m "${short[@]}" ./feeds/ | tee "$work/render.txt"
	if ((PIPESTATUS[0] != 0)); then
		echo "publish and render: CRASHED (see above)" >>"$summary"
		crashed=1
	else
		# Lines look like
		# BenchmarkPublishAndRender/articles=1000/feed=site-2  20  13841684 ns/op  ...
		awk -v target="$render_target_ms" -v growth="$render_growth" '
			$1 ~ /^BenchmarkPublishAndRender\/articles=[0-9]+\/feed=/ {
				split($1, part, "/"); sub(/^articles=/, "", part[2]); feed = part[3]; sub(/^feed=/, "", feed); sub(/-[0-9]+$/, "", feed)
				for (i = 2; i < NF; i++) if ($(i + 1) == "ns/op") ns[feed, part[2]] = $i
				if (!(feed in seen)) { seen[feed] = 1; feeds[++n] = feed }
			}
			END {
				for (i = 1; i <= n; i++) {
					f = feeds[i]; small = ns[f, "1000"]; large = ns[f, "100000"]
					if (large == "") {
						printf "render %s feed: %.1f ms/publish at 1k articles; 100k not run\n", f, small / 1e6
						continue
					}
					ok = large / 1e6 < target && large / small <= growth
					printf "render %s feed: %.1f ms/publish at 1k articles, %.1f ms at 100k (x%.1f; target < %d ms and flat): %s\n", \
						f, small / 1e6, large / 1e6, large / small, target, ok ? "ok" : "TARGET MISSED"
				}
			}
		' "$work/render.txt" >>"$summary"
	fi
	echo
fi

if [[ -z $only || $only == bounces ]]; then
	# 100,000 DSNs through the SMTP bounce receiver over four connections,
	# as an MTA delivers them: each parsed, matched by its VERP token and
	# recorded.
	echo "### Bounces (go test -bench ReceiverParallel ./bounce/)"
	echo "@section bounces" >>"$summary"
	go test -run '^$' -bench 'ReceiverParallel' -benchtime=${BENCH_BOUNCES:-100000}x -timeout 30m ./bounce/ | tee "$work/bounces.txt"
	if ((PIPESTATUS[0] != 0)); then
		echo "bounces: CRASHED (see above)" >>"$summary"
		crashed=1
	else
		awk -v target="${BENCH_BOUNCES_TARGET:-2000}" '
			$1 ~ /^BenchmarkReceiverParallel/ {
				for (i = 2; i < NF; i++) { if ($(i + 1) == "reports/s") rate = $i; if ($(i + 1) == "MB-heap-growth") heap = $i }
				printf "bounces: %d reports classified and recorded, %.0f a second (target >= %d), live heap %+.1f MB after them: %s\n", \
					$2, rate, target, heap, rate >= target && heap < 16 ? "ok" : "TARGET MISSED"
			}
		' "$work/bounces.txt" >>"$summary"
	fi
	echo
fi

# The ingest, delivery and digest benchmarks print their own figures; their
# closing lines go into the summary.
for name in ingest mail digest; do
	[[ -z $only || $only == "$name" ]] || continue
	echo "### ${name^} (scripts/bench/$name.sh)"
	echo "@section $name" >>"$summary"
	if scripts/bench/$name.sh | tee "$work/$name.txt"; then
		tail -n 6 "$work/$name.txt" >>"$summary"
	else
		tail -n 6 "$work/$name.txt" >>"$summary"
		echo "$name: CRASHED (see above)" >>"$summary"
		crashed=1
	fi
	echo
done

if [[ -z $only || $only == soak ]]; then
	echo "### Soak (scripts/bench/soak.sh)"
	echo "@section soak" >>"$summary"
	if ! BENCH_SUMMARY=$summary scripts/bench/soak.sh; then
		echo "soak: CRASHED (see above)" >>"$summary"
		crashed=1
	fi
	echo
fi

/usr/bin/python3 scripts/bench/report.py "$summary" BENCHMARKS.md && echo "Wrote BENCHMARKS.md."

elapsed=$(($(date +%s) - started))
echo "### Summary"
sed 's/^@section \(.*\)/\1:/' "$summary"
printf 'make bench took %dm%02ds\n' $((elapsed / 60)) $((elapsed % 60))
grep -q 'TARGET MISSED' "$summary" && echo "TARGET MISSED: see the lines above."
exit "$crashed"
