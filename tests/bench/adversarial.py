"""Hostile and broken inputs, timed: what a small file can force on an import, and what one
request can force on the server (issue "[2/7] Broken and hostile input").

    .venv/bin/python -m tests.bench.adversarial [--out DIR] [--only TEXT] [--scale N]
                                                 [--timeout SECONDS]

Every case runs in a process of its own, so its wall time and the peak memory of its whole
process tree (workers included) are its own. Targets: no case over 300 MB or 10 s on the
2-core machine, and the server answering `/` within 1 s while any request runs.

The cases come from three places: this file (large or repetitive inputs, built on disk first,
then imported by `feedarchive import`), and the `adversarial_cases()` of the test modules that
fixed each defect (parsers fed adversarial text; archives with media, links, FIFOs), and the
server's `adversarial_requests()`. `--scale` multiplies the sizes here (1: 20 MB single-line
files and 300,000 bad lines; 10: the issue's 200 MB and 3M). The `million-*` cases (a
snscrape file, a twarc2 file and a Mastodon outbox of 1,000,000 small posts each at scale 1,
issue 16) are imports that take longer than the others: run them with `--only million
--timeout 900`. Only the inputs of the cases `--only` selects are written.
"""
from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

if __package__ in (None, ""):  # run as a script: make `tests` importable
    sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.bench.run import TreeMonitor  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.append(str(ROOT / "tests"))  # the test modules import their `conftest` helpers
TARGET_SECONDS, TARGET_MB, TARGET_HOME_S = 10.0, 300, 1.0
# Test modules whose `adversarial_cases(tmp_dir)` give (name, callable) pairs to time.
CASE_MODULES = ("tests.test_linear_time", "tests.test_archive_limits")
SERVER_MODULE = "tests.test_server_budgets"
MB = 1 << 20
CASE_SECONDS = "case-seconds:"  # how a child running one case reports its own time


# --------------------------------------------------------------------------------------------
# Inputs built here: large single lines, many bad lines, many repeats
# --------------------------------------------------------------------------------------------
def profile_header(handle: str = "bench_lab") -> str:
    return "\n".join(["Bench Lab", f"@{handle}", "Followers", "1", "Following", "1", "Media",
                      "0", "Statuses", "1", "Joined May 2019"]) + "\n"


def snscrape_line(number: int, text: str) -> str:
    return json.dumps({"_type": "snscrape.modules.twitter.Tweet", "id": number,
                       "date": "2024-01-01T00:00:00+00:00", "rawContent": text,
                       "likeCount": 1, "user": {"id": 7, "username": "bench_lab"}})


MILLION = 1_000_000  # posts of each `million-*` case at scale 1


def million_snscrape(posts: int) -> Iterator[str]:
    """A snscrape file of `posts` small tweets by one account, newest first."""
    for number in range(posts, 0, -1):
        yield json.dumps({"_type": "snscrape.modules.twitter.Tweet", "id": 10**18 + number,
                          "url": f"https://x.com/bench_lab/status/{10**18 + number}",
                          "date": _bench_date(number), "rawContent": f"Small post number {number}",
                          "replyCount": 0, "retweetCount": number % 7, "likeCount": number % 50,
                          "lang": "en", "user": {"id": 7, "username": "bench_lab",
                                                 "displayname": "Bench Lab"}}) + "\n"


def million_twarc(posts: int, per_page: int = 100) -> Iterator[str]:
    """A twarc2 file of `posts` small tweets by one account, in pages of `per_page`."""
    user = {"id": "7", "username": "bench_lab", "name": "Bench Lab"}
    for first in range(posts, 0, -per_page):
        data = [{"id": str(10**18 + number), "author_id": "7",
                 "text": f"Small post number {number}",
                 "created_at": _bench_date(number).replace("+00:00", ".000Z"), "lang": "en",
                 "public_metrics": {"reply_count": 0, "retweet_count": number % 7,
                                    "like_count": number % 50, "quote_count": 0}}
                for number in range(first, max(first - per_page, 0), -1)]
        yield json.dumps({"data": data, "includes": {"users": [user]},
                          "__twarc": {"url": "https://api.example/2/tweets"}}) + "\n"


def million_outbox(posts: int) -> Iterator[str]:
    """A Mastodon outbox.json of `posts` small public toots, oldest first (as Mastodon writes
    it), in pieces."""
    actor = "https://bench.example/users/lab"
    yield ('{"@context": "https://www.w3.org/ns/activitystreams", "id": "' + actor
           + '/outbox", "type": "OrderedCollection", "totalItems": ' + str(posts)
           + ', "orderedItems": [')
    for number in range(1, posts + 1):
        status = f"{actor}/statuses/{10**17 + number}"
        yield ("," if number > 1 else "") + json.dumps({
            "id": status + "/activity", "type": "Create", "actor": actor,
            "published": _bench_date(number).replace("+00:00", "Z"),
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [actor + "/followers"],
            "object": {"id": status, "type": "Note",
                       "url": f"https://bench.example/@lab/{10**17 + number}",
                       "published": _bench_date(number).replace("+00:00", "Z"),
                       "content": f"<p>Small post number {number}</p>", "attributedTo": actor,
                       "likes": {"totalItems": number % 50}, "shares": {"totalItems": number % 7}}})
    yield "]}"


