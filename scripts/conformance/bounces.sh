#!/usr/bin/env bash
# Bounces with a real MTA: Debian's Postfix on loopback is newsdesk's relay
# for a local test domain where some users do not exist (local_recipient_maps
# is empty, so they are accepted and bounced at delivery) and one mailbox is
# over quota. newsdesk sends an edition through it with VERP envelope
# senders; Postfix's real DSNs go by a transport map to newsdesk's bounce
# receiver, and a copy of each (a virtual alias) into a mailbox.
# Run 1: the receiver gets them; the mailbox copies, imported by hand,
# count nothing twice. Run 2 (a new desk): the receiver is off, so the
# DSNs reach newsdesk only through the mailbox, served by Dovecot and
# polled over IMAP; then the receiver is turned on, Postfix delivers the
# SMTP copies it had to defer, and again nothing counts twice.
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
  bounces_stop_daemon
  [ -n "${bounces_pf:-}" ] && postfix -c "$bounces_pf/etc" stop >/dev/null 2>&1 || true
  [ -n "${bounces_pf:-}" ] && [ -f "$bounces_pf/dovecot.conf" ] && dovecot -c "$bounces_pf/dovecot.conf" stop >/dev/null 2>&1 || true
  bounces_pf=
}

bounces_stop_daemon() {
  if [ -n "${bounces_daemon:-}" ]; then kill "$bounces_daemon" 2>/dev/null || true; wait "$bounces_daemon" 2>/dev/null || true; fi
  bounces_daemon=
}

bounces_free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Postfix and Dovecot from Debian with no system configuration, only when missing.
bounces_install() {
  command -v postfix >/dev/null && command -v dovecot >/dev/null && return 0
  local sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  echo "postfix postfix/main_mailer_type select No configuration" | $sudo debconf-set-selections
  $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postfix dovecot-imapd </dev/null
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

# A private Dovecot serving the mailbox of the copies (INBOX) on $2.
bounces_dovecot() {
  local pf=$1 port=$2
  mkdir -p "$pf/dovecot-run"
  echo "bounces:{PLAIN}imap-secret::::::" >"$pf/dovecot.passwd"
  cat >"$pf/dovecot.conf" <<CF
base_dir = $pf/dovecot-run
state_dir = $pf/dovecot-run/state
instance_name = newsdesk-conformance
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
log_path = $pf/dovecot.log
default_internal_user = dovecot
default_login_user = dovenull
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = $pf/dovecot.passwd
}
userdb {
  driver = static
  args = uid=$(id -u nobody) gid=$(id -g nobody) home=$pf/mail/home
}
mail_location = mbox:$pf/mail/folders:INBOX=$pf/mail/copies.mbox
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
}
CF
  dovecot -c "$pf/dovecot.conf"
}

# nd runs newsdesk on the desk in $nd_dir with the environment in nd_env;
# in the background, as "nd serve ... &", the process is newsdesk itself.
nd() {
  exec_or_run env NEWSDESK_SITE_BASE_URL=https://news.example NEWSDESK_MAIL_TRANSPORT=smtp NEWSDESK_SMTP_HOST=127.0.0.1 \
    NEWSDESK_SMTP_PORT="$bounces_smtp_port" NEWSDESK_SMTP_TLS=none NEWSDESK_MAIL_FROM="The Review <news@news.example>" \
    NEWSDESK_BOUNCES_ADDRESS=bounces@news.example "${nd_env[@]}" \
    "$repo/bin/newsdesk" "$@" --config "$nd_dir/newsdesk.toml" --data "$nd_dir/data"
}

# A demo desk whose only subscribers are the test domain's: the demo's
# example.com readers would bounce too.
bounces_desk() {
  nd_dir=$1
  mkdir -p "$nd_dir"
  nd init --demo >"$nd_dir/init.log" 2>&1
  nd subscriber list | awk 'NR > 1 { print $1 }' | while read -r a; do nd subscriber remove "$a" >/dev/null; done
  printf 'email,newsletter\nreader1@test.example,weekly\nreader2@test.example,weekly\nghost1@test.example,weekly\nghost2@test.example,weekly\nfull@test.example,weekly\n' >"$nd_dir/subs.csv"
  nd subscriber import --confirmed "$nd_dir/subs.csv" >"$nd_dir/import.log" 2>&1
}

exec_or_run() { if [ -n "${nd_exec:-}" ]; then exec "$@"; else "$@"; fi; }

bounces_start_daemon() {
  : >>"$nd_dir/serve.log"
  (nd_exec=1 nd serve --listen "127.0.0.1:$(bounces_free_port)" >>"$nd_dir/serve.log" 2>&1) &
  bounces_daemon=$!
  for _ in $(seq 50); do grep -q 'newsdesk listening' "$nd_dir/serve.log" && break; sleep 0.1; done
}

