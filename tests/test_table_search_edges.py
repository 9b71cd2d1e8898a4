"""The plugin's rewrite of Datasette's table search (see `asgi_wrapper` in plugins/__init__.py)
at its edges: only a plain `?_search=` of a word with many matches on an archive's posts table
is rewritten; every other request reaches Datasette exactly as it was sent."""
from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

import feedarchive_plugins
from feedarchive.web import make_datasette

from test_web import write_archive


@pytest.fixture
def many_matches(tmp_path, monkeypatch):
    """A small archive in which "the" counts as having more matches than are counted."""
    monkeypatch.setattr(feedarchive_plugins, "COUNTED_MATCHES", 1)
    feedarchive_plugins.SEARCH_WALKS.clear()
    yield make_datasette(write_archive(tmp_path))
    feedarchive_plugins.SEARCH_WALKS.clear()


async def rewritten(ds, path: str, query: str) -> dict:
    await ds.invoke_startup()
    scope = {"type": "http", "path": path, "query_string": query.encode()}
    after = await feedarchive_plugins.rewrite_common_search(ds, scope)
    return dict(parse_qsl(after["query_string"].decode(), keep_blank_values=True))


async def test_a_common_word_on_the_posts_table_is_walked(many_matches):
    args = await rewritten(many_matches, "/feedarchive/posts", "_search=the&_size=5")
    assert "_search" not in args and ("_fa_search" in args or "_fa_listed" in args)
    assert args["_nocount"] == "1" and args["_size"] == "5"


@pytest.mark.parametrize("path, query", [
    ("/feedarchive/threads", "_search=the"),               # another table
    ("/feedarchive/posts", "_search=%20%20"),               # a blank search
    ("/feedarchive/posts", "_search=the&_searchmode=raw"),  # Datasette's own raw mode
    ("/feedarchive/posts", "_search=the&_fts_table=posts_fts"),
    ("/feedarchive/posts", "author=ada_lab"),               # no search at all
    ("/nosuchdb/posts", "_search=the"),                     # not an attached database
])
async def test_everything_else_passes_as_sent(many_matches, path, query):
    before = dict(parse_qsl(query, keep_blank_values=True))
    assert await rewritten(many_matches, path, query) == before


async def test_a_sort_the_user_asked_for_is_kept(many_matches):
    args = await rewritten(many_matches, "/feedarchive/posts", "_search=the&_sort_desc=likes")
    assert args["_sort_desc"] == "likes" and "_sort" not in args


async def test_a_rare_word_keeps_datasettes_own_search(tmp_path):
    ds = make_datasette(write_archive(tmp_path))
    assert await rewritten(ds, "/feedarchive/posts", "_search=tokenizer") == {
        "_search": "tokenizer"}
