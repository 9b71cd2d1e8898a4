"""What a small import costs from a standing start (issue 21, "Fast and small"): a documented
command, not a timed test.

    .venv/bin/python -m tests.bench.startup [--runs 5] [--seed FILE] [--also FILE ...]

Each run is `feedarchive import --db <fresh db> FILE` in a process of its own, with the model
cache (`feedarchive/repair/lossy/cache.py`) in a folder of the benchmark's, never the user's:

1. a clean 20-post timeline scrape written here (accents, curly quotes and emoji, so that it is
   diagnosed like any other; no mojibake, so no model is loaded);
2. the seed (default ../shared/seeds/001_ce5d14d513dffafc.txt, 20 posts with the lossy Thai
   damage) with the cache empty before the run (cold: the models are built and written);
3. the seed again with the cache built (warm: the process maps the models from disk);

in turns, `--runs` rounds of the three, so that a slow spell of the shared machine falls on
each; then the same cold and warm runs for each `--also` file (a document whose repair also
reads the Japanese dictionary, say). It prints each case's median wall time and the peak
memory of its process tree (RSS summed over the importer and any worker, sampled every 10 ms,
or the importer's own peak as the kernel counted it, whichever is larger); then the warm
seed's time against the clean file's (target: at most 3x) and the seed's peak, cold or warm
(target: under 300 MB).
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

if __package__ in (None, ""):  # run as a script: make `tests.bench` importable
    sys.path.append(str(Path(__file__).resolve().parents[2]))
from tests.bench.run import TreeMonitor, fresh  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT.parent / "shared" / "seeds" / "001_ce5d14d513dffafc.txt"
TARGET_RATIO, TARGET_PEAK_MB = 3.0, 300

WORDS = ("model training data paper results thread today release open source code latency "
         "tokens team shipped build coffee weekend benchmark notebook eval long context small "
         "fast memory cache").split()
EXTRAS = ("café", "naïve", "it’s", "“quoted”", "🚀", "🎉", "— a dash", "déjà vu", "😂", "🙏🏽",
          "10× faster", "résumé")


def clean_timeline(posts: int = 20, seed: int = 21) -> str:
    """A timeline scrape of `posts` clean posts about as long as the seed's, newest first."""
    rng = random.Random(seed)
    lines = ["Ada Lab", "@ada_lab", "Followers", "1,024", "Following", "88", "Media", "12",
             "Statuses", "2.5K", "Tiny models, big notebooks. Café-powered.", "Joined May 2019"]
    for _ in range(posts):
        words = [rng.choice(WORDS) for _ in range(rng.randint(25, 45))]
        for _ in range(2):
            words.insert(rng.randrange(len(words)), rng.choice(EXTRAS))
        lines += [" ".join(words).capitalize() + ".", str(rng.randint(0, 20)),
                  str(rng.randint(0, 60)), f"{rng.randint(1, 9)}.{rng.randint(0, 9)}K"]
    return "\n".join(lines) + "\n"


def importer() -> list[str]:
    """The installed `feedarchive` command beside this Python, as a user runs it."""
    script = Path(sys.executable).with_name("feedarchive")
    return [str(script)] if script.exists() else [sys.executable, "-m", "feedarchive"]


def run_import(path: Path, db: Path, models: Path) -> dict:
    """One import in a process of its own: wall seconds and the peak of its process tree."""
    env = {**os.environ, "FEEDARCHIVE_CACHE_DIR": str(models)}
    started = time.perf_counter()
    log = db.with_suffix(".log")
    with open(log, "wb") as output:
        process = subprocess.Popen([*importer(), "import", "--db", str(fresh(db)), str(path)],
                                   stdout=output, stderr=subprocess.STDOUT, env=env)
        monitor = TreeMonitor(process.pid, interval=0.01)
        monitor.start()
        # wait4, not wait: it also gives the child's own peak (ru_maxrss).
        _pid, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        monitor.stopped.set()
        monitor.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace")[-500:]
        raise SystemExit(f"{path}: import failed ({process.returncode}): {tail}")
    peak = max(monitor.peak_rss, usage.ru_maxrss * 1024)  # ru_maxrss is in KB on Linux
    return {"seconds": seconds, "peak_mb": peak / 2**20}


def cases(work: Path, models: Path, runs: int,
          plan: list[tuple[str, Path, bool]]) -> list[dict]:
    """`runs` rounds of the imports `plan` lists, (name, file, cache emptied first) each, in
    turns: a slow spell of the shared machine falls on every case, not on one."""
    results: dict[str, list[dict]] = {name: [] for name, _path, _cold in plan}
    for _ in range(runs):
        for name, path, cold in plan:
            if cold:
                shutil.rmtree(models, ignore_errors=True)
            results[name].append(run_import(path, work / "bench.db", models))
    found = []
    for name, measured in results.items():
        seconds = [r["seconds"] for r in measured]
        found.append({"name": name, "median_s": statistics.median(seconds),
                      "peak_mb": max(r["peak_mb"] for r in measured)})
        print(f"{name:34} median {found[-1]['median_s']:5.2f} s  "
              f"(runs {', '.join(f'{s:.2f}' for s in seconds)})  "
              f"peak {found[-1]['peak_mb']:4.0f} MB", flush=True)
    return found


def cache_size(models: Path) -> float:
    return sum(p.stat().st_size for p in models.rglob("*") if p.is_file()) / 2**20


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=Path, default=SEED, help="the damaged 20-post file")
    parser.add_argument("--also", type=Path, action="append", default=[],
                        help="another file to import cold and warm (may be repeated)")
    args = parser.parse_args(argv)
    if not args.seed.exists():
        parser.error(f"{args.seed} does not exist (pass --seed FILE)")
    work = Path(tempfile.mkdtemp(prefix="feedarchive-startup-"))
    models = work / "models"
    try:
        clean = work / "clean-20.txt"
        clean.write_text(clean_timeline(), encoding="utf-8")
        print(f"load average {os.getloadavg()[0]:.2f}; {args.runs} runs per case; "
              f"{importer()[-1]}")
        # The seed's cold run leaves the cache built for its warm run, in every round.
        found = cases(work, models, args.runs, [
            ("clean 20 posts", clean, False),
            (f"{args.seed.name} (cache empty)", args.seed, True),
            (f"{args.seed.name} (cache built)", args.seed, False)])
        for path in args.also:
            cases(work, models, args.runs, [(f"{path.name} (cache empty)", path, True),
                                            (f"{path.name} (cache built)", path, False)])
        ratio = found[2]["median_s"] / found[0]["median_s"]
        peak = max(f["peak_mb"] for f in found)
        print(f"seed (cache built) / clean: {ratio:.2f} (target <= {TARGET_RATIO:g}); "
              f"seed's peak, cache empty or built: {peak:.0f} MB (target < {TARGET_PEAK_MB} MB); "
              f"model cache {cache_size(models):.0f} MB; load average {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
