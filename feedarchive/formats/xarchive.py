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
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from . import members
from .common import count, expand_links, iso_utc, iter_json_array, month_year, unescape_x

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
    if path.is_file() and not members.is_zip(_head(path)):
        folder = path.parent
        archive = members.Archive(folder, shallow=True)
        tweet_files = [path.name]
    else:
        archive = members.Archive(path)
        tweet_files = tweet_members(archive)
        if not tweet_files:
            raise SourceError(str(path), "X archive without data/tweets.js (or tweet.js)")
    with archive:
        profile = read_profile(archive, author)
        if profile is None:
            raise SourceError(str(path), "no data/account.js beside the tweets to name their "
                                         "author: pass the handle with --author")
        posts: list[Post] = []
        for name in tweet_files:
            label = archive.member_label(name)
            with archive.open(name) as stream:
                for line, element in iter_json_array(label, stream):
                    posts.append(tweet_post(label, line, element, profile.handle))
    posts.sort(key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)
    return Document(str(path), NAME, profile, posts, warnings, platform=PLATFORM)


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


def tweet_post(label: str, line: int, element: Any, owner: str) -> Post:
    tweet = element.get("tweet", element) if isinstance(element, dict) else None
    if not isinstance(tweet, dict) or not (tweet.get("id_str") or tweet.get("id")):
        raise SourceError(label, "expected a tweet object with an id_str", line)
    full_text = tweet.get("full_text")
    if full_text is None:
        full_text = tweet.get("text")
    if not isinstance(full_text, str):
        raise SourceError(label, "tweet without full_text", line)
    native = str(tweet.get("id_str") or tweet.get("id"))
    entities = tweet.get("entities") or {}
    text = unescape_x(expand_links(full_text, entities.get("urls") or []))
    retweet = RETWEET.match(full_text)
    return Post(
        text_raw=full_text, author=owner, line=line, text=text,
        replies=None,  # the archive has no reply count
        reposts=count(tweet.get("retweet_count")),
        likes=count(tweet.get("favorite_count")),
        native_id=native,
        reply_to=tweet.get("in_reply_to_status_id_str") or None,
        reply_to_author=tweet.get("in_reply_to_screen_name") or None,
        repost_of=f"https://x.com/{retweet.group(1)}" if retweet else None,
        created_at=iso_utc(tweet.get("created_at")),
        url=f"https://x.com/{owner}/status/{native}",
        lang=tweet.get("lang") or None,
    )