def _bench_date(number: int) -> str:
    """A distinct date for each post: one a minute from 2020 on."""
    return time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(1_577_836_800 + 60 * number))


def build_inputs(folder: Path, scale: float, only: str = "") -> dict[str, tuple[Path, list[str]]]:
    """name → (file, extra `feedarchive import` options), written to `folder` (the large
    `million-*` inputs only when `only` selects them)."""
    size = int(20 * MB * scale)
    cases: dict[str, tuple[Path, list[str]]] = {}

    def write(name: str, data: str, *options: str) -> None:
        path = folder / name
        path.write_text(data, encoding="utf-8")
        cases[name] = (path, list(options))

    def write_pieces(name: str, pieces: Iterable[str], imported: str = "") -> None:
        path = folder / name
        if only not in f"import {imported or name}":
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as sink:
            sink.writelines(pieces)
        cases[imported or name] = (folder / (imported or name), [])

    words = "lentil " * (size // 7)
    write("timeline-one-line.txt", profile_header() + words + "\n0\n0\n1\n")
    write("homepage-one-line.md", "---\ntitle: Bench\n---\n# News\n" + words)
    write("snscrape-one-line.jsonl", snscrape_line(1, words) + "\n")
    bad = int(300_000 * scale)
    write("skip-bad-lines.jsonl", snscrape_line(1, "fine") + "\n" + "{not json\n" * bad,
          "--skip-bad")
    repeated = snscrape_line(2, "pinned and listed again") + "\n"
    write("repeated-post.jsonl", repeated * int(50_000 * scale))
    outbox = {"type": "OrderedCollection", "orderedItems": [
        {"type": "Create", "actor": "https://bench.example/users/lab",
         "to": ["https://www.w3.org/ns/activitystreams#Public"],
         "object": {"id": "https://bench.example/users/lab/statuses/1", "type": "Note",
                    "content": "<p>" + words + "</p>"}}]}
    (folder / "outbox-one-note").mkdir(exist_ok=True)
    write("outbox-one-note/outbox.json", json.dumps(outbox))
    million = int(MILLION * scale)
    write_pieces("million-snscrape.jsonl", million_snscrape(million))
    write_pieces("million-twarc2.jsonl", million_twarc(million))
    write_pieces("million-outbox/actor.json", [json.dumps({
        "id": "https://bench.example/users/lab", "type": "Person", "preferredUsername": "lab",
        "name": "Bench Lab", "followers": "https://bench.example/users/lab/followers"})],
        imported="million-outbox")
    write_pieces("million-outbox/outbox.json", million_outbox(million), imported="million-outbox")
    return cases


# --------------------------------------------------------------------------------------------
# Running one case in a process of its own
# --------------------------------------------------------------------------------------------
def run_process(command: list[str], timeout: float, log: Path) -> dict:
    """Wall time and peak tree RSS of `command`; killed (with its children) past `timeout`."""
    with open(log, "wb") as output:
        started = time.perf_counter()
        proc = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=ROOT,
                                start_new_session=True)
        monitor = TreeMonitor(proc.pid)
        monitor.start()
        try:
            code: Optional[int] = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = None
        seconds = time.perf_counter() - started
        monitor.stopped.set()
        monitor.join()
    lines = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    timed = [line for line in lines if line.startswith(CASE_SECONDS)]
    lines = [line for line in lines if not line.startswith(CASE_SECONDS)]
    said = next((line for line in lines if line.startswith("error:")), lines[-1] if lines else "")
    result = {"seconds": round(seconds, 2), "peak_mb": round(monitor.peak_rss / MB, 1),
              "exit": code, "timed_out": code is None, "last_line": said[:160]}
    if timed:  # the case's own time, its input built before the clock started
        result["wall_with_build"], result["seconds"] = result["seconds"], float(timed[0].split()[1])
    return result


def module_cases(module: str, scratch: Path) -> list[tuple[str, Callable[[], object]]]:
    """A test module's `adversarial_cases`, given a scratch folder when it takes one."""
    function = importlib.import_module(module).adversarial_cases
    return function(scratch) if inspect.signature(function).parameters else function()


