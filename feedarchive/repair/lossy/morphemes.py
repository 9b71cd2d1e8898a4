"""Damaged text decoded over a MeCab dictionary: a lattice of its words linked by its grammar.

In the lossy Thai damage a kana, kanji or Hangul syllable usually keeps only its lead byte
and a continuation byte or none, so a position can be any of dozens to hundreds of
characters. Word frequencies alone pick the commonest morpheme at each place and ignore
grammar: a particle follows a noun, an ending a verb stem.

A MeCab dictionary has what a grammar needs: each word has a cost (how unlikely it is within
its class) and left and right context ids, and a matrix gives the cost of each pair of
neighbouring ids. Function words have classes of their own, so the matrix is the grammar.
Japanese (`japanese`: Mozc's dictionary) and Korean (`korean`: mecab-ko-dic) are read
alike, through one `Dictionary` each:

- a word edge spells a dictionary word through consecutive groups whose damaged form matches
  the text (one look-up per length, as in `thai`), scored by the word's cost;
- an unknown edge takes one candidate alone, scored by its character prior times the share of
  tokens that are out of the dictionary (the dictionary's `unknown_log`);
- edges are linked by the connection costs, from the start of the run to its end.

The best path through the lattice chooses every group's character at once, so that
neighbouring groups agree on one reading; forward-backward gives the marginal probability of
each choice, recorded as its confidence (`decode`). The dictionary files themselves are read
by `mecab`; the tables derived from them are built once per installation (`dictionary_table`)
and mapped from the model cache.
"""
from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from ..tuning import BEAM, MAX_WORD, WORD_MARGIN
from .cache import Table
from .damage import DAMAGED_ENCODING, Group, damage, damaged_form
from .lattice import fitting_forms, gap_log, log_sum_exp, log_sum_exp_all
from .mapped import DecodedOnDemand, column_of, columns, grouped, key_index, row_of
from .mecab import word_ends


@dataclass
class Dictionary:
    """A MeCab dictionary's words indexed by what the damage leaves of them, its grammar, and
    how the lattice scores what is not in it."""

    forms: "DamagedForms"
    lengths: tuple[int, ...]
    connections: "np.ndarray"  # connection costs in nats, [right id of the left word, left id]
    unknown: dict[str, tuple[int, int]]  # category -> (left id, right id)
    unknown_log: float = 0.0  # log share of tokens that are no word of the dictionary
    space_log: float = 0.0  # log probability that a space inside a run is one
    category: Callable[[str], str] = lambda char: "DEFAULT"  # an unknown character's
    # What a word pays after a space, per left id, in nats: with it a space keeps the grammar
    # going (mecab-ko-dic's); without it a space ends a sentence (Mozc's).
    space_penalty: Optional["np.ndarray"] = None
    # Punctuation the dictionary has as words of their own (`.` a sentence's end, `,` a
    # clause's), with their (left id, right id): what they border is linked to them.
    marks: Optional[dict[str, tuple[int, int]]] = None


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
        self._extra = arrays.get("extra")  # a log-weight each word adds to its cost's

    def decode(self, entry: int) -> list:
        numbers = row_of(self._numbers, entry).tolist()
        # A word listed once per reading (`日` as ひ, にち, か...) is as likely as its readings
        # together: its probabilities add up.
        weights: dict[tuple[str, int, int], float] = {}
        for n in numbers:
            start, end = int(self._starts[n]), int(self._ends[n])
            surface = self._surfaces[start:end].tobytes().decode("utf-8")
            key = (surface, int(self._lefts[n]), int(self._rights[n]))
            score = -int(self._costs[n]) / self._factor
            if self._extra is not None:
                score += float(self._extra[n])
            weights[key] = log_sum_exp(weights.get(key), score)
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


