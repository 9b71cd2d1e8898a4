"""Route handlers for the archive pages; each reads with Datasette's own database API.

Pages: `/` (home), `/-/author/<handle>` (+ `.json`, `.atom`), `/-/thread/<id>` (+ `.json`,
`.md`), `/-/post/<id>` (+ `.json`), `/-/search` (+ `.json`). All are GET-only and read-only.

Over 500 lines: one short function per page route (home, author, thread, post, page, search,
feeds) and the queries they share; split by route, the shared queries would be imported back
and forth.
"""
from __future__ import annotations

import functools
import json
import os
import re
import secrets
import xml.etree.ElementTree as ET
from functools import partial
from urllib.parse import quote, unquote, urlencode, urlsplit

from datasette.tracer import trace
from datasette.utils.asgi import NotFound, Response
from markupsafe import Markup

from feedarchive import unroll
from feedarchive.guesses import Guess, alternatives_from_json, guesses_of_text
from feedarchive.models import Repair
from feedarchive.titles import cut_title
from feedarchive.textindex import index_queries, split_query
from feedarchive_db import load_metadata

from . import limits
from .limits import fetch, read_text, run
from .render import bar_chart, count_text, linkify, timeline_chart
from .snippets import query_terms, result_snippet

TIMELINE_PAGE = 50
SEARCH_PAGE = 20
MAX_SEARCH_PAGE = 1_000_000  # past any archive's matches, and its offset fits an SQLite integer
CHART_BUCKETS = 80
RECENT_THREADS = 12
HOME_PAGES = 50  # homepages listed on the home page


# --------------------------------------------------------------------------- data access

async def archive_database(datasette):
    """The first attached database that holds a feedarchive schema."""
    db = await find_archive_database(datasette)
    if db is None:
        raise NotFound("No feedarchive database is attached")
    return db


async def find_archive_database(datasette):
    for db in datasette.databases.values():
        if not db.is_memory and await db.table_exists("posts") and await db.table_exists("threads"):
            return db
    return None


async def rows(db, sql, params=None) -> list[dict]:
    """The rows of one of the plugin's queries, run under Datasette's SQL time limit."""
    with trace("sql", database=db.name, sql=sql.strip(), params=params):
        return await run(db, partial(fetch, sql=sql, params=params))


# A post's text and raw text are never selected with the rest of its row: a page reads at most
# limits.TEXT_SHOWN bytes of each (read_texts), however long the post is, and a page of many
# posts at most PAGE_TEXT bytes of them all (past that, PAGE_TEXT_LEFT of each post). Linked,
# the HTML of a text is a few times its size: the most a page can weigh is a few megabytes.
POST_TEXTS = ("text", "text_raw")
PAGE_TEXT = 1_000_000
PAGE_TEXT_LEFT = 2_000


async def post_columns(db, alias: str = "") -> str:
    """`select` columns for whole posts rows: every column in the table's order, the texts as
    NULL (filled in by read_texts), and the rowid as `_rowid`."""
    prefix = f"{alias}." if alias else ""
    return ", ".join([f"null as [{c}]" if c in POST_TEXTS else f"{prefix}[{c}]"
                      for c in await db.table_columns("posts")] + [f"{prefix}rowid as _rowid"])


def read_texts(conn, posts: list[dict], limit: int | None = None, page: int | None = PAGE_TEXT,
               table: str = "posts") -> None:
    """Fill in each post's text and raw text: at most `limit` bytes of each (TEXT_SHOWN by
    default), and once the page's posts have `page` bytes, at most PAGE_TEXT_LEFT. A post
    cut short gets `truncated`: {column: its whole size in bytes}."""
    limit = limits.TEXT_SHOWN if limit is None else limit
    left = page
    for p in posts:
        rowid = p.pop("_rowid", None)
        if rowid is None:
            continue
        for column in POST_TEXTS:
            if column not in p:
                continue
            share = limit if left is None else min(limit, max(left, PAGE_TEXT_LEFT))
            p[column], size = read_text(conn, table, column, rowid, share)
            if size > share:
                p.setdefault("truncated", {})[column] = size
            if left is not None:
                left -= min(size, share)


def file_signature(path) -> tuple:
    """Changes whenever the database (or its write-ahead log) is written: the files' times and
    sizes, and the counters SQLite keeps of commits, which change even when two writes fall in
    one tick of the file clock and leave the log as long as it was (an import's last commit
    could then leave a page's counts from before it): the WAL index's header (the first 48
    bytes of `-shm`: a change counter, the last frame, salts and checksums) and, without a
    log, the database header's file change counter (bytes 24-27)."""
    sig = []
    for name in (path, f"{path}-wal"):
        try:
            st = os.stat(name)
            sig.append((st.st_mtime_ns, st.st_size))
        except OSError:
            sig.append(None)
    for name, start, size in ((f"{path}-shm", 0, 48), (path, 24, 4)):
        try:
            with open(name, "rb") as file:
                file.seek(start)
                sig.append(file.read(size))
        except OSError:
            sig.append(None)
    return tuple(sig)


_cache: dict = {}


async def cached(db, key: str, compute):
    """Aggregates over whole tables, computed once per change of the database file: pages stay
    fast on big archives without counting every post on every request."""
    signature = file_signature(db.path) if db.path else None
    entry = _cache.get((db.path, key))
    if signature is not None and entry and entry[0] == signature:
        return entry[1]
    value = await compute()
    _cache[(db.path, key)] = (signature, value)
    return value


async def author_counts(db) -> dict:
    async def compute():
        posts = {r["author"]: r["n"] for r in await rows(
            db, "select author, count(*) as n from posts group by author")}
        threads = {r["author"]: r["n"] for r in await rows(
            db, "select author, count(*) as n from threads group by author")}
        return {"posts": posts, "threads": threads}

    return await cached(db, "author_counts", compute)


