#!/usr/bin/env bash
# Conformance: starts a demo desk and checks every feed it serves with external
# tools: feedparser, jing (Atom RELAX NG schema), JSON Feed 1.1 rules,
# conditional GET, autodiscovery, and newsboat (a real feed reader); then
# scores a confirmation and a newsletter email with SpamAssassin and checks
# their DKIM signatures with dkimpy; last, runs the README's API examples.
# Prints `ok WHAT` / `FAIL WHAT: reason` per check, then
# `conformance: N passed, M failed`; exits 1 if anything failed.
#
# usage: scripts/conformance.sh   (`make conformance` builds bin/newsdesk first)
# env:   KEEP_TMP=1 keeps the temp dir (daemon log, fetched feeds, newsboat caches)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
py=/usr/bin/python3 # Debian's python, which has python3-feedparser (pyenv's has not)
start=$SECONDS
export PYTHONDONTWRITEBYTECODE=1 # no __pycache__ in the tree

# 1. Tools from Debian, only when something is missing.
missing=()
for cmd in jing newsboat sqlite3 curl spamassassin chromium xmllint; do command -v "$cmd" >/dev/null || missing+=("$cmd"); done
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
[ -d /usr/share/fonts/opentype/noto ] || missing+=(fonts-noto-cjk)
{ [ -x "$py" ] && "$py" -c 'import feedparser' 2>/dev/null; } || missing+=(python3-feedparser)
if ((${#missing[@]})); then
  echo "conformance: installing ${missing[*]}"
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    python3-feedparser jing newsboat sqlite3 curl spamassassin chromium fonts-noto-cjk libxml2-utils nginx </dev/null
fi

# Mail checks: SpamAssassin, dkimpy and openssl (for a DKIM key).
mail_missing=()
command -v spamassassin >/dev/null || mail_missing+=(spamassassin)
command -v openssl >/dev/null || mail_missing+=(openssl)
"$py" -c 'import dkim' 2>/dev/null || mail_missing+=(python3-dkim)
if ((${#mail_missing[@]})); then
  echo "conformance: installing ${mail_missing[*]}"
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${mail_missing[@]}" </dev/null
fi

schema=$repo/feeds/testdata/atom.rnc
[ -f "$schema" ] || schema=$repo/scripts/conformance/atom.rnc
[ -f "$schema" ] || { echo "conformance: no atom.rnc in feeds/testdata or scripts/conformance" >&2; exit 2; }
[ -x bin/newsdesk ] || make build

# 2. A demo desk in a temp dir, served on a free port.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-conformance.XXXXXX")
[ "${KEEP_TMP:-}" != 1 ] || echo "conformance: working in $tmp (KEEP_TMP=1: kept afterwards)"
daemon=
srcserver=
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null || true; wait "$daemon" 2>/dev/null || true; fi
  if [ -n "$srcserver" ]; then kill "$srcserver" 2>/dev/null || true; wait "$srcserver" 2>/dev/null || true; fi
  [ "${KEEP_TMP:-}" = 1 ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

results=$tmp/results
: >"$results"
ok() { echo "ok $*" | tee -a "$results"; }
fail() { echo "FAIL $*" | tee -a "$results"; }
summary() {
  local passed failed
  passed=$(grep -c '^ok ' "$results" || true)
  failed=$(grep -c '^FAIL ' "$results" || true)
  echo "took $((SECONDS - start))s"
  echo "conformance: $passed passed, $failed failed"
  [ "$failed" = 0 ]
}
die() { fail "$*"; summary || true; exit 1; }
# Runs a Python helper; its ok/FAIL lines count, and a crash is a failure.
helper() {
  local name=$1; shift
  if ! "$py" "$repo/scripts/conformance/$name" "$@" 2>"$tmp/$name.err" | tee -a "$results"; then
    fail "$name crashed: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')"
  fi
}

cd "$tmp" # init writes newsdesk.toml into the current directory
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
export NEWSDESK_SITE_BASE_URL=$base
nd() { "$repo/bin/newsdesk" "$@" --config "$tmp/newsdesk.toml" --data "$tmp/data"; }

"$repo/bin/newsdesk" init --demo --data "$tmp/data" >init.log 2>&1 ||
  die "newsdesk init --demo: $(tail -n 3 init.log | tr '\n' ' ')"
nd export --out "$tmp/export" >export.log 2>&1 || die "newsdesk export: $(tail -n 3 export.log | tr '\n' ' ')"
# Related reading: two fixture feeds on a loopback server, ingested once. The
# fixtures' dates are fixed, so retention is stretched to keep them.
export NEWSDESK_INGEST_ALLOW_PRIVATE=true NEWSDESK_INGEST_RETENTION=876000h
src_port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$py" -m http.server --bind 127.0.0.1 --directory "$repo/feeds/testdata/conformance" "$src_port" >sources.log 2>&1 &
srcserver=$!
for _ in $(seq 50); do curl -fsS -o /dev/null "http://127.0.0.1:$src_port/harbour-watch.xml" 2>/dev/null && break; sleep 0.1; done
nd source add "http://127.0.0.1:$src_port/harbour-watch.xml" --category economy >sources.out 2>&1 &&
  nd source add "http://127.0.0.1:$src_port/city-ledger.xml" --category cities >>sources.out 2>&1 ||
  die "newsdesk source add: $(tail -n 2 sources.out | tr '\n' ' ')"
if nd ingest >ingest.log 2>&1 && grep -q '^ingest: 2 sources, 8 new' ingest.log; then
  ok "ingest: $(tail -n 1 ingest.log)"
else
  fail "ingest: $(tail -n 3 ingest.log | tr '\n' ' ')"
fi

# Not through nd: a backgrounded function is a subshell, and killing it
# would leave the daemon running.
"$repo/bin/newsdesk" serve --listen "127.0.0.1:$port" --config "$tmp/newsdesk.toml" --data "$tmp/data" \
  >serve.out 2>serve.log </dev/null &
daemon=$!
for _ in $(seq 100); do
  curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break
  kill -0 "$daemon" 2>/dev/null || die "newsdesk serve exited: $(tail -n 3 serve.log | tr '\n' ' ')"
  sleep 0.1
done
curl -fsS -o /dev/null "$base/healthz" || die "/healthz did not answer 200 within 10s"
ok "serve: /healthz answers on $base"
first=$(head -n 1 serve.out)
[ "$first" = "newsdesk listening on $base" ] && ok "serve: announces its address" ||
  fail "serve: first stdout line is '$first', want 'newsdesk listening on $base'"

# 3. Every feed: found by export (site, categories, authors; the related feeds,
# which have no page of their own to discover them from, are added below).
# Site feeds first, then categories and authors.
mapfile -t feeds < <(cd export && find . -type f \( -name feed.xml -o -name atom.xml -o -name feed.json \) |
  sed 's|^\./||' | grep -v '^related/' | awk -F/ '{ print NF "\t" $0 }' | sort | cut -f2-)
n_site=0 n_cat=0 n_author=0
for f in "${feeds[@]}"; do
  case $f in feed.xml | atom.xml | feed.json) n_site=$((n_site + 1)) ;; category/*) n_cat=$((n_cat + 1)) ;; author/*) n_author=$((n_author + 1)) ;; esac
done
what="discovery: export wrote ${#feeds[@]} feeds ($n_site site, $n_cat category, $n_author author)"
if [ "$n_site" = 3 ] && ((n_cat >= 3 && n_author >= 3 && n_cat % 3 == 0 && n_author % 3 == 0)); then ok "$what"; else fail "$what"; fi
urls=()
for f in "${feeds[@]}"; do urls+=("$base/$f"); done
for f in related/feed.xml related/atom.xml; do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$base/$f")" = 200 ] && urls+=("$base/$f")
done

related_page=$(curl -fsS "$base/articles/harbour-at-a-crossroads" || true)
if grep -q 'Related reading' <<<"$related_page" && grep -q 'href="https://harbourwatch.example/">Harbour Watch</a>' <<<"$related_page"; then
  ok "related: article page shows related reading with its source"
else
  fail "related: /articles/harbour-at-a-crossroads shows no attributed related reading"
fi
# The page's own JSON-LD is data, not a script: it is left out of the search.
unsafe=$(for f in related/feed.xml related/atom.xml articles/harbour-at-a-crossroads; do curl -fsS "$base/$f"; done |
  sed 's#<script type="application/ld+json">##g' |
  grep -Eio '<script|<iframe|onerror=|onclick=|javascript:' | sort -u | tr '\n' ' ' || true)
[ -z "$unsafe" ] && ok "related: no script, iframe, event handler or javascript: URL from the fixtures" ||
  fail "related: served pages and feeds hold $unsafe"

helper check_discovery.py "$base" "${feeds[@]}"
helper check_feeds.py --schema "$schema" --export "$tmp/export" "${urls[@]}"

for f in category/no-such-category/{feed.xml,atom.xml,feed.json} author/no-such-author/feed.xml; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "$base/$f")
  [ "$code" = 404 ] && ok "404 /$f" || fail "404 /$f: got $code"
done

xml_urls=()
for u in "${urls[@]}"; do [[ $u == *.xml ]] && xml_urls+=("$u"); done
helper check_newsboat.py "$tmp/newsboat" "${xml_urls[@]}"

# Pages: Lighthouse, axe-core, sitemaps and the export (scripts/conformance/pages.sh).
source "$repo/scripts/conformance/pages.sh"

# Digests: a demo subscriber's digest in HTML, shown by headless Chromium
# at 600 and 375 px, then sent through the file transport (the daemon
# delivers it) and scored by SpamAssassin offline.
digest_html=$tmp/digest-chloe.html
if nd digest preview --newsletter weekly --subscriber chloe.martin@example.net --format html \
  >"$digest_html" 2>digest.log && grep -q '</html>' "$digest_html"; then
  ok "digest: preview renders the HTML digest of a demo subscriber"
else
  fail "digest: preview: $(tail -n 2 digest.log | tr '\n' ' ')"
fi
for w in 600 375; do
  png=$tmp/digest-$w.png
  profile=$(mktemp -d "$tmp/chromium.XXXXXX")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --user-data-dir="$profile" \
    --window-size=$w,1800 --screenshot="$png" "file://$digest_html" >"chromium-$w.log" 2>&1 || true
  if [ -s "$png" ] && [ "$(head -c 8 "$png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
    cp "$png" "/tmp/newsdesk-digest-$w.png"
    ok "digest: Chromium screenshot at $w px ($(wc -c <"$png") bytes, /tmp/newsdesk-digest-$w.png)"
  else
    fail "digest: no PNG screenshot at $w px: $(tail -n 2 "chromium-$w.log" | tr '\n' ' ')"
  fi
done
if nd digest send --newsletter weekly --now >digest-send.log 2>&1 && grep -q ' 3 sent' digest-send.log; then
  ok "digest: send --now delivered the weekly digest to its 3 demo subscribers"
else
  fail "digest: send --now: $(tail -n 2 digest-send.log | tr '\n' ' ')"
fi
eml=$(grep -l '^To: .*ada.reader@example.com' "$tmp/data/outbox"/*.eml 2>/dev/null | head -n 1 || true)
score=$([ -n "$eml" ] && spamassassin -L -t <"$eml" 2>/dev/null |
  sed -n 's/^X-Spam-Status: [A-Za-z]*, score=\(-\{0,1\}[0-9.]*\).*/\1/p' | head -n 1 || true)
if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s < 1.0) }'; then
  ok "digest: SpamAssassin scores the digest $score (< 1.0)"
else
  fail "digest: SpamAssassin score '${score:-none}' for ${eml:-no .eml in the outbox}, want < 1.0"
fi

kill -0 "$daemon" 2>/dev/null && ok "serve: still running" || fail "serve: the daemon died during the checks"
errors=$(grep -c 'level=ERROR' serve.log || true)
[ "$errors" = 0 ] && ok "serve: no errors logged" ||
  fail "serve: $errors errors logged, e.g. $(grep -m1 'level=ERROR' serve.log)"

# 4. Email: a desk that signs with DKIM writes a confirmation and a newsletter
# with the file transport; SpamAssassin scores them offline and dkimpy checks
# the signatures against the key the desk was given.
mail=$tmp/mail
mkdir -p "$mail"
openssl genrsa -out "$mail/dkim.pem" 2048 2>/dev/null
echo "v=DKIM1; k=rsa; p=$(openssl rsa -in "$mail/dkim.pem" -pubout -outform DER 2>/dev/null | base64 -w0)" >"$mail/dkim.txt"
postal="1 Harbour Street, Bristol BS1 1AA, United Kingdom"
mnd() {
  env NEWSDESK_SITE_BASE_URL=https://news.harbour-review.example NEWSDESK_SITE_TITLE="The Harbour Review" \
    NEWSDESK_SITE_POSTAL_ADDRESS="$postal" NEWSDESK_MAIL_FROM="The Harbour Review <news@harbour-review.example>" \
    NEWSDESK_DKIM_DOMAIN=harbour-review.example NEWSDESK_DKIM_SELECTOR=nd NEWSDESK_DKIM_KEY_FILE="$mail/dkim.pem" \
    "$repo/bin/newsdesk" "$@" --config "$mail/newsdesk.toml" --data "$mail/data"
}
if mnd init --demo >"$mail/init.log" 2>&1 && mnd subscriber add new.reader@example.com --newsletter weekly >"$mail/add.log" 2>&1 &&
  mnd digest send --newsletter weekly --now >"$mail/send.log" 2>&1; then
  ok "mail: digest send delivered an edition and a confirmation to .eml files"
  confirmation=$(ls "$mail"/data/outbox/t*.eml 2>/dev/null | head -n 1 || true)
  newsletter=$(ls "$mail"/data/outbox/e*.eml 2>/dev/null | head -n 1 || true)
  helper check_mail.py --record "$mail/dkim.txt" --selector nd --domain harbour-review.example --postal "$postal" \
    "confirmation=$confirmation" "newsletter=$newsletter"
  # Mailpit's client-support score and phone-width renderings (scripts/conformance/mail.sh).
  source "$repo/scripts/conformance/mail.sh"
else
  fail "mail: newsdesk could not write mail: $(cat "$mail"/*.log | tail -n 3 | tr '\n' ' ')"
fi

# 5. The API: the README's curl examples, run as they are against a fresh
# demo desk with a token from token add.
mkdir -p "$tmp/api"
helper check_api.py --newsdesk "$repo/bin/newsdesk" --readme "$repo/README.md" --dir "$tmp/api"

# 6. The editors' desk in headless Chromium: Go tests behind the build tag
# "browser" (cmd/newsdesk/browser_test.go) drive it through chromedp against
# a daemon of their own; each step is a subtest and counts here.
shots=${SCREENSHOT_DIR:-/tmp/newsdesk-screenshots}
rm -rf "$shots"
echo "conformance: editors' desk screenshots go to $shots"
(cd "$repo" && SCREENSHOT_DIR=$shots go test -tags browser -count=1 -run '^TestBrowser' -v ./cmd/newsdesk/) >browser.log 2>&1 || true
while read -r verdict name; do
  case $verdict in PASS) ok "browser: ${name//_/ }" ;; FAIL) fail "browser: ${name//_/ }: $(grep -m1 -E '^ +browser_test.go:[0-9]+:' browser.log | sed 's/^ *//')" ;; esac
done < <(sed -n 's/^ *--- \(PASS\|FAIL\): TestBrowserDesk\/\([^ ]*\) .*/\1 \2/p' browser.log)
if grep -q '^--- PASS: TestBrowserDesk' browser.log; then
  ok "browser: $(ls "$shots"/*.png 2>/dev/null | wc -l) screenshots in $shots"
else
  fail "browser: the desk tests did not pass: $(grep -m3 -E 'browser_test.go|FAIL|panic' browser.log | tr '\n' ' ')"
fi

{ bash "$repo/scripts/conformance/bounces.sh" 2>"$tmp/bounces.err" || true; } | grep -E '^(ok|FAIL) ' | tee -a "$results" || fail "bounces: no result from scripts/conformance/bounces.sh: $(tail -n 2 "$tmp/bounces.err" | tr '\n' ' ')"
"$repo/scripts/conformance/proxy.sh" 2>"$tmp/proxy.err" | tee -a "$results" || fail "proxy.sh: $(tail -n 2 "$tmp/proxy.err" | tr '\n' ' ')"
"$repo/scripts/conformance/import.sh" 2>"$tmp/import.err" | tee -a "$results" || fail "import.sh: $(tail -n 2 "$tmp/import.err" | tr '\n' ' ')"

# 7. Verdict.
summary
