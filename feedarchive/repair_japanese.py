"""Damaged Japanese decoded the way an input method converts kana: a dictionary lattice.

In the lossy Thai damage a kana or kanji usually keeps only its lead byte and one or two
continuation bytes, so a position can be any of dozens to hundreds of characters. Word
frequencies alone (`repair_words`) pick the commonest morpheme at each place (`る`, `、`) and
ignore grammar: a particle follows a noun, an auxiliary a verb stem. MeCab's IPA dictionary,
as the Janome package ships it, has both: a cost per word (its surface, left and right context
ids) and a cost per pair of neighbouring contexts. That is the model an input method uses to
choose among homophones. MeCab's word costs are discriminative, though: they rank the ways to
cut a text that is given, not texts themselves (`、` costs less than nothing, so a lattice that
may write any text fills it with commas). So the lattice here is a log-linear mix:

- a word edge spells a dictionary word through consecutive groups whose damaged form matches
  the text (one look-up per length, as in `repair_words`), scored by the word's frequency in
  wordfreq's Japanese list (itself counted over MeCab's IPA segmentation, so the units agree),
  its likeliest part of speech by MeCab's cost carrying it;
- an unknown edge takes one candidate alone, scored by its character prior times the share of
  tokens that are out of the dictionary;
- edges are linked by the dictionary's connection costs (its grammar), from the start of the
  run to its end.

The best path through the lattice chooses every group's character at once, so that
neighbouring groups agree on one reading; forward-backward gives the marginal probability of
each choice, recorded as its confidence. Without Janome installed this stage is skipped and
the character chain of `repair_guess` decides alone.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from .repair_prior import LANGUAGE_WEIGHTS
from .repair_thai import Group, thai_byte
from .repair_words import MAX_WORD, _lse, _lse_all, damaged_form, fitting_forms, gap_log

# MeCab costs are log-probabilities times a scale of several hundred; this puts them in nats.
COST_SCALE = 3000.0
POS_SCALE = 1000.0  # the cost that makes a word's other parts of speech less likely
# Share of tokens that are no dictionary word (names, rare kanji), each one character here.
UNKNOWN_SHARE = 0.05
# wordfreq leaves punctuation out; its share of Japanese tokens, estimated (about 3.5% and 3%
# of the characters of Japanese text, and a token is about 1.7 characters).
PUNCTUATION_FREQUENCY = {"、": 0.06, "。": 0.05, "「": 0.005, "」": 0.005, "・": 0.002, "！": 0.002,
                         "？": 0.001, "（": 0.001, "）": 0.001, "『": 2e-4, "』": 2e-4, "〜": 5e-4}
# Words kept per damaged form: a bare lead byte fits hundreds of one-kana words, of which the
# rare ones never win.
WORDS_PER_FORM = 16
# Japanese is written without spaces: between two Japanese characters a space is rare (after
# `！` or around a Latin word, mostly), and a space there is more often byte 0xA0 of `だ`, `ム`
# or `眠`, which the damage turned into one.
SPACE_LOG = math.log(0.01)

JAPANESE_LEADS = frozenset(range(0xE3, 0xEA)) | {0xEF}


@dataclass
class JapaneseDictionary:
    """IPA dictionary words indexed by what the damage leaves of them."""

    # damaged form -> [(character spans relative to the form, ((surface, left, right, log p), ...))]
    forms: dict[str, list[tuple[tuple[tuple[int, int], ...], tuple[tuple[str, int, int, float], ...]]]]
    lengths: tuple[int, ...]
    connections: "np.ndarray"  # connection costs in nats, [right id of the left word, left id]
    unknown: dict[str, tuple[int, int]]  # category -> (left id, right id)


@lru_cache(maxsize=1)
def dictionary() -> Optional[JapaneseDictionary]:
    """Built on first use (a few seconds); None when Janome is not installed."""
    try:
        from janome import sysdic
    except ImportError:  # pragma: no cover - janome is a declared dependency
        return None
    import wordfreq

    # wordfreq caches this dict and hands the same one to every caller: read it, never write.
    listed = wordfreq.get_frequency_dict("ja", "large")

    def frequency(surface: str) -> Optional[float]:
        return PUNCTUATION_FREQUENCY.get(surface) or listed.get(surface)

    by_surface: dict[str, dict[tuple[int, int], int]] = {}
    for surface, left, right, cost in (e[:4] for e in sysdic.entries(compact=True).values()):
        # A word wordfreq never saw in its billions of tokens cannot win a guess.
        if 1 <= len(surface) <= MAX_WORD and frequency(surface) is not None:
            ids = by_surface.setdefault(surface, {})
            ids[left, right] = min(cost, ids.get((left, right), cost))
    unknown = {}
    for category, entries in sysdic.unknowns.DATA.items():
        left, right, _cost, _pos = min(entries, key=lambda e: e[2])
        unknown[category] = (left, right)
    connections = np.array(sysdic.connections, dtype=np.float32) / np.float32(COST_SCALE)
    counters = _counter_ids(connections, unknown["NUMERIC"][1])
    found: dict = {}
    for surface, ids in by_surface.items():
        form = damaged_form(surface)
        if form is None:
            continue
        layout = tuple((a, b) for a, b, _ in form[1])
        word = math.log(frequency(surface) * (1.0 - UNKNOWN_SHARE))
        # A surface's likeliest part of speech (by MeCab's cost) carries its whole frequency,
        # the others less by their extra cost. Splitting the frequency among them instead
        # would favour words with few parts of speech (`を` over `が`) for no reason.
        # A counter (`円`, `冊`) is read as one after a number whatever its commoner parts of
        # speech: that reading pays no penalty, and the connection costs say where it fits.
        best = min(ids.values())
        found.setdefault(form[0], {}).setdefault(layout, []).extend(
            (surface, left, right, word - (0.0 if left in counters else (cost - best) / POS_SCALE))
            for (left, right), cost in ids.items()
        )
    forms = {
        text: [(layout, _likeliest_words(words, counters)) for layout, words in layouts.items()]
        for text, layouts in found.items()
    }
    return JapaneseDictionary(forms, tuple(sorted({len(k) for k in forms})), connections, unknown)


def _likeliest_words(
    entries: list[tuple[str, int, int, float]], counters: frozenset[int]
) -> tuple[tuple[str, int, int, float], ...]:
    """The WORDS_PER_FORM likeliest surfaces sharing one damaged form, each with every part of
    speech it has, and every counter: the connection costs choose among those (`円` after a
    number is a counter, not a circle)."""
    best: dict[str, float] = {}
    for surface, _left, _right, score in entries:
        best[surface] = max(score, best.get(surface, score))
    kept = set(sorted(best, key=lambda w: -best[w])[:WORDS_PER_FORM])
    return tuple(sorted((e for e in entries if e[0] in kept or e[1] in counters), key=lambda e: -e[3]))


# A part of speech a number makes this much likelier (in nats) is a counter's.
COUNTER_BONUS = 3.0


def _counter_ids(connections: "np.ndarray", number: int) -> frozenset[int]:
    """Left context ids that the dictionary's grammar strongly expects after a number."""
    return frozenset(int(i) for i in np.flatnonzero(-connections[number] >= COUNTER_BONUS))


