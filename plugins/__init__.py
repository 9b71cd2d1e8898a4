"""feedarchive's Datasette plugin: archive pages (threads, authors, search) over Datasette.

Registered through the `datasette` entry point, so `feedarchive serve` and a bare
`datasette archive.db` both load it. Hook functions must be attributes of this module.
"""
from __future__ import annotations

from datasette import hookimpl

from .pages import thread_page
from feedarchive_db import load_metadata


@hookimpl
def get_metadata(datasette, key, database, table):
    """Titles and table descriptions for every archive database Datasette serves."""
    metadata = load_metadata()
    tables = metadata["tables"]
    return {
        "title": metadata["title"],
        "description": metadata["description"],
        "databases": {
            name: {"tables": tables}
            for name, db in datasette.databases.items()
            if db.path and archive_database_file(db.path)
        },
    }


def archive_database_file(path: str) -> bool:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            names = {row[0] for row in conn.execute("select name from sqlite_master")}
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return {"posts", "threads", "authors"} <= names


@hookimpl
def canned_queries(datasette, database):
    async def inner():
        db = datasette.databases.get(database)
        if db is None or not await db.table_exists("posts"):
            return {}
        return {name: dict(query) for name, query in load_metadata()["queries"].items()}

    return inner


@hookimpl
def register_routes():
    return [
        (r"^/-/thread/(?P<thread_id>[A-Za-z0-9_-]+)(?P<ext>\.json)?$", thread_page),
    ]
