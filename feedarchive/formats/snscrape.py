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

The file is read line by line. The owner (`Document.profile`) is the user `--author` names,
or the only author in the file; every other author is kept in `other_profiles`. A line that
is not JSON stops the import with its line number, or with `skip_bad` is left out and reported.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from .common import BadRecords, count, iso_utc, month_year, parsed_jsonl
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
    path = Path(path)
    label = str(path)
    users: dict[str, Profile] = {}
    warnings: list[str] = []
    bad = BadRecords(label, skip_bad, warnings, "line")
    # A tweet listed again (a pinned tweet, at the top and in its place) is held once, the
    # later copy's counts kept, however often it repeats.
    by_id: dict[str, Post] = {}
    repeats = 0
    for post, user in parsed_jsonl(path, tweet_post, bad):
        repeats += post.native_id in by_id
        by_id[post.native_id] = post
        if user is not None:
            users[user.handle.lower()] = user
    posts = list(by_id.values())
    if not posts and bad.count:
        raise SourceError(label, f"no readable tweet: {bad.count:,} bad lines")
    owner = pick_owner(posts, users, author)
    others = [user for key, user in users.items() if owner is None or key != owner.handle.lower()]
    posts.sort(key=lambda p: (p.created_at or "", p.native_id or ""), reverse=True)
    return Document(str(path), NAME, owner, posts, warnings, platform=PLATFORM,
                    other_profiles=others, repeats=repeats)


def pick_owner(posts: list[Post], users: dict[str, Profile],
               author: Optional[str]) -> Optional[Profile]:
    if author:
        handle = author.lstrip("@")
        return users.get(handle.lower(), Profile(handle=handle))
    authors = {post.author.lower() for post in posts}
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