def is_japanese_group(text: str, group: Group) -> bool:
    """Groups whose lead byte starts a kana, kanji, CJK punctuation or full-width form."""
    return thai_byte(text[group.start]) in JAPANESE_LEADS


def unknown_category(char: str) -> str:
    """MeCab's character category, for the cost of an unknown one-character word."""
    code = ord(char)
    if 0x3041 <= code <= 0x309F:
        return "HIRAGANA"
    if 0x30A1 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "KATAKANA"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or char == "\u3005":
        return "KANJI"
    if 0xFF10 <= code <= 0xFF19:
        return "NUMERIC"
    if 0xFF21 <= code <= 0xFF3A or 0xFF41 <= code <= 0xFF5A:
        return "ALPHA"
    return "SYMBOL"


@dataclass
class _Edge:
    start: int
    end: int
    left: int
    right: int
    score: float  # log-weight of the edge itself (word or unknown cost, in nats)
    picks: tuple[tuple[int, int, str], ...]  # (group index, end of its reading, character)


def decode_japanese(
    text: str, groups: list[Group], run: list[int], ranked_options
) -> dict[int, tuple[str, int, float]]:
    """(character, end of its reading, probability) chosen for each group of `run` it decides.

    `ranked_options(g)` gives, per group, (character, end, log prior) for the candidates worth
    an unknown edge.
    """
    dic = dictionary()
    if dic is None:
        return {}
    at = {groups[g].start: g for g in run}
    first = groups[run[0]].start
    last = max(r.end for r in groups[run[-1]].readings)
    edges: list[_Edge] = []
    for g in run:
        _unknown_edges(dic, g, groups[g].start, ranked_options(g), edges)
        _word_edges(dic, text, groups, at, g, last, edges)
    for pos in range(first, last):
        if pos not in at:  # a space, or a digit or letter the damage left (`5分`, `Mutexで`)
            left, right = dic.unknown[_gap_category(text[pos])]
            edges.append(_Edge(pos, pos + 1, left, right, gap_log(text[pos], SPACE_LOG), ()))
    # Beyond the run: the text's start or end, a space or an emoji (a sentence boundary, id 0),
    # or a Latin word or number the sentence goes on with (`tokioのタスク`, `17種類`).
    before = _outside_context(dic, text[first - 1] if first else "")[1]
    ends = {
        r.end: _outside_context(dic, text[r.end] if r.end < len(text) else "")[0]
        for r in groups[run[-1]].readings
    }
    lattice = _Lattice(dic.connections, edges, first, before)
    marginals = lattice.marginals(ends)
    return {
        g: (char, end, marginals.get((g, char, end), 0.0))
        for g, end, char in lattice.best_path(ends)
    }


