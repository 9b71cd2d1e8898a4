"""Sources that overlap (issue 20): a copy of a file at another path, two saves of one
homepage, scrapes imported out of the order they were taken in, and one post both scraped
as text and exported with its id."""
from __future__ import annotations

import json
import os
import sqlite3
from datetime import datetime, timezone

import pytest

from feedarchive import identity
from feedarchive.importer import import_file
from feedarchive.store import SCHEMA_VERSION, open_db

from conftest import timeline

MONDAY = datetime(2025, 3, 3, 9, tzinfo=timezone.utc).timestamp()
FRIDAY = datetime(2025, 3, 7, 9, tzinfo=timezone.utc).timestamp()
SUNDAY = datetime(2025, 3, 9, 9, tzinfo=timezone.utc).timestamp()


def saved_at(path, moment: float):
    """Give a file the modification time of when it was saved (scraped)."""
    os.utime(path, (moment, moment))
    return path


def one(db, sql: str, params=()):
    return db.execute(sql, params).fetchone()[0]


# -- 1. an identical copy at another path ---------------------------------------------------
SCRAPE = timeline(
    ("Three small models beat one big one on our eval.", "1", "2", "30"),
    ("Lunch: ramen again, the third time this week.", "0", "0", "3"),
    ("We moved the benchmark to a new server today.", "2", "5", "41"),
)


