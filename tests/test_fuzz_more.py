"""The fuzz suite, continued past the JSON sources of test_fuzz_fields: Bluesky repositories, the
two text formats, and the server's pages.

Sources: an import ends with a message (a FeedarchiveError) or imports, never raises anything
else, and a source that failed leaves nothing of itself in the archive (every table of a fresh
archive is still empty). The inputs are a small repository built here with `build_car` (each
field of each record, of the CAR header, the commit and the tree node, given each wrong type
in turn; Hypothesis's byte flips, insertions and cuts of the whole file; Hypothesis's values
anywhere in a record), a timeline scrape written here and the homepage fixture, edited by
Hypothesis: characters inserted (any Unicode, controls, private-use, bytes that are not UTF-8,
markup), lines dropped, doubled or swapped, the file cut anywhere, even inside a character.

Server: an archive of the fixtures, asked for every page the plugin serves (and the posts table
it wraps) with hostile path values and query arguments (any Unicode, private-use characters,
percent-encoded bytes that are not UTF-8 or are surrogates, stray `%`, numbers past any
integer, negative numbers, long strings): no answer is a 500, and a 200 is a whole document
(HTML ending in `</html>`, JSON and Atom that parse).
"""
from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from urllib.parse import quote

import libipld
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedarchive.errors import FeedarchiveError, SourceError
from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import FIXTURES, timeline
from fixtures.formats.make_bluesky_car import varint
from test_activity_sources import DID, build_car, link, post, raw_cid, span
from test_fuzz_fields import WRONG, field_paths, mutations, replaced

FORMATS = FIXTURES / "formats"
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                      HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])


# -- what every source must do -----------------------------------------------------------
def table_counts(db) -> dict[str, int]:
    """Rows in each table of an archive (virtual tables aside: their shadow tables count)."""
    names = [name for (name,) in db.execute(
        "select name from sqlite_master where type = 'table' and sql not like 'create virtual%'")]
    return {name: db.execute(f"select count(*) from [{name}]").fetchone()[0] for name in names}


def imports_or_fails_whole(db_path: Path, source: Path, format: str | None = None) -> None:
    """Import into a fresh archive: it imports, or it raises FeedarchiveError having written
    nothing (every table as the fresh archive had it: no source, no post). Any other exception
    propagates and fails the test."""
    db = open_db(db_path)
    fresh = table_counts(db)
    assert fresh["sources"] == fresh["posts"] == 0
    try:
        import_file(db, source, format)
    except FeedarchiveError as error:
        left = {name: n for name, n in table_counts(db).items() if n != fresh.get(name)}
        assert not left, f"{source} failed ({error}) but left rows behind: {left}"


def put(value: Any, path: tuple, new: Any) -> Any:
    """`replaced` for DAG-CBOR values (bytes are CID links there, which JSON cannot copy)."""
    if not path:
        return copy.deepcopy(new)
    changed = copy.deepcopy(value)
    place = changed
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = copy.deepcopy(new)
    return changed


# -- Bluesky: a small repository -----------------------------------------------------------
def cid_text(data: bytes) -> str:
    return libipld.encode_cid(raw_cid(data))


