"""Checks feeds served over HTTP, one URL at a time.

usage: check_feeds.py --schema atom.rnc --export DIR URL...

Per feed: feedparser (bozo 0, entry count = items in the document), jing
against the Atom schema, JSON Feed 1.1 rules, absolute URLs, conditional GET
(ETag and Last-Modified) and byte identity with `newsdesk export`.
"""
import argparse
import importlib.util
import json
import os
import subprocess
import tempfile
import xml.etree.ElementTree as ET

import feedparser

from common import ABSOLUTE, check, fail, fetch, path_of, relative_urls

ATOM = "{http://www.w3.org/2005/Atom}"
KINDS = {"application/rss+xml": "rss", "application/atom+xml": "atom",
         "application/feed+json": "json", "application/json": "json"}
FEEDPARSER_VERSION = {"rss": "rss20", "atom": "atom10", "json": "json11"}
# Debian's feedparser 6.0.x has no JSON Feed parser; newer ones do.
FEEDPARSER_JSON = importlib.util.find_spec("feedparser.parsers.json") is not None


def local(tag):
    return tag.rsplit("}", 1)[-1]


def count_items(kind, body):
    if kind == "json":
        return len(json.loads(body)["items"])
    root = ET.fromstring(body)
    return len(root.findall("channel/item") if kind == "rss" else root.findall(ATOM + "entry"))


def check_feedparser(url, kind, body):
    d = feedparser.parse(url)
    if d.get("status") != 200:
        raise AssertionError(f"HTTP status {d.get('status')}")
    if d.bozo:
        raise AssertionError(f"bozo: {d.get('bozo_exception')!r}")
    if d.version != FEEDPARSER_VERSION[kind]:
        raise AssertionError(f"version {d.version!r}, want {FEEDPARSER_VERSION[kind]!r}")
    want = count_items(kind, body)
    if len(d.entries) != want:
        raise AssertionError(f"{len(d.entries)} entries, document has {want}")
    return f"{want} entries"


def check_jing(schema, body):
    with tempfile.NamedTemporaryFile(suffix=".xml") as f:
        f.write(body)
        f.flush()
        # jing warns on stderr about optional jars: judge by exit code and stdout.
        r = subprocess.run(["jing", "-c", schema, f.name], capture_output=True, text=True)
    if r.returncode != 0 or r.stdout.strip():
        raise AssertionError(f"exit {r.returncode}: {r.stdout.strip().replace(f.name, 'feed')}")


def check_jsonfeed(url, body):
    doc = json.loads(body)
    assert doc.get("version") == "https://jsonfeed.org/version/1.1", f"version {doc.get('version')!r}"
    for key in ("title", "home_page_url", "feed_url"):
        assert isinstance(doc.get(key), str) and doc[key], f"missing {key}"
    assert doc["feed_url"] == url, f"feed_url {doc['feed_url']!r} is not {url!r}"
    items = doc.get("items")
    assert isinstance(items, list), "items is not a list"
    for i, item in enumerate(items):
        for key in ("id", "url", "content_html"):
            assert isinstance(item.get(key), str) and item[key], f"item {i} has no {key}"
    ids = [item["id"] for item in items]
    assert len(set(ids)) == len(ids), "duplicate item ids"
    return f"{len(items)} items"


def urls_in_json(node, key=""):
    """(key, value) for every URL-valued field and every URL inside content_html."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from urls_in_json(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from urls_in_json(v, key)
    elif isinstance(node, str):
        if key.endswith("url") or key in ("image", "banner_image", "icon", "favicon"):
            yield key, node
        elif key == "content_html":
            yield from ((key, u) for u in relative_urls(node))


def urls_in_xml(body):
    for el in ET.fromstring(body).iter():
        name = local(el.tag)
        if "href" in el.attrib:
            yield name + "@href", el.attrib["href"]
        if name in ("link", "uri", "url") and el.text and el.text.strip():
            yield name, el.text.strip()
        if name in ("encoded", "description", "content", "summary"):
            yield from ((name, u) for u in relative_urls(el.text))


def check_absolute(kind, body):
    found = urls_in_json(json.loads(body)) if kind == "json" else urls_in_xml(body)
    bad = [f"{k}={v!r}" for k, v in found if not ABSOLUTE.match(v)]
    assert not bad, f"{len(bad)} relative: " + ", ".join(bad[:5])


def check_not_modified(url, header, value):
    assert value, f"no {'ETag' if header == 'If-None-Match' else 'Last-Modified'} in the 200 response"
    if header == "If-None-Match":
        assert not value.startswith("W/"), f"weak ETag {value}"
    status, _, body = fetch(url, {header: value})
    assert status == 304, f"{header}: {value} got {status}, want 304"
    assert not body, f"304 with a {len(body)}-byte body"


def check_export(export_dir, url, body):
    path = os.path.join(export_dir, path_of(url).lstrip("/"))
    assert os.path.isfile(path), f"export did not write {path_of(url)}"
    with open(path, "rb") as f:
        exported = f.read()
    assert exported == body, f"export differs from what serve sends ({len(exported)} vs {len(body)} bytes)"


def check_feed(url, schema, export_dir):
    p = path_of(url)
    status, headers, body = fetch(url)
    ctype = (headers.get("Content-Type") or "").split(";")[0].strip()
    kind = KINDS.get(ctype)
    if status != 200 or kind is None:
        check(f"fetch {p}", fail, f"HTTP {status}, Content-Type {ctype!r}, want a feed")
        return
    if kind != "json" or FEEDPARSER_JSON:
        check(f"feedparser {p}", check_feedparser, url, kind, body)
    if kind == "atom":
        check(f"jing atom.rnc {p}", check_jing, schema, body)
    if kind == "json":
        check(f"jsonfeed {p}", check_jsonfeed, url, body)
    check(f"absolute URLs {p}", check_absolute, kind, body)
    check(f"304 If-None-Match {p}", check_not_modified, url, "If-None-Match", headers.get("ETag"))
    check(f"304 If-Modified-Since {p}", check_not_modified, url, "If-Modified-Since",
          headers.get("Last-Modified"))
    # Related reading changes as sources are ingested, so it may differ from the export.
    if export_dir and not p.startswith("/related/"):
        check(f"export identical {p}", check_export, export_dir, url, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--export")
    ap.add_argument("urls", nargs="+")
    args = ap.parse_args()
    if not FEEDPARSER_JSON:
        print(f"note: feedparser {feedparser.__version__} cannot parse JSON Feed; "
              "JSON feeds get the jsonfeed checks only", flush=True)
    for url in args.urls:
        check_feed(url, args.schema, args.export)


if __name__ == "__main__":
    main()