def callable_case(module: str, name: str) -> None:
    """In the child: build the named case's input (a case with `build()` is built before the
    clock starts: writing a 200 MB `.tar.gz` is not the import's time), then run it."""
    with tempfile.TemporaryDirectory() as scratch:
        case = dict(module_cases(module, Path(scratch)))[name]
        if hasattr(case, "build"):
            case.build()
        started = time.perf_counter()
        case()
        print(f"{CASE_SECONDS} {time.perf_counter() - started:.2f}")


def case_names(module: str) -> list[str]:
    with tempfile.TemporaryDirectory() as scratch:
        try:
            found = module_cases(module, Path(scratch))
        except (ImportError, AttributeError) as error:
            print(f"  ({module}: no cases: {error})")
            return []
        return [name for name, _ in found]


# --------------------------------------------------------------------------------------------
# The server under hostile requests
# --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, timeout: float) -> tuple[Optional[int], int, float]:
    """(status or None, bytes read, seconds) for one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            size = len(response.read())
            return response.status, size, time.perf_counter() - started
    except urllib.error.HTTPError as error:
        return error.code, len(error.read() or b""), time.perf_counter() - started
    except (OSError, TimeoutError):
        return None, 0, time.perf_counter() - started


def server_cases(folder: Path, timeout: float) -> list[dict]:
    try:
        db_path, requests = importlib.import_module(SERVER_MODULE).adversarial_requests(folder)
    except (ImportError, AttributeError) as error:
        print(f"  ({SERVER_MODULE}: no requests: {error})")
        return []
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "feedarchive", "serve", "--db",
                               str(db_path), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    monitor = TreeMonitor(server.pid)
    monitor.start()
    results = []
    try:
        for _ in range(100):
            if fetch(base + "/", 1)[0] == 200:
                break
            time.sleep(0.1)
        for name, path in requests:
            slowest_home, answer = 0.0, {}
            worker = threading.Thread(target=lambda: answer.update(
                zip(("status", "bytes", "seconds"), fetch(base + path, timeout))))
            worker.start()
            while worker.is_alive():
                status, _, seconds = fetch(base + "/", 5)
                slowest_home = max(slowest_home, seconds if status == 200 else 5.0)
                time.sleep(0.2)
            worker.join()
            results.append({"name": f"server: {name}", "seconds": round(answer["seconds"], 2),
                            "status": answer["status"], "bytes": answer["bytes"],
                            "home_max_s": round(slowest_home, 2),
                            "server_peak_mb": round(monitor.peak_rss / MB, 1)})
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=10)
            stopped = "stopped on SIGTERM"
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
            stopped = "needed SIGKILL"
        monitor.stopped.set()
        monitor.join()
    for result in results:
        result["shutdown"] = stopped
    return results


# --------------------------------------------------------------------------------------------
def verdict(result: dict) -> str:
    if result.get("timed_out"):
        return "TIMED OUT"
    too_slow = result["seconds"] > TARGET_SECONDS
    too_big = result.get("peak_mb", 0) > TARGET_MB or result.get("server_peak_mb", 0) > 2 * TARGET_MB
    home = result.get("home_max_s", 0) > TARGET_HOME_S
    return "ok" if not (too_slow or too_big or home) else "MISSED"


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/feedarchive-adversarial"))
    parser.add_argument("--only", default="", help="run the cases whose name contains this")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--case", nargs=2, metavar=("MODULE", "NAME"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:  # the child process of one callable case
        callable_case(*args.case)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    results = []
    inputs = args.out / "inputs"
    inputs.mkdir(exist_ok=True)
    for name, (path, options) in build_inputs(inputs, args.scale, args.only).items():
        if args.only not in f"import {name}":
            continue
        db = args.out / "case.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        command = [sys.executable, "-m", "feedarchive", "import", "--db", str(db), *options,
                   str(path)]
        results.append({"name": f"import {name}", **run_process(command, args.timeout,
                                                                 args.out / "case.log")})
        print(f"  {results[-1]}", flush=True)
    for module in CASE_MODULES:
        for name in case_names(module):
            if args.only not in name:
                continue
            command = [sys.executable, "-m", "tests.bench.adversarial", "--case", module, name]
            results.append({"name": name, **run_process(command, args.timeout,
                                                        args.out / "case.log")})
            print(f"  {results[-1]}", flush=True)
    if args.only in "server: ":
        for result in server_cases(args.out, args.timeout):
            results.append(result)
            print(f"  {result}", flush=True)
    print("\n| case | seconds | peak MB | verdict | notes |\n| --- | ---: | ---: | --- | --- |")
    for result in results:
        notes = (f"status {result['status']}, {result['bytes']:,} bytes, `/` at most "
                 f"{result['home_max_s']} s, {result['shutdown']}" if "home_max_s" in result
                 else f"exit {result['exit']}: {result['last_line']}")
        peak = result.get("peak_mb", result.get("server_peak_mb"))
        print(f"| {result['name']} | {result['seconds']} | {peak} | {verdict(result)} | {notes} |")
    (args.out / "report.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
