"""Store stage: the SQLite schema (a public contract) and atomic writes of one source.

Every import of a file runs in one `BEGIN IMMEDIATE` transaction: a crash or an error leaves
the source wholly present or wholly absent, and a second writer waits for the first.
"""
from __future__ import annotations

import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Optional

import sqlite_utils

from .models import Page, Post, Profile, Repair, Thread, ThreadCandidate

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

TABLES: dict[str, dict] = {
    "sources": dict(
        columns={
            "id": int, "path": str, "format": str, "sha256": str, "size": int,
            "imported_at": str, "author": str, "posts": int, "repair_kind": str,
            "repair_confidence": float, "repair_evidence": str, "warnings": str,
        },
        pk="id",
    ),
    "authors": dict(
        columns={
            "handle": str, "name": str, "bio": str, "location": str, "website": str,
            "joined": str, "followers": int, "following": int, "media": int, "statuses": int,
            "name_raw": str, "bio_raw": str, "source_id": int,
        },
        pk="handle",
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
            "repost_of": str,
        },
        pk="id",
        foreign_keys=[
            ("author", "authors", "handle"), ("thread_id", "threads", "id"),
            ("source_id", "sources", "id"),
        ],
    ),
    "engagement": dict(
        columns={
            "post_id": str, "source_id": int, "replies": int, "reposts": int, "likes": int,
            "observed_at": str,
        },
        pk=("post_id", "source_id"),
        foreign_keys=[("post_id", "posts", "id"), ("source_id", "sources", "id")],
    ),
    "repairs": dict(
        columns={
            "id": int, "source_id": int, "post_id": str, "author": str, "field": str,
            "start": int, "end": int, "kind": str, "before": str, "after": str,
            "confidence": float,
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
    ("posts", ["thread_id", "thread_index"]),
    ("posts", ["source_id"]),
    ("posts", ["likes"]),
    ("posts", ["reposts"]),
    ("threads", ["author"]),
    ("threads", ["likes"]),
    ("repairs", ["post_id"]),
    ("repairs", ["source_id"]),
    ("engagement", ["source_id"]),
    ("sources", ["path"]),
    ("sources", ["sha256"]),
    ("posts", ["native_id"]),
    ("pages", ["author"]),
    ("pages", ["source_id"]),
    ("page_entries", ["page_id"]),
    ("page_entries", ["year"]),
]


def open_db(path: Path | str) -> sqlite_utils.Database:
    """Open (creating folder, file and schema as needed) an archive database."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db = sqlite_utils.Database(conn)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    if db.journal_mode != "wal":
        db.enable_wal()  # readers (the web UI) keep answering while an import writes
    ensure_schema(db)
    return db


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
        for table, columns in INDEXES:
            db[table].create_index(columns, if_not_exists=True)
        # Triggers keep the indexes right inside each import's transaction.
        for table in ("posts", "pages"):
            if f"{table}_fts" not in db.table_names():
                db[table].enable_fts(["text"], create_triggers=True, tokenize="unicode61")
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction, taken at once (IMMEDIATE) so a second writer waits its turn."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def find_source(db: sqlite_utils.Database, sha256: str) -> Optional[dict]:
    rows = db.execute_returning_dicts("select * from sources where sha256 = ?", [sha256])
    return rows[0] if rows else None


def sources_at_path(db: sqlite_utils.Database, path: str) -> list[int]:
    return [row[0] for row in db.execute("select id from sources where path = ?", [path])]


def delete_source(db: sqlite_utils.Database, source_id: int) -> None:
    """Remove what one source contributed; posts also seen by other sources stay."""
    db.execute("delete from repairs where source_id = ?", [source_id])
    db.execute("delete from page_entries where page_id in "
               "(select id from pages where source_id = ?)", [source_id])
    db.execute("delete from pages where source_id = ?", [source_id])
    db.execute("delete from engagement where source_id = ?", [source_id])
    db.execute("delete from profile_history where source_id = ?", [source_id])
    orphans = "select id from posts where source_id = ? and id not in (select post_id from engagement)"
    db.execute(f"delete from thread_candidates where post_id in ({orphans})", [source_id])
    db.execute(f"delete from posts where id in ({orphans})", [source_id])
    # Posts that other sources saw too now show the counts of the latest of those.
    db.execute(
        """
        update posts set (replies, reposts, likes, source_id) = (
            select e.replies, e.reposts, e.likes, e.source_id from engagement e
            where e.post_id = posts.id order by e.source_id desc limit 1)
        where source_id = ?
        """,
        [source_id],
    )
    db.execute("update authors set source_id = null where source_id = ?", [source_id])
    db.execute("delete from sources where id = ?", [source_id])


def insert_source(db: sqlite_utils.Database, record: dict) -> int:
    return db["sources"].insert(record).last_pk


def upsert_author(db: sqlite_utils.Database, profile: Profile, source_id: int) -> None:
    row = {
        "handle": profile.handle, "name": profile.name, "bio": profile.bio,
        "location": profile.location, "website": profile.website, "joined": profile.joined,
        "followers": profile.followers, "following": profile.following,
        "media": profile.media, "statuses": profile.statuses,
        "name_raw": profile.raw.get("name", profile.name),
        "bio_raw": profile.raw.get("bio", profile.bio), "source_id": source_id,
    }
    db["authors"].upsert(row, pk="handle")
    db["profile_history"].insert(
        {"handle": profile.handle, "source_id": source_id, "observed_at": now(),
         "followers": profile.followers, "following": profile.following,
         "media": profile.media, "statuses": profile.statuses},
        replace=True,
    )


def ensure_author(db: sqlite_utils.Database, handle: str) -> None:
    db.execute("insert or ignore into authors (handle) values (?)", [handle])


def existing_positions(db: sqlite_utils.Database, ids: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ",".join("?" * len(chunk))
        for post_id, position in db.execute(
            f"select id, position from posts where id in ({marks})", chunk
        ):
            found[post_id] = position
    return found


OPTIONAL_POST_FIELDS = ("created_at", "url", "lang", "quotes", "views", "bookmarks",
                        "native_id", "reply_to", "reply_to_author", "repost_of")


def write_posts(db: sqlite_utils.Database, posts: list[Post], source_id: int,
                positions: dict[str, int]) -> None:
    """Insert new posts and refresh the counts of known ones; record what this source saw."""
    observed = now()
    rows = []
    for post in posts:
        guessed = [r for r in post.repairs if r.confidence < 1.0]
        rows.append({
            "id": post.id, "author": post.author, "text": post.text, "text_raw": post.text_raw,
            "replies": post.replies, "reposts": post.reposts, "likes": post.likes,
            "source_id": source_id, "position": positions[post.id], "line": post.line,
            "repaired": int(post.text != post.text_raw), "guessed": len(guessed),
            "min_confidence": min((r.confidence for r in post.repairs), default=None),
            **{name: getattr(post, name) for name in OPTIONAL_POST_FIELDS},
        })
    db["posts"].upsert_all(rows, pk="id", batch_size=500)
    db["engagement"].insert_all(
        ({"post_id": p.id, "source_id": source_id, "replies": p.replies, "reposts": p.reposts,
          "likes": p.likes, "observed_at": observed} for p in posts),
        pk=("post_id", "source_id"), replace=True, batch_size=500,
    )


def write_repairs(db: sqlite_utils.Database, source_id: int, posts: list[Post],
                  profile: Optional[Profile]) -> int:
    def row(repair: Repair, post_id: Optional[str], author: str) -> dict:
        return {"source_id": source_id, "post_id": post_id, "author": author,
                "field": repair.field, "start": repair.start, "end": repair.end,
                "kind": repair.kind, "before": repair.before, "after": repair.after,
                "confidence": repair.confidence}

    rows = [row(r, p.id, p.author) for p in posts for r in p.repairs]
    if profile is not None:
        rows += [row(r, None, profile.handle) for r in profile.repairs]
    if rows:
        db["repairs"].insert_all(rows, batch_size=500)
    return len(rows)


def author_posts(db: sqlite_utils.Database, handle: str) -> list[Post]:
    """All posts of one author in timeline order, as the thread stage needs them."""
    posts = []
    for post_id, text, text_raw, native_id, reply_to, created_at in db.execute(
        "select id, text, text_raw, native_id, reply_to, created_at from posts "
        "where author = ? order by position, id",
        [handle],
    ):
        post = Post(text_raw, handle, text=text, native_id=native_id, reply_to=reply_to,
                    created_at=created_at)
        post.id = post_id
        posts.append(post)
    return posts


def write_pages(db: sqlite_utils.Database, pages: list[Page], source_id: int) -> None:
    for page in pages:
        page_id = page_key(page.location)
        db["pages"].insert({
            "id": page_id, "author": page.author, "location": page.location,
            "title": page.title, "text": page.text, "text_raw": page.text_raw,
            "sections": json.dumps(page.sections, ensure_ascii=False),
            "source_id": source_id, "repaired": int(page.text != page.text_raw),
        }, replace=True)
        db["page_entries"].insert_all(
            ({"page_id": page_id, "kind": e.kind, "date": e.date, "year": e.year,
              "text": e.text, "venue": e.venue} for e in page.entries),
            batch_size=500,
        )


def page_key(location: str) -> str:
    import hashlib

    return "p" + hashlib.sha256(location.encode("utf-8")).hexdigest()[:15]


def replace_threads(db: sqlite_utils.Database, handle: str, threads: list[Thread],
                    candidates: list[ThreadCandidate]) -> None:
    """Swap in the freshly stitched threads of one author."""
    db.execute(
        "delete from thread_candidates where thread_id in (select id from threads where author = ?)",
        [handle],
    )
    db.execute("update posts set thread_id = null, thread_index = null, thread_marker = null "
               "where author = ?", [handle])
    db.execute("delete from threads where author = ?", [handle])
    rows = []
    for thread in threads:
        parts = thread.parts
        found = len(parts)
        total = thread.declared_total
        rows.append({
            "id": thread.id, "author": thread.author, "declared_total": total, "found": found,
            "complete": int(total is not None and not thread.missing),
            "title": (parts[0].text or "").split("\n")[0][:120],
            "replies": sum(p.replies or 0 for p in parts),
            "reposts": sum(p.reposts or 0 for p in parts),
            "likes": sum(p.likes or 0 for p in parts),
            "missing": json.dumps(thread.missing), "confidence": thread.confidence,
            "method": thread.method, "evidence": thread.evidence, "position": None,
        })
    if rows:
        db["threads"].insert_all(rows, pk="id")
    db.conn.executemany(
        "update posts set thread_id = ?, thread_index = ?, thread_marker = ? where id = ?",
        [(p.thread_id, p.thread_index, p.thread_marker, p.id) for t in threads for p in t.parts],
    )
    # Sums and first position come from the stored rows, which hold the latest counts.
    db.execute(
        """
        update threads set
          replies = (select sum(replies) from posts where thread_id = threads.id),
          reposts = (select sum(reposts) from posts where thread_id = threads.id),
          likes = (select sum(likes) from posts where thread_id = threads.id),
          position = (select min(position) from posts where thread_id = threads.id)
        where author = ?
        """,
        [handle],
    )
    db["thread_candidates"].insert_all(
        ({"post_id": c.post.id, "thread_id": c.thread_id, "role": c.role,
          "evidence": c.evidence, "confidence": c.confidence} for c in candidates),
        pk=("post_id", "thread_id"), replace=True,
    )


def renumber_positions(db: sqlite_utils.Database, positions: dict[str, int],
                       known: set[str]) -> None:
    """Move already stored posts to their place in a merged timeline."""
    db.conn.executemany(
        "update posts set position = ? where id = ?",
        [(positions[post_id], post_id) for post_id in known],
    )
