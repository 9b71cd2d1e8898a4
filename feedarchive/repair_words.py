"""Word-level decoding of damaged Thai and Japanese runs.

Thai and Japanese are written without spaces, and in the lossy Thai damage nearly every one of
their characters loses a byte: a Thai consonant keeps only its block (`เธ` + ?), a kana only its
lead (`ใ` + ? + ?). Character pairs cannot choose among thirty consonants or two hundred kana;
words can. A run of such groups is segmented into dictionary words, each position taking one of
its candidates, by forward-backward over a lattice of raw-text positions:

- a word edge spells a known word (Thai National Corpus counts from PyThaiNLP's data file,
  Japanese from wordfreq) through consecutive groups, scored by the word's probability;
- a character edge takes one candidate alone, scored by its prior, as an out-of-vocabulary
  token;
- a real space between groups is an edge of its own, scored by the probability of a space
  (so a reading that owns the space as byte 0xA0 competes fairly with one that does not).

Each group then takes its most probable candidate, with that probability as confidence.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .repair_prior import char_class, thai_word_frequencies
from .repair_thai import Group

# Share of tokens that are dictionary words, the rest being single out-of-vocabulary characters.
# The Thai corpus list has whole words; wordfreq's Japanese has morphemes and leaves out many
# kanji compounds, names and all punctuation, so single characters are commoner there.
WORD_WEIGHT = {"thai": 0.95, "cjk": 0.5}
MAX_WORD = 12  # characters
THAI_WORDS_KEPT = 60_000
JAPANESE_WORDS_KEPT = 100_000
SPACE_LOG = math.log(0.15)
BREAK_LOG = math.log(0.01)


def damaged_form(word: str) -> Optional[tuple[str, tuple[tuple[int, int, str], ...]]]:
    """What the lossy Thai damage makes of `word`, and where each of its characters lands in
    that text: (relative start, relative end, character). None when a character of the word
    would not form a group of its own (ASCII, or a lead byte the codec drops)."""
    out: list[str] = []
    spans = []
    for char in word:
        data = char.encode("utf-8")
        if len(data) < 2 or 0xDB <= data[0] <= 0xDE or data[0] >= 0xFC:
            return None
        start = len(out)
        out.append(_ISO[data[0]])
        for byte in data[1:]:
            if byte == 0x85:
                out.append("\n")
            elif byte == 0xA0:
                out.append(" ")
            elif byte >= 0xA1:
                out.append(_ISO[byte])
        spans.append((start, len(out), char))
    return "".join(out), tuple(spans)


_ISO = {b: bytes([b]).decode("iso8859_11") for b in range(0xA1, 0x100) if not (0xDB <= b <= 0xDE or b >= 0xFC)}


@dataclass
class Form:
    """All known words that the damage turns into one text, with one layout of characters:
    their total probability, and per character position how that probability splits among
    the characters the words have there."""

    spans: tuple[tuple[int, int], ...]  # (relative start, relative end) of each character
    log_total: float
    shares: tuple[tuple[tuple[str, float], ...], ...]


@dataclass
class Lexicon:
    """Thai and Japanese words indexed by what the damage leaves of them, so that finding every
    word a stretch of damaged text can spell is one dictionary look-up per length."""

    forms: dict[str, list[Form]]
    lengths: tuple[int, ...]  # lengths of damaged forms that occur, ascending


def _add_words(found: dict, freqs: dict[str, float], keep: int, weight: float) -> None:
    """The `keep` commonest words, as probabilities times the share `weight` of word tokens."""
    top = sorted(freqs.items(), key=lambda item: -item[1])[:keep]
    total = sum(f for _, f in top) or 1.0
    for word, freq in top:
        if not 1 < len(word) <= MAX_WORD:
            continue
        form = damaged_form(word)
        if form is None:
            continue
        layout = tuple((a, b) for a, b, _ in form[1])
        found.setdefault((form[0], layout), []).append((word, weight * freq / total))


def _forms(found: dict) -> Lexicon:
    forms: dict[str, list[Form]] = {}
    for (text, layout), words in found.items():
        total = sum(p for _, p in words)
        shares = []
        for i in range(len(layout)):
            by_char: dict[str, float] = {}
            for word, p in words:
                by_char[word[i]] = by_char.get(word[i], 0.0) + p / total
            shares.append(tuple(by_char.items()))
        forms.setdefault(text, []).append(Form(layout, math.log(total), tuple(shares)))
    return Lexicon(forms, tuple(sorted({len(k) for k in forms})))


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Thai and Japanese words together: their scripts never overlap."""
    import wordfreq

    found: dict = {}
    _add_words(found, thai_word_frequencies(), THAI_WORDS_KEPT, WORD_WEIGHT["thai"])
    _add_words(
        found,
        {w: f for w, f in wordfreq.get_frequency_dict("ja", "large").items() if not w.isascii()},
        JAPANESE_WORDS_KEPT,
        WORD_WEIGHT["cjk"],
    )
    return _forms(found)


