"""A marked post as a node of a chain of parts, and what every stitcher shares.

`Node` links to the previous and next part; `chain_of` walks a node's chain, and
`reading_direction` says which way it runs down the page. `StitchResult`, `post_text`,
`id_of` and `missing_parts` are shared by stitching by markers and by reply ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Optional

from ..identity import post_id
from ..models import Post, Thread, ThreadCandidate
from .markers import Marker
from .words import content_words


@dataclass
class StitchResult:
    """What a stitcher found: threads, and unnumbered posts offered beside them."""

    threads: list[Thread] = field(default_factory=list)
    candidates: list[ThreadCandidate] = field(default_factory=list)


@dataclass(eq=False)
class Node:
    """One marked post of one author, and its links to the previous/next part."""

    post: Post
    pos: int  # position among this author's posts, 0 = newest
    marker: Marker
    part: Optional[int]
    prev: Optional["Node"] = None
    next: Optional["Node"] = None
    notes: list[str] = field(default_factory=list)

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Content words, computed once: a node is costed against many neighbours."""
        return frozenset(content_words(post_text(self.post)))

    @property
    def total_key(self) -> object:
        """Parts must agree on this: the declared n, or "open" for k/, k/n and heads.

        >>> from feedarchive.threads.markers import find_marker
        >>> [Node(Post(t, "ada"), 0, find_marker(t), 1).total_key for t in ("1/5: Hi", "1/ Hi")]
        [5, 'open']
        """
        return self.marker.total if self.marker.total is not None else "open"


def chain_of(node: Node) -> list[Node]:
    """The whole chain a node is linked into, in reading order."""
    while node.prev:
        node = node.prev
    out = [node]
    while node.next:
        node = node.next
        out.append(node)
    return out


def reading_direction(chain: list[Node]) -> int:
    """+1 when parts run down the page (oldest first), -1 when newest first, 0 when unknown.

    >>> from feedarchive.threads.markers import find_marker
    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> first, second = node(3, "1/2: Warmup"), node(2, "2/2: Decay")
    >>> reading_direction([first, second]), reading_direction([first])
    (-1, 0)
    """
    if len(chain) < 2:
        return 0
    return 1 if chain[1].pos > chain[0].pos else -1


def post_text(post: Post) -> str:
    """The text markers are read from: the repaired text, else the raw one.

    >>> post = Post("1/2 cafÃ©", "ada")
    >>> post.text = "1/2 café"
    >>> post_text(post)
    '1/2 café'
    """
    return post.text if post.text is not None else post.text_raw


def missing_parts(present: list[int], declared: Optional[int]) -> list[int]:
    """Part numbers up to the declared total (else the highest present) that are not present.

    >>> missing_parts([1, 2, 4], 5)
    [3, 5]
    >>> missing_parts([2, 3], None)
    [1]
    """
    top = declared if declared else max(present)
    return [k for k in range(1, top + 1) if k not in present]


def id_of(post: Post) -> str:
    """A post's id; a scraped post without one is named by its author and text."""
    return post.id or post_id(post.author, post_text(post))
