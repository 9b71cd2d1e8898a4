"""The X/Twitter account archive ("Download an archive of your data").

Accepted as the `.zip`, the unpacked folder, or a tweets file alone. The tweets are in
`data/tweets.js` (`window.YTD.tweets.part0 = [...]`); archives made before 2022 call it
`data/tweet.js` (`window.YTD.tweet.part0`); large archives continue in `tweets-part1.js`,
`tweets-part2.js`, … Each element is `{"tweet": {...}}` or, in some exports, the bare tweet.
The owner is in `data/account.js` (`username`, `accountDisplayName`, `createdAt`) and
`data/profile.js` (`description.bio`, `.website`, `.location`).

Per tweet: `id_str`, `full_text`, `created_at` (`Sat Oct 11 15:50:20 +0000 2025`),
`in_reply_to_status_id_str`, `in_reply_to_screen_name`, `favorite_count` and `retweet_count`
(numbers written as strings), `lang`, `entities.urls[].url/expanded_url`.

What is stored: `text_raw` is `full_text` exactly as in the archive (t.co links, `&amp;`);
`text` has the t.co links replaced by their expansions and X's three HTML escapes undone.
The archive has no reply, quote or view counts: those stay NULL. A retweet (`RT @user: …`)
is the owner's post; the archive does not say which tweet it repeats, so `repost_of` holds
the retweeted account's profile URL, the most that is known.

The tweets are read lazily, in file order, afresh on each iteration of `Document.posts`
(`ArchivePosts`): a 1M-tweet archive is never held whole. `ArchivePosts.blocks()` cuts the
tweet files into `PostChunk`s of raw elements (cheap: no JSON is decoded) and `parse_chunk`
turns one into posts, in this process or in worker processes.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from . import members
from .common import (ArrayBlock, array_blocks, block_elements, count, expand_links, iso_utc,
                     iter_json_array, month_year, unescape_x)

NAME = "x-archive"
PLATFORM = "x"
OPTIONS = ("author",)
PREFIX = re.compile(rb"^\s*(?:\xef\xbb\xbf)?window\.YTD\.(tweets?)\.part\d+\s*=", re.ASCII)
TWEET_FILE = re.compile(r"(?:^|/)(tweets?)(?:-part(\d+))?\.js$")
RETWEET = re.compile(r"^RT @([A-Za-z0-9_]{1,15}):")


def sniff(path: Path, head: bytes) -> bool:
    if Path(path).is_dir():
        return any((Path(path) / m).is_file() for m in members.X_MARKERS)
    if PREFIX.match(head):
        return True
    if members.is_zip(head):
        names = members.zip_names(Path(path))
        return any(members.has_member(names, m) for m in ("data/tweets.js", "data/tweet.js"))
    return False


def read(path: Path, *, author: Optional[str] = None) -> Document:
    path = Path(path)
    warnings: list[str] = []
    single = path.is_file() and not members.is_zip(_head(path))
    archive = _open_archive(path, single)
    with archive:
        tweet_files = [path.name] if single else tweet_members(archive)
        if not tweet_files:
            raise SourceError(str(path), "X archive without data/tweets.js (or tweet.js)")
        profile = read_profile(archive, author)
        if profile is None:
            raise SourceError(str(path), "no data/account.js beside the tweets to name their "
                                         "author: pass the handle with --author")
    posts = ArchivePosts(path, single, tweet_files, profile.handle, warnings)
    posts.check()
    return Document(str(path), NAME, profile, posts, warnings, platform=PLATFORM)


def _open_archive(path: Path, single: bool) -> members.Archive:
    return members.Archive(path.parent, shallow=True) if single else members.Archive(path)


@dataclass
class PostChunk:
    """Whole tweets as raw bytes (one `ArrayBlock` of a tweet file), with the file's label and
    the owner's handle: a unit of parallel work for `parse_chunk`."""

    label: str
    author: str
    first_line: int
    data: bytes
    first: bool  # starts just after the array's `[`
    final: bool  # holds the array's closing `]`


def parse_chunk(chunk: PostChunk) -> tuple[list[Post], list[str]]:
    """The posts of one chunk, in file order, and any warnings (run in worker processes for
    large archives). Raises SourceError naming the file and line of a bad tweet."""
    label, owner = chunk.label, chunk.author
    block = ArrayBlock(chunk.first_line, chunk.data, chunk.first, chunk.final)
    return [tweet_post(label, line, element, owner)
            for line, element in block_elements(label, block)], []


