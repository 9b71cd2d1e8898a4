"""An archive that grows: later scrapes of one account overlap earlier ones."""
from __future__ import annotations

import json

from feedarchive.importer import import_file
from feedarchive.store import open_db

from conftest import timeline

# Scraped on Monday: the thread's first two parts, a post about lunch.
MONDAY = timeline(
    ("2/3 Setup: 12B tokens, three optimisers, four schedules.", "2", "5", "60"),
    ("1/3 We trained 36 small models so you don’t have to.", "9", "50", "1.1K"),
    ("Lunch: ramen again.", "0", "0", "3"),
)
# Scraped on Friday: two new posts on top, the thread completed, counts grown; lunch scrolled away.
FRIDAY = timeline(
    ("Conference talk slides are up.", "1", "3", "25"),
    ("3/3 Code and data are public. Thanks for reading!", "1", "4", "40"),
    ("2/3 Setup: 12B tokens, three optimisers, four schedules.", "3", "9", "75"),
    ("1/3 We trained 36 small models so you don’t have to.", "12", "80", "1.5K"),
).replace("1,024", "1,100")


def texts_in_order(db) -> list[str]:
    return [r[0][:12] for r in db.execute("select text from posts order by position")]


def test_overlapping_scrapes_merge_into_one_timeline(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    import_file(db, write_file("monday.txt", MONDAY))
    report = import_file(db, write_file("friday.txt", FRIDAY))
    assert (report.posts, report.new_posts) == (4, 2)
    assert texts_in_order(db) == [
        "Conference t", "3/3 Code and", "2/3 Setup: 1", "1/3 We train", "Lunch: ramen"]


def test_counts_history_keeps_every_scrape(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    import_file(db, write_file("monday.txt", MONDAY))
    import_file(db, write_file("friday.txt", FRIDAY))
    history = db.execute(
        "select e.likes from engagement e join posts p on p.id = e.post_id "
        "where p.text like '1/3%' order by e.source_id").fetchall()
    assert [row[0] for row in history] == [1100, 1500]
    assert db.execute("select likes from posts where text like '1/3%'").fetchone()[0] == 1500
    followers = db.execute("select followers from profile_history order by source_id").fetchall()
    assert [row[0] for row in followers] == [1024, 1100]
    assert db.execute("select followers from authors").fetchone()[0] == 1100


def test_a_later_scrape_completes_a_thread(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    import_file(db, write_file("monday.txt", MONDAY))
    before = db.execute("select found, complete, missing from threads").fetchall()
    assert before == [(2, 0, "[3]")]
    import_file(db, write_file("friday.txt", FRIDAY))
    thread = db.execute("select id, found, complete, missing, likes from threads").fetchall()
    assert len(thread) == 1
    thread_id, found, complete, missing, likes = thread[0]
    assert (found, complete, json.loads(missing), likes) == (3, 1, [], 1500 + 75 + 40)
    parts = db.execute("select thread_index from posts where thread_id = ? order by thread_index",
                       [thread_id]).fetchall()
    assert [p[0] for p in parts] == [1, 2, 3]


def test_re_importing_either_scrape_is_a_no_op(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    monday, friday = write_file("monday.txt", MONDAY), write_file("friday.txt", FRIDAY)
    import_file(db, monday)
    import_file(db, friday)
    snapshot = {t: db.execute(f"select * from {t} order by 1").fetchall()
                for t in ("posts", "threads", "engagement", "sources", "authors")}
    assert import_file(db, monday).status == "unchanged"
    assert import_file(db, friday).status == "unchanged"
    for table, rows in snapshot.items():
        assert db.execute(f"select * from {table} order by 1").fetchall() == rows


def test_removing_a_scrape_keeps_posts_another_scrape_saw(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    monday = write_file("monday.txt", MONDAY)
    import_file(db, monday)
    import_file(db, write_file("friday.txt", FRIDAY))
    monday.write_text(timeline(("Lunch: ramen again.", "0", "0", "4")), encoding="utf-8")
    assert import_file(db, monday).status == "replaced"
    # Friday's posts stay with Friday's counts; Monday's edited file now holds only lunch.
    assert db.execute("select likes from posts where text like '1/3%'").fetchone()[0] == 1500
    assert db.execute("select likes from posts where text like 'Lunch%'").fetchone()[0] == 4
    assert db.execute("select count(*) from posts").fetchone()[0] == 5


def numbered_scrape(numbers) -> str:
    """A scrape of posts "Note 1" … "Note N" (N the newest), newest first."""
    return timeline(*((f"Note {n}: field notes from the lab, day {n}.", "0", "0", str(n))
                      for n in sorted(numbers, reverse=True)))


def note_numbers(db) -> list[int]:
    return [int(r[0].split(":")[0][5:]) for r in db.execute(
        "select text from posts order by position")]


def test_an_edited_file_puts_the_posts_it_keeps_back_where_they_were(tmp_path, write_file):
    """A holds notes 1–10, B notes 5–15; A is then cut down to notes 1–3. Notes 1–3 are older
    than everything B holds: they go back below it, not on top as a scrape sharing nothing
    with the archive would."""
    db = open_db(tmp_path / "a.db")
    a = write_file("a.txt", numbered_scrape(range(1, 11)))
    import_file(db, a)
    import_file(db, write_file("b.txt", numbered_scrape(range(5, 16))))
    a.write_text(numbered_scrape(range(1, 4)), encoding="utf-8")
    assert import_file(db, a).status == "replaced"
    assert note_numbers(db) == [15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1]
    fresh = open_db(tmp_path / "b.db")  # the same two files imported once, A first
    import_file(fresh, a)
    import_file(fresh, tmp_path / "b.txt")
    assert note_numbers(fresh) == note_numbers(db)
