"""Export stage: the archive's public tables as Parquet, for DuckDB, Spark or a warehouse.

`export_archive(db_path, out_dir)` writes one folder per table of the schema (`store.TABLES`;
never the full-text indexes, `search_pending` or SQLite's own tables), and `manifest.json`
with each table's row count, columns, files, the archive's schema version and the export time:

    DIR/posts/author=ada_lab/part-00000.parquet     tables with an `author` column: Hive-style
    DIR/posts/author=did%3Aplc%3A…/part-00001.parquet    folders, one per author
    DIR/media/part-00000.parquet                    the others: files in the table's folder
    DIR/manifest.json

So every table reads as `DIR/<table>/**/*.parquet`. A partition folder's name escapes the
characters Hive and Spark escape (`/ : = % ? # * " ' \\ [ ] ^ { }`, control characters) and
`< > |` (not allowed in Windows file names) as `%XX`; everything else is kept, so a reader
that decodes `%XX` one byte at a time (Spark) still reads a non-ASCII handle right. A NULL
author is Hive's `__HIVE_DEFAULT_PARTITION__`. We name the folders ourselves rather than
leave it to DuckDB's `PARTITION_BY`, whose escaping changed between versions.

Posts that are not public (`models.PRIVATE_VISIBILITIES`), in the archive only because the
user imported them with `--include-private`, stay out unless asked for here too, with what
belongs to them: their media, counts, repairs and candidate links, and any thread that holds
one (its title and totals are made from its parts; its public parts are exported without a
thread).

Rows are streamed from SQLite in one read transaction (the export is one snapshot even while
an import writes) and handed to DuckDB a file at a time as NumPy object arrays (no pandas or
pyarrow; DuckDB's SQLite extension is not in its wheel and cannot be downloaded offline), so
memory is bounded by a file's worth of rows. Everything is written in a hidden sibling folder
and renamed into place at the end: a failed export leaves nothing behind.
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from itertools import groupby
from pathlib import Path
from typing import Any, Iterable, Iterator, Optional

from .errors import FeedarchiveError
from .models import PRIVATE_VISIBILITIES
from .store import TABLES

FORMATS = ("parquet",)
MANIFEST = "manifest.json"
MANIFEST_FORMAT = "feedarchive-parquet"  # only a folder whose manifest says so is replaced
MANIFEST_VERSION = 1
PARTITION_COLUMN = "author"
DEFAULT_PARTITION = "__HIVE_DEFAULT_PARTITION__"
# A file holds at most this many values (rows times columns: 27,000 posts, 125,000 counts),
# or rows with this many characters of text, whichever comes first. It is what is held in
# memory at once, about 2 KB a post all told (Python's objects, DuckDB's copy, the Parquet
# writer's buffers); a 16 MB post gets a file of its own.
VALUES_PER_FILE = 750_000
CHARS_PER_FILE = 16_000_000
UNSAFE_IN_FOLDER_NAMES = frozenset('"#%\'*/:=?[\\]^{}<>|\x7f') | {chr(c) for c in range(32)}
INSTALL_HINT = "pip install 'feedarchive[parquet]'"


class ExportError(FeedarchiveError):
    """The archive cannot be read, or the export cannot be written where it was asked to."""


@dataclass
class TableExport:
    """What was written of one table: a manifest entry."""

    rows: int = 0
    columns: dict[str, str] = field(default_factory=dict)
    partitioned_by: Optional[str] = None
    files: list[dict[str, Any]] = field(default_factory=list)


def export_archive(db_path: Path, out_dir: Path, *, format: str = "parquet",
                   include_private: bool = False, replace: bool = False) -> dict:
    """Write the archive's public tables into `out_dir` as Parquet and return the manifest.
    `out_dir` must not exist or be empty; with `replace`, it may hold an earlier export."""
    if format not in FORMATS:
        raise ExportError(f"unknown export format {format!r} (known: {', '.join(FORMATS)})")
    duckdb = require_duckdb()
    out_dir = Path(out_dir)
    check_target(out_dir, replace)
    conn = open_archive(db_path)
    try:
        conn.execute("begin")  # one snapshot for every table, whatever an import writes meanwhile
        staging = make_staging_folder(out_dir)
        duck = connect_duckdb(duckdb)
        try:
            try:
                manifest = write_export(conn, duck, staging, db_path, include_private)
            except ExportError as error:
                raise ExportError(f"{out_dir}: {error}; nothing was left there") from None
            check_target(out_dir, replace)
            move_into_place(staging, out_dir)
        finally:
            duck.close()
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise ExportError(f"{out_dir}: cannot write the export ({error.strerror or error}); "
                          f"nothing was left there") from None
    except sqlite3.DatabaseError as error:
        raise ExportError(f"{db_path}: cannot read the archive ({error})") from None
    finally:
        conn.close()
    return manifest


def require_duckdb():
    """DuckDB writes the Parquet files; it is an optional extra, so say how to get it."""
    try:
        import duckdb
    except ImportError:
        raise ExportError(f"exporting as Parquet needs DuckDB, which is not installed: "
                          f"{INSTALL_HINT}") from None
    return duckdb


def connect_duckdb(duckdb):
    """An in-memory DuckDB on one thread: a file's rows are few enough that more threads
    buy little (the time goes in reading SQLite), and each would hold buffers of its own."""
    duck = duckdb.connect()
    duck.execute("set threads = 1")
    return duck


def check_target(out_dir: Path, replace: bool) -> None:
    """Refuse to write over anything but an empty folder or, with `replace`, an earlier
    export: `--replace` must never delete a folder of the user's own."""
    if out_dir.exists() and not out_dir.is_dir():
        raise ExportError(f"{out_dir}: is a file, not a folder; name a folder to export into")
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        return
    if not replace:
        raise ExportError(f"{out_dir}: the folder is not empty; name a new folder, or add "
                          f"--replace to replace an earlier export there")
    if not is_export(out_dir):
        raise ExportError(f"{out_dir}: the folder is not empty and does not hold an earlier "
                          f"feedarchive export (no {MANIFEST} of one); not replacing it")


