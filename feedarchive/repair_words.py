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
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .repair_prior import char_class, char_model, log, thai_word_frequencies
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


@dataclass
class Lexicon:
    """Word probabilities, and for every prefix of a word the characters that may follow it
    (a trie flattened into a dict, so a walk only tries characters that lead somewhere)."""

    words: dict[str, float]
    children: dict[str, str]


def _lexicon(freqs: dict[str, float], keep: int, weight: float) -> Lexicon:
    """The `keep` commonest words, as probabilities times the share `weight` of word tokens."""
    top = sorted(freqs.items(), key=lambda item: -item[1])[:keep]
    total = sum(f for _, f in top) or 1.0
    words = {w: weight * f / total for w, f in top if 1 < len(w) <= MAX_WORD}
    following: dict[str, set[str]] = {}
    for word in words:
        for i in range(len(word)):
            following.setdefault(word[:i], set()).add(word[i])
    return Lexicon(words, {k: "".join(v) for k, v in following.items()})


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Thai and Japanese words together: their scripts never overlap."""
    import wordfreq

    thai = _lexicon(thai_word_frequencies(), THAI_WORDS_KEPT, WORD_WEIGHT["thai"])
    japanese = _lexicon(
        {w: f for w, f in wordfreq.get_frequency_dict("ja", "large").items() if not w.isascii()},
        JAPANESE_WORDS_KEPT,
        WORD_WEIGHT["cjk"],
    )
    children = dict(thai.children)
    for prefix, chars in japanese.children.items():
        children[prefix] = children.get(prefix, "") + chars
    return Lexicon({**thai.words, **japanese.words}, children)


@lru_cache(maxsize=None)
def _char_weight_log(char: str) -> float:
    """log share of single-character tokens, for the script of `char`."""
    return math.log(1.0 - WORD_WEIGHT.get(char_class(char), 0.5))


def _lattice_class(char: str) -> bool:
    return char_class(char) in ("thai", "cjk")


def spans(groups: list[Group]) -> list[list[int]]:
    """Runs of consecutive groups that can be Thai or Japanese and touch each other."""
    runs: list[list[int]] = []
    for g, group in enumerate(groups):
        if not any(_lattice_class(c) for r in group.readings for c in r.candidates):
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
    picks: tuple[tuple[int, str, int], ...]  # (group index, character, end of its reading)


def decode_span(
    text: str, groups: list[Group], run: list[int], base: dict[tuple[int, str], float]
) -> dict[int, tuple[str, int, float]]:
    """Best (character, end, probability) for each group of `run`; `base` holds each
    candidate's log prior (with the document's evidence)."""
    lex = lexicon()
    at = {groups[g].start: g for g in run}
    first, last = groups[run[0]].start, max(r.end for r in groups[run[-1]].readings)
    edges: list[_Edge] = []
    for g in run:
        group = groups[g]
        for reading in group.readings:
            for char in reading.candidates:
                score = base.get((g, char), -50.0) + _char_weight_log(char)
                edges.append(_Edge(group.start, reading.end, score, ((g, char, reading.end),)))
        _word_edges(text, groups, at, g, lex, edges)
    for pos in range(first, last):
        if pos not in at and text[pos] in " \n":
            edges.append(_Edge(pos, pos + 1, SPACE_LOG if text[pos] == " " else BREAK_LOG, ()))
    return _marginals(edges, first, last, run, groups)


def _word_edges(text, groups, at, g, lex, edges) -> None:
    """Every dictionary word that can be spelt from group `g` onwards."""
    stack = [(groups[g].start, "", ())]
    while stack:
        pos, prefix, picks = stack.pop()
        h = at.get(pos)
        nexts = lex.children.get(prefix)
        if h is None or not nexts:
            continue
        for reading in groups[h].readings:
            allowed = _candidate_set(reading)
            chars = [c for c in nexts if c in allowed] if len(nexts) < len(allowed) else [
                c for c in reading.candidates if c in nexts
            ]
            for char in chars:
                word = prefix + char
                new_picks = picks + ((h, char, reading.end),)
                if len(word) > 1 and word in lex.words:
                    score = math.log(lex.words[word])
                    edges.append(_Edge(groups[g].start, reading.end, score, new_picks))
                if len(word) < MAX_WORD:
                    stack.append((reading.end, word, new_picks))


_SETS: dict[int, frozenset[str]] = {}


def _candidate_set(reading) -> frozenset[str]:
    key = id(reading.candidates)
    found = _SETS.get(key)
    if found is None:
        found = _SETS[key] = frozenset(reading.candidates)
    return found


def _marginals(edges, first, last, run, groups) -> dict[int, tuple[str, int, float]]:
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
            for g, char, end in edge.picks:
                mass[g, char, end] = mass.get((g, char, end), 0.0) + p
    best: dict[int, tuple[str, int, float]] = {}
    for (g, char, end), p in mass.items():
        if g not in best or p > best[g][2]:
            best[g] = (char, end, p)
    return best


def _lse(a: Optional[float], b: float) -> float:
    if a is None:
        return b
    top = max(a, b)
    return top + math.log(math.exp(a - top) + math.exp(b - top))


def _lse_all(values: list[float]) -> float:
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def candidate_base(groups: list[Group], run: list[int], evidence) -> dict[tuple[int, str], float]:
    """log prior of every candidate of the run's groups."""
    model = char_model()
    base = {}
    for g in run:
        for reading in groups[g].readings:
            for char in reading.candidates:
                boost = evidence.log_boost(char) if evidence is not None else 0.0
                base[g, char] = max(base.get((g, char), -1e9), log(model.prior(char)) + boost)
    return base
