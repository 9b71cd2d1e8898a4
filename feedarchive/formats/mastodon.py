"""The Mastodon account archive (Settings → Import and export → Request your archive).

Accepted as the `.tar.gz`, the unpacked folder, or `outbox.json` alone (its `actor.json` is
read when it lies beside it). `outbox.json` is an ActivityStreams `OrderedCollection` whose
`orderedItems` are the account's activities:

- `Create` of a `Note` (a toot) or `Question` (a poll): `id` (its URI, the native id), `url`,
  `published`, `inReplyTo` (the URI of the toot it answers), `summary` (content warning),
  `content` (HTML), `contentMap` (language → HTML), `likes.totalItems`, `shares.totalItems`,
  `attachment[]` (media), `to`/`cc` (its audience, hence its visibility);
- `Announce` (a boost): `object` is the URI of the boosted toot. It is kept as a post by the
  owner with `repost_of` = that URI and the URI as its text (the archive holds nothing else).

Visibility (`Post.visibility`) comes from the addressing, as Mastodon itself writes it: the
public collection (`https://www.w3.org/ns/activitystreams#Public`, `as:Public`, `Public`) in
`to` is `public`, in `cc` only `unlisted`; else the actor's followers collection in `to`/`cc`
is `followers` ("private" in Mastodon's interface); else the toot went only to the accounts it
names: `direct`. A Create is judged by its object's addressing (the activity's when the object
has none); an activity with no `to`/`cc` at all has visibility None (the source does not say).

A poll (`Question` with `oneOf`, single choice, or `anyOf`, multiple) gets its options after
the text: a blank line, `Poll:`, then `• <option> (<n> votes)` per option (the count left out
when the archive has none) — `common.poll_text`, the shape every reader gives a poll.

Media: each `attachment[]` of a toot (`Document`/`Image`/`Video`/`Audio`: `mediaType`, `url`
as the archive gives it — a path inside the archive's media folder —, `name` = alt text,
`width`, `height`, `icon` = a still for a video) becomes a `Media`, its kind taken from
`mediaType` (`gif` only when the source calls it `gifv`; Mastodon's GIFs are MP4 videos).

`actor.json` is the profile: `id` (the actor URI, kept as `Profile.native_id`),
`preferredUsername`, `name`, `summary` (HTML), `published`, `followers`, `attachment[]`
(`PropertyValue` fields; one named like "Website" gives the website).

The handle is `user@host` (the host of the actor's URI), so a Mastodon account never merges
with an X account of the same name. `user` is `preferredUsername`; without `actor.json` it is
the name in the toots' own URLs (`https://host/@user/<id>`) when they all agree, else the last
part of the actor URI — which on servers with numeric actor URIs (`/ap/users/<number>`) is a
number, not the name anyone knows the account by. `text_raw` is the toot's text as extracted
from its HTML (paragraphs as blank lines, `<br>` as line breaks, links as their full URL,
entities decoded), after the content warning and a blank line when there is one, followed
by a poll's options (`text_raw` and `text` both: they are part of the toot, not a repair).
Replies counts are not in the archive and stay NULL.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional
from urllib.parse import urlparse

from ..errors import SourceError
from ..models import Document, Media, Post, Profile
from . import members
from .common import (RECORD_ERRORS, count, iso_utc, load_json, month_year, poll_text,
                     record_problem)
from .htmltext import html_to_text

NAME = "mastodon"
PLATFORM = "mastodon"
OPTIONS = ("author",)
WEBSITE_FIELDS = ("website", "homepage", "web", "site", "blog", "url")
# The special collection meaning "everyone", in the spellings JSON-LD compaction allows.
PUBLIC = frozenset(("https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"))
POST_TYPES = ("Note", "Question", "Article", "Page")
MEDIA_TOP_LEVELS = frozenset(("image", "video", "audio"))  # `image/png` → image
ATTACHMENT_KINDS = {"Image": "image", "Video": "video", "Audio": "audio"}  # AS object types


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
    if not isinstance(actor, dict):
        actor = {}
    actor_id = actor.get("id") if isinstance(actor.get("id"), str) else None
    if not actor_id:
        actor_id = next((i.get("actor") for i in items if isinstance(i, dict)
                         and isinstance(i.get("actor"), str)), None)
    handle = author.lstrip("@") if author else \
        account_handle(actor, actor_id, toot_url_name(items, actor_id))
    if not handle:
        raise SourceError(str(path), "no actor.json and no actor in outbox.json to name the "
                                     "author: pass the handle with --author")
    profile = actor_profile(actor, handle) if actor else Profile(handle)
    profile.native_id = actor_id
    followers = followers_collections(actor, actor_id)
    posts, warnings = [], []
    for number, item in enumerate(items, start=1):
        try:
            post = activity_post(item, handle, actor_id, followers)
        except RECORD_ERRORS as error:
            raise SourceError(outbox_label, f"orderedItems item {number}: "
                                            + record_problem(error)) from None
        if post is not None:
            posts.append(post)
    posts.sort(key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)
    return Document(str(path), NAME, profile, posts, warnings, platform=PLATFORM)


def _is_archive_file(path: Path) -> bool:
    with open(path, "rb") as handle:
        head = handle.read(512)
    return members.is_gzip(head) or members.is_zip(head) or members.is_tar(head)


# -- the owner -----------------------------------------------------------------------------
def account_handle(actor: Any, actor_id: Optional[str],
                   url_name: Optional[str] = None) -> Optional[str]:
    """`user@host`: `user` is the actor's `preferredUsername`, else `url_name` (the name the
    toots' URLs show), else the last part of the actor URI (`https://host/users/user`);
    `host` is the actor URI's. The URI comes last because newer servers use numeric ones
    (`/ap/users/116840387061670746`), which name no one a reader would recognise."""
    host = urlparse(actor_id).hostname if actor_id else None
    name = actor.get("preferredUsername") if isinstance(actor, dict) else None
    if not name:
        name = url_name
    if not name and actor_id:
        parts = urlparse(actor_id).path.rstrip("/").split("/")
        name = parts[-1].lstrip("@") if parts and parts[-1] else None
    if not name:
        return None
    return f"{name}@{host}" if host else name


def toot_url_name(items: list, actor_id: Optional[str]) -> Optional[str]:
    """The account name the owner's own toots show in their URLs (`https://host/@name/<id>`,
    read by `handle_from_status_uri`), when every such URL agrees on it; None when there is
    none or they disagree. Only toots attributed to the actor, on the actor's host, count:
    boosts and quotes name others."""
    host = urlparse(actor_id).hostname if actor_id else None
    names: set[str] = set()
    for item in items:
        note = item.get("object") if isinstance(item, dict) and item.get("type") == "Create" \
            else None
        if not isinstance(note, dict):
            continue
        if actor_id and _uri(note.get("attributedTo")) not in (None, actor_id):
            continue
        url = note.get("url")
        url = _uri(url[0] if isinstance(url, list) and url else url)
        handle = handle_from_status_uri(url) if url else None
        name, _, url_host = (handle or "").rpartition("@")
        if name and not (host and url_host != host):
            names.add(name)
    return names.pop() if len(names) == 1 else None


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
    fields = actor.get("attachment")
    for field in fields if isinstance(fields, list) else []:
        if isinstance(field, dict) and field.get("type") == "PropertyValue" and \
                str(field.get("name", "")).strip().lower() in WEBSITE_FIELDS:
            value = html_to_text(field.get("value") if isinstance(field.get("value"), str) else "")
            website = (value.links[0] if value.links else value.text) or None
            break
    return Profile(
        handle=handle, name=actor.get("name") or None,
        bio=html_text(actor.get("summary")) or None,
        website=website or None, joined=month_year(actor.get("published")),
    )


def _uri(value: Any) -> Optional[str]:
    """A URI given as itself or as an object's `id`/`href`; None for anything else."""
    if isinstance(value, dict):
        value = value.get("id") or value.get("href")
    return value if isinstance(value, str) and value else None


