"""Search finds every post that holds the query, in any script: words in space-separated
languages (with English word forms), and any run of Chinese, Japanese, Thai or Korean text of
any length, which the word index alone makes one token. The texts are written for this test."""
from __future__ import annotations

import re
import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feedarchive import store
from feedarchive.importer import import_file
from feedarchive.store import SCHEMA_VERSION, open_db
from feedarchive.textindex import gram_runs
from feedarchive.web import make_datasette

from conftest import timeline

POSTS = [
    "今天天气很好，我们去公园散步。",
    "我今天很忙，明天再说吧",
    "可爱的小猫在睡觉",
    "ありがとうございます！今日は晴れです",
    "東京で新しいカフェを見つけました。ありがとう",
    "วันนี้อากาศดีมาก ไปเที่ยวทะเลกัน",
    "ขอบคุณมากครับ พรุ่งนี้เจอกัน",
    "학교에 갑니다. 오늘은 날씨가 좋아요",
    "नमस्ते दुनिया, आज मौसम अच्छा है",
    "Two optimisers compared on GPT今天 benchmarks",
    "The optimiser diverged after warmup",
    "Running evals on the café wifi",
]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scripts")
    scrape = folder / "mei.txt"
    scrape.write_text(timeline(*[(text, "0", "0", str(i)) for i, text in enumerate(POSTS)],
                               handle="mei_notes", name="Mei"), encoding="utf-8")
    import_file(open_db(folder / "archive.db"), scrape)
    return folder / "archive.db"


async def found(ds, q: str) -> set[str]:
    """The texts of every result for `q`, over all result pages."""
    texts, page = set(), 1
    while page:
        data = (await ds.client.get("/-/search.json", params={"q": q, "page": page})).json()
        assert data["error"] is None, data["error"]
        texts |= {POSTS[int(r["likes"])] for r in data["results"]}
        page = data["next_page"]
    return texts


def holding(q: str) -> set[str]:
    return {text for text in POSTS if q in text}


@pytest.mark.parametrize("q", ["今天", "可爱", "ありがとう", "今", "好", "晴れ", "カフェ",
                               "อากาศ", "ขอบคุณ", "ทะเล", "학교", "날씨", "散步", "明天再说"])
async def test_a_run_of_any_length_finds_every_post_holding_it(archive, q):
    ds = make_datasette(archive)
    assert await found(ds, q) == holding(q) != set()


@settings(max_examples=60, deadline=None)
@given(st.data())
async def test_any_piece_of_any_run_finds_exactly_the_posts_holding_it(archive, data):
    runs = [run for text in POSTS for run in gram_runs(text)]
    run = data.draw(st.sampled_from(runs))
    start = data.draw(st.integers(0, len(run) - 1))
    q = run[start:data.draw(st.integers(start + 1, len(run)))]
    assert await found(make_datasette(archive), q) == holding(q)


async def test_english_word_forms_and_words_of_other_scripts(archive):
    ds = make_datasette(archive)
    optimisers = {POSTS[9], POSTS[10]}
    assert await found(ds, "optimiser") == optimisers
    assert await found(ds, "optimisers") == optimisers
    assert await found(ds, "eval") == {POSTS[11]}
    assert await found(ds, "cafe") == {POSTS[11]}
    assert await found(ds, "मौसम") == {POSTS[8]}  # a Hindi word with its vowel sign


async def test_words_and_runs_together_must_all_match(archive):
    ds = make_datasette(archive)
    assert await found(ds, "GPT今天") == {POSTS[9]}
    assert await found(ds, "benchmarks 今天") == {POSTS[9]}
    assert await found(ds, "今天 公园") == {POSTS[0]}
    assert await found(ds, "今天 晴れ") == set()


async def test_snippets_mark_the_run_inside_its_text(archive):
    ds = make_datasette(archive)
    data = (await ds.client.get("/-/search.json", params={"q": "公园"})).json()
    [result] = data["results"]
    assert re.findall(r"<mark>(.*?)</mark>", result["snippet_html"]) == ["公园"]
    data = (await ds.client.get("/-/search.json", params={"q": "optimiser"})).json()
    assert {m for r in data["results"]
            for m in re.findall(r"<mark>(.*?)</mark>", r["snippet_html"])} == {
        "optimisers", "optimiser"}