# Posts a platform did not make public reach the archive only with `--include-private`, and
# then every page says so, beside the post.
PRIVATE_LABELS = {"followers": "followers-only", "direct": "direct message"}


async def decorate_posts(datasette, db, posts: list[dict], text_limit: int | None = None
                         ) -> list[dict]:
    """Add what every rendered post needs: its text (bounded: see read_texts; `text_limit`
    bytes of a post alone on its page), linked HTML, its repairs, its count history and, for
    thread parts, `k/n` of the thread."""
    if not posts:
        return posts
    await run(db, partial(read_texts, posts=posts, limit=text_limit,
                          page=None if text_limit else PAGE_TEXT))
    ids = [p["id"] for p in posts]
    marks = ",".join("?" * len(ids))
    repairs: dict[str, list] = {}
    alternatives = "alternatives" if "alternatives" in await db.table_columns("repairs") \
        else "null as alternatives"  # an archive made before them, served as it is
    for r in await rows(db, f"select post_id, source_id, field, kind, before, after, "
                            f"confidence, start, \"end\", {alternatives} from repairs "
                            f"where post_id in ({marks}) order by post_id, start", ids):
        r["alternatives"] = [{"text": text, "p": p}
                             for text, p in alternatives_from_json(r["alternatives"])]
        repairs.setdefault(r["post_id"], []).append(r)
    history: dict[str, list] = {}
    for r in await rows(db, f"select e.post_id, e.source_id, e.replies, e.reposts, e.likes, "
                            f"e.observed_at, e.captured_at, s.path from engagement e "
                            f"left join sources s on s.id = e.source_id "
                            f"where e.post_id in ({marks}) "
                            f"order by e.post_id, e.captured_at, e.source_id", ids):
        r["source_name"] = os.path.basename(r.pop("path") or "") or f"source {r['source_id']}"
        history.setdefault(r["post_id"], []).append(r)
    media: dict[str, list] = {}
    for r in await rows(db, f"select post_id, kind, url, blob, alt, width, height, preview_url "
                            f"from media where post_id in ({marks}) order by post_id, position",
                        ids):
        media.setdefault(r.pop("post_id"), []).append(r)
    thread_ids = sorted({p["thread_id"] for p in posts if p.get("thread_id")})
    totals = {}
    if thread_ids:
        tmarks = ",".join("?" * len(thread_ids))
        totals = {r["id"]: r for r in await rows(
            db, f"select id, declared_total, found from threads where id in ({tmarks})",
            thread_ids)}
    for p in posts:
        p["path"] = post_path(datasette, p["id"])
        p["author_path"] = author_path(datasette, p["author"])
        p["original"] = original_link(p.get("url"))
        p["repairs"] = repairs.get(p["id"], [])
        p["html"] = linkify(p.get("text"), datasette.urls.path, text_guesses(p))
        if p.get("truncated", {}).get("text"):
            p["truncated_html"] = truncated_html(datasette, p)
        p["history"] = history.get(p["id"], [])
        p["media"] = media.get(p["id"], [])
        p["private_label"] = PRIVATE_LABELS.get(p.get("visibility"))
        if p.get("thread_id") in totals:
            t = totals[p["thread_id"]]
            p["thread_n"] = t["declared_total"] or t["found"]
    return posts


def text_guesses(post: dict) -> list[Guess]:
    """The guessed characters to mark in a post's text, from its `repairs` rows (each source
    that showed the post recorded its own: see `guesses.guesses_of_text`)."""
    by_source: dict = {}
    for r in post["repairs"]:
        # Rows as the import wrote them; an archive is a file anyone can edit.
        if r["field"] != "text" or not isinstance(r["start"], int) \
                or not isinstance(r["before"], str) or not isinstance(r["after"], str) \
                or not isinstance(r["confidence"], (int, float)):
            continue
        by_source.setdefault(r["source_id"], []).append(Repair(
            r["field"], r["start"], r["end"], r["kind"], r["before"], r["after"],
            r["confidence"], None, [(a["text"], a["p"]) for a in r["alternatives"]]))
    return guesses_of_text(post.get("text") or "", by_source, post.get("source_id"))


# -- paths ----------------------------------------------------------------------------------
# Ids and handles are written into paths percent-encoded, past what a path may hold as it is
# (`?`, `#`, `%`, spaces, anything not ASCII): a Mastodon id is a URL, a Bluesky id an `at://`
# URI. Datasette routes on the path as sent, so each page decodes what its route caught.
PATH_SAFE = ":/@!$&'()*+,;=-._~"


def post_path(datasette, post_id: str, ext: str = "") -> str:
    return datasette.urls.path("/-/post/" + quote(post_id, safe=PATH_SAFE) + ext)


def author_path(datasette, handle: str, ext: str = "") -> str:
    return datasette.urls.path("/-/author/" + quote(handle, safe=PATH_SAFE) + ext)


def url_var(request, name: str) -> str:
    return unquote(request.url_vars[name])


# Where a post can be seen on its platform, from the host of its URL.
PLATFORM_NAMES = {"x.com": "X", "twitter.com": "X", "bsky.app": "Bluesky"}


def original_link(url) -> dict | None:
    """{"url", "label"} for a post's own URL (`posts.url`), shown as "on X", "on Bluesky" or
    "on <host>" (a Mastodon server); None when the source gave none (a timeline scrape)."""
    if not isinstance(url, str) or not re.match(r"https?://[^\s/]+", url):
        return None
    host = (urlsplit(url).hostname or "").removeprefix("www.").removeprefix("mobile.")
    return {"url": url, "label": "on " + PLATFORM_NAMES.get(host, host)}


