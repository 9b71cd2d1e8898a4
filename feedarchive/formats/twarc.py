"""twarc2 JSON Lines: X API v2 responses, as `twarc2 timeline/search/conversation` save them,
or one tweet per line after `twarc2 flatten`.

A response line is a page: `data[]` (tweets; a single object in stream output), with
`includes.users[]` (their authors, and accounts they mention or reply to),
`includes.tweets[]` (tweets referred to), `includes.media[]`, `includes.polls[]`, `meta`,
`errors`, `__twarc`. A flattened line is one tweet with what it refers to inlined: `author`,
`in_reply_to_user`, `attachments.media`/`.poll`, the referenced tweets whole in
`referenced_tweets[]`.

Per tweet: `id`, `text` (or `note_tweet.text` for a long post), `author_id`, `created_at`,
`conversation_id`, `lang`, `referenced_tweets[{type: replied_to|quoted|retweeted, id}]`,
`in_reply_to_user_id`, `entities.urls[{url, expanded_url, media_key}]`,
`attachments{media_keys, poll_ids}`, `public_metrics{reply_count, retweet_count, like_count,
quote_count, bookmark_count, impression_count}`. Per user: `id`, `username`, `name`,
`description`, `location`, `url`, `created_at`, `public_metrics{followers_count,
following_count, tweet_count}`.

`text_raw` is the API text as found; `text` is what X shows (`x_entities.shown`: t.co links
expanded, media links out, `&amp;`/`&lt;`/`&gt;` undone), with a poll's options and votes
after it. API v2 cuts a retweet's text (`RT @user: …`); its `text` is `RT @user: ` and the
whole retweeted tweet when the page includes it. Only `data` tweets become posts:
`includes.tweets` are other people's context.

A tweet whose author is not in `includes.users` (a withheld or suspended account) is kept,
under the placeholder handle `id:<author_id>`, with a warning; the store merges it with the
real handle if another source names that id. Files from `twarc2 counts` and user lookups hold
no tweets: they raise `NothingToImport`. The latest `__twarc.retrieved_at` of the file is when
it was captured (`Document.captured_at`).

The file is read twice and its tweets are never held (`TwarcPosts`). The first pass, in
`read`, parses every line as the second will: it finds the bad lines and tweets (failing the
file there, or listing them with `skip_bad`), every user by id (so a tweet whose author only
a later page describes gets that handle), the owner, the tweets seen more than once (a tweet
on two pages is one post, the later counts winning) and the repair evidence. Iterating
`Document.posts` reads the file again, page by page, with what the pages before described
known as it was then, and yields each tweet once, in file order.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Optional

from ..errors import NothingToImport, SourceError
from ..models import PLACEHOLDER_HANDLE, Document, Media, Post, Profile
from .common import (RECORD_ERRORS, BadRecords, LazyPosts, NewestTexts, Repeats, count,
                     iso_utc, month_year, parsed_jsonl, poll_text, record_problem)
from .snscrape import pick_owner
from .x_entities import expand_url, shown, v2_entities

NAME = "twarc2"
PLATFORM = "x"
OPTIONS = ("author", "skip_bad")
RETWEET = re.compile(r"RT @([A-Za-z0-9_]{1,15}):")
NOT_TWEETS = {
    "counts": "twarc2 tweet counts, not tweets: nothing to import",
    "users": "twarc2 user lookup (accounts, not tweets): nothing to import",
}


def sniff(path: Path, head: bytes) -> bool:
    if head.lstrip()[:1] != b"{":
        return False
    first = head.split(b"\n", 1)[0]
    page = first.lstrip().startswith((b'{"data":', b'{"data": ')) and (
        b'"author_id"' in first or b'"includes"' in first or b'"__twarc"' in first
        or b'"tweet_count"' in first)
    flat = b'"author_id"' in first and b'"public_metrics"' in first and b'"text"' in first
    return page or flat


@dataclass
class Pages:
    """What the lines read so far say beyond their tweets: every user by id, the authors of
    the tweets made (lower-cased handles) and those not described (tweets by author id, for
    a later page that may describe them), and which lines held something other than tweets
    (counts, users). `later`: in the second pass, every user the whole file describes, for
    the tweets of an author only a later page describes."""

    users: dict[str, Profile] = field(default_factory=dict)
    authors: set[str] = field(default_factory=set)
    unknown: dict[str, int] = field(default_factory=dict)
    not_tweets: set[str] = field(default_factory=set)
    later: dict[str, Profile] = field(default_factory=dict)
    retrieved_at: Optional[str] = None  # the latest `__twarc.retrieved_at` (UTC ISO)


@dataclass
class Page:
    """The includes of one response page, by id: what its tweets refer to."""

    tweets: dict[str, dict]
    media: dict[str, dict]
    polls: dict[str, dict]


NO_INCLUDES = Page({}, {}, {})


def read(path: Path, *, author: Optional[str] = None, skip_bad: bool = False) -> Document:
    """The first pass (every line parsed, nothing of a tweet kept but its id, its author and,
    for the `EVIDENCE_HELD` newest non-ASCII ones, its text); the posts are made when
    iterated."""
    path = Path(path)
    label = str(path)
    pages = Pages()
    warnings: list[str] = []
    bad_lines = BadRecords(label, skip_bad, warnings, "line")
    bad_tweets = BadRecords(label, skip_bad, warnings, "tweet")
    repeats = Repeats()
    texts = NewestTexts(by_id=True)
    for found in parsed_jsonl(
            path, lambda value, number: line_posts(value, number, pages, bad_tweets), bad_lines):
        for index, post in enumerate(found):
            repeat = repeats.add(post.native_id, (post.line, index))
            texts.add(post.text, post.created_at, post.native_id, repeat)
    repeats.done()
    bad_tweets.close()
    if not repeats.count and pages.not_tweets:
        raise NothingToImport(label, NOT_TWEETS[sorted(pages.not_tweets)[0]])
    if not repeats.count and (bad_lines.count or bad_tweets.count):
        raise SourceError(label, f"no readable tweet: {bad_lines.count:,} bad lines, "
                                 f"{bad_tweets.count:,} bad tweets")
    if not repeats.count:
        raise NothingToImport(label, "twarc2 pages without a tweet (a search that found "
                                     "none): nothing to import")
    placeholders = name_unknown_authors(label, pages, warnings)
    by_handle = {profile.handle.lower(): profile for profile in pages.users.values()}
    authors = pages.authors | {unknown_author(pages, user_id).lower() for user_id in pages.unknown}
    owner = pick_owner(authors, {h: p for h, p in by_handle.items() if h in authors}, author)
    if owner is not None and owner.handle.lower() in by_handle:
        owner = by_handle[owner.handle.lower()]
    others = [p for h, p in sorted(by_handle.items())
              if owner is None or h != owner.handle.lower()]
    posts = TwarcPosts(path, skip_bad, pages.users, repeats, texts)
    return Document(str(path), NAME, owner, posts, warnings, platform=PLATFORM,
                    other_profiles=others + placeholders, captured_at=pages.retrieved_at)


class TwarcPosts(LazyPosts):
    """The tweets of a twarc2 file, made afresh from the file on each iteration, in file
    order, each once (its last copy: `Repeats`), as the first pass made them: each page
    read with what the pages before it described (`Pages`), an author no page had described
    yet named from `users`, what the whole file describes. The first pass has reported
    every bad line and tweet already; they are passed over here."""

    def __init__(self, path: Path, skip_bad: bool, users: dict[str, Profile],
                 repeats: Repeats, texts: NewestTexts) -> None:
        super().__init__(repeats.posts, texts)
        self.path, self.skip_bad, self.users, self.repeats = path, skip_bad, users, repeats

    def __iter__(self) -> Iterator[Post]:
        label = str(self.path)
        pages = Pages(later=self.users)
        seen_lines = BadRecords(label, self.skip_bad, [], "line")  # listed in `read`
        seen_tweets = BadRecords(label, self.skip_bad, [], "tweet")
        is_last = self.repeats.is_last
        for found in parsed_jsonl(
                self.path, lambda value, number: line_posts(value, number, pages, seen_tweets),
                seen_lines):
            for index, post in enumerate(found):
                if is_last(post.native_id, (post.line, index)):
                    yield post


def unknown_author(pages: Pages, user_id: str) -> str:
    """The handle the tweets of an author their page did not describe are stored under: the
    one a later page gives, else the placeholder `id:<author_id>`."""
    known = pages.users.get(user_id)
    return known.handle if known is not None else PLACEHOLDER_HANDLE + user_id


def name_unknown_authors(label: str, pages: Pages, warnings: list[str]) -> list[Profile]:
    """For the authors no page described before their tweets and none did after either, one
    warning per author and a placeholder profile carrying the id (a later page's handle is
    given to the tweets as they are made: `Pages.later`)."""
    placeholders = []
    for user_id, tweets in pages.unknown.items():
        if user_id in pages.users:
            continue
        handle = PLACEHOLDER_HANDLE + user_id
        warnings.append(f"{label}: author {user_id} of {tweets} tweet(s) is not in "
                        f"includes.users (withheld or suspended): stored as {handle}")
        placeholders.append(Profile(handle=handle, native_id=user_id))
    return placeholders


def user_profile(user: dict) -> Profile:
    metrics = user.get("public_metrics") or {}
    return Profile(
        handle=user["username"], name=user.get("name") or None,
        bio=user.get("description") or None, location=user.get("location") or None,
        website=_user_website(user), joined=month_year(user.get("created_at")),
        followers=count(metrics.get("followers_count")),
        following=count(metrics.get("following_count")),
        statuses=count(metrics.get("tweet_count")),
        native_id=str(user["id"]) if user.get("id") else None,
    )


def _user_website(user: dict) -> Optional[str]:
    url = user.get("url") or None
    urls = ((user.get("entities") or {}).get("url") or {}).get("urls") or []
    return expand_url(url, urls) if url else None


def _add_user(pages: Pages, user: Any) -> None:
    if isinstance(user, dict) and user.get("id") and user.get("username"):
        user_id = str(user["id"])
        profile = user_profile(user)
        # The second pass needs only handles: the first pass's profile, when it has the
        # same, is kept rather than a second copy of every account.
        final = pages.later.get(user_id)
        pages.users[user_id] = final if final is not None and \
            final.handle == profile.handle else profile


def line_posts(value: Any, line: int, pages: Pages, bad: BadRecords) -> list[Post]:
    """The tweets of one line: a response page's `data`, or one flattened tweet. A bad tweet of
    a page is that tweet's problem, not the page's: with `--skip-bad` the others are kept."""
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object (an API v2 page or a flattened tweet)")
    note_retrieval(pages, value.get("__twarc"))
    if "data" in value:  # a response page
        data = value["data"]
        items = data if isinstance(data, list) else [data]
        kind = _not_tweets(items)
        if kind is not None:
            pages.not_tweets.add(kind)
            return []
        includes = value.get("includes") or {}
        for user in includes.get("users") or []:
            _add_user(pages, user)
        page = Page(_by_key(includes.get("tweets"), "id"), _by_key(includes.get("media"),
                    "media_key"), _by_key(includes.get("polls"), "id"))
        posts = []
        for tweet in items:
            try:
                posts.append(tweet_post(tweet, line, pages, page))
            except RECORD_ERRORS as error:
                bad.skip(record_problem(error), line)
        return posts
    if "id" in value and ("text" in value or "note_tweet" in value):  # flattened
        for key in ("author", "in_reply_to_user"):
            _add_user(pages, value.get(key))
        return [tweet_post(value, line, pages, NO_INCLUDES)]
    if "meta" in value or "errors" in value:  # a page that found nothing
        return []
    raise ValueError("neither an API v2 page (data[]) nor a flattened tweet")


def note_retrieval(pages: Pages, twarc: Any) -> None:
    """Keep the latest time a line says it was retrieved (twarc2 adds `__twarc.retrieved_at`
    to every page and flattened tweet): when the file was captured."""
    retrieved = iso_utc(twarc.get("retrieved_at")) if isinstance(twarc, dict) else None
    if retrieved is not None and (pages.retrieved_at is None or retrieved > pages.retrieved_at):
        pages.retrieved_at = retrieved


def _not_tweets(items: list) -> Optional[str]:
    """`counts` or `users` when a page's `data` holds tweet counts (`twarc2 counts`) or
    accounts (a user lookup) rather than tweets."""
    first = items[0] if items else None
    if not isinstance(first, dict) or "text" in first or "note_tweet" in first:
        return None
    if "tweet_count" in first and ("start" in first or "end" in first):
        return "counts"
    if "username" in first:
        return "users"
    return None


def _by_key(items: Any, key: str) -> dict[str, dict]:
    return {str(item[key]): item for item in items or ()
            if isinstance(item, dict) and item.get(key)}


def tweet_post(tweet: Any, line: int, pages: Pages, page: Page) -> Post:
    if not isinstance(tweet, dict) or not tweet.get("id"):
        raise ValueError("expected a tweet object with an id")
    native = str(tweet["id"])
    author_id = str(tweet.get("author_id"))
    author = pages.users.get(author_id)
    raw = _raw_text(tweet)
    if not isinstance(raw, str):
        raise ValueError(f"tweet {native} has no text")
    references = {ref.get("type"): ref for ref in
                  tweet.get("referenced_tweets") or [] if isinstance(ref, dict)}
    retweeted = references.get("retweeted")
    text, media = retweet_content(raw, retweeted, pages, page) if retweeted else (None, [])
    if text is None:
        text, media = content(tweet, raw, page)
    metrics = tweet.get("public_metrics") or {}
    reply_user = pages.users.get(str(tweet.get("in_reply_to_user_id")))
    handle = author.handle if author is not None else PLACEHOLDER_HANDLE + author_id
    replied = references.get("replied_to")
    post = Post(
        text_raw=raw, author=handle, line=line, text=text,
        replies=count(metrics.get("reply_count")), reposts=count(metrics.get("retweet_count")),
        likes=count(metrics.get("like_count")), quotes=count(metrics.get("quote_count")),
        views=count(metrics.get("impression_count")),
        bookmarks=count(metrics.get("bookmark_count")),
        native_id=native, reply_to=str(replied.get("id")) if replied else None,
        reply_to_author=reply_user.handle if reply_user else None,
        repost_of=str(retweeted.get("id")) if retweeted else None,
        created_at=iso_utc(tweet.get("created_at")),
        url=f"https://x.com/{author.handle}/status/{native}" if author is not None
        else f"https://x.com/i/status/{native}",
        lang=tweet.get("lang") or None,
        media=media,
    )
    if author is None:
        pages.unknown[author_id] = pages.unknown.get(author_id, 0) + 1
        known = pages.later.get(author_id)  # the second pass: described on a later page
        if known is not None:
            post.author = known.handle
            post.url = f"https://x.com/{known.handle}/status/{native}"
    else:
        pages.authors.add(handle.lower())
    return post


def _raw_text(tweet: dict) -> Any:
    """A long post's whole text (`note_tweet`), else `text`."""
    note = tweet.get("note_tweet")
    if isinstance(note, dict) and isinstance(note.get("text"), str) and note["text"]:
        return note["text"]
    return tweet.get("text")