def _outside_context(dic: JapaneseDictionary, char: str) -> tuple[int, int]:
    """(left id, right id) of what borders a run: an ASCII word or number is an unknown word
    of its category; anything else ends the sentence as far as the lattice can tell."""
    category = _gap_category(char)
    return dic.unknown[category] if category in ("ALPHA", "NUMERIC") else (0, 0)


def _gap_category(char: str) -> str:
    """MeCab's unknown-word category of a character the damage left whole."""
    if char.isspace():
        return "SPACE"
    if char.isascii() and char.isalpha():
        return "ALPHA"
    return "NUMERIC" if char.isascii() and char.isdigit() else "SYMBOL"


def _unknown_edges(dic: JapaneseDictionary, g: int, start: int, options, edges: list[_Edge]) -> None:
    unknown_log = math.log(UNKNOWN_SHARE / LANGUAGE_WEIGHTS["ja"])
    for char, end, prior in options:
        left, right = dic.unknown.get(unknown_category(char), dic.unknown["DEFAULT"])
        edges.append(_Edge(start, end, left, right, prior + unknown_log, ((g, end, char),)))


def _word_edges(dic, text, groups, at, g, last, edges) -> None:
    start = groups[g].start
    for length, ends, words in fitting_forms(dic.forms, dic.lengths, text, groups, at, g, last):
        for surface, left, right, score in words:
            picks = tuple((h, end, ch) for (h, end), ch in zip(ends, surface))
            edges.append(_Edge(start, start + length, left, right, score, picks))


