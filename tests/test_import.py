"""Importing files into an archive: what lands in each table, idempotency, atomicity."""
from __future__ import annotations

import json

import pytest

from feedarchive.importer import import_file, import_paths
from feedarchive.placing import merge_timeline
from feedarchive.store import open_db

from conftest import timeline

THREADED = timeline(
    ("3/3 Code and data are public. Thanks for reading!", "1", "4", "40"),
    ("Lunch break: 3/4 of the team voted for ramen.", "0", "0", "3"),
    ("2/3 Setup: 12B tokens, three optimisers, four schedules.", "2", "5", "60"),
    ("1/3 We trained 36 small models so you don’t have to.", "9", "50", "1.1K"),
)


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "archive.db")


def rows(db, sql, params=()):
    return [dict(r) for r in db.execute_returning_dicts(sql, params)]


def test_import_fills_authors_posts_threads_and_sources(db, write_file):
    report = import_file(db, write_file("ada.txt", THREADED))
    assert (report.status, report.posts, report.new_posts, report.threads) == ("imported", 4, 4, 1)
    author = rows(db, "select * from authors")[0]
    assert (author["handle"], author["followers"], author["statuses"]) == ("ada_lab", 1024, 2500)
    posts = rows(db, "select * from posts order by position")
    assert [p["likes"] for p in posts] == [40, 3, 60, 1100]
    assert all(p["text"] == p["text_raw"] for p in posts)
    thread = rows(db, "select * from threads")[0]
    assert (thread["declared_total"], thread["found"], thread["complete"]) == (3, 3, 1)
    assert (thread["likes"], thread["reposts"], thread["replies"]) == (1200, 59, 12)
    assert json.loads(thread["missing"]) == []
    ordered = rows(db, "select text from posts where thread_id = ? order by thread_index",
                   [thread["id"]])
    assert [p["text"][:3] for p in ordered] == ["1/3", "2/3", "3/3"]
    source = rows(db, "select * from sources")[0]
    assert (source["format"], source["posts"], source["author"]) == ("timeline", 4, "ada_lab")
    assert len(source["sha256"]) == 64


def test_post_ids_are_stable_across_databases(tmp_path, write_file):
    path = write_file("ada.txt", THREADED)
    first, second = open_db(tmp_path / "a.db"), open_db(tmp_path / "b.db")
    import_file(first, path)
    import_file(second, path)
    ids = "select id from posts order by position"
    assert rows(first, ids) == rows(second, ids)


def test_importing_the_same_file_twice_changes_nothing(db, write_file):
    path = write_file("ada.txt", THREADED)
    import_file(db, path)
    before = rows(db, "select * from posts order by id")
    report = import_file(db, path)
    assert report.status == "unchanged"
    assert rows(db, "select * from posts order by id") == before
    assert rows(db, "select count(*) as n from sources")[0]["n"] == 1


def test_an_edited_file_replaces_its_earlier_import(db, write_file):
    path = write_file("ada.txt", THREADED)
    import_file(db, path)
    path.write_text(timeline(("Only one post now", "0", "0", "1")), encoding="utf-8")
    report = import_file(db, path)
    assert report.status == "replaced"
    assert [r["text"] for r in rows(db, "select text from posts")] == ["Only one post now"]
    assert rows(db, "select count(*) as n from threads")[0]["n"] == 0
    assert rows(db, "select count(*) as n from sources")[0]["n"] == 1


def test_a_bad_file_leaves_nothing_and_others_still_import(db, write_file):
    good = write_file("good.txt", THREADED)
    bad = write_file("bad.txt", timeline(("text", "1", "2", "3")) + "cut off here\n7\n")
    reports = import_paths(db, [bad, good])
    assert [r.status for r in reports] == ["failed", "imported"]
    assert "bad.txt:17" in reports[0].error
    assert rows(db, "select count(*) as n from posts")[0]["n"] == 4
    assert [r["path"].endswith("good.txt") for r in rows(db, "select path from sources")] == [True]


def test_search_finds_words_in_repaired_text(db, write_file):
    import_file(db, write_file("ada.txt", THREADED))
    hits = [r["text"] for r in db["posts"].search("ramen")]
    assert hits == ["Lunch break: 3/4 of the team voted for ramen."]