def content(tweet: dict, raw: str, page: Page) -> tuple[str, list[Media]]:
    """A tweet's text as X shows it, its poll appended, and its media."""
    note = tweet.get("note_tweet")
    linked = note if isinstance(note, dict) and note.get("text") == raw else tweet
    text, media = shown(raw, v2_entities(linked, _attached(tweet, "media", page)))
    polls = _attached(tweet, "polls", page)
    for poll in polls:
        options = sorted((o for o in poll.get("options") or () if isinstance(o, dict)),
                         key=lambda o: count(o.get("position")) or 0)
        text += poll_text((str(o.get("label", "")), count(o.get("votes"))) for o in options)
    return text, media


def retweet_content(raw: str, reference: dict, pages: Pages,
                    page: Page) -> tuple[Optional[str], list[Media]]:
    """`RT @user: ` and the whole retweeted tweet (API v2 cuts the retweet's own text), from
    the page's `includes.tweets` or, flattened, the reference itself; (None, []) when the
    file does not hold it."""
    original = page.tweets.get(str(reference.get("id")))
    if original is None and _raw_text(reference) is not None:
        original = reference  # flattened: the referenced tweet is inlined
    whole = _raw_text(original) if original is not None else None
    if not isinstance(whole, str):
        return None, []
    named = RETWEET.match(raw)
    user = pages.users.get(str(original.get("author_id")))
    inline = original.get("author")
    name = (named.group(1) if named else user.handle if user is not None
            else inline.get("username") if isinstance(inline, dict) else None)
    if not name:
        return None, []
    text, media = content(original, whole, page)
    return f"RT @{name}: {text}", media


def _attached(tweet: dict, kind: str, page: Page) -> list[dict]:
    """A tweet's media or polls: inlined in `attachments` (flattened output) or looked up in
    the page's includes by `attachments.media_keys`/`poll_ids`."""
    attachments = tweet.get("attachments")
    if not isinstance(attachments, dict):
        return []
    inline = attachments.get(kind) if kind == "media" else (
        attachments.get("polls") or attachments.get("poll"))
    if isinstance(inline, dict):
        inline = [inline]
    if isinstance(inline, list):
        return [item for item in inline if isinstance(item, dict)]
    keys = attachments.get("media_keys" if kind == "media" else "poll_ids") or ()
    table = page.media if kind == "media" else page.polls
    return [table[str(key)] for key in keys if str(key) in table]
