"""The archive served by Datasette with our plugin, exercised in-process and over HTTP.

The archive is made by the real pipeline: two scrapes of one small timeline (so posts and the
profile have a count history) plus the bundled demo sample (mojibake repairs, threads)."""
from __future__ import annotations

import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from datasette.app import Datasette

from feedarchive.cli import SAMPLE_TIMELINE, cli
from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import query, timeline

SCRIPT = "(3/4) Thanks for reading <script>window.__pwned = 1</script>"
HOSTILE = ('Try <img src=x onerror="window.__pwned = 2"> or '
           '<a href="javascript:window.__pwned = 3">this</a> javascript:window.__pwned=4')
LINKY = "Bonus notes: https://example.org/notes?a=1&b=2 thanks @mira_builds_ml #evals"
POSTS = [
    (SCRIPT, "1", "2", "30"),
    (LINKY, "0", "3", "25"),
    ("Weekend plan: sourdough and a long walk.", "0", "1", "12"),
    (HOSTILE, "0", "0", "1"),
    ("(1/4) How we cut our eval bill in half.", "4", "20", "310"),
]
# A later scrape of the same profile: more followers, more likes on part 1.
POSTS_LATER = [p if not p[0].startswith("(1/4)") else (p[0], "5", "22", "333") for p in POSTS]

DEMO_AUTHOR = "mira_builds_ml"


def write_archive(tmp_path: Path) -> Path:
    path = tmp_path / "feedarchive.db"
    first = tmp_path / "ada.txt"
    first.write_text(timeline(*POSTS), encoding="utf-8")
    later = tmp_path / "ada-later.txt"
    later.write_text(timeline(*POSTS_LATER).replace("1,024", "1,100"), encoding="utf-8")
    db = open_db(path)
    import_file(db, first)
    import_file(db, later)
    import_file(db, SAMPLE_TIMELINE)
    # The stitcher may or may not offer the link post as a tail; the page must show one either way.
    thread = ada_thread_id(path)
    post = db.execute("select id from posts where text = ?", [LINKY]).fetchone()[0]
    db.execute("insert or replace into thread_candidates (post_id, thread_id, role, evidence, "
               "confidence) values (?, ?, 'tail', 'Posted just after part 3, same topic.', 0.6)",
               [post, thread])
    db.conn.close()
    return path


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return write_archive(tmp_path_factory.mktemp("web"))



def ada_thread_id(path) -> str:
    return query(path, "select id from threads where author = 'ada_lab'")[0][0]


def post_id(path, text) -> str:
    return query(path, "select id from posts where text = ?", [text])[0][0]


def repaired_thread(path) -> str:
    """A demo thread with a repaired part."""
    return query(path, "select thread_id from posts where repaired = 1 and thread_id is not null "
                       "order by position limit 1")[0][0]


def assert_inert(html: str) -> None:
    """No markup from post text survives: scripts, handlers and javascript: links stay text."""
    assert "<script>window.__pwned" not in html and "<img src=x" not in html
    assert not re.search(r"""href=["']?\s*javascript:""", html, re.I)
    assert not re.search(r"<[^>]+\son\w+\s*=", html.replace("&lt;", "")), "event handler attribute"


# --------------------------------------------------------------------------- plugin

async def test_plugin_is_registered(archive):
    response = await make_datasette(archive).client.get("/-/plugins.json")
    plugin = next(p for p in response.json() if p["name"] == "feedarchive")
    assert {"register_routes", "canned_queries", "get_metadata", "render_cell",
            "extra_css_urls"} <= set(plugin["hooks"])
    assert plugin["templates"] and plugin["static"]


async def test_stylesheet_is_served_locally_and_pages_load_nothing_remote(archive):
    ds = make_datasette(archive)
    css = await ds.client.get("/-/static-plugins/feedarchive/feedarchive.css")
    assert css.status_code == 200 and ".fa-post" in css.text
    for url in ["/", f"/-/author/{DEMO_AUTHOR}", f"/-/thread/{ada_thread_id(archive)}",
                "/-/search?q=eval"]:
        html = (await ds.client.get(url)).text
        assert "/-/static-plugins/feedarchive/feedarchive.css" in html
        assert not re.search(r"""src=["']?(https?:)?//""", html), url
        assert not re.search(r"""<link[^>]+href=["']?(https?:)?//""", html), url


