"""The archive pages in a real headless Chromium, against `feedarchive serve` on 127.0.0.1.

Run on their own (they must not share a pytest process with the asyncio tests):

    .venv/bin/python -m pytest -m browser tests/browser -q

Needs the `playwright` package and Debian's `/usr/bin/chromium` (no browser download). Without
them the tests skip, except under CI (`CI=true`), where they fail. Screenshots go to
`tests/artifacts/`. The server, browser and page fixtures are in conftest.py.
"""
from __future__ import annotations

import sqlite3

import pytest

from .conftest import shot

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    from test_web import write_archive  # the same archive the in-process tests use

    return write_archive(tmp_path_factory.mktemp("browser"))


def query(path, sql, params=()):
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def assert_not_pwned(page) -> None:
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("a[href^='javascript:' i]").count() == 0
    assert page.locator(".fa-text img, .fa-text script, .fa-snippet img").count() == 0


def test_home_search_and_thread(page, server, archive):
    page.goto(server + "/")
    assert page.locator("h1").inner_text() == "feedarchive"
    assert page.locator("a.fa-author-link[href='/-/author/ada_lab']").count() == 1
    shot(page, "home")

    page.fill("form.fa-search input[name=q]", "eval")
    page.click("form.fa-search button[type=submit]")
    page.wait_for_url("**/-/search?**")
    marks = page.locator(".fa-snippet mark").all_inner_texts()
    assert marks and all(m.lower() in ("eval", "evals") for m in marks)  # a word form too
    shot(page, "search")

    page.goto(server + "/")
    page.click("text=How we cut our eval bill in half")
    page.wait_for_url("**/-/thread/*")
    parts = page.locator("ol.fa-thread > li.fa-part")
    assert [int(k) for k in parts.evaluate_all("els => els.map(e => e.dataset.k)")] == [1, 3]
    assert page.locator(".fa-marker").all_inner_texts()[:2] == ["1/4", "3/4"]
    rows = page.locator("ol.fa-thread > li").evaluate_all(
        "els => els.map(e => e.classList.contains('fa-gap') ? e.innerText.trim() : e.dataset.k)")
    assert rows == ["1", "Part 2 not in the archive", "3", "Part 4 not in the archive"]
    assert page.locator(".fa-candidate-tail").inner_text().startswith(
        "Probably part of this thread")
    assert page.locator("svg.fa-chart .fa-bar-missing").count() == 2
    assert_not_pwned(page)
    shot(page, "thread")

    markdown = page.request.get(page.locator("a", has_text="Unroll as Markdown").get_attribute("href")
                                .replace("/-/", server + "/-/", 1)).text()
    assert markdown.index("**1/4**") < markdown.index("Part 2 not in the archive")


def test_reveal_raw_text_of_a_repaired_post(page, server, archive):
    thread, post, raw = query(archive, "select thread_id, id, text_raw from posts where repaired = 1 "
                                       "and thread_id is not null order by position limit 1")[0]
    page.goto(f"{server}/-/thread/{thread}")
    article = page.locator(f"article[data-post-id='{post}']")
    assert article.locator(".fa-badge-repaired").is_visible()
    raw_block = article.locator("details.fa-raw pre.fa-text-raw")
    assert not raw_block.is_visible()
    article.locator("details.fa-raw summary").click()
    assert raw_block.is_visible()
    assert raw_block.inner_text() == raw
    assert article.locator("details.fa-raw table.fa-repairs tbody tr").count() >= 1
    shot(page, "repaired")


def test_hostile_posts_stay_inert(page, server, archive):
    hostile = query(archive, "select id from posts where text like '%onerror%'")[0][0]
    for url in ["/-/author/ada_lab", f"/-/post/{hostile}", "/-/search?q=pwned",
                "/feedarchive/posts?author=ada_lab", f"/-/thread/{query(archive, 'select id from threads where author = ?', ['ada_lab'])[0][0]}"]:
        page.goto(server + url)
        page.wait_for_load_state("load")
        assert_not_pwned(page)
        text = page.locator("body").inner_text()
        assert "window.__pwned" in text, url  # shown as text
    page.goto(f"{server}/-/post/{hostile}")
    page.click("text=this")  # the would-be javascript: link is plain text; clicking does nothing
    assert_not_pwned(page)
    shot(page, "hostile")


def test_author_page_chart_and_pagination(page, server):
    page.goto(server + "/-/author/mira_builds_ml")
    assert page.locator("svg.fa-timeline-chart polyline").count() == 2
    assert page.locator(".fa-profile-history tbody tr").count() >= 1
    assert page.locator(".fa-timeline article.fa-post").count() > 0
    shot(page, "author")
