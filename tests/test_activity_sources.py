"""Mastodon and Bluesky readers on the shapes real exports have: visibility from ActivityStreams
addressing, polls, handles on servers with numeric actor URIs, attachments; Bluesky link facets
(UTF-8 byte offsets), image/video embeds (blobs by CID) and partial repositories.

The small fixtures are written here, with invented texts. The regression tests read the real
files in ../shared/realworld and derive what to expect from the raw file at test time (their
JSON or CBOR is decoded here, independently of the reader); only counts come from EXPECTED.md.
"""
from __future__ import annotations

import hashlib
import json
import re
import tarfile
from collections import Counter
from pathlib import Path

import libipld
import pytest

from feedarchive.errors import SourceError
from feedarchive.formats import read_document

from conftest import expected_row, shared_file
from fixtures.formats.make_bluesky_car import varint

AS_PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
ACTOR = "https://quill.example/users/wren"
FOLLOWERS = f"{ACTOR}/followers"
FRIEND = "https://elsewhere.example/users/finch"


# -- Mastodon: fixtures --------------------------------------------------------------------
def toot(number: int, to: list, cc: list, content: str = "<p>A note.</p>", actor: str = ACTOR,
         url: str | None = None, **fields) -> dict:
    """A `Create` of a `Note` addressed to `to`/`cc` (on the activity and its object, as
    Mastodon writes them)."""
    note_id = f"{actor}/statuses/{number}"
    note = {"id": note_id, "type": "Note", "content": content, "attributedTo": actor,
            "published": f"2024-05-0{number % 9 + 1}T10:00:00Z",
            "url": url or f"https://quill.example/@wren/{number}", "to": to, "cc": cc,
            **fields}
    return {"id": f"{note_id}/activity", "type": "Create", "actor": actor,
            "published": note["published"], "to": to, "cc": cc, "object": note}


def outbox(*items: dict) -> str:
    return json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": "outbox.json",
                       "type": "OrderedCollection", "totalItems": len(items),
                       "orderedItems": list(items)})


def actor_json(actor: str = ACTOR, username: str | None = "wren") -> str:
    body = {"id": actor, "type": "Person", "followers": f"{actor}/followers",
            "name": "Wren Tallow", "summary": "<p>Birds, mostly.</p>"}
    if username:
        body["preferredUsername"] = username
    return json.dumps(body)


def by_id(doc) -> dict:
    return {post.native_id: post for post in doc.posts}


def test_mastodon_visibility_from_to_and_cc(write_file):
    write_file("archive/actor.json", actor_json())
    path = write_file("archive/outbox.json", outbox(
        toot(1, [AS_PUBLIC], [FOLLOWERS]),
        toot(2, [FOLLOWERS], [AS_PUBLIC]),
        toot(3, [FOLLOWERS], [FRIEND]),
        toot(4, [FRIEND], []),
        toot(5, ["as:Public"], []),
        toot(6, [], ["Public", FOLLOWERS]),
        {"id": f"{ACTOR}/statuses/7/activity", "type": "Announce", "actor": ACTOR,
         "published": "2024-05-08T10:00:00Z", "to": [FOLLOWERS], "cc": [FRIEND, AS_PUBLIC],
         "object": f"{FRIEND}/statuses/99"},
        {"id": f"{ACTOR}/statuses/8/activity", "type": "Announce", "actor": ACTOR,
         "published": "2024-05-09T10:00:00Z", "to": AS_PUBLIC, "object": f"{FRIEND}/statuses/98"},
    ))
    posts = by_id(read_document(path))
    seen = {uri.rsplit("/", 2)[-2] if uri.endswith("/activity") else uri.rsplit("/", 1)[-1]:
            post.visibility for uri, post in posts.items()}
    assert seen == {"1": "public", "2": "unlisted", "3": "followers", "4": "direct",
                    "5": "public", "6": "unlisted", "7": "unlisted", "8": "public"}


def test_mastodon_visibility_without_actor_json_and_from_the_activity(write_file):
    """Alone, outbox.json still knows the followers collection (`<actor>/followers`); an
    object without addressing is judged by its activity; no addressing at all says nothing."""
    bare = toot(3, [], [])
    for key in ("to", "cc"):
        del bare["object"][key], bare[key]
    path = write_file("outbox.json", outbox(
        toot(1, [FOLLOWERS], []),
        {**toot(2, [], []), "to": [AS_PUBLIC], "object": {
            key: value for key, value in toot(2, [], [])["object"].items()
            if key not in ("to", "cc")}},
        bare,
    ))
    posts = by_id(read_document(path))
    assert [posts[f"{ACTOR}/statuses/{n}"].visibility for n in (1, 2, 3)] == [
        "followers", "public", None]


