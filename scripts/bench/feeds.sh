#!/usr/bin/env bash
# Feeds vs nginx: requests per second for /feed.xml served by the daemon and
# by nginx serving `newsdesk export` of the same demo desk, for a plain GET
# (200, no gzip) and a conditional GET that gets 304. With BENCH_PATH set,
# the same for another path: make bench measures the front page and the
# longest article this way ("pages").
#
# Only one server is under load at a time: wrk and the server share the
# machine's cores. The daemon runs once with GOMAXPROCS unset (what an
# operator gets) and once more for each value in BENCH_GOMAXPROCS.
#
# Environment:
#   BENCH_DURATION   seconds per measurement (default 10)
#   BENCH_WARMUP     seconds of warm-up before each (default 2)
#   BENCH_ROUNDS     rounds, each server alternating; medians are kept (default 1)
#   BENCH_GOMAXPROCS extra GOMAXPROCS values to try for the daemon (default "1")
#   BENCH_TARGET     the newsdesk/nginx ratio to reach (default 0.8)
#   BENCH_SUMMARY    file to append the verdict lines to (optional)
#   BENCH_PATH       the path to load (default /feed.xml)
#   BENCH_NAME       what the verdict lines call it (default "feeds")
#
# Exits non-zero only when something crashes, never on a missed target.
set -euo pipefail

cd "$(dirname "$0")/../.."
root=$PWD
duration=${BENCH_DURATION:-10}
warmup=${BENCH_WARMUP:-2}
rounds=${BENCH_ROUNDS:-1}
variants=(unset ${BENCH_GOMAXPROCS-1})
target=${BENCH_TARGET:-0.8}
summary=${BENCH_SUMMARY:-/dev/null}
wrk_args=(-t2 -c50)
path=${BENCH_PATH:-/feed.xml}
name=${BENCH_NAME:-feeds}

log() { printf '== %s\n' "$*" >&2; }
die() { printf 'feeds bench: %s\n' "$*" >&2; exit 1; }

