#!/usr/bin/python3
"""Scores mail with Mailpit's HTML check (caniemail's data on which mail
clients support what): sends each message to a Mailpit on loopback and
prints "ok mailpit NAME: N% supported" when N is at least the minimum.

usage: mailcheck.py --smtp PORT --api URL --min 92 NAME=FILE.eml...
"""
import argparse
import json
import smtplib
import time
import urllib.request


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--smtp", type=int, required=True)
    ap.add_argument("--api", required=True)
    ap.add_argument("--min", type=float, default=92)
    ap.add_argument("messages", nargs="+")
    args = ap.parse_args()
    for arg in args.messages:
        name, _, path = arg.partition("=")
        try:
            raw = open(path, "rb").read()
        except OSError as e:
            print(f"FAIL mailpit {name}: {e}")
            continue
        # One message in the mailbox at a time: the one to score.
        urllib.request.urlopen(urllib.request.Request(args.api + "/api/v1/messages", method="DELETE"))
        with smtplib.SMTP("127.0.0.1", args.smtp) as s:
            s.sendmail("check@example.com", ["check@example.com"], raw)
        mid = None
        for _ in range(50):
            listed = json.load(urllib.request.urlopen(args.api + "/api/v1/messages?limit=1"))
            if listed.get("messages"):
                mid = listed["messages"][0]["ID"]
                break
            time.sleep(0.1)
        if not mid:
            print(f"FAIL mailpit {name}: the message did not arrive")
            continue
        check = json.load(urllib.request.urlopen(f"{args.api}/api/v1/message/{mid}/html-check"))
        total = check["Total"]["Supported"]
        worst = sorted(check.get("Warnings", []), key=lambda w: -(w["Score"]["Partial"] + w["Score"]["Unsupported"]) * w["Score"]["Found"])[:3]
        detail = ", ".join(f'{w["Slug"]} ({w["Score"]["Found"]})' for w in worst)
        verdict = "ok" if total >= args.min else "FAIL"
        print(f"{verdict} mailpit {name}: {total:.1f}% supported (at least {args.min:g}%; most used partly supported: {detail})")


if __name__ == "__main__":
    main()
