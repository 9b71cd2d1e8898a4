"""Stitching by markers: an author's marked posts linked into threads.

Numbered parts are linked cheapest link first (distance on the timeline, parts missing
between, agreeing totals and styles; shared words only break ties), a number-less head
becomes part 1 of the thread that starts at part 2 below it, a closing `/end` the part after
the last, and a chain becomes a thread only when its markers are trusted.
"""
from __future__ import annotations

import bisect
import heapq
from typing import Mapping, Optional

from ..identity import thread_id
from ..models import Post, Thread
from .candidates import find_candidates
from .markers import END, HEAD, THREAD_EMOJI, find_marker
from .nodes import (Node, StitchResult, chain_of, id_of, missing_parts, post_text,
                    reading_direction)
from .words import similarity

# Origin (these four): set by hand when the marker stitcher was written (commit 055aa83), not
# tuned on a set; `tests/bench/measure_threads.py` and score.py's thread columns check them.
MAX_STEP = 8  # posts of the same author allowed between two consecutive parts
STEP_PER_MISSING = 3  # extra room for each part missing between them
HEAD_REACH = 4  # how far a head may sit from its part 2
END_REACH = 3  # how far a closing /end may sit from the last part
SAME_TOTAL_REACH = 2 * MAX_STEP  # threads this near with one total could trade parts


def _link_cost(a: Node, b: Node) -> Optional[float]:
    """Cost of reading `b` right after `a` in one thread, or None when they cannot be.

    The distance on the timeline, 1.5 per part missing between them, 2 for a change of style,
    less half their shared words (weights set by hand with MAX_STEP, not tuned on a set).

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> first, second = node(5, "1/4: warmup schedules"), node(3, "2/4: warmup decay")
    >>> round(_link_cost(first, second), 2)  # 2 posts away, a third of their words shared
    1.83
    >>> _link_cost(second, first), _link_cost(first, node(40, "2/4: too far"))
    (None, None)
    >>> _link_cost(node(5, "1/4: x"), node(4, "(2/4) y"))  # next to it, another style
    3.0
    """
    if a.part is None or b.part is None or b.part <= a.part or a.total_key != b.total_key:
        return None
    missing = b.part - a.part - 1
    distance = abs(a.pos - b.pos)
    if distance > MAX_STEP + STEP_PER_MISSING * missing:
        return None
    cost = distance + 1.5 * missing
    if a.marker.style != b.marker.style and THREAD_EMOJI not in a.marker.text:
        cost += 2.0
    # Word overlap only separates otherwise equal choices (two `1/2` posts next to one `2/2`).
    return cost - 0.5 * similarity(a.tokens, b.tokens)


def _can_join(a: Node, b: Node) -> bool:
    """Joining keeps each thread in one direction down the page.

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> first, second = node(5, "1/4: x"), node(4, "2/4: y")
    >>> _can_join(first, second)
    True
    >>> first.next, second.prev = second, first  # a chain running up the page
    >>> _can_join(second, node(6, "3/4: z"))  # part 3 below both would turn back
    False
    """
    if a.next is not None or b.prev is not None:
        return False
    step = 1 if b.pos > a.pos else -1
    return all(d in (0, step) for d in (reading_direction(chain_of(a)), reading_direction(chain_of(b))))


# Origin: a bound on memory set by hand (commit af8af64), not tuned on a set.
LINKS_KEPT = 8  # cheapest candidate links kept into each part: memory stays linear


