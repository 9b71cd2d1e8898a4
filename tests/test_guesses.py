"""Guessed characters, from the repair to the page (issue 21): where each guess stands in the
repaired text, its alternatives in `repairs`, its dotted underline on the post, thread and
author pages, the canned query of the least sure repairs, `import --uncertain mark`, and an
archive made before `repairs.alternatives`.

The timeline is made up and damaged here the lossy Thai way (`thai_lossy_damage`)."""
from __future__ import annotations

import html as htmlib
import json
import re
import sqlite3

import pytest
from click.testing import CliRunner

from feedarchive.cli import cli
from feedarchive.guesses import (PLACEHOLDER, UNCERTAIN_BELOW, located_guesses, placed,
                                 repairs_fit)
from feedarchive.importer import import_file
from feedarchive.models import Repair
from feedarchive.repair import diagnose
from feedarchive.store import SCHEMA_VERSION, open_db
from feedarchive.web import make_datasette
from feedarchive_plugins.render import percent, readable

from conftest import query, timeline
from repair.test_fix import thai_lossy_damage

SCRIPT_POST = "<script>alert('déjà')</script> vu 😂 — it’s fine"
POSTS = [
    ("(1/2) Petit-déjeuner au café 😂 puis réunion à 9 h — on a “presque” fini", "1", "2", "30"),
    ("(2/2) Le marché de Chiang Mai : ข้าวซอย 50 บาท, très bon 🍜 https://example.org/ข้าว",
     "0", "1", "12"),
    (SCRIPT_POST, "0", "0", "3"),
]


def damaged_timeline() -> str:
    return thai_lossy_damage(timeline(*POSTS, handle="noor_cooks", name="Noor"))


def archive_of_damaged_timeline(folder):
    """An archive in `folder` holding `damaged_timeline()` imported (closed, for a server)."""
    source = folder / "noor.txt"
    source.write_text(damaged_timeline(), encoding="utf-8")
    db = open_db(folder / "feedarchive.db")
    import_file(db, source)
    db.conn.close()
    return folder / "feedarchive.db"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    return archive_of_damaged_timeline(tmp_path_factory.mktemp("guesses"))


def post_repairs(path, post_id: str) -> list[Repair]:
    return [Repair("text", start, end, "thai_lossy", before, after, confidence, None,
                   [(a["text"], a["p"]) for a in json.loads(alternatives or "[]")])
            for start, end, before, after, confidence, alternatives in query(
                path, 'select start, "end", before, after, confidence, alternatives from '
                      'repairs where post_id = ? order by start', [post_id])]


def text_div(page: str) -> str:
    """The post text of a post page (the first `fa-text` block)."""
    found = re.search(r'<div class="fa-text">(.*?)</div>', page, re.S)
    assert found
    return found.group(1)


GUESS = re.compile(r'<span class="fa-guess( fa-unsure)?"( tabindex="0")? title="([^"]*)">'
                   r"(.*?)</span>")


# --------------------------------------------------------------------------- offsets

def test_every_repair_is_found_in_the_repaired_text_however_many_came_before():
    # Repairs of 2 characters to 1 (é, à), 1 to 1 (an emoji's lead byte), 2 to 1 with the
    # space as a lost byte, 1 to 1 (dashes, quotes): each one shifts the next.
    texts = [thai_lossy_damage(text) for text, *_ in POSTS]
    decision = diagnose(texts)
    for damaged, (original, *_) in zip(texts, POSTS):
        fixed, repairs = decision.fix(damaged)
        assert len(repairs) >= 4
        for repair, start in placed(repairs):
            assert fixed[start:start + len(repair.after)] == repair.after
        guesses = located_guesses(fixed, repairs)
        assert [fixed[g.start:g.end] for g in guesses] == \
            [r.after for r in repairs if r.confidence < 1.0]
        assert repairs_fit(fixed, repairs) and not repairs_fit(original[::-1], repairs)


# --------------------------------------------------------------------------- stored

def test_guesses_are_stored_with_their_alternatives(archive):
    rows = query(archive, "select after, confidence, alternatives from repairs")
    guesses = [(after, confidence, json.loads(listed)) for after, confidence, listed in rows
               if confidence < 1.0]
    assert len(guesses) >= 10
    for after, confidence, listed in guesses:
        assert listed[0] == {"text": after, "p": confidence}
        assert 1 <= len(listed) <= 3 and sum(item["p"] for item in listed) <= 1.0 + 1e-9
    assert all(listed is None for _, confidence, listed in rows if confidence == 1.0)