# --------------------------------------------------------------------------- home

async def test_home_lists_authors_threads_search_and_canned_queries(archive):
    ds = make_datasette(archive)
    response = await ds.client.get("/")
    assert response.status_code == 200
    html = response.text
    assert 'href="/-/author/ada_lab"' in html and f'href="/-/author/{DEMO_AUTHOR}"' in html
    ada_row = html[html.index('href="/-/author/ada_lab"'):].split("</tr>")[0]
    assert ">5<" in ada_row  # posts archived
    assert f'href="/-/thread/{ada_thread_id(archive)}"' in html
    assert 'action="/-/search"' in html and 'name="q"' in html
    for name in ["top_threads", "incomplete_threads", "low_confidence_threads",
                 "guessed_posts", "most_reposted"]:
        assert f'href="/feedarchive/{name}"' in html, name


async def test_every_canned_query_runs(archive):
    ds = make_datasette(archive)
    from feedarchive_db import load_metadata

    for name in load_metadata()["queries"]:
        response = await ds.client.get(f"/feedarchive/{name}.json?_shape=objects")
        assert response.status_code == 200, (name, response.text[:300])
        assert "rows" in response.json()
        page = await ds.client.get(f"/feedarchive/{name}")
        assert page.status_code == 200


async def test_canned_query_results(archive):
    ds = make_datasette(archive)
    rows = (await ds.client.get("/feedarchive/incomplete_threads.json?_shape=array")).json()
    ada = [r for r in rows if r["author"] == "ada_lab"]
    assert len(ada) == 1 and json.loads(ada[0]["missing"]) == [2, 4]
    top = (await ds.client.get("/feedarchive/top_threads.json?_shape=array")).json()
    assert [r["likes"] for r in top] == sorted((r["likes"] for r in top), reverse=True)
    ada_top = next(r for r in top if r["author"] == "ada_lab")
    assert ada_top["likes"] == 333 + 30


# --------------------------------------------------------------------------- author

async def test_author_page_profile_history_threads_chart_and_timeline(archive):
    ds = make_datasette(archive)
    response = await ds.client.get("/-/author/ada_lab")
    assert response.status_code == 200
    html = response.text
    assert "Ada Lab" in html and "@ada_lab" in html and "Tiny models, big notebooks." in html
    history = html[html.index("Profile history"):html.index("</table>", html.index("Profile history"))]
    assert history.count("<tr>") == 3  # header + two scrapes
    assert "1,024" in history and "1,100" in history and "(+76)" in history
    assert f'href="/-/thread/{ada_thread_id(archive)}"' in html
    chart = re.search(r"<svg class=\"fa-chart fa-timeline-chart\".*?</svg>", html, re.S)
    assert chart and "<polyline" in chart.group(0)
    order = [html.index(f'data-post-id="{post_id(archive, text)}"') for text, *_ in POSTS]
    assert order == sorted(order), "timeline is newest first (position 0 first)"
    assert 'type="application/atom+xml"' in html
    assert "&lt;script&gt;window.__pwned" in html and "&lt;img src=x onerror=" in html
    assert_inert(html)


async def test_author_timeline_is_paginated_by_position(archive, monkeypatch):
    from feedarchive_plugins import pages

    monkeypatch.setattr(pages, "TIMELINE_PAGE", 2)
    ds = make_datasette(archive)
    first = (await ds.client.get("/-/author/ada_lab.json")).json()
    assert [p["position"] for p in first["timeline"]] == [0, 1]
    assert first["older_from"] == 2 and first["newer_from"] is None
    html = (await ds.client.get("/-/author/ada_lab")).text
    assert 'href="/-/author/ada_lab?from=2"' in html
    second = (await ds.client.get("/-/author/ada_lab.json?from=2")).json()
    assert [p["position"] for p in second["timeline"]] == [2, 3]
    assert second["newer_from"] == 0 and second["older_from"] == 4
    last = (await ds.client.get("/-/author/ada_lab.json?from=4")).json()
    assert [p["text"] for p in last["timeline"]] == [POSTS[-1][0]] and last["older_from"] is None
    past = (await ds.client.get("/-/author/ada_lab.json?from=9223372036854775806")).json()
    assert past["from"] == 4 and past["timeline"] == last["timeline"]  # held to the oldest post