def dictionary_table(entries, connections: "np.ndarray", factor: float,
                     unknown: dict[str, tuple[int, int]], space_penalty=None,
                     marks: Optional[dict[str, tuple[int, int]]] = None, extra=None) -> Table:
    """A MeCab dictionary as arrays: its words (`entries`, as `mecab.read_words` gives them:
    UTF-8 surfaces with where each starts, context ids, costs) with where each ends, an index
    of their damaged forms with each form's word numbers, the `connections` in nats (costs
    over `factor`, divided in place: a float32 array of the caller's, `mecab.read_connections`'s),
    and the `space_penalty` per left id in nats when the dictionary has one
    (`Dictionary.space_penalty`), its `marks`, and a log-weight per word to add to its cost's
    (`extra`: what the words' frequencies say, say)."""
    surfaces, starts, lefts, rights, costs = entries
    ends = word_ends(surfaces, starts)
    keys, words, form_of_word = _damaged_forms(surfaces, starts, ends)
    forms_index, order = key_index(keys, DAMAGED_ENCODING)
    entry_of_form = np.empty(len(keys), dtype=np.int64)
    entry_of_form[order] = np.arange(len(keys))
    numbers = grouped(np.frombuffer(words, dtype=np.int64).astype(np.int32),
                      entry_of_form[np.frombuffer(form_of_word, dtype=np.int64)], len(keys))
    arrays = {
        **columns({"forms": forms_index, "numbers": numbers}),
        "surfaces": np.frombuffer(surfaces, dtype=np.uint8),
        "starts": starts, "ends": ends, "lefts": lefts, "rights": rights, "costs": costs,
        "connections": connections,
    }
    connections /= np.float32(factor)  # in place: a matrix of 41 MB for mecab-ko-dic
    if extra is not None:
        arrays["extra"] = np.asarray(extra, dtype=np.float32)
    if space_penalty is not None:
        arrays["space penalty"] = np.asarray(space_penalty, dtype=np.float32) / np.float32(factor)
    meta = {"factor": factor, "lengths": sorted({len(k) for k in keys}),
            "unknown": unknown, **({"marks": marks} if marks else {})}
    return Table(arrays, meta)


def _damaged_forms(surfaces: bytes, starts, ends) -> tuple[list[str], array, array]:
    """The distinct damaged forms of the words the lattice can use (whole groups, MAX_WORD
    characters at most), and for each such word its number and its form's.

    One word at a time, their places a chunk at a time: a list of every word's form, or of
    every word's start, would double the memory the build takes."""
    form_ids: dict[str, int] = {}
    words, form_of_word = array("q"), array("q")
    for n, start, end in _chunked(starts, ends):
        word = surfaces[start:end]
        form = damage(word)
        # A word of MAX_WORD bytes or fewer has no more characters: no need to decode it.
        too_long = len(word) > MAX_WORD and len(word.decode("utf-8")) > MAX_WORD
        if not form or "\ufffd" in form or too_long:
            continue
        words.append(n)
        form_of_word.append(form_ids.setdefault(form, len(form_ids)))
    return list(form_ids), words, form_of_word


def _chunked(starts, ends, size: int = 65_536):
    """(n, start, end) for each word, as Python numbers made a chunk at a time.

    >>> list(_chunked(np.array([0, 3, 5]), np.array([2, 4, 9]), size=2))
    [(0, 0, 2), (1, 3, 4), (2, 5, 9)]
    """
    for first in range(0, len(starts), size):
        these = zip(starts[first:first + size].tolist(), ends[first:first + size].tolist())
        for n, (start, end) in enumerate(these, first):
            yield n, start, end


def read_dictionary(table: Table, unknown_log: float, space_log: float,
                    category: Callable[[str], str]) -> Dictionary:
    """The `Dictionary` of a table `dictionary_table` built (mapped from the model cache)."""
    meta = table.meta
    unknown = {kind: (left, right) for kind, (left, right) in meta["unknown"].items()}
    return Dictionary(DamagedForms(table.arrays, meta["factor"]), tuple(meta["lengths"]),
                      table.arrays["connections"], unknown, unknown_log, space_log, category,
                      table.arrays.get("space penalty"), meta.get("marks"))


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


def decode(
    dic: Dictionary, text: str, groups: list[Group], run: list[int], ranked_options
) -> tuple[dict[int, tuple[str, int, float]], dict[tuple[int, str, int], float]]:
    """(character, end of its reading, probability) chosen for each group of `run` it decides,
    and the probability of every (group, character, end) the lattice offered.

    `ranked_options(g)` gives, per group, (character, end, log prior) for the candidates worth
    an unknown edge. (`japanese.decode_japanese` and `korean.dictionary` show it at work.)
    """
    at = {groups[g].start: g for g in run}
    first = groups[run[0]].start
    last = max(r.end for r in groups[run[-1]].readings)
    edges: list[_Edge] = []
    spaces: dict[int, float] = {}
    for g in run:
        _unknown_edges(dic, g, groups[g].start, ranked_options(g), edges)
        _word_edges(dic, text, groups, at, g, last, edges)
    for pos in range(first, last):
        if pos not in at and text[pos] == " " and dic.space_penalty is not None:
            spaces[pos] = gap_log(" ", dic.space_log)
        elif pos not in at:  # a space, or a digit or letter the damage left (`5分`, `Mutexで`)
            left, right = (dic.marks or {}).get(text[pos]) or dic.unknown[_gap_category(text[pos])]
            edges.append(_Edge(pos, pos + 1, left, right, gap_log(text[pos], dic.space_log), (), ""))
    # Beyond the run: the text's start or end, a space or an emoji (a sentence boundary, id 0),
    # or a Latin word or number the sentence goes on with (`tokioのタスク`, `17種類`).
    before = _outside_context(dic, text[first - 1] if first else "")[1]
    ends = {
        r.end: _outside_context(dic, text[r.end] if r.end < len(text) else "")[0]
        for r in groups[run[-1]].readings
    }
    lattice = _Lattice(dic.connections, edges, first, before, dic.space_penalty, spaces)
    marginals = lattice.marginals(ends)
    return {
        g: (char, end, marginals.get((g, char, end), 0.0))
        for g, end, char in lattice.best_path(ends)
    }, marginals


