"""Checks emails newsdesk wrote with the file transport: SpamAssassin's
offline score, DKIM with dkimpy, and the headers and parts a newsletter
needs.

usage: check_mail.py --record FILE --selector S --domain D --postal TEXT \
           confirmation=FILE.eml newsletter=FILE.eml

--record holds the DNS TXT record that publishes the DKIM key; dkimpy gets
it from a resolver function, as no DNS is reachable here.
"""
import argparse
import email
import email.policy
import re
import subprocess

from common import check, fail

MAX_SCORE = 1.0


def spam_score(path):
    with open(path, "rb") as f:
        out = subprocess.run(["spamassassin", "-L", "-t"], stdin=f, capture_output=True, timeout=120).stdout
    m = re.search(rb"Content analysis details:\s+\((-?[0-9.]+) points", out)
    if not m:
        fail("no score in spamassassin's report")
    score = float(m.group(1))
    rules = re.findall(rb"^\s*(-?[0-9.]+) ([A-Z0-9_]+)\s", out.split(b"Content analysis details", 1)[1], re.M)
    listed = ", ".join(f"{r.decode()} {p.decode()}" for p, r in rules)
    if score >= MAX_SCORE:
        fail(f"score {score} (want < {MAX_SCORE}): {listed}")
    return f"score {score}: {listed}"


def dkim_verifies(path, record, selector, domain, want_signed):
    import dkim

    msg = open(path, "rb").read()
    name = f"{selector}._domainkey.{domain}.".encode()

    def dnsfunc(qname, timeout=5):
        return record if qname == name else None

    if not dkim.verify(msg, dnsfunc=dnsfunc):
        fail("dkim.verify rejected the signature")
    sig = email.message_from_bytes(msg)["DKIM-Signature"]
    tags = dict(t.strip().split("=", 1) for t in re.sub(r"\s+", "", sig).split(";") if "=" in t)
    signed = [h.lower() for h in tags["h"].split(":")]
    missing = [h for h in want_signed if h.lower() not in signed]
    if missing:
        fail(f"not signed: {', '.join(missing)} (h={tags['h']})")
    return f"d={tags['d']} s={tags['s']} a={tags['a']}, signs {', '.join(want_signed)}"


def parts(msg):
    if msg.get_content_type() != "multipart/alternative":
        fail(f"Content-Type {msg.get_content_type()}, want multipart/alternative")
    ps = list(msg.iter_parts())
    types = [p.get_content_type() for p in ps]
    if types != ["text/plain", "text/html"]:
        fail(f"parts {types}, want text/plain then text/html")
    return [p.get_content() for p in ps]


def newsletter_headers(path, postal):
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    for h in ["From", "To", "Subject", "Date", "Message-ID", "List-Id"]:
        if not msg[h]:
            fail(f"no {h} header")
    unsub = str(msg["List-Unsubscribe"] or "").strip()
    m = re.fullmatch(r"<(https://[^>]+/unsubscribe/[A-Za-z0-9_-]+)>", unsub)
    if not m:
        fail(f"List-Unsubscribe {unsub!r} is not <https://…/unsubscribe/TOKEN>")
    if str(msg["List-Unsubscribe-Post"]) != "List-Unsubscribe=One-Click":
        fail(f"List-Unsubscribe-Post {msg['List-Unsubscribe-Post']!r}")
    text, html = parts(msg)
    for what, body in (("text", text), ("HTML", html)):
        if m.group(1) not in body:
            fail(f"{what} part has no unsubscribe link")
        if postal not in body:
            fail(f"{what} part has no postal address")
    if 'style="' not in html:
        fail("HTML part's CSS is not inlined")
    # A <style> block may stay for what cannot be inline: media queries
    # (narrow screens, dark mode) and the root and body resets.
    for block in re.findall(r"<style[^>]*>(.*?)</style>", html, re.S):
        rest = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", block)
        loose = [sel.strip() for sel in re.findall(r"([^{}]+)\{[^{}]*\}", rest) if sel.strip() not in (":root", "body")]
        if loose:
            fail(f"HTML part's CSS is not inlined: <style> holds {', '.join(loose)}")
    return f"Message-ID {msg['Message-ID']}"


def confirmation_parts(path):
    msg = email.message_from_bytes(open(path, "rb").read(), policy=email.policy.default)
    text, html = parts(msg)
    if "/confirm/" not in text or "/confirm/" not in html:
        fail("no confirm link")
    return "text and HTML with the confirm link"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--record", required=True)
    ap.add_argument("--selector", required=True)
    ap.add_argument("--domain", required=True)
    ap.add_argument("--postal", required=True)
    ap.add_argument("mails", nargs="+")
    a = ap.parse_args()
    record = open(a.record, "rb").read().strip()
    for arg in a.mails:
        kind, path = arg.split("=", 1)
        check(f"mail {kind}: SpamAssassin (spamassassin -L -t) below {MAX_SCORE}", spam_score, path)
        signed = ["From", "To", "Subject", "Date", "Message-ID"]
        if kind == "newsletter":
            signed += ["List-Unsubscribe", "List-Unsubscribe-Post"]
        check(f"mail {kind}: DKIM signature verifies with dkimpy", dkim_verifies, path, record, a.selector, a.domain, signed)
        if kind == "newsletter":
            check(f"mail {kind}: headers, parts, unsubscribe link and postal address", newsletter_headers, path, a.postal)
        else:
            check(f"mail {kind}: text and HTML parts", confirmation_parts, path)


if __name__ == "__main__":
    main()