def _link_numbered(nodes: list[Node]) -> None:
    """Link numbered parts, cheapest link first; note choices that had a close rival.

    Only pairs that `_link_cost` can accept are costed (found by part number and distance),
    so a long timeline with many marked posts stays near linear.

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> nodes = [node(3, "1/3: A"), node(2, "2/3: B"), node(1, "3/3: C"), node(0, "1/2: other")]
    >>> _link_numbered(nodes)
    >>> [n.next.pos if n.next else None for n in nodes]  # totals differ: 1/2 stays alone
    [2, 1, None, None]
    """
    # Parts by total and part number, in timeline order: `b` can follow `a` only if it has a
    # higher part number, and the farther its number, the farther it may sit, so each part
    # number present is searched within its own reach instead of every pair being costed.
    by_part: dict[object, dict[int, list[Node]]] = {}
    for node in sorted((n for n in nodes if n.part is not None), key=lambda n: n.pos):
        by_part.setdefault(node.total_key, {}).setdefault(node.part, []).append(node)
    positions = {(key, part): [n.pos for n in found]
                 for key, parts in by_part.items() for part, found in parts.items()}
    into: dict[int, list[tuple]] = {}
    for key, parts in by_part.items():
        for a in (n for found in parts.values() for n in found):
            for part, found in parts.items():
                if part <= a.part:
                    continue
                reach = MAX_STEP + STEP_PER_MISSING * (part - a.part - 1)
                at = positions[(key, part)]
                lo = bisect.bisect_left(at, a.pos - reach)
                hi = bisect.bisect_right(at, a.pos + reach)
                for b in found[lo:hi]:
                    cost = _link_cost(a, b)
                    if cost is not None:
                        rivals = into.setdefault(id(b), [])
                        heapq.heappush(rivals, (-cost, -a.pos, b.pos, a, b))
                        if len(rivals) > LINKS_KEPT:  # the costliest ways into b never win
                            heapq.heappop(rivals)
    edges = sorted(((-c, -ap, bp, a, b) for kept in into.values() for c, ap, bp, a, b in kept),
                   key=lambda e: e[:3])
    into = {key: [(-c, -ap, bp, a, b) for c, ap, bp, a, b in kept] for key, kept in into.items()}
    for cost, _, _, a, b in edges:
        if a.next is not None or b.prev is not None or not _can_join(a, b):
            continue  # (the first two: most edges, answered before a call)
        rivals = [e for e in into[id(b)] if e[0] - cost < 1.0 and e[3] is not a
                  and e[3].part == a.part and e[3].next is None]
        a.next, b.prev = b, a
        if rivals:
            b.notes.append(
                f"two posts could precede part {b.part}; the one {abs(a.pos - b.pos)} post(s) "
                f"away with more words in common was chosen"
            )


def _chain_starts(nodes: list[Node]) -> list[list[Node]]:
    return list({id(c[0]): c for c in (chain_of(n) for n in nodes if n.part is not None)}.values())


def _attach_heads(nodes: list[Node]) -> None:
    """A number-less head becomes part 1 of the nearest thread that starts at part 2.

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> nodes = [node(3, "🧵 Notes on sleep"), node(2, "2/ first"), node(1, "3/ second")]
    >>> _link_numbered(nodes)
    >>> _attach_heads(nodes)
    >>> nodes[0].part, nodes[0].next is nodes[1]
    (1, True)
    """
    heads = {n.pos: n for n in nodes if n.marker.style == HEAD}
    pairs = []
    for chain in _chain_starts(nodes) if heads else []:
        first = chain[0]
        if first.part != 2:
            continue
        direction = reading_direction(chain)
        for step in range(-HEAD_REACH, HEAD_REACH + 1):  # > 0: head sits above part 2
            head = heads.get(first.pos - step)
            if head is None or step == 0:
                continue
            if direction and (step > 0) != (direction > 0):
                continue  # head must stand where part 1 would be
            pairs.append((abs(step), head.pos, head, first))
    pairs.sort(key=lambda p: p[:2])
    for _, _, head, first in pairs:
        if head.next is None and first.prev is None:
            head.part = 1
            head.next, first.prev = first, head
            head.notes.append("the unnumbered head (marked " + head.marker.text + ") is taken as "
                              "part 1 because part 2 follows it")