class _Lattice:
    """Forward-backward and best path over word edges linked by connection costs.

    A state is (position, right context id of the edge that ended there); an edge from a
    position is scored against every state there through the connection matrix, computed for
    all states and all distinct left ids of the edges at once.
    """

    def __init__(self, connections, edges: list[_Edge], first: int, before: int) -> None:
        self.conn = connections
        self.first = first
        self.before = before  # right id of what precedes the run
        by_start: dict[int, list[_Edge]] = {}
        for edge in edges:
            by_start.setdefault(edge.start, []).append(edge)
        self.by_start = dict(sorted(by_start.items()))
        self.arrays = {}
        for pos, found in self.by_start.items():
            lefts = np.array([e.left for e in found])
            unique, inverse = np.unique(lefts, return_inverse=True)
            scores = np.array([e.score for e in found])
            self.arrays[pos] = (unique, inverse, scores)

    def _links(self, states: dict[int, float], unique) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter(states, dtype=np.int64, count=len(states))
        values = np.fromiter(states.values(), dtype=np.float64, count=len(states))
        return ids, values[:, None] - self.conn[np.ix_(ids, unique)]

    def marginals(self, ends: dict[int, int]) -> dict[tuple[int, str, int], float]:
        """Probability of each (group, character, end) over all paths."""
        alpha: dict[int, dict[int, float]] = {self.first: {self.before: 0.0}}
        into_edge: dict[int, np.ndarray] = {}
        for pos, found in self.by_start.items():
            states = alpha.get(pos)
            if not states:
                continue
            unique, inverse, scores = self.arrays[pos]
            _ids, links = self._links(states, unique)
            weights = np.logaddexp.reduce(links, axis=0)[inverse] + scores
            into_edge[pos] = weights
            for edge, weight in zip(found, weights.tolist()):
                target = alpha.setdefault(edge.end, {})
                target[edge.right] = _lse(target.get(edge.right), weight)
        beta: dict[int, dict[int, float]] = {}
        for end, after in ends.items():
            if end in alpha:
                ids = list(alpha[end])
                beta[end] = dict(zip(ids, (-self.conn[ids, after]).tolist()))
        if not beta:
            return {}
        total = _lse_all([a + beta[e][r] for e in beta for r, a in alpha[e].items()])
        for pos in reversed(list(self.by_start)):
            states = alpha.get(pos)
            if not states:
                continue
            found = self.by_start[pos]
            unique, inverse, scores = self.arrays[pos]
            after = np.array([beta.get(e.end, {}).get(e.right, -np.inf) for e in found])
            if not np.isfinite(after).any():
                continue
            by_left = np.full(len(unique), -np.inf)
            np.logaddexp.at(by_left, inverse, scores + after)
            ids = np.fromiter(states, dtype=np.int64, count=len(states))
            values = np.logaddexp.reduce(by_left[None, :] - self.conn[np.ix_(ids, unique)], axis=1)
            row = beta.setdefault(pos, {})
            for r, value in zip(ids.tolist(), values.tolist()):
                row[r] = _lse(row.get(r), value) if pos in ends else value
        mass: dict[tuple[int, str, int], float] = {}
        for pos, weights in into_edge.items():
            for edge, weight in zip(self.by_start[pos], weights.tolist()):
                after = beta.get(edge.end, {}).get(edge.right)
                if after is None or not edge.picks:
                    continue
                p = math.exp(weight + after - total)
                for g, end, char in edge.picks:
                    mass[g, char, end] = mass.get((g, char, end), 0.0) + p
        return mass

    def best_path(self, ends: dict[int, int]) -> list[tuple[int, int, str]]:
        """The picks of the single most probable path."""
        best: dict[int, dict[int, tuple[float, Optional[tuple]]]] = {self.first: {self.before: (0.0, None)}}
        for pos, found in self.by_start.items():
            states = best.get(pos)
            if not states:
                continue
            unique, inverse, scores = self.arrays[pos]
            ids, links = self._links({r: v[0] for r, v in states.items()}, unique)
            arg = links.argmax(axis=0)
            top = links.max(axis=0)
            weights = (top[inverse] + scores).tolist()
            previous = ids[arg][inverse].tolist()
            for edge, weight, r in zip(found, weights, previous):
                target = best.setdefault(edge.end, {})
                if edge.right not in target or target[edge.right][0] < weight:
                    target[edge.right] = (weight, (pos, r, edge))
        finals = [
            (score - float(self.conn[r, after]), end, r)
            for end, after in ends.items() for r, (score, _) in best.get(end, {}).items()
        ]
        if not finals:
            return []
        _score, pos, r = max(finals, key=lambda item: item[0])
        picks = []
        while True:
            back = best[pos][r][1]
            if back is None:
                break
            pos, r, edge = back
            picks.extend(edge.picks)
        return picks

