# Sourced by scripts/conformance.sh once the demo daemon serves on $base:
# the public pages as search engines, browsers and assistive technology see
# them. Lighthouse (npm, exact pin, in Debian's Chromium) scores the front
# page, the longest article, a category page and /subscribe; axe-core finds
# no violations on the public pages and the desk, at desktop and phone
# widths; the sitemaps validate against the sitemap protocol's schema with
# xmllint; and every page that export wrote is byte for byte what the
# daemon serves.

pages_min_score=${LIGHTHOUSE_MIN:-98}
npm_dir=${NEWSDESK_NPM_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/newsdesk-conformance-npm}
if ! command -v xmllint >/dev/null; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q libxml2-utils </dev/null >/dev/null
fi
mkdir -p "$npm_dir"
if [ ! -x "$npm_dir/node_modules/.bin/lighthouse" ] || [ ! -f "$npm_dir/node_modules/axe-core/axe.min.js" ]; then
  echo "conformance: installing lighthouse, axe-core and puppeteer-core into $npm_dir"
  (cd "$npm_dir" && npm i -E --no-audit --no-fund --loglevel=error \
    lighthouse@12.2.3 axe-core@4.10.2 puppeteer-core@23.9.0) >npm.log 2>&1 ||
    fail "pages: npm install: $(tail -n 3 npm.log | tr '\n' ' ')"
fi
cp "$repo/scripts/conformance/"*.mjs "$npm_dir/"

# Runs a Node helper; its ok/FAIL lines count, and a crash is a failure.
node_helper() {
  local name=$1; shift
  if ! (cd "$npm_dir" && CHROME_PATH=/usr/bin/chromium timeout 600 node "$name" "$@") 2>"$tmp/$name.err" | tee -a "$results"; then
    fail "$name crashed: $(tail -n 3 "$tmp/$name.err" | tr '\n' ' ')"
  fi
}

node_helper lighthouse.mjs "$pages_min_score" "$base/" "$base/articles/harbour-at-a-crossroads" \
  "$base/category/economy" "$base/subscribe"
editor_password=$(sed -n 's/^Password (shown only now): //p' init.log)
node_helper axe.mjs --login "$base" editor@localhost "$editor_password" \
  "$base/" "$base/articles/harbour-at-a-crossroads" "$base/articles/harbour-cities-sea-level-ja" \
  "$base/category/economy" "$base/author/aiko-tanaka" "$base/subscribe" "$base/search?q=harbour" \
  "$base/admin/" "$base/admin/articles" "$base/admin/articles/new" "$base/admin/newsletters" "$base/admin/editions" \
  "$base/admin/subscribers" "$base/admin/sources" "$base/admin/tokens"

mkdir -p "$tmp/sitemaps"
for s in sitemap.xml sitemap-pages.xml sitemap-articles-1.xml sitemap-news.xml; do
  if ! curl -fsS -o "$tmp/sitemaps/$s" "$base/$s"; then
    fail "sitemap: GET /$s failed"
  elif xmllint --noout --schema "$repo/scripts/conformance/sitemap.xsd" "$tmp/sitemaps/$s" 2>"$tmp/sitemaps/$s.err"; then
    ok "sitemap: /$s is valid ($(grep -c '<loc>' "$tmp/sitemaps/$s") URLs)"
  else
    fail "sitemap: /$s: $(head -n 2 "$tmp/sitemaps/$s.err" | tr '\n' ' ')"
  fi
done
n_articles=$(grep -c '<loc>' "$tmp/sitemaps/sitemap-articles-1.xml" || true)
[ "$n_articles" = 15 ] && ok "sitemap: lists the 15 demo articles" || fail "sitemap: lists $n_articles articles, want 15"
robots=$(curl -fsS "$base/robots.txt" || true)
[[ $robots == *"Sitemap: $base/sitemap.xml"* && $robots == *"Disallow: /admin/"* ]] &&
  ok "robots.txt: keeps crawlers out of the desk and names the sitemap" || fail "robots.txt: $robots"

# The export was written before ingest; related reading has changed the
# article pages since, so they are exported again for the comparison.
nd export --out "$tmp/export-now" >export-now.log 2>&1 || fail "pages: export: $(tail -n 2 export-now.log | tr '\n' ' ')"
mismatched=0 compared=0
while IFS= read -r -d '' file; do
  rel=${file#"$tmp/export-now"}
  case $rel in /media/*) continue ;; esac
  path=${rel%index.html}
  path=${path%.html}
  compared=$((compared + 1))
  if ! curl -fsS "$base$path" | cmp -s - "$file"; then
    mismatched=$((mismatched + 1))
    [ "$mismatched" -le 3 ] && fail "export: $path differs from what the daemon serves"
  fi
done < <(find "$tmp/export-now" -type f -print0)
[ "$mismatched" = 0 ] && ok "export: all $compared pages and feeds are byte-identical to what the daemon serves"

# Pages carry validators and answer conditional requests like the feeds.
tag=$(curl -fsS -D - -o /dev/null "$base/articles/harbour-at-a-crossroads" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: //p')
code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $tag" "$base/articles/harbour-at-a-crossroads")
[ -n "$tag" ] && [ "$code" = 304 ] && ok "pages: an article page has an ETag and answers 304" ||
  fail "pages: ETag '$tag', If-None-Match gave $code"