def test_merge_timeline_puts_new_posts_above_the_overlap():
    assert merge_timeline(["c", "b", "a"], ["e", "d", "c", "b"]) == ["e", "d", "c", "b", "a"]
    assert merge_timeline(["c", "b", "a"], ["c", "x", "a"]) == ["c", "b", "x", "a"]
    assert merge_timeline(["b", "a"], ["d", "c"]) == ["d", "c", "b", "a"]
    assert merge_timeline([], ["b", "a"]) == ["b", "a"]


def test_seed_scrape_imports_with_its_threads(db, seed_timeline):
    report = import_file(db, seed_timeline)
    assert report.posts == 20
    author = rows(db, "select * from authors")[0]
    assert (author["handle"], author["followers"], author["following"]) == ("FengzhuoZhang", 135, 31)
    assert rows(db, "select likes from posts where text like 'Token crisis%'")[0]["likes"] == 2000
    complete = rows(db, "select * from threads where declared_total = 5")
    assert len(complete) == 1 and complete[0]["complete"] == 1 and complete[0]["found"] == 5
    parts = rows(db, "select text from posts where thread_id = ? order by thread_index",
                 [complete[0]["id"]])
    assert [p["text"][:4] for p in parts] == ["1/5:", "2/5:", "3/5:", "4/5:", "5/5:"]
    for total in (8, 3):
        thread = rows(db, "select found, missing from threads where declared_total = ?", [total])
        assert thread[0]["found"] == 1
        assert json.loads(thread[0]["missing"]) == list(range(2, total + 1))


def test_a_post_crosses_to_and_from_a_worker_whole():
    """Posts travel between processes pickled as their constructor's arguments: every field
    comes back, the repairs and media with it."""
    import pickle

    from feedarchive.models import Media, Post, Repair

    post = Post("cafÃ© 1/3", "ada", line=7, replies=2, reposts=None, likes=1200, text="café 1/3",
                repairs=[Repair("text", 3, 5, "cp1252", "Ã©", "é", 1.0, "ftfy")],
                thread_id="t1", thread_index=1, thread_marker="1/3", id="x:19",
                native_id="19", reply_to="18", created_at="2025-03-01T10:00:00+00:00",
                visibility="public", media=[Media("photo", "https://example.org/a.jpg")],
                match_key="0123456789abcdef")
    copy = pickle.loads(pickle.dumps(post))
    assert copy == post and copy is not post
    assert (copy.repairs[0].after, copy.media[0].url, copy.likes) == ("é", "https://example.org/a.jpg", 1200)


