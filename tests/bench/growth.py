"""The growth run of issue 20 ("An archive that grows for years"), in one command.

    .venv/bin/python -m tests.bench.growth                           # 10k, 100k and 1M posts
    .venv/bin/python -m tests.bench.growth --sizes 10000,100000      # a few minutes

An archive grows by small scrapes of an account it already holds, so what matters is what one
such scrape costs in a big archive. For each size N it builds (once, cached) an archive of one
thread-heavy author (`generate.write_thread_timeline`: 8% of posts start a 2-8 part thread),
then imports the same next scrape (23 posts: 3 new on top of the archive's 20 newest, their
counts grown) into a fresh copy of each archive and into an empty one, `--repeats` times
(default 3) in turns, so that a busy spell of the machine falls on every size alike. Each
import is `python -m feedarchive import` as a subprocess: wall time and the peak of the
summed RSS of its whole process tree (`run.measure`). Reported per size: the median seconds,
the median and largest peak, and the ratio of the median to the empty archive's.

Target (issue 20): the scrape into the 1M archive takes at most 2x the scrape into an empty one.

Archives are cached in DIR/growth-SEED/ (DIR defaults to /tmp/feedarchive-bench) with the
fingerprint of the library that built them: an archive built by other library code is built
again (an old archive would be migrated inside the timed import), unless `--keep-archives`.
The report is printed and written to DIR/report-growth.json and .md; logs are in DIR/growth-SEED/.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sqlite3
import statistics
import sys
import time
from pathlib import Path
from typing import Optional

if __package__ in (None, ""):  # run as a script: make `tests.bench` importable
    sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.bench import generate  # noqa: E402
from tests.bench.run import fresh, machine, measure  # noqa: E402

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
TARGET_RATIO = 2.0  # the scrape into the biggest archive / the scrape into an empty one


def library_fingerprint() -> str:
    """A hash of the installed library's sources: archives are only reused by the code that
    built them, since other code may lay them out differently."""
    from feedarchive import store  # the package is a namespace package: no __file__

    root = Path(store.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def import_command(db: Path, scrape: Path) -> list[str]:
    return [sys.executable, "-m", "feedarchive", "import", "--db", str(db), str(scrape)]


def count_posts(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from posts").fetchone()[0]


def scrape_of(work: Path, size: int, seed: int) -> Path:
    """The N-post scrape an archive is built from (the stream minus what the next scrape
    brings as new), generated once: the generator is deterministic."""
    path = work / f"archive-{size}.txt"
    if not path.exists():
        print(f"  generating the {size:,}-post scrape …", flush=True)
        generate.write_thread_timeline(path, size, seed, skip=generate.NEW_POSTS)
    return path


def build_archive(work: Path, size: int, seed: int, fingerprint: str, keep: bool) -> dict:
    """The N-post archive (built unless a matching one is cached) and how building it went."""
    db, card = work / f"archive-{size}.db", work / f"archive-{size}.json"
    if db.exists() and card.exists():
        built = json.loads(card.read_text())
        if built["fingerprint"] == fingerprint or keep:
            print(f"  archive of {size:,} posts: cached ({db})", flush=True)
            return built
        print(f"  archive of {size:,} posts: built by other library code, building again",
              flush=True)
    scrape = scrape_of(work, size, seed)
    print(f"  building the archive of {size:,} posts …", flush=True)
    partial = fresh(work / f"archive-{size}.partial.db")
    result = measure(import_command(partial, scrape), work / f"build-{size}.log")
    if result["exit_code"] != 0:
        raise RuntimeError(f"building the {size:,}-post archive failed: see {result['log']}")
    with sqlite3.connect(partial) as conn:  # fold the WAL in: a copy is then one file
        conn.execute("pragma wal_checkpoint(truncate)")
    partial.replace(fresh(db))
    fresh(partial)
    result.update(posts=count_posts(db), fingerprint=fingerprint, bytes=db.stat().st_size)
    result["posts_per_s"] = round(result["posts"] / max(result["seconds"], 1e-9))
    card.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"    {result['posts']:,} posts in {result['seconds']} s "
          f"({result['posts_per_s']:,} posts/s), peak {result['peak_rss_mb']} MB", flush=True)
    return result


def copy_to_disk(archive: Path, db: Path) -> None:
    """Copy an archive and wait for the copy to reach the disk: a real archive is not hundreds
    of megabytes of unwritten pages, which the import's first fsync would have to write."""
    shutil.copyfile(archive, db)
    with open(db, "rb+") as handle:
        os.fsync(handle.fileno())


def trial(archive: Optional[Path], scrape: Path, work: Path, log: Path) -> dict:
    """One timed import of the next scrape into a fresh copy of `archive` (None: empty)."""
    db = fresh(work / "trial.db")
    if archive is not None:
        copy_to_disk(archive, db)
    before = count_posts(archive) if archive is not None else 0
    result = measure(import_command(db, scrape), log)
    result.update(posts_before=before, posts_after=count_posts(db) if db.exists() else 0)
    result["new_posts"] = result["posts_after"] - before
    fresh(db)
    return result


