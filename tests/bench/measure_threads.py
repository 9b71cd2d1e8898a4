"""Measure the thread stage against the dev corpus truth.

Builds posts from each truth file's original texts (file order = timeline order, author = the
profile handle), runs `stitch`, and compares threads as the corpus README scores them: a thread
is right when it has exactly the same posts in the same reading order.

    .venv/bin/python tests/bench/measure_threads.py [corpus_dir] [-v]
"""
from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from feedarchive.identity import normalise_text, post_id
from feedarchive.models import Post
from feedarchive.threads import stitch

DEFAULT_DIR = Path("/work/shared/corpus/dev")
LAYOUT_TAGS = ("reverse", "forward", "interleaved", "partial")


def load_posts(truth: dict) -> list[Post]:
    """Posts as the pipeline would hand them over: repaired text, author, stable id."""
    author = truth["profile"]["handle"]
    seen: Counter = Counter()
    posts = []
    for item in truth["posts"]:
        key = normalise_text(item["text"])
        post = Post(text_raw=item["text"], author=author)
        post.id = post_id(author, item["text"], seen[key])
        seen[key] += 1
        posts.append(post)
    return posts


def measure_file(path: Path, verbose: bool) -> dict:
    truth = json.loads(path.read_text(encoding="utf-8"))
    posts = load_posts(truth)
    result = stitch(posts)
    index = {id(p): i for i, p in enumerate(posts)}
    predicted = {}
    for thread in result.threads:
        order = sorted(thread.parts, key=lambda p: p.thread_index)
        predicted[tuple(index[id(p)] for p in order)] = thread
    expected = {tuple(t["posts"]): t for t in truth["threads"]}
    exact = set(predicted) & set(expected)
    stats = Counter(
        predicted=len(predicted), expected=len(expected), exact=len(exact),
        decl_right=sum(predicted[k].declared_total == expected[k]["declared_total"] for k in exact),
        false_posts=sum(1 for k in predicted for i in k if truth["posts"][i]["thread"] is None),
        candidates=len(result.candidates),
    )
    for key, t in expected.items():
        for tag in LAYOUT_TAGS:
            if tag in t["layout"].split("+"):
                stats[f"{tag}_total"] += 1
                stats[f"{tag}_found"] += key in exact
    if verbose:
        for key in sorted(set(predicted) - exact):
            print(f"  {path.name}: extra/wrong {key} total={predicted[key].declared_total}")
        for key in sorted(set(expected) - exact):
            t = expected[key]
            print(f"  {path.name}: missed {key} {t['style']} {t['layout']} parts={t['parts']}")
        for key in exact:
            if predicted[key].declared_total != expected[key]["declared_total"]:
                print(f"  {path.name}: wrong total {key} {predicted[key].declared_total}")
        for c in result.candidates:
            print(f"  {path.name}: candidate {c.role} {c.confidence} {c.post.text[:60]!r}")
    return stats


def report(stats: Counter) -> str:
    precision = stats["exact"] / stats["predicted"] if stats["predicted"] else 1.0
    recall = stats["exact"] / stats["expected"] if stats["expected"] else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    decl = stats["decl_right"] / stats["exact"] if stats["exact"] else 1.0
    lines = [
        f"threads: expected {stats['expected']}, predicted {stats['predicted']}, exact {stats['exact']}",
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}",
        f"declared_total right on exact threads: {decl:.3f}",
        f"posts wrongly put in threads: {stats['false_posts']}",
        f"candidates reported: {stats['candidates']}",
        "recall by layout: " + ", ".join(
            f"{tag} {stats[tag + '_found']}/{stats[tag + '_total']}" for tag in LAYOUT_TAGS),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    verbose = "-v" in argv
    args = [a for a in argv if a != "-v"]
    corpus = Path(args[0]) if args else DEFAULT_DIR
    total: Counter = Counter()
    for path in sorted(corpus.glob("*.truth.json")):
        total.update(measure_file(path, verbose))
    print(report(total))


if __name__ == "__main__":
    main(sys.argv[1:])
