"""What one request may cost the server: how long its SQL runs, how big a value and a result
may be, and how much of a post's text a page carries.

Datasette's own queries (table, row and query pages, `?sql=`) run on connections that the
`prepare_connection` hook bounds: no value longer than VALUE_LIMIT bytes may be read or made
(SQLite's SQLITE_LIMIT_LENGTH: `zeroblob(100000000)` or a stored 200 MB post is an SQL error,
"string or blob too big"), and one query's rows may hold at most RESULT_LIMIT bytes of text and
blobs (`ResultTooLarge`). Either answers 400 (a `?sql=` page shows the error as it shows any
SQL error; a table or row page says what the limits are), never a response of hundreds of
megabytes. Values that large are hostile input: no real post or page comes near 8 MB.

The plugin's own pages read through `run` instead: under Datasette's SQL time limit, with no
value limit (an archive may hold a 200 MB post, and its pages must still answer), and they
never load a post's text whole: `read_text` reads at most a page's share of it through SQLite's
incremental blob I/O, whatever the post's size.
"""
from __future__ import annotations

import codecs
import sqlite3
import threading
import weakref
from functools import partial

from datasette.utils import sqlite_timelimit

VALUE_LIMIT = 8 * 1024 * 1024  # bytes of one value in Datasette's queries
RESULT_LIMIT = 16 * 1024 * 1024  # bytes of text and blobs in one query's rows
TEXT_SHOWN = 100_000  # bytes of a post's text (and raw text) a plugin page carries
UNLIMITED = 2**31 - 1  # SQLite holds it to its own maximum (1 GB by default)

LENGTH = getattr(sqlite3, "SQLITE_LIMIT_LENGTH", 0)


class ResultTooLarge(sqlite3.DataError):
    """A query's rows hold more than RESULT_LIMIT bytes of text and blobs."""


def too_large_message() -> str:
    return (f"The result is too large for this server: a value may be at most "
            f"{VALUE_LIMIT // 2**20} MB and the rows of one query at most "
            f"{RESULT_LIMIT // 2**20} MB of text and blobs. Ask for fewer rows (_size=, "
            f"limit) or fewer columns; a long post's start is shown on its /-/post/ page.")


def is_too_large(exception: BaseException) -> bool:
    """A value past SQLITE_LIMIT_LENGTH (SQLITE_TOOBIG) or a result past RESULT_LIMIT."""
    return isinstance(exception, ResultTooLarge) or (
        isinstance(exception, sqlite3.DataError)
        and getattr(exception, "sqlite_errorname", "") == "SQLITE_TOOBIG")


_results = threading.local()


def budgeted_row(cursor, values):
    """Datasette's sqlite3.Row, counting the bytes of text and blobs each cursor has returned:
    past RESULT_LIMIT the query fails (ResultTooLarge) instead of filling the server's memory
    with up to max_returned_rows values of VALUE_LIMIT bytes each."""
    size = 0
    for value in values:
        if type(value) is str or type(value) is bytes:
            size += len(value)
    state = _results
    current = getattr(state, "cursor", None)
    if current is None or current() is not cursor:
        state.cursor, state.used = weakref.ref(cursor), 0
    state.used += size
    if state.used > RESULT_LIMIT:
        state.used = 0
        raise ResultTooLarge(too_large_message())
    return sqlite3.Row(cursor, values)


def bound_connection(conn) -> None:
    """What the prepare_connection hook does to every connection Datasette opens."""
    if hasattr(conn, "setlimit"):  # Python 3.11+
        conn.setlimit(LENGTH, VALUE_LIMIT)
    conn.row_factory = budgeted_row


def _plugin_read(conn, fn, time_limit_ms):
    previous = conn.setlimit(LENGTH, UNLIMITED) if hasattr(conn, "setlimit") else None
    try:
        with sqlite_timelimit(conn, time_limit_ms):
            return fn(conn)
    finally:
        if previous is not None:
            conn.setlimit(LENGTH, previous)


async def run(db, fn):
    """fn(conn) in Datasette's SQL thread, under its SQL time limit (`sql_time_limit_ms`),
    without the value limit of Datasette's own queries. fn must read bounded amounts: post
    texts through read_text, rows through `fetch`."""
    return await db.execute_fn(partial(_plugin_read, fn=fn,
                                       time_limit_ms=db.ds.setting("sql_time_limit_ms")))


def fetch(conn, sql, params=None) -> list[dict]:
    """Rows as dicts, read without the result budget (the plugin's SQL is its own)."""
    cursor = conn.cursor()
    cursor.row_factory = None
    cursor.execute(sql, params or [])
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


# --------------------------------------------------------------------------- bounded text

def utf8_database(conn) -> bool:
    """Whether texts are stored as UTF-8 (SQLite's default, and open_db's), as blob I/O reads
    them. A pragma read costs microseconds; connections cannot be weakly keyed to cache it."""
    return conn.execute("pragma encoding").fetchone()[0] == "UTF-8"


def read_text(conn, table: str, column: str, rowid: int, limit: int):
    """(text, size): the first `limit` bytes of a stored text, decoded (a character cut at the
    end is left out), and the whole value's size in bytes; (None, 0) for NULL. SQLite's blob
    I/O reads only those bytes, so a 200 MB post costs what 100 KB does."""
    if hasattr(conn, "blobopen") and utf8_database(conn):  # Python 3.11+
        try:
            with conn.blobopen(table, column, rowid, readonly=True) as blob:
                size = len(blob)
                data = blob.read(limit)
        except sqlite3.OperationalError:  # NULL, or a number where text belongs
            pass
        else:
            decoder = codecs.getincrementaldecoder("utf-8")("replace")
            return decoder.decode(data, final=len(data) >= size), size
    row = conn.execute(f"select substr([{column}], 1, ?), length(cast([{column}] as blob)) "
                       f"from [{table}] where rowid = ?", [limit, rowid]).fetchone()
    if row is None or row[0] is None:
        return None, 0
    data = str(row[0]).encode("utf-8")
    return data[:limit].decode("utf-8", "ignore"), row[1]