# --------------------------------------------------------------------------- pages

async def test_the_post_page_underlines_each_guess_with_its_alternatives(archive):
    ds = make_datasette(archive)
    for (post_id,) in query(archive, "select id from posts"):
        text = query(archive, "select text from posts where id = ?", [post_id])[0][0]
        page = (await ds.client.get(f"/-/post/{post_id}")).text
        marked = GUESS.findall(text_div(page))
        guesses = located_guesses(text, post_repairs(archive, post_id))
        assert [htmlib.unescape(shown) for *_, shown in marked] == \
            [text[g.start:g.end] for g in guesses]
        for (unsure, _focus, title, _shown), guess in zip(marked, guesses):
            assert not unsure and guess.alternatives
            assert htmlib.unescape(title) == "guessed: " + " · ".join(
                f"{readable(t)} {percent(p)}" for t, p in guess.alternatives)
    page = (await ds.client.get("/-/post/" + query(
        archive, "select id from posts where text like '%example.org%'")[0][0])).text
    link = re.search(r'<a href="https://example.org/[^"]*"[^>]*>(.*?)</a>', text_div(page))
    assert link and 'class="fa-guess"' in link.group(1) and "tabindex" not in link.group(1)


async def test_guessed_titles_list_the_alternatives_with_percentages(archive):
    ds = make_datasette(archive)
    post_id = query(archive, "select id from posts where text like '(1/2)%'")[0][0]
    page = htmlib.unescape((await ds.client.get(f"/-/post/{post_id}")).text)
    emoji = next(r for r in post_repairs(archive, post_id) if r.after == "😂")
    assert len(emoji.alternatives) == 3
    expected = "guessed: " + " · ".join(f"{t} {percent(p)}" for t, p in emoji.alternatives)
    assert re.fullmatch(r"guessed: 😂 \d+% · \S+ \d+% · \S+ \d+%", expected)
    assert f'tabindex="0" title="{expected}">😂</span>' in page


async def test_a_post_with_markup_stays_escaped_around_its_guesses(archive):
    ds = make_datasette(archive)
    post_id = query(archive, "select id from posts where text = ?", [SCRIPT_POST])[0][0]
    page = (await ds.client.get(f"/-/post/{post_id}")).text
    div = text_div(page)
    assert div.startswith("&lt;script&gt;alert(&#39;déj") and "&lt;/script&gt;" in div
    assert "<script>alert" not in page
    assert len(GUESS.findall(div)) == sum(r.confidence < 1.0
                                          for r in post_repairs(archive, post_id))


async def test_thread_and_author_pages_underline_guesses_too(archive):
    ds = make_datasette(archive)
    thread = query(archive, "select id from threads")[0][0]
    guessed = query(archive, "select count(*) from repairs where confidence < 1")[0][0]
    on_thread = query(archive, "select count(*) from repairs r join posts p on p.id = r.post_id "
                               "where r.confidence < 1 and p.thread_id = ?", [thread])[0][0]
    thread_page = (await ds.client.get(f"/-/thread/{thread}")).text
    assert len(GUESS.findall(thread_page)) == on_thread > 0
    author_page = (await ds.client.get("/-/author/noor_cooks")).text
    assert len(GUESS.findall(author_page)) == guessed
    css = (await ds.client.get("/-/static-plugins/feedarchive/feedarchive.css")).text
    assert re.search(r"\.fa-guess \{[^}]*underline dotted", css)
    assert re.search(r"\.fa-guess:focus::after \{[^}]*content: attr\(title\)", css)


# --------------------------------------------------------------------------- canned query

async def test_least_sure_repairs_lists_guesses_least_likely_first(archive):
    ds = make_datasette(archive)
    rows = (await ds.client.get("/feedarchive/least_sure_repairs.json?_shape=array")).json()
    assert len(rows) == query(archive, "select count(*) from repairs where confidence < 1")[0][0]
    assert [r["confidence"] for r in rows] == sorted(r["confidence"] for r in rows)
    assert {r["author"] for r in rows} == {"noor_cooks"}
    for row in rows:
        assert json.loads(row["alternatives"])[0]["text"] == row["after"]
        assert row["after"] in query(archive, "select text from posts where id = ?",
                                     [row["post_id"]])[0][0] == row["text"]
    page = (await ds.client.get("/feedarchive/least_sure_repairs")).text
    assert f'<a href="/-/post/{rows[0]["post_id"]}">' in page
    first = json.loads(rows[0]["alternatives"])
    assert f'{readable(first[0]["text"])} {percent(first[0]["p"])} · ' in htmlib.unescape(page)


