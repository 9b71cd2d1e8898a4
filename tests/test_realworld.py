"""Real exports from public repositories (`../shared/realworld/`), imported as a user would:
the whole folder at once, then each file alone. What each file holds was counted independently
of feedarchive in `EXPECTED.md`; these tests read that file and the exports themselves, so no
text of theirs is written here."""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedarchive.cli import cli
from feedarchive.importer import import_paths
from feedarchive.store import open_db

from conftest import expected_tables, leading_int, query, shared_file

NEGATIVE = "negative"


@pytest.fixture(scope="module")
def realworld() -> Path:
    return shared_file("realworld")


@pytest.fixture(scope="module")
def folder_import(realworld, tmp_path_factory):
    """The whole folder imported with the CLI: (database path, first output, exit code)."""
    db_path = tmp_path_factory.mktemp("realworld") / "all.db"
    result = CliRunner().invoke(cli, ["import", "--db", str(db_path), str(realworld)])
    return db_path, result


def source_row(db_path: Path, name: str) -> dict:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute("select * from sources where path like ?",
                                              [f"%/{name}%"])]
    finally:
        conn.close()
    assert len(rows) == 1, f"{name}: {len(rows)} sources"
    return rows[0]


def test_folder_import_fails_only_for_the_negative_file(folder_import):
    db_path, result = folder_import
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"/{NEGATIVE}/" in errors[0], errors
    skipped = {line.split(":")[0].rsplit("/", 1)[-1] for line in result.output.splitlines()
               if ": skipped:" in line}
    # Notes beside the exports, and twarc2 files that hold users or counts, not tweets.
    assert {"EXPECTED.md", "ORIGINS.md", "twarc-csv-counts.jsonl",
            "twarc-csv-users.jsonl"} <= skipped
    assert not query(db_path, "select path from sources where path like '%.md'")
    assert re.search(r"^43 sources: .*1 failed", result.output, re.M), result.output


def test_second_run_changes_nothing(folder_import, realworld):
    db_path, _ = folder_import
    before = sqlite3.connect(db_path).execute("select count(*), sum(length(text)) from posts").fetchone()
    result = CliRunner().invoke(cli, ["import", "--db", str(db_path), str(realworld)])
    assert result.exit_code == 1  # the negative file, again
    statuses = re.findall(r": (imported|replaced) ", result.output)
    assert statuses == []
    after = sqlite3.connect(db_path).execute("select count(*), sum(length(text)) from posts").fetchone()
    assert before == after


def test_x_archives_match_expected(folder_import, realworld):
    db_path, _ = folder_import
    for row in expected_tables()["X archives (import the folder or the .zip)"]:
        source = source_row(db_path, row["case"] + ".zip")
        handle = row["handle"]
        assert source["author"] == handle
        assert source["posts"] == int(row["tweets"]), row["case"]
        threads = query(db_path, "select count(*) from threads where author = ?", [handle])[0][0]
        assert threads == leading_int(row["threads (top sizes)"]), row["case"]
        likes = query(db_path, "select sum(likes) from posts where author = ?", [handle])[0][0]
        assert likes == int(row["likes Σ"]), row["case"]


def test_no_mapped_tco_link_is_left_in_any_x_text(folder_import):
    """Every t.co link a source maps (links and media alike) is expanded or replaced."""
    db_path, _ = folder_import
    left = query(db_path, "select count(*) from posts where native_id is not null and "
                          "id like 'x:%' and text like '%https://t.co/%' and "
                          "text_raw not like 'RT @%'")[0][0]
    total = query(db_path, "select count(*) from posts where id like 'x:%'")[0][0]
    # A t.co link can stay only where the file itself does not map it (quoted tweets' links
    # in some exports); that is a handful, not hundreds.
    assert left < total * 0.01, (left, total)


def test_x_escapes_are_undone_once(folder_import):
    db_path, _ = folder_import
    assert query(db_path, "select count(*) from posts where id like 'x:%' and "
                          "(text like '%&amp;%' or text like '%&lt;%' or text like '%&gt;%') "
                          "and text_raw not like '%&amp;amp;%'")[0][0] == 0


def test_mastodon_private_posts_are_left_out_and_counted(folder_import, realworld):
    db_path, result = folder_import
    rows = {r["case"]: r for r in expected_tables()[
        "Mastodon archives (folder, .tar.gz, or outbox.json)"]}
    for case, row in rows.items():
        visibility = dict(re.findall(r"'(\w+)': (\d+)", row["visibility of notes"]))
        private = int(visibility.get("private", 0)) + int(visibility.get("direct", 0))
        line = next(line for line in result.output.splitlines() if f"/{case}" in line)
        if private:
            assert f"{private} private left out" in line, line
        else:
            assert "private left out" not in line, line
    assert query(db_path, "select count(*) from posts where visibility in "
                          "('followers', 'direct')")[0][0] == 0


def test_include_private_imports_them_marked(realworld, tmp_path):
    archive = realworld / "mastodon" / "dealingwith-masto-archive.tar.gz"
    db_path = tmp_path / "private.db"
    reports = import_paths(open_db(db_path), [archive], include_private=True)
    assert reports[0].private == 0
    counts = dict(query(db_path, "select visibility, count(*) from posts group by visibility"))
    assert counts["followers"] > 0 and counts["direct"] > 0
    assert sum(counts.values()) == reports[0].posts


def newest_handle(path: Path) -> str:
    """The handle of the author of a twscrape file's most tweets."""
    import collections
    import json

    users = collections.Counter(json.loads(line)["user"]["username"]
                                for line in path.read_text(encoding="utf-8").splitlines())
    return users.most_common(1)[0][0]


