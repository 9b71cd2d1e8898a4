"""Stable identities for things that arrive without ids.

A scrape carries no post ids, so a post's id is derived from what stays the same between two
scrapes of it: the author and the repaired text, normalised (NFC, case-folded handle, collapsed
whitespace). Counts change and are left out. Identical texts by one author in one source are
told apart by their occurrence number.

A post a timeline scrape showed (no id) and the same post from an export (with its id) are
recognised by their text, reduced to what both ways of showing it keep (`match_key`,
`same_post`), and become one post under the export's id.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime, timedelta
from typing import Optional


def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def post_id(author: str, text: str, occurrence: int = 0) -> str:
    """16 hex digits of SHA-256 over the author and normalised text."""
    key = f"{author.lower()}\x1f{normalise_text(text)}"
    if occurrence:
        key += f"\x1f{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def native_post_id(platform: str, native_id: str) -> str:
    """Sources with ids keep them, namespaced: the same tweet from two exports is one post."""
    return f"{platform}:{native_id}"


def thread_id(author: str, first_post_id: str) -> str:
    """A thread is named after its author and its earliest part present in the archive."""
    return "t" + hashlib.sha256(f"{author.lower()}\x1f{first_post_id}".encode()).hexdigest()[:15]


# -- one post, scraped as text and exported with its id --------------------------------------
# A timeline scrape shows a post as the profile page did: no id, no date, links cut to their
# display form (`example.org/talks/tiny-m…`), a long post cut to its preview. An export has
# the platform's id, the exact date and the whole text with every link expanded. Both are
# reduced to the words that survive either way of showing the post, and matched on those.

MATCHED_PLATFORMS = (None, "x")  # scrapes (no ids) show X posts; other platforms never meet them
MATCH_PREFIX = 100  # characters of reduced text a match key covers: any preview is longer
KEY_SOURCE = 2 * MATCH_PREFIX  # characters of a text reduced for its key, as a rule
DISTINCTIVE = 30  # an undated copy is matched only when its reduced text is this long
SAME_TIME = timedelta(days=1)  # how far apart two dated copies may be (a scrape shows days)
LINK_PATH = "\x00"  # inside a reduced word: a link's host, then this, then its path
LINK = re.compile(r"(?:https?://)?(?:www\.)?((?:[\w-]+\.)+[a-z]{2,})([/?#]\S*)?")
# What every LINK match has inside (the dot before its top-level domain), found in one pass:
# LINK itself backtracks through each word it tries, several times slower on plain prose.
LINK_HINT = re.compile(r"[\w-]\.[a-z]{2}")
REPOST = re.compile(r"rt @\w+: ")


def reduced_words(text: str, paths: bool = True) -> list[str]:
    """The words two copies of a post share however they were shown: NFKC and case-folded (as
    the repair stage and X may differ in compatibility characters and case of nothing else),
    whitespace collapsed, the `RT @name: ` an export puts before a repost and an ellipsis
    that ends a cut text dropped, each link one word of its host without scheme or `www.`,
    then (with `paths`) LINK_PATH and its path as far as shown.

    >>> reduced_words("RT @ada: Slides at https://www.example.org/talks/tiny-m…")
    ['slides', 'at', 'example.org\\x00/talks/tiny-m']
    """
    text = REPOST.sub("", unicodedata.normalize("NFKC", text).casefold().lstrip(), count=1)
    words = text.split()
    if LINK_HINT.search(text) is not None:  # most posts have no link: no word to take apart
        words = [part for word in words for part in _link_as_word(word, paths)]
    if words and words[-1].endswith("..."):
        words[-1] = words[-1].rstrip(".")
        if not words[-1]:
            words.pop()
    return words


def _link_as_word(word: str, paths: bool) -> list[str]:
    """A word with a link in it as reduced words: what precedes the link, then the link's
    host (and LINK_PATH and its path, with `paths`)."""
    link = LINK.search(word) if "." in word[:-1] else None  # a host has a dot inside
    if link is None:
        return [word]
    path = (link[2] or "").rstrip(".")
    return ([word[:link.start()]] if link.start() else []) + [
        f"{link[1]}{LINK_PATH}{path}" if paths else link[1]]


def key_text(words: list[str]) -> str:
    """The reduced text of `reduced_words`, each link by its host alone: a scrape shows only
    the start of a link's path."""
    return " ".join(word.split(LINK_PATH, 1)[0] for word in words)


def match_key(text: str) -> str:
    """16 hex digits over the start of a post's reduced text: an export's post and a scrape's
    copy of it (or its preview) share it. Equal keys only nominate; `same_post` decides.
    Only the start of a long text is reduced, when its words but the last (perhaps cut) are
    enough to fill the key."""
    words = reduced_words(text[:KEY_SOURCE], paths=False)
    if len(text) > KEY_SOURCE and len(" ".join(words[:-1])) < MATCH_PREFIX:
        words = reduced_words(text, paths=False)
    return hashlib.sha256(" ".join(words)[:MATCH_PREFIX].encode()).hexdigest()[:16]


def same_words(a: list[str], b: list[str]) -> bool:
    """Whether two reduced texts can be one post: word for word equal, a link shown cut short
    the start of the whole link, and the shorter text, when it is a preview (at least
    MATCH_PREFIX characters), allowed to end early, in the middle of a word."""
    short, long = sorted((a, b), key=len)
    preview = len(key_text(short)) >= MATCH_PREFIX
    if len(short) < len(long) and not preview:
        return False
    for index, (x, y) in enumerate(zip(short, long)):
        if x == y:
            continue
        if LINK_PATH in x and LINK_PATH in y and (x.startswith(y) or y.startswith(x)):
            continue
        if preview and index == len(short) - 1 and y.startswith(x):
            continue
        return False
    return True


def same_post(a_text: str, a_date: Optional[str], b_text: str, b_date: Optional[str]) -> bool:
    """Whether two copies of an author's post, one scraped and one exported, are the same post.
    Their texts must agree (`same_words`). Where both are dated, the dates must lie within a
    day (what a scrape's "Mar 3" can say). Where one is not (a timeline scrape never is),
    nothing tells one day's `gm` from another's: only a text of DISTINCTIVE characters is
    taken for the same post, and the caller still refuses a copy with two such partners."""
    a, b = reduced_words(a_text), reduced_words(b_text)
    if not same_words(a, b):
        return False
    if a_date and b_date:
        return abs(datetime.fromisoformat(a_date) - datetime.fromisoformat(b_date)) < SAME_TIME
    return min(len(key_text(a)), len(key_text(b))) >= DISTINCTIVE


def completeness(text: str) -> int:
    """How much of a post a copy shows, links counted by their host (a scrape's cut link is
    not less of the post): a preview or an export's retweet cut with `…` shows less."""
    return len(key_text(reduced_words(text)))