def test_a_copy_at_another_path_is_recorded_and_keeps_its_posts(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    original = write_file("ada.txt", SCRAPE)
    copy = write_file("backup/ada-copy.txt", SCRAPE)
    import_file(db, original)
    report = import_file(db, copy)
    assert (report.status, report.same_as) == ("copy", str(original.resolve()))
    assert (report.posts, report.new_posts) == (3, 0)
    assert one(db, "select count(*) from sources") == 2
    assert one(db, "select count(*) from engagement") == 3  # the same capture, recorded once
    # The original is edited down to one post: the copy still holds all three.
    original.write_text(timeline(("Lunch: ramen again, the third time this week.", "0", "0",
                                  "4")), encoding="utf-8")
    assert import_file(db, original).status == "replaced"
    assert one(db, "select count(*) from posts") == 3
    assert one(db, "select likes from posts where text like 'We moved%'") == 41
    assert one(db, "select likes from posts where text like 'Lunch%'") == 4


def test_a_copy_imported_again_is_unchanged_and_writes_nothing(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    import_file(db, write_file("ada.txt", SCRAPE))
    copy = write_file("backup/ada-copy.txt", SCRAPE)
    import_file(db, copy)
    tables = ("posts", "engagement", "sources", "repairs", "profile_history")
    before = {t: db.execute(f"select * from {t} order by 1, 2").fetchall() for t in tables}
    assert import_file(db, copy).status == "unchanged"
    assert {t: db.execute(f"select * from {t} order by 1, 2").fetchall()
            for t in tables} == before


def test_a_homepage_copy_keeps_the_page_when_the_original_goes(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    original = write_file("site/index.html", homepage("2025.02", "Talk at the reading group."))
    copy = write_file("mirror/index.html", homepage("2025.02", "Talk at the reading group."))
    import_file(db, original)
    assert import_file(db, copy).status == "copy"
    original.write_text(SCRAPE.replace("30", "31"), encoding="utf-8")
    assert import_file(db, original).status == "replaced"
    assert one(db, "select count(*) from pages where location = 'https://ada.example.org/'") == 1
    assert one(db, "select count(*) from page_entries e join pages p on p.id = e.page_id "
                   "where p.location = 'https://ada.example.org/'") == 1


def test_the_cli_says_which_file_a_copy_repeats(tmp_path, write_file):
    from click.testing import CliRunner

    from feedarchive.cli import cli

    original = write_file("ada.txt", SCRAPE)
    copy = write_file("backup/ada-copy.txt", SCRAPE)
    db = tmp_path / "a.db"
    CliRunner().invoke(cli, ["import", "--db", str(db), str(original)])
    result = CliRunner().invoke(cli, ["import", "--db", str(db), str(copy)])
    assert result.exit_code == 0
    assert f"{copy}: copy of {original.resolve()}" in result.output


# -- 2. two saves of one homepage -----------------------------------------------------------
def homepage(*news: str) -> str:
    """A homepage with a canonical URL and dated news lines (`"2025.02", "text"` pairs)."""
    items = "".join(f"<li><b>{date}:</b> {text}</li>" for date, text in zip(news[::2], news[1::2]))
    return ("<!DOCTYPE html><html><head><title>Ada Lab</title>"
            '<link rel="canonical" href="https://ada.example.org/"></head><body>'
            "<h1>Ada Lab</h1><p>We build tiny models and big notebooks.</p>"
            f"<h2>News</h2><ul>{items}</ul></body></html>")


OLD_SAVE = homepage("2025.01", "Our workshop paper is out.", "2024.11", "Ada joined the lab.")
NEW_SAVE = homepage("2025.03", "Two papers accepted.", "2025.01", "Our workshop paper is out.",
                    "2024.11", "Ada joined the lab.")


def page_entries(db) -> list[str]:
    return [row[0] for row in db.execute(
        "select e.text from page_entries e join pages p on p.id = e.page_id order by e.text")]


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_the_latest_save_of_a_homepage_is_the_page(tmp_path, write_file, order):
    db = open_db(tmp_path / "a.db")
    old = saved_at(write_file("saves/old/index.html", OLD_SAVE), MONDAY)
    new = saved_at(write_file("saves/new/index.html", NEW_SAVE), FRIDAY)
    for path in ([old, new] if order == "older first" else [new, old]):
        import_file(db, path)
    assert one(db, "select count(*) from pages") == 1
    assert page_entries(db) == ["Ada joined the lab.", "Our workshop paper is out.",
                                "Two papers accepted."]
    page_source = one(db, "select s.path from pages p join sources s on s.id = p.source_id")
    assert page_source == str(new.resolve())
    assert one(db, "select count(*) from pages_fts") == 1


def test_replacing_the_older_save_keeps_the_newer_page(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    old = saved_at(write_file("saves/old/index.html", OLD_SAVE), MONDAY)
    import_file(db, old)
    import_file(db, saved_at(write_file("saves/new/index.html", NEW_SAVE), FRIDAY))
    old.write_text(SCRAPE, encoding="utf-8")
    saved_at(old, SUNDAY)
    assert import_file(db, old).status == "replaced"
    assert "Two papers accepted." in page_entries(db)


# -- 3. counts follow the time of the scrape, not the order of imports ----------------------
POST = "Three small models beat one big one on our eval."


def scrape_with(likes: str) -> str:
    return timeline((POST, "0", "1", likes), ("A post only this scrape has: " + likes, "0", "0",
                                                "1"))


@pytest.mark.parametrize("order", ["newer first", "older first"])
def test_counts_are_those_of_the_latest_scrape_whatever_the_import_order(
        tmp_path, write_file, order):
    db = open_db(tmp_path / "a.db")
    newer = saved_at(write_file("friday.txt", scrape_with("7")), FRIDAY)
    older = saved_at(write_file("monday.txt", scrape_with("3")), MONDAY)
    for path in ([newer, older] if order == "newer first" else [older, newer]):
        import_file(db, path)
    likes, source = db.execute("select p.likes, s.path from posts p join sources s "
                               "on s.id = p.source_id where p.text = ?", [POST]).fetchone()
    assert (likes, source) == (7, str(newer.resolve()))
    history = db.execute("select e.likes, e.captured_at from engagement e join posts p "
                         "on p.id = e.post_id where p.text = ? order by e.captured_at", [POST])
    assert history.fetchall() == [(3, "2025-03-03T09:00:00+00:00"),
                                  (7, "2025-03-07T09:00:00+00:00")]


def test_a_source_that_leaves_hands_its_posts_to_the_latest_capture_left(tmp_path, write_file):
    """Imported in the order Friday, Sunday, Monday; Sunday's file is then edited to hold
    other posts: the post shows Friday's counts (the latest capture left), not Monday's
    (the latest import)."""
    db = open_db(tmp_path / "a.db")
    friday = saved_at(write_file("friday.txt", scrape_with("7")), FRIDAY)
    sunday = saved_at(write_file("sunday.txt", scrape_with("9")), SUNDAY)
    monday = saved_at(write_file("monday.txt", scrape_with("3")), MONDAY)
    for path in (friday, sunday, monday):
        import_file(db, path)
    assert one(db, "select likes from posts where text = ?", [POST]) == 9
    sunday.write_text(timeline(("Something else entirely, written on Sunday.", "0", "0", "2")),
                      encoding="utf-8")
    saved_at(sunday, SUNDAY)
    import_file(db, sunday)
    assert one(db, "select likes from posts where text = ?", [POST]) == 7


def twarc_page(tweets: list[tuple[str, str, int]], retrieved_at: str) -> str:
    """One twarc2 response page of `(id, text, likes)` tweets by @ada_lab."""
    return json.dumps({
        "data": [{"id": tweet_id, "text": text, "author_id": "42",
                  "created_at": "2025-03-01T12:00:00.000Z",
                  "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": likes,
                                     "quote_count": 0}} for tweet_id, text, likes in tweets],
        "includes": {"users": [{"id": "42", "username": "ada_lab", "name": "Ada Lab"}]},
        "__twarc": {"url": "https://api.twitter.com/2/users/42/tweets", "version": "2.14.0",
                    "retrieved_at": retrieved_at}}) + "\n"


def test_a_twarc2_file_is_captured_when_it_says_it_was_retrieved(tmp_path, write_file):
    """The retrieval time in the file wins over the file's modification time."""
    db = open_db(tmp_path / "a.db")
    later = write_file("later.jsonl", twarc_page([("100", POST, 7)], "2025-03-07T10:00:00+00:00")
                       + twarc_page([("101", "Another tweet of the later file.", 1)],
                                    "2025-03-07T10:00:05+00:00"))
    earlier = write_file("earlier.jsonl", twarc_page([("100", POST, 3)],
                                                     "2025-03-03T10:00:00+00:00"))
    saved_at(later, MONDAY)  # copied around: the modification times say the opposite
    saved_at(earlier, SUNDAY)
    import_file(db, later)
    import_file(db, earlier)
    assert one(db, "select likes from posts where id = 'x:100'") == 7
    assert db.execute("select captured_at, captured_from from sources order by id").fetchall() \
        == [("2025-03-07T10:00:05+00:00", "stated"), ("2025-03-03T10:00:00+00:00", "stated")]


def x_export(folder, tweets: list[dict], handle: str = "ada_lab", manifest: str | None = None):
    """An unpacked X archive of `tweets` (`id`, `text`, `date` as X writes it, `likes`, and
    optionally `urls`: [(t.co link, expanded URL, display URL)])."""
    data = folder / "data"
    data.mkdir(parents=True, exist_ok=True)
    records = [{"tweet": {
        "id_str": tweet["id"], "full_text": tweet["text"], "created_at": tweet["date"],
        "favorite_count": str(tweet.get("likes", 0)), "retweet_count": "0", "lang": "en",
        "entities": {"urls": [{"url": short, "expanded_url": long, "display_url": shown}
                              for short, long, shown in tweet.get("urls", [])]}}}
        for tweet in tweets]
    (data / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(records, indent=1),
                                    encoding="utf-8")
    (data / "account.js").write_text(
        'window.YTD.account.part0 = [{"account": {"username": "%s", "accountId": "42", '
        '"accountDisplayName": "Ada Lab"}}]' % handle, encoding="utf-8")
    if manifest is not None:
        (data / "manifest.js").write_text(
            'window.__THAR_CONFIG = {\n  "userInfo" : {"accountId" : "42", "userName" : "%s"},\n'
            '  "archiveInfo" : {\n    "sizeBytes" : "1234",\n    "generationDate" : "%s",\n'
            '    "isPartialArchive" : false\n  }\n}' % (handle, manifest), encoding="utf-8")
    return folder


def test_an_x_archive_is_captured_when_its_manifest_says_it_was_made(tmp_path):
    db = open_db(tmp_path / "a.db")
    export = x_export(tmp_path / "export", [
        {"id": "100", "text": POST, "date": "Sat Mar 01 12:00:00 +0000 2025", "likes": 5}],
        manifest="2025-03-08T17:45:12.345Z")
    import_file(db, export)
    assert db.execute("select captured_at, captured_from from sources").fetchone() == \
        ("2025-03-08T17:45:12+00:00", "stated")
    assert one(db, "select captured_at from engagement") == "2025-03-08T17:45:12+00:00"


# -- 4. one post scraped as text and exported with its id -----------------------------------
LONG = ("Notes from a week of ablations: the tokenizer mattered more than the optimiser, "
        "warmup mattered more than the schedule, and the eval seed mattered more than "
        "anything we tuned. We wrote it all down, every run with its config, so nobody has "
        "to guess what we did. Full write-up and plots in the repo, more next week after "
        "the reading group.")
# (scraped text as the profile page showed it, the export's full_text, its links)
POSTS = [
    ("Slides from today's talk: example.org/talks/tiny-m…",
     "Slides from today's talk: https://t.co/Sl1desAbCd",
     [("https://t.co/Sl1desAbCd", "https://example.org/talks/tiny-models-2025",
       "example.org/talks/tiny-m…")]),
    (LONG[:276], LONG, []),
    ("Donâ€™t tune on the test set, not even once, not even a little.",
     "Don’t tune on the test set, not even once, not even a little.", []),
    ("Q&A about the benchmark at 3pm in room 2, bring questions.",
     "Q&amp;A about the benchmark at 3pm in room 2, bring questions.", []),
    ("Evaluation sets age like milk;   refresh them every quarter.",
     "Evaluation sets age like milk; refresh them every quarter.", []),
] + [(f"Run {n}: the small model with careful data beat the baseline again.",
      f"Run {n}: the small model with careful data beat the baseline again.", [])
     for n in range(1, 11)]


def scrape(likes: int = 1) -> str:
    return timeline(*[(shown, "0", "0", str(likes)) for shown, _, _ in POSTS])


def export_tweets(likes: int = 2) -> list[dict]:
    return [{"id": str(2000 - n), "text": text, "urls": urls, "likes": likes,
             "date": f"Sat Mar 01 {23 - n // 60:02d}:{59 - n % 60:02d}:00 +0000 2025"}
            for n, (_, text, urls) in enumerate(POSTS)]


@pytest.mark.parametrize("order", ["scrape first", "export first"])
def test_a_scraped_post_and_its_export_are_one_post(tmp_path, write_file, order):
    db = open_db(tmp_path / "a.db")
    scraped = saved_at(write_file("ada.txt", scrape(likes=1)), MONDAY)
    export = x_export(tmp_path / "export", export_tweets(likes=2))
    for path in export.rglob("*.js"):
        saved_at(path, FRIDAY)
    reports = [import_file(db, path)
               for path in ([scraped, export] if order == "scrape first" else [export, scraped])]
    assert one(db, "select count(*) from posts") == len(POSTS) == 15
    assert reports[1].new_posts == 0
    assert one(db, "select count(*) from posts where native_id is null") == 0
    assert one(db, "select count(*) from engagement") == 30
    assert one(db, "select count(distinct post_id) from engagement") == 15
    # The export's id, date, complete text and counts (it was taken later) win.
    assert one(db, "select text from posts where id = 'x:1999'") == LONG
    assert one(db, "select text from posts where id = 'x:2000'") == \
        "Slides from today's talk: https://example.org/talks/tiny-models-2025"
    assert one(db, "select min(likes) from posts") == 2
    assert one(db, "select count(*) from posts_fts where posts_fts match 'ablations'") == 1
    order_by_position = [row[0] for row in db.execute("select id from posts order by position")]
    assert order_by_position == [f"x:{2000 - n}" for n in range(15)]


def test_a_post_only_the_scrape_has_stays_beside_the_merged_ones(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    extra = ("Only on the page: a post deleted before the export was made.", "0", "0", "4")
    import_file(db, saved_at(write_file("ada.txt", timeline(
        extra, *[(shown, "0", "0", "1") for shown, _, _ in POSTS])), MONDAY))
    import_file(db, x_export(tmp_path / "export", export_tweets()))
    assert one(db, "select count(*) from posts") == 16
    assert one(db, "select count(*) from posts where native_id is null") == 1


def test_a_daily_gm_is_never_merged_with_another_days(tmp_path, write_file):
    """Short texts an author posts again and again are not told apart by their text: a
    scraped `gm` (no date) is not taken for any of the export's."""
    db = open_db(tmp_path / "a.db")
    import_file(db, write_file("ada.txt", timeline(
        ("gm", "0", "0", "5"), (POSTS[5][0], "0", "0", "1"), ("gm", "0", "0", "6"))))
    import_file(db, x_export(tmp_path / "export", [
        {"id": "301", "text": "gm", "date": "Mon Mar 03 07:00:00 +0000 2025"},
        {"id": "302", "text": "gm", "date": "Tue Mar 04 07:00:00 +0000 2025"},
        {"id": "303", "text": "gm", "date": "Wed Mar 05 07:00:00 +0000 2025"},
        {"id": "304", "text": POSTS[5][1], "date": "Wed Mar 05 09:00:00 +0000 2025"}]))
    assert one(db, "select count(*) from posts where text = 'gm'") == 5
    assert one(db, "select count(*) from posts where text = 'gm' and native_id is null") == 2
    assert one(db, "select count(*) from posts") == 6  # the one long post was merged


def test_the_same_long_text_twice_in_the_export_is_not_guessed_between(tmp_path, write_file):
    db = open_db(tmp_path / "a.db")
    text = "Reminder: the reading group meets on Thursday at noon in the lab."
    import_file(db, write_file("ada.txt", timeline((text, "0", "0", "5"))))
    import_file(db, x_export(tmp_path / "export", [
        {"id": "401", "text": text, "date": "Mon Mar 03 07:00:00 +0000 2025"},
        {"id": "402", "text": text, "date": "Mon Mar 10 07:00:00 +0000 2025"}]))
    assert one(db, "select count(*) from posts") == 3


@pytest.mark.parametrize("scraped, exported, expected", [
    ("gm", "gm", False),  # too short to tell one day's from another's without dates
    ("Evaluation sets age like milk;   refresh them every quarter.",
     "Evaluation sets age like milk; refresh them every quarter.", True),
    ("Slides: example.org/talks/tiny-m…", "Slides: https://example.org/talks/tiny-models",
     False),  # short once the link is set aside
    ("New slides for the reading group are up at example.org/talks/tiny-m…",
     "New slides for the reading group are up at https://example.org/talks/tiny-models",
     True),
    ("New slides for the reading group are up at example.org/talks/other-t…",
     "New slides for the reading group are up at https://example.org/talks/tiny-models",
     False),  # the links differ where both show them
    (LONG[:276], LONG, True),  # a preview cut short
    (LONG[:276], LONG[:200] + " and then something else happened entirely.", False),
])
def test_which_texts_are_one_post_when_the_scrape_has_no_date(scraped, exported, expected):
    assert identity.match_key(scraped) == identity.match_key(exported) or not expected
    assert identity.same_post(scraped, None, exported, "2025-03-01T12:00:00+00:00") is expected


def test_dated_copies_must_agree_on_the_day():
    monday, tuesday = "2025-03-03T07:00:00+00:00", "2025-03-04T07:00:00+00:00"
    assert identity.same_post("gm", "2025-03-03T00:00:00+00:00", "gm", monday)
    assert not identity.same_post("gm", monday, "gm", tuesday)


# -- an archive made before these columns ---------------------------------------------------
def as_schema_5(path) -> None:
    """Undo what schema 6 added to an archive."""
    with sqlite3.connect(path) as conn:
        for index, in conn.execute("select name from sqlite_master where type = 'index' "
                                   "and sql like '%match_key%'").fetchall():
            conn.execute(f"drop index {index}")
        conn.execute("alter table posts drop column match_key")
        conn.execute("alter table engagement drop column captured_at")
        conn.execute("alter table sources drop column captured_at")
        conn.execute("alter table sources drop column captured_from")
        conn.execute("pragma user_version = 5")


def test_an_older_archive_shows_the_latest_capture_once_migrated(tmp_path, write_file):
    """Friday's scrape imported before Monday's: schema 5 showed Monday's counts (the later
    import); once the files' times are known, Friday's."""
    path = tmp_path / "old.db"
    old = open_db(path)
    import_file(old, saved_at(write_file("friday.txt", scrape_with("7")), FRIDAY))
    import_file(old, saved_at(write_file("monday.txt", scrape_with("3")), MONDAY))
    old.execute("update posts set likes = 3, source_id = 2 where text = ?", [POST])
    old.conn.close()
    as_schema_5(path)
    assert one(open_db(path), "select likes from posts where text = ?", [POST]) == 7


def test_an_older_archive_is_migrated_and_its_scraped_posts_are_found(tmp_path, write_file):
    """Its sources are taken when their files were last modified, if the files are still
    there as imported, else when they were imported; its X and scraped posts get match keys."""
    path = tmp_path / "old.db"
    old = open_db(path)
    import_file(old, saved_at(write_file("ada.txt", scrape(likes=1)), MONDAY))
    gone = write_file("gone.txt", timeline(("A scrape whose file was deleted since.", "0", "0",
                                            "1"), handle="grace_notes"))
    import_file(old, gone)
    gone.unlink()
    old.conn.close()
    as_schema_5(path)
    db = open_db(path)
    assert one(db, "pragma user_version") == SCHEMA_VERSION
    imported_at = one(db, "select imported_at from sources where id = 2")
    assert db.execute("select captured_at, captured_from from sources order by id").fetchall() \
        == [("2025-03-03T09:00:00+00:00", "modified"), (imported_at, "imported")]
    assert one(db, "select count(*) from engagement where captured_at is null") == 0
    assert one(db, "select count(*) from posts where match_key is null") == 0
    import_file(db, x_export(tmp_path / "export", export_tweets()))
    assert one(db, "select count(*) from posts") == 16
    assert one(db, "select count(*) from posts where native_id is null") == 1


async def test_a_posts_count_history_is_in_the_order_the_scrapes_were_taken(tmp_path,
                                                                            write_file):
    from feedarchive.web import make_datasette

    path = tmp_path / "a.db"
    db = open_db(path)
    import_file(db, saved_at(write_file("friday.txt", scrape_with("7")), FRIDAY))
    import_file(db, saved_at(write_file("monday.txt", scrape_with("3")), MONDAY))
    post_id = one(db, "select id from posts where text = ?", [POST])
    db.conn.close()
    page = await make_datasette(path).client.get(f"/-/post/{post_id}.json")
    history = page.json()["post"]["history"]
    assert [(h["likes"], h["captured_at"]) for h in history] == [
        (3, "2025-03-03T09:00:00+00:00"), (7, "2025-03-07T09:00:00+00:00")]
    assert page.json()["post"]["likes"] == 7
