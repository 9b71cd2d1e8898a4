"""Every reader streams (issue 16): snscrape/twscrape, twarc2 and the Mastodon outbox read their
file twice and never hold its posts. Importing gives exactly the rows the readers gave when
they held every post (parsed all, each repeated post once with its last copy, sorted newest
first): `old_*` below rebuild that Document from the same files and both are imported."""
from __future__ import annotations

import io
import json
import random
import tarfile
import tracemalloc
from pathlib import Path
from urllib.parse import urlparse

import pytest

from feedarchive import importer
from feedarchive.errors import SourceError
from feedarchive.formats import common, mastodon, read_document, snscrape, twarc
from feedarchive.importer import import_file
from feedarchive.models import PLACEHOLDER_HANDLE, Document, Post, Profile
from feedarchive.store import open_db

from conftest import FIXTURES, timeline

FORMATS = FIXTURES / "formats"
VOLATILE = {"imported_at", "observed_at", "seen_at"}
TABLES = ("sources", "authors", "author_handles", "profile_history", "threads", "posts",
          "media", "engagement", "repairs", "thread_candidates")


# -- the readers as they were: every post held, repeats merged, newest first -------------------
def newest_first(posts: list[Post]) -> list[Post]:
    return sorted(posts, key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)


def old_snscrape(path: Path, author: str | None = None) -> Document:
    users: dict[str, Profile] = {}
    by_id: dict[str, Post] = {}
    repeats = 0
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip():
            post, user = snscrape.tweet_post(json.loads(line), number)
            repeats += post.native_id in by_id
            by_id[post.native_id] = post
            users[user.handle.lower()] = user
    posts = list(by_id.values())
    authors = {post.author.lower() for post in posts}
    if author:
        owner = users.get(author.lower(), Profile(author))
    else:
        owner = users.get(authors.pop()) if len(authors) == 1 else None
    others = [u for k, u in users.items() if owner is None or k != owner.handle.lower()]
    return Document(str(path), "snscrape", owner, newest_first(posts), [], platform="x",
                    other_profiles=others, repeats=repeats)


def old_twarc(path: Path) -> Document:
    pages = twarc.Pages()
    bad = common.BadRecords(str(path), False, [])
    posts: list[Post] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if line.strip():
            posts += twarc.line_posts(json.loads(line), number, pages, bad)
    warnings, placeholders = [], []
    for user_id, tweets in pages.unknown.items():  # named by a later page, or placeholders
        known = pages.users.get(user_id)
        if known is None:
            handle = PLACEHOLDER_HANDLE + user_id
            warnings.append(f"{path}: author {user_id} of {tweets} tweet(s) is not in "
                            f"includes.users (withheld or suspended): stored as {handle}")
            placeholders.append(Profile(handle=handle, native_id=user_id))
        for post in posts:
            if known is not None and post.author == PLACEHOLDER_HANDLE + user_id:
                post.author = known.handle
                post.url = f"https://x.com/{known.handle}/status/{post.native_id}"
    unique = {post.native_id: post for post in posts}
    by_handle = {p.handle.lower(): p for p in pages.users.values()}
    authors = {post.author.lower() for post in unique.values()}
    owner = by_handle.get(authors.pop()) if len(authors) == 1 else None
    others = [p for h, p in sorted(by_handle.items()) if owner is None or h != owner.handle.lower()]
    return Document(str(path), "twarc2", owner, newest_first(list(unique.values())), warnings,
                    platform="x", other_profiles=others + placeholders,
                    captured_at=pages.retrieved_at)


def old_mastodon(outbox: dict, actor: dict, path: Path) -> Document:
    """`json.loads` of the whole outbox, each item turned into its post, newest first."""
    items = outbox["orderedItems"]
    actor_id = actor.get("id") or next(i["actor"] for i in items if isinstance(i.get("actor"), str))
    if actor.get("preferredUsername"):
        handle = f"{actor['preferredUsername']}@{urlparse(actor_id).hostname}"
    else:
        handle = mastodon.account_handle({}, actor_id, mastodon.toot_url_name(items, actor_id))
    followers = mastodon.followers_collections(actor, actor_id)
    posts = [post for post in (mastodon.activity_post(item, handle, actor_id, followers)
                               for item in items) if post is not None]
    profile = mastodon.actor_profile(actor, handle) if actor else Profile(handle)
    profile.native_id = actor_id
    return Document(str(path), "mastodon", profile, newest_first(posts), [], platform="mastodon")


