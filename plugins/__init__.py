"""feedarchive's Datasette plugin: archive pages (home, authors, threads, posts, search, feeds)
over Datasette.

Registered through the `datasette` entry point, so `feedarchive serve` and a bare
`datasette archive.db` both load it. Hook functions must be attributes of this module.
"""
from __future__ import annotations

import contextvars
import re
import sqlite3
from functools import lru_cache

from datasette import hookimpl
from markupsafe import Markup, escape

from feedarchive.guesses import alternatives_from_json
from feedarchive_db import load_metadata

from . import jinja, limits
from .pages import (author_page, home_page, homepage_page, post_page, post_path, search_page,
                    thread_page)
from .render import alternatives_text, linkify

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
def prepare_connection(conn, database, datasette):
    """Every connection Datasette opens: no value past limits.VALUE_LIMIT bytes and no result
    past limits.RESULT_LIMIT bytes (see limits.py); the plugin's pages read around them."""
    limits.bound_connection(conn)


@hookimpl
def handle_exception(datasette, request, exception):
    """A value or result too large for the server (limits.py) is the request's fault, said
    plainly with status 400, as Datasette says an SQL error or time-out; not a 500."""
    from datasette.handle_exception import handle_exception as datasette_default
    from datasette.views.base import DatasetteError

    if isinstance(exception, DatasetteError) and exception.status == 500:
        # Datasette 0.65 leaves at its default status 500 only errors in a request's own
        # arguments (`_sort` by a column a table cannot sort by, `_sort` with `_sort_desc`, a
        # bad `_through`): found by tests/test_fuzz_more.py, `/archive/posts?_sort=nope` was a
        # 500. They are the request's fault: a 400, with Datasette's own message.
        return datasette_default(datasette, request, DatasetteError(
            exception.message, title=exception.title, error_dict=exception.error_dict,
            status=400, message_is_html=exception.message_is_html))
    if not limits.is_too_large(exception):
        return None
    return datasette_default(datasette, request, DatasetteError(
        limits.too_large_message(), title="Result too large", status=400))


@hookimpl
def register_routes():
    # Plugin routes are matched before Datasette's own, so `^/$` gives the archive a home page
    # (the handler falls back to Datasette's index when no archive is attached).
    return [
        (r"^/$", home_page),
        (r"^/-/thread/(?P<thread_id>[A-Za-z0-9_-]+)(?P<ext>\.json|\.md|\.atom)?$", thread_page),
        # Handles and post ids are whatever the platform uses: `user@host`, `did:plc:…`,
        # `x:123`, `mastodon:https://host/users/u/statuses/1`, `bluesky:at://…`.
        (r"^/-/author/(?P<handle>[^/]+?)(?P<ext>\.json|\.atom)?$", author_page),
        (r"^/-/post/(?P<post_id>.+?)(?P<ext>\.json)?$", post_page),
        (r"^/-/search(?P<ext>\.json|\.atom)?$", search_page),
        (r"^/-/page/(?P<page_id>[^/]+?)(?P<ext>\.json)?$", homepage_page),
    ]


@hookimpl
def prepare_jinja2_environment(env, datasette):
    """The templates' helpers (jinja.py): counts said as words, titles cut at a word."""
    jinja.add_helpers(env)


@hookimpl
def extra_css_urls(datasette):
    return [datasette.urls.static_plugins(PLUGIN_NAME, "feedarchive.css")]


THREAD_ID = re.compile(r"^t[0-9a-f]{15}$")
TEXT_COLUMNS = {"text", "title", "bio"}
# Datasette's row page (`/db/table/pk`): it shows whole cells, where table and query pages cut
# them at `truncate_cells_html`.
ROW_PATH = re.compile(r"^/[^/.]+/[^/]+?/[^/]+?(\.\w+)?$")
ROW_PAGE: contextvars.ContextVar[bool] = contextvars.ContextVar("feedarchive_row_page",
                                                                default=False)


def cell_limit(datasette) -> int:
    """Characters of a text cell shown: Datasette's `truncate_cells_html` on table and query
    pages, as it cuts every other cell; on a row page (and when that setting is 0) at most
    TEXT_SHOWN, as the archive's own post pages."""
    truncate = 0 if ROW_PAGE.get() else datasette.setting("truncate_cells_html") or 0
    return min(truncate, limits.TEXT_SHOWN) if truncate else limits.TEXT_SHOWN


