"""snscrape and twscrape JSON Lines: one tweet object per line.

snscrape writes `snscrape.modules.twitter.Tweet` objects (`--jsonl`); twscrape writes the same
model (`_type` too) with `bookmarkedCount` where snscrape has `bookmarkCount`, and a date
`2024-03-01 12:00:00+00:00` where snscrape has `2024-03-01T12:00:00+00:00`. Older snscrape
calls the text `content` rather than `rawContent`.

Per tweet: `id`, `url`, `date`, `rawContent`, `lang`, `replyCount`, `retweetCount`,
`likeCount`, `quoteCount`, `viewCount`, `bookmarkCount`/`bookmarkedCount`, `conversationId`,
`inReplyToTweetId`, `inReplyToUser.username`, `retweetedTweet`, and the author in
`user{id, username, displayname, rawDescription, location, followersCount, friendsCount,
statusesCount, mediaCount, created}`, `links[{tcourl, url}]` and `media` (snscrape: a list of
`Photo{fullUrl, altText}`/`Video`/`Gif{thumbnailUrl, variants}`; twscrape: `{photos, videos,
animated}`).

`rawContent` is the API's `full_text` copied verbatim: t.co links, the media link at its end,
`&amp;`/`&lt;`/`&gt;`. `text_raw` is it, as found; `text` is what X shows
(`x_entities.shown`): each `links[].tcourl` replaced by its `url`, the media link taken out
(the media are in `Post.media`), the escapes undone.

The file is read line by line, twice, and its posts are never held (`ScrapedPosts`). The first
pass, in `read`, parses every line: a line that is not JSON or not a tweet stops the import
there with its line number, or with `skip_bad` is left out and reported; it keeps the authors
(the owner, `Document.profile`, is the user `--author` names, or the only author in the file;
every other author is kept in `other_profiles`), the ids of the tweets listed more than once
(a pinned tweet, at the top and in its place) and the repair evidence. Iterating
`Document.posts` reads the file again and yields each tweet once, its last copy, in file order
(the store orders a dated timeline by date itself).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from .common import (CHUNK, BadRecords, LazyPosts, LineBlock, NewestTexts, Repeats, count,
                     iso_utc, jsonl_blocks, month_year, parsed_jsonl, parsed_lines)
from .x_entities import scraper_entities, shown

NAME = "snscrape"
PLATFORM = "x"
OPTIONS = ("author", "skip_bad")
TYPE = "snscrape.modules.twitter.Tweet"


def sniff(path: Path, head: bytes) -> bool:
    start = head.lstrip()[:1]
    if start != b"{":
        return False
    first = head.split(b"\n", 1)[0]
    return TYPE.encode() in first or (b'"rawContent"' in first and b'"likeCount"' in first) \
        or (b'"content"' in first and b'"likeCount"' in first and b'"user"' in first)


def read(path: Path, *, author: Optional[str] = None, skip_bad: bool = False) -> Document:
    """The first pass (every line parsed, nothing of a post kept but its id and, for the
    `EVIDENCE_HELD` newest non-ASCII ones, its text); the posts are made when iterated."""
    path = Path(path)
    label = str(path)
    users: dict[str, Profile] = {}
    warnings: list[str] = []
    bad = BadRecords(label, skip_bad, warnings, "line")
    repeats = Repeats()
    texts = NewestTexts(by_id=True)
    for post, user in parsed_jsonl(path, tweet_post, bad):
        repeat = repeats.add(post.native_id, post.line)
        texts.add(post.text, post.created_at, post.native_id, repeat)
        if user is not None:
            users[user.handle.lower()] = user
    repeats.done()
    if not repeats.count and bad.count:
        raise SourceError(label, f"no readable tweet: {bad.count:,} bad lines")
    # Every tweet has its author in `users`: the authors are its keys.
    owner = pick_owner(set(users), users, author)
    others = [user for key, user in users.items() if owner is None or key != owner.handle.lower()]
    posts = ScrapedPosts(path, skip_bad, repeats, texts)
    return Document(str(path), NAME, owner, posts, warnings, platform=PLATFORM,
                    other_profiles=others, repeats=repeats.repeats)


# Blocks of lines carry the ids of the tweets listed more than once: past this many, the
# posts are made in this process rather than in workers (`ScrapedPosts.blocks`).
SHIPPED_REPEATS = 10_000


@dataclass
class ScrapeBlock:
    """Whole lines of a scrape, with the lines of the last copies of the tweets it lists
    more than once (`Repeats.last`): a unit of work for `parse_block`."""

    lines: LineBlock
    skip_bad: bool
    last: dict[str, int]


def parse_block(block: ScrapeBlock) -> tuple[list[Post], list[str]]:
    """The tweets of one block, each repeated one only at its last copy (run in worker
    processes for large files). No warnings: the first pass listed the bad lines."""
    seen_bad = BadRecords(block.lines.label, block.skip_bad, [], "line")
    last = block.last
    return [post for post, _ in parsed_lines(block.lines.label, block.lines.lines(), tweet_post,
                                             seen_bad)
            if not last or last.get(post.native_id, post.line) == post.line], []


class ScrapedPosts(LazyPosts):
    """The tweets of a snscrape/twscrape file, made afresh from the file on each iteration,
    in file order, each once (its last copy: `Repeats`). The first pass has reported every
    bad line already; they are passed over here. The importer may have blocks of lines
    (`blocks`) made into posts in worker processes (`parse_unit`)."""

    def __init__(self, path: Path, skip_bad: bool, repeats: Repeats, texts: NewestTexts):
        super().__init__(repeats.posts, texts)
        self.path, self.skip_bad, self.repeats = path, skip_bad, repeats

    def __iter__(self) -> Iterator[Post]:
        seen_bad = BadRecords(str(self.path), self.skip_bad, [], "line")  # listed in `read`
        is_last = self.repeats.is_last
        for post, _ in parsed_jsonl(self.path, tweet_post, seen_bad):
            if is_last(post.native_id, post.line):
                yield post

    @property
    def blocks(self) -> Optional[Callable[..., Iterator[ScrapeBlock]]]:
        """`blocks(size)`: the file cut into blocks of whole lines (1 MiB), each with what
        `parse_block` needs; None (no blocks: the importer iterates) when so many tweets
        repeat that their ids would weigh on every block."""
        if len(self.repeats.last) > SHIPPED_REPEATS:
            return None
        return self._blocks

    def _blocks(self, size: Optional[int] = None) -> Iterator[ScrapeBlock]:
        for lines in jsonl_blocks(self.path, size or CHUNK):
            yield ScrapeBlock(lines, self.skip_bad, self.repeats.last)

    parse_unit = staticmethod(parse_block)


def pick_owner(authors: set[str], users: dict[str, Profile],
               author: Optional[str]) -> Optional[Profile]:
    """The user `author` names (described or not), else the only author (lower-cased handles
    in `authors`), else None."""
    if author:
        handle = author.lstrip("@")
        return users.get(handle.lower(), Profile(handle=handle))
    authors = set(authors)
    return users.get(authors.pop()) if len(authors) == 1 else None


def user_profile(user: Any) -> Optional[Profile]:
    if not isinstance(user, dict) or not user.get("username"):
        return None
    return Profile(
        handle=user["username"],
        name=user.get("displayname") or None,
        bio=user.get("rawDescription") if user.get("rawDescription") is not None
        else user.get("description") or None,
        location=user.get("location") or None,
        website=(user.get("link") or {}).get("url") if isinstance(user.get("link"), dict)
        else None,
        joined=month_year(user.get("created")),
        followers=count(user.get("followersCount")),
        following=count(user.get("friendsCount")),
        media=count(user.get("mediaCount")),
        statuses=count(user.get("statusesCount")),
        native_id=str(user.get("id_str") or user.get("id")) if user.get("id") else None,
    )


def tweet_post(tweet: Any, line: int) -> tuple[Post, Optional[Profile]]:
    if not isinstance(tweet, dict):
        raise ValueError("expected a JSON object (a tweet)")
    kind = tweet.get("_type")
    if kind is not None and kind != TYPE:
        raise ValueError(f"not a tweet ({kind})")
    user = user_profile(tweet.get("user"))
    native = tweet.get("id_str") or tweet.get("id")
    text = tweet.get("rawContent")
    if text is None:
        text = tweet.get("content")
    if user is None or native is None or not isinstance(text, str):
        raise ValueError("expected a tweet with id, rawContent and user.username")
    reply_user = tweet.get("inReplyToUser") or {}
    retweeted = tweet.get("retweetedTweet")
    bookmarks = tweet.get("bookmarkCount", tweet.get("bookmarkedCount"))
    reply_to = tweet.get("inReplyToTweetIdStr") or tweet.get("inReplyToTweetId")
    shown_text, media = shown(text, scraper_entities(tweet))
    post = Post(
        text_raw=text, author=user.handle, line=line, text=shown_text, media=media,
        replies=count(tweet.get("replyCount")), reposts=count(tweet.get("retweetCount")),
        likes=count(tweet.get("likeCount")), quotes=count(tweet.get("quoteCount")),
        views=count(tweet.get("viewCount")), bookmarks=count(bookmarks),
        native_id=str(native), reply_to=str(reply_to) if reply_to else None,
        reply_to_author=reply_user.get("username") if isinstance(reply_user, dict) else None,
        repost_of=(retweeted.get("url") or str(retweeted.get("id")))
        if isinstance(retweeted, dict) else None,
        created_at=iso_utc(tweet.get("date")),
        url=tweet.get("url") or f"https://x.com/{user.handle}/status/{native}",
        lang=tweet.get("lang") or None,
    )
    return post, user
