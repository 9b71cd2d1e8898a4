"""Measure the repair stage honestly: on the development corpus split by persona, and on text
that no rule was written for (issue 21). Not a test; prints a report and writes JSON.

    .venv/bin/python tests/bench/measure_repair.py                 # every set, about 1 min
    .venv/bin/python tests/bench/measure_repair.py --quick         # fewer held-out posts
    .venv/bin/python tests/bench/measure_repair.py --split all --sets dev     # the old figure

Options: `CORPUS` (default /work/shared/corpus/dev); `--split both|tuning|heldout|all` (the
development corpus: both halves side by side, with the whole as `dev-all`; or one of them);
`--sets` (comma-separated, default `dev,languages,languages2,emoji,math,realworld`;
`languages2` is the second batch of posts in the same 14 languages); `--realworld DIR`
(default /work/shared/realworld); `--quick`; `--out DIR` (default /tmp/feedarchive-measure);
`-v` (every post restored wrongly, not only those that needed no guess).

For every document (a corpus file; twenty sentences of one language; a sample of one real
source) `diagnose` reads all its raw texts, then `fix` repairs each post, as an import does.
The sets are built by `heldout.py` (see there). Reported per set, per language and per script:

- posts restored exactly (NFC, stripped), split into invertible posts (the damage left one
  possible text) and guessed ones;
- top-1: characters that lost bytes to the damage and are right in the repaired text where
  they belong (aligned with difflib);
- calibration: each recorded repair is right when its `after` is exactly the original text
  its raw span came from (`heldout.damage_starts` maps the damage back), binned by its
  confidence; the expected calibration error (ECE); wrong repairs at 0.95 <= confidence < 1
  among the guesses (confidence < 1), and wrong ones among those recorded as certain (1.00).

On the development corpus, top-1 and calibration count the `thai_lossy` files only (every
other kind is inverted exactly, and its certain repairs would only dilute the figure); every
kind's exact posts and the false repairs on clean files are reported as before.
`DIR/report.json` holds the figures, `DIR/posts.json` one record per post (named by set,
document, index and a hash of its text: no text is written) for comparing runs.
"""
from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Iterable, Optional

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from feedarchive.models import Repair  # noqa: E402
from feedarchive.repair import diagnose  # noqa: E402
from tests.bench import heldout  # noqa: E402
from tests.bench.heldout import Document, Post, lost_bytes, norm, script_of  # noqa: E402

SETS = ("dev", "languages", "languages2", "emoji", "math", "realworld")
# Sets measured only when asked for (`--sets thai`, `--sets langtune`): text written to tune
# on, no held-out set.
EXTRA_SETS = ("thai", "langtune")
# Confidence bins: [low, high); the last bin is exactly 1.0, what the repair calls certain.
BINS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.0), (1.0, 1.0))
HIGH = 0.95  # a guess this confident that is wrong is what issue 21 counts


# --- Judging one post --------------------------------------------------------------------------

def guessed_correct(fixed: str, truth: str, by_script: Optional[Counter] = None) -> tuple[int, int]:
    """(characters of `truth` that lost bytes, how many of them `fixed` has right where they
    belong): characters inside the blocks difflib matches between the two texts."""
    damaged = [i for i, c in enumerate(truth) if lost_bytes(c)]
    if not damaged:
        return 0, 0
    right = set()
    matcher = difflib.SequenceMatcher(None, fixed, truth, autojunk=False)
    for block in matcher.get_matching_blocks():
        right.update(range(block.b, block.b + block.size))
    if by_script is not None:
        for i in damaged:
            script = script_of(truth[i])
            by_script[script + "_n"] += 1
            by_script[script + "_ok"] += i in right
    return len(damaged), sum(1 for i in damaged if i in right)


def repair_right(repair: Repair, text: str, starts: dict[int, list[int]]) -> bool:
    """Whether `repair` put back exactly what the damage took: its raw span must begin and end
    where the damaged forms of original characters do, and its `after` must be those
    characters. (Several characters can start at one offset when one left nothing behind.)"""
    return any(text[i:j] == repair.after
               for i in starts.get(repair.start, ()) for j in starts.get(repair.end, ()))


