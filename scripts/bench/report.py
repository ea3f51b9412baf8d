#!/usr/bin/python3
"""Writes BENCHMARKS.md from the summary make bench collects.

usage: scripts/bench/report.py SUMMARY BENCHMARKS.md

SUMMARY holds "@section NAME" lines, each followed by that benchmark's
closing lines as its script printed them. A line that states a target is a
row with a verdict: "ok" or "PASS" is met, "TARGET MISSED" or "FAIL" is
missed, otherwise the figure before "(target OP N" is compared with N. Other
lines are figures without a target. Sections this run did not include are
kept from the existing file, so BENCH_ONLY=soak make bench updates the soak
and leaves the rest as they were.
"""
import os
import platform
import re
import subprocess
import sys
from datetime import datetime, timezone

SECTIONS = {
    "feeds": ("Feeds vs nginx", "BENCH_ONLY=feeds make bench   # scripts/bench/feeds.sh"),
    "pages": ("Pages vs nginx", "BENCH_ONLY=pages make bench   # scripts/bench/feeds.sh with BENCH_PATH"),
    "page-edit": ("An edit reaching the cached page", "go test -run '^$' -bench EditReachesCachedPage -benchtime=20x ./web/"),
    "render": ("Publish and render vs archive size",
               "go test -run '^$' -bench PublishAndRender -benchtime=20x -benchmem ./feeds/"),
    "ingest": ("Ingest vs bare gofeed parsing", "scripts/bench/ingest.sh"),
    "mail": ("Delivery vs smtp-source", "scripts/bench/mail.sh"),
    "digest": ("Personalised digest vs smtp-source", "scripts/bench/digest.sh"),
    "bounces": ("Bounces through the SMTP receiver", "BENCH_ONLY=bounces make bench   # go test -bench ReceiverParallel ./bounce/"),
    "soak": ("Soak: feeds under load while delivering and ingesting", "scripts/bench/soak.sh   # SOAK_DURATION=180"),
}
MISSED = re.compile(r"TARGET MISSED|\bFAIL\b|CRASHED")
MET = re.compile(r":\s*ok\b|\bPASS\b")
TARGET = re.compile(r"\(?target:?\s*([<>]=?)\s*([0-9.]+)([^;)]*)")


def machine():
    model = "unknown CPU"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal:"):
            mem = int(line.split()[1]) / 1024 / 1024
    try:
        gover = subprocess.run(["go", "version"], capture_output=True, text=True).stdout.split()[2]
    except (OSError, IndexError):
        gover = "unknown Go"
    load = os.getloadavg()
    return (f"{model}, {os.cpu_count()} cores, {mem:.0f} GiB RAM, Linux {platform.release()}, {gover}; "
            f"load average {load[0]:.1f} at the end of the run")


def verdict(line):
    """Returns (target, result) for a summary line."""
    m = TARGET.search(line)
    target = f"{m.group(1)} {m.group(2)}{m.group(3).rstrip()}" if m else ""
    if MISSED.search(line):
        return target or "as stated", "**missed**"
    if MET.search(line):
        return target or "as stated", "met"
    if not m:
        return "", ""
    figures = re.findall(r"[0-9]+(?:\.[0-9]+)?", line[: m.start()])
    if not figures:
        return target, ""
    value, bound = float(figures[-1]), float(m.group(2))
    ok = {">=": value >= bound, ">": value > bound, "<=": value <= bound, "<": value < bound}[m.group(1)]
    return target, "met" if ok else "**missed**"


def cell(s):
    return s.replace("|", "\\|").strip()


def section_block(name, lines, ran, where):
    title, command = SECTIONS.get(name, (name, f"BENCH_ONLY={name} make bench"))
    out = [f"<!-- section:{name} -->", f"## {title}", "",
           f"Ran {ran} on {where}.  ", f"Reproduce: `{command}`", "",
           "| figure | target | result |", "| --- | --- | --- |"]
    for line in lines:
        line = line.strip()
        if not line:
            continue
        target, result = verdict(line)
        out.append(f"| {cell(line)} | {cell(target) or '—'} | {result or '—'} |")
    out += [f"<!-- /section:{name} -->", ""]
    return "\n".join(out)


def parse_summary(path):
    sections, name = {}, None
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("@section "):
            name = line.split()[1]
            sections[name] = []
        elif name and line.strip():
            sections[name].append(line)
    return sections


def old_blocks(path):
    if not os.path.exists(path):
        return {}
    text = open(path).read()
    return {m.group(1): m.group(0) + "\n" for m in
            re.finditer(r"<!-- section:(\w+) -->.*?<!-- /section:\1 -->", text, re.S)}


def overview(blocks):
    rows = ["| benchmark | targets met | ran | reproduce |", "| --- | --- | --- | --- |"]
    for name in SECTIONS:
        block = blocks.get(name)
        if not block:
            rows.append(f"| {SECTIONS[name][0]} | not run yet | | `{SECTIONS[name][1]}` |")
            continue
        met = block.count("| met |")
        missed = block.count("| **missed** |")
        ran = re.search(r"Ran (.*?) on ", block).group(1)
        rows.append(f"| [{SECTIONS[name][0]}](#{anchor(SECTIONS[name][0])}) | {met} of {met + missed} | {ran} | "
                    f"`{SECTIONS[name][1]}` |")
    return "\n".join(rows)


def anchor(title):
    return re.sub(r"[^a-z0-9 -]", "", title.lower()).replace(" ", "-")


def main():
    summary, out = sys.argv[1], sys.argv[2]
    ran = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    where = machine()
    blocks = old_blocks(out)
    for name, lines in parse_summary(summary).items():
        blocks[name] = section_block(name, lines, ran, where)
    body = [
        "# Benchmarks",
        "",
        "Written by `make bench` (scripts/bench.sh, then scripts/bench/report.py); do not edit by hand.",
        "`BENCH_ONLY=NAME make bench` reruns one benchmark and keeps the others' figures.",
        "Each figure is one line of its script's closing summary; the target is the issue's bar.",
        "The machine is named with each benchmark: figures from a machine busy with other work",
        "(a load average above its core count) understate newsdesk.",
        "",
        overview(blocks),
        "",
    ]
    body += [blocks[name] for name in SECTIONS if name in blocks]
    body += [blocks[name] for name in blocks if name not in SECTIONS]
    with open(out, "w") as f:
        f.write("\n".join(body).rstrip("\n") + "\n")


if __name__ == "__main__":
    main()