OTHER_POST = "at://did:plc:f1nchf1nchf1nchf1nchf1nc/app.bsky.feed.post/3kxyz"
ROOT_URI = f"at://{DID}/app.bsky.feed.post/3kaaa"
NOTE = "Heron survey notes: quill.example/heron-su... 🐦 #birds"
# JSON values only (blob links in their `{"$link": ...}` form), so `replaced` can copy them.
RECORDS: dict[str, dict] = {
    "app.bsky.actor.profile/self": {"$type": "app.bsky.actor.profile", "displayName": "Wren",
                                    "description": "Birds, mostly. quill.example"},
    "app.bsky.feed.post/3kaaa": post(NOTE, langs=["en"], facets=[
        link(span(NOTE, "quill.example/heron-su..."), "https://quill.example/heron-survey"),
        {"index": span(NOTE, "#birds"),
         "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "birds"}]}],
        embed={"$type": "app.bsky.embed.images", "images": [
            {"image": {"$type": "blob", "ref": {"$link": cid_text(b"heron")},
                       "mimeType": "image/jpeg", "size": 5},
             "alt": "A heron at dawn", "aspectRatio": {"width": 1600, "height": 900}}]}),
    "app.bsky.feed.post/3kbbb": post("And a clip of it taking off.", langs=["en"],
                                     reply={"root": {"uri": ROOT_URI, "cid": "x"},
                                            "parent": {"uri": ROOT_URI, "cid": "x"}},
                                     embed={"$type": "app.bsky.embed.video",
                                            "video": {"cid": cid_text(b"clip"),
                                                      "mimeType": "video/mp4"},
                                            "aspectRatio": {"width": 720, "height": 1280}}),
    "app.bsky.feed.post/3kccc": post("Quoting a friend, with a picture.", embed={
        "$type": "app.bsky.embed.recordWithMedia",
        "record": {"$type": "app.bsky.embed.record", "record": {"uri": OTHER_POST, "cid": "y"}},
        "media": {"$type": "app.bsky.embed.images",
                  "images": [{"image": {"ref": {"$link": cid_text(b"quoted")}}, "alt": ""}]}}),
    "app.bsky.feed.repost/3kddd": {"$type": "app.bsky.feed.repost",
                                   "createdAt": "2024-03-02T08:00:00.000Z",
                                   "subject": {"uri": OTHER_POST, "cid": "y"}},
    "app.bsky.feed.like/3keee": {"$type": "app.bsky.feed.like",
                                 "createdAt": "2024-03-02T08:01:00.000Z",
                                 "subject": {"uri": OTHER_POST, "cid": "y"}},
}
BASE_CAR = build_car(RECORDS)


def test_the_small_repository_imports_whole(tmp_path):
    """The starting point of every mutation below is itself a good repository."""
    source = tmp_path / "repo.car"
    source.write_bytes(BASE_CAR)
    report = import_file(open_db(tmp_path / "a.db"), source)
    assert (report.format, report.posts, report.warnings) == ("bluesky", 4, [])


@pytest.mark.parametrize("key", sorted(RECORDS))
def test_every_field_of_each_bluesky_record(tmp_path, key):
    record = RECORDS[key]
    for number, (path, bad) in enumerate(mutations(record)):
        source = tmp_path / f"{number}.car"
        source.write_bytes(build_car({**RECORDS, key: replaced(record, path, bad)}))
        imports_or_fails_whole(tmp_path / f"{number}.db", source)


# Each wrong type of test_fuzz_fields, and what only DAG-CBOR has: a byte string (a CID link is
# one) and an integer past SQLite's.
WRONG_CBOR = [*WRONG, b"\x01q\x12", 2**64 - 1]


def repository() -> tuple[dict, dict, bytes, bytes]:
    """The small repository's CAR header, blocks (decoded), commit and tree node CIDs."""
    header, blocks = libipld.decode_car(BASE_CAR)
    commit = header["roots"][0]
    return header, blocks, commit, blocks[commit]["data"]


def car_of(header: Any, blocks: dict[bytes, Any]) -> bytes:
    """A CAR of these (decoded) blocks under their old CIDs: the reader does not check a
    block against its CID, so a changed block is read where the original was."""
    head = libipld.encode_dag_cbor(header)
    out = bytearray(varint(len(head)) + head)
    for cid, value in blocks.items():
        data = libipld.encode_dag_cbor(value)
        out += varint(len(cid) + len(data)) + cid + data
    return bytes(out)


def structure_car(part: str, path: tuple, bad: Any) -> bytes:
    """The small repository with one field of its header, commit or tree node changed."""
    header, blocks, commit, tree = repository()
    if part == "header":
        return car_of(put(header, path, bad), blocks)
    cid = commit if part == "commit" else tree
    return car_of(header, {**blocks, cid: put(blocks[cid], path, bad)})


@pytest.mark.parametrize("part", ["header", "commit", "tree"])
def test_every_field_of_the_repository_structure(tmp_path, part):
    """What the reader walks before any record: the CAR header's roots, the commit (`did`,
    `data`) and the tree node (`l`, each entry's `p`, `k`, `v`, `t`)."""
    header, blocks, commit, tree = repository()
    target = {"header": header, "commit": blocks[commit], "tree": blocks[tree]}[part]
    tried = 0
    for number, path in enumerate(field_paths(target)):
        for variant, bad in enumerate(WRONG_CBOR):
            source = tmp_path / f"{number}-{variant}.car"
            source.write_bytes(structure_car(part, path, bad))
            imports_or_fails_whole(tmp_path / f"{number}-{variant}.db", source)
            tried += 1
    assert tried > 20


# Three shapes that once raised a TypeError or ValueError (fixed in bluesky.py): each is a
# corrupt repository, said with the file's name.
@pytest.mark.parametrize("part, path, bad", [
    ("header", ("roots", 0), {}),  # the root is a map, not a CID
    ("commit", ("did",), 5), ("commit", ("did",), None), ("commit", ("did",), ""),
    ("tree", ("e", 0, "v"), {}),  # a record link that is a map
])
def test_a_malformed_repository_fails_with_a_message(tmp_path, part, path, bad):
    source = tmp_path / "repo.car"
    source.write_bytes(structure_car(part, path, bad))
    db = open_db(tmp_path / "a.db")
    with pytest.raises(SourceError, match="repo.car"):
        import_file(db, source)
    assert db["posts"].count == 0 and db["sources"].count == 0


EDITS = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete"]),
                           st.integers(min_value=0), st.integers(0, 255)),
                 min_size=1, max_size=4)


