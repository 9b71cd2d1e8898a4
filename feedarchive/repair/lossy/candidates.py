"""What a damaged character can be: its candidate table, a candidate scored as an option, and
the alternatives recorded with a guess (the chosen character and the likeliest others, with
their probabilities as the decoders' marginals give them).

A candidate table lists every well-formed character one byte pattern can be (thousands for a
bare 4-byte lead). Each table is built once per pattern (`damage.completions` is cached), so
what is derived from a table (its candidates ranked by prior, as a set, by kind) is derived
once and kept on the table itself: the derived values live exactly as long as the table, and
no module needs a cache of its own keyed by the table's identity.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable


class CandidateTable(tuple):
    """The candidates of one byte pattern, in the order they were enumerated, with the values
    derived from them (`derived`)."""

    def derived(self, name: str, compute: Callable[["CandidateTable"], Any]) -> Any:
        """`compute(self)`, computed on first use under `name` and kept on the table."""
        cache = self.__dict__
        if name not in cache:
            cache[name] = compute(self)
        return cache[name]


def candidate_set(table: CandidateTable) -> frozenset[str]:
    """The candidates of a table as a set, for membership tests."""
    return table.derived("set", frozenset)


@dataclass
class Option:
    """A candidate as an option of its group: which reading, where it ends, and its score."""

    reading: int
    end: int
    char: str
    base: float  # log prior with the document's evidence and the reading's leftover text
    prior: float = 0.0  # the same without the leftover


# A choice, not tuned: the chosen character and the two likeliest others, what a reader can
# weigh at a glance in a tooltip; further ones rarely hold a share worth showing.
MAX_ALTERNATIVES = 3


def alternatives(chosen: str, confidence: float,
                 offered: Iterable[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    """For a guess (`confidence` < 1), the chosen character with its confidence, then the
    likeliest other characters of `offered` (character, probability), up to MAX_ALTERNATIVES
    in all; nothing for a certain character, which has none. A character that two
    readings offer (one taking the space after it as its lost byte) is listed once, with its
    likelier reading's probability; probabilities are rounded as confidences are, and never
    add up past 1. The chosen one comes first even where a word lattice's best path took a
    character that is not the likeliest alone.

    >>> alternatives("a", 0.6, [("b", 0.25), ("a", 0.6), ("b", 0.1), ("c", 0.1), ("d", 0.05)])
    (('a', 0.6), ('b', 0.25), ('c', 0.1))
    >>> alternatives("a", 0.5, [("b", 0.6)])  # never more than 1 in all
    (('a', 0.5), ('b', 0.5))
    >>> alternatives("é", 1.0, [("é", 1.0)])
    ()
    """
    if confidence >= 1.0:
        return ()
    found = [(chosen, confidence)]
    left = 1.0 - confidence
    for char, p in sorted(offered, key=lambda item: -item[1]):
        if len(found) == MAX_ALTERNATIVES or left <= 0.0:
            break
        if any(char == seen for seen, _ in found):
            continue
        p = round(min(p, left), 4)
        if p <= 0.0:
            break
        found.append((char, p))
        left -= p
    return tuple(found)


def picks_by_group(mass: dict[tuple[int, str, int], float]) -> dict[int, list[tuple[str, float]]]:
    """A lattice's marginals (group, character, end) -> probability, as each group's
    (character, probability) pairs: what it offered besides its choice.

    >>> picks_by_group({(0, "a", 1): 0.7, (0, "b", 2): 0.2, (1, "c", 3): 1.0})
    {0: [('a', 0.7), ('b', 0.2)], 1: [('c', 1.0)]}
    """
    found: dict[int, list[tuple[str, float]]] = {}
    for (g, char, _end), p in mass.items():
        found.setdefault(g, []).append((char, p))
    return found