def offsets_to_chars(text: str) -> dict[int, list[int]]:
    """Raw offset -> the original characters whose damaged form starts there (and len(text)
    at the end), from `heldout.damage_starts`."""
    found: dict[int, list[int]] = defaultdict(list)
    for index, offset in enumerate(heldout.damage_starts(text)):
        found[offset].append(index)
    return found


def judge(post: Post, document: Document, diagnosed: str, fixed: str, repairs: list[Repair]) -> dict:
    """One post's record: what `fix` made of it, compared with the original."""
    record = {
        "key": post.key, "text_id": heldout.text_id(post.text), "set": document.set,
        "document": document.name, "kind": post.kind, "half": post.half,
        "language": post.language, "diagnosed": diagnosed,
        "exact": norm(fixed) == norm(post.text),
        "changed": fixed != post.raw,
    }
    if post.kind != "thai_lossy":
        return record
    invertible = post.invertible
    if invertible is None:
        invertible = heldout.completion_count(post.raw) == 1
    by_script: Counter = Counter()
    damaged, right = guessed_correct(norm(fixed), norm(post.text), by_script)
    starts = offsets_to_chars(post.text)
    record.update(
        invertible=invertible, damaged=damaged, right=right,
        scripts={k[:-2]: [by_script[k], by_script[k[:-2] + "_ok"]] for k in by_script if k.endswith("_n")},
        repairs=[[r.confidence, repair_right(r, post.text, starts), script_of(r.after[:1] or " ")]
                 for r in repairs],
    )
    return record


def run_document(document: Document, halves: Optional[set[str]]) -> tuple[list[dict], float, int]:
    """Diagnose the document, fix and judge its posts (those of `halves` only, when given).
    Returns the records, the seconds spent in `fix` on lossy posts, and how many those were."""
    decision = diagnose(document.texts)
    records = []
    lossy_time, lossy_posts = 0.0, 0
    for post in document.posts:
        if halves is not None and post.half not in halves:
            continue
        t0 = time.perf_counter()
        fixed, repairs = decision.fix(post.raw)
        if post.kind == "thai_lossy":
            lossy_time += time.perf_counter() - t0
            lossy_posts += 1
        record = judge(post, document, decision.kind, fixed, repairs)
        if not record["exact"]:
            record["_got"], record["_want"] = fixed, post.text  # for -v; not written to JSON
        records.append(record)
    return records, lossy_time, lossy_posts


# --- Summing up --------------------------------------------------------------------------------

def summarise(records: list[dict]) -> dict:
    """The figures of a set (or of one language or script of it): lossy posts only."""
    lossy = [r for r in records if r["kind"] == "thai_lossy"]
    summary: dict = {"posts": len(lossy), "exact": sum(r["exact"] for r in lossy)}
    for name, flag in (("invertible", True), ("guessed", False)):
        group = [r for r in lossy if r["invertible"] is flag]
        summary[name] = [len(group), sum(r["exact"] for r in group)]
    summary["damaged_chars"] = sum(r["damaged"] for r in lossy)
    summary["right_chars"] = sum(r["right"] for r in lossy)
    scripts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in lossy:
        for script, (n, ok) in r["scripts"].items():
            scripts[script][0] += n
            scripts[script][1] += ok
    summary["by_script"] = dict(sorted(scripts.items()))
    repairs = [x for r in lossy for x in r["repairs"]]
    summary["calibration"] = calibration([(c, ok) for c, ok, _script in repairs])
    scripts_of_repairs = sorted({script for _c, _ok, script in repairs})
    summary["calibration_by_script"] = {  # by the script of what the repair wrote
        s: calibration([(c, ok) for c, ok, script in repairs if script == s]) for s in scripts_of_repairs}
    return summary


def calibration(repairs: list[tuple[float, bool]]) -> dict:
    """Bins of (confidence, right): count, mean confidence, share right; ECE over all of them;
    wrong guesses at high confidence and wrong repairs recorded as certain."""
    bins = []
    for low, high in BINS:
        inside = [(c, ok) for c, ok in repairs
                  if (c >= 1.0 if low == high else low <= c < high)]
        n = len(inside)
        bins.append({"bin": f"{low:.2f}-{high:.2f}" if low < high else "1.00", "n": n,
                     "confidence": sum(c for c, _ in inside) / n if n else None,
                     "right": sum(ok for _, ok in inside) / n if n else None})
    total = len(repairs)
    ece = sum(b["n"] / total * abs(b["right"] - b["confidence"]) for b in bins if b["n"]) if total else None
    guesses = [(c, ok) for c, ok in repairs if c < 1.0]
    certain = [(c, ok) for c, ok in repairs if c >= 1.0]
    return {
        "repairs": total, "right": sum(ok for _, ok in repairs), "ece": ece, "bins": bins,
        "guesses": len(guesses), "wrong_high_guesses": sum(1 for c, ok in guesses if c >= HIGH and not ok),
        "certain": len(certain), "wrong_certain": sum(1 for _, ok in certain if not ok),
    }


