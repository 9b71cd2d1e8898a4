"""A Bluesky repository export: the `.car` file `com.atproto.sync.getRepo` returns (Settings →
Export my data).

The CAR (content-addressed archive, v1) holds DAG-CBOR blocks, decoded with `libipld` (the
maintained IPLD codec the atproto Python SDK uses). Its root is the signed commit
(`did`, `data`); `data` is the root of the Merkle search tree whose leaves map record keys
(`app.bsky.feed.post/<rkey>`) to records. Keys are prefix-compressed inside a node: each entry
has `p` (bytes shared with the previous key), `k` (the rest), `v` (the record), `t` (the subtree
right of it); `l` is the subtree left of the first entry.

Read: `app.bsky.feed.post` records (`text`, `createdAt`, `langs`, `reply.parent.uri`,
`facets`, `embed`), `app.bsky.feed.repost` records (kept as the owner's posts with
`repost_of` = the reposted post's `at://` URI, which is also their text), and
`app.bsky.actor.profile/self` (`displayName`, `description`). A post's native id is its
`at://did/app.bsky.feed.post/rkey` URI, which is what replies point to, so self-reply threads
are exact. The profile's `native_id` is the DID.

Links: the app writes a long link shortened in `text` (`github.com/bluesky-soci...`) and keeps
the full URL in a facet (`app.bsky.richtext.facet#link`, `uri`) over that span, given as UTF-8
byte offsets (`index.byteStart`/`byteEnd`). `text` carries the full URL in the span's place;
`text_raw` keeps the record's text. Facets out of range, off character boundaries or
overlapping one already applied are ignored; mention and tag facets leave the text as it is.

Media (`Post.media`): `embed` `app.bsky.embed.images` (each `image` blob, `alt`,
`aspectRatio`) gives images, `app.bsky.embed.video` a video, `app.bsky.embed.recordWithMedia`
its `media` part. A repository holds blobs only by CID, so a `Media` has `blob` = the CID's
string form (`bafkrei…`) and no URL. A link card (`app.bsky.embed.external`) and a quoted post
(`app.bsky.embed.record`) are not media.

A slice of a repository (some tree nodes absent from the CAR) is read for what it holds, with
a warning naming how many nodes are missing; a node present but malformed fails the file.

The repository names its owner only by DID: the handle is `--author` when given, else the DID.
Like, repost and reply counts are not in a repository: they stay NULL.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..errors import SourceError
from ..models import Document, Media, Post, Profile
from .common import RECORD_ERRORS, BadRecords, count, iso_utc, record_problem

NAME = "bluesky"
PLATFORM = "bluesky"
OPTIONS = ("author", "skip_bad")
MAX_CAR_BYTES = 2 * 1024**3
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
PROFILE = "app.bsky.actor.profile"
LINK_FACET = "app.bsky.richtext.facet#link"
IMAGES = "app.bsky.embed.images"
VIDEO = "app.bsky.embed.video"
RECORD_WITH_MEDIA = "app.bsky.embed.recordWithMedia"


def sniff(path: Path, head: bytes) -> bool:
    """A CAR v1 starts with a varint length and a DAG-CBOR map of `roots` and `version`."""
    if not head or head[0] & 0x80 or head[0] < 10:
        return False
    header = head[1:1 + head[0]]
    return header[:1] in (b"\xa2",) and b"roots" in header and b"version" in header


def read(path: Path, *, author: Optional[str] = None, skip_bad: bool = False) -> Document:
    import libipld

    path = Path(path)
    label = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CAR_BYTES:
            raise SourceError(label, f"CAR of {size} bytes is larger than the "
                                     f"{MAX_CAR_BYTES} allowed")
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(label, f"cannot read file: {error.strerror}") from None
    try:
        header, blocks = libipld.decode_car(data)
    except (ValueError, TypeError, RuntimeError) as error:
        raise SourceError(label, f"corrupt CAR file: {error}") from None
    roots = header.get("roots") if isinstance(header, dict) else None
    if not isinstance(roots, list) or not roots or not is_link(roots[0]) \
            or roots[0] not in blocks:
        raise SourceError(label, "corrupt CAR file: its root block is missing")
    commit = blocks[roots[0]]
    if not isinstance(commit, dict) or "did" not in commit or "data" not in commit:
        raise SourceError(label, "not an atproto repository (the root is not a commit)")
    did = commit["did"]
    if not isinstance(did, str) or not did.startswith("did:"):
        raise SourceError(label, f"not an atproto repository (the commit's did is {did!r}, "
                                 "not a DID)")
    records, missing = walk_tree(label, blocks, commit["data"])
    handle = author.lstrip("@") if author else did
    profile = Profile(handle=handle, native_id=did)
    posts: list[Post] = []
    warnings: list[str] = []
    if missing:
        warnings.append(f"{label}: partial repository: {missing} tree "
                        f"node{'s' if missing != 1 else ''} missing from the "
                        f"CAR; their records are not imported")
    bad = BadRecords(label, skip_bad, warnings)
    for key, record in records:
        if not isinstance(record, dict):
            continue
        try:
            add_record(key, record, did, profile, posts, warnings, label)
        except RECORD_ERRORS as error:
            bad.skip(f"record {key}: " + record_problem(error))
    bad.close()
    posts.sort(key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)
    return Document(label, NAME, profile, posts, warnings, platform=PLATFORM)


def add_record(key: str, record: dict, did: str, profile: Profile, posts: list[Post],
               warnings: list[str], label: str) -> None:
    """Take one record of the repository: the profile's name and bio, a post, a repost."""
    collection, _, rkey = key.partition("/")
    uri = f"at://{did}/{key}"
    if collection == PROFILE and rkey == "self":
        name, bio = record.get("displayName"), record.get("description")
        profile.name = name if isinstance(name, str) and name else None
        profile.bio = bio if isinstance(bio, str) and bio else None
    elif collection == POST:
        post = record_post(record, uri, rkey, did, profile.handle)
        if post is None:
            warnings.append(f"{label}: record {key} has no text; skipped")
        else:
            posts.append(post)
    elif collection == REPOST:
        subject = (record.get("subject") or {}).get("uri")
        if subject:
            if not isinstance(subject, str):
                raise ValueError("a repost whose subject.uri is not a string")
            posts.append(Post(text_raw=subject, author=profile.handle, native_id=uri,
                              repost_of=subject, created_at=iso_utc(record.get("createdAt"))))