@lru_cache(maxsize=None)
def _char_weight_log(char: str) -> float:
    """log share of single-character tokens, for the script of `char`. Punctuation is no
    out-of-vocabulary word (the word lists leave it out): it pays nothing."""
    if unicodedata.category(char)[0] == "P":
        return 0.0
    return math.log(1.0 - WORD_WEIGHT.get(char_class(char), 0.5))


def _lattice_class(char: str) -> bool:
    return char_class(char) in ("thai", "cjk")


_LATTICE: dict[int, tuple[tuple[str, ...], bool]] = {}


def _can_be_word_char(candidates: tuple[str, ...]) -> bool:
    """Whether any candidate is Thai or Japanese (cached per candidate table)."""
    found = _LATTICE.get(id(candidates))
    if found is None or found[0] is not candidates:
        found = _LATTICE[id(candidates)] = (candidates, any(_lattice_class(c) for c in candidates))
    return found[1]


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
    # (group index, end of its reading, ((character, share), ...)) per group the edge covers
    picks: tuple[tuple[int, int, tuple[tuple[str, float], ...]], ...]


def decode_span(
    text: str,
    groups: list[Group],
    run: list[int],
    options: dict[int, list[tuple[str, int, float]]],
) -> dict[int, dict[tuple[str, int], float]]:
    """Probability of each (character, end) for each group of `run`; `options` holds each
    group's candidates worth a character edge: (character, end of its reading, log score)."""
    at = {groups[g].start: g for g in run}
    first, last = groups[run[0]].start, max(r.end for r in groups[run[-1]].readings)
    edges: list[_Edge] = []
    for g in run:
        start = groups[g].start
        for char, end, score in options[g]:
            if not char:  # candidates not worth an edge each: their mass, choosing none
                edges.append(_Edge(start, end, score + _char_weight_log(groups[g].readings[0].candidates[0]), ()))
                continue
            edges.append(_Edge(start, end, score + _char_weight_log(char), ((g, end, ((char, 1.0),)),)))
        _word_edges(text, groups, at, g, last, edges)
    for pos in range(first, last):
        if pos not in at and text[pos] in " \n":
            edges.append(_Edge(pos, pos + 1, SPACE_LOG if text[pos] == " " else BREAK_LOG, ()))
    return _marginals(edges, first, last, run, groups)


def _word_edges(text, groups, at, g, last, edges) -> None:
    """Every dictionary word whose damaged form starts at group `g` and fits the parse.

    A word's damaged form matching the text means each of its characters fits the bytes there;
    it only remains to check that the parse has a reading ending where the character does."""
    lex = lexicon()
    start = groups[g].start
    for length in lex.lengths:
        if start + length > last:
            break
        found = lex.forms.get(text[start:start + length])
        if not found:
            continue
        for form in found:
            picks = []
            for (rel_start, rel_end), shares in zip(form.spans, form.shares):
                h = at.get(start + rel_start)
                end = start + rel_end
                if h is None or not any(r.end == end for r in groups[h].readings):
                    break
                picks.append((h, end, shares))
            else:
                edges.append(_Edge(start, start + length, form.log_total, tuple(picks)))


_SETS: dict[int, tuple[tuple[str, ...], frozenset[str]]] = {}


def _candidate_set(reading) -> frozenset[str]:
    """The candidates of a reading as a set, cached per candidate table (tables are shared)."""
    candidates = reading.candidates
    found = _SETS.get(id(candidates))
    if found is None or found[0] is not candidates:
        found = _SETS[id(candidates)] = (candidates, frozenset(candidates))
    return found[1]


def _marginals(edges, first, last, run, groups) -> dict[int, dict[tuple[str, int], float]]:
    by_start: dict[int, list[_Edge]] = {}
    for edge in edges:
        by_start.setdefault(edge.start, []).append(edge)
    alpha = {first: 0.0}
    for pos in range(first, last + 1):
        if pos not in alpha:
            continue
        for edge in by_start.get(pos, []):
            alpha[edge.end] = _lse(alpha.get(edge.end), alpha[pos] + edge.score)
    ends = [e for e in {r.end for r in groups[run[-1]].readings} if e in alpha]
    if not ends:
        return {}
    beta = {e: 0.0 for e in ends}
    for pos in range(last, first - 1, -1):
        for edge in by_start.get(pos, []):
            if edge.end in beta:
                beta[pos] = _lse(beta.get(pos), edge.score + beta[edge.end])
    total = _lse_all([alpha[e] for e in ends])
    mass: dict[tuple[int, str, int], float] = {}
    for edge in edges:
        if edge.start in alpha and edge.end in beta:
            p = math.exp(alpha[edge.start] + edge.score + beta[edge.end] - total)
            for g, end, shares in edge.picks:
                for char, share in shares:
                    mass[g, char, end] = mass.get((g, char, end), 0.0) + p * share
    found: dict[int, dict[tuple[str, int], float]] = {}
    for (g, char, end), p in mass.items():
        found.setdefault(g, {})[char, end] = p
    return found


def _lse(a: Optional[float], b: float) -> float:
    if a is None:
        return b
    top = max(a, b)
    return top + math.log(math.exp(a - top) + math.exp(b - top))


def _lse_all(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))
