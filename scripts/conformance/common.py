"""Shared helpers for the conformance checks: one output line per check."""
import re
import sys
import urllib.error
import urllib.request


def check(what, fn, *args):
    """Runs fn(*args); prints `ok WHAT` or `FAIL WHAT: reason`.

    fn passes by returning (optionally a short note) and fails by raising."""
    try:
        note = fn(*args)
    except Exception as e:  # any error is this check's failure, not the run's
        reason = str(e) or type(e).__name__
        print(f"FAIL {what}: {' '.join(reason.splitlines())[:400]}", flush=True)
        return False
    print(f"ok {what}" + (f" ({note})" if note else ""), flush=True)
    return True


def fail(reason):
    raise AssertionError(reason)


def fetch(url, headers=None):
    """GET url; returns (status, headers, body) for any status."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def path_of(url):
    return "/" + url.split("/", 3)[3] if url.count("/") >= 3 else url


ABSOLUTE = re.compile(r"^https?://[^/\s]+", re.I)
HTML_URL_ATTR = re.compile(r"""\s(?:href|src|poster|srcset)\s*=\s*["']([^"']*)["']""", re.I)


def relative_urls(html):
    """The href/src values in an HTML fragment that are not absolute."""
    bad = []
    for value in HTML_URL_ATTR.findall(html or ""):
        for part in value.split(","):  # srcset: "url 2x, url 3x"
            u = part.strip().split(" ")[0]
            if u and not u.startswith("#") and not u.lower().startswith(("mailto:", "data:")) \
                    and not ABSOLUTE.match(u):
                bad.append(u)
    return bad


if __name__ == "__main__":
    sys.exit("common.py is a library")