def truncated_html(datasette, post: dict) -> Markup:
    """What a page says under a post whose text it cut short, with a link to the whole text
    (the post's JSON carries up to limits.VALUE_LIMIT bytes)."""
    size, most = post["truncated"]["text"], limits.VALUE_LIMIT
    whole = "The whole text" if size <= most else f"Its first {most:,} bytes"
    return Markup('Text truncated: the first {shown:,} of {size:,} bytes are shown. {whole} '
                  '{verb} in <a href="{url}">the post\'s JSON</a>.').format(
        shown=len((post.get("text") or "").encode("utf-8")), size=size, whole=whole,
        verb="is" if size <= most else "are",
        url=post_path(datasette, post["id"], ".json"))


def json_posts(posts: list[dict]) -> list[dict]:
    return [{k: v for k, v in p.items() if k not in ("html", "truncated_html")} for p in posts]


def html(datasette, request, template, context):
    async def render():
        return Response.html(await datasette.render_template(template, context, request=request))

    return render()


def nav_context(datasette, db) -> dict:
    queries = load_metadata()["queries"]
    return {
        "database": db.name,
        "db_url": datasette.urls.database(db.name),
        "search_url": datasette.urls.path("/-/search"),
        "home_url": datasette.urls.path("/"),
        "canned": [
            {"name": name, "title": q.get("title", name),
             "url": datasette.urls.query(db.name, name)}
            for name, q in queries.items()
        ],
    }


def read_only(handler):
    """Pages answer GET and HEAD only: nothing here writes, uploads or runs SQL from a form."""
    @functools.wraps(handler)
    async def wrapper(datasette, request):
        if request.method not in ("GET", "HEAD"):
            return Response.text("Method not allowed: this archive is read-only", status=405,
                                 headers={"allow": "GET, HEAD"})
        return await handler(datasette, request)

    return wrapper


# --------------------------------------------------------------------------- home

@read_only
async def home_page(datasette, request):
    db = await find_archive_database(datasette)
    if db is None:  # no archive attached: Datasette's own index
        from datasette.views.index import IndexView

        request.scope["url_route"] = {"kwargs": {"format": None}}
        return await IndexView(datasette).get(request)
    counts = await author_counts(db)
    authors = await rows(db, "select handle, name, bio, followers, following, statuses "
                             "from authors order by followers desc, handle")
    for a in authors:
        a["path"] = author_path(datasette, a["handle"])
        a["posts"] = counts["posts"].get(a["handle"], 0)
        a["threads"] = counts["threads"].get(a["handle"], 0)
    authors = [a for a in authors if a["posts"] or a["threads"]]
    recent = await rows(db, "select id, author, title, declared_total, found, complete, likes, "
                            "missing from threads order by position, likes desc limit ?",
                        [RECENT_THREADS])
    for t in recent:
        t["missing"] = json.loads(t["missing"] or "[]")
    homepages = []
    if await db.table_exists("pages"):
        for page in await rows(db, f"select {PAGE_COLUMNS} from pages order by author, id "
                                   f"limit ?", [HOME_PAGES]):
            homepages.append(await listed_page(datasette, db, page))
    context = {**nav_context(datasette, db), "authors": authors, "recent_threads": recent,
               "homepages": homepages,
               "title": load_metadata().get("title", "feedarchive")}
    return await html(datasette, request, "feedarchive_home.html", context)


# --------------------------------------------------------------------------- author

def int_arg(request, name: str, default: int, low: int, high: int) -> int:
    """A whole-number query argument held within [low, high]: anything else (`x`, a number
    past SQLite's integers) is the default or the nearest bound, never an error page."""
    try:
        value = int(request.args.get(name, default))
    except ValueError:
        return default
    return min(max(value, low), high)


async def current_handle(db, handle: str):
    """The handle a renamed account goes by now, when `handle` (no author of the archive) is
    one it had before: links in old posts and bookmarks keep working. None otherwise."""
    found = await rows(
        db, "select a.handle from author_handles h join authors a on a.native_id = h.native_id "
            "where h.handle = ? limit 1", [handle])
    return found[0]["handle"] if found else None


async def load_author(db, handle: str) -> dict:
    found = await rows(db, "select * from authors where handle = ?", [handle])
    if not found:
        raise NotFound(f"No author @{handle} in the archive")
    return found[0]


