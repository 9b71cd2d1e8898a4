"""What one request may cost the server (issue 16, items 7 and 8), asserted as behaviour: a
search snippet is made from a bounded part of a post (a 1 MB post of one repeated word used to
take minutes in FTS5's snippet(), beyond the SQL time limit); a page carries a bounded part of a
huge post and says so; arbitrary SQL cannot build a value or a result of hundreds of megabytes.

How long these take, and the server's memory, are measured by the benchmark
(`tests/bench/adversarial.py`, on the archive and requests `adversarial_requests` gives), not
timed here.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote

import pytest
from datasette.utils import tilde_encode

from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import timeline

REPEATED = "1/2 " + "word " * 199_999  # 1 MB: one word 200,000 times, opening a thread
BIG_WORDS = "lorem ipsum dolor sit amet " * 20 + "https://example.org/x @ada_lab #big\n"
KB = 1000


def big_text(size: int) -> str:
    """`size` bytes of words with links, mentions and hashtags (which pages link)."""
    return "The big post starts here. " + BIG_WORDS * (size // len(BIG_WORDS))


def snscrape_line(number: int, text: str, likes: int) -> str:
    return json.dumps({"_type": "snscrape.modules.twitter.Tweet", "id": number,
                       "date": f"2024-01-01T00:0{number}:00+00:00", "rawContent": text,
                       "likeCount": likes, "user": {"id": 7, "username": "big_lab"}})


def build_archive(path: Path, big_size: int = 5_000_000) -> Path:
    """An archive made by the real importer: a timeline (posts of at most 1 MB) with a 1 MB
    post of one repeated word opening a two-part thread and a few ordinary posts, and a
    snscrape file (lines of at most 16 MB) with a `big_size` post and a short one."""
    scrape = path.with_name(path.stem + "-ada.txt")
    scrape.write_text(timeline(
        ("2/2 The end of the thread, in a few words.", "0", "1", "4"),
        (REPEATED.strip(), "0", "0", "1"),
        ("A short post that uses the word once, with lentil soup.", "1", "2", "30"),
        ("Lentil soup, again: the word is soup.", "0", "1", "5"),
    ), encoding="utf-8")
    lines = path.with_name(path.stem + "-big.jsonl")
    lines.write_text(snscrape_line(1, big_text(big_size), 9) + "\n"
                     + snscrape_line(2, "A short post beside the big one.", 2) + "\n",
                     encoding="utf-8")
    for source in (scrape, lines):
        import_file(open_db(path), source)
    return path


def post_id(db_path, like: str) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select id from posts where text like ? order by length(text) desc",
                            [like]).fetchone()[0]
    finally:
        conn.close()


def thread_of(db_path, post: str) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute("select thread_id from posts where id = ?", [post]).fetchone()[0]
    finally:
        conn.close()


def adversarial_requests(tmp_dir, big_size: int = 5_000_000
                         ) -> tuple[Path, list[tuple[str, str]]]:
    """An archive with the posts that made single requests expensive, and the requests: for
    the benchmark (tests/bench/adversarial.py), which serves the archive and times each while
    checking that `/` still answers within a second. `big_size` is the big post's size in
    bytes (at most the importer's 16 MB for a JSON line). The database is `archive`."""
    db_path = build_archive(Path(tmp_dir) / "archive.db", big_size)
    big = post_id(db_path, "The big post starts%")
    repeated = post_id(db_path, "1/2 word word%")
    many_blobs = ("with recursive r(n) as (select 1 union all select n + 1 from r "
                  "where n < 1000) select n, zeroblob(4000000) from r")
    doubled = ("with a(x) as (select hex(zeroblob(1000000))), b(x) as (select x||x||x||x "
               "from a), c(x) as (select x||x||x||x from b) select x||x||x||x from c")
    requests = [
        ("search: a 1 MB post of one repeated word", "/-/search?q=word"),
        ("search by likes: the same", "/-/search?q=word&sort=likes"),
        ("search JSON: the same", "/-/search.json?q=word"),
        ("search: a word of the big post", "/-/search?q=lorem"),
        ("post page: the big post", f"/-/post/{big}"),
        ("post JSON: the big post", f"/-/post/{big}.json"),
        ("post page: the repeated word", f"/-/post/{repeated}"),
        ("author page: the big post", "/-/author/big_lab"),
        ("author JSON: the big post", "/-/author/big_lab.json"),
        ("author Atom feed: the big post", "/-/author/big_lab.atom"),
        ("author page: the repeated word", "/-/author/ada_lab"),
        ("thread page: the repeated word", f"/-/thread/{thread_of(db_path, repeated)}"),
        ("thread Markdown: the same", f"/-/thread/{thread_of(db_path, repeated)}.md"),
        ("Datasette table page: posts", "/archive/posts"),
        ("Datasette table JSON: posts", "/archive/posts.json?_shape=array"),
        ("Datasette row page: the big post", f"/archive/posts/{tilde_encode(big)}"),
        ("SQL: select zeroblob(100000000)",
         "/archive.json?sql=select+zeroblob(100000000)&_shape=array"),
        ("SQL page: select zeroblob(100000000)", "/archive?sql=select+zeroblob(100000000)"),
        ("SQL: 1,000 rows of 4 MB blobs", "/archive.json?_shape=array&sql=" + quote(many_blobs)),
        ("SQL: a value doubled past the limit", "/archive.json?_shape=array&sql=" + quote(doubled)),
        ("SQL: every post's text", "/archive.json?_shape=array&sql=" + quote(
            "select id, text from posts")),
    ]
    return db_path, requests


@pytest.fixture(scope="module")
def adversarial(tmp_path_factory):
    return adversarial_requests(tmp_path_factory.mktemp("budgets"))


@pytest.fixture(scope="module")
def archive(adversarial):
    return adversarial[0]


def marks(html: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", html)


async def test_a_repeated_word_gives_a_bounded_snippet_that_highlights_it(archive):
    ds = make_datasette(archive)
    response = await ds.client.get("/-/search?q=word")
    assert response.status_code == 200
    assert len(response.content) < 50 * KB
    snippets = re.findall(r'<div class="fa-text fa-snippet">(.*?)</div>', response.text, re.S)
    assert snippets[0].startswith("1/2 <mark>word</mark> <mark>word</mark>")
    assert len(snippets[0]) < 2 * KB and snippets[0].endswith("…")
    data = (await ds.client.get("/-/search.json?q=word")).json()
    assert data["error"] is None
    by_id = {r["id"]: r for r in data["results"]}
    repeated = by_id[post_id(archive, "1/2 word word%")]
    assert repeated["snippet"].startswith("1/2 word word") and len(repeated["snippet"]) < 1000
    assert repeated["snippet_html"].count("<mark>word</mark>") >= 20
    short = by_id[post_id(archive, "A short post that%")]
    assert short["snippet"] == "A short post that uses the word once, with lentil soup."
    assert marks(short["snippet_html"]) == ["word"]
    # Ranking (bm25) and the likes order are the index's, as before.
    assert data["results"][0]["id"] == repeated["id"]
    likes = (await ds.client.get("/-/search.json?q=word&sort=likes")).json()["results"]
    assert [r["likes"] for r in likes] == sorted((r["likes"] for r in likes), reverse=True)
    assert likes[0]["id"] == short["id"] and "<mark>word</mark>" in likes[0]["snippet_html"]


async def test_snippet_finds_a_match_past_the_first_part_read(tmp_path):
    tail = "needle in the haystack at last."
    scrape = tmp_path / "ada.txt"
    scrape.write_text(timeline(("hay " * 50_000 + tail, "0", "0", "1")), encoding="utf-8")
    import_file(open_db(tmp_path / "archive.db"), scrape)
    data = (await make_datasette(tmp_path / "archive.db").client.get(
        "/-/search.json?q=NEEDLE")).json()
    [result] = data["results"]
    assert result["snippet"].startswith("…") and "needle in the haystack" in result["snippet"]
    assert marks(result["snippet_html"]) == ["needle"] and len(result["snippet"]) < 1000


async def test_snippets_fold_case_and_accents_and_escape_the_rest(tmp_path):
    scrape = tmp_path / "ada.txt"
    scrape.write_text(timeline(
        ("<b>Café</b> crème & CAFE <script>x</script> cafés", "0", "0", "1"),
    ), encoding="utf-8")
    import_file(open_db(tmp_path / "archive.db"), scrape)
    ds = make_datasette(tmp_path / "archive.db")
    result = (await ds.client.get("/-/search.json?q=cafe")).json()["results"][0]
    assert marks(result["snippet_html"]) == ["Café", "CAFE", "cafés"]  # a plural is a word form
    crème = (await ds.client.get("/-/search.json?q=creme")).json()["results"][0]
    assert marks(crème["snippet_html"]) == ["crème"]
    assert "&lt;b&gt;" in result["snippet_html"] and "<script>" not in result["snippet_html"]
    prefix = (await ds.client.get("/-/search.json?q=caf*")).json()["results"][0]
    assert marks(prefix["snippet_html"]) == ["Café", "CAFE", "cafés"]


async def test_a_big_posts_pages_are_bounded_and_say_it_is_truncated(archive):
    ds = make_datasette(archive)
    big = post_id(archive, "The big post starts%")
    page = await ds.client.get(f"/-/post/{big}")
    assert page.status_code == 200 and len(page.content) < 300 * KB
    size = len(sqlite3.connect(archive).execute(
        "select cast(text as blob) from posts where id = ?", [big]).fetchone()[0])
    assert size > 4_900_000 and "Text truncated" in page.text
    assert re.search(rf"the first 100,\d\d\d of {size:,} bytes are shown", page.text)
    assert f'href="/-/post/{big}.json"' in page.text
    assert page.text.count('class="fa-mention"') > 100  # the part shown is linked as ever
    repeated = post_id(archive, "1/2 word word%")
    thread = thread_of(archive, repeated)
    for path in ("/-/author/big_lab", "/-/author/big_lab.json", "/-/author/big_lab.atom",
                 "/-/author/ada_lab", f"/-/post/{repeated}", f"/-/thread/{thread}",
                 f"/-/thread/{thread}.json", f"/-/thread/{thread}.md", "/-/search?q=lorem",
                 "/archive/posts", f"/archive/posts/{tilde_encode(big)}"):
        response = await ds.client.get(path)
        assert response.status_code == 200, path
        assert len(response.content) < 300 * KB, (path, len(response.content))
    author = (await ds.client.get("/-/author/big_lab.json")).json()
    shown = next(p for p in author["timeline"] if p["id"] == big)
    assert shown["truncated"]["text"] > 4_900_000 and len(shown["text"]) <= 100 * KB
    assert "truncated" not in next(p for p in author["timeline"] if p["id"] != big)
    parts = (await ds.client.get(f"/-/thread/{thread}.json")).json()["parts"]
    whole = len(REPEATED.strip())
    assert parts[0]["truncated"] == {"text": whole, "text_raw": whole}
    # The post's own JSON has the whole text (up to the server's value limit, 8 MB).
    whole = (await ds.client.get(f"/-/post/{big}.json")).json()["post"]
    assert len(whole["text"]) > 4_900_000 and "truncated" not in whole


async def test_datasette_cells_of_plugin_text_are_cut_as_datasette_cuts_cells(archive):
    ds = make_datasette(archive)
    table = (await ds.client.get("/archive/posts")).text
    cells = re.findall(r'<div class="fa-cell-text">(.*?)</div>', table, re.S)
    assert cells and max(len(re.sub(r"<[^>]+>", "", c)) for c in cells) <= 2048 + 1
    assert sum(c.endswith("\u2026") for c in cells) == 2
    big = post_id(archive, "The big post starts%")
    row = (await ds.client.get(f"/archive/posts/{tilde_encode(big)}")).text
    [cell] = re.findall(r'<div class="fa-cell-text">(.*?)</div>', row, re.S)
    assert 90 * KB < len(re.sub(r"<[^>]+>", "", cell)) < 200 * KB and cell.endswith("\u2026")


@pytest.mark.parametrize("sql", [
    "select zeroblob(100000000)",
    "select randomblob(50000000)",
    "with recursive r(n) as (select 1 union all select n + 1 from r where n < 1000) "
    "select n, zeroblob(4000000) from r",
    "with a(x) as (select hex(zeroblob(1000000))), b(x) as (select x||x||x||x from a), "
    "c(x) as (select x||x||x||x from b) select x||x||x||x from c",
])
async def test_arbitrary_sql_cannot_build_a_huge_response(archive, sql):
    ds = make_datasette(archive)
    for path in (f"/archive.json?_shape=array&sql={quote(sql)}", f"/archive?sql={quote(sql)}"):
        response = await ds.client.get(path)
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert len(response.content) < 100 * KB
        assert "too big" in response.text or "too large" in response.text


async def test_a_stored_value_past_the_limit_is_a_clear_400_on_datasette_pages(tmp_path,
                                                                               monkeypatch):
    from feedarchive_plugins import limits

    archive = build_archive(tmp_path / "archive.db", big_size=300_000)
    big = post_id(archive, "The big post starts%")
    monkeypatch.setattr(limits, "VALUE_LIMIT", 200_000)  # the big post is past it
    ds = make_datasette(archive)
    for path in ("/archive/posts", "/archive/posts.json", f"/archive/posts/{tilde_encode(big)}",
                 "/archive.json?sql=select+text+from+posts"):
        response = await ds.client.get(path)
        assert response.status_code == 400, path
        assert "too big" in response.text or "too large" in response.text
    # The archive's own pages show the post's start, whatever its size.
    page = await ds.client.get(f"/-/post/{big}")
    assert page.status_code == 200 and "Text truncated" in page.text
    assert "Its first 200,000 bytes are in" in page.text
    data = (await ds.client.get(f"/-/post/{big}.json")).json()["post"]
    assert len(data["text"].encode()) <= 200_000 and data["truncated"]["text"] > 250_000


async def test_results_past_the_result_budget_are_refused(archive, monkeypatch):
    from feedarchive_plugins import limits

    monkeypatch.setattr(limits, "RESULT_LIMIT", 1_000_000)
    ds = make_datasette(archive)
    response = await ds.client.get("/archive.json?_shape=array&sql=" + quote(
        "select id, text from posts"))
    assert response.status_code == 400 and "too large" in response.json()["error"]
    # Small results are as ever, and the archive's pages do not count against it.
    small = await ds.client.get("/archive.json?_shape=array&sql=select+id+from+posts")
    assert small.status_code == 200 and len(small.json()) == 6
    assert (await ds.client.get("/-/author/ada_lab")).status_code == 200


async def test_every_plugin_query_runs_under_the_sql_time_limit(archive):
    """The plugin's reads go through limits.run, which applies sql_time_limit_ms: a read
    that takes longer is interrupted."""
    from datasette.app import Datasette
    from feedarchive.web import SETTINGS
    from feedarchive_plugins import limits

    ds = Datasette([str(archive)], settings={**SETTINGS, "sql_time_limit_ms": 50})
    db = ds.get_database("archive")

    def endless(conn):
        return conn.execute("with recursive r(n) as (select 1 union all select n + 1 from r) "
                            "select count(*) from r").fetchone()

    with pytest.raises(sqlite3.OperationalError, match="interrupted"):
        await limits.run(db, endless)
    assert (await ds.client.get("/-/author/ada_lab")).status_code == 200


def test_adversarial_requests_lists_paths_on_the_archive(tmp_path):
    db_path, requests = adversarial_requests(tmp_path, big_size=100_000)
    assert db_path.exists() and db_path.stem == "archive"
    assert all(path.startswith("/") for _, path in requests) and len(requests) >= 10