# -- visibility ----------------------------------------------------------------------------
def followers_collections(actor: dict, actor_id: Optional[str]) -> frozenset[str]:
    """The URIs that mean "the owner's followers": `followers` from actor.json and the
    `<actor>/followers` Mastodon uses, so an outbox without actor.json is judged the same."""
    found = set()
    if isinstance(actor.get("followers"), str):
        found.add(actor["followers"])
    if actor_id:
        found.add(actor_id.rstrip("/") + "/followers")
    return frozenset(found)


def _audience(value: Any) -> list[str]:
    """`to`/`cc` as a list of URIs: ActivityStreams allows one value or a list, of URIs or
    objects with an `id`."""
    values = value if isinstance(value, list) else [value]
    return [uri for uri in (_uri(v) for v in values) if uri]


def visibility(activity: dict, followers: frozenset[str]) -> Optional[str]:
    """Mastodon's visibility of a post, from the addressing Mastodon writes for each level:
    public in `to` → public; in `cc` only → unlisted; the followers collection → followers;
    anyone else only → direct. None when the activity has no `to`/`cc` (it does not say)."""
    if "to" not in activity and "cc" not in activity:
        return None
    to, cc = _audience(activity.get("to")), _audience(activity.get("cc"))
    if PUBLIC.intersection(to):
        return "public"
    if PUBLIC.intersection(cc):
        return "unlisted"
    if followers.intersection(to) or followers.intersection(cc):
        return "followers"
    return "direct"


