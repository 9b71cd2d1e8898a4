"""Measure the repair stage on the development corpus (not a test; prints a report).

    .venv/bin/python tests/bench/measure_repair.py [/work/shared/corpus/dev] [-v]

For every case: `diagnose` over all raw texts of the file (posts, display name, profile lines),
then `fix` on each post. Reports, per corruption kind, posts restored exactly (NFC, stripped),
the diagnosis each file got, for thai_lossy the invertible/guessed split and top-1 accuracy on
characters that lost bytes, and false repairs on clean files (posts whose text changed).
"""
from __future__ import annotations

import difflib
import json
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from feedarchive.repair import diagnose  # noqa: E402


def norm(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def lost_bytes(char: str) -> bool:
    """A character the Thai damage left ambiguous: a byte lost, or 0xA0 turned into a space."""
    data = char.encode("utf-8")
    return len(data) > 1 and any(0x80 <= b <= 0xA0 and b != 0x85 for b in data[1:])


def profile_texts(raw_file: str) -> list[str]:
    lines = raw_file.replace("\r\n", "\n").split("\n")
    handle = next(i for i, line in enumerate(lines) if line.startswith("@"))
    statuses = next(i for i, line in enumerate(lines) if line == "Statuses")
    joined = next(i for i, line in enumerate(lines) if line.startswith("Joined "))
    return ["\n".join(lines[:handle]), "\n".join(lines[statuses + 2:joined])]


def script_of(char: str) -> str:
    """Coarse script of a damaged character, for the per-script breakdown."""
    code = ord(char)
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if 0x1D400 <= code <= 0x1D7FF:
        return "math"
    if 0x3040 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF:
        return "japanese"
    if (0x1F000 <= code <= 0x1FAFF or 0x2600 <= code <= 0x27BF or 0x2B00 <= code <= 0x2BFF
            or code in (0x200D, 0xFE0F, 0x20E3)):
        return "emoji"
    if unicodedata.category(char)[0] in "LM":
        return "latin" if "LATIN" in unicodedata.name(char, "") else "other-letter"
    return "punct"


def guessed_correct(fixed: str, truth: str, by_script: Counter | None = None) -> tuple[int, int]:
    """(damaged characters of `truth`, how many of them `fixed` has right where they belong)."""
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


def main(corpus: Path, verbose: bool) -> None:
    exact: dict[str, Counter] = defaultdict(Counter)
    diagnosed: dict[str, Counter] = defaultdict(Counter)
    chars_total = chars_right = 0
    false_repairs = 0
    misses: list[str] = []
    by_script: Counter = Counter()
    lossy_time = 0.0
    lossy_posts = 0
    from feedarchive.repair.lossy.prior import char_model
    from feedarchive.repair.lossy.japanese import dictionary
    from feedarchive.repair.lossy.thai import lexicon

    warm = time.perf_counter()
    # Built once per installation, then read from the model cache: reported apart.
    char_model(), lexicon(), dictionary()
    warm = time.perf_counter() - warm
    start = time.perf_counter()
    for truth_path in sorted(corpus.glob("d*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        kind = truth["corruption"]
        raw_file = truth_path.with_name(truth["case"] + ".txt").read_text(encoding="utf-8")
        texts = [p["raw"] for p in truth["posts"]] + profile_texts(raw_file)
        decision = diagnose(texts)
        diagnosed[kind][decision.kind] += 1
        for post in truth["posts"]:
            t0 = time.perf_counter()
            fixed, _repairs = decision.fix(post["raw"])
            if kind == "thai_lossy":
                lossy_time += time.perf_counter() - t0
                lossy_posts += 1
            ok = norm(fixed) == norm(post["text"])
            bucket = "posts"
            if kind == "thai_lossy":
                bucket = "invertible" if post["invertible"] else "guessed"
                total, right = guessed_correct(norm(fixed), norm(post["text"]), by_script)
                chars_total += total
                chars_right += right
            exact[kind][bucket] += 1
            exact[kind][bucket + "_ok"] += ok
            if kind == "clean" and fixed != post["raw"]:
                false_repairs += 1
            if not ok and (verbose or bucket != "guessed"):
                misses.append(f"{truth['case']} {kind}/{bucket}\n  got  {fixed!r}\n  want {post['text']!r}")
    elapsed = time.perf_counter() - start
    for line in misses:
        print(line)
    print()
    for kind in sorted(exact):
        counts = exact[kind]
        parts = []
        for bucket in ("posts", "invertible", "guessed"):
            if counts[bucket]:
                ok, n = counts[bucket + "_ok"], counts[bucket]
                parts.append(f"{bucket} {ok}/{n} ({100 * ok / n:.1f}%)")
        print(f"{kind:11} diagnosed {dict(diagnosed[kind])}  " + "  ".join(parts))
    if chars_total:
        print(f"thai_lossy characters with lost bytes: top-1 {chars_right}/{chars_total} "
              f"({100 * chars_right / chars_total:.1f}%)")
        scripts = sorted({k[:-2] for k in by_script if k.endswith("_n")})
        print("  by script: " + ", ".join(
            f"{s} {by_script[s + '_ok']}/{by_script[s + '_n']}" for s in scripts))
    if lossy_posts:
        print(f"thai_lossy fix: {1000 * lossy_time / lossy_posts:.1f} ms per post "
              f"({lossy_posts} posts); models ready in {warm:.1f} s (built, or read from "
              f"the model cache)")
    print(f"false repairs on clean files: {false_repairs}")
    print(f"time: {elapsed:.1f} s")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    main(Path(args[0] if args else "/work/shared/corpus/dev"), "-v" in sys.argv)
