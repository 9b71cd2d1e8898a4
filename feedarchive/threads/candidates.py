"""Candidates: unnumbered posts that probably belong to a thread, reported beside it.

An intro just before part 1, a thank-you note after the last part, or a pinned post at the
top of the page that shares the thread's words; never counted as parts, only offered with a
confidence and the evidence for it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

from ..models import Post, ThreadCandidate
from .markers import THREAD_EMOJI
from .nodes import Node, post_text, reading_direction
from .words import content_words

# Origin: the threshold and the weights of `_candidate_score` were set by hand when the marker
# stitcher was written (commit 055aa83), the reaches when stitching became sparse (commit
# 2da99ef); none tuned on a set.
CANDIDATE_THRESHOLD = 0.55
CANDIDATE_REACH = 2  # neighbours on each side of a thread looked at as candidates
PINNED_REACH = 100  # a pinned first post is only offered to threads this near the top
_TAIL_CUES = re.compile(
    r"(?:\b(?:thanks|thank you|grazie|merci|danke|gracias|collaborators|co-?authors|the end|"
    r"that['’]?s all|fin du (?:thread|fil)|end of (?:the )?thread)\b|/end\b|ありがとう|感謝|ขอบคุณ)",
    re.IGNORECASE,
)
_HEAD_CUES = re.compile(r"👇|⬇️|[:：]\s*$|\bhere['’]?s\b|" + THREAD_EMOJI, re.IGNORECASE)
# "Great thread by @someone": a post about somebody else's thread is not part of this one.
_OTHERS_THREAD = re.compile(r"\b(?:thread|fil)\s+(?:by|de|from)\s+@", re.IGNORECASE)


def _overlap(text: str, thread_words: set[str]) -> float:
    """Share of the post's content words that the thread also uses.

    >>> thread = content_words("Schedules for warmup, then decay")
    >>> round(_overlap("Warmup schedules matter", thread), 2)
    0.67
    """
    words = content_words(text)
    if not words:
        return 0.0
    return len(words & thread_words) / len(words)


def _candidate_role(text: str, side: str) -> tuple[str, bool]:
    """Closing wording makes a tail, intro wording (or a question) a head; else the side
    decides. Also says whether the role rests on wording (a cue), which the score counts.

    >>> _candidate_role("Thanks for reading!", "head"), _candidate_role("Here's how 👇", "tail")
    (('tail', True), ('head', True))
    >>> _candidate_role("Lunch was good", "tail"), _candidate_role("Lunch?", "tail")
    (('tail', False), ('head', False))
    """
    if _TAIL_CUES.search(text):
        return "tail", True
    if _HEAD_CUES.search(text):
        return "head", True
    return ("head" if "?" in text or "？" in text else side), False


def _candidate_score(text: str, thread_words: set[str], distance: int, cued: bool,
                     pinned: bool) -> float:
    """Heuristic 0..1: adjacency, shared vocabulary, and intro/closing wording (`cued`).

    No single weak signal is enough: a neighbour needs intro/closing wording or clearly shared
    vocabulary, and a far (pinned-looking) post needs strongly shared vocabulary. The weights
    were set by hand (see CANDIDATE_THRESHOLD).

    >>> thread = content_words("Warmup schedules for small models, and why decay matters")
    >>> _candidate_score("Thanks for reading!", thread, 1, True, False)  # next to it, closing
    0.6
    >>> _candidate_score("Lunch was good", thread, 1, False, False)  # next to it, nothing more
    0.3
    >>> _candidate_score("Notes on warmup schedules for small models", thread, 40, False, True)
    0.55
    >>> _candidate_score("Great thread by @bo", thread, 1, False, False)  # someone else's
    0.0
    """
    if "@" in text and _OTHERS_THREAD.search(text):
        return 0.0
    score = 0.3 if distance == 1 else 0.15 if distance == 2 else 0.0
    if pinned:
        score += 0.1
    score += 0.45 * min(1.0, max(0.0, (_overlap(text, thread_words) - 0.1) / 0.3))
    if cued:
        score += 0.3
    return round(min(score, 0.9), 2)


@dataclass
class _Spot:
    """A post position worth scoring as a candidate for one thread."""

    pos: int
    side: str  # "head": before part 1 in reading order; "tail": after the last part
    distance: int
    pinned: bool = False


def _spots(chain: list[Node], count: int) -> list[_Spot]:
    """The two posts on either side of the thread, and the first post on the page.

    Profile pages show a pinned post first, out of time order; an author often pins the intro
    to their thread, so the first post is looked at whatever its distance.

    A thread of two parts (1/2 at position 4, 2/2 at 3, newest first) on a page of ten posts:
    two posts before part 1 (positions 5 and 6), two after the last part, and the pinned one.

    >>> from feedarchive.threads.markers import find_marker
    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> first, last = node(4, "1/2: Warmup"), node(3, "2/2: Decay")
    >>> first.next, last.prev = last, first
    >>> [(s.pos, s.side, s.distance) for s in _spots([first, last], 10)]
    [(5, 'head', 1), (6, 'head', 2), (2, 'tail', 1), (1, 'tail', 2), (0, 'head', 3)]
    >>> _spots([first, last], 10)[-1].pinned
    True
    """
    direction = reading_direction(chain) or -1  # a lone part: assume the usual newest-first page
    first, last = chain[0].pos, chain[-1].pos
    spots = [_Spot(first - direction * d, "head", d) for d in range(1, CANDIDATE_REACH + 1)]
    declared = chain[-1].marker.total
    if not declared or chain[-1].part == declared:  # after an unfinished thread: no closing note
        spots += [_Spot(last + direction * d, "tail", d) for d in range(1, CANDIDATE_REACH + 1)]
    ends = {first, last}
    top = min(n.pos for n in chain)
    if 0 not in {s.pos for s in spots} | ends and 0 < top <= PINNED_REACH:
        spots.append(_Spot(0, "head", min(n.pos for n in chain), pinned=True))
    return [s for s in spots if 0 <= s.pos < count]


def find_candidates(timeline: Mapping[int, Post], count: int,
                     chains: list[list[Node]]) -> list[ThreadCandidate]:
    """Score unthreaded neighbours of each thread; keep each post's best match.

    >>> from feedarchive.threads.markers import find_marker
    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> first, last = node(2, "1/2: Warmup first"), node(1, "2/2: then decay")
    >>> first.next, last.prev = last, first
    >>> timeline = {0: Post("Thanks for reading, that is all!", "ada"), 1: last.post,
    ...             2: first.post, 3: Post("Lunch", "ada")}
    >>> [(c.post.text, c.role, c.confidence) for c in find_candidates(timeline, 4, [[first, last]])]
    [('Thanks for reading, that is all!', 'tail', 0.6)]
    """
    in_thread = {n.pos for c in chains for n in c}
    best: dict[int, ThreadCandidate] = {}
    for chain in chains:
        # The words of the parts joined: each part's own, which linking already computed.
        thread_words = frozenset().union(*(n.tokens for n in chain))
        own = {n.pos for n in chain}
        for spot in _spots(chain, count):
            between = range(min(spot.pos, chain[0].pos, chain[-1].pos),
                            max(spot.pos, chain[0].pos, chain[-1].pos))
            if spot.pos in in_thread or (not spot.pinned and any(
                    p in in_thread and p not in own for p in between)):
                continue  # another thread stands in between
            if spot.pos not in timeline:
                continue
            text = post_text(timeline[spot.pos])
            role, cued = _candidate_role(text, spot.side)
            score = _candidate_score(text, thread_words, spot.distance, cued, spot.pinned)
            old = best.get(spot.pos)
            if score < CANDIDATE_THRESHOLD or (old and old.confidence >= score):
                continue
            where = ("shown first on the page (pinned?) and shares the thread's vocabulary"
                     if spot.pinned else f"{spot.distance} post(s) from the thread's "
                     f"{'first' if spot.side == 'head' else 'last'} part")
            best[spot.pos] = ThreadCandidate(
                post=timeline[spot.pos], thread_id=chain[0].post.thread_id or "", role=role,
                confidence=score,
                evidence=f"Unnumbered post {where}; it reads like the thread's "
                         f"{'introduction' if role == 'head' else 'closing note'}, so it is "
                         f"offered as a {role} candidate, not counted as a part.",
            )
    return [best[pos] for pos in sorted(best)]
