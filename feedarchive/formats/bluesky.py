"""A Bluesky repository export: the `.car` file `com.atproto.sync.getRepo` returns (Settings →
Export my data).

The CAR (content-addressed archive, v1) holds DAG-CBOR blocks, decoded with `libipld` (the
maintained IPLD codec the atproto Python SDK uses). Its root is the signed commit
(`did`, `data`); `data` is the root of the Merkle search tree whose leaves map record keys
(`app.bsky.feed.post/<rkey>`) to records. Keys are prefix-compressed inside a node: each entry
has `p` (bytes shared with the previous key), `k` (the rest), `v` (the record), `t` (the subtree
right of it); `l` is the subtree left of the first entry.

Read: `app.bsky.feed.post` records (`text`, `createdAt`, `langs`, `reply.parent.uri`),
`app.bsky.feed.repost` records (kept as the owner's posts with `repost_of` = the reposted
post's `at://` URI, which is also their text), and `app.bsky.actor.profile/self`
(`displayName`, `description`). A post's native id is its `at://did/app.bsky.feed.post/rkey`
URI, which is what replies point to, so self-reply threads are exact.

The repository names its owner only by DID: the handle is `--author` when given, else the DID.
Like, repost and reply counts are not in a repository: they stay NULL.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from .common import iso_utc

NAME = "bluesky"
PLATFORM = "bluesky"
OPTIONS = ("author",)
MAX_CAR_BYTES = 2 * 1024**3
POST = "app.bsky.feed.post"
REPOST = "app.bsky.feed.repost"
PROFILE = "app.bsky.actor.profile"


def sniff(path: Path, head: bytes) -> bool:
    """A CAR v1 starts with a varint length and a DAG-CBOR map of `roots` and `version`."""
    if not head or head[0] & 0x80 or head[0] < 10:
        return False
    header = head[1:1 + head[0]]
    return header[:1] in (b"\xa2",) and b"roots" in header and b"version" in header


def read(path: Path, *, author: Optional[str] = None) -> Document:
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
    if not roots or roots[0] not in blocks:
        raise SourceError(label, "corrupt CAR file: its root block is missing")
    commit = blocks[roots[0]]
    if not isinstance(commit, dict) or "did" not in commit or "data" not in commit:
        raise SourceError(label, "not an atproto repository (the root is not a commit)")
    did = commit["did"]
    records = walk_tree(label, blocks, commit["data"])
    handle = author.lstrip("@") if author else did
    profile = Profile(handle=handle)
    posts: list[Post] = []
    warnings: list[str] = []
    for key, record in records:
        collection, _, rkey = key.partition("/")
        if not isinstance(record, dict):
            continue
        uri = f"at://{did}/{key}"
        if collection == PROFILE and rkey == "self":
            profile.name = record.get("displayName") or None
            profile.bio = record.get("description") or None
        elif collection == POST:
            post = record_post(record, uri, rkey, did, handle)
            if post is None:
                warnings.append(f"{label}: record {key} has no text; skipped")
            else:
                posts.append(post)
        elif collection == REPOST:
            subject = (record.get("subject") or {}).get("uri")
            if subject:
                posts.append(Post(text_raw=subject, author=handle, native_id=uri,
                                  repost_of=subject, created_at=iso_utc(record.get("createdAt"))))
    posts.sort(key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)
    return Document(label, NAME, profile, posts, warnings, platform=PLATFORM)


def record_post(record: dict, uri: str, rkey: str, did: str, handle: str) -> Optional[Post]:
    text = record.get("text")
    if not isinstance(text, str):
        return None
    reply = record.get("reply") or {}
    parent = (reply.get("parent") or {}).get("uri") if isinstance(reply, dict) else None
    parent_did = parent[len("at://"):].split("/", 1)[0] if parent else None
    langs = record.get("langs") or []
    return Post(
        text_raw=text, author=handle, native_id=uri, reply_to=parent or None,
        reply_to_author=(handle if parent_did == did else parent_did) if parent else None,
        created_at=iso_utc(record.get("createdAt")),
        url=f"https://bsky.app/profile/{did}/post/{rkey}",
        lang=langs[0] if langs and isinstance(langs[0], str) else None,
    )


def walk_tree(label: str, blocks: dict, root: Any) -> list[tuple[str, Any]]:
    """Every (key, record) of the repository's Merkle search tree, in key order."""
    found: list[tuple[str, Any]] = []
    stack: list[tuple[str, Any]] = []  # ("node", cid) or ("leaf", (key, cid))
    stack.append(("node", root))
    seen: set = set()
    while stack:
        kind, item = stack.pop()
        if kind == "leaf":
            key, cid = item
            found.append((key, blocks.get(cid)))  # a record left out of the export is None
            continue
        if item is None or item in seen:
            continue
        seen.add(item)
        node = blocks.get(item)
        if not isinstance(node, dict) or "e" not in node:
            raise SourceError(label, "corrupt repository: a tree node is missing or malformed")
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
    return found
