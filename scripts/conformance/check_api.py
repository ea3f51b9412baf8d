"""Runs the README's API examples, as a reader would copy them, against a
fresh demo desk: every curl command must succeed and answer JSON, and the
edition they send must be followed to its end.

usage: check_api.py --newsdesk BIN --readme README.md --dir DIR

DIR is an empty working directory; the desk's daemon is stopped at the end.
"""
import argparse
import json
import os
import re
import socket
import subprocess
import time

from common import check, fail, fetch


def examples(readme):
    """The curl commands of the README's API section, continuation lines joined."""
    text = open(readme, encoding="utf-8").read()
    section = text.split("\n## API\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for block in re.findall(r"```sh\n(.*?)```", section, re.S):
        if "curl" not in block:
            continue
        current = ""
        for line in block.splitlines():
            current += line + "\n"
            if not line.rstrip().endswith(("\\", "|")):
                commands.append(current.strip())
                current = ""
    return commands


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Desk:
    def __init__(self, binary, workdir):
        self.binary, self.dir = os.path.abspath(binary), workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ, NEWSDESK_SITE_BASE_URL=self.base)
        self.daemon = None

    def run(self, *args):
        out = subprocess.run([self.binary, *args, "--data", "data", "--config", "newsdesk.toml"], cwd=self.dir,
                             env=self.env, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            fail(f"newsdesk {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def serve(self):
        port = self.port
        self.log = open(os.path.join(self.dir, "serve.log"), "w")
        self.daemon = subprocess.Popen([self.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data", "data",
                                        "--config", "newsdesk.toml"], cwd=self.dir, env=self.env,
                                       stdout=self.log, stderr=self.log)
        for _ in range(100):
            try:
                if fetch(self.base + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        fail("the daemon did not answer /healthz within 10 s")

    def stop(self):
        if self.daemon:
            self.daemon.terminate()
            self.daemon.wait(timeout=30)


def run_example(cmd, env):
    # curl as the examples use it, failing on HTTP errors with the body shown.
    wrapped = 'curl() { command curl --fail-with-body -S "$@"; }\nset -o pipefail\n' + cmd
    out = subprocess.run(["bash", "-c", wrapped], env=env, capture_output=True, text=True, timeout=60)
    if out.returncode != 0:
        fail(f"exit {out.returncode}: {(out.stdout + out.stderr).strip()[:300]}")
    if out.stdout.strip():
        json.loads(out.stdout)
    return None


def follow(base, token, edition):
    deadline = time.time() + 60
    while time.time() < deadline:
        status, _, body = fetch(f"{base}/api/v1/editions/{edition}", {"Authorization": "Bearer " + token})
        e = json.loads(body)
        if status == 200 and e["done"]:
            c = e["counts"]
            if e["status"] != "sent" or c["sent"] != c["recipients"] or c["recipients"] == 0:
                fail(f"edition {edition} ended {e['status']} with counts {c}")
            return f"{c['sent']} of {c['recipients']} sent"
        time.sleep(0.5)
    fail(f"edition {edition} not done within 60 s")


def unauthenticated(base):
    status, headers, body = fetch(base + "/api/v1/articles")
    if status != 401 or not headers.get("WWW-Authenticate", "").startswith("Bearer"):
        fail(f"{status} {headers.get('WWW-Authenticate')}")
    if json.loads(body)["error"]["code"] != "unauthorized":
        fail(body[:200])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--newsdesk", required=True)
    ap.add_argument("--readme", required=True)
    ap.add_argument("--dir", required=True)
    args = ap.parse_args()
    desk = Desk(args.newsdesk, args.dir)
    cmds = examples(args.readme)
    try:
        desk.run("init", "--demo")
        token = desk.run("token", "add", "--user", "editor@localhost", "--name", "README").strip().splitlines()[-1]
        desk.serve()
        env = dict(desk.env, TOKEN=token, ND=desk.base + "/api/v1")
        check("api: no token gets 401 with WWW-Authenticate: Bearer", unauthenticated, desk.base)
        check(f"api: the README has {len(cmds)} curl examples", lambda: None if len(cmds) >= 25 else fail("too few"))
        for cmd in cmds:
            first = cmd.splitlines()[0].replace('curl -s -H "Authorization: Bearer $TOKEN" ', "")
            check(f"api: README example {first[:90]}", run_example, cmd, env)
        check("api: the edition sent by the README is followed to done", follow, desk.base, token, 2)
    finally:
        desk.stop()
    check("api: the daemon logged no errors", no_errors, os.path.join(args.dir, "serve.log"))


def no_errors(log):
    errors = [line for line in open(log, encoding="utf-8") if "level=ERROR" in line]
    if errors:
        fail(f"{len(errors)} errors, e.g. {errors[0].strip()}")


if __name__ == "__main__":
    main()
