"""Word-level decoding of damaged Thai runs.

Thai is written without spaces, and in the lossy Thai damage nearly every Thai character loses
a byte: a consonant keeps only its block (`เธ` + ?). Character pairs cannot choose among thirty
consonants; words can. A run of such groups is segmented into dictionary words, each position
taking one of its candidates, over a lattice of raw-text positions:

- a word edge spells a known word (the Thai corpora's counts from PyThaiNLP's data files)
  through consecutive groups, scored by the word's probability;
- a character edge takes one candidate alone, scored by its prior, as an out-of-vocabulary
  token;
- a real space between groups is an edge of its own, scored by the probability of a space
  (so a reading that owns the space as byte 0xA0 competes fairly with one that does not); so is
  any other character the damage left between two groups (a digit, `#`), at no cost.

Each word is an edge of its own, and the best path chooses: words that share a damaged form
(`โดย`, `ไทย`, `เคย`) must not lend each other letters. Forward-backward gives the confidence of
each choice. Japanese has a lattice of its own
(`repair_japanese`); `damaged_form` serves both.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .repair_prior import char_class, thai_classifiers, thai_word_frequencies
from .repair_thai import BREAK_BYTE, LOST_BYTES, SPACE_BYTE, Group, per_table

# Share of tokens that are dictionary words, the rest being single out-of-vocabulary characters.
WORD_WEIGHT = 0.95
MAX_WORD = 12  # characters
THAI_WORDS_KEPT = 60_000
WORDS_PER_FORM = 16  # the rest of the words sharing one damaged form never win
SPACE_LOG = math.log(0.15)
BREAK_LOG = math.log(0.01)


def _damage_table() -> bytes:
    """The damage as a byte table, for `bytes.translate` after deleting LOST_BYTES: 0x85
    becomes a line break and 0xA0 a space, the rest stays, to be read as ISO-8859-11. ASCII
    becomes 0xFF, which that codec cannot decode: a word with ASCII in it forms no group (nor
    does one whose lead byte the codec drops). 0x00 stays, to separate the words of a table."""
    table = bytearray(range(256))
    table[1:0x80] = b"\xff" * 0x7F
    table[BREAK_BYTE], table[SPACE_BYTE] = ord("\n"), ord(" ")
    return bytes(table)


DAMAGE_TABLE = _damage_table()
DELETED_BYTES = bytes(LOST_BYTES)


def damage(data: bytes) -> str:
    """What the lossy Thai damage leaves of UTF-8 `data`; U+FFFD where a byte cannot survive
    as part of a group (see `_damage_table`)."""
    return data.translate(DAMAGE_TABLE, DELETED_BYTES).decode("iso8859_11", errors="replace")


@lru_cache(maxsize=None)
def _damaged_char(char: str) -> Optional[str]:
    data = char.encode("utf-8")
    if len(data) < 2:
        return None
    piece = damage(data)
    return None if "\ufffd" in piece else piece


def damaged_form(word: str) -> Optional[tuple[str, tuple[tuple[int, int, str], ...]]]:
    """What the lossy Thai damage makes of `word`, and where each of its characters lands in
    that text: (relative start, relative end, character). None when a character of the word
    would not form a group of its own (ASCII, or a lead byte the codec drops)."""
    pieces: list[str] = []
    spans = []
    at = 0
    for char in word:
        piece = _damaged_char(char)
        if piece is None:
            return None
        pieces.append(piece)
        spans.append((at, at + len(piece), char))
        at += len(piece)
    return "".join(pieces), tuple(spans)


@dataclass
class Lexicon:
    """Thai words indexed by what the damage leaves of them, so that finding every word a
    stretch of damaged text can spell is one dictionary look-up per length."""

    # damaged form -> [(character spans relative to the form, ((word, log p), ...))]
    forms: dict[str, list[tuple[tuple[tuple[int, int], ...], tuple[tuple[str, float], ...]]]]
    lengths: tuple[int, ...]  # lengths of damaged forms that occur, ascending
    classifiers: frozenset[str]  # words that count what a number counts (`บาท`, `ปี`)
    classifier_share: float  # their share of word tokens


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The THAI_WORDS_KEPT commonest words, as probabilities times the share of word tokens."""
    freqs = thai_word_frequencies()
    top = sorted(freqs.items(), key=lambda item: -item[1])[:THAI_WORDS_KEPT]
    total = sum(f for _, f in top) or 1.0
    found: dict[str, dict[tuple, list[tuple[str, float]]]] = {}
    for word, freq in top:
        if not 1 < len(word) <= MAX_WORD:
            continue
        form = damaged_form(word)
        if form is None:
            continue
        layout = tuple((a, b) for a, b, _ in form[1])
        found.setdefault(form[0], {}).setdefault(layout, []).append(
            (word, math.log(WORD_WEIGHT * freq / total))
        )
    forms = {
        text: [(layout, tuple(sorted(words, key=lambda w: -w[1])[:WORDS_PER_FORM]))
               for layout, words in layouts.items()]
        for text, layouts in found.items()
    }
    classifiers = thai_classifiers()
    share = sum(freqs.get(w, 0.0) for w in classifiers) / total
    return Lexicon(forms, tuple(sorted({len(k) for k in forms})), classifiers, share)