@hookimpl
def render_cell(row, value, column, table, database, datasette):
    """Archive cells in Datasette's own table and query pages: post text with links (escaped
    first, then wrapped in Markup), thread ids linked to their thread page, handles to their
    author page, a query's post ids to their post page, a repair's alternatives as a line
    (`😂 62% · 📰 21%`); any text longer than `cell_limit` cut there. Other cells are left to
    Datasette."""
    if not isinstance(value, str):
        return None
    db = datasette.databases.get(database)
    if db is None or not db.path or not archive_database_file(db.path):
        return None
    limit = cell_limit(datasette)
    path = datasette.urls.path
    if column in TEXT_COLUMNS and table in (None, "posts", "threads", "authors",
                                            "thread_candidates"):
        if len(value) > limit:  # Datasette's own cut, which a plugin's cell bypasses
            return Markup('<div class="fa-cell-text">{}\u2026</div>').format(
                linkify(value[:limit], path))
        return Markup('<div class="fa-cell-text">{}</div>').format(linkify(value, path))
    if len(value) > limit:  # cut on row pages too, where Datasette shows a cell whole
        return Markup("{}\u2026").format(value[:limit])
    if table not in (None, "posts", "threads", "authors", "thread_candidates", "repairs"):
        return None
    if THREAD_ID.match(value) and (column == "thread_id" or (table in (None, "threads")
                                                             and column == "id")):
        return Markup('<a href="{}">{}</a>').format(path("/-/thread/" + value), value)
    if column in ("author", "handle") and re.fullmatch(r"[A-Za-z0-9_]{1,30}", value):
        return Markup('<a href="{}">@{}</a>').format(path("/-/author/" + value), value)
    if column == "post_id" and table is None:  # a query's post: its page (a table's: its row)
        return Markup('<a href="{}">{}</a>').format(post_path(datasette, value), value)
    if column == "alternatives" and alternatives_from_json(value):
        return escape(alternatives_text(alternatives_from_json(value)))
    return None


# --------------------------------------------------------------------------- table search

# Datasette's own `?_search=` on the posts table runs `rowid in (select rowid from posts_fts
# where posts_fts match ...)`: SQLite builds the whole list of matches, sorts it all by the
# table's order (`position`) before the first row, and Datasette then counts it all (940k rows
# for a common word: seconds). The wrapper below keeps Datasette's own search for words with at
# most COUNTED_MATCHES matches; above that it skips the count (`_nocount=1`) and hands the
# search to our filter, which walks the table in its order and stops after the page's rows:
# - `_fa_listed` (up to a common word): the list of matches is built once and each row walked
#   is looked up in it (`+rowid in (...)`: the `+` keeps SQLite from sorting the list instead);
# - `_fa_search` (a common word): each row walked is tested against the full-text index, which
#   costs nothing like building a list of most of the table.
# A word is common when it matches COMMON_SHARE of the posts.
#
# Why a wrapper and not a hook: Datasette 0.65's `filters_from_request` hook can add a WHERE
# clause (ours does: `filters_from_request` below), but it cannot take `_search` away from the
# table view, which would still add its own full-text clause and count every match. Only the
# query string the view reads decides that, so the wrapper rewrites it before the view runs:
# for the posts table of an archive, a non-blank `_search` without `_searchmode`, `_fts_table`
# or `_fts_pk`, of a word with more than COUNTED_MATCHES matches. Anything else passes as sent
# (tests/test_table_search_edges.py).
COUNTED_MATCHES = 10_000
COMMON_SHARE = 0.1
SAMPLE_ROWS = 20_000
TABLE_PATH = re.compile(r"^/(?P<database>[^/]+)/posts(?P<ext>\.json)?$")


@hookimpl
def asgi_wrapper(datasette):
    def wrap(app):
        async def wrapped(scope, receive, send):
            if scope.get("type") == "http":
                refusal = refuse_request(datasette, scope)
                if refusal is not None:
                    await refusal.asgi_send(send)
                    return
                scope = await rewrite_common_search(datasette, scope)
                path = scope.get("path", "")
                ROW_PAGE.set(bool(ROW_PATH.match(path)) and not path.startswith("/-/"))
            await app(scope, receive, send)

        return wrapped

    return wrap


# --------------------------------------------------------------------------- request guard

# The archive is served read-only, to this machine unless `serve --host` says otherwise. A
# page named by another Host could be a DNS-rebinding page reading the archive through the
# user's browser; and every page's links (Atom feeds, permalinks) are built from the Host.
LOCAL_HOSTS = frozenset(("127.0.0.1", "localhost", "::1"))
ANY_ADDRESS = frozenset(("0.0.0.0", "::", "*"))


def allowed_hosts(datasette) -> frozenset[str]:
    """The names a request may address the server by: this machine's, and what `serve
    --host` added (`allowed_hosts` in the plugin's configuration); an address that listens
    everywhere (`0.0.0.0`) allows every name."""
    config = datasette.plugin_config(PLUGIN_NAME) or {}
    return LOCAL_HOSTS | {str(host).lower() for host in config.get("allowed_hosts") or ()}


