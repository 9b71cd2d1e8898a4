"""Thread stage: stitch posts into threads, from their markers or from reply ids.

A scraped profile page has no reply ids, so the only proof that posts form a thread is the
marker their author wrote on them (`1/5:`, `(2/8)`, `[3/3]`, `4/`, `🧵1/`...). Membership rests
on those markers alone; everything else (which of two `1/2` posts goes with which `2/2`, whether
a `🧵` head starts a run of `2/`, `3/` parts) is decided from the marker sequence, the declared
total, the author and the distance between posts on the timeline, and explained in the
thread's `evidence`. Unnumbered posts that look like an intro or a closing note are reported as
`candidates`, never mixed into the parts.

Input is in timeline order: index 0 is the newest post, as a profile page shows them. Parts can
sit newest-first (5/5 ... 1/5, the usual case), oldest-first, with other posts between them, or
partly missing. A wrong thread is worse than a missed one, so fractions, dates, ratings and
scores must never be read as markers: a marker has to stand at the very start or the very end of
the post, and the bare `k/n` form, which ordinary prose also uses, needs corroboration.

When a source does carry reply ids (account exports), `stitch_replies` builds the same
`StitchResult` from self-reply chains, so everything downstream has one code path.
"""
from __future__ import annotations

import bisect
import heapq
import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from collections import Counter
from typing import Mapping, Optional

from .identity import post_id, thread_id
from .models import Post, Thread, ThreadCandidate

# --------------------------------------------------------------------------------------------
# Markers
# --------------------------------------------------------------------------------------------

THREAD_EMOJI = "\U0001f9f5"  # 🧵

# Styles, named as the corpus truth names them.
SLASH_TOTAL = "slash_total"  # 1/5  1/5:
SLASH_OPEN = "slash_open"  # 2/   🧵1/
SLASH_N = "slash_n"  # 3/n
PAREN = "paren"  # (1/8)  🧵(1/8)
BRACKET = "bracket"  # [1/3]
HEAD = "head"  # a number-less head: 🧵, "A thread on...", "Thread:"
END = "end"  # a closing /end

MAX_PART = 99  # nobody numbers a thread past this; larger numbers are something else

# Words that, right after a leading bare `k/n`, show it is a quantity or a rating, not a part:
# "3/4 of the away end", "1/2 tsp", "2/3 de la salle", "5/5 would recommend".
_QUANTITY_WORDS = frozenset(
    """of de du des d d' d’ della del dei degli delle di the a an off price prix
    tsp tbsp teaspoon teaspoons tablespoon tablespoons cup cups c g kg mg lb lbs oz ml cl dl l
    inch inches in cm mm km m mile miles hour hours hr hrs h min mins minute minutes sec day days
    week weeks month months year years pt pts point points star stars étoile étoiles stelle
    would so is was are were and or vs à au aux en pour""".split()
)

# Words that, shortly before a trailing bare `k/n`, make it a rating or score ("Food: 2/5").
_RATING_CUES = re.compile(
    r"(?:\brat(?:e|ed|ing)|\bscore[sd]?|\bgive it|\bgave it|\bgrade|\bnote|\bvoto|\bverdict|"
    r"\bout of|\bwin rate|\bsur\b|[:：=])\W*$",
    re.IGNORECASE,
)

_NUM = r"(?P<k>\d{1,2})"
_TOTAL = r"(?P<n>\d{1,2}|[nN](?![A-Za-z]))"
_BRACKETED = rf"(?P<open>[(\[])\s?{_NUM}\s?/\s?{_TOTAL}?\s?(?P<close>[)\]])"
# A bare marker ends where the number ends: no further digit, slash, decimal point or letter
# (which rules out dates such as 3/4/2025 and words glued to the number).
_BARE = rf"{_NUM}/{_TOTAL}?(?P<colon>[:：])?"
_BARE_END = r"(?![\d/.,]|[^\W\d_])"

