"""`feedarchive export --format parquet`: every public table as Parquet, read back with DuckDB
and matched against the archive, private posts left out unless asked for, and an export that
fails or is refused leaves nothing behind.

The archive is built here by importing made-up sources: two timeline scrapes (a numbered
thread, mojibake that gets repaired), a Mastodon outbox (a picture, a public thread, a thread
that goes on followers-only, a direct message) and a homepage whose author has characters a
folder name cannot hold.
"""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from feedarchive import export
from feedarchive.cli import cli
from feedarchive.store import SCHEMA_VERSION, TABLES, open_db

from conftest import query, timeline

ACTOR = "https://toot.example/users/ada"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
FOLLOWERS = f"{ACTOR}/followers"
ODD_AUTHOR = "odd/lab:50%=é"


def mojibake(text: str) -> str:
    """Text as a scraper that read UTF-8 as Windows-1252 saved it."""
    return text.encode("utf-8").decode("cp1252")


def toot(number: int, text: str, to: list[str], reply_to: int | None = None,
         picture: str | None = None) -> dict:
    uri = f"{ACTOR}/statuses/{number}"
    published = f"2024-05-0{number}T10:00:00Z"
    note = {"id": uri, "type": "Note", "url": f"https://toot.example/@ada/{number}",
            "published": published, "to": to, "cc": [], "content": f"<p>{text}</p>",
            "attachment": []}
    if reply_to:
        note["inReplyTo"] = f"{ACTOR}/statuses/{reply_to}"
    if picture:
        note["attachment"] = [{"type": "Document", "mediaType": "image/jpeg",
                               "url": f"/media/{picture}.jpg", "name": f"A photo of the {picture}",
                               "width": 800, "height": 600}]
    return {"type": "Create", "actor": ACTOR, "published": published, "to": to, "cc": [],
            "object": note}


def write_sources(folder: Path) -> list[Path]:
    ada = folder / "ada_lab.txt"
    ada.write_text(timeline(
        ("3/3 and that is how the tiny model learned to count", "1", "2", "30"),
        ("2/3 we fed it " + mojibake("café receipts, naïve but it worked"), "0", "1", "20"),
        ("🧵 1/3 a thread about " + mojibake("résumé parsing for small models"),
         "4", "8", "120"),
        (mojibake("Lunch at the café, déjà vu"), "0", "0", "3"),
    ), encoding="utf-8")
    bea = folder / "bea_builds.txt"
    bea.write_text(timeline(("Shipping the notebook today", "2", "3", "50"),
                            ("Hello world", "0", "0", "1"), handle="bea_builds", name="Bea"),
                   encoding="utf-8")
    outbox = folder / "mastodon"
    outbox.mkdir()
    items = [
        toot(1, "Public toot with a picture", [PUBLIC], picture="park"),
        toot(2, "A public thread starts here", [PUBLIC]),
        toot(3, "and goes on in public", [PUBLIC], reply_to=2),
        toot(4, "A thread that begins in public", [PUBLIC]),
        toot(5, "and goes on for followers only", [FOLLOWERS], reply_to=4, picture="map"),
        toot(6, "Psst, the direct message", ["https://toot.example/users/bea"]),
    ]
    (outbox / "outbox.json").write_text(
        json.dumps({"type": "OrderedCollection", "orderedItems": items}), encoding="utf-8")
    (outbox / "actor.json").write_text(json.dumps(
        {"id": ACTOR, "type": "Person", "preferredUsername": "ada", "name": "Ada",
         "followers": FOLLOWERS}), encoding="utf-8")
    return [ada, bea, outbox]


def import_cli(db: Path, *args: str) -> None:
    result = CliRunner().invoke(cli, ["import", "--db", str(db), *args])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sources")
    db = folder / "archive.db"
    import_cli(db, "--include-private", *map(str, write_sources(folder)))
    homepage = folder / "home.md"
    homepage.write_text("---\ntitle: The Odd Lab\n---\n# News\n\n"
                        "- 2024-03: We moved to a new building.\n"
                        "- 2023-11: Our paper was accepted.\n", encoding="utf-8")
    import_cli(db, "--author", ODD_AUTHOR, str(homepage))
    return db


def run_export(archive: Path, out: Path, *options: str):
    return CliRunner().invoke(cli, ["export", "--db", str(archive), str(out), *options])