async def timeline_points(db, handle: str, total: int) -> list[dict]:
    """Likes and reposts per bucket of timeline positions (newest first), for the chart."""
    async def compute():
        size = max(1, -(-total // CHART_BUCKETS))
        # Buckets of ranks, not of positions: positions have gaps (`feedarchive.placing`).
        return await rows(
            db, "select min(position) as first, max(position) as last, count(*) as posts, "
                "cast(round(avg(likes)) as integer) as likes, "
                "cast(round(avg(reposts)) as integer) as reposts from ("
                "select position, likes, reposts, "
                "(row_number() over (order by position) - 1) / ? as bucket "
                "from posts where author = ?) group by bucket order by first",
            [size, handle])

    return await cached(db, f"chart:{handle}", compute)


async def author_threads(db, handle: str) -> list[dict]:
    """All of an author's threads, newest first (thousands on a big archive): read once per
    database change."""
    async def compute():
        threads = await rows(
            db, "select id, title, declared_total, found, complete, likes, reposts, replies, "
                "missing, confidence from threads where author = ? order by position", [handle])
        for t in threads:
            t["missing"] = json.loads(t["missing"] or "[]")
        return threads

    return await cached(db, f"threads:{handle}", compute)


async def author_threads_html(datasette, db, handle: str, threads: list[dict]) -> Markup:
    """The page's thread list, rendered once per database change: rendering thousands of list
    items on every request dominated the author page."""
    async def compute():
        template = datasette.jinja_env.get_template("feedarchive_author_threads.html")
        return Markup(await template.render_async({"threads": threads, "urls": datasette.urls}))

    return await cached(db, f"threads_html:{handle}:{datasette.urls.path('/')}", compute)


@read_only
async def author_page(datasette, request):
    db = await archive_database(datasette)
    handle = url_var(request, "handle")
    ext = request.url_vars.get("ext")
    try:
        author = await load_author(db, handle)
    except NotFound:
        renamed = await current_handle(db, handle)
        if renamed is None:
            raise
        target = author_path(datasette, renamed, ext or "")
        query = request.query_string
        return Response.redirect(target + (f"?{query}" if query else ""), status=301)
    if ext == ".atom":
        return await author_feed(datasette, request, db, author)
    counts = await author_counts(db)
    n_posts = counts["posts"].get(handle, 0)
    # Pages are cut by position, which is sparse and may be negative (`feedarchive.placing`).
    ends = (await rows(db, "select min(position) as top, max(position) as bottom from posts "
                           "where author = ?", [handle]))[0]
    top = ends["top"] or 0
    # Past the oldest post, the page starts at it: a hand-made `from` never shows nothing.
    start = int_arg(request, "from", top, top, max(top, ends["bottom"] or 0))
    timeline = await rows(
        db, f"select {await post_columns(db)} from posts where author = ? and position >= ? "
            f"order by position limit ?", [handle, start, TIMELINE_PAGE + 1])
    older = timeline[TIMELINE_PAGE]["position"] if len(timeline) > TIMELINE_PAGE else None
    timeline = await decorate_posts(datasette, db, timeline[:TIMELINE_PAGE])
    newer = None
    if start > top:
        back = await rows(db, "select position from posts where author = ? and position < ? "
                              "order by position desc limit 1 offset ?",
                          [handle, start, TIMELINE_PAGE - 1])
        newer = back[0]["position"] if back else top
    history = await rows(
        db, "select h.observed_at, h.followers, h.following, h.media, h.statuses, h.source_id, "
            "s.path from profile_history h left join sources s on s.id = h.source_id "
            "where h.handle = ? order by h.observed_at, h.source_id", [handle])
    previous = None
    for h in history:
        h["source_name"] = os.path.basename(h.pop("path") or "") or f"source {h['source_id']}"
        h["delta"] = {k: (h[k] - previous[k]) if previous and h[k] is not None
                      and previous[k] is not None else None
                      for k in ("followers", "following", "media", "statuses")}
        previous = h
    threads = await author_threads(db, handle)
    base = author_path(datasette, handle)
    homepages = await author_homepages(datasette, db, handle)
    data = {"author": author, "homepages": homepages, "posts_in_archive": n_posts, "threads": threads,
            "profile_history": history, "timeline": json_posts(timeline),
            "from": start, "older_from": older, "newer_from": newer}
    if ext == ".json":
        return Response.json(data, default=str)
    points = await timeline_points(db, handle, n_posts)
    context = {
        **nav_context(datasette, db), **data, "timeline": timeline,
        "bio_html": linkify(author.get("bio"), datasette.urls.path),
        "website_url": website_url(author.get("website")),
        "chart": timeline_chart(points),
        "threads_html": await author_threads_html(datasette, db, handle, threads),
        "older_url": f"{base}?from={older}" if older is not None else None,
        "newer_url": (f"{base}?from={newer}" if newer != top else base)
        if newer is not None else None,
        "feed_url": f"{base}.atom", "json_url": f"{base}.json",
        "table_url": datasette.urls.table(db.name, "posts") + "?" + urlencode(
            {"author": handle, "_sort": "position"}),
    }
    return await html(datasette, request, "feedarchive_author.html", context)


def website_url(website):
    if not website:
        return None
    if re.match(r"https?://\S+$", website):
        return website
    if re.match(r"[\w-]+(\.[\w-]+)+(/\S*)?$", website):
        return "https://" + website
    return None


# --------------------------------------------------------------------------- Atom feed

_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value) -> str:
    return _XML_BAD.sub("\ufffd", "" if value is None else str(value))


# The columns a feed entry needs; the text is read bounded (read_texts).
FEED_COLUMNS = ("p.id, null as text, p.author, p.likes, p.reposts, p.replies, p.thread_id, "
                "p.thread_index, p.visibility, p.created_at, p.url, s.imported_at, "
                "p.rowid as _rowid")
FEED_FROM = "from posts p left join sources s on s.id = p.source_id"
FEED_ENTRIES = 50
EPOCH = "1970-01-01T00:00:00+00:00"


async def feed_posts(db, where: str, params: list, order: str) -> list[dict]:
    posts = await rows(db, f"select {FEED_COLUMNS} {FEED_FROM} where {where} order by {order} "
                           f"limit {FEED_ENTRIES}", params)
    await run(db, partial(read_texts, posts=posts))
    return posts


def atom_feed(datasette, request, *, title: str, path: str, posts: list[dict],
              subtitle: str | None = None, author: str | None = None,
              extra: list[dict] | None = None) -> Response:
    """An Atom feed of `posts` (and `extra` entries {"id", "title", "url", "html",
    "updated"}: homepages in a search's feed) for the page at `path`. An entry is `updated`
    at its post's own time where the source gave one, else when it was imported."""
    atom = "http://www.w3.org/2005/Atom"
    ET.register_namespace("", atom)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{atom}}}{tag}", {k: xml_text(v) for k, v in attrs.items()})
        if text is not None:
            el.text = xml_text(text)
        return el

    def absolute(site_path: str) -> str:
        return datasette.absolute_url(request, site_path)

    page_url = absolute(path)
    query = request.query_string
    entries = []
    for p in posts:
        body = str(linkify(p["text"], lambda link: absolute(datasette.urls.path(link))))
        if p.get("truncated"):
            body += f"… <em>({truncation_note(p['truncated']['text'])})</em>"
        counts = (f"<p>{count_text(p['likes'], 'like')} · {count_text(p['reposts'], 'repost')}"
                  f" · {count_text(p['replies'], 'reply', 'replies')}</p>")
        label = PRIVATE_LABELS.get(p["visibility"])
        entries.append({
            "id": absolute(post_path(datasette, p["id"])),
            "title": (f"[{label}] " if label else "") + first_line(p["text"], 100),
            "url": absolute(post_path(datasette, p["id"])),
            "original": original_link(p.get("url")),
            "html": f'<p style="white-space:pre-wrap">{body}</p>{counts}',
            "updated": p.get("created_at") or p.get("imported_at") or EPOCH,
            "author": p.get("author"),
        })
    entries += extra or []
    feed = ET.Element(f"{{{atom}}}feed")
    sub(feed, "title", title)
    sub(feed, "id", page_url + (f"?{query}" if query else ""))
    sub(feed, "link", href=page_url + (f"?{query}" if query else ""), rel="alternate",
        type="text/html")
    sub(feed, "link", href=absolute(request.path) + (f"?{query}" if query else ""), rel="self",
        type="application/atom+xml")
    sub(feed, "updated", max((e["updated"] for e in entries), default=EPOCH))
    if author:
        sub(sub(feed, "author"), "name", author)
    if subtitle:
        sub(feed, "subtitle", subtitle)
    for e in entries:
        entry = sub(feed, "entry")
        sub(entry, "title", e["title"])
        sub(entry, "id", e["id"])
        sub(entry, "link", href=e["url"], rel="alternate", type="text/html")
        if e.get("original"):
            sub(entry, "link", href=e["original"]["url"], rel="related", type="text/html")
        sub(entry, "updated", e["updated"])
        if not author and e.get("author"):
            sub(sub(entry, "author"), "name", "@" + e["author"])
        sub(entry, "content", e["html"], type="html")
    xml = ET.tostring(feed, encoding="unicode", xml_declaration=False)
    return Response('<?xml version="1.0" encoding="utf-8"?>\n' + xml,
                    content_type="application/atom+xml; charset=utf-8")