# --------------------------------------------------------------------------- --uncertain mark

def test_uncertain_mark_stores_placeholders_and_keeps_the_guesses(tmp_path, write_file,
                                                                  archive):
    source = write_file("noor.txt", damaged_timeline())
    marked = tmp_path / "marked.db"
    result = CliRunner().invoke(cli, ["import", "--uncertain", "mark", "--db", str(marked),
                                      str(source)])
    assert result.exit_code == 0, result.output
    unsure = query(marked, "select count(*) from repairs where confidence < ?",
                   [UNCERTAIN_BELOW])[0][0]
    assert unsure >= 3
    texts = dict(query(marked, "select id, text from posts"))
    assert sum(text.count(PLACEHOLDER) for text in texts.values()) == unsure
    # The repairs and the ids are those of the best guess.
    assert sorted(texts) == sorted(row[0] for row in query(archive, "select id from posts"))
    columns = "post_id, start, before, after, confidence, alternatives"
    assert query(marked, f"select {columns} from repairs order by post_id, start") == \
        query(archive, f"select {columns} from repairs order by post_id, start")
    for post_id, text in texts.items():
        for guess in located_guesses(text, post_repairs(marked, post_id)):
            assert guess.placeholder == (guess.confidence < UNCERTAIN_BELOW)


async def test_a_placeholder_is_underlined_with_the_guesses_it_stands_for(tmp_path, write_file):
    source = write_file("noor.txt", damaged_timeline())
    path = tmp_path / "marked.db"
    db = open_db(path)
    import_file(db, source, uncertain="mark")
    db.conn.close()
    post_id = query(path, "select id from posts where text like '(1/2)%'")[0][0]
    page = (await make_datasette(path).client.get(f"/-/post/{post_id}")).text
    unsure = [m for m in GUESS.findall(text_div(page)) if m[0]]
    emoji = next(r for r in post_repairs(path, post_id) if r.after == "😂")
    assert emoji.confidence < UNCERTAIN_BELOW
    assert (" fa-unsure", ' tabindex="0"', "left out as too unsure; guesses: " + " · ".join(
        f"{t} {percent(p)}" for t, p in emoji.alternatives), PLACEHOLDER) in \
        [(u, f, htmlib.unescape(t), s) for u, f, t, s in unsure]


# --------------------------------------------------------------------------- older archives

def as_schema_6(path) -> None:
    """Undo what schema 7 added to an archive."""
    with sqlite3.connect(path) as conn:
        conn.execute("alter table repairs drop column alternatives")
        conn.execute("pragma user_version = 6")


async def test_an_older_archive_gains_the_column_and_is_served_before_it_does(tmp_path,
                                                                              write_file):
    path = tmp_path / "old.db"
    db = open_db(path)
    import_file(db, write_file("noor.txt", damaged_timeline()))
    db.conn.close()
    as_schema_6(path)
    # Served as it is (a read-only copy, a bare `datasette`): guesses are underlined with their
    # confidence alone.
    post_id = query(path, "select id from posts where text like '(1/2)%'")[0][0]
    page = (await make_datasette(path).client.get(f"/-/post/{post_id}")).text
    titles = [htmlib.unescape(title) for _, _, title, _ in GUESS.findall(text_div(page))]
    assert titles and all(re.fullmatch(r"guessed, (\d+|<1|>99)% sure", t) for t in titles)
    migrated = open_db(path)
    assert migrated.execute("pragma user_version").fetchone()[0] == SCHEMA_VERSION
    assert "alternatives" in migrated["repairs"].columns_dict
    assert migrated.execute("select count(*) from repairs where alternatives is not null"
                            ).fetchone()[0] == 0
    import_file(migrated, write_file("more.txt", thai_lossy_damage(timeline(
        ("Un autre café ☕ — merci", "0", "0", "1"), handle="noor_cooks", name="Noor"))))
    assert migrated.execute("select count(*) from repairs where alternatives is not null"
                            ).fetchone()[0] > 0