# ensure_tools installs nginx and wrk from Debian when either is missing.
ensure_tools() {
	local missing=()
	command -v nginx >/dev/null || missing+=(nginx-light)
	command -v wrk >/dev/null || missing+=(wrk)
	command -v curl >/dev/null || missing+=(curl)
	((${#missing[@]} == 0)) && return
	log "installing ${missing[*]}"
	local sudo=()
	[[ $(id -u) == 0 ]] || sudo=(sudo -n)
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# free_port prints a TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_http waits up to 10 s for url to answer.
wait_http() {
	local i
	for ((i = 0; i < 100; i++)); do
		curl -fs -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}

tmp=$(mktemp -d /tmp/newsdesk-bench.XXXXXX)
chmod 755 "$tmp" # nginx's workers may run as another user
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT

nd_pid=
# start_newsdesk starts the daemon with GOMAXPROCS set to $1 ("unset" for
# the default) and waits for its address line.
start_newsdesk() {
	local env=(env -u GOMAXPROCS NEWSDESK_SITE_BASE_URL="$nd_base")
	[[ $1 == unset ]] || env+=(GOMAXPROCS="$1")
	rm -f "$tmp/serve.out"
	(cd "$tmp" && exec "${env[@]}" "$tmp/newsdesk" serve --data "$tmp/data" --listen "127.0.0.1:$nd_port" \
		>"$tmp/serve.out" 2>>"$tmp/serve.err") &
	nd_pid=$!
	pids+=("$nd_pid")
	local i
	for ((i = 0; i < 100; i++)); do
		[[ -f $tmp/serve.out && $(wc -l <"$tmp/serve.out") -gt 0 ]] && break
		kill -0 "$nd_pid" 2>/dev/null || { cat "$tmp/serve.err" >&2; die "newsdesk serve exited"; }
		sleep 0.1
	done
	local line
	line=$(head -n1 "$tmp/serve.out")
	[[ $line == "newsdesk listening on http://127.0.0.1:$nd_port" ]] || die "unexpected first line from serve: $line"
	wait_http "$nd_base/healthz" || die "newsdesk does not answer on $nd_base"
}

stop_newsdesk() {
	kill "$nd_pid"
	wait "$nd_pid" 2>/dev/null || true
	nd_pid=
}

start_nginx() {
	mkdir -p "$tmp/nginx/logs"
	cat >"$tmp/nginx/nginx.conf" <<EOF
worker_processes auto;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	types {
		application/rss+xml xml;
		application/feed+json json;
		text/html html;
	}
	default_type application/octet-stream;
	access_log off;
	sendfile on;
	tcp_nopush on;
	etag on;
	keepalive_requests 1000000;
	client_body_temp_path $tmp/nginx/body;
	proxy_temp_path $tmp/nginx/proxy;
	fastcgi_temp_path $tmp/nginx/fastcgi;
	uwsgi_temp_path $tmp/nginx/uwsgi;
	scgi_temp_path $tmp/nginx/scgi;
	server {
		listen 127.0.0.1:$ngx_port;
		root $tmp/site;
		# How export lays out pages: /page/2/ is page/2/index.html, an
		# article NAME.html.
		location / { try_files \$uri \$uri.html \$uri/index.html =404; }
	}
}
EOF
	nginx -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/logs/error.log" &
	ngx_pid=$!
	pids+=("$ngx_pid")
	wait_http "$ngx_base/feed.xml" || { cat "$tmp/nginx/logs/error.log" >&2; die "nginx does not answer on $ngx_base"; }
}

# etag_of prints the ETag the server at url sends, and checks that sending
# it back gets 304.
etag_of() {
	local tag code
	tag=$(curl -fsS -D - -o /dev/null "$1" | tr -d '\r' | awk 'tolower($1) == "etag:" { $1 = ""; sub(/^ /, ""); print }')
	[[ -n $tag ]] || die "no ETag from $1"
	code=$(curl -sS -o /dev/null -w '%{http_code}' -H "If-None-Match: $tag" "$1")
	[[ $code == 304 ]] || die "$1 answers $code, not 304, to If-None-Match: $tag"
	printf '%s' "$tag"
}

# cpu_ticks prints the CPU time, in clock ticks, that process $1 and its
# children (nginx's workers) have used so far.
cpu_ticks() {
	local p kids total=0 t
	kids=$(cat /proc/"$1"/task/*/children 2>/dev/null || true)
	for p in "$1" $kids; do
		# utime and stime are fields 14 and 15, counted after the ")" that ends the name.
		t=$(sed 's/.*) //' /proc/"$p"/stat 2>/dev/null | awk '{ print $12 + $13 }') || t=0
		total=$((total + ${t:-0}))
	done
	echo "$total"
}

# busy_ticks prints "busy total": the clock ticks all CPUs have spent busy
# and in all, so far.
busy_ticks() {
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 }' /proc/stat
}

# load runs wrk against url (with extra wrk arguments after it) while
# process $1 serves, and prints "req/s p50_ms p99_ms errors cpu_us_per_req
# other_pct": the server's CPU time per request, and the share of the
# machine that processes other than the server and wrk used meanwhile.
load() {
	local pid=$1 url=$2 out t0 t1 b0 b1 a0 a1 timer=()
	shift 2
	[[ -x /usr/bin/time ]] && timer=(/usr/bin/time -f 'wrk-cpu %U %S')
	wrk "${wrk_args[@]}" -d"${warmup}s" "$@" "$url" >/dev/null
	t0=$(cpu_ticks "$pid")
	read -r b0 a0 < <(busy_ticks)
	out=$("${timer[@]}" wrk "${wrk_args[@]}" -d"${duration}s" --latency "$@" "$url" 2>&1)
	t1=$(cpu_ticks "$pid")
	read -r b1 a1 < <(busy_ticks)
	printf '%s\n' "$out" >>"$tmp/wrk.log"
	awk -v ticks=$((t1 - t0)) -v busy=$((b1 - b0)) -v all=$((a1 - a0)) -v hz="$(getconf CLK_TCK)" '
		function ms(v) {
			if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
			if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
			if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
			return v
		}
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		$1 == "Requests/sec:" { rps = $2 }
		$2 == "requests" && $3 == "in" { n = $1 }
		$1 == "wrk-cpu" { wrk = ($2 + $3) * hz }
		/Non-2xx or 3xx responses:/ { errs += $NF }
		/Socket errors:/ { gsub(/,/, ""); errs += $4 + $6 + $8 + $10 }
		END {
			# Ticks are counted per process and per CPU at slightly different
			# moments, so a quiet machine can come out a little below zero.
			other = wrk == "" || all == 0 ? "-" : sprintf("%.0f", busy - ticks - wrk > 0 ? 100 * (busy - ticks - wrk) / all : 0)
			printf "%.0f %.3f %.3f %d %.1f %s\n", rps, p50, p99, errs, n ? ticks * 1e6 / hz / n : 0, other
		}
	' <<<"$out"
}

# measure appends "server case gomaxprocs req/s p50 p99 errors cpu_us
# other_pct" to the results.
measure() {
	local server=$1 case=$2 procs=$3 url=$4 pid
	shift 4
	pid=$nd_pid
	[[ $server == nginx ]] && pid=$ngx_pid
	log "$server $case (GOMAXPROCS=$procs): wrk ${wrk_args[*]} -d${duration}s $*"
	printf '%s %s %s %s\n' "$server" "$case" "$procs" "$(load "$pid" "$url" "$@")" >>"$tmp/results"
}

ensure_tools
command -v go >/dev/null || die "go not found"
log "building"
make -s build >&2
# A copy, so that a rebuild by someone else mid-run changes nothing here.
cp bin/newsdesk "$tmp/newsdesk"

nd_port=$(free_port)
ngx_port=$(free_port)
while [[ $ngx_port == "$nd_port" ]]; do ngx_port=$(free_port); done
nd_base=http://127.0.0.1:$nd_port
ngx_base=http://127.0.0.1:$ngx_port

log "demo desk in $tmp"
(cd "$tmp" && "$tmp/newsdesk" init --demo --data "$tmp/data" >/dev/null)
(cd "$tmp" && NEWSDESK_SITE_BASE_URL=$nd_base "$tmp/newsdesk" export --out "$tmp/site" --data "$tmp/data" >/dev/null)
start_nginx
start_newsdesk unset

curl -fsS -o "$tmp/nd.body" "$nd_base$path"
curl -fsS -o "$tmp/ngx.body" "$ngx_base$path"
if cmp -s "$tmp/nd.body" "$tmp/ngx.body"; then
	log "$path is byte-identical from both servers ($(wc -c <"$tmp/nd.body") bytes)"
else
	log "WARNING: $path differs between newsdesk and the export"
fi
size=$(wc -c <"$tmp/nd.body")
ngx_etag=$(etag_of "$ngx_base$path")
nd_etag=$(etag_of "$nd_base$path")
log "ETags: nginx $ngx_etag, newsdesk $nd_etag; both answer 304"

: >"$tmp/results"
for ((round = 1; round <= rounds; round++)); do
	for v in "${variants[@]}"; do
		[[ -n $nd_pid ]] || start_newsdesk "$v"
		measure nginx get auto "$ngx_base$path"
		measure newsdesk get "$v" "$nd_base$path"
		measure nginx 304 auto "$ngx_base$path" -H "If-None-Match: $ngx_etag"
		measure newsdesk 304 "$v" "$nd_base$path" -H "If-None-Match: $nd_etag"
		stop_newsdesk
	done
done
if grep -qE 'level=(WARN|ERROR)' "$tmp/serve.err"; then
	log "newsdesk logged warnings or errors:"
	grep -E 'level=(WARN|ERROR)' "$tmp/serve.err" | tail -n 20 >&2
fi

# The table: medians over the runs of each server, case and GOMAXPROCS; the
# ratio compares each daemon row with nginx in the same case. CPU us/req is
# the server's own CPU time (user + system, workers included) per request;
# other % is the share of the machine's CPU that processes besides the
# server and wrk used during the run: when it is not near 0, the figures
# are disturbed.
echo
echo "$name vs nginx: GET $path ($size bytes, no gzip), wrk ${wrk_args[*]} -d${duration}s after ${warmup}s warm-up,"
echo "$(nproc) cores shared by wrk and the server, $rounds round(s), one server under load at a time"
awk -v target="$target" -v summary="$summary" -v name="$name" -v path="$path" '
	function max(a, b) { return a + 0 > b + 0 ? a : b }
	function median(list,   a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j-1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
		return n % 2 ? a[(n+1)/2] : (a[n/2] + a[n/2+1]) / 2
	}
	{
		k = $1 SUBSEP $2 SUBSEP $3
		if (!(k in rps)) keys[++n] = k
		rps[k] = rps[k] " " $4; p50[k] = p50[k] " " $5; p99[k] = p99[k] " " $6
		errs[k] += $7; cpu[k] = cpu[k] " " $8; other[k] = other[k] " " $9
	}
	END {
		printf "%-9s %-8s %-10s %9s %8s %8s %15s %11s %8s %6s\n", "server", "case", "GOMAXPROCS", "req/s", "p50 ms", "p99 ms", "newsdesk/nginx", "CPU us/req", "other %", "errors"
		split("get 304", cases, " ")
		for (c = 1; c <= 2; c++) {
			base = median(rps["nginx" SUBSEP cases[c] SUBSEP "auto"])
			for (i = 1; i <= n; i++) {
				k = keys[i]; split(k, f, SUBSEP)
				if (f[2] != cases[c]) continue
				r = median(rps[k]); ratio = "-"
				if (f[1] == "newsdesk") {
					ratio = sprintf("%.2fx", r / base)
					nk = "nginx" SUBSEP cases[c] SUBSEP "auto"
					busy = max(median(other[k]), median(other[nk]))
					verdicts[++nv] = sprintf("%s%s %s, newsdesk GOMAXPROCS=%s: %.0f vs nginx %.0f req/s = %.2fx (target >= %sx): %s; CPU per request %.1f vs %.1f us%s", \
						name, path == "/feed.xml" && name == "feeds" ? "" : " " path, cases[c] == "get" ? "GET 200" : "GET 304", f[3], r, base, r / base, target, r / base >= target ? "ok" : "TARGET MISSED", \
						median(cpu[k]), median(cpu[nk]), busy > 10 ? sprintf(" -- UNRELIABLE: other processes used up to %d%% of the CPU meanwhile, rerun on a quiet machine", busy) : "")
				}
				printf "%-9s %-8s %-10s %9.0f %8.3f %8.3f %15s %11.1f %8s %6d\n", f[1], cases[c] == "get" ? "GET 200" : "GET 304", f[3], r, median(p50[k]), median(p99[k]), ratio, median(cpu[k]), other[k] ~ /-/ ? "-" : median(other[k]), errs[k]
			}
		}
		print ""
		for (i = 1; i <= nv; i++) { print verdicts[i]; print verdicts[i] >> summary }
	}
' "$tmp/results"