_START_BRACKETED = re.compile(_BRACKETED + r"(?P<colon>[:：])?(?![\d/])")
_START_BARE = re.compile(_BARE + _BARE_END)
_END_BRACKETED = re.compile(_BRACKETED + r"$")
_END_BARE = re.compile(r"(?:^|(?<=[\s" + THREAD_EMOJI + r"]))" + _BARE + r"$")
_CLOSING = r"(?P<lit>/(?:end|fin|fine)\b|\[(?:end|fin)\]|\((?:end|fin)\)|[nN]/[nN](?![\w/]))"
_END_CLOSING = re.compile(r"(?:^|(?<=\s))" + _CLOSING + "$", re.IGNORECASE)
_START_CLOSING = re.compile(_CLOSING, re.IGNORECASE)
_THREAD_WORD = re.compile(r"(?:thread|fil)\s*", re.IGNORECASE)
_URL_TAIL = re.compile(r"(?:^|\s)(?:https?://|www\.)\S+$")

# A number-less head announces itself at its start ("A thread on...", "Thread:", "Un fil") or
# ends with the thread emoji. Posts that merely mention a thread ("Great thread by @x") do not.
_HEAD_START = re.compile(
    r"(?P<lit>(?:(?:a|an|one|my|un|une|mon|petit|short|quick|mini|big)\s+)?"
    r"(?:thread|fil|スレッド|เธรด))"
    r"(?:\s*[:：—–-]|\s+(?:on|about|of|sur|de|du|des|pour|:)\b|\s*$)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Marker:
    """A thread marker found on a post.

    `part` is k (None for a number-less head or a closing `/end`), `total` is n when the author
    stated it (None for `k/`, `k/n` with a literal n, heads). `text` is the marker as written,
    including an adjacent 🧵; `start`/`end` are its offsets in the post text and `position` says
    which end of the post it stands at. `weak` marks a bare `k/n`, which prose also produces, so
    the stitcher only trusts it when the rest of the thread backs it up.
    """

    part: Optional[int]
    total: Optional[int]
    style: str
    text: str
    start: int
    end: int
    position: str  # "start" or "end"
    weak: bool = False


def _is_decoration(ch: str) -> bool:
    """Emoji, pictographs and their joiners: what authors put around a marker."""
    if ch in "\u200d\ufe0f\ufe0e\u20e3":
        return True
    return unicodedata.category(ch) in ("So", "Sk", "Cn") or 0x1F000 <= ord(ch) <= 0x1FAFF


def _skip_leading(text: str) -> int:
    """Offset of the first character that is neither whitespace nor decoration."""
    i = 0
    while i < len(text) and (text[i].isspace() or _is_decoration(text[i])):
        i += 1
    return i


def _strip_trailing(text: str) -> int:
    """Length of the text once trailing whitespace, decoration and URLs are removed."""
    end = len(text)
    while True:
        before = end
        while end and (text[end - 1].isspace() or _is_decoration(text[end - 1])):
            end -= 1
        url = _URL_TAIL.search(text, 0, end)
        if url:
            end = url.start()
        if end == before:
            return end


def _widen_over_emoji(text: str, start: int, end: int) -> tuple[int, int]:
    """Include a 🧵 written right next to the marker (`🧵1/`, `🧵 (1/8)`) in its literal text."""
    j = start
    while j and text[j - 1] == " ":
        j -= 1
    if j and text[j - 1] == THREAD_EMOJI:
        start = j - 1
    k = end
    while k < len(text) and text[k] == " ":
        k += 1
    if k < len(text) and text[k] == THREAD_EMOJI:
        end = k + 1
    return start, end


def _style_and_total(m: re.Match) -> tuple[str, Optional[int]]:
    """Classify a numbered match and read its declared total."""
    n = m.group("n")
    bracket = m.groupdict().get("open")
    if bracket:
        style = PAREN if bracket == "(" else BRACKET
    elif n is None:
        style = SLASH_OPEN
    elif n in "nN":
        style = SLASH_N
    else:
        style = SLASH_TOTAL
    total = int(n) if n and n.isdigit() else None
    return style, total


def _plausible(part: int, total: Optional[int]) -> bool:
    """A part number must count from 1 and not exceed its total (12/25 is a date, not a part)."""
    if part < 1 or part > MAX_PART:
        return False
    if total is None:
        return True
    return 2 <= total <= MAX_PART and part <= total


def _next_word(text: str, pos: int) -> str:
    """The word after `pos`, as written (a unit is lowercase; "Day two:" opens a sentence)."""
    m = re.match(r"\s*([^\s]+)", text[pos:])
    return m.group(1).strip(".,;!?()") if m else ""


def _numbered(text: str, m: re.Match, position: str) -> Optional[Marker]:
    """Turn a regex match into a Marker, or None when the numbers cannot be a part."""
    style, total = _style_and_total(m)
    part = int(m.group("k"))
    if not _plausible(part, total):
        return None
    colon = bool(m.groupdict().get("colon"))
    weak = style == SLASH_TOTAL and not colon
    start, end = _widen_over_emoji(text, m.start(), m.end())
    if THREAD_EMOJI in text[start:end]:
        weak = False
    return Marker(part, total, style, text[start:end].strip(), start, end, position, weak)


def _marker_at_start(text: str) -> Optional[Marker]:
    """A numbered marker opening the post, after optional emoji: `1/5:`, `[2/3]`, `🧵 3/`."""
    i = _skip_leading(text)
    word = _THREAD_WORD.match(text, i)  # "Thread 1/5:", "🧵 Thread (2/4)"
    for at in (i, word.end()) if word else (i,):
        m = _START_BRACKETED.match(text, at) or _START_BARE.match(text, at)
        if m:
            break
    else:
        closing = _START_CLOSING.match(text, i)
        if closing:
            return Marker(None, None, END, closing.group("lit"), i, closing.end(), "start")
        return None
    marker = _numbered(text, m, "start")
    if marker and marker.weak and _looks_like_quantity(text, m.end()):
        return None
    return marker


def _looks_like_quantity(text: str, after: int) -> bool:
    """Is a leading bare `k/n` followed by what quantities and ratings are followed by?

    "3/4 of the away end", "1/2 tsp dry yeast", "5/5 would recommend", "1/2-inch": yes.
    A thread part goes on with a new sentence, an emoji or a line break.
    """
    if after < len(text) and not (text[after].isspace() or _is_decoration(text[after])):
        return True
    return _next_word(text, after) in _QUANTITY_WORDS


def _marker_at_end(text: str) -> Optional[Marker]:
    """A marker closing the post, before optional emoji/URLs: `(4/4)`, `🧵1/`, `... 2/5`, `/end`."""
    stop = _strip_trailing(text)
    body = text[:stop]
    m = _END_BRACKETED.search(body)
    if m:
        before = body[: m.start()]
        if re.search(r"(?:[\d/]|(?:^|\W)[A-Za-z])$", before):
            return None  # f(1/2), x[1/2], 0.5(1/2): notation, not a part
        return _numbered(text, m, "end")
    m = _END_BARE.search(body)
    if m:
        marker = _numbered(text, m, "end")
        if marker and marker.weak and _RATING_CUES.search(body[: m.start()]):
            return None  # "Food: 2/5", "I'd give it 4/5"
        return marker
    m = _END_CLOSING.search(body)
    if m:
        return Marker(None, None, END, m.group("lit"), m.start(), m.end(), "end")
    return None


def _head_marker(text: str) -> Optional[Marker]:
    """A number-less head: 🧵 at either end, or an opening "A thread"/"Thread:"."""
    i = _skip_leading(text)
    lead = text[:i]
    if THREAD_EMOJI in lead:
        at = lead.index(THREAD_EMOJI)
        return Marker(None, None, HEAD, THREAD_EMOJI, at, at + 1, "start")
    m = _HEAD_START.match(text, i)
    if m:
        return Marker(None, None, HEAD, m.group("lit"), m.start(), m.end("lit"), "start")
    stop = _strip_trailing(text)
    tail = text[stop:]
    # Only the decoration run right after the text counts, not emoji inside a trailing URL.
    run_end = stop
    while run_end < len(text) and (text[run_end].isspace() or _is_decoration(text[run_end])):
        run_end += 1
    if THREAD_EMOJI in text[stop:run_end]:
        at = stop + tail.index(THREAD_EMOJI)
        return Marker(None, None, HEAD, THREAD_EMOJI, at, at + 1, "end")
    return None


def find_marker(text: Optional[str]) -> Optional[Marker]:
    """Describe the thread marker a post carries, or None.

    Numbered markers win over a bare 🧵 head cue (`🧵(1/8)` is part 1 of 8, not a head).
    A marker in the middle of a sentence is never one: `Via Zamboni 4/5 —`, `7/10 so far`.
    """
    if not text:
        return None
    if len(text) > 2 * MARKER_WINDOW:
        # Markers stand at either end: a long post is looked at only there, so its length
        # costs nothing. Offsets of an end marker then refer to this shortened text.
        text = text[:MARKER_WINDOW] + " … " + text[-MARKER_WINDOW:]
    return _marker_at_start(text) or _marker_at_end(text) or _head_marker(text)


MARKER_WINDOW = 400


# --------------------------------------------------------------------------------------------
# Similarity (tie-breaking and candidates only; never decides membership)
# --------------------------------------------------------------------------------------------

_STOPWORDS = frozenset(
    """this that with from have what when where which they them their there your yours about
    just like been were will would could should than then into over also only some more most
    very much such because while dans avec pour mais sont cette nous vous elle leur plus comme
    tout tous être fait faire""".split()
)


_UNSPACED = r"[\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff]"


def _tokens(text: str) -> set[str]:
    """Content words: words of 4+ letters, and character triples of Thai/CJK runs (no spaces)."""
    text = re.sub(r"https?://\S+|@\w+", " ", text.lower())
    out = {w for w in re.findall(r"[^\W\d_]{4,}", re.sub(_UNSPACED, " ", text))
           if w not in _STOPWORDS}
    for run in re.findall(_UNSPACED + "+", text):
        out.update(run[i:i + 3] for i in range(len(run) - 2))
    return out


def _similarity(ta: frozenset[str], tb: frozenset[str]) -> float:
    """Jaccard overlap of two posts' content words, 0..1."""
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)


