"""Lattice maths shared by the Thai and Japanese word lattices.

A lattice's nodes are positions in the raw text and its edges words or single characters,
each with a log score and the choices ("picks") it makes: (group, end of its reading,
character). `best_path` finds the most probable path and `marginals` the probability of each
pick over all paths (forward-backward in log space, with `log_sum_exp`). `fitting_forms`
finds the dictionary words whose damaged form fits the text at a group, and `gap_log` scores
the raw characters between groups.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Hashable, Optional

from ..tuning import BREAK_LOG, CONTEXT_BEAM, CONTEXT_STATES


@dataclass
class Edge:
    """An edge of a lattice from raw position `start` to `end`."""

    start: int
    end: int
    score: float
    picks: tuple[tuple[int, int, str], ...]  # (group index, end of its reading, character)
    # For a lattice with context (`Context`): the token the edge starts with, scored after the
    # state the edge before it left, and the state it leaves for the next edge (the Thai
    # lattice's: its last two syllables). None: no token, no opinion.
    head: Optional[int] = None
    tail: Optional[Hashable] = None


@dataclass
class Context:
    """What a lattice's edges are scored by besides their own scores: `pair(state, token)`,
    the log score of `token` right after a path that left `state` (an edge's `tail`); the
    state before the lattice's first position (`before`, None for none known) and the token
    after each end (`after`)."""

    pair: Callable[[Hashable, int], float]
    before: Optional[Hashable]
    after: dict[int, Optional[int]]

    def step(self, state: Optional[Hashable], edge: Edge) -> float:
        """The score of `edge` taken after a path that left `state`."""
        if state is None or edge.head is None:
            return edge.score
        return edge.score + self.pair(state, edge.head)

    def pairs_after(self, states, edge: Edge) -> list[float]:
        """`step` of `edge` after each of `states` ({state: score}), plus that score."""
        pair, head, score = self.pair, edge.head, edge.score
        return [before + score + (0.0 if state is None or head is None else pair(state, head))
                for state, before in states.items()]

    def close(self, state: Optional[Hashable], end: int) -> float:
        """The score of ending at `end` after a path that left `state`."""
        after = self.after.get(end)
        return 0.0 if state is None or after is None else self.pair(state, after)


def gap_log(char: str, space_log: float) -> float:
    """Score of a character between two groups of a run. A space or line break may instead be
    the last byte of the group before (0xA0, 0x85), so it pays its probability (`space_log`: a
    language's own); anything else (`5` in `5分`, `#`, `.`) is certain.

    >>> gap_log(" ", -1.9), gap_log("5", -1.9)
    (-1.9, 0.0)
    >>> round(gap_log(chr(10), -1.9), 2)  # a line break: BREAK_LOG, whatever the language
    -4.61
    """
    if char == " ":
        return space_log
    return BREAK_LOG if char == "\n" else 0.0


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


def marginals(by_start, first, last, ends) -> dict[tuple[int, str, int], float]:
    """Probability of each (group, character, end) over all paths from `first` to an end.

    Two ways through one position: a character edge each, the second twice as likely.

    >>> edges = {0: [Edge(0, 1, math.log(1.0), ((0, 1, "a"),)),
    ...              Edge(0, 1, math.log(2.0), ((0, 1, "b"),))]}
    >>> {pick: round(p, 3) for pick, p in marginals(edges, 0, 1, [1]).items()}
    {(0, 'a', 1): 0.333, (0, 'b', 1): 0.667}
    """
    alpha = {first: 0.0}
    for pos in range(first, last + 1):
        if pos not in alpha:
            continue
        for edge in by_start.get(pos, []):
            alpha[edge.end] = log_sum_exp(alpha.get(edge.end), alpha[pos] + edge.score)
    ends = [e for e in ends if e in alpha]
    if not ends:
        return {}
    beta = {e: 0.0 for e in ends}
    for pos in range(last, first - 1, -1):
        for edge in by_start.get(pos, []):
            if edge.end in beta:
                beta[pos] = log_sum_exp(beta.get(pos), edge.score + beta[edge.end])
    total = log_sum_exp_all([alpha[e] for e in ends])
    mass: dict[tuple[int, str, int], float] = {}
    for found in by_start.values():
        for edge in found:
            if edge.picks and edge.start in alpha and edge.end in beta:
                p = math.exp(alpha[edge.start] + edge.score + beta[edge.end] - total)
                for g, end, char in edge.picks:
                    mass[g, char, end] = mass.get((g, char, end), 0.0) + p
    return mass


def best_path(by_start, first, last, ends) -> list[tuple[int, int, str]]:
    """The picks of the most probable path from `first` to an end.

    A word edge over two positions beats two character edges whose product is smaller:

    >>> edges = {0: [Edge(0, 2, -1.0, ((0, 1, "o"), (1, 2, "n"))),  # one word
    ...              Edge(0, 1, -0.8, ((0, 1, "x"),))],  # or two characters
    ...          1: [Edge(1, 2, -0.8, ((1, 2, "y"),))]}
    >>> best_path(edges, 0, 2, [2])
    [(0, 1, 'o'), (1, 2, 'n')]
    """
    best: dict[int, tuple[float, Optional[Edge]]] = {first: (0.0, None)}
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


def log_sum_exp(a: Optional[float], b: float) -> float:
    """log(exp(a) + exp(b)) without overflow; `a` None stands for log 0 (nothing yet).

    >>> round(log_sum_exp(math.log(1.0), math.log(3.0)), 6) == round(math.log(4.0), 6)
    True
    >>> log_sum_exp(None, -2.5)
    -2.5
    """
    if a is None:
        return b
    top = max(a, b)
    return top + math.log(math.exp(a - top) + math.exp(b - top))


def log_sum_exp_all(values: list[float]) -> float:
    """log of the sum of exp(v) over `values`, without overflow.

    >>> round(log_sum_exp_all([0.0, 0.0]), 6) == round(math.log(2.0), 6)
    True
    """
    top = max(values)
    return top + math.log(sum(math.exp(v - top) for v in values))


def best_path_in_context(by_start, first, last, ends, context: Context
                         ) -> list[tuple[int, int, str]]:
    """`best_path` where an edge's score also depends on the state the path before it left
    (`Context`): the Viterbi states are (position, state left), those CONTEXT_BEAM below a
    position's best dropped.

    `b` alone is likelier, but `a` goes with the `x` that follows:

    >>> edges = {0: [Edge(0, 1, -1.0, ((0, 1, "a"),), 1, 1), Edge(0, 1, -0.5, ((0, 1, "b"),), 2, 2)],
    ...          1: [Edge(1, 2, -1.0, ((1, 2, "x"),), 3, 3)]}
    >>> pair = lambda left, right: 1.0 if (left, right) == (1, 3) else 0.0
    >>> best_path_in_context(edges, 0, 2, [2], Context(pair, None, {}))
    [(1, 2, 'x'), (0, 1, 'a')]
    """
    _, path = best_edges_in_context(by_start, first, last, ends, context)
    return [pick for edge, _ in reversed(path) for pick in edge.picks]


def best_edges_in_context(by_start, first, last, ends, context: Context,
                          keep: Optional[Callable[[Edge], bool]] = None
                          ) -> tuple[Optional[float], list[tuple[Edge, Optional[Hashable]]]]:
    """The score of `best_path_in_context`'s path and its edges in order, each with the state
    the path left before it (what `Context.step` scored it after); (None, []) when no path
    ends. `keep`, given, says which edges a path may take: the best path that spells a given
    reading, to compare with the best of all (`tests/bench/explain_thai.py`).

    >>> edges = {0: [Edge(0, 1, -1.0, ((0, 1, "a"),), 1, 1), Edge(0, 1, -0.5, ((0, 1, "b"),), 2, 2)],
    ...          1: [Edge(1, 2, -1.0, ((1, 2, "x"),), 3, 3)]}
    >>> context = Context(lambda left, right: 0.0, None, {})
    >>> score, path = best_edges_in_context(edges, 0, 2, [2], context, lambda e: e.picks[0][2] != "b")
    >>> score, [(edge.picks[0][2], state) for edge, state in path]
    (-2.0, [('a', None), ('x', 1)])
    """
    best: dict[int, dict] = {first: {context.before: (0.0, None, None)}}
    for pos in range(first, last + 1):
        states = _beam(best.get(pos), lambda found: found[0])
        if not states:
            continue
        best[pos] = states
        top_state, (top, _, _) = max(states.items(), key=lambda item: item[1][0])
        for edge in by_start.get(pos, []):
            if keep is not None and not keep(edge):
                continue
            if edge.head is None:  # no context: the best state before it is the best way in
                total, state = top + edge.score, top_state
            else:
                total, state = max((score + context.step(state, edge), state)
                                   for state, (score, _, _) in states.items())
            reached = best.setdefault(edge.end, {})
            if edge.tail not in reached or reached[edge.tail][0] < total:
                reached[edge.tail] = (total, edge, state)
    finals = [(score + context.close(state, end), end, state)
              for end in ends for state, (score, _, _) in best.get(end, {}).items()]
    if not finals:
        return None, []
    score, pos, state = max(finals, key=lambda found: found[0])
    path = []
    while best[pos][state][1] is not None:
        _, edge, before = best[pos][state]
        path.append((edge, before))
        pos, state = edge.start, before
    return score, path[::-1]


def _beam(states: Optional[dict], score: Callable) -> Optional[dict]:
    """`states` without those CONTEXT_BEAM (in log score) below the best of them, and at most
    CONTEXT_STATES of them: paths through the rest weigh under e^-CONTEXT_BEAM of the best
    one's, or compete with many likelier ones, and every state kept costs a pass over the
    position's edges.

    >>> _beam({1: -1.0, 2: -30.0, None: -5.0}, lambda s: s)
    {1: -1.0, None: -5.0}
    """
    if not states or len(states) == 1:
        return states
    ranked = sorted(states.items(), key=lambda item: -score(item[1]))[:CONTEXT_STATES]
    floor = score(ranked[0][1]) - CONTEXT_BEAM
    return {state: found for state, found in ranked if score(found) >= floor}


def marginals_in_context(by_start, first, last, ends, context: Context
                         ) -> dict[tuple[int, str, int], float]:
    """`marginals` over the paths `best_path_in_context` chooses among: forward-backward over
    (position, state left) pairs (beamed alike). An edge leaves the same state whatever came
    before it, so each edge sums the states before it once.

    >>> edges = {0: [Edge(0, 1, 0.0, ((0, 1, "a"),), 1, 1), Edge(0, 1, 0.0, ((0, 1, "b"),), 2, 2)],
    ...          1: [Edge(1, 2, 0.0, ((1, 2, "x"),), 3, 3)]}
    >>> pair = lambda left, right: math.log(3.0) if (left, right) == (1, 3) else 0.0
    >>> found = marginals_in_context(edges, 0, 2, [2], Context(pair, None, {}))
    >>> round(found[0, "a", 1], 3), round(found[1, "x", 2], 3)
    (0.75, 1.0)
    """
    alpha: dict[int, dict] = {first: {context.before: 0.0}}
    arriving: dict[int, dict] = {}  # position -> state -> log scores of the ways in
    ways: dict[int, float] = {}  # id of an edge -> log score of the paths up to its end
    for pos in range(first, last + 1):
        if pos in arriving:
            alpha[pos] = {state: log_sum_exp_all(found)
                          for state, found in arriving.pop(pos).items()}
        states = _beam(alpha.get(pos), lambda score: score)
        if not states:
            continue
        alpha[pos] = states
        free = log_sum_exp_all(list(states.values()))
        for edge in by_start.get(pos, []):
            way = free + edge.score if edge.head is None else log_sum_exp_all(
                context.pairs_after(states, edge))
            ways[id(edge)] = way
            arriving.setdefault(edge.end, {}).setdefault(edge.tail, []).append(way)
    beta: dict[int, dict] = {}
    for end in ends:
        beta[end] = {state: context.close(state, end) for state in alpha.get(end, {})}
    finals = [alpha[end][state] + beta[end][state] for end in ends for state in beta[end]]
    if not finals:
        return {}
    for pos in range(last, first - 1, -1):
        states = alpha.get(pos)
        if not states:
            continue
        free, bound = [], []
        for edge in by_start.get(pos, []):
            after = beta.get(edge.end, {}).get(edge.tail)
            if after is not None:
                (free if edge.head is None else bound).append((edge, after))
        if not free and not bound:
            continue
        here = beta.setdefault(pos, {})
        shared = [edge.score + after for edge, after in free]
        for state in states:
            onward = shared + [context.step(state, edge) + after for edge, after in bound]
            if state in here:
                onward.append(here[state])
            here[state] = log_sum_exp_all(onward)
    total = log_sum_exp_all(finals)
    mass: dict[tuple[int, str, int], float] = {}
    for found in by_start.values():
        for edge in found:
            after = beta.get(edge.end, {}).get(edge.tail)
            way = ways.get(id(edge))
            if not edge.picks or after is None or way is None:
                continue
            p = math.exp(way + after - total)
            for g, end, char in edge.picks:
                mass[g, char, end] = mass.get((g, char, end), 0.0) + p
    return mass