def _outside_context(dic: Dictionary, char: str) -> tuple[int, int]:
    """(left id, right id) of what borders a run: an ASCII word or number is an unknown word
    of its category, a mark the dictionary has (`marks`) that word; anything else ends the
    sentence as far as the lattice can tell.

    >>> ids = {"ALPHA": (5, 5), "NUMERIC": (6, 6), "SYMBOL": (7, 7)}  # made-up context ids
    >>> dic = Dictionary(None, (), None, ids)
    >>> _outside_context(dic, "a"), _outside_context(dic, "1"), _outside_context(dic, "😀")
    ((5, 5), (6, 6), (0, 0))
    """
    if dic.marks and char in dic.marks:
        return dic.marks[char]
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


def _unknown_edges(dic: Dictionary, g: int, start: int, options, edges: list[_Edge]) -> None:
    """An edge per option taken as an unknown one-character word: its prior times the share of
    tokens that are no dictionary word (`unknown_log`), with its category's ids, or a mark's
    own when the dictionary has it (`Dictionary.marks`: a damaged `！` links as `!` does).

    >>> dic = Dictionary(None, (), None, {"KANJI": (3, 4), "DEFAULT": (1, 1)}, math.log(0.2),
    ...                  category=lambda char: "KANJI")
    >>> edges = []
    >>> _unknown_edges(dic, 0, 0, [("猫", 1, -5.0)], edges)
    >>> edges[0].left, edges[0].right, round(edges[0].score, 2)  # -5 + log(0.2)
    (3, 4, -6.61)
    >>> dic.marks = {"！": (7, 8)}  # the dictionary's `!`
    >>> _unknown_edges(dic, 0, 0, [("！", 1, -5.0)], edges)
    >>> edges[1].left, edges[1].right
    (7, 8)
    """
    marks = dic.marks or {}
    for char, end, prior in options:
        left, right = marks.get(char) or dic.unknown.get(dic.category(char), dic.unknown["DEFAULT"])
        edges.append(_Edge(start, end, left, right, prior + dic.unknown_log, ((g, end),), char))


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

    With `penalty` (a cost per left id), a space between words is no edge but a step that
    keeps the state, marked as after a space (its id plus the matrix's rows): the words on
    either side are linked by the matrix as if the space were not there, and a word after
    it pays its left id's penalty (a particle or an ending does not start a word).

    A noun (left id 0) or a particle (left id 1, 5 nats after a space) for one group: the
    particle is likelier by itself, but not after the space at 0.

    >>> conn, penalty = np.zeros((2, 2), dtype=np.float32), np.array([0.0, 5.0])
    >>> edges = [_Edge(1, 2, 0, 0, -1.0, ((0, 2),), "n"), _Edge(1, 2, 1, 1, 0.0, ((0, 2),), "p")]
    >>> _Lattice(conn, edges, 0, 0, penalty, {0: 0.0}).best_path({2: 0})
    [(0, 2, 'n')]
    >>> _Lattice(conn, edges, 1, 0, penalty).best_path({2: 0})
    [(0, 2, 'p')]
    >>> mass = _Lattice(conn, edges, 0, 0, penalty, {0: 0.0}).marginals({2: 0})
    >>> round(mass[0, "n", 2], 3), round(mass[0, "p", 2], 3)  # e**-1 against e**-5
    (0.982, 0.018)
    """

    def __init__(self, connections, edges: list[_Edge], first: int, before: int,
                 penalty=None, spaces: Optional[dict[int, float]] = None) -> None:
        self.conn = connections
        self.rows = connections.shape[0]
        self.penalty = penalty
        self.spaces = spaces or {}  # position -> log-weight of the space there (with `penalty`)
        self.first = first
        self.before = before  # right id of what precedes the run
        by_start: dict[int, list[_Edge]] = {pos: [] for pos in self.spaces}
        for edge in edges:
            by_start.setdefault(edge.start, []).append(edge)
        self.by_start = dict(sorted(by_start.items()))
        self.arrays = {}
        for pos, found in self.by_start.items():
            lefts = np.array([e.left for e in found], dtype=np.int64)
            unique, inverse = np.unique(lefts, return_inverse=True)
            scores = np.array([e.score for e in found])
            self.arrays[pos] = (unique, inverse, scores)

    def _cost(self, ids: np.ndarray, lefts) -> np.ndarray:
        """Connection costs [state, left id]; a state after a space adds the left id's penalty."""
        if self.penalty is None:
            return self.conn[np.ix_(ids, lefts)]
        spaced = ids >= self.rows
        costs = self.conn[np.ix_(np.where(spaced, ids - self.rows, ids), lefts)]
        if spaced.any():
            costs = costs + np.where(spaced[:, None], self.penalty[lefts][None, :], 0.0)
        return costs

    def _spaced(self, state: int) -> int:
        return state if state >= self.rows else state + self.rows

    def _links(self, states: dict[int, float], unique) -> tuple[np.ndarray, np.ndarray]:
        ids = np.fromiter(states, dtype=np.int64, count=len(states))
        values = np.fromiter(states.values(), dtype=np.float64, count=len(states))
        return ids, values[:, None] - self._cost(ids, unique)

    def _closing(self, states, after: int) -> list[float]:
        return (-self._cost(np.asarray(states, dtype=np.int64), [after])[:, 0]).tolist()

    def marginals(self, ends: dict[int, int]) -> dict[tuple[int, str, int], float]:
        """Probability of each (group, character, end) over all paths."""
        alpha: dict[int, dict[int, float]] = {self.first: {self.before: 0.0}}
        into_edge: dict[int, np.ndarray] = {}
        for pos, found in self.by_start.items():
            states = alpha.get(pos)
            if not states:
                continue
            states = alpha[pos] = _within_beam(states)
            if pos in self.spaces:
                target = alpha.setdefault(pos + 1, {})
                for r, value in states.items():
                    r = self._spaced(r)
                    target[r] = log_sum_exp(target.get(r), value + self.spaces[pos])
            if not found:
                continue
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
                beta[end] = dict(zip(ids, self._closing(ids, after)))
        if not beta:
            return {}
        total = log_sum_exp_all([a + beta[e][r] for e in beta for r, a in alpha[e].items()])
        for pos in reversed(list(self.by_start)):
            states = alpha.get(pos)
            if not states:
                continue
            found = self.by_start[pos]
            row: dict[int, float] = {}
            if pos in self.spaces and pos + 1 in beta:
                later = beta[pos + 1]
                for r in states:
                    after = later.get(self._spaced(r))
                    if after is not None:
                        row[r] = after + self.spaces[pos]
            if found:
                unique, inverse, scores = self.arrays[pos]
                after = np.array([beta.get(e.end, {}).get(e.right, -np.inf) for e in found])
                if np.isfinite(after).any():
                    by_left = np.full(len(unique), -np.inf)
                    np.logaddexp.at(by_left, inverse, scores + after)
                    ids = np.fromiter(states, dtype=np.int64, count=len(states))
                    values = np.logaddexp.reduce(by_left[None, :] - self._cost(ids, unique), axis=1)
                    for r, value in zip(ids.tolist(), values.tolist()):
                        row[r] = log_sum_exp(row.get(r), value)
            if not row:
                continue
            known = beta.setdefault(pos, {})
            for r, value in row.items():
                known[r] = log_sum_exp(known.get(r), value) if pos in ends else value
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
            if pos in self.spaces:
                target = best.setdefault(pos + 1, {})
                for r, (score, _) in states.items():
                    spaced, score = self._spaced(r), score + self.spaces[pos]
                    if spaced not in target or target[spaced][0] < score:
                        target[spaced] = (score, (pos, r, None))
            if not found:
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
            (score, end, r)
            for end, after in ends.items() if end in best
            for r, score in zip(best[end], (np.array([v[0] for v in best[end].values()])
                                            + self._closing(list(best[end]), after)).tolist())
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
            if edge is not None:
                picks.extend(edge.picks)
        return picks