def test_mastodon_poll_options_follow_the_text(write_file):
    def option(name, votes=None):
        return {"type": "Note", "name": name,
                **({"replies": {"type": "Collection", "totalItems": votes}}
                   if votes is not None else {})}

    single = toot(1, [AS_PUBLIC], [], content="<p>Tea or coffee?</p>", type="Question",
                  oneOf=[option("Tea", 4), option("Coffee", 1)])
    multiple = toot(2, [AS_PUBLIC], [], content="<p>Which birds did you see?</p>",
                    summary="birds", type="Question",
                    anyOf=[option("Heron", 2), option("Wren & finch"), option("None", 0)])
    path = write_file("outbox.json", outbox(single, multiple, toot(3, [AS_PUBLIC], [])))
    posts = by_id(read_document(path))
    assert posts[f"{ACTOR}/statuses/1"].text == (
        "Tea or coffee?\n\nPoll:\n• Tea (4 votes)\n• Coffee (1 votes)")
    assert posts[f"{ACTOR}/statuses/2"].text == (
        "birds\n\nWhich birds did you see?\n\nPoll:\n• Heron (2 votes)\n• Wren & finch\n"
        "• None (0 votes)")
    assert "Poll:" not in posts[f"{ACTOR}/statuses/3"].text


NUMERIC = "https://quill.example/ap/users/558812340977"


def numeric_outbox(*names: str) -> str:
    return outbox(*(toot(n, [AS_PUBLIC], [], actor=NUMERIC,
                         url=f"https://quill.example/@{name}/{n}")
                    for n, name in enumerate(names, start=1)))


def test_mastodon_numeric_actor_uri_takes_the_name_from_toot_urls(write_file):
    doc = read_document(write_file("alone/outbox.json", numeric_outbox("wren", "wren")))
    assert doc.profile.handle == "wren@quill.example"
    assert doc.profile.native_id == NUMERIC
    assert {post.author for post in doc.posts} == {"wren@quill.example"}
    # URLs that disagree name no one: the actor URI is all there is.
    doc = read_document(write_file("mixed/outbox.json", numeric_outbox("wren", "finch")))
    assert doc.profile.handle == "558812340977@quill.example"


def test_mastodon_numeric_actor_uri_with_actor_json(write_file):
    write_file("full/actor.json", actor_json(NUMERIC, username="wren_t"))
    doc = read_document(write_file("full/outbox.json", numeric_outbox("wren_t")))
    assert (doc.profile.handle, doc.profile.native_id) == ("wren_t@quill.example", NUMERIC)
    assert doc.profile.name == "Wren Tallow"
    # actor.json without preferredUsername: the toots' URLs still name the account.
    write_file("nameless/actor.json", actor_json(NUMERIC, username=None))
    doc = read_document(write_file("nameless/outbox.json", numeric_outbox("wren_t")))
    assert doc.profile.handle == "wren_t@quill.example"


def test_mastodon_attachments_become_media(write_file):
    attachments = [
        {"type": "Document", "mediaType": "image/png", "url": "/media/a/original/1.png",
         "name": "A heron on one leg", "width": 1200, "height": 800, "blurhash": "x"},
        {"type": "Document", "mediaType": "video/mp4", "url": "/media/a/original/2.mp4",
         "name": None, "width": 640, "height": 360},
        {"type": "Audio", "mediaType": "audio/mpeg", "url": "/media/a/original/3.mp3",
         "name": "  "},
        {"type": "Document", "mediaType": "gifv", "url": "/media/a/original/4.mp4"},
        {"type": "Document", "mediaType": "application/pdf", "url": "/media/a/original/5.pdf"},
        {"type": "Image", "url": [{"type": "Link", "href": "https://cdn.example/6.jpg"}]},
        {"type": "Document", "mediaType": "image/jpeg"},  # no url: nothing to point to
    ]
    path = write_file("outbox.json", outbox(
        toot(1, [AS_PUBLIC], [], attachment=attachments), toot(2, [AS_PUBLIC], [])))
    posts = by_id(read_document(path))
    media = posts[f"{ACTOR}/statuses/1"].media
    assert [(m.kind, m.url, m.alt, m.width, m.height) for m in media] == [
        ("image", "/media/a/original/1.png", "A heron on one leg", 1200, 800),
        ("video", "/media/a/original/2.mp4", None, 640, 360),
        ("audio", "/media/a/original/3.mp3", None, None, None),
        ("gif", "/media/a/original/4.mp4", None, None, None),
        ("other", "/media/a/original/5.pdf", None, None, None),
        ("image", "https://cdn.example/6.jpg", None, None, None),
    ]
    assert all(m.blob is None for m in media)
    assert posts[f"{ACTOR}/statuses/2"].media == []


