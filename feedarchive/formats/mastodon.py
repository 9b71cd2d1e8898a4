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

Reading: outbox.json can be hundreds of megabytes; it is streamed, item by item
(`common.KeyedArray`), and read twice, holding neither the JSON nor the posts. The first
pass (`OutboxPosts`, in `read`) turns every item into its post as the second will, to find
the bad items (failing the source there, or listing them with `skip_bad`), the owner when
actor.json does not name it first (the first item's `actor`, the toots' URLs) and the repair
evidence, and keeps nothing else. Iterating `Document.posts` (`OutboxToots`) reads
outbox.json again and yields the posts one at a time, in file order (the store orders a
dated timeline by date itself). Duplicate `orderedItems` keys (one real archive has
`"orderedItems":[],"orderedItems":[...]`) give what `json.loads` gives: the last. A
`.tar.gz` is read in passes that stop once outbox.json (and, the first time, actor.json) are
read (`members.Archive.scan_tar`): media after them is never decompressed, and detection
stops at the first member only a Mastodon archive has (`is_mastodon_member`). An archive cut
short before outbox.json is whole is an error; cut after it, a warning.

Over 500 lines: one format read three ways (the outbox streamed, its toots' HTML, visibility
and media), all of them tied to the ActivityStreams shapes Mastodon writes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Optional
from urllib.parse import urlparse

from ..errors import SourceError
from ..models import Document, Media, Post, Profile
from . import members
from .common import (RECORD_ERRORS, BadRecords, KeyedArray, LazyPosts, NewestTexts, count,
                     iso_utc, load_json, month_year, poll_text, record_problem)
from .htmltext import html_to_text, simple_html_text

NAME = "mastodon"
PLATFORM = "mastodon"
OPTIONS = ("author", "skip_bad")
WEBSITE_FIELDS = ("website", "homepage", "web", "site", "blog", "url")
# The special collection meaning "everyone", in the spellings JSON-LD compaction allows.
PUBLIC = frozenset(("https://www.w3.org/ns/activitystreams#Public", "as:Public", "Public"))
POST_TYPES = ("Note", "Question", "Article", "Page")
MEDIA_TOP_LEVELS = frozenset(("image", "video", "audio"))  # `image/png` → image
ATTACHMENT_KINDS = {"Image": "image", "Video": "video", "Audio": "audio"}  # AS object types


# Members a Mastodon archive has at its root (or below one top folder): the first such member
# of a tar(.gz) answers detection, so that it does not read on through the media.
MASTODON_MEMBERS = ("outbox.json", "actor.json", "likes.json", "bookmarks.json")
MEDIA_FOLDER = "media_attachments"
MAX_ACTOR_BYTES = 64 * 1024 * 1024  # actor.json is a few kilobytes
MAX_ITEM = 16 * 1024 * 1024  # one outbox item (a toot is a few kilobytes of JSON)


def is_mastodon_member(name: str) -> bool:
    """A member only a Mastodon archive has: outbox.json, actor.json, likes.json,
    bookmarks.json, or anything in media_attachments/, at the root or below one folder."""
    parts = name.removeprefix("./").split("/")
    if len(parts) > 2 and MEDIA_FOLDER in parts[:2]:
        return True
    return len(parts) <= 2 and parts[-1] in MASTODON_MEMBERS


def sniff(path: Path, head: bytes) -> bool:
    path = Path(path)
    if path.is_dir():
        return members.present(path / "outbox.json")
    if head.lstrip()[:1] == b"{":
        return b'"OrderedCollection"' in head and b'"orderedItems"' in head and (
            b'"Create"' in head or b'"Announce"' in head or b'"totalItems"' in head)
    if members.is_gzip(head) or members.is_tar(head):
        names = members.tar_names(path, lambda seen: is_mastodon_member(seen[-1]))
        return any(map(is_mastodon_member, names))
    if members.is_zip(head):
        return members.has_member(members.zip_names(path), "outbox.json")
    return False


def _wanted(name: str) -> bool:
    return name.rsplit("/", 1)[-1] in ("outbox.json", "actor.json") and name.count("/") <= 1