async def test_author_json_and_unknown_author(archive):
    ds = make_datasette(archive)
    data = (await ds.client.get("/-/author/ada_lab.json")).json()
    assert data["author"]["handle"] == "ada_lab" and data["posts_in_archive"] == 5
    assert [h["followers"] for h in data["profile_history"]] == [1024, 1100]
    assert (await ds.client.get("/-/author/nobody_here")).status_code == 404


async def test_atom_feed_is_well_formed_and_escaped(archive):
    ds = make_datasette(archive)
    response = await ds.client.get("/-/author/ada_lab.atom")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/atom+xml")
    ns = {"a": "http://www.w3.org/2005/Atom"}
    feed = ET.fromstring(response.text.encode("utf-8"))
    assert feed.find("a:title", ns).text == "Ada Lab (@ada_lab)"
    entries = feed.findall("a:entry", ns)
    assert len(entries) == 5
    assert all(e.find("a:updated", ns).text for e in entries)
    first = entries[0].find("a:content", ns)
    assert first.get("type") == "html"
    # The entity-decoded HTML still shows the script as text, never as a tag.
    assert "&lt;script&gt;window.__pwned" in first.text and "<script>" not in first.text
    assert "/-/post/" in entries[0].find("a:link", ns).get("href")


# --------------------------------------------------------------------------- thread

async def test_thread_page_shows_parts_in_order_and_the_gaps(archive):
    ds = make_datasette(archive)
    response = await ds.client.get(f"/-/thread/{ada_thread_id(archive)}")
    assert response.status_code == 200
    html = response.text
    assert html.index("How we cut our eval bill") < html.index("Thanks for reading")
    assert html.index("1/4</span>") < html.index("Part 2 not in the archive") \
        < html.index("3/4</span>") < html.index("Part 4 not in the archive")
    assert "missing parts: 2, 4" in html
    assert "in total 363 likes" in html
    assert "&lt;script&gt;window.__pwned" in html
    assert_inert(html)


async def test_thread_page_candidates_chart_history_and_links(archive):
    ds = make_datasette(archive)
    tid = ada_thread_id(archive)
    html = (await ds.client.get(f"/-/thread/{tid}")).text
    tail = html[html.index('class="fa-candidate fa-candidate-tail"'):]
    assert "Probably part of this thread" in tail and "Posted just after part 3" in tail
    assert html.index('class="fa-thread"') < html.index("fa-candidate-tail")
    # Bar chart: two bars, two hatched gaps (parts 2 and 4).
    chart = re.search(r'<svg class="fa-chart".*?</svg>', html, re.S).group(0)
    assert chart.count('class="fa-bar"') == 2 and chart.count('class="fa-bar-missing"') == 2
    # Count history: part 1 was seen by both scrapes with different likes.
    part1 = html[html.index(f'data-post-id="{post_id(archive, POSTS[-1][0])}"'):]
    part1 = part1[:part1.index("</li>")]
    assert "Count history (2 sources)" in part1 and "310" in part1 and "333" in part1
    assert f'href="http://localhost/-/thread/{tid}"' in html  # permalink
    assert f'href="/-/thread/{tid}.md"' in html and f'href="/-/thread/{tid}.json"' in html


async def test_thread_json(archive):
    response = await make_datasette(archive).client.get(f"/-/thread/{ada_thread_id(archive)}.json")
    data = response.json()
    assert data["thread"]["declared_total"] == 4
    assert data["thread"]["missing"] == [2, 4]
    assert [p["thread_index"] for p in data["parts"]] == [1, 3]
    assert [(g["first"], g["last"]) for g in data["gaps"]] == [(2, 2), (4, 4)]
    assert [c["text"] for c in data["candidates"]] == [LINKY]
    assert [h["likes"] for h in data["parts"][0]["history"]] == [310, 333]