# -- importing both --------------------------------------------------------------------------
def table_rows(db) -> dict[str, list[dict]]:
    found = {}
    for table in TABLES:
        order = {"posts": "author, position", "threads": "author, position",
                 "media": "post_id, position"}.get(table)
        rows = [{k: v for k, v in dict(row).items()
                 if k not in VOLATILE and not (table == "repairs" and k == "id")}
                for row in db.execute_returning_dicts(
                    f"select * from {table}" + (f" order by {order}" if order else ""))]
        if not order:
            rows.sort(key=lambda row: json.dumps(row, sort_keys=True, default=str))
        found[table] = rows
    return found


def imported(db_path: Path, sources: list[tuple[Path, Document | None]], monkeypatch) -> tuple:
    """Import each source in turn, as read now, or as the Document given (the old reader's):
    the reports and every table."""
    db = open_db(db_path)
    reports = []
    for path, doc in sources:
        with monkeypatch.context() as patch:
            if doc is not None:
                patch.setattr(importer, "read_document", lambda *args, **kwargs: doc)
            report = import_file(db, path)
        reports.append((report.status, report.format, report.author, report.posts,
                        report.new_posts, report.threads, report.repairs, report.private,
                        report.warnings))
    return reports, table_rows(db)


def assert_same_import(tmp_path, monkeypatch, sources: list[tuple[Path, Document | None]]):
    """The sources (the last one read now and as the old reader read it) give the same rows."""
    streamed = imported(tmp_path / "streamed.db",
                        [(path, old if index < len(sources) - 1 else None)
                         for index, (path, old) in enumerate(sources)], monkeypatch)
    held = imported(tmp_path / "held.db", sources, monkeypatch)
    assert streamed[0] == held[0]
    for table, rows in held[1].items():
        assert streamed[1][table] == rows, table
    doc = read_document(sources[-1][0])
    assert not isinstance(doc.posts, list)
    return streamed


def lines_file(path: Path, records: list) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n",
                    encoding="utf-8")
    return path


def snscrape_lines() -> list[dict]:
    return [json.loads(line) for line in
            (FORMATS / "snscrape.jsonl").read_text(encoding="utf-8").splitlines()]


# -- snscrape / twscrape -----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["snscrape.jsonl", "twscrape.jsonl"])
def test_a_scrape_imports_as_when_its_posts_were_held(tmp_path, monkeypatch, name):
    path = FORMATS / name
    assert_same_import(tmp_path, monkeypatch, [(path, old_snscrape(path))])


def test_the_snscrape_fixture_rows(tmp_path, monkeypatch):
    path = FORMATS / "snscrape.jsonl"
    reports, tables = assert_same_import(tmp_path, monkeypatch, [(path, old_snscrape(path))])
    assert reports == [("imported", "snscrape", "arjun_builds", 3, 3, 1, 0, 0, [])]
    assert [(p["position"], p["created_at"], p["likes"], p["thread_index"])
            for p in tables["posts"]] == [(0, "2023-10-11T20:15:27+00:00", 20, 2),
                                          (1, "2023-10-11T20:14:05+00:00", 61, 1),
                                          (2, "2023-10-10T19:26:02+00:00", 0, None)]


def test_a_pinned_tweet_listed_again_is_one_post_with_its_last_copy(tmp_path, monkeypatch):
    """The pinned tweet at the top and again in its place, the second copy with new counts,
    its text and media changed: one post, the last copy whole, and the same warning."""
    lines = snscrape_lines()
    first = dict(lines[0], media=[{"_type": "snscrape.modules.twitter.Photo",
                                   "fullUrl": "https://pbs.example/a.jpg"}])
    last = dict(lines[0], likeCount=99, rawContent="Shipping notes, edited ✓", media=[])
    path = lines_file(tmp_path / "pinned.jsonl", [first, *lines[1:], last, lines[1]])
    reports, tables = assert_same_import(tmp_path, monkeypatch, [(path, old_snscrape(path))])
    status, _, _, posts, *_, warnings = reports[0]
    assert (status, posts) == ("imported", 3)
    assert any("2 repeated copies of posts listed earlier" in w for w in warnings)
    pinned = [p for p in tables["posts"] if p["native_id"] == str(lines[0]["id"])]
    assert [(p["likes"], p["text"]) for p in pinned] == [(99, "Shipping notes, edited ✓")]
    assert tables["media"] == []
    doc = read_document(path)
    assert doc.repeats == 2 and len(doc.posts) == len(list(doc.posts)) == 3