# -- Mastodon: real archives ---------------------------------------------------------------
MASTODON_ARCHIVES = ("dealingwith-masto-archive.tar.gz", "hikurry-Mastodon-archive.tar.gz",
                     "goija-mastodon.tar.gz")


def expected_note_visibility(name: str) -> Counter:
    """The visibility of a real archive's notes (Create only), from EXPECTED.md, in our
    words: Mastodon's "private" is followers-only."""
    row = expected_row("Mastodon", name.removesuffix(".tar.gz"))
    found = dict(re.findall(r"'(\w+)': (\d+)", row["visibility of notes"]))
    return Counter({("followers" if kind == "private" else kind): int(n)
                    for kind, n in found.items()})


def raw_archive(path: Path) -> tuple[dict, list]:
    """actor.json and outbox.json's items, read straight from the tar."""
    with tarfile.open(path) as archive:
        actor = json.load(archive.extractfile("actor.json"))
        items = json.load(archive.extractfile("outbox.json"))["orderedItems"]
    return actor, items


def raw_visibility(activity: dict, followers: str) -> str:
    """The test's own reading of ActivityStreams addressing."""
    def listed(value):
        return value if isinstance(value, list) else [value] if value else []

    to, cc = listed(activity.get("to")), listed(activity.get("cc"))
    public = {AS_PUBLIC, "as:Public", "Public"}
    if public & set(to):
        return "public"
    if public & set(cc):
        return "unlisted"
    return "followers" if followers in to + cc else "direct"


@pytest.mark.parametrize("name", MASTODON_ARCHIVES)
def test_real_mastodon_visibility_matches_the_addressing(name):
    path = shared_file("realworld", "mastodon", name)
    actor, items = raw_archive(path)
    expected = {}
    for item in items:
        if item["type"] == "Create":
            expected[item["object"]["id"]] = raw_visibility(item["object"], actor["followers"])
        elif item["type"] == "Announce":
            expected[item["id"]] = raw_visibility(item, actor["followers"])
    doc = read_document(path)
    assert {post.native_id: post.visibility for post in doc.posts} == expected
    notes = Counter(post.visibility for post in doc.posts if not post.repost_of)
    assert notes == expected_note_visibility(name)


def test_real_mastodon_polls_list_every_option():
    path = shared_file("realworld", "mastodon", "hikurry-Mastodon-archive.tar.gz")
    _, items = raw_archive(path)
    questions = [item["object"] for item in items
                 if item["type"] == "Create" and item["object"]["type"] == "Question"]
    assert len(questions) == 3
    posts = by_id(read_document(path))
    for question in questions:
        text = posts[question["id"]].text
        head, poll = text.split("\n\nPoll:\n")
        options = question.get("oneOf") or question.get("anyOf")
        assert poll.split("\n") == [
            f"• {o['name']} ({o['replies']['totalItems']} votes)" for o in options]
        assert head and "Poll:" not in head


@pytest.mark.parametrize("name", MASTODON_ARCHIVES)
def test_real_mastodon_attachments_are_all_media(name):
    path = shared_file("realworld", "mastodon", name)
    _, items = raw_archive(path)
    expected = {item["object"]["id"]: [(a["url"], a.get("name") or None, a.get("width"))
                                       for a in item["object"].get("attachment") or []]
                for item in items if item["type"] == "Create"}
    doc = read_document(path)
    found = {post.native_id: [(m.url, m.alt, m.width) for m in post.media]
             for post in doc.posts if not post.repost_of}
    assert found == expected
    assert sum(map(len, found.values())) > 0
    for post in doc.posts:
        for media in post.media:
            assert media.kind in ("image", "video")