def test_worker_processes_give_the_same_archive(tmp_path, write_file, monkeypatch):
    """Large sources are parsed and repaired in worker processes, and a new author's long
    timeline is stitched there while it is written; the rows must not change."""
    from feedarchive import importer, restitch

    posts = [(f"{k}/3 Part {k} of a thread about cafés" if n % 50 == 0 else
              f"Post {n}: notes on the optimiser, run {n % 7} ☕", str(n % 5), "1", "1.2K")
             for n in range(3000) for k in [(n // 50) % 3 + 1]]
    path = write_file("many.txt", timeline(*posts).replace("é", "Ã©"))
    snapshots, pools = [], []
    real_in_workers = importer.in_workers

    def counted_in_workers(pool, work, units):
        pools.append(work)
        return real_in_workers(pool, work, units)

    passes, pushed = [], []
    real_push, real_pass = restitch.FullPass.push, restitch.restitch_markers

    def counted_push(self, rows):
        pushed.append(len(rows))
        return real_push(self, rows)

    def counted_pass(*args, **kwargs):  # a full pass over the stored timeline
        passes.append(args[1])
        return real_pass(*args, **kwargs)

    monkeypatch.setattr(importer, "in_workers", counted_in_workers)
    monkeypatch.setattr(restitch.FullPass, "push", counted_push)
    monkeypatch.setattr(restitch, "restitch_markers", counted_pass)
    monkeypatch.setattr(restitch, "CHUNK", 256)  # many windows
    monkeypatch.setattr(importer, "PARALLEL_MIN_POSTS", 500)
    for threshold in (10**12, 0):  # first in this process, then in workers
        monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", threshold)
        monkeypatch.setattr("feedarchive.formats.timeline.BLOCK_BYTES", 16_384)
        pushed_before, passes_before = len(pushed), len(passes)
        db = open_db(tmp_path / f"archive-{threshold}.db")
        report = import_file(db, path)
        assert report.posts == 3000 and report.repairs > 0
        snapshots.append([rows(db, f"select * from {table} order by 1")
                          for table in ("posts", "threads", "repairs")])
    assert len(pools) == 1
    # In workers the timeline was stitched as written, not read back for a pass afterwards.
    assert passes_before == 1 and len(passes) == 1
    assert len(pushed) - pushed_before > 3 and sum(pushed[pushed_before:]) == 3000
    assert sum(1 for row in snapshots[1][1]) > 10  # threads across many windows
    assert snapshots[0][0] == snapshots[1][0]
    assert snapshots[0][1] == snapshots[1][1]
    assert [r["after"] for r in snapshots[0][2]] == [r["after"] for r in snapshots[1][2]]


# -- a post listed twice in one source -------------------------------------------------------
def test_a_post_repeated_in_a_scrapers_dump_is_kept_once_with_its_last_counts(db, write_file):
    """snscrape lists a pinned tweet at the top and again in its place."""
    from conftest import FIXTURES

    lines = (FIXTURES / "formats" / "snscrape.jsonl").read_text(encoding="utf-8").splitlines()
    pinned = json.loads(lines[-1])
    pinned["likeCount"] = (pinned.get("likeCount") or 0) + 7
    path = write_file("dump.jsonl", "\n".join([lines[-1], *lines, json.dumps(pinned)]) + "\n")
    report = import_file(db, path)
    assert report.status == "imported" and report.posts == len(lines)
    assert any("2 repeated copies" in warning for warning in report.warnings)
    stored = rows(db, "select likes from posts where native_id = ?", [str(pinned["id"])])
    assert stored == [{"likes": pinned["likeCount"]}]
    assert rows(db, "select count(*) as n from engagement") == [{"n": len(lines)}]


def test_a_repeated_id_across_blocks_of_a_large_archive_is_kept_once(db, tmp_path, monkeypatch):
    """The repeat can lie in another block than the first copy (blocks are written apart)."""
    from feedarchive.formats import common

    monkeypatch.setattr(common, "CHUNK", 256)  # many small blocks
    tweets = [{"tweet": {"id_str": str(1000 + n), "full_text": f"Note {n} on batching",
                         "created_at": f"Mon Jan 0{1 + n % 5} 10:00:00 +0000 2024",
                         "favorite_count": str(n), "retweet_count": "0"}} for n in range(40)]
    repeat = json.loads(json.dumps(tweets[3]))
    repeat["tweet"]["favorite_count"] = "99"
    data = tmp_path / "export" / "data"
    data.mkdir(parents=True)
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets + [repeat]),
                                    encoding="utf-8")
    (data / "account.js").write_text('window.YTD.account.part0 = [{"account": {"username": '
                                     '"batch_lab", "accountId": "7"}}]', encoding="utf-8")
    monkeypatch.setattr("feedarchive.importer.BATCH_POSTS", 10)
    report = import_file(db, tmp_path / "export")
    assert report.posts == 40
    assert rows(db, "select likes from posts where native_id = '1003'") == [{"likes": 99}]
    positions = [r["position"] for r in rows(db, "select position from posts order by position")]
    assert positions == list(range(40))


def test_a_repeated_toot_in_an_outbox_is_kept_once(db, tmp_path):
    from conftest import FIXTURES

    folder = tmp_path / "masto"
    folder.mkdir()
    outbox = json.loads((FIXTURES / "formats" / "mastodon" / "outbox.json").read_text("utf-8"))
    creates = [item for item in outbox["orderedItems"] if item.get("type") == "Create"]
    outbox["orderedItems"].append(creates[0])
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    (folder / "actor.json").write_bytes((FIXTURES / "formats" / "mastodon" / "actor.json").read_bytes())
    report = import_file(db, folder)
    assert report.status == "imported"
    assert report.posts == len(outbox["orderedItems"]) - 1
    assert any("1 repeated copies" in warning for warning in report.warnings)