# --------------------------------------------------------------------------------------------
# Stitching by markers
# --------------------------------------------------------------------------------------------

MAX_STEP = 8  # posts of the same author allowed between two consecutive parts
STEP_PER_MISSING = 3  # extra room for each part missing between them
HEAD_REACH = 4  # how far a head may sit from its part 2
END_REACH = 3  # how far a closing /end may sit from the last part


@dataclass
class StitchResult:
    threads: list[Thread] = field(default_factory=list)
    candidates: list[ThreadCandidate] = field(default_factory=list)


@dataclass(eq=False)
class _Node:
    """One marked post of one author, and its links to the previous/next part."""

    post: Post
    pos: int  # position among this author's posts, 0 = newest
    marker: Marker
    part: Optional[int]
    prev: Optional["_Node"] = None
    next: Optional["_Node"] = None
    notes: list[str] = field(default_factory=list)

    @cached_property
    def tokens(self) -> frozenset[str]:
        """Content words, computed once: a node is costed against many neighbours."""
        return frozenset(_tokens(_post_text(self.post)))

    @property
    def total_key(self) -> object:
        """Parts must agree on this: the declared n, or "open" for k/, k/n and heads."""
        return self.marker.total if self.marker.total is not None else "open"


def _chain(node: _Node) -> list[_Node]:
    while node.prev:
        node = node.prev
    out = [node]
    while node.next:
        node = node.next
        out.append(node)
    return out


