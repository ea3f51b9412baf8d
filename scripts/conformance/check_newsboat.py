"""Reads feeds with newsboat, a real feed reader, and compares its cache with feedparser.

usage: check_newsboat.py WORKDIR URL...

Each feed gets its own newsboat cache: newsboat keys items by GUID across the
whole cache, and the RSS and Atom feeds rightly share ids, so in one cache the
feed read last would take over the other's items.
"""
import json
import os
import subprocess
import sys

import feedparser

from common import check, path_of

CONFIG = """\
# written by scripts/conformance/check_newsboat.py
user-agent "newsdesk-conformance (newsboat)"
reload-threads 1
"""


def sql(db, query):
    r = subprocess.run(["sqlite3", "-json", db, query], capture_output=True, text=True, check=True)
    return json.loads(r.stdout or "[]")


def check_reader(workdir, url):
    os.makedirs(workdir)
    files = {name: os.path.join(workdir, name) for name in ("urls", "config", "cache.db", "log")}
    with open(files["urls"], "w") as f:
        f.write(url + "\n")
    with open(files["config"], "w") as f:
        f.write(CONFIG)
    r = subprocess.run(
        ["newsboat", "-u", files["urls"], "-c", files["cache.db"], "-C", files["config"],
         "-x", "reload", "-l", "4", "-d", files["log"]],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
        env=dict(os.environ, TERM="dumb"))
    assert r.returncode == 0, f"newsboat exit {r.returncode}: {(r.stderr or r.stdout).strip()}"
    # -l 4 logs errors and warnings only; newsboat exits 0 even on HTTP errors.
    with open(files["log"], encoding="utf-8", errors="replace") as f:
        problems = [line.strip() for line in f if "ERROR" in line or "CRITICAL" in line]
    assert not problems, problems[0]

    feeds = [row["rssurl"] for row in sql(files["cache.db"], "SELECT rssurl FROM rss_feed")]
    assert feeds == [url], f"cache holds feeds {feeds}"
    got = {row["guid"]: row for row in sql(
        files["cache.db"], "SELECT guid, title, url, feedurl FROM rss_item WHERE deleted = 0")}

    d = feedparser.parse(url)
    assert not d.bozo, f"feedparser: bozo {d.get('bozo_exception')!r}"
    want = {e.get("id") or e.get("link"): e for e in d.entries}  # newsboat does the same
    missing, extra = want.keys() - got.keys(), got.keys() - want.keys()
    assert not missing, f"{len(missing)} items missing, e.g. {sorted(missing)[0]}"
    assert not extra, f"{len(extra)} unexpected items, e.g. {sorted(extra)[0]}"
    for guid, e in want.items():
        row = got[guid]
        assert row["title"] == e.title, f"title {row['title']!r}, feedparser read {e.title!r}"
        assert row["url"] == e.link, f"link {row['url']!r}, feedparser read {e.link!r}"
        assert row["feedurl"] == url, f"item {guid} filed under {row['feedurl']!r}"
    return f"{len(want)} items"


def main():
    workdir, urls = sys.argv[1], sys.argv[2:]
    for i, url in enumerate(urls):
        check(f"newsboat {path_of(url)}", check_reader, os.path.join(workdir, str(i)), url)


if __name__ == "__main__":
    main()