def summarise(runs: list[dict], expected_new: int) -> dict:
    seconds = [r["seconds"] for r in runs]
    peaks = [r["peak_rss_mb"] for r in runs]
    # CPU time moves less than wall time when others share the machine: reported beside it.
    cpu = statistics.median(r["cpu_seconds"] for r in runs)
    return dict(seconds=seconds, median_seconds=round(statistics.median(seconds), 2),
                median_cpu_seconds=round(cpu, 2),
                median_peak_mb=round(statistics.median(peaks), 1), max_peak_mb=max(peaks),
                posts_before=runs[0]["posts_before"], new_posts=[r["new_posts"] for r in runs],
                expected_new=expected_new, failed=sum(r["exit_code"] != 0 for r in runs),
                load=[(r["load_before"], r["load_after"]) for r in runs])


def markdown(report: dict) -> str:
    m = report["machine"]
    lines = ["# feedarchive growth run: the same 23-post scrape into archives of every size", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}, "
             f"SQLite {m['sqlite']}. One thread-heavy author; the scrape has "
             f"{report['scrape']['new']} new posts and {report['scrape']['known']} the archives "
             f"hold. Median of {report['repeats']} runs, each into a fresh copy.", "",
             "| archive | runs (s) | median s | × empty | median CPU s | peak tree RSS, median / max "
             "| new posts |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for key, row in report["results"].items():
        label = "empty" if key == "0" else f"{int(key):,} posts"
        lines.append(f"| {label} | {', '.join(map(str, row['seconds']))} | {row['median_seconds']} | "
                     f"{row['ratio']:.2f} | {row['median_cpu_seconds']} | "
                     f"{row['median_peak_mb']} / {row['max_peak_mb']} MB | "
                     f"{row['new_posts']} (expected {row['expected_new']}) |")
    verdict = report.get("verdict")
    if verdict:
        lines += ["", f"Largest archive ({verdict['size']:,} posts): **{verdict['ratio']:.2f}×** the "
                      f"empty archive's time (target ≤ {TARGET_RATIO:g}×)."]
    lines += ["", "Building the archives (one import of the N-post scrape, thread-heavy shape):", "",
              "| archive | seconds | posts/s | peak tree RSS | file |", "| --- | ---: | ---: | ---: | ---: |"]
    for size, built in report["builds"].items():
        lines.append(f"| {int(size):,} posts | {built['seconds']} | {built['posts_per_s']:,} | "
                     f"{built['peak_rss_mb']} MB | {built['bytes'] / 2**20:.0f} MB |")
    return "\n".join(lines) + "\n"


def parse_sizes(text: str) -> list[int]:
    return sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=parse_sizes, default=list(DEFAULT_SIZES),
                        help="archive sizes in posts, comma-separated (default 10000,100000,1000000)")
    parser.add_argument("--repeats", type=int, default=3, help="timed imports per archive")
    parser.add_argument("--seed", type=int, default=generate.SEED)
    parser.add_argument("--out", type=Path, default=Path("/tmp/feedarchive-bench"))
    parser.add_argument("--keep-archives", action="store_true",
                        help="reuse cached archives even if other library code built them")
    args = parser.parse_args(argv)

    out = args.out.resolve()
    work = out / f"growth-{args.seed}"
    work.mkdir(parents=True, exist_ok=True)
    fingerprint = library_fingerprint()
    report: dict = dict(sizes=args.sizes, repeats=args.repeats, seed=args.seed, machine=machine(),
                        fingerprint=fingerprint, started=time.strftime("%Y-%m-%d %H:%M:%S"))
    print("archives:", flush=True)
    report["builds"] = {str(size): build_archive(work, size, args.seed, fingerprint,
                                                 args.keep_archives) for size in args.sizes}
    scrape = work / "next-scrape.txt"
    report["scrape"] = generate.write_next_scrape(scrape, args.seed)

    archives: dict[int, Optional[Path]] = {0: None}
    archives.update({size: work / f"archive-{size}.db" for size in args.sizes})
    runs: dict[int, list[dict]] = {size: [] for size in archives}
    for repeat in range(args.repeats):  # in turns: the machine's busy spells hit every size
        for size, archive in archives.items():
            result = trial(archive, scrape, work, work / f"trial-{size}-{repeat + 1}.log")
            runs[size].append(result)
            print(f"  run {repeat + 1}, archive of {size:,} posts: {result['seconds']} s, peak "
                  f"{result['peak_rss_mb']} MB, {result['new_posts']} new posts", flush=True)
    scrape_posts = report["scrape"]["posts"]
    results = {str(size): summarise(found, scrape_posts if size == 0 else report["scrape"]["new"])
               for size, found in runs.items()}
    empty = max(results["0"]["median_seconds"], 1e-9)
    for row in results.values():
        row["ratio"] = round(row["median_seconds"] / empty, 2)
    report["results"], report["runs"] = results, {str(s): r for s, r in runs.items()}
    largest = str(max(args.sizes))
    report["verdict"] = dict(size=int(largest), ratio=results[largest]["ratio"],
                             met=results[largest]["ratio"] <= TARGET_RATIO)
    report["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    (out / "report-growth.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    (out / "report-growth.md").write_text(markdown(report), encoding="utf-8")
    print()
    print(markdown(report))
    print(f"report: {out / 'report-growth.json'} and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
