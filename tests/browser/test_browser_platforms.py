"""Every platform's pages in a real headless Chromium: the post page of an X archive post, a
Mastodon post (id `mastodon:https://…`) and a Bluesky post (id `bluesky:at://did:plc:…`),
each reached by clicking a link the pages give; search in scripts written without spaces
(Chinese, Japanese, Thai); and a homepage's page, reached from the home page.

The archive holds the project's format fixtures (tests/fixtures/formats), a Bluesky repository
built here, a small Mastodon export with a picture and a timeline of Chinese, Japanese and
Thai posts; the texts written here are invented for these tests.

Run with the other browser tests, in their own pytest process:

    .venv/bin/python -m pytest -m browser tests/browser -q
"""
from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from .conftest import shot

pytestmark = pytest.mark.browser

BLUESKY_TEXT = "Two herons on the weir at dusk, one of them with a fish"
BLUESKY_ALT = "Two grey herons on a concrete weir, the left one holding a small silver fish"
BLUESKY_JAPANESE = "梅雨の晴れ間に駅前の喫茶店で珈琲を飲んだ。雨はまた明日から。"
MASTODON_TEXT = "Low tide at the estuary: fourteen curlews and one very puzzled gull."
MASTODON_ALT = "Curlews probing the mud at low tide, a gull watching them from a post"
# A timeline of posts in scripts written without spaces, newest first.
SCRIPT_POSTS = [
    "周末坐火车去海边，带了一杯咖啡。",
    "下雨天适合在家喝咖啡看书",
    "食堂的咖喱饭今天特别好吃",  # 咖 without 啡: not a hit for 咖啡
    "今天下雨了，火车晚点二十分钟。",
    "電車が遅れたので、駅で本を読みました。",
    "เช้านี้ไปเดินเล่นริมทะเลกับเพื่อน อากาศเย็นสบาย",
    "ร้านกาแฟใหม่ใกล้บ้านอร่อยมาก",
]
TEXT_HOMEPAGE = """Lin Hao

I photograph night trains and write about timetables.

News

[2025.04] A small exhibition of station photographs opened in the old depot.
[2024.09] Started a newsletter about branch lines.
"""
# What the homepage page calls each kind of entry (the page's own words for its sections).
ENTRY_LABELS = {"news": "News", "position": "Positions", "education": "Education",
                "publication": "Publications", "award": "Awards", "patent": "Patents",
                "funding": "Funding", "item": "Other dated items"}


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return write_archive(tmp_path_factory.mktemp("platforms"))


def write_archive(folder: Path) -> Path:
    """The archive of these tests, `folder/archive.db`, with its sources beside it."""
    from conftest import FIXTURES, timeline
    from test_activity_sources import (AS_PUBLIC, actor_json, build_car, outbox, post,
                                       raw_cid, toot)

    from feedarchive.importer import import_file
    from feedarchive.store import open_db

    formats = FIXTURES / "formats"
    db = open_db(folder / "archive.db")
    for source in (formats / "x-archive", formats / "mastodon", formats / "homepage.html"):
        import_file(db, source)

    def blob(data: bytes) -> dict:
        return {"$type": "blob", "ref": raw_cid(data), "mimeType": "image/jpeg",
                "size": len(data)}

    car = folder / "repo.car"
    car.write_bytes(build_car({
        "app.bsky.feed.post/3kaaa": post(BLUESKY_TEXT, embed={
            "$type": "app.bsky.embed.images", "images": [
                {"image": blob(b"herons at dusk"), "alt": BLUESKY_ALT,
                 "aspectRatio": {"width": 1600, "height": 900}},
                {"image": blob(b"the weir"), "alt": ""}]}),
        "app.bsky.feed.post/3kbbb": post(BLUESKY_JAPANESE),
    }))
    import_file(db, car)

    wren = folder / "wren"
    wren.mkdir()
    (wren / "actor.json").write_text(actor_json(), encoding="utf-8")
    (wren / "outbox.json").write_text(outbox(toot(
        1, [AS_PUBLIC], [], content=f"<p>{MASTODON_TEXT}</p>",
        attachment=[{"type": "Document", "mediaType": "image/jpeg", "width": 1200,
                     "height": 800, "url": "/media/wren/original/curlews.jpg",
                     "name": MASTODON_ALT}])), encoding="utf-8")
    import_file(db, wren)

    scrape = folder / "lin.txt"
    scrape.write_text(timeline(*[(text, "0", "0", str(i)) for i, text in enumerate(SCRIPT_POSTS)],
                               handle="lin_hao", name="林浩", bio="火车和咖啡。"),
                      encoding="utf-8")
    import_file(db, scrape)
    homepage = folder / "lin-homepage.txt"
    homepage.write_text(TEXT_HOMEPAGE, encoding="utf-8")
    import_file(db, homepage, "homepage", author="lin_hao")
    return folder / "archive.db"