def test_undated_posts_and_a_file_oldest_first_keep_the_old_order(tmp_path, monkeypatch):
    """Where a timeline holds an undated post, the importer takes the source's posts in the
    order the reader used to sort them, not as the file lists them."""
    lines = snscrape_lines()
    undated = dict(lines[1], date=None)
    path = lines_file(tmp_path / "undated.jsonl", [lines[2], undated, lines[0]])
    _, tables = assert_same_import(tmp_path, monkeypatch, [(path, old_snscrape(path))])
    assert [p["created_at"] for p in tables["posts"]] == [
        "2023-10-11T20:14:05+00:00", "2023-10-10T19:26:02+00:00", None]


def test_a_scrape_after_an_undated_timeline_of_the_same_account(tmp_path, monkeypatch):
    """An undated timeline scrape first: the dump is merged on the posts they share, in the
    order the reader used to give (newest first), whatever the file's; the post both hold is
    one post (issue 20)."""
    lines = snscrape_lines()
    scrape = tmp_path / "arjun.txt"
    scrape.write_text(timeline((lines[1]["rawContent"], "1", "2", "3"),
                               ("an older post", "0", "0", "1"), handle="arjun_builds"),
                      encoding="utf-8")
    path = lines_file(tmp_path / "asc.jsonl", list(reversed(lines)) + [lines[0]])
    _, tables = assert_same_import(tmp_path, monkeypatch,
                                   [(scrape, None), (path, old_snscrape(path))])
    assert [p["text"][:12] for p in tables["posts"]] == [
        "Quantising t", "Shipping not", "Benchmarks o", "an older pos"]


def test_a_bad_line_fails_the_file_when_read_and_skip_bad_lists_it_then(write_file):
    good = [json.dumps(line) for line in snscrape_lines()]
    path = write_file("bad.jsonl", "\n".join([*good, "{not json", good[0]]) + "\n")
    with pytest.raises(SourceError, match=r"bad\.jsonl:4"):
        read_document(path)  # before a post is made
    doc = read_document(path, skip_bad=True)
    assert len(doc.warnings) == 1 and ":4: not valid JSON" in doc.warnings[0]
    assert [p.line for p in doc.posts] == [2, 3, 5]  # the first copy of the repeat left out
    assert len(doc.warnings) == 1  # iterating adds nothing


def test_blocks_of_lines_give_the_posts_iterating_gives(tmp_path, monkeypatch):
    """The importer may have a large scrape's lines made into posts in worker processes, a
    block at a time: the same posts, each repeat at its last copy only, past a byte order
    mark, a line too long to be a record and a cut-off last line."""
    import pickle

    monkeypatch.setattr(common, "MAX_LINE_BYTES", 4096)
    lines = [json.dumps(dict(line, id=line["id"] + n, rawContent=f"{line['rawContent']} {n}"))
             for n in range(30) for line in snscrape_lines()]
    lines[5] = json.dumps(json.loads(lines[5]) | {"rawContent": "x" * 5000})  # too long
    lines[40] = lines[0]  # a repeat
    path = tmp_path / "blocks.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n" + lines[1][:30].encode())
    doc = read_document(path, skip_bad=True)
    assert len(doc.warnings) == 2  # the long line; the cut-off one
    blocks = [pickle.loads(pickle.dumps(block)) for block in doc.posts.blocks(2000)]
    assert len(blocks) > 10
    made = [post for block in blocks for post in doc.posts.parse_unit(block)[0]]
    assert [(p.line, p.native_id, p.likes) for p in made] == \
        [(p.line, p.native_id, p.likes) for p in doc.posts]
    assert len(made) == len(doc.posts) == len(lines) - 2
    assert all(doc.posts.parse_unit(block)[1] == [] for block in blocks)  # listed by `read`