bounces_events() { nd bounce list 2>/dev/null | awk 'NR > 1' | wc -l; }

# bounces_wait N SECONDS waits until N events are recorded.
bounces_wait() {
  for _ in $(seq "$2"); do [ "$(bounces_events)" -ge "$1" ] && return; sleep 1; done
}

# bounces_check RUN SOURCE checks the outcome of an edition sent to the test
# domain, its DSNs having come in by SOURCE.
bounces_check() {
  local run=$1 source=$2 list status u
  list=$(nd bounce list 2>/dev/null)
  echo "$list" >"$nd_dir/bounces.txt"
  for u in ghost1 ghost2; do
    status=$(nd subscriber list | awk -v a="$u@test.example" '$1 == a { print $2 }')
    if [ "$status" = bounced ] && echo "$list" | grep -E "hard +5\.1\.1 +$source +$u@test.example +delivery [0-9]+ by verp" >/dev/null; then
      ok "bounces $run: unknown user $u bounced by Postfix's DSN by $source (5.1.1, matched by VERP)"
    else
      fail "bounces $run: $u is '$status'; bounce list: $(echo "$list" | grep "$u" | tr -s ' ')"
    fi
  done
  status=$(nd subscriber list | awk '$1 == "full@test.example" { print $2 }')
  if [ "$status" = confirmed ] && echo "$list" | grep -E "soft +[45]\.2\.2 +$source +full@test.example" >/dev/null; then
    ok "bounces $run: over-quota mailbox counted soft ($(echo "$list" | awk '/full@/ { print $4 }')), subscriber still confirmed"
  else
    fail "bounces $run: full@ is '$status'; bounce list: $(echo "$list" | grep full | tr -s ' ')"
  fi
  for u in reader1 reader2; do
    status=$(nd subscriber list | awk -v a="$u@test.example" '$1 == a { print $2 }')
    if [ "$status" = confirmed ] && grep -q "^To: <$u@test.example>" "$bounces_pf/mail/$u.mbox"; then
      ok "bounces $run: $u received the edition and is untouched"
    else
      fail "bounces $run: $u is '$status', mailbox $(wc -c <"$bounces_pf/mail/$u.mbox") bytes"
    fi
  done
}