def is_export(folder: Path) -> bool:
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(manifest, dict) and manifest.get("format") == MANIFEST_FORMAT


def open_archive(db_path: Path) -> sqlite3.Connection:
    """The archive, read-only (an export never changes it, nor makes a schema in a file that
    is not an archive)."""
    db_path = Path(db_path)
    if not db_path.is_file():
        raise ExportError(f"{db_path}: no archive there")
    conn = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True,
                           isolation_level=None)
    try:
        names = {row[0] for row in conn.execute("select name from sqlite_master")}
    except sqlite3.DatabaseError as error:
        conn.close()
        raise ExportError(f"{db_path}: not an archive: cannot be read as SQLite ({error})") \
            from None
    if "posts" not in names:
        conn.close()
        raise ExportError(f"{db_path}: not a feedarchive archive (it has no posts table)")
    return conn


def make_staging_folder(out_dir: Path) -> Path:
    """A hidden folder beside `out_dir`, on the same file system, so it can be renamed."""
    parent = out_dir.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".partial", dir=parent))


def move_into_place(staging: Path, out_dir: Path) -> None:
    """Swap the finished export in; an earlier export (or an empty folder) goes only once the
    new one is there, and comes back if the rename fails."""
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    old = staging.with_suffix(".old")
    os.rename(out_dir, old)
    try:
        os.rename(staging, out_dir)
    except OSError:
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old)