@lru_cache(maxsize=None)
def _char_weight_log(char: str) -> float:
    """log share of single-character tokens, for the script of `char`. Punctuation is no
    out-of-vocabulary word (the word lists leave it out): it pays nothing."""
    if unicodedata.category(char)[0] == "P":
        return 0.0
    return math.log(1.0 - WORD_WEIGHT)


def _lattice_class(char: str) -> bool:
    return char_class(char) in ("thai", "cjk")


_LATTICE: dict[int, tuple[tuple[str, ...], bool]] = {}


def _can_be_word_char(candidates: tuple[str, ...]) -> bool:
    """Whether any candidate is Thai or Japanese (cached per candidate table)."""
    return per_table(_LATTICE, candidates, lambda table: any(_lattice_class(c) for c in table))


def spans(groups: list[Group]) -> list[list[int]]:
    """Runs of consecutive groups that can be Thai or Japanese and touch each other."""
    runs: list[list[int]] = []
    for g, group in enumerate(groups):
        if not any(_can_be_word_char(r.candidates) for r in group.readings):
            continue
        if runs and runs[-1][-1] == g - 1:
            ends = {r.end for r in groups[g - 1].readings}
            if group.start in ends or group.start - 1 in ends:
                runs[-1].append(g)
                continue
        runs.append([g])
    return [run for run in runs if len(run) > 1]


@dataclass
class _Edge:
    start: int
    end: int
    score: float
    picks: tuple[tuple[int, int, str], ...]  # (group index, end of its reading, character)


def decode_span(
    text: str,
    groups: list[Group],
    run: list[int],
    options: dict[int, list[tuple[str, int, float]]],
) -> dict[int, tuple[str, int, float]]:
    """(character, end of its reading, probability) chosen for each group of `run`.

    `options` holds each group's candidates worth a character edge: (character, end of its
    reading, log score), '' standing for the rest of them.
    """
    at = {groups[g].start: g for g in run}
    first, last = groups[run[0]].start, max(r.end for r in groups[run[-1]].readings)
    edges: list[_Edge] = []
    for g in run:
        start = groups[g].start
        found = len(edges)
        for char, end, score in options[g]:
            if not char:  # candidates not worth an edge each: their mass, choosing none
                edges.append(_Edge(start, end, score + _char_weight_log(groups[g].readings[0].candidates[0]), ()))
                continue
            edges.append(_Edge(start, end, score + _char_weight_log(char), ((g, end, char),)))
        _word_edges(text, groups, at, g, last, edges)
        if _after_number(text, start):
            _expect_classifier(edges, found)
    for pos in range(first, last):
        if pos not in at:
            edges.append(_Edge(pos, pos + 1, gap_log(text[pos]), ()))
    ends = list({r.end for r in groups[run[-1]].readings})
    by_start: dict[int, list[_Edge]] = {}
    for edge in edges:
        by_start.setdefault(edge.start, []).append(edge)
    marginals = _marginals(by_start, first, last, ends)
    return {
        g: (char, end, marginals.get((g, char, end), 0.0))
        for g, end, char in _best_path(by_start, first, last, ends)
    }


# Share of the words right after a number that are classifiers: Thai counts with one
# (`50 บาท`, `40 ปี`, `3 คน`), though a number can also end a phrase.
AFTER_NUMBER_CLASSIFIER = 0.5


def char_before(text: str, start: int, any_space: bool = False) -> str:
    """The last character before `start` that is not a space (nor any whitespace, with
    `any_space`), or ''. Walks back instead of copying the text before `start`, which would
    make every call as long as the text."""
    i = start - 1
    while i >= 0 and (text[i] == " " or any_space and text[i].isspace()):
        i -= 1
    return text[i] if i >= 0 else ""


def _after_number(text: str, start: int) -> bool:
    """Whether a digit comes right before `start`, spaces aside."""
    before = char_before(text, start)
    return before.isascii() and before.isdigit()