def request_host(scope) -> str:
    """The Host header's name, without its port (`[::1]:8001` → `::1`)."""
    host = next((value.decode("latin-1") for key, value in scope.get("headers") or ()
                 if key == b"host"), "")
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host[1:]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def refuse_request(datasette, scope):
    """A 4xx response for a request the server does not serve, else None: a method other than
    GET and HEAD (405: nothing here changes the archive), or a Host it is not known by (421)."""
    from datasette.utils.asgi import Response

    if scope.get("method") not in ("GET", "HEAD"):
        response = Response.text("405 Method Not Allowed: this archive is served read-only "
                                 "(GET and HEAD only)", status=405)
        response.headers["Allow"] = "GET, HEAD"
        return response
    hosts = allowed_hosts(datasette)
    if not hosts & ANY_ADDRESS and request_host(scope) not in hosts:
        return Response.text("421 Misdirected Request: this server answers to "
                             + ", ".join(sorted(hosts)) + " (serve --host adds a name)",
                             status=421)
    return None


async def rewrite_common_search(datasette, scope):
    from urllib.parse import parse_qsl, urlencode

    route = TABLE_PATH.match(scope.get("path", ""))
    if not route:
        return scope
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    keys = {k for k, _ in args}
    search = next((v for k, v in args if k == "_search"), "")
    if not search.strip() or keys & {"_searchmode", "_fts_table", "_fts_pk"}:
        return scope
    db = datasette.databases.get(route["database"])
    if db is None or not db.path or not archive_database_file(db.path):
        return scope
    try:
        walk = await table_search_walk(db, search)
    except Exception:
        return scope
    if walk is None:
        return scope
    if "_nocount" not in keys:
        args.append(("_nocount", "1"))
    args = [(walk if k == "_search" else k, v) for k, v in args]
    # The table's default order (`position`) has no index of its own unless the archive has
    # one: then list the matches in primary-key order, which the walk can follow.
    if not keys & {"_sort", "_sort_desc"} and not (await db.execute(
            "select 1 from pragma_index_list('posts') l, pragma_index_info(l.name) i "
            "where i.seqno = 0 and i.name = 'position'")).first():
        args.append(("_sort", "id"))
    return {**scope, "query_string": urlencode(args).encode("latin-1")}


# Counting a word's matches costs ~10 ms on a million posts, each time the word is searched
# or its results paged. The answer only changes with the archive, so it is kept per database
# file, word and newest post (an import adds posts). A stale answer returns the same rows:
# it could only take a slower way or leave out the count.
SEARCH_WALKS: dict[tuple[str, str, int], str | None] = {}
REMEMBERED_WALKS = 1024


async def table_search_walk(db, search: str) -> str | None:
    """How to serve `?_search=` for this word: None for Datasette's own search (up to
    COUNTED_MATCHES matches), else the filter that walks the table (`_fa_search` for a
    common word, `_fa_listed` for the rest)."""
    newest = (await db.execute("select max(rowid) from posts")).first()[0] or 0
    key = (db.path, search, newest)
    if key not in SEARCH_WALKS:
        if len(SEARCH_WALKS) >= REMEMBERED_WALKS:
            SEARCH_WALKS.clear()
        SEARCH_WALKS[key] = await _count_and_choose_walk(db, search)
    return SEARCH_WALKS[key]


async def _count_and_choose_walk(db, search: str) -> str | None:
    n = (await db.execute(
        "select count(*) from (select 1 from posts_fts where posts_fts match "
        "escape_fts(:q) limit :n)", {"q": search, "n": COUNTED_MATCHES + 1})).first()[0]
    if n <= COUNTED_MATCHES:
        return None
    # The word's share of the posts, from the first SAMPLE_ROWS of them: counting all its
    # matches would cost what the walk saves.
    matched, rows = (await db.execute(
        "select count(*), (select count(*) from posts where rowid <= :k) from posts_fts "
        "where posts_fts match escape_fts(:q) and rowid <= :k",
        {"q": search, "k": SAMPLE_ROWS})).first()
    return "_fa_search" if rows and matched >= COMMON_SHARE * rows else "_fa_listed"


@hookimpl(trylast=True)
def filters_from_request(request, database, table, datasette):
    from datasette.filters import FilterArguments

    listed, search = request.args.get("_fa_listed"), request.args.get("_fa_search")
    if table != "posts" or not (listed or search):
        return None
    db = datasette.databases.get(database)
    if db is None or not db.path or not archive_database_file(db.path):
        return None
    if listed:
        where = "+posts.rowid in (select rowid from posts_fts where posts_fts match escape_fts(:fa_search))"
    else:
        where = ("exists (select 1 from posts_fts where posts_fts match escape_fts(:fa_search) "
                 "and posts_fts.rowid = posts.rowid)")
    search = listed or search
    return FilterArguments(
        [where],
        {"fa_search": search},
        [f'search matches "{search}"'],
        {"search": search, "supports_search": True},
    )