def first_line(text: str | None, limit: int) -> str:
    """A title made of a text: its first line, cut at a word with `…`."""
    return cut_title((text or "").strip().split("\n")[0], limit)


async def author_feed(datasette, request, db, author):
    handle = author["handle"]
    posts = await feed_posts(db, "p.author = ?", [handle], "p.position")
    name = author.get("name") or handle
    return atom_feed(datasette, request, title=f"{name} (@{handle})",
                     path=author_path(datasette, handle), posts=posts,
                     subtitle=author.get("bio"), author=name)


# --------------------------------------------------------------------------- thread

def truncation_note(size: int) -> str:
    return f"text truncated: {size:,} bytes in all"


def without_texts(sql: str, alias: str = "") -> str:
    """One of unroll's queries with the post's texts left out (read_texts reads them) and
    its rowid added; the query as it is if its columns are not the ones expected."""
    texts = f"{alias}text, {alias}text_raw, "
    if sql.count(texts) != 1:
        return sql
    return sql.replace(texts, f"null as text, null as text_raw, {alias}rowid as _rowid, ")


def load_thread(conn, thread_id: str):
    """unroll.load_thread without the posts' texts, which a page reads bounded."""
    found = fetch(conn, unroll.THREAD_SQL, [thread_id])
    if not found:
        return None
    thread = found[0]
    try:
        thread["missing"] = json.loads(thread.get("missing") or "[]")
    except ValueError:
        thread["missing"] = []
    authors = fetch(conn, unroll.AUTHOR_SQL, [thread["author"]])
    return {
        "thread": thread,
        "author": authors[0] if authors else {"handle": thread["author"], "name": None},
        "parts": fetch(conn, without_texts(unroll.PARTS_SQL), [thread_id]),
        "candidates": fetch(conn, without_texts(unroll.CANDIDATES_SQL, "p."), [thread_id]),
    }


@read_only
async def thread_page(datasette, request):
    db = await archive_database(datasette)
    thread_id = request.url_vars["thread_id"]
    ext = request.url_vars.get("ext")
    data = await run(db, partial(load_thread, thread_id=thread_id))
    if data is None:
        raise NotFound(f"No thread {thread_id}")
    if ext == ".atom":
        return await thread_feed(datasette, request, db, data)
    if ext == ".md":
        await run(db, partial(read_texts, posts=data["parts"] + data["candidates"]))
        for p in data["parts"] + data["candidates"]:
            if p.get("truncated", {}).get("text"):
                p["text"] += f"… ({truncation_note(p['truncated']['text'])})"
        return Response(unroll.thread_markdown(data),
                        content_type="text/markdown; charset=utf-8",
                        headers={"content-disposition": "inline"})
    thread, parts, candidates = data["thread"], data["parts"], data["candidates"]
    for p in parts:
        p["thread_id"] = thread_id
    await decorate_posts(datasette, db, parts + candidates)
    items = unroll.reading_order(thread, parts)
    gaps = [{k: v for k, v in item.items() if k != "kind"} for item in items
            if item["kind"] == "gap"]
    if ext == ".json":
        return Response.json({
            "thread": thread, "author": data["author"], "parts": json_posts(parts),
            "gaps": gaps, "candidates": json_posts(candidates), "database": db.name,
        }, default=str)
    bars = []
    for item in items:
        if item["kind"] == "gap":
            bars += [{"label": k, "value": None, "missing": True}
                     for k in range(item["first"], item["last"] + 1)]
        else:
            bars.append({"label": item["k"], "value": item["post"]["likes"]})
    path = datasette.urls.path(f"/-/thread/{thread_id}")
    context = {
        **nav_context(datasette, db), "thread": thread, "author": data["author"],
        "items": items, "parts": parts, "gaps": gaps,
        "heads": [c for c in candidates if c["role"] == "head"],
        "tails": [c for c in candidates if c["role"] != "head"],
        "chart": bar_chart(bars), "n": unroll.part_total(thread, parts),
        "permalink": datasette.absolute_url(request, path), "path": path,
        "author_url": author_path(datasette, thread["author"]), "feed_url": path + ".atom",
    }
    return await html(datasette, request, "feedarchive_thread.html", context)