def test_a_large_scrape_made_in_workers_imports_as_when_held(tmp_path, monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)  # worker processes, whatever the size
    lines = [dict(line, id=line["id"] + n, rawContent=f"{line['rawContent']} {n} é")
             for n in range(400) for line in snscrape_lines()]
    path = lines_file(tmp_path / "large.jsonl", lines + lines[:7])
    assert len(list(read_document(path).posts.blocks(20_000))) > 4
    monkeypatch.setattr(snscrape, "CHUNK", 20_000)  # many blocks
    assert_same_import(tmp_path, monkeypatch, [(path, old_snscrape(path))])


# -- twarc2 ------------------------------------------------------------------------------------
def v2(id_: str, author: str, text: str, **more) -> dict:
    return {"id": id_, "author_id": author, "text": text,
            "created_at": f"2024-01-0{1 + int(id_) % 8}T10:00:00.000Z",
            "public_metrics": {"like_count": int(id_), "retweet_count": 0}, **more}


def page(data: list, users: list) -> str:
    return json.dumps({"data": data, "includes": {"users": [
        {"id": user_id, "username": name} for user_id, name in users]}})


@pytest.mark.parametrize("name", ["twarc2.jsonl", "twarc2-flat.jsonl"])
def test_a_twarc2_file_imports_as_when_its_posts_were_held(tmp_path, monkeypatch, name):
    path = FORMATS / name
    assert_same_import(tmp_path, monkeypatch, [(path, old_twarc(path))])


def test_twarc2_pages_that_describe_authors_late_and_repeat_tweets(tmp_path, monkeypatch):
    """A tweet on three pages (the last counts win, silently as before); authors described
    only on a later page get their handle; a reply names the account it answers only if a
    page before it described that account; a never-described author gets a placeholder."""
    path = lines_file(tmp_path / "pages.jsonl", [
        page([v2("1", "10", "kept"), v2("2", "66", "withheld"),
              v2("3", "77", "described later", in_reply_to_user_id="88")], [("10", "potter")]),
        page([v2("4", "77", "still later é"), v2("1", "10", "kept again")], []),
        page([v2("5", "77", "here", in_reply_to_user_id="88"), v2("1", "10", "kept third")],
             [("77", "weaver"), ("88", "clay")])])
    reports, tables = assert_same_import(tmp_path, monkeypatch, [(path, old_twarc(path))])
    assert reports[0][3] == 5 and not any("repeated" in w for w in reports[0][-1])
    by_id = {p["native_id"]: p for p in tables["posts"]}
    assert {k: p["author"] for k, p in by_id.items()} == {
        "1": "potter", "2": "id:66", "3": "weaver", "4": "weaver", "5": "weaver"}
    assert (by_id["1"]["text"], by_id["3"]["reply_to_author"], by_id["5"]["reply_to_author"]) \
        == ("kept third", None, "clay")
    doc = read_document(path)
    assert [w for w in doc.warnings if "includes.users" in w] == [
        f"{path}: author 66 of 1 tweet(s) is not in includes.users (withheld or suspended): "
        "stored as id:66"]
    assert [p.native_id for p in doc.posts] == ["2", "3", "4", "5", "1"]  # file order, once


# -- Mastodon ----------------------------------------------------------------------------------
def fixture_outbox() -> tuple[dict, dict]:
    return (json.loads((FORMATS / "mastodon" / "outbox.json").read_text(encoding="utf-8")),
            json.loads((FORMATS / "mastodon" / "actor.json").read_text(encoding="utf-8")))