@settings(FUZZ, max_examples=250)
@given(edits=EDITS, cut=st.none() | st.integers(min_value=0), named=st.booleans())
def test_flipped_and_cut_car_bytes(tmp_path_factory, edits, cut, named):
    data = bytearray(BASE_CAR)
    for op, at, byte in edits:
        at %= len(data) + (op == "insert")
        if op == "flip":
            data[at] ^= byte or 0xFF
        elif op == "insert":
            data[at:at] = bytes([byte])
        else:
            del data[at]
    if cut is not None:
        data = data[:cut % (len(data) + 1)]
    folder = tmp_path_factory.mktemp("car-bytes")
    (folder / "repo.car").write_bytes(bytes(data))
    imports_or_fails_whole(folder / "a.db", folder / "repo.car", "bluesky" if named else None)


# What DAG-CBOR can hold: JSON's values, byte strings (CID links are bytes) and integers to
# CBOR's 64 bits.
CBOR_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**63, max_value=2**64 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text() | st.binary(max_size=40),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(FUZZ, max_examples=200)
@given(key=st.sampled_from(sorted(RECORDS)), path_index=st.integers(min_value=0),
       value=CBOR_VALUES)
def test_random_values_anywhere_in_a_bluesky_record(tmp_path_factory, key, path_index, value):
    paths = list(field_paths(RECORDS[key]))
    changed = put(RECORDS[key], paths[path_index % len(paths)], value)
    folder = tmp_path_factory.mktemp("car-values")
    (folder / "repo.car").write_bytes(build_car({**RECORDS, key: changed}))
    imports_or_fails_whole(folder / "a.db", folder / "repo.car")


# -- text formats: a timeline scrape and a homepage -----------------------------------------
# A profile page copied as text (the reader's format: see test_timeline_format), with a bio,
# location and website line, a thread, a post ending in a bare number and a link post.
SCRAPE = """Marlo Quince
@marlo_q
Followers
3,210
Following
145
Media
37
Statuses
1.1K
Knitting patterns and small robots.
Lisbon
marlo.example
Joined March 2016
(1/3) Why my sock robot keeps dropping stitches, a thread
2
5
48
(2/3) The needle clamp slips when the yarn is damp \U0001f9f6
0
1
12
(3/3) A rubber band fixed it. Stitches dropped since:
0
0
0
3
Sunday market haul: https://market.example/stall?a=1&b=2 #yarn @wool_co
1
0
1.2K
""".encode("utf-8")
HOMEPAGE = (FORMATS / "homepage.html").read_bytes()

# What an edit inserts: any character (controls, private-use and unassigned ones too), the
# characters readers treat specially, bytes that are not UTF-8 (a lone surrogate escaped to
# its byte), and for the homepage the markup its reader looks for.
SPECIAL = "\x00\r\t\x0b\x0c\x1b\x7f\x85\xa0\u2028\u2029\u200b\ufeff\ufffd\ufffe\ue000\U0010fffd" \
          "\udc80\udcff"
TEXT_PIECES = st.one_of(
    st.text(st.characters(codec="utf-8"), min_size=1, max_size=8).map(str.encode),
    st.text(st.sampled_from(SPECIAL), min_size=1, max_size=4).map(
        lambda text: text.encode("utf-8", "surrogateescape")),
    st.binary(min_size=1, max_size=4),
)
TIMELINE_PIECES = TEXT_PIECES | st.sampled_from([
    b"@marlo_q", b"Followers", b"Joined May 2019", b"0", b"1,234", b"2.5K", b"99999999999999999",
    b"1.2B", b"(4/3) ", b"\n0\n0\n0\n"])