def by_field(records: list[dict], name: str) -> dict[str, dict]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        groups[str(r[name])].append(r)
    return {key: summarise(group) for key, group in sorted(groups.items())}


def kinds_summary(records: list[dict]) -> dict[str, dict]:
    """Development corpus, every corruption kind: exact posts, the diagnosis of each file,
    and the false repairs on clean files (posts whose text changed)."""
    out: dict[str, dict] = {}
    files: dict[str, set] = defaultdict(set)
    for r in records:
        entry = out.setdefault(r["kind"], {"posts": 0, "exact": 0, "false_repairs": 0})
        entry["posts"] += 1
        entry["exact"] += r["exact"]
        entry["false_repairs"] += r["kind"] == "clean" and r["changed"]
        files[r["kind"]].add((r["document"], r["diagnosed"]))
    for kind, entry in out.items():
        entry["diagnosed"] = dict(Counter(diagnosed for _doc, diagnosed in files[kind]))
    return out


# --- Printing ----------------------------------------------------------------------------------

def pct(ok: int, n: int) -> str:
    return f"{ok}/{n} ({100 * ok / n:.1f}%)" if n else "-"


def print_sets(summaries: dict[str, dict]) -> None:
    print(f"{'set':13} {'posts exact':>18} {'invertible':>18} {'guessed':>18} "
          f"{'top-1 lost-byte chars':>24} {'repairs':>7} {'ECE':>6} "
          f"{'wrong>=.95/guesses':>20} {'wrong@1.00/certain':>19}")
    for name, s in summaries.items():
        c = s["calibration"]
        ece = f"{c['ece']:.3f}" if c["ece"] is not None else "-"
        print(f"{name:13} {pct(s['exact'], s['posts']):>18} {pct(s['invertible'][1], s['invertible'][0]):>18} "
              f"{pct(s['guessed'][1], s['guessed'][0]):>18} "
              f"{pct(s['right_chars'], s['damaged_chars']):>24} {c['repairs']:>7} {ece:>6} "
              f"{pct(c['wrong_high_guesses'], c['guesses']):>20} {pct(c['wrong_certain'], c['certain']):>19}")


def print_groups(title: str, groups: dict[str, dict]) -> None:
    print(f"  {title}:")
    width = max(map(len, groups), default=0)
    for key, s in groups.items():
        c = s["calibration"]
        ece = f"{c['ece']:.3f}" if c["ece"] is not None else "-"
        print(f"    {key:{width}} posts {pct(s['exact'], s['posts']):>17}  top-1 {pct(s['right_chars'], s['damaged_chars']):>19}"
              f"  invertible {pct(s['invertible'][1], s['invertible'][0]):>15}"
              f"  guessed {pct(s['guessed'][1], s['guessed'][0]):>15}  ECE {ece:>5}"
              f"  wrong>=.95 {c['wrong_high_guesses']}/{c['guesses']}  wrong@1.00 {c['wrong_certain']}/{c['certain']}")


def print_scripts(summary: dict) -> None:
    scripts = summary["by_script"]
    if scripts:
        print("  top-1 by script of the damaged character: "
              + ", ".join(f"{s} {pct(ok, n)}" for s, (n, ok) in scripts.items()))


def print_calibration(name: str, summary: dict) -> None:
    c = summary["calibration"]
    cells = []
    for b in c["bins"]:
        if b["n"]:
            cells.append(f"{b['bin']}: {b['n']} at {b['confidence']:.3f}, right {b['right']:.3f}")
    print(f"  calibration ({c['repairs']} repairs, {c['right']} right): " + "; ".join(cells))
    print("  wrong repairs by script of what they wrote (>=.95 guesses; certain): " + ", ".join(
        f"{s} {x['wrong_high_guesses']}/{x['guesses']}; {x['wrong_certain']}/{x['certain']}"
        for s, x in summary["calibration_by_script"].items()))