def _expect_classifier(edges: list[_Edge], found: int) -> None:
    """Rescore the edges from `found` on, which start right after a number: a classifier
    takes AFTER_NUMBER_CLASSIFIER of the probability, every other reading the rest."""
    lex = lexicon()
    if not lex.classifier_share:
        return
    share = AFTER_NUMBER_CLASSIFIER
    boost = math.log(share / lex.classifier_share + 1.0 - share)
    other = math.log(1.0 - share)
    for edge in edges[found:]:
        word = "".join(c for _, _, c in edge.picks)
        edge.score += boost if word in lex.classifiers else other


def gap_log(char: str, space_log: float = SPACE_LOG) -> float:
    """Score of a character between two groups of a run. A space or line break may instead be
    the last byte of the group before (0xA0, 0x85), so it pays its probability (`space_log`: a
    language's own); anything else (`5` in `5分`, `#`, `.`) is certain."""
    if char == " ":
        return space_log
    return BREAK_LOG if char == "\n" else 0.0


def _word_edges(text, groups, at, g, last, edges) -> None:
    lex = lexicon()
    for length, ends, words in fitting_forms(lex.forms, lex.lengths, text, groups, at, g, last):
        for word, score in words:
            picks = tuple((h, end, char) for (h, end), char in zip(ends, word))
            edges.append(_Edge(groups[g].start, groups[g].start + length, score, picks))


def fitting_forms(forms, lengths, text, groups, at, g, last):
    """(length, (group, end) per character, words) for every damaged form in `forms` that
    starts at group `g` and fits the parse; `at` maps a group's start to its index.

    A word's damaged form matching the text means each of its characters fits the bytes there;
    it only remains to check that the parse has a reading ending where the character does."""
    start = groups[g].start
    for length in lengths:
        if start + length > last:
            break
        for layout, words in forms.get(text[start:start + length], ()):
            ends = []
            for rel_start, rel_end in layout:
                h = at.get(start + rel_start)
                end = start + rel_end
                if h is None or not any(r.end == end for r in groups[h].readings):
                    break
                ends.append((h, end))
            else:
                yield length, ends, words


_SETS: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}


def _candidate_set(reading) -> frozenset[str]:
    """The candidates of a reading as a set, cached per candidate table (tables are shared)."""
    return per_table(_SETS, reading.candidates, frozenset)


def _marginals(by_start, first, last, ends) -> dict[tuple[int, str, int], float]:
    """Probability of each (group, character, end) over all paths from `first` to an end."""
    alpha = {first: 0.0}
    for pos in range(first, last + 1):
        if pos not in alpha:
            continue
        for edge in by_start.get(pos, []):
            alpha[edge.end] = _lse(alpha.get(edge.end), alpha[pos] + edge.score)
    ends = [e for e in ends if e in alpha]
    if not ends:
        return {}
    beta = {e: 0.0 for e in ends}
    for pos in range(last, first - 1, -1):
        for edge in by_start.get(pos, []):
            if edge.end in beta:
                beta[pos] = _lse(beta.get(pos), edge.score + beta[edge.end])
    total = _lse_all([alpha[e] for e in ends])
    mass: dict[tuple[int, str, int], float] = {}
    for found in by_start.values():
        for edge in found:
            if edge.picks and edge.start in alpha and edge.end in beta:
                p = math.exp(alpha[edge.start] + edge.score + beta[edge.end] - total)
                for g, end, char in edge.picks:
                    mass[g, char, end] = mass.get((g, char, end), 0.0) + p
    return mass


def _best_path(by_start, first, last, ends) -> list[tuple[int, int, str]]:
    """The picks of the most probable path from `first` to an end."""
    best: dict[int, tuple[float, Optional[_Edge]]] = {first: (0.0, None)}
    for pos in range(first, last + 1):
        if pos not in best:
            continue
        score = best[pos][0]
        for edge in by_start.get(pos, []):
            if edge.end not in best or best[edge.end][0] < score + edge.score:
                best[edge.end] = (score + edge.score, edge)
    reached = [e for e in ends if e in best]
    if not reached:
        return []
    pos = max(reached, key=lambda e: best[e][0])
    picks = []
    while best[pos][1] is not None:
        edge = best[pos][1]
        picks.extend(edge.picks)
        pos = edge.start
    return picks


def _lse(a: Optional[float], b: float) -> float:
    if a is None:
        return b
    top = max(a, b)
    return top + math.log(math.exp(a - top) + math.exp(b - top))


def _lse_all(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))