MARKUP = [b"<", b">", b"<!--", b"-->", b"<![CDATA[", b"]]>", b"<![foo[", b"&#", b"&#x110000;",
          b"&#99999999999999999999;", b"&#0;", b"&amp", b"<h2>News</h2>", b"</h2>", b"<li>",
          b"<b>2025.13:</b>", b"<table><tr><td>", b"</table>", b"<script>", b"</script>",
          b"<style>", b"<?xml", b"<!DOCTYPE html>", b"<br/>", b"<a href='", b"---\n", b"## ",
          b"- 2025.99: ", b"0000-00-00", b"{%", b"{{", b"[x](", b"![a](", b"**", b"<h1>"]
HOMEPAGE_PIECES = TEXT_PIECES | st.lists(st.sampled_from(MARKUP), min_size=1, max_size=3).map(
    b"".join)


@st.composite
def edited(draw, original: bytes, pieces) -> bytes:
    """`original` after a few line edits (insert a piece anywhere in a line, even inside a
    character; drop, double or swap lines), cut anywhere or not."""
    lines = original.split(b"\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        op = draw(st.sampled_from(["insert", "insert", "drop", "double", "swap"]))
        at = draw(st.integers(0, len(lines) - 1))
        if op == "insert":
            line, piece = lines[at], draw(pieces)
            where = draw(st.integers(0, len(line)))
            lines[at] = line[:where] + piece + line[where:]
        elif op == "drop":
            del lines[at]
        elif op == "double":
            lines.insert(at, lines[at])
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[at], lines[other] = lines[other], lines[at]
    data = b"\n".join(lines)
    if draw(st.booleans()):
        data = data[:draw(st.integers(0, len(data)))]
    return data


def test_the_text_samples_import_whole(tmp_path):
    """The starting points of the edits below read as what they are."""
    for name, data, format, posts in [("marlo.txt", SCRAPE, "timeline", 4),
                                      ("home.html", HOMEPAGE, "homepage", 0)]:
        (tmp_path / name).write_bytes(data)
        report = import_file(open_db(tmp_path / f"{name}.db"), tmp_path / name)
        assert (report.format, report.posts, report.warnings) == (format, posts, [])
        assert report.threads == (1 if format == "timeline" else 0)
        assert report.pages == (1 if format == "homepage" else 0)


@settings(FUZZ, max_examples=250)
@given(data=edited(SCRAPE, TIMELINE_PIECES), named=st.booleans())
def test_edited_timeline_scrapes(tmp_path_factory, data, named):
    folder = tmp_path_factory.mktemp("timeline")
    (folder / "marlo.txt").write_bytes(data)
    imports_or_fails_whole(folder / "a.db", folder / "marlo.txt", "timeline" if named else None)


@settings(FUZZ, max_examples=250)
@given(data=edited(HOMEPAGE, HOMEPAGE_PIECES), named=st.booleans())
def test_edited_homepages(tmp_path_factory, data, named):
    folder = tmp_path_factory.mktemp("homepage")
    (folder / "home.html").write_bytes(data)
    imports_or_fails_whole(folder / "a.db", folder / "home.html", "homepage" if named else None)


# -- the server: hostile requests to every page --------------------------------------------
@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> tuple[Path, dict[str, list[str]]]:
    """An archive of the fixtures and a scrape with a private-use character and markup, and
    the handles, thread ids and post ids in it (values a hostile one is made from)."""
    folder = tmp_path_factory.mktemp("served")
    scrape = folder / "ada.txt"
    scrape.write_text(timeline(("(1/2) Lentil \ue000 soup <b>for</b> 100% of us", "0", "1", "5"),
                               ("(2/2) Same budget, smaller batches %s %%", "1", "2", "30")),
                      encoding="utf-8")
    path = folder / "archive.db"
    db = open_db(path)
    for source in [FORMATS / "snscrape.jsonl", FORMATS / "bluesky.car", FORMATS / "mastodon",
                   FORMATS / "homepage.html", FORMATS / "x-archive", scrape]:
        import_file(db, source)
    known = {"handle": [row[0] for row in db.execute("select handle from authors")],
             "thread": [row[0] for row in db.execute("select id from threads")],
             "post": [row[0] for row in db.execute("select id from posts")]}
    db.conn.close()
    assert all(known.values())
    return path, known


def encoded(text: str) -> str:
    """`text` percent-encoded as UTF-8; a surrogate as the three bytes it would take
    (`%ED%B3%BF`), which are not UTF-8."""
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


# Path values and query arguments, already percent-encoded as they go in a URL.
HOSTILE = st.one_of(
    st.text(max_size=30).map(encoded),  # any Unicode
    st.text(st.characters(categories=["Co"]), min_size=1, max_size=5).map(encoded),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Zl", "Zp"]), min_size=1,
            max_size=5).map(encoded),
    st.binary(min_size=1, max_size=12).map(lambda data: quote(data, safe="")),
    st.sampled_from(["%", "%%", "%2", "%zz", "%00", "%25", "%2F", "%2f..%2f", "%FF", "%C0%AF",
                     "%ED%B3%BF", "%E2%80%AE", "%EF%BF%BF", "%F4%90%80%80", "..", "."]),
    st.integers(min_value=2**63 - 2, max_value=10**400).map(str),
    st.integers(max_value=-1).map(str),
    st.floats().map(repr),
    st.text(st.sampled_from('a* "():^-+#@\ue000'), min_size=500, max_size=3000).map(encoded),
    st.sampled_from(["relevance", "likes", "1", "0", "x", "", "NEAR(a b)", "a OR b", '"', "*",
                     "-a", "a*", "@", "#", "id", "position", "text", "rowid"]).map(encoded),
)
ROUTES = ["/-/author/{}", "/-/author/{}.json", "/-/author/{}.atom", "/-/thread/{}",
          "/-/thread/{}.json", "/-/thread/{}.md", "/-/post/{}", "/-/post/{}.json",
          "/-/search", "/-/search.json", "/", "/archive/posts", "/archive/posts.json",
          "/archive/posts/{}", "/archive/threads/{}.json", "/archive/authors/{}"]
