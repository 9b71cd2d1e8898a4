"""Re-stitching a stored timeline a window at a time, or only around what an import changed,
gives what stitching the whole timeline at once gives (`feedarchive.restitch`).

Timelines are drawn at random: threads in every marker style, newest or oldest part first, parts
missing, posts in between, and plain posts; they are imported as overlapping scrapes in random
growth orders, with edited files and older scrapes imported late. Margins are made tiny here so
that the windows and their cuts are exercised on timelines of a few dozen posts.
"""
from __future__ import annotations

import json
import random
from concurrent.futures import Future
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from feedarchive import placing, restitch
from feedarchive.importer import import_file
from feedarchive.placing import merge_timeline
from feedarchive.store import ensure_author, open_db

from conftest import timeline

HANDLE = "ada_lab"
WORDS = ("models", "tokens", "schedule", "ablation", "baseline", "dataset", "kernel", "paper",
         "results", "lunch", "ramen", "slides", "notebook", "compiler", "benchmark", "plots",
         "論文", "ラーメン")  # two words only the gram index finds


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 7))).capitalize() + "."


def thread_texts(rng: random.Random) -> list[str]:
    """One thread's parts in reading order, in one of the styles authors write."""
    total = rng.randint(2, 6)
    style = rng.choice(["k/n", "(k/n)", "k/", "🧵", "end"])
    parts = []
    for k in range(1, total + 1):
        body = sentence(rng)
        if style == "k/n":
            parts.append(f"{k}/{total} {body}")
        elif style == "(k/n)":
            parts.append(f"{body} ({k}/{total})")
        elif style == "🧵":
            parts.append(f"🧵 {body}" if k == 1 else f"{k}/ {body}")
        else:
            parts.append(f"{k}/ {body}")
    if style == "end":
        parts.append(f"{sentence(rng)} /end")
    while len(parts) > 1 and rng.random() < 0.2:  # a part the scrape missed
        parts.pop(rng.randrange(len(parts)))
    return parts


def draw_timeline(rng: random.Random, length: int) -> list[str]:
    """A timeline, newest first: threads laid out newest part first (mostly) or oldest
    first, sometimes with a plain post between parts, and plain posts between threads."""
    posts: list[str] = []
    while len(posts) < length:
        if rng.random() < 0.45:
            parts = thread_texts(rng)
            if rng.random() < 0.8:
                parts.reverse()
            for part in parts:
                posts.append(part)
                if rng.random() < 0.15:
                    posts.append(sentence(rng))
        else:
            posts.append(sentence(rng))
    return posts[:length]


def scrape(posts: list[str]) -> str:
    return timeline(*((text, "0", str(i % 7), str(i)) for i, text in enumerate(posts)))


def decisions(db) -> tuple[dict, dict]:
    """What the archive says of each post: its thread, part, and the thread's record; and the
    candidate offers."""
    parts = {row[0]: tuple(row[1:]) for row in db.execute(
        "select p.id, p.thread_id, p.thread_index, p.thread_marker, t.declared_total, t.found, "
        "t.missing, t.confidence, t.evidence, t.position from posts p join threads t "
        "on t.id = p.thread_id where p.author = ?", [HANDLE])}
    offers = {row[0]: tuple(row[1:]) for row in db.execute(
        "select post_id, thread_id, role, confidence, evidence from thread_candidates")}
    return parts, offers


def stitched_at_once(db) -> tuple[dict, dict]:
    """The same, had the stored timeline been stitched whole, in one piece."""
    rows = list(restitch.timeline_rows(db, HANDLE))
    result = restitch.stitch_rows(HANDLE, rows, 0, True)
    position = {row.id: row.position for row in rows}
    parts = {}
    for thread in result.threads:
        for post in thread.parts:
            parts[post.id] = (thread.id, post.thread_index, post.thread_marker,
                              thread.declared_total, len(thread.parts),
                              json.dumps(thread.missing),
                              thread.confidence, thread.evidence,
                              min(position[p.id] for p in thread.parts))
    offers = {c.post.id: (c.thread_id, c.role, c.confidence, c.evidence)
              for c in result.candidates}
    return parts, offers


@pytest.fixture
def tiny_windows(monkeypatch):
    """Margins of a few dozen posts (wider than what one marker rule reaches), so a timeline
    of a hundred or two is cut into many windows."""
    monkeypatch.setattr(restitch, "MARGIN", 40)
    monkeypatch.setattr(restitch, "ZONE", 20)
    monkeypatch.setattr(placing, "REORDER_SHARE", 0.6)  # windows, not full passes, more often


SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(1, 220), chunk=st.integers(1, 40))
def test_a_full_pass_in_windows_equals_stitching_at_once(tmp_path_factory, tiny_windows,
                                                         seed, length, chunk):
    rng = random.Random(seed)
    path = tmp_path_factory.mktemp("full") / "scrape.txt"
    path.write_text(scrape(draw_timeline(rng, length)), encoding="utf-8")
    db = open_db(path.with_suffix(".db"))
    import_file(db, path)
    restitch.restitch_author(db, HANDLE, chunk=chunk)
    assert decisions(db) == stitched_at_once(db)


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(120, 220), chunk=st.integers(1, 30))
def test_windows_stitched_ahead_in_workers_give_the_same_threads(tmp_path_factory, tiny_windows,
                                                                 monkeypatch, seed, length, chunk):
    """A long timeline's windows are stitched ahead in worker processes; the pass must
    decide what it decides alone, including where a window has to grow."""
    monkeypatch.setattr(restitch, "PARALLEL_MIN_POSTS", 1)
    rng = random.Random(seed)
    path = tmp_path_factory.mktemp("workers") / "scrape.txt"
    path.write_text(scrape(draw_timeline(rng, length)), encoding="utf-8")
    db = open_db(path.with_suffix(".db"))
    import_file(db, path)
    submitted = []
    real_stitch_ahead = restitch.Windows.stitch_ahead

    def counted(windows):
        before = sum(isinstance(v, Future) for v in windows.results.values())
        real_stitch_ahead(windows)
        submitted.append(sum(isinstance(v, Future) for v in windows.results.values()) - before)

    monkeypatch.setattr(restitch.Windows, "stitch_ahead", counted)
    restitch.restitch_author(db, HANDLE, chunk=chunk)
    assert sum(submitted) > 1  # the workers did stitch windows
    assert decisions(db) == stitched_at_once(db)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(10, 220))
def test_growing_an_archive_scrape_by_scrape_equals_stitching_at_once(tmp_path_factory,
                                                                      tiny_windows, seed, length):
    """Daily scrapes land on top of what is there; some overlap, one is edited and imported
    again, an older one comes late. After every import the archive's threads are those of
    its whole timeline stitched at once, and the timeline reads as the account does."""
    rng = random.Random(seed)
    posts = draw_timeline(rng, length)
    folder = tmp_path_factory.mktemp("growth")
    db = open_db(folder / "archive.db")
    cuts = sorted(rng.sample(range(1, length), min(length - 1, rng.randint(1, 8))))
    starts = [0] + cuts
    ends = [min(length, c + rng.randint(1, 4)) for c in cuts] + [length]
    slices = list(zip(starts, ends))[::-1]  # oldest scrape first; each overlaps the next
    for i, (start, end) in enumerate(slices):
        path = folder / f"day{i}.txt"
        path.write_text(scrape(posts[start:end]), encoding="utf-8")
        import_file(db, path)
        assert decisions(db) == stitched_at_once(db)
    if rng.random() < 0.5 and len(slices) > 1:  # the oldest file edited: its newest posts cut
        start, end = slices[0]
        keep = rng.randint(start + 1, end)
        (folder / "day0.txt").write_text(scrape(posts[keep - 1:end]), encoding="utf-8")
        import_file(db, folder / "day0.txt")
        assert decisions(db) == stitched_at_once(db)
    stored = [row[0] for row in db.execute(
        "select text from posts where author = ? order by position", [HANDLE])]
    if len(set(posts)) == len(posts):  # a repeated text is one post per occurrence: ids differ
        assert stored == [p for p in posts if p in set(stored)]


@settings(max_examples=200, deadline=None)
@given(existing=st.lists(st.integers(0, 40), unique=True, max_size=25),
       incoming=st.lists(st.integers(0, 60), unique=True, min_size=1, max_size=25))
def test_placing_beside_anchors_follows_the_merge_rule(tmp_path_factory, existing, incoming):
    """New posts land where `merge_timeline` says, whatever gaps the positions have."""
    db = open_db(tmp_path_factory.mktemp("place") / "a.db")
    ensure_author(db, HANDLE)
    gaps = random.Random(len(existing)).choices([1, 1, 2, 5], k=len(existing))
    position = -3
    for post, gap in zip(existing, gaps):
        position += gap
        db.execute("insert into posts (id, author, text, position) values (?, ?, '', ?)",
                   [str(post), HANDLE, position])
    known = {str(p) for p in existing}
    fresh = {str(p) for p in incoming} - known
    for post in fresh:
        db.execute("insert into posts (id, author, text) values (?, ?, '')", [post, HANDLE])
    placing.place_beside_anchors(db, HANDLE, [str(p) for p in incoming], fresh)
    order = [row[0] for row in db.execute(
        "select id from posts where author = ? order by position", [HANDLE])]
    assert order == merge_timeline([str(p) for p in existing], [str(p) for p in incoming])