async def thread_feed(datasette, request, db, data) -> Response:
    """The thread's parts in reading order, as a feed: a thread still being written (`1/8`
    with parts to come) gains entries as later scrapes are imported."""
    thread, author = data["thread"], data["author"]
    posts = await feed_posts(db, "p.thread_id = ?", [thread["id"]], "p.thread_index")
    name = author.get("name") or author["handle"]
    return atom_feed(datasette, request, title=f"{thread.get('title') or thread['id']} "
                     f"(a thread by @{author['handle']})",
                     path=datasette.urls.path(f"/-/thread/{thread['id']}"), posts=posts,
                     author=name)


# --------------------------------------------------------------------------- post

@read_only
async def post_page(datasette, request):
    db = await archive_database(datasette)
    post_id = url_var(request, "post_id")
    found = await rows(db, f"select {await post_columns(db)} from posts where id = ?", [post_id])
    if not found:
        raise NotFound(f"No post {post_id}")
    # The JSON carries the whole text up to limits.VALUE_LIMIT bytes: the page's "full text"
    # link; the page shows limits.TEXT_SHOWN.
    as_json = request.url_vars.get("ext") == ".json"
    post = (await decorate_posts(datasette, db, found,
                                 text_limit=limits.VALUE_LIMIT if as_json
                                 else limits.TEXT_SHOWN))[0]
    candidate_of = await rows(
        db, "select c.thread_id, c.role, c.evidence, c.confidence, t.title from "
            "thread_candidates c join threads t on t.id = c.thread_id where c.post_id = ?",
        [post_id])
    if as_json:
        return Response.json({"post": json_posts([post])[0], "candidate_of": candidate_of},
                             default=str)
    return await html(datasette, request, "feedarchive_post.html", {
        **nav_context(datasette, db), "post": post, "candidate_of": candidate_of,
        "author_url": author_path(datasette, post["author"])})


async def search_feed(datasette, request, db, q: str, results: list[dict]) -> Response:
    """A search as a feed, its results in the page's order: follow a word or a name across
    every later import."""
    ids = [r["id"] for r in results if r["kind"] == "post"]
    found = await feed_posts(db, f"p.id in ({', '.join('?' * len(ids))})", ids, "p.rowid") \
        if ids else []
    by_id = {p["id"]: p for p in found}
    extra = [{"id": datasette.absolute_url(request, r["url"]), "title": r["title"],
              "url": datasette.absolute_url(request, r["url"]), "author": r["author"],
              "html": str(r["snippet_html"]), "updated": EPOCH}
             for r in results if r["kind"] == "page"]
    return atom_feed(datasette, request, title=f"Search: {q}" if q else "Search",
                     path=datasette.urls.path("/-/search"),
                     posts=[by_id[i] for i in ids if i in by_id], extra=extra)


# --------------------------------------------------------------------------- homepage

# How a page's dated entries are shown, in this order (PageEntry.kind).
ENTRY_KINDS = [("news", "News"), ("position", "Positions"), ("education", "Education"),
               ("publication", "Publications"), ("award", "Awards"), ("patent", "Patents"),
               ("funding", "Funding"), ("item", "Other dated items")]
# What one entry of each kind is called in a count ("3 publications", "1 news item").
ENTRY_NOUNS = {"news": ("news item", "news items"), "education": ("degree", "degrees"),
               "funding": ("grant", "grants"), "item": ("dated item", "dated items")}
PAGE_COLUMNS = "id, author, location, title, source_id, repaired"


def page_display_title(page: dict, text: str | None = None) -> str:
    """The page's own title; else the site it states (`allen-zhu.example/about`); else whose
    page it is; else its first line, cut at a word. A page saved as plain text often has no
    title of its own, and an empty heading says nothing."""
    if page.get("title"):
        return page["title"]
    location = page.get("location")
    if location:
        parts = urlsplit(location)
        if parts.hostname:
            return (parts.hostname.removeprefix("www.") + parts.path.rstrip("/")) or location
    if page.get("author"):
        return f"@{page['author']}'s homepage"
    return first_line(text, 80) or "A homepage"


async def author_homepages(datasette, db, handle: str) -> list[dict]:
    if not await db.table_exists("pages"):
        return []
    pages = await rows(db, f"select {PAGE_COLUMNS} from pages where author = ? order by id",
                       [handle])
    return [await listed_page(datasette, db, page) for page in pages]


async def listed_page(datasette, db, page: dict) -> dict:
    """A page as lists show it: its title, link and how many entries of each kind it holds."""
    kinds = await rows(db, "select kind, count(*) as n from page_entries where page_id = ? "
                           "group by kind", [page["id"]])
    start = None
    if not page.get("title") and not page.get("location") and not page.get("author"):
        start = (await rows(db, "select substr(text, 1, 200) as start from pages where id = ?",
                            [page["id"]]))[0]["start"]
    return {**page, "display_title": page_display_title(page, start),
            "path": datasette.urls.path(f"/-/page/{page['id']}"),
            "entry_counts": [count_text(r["n"], *ENTRY_NOUNS.get(r["kind"], (r["kind"],)))
                             for r in sorted(kinds, key=lambda r: r["kind"])]}