async def test_thread_gap_range_label(archive):
    tid = query(archive, "select id from threads where declared_total = 3 and found = 1")[0][0]
    html = (await make_datasette(archive).client.get(f"/-/thread/{tid}")).text
    assert "Parts 2–3 not in the archive" in html


async def test_unknown_thread_is_a_404(archive):
    response = await make_datasette(archive).client.get("/-/thread/tnope")
    assert response.status_code == 404


# --------------------------------------------------------------------------- post rendering

async def test_links_mentions_and_hashtags(archive):
    ds = make_datasette(archive)
    html = (await ds.client.get(f"/-/post/{post_id(archive, LINKY)}")).text
    assert '<a href="https://example.org/notes?a=1&amp;b=2"' in html
    assert f'<a href="/-/author/{DEMO_AUTHOR}" class="fa-mention">@{DEMO_AUTHOR}</a>' in html
    assert '<a href="/-/search?q=%23evals" class="fa-hashtag">#evals</a>' in html
    assert "Probably part of the thread" in html


async def test_hostile_post_renders_as_text_everywhere(archive):
    ds = make_datasette(archive)
    pid = post_id(archive, HOSTILE)
    for url in [f"/-/post/{pid}", "/-/author/ada_lab", "/feedarchive/posts?author=ada_lab",
                f"/feedarchive/posts/{pid}", "/-/search?q=pwned"]:
        html = (await ds.client.get(url)).text
        assert "&lt;img src=x onerror=" in html or "&lt;img" in html, url
        assert "<img src=x" not in html and "<script>window" not in html, url
        assert not re.search(r"""href=["']?\s*javascript:""", html, re.I), url


async def test_repaired_post_shows_marker_raw_text_and_repairs(archive):
    ds = make_datasette(archive)
    tid = repaired_thread(archive)
    html = (await ds.client.get(f"/-/thread/{tid}")).text
    raw, kinds = query(archive, "select p.text_raw, group_concat(distinct r.kind) from posts p "
                                "join repairs r on r.post_id = p.id where p.thread_id = ? "
                                "and p.repaired = 1", [tid])[0]
    assert "fa-badge-repaired" in html
    details = html[html.index('<details class="fa-raw">'):]
    details = details[:details.index("</details>")]
    from markupsafe import escape

    assert str(escape(raw)) in details or str(escape(raw)).replace("&#39;", "&#x27;") in details
    for kind in kinds.split(","):
        assert f"<td>{kind}</td>" in details


async def test_render_cell_in_datasette_table_and_query_pages(archive):
    ds = make_datasette(archive)
    table = (await ds.client.get("/feedarchive/posts?author=ada_lab")).text
    assert 'class="fa-mention"' in table and "&lt;script&gt;window.__pwned" in table
    assert "<script>window.__pwned" not in table
    top = (await ds.client.get("/feedarchive/top_threads")).text
    assert f'<a href="/-/thread/{ada_thread_id(archive)}">' in top


# --------------------------------------------------------------------------- search

async def test_search_highlights_filters_and_ranks(archive):
    ds = make_datasette(archive)
    html = (await ds.client.get("/-/search?q=eval")).text
    assert "<mark>eval</mark>" in html
    data = (await ds.client.get("/-/search.json?q=thanks")).json()
    assert {r["author"] for r in data["results"]} >= {"ada_lab"}
    by_likes = (await ds.client.get("/-/search.json?q=thanks&sort=likes&author=ada_lab")).json()
    likes = [r["likes"] for r in by_likes["results"]]
    assert likes == sorted(likes, reverse=True) and len(likes) == 2
    assert all(r["author"] == "ada_lab" for r in by_likes["results"])
    assert all("<mark>" in r["snippet_html"] for r in by_likes["results"])
    none = (await ds.client.get(f"/-/search.json?q=thanks&author={DEMO_AUTHOR}")).json()
    assert all(r["author"] == DEMO_AUTHOR for r in none["results"])