def read(path: Path, *, author: Optional[str] = None, skip_bad: bool = False) -> Document:
    """The archive's toots and boosts. This is the first pass: outbox.json is streamed item
    by item (each item is turned into its post as it arrives; none is kept), actor.json read
    whole; the posts are made again when `Document.posts` is iterated. From a tar(.gz), both
    are taken in the one pass `Archive.scan_tar` makes, which stops once it has them: media
    after them is never decompressed."""
    path = Path(path)
    if path.is_file() and not _is_archive_file(path):
        archive = members.Archive(path.parent, shallow=True)
        outbox_name: Optional[str] = path.name
    else:
        archive = members.Archive(path)
        outbox_name = None
    warnings: list[str] = []
    with archive:
        if archive.kind == "tar":
            actor, outbox = _read_tar(archive, author, skip_bad, warnings)
        else:
            outbox_name = outbox_name or archive.find("outbox.json")
            if outbox_name is None:
                raise SourceError(str(path), "Mastodon archive without outbox.json")
            actor_name = archive.find("actor.json")
            actor = _read_actor(archive.member_label(actor_name), archive.open(actor_name)) \
                if actor_name else {}
            outbox = OutboxPosts(archive.member_label(outbox_name), author, actor, skip_bad,
                                 OutboxSource(archive.path, archive.shallow, outbox_name))
            with archive.open(outbox_name) as stream:
                outbox.read(stream)
        warnings.extend(archive.warnings)
    return outbox.document(str(path), actor, warnings)


def _read_tar(archive: members.Archive, author: Optional[str], skip_bad: bool,
              warnings: list[str]) -> tuple[Any, "OutboxPosts"]:
    """actor.json and outbox.json's first pass in one pass over a tar(.gz), in the order the
    archive has them (Mastodon writes outbox.json before actor.json: its items are then
    read as drafts, what does not depend on the owner, until the owner is known). The first
    of each at the root or below one folder is taken. An archive cut short after outbox.json
    was read whole is a warning (the posts are all there; actor.json, if the archive had one
    after the cut, is not)."""
    actor: Any = None
    outbox: Optional[OutboxPosts] = None

    def enough() -> bool:
        return actor is not None and outbox is not None and outbox.complete

    try:
        for name, stream in archive.scan_tar(_wanted, enough):
            label = archive.member_label(name)
            if name.rsplit("/", 1)[-1] == "actor.json":
                if actor is None:
                    actor = _read_actor(label, stream)
            elif outbox is None:
                outbox = OutboxPosts(label, author, actor if actor is not None else {},
                                     skip_bad, OutboxSource(archive.path, archive.shallow, name))
                outbox.read(stream)
    except members.TruncatedArchive as error:
        if outbox is None or not outbox.complete:
            raise
        warnings.append(f"{error}: outbox.json was read whole before it"
                        + ("" if actor is not None else
                           "; no actor.json was found before it, so the owner is named from "
                           "the toots"))
    if outbox is None:
        raise SourceError(archive.label, "Mastodon archive without outbox.json")
    return (actor if actor is not None else {}), outbox


def _read_actor(label: str, stream: BinaryIO) -> Any:
    with stream:
        try:
            data = stream.read(MAX_ACTOR_BYTES + 1)
        except (OSError, EOFError) as error:
            raise SourceError(label, f"cannot read: {error}") from None
    if len(data) > MAX_ACTOR_BYTES:
        raise SourceError(label, f"larger than {MAX_ACTOR_BYTES} bytes: not an actor")
    return load_json(label, data)


@dataclass
class OutboxSource:
    """Where outbox.json is, to read it again: the archive (a folder, a zip, a tar(.gz)) as
    `members.Archive` opens it, and the member."""

    path: Path
    shallow: bool
    member: str

    def numbered_items(self, label: str, occurrence: int) -> Iterator[tuple[int, Any]]:
        """The items of one `orderedItems` (the `occurrence`th), numbered from 1 as the
        first pass numbered them."""
        number = 0
        for found, _, item in self.items(label):
            if found == occurrence:
                number += 1
                yield number, item

    def items(self, label: str) -> Iterator[tuple[int, int, Any]]:
        """outbox.json's `orderedItems`, as `KeyedArray` yields them: (occurrence, line,
        item). A tar(.gz) is scanned up to the member and a little past it, no further."""
        archive = members.Archive(self.path, shallow=self.shallow)
        with archive:
            if archive.kind != "tar":
                with archive.open(self.member) as stream:
                    yield from KeyedArray(label, stream, "orderedItems", MAX_ITEM)
                return
            read = False
            for name, stream in archive.scan_tar(lambda name: not read and name == self.member,
                                                 lambda: read):
                with stream:
                    yield from KeyedArray(label, stream, "orderedItems", MAX_ITEM)
                read = True
            if not read:
                raise SourceError(label, "no longer in the archive")