@read_only
async def homepage_page(datasette, request):
    db = await archive_database(datasette)
    page_id = url_var(request, "page_id")
    found = await rows(db, f"select {PAGE_COLUMNS}, sections, null as text, rowid as _rowid "
                           f"from pages where id = ?", [page_id])
    if not found:
        raise NotFound(f"No homepage {page_id}")
    page = found[0]
    await run(db, partial(read_texts, posts=[page], table="pages"))
    try:
        sections = json.loads(page.pop("sections") or "[]")
    except ValueError:
        sections = []
    entries = await rows(db, "select kind, date, year, text, venue from page_entries "
                             "where page_id = ? order by kind, year desc, date desc, id",
                         [page_id])
    by_kind = {kind: [e for e in entries if e["kind"] == kind] for kind, _ in ENTRY_KINDS}
    page["display_title"] = page_display_title(page, page.get("text"))
    if request.url_vars.get("ext") == ".json":
        return Response.json({"page": page, "sections": sections, "entries": entries},
                             default=str)
    for section in sections:
        section["html"] = linkify(section.get("text"), datasette.urls.path)
    for e in entries:
        e["html"] = linkify(e["text"], datasette.urls.path)
    return await html(datasette, request, "feedarchive_page.html", {
        **nav_context(datasette, db), "page": page, "sections": sections,
        "entry_groups": [(label, by_kind[kind]) for kind, label in ENTRY_KINDS
                         if by_kind[kind]],
        "author_url": author_path(datasette, page["author"]) if page.get("author") else None,
        "json_url": datasette.urls.path(f"/-/page/{page_id}.json"),
        "row_url": datasette.urls.row(db.name, "pages", page_id),
    })


# --------------------------------------------------------------------------- search

# Where a snippet marks a match (snippets.py makes them). A post may hold any character,
# private-use ones too, so the markers carry a token drawn when the server starts, which no
# post can know to contain.
MARK_TOKEN = secrets.token_hex(8)
MARK_OPEN, MARK_CLOSE = f"\ue000{MARK_TOKEN}o", f"\ue000{MARK_TOKEN}c"

# What full-text search covers: one entry per searched table, with its word index (`fts`) and
# gram index (`grams`, see feedarchive.textindex). Its select must give the same columns, and
# `text` names the indexed column the snippet is made from.
SEARCH_SOURCES = [
    {
        "kind": "post", "fts": "posts_fts", "grams": "posts_grams", "table": "posts",
        "select": "p.id, p.author, p.likes, p.reposts, p.replies, p.thread_id, p.thread_index, "
                  "p.repaired, null as title, p.visibility, null as location",
        "column": 0, "text": "text", "author": "p.author",
    },
    {
        "kind": "page", "fts": "pages_fts", "grams": "pages_grams", "table": "pages",
        "select": "p.id, p.author, null as likes, null as reposts, null as replies, "
                  "null as thread_id, null as thread_index, p.repaired, p.title, "
                  "null as visibility, p.location",
        "column": 0, "text": "text", "author": "p.author",
    },
]


def highlight(snippet: str) -> Markup:
    escaped = str(Markup.escape(snippet or ""))
    return Markup(escaped.replace(MARK_OPEN, "<mark>").replace(MARK_CLOSE, "</mark>"))


# A query matching more than RANK_ALL posts is not ranked over all its matches: FTS5's bm25
# reads every match (and each term's whole doclist), which takes seconds for a word in most
# posts and about 50 ms for 18,000 matches on a slow 2-core machine, half a page's budget. It
# is ranked among its RANK_AMONG most recently stored matches instead, and the page says so.
# Sorting by likes stays exact at any size: for common terms it walks the likes index and
# checks each post against the full-text index.
RANK_ALL = 10_000
RANK_AMONG = 2_000
LIKES_IN_LIST = 200_000  # up to this many matches, the likes walk tests against a list of them


def count_upto(conn, fts: str, match: str, limit: int) -> int:
    return conn.execute(f"select count(*) from (select 1 from {fts} where {fts} match ? "
                        f"limit ?)", [match, limit]).fetchone()[0]


def search_source(conn, source: dict, fts: str, match: str, author: str, sort: str,
                  need: int):
    """The first `need` hits of one index (`fts`, the word or the gram index of `source`'s
    table) in the page's order, and whether they were ranked among a bounded candidate set.
    Rows carry `_key` for merging."""
    table = source["table"]
    filter_sql, filter_args = (f" and {source['author']} = ?", [author]) if author else ("", [])
    columns = f"'{source['kind']}' as kind, {source['select']}, p.rowid as _rowid"
    join = f"from {fts} join {table} p on p.rowid = {fts}.rowid where {fts} match ?"

    def fetch(sql, args):
        cursor = conn.execute(sql, args)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r)) for r in cursor.fetchall()]

    def details(ranked):  # columns for rowids found without them, in that order
        found = []
        for rowid, rank in ranked:
            found += [{**r, "rank": rank} for r in fetch(
                f"select {columns} {join} and {fts}.rowid = ?", [match, rowid])]
        return found

    bounded = False
    n = count_upto(conn, fts, match, RANK_ALL + 1)
    if sort == "relevance":
        if n <= RANK_ALL:
            hits = fetch(f"select {columns}, {fts}.rank as rank {join}{filter_sql} "
                         f"order by rank limit ?", [match, *filter_args, need])
        else:
            bounded = True
            ranked = conn.execute(
                f"select rowid, rank from (select {fts}.rowid as rowid, {fts}.rank as rank "
                f"{join}{filter_sql} order by {fts}.rowid desc limit ?) order by rank limit ?",
                [match, *filter_args, RANK_AMONG, need]).fetchall()
            hits = details(ranked)
        for h in hits:
            h["_key"] = (h["rank"],)
        return hits, bounded
    if n <= RANK_ALL or table != "posts":
        hits = fetch(f"select {columns} {join}{filter_sql} order by likes desc, _rowid desc "
                     f"limit ?", [match, *filter_args, need])
    else:
        order = "order by p.likes desc, p.rowid desc limit ?"
        if count_upto(conn, fts, match, LIKES_IN_LIST + 1) <= LIKES_IN_LIST:
            test = f"p.rowid in (select rowid from {fts} where {fts} match ?)"
        else:  # most posts match: test each post walked
            test = (f"exists (select 1 from {fts} f where f.{fts} match ? "
                    f"and f.rowid = p.rowid)")
        index = " indexed by idx_posts_likes" if conn.execute(
            "select 1 from sqlite_master where name = 'idx_posts_likes'").fetchone() else ""
        ranked = conn.execute(
            f"select p.rowid, null from {table} p{index} where {test}"
            f"{filter_sql} {order}", [match, *filter_args, need]).fetchall()
        hits = details(ranked)
    for h in hits:
        h["_key"] = (h["likes"] is None, -(h["likes"] or 0), h["kind"], -h["_rowid"])
    return hits, bounded