def tar_gz(path: Path, members: list[tuple[str, dict]]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name, value in members:
            data = json.dumps(value).encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("shape", ["folder", "outbox alone", "tar outbox first", "tar actor first",
                                   "tar without actor"])
def test_an_outbox_imports_as_when_its_posts_were_held(tmp_path, monkeypatch, shape):
    outbox, actor = fixture_outbox()
    outbox["orderedItems"].append(outbox["orderedItems"][1])  # a repeated toot
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    (folder / "actor.json").write_text(json.dumps(actor), encoding="utf-8")
    path = {"folder": folder, "outbox alone": folder / "outbox.json",
            "tar outbox first": tar_gz(tmp_path / "a.tar.gz", [("outbox.json", outbox),
                                                               ("actor.json", actor)]),
            "tar actor first": tar_gz(tmp_path / "b.tar.gz", [("actor.json", actor),
                                                              ("outbox.json", outbox)]),
            "tar without actor": tar_gz(tmp_path / "c.tar.gz", [("outbox.json", outbox)])}[shape]
    old = old_mastodon(outbox, {} if shape == "tar without actor" else actor, path)
    reports, tables = assert_same_import(tmp_path, monkeypatch, [(path, old)])
    assert reports[0][3] == 5 and any("1 repeated copies" in w for w in reports[0][-1])
    if shape != "tar without actor":
        assert [(p["position"], p["likes"], p["thread_index"]) for p in tables["posts"]] == [
            (0, 0, 3), (1, 5, 2), (2, 12, 1), (3, 2, None), (4, None, None)]


def test_an_undated_toot_keeps_the_timeline_newest_first(tmp_path, monkeypatch):
    """An outbox lists its toots oldest first; with one undated toot the timeline is not
    ordered by date, and the importer still gives the old order (newest first, undated
    last), not the file's."""
    outbox, actor = fixture_outbox()
    undated = outbox["orderedItems"][2]
    undated["object"]["published"] = None
    undated.pop("published", None)
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    (folder / "actor.json").write_text(json.dumps(actor), encoding="utf-8")
    _, tables = assert_same_import(tmp_path, monkeypatch,
                                   [(folder, old_mastodon(outbox, actor, folder))])
    dates = [p["created_at"] for p in tables["posts"]]
    assert dates[-1] is None and dates[:-1] == sorted(dates[:-1], reverse=True)


def test_a_reply_to_no_url_with_the_owner_named_only_later(tmp_path):
    """Before actor.json in a tar, a toot's `inReplyTo` that is no URL can only be judged
    once the owner is known: bad unless it is the owner's (a third reading of the outbox)."""
    outbox, actor = fixture_outbox()
    creates = [item for item in outbox["orderedItems"] if item["type"] == "Create"]
    broken = json.loads(json.dumps(creates[0]))
    broken["object"].update(id=broken["object"]["id"] + "0", inReplyTo="http://[broken/1")
    own = json.loads(json.dumps(creates[1]))
    own["object"].update(id=own["object"]["id"] + "0", inReplyTo=actor["id"] + "/[1")
    outbox["orderedItems"] += [broken, own]
    path = tar_gz(tmp_path / "a.tar.gz", [("outbox.json", outbox), ("actor.json", actor)])
    item = len(outbox["orderedItems"]) - 1
    with pytest.raises(SourceError, match=f"orderedItems item {item}: "):
        read_document(path)
    doc = read_document(path, skip_bad=True)
    assert len(doc.warnings) == 1 and f"orderedItems item {item}: " in doc.warnings[0]
    assert len(doc.posts) == len(list(doc.posts)) == 6


# -- never holding the posts -----------------------------------------------------------------
def many_snscrape(path: Path, posts: int) -> Path:
    with open(path, "w", encoding="utf-8") as sink:
        for number in range(posts, 0, -1):
            clock = f"{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
            sink.write(json.dumps({"_type": "snscrape.modules.twitter.Tweet", "id": 10**18 + number,
                                   "date": f"2024-01-01T{clock}+00:00",
                                   "rawContent": f"Post number {number} about nothing much",
                                   "likeCount": number % 50,
                                   "user": {"id": 7, "username": "bench_lab"}}) + "\n")
    return path


def many_twarc(path: Path, posts: int) -> Path:
    with open(path, "w", encoding="utf-8") as sink:
        for first in range(posts, 0, -100):
            sink.write(page([v2(str(n), "7", f"Post number {n} about nothing much")
                             for n in range(first, max(first - 100, 0), -1)], [("7", "bench")])
                       + "\n")
    return path


def many_outbox(folder: Path, posts: int) -> Path:
    outbox, actor = fixture_outbox()
    toot = next(item for item in outbox["orderedItems"] if item["type"] == "Create")
    items = []
    for number in range(posts):
        item = json.loads(json.dumps(toot))
        item["object"]["id"] = f"{actor['id']}/statuses/{10**17 + number}"
        item["object"]["content"] = f"<p>Post number {number} about nothing much</p>"
        items.append(item)
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(dict(outbox, orderedItems=items)),
                                        encoding="utf-8")
    (folder / "actor.json").write_text(json.dumps(actor), encoding="utf-8")
    return folder