# -- polls and media -----------------------------------------------------------------------
def poll_options(note: dict) -> list[tuple[str, Optional[int]]]:
    """A poll's options and their votes (`Question`: `oneOf` single choice, `anyOf`
    multiple; votes in each option's `replies.totalItems`). The archive keeps them apart
    from the HTML, so without them a poll toot reads as a question with no choices."""
    options = note.get("oneOf") if isinstance(note.get("oneOf"), list) else note.get("anyOf")
    if note.get("type") != "Question" or not isinstance(options, list):
        return []
    found = []
    for option in options:
        if isinstance(option, dict) and isinstance(option.get("name"), str):
            replies = option.get("replies")
            found.append((option["name"],
                          count(replies.get("totalItems")) if isinstance(replies, dict) else None))
    return found


def media_kind(attachment: dict, media_type: str) -> str:
    """One of `MEDIA_KINDS`: from `mediaType` (`image/png` → image), else from the object
    type. `gif` only when the source says `gifv`: Mastodon turns GIFs into silent MP4s, and
    an archive's MP4 does not say whether it was one."""
    labels = (str(attachment.get("type") or ""), media_type)
    if any("gifv" in label.lower() for label in labels):
        return "gif"
    top = media_type.split("/", 1)[0].strip().lower()
    if top in MEDIA_TOP_LEVELS:
        return top
    return ATTACHMENT_KINDS.get(labels[0], "other")


def attachment_media(attachment: Any) -> Optional[Media]:
    """A toot's attachment as `Media`; None for one without a URL (nothing to point to).
    `url` may be a string, a `Link` or a list of them (other servers); it is kept as the
    archive gives it (a path inside the archive for Mastodon's own export)."""
    if not isinstance(attachment, dict):
        return None
    link = attachment.get("url")
    if isinstance(link, list):
        link = link[0] if link else None
    url = _uri(link)
    if not url:
        return None
    media_type = attachment.get("mediaType") or (link.get("mediaType")
                                                  if isinstance(link, dict) else None)
    icon = attachment.get("icon")
    alt = attachment.get("name")
    return Media(
        kind=media_kind(attachment, media_type if isinstance(media_type, str) else ""),
        url=url, alt=alt if isinstance(alt, str) and alt.strip() else None,
        width=count(attachment.get("width")), height=count(attachment.get("height")),
        preview_url=_uri(icon[0] if isinstance(icon, list) and icon else icon),
    )


def note_media(note: dict) -> list[Media]:
    attachments = note.get("attachment")
    if isinstance(attachments, dict):  # a single attachment may be given unwrapped
        attachments = [attachments]
    if not isinstance(attachments, list):
        return []
    return [media for media in map(attachment_media, attachments) if media is not None]


# -- activities ----------------------------------------------------------------------------
def activity_post(item: Any, owner: str, actor_id: Optional[str],
                  followers: frozenset[str] = frozenset()) -> Optional[Post]:
    """The post a `Create` (a toot) or `Announce` (a boost) stands for; None for anything else
    (a `Like`, an `Update`, a Create of an object that is not a post)."""
    if not isinstance(item, dict):
        return None
    kind = item.get("type")
    if kind == "Announce":
        target = _uri(item.get("object"))
        if not target:
            return None
        return Post(text_raw=target, author=owner,
                    native_id=item.get("id") or f"{target}#announce",
                    repost_of=target, created_at=iso_utc(item.get("published")),
                    visibility=visibility(item, followers))
    if kind != "Create" or not isinstance(item.get("object"), dict):
        return None
    note = item["object"]
    if note.get("type") not in POST_TYPES or not note.get("id"):
        return None
    content_map = note.get("contentMap") if isinstance(note.get("contentMap"), dict) else {}
    content = note.get("content") or next(iter(content_map.values()), "")
    text = html_text(content)
    if note.get("summary"):
        text = f"{html_text(note['summary'])}\n\n{text}" if text else html_text(note["summary"])
    text = (text + poll_text(poll_options(note))).lstrip("\n")  # a poll alone starts the text
    reply_to = _uri(note.get("inReplyTo"))
    reply_author = None
    if reply_to:
        reply_author = owner if actor_id and reply_to.startswith(actor_id.rstrip("/") + "/") \
            else handle_from_status_uri(reply_to)
    url = note.get("url")
    addressed = note if "to" in note or "cc" in note else item
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
        visibility=visibility(addressed, followers),
        media=note_media(note),
    )
