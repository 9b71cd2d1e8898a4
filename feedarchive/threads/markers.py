"""Thread markers: the `1/5:`, `(2/8)`, `[3/3]`, `4/`, `🧵1/` an author writes on a part.

A wrong thread is worse than a missed one, so fractions, dates, ratings and scores must never
be read as markers: a marker has to stand at the very start or the very end of the post, and
the bare `k/n` form, which ordinary prose also uses, needs corroboration (`stitching`).
`find_marker` reads one post; `may_carry_marker` is the cheap test that narrows a long
timeline down first.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Optional

THREAD_EMOJI = "\U0001f9f5"  # 🧵

# Styles, named as the corpus truth names them.
SLASH_TOTAL = "slash_total"  # 1/5  1/5:
SLASH_OPEN = "slash_open"  # 2/   🧵1/
SLASH_N = "slash_n"  # 3/n
PAREN = "paren"  # (1/8)  🧵(1/8)
BRACKET = "bracket"  # [1/3]
HEAD = "head"  # a number-less head: 🧵, "A thread on...", "Thread:"
END = "end"  # a closing /end

# Origin: set by hand when markers were first read (commit 055aa83), not tuned on a set.
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
    """Emoji, pictographs and their joiners: what authors put around a marker.

    >>> _is_decoration("🧵"), _is_decoration("✨"), _is_decoration("a"), _is_decoration("1")
    (True, True, False, False)
    """
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
    """Length of the text once trailing whitespace, decoration and URLs are removed.

    >>> text = "Read more 👇 https://example.org/notes 🙏"
    >>> text[:_strip_trailing(text)]
    'Read more'
    """
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
    """Include a 🧵 written right next to the marker (`🧵1/`, `🧵 (1/8)`) in its literal text.

    >>> _widen_over_emoji("🧵 1/5 Here goes", 2, 5)
    (0, 5)
    """
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
    """Classify a numbered match and read its declared total.

    >>> def style(marker):
    ...     return _style_and_total(_START_BRACKETED.match(marker) or _START_BARE.match(marker))
    >>> [style(m) for m in ("1/5", "(2/8)", "[3/3]")]
    [('slash_total', 5), ('paren', 8), ('bracket', 3)]
    >>> style("4/"), style("3/n")
    (('slash_open', None), ('slash_n', None))
    """
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
    """A part number must count from 1 and not exceed its total (25/12 is a date, not a part).

    >>> _plausible(1, 5), _plausible(3, None)
    (True, True)
    >>> _plausible(25, 12), _plausible(0, None), _plausible(1, 1)
    (False, False, False)
    """
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
    """Turn a regex match into a Marker, or None when the numbers cannot be a part.

    A bare `k/n` is weak (prose writes them too); a colon or a 🧵 makes it a marker for sure:

    >>> [_numbered(t, _START_BARE.match(t), "start").weak for t in ("1/5 Why", "1/5: Why")]
    [True, False]
    >>> _numbered("0/5 Why", _START_BARE.match("0/5 Why"), "start") is None
    True
    """
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
    """A numbered marker opening the post, after optional emoji: `1/5:`, `[2/3]`, `🧵 3/`.

    >>> _marker_at_start("Thread 1/3: how I sleep").text
    '1/3:'
    >>> _marker_at_start("3/4 of the room agreed") is None  # a quantity
    True
    >>> _marker_at_start("/end").style
    'end'
    """
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

    >>> _looks_like_quantity("3/4 of the room", 3), _looks_like_quantity("1/2-inch pipe", 3)
    (True, True)
    >>> _looks_like_quantity("1/3 Sleep matters", 3)
    False
    """
    if after < len(text) and not (text[after].isspace() or _is_decoration(text[after])):
        return True
    return _next_word(text, after) in _QUANTITY_WORDS


def _marker_at_end(text: str) -> Optional[Marker]:
    """A marker closing the post, before optional emoji/URLs: `(4/4)`, `🧵1/`, `... 2/5`, `/end`.

    >>> _marker_at_end("That is all for now (4/4) 🙏").text
    '(4/4)'
    >>> _marker_at_end("Service: 2/5"), _marker_at_end("see f(1/2)")  # a rating, maths
    (None, None)
    >>> _marker_at_end("Last bit 🧵3/").text
    '🧵3/'
    """
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
    """A number-less head: 🧵 at either end, or an opening "A thread"/"Thread:".

    >>> [_head_marker(t).text for t in ("🧵 Notes on sleep", "A thread on sleep:", "Notes below 🧵")]
    ['🧵', 'A thread', '🧵']
    >>> _head_marker("Great thread by @someone") is None  # about another thread
    True
    """
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

    >>> marker = find_marker("🧵(1/8) Notes from a week of evals")
    >>> marker.part, marker.total, marker.style, marker.text
    (1, 8, 'paren', '🧵(1/8)')
    >>> find_marker("Room 4/5 is on the left"), find_marker("7/10 so far")
    (None, None)
    """
    if not text:
        return None
    if len(text) > 2 * MARKER_WINDOW:
        # Markers stand at either end: a long post is looked at only there, so its length
        # costs nothing. Offsets of an end marker then refer to this shortened text.
        text = text[:MARKER_WINDOW] + " … " + text[-MARKER_WINDOW:]
    return _marker_at_start(text) or _marker_at_end(text) or _head_marker(text)


# Origin: a bound on work set by hand (commit 32c7a82), not tuned on a set: markers stand at a
# post's ends, so only this much of each end of a long post is read.
MARKER_WINDOW = 400


def may_carry_marker(text: str) -> bool:
    """A cheap test every marked post passes (a digit before a slash, a 🧵, "thread", "/end"),
    so a long timeline can be narrowed down before `find_marker` looks closely.

    >>> may_carry_marker("3/ and then"), may_carry_marker("A Thread"), may_carry_marker("words")
    (True, True, False)
    """
    return MAYBE_MARKER.search(text) is not None


MAYBE_MARKER = re.compile(r"[0-9]/|/end|\U0001f9f5|thread|fil|スレッド|เธรด", re.IGNORECASE)
