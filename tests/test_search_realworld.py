"""Search over real exports finds every post that holds the query: a Japanese X archive and a
Chinese Mastodon export (queries drawn at random from their own Chinese and Japanese runs, of
one to four characters) and English tweets (whole words drawn from their posts). The queries
are picked by a seeded random draw from whatever the files hold; no text of theirs is written
here."""
from __future__ import annotations

import random
import re

import pytest

from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.textindex import gram_runs, split_query
from feedarchive_plugins.pages import SEARCH_SOURCES, run_search

from conftest import shared_file

SOURCES = {
    "japanese": ("xarchive", "dsajgiouawj-TweetArchive.zip"),
    "chinese": ("mastodon", "hikurry-Mastodon-archive.tar.gz"),
    "english": ("xarchive", "smithjd-twitter_archive.zip"),
}
QUERIES = 40
MOST_MATCHES = 2_000  # past this a relevance search ranks among the latest (documented)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    db = open_db(tmp_path_factory.mktemp("realworld-search") / "archive.db")
    for folder, name in SOURCES.values():
        report = import_file(db, shared_file("realworld", folder, name))
        assert report.posts > 0
    return db


def texts_of(db, name: str) -> dict[str, str]:
    folder, file = SOURCES[name]
    return dict(db.execute(
        "select p.id, p.text from posts p join sources s on s.id = p.source_id "
        "where s.path like ?", ["%" + file]).fetchall())


def search(db, q: str) -> set[str]:
    hits, _ = run_search(db.conn, SEARCH_SOURCES, split_query(q), author="",
                         sort="relevance", offset=0, limit=100_000)
    return {h["id"] for h in hits if h["kind"] == "post"}


def all_texts(db) -> dict[str, str]:
    return dict(db.execute("select id, text from posts").fetchall())


@pytest.mark.parametrize("name", ["japanese", "chinese"])
def test_every_post_holding_a_run_is_found(archive, name):
    rng = random.Random(f"search-{name}")
    runs = sorted({run for text in texts_of(archive, name).values() for run in gram_runs(text)})
    assert len(runs) > 50, "the export holds too little CJK text to test with"
    everything = all_texts(archive)
    tried = 0
    while tried < QUERIES:
        run = rng.choice(runs)
        start = rng.randrange(len(run))
        q = run[start:start + rng.randint(1, 4)]
        holding = {pid for pid, text in everything.items() if q in (text or "")}
        if len(holding) > MOST_MATCHES:
            continue
        assert search(archive, q) == holding, q
        tried += 1


def test_every_post_holding_an_english_word_is_found(archive):
    rng = random.Random("search-english")
    texts = texts_of(archive, "english")
    words = sorted({w for text in texts.values()
                    for w in re.findall(r"(?<![\w@#/.'-])[A-Za-z]{4,}(?![\w'-])", text or "")})
    assert len(words) > 100
    everything = all_texts(archive)
    for q in rng.sample(words, QUERIES):
        word = re.compile(rf"(?<![\w]){re.escape(q)}(?![\w])", re.IGNORECASE)
        holding = {pid for pid, text in everything.items() if word.search(text or "")}
        if len(holding) > MOST_MATCHES:
            continue
        found = search(archive, q)
        assert holding <= found, (q, sorted(holding - found)[:3])