# --- Running -----------------------------------------------------------------------------------

def build_sets(args: argparse.Namespace) -> dict[str, list[Document]]:
    chosen = args.sets.split(",")
    unknown = set(chosen) - set(SETS) - set(EXTRA_SETS)
    if unknown:
        sys.exit(f"unknown set(s): {', '.join(sorted(unknown))}; "
                 f"choose from {', '.join(SETS + EXTRA_SETS)}")
    per_language, per_extra, per_source = (8, 10, 12) if args.quick else (None, None, 100)
    built: dict[str, list[Document]] = {}
    if "dev" in chosen:
        built["dev"] = heldout.dev_documents(Path(args.corpus))
    if "languages" in chosen:
        built["languages"] = heldout.language_documents(per_language)
    if "languages2" in chosen:
        built["languages2"] = heldout.language_documents(per_language, batch=2)
    if "emoji" in chosen:
        built["emoji"] = heldout.emoji_documents(per_extra)
    if "math" in chosen:
        built["math"] = heldout.math_documents(per_extra)
    if "realworld" in chosen:
        built["realworld"] = heldout.realworld_documents(Path(args.realworld), per_source)
    if "thai" in chosen:
        built["thai"] = heldout.thai_tuning_documents()
    if "langtune" in chosen:
        built["langtune"] = heldout.language_tuning_documents()
    return built


def dev_halves(split: str) -> Optional[set[str]]:
    return None if split in ("both", "all") else {split}


def dev_views(records: list[dict], split: str) -> dict[str, list[dict]]:
    """The development corpus's records as the sets to report: `dev-tuning`, `dev-heldout`
    and `dev-all` (the whole corpus, the figure reported before issue 21)."""
    if split == "all":
        return {"dev-all": records}
    if split == "both":
        return {"dev-tuning": [r for r in records if r["half"] == "tuning"],
                "dev-heldout": [r for r in records if r["half"] == "heldout"],
                "dev-all": records}
    return {f"dev-{split}": records}


def run(args: argparse.Namespace) -> dict:
    from feedarchive.repair.lossy.japanese import dictionary
    from feedarchive.repair.lossy.prior import char_model
    from feedarchive.repair.lossy.thai import lexicon

    warm = time.perf_counter()
    # Built once per installation, then read from the model cache: reported apart.
    char_model(), lexicon(), dictionary()
    warm = time.perf_counter() - warm
    start = time.perf_counter()
    views: dict[str, list[dict]] = {}
    timing: dict[str, list[float]] = {}
    documents = build_sets(args)
    build_time = time.perf_counter() - start
    for set_name, docs in documents.items():
        records: list[dict] = []
        spent, posts = 0.0, 0
        t0 = time.perf_counter()
        for document in docs:
            found, seconds, lossy = run_document(document, dev_halves(args.split) if set_name == "dev" else None)
            records += found
            spent, posts = spent + seconds, posts + lossy
        timing[set_name] = [time.perf_counter() - t0, spent, posts]
        views.update(dev_views(records, args.split) if set_name == "dev" else {set_name: records})
    return {"views": views, "timing": timing, "warm": warm, "build": build_time,
            "elapsed": time.perf_counter() - start}


# Sets no rule was chosen on: together they say whether a change helps text it never saw.
UNSEEN = ("dev-heldout", "languages", "languages2", "emoji", "math", "realworld")


def with_unseen(views: dict[str, list[dict]]) -> dict[str, list[dict]]:
    """`views` plus `unseen`, every held-out set's records together, when there are two or more."""
    present = [name for name in UNSEEN if name in views]
    if len(present) < 2:
        return views
    return dict(views, unseen=[r for name in present for r in views[name] if r["kind"] == "thai_lossy"])