def record_post(record: dict, uri: str, rkey: str, did: str, handle: str) -> Optional[Post]:
    """An `app.bsky.feed.post` record as a `Post`; None when it has no text field at all."""
    text = record.get("text")
    if not isinstance(text, str):
        return None
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri") if isinstance(reply, dict) else None
    parent_did = parent[len("at://"):].split("/", 1)[0] if parent else None
    langs = record.get("langs") or []
    return Post(
        text_raw=text, author=handle, native_id=uri, reply_to=parent or None,
        text=expand_link_facets(text, record.get("facets")),
        reply_to_author=(handle if parent_did == did else parent_did) if parent else None,
        created_at=iso_utc(record.get("createdAt")),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        lang=langs[0] if langs and isinstance(langs[0], str) else None,
        media=embed_media(record.get("embed")),
    )


# -- link facets ---------------------------------------------------------------------------
def _link_uri(facet: dict) -> Optional[str]:
    features = facet.get("features")
    for feature in features if isinstance(features, list) else []:
        if isinstance(feature, dict) and feature.get("$type") == LINK_FACET and \
                isinstance(feature.get("uri"), str) and feature["uri"]:
            return feature["uri"]
    return None


def _byte_span(facet: dict) -> Optional[tuple[int, int]]:
    index = facet.get("index")
    if not isinstance(index, dict):
        return None
    start, end = index.get("byteStart"), index.get("byteEnd")
    if type(start) is not int or type(end) is not int:  # bool is not an offset
        return None
    return start, end


def _on_boundary(data: bytes, offset: int) -> bool:
    """Whether `offset` falls between two UTF-8 characters (not on a continuation byte)."""
    return offset == len(data) or (data[offset] & 0xC0) != 0x80


def expand_link_facets(text: str, facets: Any) -> str:
    """`text` with each link facet's span replaced by the facet's full `uri`: the app
    shortens long links in the text itself, and the facet is the only place the real URL is
    kept. Offsets are UTF-8 bytes, so the work is on the encoded text, right to left so that
    the spans still to come keep their offsets. A facet that is out of range, cuts a
    character, or overlaps one already applied is ignored rather than trusted."""
    if not isinstance(facets, list) or not facets:
        return text
    links = []
    for facet in facets:
        if not isinstance(facet, dict):
            continue
        span, uri = _byte_span(facet), _link_uri(facet)
        if span is not None and uri is not None:
            links.append((span, uri))
    data = text.encode("utf-8")
    limit = len(data)  # the leftmost byte already replaced: spans must end before it
    for (start, end), uri in sorted(links, key=lambda link: link[0], reverse=True):
        if not (0 <= start < end <= limit) or not (
                _on_boundary(data, start) and _on_boundary(data, end)):
            continue
        data = data[:start] + uri.encode("utf-8") + data[end:]
        limit = start
    return data.decode("utf-8")