@settings(max_examples=200, deadline=None)
@given(dates=st.lists(st.integers(0, 30), min_size=1, max_size=30),
       split=st.integers(0, 30))
def test_placing_by_date_keeps_date_order(tmp_path_factory, dates, split):
    db = open_db(tmp_path_factory.mktemp("dated") / "a.db")
    ensure_author(db, HANDLE)
    posts = [(f"p{i:02d}", f"2026-01-{day + 1:02d}T00:00:00") for i, day in enumerate(dates)]
    old, new = posts[:split], posts[split:]
    for post_id, created in old:
        db.execute("insert into posts (id, author, text, created_at) values (?, ?, '', ?)",
                   [post_id, HANDLE, created])
    placing.order_by_date(db, HANDLE)
    for post_id, created in new:
        db.execute("insert into posts (id, author, text, created_at) values (?, ?, '', ?)",
                   [post_id, HANDLE, created])
    placing.place_by_date(db, HANDLE, new)
    order = [row[0] for row in db.execute(
        "select id from posts where author = ? order by position", [HANDLE])]
    assert order == [p for p, _ in sorted(posts, key=lambda p: (p[1], p[0]), reverse=True)]


def test_the_restitch_command_rebuilds_threads_and_names_unknown_authors(tmp_path):
    from click.testing import CliRunner

    from feedarchive.cli import cli

    scrape_file = tmp_path / "scrape.txt"
    scrape_file.write_text(scrape(draw_timeline(random.Random(7), 60)), encoding="utf-8")
    db_path = tmp_path / "a.db"
    db = open_db(db_path)
    import_file(db, scrape_file)
    before = decisions(db)
    db.execute("delete from thread_candidates")
    db.execute("update posts set thread_id = null, thread_index = null, thread_marker = null")
    db.execute("delete from threads")
    runner = CliRunner()
    result = runner.invoke(cli, ["restitch", "--db", str(db_path)])
    assert result.exit_code == 0, result.output
    assert result.output == f"@{HANDLE}: {len({v[0] for v in before[0].values()})} threads\n"
    assert decisions(open_db(db_path)) == before
    unknown = runner.invoke(cli, ["restitch", "--db", str(db_path), "--author", "nobody"])
    assert unknown.exit_code == 1
    assert "no author @nobody in the archive" in unknown.output


def snapshot(db) -> dict:
    """The archive as a reader sees it: each post in timeline order with its counts, thread
    and part, the threads and the candidates (what files were imported in which order, and
    from which path, is left out)."""
    return {
        "timeline": db.execute(
            "select id, text, replies, reposts, likes, thread_id, thread_index from posts "
            "order by author, position").fetchall(),
        "threads": db.execute(
            "select id, author, declared_total, found, complete, title, replies, reposts, "
            "likes, missing, confidence, method, evidence from threads order by id").fetchall(),
        "candidates": db.execute(
            "select post_id, thread_id, role, evidence, confidence from thread_candidates "
            "order by post_id, thread_id").fetchall(),
        "search": {word: search_ids(db, word) for word in WORDS},
    }


def search_ids(db, word: str) -> list[str]:
    """The posts the word index, or the gram index for a word in a script without spaces,
    finds `word` in: those whose text has it. The word index is checked whole first (FTS5
    `integrity-check`)."""
    db.execute("insert into posts_fts (posts_fts) values ('integrity-check')")
    index, query = ("posts_fts", f'"{word}"') if word.isascii() else (
        "posts_grams", 'bi : "' + " ".join(word[i:i + 2] for i in range(len(word) - 1)) + '"')
    found = [row[0] for row in db.execute(
        f"select p.id from {index} join posts p on p.rowid = {index}.rowid "
        f"where {index} match ? order by p.id", [query])]
    assert found == [row[0] for row in db.execute(
        "select id from posts where instr(lower(text), ?) order by id", [word])]
    return found


