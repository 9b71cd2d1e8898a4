"""The import and web benchmark of issue "[6/6] Fast at a million posts", in one command.

    .venv/bin/python -m tests.bench.run --posts 1000000 [--out DIR] [--skip-peer] [--skip-web]

(`.venv/bin/python tests/bench/run.py …` works too.) It generates N posts (`generate.py`, cached
in DIR/data-N) and reports, side by side:

1. `feedarchive import` of the timeline scrapes, end to end (a subprocess: wall time, peak
   memory of its whole process tree), against the floor: the same final rows inserted with plain
   `sqlite3.executemany` into the same schema, indexes and FTS triggers in one transaction;
2. the share of each stage (parse, repair, identify, stitch, store, index), run in-process
   through the library (`stage_costs`);
3. the same generated X archive imported by `feedarchive import` and by twitter-to-sqlite 0.22
   (installed into its own venv under /tmp on first use);
4. page latency (p50/p95 of sequential requests from 127.0.0.1) on the N-post archive.

`--shape threads` (issue 20, "An archive that grows for years") generates instead one author's
thread-heavy scrape (8% of posts start a 2-8 part thread; `generate.generate_threads`) and
reports 1, 2 and 4 for it; there is no X archive, so no 3.

The report is printed and written to DIR/report-N.json and DIR/report-N.md (report-threads-N
for the thread-heavy shape). DIR defaults to /tmp/feedarchive-bench (outside the repository).
The growth run of issue 20 is `growth.py`.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Optional

if __package__ in (None, ""):  # run as a script: make `tests.bench` importable
    sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.bench import generate  # noqa: E402

PEER_VENV = Path("/tmp/feedarchive-bench-peer")
PEER_SPEC = "twitter-to-sqlite==0.22"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TABLE_ORDER = ("sources", "authors", "profile_history", "threads", "posts", "engagement",
               "repairs", "thread_candidates", "pages", "page_entries")
TARGETS = dict(floor_ratio=1 / 3, peak_mb=300, peer_speedup=5.0, peer_memory_share=0.1, p95_ms=100)


# --------------------------------------------------------------------------------------------
# Processes: wall time and peak memory of a whole process tree
# --------------------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _tree(root: int) -> list[int]:
    tree, found, todo = _children(), [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(tree.get(pid, ()))
    return found


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> Optional[float]:
    """User plus system CPU time a process has used so far (its own, not its children's)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            fields = handle.read().rsplit(b")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None


def _memory(pid: int, pss: bool) -> tuple[int, int]:
    """(RSS, PSS) in bytes; PSS shares the pages forked workers have in common fairly."""
    rss = proportional = 0
    try:
        with open(f"/proc/{pid}/statm") as handle:
            rss = int(handle.read().split()[1]) * PAGE_SIZE
        if pss:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        proportional = int(line.split()[1]) * 1024
                        break
    except (OSError, ValueError, IndexError):
        pass
    return rss, proportional


class TreeMonitor(threading.Thread):
    """Samples the summed RSS of a process and all its descendants every 50 ms (and their PSS
    every 250 ms), and the CPU time each has used. Finding the descendants means reading every
    /proc/*/stat (~7 ms here), so the tree is looked up again every 0.5 s and in between the
    known processes are sampled: a worker living less than half a second may be missed.

    The CPU time is sampled because the kernel's account of children's time (`os.times`)
    only holds processes that were waited for: workers started by a fork server are children
    of that server, which nobody waits for, so their time would be lost."""

    def __init__(self, pid: int, interval: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.max_procs = 1
        self.samples = 0
        self.cpu_by_pid: dict[int, float] = {}
        self.stopped = threading.Event()

    def run(self) -> None:
        pids = [self.pid]
        while not self.stopped.is_set():
            if self.samples % 10 == 0:
                pids = _tree(self.pid)
            with_pss = self.samples % 5 == 0
            rss = pss = 0
            for pid in pids:
                r, p = _memory(pid, with_pss)
                rss, pss = rss + r, pss + p
                cpu = _cpu_seconds(pid)
                if cpu is not None:
                    self.cpu_by_pid[pid] = cpu
            self.peak_rss = max(self.peak_rss, rss)
            if with_pss:
                self.peak_pss = max(self.peak_pss, pss)
            self.max_procs = max(self.max_procs, len(pids))
            self.samples += 1
            self.stopped.wait(self.interval)


def measure(command: list[str], log: Path, env: Optional[dict] = None) -> dict:
    """Run `command` to completion; its wall time, CPU time and peak tree memory."""
    usage_before = os.times()
    load_before = round(os.getloadavg()[0], 2)  # others' work on the machine skews timings
    with open(log, "wb") as output:
        started = time.perf_counter()
        # Run from the log's folder: `python -m feedarchive` must find the installed package,
        # not whatever the current directory holds.
        proc = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, cwd=log.parent,
                                env={**os.environ, **(env or {})})
        monitor = TreeMonitor(proc.pid)
        monitor.start()
        code = proc.wait()
        seconds = time.perf_counter() - started
        monitor.stopped.set()
        monitor.join()
    usage_after = os.times()
    reaped = (usage_after.children_user - usage_before.children_user
              + usage_after.children_system - usage_before.children_system)
    # Both are lower bounds: the reaped time misses unwaited workers, the samples each
    # process's last 50 ms.
    cpu = max(reaped, sum(monitor.cpu_by_pid.values()))
    return dict(command=" ".join(map(str, command)), exit_code=code, seconds=round(seconds, 2),
                load_before=load_before, load_after=round(os.getloadavg()[0], 2),
                cpu_seconds=round(cpu, 2), cores_used=round(cpu / seconds, 2) if seconds else None,
                peak_rss_mb=round(monitor.peak_rss / 2**20, 1),
                peak_pss_mb=round(monitor.peak_pss / 2**20, 1),
                max_processes=monitor.max_procs, log=str(log))


# --------------------------------------------------------------------------------------------
# Our import, the floor, the stages
# --------------------------------------------------------------------------------------------
def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    return path


def ours(db: Path, sources: list[str], log: Path) -> dict:
    result = measure([sys.executable, "-m", "feedarchive", "import", "--db", str(fresh(db)),
                      *sources], log)
    with sqlite3.connect(db) as conn:
        result["posts"] = conn.execute("select count(*) from posts").fetchone()[0]
        result["threads"] = conn.execute("select count(*) from threads").fetchone()[0]
        result["repairs"] = conn.execute("select count(*) from repairs").fetchone()[0]
    result["posts_per_s"] = round(result["posts"] / result["seconds"])
    if result["exit_code"] != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        result["error"] = " | ".join(tail)
        print(f"  import failed (exit {result['exit_code']}): {result['error']}", flush=True)
    return result


def floor(source_db: Path, floor_db: Path) -> dict:
    """The same final rows, inserted with plain executemany in one transaction into a fresh
    database with the identical schema (`store.open_db`: indexes, FTS triggers, WAL)."""
    from feedarchive.store import open_db

    src = sqlite3.connect(source_db)
    data = {}
    for table in TABLE_ORDER:
        columns = [row[1] for row in src.execute(f"pragma table_info([{table}])")]
        data[table] = (columns, src.execute(f"select * from [{table}]").fetchall())
    src.close()
    db = open_db(fresh(floor_db))
    conn = db.conn
    started = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    for table in TABLE_ORDER:
        columns, rows = data[table]
        if rows:
            names = ", ".join(f"[{c}]" for c in columns)
            conn.executemany(f"insert into [{table}] ({names}) values "
                             f"({', '.join('?' * len(columns))})", rows)
    conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    posts = len(data["posts"][1])
    return dict(seconds=round(seconds, 2), posts=posts, posts_per_s=round(posts / max(seconds, 1e-9)),
                rows=sum(len(rows) for _, rows in data.values()))


# Indexes that only the web pages read (sorting by counts); the indexes the importer's own
# queries use (thread sums, positions, sources) stay in both runs of `stage_costs`.
DISPLAY_INDEXES = ("idx_posts_likes", "idx_posts_reposts", "idx_threads_likes")
STAGES = ("parse", "repair", "identify", "stitch", "store", "index", "other")


def _bucket(filename: str) -> Optional[str]:
    """The stage a function belongs to, by the file it is defined in (None: a builtin)."""
    if filename == "~" or filename.startswith("<"):
        return None
    if "/feedarchive/formats/" in filename:
        return "parse"
    if "/feedarchive/repair" in filename or "/ftfy/" in filename or "/wordfreq/" in filename \
            or "/pythainlp/" in filename:
        return "repair"
    if filename.endswith("/feedarchive/identity.py"):
        return "identify"
    if "/feedarchive/threads/" in filename:
        return "stitch"
    if filename.endswith("/feedarchive/store.py") or "/sqlite_utils/" in filename:
        return "store"
    return "other"


def _attribute(stats: dict) -> dict[str, float]:
    """Self time per stage; a builtin's time (regex, json, sqlite3 calls, hashing…) goes to the
    stages of its callers, in proportion to the time each caller spent in it."""
    seconds = dict.fromkeys(STAGES, 0.0)

    def owner(key, depth=0) -> list[tuple[str, float]]:
        stage = _bucket(key[0])
        if stage is not None:
            return [(stage, 1.0)]
        callers = stats.get(key, (0, 0, 0, 0, {}))[4]
        total = sum(edge[2] for edge in callers.values())
        if depth > 3 or not total:
            return [("other", 1.0)]
        found = []
        for caller, edge in callers.items():
            found += [(stage, share * edge[2] / total) for stage, share in owner(caller, depth + 1)]
        return found

    for key, (_, _, tottime, _, _) in stats.items():
        for stage, share in owner(key):
            seconds[stage] += tottime * share
    return seconds


def _profiled_import(paths: list[str], db_path: Path, with_index: bool) -> dict[str, float]:
    import cProfile
    import pstats

    from feedarchive import importer, restitch
    from feedarchive.store import open_db

    # One process: the stage costs are CPU seconds per stage, which workers would hide.
    for module in (importer, restitch):
        for knob in ("PARALLEL_MIN_BYTES", "PARALLEL_MIN_POSTS"):
            if hasattr(module, knob):
                setattr(module, knob, float("inf"))
    db = open_db(fresh(db_path))
    if not with_index:
        for name in DISPLAY_INDEXES:
            db.execute(f"drop index if exists [{name}]")
        for (name,) in db.execute("select name from sqlite_master where type = 'trigger'").fetchall():
            db.execute(f"drop trigger [{name}]")
    profiler = cProfile.Profile()
    started = time.perf_counter()
    profiler.enable()
    reports = importer.import_paths(db, paths)
    profiler.disable()
    wall = time.perf_counter() - started
    db.conn.close()
    failed = [r.error for r in reports if getattr(r, "status", "") == "failed"]
    if failed:
        raise RuntimeError(f"import failed: {failed[0]}")
    stats = pstats.Stats(profiler).stats
    seconds = _attribute(stats)
    seconds["_wall"] = wall
    top = sorted(stats.items(), key=lambda item: item[1][2], reverse=True)[:15]
    seconds["_top"] = [dict(function=f"{Path(key[0]).name}:{key[1]}({key[2]})",
                            calls=value[1], own_seconds=round(value[2], 2),
                            cumulative_seconds=round(value[3], 2)) for key, value in top]
    return seconds


def stage_costs(path: Path | str, work: Path) -> dict:
    """Seconds per stage (parse, repair, identify, stitch, store, index) for importing `path`
    (a file or folder), measured in this process through the library, without workers.

    The import runs under cProfile; each function's own time goes to the stage of the file it
    is defined in (formats/ → parse, repair*/ftfy → repair, identity → identify, threads →
    stitch, store/sqlite-utils → store, the importer and the rest → other), a builtin's to its
    callers. `index` is what the FTS triggers and the display-only indexes cost: the store
    time of the same import into a schema without them is that much lower; it is taken out of
    `store`.
    """
    paths = [str(path)]
    bare = _profiled_import(paths, work / "stage-bare.db", with_index=False)
    full = _profiled_import(paths, work / "stage-full.db", with_index=True)
    for name in ("stage-bare.db", "stage-full.db"):
        fresh(work / name)
    seconds = {stage: full[stage] for stage in STAGES}
    # The writes' own time with and without FTS and count indexes; the rest of both runs is
    # the same work (comparing whole wall times instead drowns in the machine's noise).
    seconds["index"] = max(full["store"] - bare["store"], 0.0)
    seconds["store"] -= seconds["index"]
    total = sum(seconds.values())
    return dict(total_seconds=round(total, 2), wall_seconds=round(full["_wall"], 2),
                store_seconds_without_index=round(bare["store"], 2),
                seconds={k: round(v, 2) for k, v in seconds.items()},
                share={k: round(v / total, 3) for k, v in seconds.items()},
                top_functions=full["_top"])


# --------------------------------------------------------------------------------------------
# The peer
# --------------------------------------------------------------------------------------------
def peer_command() -> list[str]:
    exe = PEER_VENV / "bin" / "twitter-to-sqlite"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(PEER_VENV / "bin" / "pip"), "install", "-q", PEER_SPEC], check=True)
    return [str(exe)]