# -- media ---------------------------------------------------------------------------------
def blob_cid(blob: Any) -> Optional[str]:
    """The CID of a blob reference, as its string (`bafkrei…`). libipld decodes a CID link to
    its binary form (bytes), the JSON form is `{"$link": "bafk…"}`, older codecs give the
    string, and records from early 2023 use the legacy `{"cid": "bafk…", "mimeType": …}`."""
    if not isinstance(blob, dict):
        return None
    ref = blob.get("ref", blob.get("cid"))
    if isinstance(ref, dict):
        ref = ref.get("$link")
    if isinstance(ref, str):
        return ref or None
    if isinstance(ref, (bytes, bytearray)):
        import libipld

        try:
            return libipld.encode_cid(bytes(ref))
        except (ValueError, TypeError, RuntimeError):
            return None
    return None


def _aspect(item: dict) -> tuple[Optional[int], Optional[int]]:
    ratio = item.get("aspectRatio")
    if not isinstance(ratio, dict):
        return None, None
    return count(ratio.get("width")), count(ratio.get("height"))


def _alt(item: dict) -> Optional[str]:
    """The alt text as written; None when there is none (the app stores "" for none)."""
    alt = item.get("alt")
    return alt if isinstance(alt, str) and alt.strip() else None


def embed_media(embed: Any) -> list[Media]:
    """The pictures or video a post embeds, as `Media` naming each blob by CID (a repository
    has no URLs for them). A quote with media (`recordWithMedia`) gives its `media` part;
    link cards and quoted posts are not media."""
    if not isinstance(embed, dict):
        return []
    kind = embed.get("$type")
    if kind == RECORD_WITH_MEDIA:
        return embed_media(embed.get("media"))
    found: list[Media] = []
    if kind == IMAGES:
        images = embed.get("images")
        for item in images if isinstance(images, list) else []:
            if isinstance(item, dict):
                width, height = _aspect(item)
                found.append(Media("image", alt=_alt(item), width=width, height=height,
                                   blob=blob_cid(item.get("image"))))
    elif kind == VIDEO:
        width, height = _aspect(embed)
        found.append(Media("video", alt=_alt(embed), width=width, height=height,
                           blob=blob_cid(embed.get("video"))))
    return found


# -- the tree ------------------------------------------------------------------------------
def is_link(value: Any) -> bool:
    """Whether `value` can be a block's CID as libipld gives it (bytes, or its string form):
    never a map, a list or a number, which a corrupt file may hold in its place."""
    return isinstance(value, (bytes, str))


def walk_tree(label: str, blocks: dict, root: Any) -> tuple[list[tuple[str, Any]], int]:
    """Every (key, record) of the repository's Merkle search tree that the CAR holds, in key
    order, and how many tree nodes it names but does not hold. A missing node is a slice of
    the repository (what `getRepo` with a `since`, or a test fixture, exports): its records
    are simply absent. A node that is there but is not a tree node is corruption: it fails."""
    found: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = []  # ("node", cid) or ("leaf", (key, cid))
    stack.append(("node", root))
    seen: set = set()
    missing = 0
    while stack:
        kind, item = stack.pop()
        if kind == "leaf":
            key, cid = item
            if not is_link(cid):
                raise SourceError(label, f"corrupt repository: the record link of {key} is "
                                         "malformed")
            found.append((key, blocks.get(cid)))  # a record left out of the export is None
            continue
        if item is None:
            continue
        if not is_link(item):
            raise SourceError(label, "corrupt repository: a tree link is malformed")
        if item in seen:
            continue
        seen.add(item)
        if item not in blocks:
            missing += 1
            continue
        node = blocks[item]
        if not isinstance(node, dict) or not isinstance(node.get("e"), list):
            raise SourceError(label, "corrupt repository: a tree node is malformed")
        pending: list[tuple[str, Any]] = [("node", node.get("l"))]
        key = b""
        for entry in node["e"]:
            try:
                key = key[:entry["p"]] + entry["k"]
                pending.append(("leaf", (key.decode("utf-8"), entry["v"])))
            except (KeyError, TypeError, UnicodeDecodeError):
                raise SourceError(label, "corrupt repository: malformed tree entry") from None
            pending.append(("node", entry.get("t")))
        stack.extend(reversed(pending))
    return found, missing