def print_report(result: dict, verbose: bool) -> dict:
    views = with_unseen(result["views"])
    summaries = {name: summarise(records) for name, records in views.items()}
    for records in _distinct(views):
        for r in records:
            shown = r["set"] == "dev" and r.get("invertible", True)
            if not r["exact"] and r["kind"] != "clean" and (verbose or shown):
                print(f"{r['key']} {r['kind']} ({r['language']})\n  got  {r['_got']!r}\n  want {r['_want']!r}")
    print()
    dev_all = views.get("dev-all") or next((v for k, v in views.items() if k.startswith("dev-")), None)
    if dev_all:
        print("Development corpus, every kind:")
        for kind, entry in sorted(kinds_summary(dev_all).items()):
            print(f"  {kind:11} files diagnosed {entry['diagnosed']}  posts {pct(entry['exact'], entry['posts'])}"
                  + (f"  false repairs {entry['false_repairs']}" if kind == "clean" else ""))
        if "dev-tuning" in views:
            halves = Counter((r["kind"], r["half"]) for r in dev_all)
            print("  posts per half: " + ", ".join(
                f"{k} {halves[(k, 'tuning')]}/{halves[(k, 'heldout')]}" for k in sorted({k for k, _ in halves}))
                + " (tuning/heldout)")
        print()
    print("Lossy Thai damage, per set:")
    print_sets(summaries)
    print()
    report: dict = {"sets": {name: report_set(name, records, summaries[name])
                             for name, records in views.items()}}
    print()
    timing = result["timing"]
    for set_name, (seconds, spent, posts) in timing.items():
        per = f", fix {1000 * spent / posts:.1f} ms per lossy post ({posts})" if posts else ""
        print(f"time {set_name}: {seconds:.1f} s{per}")
    print(f"models ready in {result['warm']:.1f} s (built, or read from the model cache); "
          f"sets built in {result['build']:.1f} s; "
          f"total {result['elapsed']:.1f} s")
    report["timing"] = {k: {"seconds": v[0], "fix_seconds": v[1], "lossy_posts": v[2]} for k, v in timing.items()}
    report["model_build_seconds"] = result["warm"]
    return report


def report_set(name: str, records: list[dict], summary: dict) -> dict:
    """Print one set's figures by language (or by script of the post, for the development
    corpus, whose posts say no language), by source for real posts, by script of the damaged
    character, and its calibration; return them for report.json."""
    print(f"{name}:")
    figures = dict(summary, by_language=by_field(records, "language"))
    if name.startswith("dev-"):
        figures["kinds"] = kinds_summary(records)
    else:
        figures["by_document"] = {r["set"] + "/" + r["document"]: r["diagnosed"] for r in records}
        print(f"  documents diagnosed: {dict(Counter(figures['by_document'].values()))}")
    if name != "unseen":  # its parts are listed above
        print_groups("by script of the post" if name.startswith("dev-") else "by language",
                     figures["by_language"])
    if name == "realworld":
        figures["by_source"] = by_field(records, "document")
        print_groups("by source", figures["by_source"])
    print_scripts(summary)
    print_calibration(name, summary)
    return figures


def write_json(out: Path, report: dict, views: dict[str, list[dict]], args: argparse.Namespace) -> None:
    """report.json (figures) and posts.json (one record per post, no text), for comparing runs."""
    out.mkdir(parents=True, exist_ok=True)
    report["run"] = {
        "argv": sys.argv[1:], "split": args.split, "sets": args.sets, "quick": args.quick,
        "commit": _commit(), "time": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "load_average": os.getloadavg(),
    }
    (out / "report.json").write_text(json.dumps(report, indent=1, ensure_ascii=False), encoding="utf-8")
    posts = [{k: v for k, v in r.items() if not k.startswith("_")}
             for records in _distinct(views) for r in records]
    (out / "posts.json").write_text(json.dumps(posts, ensure_ascii=False), encoding="utf-8")
    print(f"figures in {out / 'report.json'}, per-post records in {out / 'posts.json'}")


def _distinct(views: dict[str, list[dict]]) -> Iterable[list[dict]]:
    """Every set's records once: `dev-all` repeats the two halves when both are shown, and
    `unseen` the held-out sets."""
    return [records for name, records in views.items()
            if name != "unseen" and not (name == "dev-all" and "dev-tuning" in views)]


def _commit() -> Optional[str]:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="/work/shared/corpus/dev")
    parser.add_argument("--split", choices=("both", "tuning", "heldout", "all"), default="both")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--realworld", default="/work/shared/realworld")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--out", default="/tmp/feedarchive-measure")
    parser.add_argument("-v", "--verbose", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    result = run(args)
    report = print_report(result, args.verbose)
    write_json(Path(args.out), report, result["views"], args)


if __name__ == "__main__":
    main(sys.argv[1:])
