"""Store stage: the SQLite schema (a public contract) and atomic writes of one source.

Every import of a file runs in one `BEGIN IMMEDIATE` transaction: a crash or an error leaves
the source wholly present or wholly absent, and a second writer waits for the first.

Over 500 lines: the archive's schema is a public contract, and every statement that writes it
lives here, next to the schema, so a change to one table is reviewed in one file.
"""
from __future__ import annotations

import json
import operator
import os
import re
import sqlite3
import stat
import time
from contextlib import contextmanager
from itertools import islice
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple, Optional

import sqlite_utils

from .errors import ArchiveWriteError, DatabaseBusyError
from .guesses import alternatives_json
from .identity import match_key
from .models import PLACEHOLDER_HANDLE, Page, Post, Profile, Repair, Thread, ThreadCandidate
from .textindex import GRAM_SCRIPT, WORD_TOKENIZER, grams
from .titles import cut_title

GRAM_TEXT = re.compile(f"[{GRAM_SCRIPT}]")  # a row holding any of these gets gram rows

SCHEMA_VERSION = 7
BUSY_TIMEOUT_MS = 30_000

TABLES: dict[str, dict] = {
    "sources": dict(
        columns={
            "id": int, "path": str, "format": str, "sha256": str, "size": int,
            "imported_at": str, "author": str, "posts": int, "repair_kind": str,
            "repair_confidence": float, "repair_evidence": str, "warnings": str,
            "captured_at": str, "captured_from": str,
        },
        pk="id",
    ),
    "authors": dict(
        columns={
            "handle": str, "name": str, "bio": str, "location": str, "website": str,
            "joined": str, "followers": int, "following": int, "media": int, "statuses": int,
            "name_raw": str, "bio_raw": str, "source_id": int, "native_id": str,
        },
        pk="handle",
        foreign_keys=[("source_id", "sources", "id")],
    ),
    "author_handles": dict(
        columns={
            "native_id": str, "handle": str, "source_id": int, "seen_at": str,
        },
        pk=("native_id", "handle", "source_id"),
        foreign_keys=[("source_id", "sources", "id")],
    ),
    "profile_history": dict(
        columns={
            "handle": str, "source_id": int, "observed_at": str, "followers": int,
            "following": int, "media": int, "statuses": int,
        },
        pk=("handle", "source_id"),
        foreign_keys=[("handle", "authors", "handle"), ("source_id", "sources", "id")],
    ),
    "threads": dict(
        columns={
            "id": str, "author": str, "declared_total": int, "found": int, "complete": int,
            "title": str, "replies": int, "reposts": int, "likes": int, "missing": str,
            "confidence": float, "method": str, "evidence": str, "position": int,
        },
        pk="id",
        foreign_keys=[("author", "authors", "handle")],
    ),
    "posts": dict(
        columns={
            "id": str, "author": str, "text": str, "text_raw": str, "replies": int,
            "reposts": int, "likes": int, "thread_id": str, "thread_index": int,
            "thread_marker": str, "source_id": int, "position": int, "line": int,
            "repaired": int, "guessed": int, "min_confidence": float,
            "created_at": str, "url": str, "lang": str, "quotes": int, "views": int,
            "bookmarks": int, "native_id": str, "reply_to": str, "reply_to_author": str,
            "repost_of": str, "visibility": str, "match_key": str,
        },
        pk="id",
        foreign_keys=[
            ("author", "authors", "handle"), ("thread_id", "threads", "id"),
            ("source_id", "sources", "id"),
        ],
    ),
    "media": dict(
        columns={
            "post_id": str, "position": int, "kind": str, "url": str, "blob": str, "alt": str,
            "width": int, "height": int, "preview_url": str,
        },
        pk=("post_id", "position"),
        foreign_keys=[("post_id", "posts", "id")],
    ),
    "engagement": dict(
        columns={
            "post_id": str, "source_id": int, "replies": int, "reposts": int, "likes": int,
            "observed_at": str, "captured_at": str,
        },
        pk=("post_id", "source_id"),
        foreign_keys=[("post_id", "posts", "id"), ("source_id", "sources", "id")],
    ),
    "repairs": dict(
        columns={
            "id": int, "source_id": int, "post_id": str, "author": str, "field": str,
            "start": int, "end": int, "kind": str, "before": str, "after": str,
            "confidence": float, "rule": str, "page_id": str, "alternatives": str,
        },
        pk="id",
        foreign_keys=[("source_id", "sources", "id"), ("post_id", "posts", "id")],
    ),
    "pages": dict(
        columns={
            "id": str, "author": str, "location": str, "title": str, "text": str,
            "text_raw": str, "sections": str, "source_id": int, "repaired": int,
        },
        pk="id",
        foreign_keys=[("author", "authors", "handle"), ("source_id", "sources", "id")],
    ),
    "page_entries": dict(
        columns={
            "id": int, "page_id": str, "kind": str, "date": str, "year": int, "text": str,
            "venue": str,
        },
        pk="id",
        foreign_keys=[("page_id", "pages", "id")],
    ),
    "thread_candidates": dict(
        columns={
            "post_id": str, "thread_id": str, "role": str, "evidence": str, "confidence": float,
        },
        pk=("post_id", "thread_id"),
        foreign_keys=[("post_id", "posts", "id"), ("thread_id", "threads", "id")],
    ),
}

INDEXES = [
    ("posts", ["author", "position"]),
    ("posts", ["position"]),  # search results in timeline order without sorting every match
    ("posts", ["thread_id", "thread_index"]),
    ("posts", ["source_id"]),
    ("posts", ["likes"]),
    ("posts", ["reposts"]),
    ("threads", ["author", "position"]),
    ("thread_candidates", ["thread_id"]),  # unstitching a thread finds its candidates
    ("threads", ["likes"]),
    ("repairs", ["post_id"]),
    ("repairs", ["source_id"]),
    ("engagement", ["source_id"]),
    ("sources", ["path"]),
    ("sources", ["sha256"]),
    ("posts", ["native_id"]),
    ("posts", ["author", "match_key"]),  # a scrape's copy of an exported post, and back
    ("pages", ["author"]),
    ("pages", ["source_id"]),
    ("page_entries", ["page_id"]),
    ("page_entries", ["year"]),
    ("authors", ["native_id"]),
    ("author_handles", ["handle"]),
    ("author_handles", ["source_id"]),
]


