"""The thread-heavy generator of the benchmarks (issue 20) makes what its docstrings say, at a
tiny size: the benchmarks' figures mean nothing if the shape or the overlap is not there.
Nothing here is timed."""
from __future__ import annotations

import sys
from collections import Counter
from itertools import islice
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[2]))  # `tests.bench` importable

from feedarchive.importer import import_file  # noqa: E402
from feedarchive.store import open_db  # noqa: E402
from tests.bench import generate  # noqa: E402


def texts(path: Path) -> list[str]:
    """The post texts of a generated scrape, newest first (each followed by three counts)."""
    lines = path.read_text(encoding="utf-8").split("\n")
    body = lines[lines.index(next(x for x in lines if x.startswith("Joined "))) + 1:-1]
    posts, current, numbers = [], [], []
    for line in body:  # the last three lines of a run of numbers are the counts
        if line.replace(",", "").replace(".", "").rstrip("KM").isdigit():
            numbers.append(line)
            continue
        if numbers:
            if len(numbers) >= 3:
                posts.append("\n".join(current + numbers[:-3]))
                current = []
            else:
                current += numbers
            numbers = []
        current.append(line)
    posts.append("\n".join(current + numbers[:-3]))
    return posts


def test_the_stream_is_deterministic_and_a_prefix_of_itself():
    first = [p["text"] for p in islice(generate.thread_heavy_posts(7), 500)]
    again = [p["text"] for p in islice(generate.thread_heavy_posts(7), 50)]
    assert again == first[:50]
    assert first != [p["text"] for p in islice(generate.thread_heavy_posts(8), 500)]


def test_eight_percent_of_posts_start_a_thread_of_two_to_eight_parts():
    posts = list(islice(generate.thread_heavy_posts(), 20_000))
    parts = [p["part"] for p in posts if p["part"]]
    starts = [part for part in parts if part[0] == 1]
    assert 0.07 < len(starts) / len(posts) < 0.09
    assert {n for _, n, _ in parts} == set(range(2, 9))
    assert set(Counter(style for _, _, style in starts)) == {
        "slash_total", "paren", "emoji_open", "emoji_head", "trailing"}
    assert len(set(p["text"] for p in posts)) > 0.99 * len(posts)  # varied texts


def test_parts_run_newest_first_with_gaps_and_missing_parts():
    posts = list(islice(generate.thread_heavy_posts(), 20_000))
    gaps = missing = 0  # parts below which other posts come first; parts whose k-1 is gone
    for index, post in enumerate(posts[:-4]):
        if post["part"] and post["part"][0] > 1:
            k = post["part"][0]
            following = [p["part"] for p in posts[index + 1:index + 5]]
            below = next((p for p in following if p), None)
            if below is None or below[0] < k - 1:
                missing += 1
            if following[0] is None:
                gaps += 1
    assert gaps > 50 and missing > 20


def test_the_next_scrape_overlaps_the_newest_posts_of_every_archive(tmp_path):
    archive = tmp_path / "archive.txt"
    generate.write_thread_timeline(archive, 400, skip=generate.NEW_POSTS)
    scrape = tmp_path / "next.txt"
    made = generate.write_next_scrape(scrape)
    old, new = texts(archive), texts(scrape)
    assert (len(old), len(new), made["posts"]) == (400, 23, 23)
    assert new[3:] == old[:20] and not set(new[:3]) & set(old)

    db = open_db(tmp_path / "a.db")
    assert import_file(db, archive).new_posts == 400
    report = import_file(db, scrape)
    assert (report.posts, report.new_posts) == (23, 3)


def test_the_stitcher_reads_the_markers_it_is_given(tmp_path):
    made = generate.generate_threads(tmp_path, 3000)
    db = open_db(tmp_path / "a.db")
    import_file(db, Path(made["timelines"][0]["path"]))
    threads = db.execute("select count(*) from threads").fetchone()[0]
    assert threads > 0.9 * made["thread_starts"]