def test_an_edited_post_is_searched_by_its_new_text(tmp_path):
    scrape = tmp_path / "mei.txt"
    scrape.write_text(timeline(("今天天气很好", "0", "0", "1"), handle="mei_notes"),
                      encoding="utf-8")
    db = open_db(tmp_path / "archive.db")
    import_file(db, scrape)
    db.execute("update posts set text = '明天下雨'")
    assert db.execute("select count(*) from search_pending").fetchone()[0] == 1
    scrape.write_text(timeline(("今天天气很好", "0", "0", "2"), ("可爱", "0", "0", "3"),
                               handle="mei_notes"), encoding="utf-8")
    import_file(db, scrape)  # flushes what plain SQL left pending
    assert db.execute("select count(*) from search_pending").fetchone()[0] == 0
    match = "select count(*) from posts_grams where posts_grams match ?"
    assert db.execute(match, ['bi : "下雨"']).fetchone()[0] == 0  # the row was re-imported
    assert db.execute(match, ['bi : "天气"']).fetchone()[0] == 1
    assert db.execute(match, ['uni : "爱"']).fetchone()[0] == 1
    scrape.write_text(timeline(("可爱", "0", "0", "3"), handle="mei_notes"), encoding="utf-8")
    import_file(db, scrape)  # the post that left takes its grams along
    assert db.execute(match, ['bi : "天气"']).fetchone()[0] == 0
    assert db.execute("select count(*) from posts_grams").fetchone()[0] == 1


def test_an_older_archive_gains_both_indexes(tmp_path):
    """An archive of schema 3 (word index `unicode61` alone, no gram index) is re-indexed
    when opened: its CJK and Thai posts become findable, its English ones by word form."""
    path = tmp_path / "old.db"
    scrape = tmp_path / "mei.txt"
    scrape.write_text(timeline(("我们去公园散步", "0", "0", "1"), ("two optimisers", "0", "0", "2"),
                               handle="mei_notes"), encoding="utf-8")
    import_file(open_db(path), scrape)
    with sqlite3.connect(path) as conn:  # undo what schema 4 added
        conn.execute("drop table posts_grams")
        conn.execute("drop table posts_fts")
        conn.execute("create virtual table posts_fts using fts5(text, content=posts, "
                     "tokenize='unicode61')")
        conn.execute("insert into posts_fts(posts_fts) values ('rebuild')")
        conn.execute("pragma user_version = 3")
    db = open_db(path)
    assert db.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("select count(*) from posts_fts where posts_fts match 'optimiser'"
                      ).fetchone()[0] == 1
    assert db.execute("select count(*) from posts_grams where posts_grams match 'bi : \"公园\"'"
                      ).fetchone()[0] == 1


def test_a_large_import_is_grammed_a_batch_at_a_time(tmp_path, monkeypatch):
    """Rows are given their grams in batches (a million-post import holds no list of them
    all); every CJK post is found, the English ones get no gram rows."""
    monkeypatch.setattr(store, "GRAM_BATCH", 4)
    places = ["公园", "车站", "书店", "海边", "山上", "学校", "市场", "医院", "机场", "花园", "河边"]
    posts = [(f"我们去{place}散步", "0", "0", str(n)) for n, place in enumerate(places)]
    scrape = tmp_path / "mei.txt"
    scrape.write_text(timeline(*posts, ("a walk in the park", "0", "0", "1"), handle="mei_notes"),
                      encoding="utf-8")
    db = open_db(tmp_path / "archive.db")
    import_file(db, scrape)
    match = "select count(*) from posts_grams where posts_grams match ?"
    assert db.execute("select count(*) from posts_grams").fetchone()[0] == len(places)
    assert db.execute(match, ['bi : "散步"']).fetchone()[0] == len(places)
    assert all(db.execute(match, [f'bi : "{place}"']).fetchone()[0] == 1 for place in places)