def query(path, sql, params=()):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def path_of(url: str) -> str:
    return urlsplit(url).path


def check_post_page(page, archive, post_id: str, label: str) -> None:
    """The page open is `post_id`'s: its text, and its "on …" link to the original."""
    text, url = query(archive, "select text, url from posts where id = ?", [post_id])[0]
    assert unquote(path_of(page.url)) == f"/-/post/{post_id}"
    article = page.locator("article.fa-post")
    assert article.count() == 1
    assert article.get_attribute("data-post-id") == post_id
    assert article.locator(".fa-text").inner_text() == text
    original = article.locator("a.fa-original")
    assert original.inner_text() == label
    assert original.get_attribute("href") == url
    assert "noopener" in original.get_attribute("rel")
    assert page.locator("h1").inner_text() == "Post by @" + query(
        archive, "select author from posts where id = ?", [post_id])[0][0]


def open_author_from_home(page, server, handle: str) -> None:
    page.goto(server + "/")
    page.click(f"a.fa-author-link:has(.fa-handle:text-is('@{handle}'))")
    page.wait_for_url("**/-/author/**")
    assert page.locator(".fa-profile .fa-handle").inner_text() == "@" + handle


def open_post_from_author_page(page, post_id: str) -> None:
    link = page.locator(f'article[data-post-id="{post_id}"] a.fa-permalink')
    href = link.get_attribute("href")
    assert unquote(href) == "/-/post/" + post_id and not set("?# ") & set(href)
    link.click()
    page.wait_for_url("**/-/post/**")


def search(page, server, q: str) -> None:
    """`q` typed into the search form of the page open (the home page when none is)."""
    if "/-/search" not in page.url:
        page.goto(server + "/")
    page.fill("form.fa-search input[name=q]", q)
    page.click("form.fa-search button[type=submit]")
    page.wait_for_url(lambda url: path_of(url) == "/-/search"
                      and parse_qs(urlsplit(url).query).get("q") == [q])
    assert page.locator("form.fa-search input[name=q]").input_value() == q


def open_result(page, post_id: str) -> None:
    page.locator(f'li.fa-result[data-id="{post_id}"] a.fa-open').click()
    page.wait_for_url("**/-/post/**")


def test_an_x_archive_post_from_its_author_page(page, server, archive):
    post_id = query(archive, "select id from posts where id like 'x:%' and text like '1/3 %'")[0][0]
    open_author_from_home(page, server, "nadia_evals")
    open_post_from_author_page(page, post_id)
    check_post_page(page, archive, post_id, "on X")
    assert path_of(page.locator("a.fa-original").get_attribute("href")).endswith(
        "/status/" + post_id.removeprefix("x:"))
    assert page.locator("article .fa-media").count() == 0  # the fixture has no media
    assert page.locator("a.fa-thread-link").inner_text().startswith("part 1")
    shot(page, "post-x")


def test_a_mastodon_post_from_its_author_page_and_one_with_a_picture_from_search(
        page, server, archive):
    post_id = query(archive, "select id from posts where author = 'nadia@scholar.social' "
                             "and text like 'Our tokenizer benchmark is out%'")[0][0]
    assert post_id.startswith("mastodon:https://scholar.social/")
    open_author_from_home(page, server, "nadia@scholar.social")
    open_post_from_author_page(page, post_id)
    check_post_page(page, archive, post_id, "on scholar.social")
    shot(page, "post-mastodon")

    search(page, server, "curlews")
    [picture_post] = query(archive, "select id from posts where text like '%curlews%'")[0]
    assert page.locator("li.fa-result").count() == 1
    open_result(page, picture_post)
    check_post_page(page, archive, picture_post, "on quill.example")
    item = page.locator("article .fa-media li.fa-media-item")
    assert item.count() == 1 and item.get_attribute("data-kind") == "image"
    assert item.locator(".fa-media-kind").inner_text() == "image 1200×800"
    assert item.locator("p.fa-alt").inner_text() == "Alt text: " + MASTODON_ALT
    shot(page, "post-mastodon-media")


