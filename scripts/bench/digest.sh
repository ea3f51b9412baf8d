#!/usr/bin/env bash
# Digest throughput: a personalised digest edition for 100,000 subscribers
# through Postfix's smtp-sink, side by side with smtp-source; at least
# 0.7x its messages per second. See scripts/bench/mail.sh, which runs it.
#
# usage: scripts/bench/digest.sh   (as root, or with sudo for apt-get and smtp-sink -u)
# env:   MESSAGES=100000 SMALL=10000 CONNECTIONS=8 KEEP_TMP=1
exec env BENCH_KIND=digest "$(dirname "$0")/mail.sh" "$@"