async def test_search_with_more_matches_than_are_ranked_ranks_the_latest_and_says_so(
    archive, monkeypatch
):
    from feedarchive_plugins import pages

    ds = make_datasette(archive)
    everything = (await ds.client.get("/-/search.json?q=the")).json()
    by_likes = (await ds.client.get("/-/search.json?q=the&sort=likes")).json()
    assert everything["note"] is None and len(everything["results"]) > 2
    latest = [row[0] for row in sqlite3.connect(archive).execute(
        "select p.id from posts_fts join posts p on p.rowid = posts_fts.rowid "
        "where posts_fts match 'the' order by p.rowid desc limit 2")]
    # Thresholds shrunk to this small archive: "the" matches more posts than are ranked.
    monkeypatch.setattr(pages, "RANK_ALL", 1)
    monkeypatch.setattr(pages, "RANK_AMONG", 2)
    bounded = (await ds.client.get("/-/search.json?q=the")).json()
    assert "ranked by relevance among the 2 most recently stored" in bounded["note"]
    assert sorted(r["id"] for r in bounded["results"]) == sorted(latest)
    assert all("<mark>" in r["snippet_html"] for r in bounded["results"])
    # Sorting by likes stays exact however many posts match.
    assert (await ds.client.get("/-/search.json?q=the&sort=likes")).json() == by_likes


async def test_search_snippets_are_escaped_and_fts_syntax_is_harmless(archive):
    ds = make_datasette(archive)
    html = (await ds.client.get("/-/search?q=pwned")).text
    assert "&lt;script&gt;" in html and "<script>window" not in html
    for q in ['"', "AND (", "NEAR(", "*", "col:thing", "eval*"]:
        response = await ds.client.get("/-/search.json?" + urlencode({"q": q}))
        assert response.status_code == 200 and response.json()["error"] is None, q
    prefix = (await ds.client.get("/-/search.json?q=sourd*")).json()
    assert [r["snippet"] for r in prefix["results"]] == ["Weekend plan: sourdough and a long walk."]


async def test_search_over_posts_with_datasette_table_search(archive):
    response = await make_datasette(archive).client.get(
        "/feedarchive/posts.json?_search=sourdough&_shape=array")
    assert [row["text"] for row in response.json()] == ["Weekend plan: sourdough and a long walk."]


async def test_table_search_beyond_the_counted_matches_walks_the_table_in_order(
    archive, monkeypatch
):
    import feedarchive_plugins

    ds = make_datasette(archive)
    url = "/feedarchive/posts.json?_search=the&_shape=array&_size=max"
    own = (await ds.client.get(url)).json()
    counted = (await ds.client.get("/feedarchive/posts.json?_search=the")).json()
    assert len(own) > 1 and counted["filtered_table_rows_count"] == len(own)
    # Thresholds shrunk to this small archive: "the" has more matches than are counted, and is
    # common (in every post of the sample) or, with the share raised, merely listed.
    monkeypatch.setattr(feedarchive_plugins, "COUNTED_MATCHES", 1)
    for share, where in ((0.0, "exists (select 1 from posts_fts"), (1.1, "+posts.rowid in (select")):
        monkeypatch.setattr(feedarchive_plugins, "COMMON_SHARE", share)
        feedarchive_plugins.SEARCH_WALKS.clear()  # the plan for "the" was remembered
        walked = (await ds.client.get(url)).json()
        assert [r["id"] for r in walked] == [r["id"] for r in own]  # same rows, same order
        page = (await ds.client.get("/feedarchive/posts.json?_search=the")).json()
        assert page["filtered_table_rows_count"] is None
        assert where in page["query"]["sql"]
    feedarchive_plugins.SEARCH_WALKS.clear()


