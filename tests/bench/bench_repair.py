"""How much the repair stage costs next to storing: a documented command, not a timed test.

    .venv/bin/python tests/bench/bench_repair.py [posts]   (default 100000)

Builds `posts` short synthetic posts, mostly ASCII (about 1 in 10 has an accent, a curly quote
or an emoji), as 100 documents of 1,000 posts. It times

1. `diagnose` + `fix` of every post of a clean document (the ASCII fast path and ftfy);
2. the same posts after Windows-1252 damage (the exact whole-document inversion);
3. inserting the posts into SQLite: a plain 8-column table in one transaction, and the same
   with an FTS5 index filled in that transaction (what the store stage does at least),

and prints posts per second for each. Repair of clean, mostly-ASCII posts must cost well under
the insert.
"""
from __future__ import annotations

import random
import sqlite3
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from feedarchive.repair import diagnose  # noqa: E402

WORDS = (
    "the model training data paper results thread today we new release open source code "
    "latency tokens team shipped build coffee weekend football match season city rain"
).split()
EXTRAS = ["café", "naïve", "it’s", "“quoted”", "🚀", "🎉", "— dash", "déjà vu", "😂"]


def make_posts(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    posts = []
    for i in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 40))]
        if i % 10 == 0:
            words.insert(rng.randrange(len(words)), rng.choice(EXTRAS))
        posts.append(" ".join(words).capitalize() + ".")
    return posts


def cp1252_damage(text: str) -> str:
    return "".join(
        bytes([b]).decode("cp1252", errors="ignore") or chr(b) for b in text.encode("utf-8")
    )


def time_repair(documents: list[list[str]]) -> float:
    start = time.perf_counter()
    for posts in documents:
        decision = diagnose(posts)
        for post in posts:
            decision.fix(post)
    return time.perf_counter() - start


def time_sqlite(posts: list[str], fts: bool) -> float:
    db = sqlite3.connect(":memory:")
    db.execute(
        "create table posts (id integer primary key, author text, text text, text_raw text, "
        "replies integer, reposts integer, likes integer, thread_id text)"
    )
    if fts:
        db.execute("create virtual table posts_fts using fts5(text)")
    rows = [(i, "someone", p, p, 1, 2, 3, None) for i, p in enumerate(posts)]
    start = time.perf_counter()
    with db:
        db.executemany("insert into posts values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        if fts:
            db.executemany("insert into posts_fts (rowid, text) values (?, ?)",
                           [(i, p) for i, p in enumerate(posts)])
    return time.perf_counter() - start


def main(count: int) -> None:
    posts = make_posts(count)
    documents = [posts[i:i + 1000] for i in range(0, count, 1000)]
    damaged = [[cp1252_damage(p) for p in doc] for doc in documents]
    results = {
        "repair, clean mostly-ASCII posts": time_repair(documents),
        "repair, cp1252-damaged posts": time_repair(damaged),
        "sqlite insert, 8 columns": time_sqlite(posts, fts=False),
        "sqlite insert + FTS5": time_sqlite(posts, fts=True),
    }
    for name, seconds in results.items():
        print(f"{name:36} {seconds:7.2f} s  {count / seconds:10,.0f} posts/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