def run_search(conn, sources, query, author, sort, offset, limit, terms=()):
    """One page of hits over every source and both its indexes (`textindex.index_queries`),
    each with its snippet; a row both indexes found is listed once. Run through limits.run:
    under the SQL time limit, and a snippet reads a bounded part of its text."""
    hits, bounded = [], False
    word_query, gram_query = index_queries(*query)
    for source in sources:
        for fts, match in ((source["fts"], word_query), (source["grams"], gram_query)):
            if not match:
                continue
            found, was_bounded = search_source(conn, source, fts, match, author, sort,
                                               offset + limit)
            hits += [{**h, "_source": source} for h in found]
            bounded = bounded or was_bounded
    hits.sort(key=lambda h: h["_key"])
    seen: set = set()
    hits = [h for h in hits if (h["kind"], h["_rowid"]) not in seen
            and not seen.add((h["kind"], h["_rowid"]))]
    hits = hits[offset:offset + limit]
    for h in hits:
        source = h.pop("_source")
        h["snippet"] = result_snippet(conn, source["table"], source["text"], h["_rowid"],
                                      terms, MARK_OPEN, MARK_CLOSE)
    return hits, bounded


@read_only
async def search_page(datasette, request):
    db = await archive_database(datasette)
    q = (request.args.get("q") or "").strip()
    author = (request.args.get("author") or "").strip().lstrip("@")
    sort = request.args.get("sort") if request.args.get("sort") in ("relevance", "likes") \
        else "relevance"
    page = int_arg(request, "page", 1, 1, MAX_SEARCH_PAGE)
    query = split_query(q)
    results, error, bounded = [], None, False
    if any(query):
        sources = [source for source in SEARCH_SOURCES
                   if await db.table_exists(source["fts"])
                   and await db.table_exists(source["grams"])
                   and await db.table_exists(source["table"])]
        try:
            results, bounded = await run(db, partial(
                run_search, sources=sources, query=query, author=author, sort=sort,
                offset=(page - 1) * SEARCH_PAGE, limit=SEARCH_PAGE + 1, terms=query_terms(q)))
        except Exception as e:  # e.g. an FTS5 error
            error = str(e)
        for r in results:
            r.pop("_key", None)
            r.pop("_rowid", None)
    note = (f"More than {RANK_ALL:,} matches: ranked by relevance among the {RANK_AMONG:,} most "
            f"recently stored. Add words to narrow the search, or sort by likes."
            if bounded else None)
    more = len(results) > SEARCH_PAGE
    results = results[:SEARCH_PAGE]
    for r in results:
        r["url"] = (post_path(datasette, r["id"]) if r["kind"] == "post"
                    else datasette.urls.path(f"/-/page/{r['id']}"))
        r["author_url"] = author_path(datasette, r["author"]) if r["author"] else None
        if r["kind"] == "page":
            r["title"] = page_display_title(r, r.get("snippet"))
        r["thread_url"] = (datasette.urls.path(f"/-/thread/{r['thread_id']}")
                           if r.get("thread_id") else None)
    for r in results:
        r["snippet_html"] = highlight(r["snippet"])
        r["private_label"] = PRIVATE_LABELS.get(r.get("visibility"))
        r["snippet"] = (r["snippet"] or "").replace(MARK_OPEN, "").replace(MARK_CLOSE, "")
    if request.url_vars.get("ext") == ".atom":
        return await search_feed(datasette, request, db, q, results)
    if request.url_vars.get("ext") == ".json":
        return Response.json({
            "q": q, "author": author or None, "sort": sort, "page": page,
            "next_page": page + 1 if more else None, "error": error, "note": note,
            "results": [{**{k: v for k, v in r.items() if k not in ("rank", "snippet_html")},
                         "snippet_html": str(r["snippet_html"])} for r in results],
        }, default=str)
    authors = [r["handle"] for r in await rows(db, "select handle from authors order by handle")]

    def page_url(n):
        args = {"q": q, "sort": sort, **({"author": author} if author else {}),
                **({"page": n} if n > 1 else {})}
        return datasette.urls.path("/-/search") + "?" + urlencode(args)

    return await html(datasette, request, "feedarchive_search.html", {
        **nav_context(datasette, db), "q": q, "author": author, "sort": sort, "page": page,
        "results": results, "error": error, "note": note, "authors": authors,
        "next_url": page_url(page + 1) if more else None,
        "feed_url": datasette.urls.path("/-/search.atom") + "?" + urlencode(
            {"q": q, "sort": sort, **({"author": author} if author else {})}),
        "prev_url": page_url(page - 1) if page > 1 else None,
        "sort_urls": {s: datasette.urls.path("/-/search") + "?" + urlencode(
            {"q": q, "sort": s, **({"author": author} if author else {})})
            for s in ("relevance", "likes")},
    })