def test_a_renamed_account_is_one_author(realworld, tmp_path):
    """The same X account under its 2023 and its 2026 handle: one author, named by the newer
    handle, with both handles recorded; no thread is left without posts."""
    older = realworld / "twscrape" / "twscrape-0.20.1-from-2023-user_tweets_and_replies_raw.jsonl"
    newer = realworld / "twscrape" / "twscrape-0.20.1-from-raw_user_tweets.jsonl"
    results = []
    for order in ((older, newer), (newer, older)):
        db_path = tmp_path / f"rename-{len(results)}.db"
        db = open_db(db_path)
        for path in order:
            import_paths(db, [path])
        renamed = query(db_path, "select native_id from author_handles group by native_id "
                                 "having count(distinct handle) > 1")
        assert len(renamed) == 1
        owners = query(db_path, "select handle from authors where native_id = ?", [renamed[0][0]])
        assert [owner for (owner,) in owners] == [newest_handle(newer)]
        handles = {h for (h,) in query(db_path, "select handle from author_handles "
                                                "where native_id = ?", [renamed[0][0]])}
        assert handles == {newest_handle(older), newest_handle(newer)}
        assert query(db_path, "select count(*) from authors where handle = ?",
                     [newest_handle(older)])[0][0] == 0
        assert query(db_path, "select count(*) from threads t where not exists "
                              "(select 1 from posts p where p.thread_id = t.id)")[0][0] == 0
        results.append((owners[0][0], sorted(query(db_path, "select id, author from posts"))))
    assert results[0] == results[1]  # the order of imports does not matter


@pytest.fixture(scope="module")
def single_imports(realworld, tmp_path_factory) -> dict[str, Path]:
    """Each export imported alone into a database of its own, by file name."""
    folder = tmp_path_factory.mktemp("single")
    found = {}
    for path in sorted(realworld.rglob("*")):
        if not path.is_file() or path.suffix == ".md" or NEGATIVE in path.parts:
            continue
        found[path.name] = folder / f"{path.name}.db"
        import_paths(open_db(found[path.name]), [path])
    return found


def test_folder_equals_union_of_single_imports(folder_import, single_imports):
    db_path, _ = folder_import
    union = {row[0] for single in single_imports.values()
             for row in query(single, "select id from posts")}
    assert {row[0] for row in query(db_path, "select id from posts")} == union


def totals(db_path: Path) -> dict:
    posts, likes = query(db_path, "select count(*), coalesce(sum(likes), 0) from posts")[0]
    threads = query(db_path, "select count(*) from threads")[0][0]
    return {"posts": posts, "likes": likes, "threads": threads}


def test_twarc2_and_scraper_files_match_expected(realworld, single_imports):
    tables = expected_tables()
    checked = 0
    for row in tables["twarc2 JSON Lines"]:
        tweets = int(row["tweets (unique data[])"])
        if not tweets or row["case"] not in single_imports:  # EXPECTED lists a few not shipped
            continue  # counts and user lookups hold no tweets: skipped (see the folder test)
        found = totals(single_imports[row["case"]])
        assert (found["posts"], found["likes"]) == (tweets, int(row["likes Σ"])), row["case"]
        assert found["threads"] == int(row["threads"]), row["case"]
        checked += 1
    for row in tables["snscrape / twscrape JSON Lines"]:
        if row["case"] not in single_imports:
            continue
        found = totals(single_imports[row["case"]])
        assert (found["posts"], found["likes"], found["threads"]) == \
            (int(row["tweets"]), int(row["likes Σ"]), int(row["threads"])), row["case"]
        checked += 1
    assert checked >= 18


def test_bluesky_repositories_match_expected(realworld, single_imports):
    for row in expected_tables()["Bluesky CARs"]:
        if row["case"] not in single_imports:  # 07 is byte-identical to 06 and not shipped
            continue
        found = totals(single_imports[row["case"]])
        assert found["posts"] == int(row["posts"]) + int(row["reposts"]), row["case"]
        assert found["threads"] == int(row["threads"]), row["case"]


def test_mastodon_archives_with_private_posts_match_expected(realworld, tmp_path):
    for row in expected_tables()["Mastodon archives (folder, .tar.gz, or outbox.json)"]:
        db_path = tmp_path / f"{row['case']}.db"
        import_paths(open_db(db_path), [realworld / "mastodon" / f"{row['case']}.tar.gz"],
                     include_private=True)
        found = totals(db_path)
        assert found["posts"] == leading_int(row["orderedItems"]), row["case"]
        assert found["threads"] == leading_int(row["threads (top)"]), row["case"]
        handle = query(db_path, "select author from sources")[0][0]
        assert handle == row["handle"]


def test_repaired_means_a_recorded_repair(folder_import):
    db_path, _ = folder_import
    assert query(db_path, "select count(*) from posts p where repaired = 1 and not exists "
                          "(select 1 from repairs r where r.post_id = p.id)")[0][0] == 0


def test_media_is_recorded_for_every_platform(folder_import):
    db_path, _ = folder_import
    by_platform = dict(query(db_path, "select substr(post_id, 1, instr(post_id, ':') - 1), "
                                      "count(*) from media group by 1"))
    assert {"x", "mastodon", "bluesky"} <= set(by_platform), by_platform
    with_alt = query(db_path, "select count(*) from media where alt is not null and alt != ''")
    assert with_alt[0][0] > 0