def test_real_mastodon_outbox_alone_names_the_account_like_actor_json(tmp_path):
    path = shared_file("realworld", "mastodon", "goija-mastodon.tar.gz")
    with tarfile.open(path) as archive:
        archive.extractall(tmp_path / "full", filter="data")
    actor = json.loads((tmp_path / "full" / "actor.json").read_text(encoding="utf-8"))
    host = actor["id"].split("/")[2]
    expected = f"{actor['preferredUsername']}@{host}"
    alone = tmp_path / "alone"
    alone.mkdir()
    (alone / "outbox.json").write_bytes((tmp_path / "full" / "outbox.json").read_bytes())
    for source in (path, tmp_path / "full", alone / "outbox.json"):
        doc = read_document(source)
        assert (doc.profile.handle, doc.profile.native_id) == (expected, actor["id"])
        assert {post.author for post in doc.posts} == {expected}
    assert len(doc.posts) == 305


# -- Bluesky: a CAR built here -------------------------------------------------------------
DID = "did:plc:t3stqu1llw4r3nf1nchx2abc"


def dag_cid(block: bytes) -> bytes:
    """CIDv1, dag-cbor, sha2-256: how a repository names its blocks."""
    return bytes([0x01, 0x71, 0x12, 0x20]) + hashlib.sha256(block).digest()


def raw_cid(data: bytes) -> bytes:
    """CIDv1, raw, sha2-256: how a repository names a blob (a picture)."""
    return bytes([0x01, 0x55, 0x12, 0x20]) + hashlib.sha256(data).digest()


def build_car(records: dict[str, dict], left: bytes | None = None,
              drop: tuple[bytes, ...] = (), extra: dict[bytes, bytes] | None = None) -> bytes:
    """A repository CAR: a commit, one tree node holding `records` (its left subtree link
    `left`, which may name a block left out), the records, and `extra` raw blocks. Blocks in
    `drop` are named but not written (a slice)."""
    blocks: dict[bytes, bytes] = dict(extra or {})

    def put(value) -> bytes:
        data = libipld.encode_dag_cbor(value)
        blocks[dag_cid(data)] = data
        return dag_cid(data)

    entries, previous = [], b""
    for key in sorted(records):
        raw = key.encode()
        shared = next((i for i, (a, b) in enumerate(zip(raw, previous)) if a != b),
                      min(len(raw), len(previous)))
        entries.append({"p": shared, "k": raw[shared:], "v": put(records[key]), "t": None})
        previous = raw
    tree = put({"l": left, "e": entries})
    commit = put({"did": DID, "version": 3, "data": tree, "rev": "3kabc", "prev": None,
                  "sig": b"\x00" * 64})
    header = libipld.encode_dag_cbor({"version": 1, "roots": [commit]})
    out = bytearray(varint(len(header)) + header)
    for cid, data in blocks.items():
        if cid not in drop:
            out += varint(len(cid) + len(data)) + cid + data
    return bytes(out)


def span(text: str, part: str) -> dict:
    """The UTF-8 byte range of `part` in `text`, as a facet's index."""
    start = text.encode().index(part.encode())
    return {"byteStart": start, "byteEnd": start + len(part.encode())}


def link(index: dict, uri: str) -> dict:
    return {"index": index, "features": [{"$type": "app.bsky.richtext.facet#link", "uri": uri}]}


def post(text: str, **fields) -> dict:
    return {"$type": "app.bsky.feed.post", "text": text,
            "createdAt": "2024-03-01T12:00:00.000Z", **fields}


