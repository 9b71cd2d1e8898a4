"""A page for everything the archive holds: posts of every platform at the link the pages
give (ids that are URLs and `at://` URIs), homepages at `/-/page/<id>` (listed on the home
page and their author's page), a link to each post's original, and Atom feeds for an author,
a thread and a search, dated by the posts' own times."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import FIXTURES, timeline
from test_activity_sources import build_car, post as bluesky_post

FORMATS = FIXTURES / "formats"
ATOM = {"a": "http://www.w3.org/2005/Atom"}
TEXT_HOMEPAGE = """Mei Lin

Research engineer. I write about small models.

News

[2025.06] Our paper on tiny tokenizers was accepted at a workshop.
[2024.11] Gave a talk on evaluation at a meetup.

Education

2019-2023 B.Sc. in Computer Science, a university by the sea
"""


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("everything")
    db = open_db(folder / "archive.db")
    for source in (FORMATS / "x-archive", FORMATS / "mastodon", FORMATS / "homepage.html"):
        import_file(db, source)
    car = folder / "repo.car"
    car.write_bytes(build_car({
        "app.bsky.feed.post/3kaaa": bluesky_post("Heron survey at the marsh, notes to follow"),
    }))
    import_file(db, car)
    page = folder / "mei.txt"
    page.write_text(TEXT_HOMEPAGE, encoding="utf-8")
    import_file(db, page, "homepage", author="mei_notes")
    bare = folder / "bare.txt"
    bare.write_text(TEXT_HOMEPAGE.replace("Mei Lin\n", ""), encoding="utf-8")
    import_file(db, bare, "homepage")
    scrape = folder / "ada.txt"
    scrape.write_text(timeline(("(1/2) Notes on a tokenizer", "0", "1", "2"),
                               ("(2/2) and its evaluation", "0", "0", "1")), encoding="utf-8")
    import_file(db, scrape)
    return folder / "archive.db"


def one(db_path, sql, params=()):
    return open_db(db_path).execute(sql, params).fetchone()


@pytest.mark.parametrize("platform", ["x", "mastodon", "bluesky"])
async def test_every_platforms_post_opens_from_the_link_the_pages_give(archive, platform):
    ds = make_datasette(archive)
    post_id, author = one(archive, "select id, author from posts where id like ? "
                                   "order by position limit 1", [platform + ":%"])  # the newest
    data = (await ds.client.get(f"/-/author/{author}.json")).json()
    path = next(p["path"] for p in data["timeline"] if p["id"] == post_id)
    page = await ds.client.get(path)
    assert page.status_code == 200 and f'data-post-id="{post_id}"' in page.text
    as_json = (await ds.client.get(path + ".json")).json()
    assert as_json["post"]["id"] == post_id
    original = as_json["post"]["original"]
    assert original["url"].startswith("https://") and original["label"].startswith("on ")


async def test_a_bluesky_post_is_linked_to_bsky_app_and_its_did_author_has_a_page(archive):
    ds = make_datasette(archive)
    handle = one(archive, "select author from posts where id like 'bluesky:%'")[0]
    assert handle.startswith("did:plc:")
    data = (await ds.client.get(f"/-/author/{handle}.json")).json()
    [entry] = data["timeline"]
    assert entry["original"] == {"url": entry["url"], "label": "on Bluesky"}
    assert "at://" in entry["id"] and entry["path"].startswith("/-/post/bluesky:at://")


async def test_homepages_are_listed_and_have_a_page(archive):
    ds = make_datasette(archive)
    home = (await ds.client.get("/")).text
    assert "<h2>Homepages</h2>" in home
    page_id, title = one(archive, "select id, title from pages where location like 'https:%'")
    assert f'href="/-/page/{page_id}"' in home
    page = (await ds.client.get(f"/-/page/{page_id}")).text
    assert f"<h1>{title}</h1>" in page
    data = (await ds.client.get(f"/-/page/{page_id}.json")).json()
    assert data["page"]["id"] == page_id and data["entries"]
    kinds = {e["kind"] for e in data["entries"]}
    for kind in kinds:
        assert data["entries"] and kind in {"news", "position", "education", "publication",
                                            "award", "patent", "funding", "item"}


async def test_a_page_without_title_or_address_is_named_and_keeps_no_local_path(archive):
    ds = make_datasette(archive)
    assert one(archive, "select count(*) from pages where location like '/%'")[0] == 0
    mei = one(archive, "select id from pages where author = 'mei_notes'")[0]
    data = (await ds.client.get(f"/-/page/{mei}.json")).json()
    assert data["page"]["location"] is None
    assert data["page"]["display_title"] in ("Mei Lin", "@mei_notes's homepage")
    news = [e for e in data["entries"] if e["kind"] == "news"]
    assert [e["date"] for e in news] == ["2025-06", "2024-11"]
    author = (await ds.client.get("/-/author/mei_notes.json")).json()  # known by a page alone
    assert [p["id"] for p in author["homepages"]] == [mei]
    bare = one(archive, "select id from pages where author is null and location is null")[0]
    title = (await ds.client.get(f"/-/page/{bare}.json")).json()["page"]["display_title"]
    assert title.startswith("Research engineer.")


async def test_search_links_a_homepage_to_its_page(archive):
    ds = make_datasette(archive)
    data = (await ds.client.get("/-/search.json", params={"q": "tokenizers"})).json()
    pages = [r for r in data["results"] if r["kind"] == "page"]
    assert pages and all(r["url"] == f"/-/page/{r['id']}" for r in pages)
    assert all(r["title"] for r in pages)


def entries(feed_xml: str) -> list[ET.Element]:
    root = ET.fromstring(feed_xml)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    return root.findall("a:entry", ATOM)


async def test_feed_entries_are_dated_by_the_posts_own_time(archive):
    ds = make_datasette(archive)
    handle = one(archive, "select author from posts where id like 'x:%'")[0]
    feed = entries((await ds.client.get(f"/-/author/{handle}.atom")).text)
    created = {row[0] for row in open_db(archive).execute(
        "select created_at from posts where author = ?", [handle])}
    assert feed and {e.find("a:updated", ATOM).text for e in feed} <= created
    related = [link.get("href") for e in feed for link in e.findall("a:link", ATOM)
               if link.get("rel") == "related"]
    assert related and all(href.startswith("https://") for href in related)


async def test_a_scrape_without_dates_is_dated_by_its_import(archive):
    ds = make_datasette(archive)
    feed = entries((await ds.client.get("/-/author/ada_lab.atom")).text)
    imported = one(archive, "select imported_at from sources where path like '%ada.txt'")[0]
    assert [e.find("a:updated", ATOM).text for e in feed] == [imported, imported]


async def test_thread_and_search_feeds(archive):
    ds = make_datasette(archive)
    thread_id = one(archive, "select id from threads where author = 'ada_lab'")[0]
    page = (await ds.client.get(f"/-/thread/{thread_id}")).text
    assert f"/-/thread/{thread_id}.atom" in page
    thread = entries((await ds.client.get(f"/-/thread/{thread_id}.atom")).text)
    assert [e.find("a:title", ATOM).text for e in thread] == [
        "(1/2) Notes on a tokenizer", "(2/2) and its evaluation"]
    search = await ds.client.get("/-/search.atom", params={"q": "tokenizer"})
    assert search.headers["content-type"].startswith("application/atom+xml")
    found = entries(search.text)
    links = [e.find("a:link", ATOM).get("href") for e in found]
    assert any("/-/post/" in link for link in links) and any("/-/page/" in link for link in links)
    html = (await ds.client.get("/-/search", params={"q": "tokenizer"})).text
    assert "/-/search.atom?q=tokenizer" in html


async def test_json_of_a_page_and_a_post_is_plain_json(archive):
    ds = make_datasette(archive)
    page_id = one(archive, "select id from pages limit 1")[0]
    json.dumps((await ds.client.get(f"/-/page/{page_id}.json")).json())
    assert (await ds.client.get("/-/page/pnothing")).status_code == 404
