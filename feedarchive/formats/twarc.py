"""twarc2 JSON Lines: X API v2 responses, as `twarc2 timeline/search/conversation` save them,
or one tweet per line after `twarc2 flatten`.

A response line is a page: `data[]` (tweets), `includes.users[]` (their authors, and accounts
they mention or reply to), `includes.tweets[]` (tweets referred to), `meta`, `__twarc`. A
flattened line is one tweet with its author inlined as `author` (and `__twarc`).

Per tweet: `id`, `text` (or `note_tweet.text` for a long post), `author_id`, `created_at`,
`conversation_id`, `lang`, `referenced_tweets[{type: replied_to|quoted|retweeted, id}]`,
`in_reply_to_user_id`, `entities.urls[{url, expanded_url}]`, `public_metrics{reply_count,
retweet_count, like_count, quote_count, bookmark_count, impression_count}`. Per user:
`username`, `name`, `description`, `location`, `url`, `created_at`,
`public_metrics{followers_count, following_count, tweet_count}`.

`text_raw` is the API text as found; `text` has t.co links expanded and `&amp;`/`&lt;`/`&gt;`
undone. Only `data` tweets become posts: `includes.tweets` are other people's context.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from .common import count, expand_links, iso_utc, month_year, parsed_jsonl, unescape_x
from .snscrape import pick_owner

NAME = "twarc2"
PLATFORM = "x"
OPTIONS = ("author", "skip_bad")


def sniff(path: Path, head: bytes) -> bool:
    if head.lstrip()[:1] != b"{":
        return False
    first = head.split(b"\n", 1)[0]
    page = first.lstrip().startswith((b'{"data":', b'{"data": ')) and (
        b'"author_id"' in first or b'"includes"' in first or b'"__twarc"' in first)
    flat = b'"author_id"' in first and b'"public_metrics"' in first and b'"text"' in first
    return page or flat


def read(path: Path, *, author: Optional[str] = None, skip_bad: bool = False) -> Document:
    path = Path(path)
    label = str(path)
    posts: list[Post] = []
    users: dict[str, Profile] = {}  # by user id
    warnings: list[str] = []
    for found in parsed_jsonl(path, lambda value, number: line_posts(value, number, users),
                              skip_bad, warnings):
        posts.extend(found)
    if not posts and warnings:
        raise SourceError(label, f"no readable tweet: {len(warnings)} bad lines")
    unique: dict[str, Post] = {}
    for post in posts:  # a tweet seen on two pages is one post; the later counts win
        unique[post.native_id] = post
    posts = sorted(unique.values(), key=lambda p: (p.created_at or "", p.native_id or ""),
                   reverse=True)
    by_handle = {profile.handle.lower(): profile for profile in users.values()}
    authors = {post.author.lower() for post in posts}
    owner = pick_owner(posts, {h: p for h, p in by_handle.items() if h in authors}, author)
    if owner is not None and owner.handle.lower() in by_handle:
        owner = by_handle[owner.handle.lower()]
    others = [p for h, p in sorted(by_handle.items())
              if owner is None or h != owner.handle.lower()]
    return Document(str(path), NAME, owner, posts, warnings, platform=PLATFORM,
                    other_profiles=others)


def user_profile(user: dict) -> Profile:
    metrics = user.get("public_metrics") or {}
    return Profile(
        handle=user["username"], name=user.get("name") or None,
        bio=user.get("description") or None, location=user.get("location") or None,
        website=_user_website(user), joined=month_year(user.get("created_at")),
        followers=count(metrics.get("followers_count")),
        following=count(metrics.get("following_count")),
        statuses=count(metrics.get("tweet_count")),
    )


def _user_website(user: dict) -> Optional[str]:
    url = user.get("url") or None
    urls = ((user.get("entities") or {}).get("url") or {}).get("urls") or []
    return expand_links(url, urls) if url else None


def line_posts(value: Any, line: int, users: dict[str, Profile]) -> list[Post]:
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object (an API v2 page or a flattened tweet)")
    if "data" in value:  # a response page
        for user in (value.get("includes") or {}).get("users") or []:
            if isinstance(user, dict) and user.get("id") and user.get("username"):
                users[str(user["id"])] = user_profile(user)
        data = value["data"]
        tweets = data if isinstance(data, list) else [data]
    elif "id" in value and ("text" in value or "note_tweet" in value):  # flattened
        for key in ("author", "in_reply_to_user"):
            user = value.get(key)
            if isinstance(user, dict) and user.get("id") and user.get("username"):
                users[str(user["id"])] = user_profile(user)
        tweets = [value]
    else:
        raise ValueError("neither an API v2 page (data[]) nor a flattened tweet")
    return [tweet_post(tweet, line, users) for tweet in tweets]


def tweet_post(tweet: Any, line: int, users: dict[str, Profile]) -> Post:
    if not isinstance(tweet, dict) or not tweet.get("id"):
        raise ValueError("expected a tweet object with an id")
    author = users.get(str(tweet.get("author_id")))
    if author is None:
        raise ValueError(f"tweet {tweet['id']}: author {tweet.get('author_id')} is not in "
                         "includes.users")
    note = tweet.get("note_tweet") or {}
    raw = note.get("text") if isinstance(note, dict) and note.get("text") else tweet.get("text")
    if not isinstance(raw, str):
        raise ValueError(f"tweet {tweet['id']} has no text")
    urls = ((note.get("entities") if note.get("text") else None)
            or tweet.get("entities") or {}).get("urls") or []
    references = {ref.get("type"): str(ref.get("id")) for ref in
                  tweet.get("referenced_tweets") or [] if isinstance(ref, dict)}
    metrics = tweet.get("public_metrics") or {}
    reply_user = users.get(str(tweet.get("in_reply_to_user_id")))
    native = str(tweet["id"])
    return Post(
        text_raw=raw, author=author.handle, line=line,
        text=unescape_x(expand_links(raw, urls)),
        replies=count(metrics.get("reply_count")), reposts=count(metrics.get("retweet_count")),
        likes=count(metrics.get("like_count")), quotes=count(metrics.get("quote_count")),
        views=count(metrics.get("impression_count")),
        bookmarks=count(metrics.get("bookmark_count")),
        native_id=native, reply_to=references.get("replied_to"),
        reply_to_author=reply_user.handle if reply_user else None,
        repost_of=references.get("retweeted"),
        created_at=iso_utc(tweet.get("created_at")),
        url=f"https://x.com/{author.handle}/status/{native}",
        lang=tweet.get("lang") or None,
    )