ARGUMENTS = ["q", "from", "sort", "page", "author", "_search", "_fa_listed", "_fa_search",
             "_sort", "_sort_desc", "_size", "_next", "_searchmode", "_nocount"]


def well_formed(response) -> None:
    """No 500; a 200 is a whole page of the kind it says it is."""
    assert response.status_code < 500, response.text[:500]
    if response.status_code != 200:
        return
    kind = response.headers.get("content-type", "")
    if "html" in kind:
        assert response.text.rstrip().endswith("</html>"), response.text[-300:]
    elif "json" in kind:
        json.loads(response.text)
    elif "atom" in kind:
        ET.fromstring(response.content)


@pytest.fixture
def server(archive):
    """One server for all of a test's examples: nothing a request does changes it."""
    return make_datasette(archive[0])


@settings(FUZZ, max_examples=800)
@given(data=st.data(), route=st.sampled_from(ROUTES),
       names=st.lists(st.sampled_from(ARGUMENTS), max_size=4))
async def test_hostile_paths_and_arguments_get_no_500(archive, server, data, route, names):
    """A real handle, thread or post id, a hostile value or both run together in the path,
    and up to four of the arguments the pages read; the arguments held in range are."""
    known = archive[1]
    kind = "handle" if "author" in route else "thread" if "thread" in route else "post"
    real = st.sampled_from(known[kind]).map(lambda text: quote(text, safe=":@/"))
    value = data.draw(real | HOSTILE | st.tuples(real, HOSTILE).map("".join), label="value")
    arguments = [(name, data.draw(real | HOSTILE, label=name)) for name in names]
    url = route.replace("{}", value) + ("?" + "&".join(f"{k}={v}" for k, v in arguments)
                                        if arguments else "")
    # Datasette answers a path with `%` that no route takes by a redirect to its `~` form:
    # followed, so that form is asked for too.
    response = await server.client.get(url, follow_redirects=True)
    well_formed(response)
    if response.status_code == 200 and route == "/-/search.json":
        assert 1 <= response.json()["page"] <= 1_000_000
    if response.status_code == 200 and route == "/-/author/{}.json":
        shown = response.json()  # a page of an author with posts shows some, from any `from`
        assert shown["timeline"] or not shown["posts_in_archive"]


@pytest.mark.parametrize("query", ["_sort=nope", "_sort_desc=nope", "_sort=id&_sort_desc=id",
                                   "_search=lentil&_sort=nope"])
async def test_sorting_the_posts_table_by_what_it_cannot_is_a_400(archive, query):
    """Datasette 0.65 answers these with a 500 (`Cannot sort table by nope`); they are the
    request's fault."""
    for page in ("/archive/posts", "/archive/posts.json", "/archive/threads"):
        response = await make_datasette(archive[0]).client.get(f"{page}?{query}")
        assert response.status_code == 400, (page, query)
        assert "Cannot" in response.text