def peer(db: Path, legacy_folder: str, log: Path) -> dict:
    """twitter-to-sqlite reads the `*.js` files of a folder; of the tweets only `tweet.js`."""
    result = measure([*peer_command(), "import", str(fresh(db)), legacy_folder], log)
    with sqlite3.connect(db) as conn:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type='table'")}
        table = next((t for t in ("archive_tweet", "tweet") if t in tables), None)
        result["posts"] = conn.execute(f"select count(*) from [{table}]").fetchone()[0] if table else 0
        result["table"] = table
    result["posts_per_s"] = round(result["posts"] / result["seconds"]) if result["posts"] else 0
    return result


# --------------------------------------------------------------------------------------------
# Web latency
# --------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(conn_box: list, port: int, url: str) -> tuple[int, int]:
    for attempt in (1, 2):
        try:
            conn = conn_box[0]
            conn.request("GET", url)
            response = conn.getresponse()
            return response.status, len(response.read())
        except (http.client.HTTPException, OSError):
            conn_box[0].close()
            conn_box[0] = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def web_pages(db: Path, words: tuple[str, str]) -> list[str]:
    with sqlite3.connect(db) as conn:
        handle = conn.execute("select author from posts group by author "
                              "order by count(*) desc limit 1").fetchone()[0]
        thread = conn.execute("select id from threads order by found desc, likes desc "
                              "limit 1").fetchone()
    common, rare = words
    pages = ["/", f"/-/author/{handle}"]
    if thread:
        pages.append(f"/-/thread/{thread[0]}")
    pages += [f"/feedarchive/posts?_search={common}", f"/feedarchive/posts?_search={rare}",
              f"/-/search?q={common}", f"/-/search?q={rare}", "/feedarchive/top_threads"]
    return pages


