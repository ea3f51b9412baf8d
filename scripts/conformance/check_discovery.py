"""Checks that each page advertises exactly its feeds with <link rel="alternate">.

usage: check_discovery.py BASE_URL FEED_PATH...   (paths as export wrote them)

The feeds of /category/x/feed.xml belong to the page /category/x, those of
/feed.xml to the front page /.
"""
import posixpath
import sys
from collections import defaultdict
from html.parser import HTMLParser

from common import check, fetch

FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/feed+json"}


class Alternates(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link" and "alternate" in (a.get("rel") or "").lower().split() \
                and (a.get("type") or "").lower() in FEED_TYPES:
            self.links.add(a.get("href"))


def check_page(page_url, want):
    status, _, body = fetch(page_url)
    assert status == 200, f"HTTP {status}"
    parser = Alternates()
    parser.feed(body.decode("utf-8"))
    missing, extra = want - parser.links, parser.links - want
    assert not missing and not extra, f"missing {sorted(missing)}, unexpected {sorted(extra)}"
    return f"{len(want)} feeds"


def main():
    base, paths = sys.argv[1].rstrip("/"), sys.argv[2:]
    pages = defaultdict(set)
    for p in paths:
        pages["/" + posixpath.dirname(p.strip("/"))].add(base + "/" + p.strip("/"))
    for page in sorted(pages):
        check(f"autodiscovery {page}", check_page, base + page, pages[page])


if __name__ == "__main__":
    main()