def _attach_endings(nodes: list[Node]) -> None:
    """A closing `/end` becomes the part after the last one of the thread right before it.

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> nodes = [node(3, "1/ first"), node(2, "2/ second"), node(1, "/end")]
    >>> _link_numbered(nodes)
    >>> _attach_endings(nodes)
    >>> nodes[2].part, nodes[1].next is nodes[2]
    (3, True)
    """
    ends = [n for n in nodes if n.marker.style == END]
    if not ends:
        return
    last_parts = {c[-1].pos: c for c in _chain_starts(nodes)}
    for end in ends:
        best = None
        for step in range(-END_REACH, END_REACH + 1):
            chain = last_parts.get(end.pos - step)
            if chain is None or step == 0:
                continue
            last = chain[-1]
            if last is end or last.part is None:
                continue
            total = last.marker.total
            if total is not None and last.part >= total:
                continue
            direction = reading_direction(chain) or -1
            if (step > 0) != (direction > 0):
                continue
            if best is None or abs(step) < abs(best.pos - end.pos):
                best = last
        if best is not None:
            end.part = best.part + 1
            best.next, end.prev = end, best
            end.notes.append("the closing " + end.marker.text + " is read as the last part")


def _trusted(chain: list[Node]) -> bool:
    """Does this chain of marked posts make a thread?

    A head or `/end` alone is not a thread. A bare `k/n` alone is only trusted as the start of a
    thread (k = 1, checked against quantity words already); "4/5" on its own could be a rating.

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> _trusted([node(0, "1/5 Why warmup matters")]), _trusted([node(0, "1/5: Why")])
    (True, True)
    >>> _trusted([node(0, "🧵 Notes")]), _trusted([node(0, "4/5 great pasta")])
    (False, False)
    """
    numbered = [n for n in chain if n.marker.style not in (HEAD, END)]
    if not numbered:
        return False
    if len(chain) >= 2:
        return _weak_chain_ok(chain)
    only = numbered[0]
    if only.marker.weak:
        return only.part == 1 and only.marker.position == "start" \
            and not _lowercase_follows(post_text(only.post), only.marker.end)
    return True


# Origin: set by hand when the marker stitcher was written (commit 055aa83), not tuned on a set.
RATING_SCALES = (5, 10, 100)


def _weak_chain_ok(chain: list[Node]) -> bool:
    """A thread held together only by bare `k/n` must look like one, not like a few scores.

    Two posts "8/10 Great crust" and "9/10 Best tiramisu" would otherwise chain up. Without
    part 1, bare parts must be consecutive, and on a rating scale (/5, /10) there must be three.

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> _weak_chain_ok([node(1, "8/10 Great crust"), node(0, "9/10 Best tiramisu")])
    False
    >>> _weak_chain_ok([node(2, "3/7 Then"), node(1, "4/7 And"), node(0, "5/7 Last")])
    True
    >>> _weak_chain_ok([node(1, "8/10: Great crust"), node(0, "9/10: Best tiramisu")])  # not bare
    True
    """
    if not all(n.marker.weak for n in chain) or any(n.part == 1 for n in chain):
        return True
    parts = [n.part for n in chain]
    consecutive = all(b - a == 1 for a, b in zip(parts, parts[1:]))
    if chain[0].marker.total in RATING_SCALES:
        return consecutive and len(chain) >= 3
    return consecutive


def _lowercase_follows(text: str, end: int) -> bool:
    """A lone "1/2 marathon done" reads as a quantity; a thread opens with a new sentence.

    >>> _lowercase_follows("1/2 marathon done", 3), _lowercase_follows("1/2 Marathon notes", 3)
    (True, False)
    """
    rest = text[end:].lstrip()
    return bool(rest) and rest[0].isascii() and rest[0].islower()