# SQLite's page cache for the archive's connection (the writer's). A large import touches its
# indexes at random (ids, match keys); with SQLite's default 2 MB most of those pages go out
# and come back through system calls, which took a third of a 200,000-post import's time.
# The cache is filled only as pages are read, so a small import pays nothing for it.
WRITER_CACHE_KIB = 32 * 1024


def open_db(path: Path | str) -> sqlite_utils.Database:
    """Open (creating folder, file and schema as needed) an archive database."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        if db.journal_mode != "wal":
            enable_wal(db)  # readers (the web UI) keep answering while an import writes
        ensure_schema(db)
    except OSError as error:
        raise ArchiveWriteError(f"{path}: cannot create the archive's folder "
                                f"({error.strerror})") from None
    except sqlite3.OperationalError as error:
        raise ArchiveWriteError(f"{path}: cannot open the archive for writing ({error}); is "
                                f"the file or its folder read-only, or the disk full?") from None
    return db


def enable_wal(db: sqlite_utils.Database, attempts: int = 100) -> None:
    """Switching to WAL needs the file to itself and SQLite does not wait for that (no busy
    handler): two imports starting at once on a new archive retry for a while."""
    for attempt in range(attempts):
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == attempts - 1:
                raise
            time.sleep(0.05)


def ensure_schema(db: sqlite_utils.Database) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    with transaction(db):
        for name, spec in TABLES.items():
            db[name].create(
                spec["columns"], pk=spec["pk"], foreign_keys=spec.get("foreign_keys", []),
                if_not_exists=True,
            )
            add_missing_columns(db, name, spec["columns"])
        for table, columns in INDEXES:
            db[table].create_index(columns, if_not_exists=True)
        # The few undated posts, so "is this timeline dated throughout?" costs nothing.
        db.execute("create index if not exists posts_undated on posts (author) "
                   "where created_at is null")
        db.execute("create table if not exists search_pending "
                   "(tbl text, row integer, primary key (tbl, row)) without rowid")
        for table in SEARCHED_TABLES:
            ensure_search_indexes(db, table)
        # Archives before schema 4 kept a page's file path where it stated no URL.
        db.execute("update pages set location = null where location not like 'http%'")
        fill_capture_times(db)
        fill_match_keys(db)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def fill_capture_times(db: sqlite_utils.Database) -> None:
    """Archives before schema 6 did not record when a source was taken. A source whose file is
    still where it was, of the size imported and not modified since, was taken when it was
    last modified, as a new import would say; any other counts as taken when it was imported
    (the order its counts were shown in until now). Posts then show their latest capture."""
    sources = db.execute("select id, path, size, imported_at from sources "
                         "where captured_at is null").fetchall()
    for source_id, path, size, imported_at in sources:
        db.execute("update sources set captured_at = ?, captured_from = ? where id = ?",
                   [*file_time(path, size, imported_at), source_id])
    db.execute("update engagement set captured_at = (select captured_at from sources "
               "where sources.id = engagement.source_id) where captured_at is null")
    if sources:
        show_latest_counts(db, "source_id is not null", [])


def file_time(path: str, size: int, imported_at: str) -> tuple[str, str]:
    """(captured_at, captured_from) of an imported file known only by its path, size and
    import time: its modification time if it is still that file, else the import time."""
    try:
        status = os.stat(path)
    except (OSError, ValueError):
        return imported_at, "imported"
    modified = datetime.fromtimestamp(status.st_mtime, timezone.utc).replace(microsecond=0)
    if not stat.S_ISREG(status.st_mode) or status.st_size != size \
            or modified.isoformat() > imported_at:
        return imported_at, "imported"
    return modified.isoformat(), "modified"


def fill_match_keys(db: sqlite_utils.Database) -> None:
    """Archives before schema 6 lack the match keys of their X posts and scraped posts (those a
    later scrape or export may hold a copy of): made once, from the stored texts."""
    after = 0
    while batch := db.execute("select rowid, text from posts where rowid > ? and match_key is "
                              "null and (native_id is null or id like 'x:%') order by rowid "
                              "limit 5000", [after]).fetchall():
        db.conn.executemany("update posts set match_key = ? where rowid = ?",
                            [(match_key(text or ""), rowid) for rowid, text in batch])
        after = batch[-1][0]


def add_missing_columns(db: sqlite_utils.Database, table: str, columns: dict) -> None:
    """An archive made by an older version gains the columns added since (NULL in old rows:
    "not known", as for a source that does not carry the field)."""
    present = db[table].columns_dict
    for column, kind in columns.items():
        if column not in present:
            db[table].add_column(column, kind)


SEARCHED_TABLES = ("posts", "pages")


def ensure_search_indexes(db: sqlite_utils.Database, table: str) -> None:
    """The word and gram indexes of `table` (see `textindex`), built from its rows when they
    are new or when the word index is an older archive's (`unicode61` alone: no word forms,
    Thai and Hindi words cut at their vowel signs)."""
    fts = f"{table}_fts"
    made = db.execute("select sql from sqlite_master where name = ?", [fts]).fetchone()
    if made is None or db.quote(WORD_TOKENIZER) not in made[0]:
        db.execute(f"drop table if exists {fts}")
        db[table].enable_fts(["text"], tokenize=WORD_TOKENIZER)
    create_fts_triggers(db, table)
    if f"{table}_grams" not in db.table_names():
        db.execute(f"create virtual table {table}_grams using fts5(words, uni, bi, "
                   f"tokenize={db.quote(WORD_TOKENIZER)})")
        index_grams_after(db, table, 0)  # an archive made before the gram index
    create_gram_triggers(db, table)


def create_gram_triggers(db: sqlite_utils.Database, table: str) -> None:
    """A row that goes takes its grams along. A row whose text changes loses them and is
    listed in `search_pending`; the grams are made in Python (`index_pending_grams`), by the
    import that changed it, or, after a change made with plain SQL, by the next import."""
    grams_table = f"{table}_grams"
    db.execute(f"drop trigger if exists {table}_grams_ad")
    db.execute(f"drop trigger if exists {table}_grams_au")
    db.execute(f"create trigger {table}_grams_ad after delete on {table} begin "
               f"delete from {grams_table} where rowid = old.rowid; end")
    db.execute(f"create trigger {table}_grams_au after update of text on {table} "
               f"when old.text is not new.text begin "
               f"delete from {grams_table} where rowid = old.rowid; "
               f"insert or ignore into search_pending (tbl, row) values ('{table}', new.rowid); "
               f"end")


GRAM_BATCH = 5000  # rows given their grams at a time


def index_grams_after(db: sqlite_utils.Database, table: str, after_rowid: int) -> None:
    """Give the rows past `after_rowid` their gram-index rows, a few thousand at a time (a
    whole archive's list is never held)."""
    rows = needing_grams(db.conn.execute(
        f"select rowid, text from {table} where rowid > ?", [after_rowid]))
    while batch := list(islice(rows, GRAM_BATCH)):
        insert_grams(db, table, batch)


def needing_grams(rows: Iterable[tuple[int, Optional[str]]]) -> Iterator[tuple[int, str]]:
    """The (rowid, text) rows whose text holds a gram-script run: only those get gram rows.
    Sifted in Python, not with SQLite's GLOB: a compiled character class is some ten times
    faster per row.

    >>> list(needing_grams([(1, "plain words"), (2, "東京で"), (3, None)]))
    [(2, '東京で')]
    """
    return ((rowid, text) for rowid, text in rows if text and GRAM_TEXT.search(text))


def insert_grams(db: sqlite_utils.Database, table: str, rows: list[tuple[int, str]]) -> None:
    """Gram-index rows for these (rowid, text) rows of `table`, each text holding a gram-script
    run."""
    db.conn.executemany(f"insert into {table}_grams (rowid, words, uni, bi) values (?, ?, ?, ?)",
                        [(rowid, *grams(text)) for rowid, text in rows])


def index_pending_grams(db: sqlite_utils.Database, table: str) -> None:
    """Re-gram the rows listed in `search_pending` (their text changed). A listed row may
    have gone and its rowid been taken since by a new row, indexed when it was written
    (`index_rows_after`): each listed rowid's gram rows are replaced, not added to."""
    pending = [row for (row,) in db.execute(
        "select row from search_pending where tbl = ?", [table])]
    db.execute("delete from search_pending where tbl = ?", [table])
    for chunk in chunks(pending):
        marks = ", ".join("?" * len(chunk))
        db.execute(f"delete from {table}_grams where rowid in ({marks})", chunk)
        insert_grams(db, table, list(needing_grams(db.execute(
            f"select rowid, text from {table} where rowid in ({marks})", chunk))))


def create_fts_triggers(db: sqlite_utils.Database, table: str) -> None:
    """Keep `<table>_fts` right when rows change or go. New rows are indexed in bulk by the
    import that adds them (`index_rows_after`), inside its transaction: three times faster than
    a trigger per row, and just as atomic. Only a change of `text` re-indexes a row."""
    fts = f"{table}_fts"
    db.execute(f"drop trigger if exists {table}_ai")
    db.execute(f"drop trigger if exists {table}_au")
    db.execute(f"drop trigger if exists {table}_ad")
    # Only rows already in the index are taken out of it: telling FTS5 to delete a row it
    # never indexed (one this import wrote and has not indexed yet) corrupts the index.
    indexed = f"exists (select 1 from {fts}_docsize where id = old.rowid)"
    db.execute(
        f"create trigger {table}_ad after delete on {table} when {indexed} begin "
        f"insert into {fts} ({fts}, rowid, text) values ('delete', old.rowid, old.text); end")
    db.execute(
        f"create trigger {table}_au after update of text on {table} "
        f"when old.text is not new.text and {indexed} begin "
        f"insert into {fts} ({fts}, rowid, text) values ('delete', old.rowid, old.text); "
        f"insert into {fts} (rowid, text) values (new.rowid, new.text); end")


def last_rowid(db: sqlite_utils.Database, table: str) -> int:
    return db.execute(f"select coalesce(max(rowid), 0) from {table}").fetchone()[0]


def index_rows_after(db: sqlite_utils.Database, table: str, after_rowid: int) -> None:
    """Add the rows just inserted (rowids past `after_rowid`) to the word and gram indexes:
    in bulk, three times faster than a trigger per row, and batch by batch, so a large
    import indexes while its workers parse rather than after."""
    db.execute(f"insert into {table}_fts (rowid, text) select rowid, text from {table} "
               f"where rowid > ?", [after_rowid])
    index_grams_after(db, table, after_rowid)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction, taken at once (IMMEDIATE) so a second writer waits its turn."""
    try:
        db.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        raise DatabaseBusyError(
            f"{database_path(db)}: the database is busy (another import has held it for "
            f"{BUSY_TIMEOUT_MS // 1000} s); try again when it has finished") from None
    try:
        yield db
        db.execute("COMMIT")
    except BaseException as error:
        # SQLite has already rolled back after some errors (a full disk): then there is no
        # transaction left to roll back, and saying so would hide the real cause.
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        if isinstance(error, sqlite3.OperationalError):
            raise write_error(db, error) from None
        raise


def write_error(db: sqlite_utils.Database, error: sqlite3.OperationalError) -> Exception:
    """What a failed write means for the user, when it is about the disk or the file."""
    text = str(error)
    where = database_path(db)
    if "full" in text:
        return ArchiveWriteError(f"{where}: the disk is full (or the archive reached its size "
                                 f"limit); nothing of this source was written, the archive is "
                                 f"as it was")
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return ArchiveWriteError(f"{where}: the archive or its folder is read-only ({text}); "
                                 f"nothing was written")
    return error


def database_path(db: sqlite_utils.Database) -> str:
    return db.execute("pragma database_list").fetchone()[2] or ":memory:"


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def identical_sources(db: sqlite_utils.Database, sha256: str) -> list[dict]:
    """The sources with these bytes (one file imported at several paths), earliest first."""
    return db.execute_returning_dicts("select * from sources where sha256 = ? order by id",
                                      [sha256])


def capture_time(db: sqlite_utils.Database, source_id: int) -> str:
    """When a source was taken (`sources.captured_at`)."""
    return db.execute("select captured_at from sources where id = ?", [source_id]).fetchone()[0]


def record_copy(db: sqlite_utils.Database, original: dict, path: str) -> int:
    """Record a file at `path` whose bytes are those of the source `original`, without reading
    it: a source row like the original's (its capture time too: the bytes were taken once).
    It holds nothing while the original is there; `delete_source` hands it the original's
    share when the original goes. Returns its id."""
    record = {key: value for key, value in original.items() if key != "id"}
    return insert_source(db, {**record, "path": path, "imported_at": now()})


# What a source holds: its rows in these tables (a post is held by its engagement row; the
# rest say which source their values came from).
HELD_BY_SOURCE = ("engagement", "repairs", "pages", "profile_history", "author_handles",
                  "authors", "posts")


def identical_heir(db: sqlite_utils.Database, source_id: int) -> Optional[int]:
    """Another source with the same bytes as `source_id` (a copy at another path), if any."""
    row = db.execute("select id from sources where sha256 = (select sha256 from sources "
                     "where id = ?) and id != ? order by id limit 1",
                     [source_id, source_id]).fetchone()
    return row[0] if row else None


def hand_over(db: sqlite_utils.Database, source_id: int, heir: int) -> None:
    """Everything `source_id` holds becomes `heir`'s: the same bytes hold the same posts,
    pages, profile and repairs, so nothing leaves when one of two copies does."""
    for table in HELD_BY_SOURCE:
        db.execute(f"update or replace {table} set source_id = ? where source_id = ?",
                   [heir, source_id])


def sources_at_path(db: sqlite_utils.Database, path: str) -> list[int]:
    return [row[0] for row in db.execute("select id from sources where path = ?", [path])]


def delete_source(db: sqlite_utils.Database, source_id: int,
                  emptied: Optional[set[str]] = None) -> dict[str, dict[str, int]]:
    """Remove what one source contributed; posts also seen by other sources stay, with the
    counts of the latest capture left. A source whose bytes another source has too (a copy of
    its file elsewhere) hands what it holds to that one instead, and nothing changes.

    Returns, for each author whose posts it touched, the posts that left with it and the
    positions they had: their neighbours' threads need redoing, and a replacement file that
    holds some of them again puts them back where they were. Positions are not renumbered:
    a gap is as good as a number (`placing`). The threads that lost parts are added to
    `emptied` (`delete_empty_threads` looks at those)."""
    emptied = set() if emptied is None else emptied
    heir = identical_heir(db, source_id)
    if heir is not None:
        hand_over(db, source_id, heir)
        db.execute("delete from sources where id = ?", [source_id])
        return {}
    touched: dict[str, dict[str, int]] = {row[0]: {} for row in db.execute(
        "select distinct author from posts where id in "
        "(select post_id from engagement where source_id = ?)", [source_id])}
    db.execute("delete from repairs where source_id = ?", [source_id])
    db.execute("delete from page_entries where page_id in "
               "(select id from pages where source_id = ?)", [source_id])
    db.execute("delete from pages where source_id = ?", [source_id])
    db.execute("delete from engagement where source_id = ?", [source_id])
    db.execute("delete from profile_history where source_id = ?", [source_id])
    db.execute("delete from author_handles where source_id = ?", [source_id])
    orphans = "select id from posts where source_id = ? and id not in (select post_id from engagement)"
    for post_id, author, position, thread in db.execute(
            f"select id, author, position, thread_id from posts where id in ({orphans})",
            [source_id]):
        touched.setdefault(author, {})[post_id] = position
        if thread is not None:
            emptied.add(thread)
    db.execute(f"delete from thread_candidates where post_id in ({orphans})", [source_id])
    db.execute(f"delete from media where post_id in ({orphans})", [source_id])
    db.execute(f"delete from posts where id in ({orphans})", [source_id])
    # Posts that other sources saw too now show the counts of the latest of those.
    show_latest_counts(db, "source_id = ?", [source_id])
    db.execute("update authors set source_id = null where source_id = ?", [source_id])
    db.execute("delete from sources where id = ?", [source_id])
    return touched


# The counts a post shows are those of the latest capture of it (the later import on a tie).
LATEST_COUNTS = ("select e.replies, e.reposts, e.likes, e.source_id from engagement e "
                 "where e.post_id = posts.id order by e.captured_at desc, e.source_id desc "
                 "limit 1")
SHOW_LATEST_COUNTS = (f"update posts set (replies, reposts, likes, source_id) = "
                      f"({LATEST_COUNTS}) where ")


def show_latest_counts(db: sqlite_utils.Database, where: str, params: Iterable) -> None:
    """Give the posts `where` selects the counts (and `source_id`) of their latest capture."""
    db.execute(SHOW_LATEST_COUNTS + where, params)


def insert_source(db: sqlite_utils.Database, record: dict) -> int:
    """A new `sources` row. A source taken at no known time counts as taken when imported."""
    record = {"captured_at": record.get("imported_at") or now(), "captured_from": "imported",
              **record}
    return db["sources"].insert(record).last_pk


def upsert_author(db: sqlite_utils.Database, profile: Profile, source_id: int,
                  platform: Optional[str] = None) -> None:
    row = {
        "handle": profile.handle, "name": profile.name, "bio": profile.bio,
        "location": profile.location, "website": profile.website, "joined": profile.joined,
        "followers": profile.followers, "following": profile.following,
        "media": profile.media, "statuses": profile.statuses,
        "name_raw": profile.raw.get("name", profile.name),
        "bio_raw": profile.raw.get("bio", profile.bio), "source_id": source_id,
    }
    key = author_key(platform, profile.native_id)
    if key is not None:
        row["native_id"] = key
    db["authors"].upsert(row, pk="handle")
    db["profile_history"].insert(
        {"handle": profile.handle, "source_id": source_id, "observed_at": now(),
         "followers": profile.followers, "following": profile.following,
         "media": profile.media, "statuses": profile.statuses},
        replace=True,
    )


AUTHOR_FIELDS = ("name", "bio", "location", "website", "joined", "followers", "following",
                 "media", "statuses", "name_raw", "bio_raw", "source_id")


def author_key(platform: Optional[str], native_id: Optional[str]) -> Optional[str]:
    """`authors.native_id`: the platform's user id, namespaced like post ids (`x:2244994945`)
    so that ids of two platforms never meet."""
    if not native_id:
        return None
    return f"{platform}:{native_id}" if platform else str(native_id)


def record_handles(db: sqlite_utils.Database, source_id: int, platform: Optional[str],
                   profiles: Iterable[Profile], seen_at: Optional[str]) -> set[str]:
    """Note which handle each account with a user id had in this source, and when: the
    newest post of the source, since a profile is captured no earlier than that. Returns the
    accounts' keys."""
    rows = {}
    for profile in profiles:
        key = author_key(platform, profile.native_id)
        if key is not None:
            rows[key, profile.handle] = {"native_id": key, "handle": profile.handle,
                                         "source_id": source_id, "seen_at": seen_at}
    if rows:
        db["author_handles"].insert_all(rows.values(), replace=True)
    return {key for key, _ in rows}


def current_handle(db: sqlite_utils.Database, key: str) -> str:
    """The handle an account goes by now: the one seen latest. A placeholder (`id:…`) only
    while no source has named the account; equal dates fall to the handle's spelling, so the
    answer never depends on the order files were imported in."""
    rows = db.execute("select handle, max(coalesce(seen_at, '')) from author_handles "
                      "where native_id = ? group by handle", [key]).fetchall()
    return max(rows, key=lambda row: (not row[0].startswith(PLACEHOLDER_HANDLE), row[1],
                                      row[0]))[0]


def merge_renamed_authors(db: sqlite_utils.Database, keys: Iterable[str]) -> dict[str, str]:
    """Make each account one author whatever it was called when each source saw it: posts,
    pages and history under an older handle move to the current one. Returns {old: current}
    for the handles that were merged away (their threads must be stitched again)."""
    moved: dict[str, str] = {}
    for key in sorted(keys):
        handles = [row[0] for row in db.execute(
            "select distinct handle from author_handles where native_id = ?", [key])]
        current = current_handle(db, key)
        for old in handles:
            if old != current and author_exists(db, old):
                move_author(db, old, current)
                moved[old] = current
        db.execute("update authors set native_id = ? where handle = ?", [key, current])
    return moved


def author_exists(db: sqlite_utils.Database, handle: str) -> bool:
    return db.execute("select 1 from authors where handle = ?", [handle]).fetchone() is not None


def move_author(db: sqlite_utils.Database, old: str, new: str) -> None:
    """Everything of `old` becomes `new`'s; what `new` lacks in its profile, `old` fills in.
    The old handle's threads go (the caller stitches `new` again) and its timeline follows
    `new`'s until the caller orders it."""
    ensure_author(db, new)
    fill = ", ".join(f"{c} = coalesce({c}, (select {c} from authors where handle = :old))"
                     for c in AUTHOR_FIELDS)
    params = {"old": old, "new": new}
    db.execute(f"update authors set {fill} where handle = :new", params)
    clear_threads(db, old)
    # Below the current handle's posts, keeping their order (positions may be sparse).
    params["offset"] = (
        db.execute("select coalesce(max(position), -1) from posts where author = :new",
                   params).fetchone()[0] + 1
        - db.execute("select coalesce(min(position), 0) from posts where author = :old",
                     params).fetchone()[0])
    db.execute("update posts set author = :new, position = position + :offset "
               "where author = :old", params)
    for table, column in (("pages", "author"), ("repairs", "author"), ("sources", "author")):
        db.execute(f"update {table} set {column} = :new where {column} = :old", params)
    db.execute("update or replace profile_history set handle = :new where handle = :old", params)
    db.execute("delete from authors where handle = :old", params)


UNLINK_POSTS = "update posts set thread_id = null, thread_index = null, thread_marker = null "


def clear_threads(db: sqlite_utils.Database, handle: str) -> None:
    """Unstitch one author: no thread, candidate or part number of theirs is left."""
    db.execute(
        "delete from thread_candidates where thread_id in (select id from threads where author = ?)",
        [handle],
    )
    # A thread's parts may carry another handle by now (a later source named the account
    # anew): they are found by thread as well as by author.
    db.execute(UNLINK_POSTS + "where thread_id in (select id from threads where author = ?)",
               [handle])
    db.execute(UNLINK_POSTS + "where author = ? and thread_id is not null", [handle])
    db.execute("delete from threads where author = ?", [handle])


def clear_threads_made_by(db: sqlite_utils.Database, handle: str, method: str) -> None:
    """Unstitch the threads of one author that one stitcher made ("markers", "replies")."""
    made = "(select id from threads where author = ? and method = ?)"
    db.execute(f"delete from thread_candidates where thread_id in {made}", [handle, method])
    db.execute(UNLINK_POSTS + f"where thread_id in {made}", [handle, method])
    db.execute("delete from threads where author = ? and method = ?", [handle, method])


def delete_marker_threads_touching(db: sqlite_utils.Database, post_ids: list[str]) -> None:
    """Unstitch the marker threads that have a part, or a candidate, among `post_ids`."""
    for chunk in chunks(post_ids):
        marks = ",".join("?" * len(chunk))
        touched = [row[0] for row in db.execute(
            f"select t.id from threads t where t.method = 'markers' and t.id in ("
            f"select thread_id from posts where id in ({marks}) and thread_id is not null "
            f"union select thread_id from thread_candidates where post_id in ({marks}))",
            chunk + chunk)]
        for ids in chunks(touched):
            marks = ",".join("?" * len(ids))
            db.execute(f"delete from thread_candidates where thread_id in ({marks})", ids)
            db.execute(UNLINK_POSTS + f"where thread_id in ({marks})", ids)
            db.execute(f"delete from threads where id in ({marks})", ids)


def delete_empty_threads(db: sqlite_utils.Database,
                         ids: Optional[Iterable[str]] = None) -> None:
    """A thread whose parts all left (their source was replaced, or their author merged)
    goes too: no thread page is ever empty. `ids`: only these can have emptied."""
    empty = "select id from threads t where not exists (select 1 from posts p where p.thread_id = t.id)"
    if ids is None:
        db.execute(f"delete from thread_candidates where thread_id in ({empty})")
        db.execute(f"delete from threads where id in ({empty})")
        return
    for chunk in chunks(sorted(ids)):
        marks = ",".join("?" * len(chunk))
        found = [row[0] for row in db.execute(f"{empty} and t.id in ({marks})", chunk)]
        if found:
            marks = ",".join("?" * len(found))
            db.execute(f"delete from thread_candidates where thread_id in ({marks})", found)
            db.execute(f"delete from threads where id in ({marks})", found)


def ensure_author(db: sqlite_utils.Database, handle: str) -> None:
    db.execute("insert or ignore into authors (handle) values (?)", [handle])


def write_repairs(db: sqlite_utils.Database, source_id: int, posts: list[Post],
                  profile: Optional[Profile]) -> int:
    def row(repair: Repair, post_id: Optional[str], author: str) -> dict:
        return repair_row(repair, source_id, post_id=post_id, author=author)

    rows = [row(r, p.id, p.author) for p in posts for r in p.repairs]
    if profile is not None:
        rows += [row(r, None, profile.handle) for r in profile.repairs]
    if rows:
        db["repairs"].insert_all(rows, batch_size=500)
    return len(rows)


def repair_row(repair: Repair, source_id: int, **where: Optional[str]) -> dict:
    """A `repairs` row; `where` says what was repaired: `post_id`, `page_id`, `author`."""
    return {"source_id": source_id, **where, "field": repair.field, "start": repair.start,
            "end": repair.end, "kind": repair.kind, "before": repair.before,
            "after": repair.after, "confidence": repair.confidence, "rule": repair.rule,
            "alternatives": alternatives_json(repair.alternatives)}


def write_pages(db: sqlite_utils.Database, pages: list[Page], source_id: int,
                source_path: str) -> tuple[int, list[str]]:
    """A page is known by its URL, or, when it does not say it, by the file it came from.
    Two saves of one page are one page, the latest save's (by capture time, the later import
    on a tie): its row, entries and repairs replace the earlier save's together, and an
    earlier save imported later leaves the page as it is. Returns how many repairs the pages
    written had (each one written to `repairs`), and the pages left for a later save."""
    written, kept = 0, []
    captured = capture_time(db, source_id)
    for page in pages:
        page_id = page_key(page.location or source_path)
        if saved_later(db, page_id, captured):
            kept.append(page.location or source_path)
            continue
        drop_page(db, page_id)
        db["pages"].insert({
            "id": page_id, "author": page.author, "location": page.location,
            "title": page.title, "text": page.text, "text_raw": page.text_raw,
            "sections": json.dumps(page.sections, ensure_ascii=False),
            "source_id": source_id, "repaired": int(bool(page.repairs)),
        })
        if page.repairs:
            db["repairs"].insert_all(
                (repair_row(r, source_id, page_id=page_id, author=page.author)
                 for r in page.repairs), batch_size=500)
            written += len(page.repairs)
        db["page_entries"].insert_all(
            ({"page_id": page_id, "kind": e.kind, "date": e.date, "year": e.year,
              "text": e.text, "venue": e.venue} for e in page.entries),
            batch_size=500,
        )
    return written, kept


def saved_later(db: sqlite_utils.Database, page_id: str, captured: str) -> bool:
    """Whether the archive's copy of a page comes from a save taken after `captured`."""
    row = db.execute("select s.captured_at from pages p join sources s on s.id = p.source_id "
                     "where p.id = ?", [page_id]).fetchone()
    return row is not None and row[0] > captured


def drop_page(db: sqlite_utils.Database, page_id: str) -> None:
    """A page, with its entries and the repairs of its texts, goes whole (a later save takes
    its place): a deleted row leaves the search indexes, which a replaced one would not."""
    db.execute("delete from page_entries where page_id = ?", [page_id])
    db.execute("delete from repairs where page_id = ?", [page_id])
    db.execute("delete from pages where id = ?", [page_id])


def page_key(location: str) -> str:
    import hashlib

    return "p" + hashlib.sha256(location.encode("utf-8")).hexdigest()[:15]


THREAD_COLUMNS = ("id", "author", "declared_total", "found", "complete", "title", "missing",
                  "confidence", "method", "evidence")
INSERT_THREAD = (f"insert or replace into threads ({', '.join(THREAD_COLUMNS)}) "
                 f"values ({', '.join('?' * len(THREAD_COLUMNS))})")
# Sums and first position come from the stored rows, which hold the latest counts.
THREAD_TOTALS = """
    update threads set (replies, reposts, likes, position) = (
      select sum(replies), sum(reposts), sum(likes), min(position) from posts
      where thread_id = threads.id)
    where id = ?"""
INSERT_CANDIDATE = ("insert or replace into thread_candidates "
                    "(post_id, thread_id, role, evidence, confidence) values (?, ?, ?, ?, ?)")


def insert_threads(db: sqlite_utils.Database, threads: list[Thread],
                   candidates: list[ThreadCandidate]) -> None:
    """Write stitched threads, number their parts and record the candidates offered. Plain
    `executemany`: a full pass over a long timeline writes thousands of threads."""
    db.conn.executemany(INSERT_THREAD, [
        (t.id, t.author, t.declared_total, len(t.parts),
         int(t.declared_total is not None and not t.missing),
         cut_title((t.parts[0].text or "").split("\n")[0], 120), json.dumps(t.missing),
         t.confidence, t.method, t.evidence) for t in threads])
    db.conn.executemany(
        "update posts set thread_id = ?, thread_index = ?, thread_marker = ? where id = ?",
        [(p.thread_id, p.thread_index, p.thread_marker, p.id) for t in threads for p in t.parts],
    )
    db.conn.executemany(THREAD_TOTALS, [(t.id,) for t in threads])
    db.conn.executemany(INSERT_CANDIDATE, [
        (c.post.id, c.thread_id, c.role, c.evidence, c.confidence) for c in candidates])


def replace_marker_threads(db: sqlite_utils.Database, window_ids: list[str],
                           threads: list[Thread], candidates: list[ThreadCandidate]) -> None:
    """Swap in what stitching a window by markers found, for the threads inside it."""
    delete_marker_threads_touching(db, window_ids)
    insert_threads(db, threads, candidates)


def replace_reply_threads(db: sqlite_utils.Database, handle: str, threads: list[Thread]) -> None:
    """Swap in the author's threads proved by reply ids (they have no candidates)."""
    clear_threads_made_by(db, handle, "replies")
    insert_threads(db, threads, [])


OPTIONAL_POST_FIELDS = ("created_at", "url", "lang", "quotes", "views", "bookmarks",
                        "native_id", "reply_to", "reply_to_author", "repost_of", "visibility",
                        "match_key")
POST_COLUMNS = ("id", "author", "text", "text_raw", "replies", "reposts", "likes", "source_id",
                "position", "line", "repaired", "guessed", "min_confidence") + OPTIONAL_POST_FIELDS
optional_fields = operator.attrgetter(*OPTIONAL_POST_FIELDS)
INSERT_POST = (
    f"insert into posts ({', '.join(POST_COLUMNS)}) values ({', '.join('?' * len(POST_COLUMNS))})"
)
# A post seen again keeps its place in the timeline; everything else takes the values of the
# latest capture: a source taken after (or when) the one the post's values came from.
REFRESHED_COLUMNS = [c for c in POST_COLUMNS if c not in ("id", "position")]
REFRESH_POST = (
    "update posts set " + ", ".join(f"{c} = ?" for c in REFRESHED_COLUMNS) + " where id = ? "
    "and coalesce((select e.captured_at from engagement e where e.post_id = posts.id "
    "and e.source_id = posts.source_id), '') <= ?"
)
RECORD_ENGAGEMENT = ("insert into engagement "
                     "(post_id, source_id, replies, reposts, likes, observed_at, captured_at) "
                     "values (?, ?, ?, ?, ?, ?, ?)")
# A post the archive has may hold this source's row already (a file imported again). Only a
# batch with such posts needs `or replace`: with foreign keys on it costs twice a plain insert.
RERECORD_ENGAGEMENT = RECORD_ENGAGEMENT.replace("insert into", "insert or replace into")


def write_posts(db: sqlite_utils.Database, posts: list[Post], source_id: int,
                positions: dict[str, Optional[int]], known: set[str]) -> int:
    """Insert new posts, refresh known ones unless the archive's values come from a later
    capture (`known`: the ids of `posts` the archive has, as `archived_ids` found them),
    record what this source saw; return how many posts were new to the archive. Plain
    `executemany`: this is the hot path of an import."""
    ids = [post.id for post in posts]
    rows = []
    for post in posts:
        repairs = post.repairs  # most posts have none: nothing to count per post then
        rows.append((
            post.id, post.author, post.text, post.text_raw, post.replies, post.reposts,
            post.likes, source_id, positions[post.id], post.line,
            int(bool(repairs)), sum(1 for r in repairs if r.confidence < 1.0) if repairs else 0,
            min(r.confidence for r in repairs) if repairs else None,
            *optional_fields(post),
        ))
    first_rowid = last_rowid(db, "posts")
    db.conn.executemany(INSERT_POST, [row for row in rows if row[0] not in known])
    index_rows_after(db, "posts", first_rowid)
    refresh = [i for i, name in enumerate(POST_COLUMNS) if name in REFRESHED_COLUMNS]
    captured = capture_time(db, source_id)
    db.conn.executemany(REFRESH_POST, [
        [row[i] for i in refresh] + [row[0], captured] for row in rows if row[0] in known])
    observed = now()
    db.conn.executemany(RERECORD_ENGAGEMENT if known else RECORD_ENGAGEMENT, [
        (p.id, source_id, p.replies, p.reposts, p.likes, observed, captured) for p in posts])
    write_media(db, [post for post in posts if post.media])
    return len(set(ids) - known)


INSERT_MEDIA = ("insert into media (post_id, position, kind, url, blob, alt, width, height, "
                "preview_url) values (?, ?, ?, ?, ?, ?, ?, ?, ?)")


def write_media(db: sqlite_utils.Database, posts: list[Post]) -> None:
    """The media of posts whose source lists some replace what an earlier source listed; a
    source that says nothing of media (a timeline scrape) leaves a post's media alone."""
    if not posts:
        return
    db.conn.executemany("delete from media where post_id = ?", [(p.id,) for p in posts])
    db.conn.executemany(INSERT_MEDIA, [
        (post.id, index, m.kind, m.url, m.blob, m.alt, m.width, m.height, m.preview_url)
        for post in posts for index, m in enumerate(post.media)])


def chunks(items: list, size: int = 500) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def archived_ids(db: sqlite_utils.Database, ids: list[str], source_id: int) -> dict[str, bool]:
    """Which of `ids` the archive has, each with whether this source wrote it already (an
    earlier batch of the same file): one lookup per id answers both."""
    found: dict[str, bool] = {}
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        found.update(db.execute(
            f"select id, exists(select 1 from engagement where post_id = posts.id "
            f"and source_id = ?) from posts where id in ({marks})", [source_id, *chunk]))
    return {post_id: bool(written) for post_id, written in found.items()}


class PostCopy(NamedTuple):
    """What deciding whether two posts are copies of one needs of each."""

    id: str
    author: str
    text: str
    created_at: Optional[str]
    native_id: Optional[str]
    guessed: int
    rowid: int
    match_key: str


def copy_columns(table: str) -> str:
    """The columns of a `PostCopy`, of `table` (an alias in a query)."""
    return ", ".join(f"{table}.{column}" for column in PostCopy._fields)


# Handles of one account (as sources with user ids saw it): {handle: its other handles}.
ALIASES = ("select distinct a.handle, b.handle as alias from author_handles a "
           "join author_handles b on b.native_id = a.native_id and b.handle != a.handle")
COPY_PAIRS = (
    f"select {copy_columns('n')}, {copy_columns('o')} from engagement e "
    f"join posts n on n.id = e.post_id "
    f"join posts o on o.author = n.author and o.match_key = n.match_key "
    f"where e.source_id = :source and n.match_key is not null "
    f"and (n.native_id is null) != (o.native_id is null) "
    f"union all "
    f"select {copy_columns('n')}, {copy_columns('o')} from engagement e "
    f"join posts n on n.id = e.post_id join ({ALIASES}) h on h.handle = n.author "
    f"join posts o on o.author = h.alias and o.match_key = n.match_key "
    f"where e.source_id = :source and n.match_key is not null "
    f"and (n.native_id is null) != (o.native_id is null)"
)


def copy_candidates(db: sqlite_utils.Database, source_id: int) -> list[tuple[PostCopy,
                                                                          PostCopy]]:
    """Pairs of (a post of this source, a post of the other kind by the same account with the
    same match key): scraped without an id and exported with one. One index lookup per post
    of the source, on (author, match_key); none at all while the archive lacks either kind
    (a scrape-only archive)."""
    if not holds_both_kinds(db):
        return []
    width = len(PostCopy._fields)
    return [(PostCopy(*row[:width]), PostCopy(*row[width:]))
            for row in db.execute(COPY_PAIRS, {"source": source_id})]


def holds_both_kinds(db: sqlite_utils.Database) -> bool:
    """Whether the archive has posts with a platform id and posts without (two lookups on
    the native id's index): a scraped copy of an exported post needs one of each."""
    return all(db.execute(f"select exists(select 1 from posts where native_id is {test})")
               .fetchone()[0] for test in ("null", "not null"))


def account_aliases(db: sqlite_utils.Database) -> dict[str, set[str]]:
    """Each handle's other handles of the same account, as sources with user ids saw them."""
    found: dict[str, set[str]] = {}
    for handle, alias in db.execute(ALIASES):
        found.setdefault(handle, set()).add(alias)
    return found


def posts_by_key(db: sqlite_utils.Database,
                 wanted: Iterable[tuple[str, str]]) -> dict[tuple[str, str], list[PostCopy]]:
    """The posts of each (author, match_key) asked for, one index lookup each."""
    found: dict[tuple[str, str], list[PostCopy]] = {}
    for chunk in chunks(sorted(set(wanted))):
        values = ", ".join("(?, ?)" for _ in chunk)
        for row in db.execute(
                f"with wanted (author, key) as (values {values}) select {copy_columns('p')} "
                f"from wanted w join posts p on p.author = w.author and p.match_key = w.key",
                [value for pair in chunk for value in pair]):
            post = PostCopy(*row)
            found.setdefault((post.author, post.match_key), []).append(post)
    return found


class CopyMerge(NamedTuple):
    """An exported post and a scrape's copy of it, to be made one post (`merge_copies`)."""

    native: str  # the export's post id: the post's id from now on
    scraped: str
    text_of_scraped: bool  # the copy's text (and its repairs) replace the export's
    place_of_scraped: bool  # the post takes the copy's place in the timeline


def merge_copies(db: sqlite_utils.Database, merges: list[CopyMerge]) -> None:
    """Make each exported post and the scrape's copy of it one post, under the export's id,
    with its date, reply ids and media (the copy's only where the export lists none): the
    copy's counts join its count history (and show, if they are the latest capture), the
    copy's text and repairs replace the export's where `text_of_scraped`, and the post takes
    the copy's place in the timeline where `place_of_scraped` (the export's post is new to
    the archive). One statement per step for all the pairs."""
    pairs = [(merge.native, merge.scraped) for merge in merges]
    run = db.conn.executemany
    run("update or replace engagement set post_id = ? where post_id = ?", pairs)
    run("delete from repairs where post_id = ?",
        [(merge.native if merge.text_of_scraped else merge.scraped,) for merge in merges])
    run("update repairs set post_id = ? where post_id = ?", pairs)
    run("update posts set (text, text_raw, repaired, guessed, min_confidence) = (select text, "
        "text_raw, repaired, guessed, min_confidence from posts where id = ?) where id = ?",
        [(merge.scraped, merge.native) for merge in merges if merge.text_of_scraped])
    run("update posts set position = (select position from posts where id = ?) where id = ?",
        [(merge.scraped, merge.native) for merge in merges if merge.place_of_scraped])
    with_media = {row[0] for chunk in chunks([native for native, _ in pairs])
                  for row in db.execute(f"select distinct post_id from media where post_id in "
                                        f"({', '.join('?' * len(chunk))})", chunk)}
    run("update media set post_id = ? where post_id = ?",
        [pair for pair in pairs if pair[0] not in with_media])
    gone = [(scraped,) for _, scraped in pairs]
    run("delete from media where post_id = ?", gone)
    run("delete from thread_candidates where post_id = ?", gone)
    run("delete from posts where id = ?", gone)
    run(SHOW_LATEST_COUNTS + "id = ?", [(native,) for native, _ in pairs])


def count_author_posts(db: sqlite_utils.Database, handle: str, up_to: Optional[int] = None) -> int:
    """How many posts the author has, counting no further than `up_to` when given (a long
    timeline need not be counted to know it is long)."""
    if up_to is None:
        return db.execute("select count(*) from posts where author = ?", [handle]).fetchone()[0]
    return db.execute("select count(*) from (select 1 from posts where author = ? limit ?)",
                      [handle, up_to]).fetchone()[0]


def finish_source(db: sqlite_utils.Database, source_id: int, posts: int,
                  warnings: list[str]) -> None:
    db.execute("update sources set posts = ?, warnings = ? where id = ?",
               [posts, "\n".join(warnings) or None, source_id])


def all_dated(db: sqlite_utils.Database, handle: str) -> bool:
    """Whether every post of the author has a date (`posts_undated` answers from its few rows)."""
    return db.execute("select 1 from posts where author = ? and created_at is null limit 1",
                      [handle]).fetchone() is None


def unplaced_posts(db: sqlite_utils.Database, handle: str) -> list[tuple[str, Optional[str]]]:
    """(id, created_at) of the author's posts written without a place yet (`placing`)."""
    return [tuple(row) for row in db.execute(
        "select id, created_at from posts where author = ? and position is null", [handle])]


def source_post_ids(db: sqlite_utils.Database, handle: str, source_id: int) -> list[str]:
    """A source's posts by `handle`, in the order it listed them."""
    return [row[0] for row in db.execute(
        "select e.post_id from engagement e cross join posts p on p.id = e.post_id "
        "where e.source_id = ? and p.author = ? order by e.rowid", [source_id, handle])]


def count_threads(db: sqlite_utils.Database, handles: list[str]) -> int:
    marks = ",".join("?" * len(handles))
    return db.execute(f"select count(*) from threads where author in ({marks})",
                      handles).fetchone()[0] if handles else 0


def set_positions(db: sqlite_utils.Database, handle: str, order: list[str]) -> None:
    db.conn.executemany("update posts set position = ? where id = ? and author = ?",
                        [(rank, post_id, handle) for rank, post_id in enumerate(order)])


def self_reply_posts(db: sqlite_utils.Database, handle: str) -> list[Post]:
    """An author's posts that reply to, or are replied to by, another of their posts."""
    rows = db.execute(
        """
        select id, text, text_raw, native_id, reply_to from posts
        where author = :h and native_id is not null and (
          reply_to in (select native_id from posts where author = :h and native_id is not null)
          or native_id in (select reply_to from posts where author = :h and reply_to is not null))
        order by position, id
        """,
        {"h": handle},
    )
    return [post_from_row(handle, *row) for row in rows]


def post_from_row(handle: str, post_id: str, text: str, text_raw: Optional[str],
                  native_id: Optional[str] = None, reply_to: Optional[str] = None) -> Post:
    """A post as the thread stage needs it; the raw text is left out where it is not read."""
    post = Post(text_raw or "", handle, text=text, native_id=native_id, reply_to=reply_to)
    post.id = post_id
    return post
