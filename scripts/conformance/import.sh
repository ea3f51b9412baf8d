#!/usr/bin/env bash
# Moving from WordPress with the real binary: imports the test WXR into a
# fresh desk, serves it, and checks that the feeds carry WordPress's guids
# (feedparser, jing, newsboat, through the same helpers as the demo desk's
# feeds), that old permalinks answer 301 to the new pages, and that a
# second import changes nothing, not even a feed's ETag.
#
# Prints `ok WHAT` / `FAIL WHAT: why` lines; scripts/conformance.sh counts
# them. usage: scripts/conformance/import.sh   (KEEP_TMP=1 keeps its files)
set -uo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-import.XXXXXX")
py=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1
wxr=$repo/importer/testdata/wordpress.xml
schema=$repo/feeds/testdata/atom.rnc
daemon=
ok() { echo "ok import: $*"; }
fail() { echo "FAIL import: $*"; }
cleanup() {
  if [ -n "$daemon" ]; then kill "$daemon" 2>/dev/null; wait "$daemon" 2>/dev/null; fi
  if [ "${KEEP_TMP:-}" = 1 ]; then echo "import: files kept in $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
[ -x "$repo/bin/newsdesk" ] || (cd "$repo" && make build) >&2

cd "$tmp" || exit 1
port=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port
export NEWSDESK_SITE_BASE_URL=$base
nd() { "$repo/bin/newsdesk" "$@" --config "$tmp/newsdesk.toml" --data "$tmp/data"; }

"$repo/bin/newsdesk" init --data "$tmp/data" >init.log 2>&1 || { fail "newsdesk init: $(tail -n 2 init.log | tr '\n' ' ')"; exit 0; }
if nd import wordpress "$wxr" >first.out 2>first.err && grep -q ': 5 created, 0 updated, 0 unchanged; not imported: ' first.out; then
  ok "wordpress: $(head -n 1 first.out)"
else
  fail "wordpress: $(head -n 1 first.out) $(tail -n 2 first.err | tr '\n' ' ')"
fi

"$repo/bin/newsdesk" serve --listen "127.0.0.1:$port" --config "$tmp/newsdesk.toml" --data "$tmp/data" \
  >serve.out 2>serve.log </dev/null &
daemon=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && break; sleep 0.1; done
curl -fsS -o /dev/null "$base/healthz" || { fail "serve: /healthz did not answer: $(tail -n 2 serve.log | tr '\n' ' ')"; exit 0; }

# The feeds carry the guids WordPress's feeds carried, and nothing else.
for f in feed.xml atom.xml; do
  if "$py" - "$base/$f" <<'EOF'; then ok "$f ids are WordPress's guids"; else fail "$f ids are not WordPress's guids"; fi
import sys, feedparser
d = feedparser.parse(sys.argv[1])
ids = sorted(e.id for e in d.entries)
want = ["http://old.example.com/?p=1", "http://old.example.com/?p=2"]
if d.bozo or ids != want:
    print(f"bozo {d.bozo}, ids {ids}, want {want}", file=sys.stderr)
    sys.exit(1)
EOF
done
grep -q '<guid isPermaLink="false">http://old.example.com/?p=1</guid>' <(curl -fsS "$base/feed.xml") &&
  ok "RSS guid keeps isPermaLink=\"false\", as WordPress's own feed has it" || fail "RSS guid is not WordPress's"
nd export --out "$tmp/export" >export.log 2>&1 || fail "export: $(tail -n 2 export.log | tr '\n' ' ')"
"$py" "$repo/scripts/conformance/check_feeds.py" --schema "$schema" --export "$tmp/export" \
  "$base/feed.xml" "$base/atom.xml" "$base/feed.json" 2>check_feeds.err | sed 's/^\(ok\|FAIL\) /\1 import: /' ||
  fail "check_feeds.py crashed: $(tail -n 2 check_feeds.err | tr '\n' ' ')"
"$py" "$repo/scripts/conformance/check_newsboat.py" "$tmp/newsboat" "$base/feed.xml" "$base/atom.xml" 2>newsboat.err |
  sed 's/^\(ok\|FAIL\) /\1 import: /' || fail "check_newsboat.py crashed: $(tail -n 2 newsboat.err | tr '\n' ' ')"

# Old permalinks answer 301 to the article; what was never public does not.
while read -r path want; do
  got=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "$base$path")
  if [ "$want" = - ]; then
    [ "${got%% *}" != 301 ] && ok "$path is not redirected (${got%% *})" || fail "$path: $got, want no redirect"
  else
    [ "$got" = "301 $base$want" ] && ok "$path answers 301 to $want" || fail "$path: $got, want 301 $base$want"
  fi
done <<'EOF'
/?p=1 /articles/hello-world
/2014/06/hello-world/ /articles/hello-world
/2015/01/%d0%bf%d1%80%d0%b8%d0%b2%d0%b5%d1%82-%d0%bc%d0%b8%d1%80/ /articles/post-2
/?p=2 /articles/post-2
/feed/ /feed.xml
/category/climate/feed/ /category/climate/feed.xml
/?p=6 -
/2014/06/nothing-here/ -
EOF

# A second import changes nothing: every post unchanged, the feed's bytes the same.
etag=$(curl -fsSI "$base/feed.xml" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
if nd import wordpress "$wxr" >second.out 2>second.err && grep -q ': 0 created, 0 updated, 5 unchanged; ' second.out; then
  ok "second import: $(head -n 1 second.out)"
else
  fail "second import: $(head -n 1 second.out) $(tail -n 2 second.err | tr '\n' ' ')"
fi
sleep 1.2 # the daemon notices content changes within a second
again=$(curl -fsSI "$base/feed.xml" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
[ -n "$etag" ] && [ "$etag" = "$again" ] && ok "second import leaves the feed's ETag as it was" ||
  fail "feed ETag went from '$etag' to '$again' after an import that changed nothing"