def _direction(chain: list[_Node]) -> int:
    """+1 when parts run down the page (oldest first), -1 when newest first, 0 when unknown."""
    if len(chain) < 2:
        return 0
    return 1 if chain[1].pos > chain[0].pos else -1


def _post_text(post: Post) -> str:
    return post.text if post.text is not None else post.text_raw


def _link_cost(a: _Node, b: _Node) -> Optional[float]:
    """Cost of reading `b` right after `a` in one thread, or None when they cannot be."""
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
    return cost - 0.5 * _similarity(a.tokens, b.tokens)


def _can_join(a: _Node, b: _Node) -> bool:
    """Joining keeps each thread in one direction down the page."""
    if a.next is not None or b.prev is not None:
        return False
    step = 1 if b.pos > a.pos else -1
    return all(d in (0, step) for d in (_direction(_chain(a)), _direction(_chain(b))))


# Parts farther apart than this can never link (the largest gap `_link_cost` allows).
LINKS_KEPT = 8  # cheapest candidate links kept into each part: memory stays linear
LINK_REACH = MAX_STEP + STEP_PER_MISSING * (MAX_PART - 2)


def _link_numbered(nodes: list[_Node]) -> None:
    """Link numbered parts, cheapest link first; note choices that had a close rival.

    Only pairs within `LINK_REACH` timeline positions are costed, so a long timeline with
    many marked posts stays near linear.
    """
    by_total: dict[object, list[_Node]] = {}
    for node in sorted((n for n in nodes if n.part is not None), key=lambda n: n.pos):
        by_total.setdefault(node.total_key, []).append(node)  # parts share their total
    into: dict[int, list[tuple]] = {}
    for numbered in by_total.values():
        positions = [n.pos for n in numbered]
        for a in numbered:
            lo = bisect.bisect_left(positions, a.pos - LINK_REACH)
            hi = bisect.bisect_right(positions, a.pos + LINK_REACH)
            for b in numbered[lo:hi]:
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
        if not _can_join(a, b):
            continue
        rivals = [e for e in into[id(b)] if e[0] - cost < 1.0 and e[3] is not a
                  and e[3].part == a.part and e[3].next is None]
        a.next, b.prev = b, a
        if rivals:
            b.notes.append(
                f"two posts could precede part {b.part}; the one {abs(a.pos - b.pos)} post(s) "
                f"away with more words in common was chosen"
            )