class ArchivePosts:
    """The posts of an X archive's tweet files, in file order (parts chained), read lazily and
    afresh (archive re-opened) on each iteration; nothing is sorted or held."""

    parse_unit = staticmethod(parse_chunk)

    def __init__(self, path: Path, single: bool, tweet_files: list[str], author: str,
                 warnings: list[str]) -> None:
        self.path, self.single, self.tweet_files = path, single, tweet_files
        self.author, self.warnings = author, warnings

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
                        yield PostChunk(label, self.author, block.first_line, block.data,
                                        block.first, block.final)

    def check(self) -> None:
        """Fail early, while reading the document: open every tweet file (archive limits) and
        parse its first chunk, which for most archives is all of it."""
        with _open_archive(self.path, self.single) as archive:
            for name in self.tweet_files:
                label = archive.member_label(name)
                with archive.open(name) as stream:
                    for block in array_blocks(label, stream):
                        parse_chunk(PostChunk(label, self.author, block.first_line, block.data,
                                              block.first, block.final))
                        break

    def evidence(self, limit: int) -> list[str]:
        """Up to `limit` non-ASCII post texts (links expanded, as `Post.text`), in file order:
        the texts that can show a mis-decoding. Chunks of plain ASCII bytes are skipped
        without being decoded; reading stops once `limit` are found."""
        found: list[str] = []
        if limit <= 0:
            return found
        for chunk in self.blocks():
            if chunk.data.isascii() and b"\\u" not in chunk.data:
                continue
            block = ArrayBlock(chunk.first_line, chunk.data, chunk.first, chunk.final)
            for line, element in block_elements(chunk.label, block):
                text = tweet_text(element)
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


def read_profile(archive: members.Archive, author: Optional[str]) -> Optional[Profile]:
    account_name = archive.find("data/account.js", "account.js")
    account = ytd_records(archive, account_name, "account")[0] if account_name else {}
    handle = author.lstrip("@") if author else account.get("username")
    if not handle:
        return None
    profile = Profile(handle=handle)
    if account.get("username", "").lower() == handle.lower():
        profile.name = account.get("accountDisplayName") or None
        profile.joined = month_year(account.get("createdAt"))
    profile_name = archive.find("data/profile.js", "profile.js")
    if profile_name and profile.name is not None:
        records = ytd_records(archive, profile_name, "profile")
        description = (records[0].get("description") if records else None) or {}
        profile.bio = description.get("bio") or None
        profile.website = description.get("website") or None
        profile.location = description.get("location") or None
    return profile


def tweet_text(element: Any) -> Optional[str]:
    """A tweet's `text` (links expanded, X's escapes undone) without building its post."""
    tweet = element.get("tweet", element) if isinstance(element, dict) else None
    if not isinstance(tweet, dict):
        return None
    full_text = tweet.get("full_text")
    if full_text is None:
        full_text = tweet.get("text")
    if not isinstance(full_text, str):
        return None
    entities = tweet.get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    return _text(full_text, urls)


def _text(full_text: str, urls: Any) -> str:
    text = expand_links(full_text, urls) if urls else full_text
    return unescape_x(text) if "&" in text else text


def tweet_post(label: str, line: int, element: Any, owner: str) -> Post:
    tweet = element.get("tweet", element) if isinstance(element, dict) else None
    if not isinstance(tweet, dict) or not (tweet.get("id_str") or tweet.get("id")):
        raise SourceError(label, "expected a tweet object with an id_str", line)
    get = tweet.get
    full_text = get("full_text")
    if full_text is None:
        full_text = get("text")
    if not isinstance(full_text, str):
        raise SourceError(label, "tweet without full_text", line)
    native = str(get("id_str") or get("id"))
    entities = get("entities") or {}
    urls = entities.get("urls") if isinstance(entities, dict) else None
    retweet = RETWEET.match(full_text) if full_text.startswith("RT @") else None
    return Post(
        text_raw=full_text, author=owner, line=line, text=_text(full_text, urls),
        replies=None,  # the archive has no reply count
        reposts=count(get("retweet_count")),
        likes=count(get("favorite_count")),
        native_id=native,
        reply_to=get("in_reply_to_status_id_str") or None,
        reply_to_author=get("in_reply_to_screen_name") or None,
        repost_of=f"https://x.com/{retweet.group(1)}" if retweet else None,
        created_at=iso_utc(get("created_at")),
        url=f"https://x.com/{owner}/status/{native}",
        lang=get("lang") or None,
    )