async def test_table_search_plan_is_remembered_until_the_archive_grows(tmp_path, monkeypatch):
    import feedarchive_plugins

    archive = write_archive(tmp_path)
    ds = make_datasette(archive)
    url = "/feedarchive/posts.json?_search=the"
    monkeypatch.setattr(feedarchive_plugins, "COUNTED_MATCHES", 1)
    assert (await ds.client.get(url)).json()["filtered_table_rows_count"] is None  # walked
    # Thresholds back to normal, same archive: the walk chosen for "the" still holds.
    monkeypatch.setattr(feedarchive_plugins, "COUNTED_MATCHES", 10_000)
    assert (await ds.client.get(url)).json()["filtered_table_rows_count"] is None
    before = query(archive, "select count(*) from posts_fts where posts_fts match 'the'")[0][0]
    later = tmp_path / "later.txt"
    later.write_text(timeline(("Back from the conference, notes soon.", "0", "1", "4")),
                     encoding="utf-8")
    db = open_db(archive)
    import_file(db, later)
    db.conn.close()
    # New posts: the word is counted again, and has few enough matches for Datasette's own search.
    assert (await ds.client.get(url)).json()["filtered_table_rows_count"] == before + 1


# --------------------------------------------------------------------------- unroll

async def test_markdown_unroll_matches_the_cli(archive):
    tid = ada_thread_id(archive)
    response = await make_datasette(archive).client.get(f"/-/thread/{tid}.md")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/markdown")
    md = response.text
    assert md.index("**1/4**") < md.index("Part 2 not in the archive") < md.index("**3/4**") \
        < md.index("Part 4 not in the archive")
    assert "\\<script\\>" in md and "<script>" not in md
    assert "## Probably part of this thread" in md and "<https://example.org/notes?a=1&b=2>" in md
    result = CliRunner().invoke(cli, ["export-thread", tid, "--db", str(archive)])
    assert result.exit_code == 0, result.output
    assert result.output == md


def test_export_thread_unknown_id_fails(archive):
    result = CliRunner().invoke(cli, ["export-thread", "tnope", "--db", str(archive)])
    assert result.exit_code == 1 and "no thread tnope" in result.output


def test_unroll_gaps_without_a_server():
    from feedarchive.unroll import reading_order, thread_markdown

    thread = {"id": "t1", "author": "a", "declared_total": 9, "missing": [2, 3, 4, 5, 6, 7, 8, 9],
              "title": "x", "complete": 0, "likes": 1, "reposts": 0, "replies": 0}
    parts = [{"id": "p1", "text": "# not a heading *nor bold*", "thread_index": 1,
              "likes": 1, "reposts": 0, "replies": 0}]
    items = reading_order(thread, parts)
    assert [i["kind"] for i in items] == ["part", "gap"] and items[1]["label"] == \
        "parts 2–9 not in the archive"
    md = thread_markdown({"thread": thread, "parts": parts, "author": {"handle": "a"},
                          "candidates": []})
    assert "\\# not a heading \\*nor bold\\*" in md and "Parts 2–9 not in the archive" in md


# --------------------------------------------------------------------------- read-only, speed

async def test_served_read_only(archive):
    ds = make_datasette(archive)
    before = query(archive, "select count(*) from posts")[0][0]
    write = await ds.client.get("/feedarchive.json?sql=delete+from+posts")
    assert write.status_code == 400
    post = await ds.client.post("/feedarchive/top_threads", data={"x": "1"})
    assert post.status_code >= 400
    assert (await ds.client.get("/feedarchive.db")).status_code == 403
    for path in ["/-/thread/x", "/-/search", "/-/author/ada_lab"]:
        assert (await ds.client.post(path, data={})).status_code >= 400
    from feedarchive_db import load_metadata

    assert not any(q.get("write") for q in load_metadata()["queries"].values())
    assert query(archive, "select count(*) from posts")[0][0] == before


def test_serve_binds_to_localhost_by_default():
    serve = next(c for c in cli.commands.values() if c.name == "serve")
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"


@pytest.mark.parametrize("sql,params", [
    ("select * from posts where author = ? and position >= ? order by position limit 51",
     ["ada_lab", 0]),
    ("select position from posts where author = ? and position < ? order by position desc "
     "limit 1 offset 49", ["ada_lab", 60]),
    ("select id from posts where thread_id = ? order by thread_index, position", ["t"]),
    ("select id from threads where author = ? order by position", ["ada_lab"]),
])
def test_page_queries_use_indexes(archive, sql, params):
    plan = " | ".join(r[3] for r in query(archive, "explain query plan " + sql, params))
    assert "USING INDEX" in plan or "USING COVERING INDEX" in plan, plan
    assert not re.search(r"\bSCAN (posts|threads)\b(?! USING)", plan), plan