def _chain_starts(nodes: list[_Node]) -> list[list[_Node]]:
    return list({id(c[0]): c for c in (_chain(n) for n in nodes if n.part is not None)}.values())


def _attach_heads(nodes: list[_Node]) -> None:
    """A number-less head becomes part 1 of the nearest thread that starts at part 2."""
    heads = {n.pos: n for n in nodes if n.marker.style == HEAD}
    pairs = []
    for chain in _chain_starts(nodes) if heads else []:
        first = chain[0]
        if first.part != 2:
            continue
        direction = _direction(chain)
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


def _attach_endings(nodes: list[_Node]) -> None:
    """A closing `/end` becomes the part after the last one of the thread right before it."""
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
            direction = _direction(chain) or -1
            if (step > 0) != (direction > 0):
                continue
            if best is None or abs(step) < abs(best.pos - end.pos):
                best = last
        if best is not None:
            end.part = best.part + 1
            best.next, end.prev = end, best
            end.notes.append("the closing " + end.marker.text + " is read as the last part")


def _trusted(chain: list[_Node]) -> bool:
    """Does this chain of marked posts make a thread?

    A head or `/end` alone is not a thread. A bare `k/n` alone is only trusted as the start of a
    thread (k = 1, checked against quantity words already); "4/5" on its own could be a rating.
    """
    numbered = [n for n in chain if n.marker.style not in (HEAD, END)]
    if not numbered:
        return False
    if len(chain) >= 2:
        return _weak_chain_ok(chain)
    only = numbered[0]
    if only.marker.weak:
        return only.part == 1 and only.marker.position == "start" \
            and not _lowercase_follows(_post_text(only.post), only.marker.end)
    return True


