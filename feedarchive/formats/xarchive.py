"""The X/Twitter account archive ("Download an archive of your data").

Accepted as the `.zip`, the unpacked folder, or a tweets file alone. The tweets are in
`data/tweets.js` (`window.YTD.tweets.part0 = [...]`); archives made before 2022 call it
`data/tweet.js` (`window.YTD.tweet.part0`); large archives continue in `tweets-part1.js`,
`tweets-part2.js`, … Each element is `{"tweet": {...}}` or, in some exports, the bare tweet.
The owner is in `data/account.js` (`username`, `accountDisplayName`, `createdAt`) and
`data/profile.js` (`description.bio`, `.website`, `.location`).

When the archive was made is `data/manifest.js`'s `archiveInfo.generationDate`
(`Document.captured_at`), where the archive has one.

The owner's user id is `account.js`'s `accountId`. An archive without `account.js` (some are
shared as `tweets.js` alone) still names its owner: every tweet in it is the owner's, so a
reply to another tweet of the same archive carries the owner's handle and id in
`in_reply_to_screen_name`/`in_reply_to_user_id_str` (`--author` is needed only when no tweet
replies to another).

Per tweet: `id_str`, `full_text`, `created_at` (`Sat Oct 11 15:50:20 +0000 2025`),
`in_reply_to_status_id_str`, `in_reply_to_screen_name`, `favorite_count` and `retweet_count`
(numbers written as strings), `lang`, `entities.urls[].url/expanded_url`, the media in
`extended_entities.media` / `entities.media`.

What is stored: `text_raw` is `full_text` exactly as in the archive (t.co links, `&amp;`);
`text` is what X shows (`x_entities.shown`): t.co links expanded, the media link taken out
(the media are in `Post.media`), X's three HTML escapes undone. The archive has no reply,
quote or view counts: those stay NULL. A retweet (`RT @user: …`) is the owner's post; the
archive does not say which tweet it repeats, so `repost_of` holds the retweeted account's
profile URL, the most that is known.

Long posts ("note tweets", over 280 characters): `tweets.js` holds them cut short with `…`,
and `data/note-tweet.js` (`window.YTD.note_tweet.part0`) holds the whole text as `{"noteTweet":
{"noteTweetId", "createdAt", "core": {"text", "urls": [{"shortUrl", "expandedUrl"}]}}}`. No id
links the two (the note's id is not the tweet's), but the note is created in the same second
as its tweet and the cut text is the start of the note's: a cut tweet takes the note of its
second whose text (links and spaces aside) begins with the tweet's. Checked on the real
archives: every cut tweet with a note finds exactly one this way (none would match a second
note even at another time), with times equal to the second. A reply's leading `@mentions`,
which the note leaves out, are kept.

The tweets are read lazily, in file order, afresh on each iteration of `Document.posts`
(`ArchivePosts`): a 1M-tweet archive is never held whole. `ArchivePosts.blocks()` cuts the
tweet files into `PostChunk`s of raw elements (cheap: no JSON is decoded) and `parse_chunk`
turns one into posts, in this process or in worker processes.
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator, Optional

from ..errors import SourceError
from ..models import Document, Media, Post, Profile
from . import members
from .common import (MONTHS, RECORD_ERRORS, ArrayBlock, BadRecords, array_blocks,
                     block_elements, count, iso_utc, iter_json_array, month_year, record_problem)
from .x_entities import Entities, link_map, shown, unescape, v1_entities

NAME = "x-archive"
PLATFORM = "x"
OPTIONS = ("author", "skip_bad")
PREFIX = re.compile(rb"^\s*(?:\xef\xbb\xbf)?window\.YTD\.(tweets?)\.part\d+\s*=", re.ASCII)
TWEET_FILE = re.compile(r"(?:^|/)(tweets?)(?:-part(\d+))?\.js$")
NOTE_FILE = re.compile(r"(?:^|/)note-tweet(?:-part(\d+))?\.js$")
RETWEET = re.compile(r"^RT @([A-Za-z0-9_]{1,15}):")
CREATED_AT = re.compile(rb'"created_at"\s*:\s*"([^"]*)"')
LEADING_MENTIONS = re.compile(r"(?:@[A-Za-z0-9_]{1,15}\s+)+")
LINKS_AND_SPACE = re.compile(r"https?://\S+|\s+")
LINKS_ONLY = re.compile(r"(?:\s*https?://\S+)*\s*")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
GENERATED = re.compile(rb'"generationDate"\s*:\s*"([^"]{1,64})"')
MANIFEST_HEAD = 64 * 1024  # `archiveInfo` is near the top; the rest lists the data files


def sniff(path: Path, head: bytes) -> bool:
    if Path(path).is_dir():
        return any(members.present(Path(path) / m) for m in members.X_MARKERS)
    if PREFIX.match(head):
        return True
    if members.is_zip(head):
        names = members.zip_names(Path(path))
        return any(members.has_member(names, m) for m in ("data/tweets.js", "data/tweet.js"))
    return False


def read(path: Path, *, author: Optional[str] = None, skip_bad: bool = False) -> Document:
    path = Path(path)
    warnings: list[str] = []
    single = path.is_file() and not members.is_zip(_head(path))
    archive = _open_archive(path, single)
    with archive:
        tweet_files = [path.name] if single else tweet_members(archive)
        if not tweet_files:
            raise SourceError(str(path), "X archive without data/tweets.js (or tweet.js)")
        try:
            profile = read_profile(archive, author)
            if profile is None:
                profile = infer_owner(archive, tweet_files, warnings)
        except RECORD_ERRORS as error:
            raise SourceError(str(path), "the owner's account.js, profile.js or self-replies: "
                                         + record_problem(error)) from None
        if profile is None:
            raise SourceError(str(path), "no data/account.js beside the tweets to name their "
                                         "author, and no tweet replies to another of them: "
                                         "pass the handle with --author")
        notes = read_notes(archive)
        generated = generation_date(archive)
    posts = ArchivePosts(path, single, tweet_files, profile.handle, warnings, notes, skip_bad)
    posts.check()
    return Document(str(path), NAME, profile, posts, warnings, platform=PLATFORM,
                    captured_at=generated)


def _open_archive(path: Path, single: bool) -> members.Archive:
    return members.Archive(path.parent, shallow=True) if single else members.Archive(path)


# -- long posts ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Note:
    """The whole text of a long post, as X shows it (its links expanded; X does not escape a
    note's text), and `key`, the text without links and spaces, which a cut copy in
    `tweets.js` is compared by (its links are other t.co links, or already expanded)."""

    text: str
    key: str


def note_key(text: str) -> str:
    """What a long post and its cut copy are compared by: links and spaces left out."""
    return LINKS_AND_SPACE.sub("", text)


class NoteIndex:
    """The archive's long posts by the second they were created in (UTC ISO), and the
    `created_at` bytes a tweet of that second has in `tweets.js`, to hand each chunk of
    tweets only the notes it can use."""

    def __init__(self) -> None:
        self.by_time: dict[str, tuple[Note, ...]] = {}
        self.by_written_date: dict[bytes, str] = {}

    def add(self, created: str, note: Note) -> None:
        """Index `note`, created at `created` (UTC ISO to the second, as `iso_utc` gives)."""
        self.by_time[created] = self.by_time.get(created, ()) + (note,)
        self.by_written_date[x_date(datetime.fromisoformat(created)).encode()] = created

    def for_chunk(self, data: bytes) -> dict[str, tuple[Note, ...]]:
        """The notes created in a second some tweet of `data` (raw tweets) was created in."""
        if not self.by_time:
            return {}
        found = {}
        for written in CREATED_AT.findall(data):
            iso = self.by_written_date.get(written)
            if iso is not None:
                found[iso] = self.by_time[iso]
        return found


def x_date(moment: datetime) -> str:
    """`Tue Jan 30 08:14:27 +0000 2024`, as `tweets.js` writes `created_at` (UTC), without
    `strftime`, whose day and month names follow the locale."""
    return (f"{WEEKDAYS[moment.weekday()]} {MONTHS[moment.month - 1][:3]} {moment.day:02d} "
            f"{moment:%H:%M:%S} +0000 {moment.year}")


def read_notes(archive: members.Archive) -> NoteIndex:
    """The long posts of `data/note-tweet.js` (and its `-partN` continuations); an empty
    index when the archive has none (archives made before 2023, or a `tweets.js` alone)."""
    index = NoteIndex()
    names = sorted((int(m.group(1) or 0), name) for name in archive.names()
                   if (m := NOTE_FILE.search(name)) and name.count("/") <= 2)
    for _, name in names:
        for record in ytd_records(archive, name, "noteTweet"):
            note = _note(record)
            if note is not None:
                index.add(*note)
    return index


def _note(record: dict) -> Optional[tuple[str, Note]]:
    """(when, the note) for one `noteTweet` record; None for a record without text or date."""
    core = record.get("core")
    text = core.get("text") if isinstance(core, dict) else None
    created = iso_utc(record.get("createdAt"))
    if not isinstance(text, str) or created is None:
        return None
    whole, _ = shown(text, Entities(link_map(core.get("urls"), "shortUrl", "expandedUrl")),
                     escaped=False)
    return created, Note(whole, note_key(whole))


def join_note(text: str, notes: tuple[Note, ...]) -> Optional[str]:
    """The whole text of a tweet shown cut short (`…`, then perhaps links) from the notes
    of its second, or None when none of them begins like it. A reply's leading mentions are
    not in the note: they are kept. Links after the `…` that the note does not hold (a quoted
    tweet's address) are kept after it."""
    cut = text.rfind("…")
    if cut < 0 or not LINKS_ONLY.fullmatch(text, cut + 1):
        return None
    head, tail = text[:cut], text[cut + 1:].split()
    lead = LEADING_MENTIONS.match(head)
    tries = [("", note_key(head))]
    if lead is not None:
        tries.append((lead.group(), note_key(head[lead.end():])))
    for prefix, key in tries:
        if not key:
            continue
        for note in notes:
            if note.key.startswith(key):
                extra = [link for link in tail if link not in note.text]
                return prefix + note.text + "".join(" " + link for link in extra)
    return None


# -- tweets, chunk by chunk ---------------------------------------------------------------
@dataclass
class PostChunk:
    """Whole tweets as raw bytes (one `ArrayBlock` of a tweet file), with the file's label,
    the owner's handle and the long posts these tweets may be cut copies of: a unit of
    parallel work for `parse_chunk`."""

    label: str
    author: str
    first_line: int
    data: bytes
    first: bool  # starts just after the array's `[`
    final: bool  # holds the array's closing `]`
    notes: dict[str, tuple[Note, ...]] = field(default_factory=dict)
    skip_bad: bool = False


def parse_chunk(chunk: PostChunk) -> tuple[list[Post], list[str]]:
    """The posts of one chunk, in file order, and any warnings (run in worker processes for
    large archives). A bad tweet raises SourceError naming the file and line, or with
    `skip_bad` is left out and listed in the warnings."""
    label, owner, notes = chunk.label, chunk.author, chunk.notes
    block = ArrayBlock(chunk.first_line, chunk.data, chunk.first, chunk.final)
    posts: list[Post] = []
    warnings: list[str] = []
    bad = BadRecords(label, chunk.skip_bad, warnings, "tweet")
    for line, element in block_elements(label, block):
        try:
            posts.append(tweet_post(line, element, owner, notes))
        except RECORD_ERRORS as error:
            bad.skip(record_problem(error), line)
    bad.close()
    return posts, warnings


class ArchivePosts:
    """The posts of an X archive's tweet files, in file order (parts chained), read lazily and
    afresh (archive re-opened) on each iteration; nothing is sorted or held."""

    parse_unit = staticmethod(parse_chunk)

    def __init__(self, path: Path, single: bool, tweet_files: list[str], author: str,
                 warnings: list[str], notes: Optional[NoteIndex] = None,
                 skip_bad: bool = False) -> None:
        self.path, self.single, self.tweet_files = path, single, tweet_files
        self.author, self.warnings, self.skip_bad = author, warnings, skip_bad
        self.notes = notes if notes is not None else NoteIndex()

    def __iter__(self) -> Iterator[Post]:
        for chunk in self.blocks():
            posts, warnings = parse_chunk(chunk)
            self.warnings.extend(warnings)
            yield from posts

    def blocks(self, size: Optional[int] = None) -> Iterator[PostChunk]:
        """The tweet files cut into chunks of about `size` bytes (1 MiB) of whole tweets."""
        with _open_archive(self.path, self.single) as archive:
            for name in self.tweet_files:
                label = archive.member_label(name)
                with archive.open(name) as stream:
                    for block in array_blocks(label, stream, size=size):
                        yield self._chunk(label, block)

    def _chunk(self, label: str, block: ArrayBlock) -> PostChunk:
        return PostChunk(label, self.author, block.first_line, block.data, block.first,
                         block.final, self.notes.for_chunk(block.data), self.skip_bad)

    def check(self) -> None:
        """Fail early, while reading the document: open every tweet file (archive limits) and
        parse its first chunk, which for most archives is all of it."""
        with _open_archive(self.path, self.single) as archive:
            for name in self.tweet_files:
                label = archive.member_label(name)
                with archive.open(name) as stream:
                    for block in array_blocks(label, stream):
                        parse_chunk(self._chunk(label, block))
                        break

    def evidence(self, limit: int) -> list[str]:
        """Up to `limit` non-ASCII post texts (as `Post.text`: links expanded, long posts
        whole), in file order: the texts that can show a mis-decoding. Chunks of plain ASCII
        bytes are skipped without being decoded; reading stops once `limit` are found."""
        found: list[str] = []
        if limit <= 0:
            return found
        for chunk in self.blocks():
            if chunk.data.isascii() and b"\\u" not in chunk.data and not chunk.notes:
                continue
            block = ArrayBlock(chunk.first_line, chunk.data, chunk.first, chunk.final)
            for line, element in block_elements(chunk.label, block):
                text = tweet_text(element, chunk.notes)
                if text and not text.isascii():
                    found.append(text)
                    if len(found) >= limit:
                        return found
        return found


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(8)


def tweet_members(archive: members.Archive) -> list[str]:
    """`tweets.js` then `tweets-part1.js`, … (or the older `tweet.js` family), in part order."""
    found = []
    for name in archive.names():
        match = TWEET_FILE.search(name)
        if match and name.count("/") <= 2 and "/tweets_media/" not in name:
            found.append((match.group(1), int(match.group(2) or 0), name))
    found.sort()
    return [name for _, _, name in found]


def ytd_records(archive: members.Archive, name: str, key: str) -> list[dict]:
    """The records of a small `window.YTD.<key>.part0 = [...]` file, unwrapped."""
    label = archive.member_label(name)
    with archive.open(name) as stream:
        return [(item.get(key, item) if isinstance(item, dict) else {})
                for _, item in iter_json_array(label, stream)]


def generation_date(archive: members.Archive) -> Optional[str]:
    """When X made the archive (UTC ISO), from `data/manifest.js` (`window.__THAR_CONFIG =
    {"archiveInfo": {"generationDate": "2025-03-08T17:45:12.345Z", …}, …}`), read no further
    than its first MANIFEST_HEAD bytes; None when the archive has no manifest (a `tweets.js`
    alone, or a partial copy)."""
    name = archive.find("data/manifest.js", "manifest.js")
    if name is None:
        return None
    with archive.open(name) as stream:
        found = GENERATED.search(stream.read(MANIFEST_HEAD))
    return iso_utc(found.group(1).decode("utf-8", errors="replace")) if found else None


# -- the owner ----------------------------------------------------------------------------
def read_profile(archive: members.Archive, author: Optional[str]) -> Optional[Profile]:
    account_name = archive.find("data/account.js", "account.js")
    records = ytd_records(archive, account_name, "account") if account_name else []
    account = records[0] if records else {}
    handle = author.lstrip("@") if author else account.get("username")
    if not handle:
        return None
    details: dict = {}
    if str(account.get("username", "")).lower() == handle.lower():
        details = {"name": account.get("accountDisplayName") or None,
                   "joined": month_year(account.get("createdAt")),
                   "native_id": str(account["accountId"]) if account.get("accountId") else None}
    profile_name = archive.find("data/profile.js", "profile.js")
    if profile_name and details.get("name") is not None:
        records = ytd_records(archive, profile_name, "profile")
        description = (records[0].get("description") if records else None) or {}
        details.update(bio=description.get("bio") or None,
                       website=description.get("website") or None,
                       location=description.get("location") or None)
    return Profile(handle=handle, **details)  # built whole, so its field checks see every field


def infer_owner(archive: members.Archive, tweet_files: list[str],
                warnings: list[str]) -> Optional[Profile]:
    """The owner of an archive without `account.js`, as the archive itself proves it: a
    tweet replying to another tweet of the same archive replies to the owner, and names them
    (`in_reply_to_screen_name`, `in_reply_to_user_id_str`). The most named handle wins; None
    when no tweet replies to another. Reads every tweet once (only for such archives)."""
    ids: set[int] = set()
    replies: list[tuple[int, str, str]] = []
    for name in tweet_files:
        label = archive.member_label(name)
        with archive.open(name) as stream:
            for _, element in iter_json_array(label, stream):
                tweet = element.get("tweet", element) if isinstance(element, dict) else None
                if not isinstance(tweet, dict):
                    continue
                native = str(tweet.get("id_str") or tweet.get("id") or "")
                if native.isdecimal():
                    ids.add(int(native))
                target = str(tweet.get("in_reply_to_status_id_str") or "")
                handle = tweet.get("in_reply_to_screen_name")
                if target.isdecimal() and isinstance(handle, str) and handle:
                    user = str(tweet.get("in_reply_to_user_id_str") or "")
                    replies.append((int(target), handle, user))
    named = Counter((handle, user) for target, handle, user in replies if target in ids)
    if not named:
        return None
    by_handle: Counter = Counter()
    for (handle, _), times in named.items():
        by_handle[handle] += times
    handle, times = by_handle.most_common(1)[0]
    ids_named = Counter({user: n for (h, user), n in named.items() if h == handle and user})
    warnings.append(f"{archive.label}: no account.js; the owner, @{handle}, is inferred from "
                    f"{times} replies to tweets of this archive")
    return Profile(handle=handle,
                   native_id=ids_named.most_common(1)[0][0] if ids_named else None)


# -- one tweet ----------------------------------------------------------------------------
def display(tweet: dict, full_text: str, created: Optional[str],
            notes: dict[str, tuple[Note, ...]]) -> tuple[str, list[Media]]:
    """(the text X shows for a tweet, its media): `x_entities.shown`, and for a long post cut
    short in `tweets.js`, the whole text from its note. Most tweets have no link and no
    media: they only have their escapes undone, without building their entities."""
    entities = tweet.get("entities")
    if "t.co/" in full_text or "extended_entities" in tweet or (
            entities.__class__ is dict and "media" in entities):
        text, media = shown(full_text, v1_entities(tweet))
    else:
        text, media = (unescape(full_text) if "&" in full_text else full_text), []
    if notes and created in notes:
        text = join_note(text, notes[created]) or text
    return text, media


NoteMap = dict[str, tuple[Note, ...]]  # a chunk's notes by second (UTC ISO)


def tweet_text(element: Any, notes: Optional[NoteMap] = None) -> Optional[str]:
    """A tweet's `text` (as `tweet_post` makes it) without building its post."""
    tweet = element.get("tweet", element) if element.__class__ is dict else None
    if tweet.__class__ is not dict:
        return None
    full_text = tweet.get("full_text")
    if full_text is None:
        full_text = tweet.get("text")
    if not isinstance(full_text, str):
        return None
    created = iso_utc(tweet.get("created_at")) if notes else None
    return display(tweet, full_text, created, notes or {})[0]


def tweet_post(line: int, element: Any, owner: str,
               notes: Optional[NoteMap] = None) -> Post:
    """One archive tweet as the owner's post; ValueError when the element is not a tweet (the
    caller names file and line)."""
    tweet = element.get("tweet", element) if element.__class__ is dict else None
    if tweet.__class__ is not dict or not (tweet.get("id_str") or tweet.get("id")):
        raise ValueError("expected a tweet object with an id_str")
    get = tweet.get
    full_text = get("full_text")
    if full_text is None:
        full_text = get("text")
    if not isinstance(full_text, str):
        raise ValueError("tweet without full_text")
    native = str(get("id_str") or get("id"))
    created = iso_utc(get("created_at"))
    text, media = display(tweet, full_text, created, notes or {})
    retweet = RETWEET.match(full_text) if full_text.startswith("RT @") else None
    return Post(
        text_raw=full_text, author=owner, line=line, text=text,
        replies=None,  # the archive has no reply count
        reposts=count(get("retweet_count")),
        likes=count(get("favorite_count")),
        native_id=native,
        reply_to=get("in_reply_to_status_id_str") or None,
        reply_to_author=get("in_reply_to_screen_name") or None,
        repost_of=f"https://x.com/{retweet.group(1)}" if retweet else None,
        created_at=created,
        url=f"https://x.com/{owner}/status/{native}",
        lang=get("lang") or None,
        media=media,
    )