class OutboxPosts:
    """The first pass over outbox.json's `orderedItems`, taken one item at a time as the file
    is streamed (`common.KeyedArray`): each item is turned into its post and let go, keeping
    only how many there are, what names the owner and the repair evidence (`NewestTexts`).

    When the owner is known before the items (actor.json, read first, has the actor's `id`
    and `preferredUsername`, or `--author` is given with it), each item becomes its post at
    once (`activity_post`). Otherwise (outbox.json alone, or before actor.json in a tar)
    each becomes an `ActivityDraft`, the post less what depends on the owner, and the toots'
    URLs are tallied for `toot_url_name`; `document` names the owner. Completing a draft can
    fail only on a reply's `inReplyTo` that is not a URL (`handle_from_status_uri`), and then
    only when it is not the owner's: drafts with such a URL are counted, and when there are
    any, `document` reads the items once more with the owner known. Duplicate
    `orderedItems` keys: the last wins, as with `json.loads`. The first item that cannot be
    read fails the source naming its number (once the file is known to hold no later
    `orderedItems`); with `skip_bad` each such item is left out and listed."""

    def __init__(self, label: str, author: Optional[str], actor: Any,
                 skip_bad: bool = False, source: Optional[OutboxSource] = None) -> None:
        self.label, self.author, self.skip_bad, self.source = label, author, skip_bad, source
        self.owner: Optional[tuple[str, Optional[str], frozenset[str]]] = None
        actor = actor if isinstance(actor, dict) else {}
        actor_id = actor.get("id") if isinstance(actor.get("id"), str) else None
        if actor_id:
            handle = author.lstrip("@") if author else \
                (account_handle(actor, actor_id) if actor.get("preferredUsername") else None)
            if handle:
                self.owner = (handle, actor_id, followers_collections(actor, actor_id))
        self.complete = False
        self.is_object = self.is_array = False
        self._start_over()

    def _start_over(self, occurrence: int = 0) -> None:
        self.occurrence = occurrence  # which `orderedItems` the posts are from (0: none)
        self.count = 0  # posts (drafts) made
        self.unreadable_replies = 0  # drafts whose `inReplyTo` only the owner's URL can be
        self.texts = NewestTexts()
        self.first_actor: Optional[str] = None
        self.url_names = UrlNames()
        self.error: Optional[SourceError] = None
        self.skipped: list[str] = []
        self.bad = BadRecords(self.label, True, self.skipped, "item")

    def bad_item(self, number: int, error: Exception) -> Optional[SourceError]:
        """Note an item that cannot be read: listed with `skip_bad`, else the error to fail
        the source with."""
        problem = f"orderedItems item {number}: " + record_problem(error)
        if self.skip_bad:
            self.bad.skip(problem)
            return None
        return SourceError(self.label, problem)

    def read(self, stream: BinaryIO) -> None:
        items = KeyedArray(self.label, stream, "orderedItems", MAX_ITEM)
        occurrence = 0
        for occurrence_now, _, item in items:
            if occurrence_now != occurrence:
                occurrence, number = occurrence_now, 0
                self._start_over(occurrence)
            number += 1
            self.add(number, item)
        if items.occurrences > occurrence:  # the last `orderedItems` is empty or no array
            self._start_over()
        self.is_object, self.is_array = items.is_object, items.is_array
        self.complete = True

    def add(self, number: int, item: Any) -> None:
        if self.error is not None:
            return
        if self.first_actor is None and isinstance(item, dict) and \
                isinstance(item.get("actor"), str):
            self.first_actor = item["actor"]
        try:
            if self.owner is not None:
                post = activity_post(item, *self.owner)
                if post is not None:
                    self.count += 1
                    self.texts.add(post.text, post.created_at, post.native_id)
                return
            self.url_names.add(item)
            draft = activity_draft(item)
            if draft is not None:
                self.count += 1
                fields = draft.fields
                self.texts.add(fields["text_raw"], fields["created_at"], fields["native_id"])
                if fields.get("reply_to") and not _readable_status_uri(fields["reply_to"]):
                    self.unreadable_replies += 1
        except RECORD_ERRORS as error:
            self.error = self.bad_item(number, error)

    def document(self, path: str, actor: Any, warnings: list[str]) -> Document:
        """The Document, the owner named as `read` always has: actor.json's `id` (else the
        first item's `actor`), `--author` or `account_handle`; its posts are `OutboxToots`."""
        if not (self.is_object and self.is_array):
            raise SourceError(self.label, "expected an OrderedCollection with orderedItems")
        if not isinstance(actor, dict):
            actor = {}
        actor_id = actor.get("id") if isinstance(actor.get("id"), str) else None
        if not actor_id:
            actor_id = self.first_actor
        handle = self.author.lstrip("@") if self.author else \
            account_handle(actor, actor_id, self.url_names.name(actor_id))
        if not handle:
            raise SourceError(path, "no actor.json and no actor in outbox.json to name the "
                                    "author: pass the handle with --author")
        profile = actor_profile(actor, handle) if actor else Profile(handle)
        profile.native_id = actor_id
        if self.error is not None:
            raise self.error
        owner = self.owner
        if owner is None:
            owner = (handle, actor_id, followers_collections(actor, actor_id))
            if self.unreadable_replies:
                self._complete_drafts(owner)
        self.bad.close()
        warnings.extend(self.skipped)
        posts = OutboxToots(self.label, self.source, owner, drafted=self.owner is None,
                            skip_bad=self.skip_bad, occurrence=self.occurrence,
                            count=self.count, texts=self.texts)
        return Document(path, NAME, profile, posts, warnings, platform=PLATFORM)

    def _complete_drafts(self, owner: tuple[str, Optional[str], frozenset[str]]) -> None:
        """Complete every draft with the owner now known, reading the items again, for the
        drafts that cannot be (a reply to a URL that is not one, not the owner's): each is
        a bad item, listed after those of the first reading as before, or the failure."""
        if self.source is None:  # pragma: no cover - every reader passes its source
            raise SourceError(self.label, "cannot read outbox.json again")
        for number, item in self.source.numbered_items(self.label, self.occurrence):
            try:
                UrlNames().add(item)
                draft = activity_draft(item)
            except RECORD_ERRORS:
                continue  # listed already
            if draft is None:
                continue
            try:
                draft.post(*owner)
            except RECORD_ERRORS as error:
                failure = self.bad_item(number, error)
                if failure is not None:
                    raise failure from None
                self.count -= 1
                self.texts.spoil()


