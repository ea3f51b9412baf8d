# Sourced by scripts/conformance.sh after the mail checks have written a
# confirmation ($confirmation) and a newsletter ($newsletter) as .eml:
# Mailpit (go install, exact version, on loopback) scores each with its
# HTML check, which reads caniemail's data on what mail clients support;
# and Chromium renders each at a phone's width, light and dark, where
# nothing may be wider than the screen.

mail_min=${MAILPIT_MIN:-92}
mailpit_dir=${NEWSDESK_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/newsdesk-conformance-tools}
mailpit=$mailpit_dir/bin/mailpit
if [ ! -x "$mailpit" ]; then
  echo "conformance: installing Mailpit into $mailpit_dir"
  (cd "$repo" && GOBIN=$mailpit_dir/bin GOFLAGS=-mod=mod go install github.com/axllent/mailpit@v1.33.1) >mailpit-install.log 2>&1 ||
    fail "mail: go install mailpit: $(tail -n 3 mailpit-install.log | tr '\n' ' ')"
fi
mp_smtp=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mp_http=$("$py" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$mailpit" --listen "127.0.0.1:$mp_http" --smtp "127.0.0.1:$mp_smtp" --database "$tmp/mailpit.db" \
  --disable-version-check >mailpit.log 2>&1 &
mailpit_pid=$!
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$mp_http/api/v1/info" 2>/dev/null && break; sleep 0.1; done
if curl -fsS -o /dev/null "http://127.0.0.1:$mp_http/api/v1/info"; then
  helper mailcheck.py --smtp "$mp_smtp" --api "http://127.0.0.1:$mp_http" --min "$mail_min" \
    "confirmation=$confirmation" "newsletter=$newsletter"
else
  fail "mail: Mailpit did not start: $(tail -n 3 mailpit.log | tr '\n' ' ')"
fi
kill "$mailpit_pid" 2>/dev/null || true
wait "$mailpit_pid" 2>/dev/null || true

mail_shots=${MAIL_SCREENSHOT_DIR:-/tmp/newsdesk-mail-screenshots}
rm -rf "$mail_shots"
mkdir -p "$mail_shots"
html_parts=()
for m in "confirmation=$confirmation" "newsletter=$newsletter"; do
  name=${m%%=*}
  "$py" -c 'import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
sys.stdout.write(m.get_body(preferencelist=("html",)).get_content())' "${m#*=}" >"$mail_shots/$name.html" 2>/dev/null &&
    html_parts+=("$mail_shots/$name.html") || fail "mail: no HTML part in $name"
done
node_helper mailrender.mjs "$mail_shots" "${html_parts[@]}"