@pytest.fixture(scope="module")
def exported(archive, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports") / "public"
    result = run_export(archive, out)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture(scope="module")
def exported_private(archive, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("exports") / "everything"
    assert export.export_archive(archive, out, include_private=True)
    return out


def parquet(out: Path, table: str, select: str = "count(*)", where: str = "") -> list[tuple]:
    """Rows of a query on one exported table, its author folders read as a column."""
    source = (f"read_parquet('{out}/{table}/**/*.parquet', hive_partitioning = true, "
              f"hive_types_autocast = false)")
    return duckdb.sql(f"select {select} from {source} {where}").fetchall()


def count(out: Path, table: str, where: str = "") -> int:
    return parquet(out, table, "count(*)", where)[0][0]


def stored_columns(archive: Path, table: str) -> list[str]:
    return [row[1] for row in query(archive, f"pragma table_info({table})")]


PRIVATE_IDS = "select id from posts where visibility in ('followers', 'direct')"
# The rows of each table that belong to no private post, as the archive counts them.
PUBLIC_ROWS = {
    "posts": "select count(*) from posts where visibility is null "
             "or visibility not in ('followers', 'direct')",
    "threads": "select count(*) from threads where id not in (select thread_id from posts "
               "where visibility in ('followers', 'direct') and thread_id is not null)",
    "media": f"select count(*) from media where post_id not in ({PRIVATE_IDS})",
    "engagement": f"select count(*) from engagement where post_id not in ({PRIVATE_IDS})",
    "repairs": f"select count(*) from repairs where post_id is null "
               f"or post_id not in ({PRIVATE_IDS})",
    "thread_candidates": f"select count(*) from thread_candidates "
                         f"where post_id not in ({PRIVATE_IDS})",
}


def test_the_archive_has_what_the_export_must_carry(archive):
    """The made-up sources gave every kind of row the export has to get right."""
    assert query(archive, "select count(distinct author) from posts") == [(3,)]
    assert query(archive, "select visibility, count(*) from posts where visibility in "
                          "('followers', 'direct') group by 1 order by 1") == \
        [("direct", 1), ("followers", 1)]
    assert query(archive, "select count(*) from threads") == [(3,)]
    assert query(archive, "select count(*) from media") == [(2,)]
    assert query(archive, "select count(*) from repairs")[0][0] >= 3
    assert query(archive, "select author from pages") == [(ODD_AUTHOR,)]


def test_every_public_table_reads_back_with_duckdb_and_every_count_matches(archive, exported):
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest["tables"]) == list(TABLES)  # never *_fts, *_grams, search_pending
    assert sorted(p.name for p in exported.iterdir()) == sorted([*TABLES, "manifest.json"])
    for table in TABLES:
        expected = query(archive, PUBLIC_ROWS.get(table, f"select count(*) from {table}"))[0][0]
        assert count(exported, table) == expected == manifest["tables"][table]["rows"], table
    assert count(exported, "posts") == query(archive, "select count(*) from posts")[0][0] - 2


def test_private_posts_and_what_belongs_to_them_are_left_out(exported):
    assert count(exported, "posts", "where text like '%followers only%' or text like '%Psst%'") == 0
    assert parquet(exported, "posts", "distinct visibility", "order by 1") == \
        [("public",), (None,)]
    assert parquet(exported, "media", "url") == [("/media/park.jpg",)]
    # The thread that goes on followers-only is left out (its title and totals come from its
    # parts); its public first part is there, without a thread.
    assert parquet(exported, "threads", "title", "order by title") == [
        ("A public thread starts here",),
        ("🧵 1/3 a thread about résumé parsing for small models",)]
    assert parquet(exported, "posts", "thread_id, thread_index, thread_marker",
                   "where text = 'A thread that begins in public'") == [(None, None, None)]
    assert count(exported, "posts",
                 "where text = 'and goes on in public' and thread_index = 2") == 1


def test_include_private_exports_every_row_as_stored(archive, exported_private):
    """Every row of every table, value for value: integers stay integers, confidences
    doubles, timestamps their ISO text, the author the folder it was written to."""
    for table in TABLES:
        columns = stored_columns(archive, table)
        select = ", ".join(f'"{name}"' for name in columns)
        assert sorted(parquet(exported_private, table, select), key=repr) == \
            sorted(query(archive, f"select {select} from {table}"), key=repr), table
    assert count(exported_private, "posts", "where visibility in ('followers', 'direct')") == 2
    manifest = json.loads((exported_private / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["include_private"] is True


def test_column_types_are_kept(exported):
    described = {name: kind for name, kind, *_ in duckdb.sql(
        f"describe select * from read_parquet('{exported}/posts/**/*.parquet', "
        f"hive_partitioning = true, hive_types_autocast = false)").fetchall()}
    assert described["likes"] == "BIGINT" and described["position"] == "BIGINT"
    assert described["min_confidence"] == "DOUBLE"
    assert described["created_at"] == "VARCHAR" and described["text"] == "VARCHAR"
    assert described["author"] == "VARCHAR"
    assert parquet(exported, "posts", "created_at", "where text = 'A public thread starts here'") \
        == [("2024-05-02T10:00:00+00:00",)]
    assert parquet(exported, "threads", "missing", "limit 1") == [("[]",)]  # JSON as text


def test_tables_with_an_author_are_partitioned_by_it_in_hive_folders(exported):
    folders = sorted(p.name for p in (exported / "posts").iterdir())
    assert folders == ["author=ada@toot.example", "author=ada_lab", "author=bea_builds"]
    pages = [p.name for p in (exported / "pages").iterdir()]
    assert pages == ["author=odd%2Flab%3A50%25%3Dé"]
    assert parquet(exported, "pages", "author, title") == [(ODD_AUTHOR, "The Odd Lab")]
    # A homepage's source has no author: Hive's folder for NULL.
    assert (exported / "sources" / "author=__HIVE_DEFAULT_PARTITION__").is_dir()
    assert parquet(exported, "sources", "count(*)", "where author is null") == [(1,)]
    # Tables without an author column are files in their folder.
    assert [p.name for p in (exported / "media").iterdir()] == ["part-00000.parquet"]
    # Filtering on the author reads that author's folder alone.
    assert parquet(exported, "posts", "count(*)", "where author = 'ada@toot.example'") == [(4,)]


def test_the_manifest_lets_a_loader_check_completeness(exported):
    manifest = json.loads((exported / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "feedarchive-parquet"
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["archive"] == "archive.db" and manifest["include_private"] is False
    assert manifest["exported_at"].endswith("+00:00")
    posts = manifest["tables"]["posts"]
    assert posts["partitioned_by"] == "author" and posts["columns"]["likes"] == "BIGINT"
    assert manifest["tables"]["media"]["partitioned_by"] is None
    listed = {f["path"] for t in manifest["tables"].values() for f in t["files"]}
    assert listed == {p.relative_to(exported).as_posix() for p in exported.rglob("*.parquet")}
    for table in manifest["tables"].values():
        for file in table["files"]:
            rows = duckdb.sql(f"select count(*) from read_parquet('{exported / file['path']}')")
            assert rows.fetchall() == [(file["rows"],)]


def test_an_empty_table_still_has_a_file_with_its_columns(tmp_path):
    db = tmp_path / "new.db"
    open_db(db).conn.close()
    out = tmp_path / "out"
    export.export_archive(db, out)
    for table in TABLES:
        assert count(out, table) == 0
    described = [row[0] for row in duckdb.sql(
        f"describe select * from '{out}/author_handles/*.parquet'").fetchall()]
    assert described == ["native_id", "handle", "source_id", "seen_at"]
    assert [p.name for p in (out / "posts").iterdir()] == ["author=__HIVE_DEFAULT_PARTITION__"]


def test_big_tables_are_cut_into_several_files_per_author(archive, tmp_path, monkeypatch):
    monkeypatch.setattr(export, "VALUES_PER_FILE", 2 * len(TABLES["posts"]["columns"]))
    out = tmp_path / "cut"
    manifest = export.export_archive(archive, out)
    ada = [f for f in manifest["tables"]["posts"]["files"] if "author=ada_lab/" in f["path"]]
    assert [f["rows"] for f in ada] == [2, 2]
    # 4 + 2 + 4 public posts, two a file, each file a name of its own.
    assert len({f["path"] for f in manifest["tables"]["posts"]["files"]}) == 5
    for table in TABLES:
        assert count(out, table) == manifest["tables"][table]["rows"]
    # In timeline order within each author.
    assert parquet(out, "posts", "position", "where author = 'ada_lab'") == \
        [(0,), (1,), (2,), (3,)]


# -- the command, and what it refuses ------------------------------------------------------

def test_cli_exports_and_says_what_it_wrote(archive, tmp_path):
    out = tmp_path / "out"
    result = run_export(archive, out, "--format", "parquet")
    assert result.exit_code == 0, result.output
    posts = query(archive, PUBLIC_ROWS["posts"])[0][0]
    assert "12 tables" in result.output and f"({posts} posts)" in result.output
    assert count(out, "posts") == posts


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(archive, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("mine", encoding="utf-8")
    result = run_export(archive, out)
    assert result.exit_code == 1
    assert f"{out}: the folder is not empty" in result.output and "--replace" in result.output
    # --replace replaces an earlier export, never a folder of the user's own.
    result = run_export(archive, out, "--replace")
    assert result.exit_code == 1 and "does not hold an earlier feedarchive export" in result.output
    assert [p.name for p in out.iterdir()] == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no staging folder left


def test_replace_swaps_an_earlier_export_for_a_new_one(archive, tmp_path):
    out = tmp_path / "out"
    assert run_export(archive, out).exit_code == 0
    result = run_export(archive, out)
    assert result.exit_code == 1 and "not empty" in result.output
    result = run_export(archive, out, "--replace", "--include-private")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["include_private"]
    assert count(out, "posts") == query(archive, "select count(*) from posts")[0][0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_an_empty_folder_is_used(archive, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    assert run_export(archive, out).exit_code == 0
    assert (out / "manifest.json").is_file()


def test_a_file_in_the_way_is_refused(archive, tmp_path):
    out = tmp_path / "out.parquet"
    out.write_text("not a folder", encoding="utf-8")
    result = run_export(archive, out)
    assert result.exit_code == 1 and f"{out}: is a file, not a folder" in result.output


def test_a_missing_or_foreign_archive_is_refused(tmp_path):
    result = run_export(tmp_path / "nowhere.db", tmp_path / "out")
    assert result.exit_code == 1 and "nowhere.db: no archive there" in result.output
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table notes (text)").connection.close()
    result = run_export(other, tmp_path / "out")
    assert result.exit_code == 1 and "other.db: not a feedarchive archive" in result.output
    assert query(other, "select name from sqlite_master") == [("notes",)]  # left unchanged
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"this is not SQLite at all" * 100)
    result = run_export(garbage, tmp_path / "out")
    assert result.exit_code == 1 and "garbage.db: not an archive" in result.output
    assert not (tmp_path / "out").exists()


def test_a_failed_export_leaves_nothing_and_keeps_the_earlier_one(archive, tmp_path):
    """A value DuckDB cannot store as its column's type (SQLite let a hand edit put text in an
    integer column) stops the export with the file it was writing; nothing is half-written
    and an earlier export stays as it was."""
    broken = tmp_path / "broken.db"
    source, copy = sqlite3.connect(archive), sqlite3.connect(broken)
    source.backup(copy)
    copy.execute("update posts set likes = 'lots' where text = 'Hello world'")
    copy.commit()
    source.close(), copy.close()
    exports = tmp_path / "exports"
    out = exports / "out"
    assert run_export(broken, out).exit_code == 1
    assert list(exports.iterdir()) == []
    assert run_export(archive, out).exit_code == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    result = run_export(broken, out, "--replace")
    assert result.exit_code == 1
    assert "posts/author=bea_builds/part-" in result.output
    assert "Could not convert string 'lots'" in result.output
    assert "nothing was left there" in result.output
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
    assert list(exports.iterdir()) == [out]


def test_without_duckdb_the_command_says_how_to_get_it(archive, tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "duckdb", None)  # as if not installed
    result = run_export(archive, tmp_path / "out")
    assert result.exit_code == 1
    assert "pip install 'feedarchive[parquet]'" in result.output
    assert not (tmp_path / "out").exists()


def test_partition_folders_read_back_as_the_handles_they_name(tmp_path):
    """Handles as platforms write them, and characters no platform allows, through the
    folder names and DuckDB's reading of them."""
    handles = ["ada@toot.example", "did:plc:z72i7hdynmk6r22z27h6tvur", "id:2244994945",
               "a/b\\c", "50%=half", "naïve_ünïcode", "quote'\"", "12345", "", None]
    con = duckdb.connect()
    for number, handle in enumerate(handles):
        folder = tmp_path / "t" / export.partition_folder(handle)
        export.write_parquet(con, {"n": "BIGINT"}, [(number,)], folder / "part-00000.parquet")
    assert len(list((tmp_path / "t").iterdir())) == len(handles)
    read = duckdb.sql(f"select author, n from read_parquet('{tmp_path}/t/*/*.parquet', "
                      f"hive_partitioning = true, hive_types_autocast = false) order by n")
    assert read.fetchall() == [(handle, n) for n, handle in enumerate(handles)]