def test_bluesky_link_facets_after_multibyte_characters(write_file):
    text = ("Café ☕ 日本語 notes: quill.example/field-no... and @finch.example #birds 🐦 "
            "docs.example/a...")
    first = "https://quill.example/field-notes/2024/heron-survey"
    second = "https://docs.example/a/very/long/path"
    mention = {"index": span(text, "@finch.example"),
               "features": [{"$type": "app.bsky.richtext.facet#mention", "did": DID}]}
    tag = {"index": span(text, "#birds"),
           "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "birds"}]}
    cut = span(text, "☕")
    facets = [link(span(text, "docs.example/a..."), second), mention, tag,
              link(span(text, "quill.example/field-no..."), first),
              link({"byteStart": cut["byteStart"] + 1, "byteEnd": cut["byteEnd"]}, "https://x"),
              link({"byteStart": 5, "byteEnd": len(text.encode()) + 3}, "https://y"),
              link({"byteStart": True, "byteEnd": 4}, "https://z")]
    car = build_car({"app.bsky.feed.post/3kaaa": post(text, facets=facets)})
    [only] = read_document(write_file("repo.car", car)).posts
    assert only.text_raw == text
    assert only.text == (f"Café ☕ 日本語 notes: {first} and @finch.example #birds 🐦 {second}")


def test_bluesky_overlapping_link_facets_apply_once(write_file):
    text = "see ab.example/x... now"
    facets = [link(span(text, "ab.example/x..."), "https://ab.example/x/full"),
              link(span(text, "example/x... now"), "https://overlap.example")]
    car = build_car({"app.bsky.feed.post/3kaaa": post(text, facets=facets)})
    [only] = read_document(write_file("repo.car", car)).posts
    assert only.text in ("see https://ab.example/x/full now", "see ab.https://overlap.example")
    assert only.text.count("https://") == 1


def test_bluesky_images_video_and_quote_with_media(write_file):
    pictures = [b"first picture bytes", b"second picture bytes", b"video bytes", b"quoted pic"]

    def blob(data: bytes, mime: str) -> dict:
        return {"$type": "blob", "ref": raw_cid(data), "mimeType": mime, "size": len(data)}

    records = {
        "app.bsky.feed.post/3kaaa": post("two pictures", embed={
            "$type": "app.bsky.embed.images", "images": [
                {"image": blob(pictures[0], "image/jpeg"), "alt": "A heron at dawn",
                 "aspectRatio": {"width": 1600, "height": 900}},
                {"image": blob(pictures[1], "image/png"), "alt": ""}]}),
        "app.bsky.feed.post/3kbbb": post("a clip", embed={
            "$type": "app.bsky.embed.video", "video": blob(pictures[2], "video/mp4"),
            "alt": "Wings in slow motion", "aspectRatio": {"width": 720, "height": 1280}}),
        "app.bsky.feed.post/3kccc": post("quoting with a picture", embed={
            "$type": "app.bsky.embed.recordWithMedia",
            "record": {"$type": "app.bsky.embed.record",
                       "record": {"uri": f"at://{DID}/app.bsky.feed.post/3kaaa", "cid": "x"}},
            "media": {"$type": "app.bsky.embed.images",
                      "images": [{"image": blob(pictures[3], "image/jpeg"), "alt": "Quoted"}]}}),
        "app.bsky.feed.post/3kddd": post("a link card https://card.example", embed={
            "$type": "app.bsky.embed.external",
            "external": {"uri": "https://card.example", "title": "Card", "description": "",
                         "thumb": blob(b"thumb", "image/jpeg")}}),
        "app.bsky.feed.post/3keee": post("legacy blob", embed={
            "$type": "app.bsky.embed.images",
            "images": [{"image": {"cid": libipld.encode_cid(raw_cid(b"old")),
                                  "mimeType": "image/jpeg"}, "alt": "old style"}]}),
    }
    doc = read_document(write_file("repo.car", build_car(records)))
    media = {p.native_id.rsplit("/", 1)[-1]: p.media for p in doc.posts}

    def digest(cid: str) -> bytes:
        assert cid.startswith("bafkrei")  # a raw-codec CIDv1 in base32
        return libipld.decode_cid(cid)["hash"]["digest"]

    images = media["3kaaa"]
    assert [(m.kind, m.alt, m.width, m.height, m.url) for m in images] == [
        ("image", "A heron at dawn", 1600, 900, None), ("image", None, None, None, None)]
    assert [digest(m.blob) for m in images] == [hashlib.sha256(p).digest() for p in pictures[:2]]
    [video] = media["3kbbb"]
    assert (video.kind, video.alt, video.width, video.height) == (
        "video", "Wings in slow motion", 720, 1280)
    assert digest(video.blob) == hashlib.sha256(pictures[2]).digest()
    [quoted] = media["3kccc"]
    assert (quoted.kind, quoted.alt, digest(quoted.blob)) == (
        "image", "Quoted", hashlib.sha256(pictures[3]).digest())
    assert media["3kddd"] == []
    [legacy] = media["3keee"]
    assert digest(legacy.blob) == hashlib.sha256(b"old").digest()
    card = next(p for p in doc.posts if p.native_id.endswith("3kddd"))
    assert card.text == card.text_raw


def test_bluesky_missing_subtree_imports_what_is_there(write_file):
    absent = dag_cid(libipld.encode_dag_cbor({"l": None, "e": []}))
    car = build_car({"app.bsky.feed.post/3kzzz": post("still here"),
                     "app.bsky.actor.profile/self": {"displayName": "Wren"}}, left=absent)
    doc = read_document(write_file("slice.car", car))
    assert [p.text for p in doc.posts] == ["still here"]
    assert (doc.profile.native_id, doc.profile.name) == (DID, "Wren")
    assert any("partial repository: 1 tree node missing from the CAR; their records are not "
               "imported" in warning for warning in doc.warnings)


def test_bluesky_malformed_subtree_still_fails(write_file):
    bad = libipld.encode_dag_cbor({"not": "a tree node"})
    car = build_car({"app.bsky.feed.post/3kzzz": post("here")}, left=dag_cid(bad),
                    extra={dag_cid(bad): bad})
    with pytest.raises(SourceError, match="corrupt repository"):
        read_document(write_file("bad.car", car))


def test_bluesky_complete_repository_has_no_warning(write_file):
    doc = read_document(write_file("repo.car", build_car({"app.bsky.feed.post/3k": post("hi")})))
    assert doc.warnings == [] and doc.profile.native_id == DID


# -- Bluesky: real repositories ------------------------------------------------------------
def car_posts(path: Path) -> tuple[str, list[dict]]:
    """The DID and every post record block in a CAR, decoded here."""
    header, blocks = libipld.decode_car(path.read_bytes())
    commit = blocks[header["roots"][0]]
    return commit["did"], [block for block in blocks.values() if isinstance(block, dict)
                           and block.get("$type") == "app.bsky.feed.post"]


def link_facets(record: dict) -> list[str]:
    return [feature["uri"] for facet in record.get("facets") or []
            for feature in facet["features"]
            if feature.get("$type") == "app.bsky.richtext.facet#link"]


def test_real_bluesky_link_facets_carry_the_full_uri():
    path = shared_file("realworld", "bluesky", "indigo-bnewbold.robocracy.org.20250310005405.car")
    did, records = car_posts(path)
    doc = read_document(path)
    linked = [record for record in records if link_facets(record)]
    changed = [p for p in doc.posts if p.text != p.text_raw]
    assert len(linked) == 2 and len(changed) == 2
    for record in linked:
        [found] = [p for p in doc.posts if p.text_raw == record["text"]
                   and p.created_at[:19] == record["createdAt"][:19]]
        for uri in link_facets(record):
            assert uri in found.text and uri not in found.text_raw
    assert doc.profile.native_id == did


@pytest.mark.parametrize("name", ["indigo-bnewbold.robocracy.org.20250310005405.car",
                                  "indigo-paul_staging.repo.car", "indigo-fakermaker.repo.car"])
def test_real_bluesky_images_are_media_named_by_blob(name):
    path = shared_file("realworld", "bluesky", name)
    _, records = car_posts(path)
    expected = Counter()
    for record in records:
        embed = record.get("embed") or {}
        if embed.get("$type") == "app.bsky.embed.recordWithMedia":
            embed = embed["media"]
        for image in embed.get("images") or [] if embed.get("$type") == "app.bsky.embed.images" \
                else []:
            ref = image["image"].get("ref") or image["image"].get("cid")
            expected[ref if isinstance(ref, str) else libipld.encode_cid(ref)] += 1
    doc = read_document(path)
    found = Counter(m.blob for p in doc.posts for m in p.media)
    assert found == expected and sum(found.values()) > 0
    assert all(m.kind == "image" and m.url is None for p in doc.posts for m in p.media)


BLUESKY_CARS = ("indigo-bnewbold.robocracy.org.20250310005405.car", "indigo-fakermaker.repo.car",
                "indigo-paul_staging.repo.car", "dnproto-msttest-06-reply.car",
                "indigo-repo_slice.car")


@pytest.mark.parametrize("name", BLUESKY_CARS)
def test_real_bluesky_counts(name):
    path = shared_file("realworld", "bluesky", name)
    did, _ = car_posts(path)
    doc = read_document(path)
    reposts = sum(1 for p in doc.posts if p.repost_of)
    row = expected_row("Bluesky", name)
    assert (len(doc.posts) - reposts, reposts) == (int(row["posts"]), int(row["reposts"]))
    assert doc.profile.native_id == did


def test_real_bluesky_slice_warns_instead_of_failing():
    doc = read_document(shared_file("realworld", "bluesky", "indigo-repo_slice.car"))
    assert len(doc.posts) == 1
    assert [w for w in doc.warnings if "partial repository: 1 tree node missing" in w]
