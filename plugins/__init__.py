"""feedarchive's Datasette plugin: archive pages (home, authors, threads, posts, search, feeds)
over Datasette.

Registered through the `datasette` entry point, so `feedarchive serve` and a bare
`datasette archive.db` both load it. Hook functions must be attributes of this module.
"""
from __future__ import annotations

import re
import sqlite3
from functools import lru_cache

from datasette import hookimpl
from markupsafe import Markup

from feedarchive_db import load_metadata

from .pages import author_page, home_page, post_page, search_page, thread_page
from .render import linkify

PLUGIN_NAME = "feedarchive"


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


@lru_cache(maxsize=64)
def archive_database_file(path: str) -> bool:
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
    # Plugin routes are matched before Datasette's own, so `^/$` gives the archive a home page
    # (the handler falls back to Datasette's index when no archive is attached).
    return [
        (r"^/$", home_page),
        (r"^/-/thread/(?P<thread_id>[A-Za-z0-9_-]+)(?P<ext>\.json|\.md)?$", thread_page),
        (r"^/-/author/(?P<handle>[A-Za-z0-9_]+)(?P<ext>\.json|\.atom)?$", author_page),
        (r"^/-/post/(?P<post_id>[A-Za-z0-9_-]+)(?P<ext>\.json)?$", post_page),
        (r"^/-/search(?P<ext>\.json)?$", search_page),
    ]


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "feedarchive.css")]


THREAD_ID = re.compile(r"^t[0-9a-f]{15}$")
TEXT_COLUMNS = {"text", "title", "bio"}


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Archive cells in Datasette's own table and query pages: post text with links (escaped
    first, then wrapped in Markup), thread ids linked to their thread page, handles to their
    author page. Other cells are left to Datasette."""
    if not isinstance(value, str) or table not in (None, "posts", "threads", "authors",
                                                   "thread_candidates", "repairs"):
        return None
    db = datasette.databases.get(database)
    if db is None or not db.path or not archive_database_file(db.path):
        return None
    path = datasette.urls.path
    if column in TEXT_COLUMNS and table != "repairs":
        return Markup('<div class="fa-cell-text">{}</div>').format(linkify(value, path))
    if THREAD_ID.match(value) and (column == "thread_id" or (table in (None, "threads")
                                                             and column == "id")):
        return Markup('<a href="{}">{}</a>').format(path("/-/thread/" + value), value)
    if column in ("author", "handle") and re.fullmatch(r"[A-Za-z0-9_]{1,30}", value):
        return Markup('<a href="{}">@{}</a>').format(path("/-/author/" + value), value)
    return None