def memory(path: Path) -> dict[str, int]:
    """Bytes traced: kept by the document once read, at the peak of reading it (the first
    pass), at the peak of iterating its posts (the second), and taken by the posts held."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        doc = read_document(path)
        kept, first_pass = (value - before for value in tracemalloc.get_traced_memory())
        tracemalloc.reset_peak()
        count = sum(1 for _ in doc.posts)
        second_pass = tracemalloc.get_traced_memory()[1] - before - kept
        held = list(doc.posts)
        posts = tracemalloc.get_traced_memory()[0] - before - kept
    finally:
        tracemalloc.stop()
    assert not isinstance(doc.posts, list)
    assert count == len(held) == len(doc.posts)
    assert [p.native_id for p in doc.posts] == [p.native_id for p in held]  # re-iterable
    return {"kept": kept, "first pass": first_pass, "second pass": second_pass, "posts": posts,
            "count": count}


@pytest.mark.parametrize("make, small", [(many_snscrape, 5_000), (many_twarc, 5_000),
                                         (many_outbox, 2_500)])
def test_the_reader_holds_no_posts(tmp_path, monkeypatch, make, small):
    """Four times the posts: the posts held take four times the memory, the reader does not.
    What reading keeps grows by nothing, iterating by nothing, the first pass by the ids it
    keeps to find repeated posts (under 250 bytes a post, a set resizing at its peak; a tiny
    post held takes 700)."""
    # actor.json is read with `read(MAX_ACTOR_BYTES + 1)`: a buffer of that size, never filled
    monkeypatch.setattr(mastodon, "MAX_ACTOR_BYTES", 1 << 20)
    more = 3 * small
    fewer = memory(make(tmp_path / "small", small))
    many = memory(make(tmp_path / "large", 4 * small))
    assert (fewer["count"], many["count"]) == (small, 4 * small)
    grown = {key: many[key] - fewer[key] for key in fewer}
    assert grown["posts"] > more * 600, grown  # each post held takes 600 bytes or more
    assert grown["kept"] < grown["posts"] / 50, grown
    assert grown["second pass"] < grown["posts"] / 20, grown
    assert grown["first pass"] < more * 250, grown


# -- the repair evidence -----------------------------------------------------------------------
def test_the_evidence_is_the_newest_non_ascii_texts_as_before(tmp_path, monkeypatch):
    """`evidence(limit)`: the first `limit` non-ASCII texts in the old order (newest first,
    each post once), held `EVIDENCE_HELD` at a time, or read again when the first pass could
    not keep them exactly (a repeated post's later copy ASCII after texts were turned away)."""
    monkeypatch.setattr(common, "EVIDENCE_HELD", 7)
    rng = random.Random(16)
    base = snscrape_lines()[0]
    for trial in range(60):
        records = []
        for _ in range(rng.randint(1, 40)):
            number = rng.randint(1, 25)  # many repeats
            text = f"{rng.choice(['plain', 'café', 'naïve ☕', 'ascii again', 'Ã©'])} {number}"
            records.append(dict(base, id=number, rawContent=text,
                                date=f"2024-01-{rng.randint(1, 3):02d}T00:00:00+00:00"))
        path = lines_file(tmp_path / f"{trial}.jsonl", records)
        old = old_snscrape(path)
        doc = read_document(path)
        for limit in (0, 1, 5, 7, 8, 50):
            expected = [p.text for p in old.posts if not p.text.isascii()][:limit]
            assert doc.posts.evidence(limit) == expected, (trial, limit)


def test_the_evidence_of_an_outbox_is_its_newest_toots(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "EVIDENCE_HELD", 3)
    outbox, actor = fixture_outbox()
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    (folder / "actor.json").write_text(json.dumps(actor), encoding="utf-8")
    old = old_mastodon(outbox, actor, folder)
    doc = read_document(folder)
    for limit in (1, 2, 3, 4):
        assert doc.posts.evidence(limit) == [p.text for p in old.posts
                                             if not p.text.isascii()][:limit]