def web_latency(db: Path, pages: list[str], requests: int, budget: float, log: Path) -> dict:
    """Serve `db` (its file name must be feedarchive.db for the /feedarchive/ URLs), then ask
    each page `requests` times in a row (after 3 unmeasured warm-up requests), or for at most
    `budget` seconds; p50/p95 in milliseconds."""
    port = free_port()
    with open(log, "wb") as output:
        server = subprocess.Popen([sys.executable, "-m", "feedarchive", "serve", "--db", str(db),
                                   "--port", str(port)], stdout=output, stderr=subprocess.STDOUT,
                                  cwd=log.parent)
    results = {}
    try:
        box = [http.client.HTTPConnection("127.0.0.1", port, timeout=60)]
        deadline = time.monotonic() + 120
        while True:
            try:
                if _get(box, port, "/-/versions.json")[0] == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: see {log}")
            time.sleep(0.2)
        memory = TreeMonitor(server.pid)
        memory.start()
        for page in pages:
            for _ in range(3):
                _get(box, port, page)
            times, statuses, size = [], {}, 0
            stop = time.monotonic() + budget
            for _ in range(requests):
                started = time.perf_counter()
                status, size = _get(box, port, page)
                times.append((time.perf_counter() - started) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
                if time.monotonic() > stop:
                    break
            times.sort()
            results[page] = dict(
                n=len(times), p50_ms=round(statistics.median(times), 1),
                p95_ms=round(times[min(len(times) - 1, int(len(times) * 0.95))], 1),
                max_ms=round(times[-1], 1), statuses=statuses, bytes=size,
            )
        memory.stopped.set()
        memory.join()
        results["_server_peak_rss_mb"] = round(memory.peak_rss / 2**20, 1)
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------
def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                if line.startswith("model name")), platform.processor())
    mem = next(int(line.split()[1]) for line in open("/proc/meminfo") if line.startswith("MemTotal"))
    try:
        from importlib.metadata import version
        datasette = version("datasette")
    except Exception:  # pragma: no cover
        datasette = None
    return dict(cpu=cpu, cores=os.cpu_count(), memory_gb=round(mem / 2**20, 1),
                python=platform.python_version(), sqlite=sqlite3.sqlite_version,
                datasette=datasette, kernel=platform.release())