RATING_SCALES = (5, 10, 100)


def _weak_chain_ok(chain: list[_Node]) -> bool:
    """A thread held together only by bare `k/n` must look like one, not like a few scores.

    Two posts "8/10 Great crust" and "9/10 Best tiramisu" would otherwise chain up. Without
    part 1, bare parts must be consecutive, and on a rating scale (/5, /10) there must be three.
    """
    if not all(n.marker.weak for n in chain) or any(n.part == 1 for n in chain):
        return True
    parts = [n.part for n in chain]
    consecutive = all(b - a == 1 for a, b in zip(parts, parts[1:]))
    if chain[0].marker.total in RATING_SCALES:
        return consecutive and len(chain) >= 3
    return consecutive


def _lowercase_follows(text: str, end: int) -> bool:
    """A lone "1/2 marathon done" reads as a quantity; a thread opens with a new sentence."""
    rest = text[end:].lstrip()
    return bool(rest) and rest[0].isascii() and rest[0].islower()


def _confidence(chain: list[_Node], missing: list[int]) -> float:
    """How sure the stitch is: 1.0 for a complete run of explicit markers, less per guess."""
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


def _evidence(chain: list[_Node], declared: Optional[int], missing: list[int],
              same_total: int) -> str:
    """One or two plain sentences on what was inferred rather than read off the markers."""
    total = f"of {declared}" if declared else "(no stated total)"
    if len(chain) == 1:
        bits = [f"Only part {chain[0].part} {total} is present."]
    else:
        parts = ", ".join(str(n.part) for n in chain)
        direction = "oldest first" if _direction(chain) > 0 else "newest first"
        bits = [f"Parts {parts} {total}, laid out {direction}."]
    gaps = [abs(a.pos - b.pos) - 1 for a, b in zip(chain, chain[1:])]
    if any(gaps):
        bits.append(f"Other posts sit between parts (up to {max(gaps)}).")
    if missing:
        bits.append("Missing: " + ", ".join(map(str, missing)) + ".")
    if same_total > 1:
        bits.append(f"{same_total} threads by this author share this total; parts were grouped "
                    f"by their order on the timeline and distance, each part number once.")
    for n in chain:
        bits.extend(note[0].upper() + note[1:] + "." for note in n.notes)
    return " ".join(bits)


def _missing(present: list[int], declared: Optional[int]) -> list[int]:
    top = declared if declared else max(present)
    return [k for k in range(1, top + 1) if k not in present]


def _id_of(post: Post) -> str:
    return post.id or post_id(post.author, _post_text(post))


def _build_thread(chain: list[_Node], method: str, same_total: int) -> Thread:
    """Make the Thread record and stamp its parts."""
    author = chain[0].post.author
    totals = [n.marker.total for n in chain if n.marker.total is not None]
    declared = totals[0] if totals else None
    present = [n.part for n in chain]
    missing = _missing(present, declared)
    tid = thread_id(author, _id_of(chain[0].post))
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


def _by_author(posts: list[Post]) -> dict[str, list[Post]]:
    groups: dict[str, list[Post]] = {}
    for post in posts:
        groups.setdefault(post.author.lower(), []).append(post)
    return groups


def _stitch_author(timeline: Mapping[int, Post]) -> list[list[_Node]]:
    """Chains (threads, reading order) found among one author's posts."""
    nodes = []
    for pos in sorted(timeline):
        post = timeline[pos]
        marker = find_marker(_post_text(post))
        if marker:
            nodes.append(_Node(post, pos, marker, marker.part))
    _link_numbered(nodes)
    for node in nodes:  # word sets only break ties between links; free them on long timelines
        node.__dict__.pop("tokens", None)
    _attach_heads(nodes)
    _attach_endings(nodes)
    chains = {id(c[0]): c for c in (_chain(n) for n in nodes)}.values()
    kept = [c for c in chains if _trusted(c)]
    kept.sort(key=lambda c: min(n.pos for n in c))
    return kept


