"""The records that flow through the pipeline: parse -> repair -> stitch -> store.

Format readers produce a `Document` of `Profile` and `Post` records holding the text exactly as
found. The repair stage fills in `text` (repaired) beside `text_raw`; the thread stage assigns
`thread_id`/`thread_index`. Each stage only adds to what the earlier ones produced.
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field, fields
from typing import Any, Iterator, Optional, Protocol, runtime_checkable


@dataclass
class Repair:
    """One change made by the repair stage, kept so a user can audit it.

    `field` names what was repaired (`text`, `name`, `bio`, `page.title`...), `start`/`end` are
    offsets into the raw text, `kind` says which mis-decoding was undone, `confidence` is 1.0 for
    exact inversions and lower where lost bytes had to be guessed, `rule` which step made it
    and on what evidence. A guess keeps what else it could have been, so a reader can weigh
    it: `alternatives`, the chosen `after` first with its confidence, then up to two of the
    likeliest others with their probabilities (empty for a certain repair).
    """

    field: str
    start: int
    end: int
    kind: str
    before: str
    after: str
    confidence: float
    rule: Optional[str] = None
    alternatives: list[tuple[str, float]] = field(default_factory=list)


VISIBILITIES = ("public", "unlisted", "followers", "direct")
PRIVATE_VISIBILITIES = frozenset(("followers", "direct"))  # left out unless asked for
MEDIA_KINDS = ("image", "video", "gif", "audio", "other")
# The handle of an author a source knows only by user id (twarc2 leaves out withheld users):
# `id:<native id>`, until a source names the account and the store merges the two.
PLACEHOLDER_HANDLE = "id:"


@dataclass(slots=True)
class Media:
    """A picture, video or sound attached to a post, as the source describes it. The file
    itself is never copied: `url` is where the platform served it (None when the source only
    names a blob, as a Bluesky repository does: `blob` is then its CID)."""

    kind: str  # one of MEDIA_KINDS
    url: Optional[str] = None
    alt: Optional[str] = None  # the alt text its author wrote
    width: Optional[int] = None
    height: Optional[int] = None
    blob: Optional[str] = None
    preview_url: Optional[str] = None  # a still for a video, where the source gives one


PROFILE_TEXTS = ("name", "bio", "location", "website", "joined", "native_id")
PROFILE_COUNTS = ("followers", "following", "media", "statuses")


@dataclass
class Profile:
    """An account. `handle` is how the source names it; `native_id` is the platform's own
    user id (X's numeric id, a Mastodon actor URI, a Bluesky DID), which stays the same when
    the account is renamed: the store merges handles that share it."""

    handle: str
    name: Optional[str] = None
    bio: Optional[str] = None
    location: Optional[str] = None
    website: Optional[str] = None
    joined: Optional[str] = None
    followers: Optional[int] = None
    following: Optional[int] = None
    media: Optional[int] = None
    statuses: Optional[int] = None
    native_id: Optional[str] = None
    # Raw (as found) versions of the text fields, filled by the repair stage.
    raw: dict = field(default_factory=dict)
    repairs: list[Repair] = field(default_factory=list)

    def __post_init__(self) -> None:
        """Readers copy what a file says; a field of another type than the format's (a number
        for a name, an object for a count) is not that field, so it is dropped here, once, for
        every reader. An account needs a handle: without one the record is bad (ValueError)."""
        if not isinstance(self.handle, str) or not self.handle:
            raise ValueError(f"an account whose handle is not a name ({self.handle!r})")
        for name in PROFILE_TEXTS:
            if not isinstance(getattr(self, name), (str, type(None))):
                setattr(self, name, None)
        if isinstance(self.native_id, int) and not isinstance(self.native_id, bool):
            self.native_id = str(self.native_id)
        for name in PROFILE_COUNTS:
            value = getattr(self, name)
            if not isinstance(value, (int, type(None))) or isinstance(value, bool):
                setattr(self, name, None)


@dataclass(slots=True)  # a large import holds many at once: no per-post __dict__
class Post:
    """A post as found in a source; `text` starts equal to `text_raw` and is repaired later."""

    text_raw: str
    author: str
    line: int = 0  # 1-based line in the source where the post starts (for messages)
    replies: Optional[int] = None
    reposts: Optional[int] = None
    likes: Optional[int] = None
    text: Optional[str] = None
    repairs: list[Repair] = field(default_factory=list)
    # Set by the thread stage.
    thread_id: Optional[str] = None
    thread_index: Optional[int] = None
    thread_marker: Optional[str] = None
    # Identity: derived from the native id when the source has one, else from author and text.
    id: Optional[str] = None
    # Fields only some sources carry (exports, scraper dumps); None means "not in the source".
    native_id: Optional[str] = None  # the platform's own id (tweet id, toot URI, at:// URI)
    reply_to: Optional[str] = None  # native id of the post this one replies to
    reply_to_author: Optional[str] = None
    repost_of: Optional[str] = None  # URL or native id of the post this one reposts
    created_at: Optional[str] = None  # ISO 8601, UTC
    url: Optional[str] = None
    lang: Optional[str] = None
    quotes: Optional[int] = None
    views: Optional[int] = None
    bookmarks: Optional[int] = None
    # What the platform says about who may see the post (one of VISIBILITIES; None: the source
    # does not say, i.e. whatever was public enough to be scraped).
    visibility: Optional[str] = None
    media: list[Media] = field(default_factory=list)
    # What an export's copy and a scrape's copy of this post share (`identity.match_key`).
    match_key: Optional[str] = None

    def __post_init__(self) -> None:
        if self.text is None:
            self.text = self.text_raw

    def __reduce__(self) -> tuple:
        # Worker processes send posts by the hundred thousand: as the constructor's arguments
        # they pickle and load in about half the time of a dataclass's default state.
        return (Post, _post_values(self))


_post_values = operator.attrgetter(*(f.name for f in fields(Post)))


@dataclass
class PageEntry:
    """A dated item found in a homepage: a news line, a publication, a position."""

    kind: str  # news | publication | position | education | award | patent | funding | item
    text: str
    date: Optional[str] = None  # as precise as the page says: "2025-07", "2025"
    year: Optional[int] = None
    venue: Optional[str] = None


@dataclass
class Page:
    """A homepage or profile page: its text (repaired like posts) and what it lists."""

    location: Optional[str]  # the page's URL, when it says (canonical link, og:url, a line)
    text_raw: str
    title: Optional[str] = None
    author: Optional[str] = None
    text: Optional[str] = None
    sections: list[dict] = field(default_factory=list)  # [{"heading": ..., "text": ...}]
    entries: list[PageEntry] = field(default_factory=list)
    repairs: list[Repair] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.text is None:
            self.text = self.text_raw


@dataclass
class Document:
    """Everything one source file yielded, before it is stored.

    `platform` ("x", "mastodon", "bluesky") namespaces native post ids; `other_profiles` holds
    accounts a source describes besides its owner (reply targets in scraper dumps); `repeats`
    counts the copies of posts a reader that holds its posts merged itself (the importer
    merges the rest, and says how many there were in all).
    """

    path: str
    format: str
    profile: Optional[Profile]
    posts: list[Post]
    warnings: list[str] = field(default_factory=list)
    platform: Optional[str] = None
    other_profiles: list[Profile] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    repeats: int = 0
    # A source that is one text (a homepage): that text as decoded, which the repair stage
    # diagnoses as `fix-text` would, before markup was read (entities such as `&nbsp;` are
    # still ASCII there, not characters beside the damage).
    source_text: Optional[str] = None
    # When the source was taken, where the file says (an X archive's generation date, twarc2's
    # retrieval times): ISO 8601 UTC. None: the importer falls back on the file's own time.
    captured_at: Optional[str] = None


# -- what a reader may offer besides its posts ----------------------------------------------
# `Document.posts` is a list, or a lazy object a reader re-reads its file for on each
# iteration. Such an object may offer more, and the importer and the repair stage ask for it
# by these protocols, not by probing for attributes.

@runtime_checkable
class ReadsInBlocks(Protocol):
    """Posts cut into units of work: `blocks()` yields units (cheap to make: raw bytes), and
    `parse_unit(unit)` turns one into (posts, warnings); large sources have them parsed and
    repaired in worker processes."""

    def blocks(self, size: Optional[int] = None) -> Iterator[Any]: ...

    def parse_unit(self, unit: Any) -> tuple[list[Post], list[str]]: ...


@runtime_checkable
class OffersEvidence(Protocol):
    """Up to `limit` non-ASCII post texts for the repair diagnosis, found without making
    every post (a timeline's lines read as bytes, a first pass's newest texts)."""

    def evidence(self, limit: int) -> list[str]: ...


@runtime_checkable
class InFileOrder(Protocol):
    """Posts yielded as the file lists them rather than newest first: `newest_first` asks
    the store to order this source's posts by date (a reader that held its posts sorted
    them; one that streams them cannot)."""

    newest_first: bool


@dataclass
class Thread:
    """A stitched thread: its parts in reading order and what is known to be missing."""

    id: str
    author: str
    parts: list[Post]
    declared_total: Optional[int] = None
    missing: list[int] = field(default_factory=list)
    confidence: float = 1.0
    method: str = "markers"  # or "replies" for sources with reply ids
    evidence: str = ""


@dataclass
class ThreadCandidate:
    """An unnumbered post that probably belongs to a thread; never mixed into its parts."""

    post: Post
    thread_id: str
    role: str  # "head" or "tail"
    evidence: str
    confidence: float