def markdown(report: dict) -> str:
    m, n, g = report["machine"], report["posts"], report["generate"]
    shape = " (thread-heavy, one author)" if report.get("shape") == "threads" else ""
    archive = f", {g['x_archive_mb']} MB X archive" if "x_archive_mb" in g else ""
    lines = [f"# feedarchive benchmark: {n:,} posts{shape}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
             f"SQLite {m['sqlite']}, Datasette {m['datasette']}. Generated in "
             f"{g['seconds']} s ({g['timeline_mb']} MB of timelines{archive}).", ""]
    if report.get("shape") == "threads":
        lines += [f"Thread starts: {report['thread_start_share']:.1%} of posts "
                  f"({report['thread_parts']:,} posts are thread parts).", ""]
    imp, flo = report.get("import"), report.get("floor")
    if imp:
        lines += ["## Import (timeline scrapes)", "",
                  "| | seconds | posts/s | peak memory (RSS sum / PSS sum) | cores used |",
                  "| --- | ---: | ---: | ---: | ---: |",
                  f"| `feedarchive import` | {imp['seconds']} | {imp['posts_per_s']:,} | "
                  f"{imp['peak_rss_mb']} / {imp['peak_pss_mb']} MB | {imp['cores_used']} |"]
        if flo:
            lines.append(f"| floor (`executemany`, one transaction) | {flo['seconds']} | "
                         f"{flo['posts_per_s']:,} | | 1 |")
            lines += ["", f"Ours / floor: **{report['floor_ratio']:.2f}** (target ≥ 0.33). "
                          f"Peak memory target: < 300 MB."]
        lines.append("")
    st = report.get("stages")
    if st:
        lines += [f"## Stage costs ({st['source']})", "", "| stage | seconds | share |",
                  "| --- | ---: | ---: |"]
        lines += [f"| {k} | {st['seconds'][k]} | {st['share'][k]:.0%} |" for k in st["seconds"]]
        lines.append("")
        if st.get("top_functions"):
            lines += ["Top functions by own time (cProfile):", "",
                      "| function | calls | own s | cumulative s |", "| --- | ---: | ---: | ---: |"]
            lines += [f"| `{f['function']}` | {f['calls']:,} | {f['own_seconds']} | "
                      f"{f['cumulative_seconds']} |" for f in st["top_functions"]]
            lines.append("")
    xo, xp, xf = report.get("x_ours"), report.get("x_peer"), report.get("x_floor")
    if xo:
        lines += ["## X archive: feedarchive vs twitter-to-sqlite 0.22", "",
                  "| | seconds | posts | posts/s | peak memory (RSS sum) |",
                  "| --- | ---: | ---: | ---: | ---: |",
                  f"| `feedarchive import` (data/tweets.js) | {xo['seconds']} | {xo['posts']:,} | "
                  f"{xo['posts_per_s']:,} | {xo['peak_rss_mb']} MB |"]
        if xf:
            lines.append(f"| floor: the same rows, `executemany` into our schema | {xf['seconds']} | "
                         f"{xf['posts']:,} | {xf['posts_per_s']:,} | |")
        if xp:
            lines.append(f"| `twitter-to-sqlite import` (tweet.js) | {xp['seconds']} | "
                         f"{xp['posts']:,} | {xp['posts_per_s']:,} | {xp['peak_rss_mb']} MB |")
            lines += ["", f"Speed-up {report['peer_speedup']:.1f}× (target ≥ 5×); memory "
                          f"{report['peer_memory_share']:.2f} of the peer's (target < 0.10)."]
            if xf and xp["posts_per_s"]:
                lines.append(f"5× the peer is {5 * xp['posts_per_s']:,} posts/s: "
                             f"{5 * xp['posts_per_s'] / max(xf['posts_per_s'], 1):.1f}× what inserting "
                             f"our rows alone allows (the floor), before any reading or parsing.")
        lines.append("")
    web = report.get("web")
    if web:
        lines += ["## Page latency (sequential requests from 127.0.0.1)", "",
                  "| page | n | p50 ms | p95 ms | max ms | status |", "| --- | ---: | ---: | ---: | ---: | --- |"]
        for page, r in web.items():
            if not page.startswith("_"):
                lines.append(f"| `{page}` | {r['n']} | {r['p50_ms']} | {r['p95_ms']} | "
                             f"{r['max_ms']} | {r['statuses']} |")
        lines += ["", f"Server peak RSS: {web.get('_server_peak_rss_mb')} MB", ""]
    return "\n".join(lines)


