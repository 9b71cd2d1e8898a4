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
from typing import Optional

from ..tuning import BREAK_LOG


@dataclass
class Edge:
    """An edge of a lattice from raw position `start` to `end`."""

    start: int
    end: int
    score: float
    picks: tuple[tuple[int, int, str], ...]  # (group index, end of its reading, character)


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