def scrape_on_day(posts: list[str], day: int) -> str:
    """The posts as scraped on `day`: counts grow by the day."""
    return timeline(*((text, str(day), str(i % 5 + day), str(10 * day + i))
                      for i, text in enumerate(posts)))


def import_order(ranges: dict[int, tuple[int, int]], rng: random.Random) -> list[int]:
    """An order a user could import scrapes in without the archive having to guess: groups of
    overlapping scrapes oldest group first (a scrape sharing nothing with the archive is
    taken as newer), each group from a random scrape on, every next one overlapping what is
    there."""
    def overlap(i: int, j: int) -> bool:
        return ranges[i][0] < ranges[j][1] and ranges[j][0] < ranges[i][1]

    groups: list[set[int]] = []
    for i in ranges:
        joined = [g for g in groups if any(overlap(i, j) for j in g)]
        merged = {i}.union(*joined)
        groups = [g for g in groups if g not in joined] + [merged]
    order: list[int] = []
    for group in sorted(groups, key=lambda g: -max(ranges[i][0] for i in g)):
        done = [rng.choice(sorted(group))]
        while len(done) < len(group):
            done.append(rng.choice([i for i in sorted(group - set(done))
                                    if any(overlap(i, j) for j in done)]))
        order += done
    return order


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), length=st.integers(20, 160))
def test_any_growth_order_gives_the_archive_of_the_final_files(tmp_path_factory, tiny_windows,
                                                                seed, length):
    """Overlapping scrapes taken on different days, imported in a random order (older ones
    late), one of them also saved at a second path, one edited after import (cut at its old
    end, or at its new end so that posts only it held leave and come back): the archive is
    the one importing the final files once gives."""
    import os

    rng = random.Random(seed)
    posts = list(dict.fromkeys(draw_timeline(rng, length)))  # one post per text
    count = len(posts)
    cuts = sorted(rng.sample(range(1, count), min(count - 1, rng.randint(2, 6))))
    starts = [0] + cuts
    ends = [min(count, c + rng.randint(1, 4)) for c in cuts] + [count]
    slices = dict(enumerate(zip(starts, ends)))  # newest first; each overlaps the next
    days = {i: len(slices) - i + 1 for i in slices}  # newer slices scraped later
    folder = tmp_path_factory.mktemp("orders")

    def write(name: str, start: int, end: int, day: int) -> Path:
        path = folder / name
        path.write_text(scrape_on_day(posts[start:end], day), encoding="utf-8")
        os.utime(path, (86_400 * day, 86_400 * day))
        return path

    grown = open_db(folder / "grown.db")
    edited, copied = rng.randrange(len(slices)), rng.randrange(len(slices))
    copy_of = (*slices[copied], days[copied])  # the copy keeps the bytes it was saved with
    for i in import_order(slices, rng):
        import_file(grown, write(f"scrape{i}.txt", *slices[i], days[i]))
        if i == copied:
            import_file(grown, write("copy.txt", *copy_of))
    start, end = slices[edited]
    older = slices.get(edited + 1, (end, end))[0]
    if end - start > 1 and start + 1 <= older:
        # Re-saved later, cut: at its newest posts down to where the older scrape begins, or
        # by its oldest post.
        start, end = (rng.randint(start + 1, min(older, end - 1)), end) if rng.random() < 0.5 \
            else (start, end - 1)
        slices[edited], days[edited] = (start, end), days[edited] + 20
        import_file(grown, write(f"scrape{edited}.txt", start, end, days[edited]))
    final = open_db(folder / "final.db")
    for i in import_order(slices, rng):
        import_file(final, write(f"again{i}.txt", *slices[i], days[i]))
        if i == copied:
            import_file(final, write("again-copy.txt", *copy_of))
    assert snapshot(grown) == snapshot(final)


def test_a_stitched_window_leaves_nothing_for_the_cycle_collector():
    """A worker stitches hundreds of windows and collects cycles rarely: linked parts must be
    freed as soon as the window's result is, or every window's nodes pile up until then."""
    import gc

    from feedarchive.workers import Row, stitch_rows

    texts = []
    for thread in range(40):
        texts += [f"{part}/3 Notes on warmup, run {thread}" for part in (3, 2, 1)] + ["lunch"]
    rows = [Row(rank, f"p{rank}", text) for rank, text in enumerate(texts)]
    gc.collect()
    gc.disable()
    try:
        result = stitch_rows("ada", rows, 0, complete=True)
        assert len(result.threads) == 40
        del result
        assert gc.collect() == 0
    finally:
        gc.enable()
