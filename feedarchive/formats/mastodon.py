"""The Mastodon account archive (Settings → Import and export → Request your archive).

Accepted as the `.tar.gz`, the unpacked folder, or `outbox.json` alone (its `actor.json` is
read when it lies beside it). `outbox.json` is an ActivityStreams `OrderedCollection` whose
`orderedItems` are the account's activities:

- `Create` of a `Note` (a toot): `id` (its URI, the native id), `url`, `published`,
  `inReplyTo` (the URI of the toot it answers), `summary` (content warning), `content`
  (HTML), `contentMap` (language → HTML), `likes.totalItems`, `shares.totalItems`;
- `Announce` (a boost): `object` is the URI of the boosted toot. It is kept as a post by the
  owner with `repost_of` = that URI and the URI as its text (the archive holds nothing else).

`actor.json` is the profile: `preferredUsername`, `name`, `summary` (HTML), `published`,
`attachment[]` (`PropertyValue` fields; one named like "Website" gives the website).

The handle is `user@host` (the host of the actor's URI), so a Mastodon account never merges
with an X account of the same name. `text_raw` is the toot's text as extracted from its HTML
(paragraphs as blank lines, `<br>` as line breaks, links as their full URL, entities decoded),
after the content warning and a blank line when there is one. Replies counts are not in the
archive and stay NULL.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

from ..errors import SourceError
from ..models import Document, Post, Profile
from . import members
from .common import count, iso_utc, load_json, month_year
from .htmltext import html_to_text

NAME = "mastodon"
PLATFORM = "mastodon"
OPTIONS = ("author",)
WEBSITE_FIELDS = ("website", "homepage", "web", "site", "blog", "url")


def sniff(path: Path, head: bytes) -> bool:
    path = Path(path)
    if path.is_dir():
        return (path / "outbox.json").is_file()
    if head.lstrip()[:1] == b"{":
        return b'"OrderedCollection"' in head and b'"orderedItems"' in head and (
            b'"Create"' in head or b'"Announce"' in head or b'"totalItems"' in head)
    if members.is_gzip(head) or members.is_tar(head):
        names = members.tar_names(path, lambda seen: members.has_member(seen, "outbox.json"))
        return members.has_member(names, "outbox.json")
    if members.is_zip(head):
        return members.has_member(members.zip_names(path), "outbox.json")
    return False


def read(path: Path, *, author: Optional[str] = None) -> Document:
    path = Path(path)
    if path.is_file() and not _is_archive_file(path):
        archive = members.Archive(path.parent, shallow=True)
        outbox_name = path.name
    else:
        archive = members.Archive(path)
        archive.load_tar(lambda name: name.rsplit("/", 1)[-1] in ("outbox.json", "actor.json")
                         and name.count("/") <= 1)
        outbox_name = archive.find("outbox.json")
        if outbox_name is None:
            raise SourceError(str(path), "Mastodon archive without outbox.json")
    with archive:
        actor_name = archive.find("actor.json")
        actor = load_json(archive.member_label(actor_name), archive.read(actor_name)) \
            if actor_name else {}
        outbox_label = archive.member_label(outbox_name)
        outbox = load_json(outbox_label, archive.read(outbox_name))
    if not isinstance(outbox, dict) or not isinstance(outbox.get("orderedItems"), list):
        raise SourceError(outbox_label, "expected an OrderedCollection with orderedItems")
    items = outbox["orderedItems"]
    actor_id = actor.get("id") if isinstance(actor, dict) else None
    if not actor_id:
        actor_id = next((i.get("actor") for i in items if isinstance(i, dict)
                         and isinstance(i.get("actor"), str)), None)
    handle = author.lstrip("@") if author else account_handle(actor, actor_id)
    if not handle:
        raise SourceError(str(path), "no actor.json and no actor in outbox.json to name the "
                                     "author: pass the handle with --author")
    profile = actor_profile(actor, handle) if isinstance(actor, dict) else Profile(handle)
    posts, warnings = [], []
    for item in items:
        post = activity_post(item, handle, actor_id)
        if post is not None:
            posts.append(post)
    posts.sort(key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)
    return Document(str(path), NAME, profile, posts, warnings, platform=PLATFORM)


def _is_archive_file(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(512)
    return members.is_gzip(head) or members.is_zip(head) or members.is_tar(head)


def account_handle(actor: Any, actor_id: Optional[str]) -> Optional[str]:
    """`user@host` from the actor (or from its URI, `https://host/users/user`)."""
    host = urlparse(actor_id).hostname if actor_id else None
    name = actor.get("preferredUsername") if isinstance(actor, dict) else None
    if not name and actor_id:
        parts = urlparse(actor_id).path.rstrip("/").split("/")
        name = parts[-1].lstrip("@") if parts and parts[-1] else None
    if not name:
        return None
    return f"{name}@{host}" if host else name


def handle_from_status_uri(uri: str) -> Optional[str]:
    """`https://host/users/user/statuses/1` or `https://host/@user/1` → `user@host`."""
    parsed = urlparse(uri)
    parts = parsed.path.strip("/").split("/")
    if len(parts) >= 4 and parts[0] == "users" and parts[2] == "statuses":
        return f"{parts[1]}@{parsed.hostname}"
    if len(parts) >= 2 and parts[0].startswith("@"):
        return f"{parts[0][1:]}@{parsed.hostname}"
    return None


def html_text(markup: Any) -> str:
    return html_to_text(markup).text if isinstance(markup, str) and markup else ""


def actor_profile(actor: dict, handle: str) -> Profile:
    website = None
    for field in actor.get("attachment") or []:
        if isinstance(field, dict) and field.get("type") == "PropertyValue" and \
                str(field.get("name", "")).strip().lower() in WEBSITE_FIELDS:
            value = html_to_text(field.get("value") or "")
            website = (value.links[0] if value.links else value.text) or None
            break
    return Profile(
        handle=handle, name=actor.get("name") or None,
        bio=html_text(actor.get("summary")) or None,
        website=website or None, joined=month_year(actor.get("published")),
    )


def _uri(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        return value.get("id") or value.get("href") or None
    return None


def activity_post(item: Any, owner: str, actor_id: Optional[str]) -> Optional[Post]:
    if not isinstance(item, dict):
        return None
    kind = item.get("type")
    if kind == "Announce":
        target = _uri(item.get("object"))
        if not target:
            return None
        return Post(text_raw=target, author=owner,
                    native_id=item.get("id") or f"{target}#announce",
                    repost_of=target, created_at=iso_utc(item.get("published")))
    if kind != "Create" or not isinstance(item.get("object"), dict):
        return None
    note = item["object"]
    if note.get("type") not in ("Note", "Question", "Article", "Page") or not note.get("id"):
        return None
    content_map = note.get("contentMap") if isinstance(note.get("contentMap"), dict) else {}
    content = note.get("content") or next(iter(content_map.values()), "")
    text = html_text(content)
    if note.get("summary"):
        text = f"{html_text(note['summary'])}\n\n{text}" if text else html_text(note["summary"])
    reply_to = _uri(note.get("inReplyTo"))
    reply_author = None
    if reply_to:
        reply_author = owner if actor_id and reply_to.startswith(actor_id.rstrip("/") + "/") \
            else handle_from_status_uri(reply_to)
    url = note.get("url")
    return Post(
        text_raw=text, author=owner,
        replies=count((note.get("replies") or {}).get("totalItems"))
        if isinstance(note.get("replies"), dict) else None,
        reposts=count((note.get("shares") or {}).get("totalItems"))
        if isinstance(note.get("shares"), dict) else None,
        likes=count((note.get("likes") or {}).get("totalItems"))
        if isinstance(note.get("likes"), dict) else None,
        native_id=note["id"], reply_to=reply_to, reply_to_author=reply_author,
        created_at=iso_utc(note.get("published") or item.get("published")),
        url=_uri(url[0] if isinstance(url, list) and url else url) or note["id"],
        lang=next(iter(content_map), None),
    )
