"""What a damaged character can be: its candidate table, and a candidate scored as an option.

A candidate table lists every well-formed character one byte pattern can be (thousands for a
bare 4-byte lead). Each table is built once per pattern (`damage.completions` is cached), so
what is derived from a table (its candidates ranked by prior, as a set, by kind) is derived
once and kept on the table itself: the derived values live exactly as long as the table, and
no module needs a cache of its own keyed by the table's identity.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable


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