def test_a_bluesky_post_from_search_with_its_pictures_alt_text(page, server, archive):
    post_id = query(archive, "select id from posts where text = ?", [BLUESKY_TEXT])[0][0]
    assert re.fullmatch(r"bluesky:at://did:plc:[a-z0-9]+/app\.bsky\.feed\.post/3kaaa", post_id)
    search(page, server, "herons weir")
    open_result(page, post_id)
    did = post_id.split("/")[2]
    check_post_page(page, archive, post_id, "on Bluesky")
    assert page.locator("a.fa-original").get_attribute("href") == (
        f"https://bsky.app/profile/{did}/post/3kaaa")
    items = page.locator("article .fa-media li.fa-media-item")
    assert items.count() == 2
    assert items.nth(0).locator("p.fa-alt").inner_text() == "Alt text: " + BLUESKY_ALT
    assert items.nth(0).locator(".fa-media-kind").inner_text() == "image 1600×900"
    assert items.nth(0).locator("code").inner_text().startswith("bafkrei")  # a blob, no URL
    assert items.nth(1).locator("p.fa-alt").inner_text() == "No alt text"
    shot(page, "post-bluesky")

    # The author page, by the link in the heading, lists the post with the same link.
    page.click("h1 a")
    page.wait_for_url("**/-/author/**")
    assert unquote(path_of(page.url)) == f"/-/author/{did}"
    open_post_from_author_page(page, post_id)
    check_post_page(page, archive, post_id, "on Bluesky")


def check_results_mark(page, archive, q: str) -> None:
    """The results are every post holding `q` (SQL `instr`, not the index), and each
    snippet shows `q` inside <mark>, and nothing else marked."""
    expected = {row[0] for row in query(archive, "select id from posts where instr(text, ?)", [q])}
    assert expected, q
    results = page.locator("li.fa-result")
    ids = set(results.evaluate_all("els => els.map(e => e.dataset.id)"))
    assert ids == expected, q
    for i in range(results.count()):
        marks = results.nth(i).locator(".fa-snippet mark").all_inner_texts()
        assert marks and set(marks) == {q}, (q, marks)


def test_search_in_chinese_japanese_and_thai(page, server, archive):
    search(page, server, "咖啡")  # two characters: not the curry rice post (咖喱)
    check_results_mark(page, archive, "咖啡")
    assert page.locator("li.fa-result").count() == 2

    search(page, server, "雨")  # one character: Chinese and Japanese posts, Bluesky's too
    check_results_mark(page, archive, "雨")
    ids = page.locator("li.fa-result").evaluate_all("els => els.map(e => e.dataset.id)")
    assert any(i.startswith("bluesky:") for i in ids) and len(ids) == 3
    shot(page, "search-cjk")

    search(page, server, "ทะเล")
    check_results_mark(page, archive, "ทะเล")
    assert page.locator("li.fa-result").count() == 1
    shot(page, "search-thai")


def test_a_homepage_from_the_home_page(page, server, archive):
    page_id, title, location = query(
        archive, "select id, title, location from pages where location like 'https:%'")[0]
    page.goto(server + "/")
    section = page.locator("section.fa-section", has=page.locator("h2", has_text="Homepages"))
    section.locator("ul.fa-page-list a", has_text=title).click()
    page.wait_for_url(f"**/-/page/{page_id}")
    assert page.title().startswith(title)
    assert page.locator("h1").inner_text() == title

    counts = dict(query(archive, "select kind, count(*) from page_entries where page_id = ? "
                                 "group by kind", [page_id]))
    assert len(counts) >= 2  # the fixture has news and more
    groups = page.locator("section.fa-entries")
    seen = {}
    for i in range(groups.count()):
        group = groups.nth(i)
        kinds = group.locator("li.fa-entry").evaluate_all("els => els.map(e => e.dataset.kind)")
        assert len(set(kinds)) == 1, kinds  # one kind to a section
        assert group.locator("h2").inner_text() == ENTRY_LABELS[kinds[0]]
        seen[kinds[0]] = len(kinds)
    assert seen == counts
    assert page.locator("section.fa-entries h2").all_inner_texts()[0] == "News"
    nav = page.locator("nav.fa-page-kinds a").all_inner_texts()
    assert nav == [f"{ENTRY_LABELS[k]} ({n})" for k, n in seen.items()]
    news = page.locator("section.fa-entries#news li.fa-entry .fa-entry-date").all_inner_texts()
    assert news == sorted(news, reverse=True) and news[0].startswith("2025")

    original = page.locator("p.fa-meta a.fa-original")
    assert original.count() == 1 and original.get_attribute("href") == location
    assert page.locator("p.fa-meta a[href='/-/author/nadia_evals']").count() == 1
    shot(page, "homepage")

    # A page saved as text has no address: no link to an original.
    page.go_back()
    page.wait_for_url(server + "/")
    lin = query(archive, "select id from pages where author = 'lin_hao'")[0][0]
    page.locator(f"ul.fa-page-list a[href='/-/page/{lin}']").click()
    page.wait_for_url(f"**/-/page/{lin}")
    assert page.locator("h1").inner_text() in ("Lin Hao", "@lin_hao's homepage")
    assert page.locator("a.fa-original").count() == 0
    assert page.locator("section.fa-entries h2").all_inner_texts() == ["News"]
    assert page.locator("section.fa-entries li.fa-entry").count() == 2