class OutboxToots(LazyPosts):
    """The posts of outbox.json, made afresh on each iteration from the archive (re-opened,
    a tar scanned again up to outbox.json), in file order, as the first pass made them:
    `activity_post` with the owner actor.json named first, else the draft completed with
    the owner `OutboxPosts.document` named. Only the `orderedItems` `json.loads` would keep
    (the last) is read for posts; bad items, reported by the first pass, are passed over."""

    def __init__(self, label: str, source: Optional[OutboxSource],
                 owner: tuple[str, Optional[str], frozenset[str]], *, drafted: bool,
                 skip_bad: bool, occurrence: int, count: int, texts: NewestTexts) -> None:
        super().__init__(count, texts)
        self.label, self.source, self.owner = label, source, owner
        self.drafted, self.skip_bad, self.occurrence = drafted, skip_bad, occurrence

    def __iter__(self) -> Iterator[Post]:
        if not self.count or self.source is None:
            return
        for number, item in self.source.numbered_items(self.label, self.occurrence):
            try:
                if self.drafted:
                    UrlNames().add(item)  # an item the first pass could not tally was bad
                    draft = activity_draft(item)
                    post = draft.post(*self.owner) if draft is not None else None
                else:
                    post = activity_post(item, *self.owner)
            except RECORD_ERRORS as error:
                if not self.skip_bad:  # the file changed since the first pass
                    raise SourceError(self.label, f"orderedItems item {number}: "
                                      + record_problem(error)) from None
                continue
            if post is not None:
                yield post


def _is_archive_file(path: Path) -> bool:
    with members.open_regular(path) as handle:
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
    names = UrlNames()
    for item in items:
        names.add(item)
    return names.name(actor_id)


class UrlNames:
    """What `toot_url_name` needs of the items, tallied one item at a time: the handles the
    toots' URLs show, by the URI the toot is attributed to."""

    def __init__(self) -> None:
        self.by_attribution: dict[Optional[str], set[str]] = {}

    def add(self, item: Any) -> None:
        note = item.get("object") if isinstance(item, dict) and item.get("type") == "Create" \
            else None
        if not isinstance(note, dict):
            return
        url = note.get("url")
        url = _uri(url[0] if isinstance(url, list) and url else url)
        handle = handle_from_status_uri(url) if url else None
        if handle:
            self.by_attribution.setdefault(_uri(note.get("attributedTo")), set()).add(handle)

    def name(self, actor_id: Optional[str]) -> Optional[str]:
        host = urlparse(actor_id).hostname if actor_id else None
        names: set[str] = set()
        for attributed, handles in self.by_attribution.items():
            if actor_id and attributed not in (None, actor_id):
                continue
            for handle in handles:
                name, _, url_host = handle.rpartition("@")
                if name and not (host and url_host != host):
                    names.add(name)
        return names.pop() if len(names) == 1 else None