# Run 1: DSNs by SMTP, then their mailbox copies imported by hand.
bounces_run1() {
  bounces_desk "$tmp/bounces/run1"
  nd_env=(NEWSDESK_BOUNCES_LISTEN="127.0.0.1:$bounces_bounce_port")
  bounces_start_daemon
  nd digest send --newsletter weekly --now >"$nd_dir/send.log" 2>&1 || { fail "bounces 1: digest send: $(tail -n 2 "$nd_dir/send.log")"; return; }
  bounces_wait 3 60
  bounces_check 1 smtp
  local n=0 seen=0 f before
  before=$(bounces_events)
  mkdir -p "$nd_dir/copies"
  # Postfix delivers the copies on its own time: wait for all three.
  for _ in $(seq 300); do
    copies=$(grep -c '^From ' "$bounces_pf/mail/copies.mbox" 2>/dev/null || true)
    [ "${copies:-0}" -ge 3 ] && break
    sleep 0.1
  done
  /usr/bin/python3 - "$bounces_pf/mail/copies.mbox" "$nd_dir/copies" <<'PY'
import mailbox, sys
for i, m in enumerate(mailbox.mbox(sys.argv[1])):
    open(f"{sys.argv[2]}/{i}.eml", "wb").write(m.as_bytes())
PY
  for f in "$nd_dir"/copies/*.eml; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    nd bounce import "$f" 2>&1 | grep -q 'seen before' && seen=$((seen + 1))
  done
  if [ "$n" -ge 3 ] && [ "$seen" = "$n" ] && [ "$(bounces_events)" = "$before" ]; then
    ok "bounces 1: the $n copies delivered to a mailbox and imported count nothing twice"
  else
    fail "bounces 1: $seen of $n mailbox copies recognised as seen before"
  fi
  grep -q 'level=ERROR' "$nd_dir/serve.log" && fail "bounces 1: errors logged: $(grep -m1 level=ERROR "$nd_dir/serve.log")" ||
    ok "bounces 1: the daemon logged no errors"
  bounces_stop_daemon
  : >"$bounces_pf/mail/copies.mbox" # run 2 starts with an empty mailbox
}

# Run 2: the receiver off, DSNs only by IMAP; then the receiver on.
bounces_run2() {
  local imap_port deferred moved
  imap_port=$(bounces_free_port)
  if ! bounces_dovecot "$bounces_pf" "$imap_port" >"$tmp/bounces/dovecot.log" 2>&1; then
    fail "bounces 2: Dovecot did not start: $(tail -n 3 "$tmp/bounces/dovecot.log" | tr '\n' ' ')"
    return
  fi
  ok "bounces 2: Dovecot $(dovecot --version | cut -d' ' -f1) serving the bounce mailbox on 127.0.0.1:$imap_port"
  bounces_desk "$tmp/bounces/run2"
  nd_env=(NEWSDESK_BOUNCES_IMAP_URL="imap://bounces@127.0.0.1:$imap_port/INBOX?tls=none"
    NEWSDESK_BOUNCES_IMAP_PASSWORD=imap-secret NEWSDESK_BOUNCES_IMAP_INTERVAL=10s)
  bounces_start_daemon
  nd digest send --newsletter weekly --now >"$nd_dir/send.log" 2>&1 || { fail "bounces 2: digest send: $(tail -n 2 "$nd_dir/send.log")"; return; }
  bounces_wait 3 60
  bounces_check 2 imap
  moved=$(/usr/bin/python3 -c 'import imaplib,sys
m=imaplib.IMAP4("127.0.0.1",int(sys.argv[1])); m.login("bounces","imap-secret")
print(m.select("INBOX")[1][0].decode(), m.select("newsdesk-processed")[1][0].decode())' "$imap_port" 2>&1)
  [ "${moved%% *}" = 0 ] && [ "${moved##* }" -ge 3 ] && ok "bounces 2: the messages read were moved to newsdesk-processed, none deleted ($moved)" ||
    fail "bounces 2: INBOX and newsdesk-processed hold '$moved' messages"
  grep -q 'imap-secret' "$nd_dir/serve.log" && fail "bounces 2: the IMAP password is in the log"
  bounces_stop_daemon
  # The SMTP copies Postfix deferred while the receiver was off.
  nd_env+=(NEWSDESK_BOUNCES_LISTEN="127.0.0.1:$bounces_bounce_port")
  bounces_start_daemon
  for _ in $(seq 60); do
    deferred=$(find "$bounces_pf/queue/deferred" "$bounces_pf/queue/active" "$bounces_pf/queue/incoming" -type f 2>/dev/null | wc -l)
    [ "$deferred" = 0 ] && break
    sleep 1
  done
  if [ "$deferred" = 0 ] && [ "$(bounces_events)" = 3 ] && [ "$(grep -c "relay=127.0.0.1\[127.0.0.1\]:$bounces_bounce_port,.*status=sent" "$bounces_pf/maillog")" -ge 6 ] &&
    grep -q "Connection refused" "$bounces_pf/maillog"; then
    ok "bounces 2: the same DSNs delivered late by SMTP count nothing twice ($(bounces_events) events)"
  else
    fail "bounces 2: $deferred messages still queued, $(bounces_events) events after the SMTP copies"
  fi
  grep -q 'level=ERROR' "$nd_dir/serve.log" && fail "bounces 2: errors logged: $(grep -m1 level=ERROR "$nd_dir/serve.log")" ||
    ok "bounces 2: the daemon logged no errors"
  bounces_stop_daemon
}

bounces_main() {
  if [ "$(id -u)" != 0 ] && ! sudo -n true 2>/dev/null; then
    fail "bounces: Postfix needs root to start its master; skipped"
    return
  fi
  if ! bounces_install; then fail "bounces: cannot install postfix and dovecot-imapd"; return; fi
  [ -x "$repo/bin/newsdesk" ] || (cd "$repo" && make build >/dev/null)
  mkdir -p "$tmp/bounces"
  # Not under $tmp: local(8) writes the mailboxes as nobody, who must reach them.
  bounces_pf=$(mktemp -d /tmp/newsdesk-postfix.XXXXXX)
  bounces_pfdir=$bounces_pf
  bounces_smtp_port=$(bounces_free_port) bounces_bounce_port=$(bounces_free_port)
  if ! bounces_postfix "$bounces_pf" "$bounces_smtp_port" "$bounces_bounce_port" >"$tmp/bounces/postfix.log" 2>&1; then
    fail "bounces: Postfix did not start: $(tail -n 3 "$tmp/bounces/postfix.log" | tr '\n' ' ')"
    return
  fi
  ok "bounces: Postfix $(postconf -d -h mail_version) relay on 127.0.0.1:$bounces_smtp_port"
  bounces_run1
  bounces_run2
  bounces_cleanup
}

bounces_main
if [ -n "${bounces_alone:-}" ]; then [ -z "${bounces_failed:-}" ]; fi