def _confidence(chain: list[Node], missing: list[int]) -> float:
    """How sure the stitch is: 1.0 for a complete run of explicit markers, less per guess
    (the deductions were set by hand when the stitcher was written, not tuned on a set).

    >>> def node(pos, text):
    ...     marker = find_marker(text)
    ...     return Node(Post(text, "ada"), pos, marker, marker.part)
    >>> _confidence([node(2, "1/3: a"), node(1, "2/3: b"), node(0, "3/3: c")], [])
    1.0
    >>> _confidence([node(3, "1/3 Warmup"), node(1, "2/3 Decay")], [3])  # bare, apart, missing
    0.75
    """
    score = 1.0
    if any(n.marker.style == HEAD for n in chain):
        score -= 0.1
    if any(n.marker.style == END for n in chain):
        score -= 0.1
    if all(n.marker.weak for n in chain):
        score -= 0.15
    if len(chain) == 1:
        score -= 0.1
    if any(abs(a.pos - b.pos) > 1 for a, b in zip(chain, chain[1:])):
        score -= 0.05
    if missing:
        score -= 0.05
    if any("could precede" in note for n in chain for note in n.notes):
        score -= 0.25
    return round(max(0.1, score), 2)


def _evidence(chain: list[Node], declared: Optional[int], missing: list[int],
              same_total: int) -> str:
    """One or two plain sentences on what was inferred rather than read off the markers."""
    total = f"of {declared}" if declared else "(no stated total)"
    if len(chain) == 1:
        bits = [f"Only part {chain[0].part} {total} is present."]
    else:
        parts = ", ".join(str(n.part) for n in chain)
        direction = "oldest first" if reading_direction(chain) > 0 else "newest first"
        bits = [f"Parts {parts} {total}, laid out {direction}."]
    gaps = [abs(a.pos - b.pos) - 1 for a, b in zip(chain, chain[1:])]
    if any(gaps):
        bits.append(f"Other posts sit between parts (up to {max(gaps)}).")
    if missing:
        bits.append("Missing: " + ", ".join(map(str, missing)) + ".")
    if same_total > 1:
        bits.append(f"{same_total} threads near each other share this total; parts were grouped "
                    f"by their order on the timeline and distance, each part number once.")
    for n in chain:
        bits.extend(note[0].upper() + note[1:] + "." for note in n.notes)
    return " ".join(bits)


def _build_thread(chain: list[Node], method: str, same_total: int) -> Thread:
    """Make the Thread record and stamp its parts."""
    author = chain[0].post.author
    totals = [n.marker.total for n in chain if n.marker.total is not None]
    declared = totals[0] if totals else None
    present = [n.part for n in chain]
    missing = missing_parts(present, declared)
    tid = thread_id(author, id_of(chain[0].post))
    for node in chain:
        node.post.thread_id = tid
        node.post.thread_index = node.part
        node.post.thread_marker = node.marker.text
    return Thread(
        id=tid,
        author=author,
        parts=[n.post for n in chain],
        declared_total=declared,
        missing=missing,
        confidence=_confidence(chain, missing),
        method=method,
        evidence=_evidence(chain, declared, missing, same_total),
    )


def _sharing_total_nearby(chains: list[list[Node]]) -> list[int]:
    """For each chain, how many chains with its declared total (itself included) sit within
    `SAME_TOTAL_REACH` posts of it: threads that near could have traded parts, which the
    evidence says. Counting only neighbours keeps the answer local, as a re-stitch of part of
    a timeline needs (`feedarchive.restitch`); "open" totals are not counted.

    >>> from feedarchive.threads.markers import find_marker
    >>> def chain(at, text):
    ...     return [Node(Post(text, "ada"), at, find_marker(text), find_marker(text).part)]
    >>> _sharing_total_nearby([chain(0, "1/3 Alpha"), chain(5, "1/3 Beta"), chain(90, "1/3 Gamma")])
    [2, 2, 1]
    """
    by_key: dict[object, list[tuple[int, int]]] = {}
    spans = [(min(n.pos for n in c), max(n.pos for n in c), c[0].total_key) for c in chains]
    for low, high, key in spans:
        by_key.setdefault(key, []).append((low, high))
    lows, widest = {}, {}
    for key, found in by_key.items():
        found.sort()
        lows[key] = [low for low, _ in found]
        widest[key] = max(high - low for low, high in found)
    counts = []
    for low, high, key in spans:
        if key == "open":
            counts.append(0)
            continue
        found = by_key[key]
        first = bisect.bisect_left(lows[key], low - SAME_TOTAL_REACH - widest[key])
        last = bisect.bisect_right(lows[key], high + SAME_TOTAL_REACH)
        counts.append(sum(1 for other_low, other_high in found[first:last]
                          if other_high + SAME_TOTAL_REACH >= low))
    return counts