def write_export(conn: sqlite3.Connection, duck, folder: Path, db_path: Path,
                 include_private: bool) -> dict:
    """Every public table into `folder`, then the manifest; returns the manifest."""
    tables = {}
    for table in public_tables(conn):
        tables[table] = write_table(conn, duck, folder, table, include_private)
    manifest = {
        "format": MANIFEST_FORMAT,
        "version": MANIFEST_VERSION,
        "archive": Path(db_path).name,
        "schema_version": conn.execute("pragma user_version").fetchone()[0],
        "exported_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "feedarchive": package_version("feedarchive"),
        "duckdb": duck.execute("select version()").fetchone()[0],
        "include_private": include_private,
        "tables": {name: vars(entry) for name, entry in tables.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                   encoding="utf-8")
    return manifest


def package_version(name: str) -> Optional[str]:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return None


def public_tables(conn: sqlite3.Connection) -> list[str]:
    """The schema's tables (the documented contract) that this archive has: an archive made
    by an older version may lack the newest."""
    present = {row[0] for row in
               conn.execute("select name from sqlite_master where type = 'table'")}
    return [name for name in TABLES if name in present]


def column_types(conn: sqlite3.Connection, table: str) -> dict[str, str]:
    """Each column's Parquet type (as DuckDB names it), from its declared SQLite type, by
    SQLite's own affinity rules: integers stay 64-bit integers, reals doubles, the rest
    (text, ISO timestamps, JSON) strings."""
    types = {}
    for _, name, declared, *_ in conn.execute(f"pragma table_info({quote(table)})"):
        declared = (declared or "").upper()
        if "INT" in declared:
            types[name] = "BIGINT"
        elif any(word in declared for word in ("REAL", "FLOA", "DOUB")):
            types[name] = "DOUBLE"
        else:
            types[name] = "VARCHAR"
    return types


def write_table(conn: sqlite3.Connection, duck, folder: Path, table: str,
                include_private: bool) -> TableExport:
    """One table's files: a folder per author for a table with an author column, else files
    straight in the table's folder. Files are numbered across the table, so two authors whose
    folders a case-insensitive file system takes for one never overwrite each other's. An
    empty table still gets one file, so that its columns are there to read."""
    types = column_types(conn, table)
    partitioned = PARTITION_COLUMN in types
    entry = TableExport(columns=types, partitioned_by=PARTITION_COLUMN if partitioned else None)
    stored = stored_types(types)
    rows = conn.execute(select_rows(table, types, include_private))
    batches = file_batches(rows, partitioned, VALUES_PER_FILE // len(stored))
    for number, (key, batch) in enumerate(batches):
        subfolder = Path(table, partition_folder(key)) if partitioned else Path(table)
        relative = subfolder / f"part-{number:05d}.parquet"
        write_file(duck, stored, batch, folder, relative)
        entry.rows += len(batch)
        entry.files.append({"path": relative.as_posix(), "rows": len(batch)})
    if not entry.files:
        relative = Path(table, partition_folder(None) if partitioned else "", "part-00000.parquet")
        write_file(duck, stored, [], folder, relative)
        entry.files.append({"path": relative.as_posix(), "rows": 0})
    return entry


def stored_types(types: dict[str, str]) -> dict[str, str]:
    """The columns written in the files: all but the partition column, which the folders
    hold."""
    return {name: kind for name, kind in types.items() if name != PARTITION_COLUMN}


def write_file(duck, types: dict[str, str], rows: list[tuple], folder: Path,
               relative: Path) -> None:
    """`write_parquet`, with a failure (a value DuckDB cannot cast, a full disk) said in
    terms of the export: which file of which table."""
    import duckdb

    try:
        write_parquet(duck, types, rows, folder / relative)
    except duckdb.Error as error:
        first_line = str(error).splitlines()[0]  # the rest quotes our SQL
        raise ExportError(f"{relative.as_posix()}: {first_line}") from None


def select_rows(table: str, types: dict[str, str], include_private: bool) -> str:
    """The SELECT that streams a table's exported rows: the partition key first (rows of one
    author together, in timeline order for posts), then the stored columns, then how many
    characters of text the row holds (for cutting files by size)."""
    partitioned = PARTITION_COLUMN in types
    stored = list(stored_types(types))
    replaced = {} if include_private else withheld_values(table)
    columns = [replaced.get(name, quote(name)) for name in stored]
    text = [f"coalesce(length({quote(name)}), 0)" for name in stored if types[name] == "VARCHAR"]
    select = [quote(PARTITION_COLUMN)] if partitioned else []
    select += columns + [" + ".join(text) or "0"]
    sql = f"select {', '.join(select)} from {quote(table)}"
    conditions = [] if include_private else private_conditions(table, types)
    if conditions:
        sql += " where " + " and ".join(conditions)
    if partitioned:
        order = ["position"] if table == "posts" and "position" in types else ["rowid"]
        sql += f" order by {quote(PARTITION_COLUMN)}, " + ", ".join(order)
    return sql


PRIVATE = ", ".join(f"'{name}'" for name in sorted(PRIVATE_VISIBILITIES))
PRIVATE_POSTS = f"select id from posts where visibility in ({PRIVATE})"
WITHHELD_THREADS = (f"select thread_id from posts where visibility in ({PRIVATE}) "
                    f"and thread_id is not null")


def private_conditions(table: str, types: dict[str, str]) -> list[str]:
    """WHERE conditions that leave out private posts and whatever belongs to them: rows
    about one (by `post_id`) and threads holding one (by `thread_id`, or a thread's `id`)."""
    conditions = []
    if table == "posts":
        conditions.append(f"(visibility is null or visibility not in ({PRIVATE}))")
    if table == "threads":
        conditions.append(f"id not in ({WITHHELD_THREADS})")
    if "post_id" in types:
        conditions.append(f"(post_id is null or post_id not in ({PRIVATE_POSTS}))")
    if "thread_id" in types and table != "posts":
        conditions.append(f"(thread_id is null or thread_id not in ({WITHHELD_THREADS}))")
    return conditions


def withheld_values(table: str) -> dict[str, str]:
    """A public post in a thread that is left out is exported without its thread."""
    if table != "posts":
        return {}
    return {name: f"case when thread_id in ({WITHHELD_THREADS}) then null else {quote(name)} "
                  f"end as {quote(name)}"
            for name in ("thread_id", "thread_index", "thread_marker")}


def file_batches(rows: Iterable[tuple], partitioned: bool,
                 most: int) -> Iterator[tuple[Any, list[tuple]]]:
    """(partition key, rows) for each file: one author's rows only, at most `most` rows or
    CHARS_PER_FILE characters of text. The key and the size are taken off the rows."""
    groups = groupby(rows, key=lambda row: row[0]) if partitioned else [(None, rows)]
    start = 1 if partitioned else 0
    for key, group in groups:
        batch: list[tuple] = []
        chars = 0
        for row in group:
            batch.append(row[start:-1])
            chars += row[-1]
            if len(batch) >= most or chars >= CHARS_PER_FILE:
                yield key, batch
                batch, chars = [], 0
        if batch:
            yield key, batch


def partition_folder(value: Optional[str]) -> str:
    """`author=<value>`, the value escaped as Hive escapes partition folders.

    >>> partition_folder("ada@toot.example")
    'author=ada@toot.example'
    >>> partition_folder("did:plc:a/b=50%")
    'author=did%3Aplc%3Aa%2Fb%3D50%25'
    >>> partition_folder(None)
    'author=__HIVE_DEFAULT_PARTITION__'
    """
    if value is None:
        return f"{PARTITION_COLUMN}={DEFAULT_PARTITION}"
    escaped = "".join(f"%{ord(c):02X}" if c in UNSAFE_IN_FOLDER_NAMES else c for c in value)
    return f"{PARTITION_COLUMN}={escaped}"


def write_parquet(duck, types: dict[str, str], rows: list[tuple], path: Path) -> None:
    """One Parquet file of `rows`, each column cast to its type (so every file of a table
    has the same schema, whatever a batch happens to hold: all NULLs, say)."""
    import numpy

    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(zip(*rows)) if rows else [()] * len(types)
    batch = {name: numpy.array(values, dtype=object) for name, values in zip(types, columns)}
    casts = ", ".join(f"cast({quote(name)} as {kind}) as {quote(name)}"
                      for name, kind in types.items())
    target = str(path).replace("'", "''")
    duck.register("batch", batch)
    try:
        duck.execute(f"copy (select {casts} from batch) to '{target}' (format parquet)")
    finally:
        duck.unregister("batch")


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