def stitch(posts: list[Post]) -> StitchResult:
    """Group each author's marked posts into threads; set thread fields on the parts.

    Posts outside any thread are left untouched. Unnumbered posts that probably belong to a
    thread are returned as candidates.
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
    """
    result = StitchResult()
    chains = _stitch_author(timeline)
    totals = Counter(c[0].total_key for c in chains)
    for chain in chains:
        key = chain[0].total_key
        same_total = totals[key] if key != "open" else 0
        result.threads.append(_build_thread(chain, "markers", same_total))
    result.candidates.extend(_find_candidates(timeline, count, chains))
    return result


def may_carry_marker(text: str) -> bool:
    """A cheap test every marked post passes (a digit before a slash, a 🧵, "thread", "/end"),
    so a long timeline can be narrowed down before `find_marker` looks closely."""
    return _MAYBE_MARKER.search(text) is not None


_MAYBE_MARKER = re.compile(r"[0-9]/|/end|\U0001f9f5|thread|fil|スレッド|เธรด", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Candidates: unnumbered posts that probably belong, reported beside the thread
# --------------------------------------------------------------------------------------------

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


def _overlap(text: str, thread_text: str) -> float:
    """Share of the post's content words that the thread also uses."""
    words = _tokens(text)
    if not words:
        return 0.0
    return len(words & _tokens(thread_text)) / len(words)


def _candidate_role(text: str, side: str) -> str:
    """Closing wording makes a tail, intro wording (or a question) a head; else the side decides."""
    if _TAIL_CUES.search(text):
        return "tail"
    if _HEAD_CUES.search(text) or "?" in text or "？" in text:
        return "head"
    return side


def _candidate_score(text: str, thread_text: str, distance: int, role: str,
                     pinned: bool) -> float:
    """Heuristic 0..1: adjacency, shared vocabulary, and intro/closing wording.

    No single weak signal is enough: a neighbour needs intro/closing wording or clearly shared
    vocabulary, and a far (pinned-looking) post needs strongly shared vocabulary.
    """
    if _OTHERS_THREAD.search(text):
        return 0.0
    score = 0.3 if distance == 1 else 0.15 if distance == 2 else 0.0
    if pinned:
        score += 0.1
    score += 0.45 * min(1.0, max(0.0, (_overlap(text, thread_text) - 0.1) / 0.3))
    cues = _TAIL_CUES if role == "tail" else _HEAD_CUES
    if cues.search(text):
        score += 0.3
    return round(min(score, 0.9), 2)


@dataclass
class _Spot:
    """A post position worth scoring as a candidate for one thread."""

    pos: int
    side: str  # "head": before part 1 in reading order; "tail": after the last part
    distance: int
    pinned: bool = False


def _spots(chain: list[_Node], count: int) -> list[_Spot]:
    """The two posts on either side of the thread, and the first post on the page.

    Profile pages show a pinned post first, out of time order; an author often pins the intro
    to their thread, so the first post is looked at whatever its distance.
    """
    direction = _direction(chain) or -1  # a lone part: assume the usual newest-first page
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


def _find_candidates(timeline: Mapping[int, Post], count: int,
                     chains: list[list[_Node]]) -> list[ThreadCandidate]:
    """Score unthreaded neighbours of each thread; keep each post's best match."""
    in_thread = {n.pos for c in chains for n in c}
    best: dict[int, ThreadCandidate] = {}
    for chain in chains:
        thread_text = " ".join(_post_text(n.post) for n in chain)
        for spot in _spots(chain, count):
            between = range(min(spot.pos, chain[0].pos, chain[-1].pos),
                            max(spot.pos, chain[0].pos, chain[-1].pos))
            if spot.pos in in_thread or (not spot.pinned and any(
                    p in in_thread and p not in {n.pos for n in chain} for p in between)):
                continue  # another thread stands in between
            if spot.pos not in timeline:
                continue
            text = _post_text(timeline[spot.pos])
            role = _candidate_role(text, spot.side)
            score = _candidate_score(text, thread_text, spot.distance, role, spot.pinned)
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


# --------------------------------------------------------------------------------------------
# Stitching by reply ids
# --------------------------------------------------------------------------------------------


def _self_reply_children(posts: list[Post], reply_to: dict[str, str]) -> dict[str, list[Post]]:
    """Children of each post that are replies by the same author (a self-reply)."""
    by_id = {p.id: p for p in posts if p.id}
    children: dict[str, list[Post]] = {}
    for post in posts:
        parent = by_id.get(reply_to.get(post.id or ""))
        if parent is not None and parent is not post and parent.author.lower() == post.author.lower():
            children.setdefault(parent.id, []).append(post)
    return children


def _reading_order(root: Post, children: dict[str, list[Post]], age: dict[int, int]) -> list[Post]:
    """Depth-first from the root, older replies first: covers both chain and star shapes."""
    out, stack, seen = [], [root], set()
    while stack:
        post = stack.pop()
        if id(post) in seen:
            continue
        seen.add(id(post))
        out.append(post)
        kids = sorted(children.get(post.id, []), key=lambda p: age[id(p)])
        stack.extend(reversed(kids))
    return out


def stitch_replies(posts: list[Post], reply_to: dict[str, str]) -> StitchResult:
    """Threads from reply ids: an author's chain of replies to their own posts.

    Both shapes authors use are covered: each part replying to the previous one, or every part
    replying to the first. Reply ids are proof, so no candidates are guessed; markers, when the
    parts carry them, only supply the declared total and what is missing.
    """
    children = _self_reply_children(posts, reply_to)
    by_id = {p.id: p for p in posts if p.id}
    age = {id(p): len(posts) - i for i, p in enumerate(posts)}  # larger = newer
    result = StitchResult()
    for post in reversed(posts):  # oldest first, so threads come out in posting order
        parent = by_id.get(reply_to.get(post.id or ""))
        is_root = parent is None or parent.author.lower() != post.author.lower()
        if not is_root or post.id not in children:
            continue
        parts = _reading_order(post, children, age)
        result.threads.append(_reply_thread(parts, reply_to))
    place = {id(p): i for i, p in enumerate(posts)}
    result.threads.sort(key=lambda t: min(place[id(p)] for p in t.parts))
    return result


def _reply_thread(parts: list[Post], reply_to: dict[str, str]) -> Thread:
    """Make the Thread for a self-reply chain and stamp its parts."""
    author = parts[0].author
    tid = thread_id(author, _id_of(parts[0]))
    markers = [find_marker(_post_text(p)) for p in parts]
    totals = {m.total for m in markers if m and m.total}
    declared = totals.pop() if len(totals) == 1 else None
    numbers = [m.part for m in markers if m and m.part]
    missing = _missing(numbers, declared) if numbers and declared else []
    star = all(reply_to.get(p.id) == parts[0].id for p in parts[1:])
    shape = ("every part replies to the first" if star and len(parts) > 2 else
             "each part replies to the one before" if all(
                 reply_to.get(b.id) == a.id for a, b in zip(parts, parts[1:]))
             else "parts reply to earlier parts")
    for index, (post, marker) in enumerate(zip(parts, markers), start=1):
        post.thread_id, post.thread_index = tid, index
        post.thread_marker = marker.text if marker else None
    return Thread(id=tid, author=author, parts=parts, declared_total=declared, missing=missing,
                  confidence=1.0, method="replies",
                  evidence=f"Self-reply chain by {author}: {shape}.")
