#!/usr/bin/env bash
# Bounces with a real MTA: Debian's Postfix on loopback is newsdesk's relay
# for a local test domain where some users do not exist (local_recipient_maps
# is empty, so they are accepted and bounced at delivery) and one mailbox is
# over quota. newsdesk sends an edition through it with VERP envelope
# senders; Postfix's real DSNs go by a transport map to newsdesk's bounce
# receiver, and a copy of each (a virtual alias) into a mailbox that is
# then imported by hand: the second route must count nothing twice.
#
# Sourced by scripts/conformance.sh (uses its ok/fail, $repo and $tmp), or
# run alone: scripts/conformance/bounces.sh. Needs root (Postfix's master).
if [ -z "${repo:-}" ]; then
  set -euo pipefail
  repo=$(cd "$(dirname "$0")/../.." && pwd)
  tmp=$(mktemp -d "${TMPDIR:-/tmp}/newsdesk-bounces.XXXXXX")
  trap 'bounces_cleanup; [ "${KEEP_TMP:-}" = 1 ] || rm -rf "$tmp" ${bounces_pfdir:-}' EXIT
  ok() { echo "ok $*"; }
  fail() { echo "FAIL $*"; bounces_failed=1; }
  bounces_alone=1
fi

bounces_cleanup() {
  [ -n "${bounces_pf:-}" ] && postfix -c "$bounces_pf/etc" stop >/dev/null 2>&1 || true
  if [ -n "${bounces_daemon:-}" ]; then kill "$bounces_daemon" 2>/dev/null || true; wait "$bounces_daemon" 2>/dev/null || true; fi
  bounces_pf= bounces_daemon=
}

bounces_free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Postfix from Debian with no system configuration, only when missing.
bounces_install() {
  command -v postfix >/dev/null && return 0
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix </dev/null
}