# The common shape of a toot URL, read without `urlparse` (which costs more than the rest of
# an outbox item's reading): a lower-case host without user or port, then the path.
PLAIN_STATUS_URI = re.compile(r"https?://([a-z0-9.-]+)(/[^?#]*)", re.ASCII)


def _readable_status_uri(uri: str) -> bool:
    """Whether `handle_from_status_uri` reads `uri` without failing (`urlparse` refuses
    some: `http://[x`)."""
    try:
        handle_from_status_uri(uri)
    except RECORD_ERRORS:
        return False
    return True


def handle_from_status_uri(uri: str) -> Optional[str]:
    """`https://host/users/user/statuses/1` or `https://host/@user/1` → `user@host`."""
    plain = PLAIN_STATUS_URI.match(uri)
    if plain is not None:
        host, path = plain.groups()
    else:
        parsed = urlparse(uri)
        host, path = parsed.hostname, parsed.path
    parts = path.strip("/").split("/")
    if len(parts) >= 4 and parts[0] == "users" and parts[2] == "statuses":
        return f"{parts[1]}@{host}"
    if len(parts) >= 2 and parts[0].startswith("@"):
        return f"{parts[0][1:]}@{host}"
    return None


def html_text(markup: Any) -> str:
    if not isinstance(markup, str) or not markup:
        return ""
    simple = simple_html_text(markup)
    return simple if simple is not None else html_to_text(markup).text


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
    draft = activity_draft(item)
    return draft.post(owner, actor_id, followers) if draft is not None else None


@dataclass
class ActivityDraft:
    """An item's post less what depends on the owner (the author, whether a reply answers
    the owner, the visibility: the followers collection is the owner's), with what is
    needed to complete it: `post()`."""

    fields: dict
    addressed: dict  # `to`/`cc` of the activity or its object, whichever has them

    def post(self, owner: str, actor_id: Optional[str],
             followers: frozenset[str] = frozenset()) -> Post:
        reply_to = self.fields.get("reply_to")
        if reply_to:
            self.fields["reply_to_author"] = owner if actor_id and reply_to.startswith(
                actor_id.rstrip("/") + "/") else handle_from_status_uri(reply_to)
        return Post(author=owner, visibility=visibility(self.addressed, followers),
                    **self.fields)


def activity_draft(item: Any) -> Optional[ActivityDraft]:
    """`activity_post` up to the owner: None for an item that is not a post. An item that is
    not an object at all is no activity: a bad item (ValueError)."""
    if not isinstance(item, dict):
        raise ValueError(f"expected an activity (a JSON object), not {type(item).__name__}")
    kind = item.get("type")
    if kind == "Announce":
        target = _uri(item.get("object"))
        if not target:
            return None
        return ActivityDraft(dict(text_raw=target, native_id=item.get("id") or f"{target}#announce",
                                  repost_of=target, created_at=iso_utc(item.get("published"))),
                             _addressing(item))
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
    url = note.get("url")
    fields = dict(
        text_raw=text,
        replies=count((note.get("replies") or {}).get("totalItems"))
        if isinstance(note.get("replies"), dict) else None,
        reposts=count((note.get("shares") or {}).get("totalItems"))
        if isinstance(note.get("shares"), dict) else None,
        likes=count((note.get("likes") or {}).get("totalItems"))
        if isinstance(note.get("likes"), dict) else None,
        native_id=note["id"], reply_to=reply_to, reply_to_author=None,
        created_at=iso_utc(note.get("published") or item.get("published")),
        url=_uri(url[0] if isinstance(url, list) and url else url) or note["id"],
        lang=next(iter(content_map), None),
        media=note_media(note),
    )
    return ActivityDraft(fields, _addressing(note if "to" in note or "cc" in note else item))


def _addressing(activity: dict) -> dict:
    """What `visibility` reads of an activity: its `to` and `cc`, when it has them."""
    return {key: activity[key] for key in ("to", "cc") if key in activity}
