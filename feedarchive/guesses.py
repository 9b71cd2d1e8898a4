"""Where a repaired text's guessed characters are, and what `import --uncertain mark` stores
in their place.

A repair is recorded against the text it was made on (`Repair.start`, `end`), but pages show
the repaired text, and a repair that restores one character from three shifts everything after
it. The repairs of one text are made in order and never overlap, so each one's place in the
repaired text is its place in the text repaired plus what the repairs before it added or took
away (`repaired_starts`). A guess found where it should be (its `after`, or the placeholders
that stand for it) is located (`located_guesses`); one that is not (the text was replaced
since) is left out rather than marked in the wrong place. A post every source repaired again
has a set of repairs from each: the first whose repairs made the stored text is the one whose
guesses a page marks (`guesses_of_text`).

`--uncertain mark` stores PLACEHOLDER for every character of a guess less likely than
UNCERTAIN_BELOW (`mark_uncertain`): a reader who quotes or studies a post sees that something
is missing rather than a character that is probably wrong. The repair keeps the guess and its
alternatives, so nothing is lost.

`alternatives_json` and `alternatives_from_json` write and read `repairs.alternatives`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

from .models import Repair

# A choice, not tuned: below even odds a guess is more likely wrong than right, so with
# `--uncertain mark` it is stored as a placeholder. Not chosen on the corpus or the held-out
# sets; a reader who wants fewer or more placeholders would want another value.
UNCERTAIN_BELOW = 0.5
PLACEHOLDER = "\ufffd"  # U+FFFD REPLACEMENT CHARACTER, what a decoder writes for a lost byte


@dataclass(frozen=True)
class Guess:
    """A guessed repair located in the repaired text: `start`, `end` there, its confidence and
    alternatives (`Repair.alternatives`), and whether the text holds placeholders in its place
    rather than the guess."""

    start: int
    end: int
    confidence: float
    alternatives: list[tuple[str, float]]
    placeholder: bool


def repaired_starts(spans: Iterable[tuple[int, str, str]]) -> list[int]:
    """Where each repair's `after` starts in the repaired text, for the repairs of one text in
    order, given as (start in the text repaired, before, after).

    `CafÃ© crÃ¨me` became `Café crème`: the second repair, at 8 in the text found, is at 7 in
    the repaired one, as the first turned two characters into one.

    >>> repaired_starts([(3, "Ã©", "é"), (8, "Ã¨", "è")])
    [3, 7]
    """
    starts = []
    shift = 0
    for start, before, after in spans:
        starts.append(start + shift)
        shift += len(after) - len(before)
    return starts


def placed(repairs: Sequence[Repair]) -> list[tuple[Repair, int]]:
    """The repairs of one text (in any order) in order, each with where its `after` starts in
    the repaired text (`repaired_starts`)."""
    ordered = sorted(repairs, key=lambda r: r.start)
    return list(zip(ordered, repaired_starts((r.start, r.before, r.after) for r in ordered)))


def located_guesses(text: str, repairs: Sequence[Repair]) -> list[Guess]:
    """The guessed repairs (confidence below 1) of `text`, its repairs in any order, each where
    it stands in `text`: its `after` there, or as many PLACEHOLDERs. Those not found there
    (the text is not what these repairs made) are left out.

    >>> guess = Repair("text", 4, 5, "thai_lossy", "ร", "à", 0.62, None, [("à", 0.62)])
    >>> exact = Repair("text", 0, 2, "thai_lossy", "รฉ", "é", 1.0)
    >>> located_guesses("é, à la", [guess, exact])
    [Guess(start=3, end=4, confidence=0.62, alternatives=[('à', 0.62)], placeholder=False)]
    >>> located_guesses("é, \\ufffd la", [guess, exact])[0].placeholder
    True
    >>> located_guesses("something else", [guess, exact])
    []
    """
    found = []
    for repair, start in placed(repairs):
        if repair.confidence >= 1.0 or not repair.after:
            continue
        end = start + len(repair.after)
        shown = text[start:end]
        if shown in (repair.after, PLACEHOLDER * len(repair.after)):
            found.append(Guess(start, end, repair.confidence, list(repair.alternatives),
                               shown != repair.after))
    return found


def repairs_fit(text: str, repairs: Sequence[Repair]) -> bool:
    """Whether `text` is what `repairs` made (as far as it goes: a page may show the start of
    a long text): each repair's `after`, or a guess's placeholders, where it belongs.

    >>> repairs = [Repair("text", 3, 5, "cp1252", "Ã©", "é", 1.0)]
    >>> repairs_fit("Café crème", repairs), repairs_fit("Cafe creme", repairs)
    (True, False)
    """
    for repair, start in placed(repairs):
        end = start + len(repair.after)
        if end > len(text):
            break
        shown = text[start:end]
        if shown != repair.after and not (repair.confidence < 1.0
                                          and shown == PLACEHOLDER * len(repair.after)):
            return False
    return True


def guesses_of_text(text: str, repairs: dict[Optional[int], list[Repair]],
                    prefer: Optional[int] = None) -> list[Guess]:
    """The guesses to mark in a stored text, given the repairs each source recorded for it
    (every source that showed the post repaired it again, not always alike): those of the
    first source whose repairs made this very text (`repairs_fit`), `prefer` (the source the
    row names) first, then the latest. Nothing when none did (the text came from a source
    that needed no repair).

    >>> guess = Repair("text", 4, 5, "thai_lossy", "ร", "à", 0.62, None, [("à", 0.62)])
    >>> exact = Repair("text", 0, 2, "thai_lossy", "รฉ", "é", 1.0)
    >>> other = Repair("text", 0, 1, "thai_lossy", "ร", "à", 0.3)  # another text's
    >>> [g.start for g in guesses_of_text("é, à la", {1: [guess, exact], 2: [other]}, 2)]
    [3]
    """
    for source in sorted(repairs, key=lambda s: (s != prefer, -(s or 0))):
        if repairs_fit(text, repairs[source]):
            return located_guesses(text, repairs[source])
    return []


def mark_uncertain(text: str, repairs: Sequence[Repair],
                   below: float = UNCERTAIN_BELOW) -> str:
    """`text` with every guess less likely than `below` replaced by one PLACEHOLDER per
    character it restored (the text keeps its length, so every repair stays where it was).

    >>> repairs = [Repair("text", 0, 2, "thai_lossy", "รฉ", "é", 1.0),
    ...            Repair("text", 4, 5, "thai_lossy", "ร", "à", 0.42)]
    >>> mark_uncertain("é, à la", repairs)
    'é, \\ufffd la'
    >>> mark_uncertain("é, à la", repairs, below=0.4)
    'é, à la'
    """
    parts = []
    last = 0
    for guess in located_guesses(text, repairs):
        if guess.confidence < below and not guess.placeholder:
            parts += [text[last:guess.start], PLACEHOLDER * (guess.end - guess.start)]
            last = guess.end
    parts.append(text[last:])
    return "".join(parts)


def alternatives_json(alternatives: Sequence[tuple[str, float]]) -> Optional[str]:
    """`repairs.alternatives` as stored: a JSON list of {"text", "p"}, NULL when there are none
    (a certain repair).

    >>> alternatives_json([("😂", 0.62), ("📰", 0.21)])
    '[{"text": "😂", "p": 0.62}, {"text": "📰", "p": 0.21}]'
    >>> alternatives_json([]) is None
    True
    """
    if not alternatives:
        return None
    return json.dumps([{"text": text, "p": p} for text, p in alternatives], ensure_ascii=False)


def alternatives_from_json(value: Optional[str]) -> list[tuple[str, float]]:
    """(text, probability) pairs of a `repairs.alternatives` value; nothing for NULL (a
    certain repair, or an archive made before the column) or for a value that is not that
    column's JSON (the archive is a file anyone could have edited).

    >>> alternatives_from_json('[{"text": "😂", "p": 0.62}]')
    [('😂', 0.62)]
    >>> alternatives_from_json(None), alternatives_from_json("not JSON")
    ([], [])
    """
    try:
        items = json.loads(value) if value else []
        return [(str(item["text"]), float(item["p"])) for item in items]
    except (ValueError, TypeError, KeyError):
        return []