# A private Postfix instance under $1: smtpd on $2, DSNs to bounces@news.example
# routed to 127.0.0.1:$3, mailboxes of test.example as files in $1/mail.
bounces_postfix() {
  local pf=$1 smtp_port=$2 bounce_port=$3
  mkdir -p "$pf/etc" "$pf/queue" "$pf/data" "$pf/mail"
  chmod 755 "$pf" && chown nobody "$pf/mail" && chown postfix "$pf/data"
  cp /etc/postfix/master.cf "$pf/etc/master.cf"
  sed -i "s/^smtp      inet  n       -       y       -       -       smtpd/127.0.0.1:$smtp_port inet n - n - - smtpd/" "$pf/etc/master.cf"
  grep -q "^127.0.0.1:$smtp_port" "$pf/etc/master.cf" || echo "127.0.0.1:$smtp_port inet n - n - - smtpd" >>"$pf/etc/master.cf"
  sed -i 's/^\([a-z]* *unix *[-n] *[-n] *\)y /\1n /' "$pf/etc/master.cf" # no chroot: the maps live in $pf
  cat >"$pf/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mx.test.example
mydomain = test.example
myorigin = test.example
mydestination = test.example
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
# Unknown users are accepted and bounced at delivery, as a relay does.
local_recipient_maps =
alias_maps = hash:$pf/etc/aliases
alias_database = hash:$pf/etc/aliases
mailbox_size_limit = 200000
message_size_limit = 100000
recipient_delimiter = +
transport_maps = hash:$pf/etc/transport
virtual_alias_maps = hash:$pf/etc/virtual
default_transport = error:no mail leaves this test
smtp_dns_support_level = disabled
smtpd_relay_restrictions = permit_mynetworks, reject
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
notify_classes =
maillog_file_prefixes = /var, /dev/stdout, /tmp
maillog_file = $pf/maillog
CF
  # Existing mailboxes are files written by local(8) as nobody; "full" is
  # already past mailbox_size_limit.
  for u in reader1 reader2 full copies; do
    echo "$u: $pf/mail/$u.mbox" >>"$pf/etc/aliases"
    : >"$pf/mail/$u.mbox"
  done
  head -c 250000 /dev/zero | tr '\0' 'x' | fold -w 70 | sed '1s/^/From x@y Thu Jan  1 00:00:00 2026\n/' >"$pf/mail/full.mbox"
  chown nobody "$pf"/mail/*.mbox
  echo "bounces@news.example smtp:[127.0.0.1]:$bounce_port" >"$pf/etc/transport"
  # Each DSN also goes to a mailbox (a virtual alias that keeps itself, since
  # the BCC maps skip mail Postfix makes itself): the route of the import.
  echo "bounces@news.example bounces@news.example, copies@test.example" >"$pf/etc/virtual"
  postalias -c "$pf/etc" "$pf/etc/aliases" && postmap -c "$pf/etc" "$pf/etc/transport" "$pf/etc/virtual"
  postfix -c "$pf/etc" check && postfix -c "$pf/etc" start
}

bounces_main() {
  if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    fail "bounces: Postfix needs root to start its master; skipped"
    return
  fi
  if ! bounces_install; then fail "bounces: cannot install postfix"; return; fi
  [ -x "$repo/bin/newsdesk" ] || (cd "$repo" && make build >/dev/null)
  local dir=$tmp/bounces smtp_port bounce_port http_port
  # Not under $tmp: local(8) writes the mailboxes as nobody, who must reach them.
  bounces_pf=$(mktemp -d /tmp/newsdesk-postfix.XXXXXX)
  bounces_pfdir=$bounces_pf
  mkdir -p "$dir"
  smtp_port=$(bounces_free_port) bounce_port=$(bounces_free_port) http_port=$(bounces_free_port)
  if ! bounces_postfix "$bounces_pf" "$smtp_port" "$bounce_port" >"$dir/postfix.log" 2>&1; then
    fail "bounces: Postfix did not start: $(tail -n 3 "$dir/postfix.log" | tr '\n' ' ')"
    return
  fi
  ok "bounces: Postfix $(postconf -d -h mail_version) relay on 127.0.0.1:$smtp_port"
  nd() {
    env NEWSDESK_SITE_BASE_URL=https://news.example NEWSDESK_MAIL_TRANSPORT=smtp NEWSDESK_SMTP_HOST=127.0.0.1 \
      NEWSDESK_SMTP_PORT="$smtp_port" NEWSDESK_SMTP_TLS=none NEWSDESK_MAIL_FROM="The Review <news@news.example>" \
      NEWSDESK_BOUNCES_ADDRESS=bounces@news.example NEWSDESK_BOUNCES_LISTEN="127.0.0.1:$bounce_port" \
      "$repo/bin/newsdesk" "$@" --config "$dir/newsdesk.toml" --data "$dir/data"
  }
  nd init --demo >"$dir/init.log" 2>&1
  # Only the test domain's readers: the demo's example.com ones would bounce too.
  nd subscriber list | awk 'NR > 1 { print $1 }' | xargs -r -I{} "$repo/bin/newsdesk" subscriber remove {} \
    --config "$dir/newsdesk.toml" --data "$dir/data" >/dev/null
  printf 'email,newsletter\nreader1@test.example,weekly\nreader2@test.example,weekly\nghost1@test.example,weekly\nghost2@test.example,weekly\nfull@test.example,weekly\n' >"$dir/subs.csv"
  nd subscriber import --confirmed "$dir/subs.csv" >"$dir/import.log" 2>&1
  nd serve --listen "127.0.0.1:$http_port" >"$dir/serve.log" 2>&1 &
  bounces_daemon=$!
  for _ in $(seq 50); do grep -q 'receiving bounces' "$dir/serve.log" && break; sleep 0.1; done
  nd digest send --newsletter weekly --now >"$dir/send.log" 2>&1 || { fail "bounces: digest send: $(tail -n 2 "$dir/send.log")"; return; }

  # Wait for Postfix's DSNs to reach the receiver: two unknown users, one full mailbox.
  local list=
  for _ in $(seq 60); do
    list=$(nd bounce list 2>/dev/null)
    [ "$(echo "$list" | awk 'NR > 1' | wc -l)" -ge 3 ] && break
    sleep 1
  done
  echo "$list" >"$dir/bounces.txt"
  local status
  for u in ghost1 ghost2; do
    status=$(nd subscriber list | awk -v a="$u@test.example" '$1 == a { print $2 }')
    if [ "$status" = bounced ] && echo "$list" | grep -E "hard +5\.1\.1 +smtp +$u@test.example +delivery [0-9]+ by verp" >/dev/null; then
      ok "bounces: unknown user $u bounced by Postfix's DSN (5.1.1, matched by VERP)"
    else
      fail "bounces: $u is '$status'; bounce list: $(echo "$list" | grep "$u" | tr -s ' ')"
    fi
  done
  status=$(nd subscriber list | awk '$1 == "full@test.example" { print $2 }')
  if [ "$status" = confirmed ] && echo "$list" | grep -E "soft +[45]\.2\.2 +smtp +full@test.example" >/dev/null; then
    ok "bounces: over-quota mailbox counted soft ($(echo "$list" | awk '/full@/ { print $4 }')), subscriber still confirmed"
  else
    fail "bounces: full@ is '$status'; bounce list: $(echo "$list" | grep full | tr -s ' ')"
  fi
  for u in reader1 reader2; do
    status=$(nd subscriber list | awk -v a="$u@test.example" '$1 == a { print $2 }')
    if [ "$status" = confirmed ] && grep -q "^To: <$u@test.example>" "$bounces_pf/mail/$u.mbox"; then
      ok "bounces: $u received the edition and is untouched"
    else
      fail "bounces: $u is '$status', mailbox $(wc -c <"$bounces_pf/mail/$u.mbox") bytes"
    fi
  done
  # The second route: the copies Postfix put in a mailbox, imported by hand.
  local n=0 seen=0 f
  mkdir -p "$dir/copies"
  /usr/bin/python3 - "$bounces_pf/mail/copies.mbox" "$dir/copies" <<'PY'
import mailbox, sys
for i, m in enumerate(mailbox.mbox(sys.argv[1])):
    open(f"{sys.argv[2]}/{i}.eml", "wb").write(m.as_bytes())
PY
  for f in "$dir"/copies/*.eml; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    nd bounce import "$f" 2>&1 | grep -q 'seen before' && seen=$((seen + 1))
  done
  if [ "$n" -ge 3 ] && [ "$seen" = "$n" ] && [ "$(nd bounce list | awk 'NR > 1' | wc -l)" = "$(echo "$list" | awk 'NR > 1' | wc -l)" ]; then
    ok "bounces: the $n copies delivered to a mailbox and imported count nothing twice"
  else
    fail "bounces: $seen of $n mailbox copies recognised as seen before"
  fi
  grep -q 'level=ERROR' "$dir/serve.log" && fail "bounces: errors logged: $(grep -m1 level=ERROR "$dir/serve.log")" ||
    ok "bounces: the daemon logged no errors"
  bounces_cleanup
}

bounces_main
if [ -n "${bounces_alone:-}" ]; then [ -z "${bounces_failed:-}" ]; fi