def data_folder(out: Path, shape: str, posts: int, authors: int, seed: int) -> Path:
    """Where a generated data set is cached (the first shape keeps the name it always had)."""
    if shape == "threads":
        return out / f"data-threads-{posts}-{seed}"
    return out / f"data-{posts}-{authors}-{seed}"


def generated(out: Path, shape: str, posts: int, authors: int, seed: int) -> tuple[Path, dict]:
    """The data set's folder and manifest, generated unless an earlier run left it."""
    data = data_folder(out, shape, posts, authors, seed)
    manifest_path = data / "manifest.json"
    if manifest_path.exists():
        print(f"using the scrapes generated earlier in {data}", flush=True)
        return data, json.loads(manifest_path.read_text())
    print(f"generating {posts:,} posts ({shape}) into {data} …", flush=True)
    if shape == "threads":
        return data, generate.generate_threads(data, posts, seed)
    return data, generate.generate(data, posts, authors, seed)


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--authors", type=int, default=4)
    parser.add_argument("--shape", choices=("timelines", "threads"), default="timelines",
                        help="threads: one author, 8%% of posts start a 2-8 part thread "
                             "(issue 20); no X archive, so no peer comparison")
    parser.add_argument("--seed", type=int, default=generate.SEED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/feedarchive-bench"))
    parser.add_argument("--skip-peer", action="store_true", help="no X archive comparison")
    parser.add_argument("--skip-web", action="store_true", help="no page latency")
    parser.add_argument("--skip-stages", action="store_true", help="no in-process stage costs")
    parser.add_argument("--stage-sample", type=int, default=100_000,
                        help="posts the stage costs are measured on (default 100000)")
    parser.add_argument("--requests", type=int, default=200, help="requests per page")
    parser.add_argument("--page-budget", type=float, default=60.0,
                        help="stop a page's requests after this many seconds")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    threads = args.shape == "threads"
    if threads:
        args.authors, args.skip_peer = 1, True  # one author; no X archive to compare on
    data, manifest = generated(out, args.shape, args.posts, args.authors, args.seed)
    timeline_bytes = sum(item["bytes"] for item in manifest["timelines"])
    report: dict = dict(posts=args.posts, shape=args.shape, authors=args.authors, seed=args.seed,
                        machine=machine(),
                        generate=dict(seconds=manifest["seconds"],
                                      timeline_mb=round(timeline_bytes / 2**20, 1)),
                        started=time.strftime("%Y-%m-%d %H:%M:%S"))
    if "x_archive_bytes" in manifest:
        report["generate"]["x_archive_mb"] = round(manifest["x_archive_bytes"] / 2**20, 1)
    if threads:
        report.update(thread_start_share=manifest["thread_start_share"],
                      thread_parts=manifest["threads_parts"], styles=manifest["styles"])
    db = out / "feedarchive.db"
    name = f"report-threads-{args.posts}" if threads else f"report-{args.posts}"

    def save() -> None:
        stem = out / name
        stem.with_suffix(".json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        stem.with_suffix(".md").write_text(markdown(report), encoding="utf-8")

    print("import: feedarchive import (timelines) …", flush=True)
    report["import"] = ours(db, [str(data / "timelines")], out / "import.log")
    print(f"  {report['import']['posts']:,} posts in {report['import']['seconds']} s, "
          f"{report['import']['posts_per_s']:,} posts/s, peak {report['import']['peak_rss_mb']} MB",
          flush=True)
    print("floor: executemany into the same schema …", flush=True)
    report["floor"] = floor(db, out / "floor.db")
    if not report["floor"]["posts"]:  # the import failed: floor the generated post count
        report["floor"]["note"] = "our import wrote no posts: nothing to compare"
    report["floor_ratio"] = round(report["import"]["posts_per_s"] / max(report["floor"]["posts_per_s"], 1), 3)
    print(f"  {report['floor']['posts_per_s']:,} posts/s; ours/floor {report['floor_ratio']:.2f}",
          flush=True)
    fresh(out / "floor.db")
    save()

    if not args.skip_stages:
        sample = min(args.posts, args.stage_sample)
        sample_data = data if sample == args.posts else \
            generated(out, args.shape, sample, args.authors, args.seed)[0]
        print(f"stages: library run, profiled, on {sample:,} generated posts …", flush=True)
        costs = stage_costs(sample_data / "timelines", out)
        report["stages"] = dict(source=f"library in one process under cProfile, {sample:,} "
                                       f"generated posts", **costs)
    save()

    if not args.skip_peer:
        print("x archive: feedarchive import …", flush=True)
        report["x_ours"] = ours(out / "x-ours.db", [manifest["x_archive"]], out / "x-ours.log")
        print(f"  {report['x_ours']['posts_per_s']:,} posts/s, peak {report['x_ours']['peak_rss_mb']} MB",
              flush=True)
        # What any importer writing our schema is bound by, whatever its parser.
        report["x_floor"] = floor(out / "x-ours.db", out / "x-floor.db")
        print(f"  floor {report['x_floor']['posts_per_s']:,} posts/s", flush=True)
        print("x archive: twitter-to-sqlite 0.22 …", flush=True)
        report["x_peer"] = peer(out / "x-peer.db", manifest["x_archive_legacy"], out / "x-peer.log")
        xo, xp = report["x_ours"], report["x_peer"]
        print(f"  {xp['posts_per_s']:,} posts/s, peak {xp['peak_rss_mb']} MB", flush=True)
        if xp["posts_per_s"]:
            report["peer_speedup"] = round(xo["posts_per_s"] / xp["posts_per_s"], 2)
            report["peer_memory_share"] = round(xo["peak_rss_mb"] / xp["peak_rss_mb"], 3)
        for name in ("x-ours.db", "x-floor.db", "x-peer.db"):
            fresh(out / name)
        save()

    if not args.skip_web:
        print("web: page latency …", flush=True)
        pages = web_pages(db, (manifest["common_word"], manifest["rare_word"]))
        report["web"] = web_latency(db, pages, args.requests, args.page_budget, out / "serve.log")
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    save()
    print()
    print(markdown(report))
    print(f"report: {out / name}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