# --------------------------------------------------------------------------- bare Datasette

async def test_bare_datasette_without_our_settings_shows_our_pages(archive):
    ds = Datasette([str(archive)])
    home = await ds.client.get("/")
    assert home.status_code == 200 and 'href="/-/author/ada_lab"' in home.text
    thread = await ds.client.get(f"/-/thread/{ada_thread_id(archive)}")
    assert "Part 2 not in the archive" in thread.text
    assert (await ds.client.get("/-/author/ada_lab")).status_code == 200
    assert (await ds.client.get("/-/search?q=eval")).status_code == 200
    assert (await ds.client.get("/feedarchive/top_threads.json")).status_code == 200


async def test_home_falls_back_to_datasette_index_without_an_archive(tmp_path):
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.commit()
    response = await Datasette([str(other)]).client.get("/")
    assert response.status_code == 200 and "other" in response.text


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_server(args, env=None, cwd=None):
    port = free_port()
    server = subprocess.Popen(args + ["--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, env=env, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return server, base
        except OSError:
            if server.poll() is not None:
                raise AssertionError(server.stdout.read().decode())
            time.sleep(0.1)
    server.terminate()
    raise AssertionError("server did not start")


def get(url) -> str:
    return urllib.request.urlopen(url, timeout=10).read().decode()


def check_pages(base, archive):
    assert 'href="/-/author/ada_lab"' in get(base + "/")
    assert "How we cut our eval bill" in get(f"{base}/-/thread/{ada_thread_id(archive)}")
    assert "**1/4**" in get(f"{base}/-/thread/{ada_thread_id(archive)}.md")
    assert ".fa-post" in get(base + "/-/static-plugins/feedarchive/feedarchive.css")
    found = json.loads(get(f"{base}/feedarchive/posts.json?_search=eval&_shape=array"))
    assert sorted(r["likes"] for r in found) == [25, 333]  # "#evals" too: English word forms


def test_feedarchive_serve_over_http(archive):
    server, base = run_server([sys.executable, "-m", "feedarchive", "serve", "--db", str(archive)])
    try:
        check_pages(base, archive)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_bare_datasette_cli_over_http(archive):
    server, base = run_server([sys.executable, "-m", "datasette", "serve", str(archive),
                               "--host", "127.0.0.1"])
    try:
        check_pages(base, archive)
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_plain_install_ships_templates_and_static(archive, tmp_path):
    """A plain (non-editable) build of the project, imported from its own folder, serves our
    pages under both `feedarchive serve` and `datasette`."""
    target = tmp_path / "site"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
         "--no-compile", "--target", str(target), str(Path(__file__).resolve().parents[1])],
        capture_output=True, text=True)
    if build.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(build.stderr)
        pytest.skip("cannot build the project offline here: " + build.stderr[-300:])
    assert (target / "feedarchive_plugins" / "templates" / "feedarchive_thread.html").exists()
    assert (target / "feedarchive_plugins" / "static" / "feedarchive.css").exists()
    env = {**os.environ, "PYTHONPATH": str(target)}
    # Run from an empty folder so the checkout is not importable from the working directory.
    probe = subprocess.run([sys.executable, "-c", "import feedarchive_plugins; "
                            "print(feedarchive_plugins.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path)
    assert probe.stdout.strip().startswith(str(target)), probe.stdout + probe.stderr
    for args in ([sys.executable, "-m", "feedarchive", "serve", "--db", str(archive)],
                 [sys.executable, "-m", "datasette", "serve", str(archive)]):
        server, base = run_server(args, env=env, cwd=tmp_path)
        try:
            check_pages(base, archive)
            plugins = json.loads(get(base + "/-/plugins.json"))
            assert any(p["name"] == "feedarchive" and p["templates"] for p in plugins)
        finally:
            server.terminate()
            server.wait(timeout=10)
    shutil.rmtree(target, ignore_errors=True)