def _by_author(posts: list[Post]) -> dict[str, list[Post]]:
    groups: dict[str, list[Post]] = {}
    for post in posts:
        groups.setdefault(post.author.lower(), []).append(post)
    return groups


def _stitch_author(timeline: Mapping[int, Post]) -> list[list[Node]]:
    """Chains (threads, reading order) found among one author's posts."""
    nodes = []
    for pos in sorted(timeline):
        post = timeline[pos]
        marker = find_marker(post_text(post))
        if marker:
            nodes.append(Node(post, pos, marker, marker.part))
    _link_numbered(nodes)
    _attach_heads(nodes)
    _attach_endings(nodes)
    chains = list({id(c[0]): c for c in (chain_of(n) for n in nodes)}.values())
    for node in nodes:  # the chains are lists now; unlinked, the nodes hold no cycle that
        node.prev = node.next = None  # only the garbage collector could free
    kept = [c for c in chains if _trusted(c)]
    kept.sort(key=lambda c: min(n.pos for n in c))
    return kept


def stitch(posts: list[Post]) -> StitchResult:
    """Group each author's marked posts into threads; set thread fields on the parts.

    Posts outside any thread are left untouched. Unnumbered posts that probably belong to a
    thread are returned as candidates.

    >>> posts = [Post("3/3: and that is it", "ada"), Post("lunch", "ada"),
    ...          Post("2/3: then decay", "ada"), Post("1/3: Warmup first", "ada"),
    ...          Post("1/3: another author's", "bo")]
    >>> [(t.author, [p.text[:3] for p in t.parts], t.confidence) for t in stitch(posts).threads]
    [('ada', ['1/3', '2/3', '3/3'], 0.95), ('bo', ['1/3'], 0.85)]
    >>> posts[3].thread_index, posts[1].thread_id
    (1, None)
    """
    result = StitchResult()
    for author_posts in _by_author(posts).values():
        partial = stitch_timeline(dict(enumerate(author_posts)), len(author_posts))
        result.threads.extend(partial.threads)
        result.candidates.extend(partial.candidates)
    return result


def stitch_timeline(timeline: Mapping[int, Post], count: int) -> StitchResult:
    """Stitch one author's timeline given as {position: post} (0 = newest) of `count` posts.

    Only the positions the mapping iterates over are read for markers; others are looked up
    when a candidate's neighbour is needed, so a long archive can hand over just its marked
    posts (see `may_carry_marker`) and fetch the rest on demand.

    >>> texts = ["Thanks for reading, that is all!", "2/2: decay", "1/2: Warmup first", "Lunch"]
    >>> timeline = {pos: Post(text, "ada") for pos, text in enumerate(texts)}
    >>> result = stitch_timeline(timeline, 4)
    >>> [[p.text for p in t.parts] for t in result.threads]
    [['1/2: Warmup first', '2/2: decay']]
    >>> [(c.post.text, c.role) for c in result.candidates]
    [('Thanks for reading, that is all!', 'tail')]
    """
    result = StitchResult()
    chains = _stitch_author(timeline)
    for chain, same_total in zip(chains, _sharing_total_nearby(chains)):
        result.threads.append(_build_thread(chain, "markers", same_total))
    result.candidates.extend(find_candidates(timeline, count, chains))
    return result


