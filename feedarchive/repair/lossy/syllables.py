"""What Thai syllable follows what: running-text statistics for the Thai word lattice.

The lossy damage deletes the byte that tells thirty-one Thai consonants apart, so words such as
`เปิด` and `เกิด`, `วันนี้` and `วันที่` leave one trace; word frequencies alone always pick the
commoner. What comes before and after can choose: `เปิดให้บริการ` ("open for service") is said,
`เกิดให้` is not. TLTK (Chulalongkorn University's Thai Language Toolkit, BSD-3-Clause) ships
`sylseg.3g`, the counts of syllable trigrams of the Thai National Corpus (636,693 syllables).
From it, once per installation, the model cache keeps:

- each syllable's count, and how often each syllable follows each other one (a space, a line or
  the edge of a text count as one token, `BREAK`; any number as another, `NUMBER`);
- how often each syllable follows each pair of tokens;
- for every word of the Thai lexicon, its first and last two syllables (the words split into
  the corpus's syllables, the likeliest split).

`SyllablePairs.context_log` is what the lattice adds to a word edge for the last two tokens
before it (the state the edge before left): how much likelier its first syllable is after them
than alone, the triple's estimate smoothed towards the pair's, and the pair's towards no
opinion, where the corpus saw them rarely. TLTK is an optional extra
(`pip install feedarchive[thai]`): it is not imported (it would load scikit-learn and gensim),
only its data file is read; without it the lattice works on word frequencies alone.
"""
from __future__ import annotations

import math
import pickle
from collections import Counter
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Optional

import numpy as np

from ..tuning import SYLLABLE_PRIOR, SYLLABLE_TRIPLE_PRIOR, SYLLABLE_WEIGHT, THAI_WORDS_KEPT
from .cache import PYTHAINLP, Inputs, Table, cached_table, package_folder, package_inputs
from .mapped import KeyIndex, column_of, columns, key_index
from .prior import thai_word_frequencies

BREAK = " "  # a space, a line break, the edge of a text or of a sentence of the corpus
NUMBER = "0"  # any number
TLTK_DATA = "sylseg.3g"
LONGEST_SYLLABLE = 10  # characters (`เปลี่ยน` has 7)


def tltk_file() -> Optional[Path]:
    """TLTK's syllable trigram file, found without importing TLTK, or None."""
    folder = package_folder("tltk")
    if folder is None or not (folder / TLTK_DATA).is_file():
        return None
    return folder / TLTK_DATA


class _CountsOnly(pickle.Unpickler):
    """`sylseg.3g` is a pickle (TLTK's own format): a defaultdict of tuples of strings to
    ints. Unpickling can run any callable the file names, so only the two classes such a
    dict needs are allowed; anything else is refused."""

    ALLOWED = {("collections", "defaultdict"), ("builtins", "int")}

    def find_class(self, module: str, name: str):
        if (module, name) not in self.ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a table of counts")
        return super().find_class(module, name)


def read_trigrams(path: Path) -> dict[tuple[str, str, str], int]:
    """TLTK's syllable trigrams and their counts (`\\x1f` marks a sentence's edge)."""
    with open(path, "rb") as file:
        return dict(_CountsOnly(file).load())


def tokens(syllable: str) -> list[str]:
    """A corpus token as the lattice sees it: `<s>` (a space after it) is a `BREAK` of its own,
    the corpus's edge mark is a `BREAK`, digits are a `NUMBER`.

    >>> tokens("ว่า<s>"), tokens("\\x1f"), tokens("2,500"), tokens("การ")
    (['ว่า', ' '], [' '], ['0'], ['การ'])
    """
    if syllable == "\x1f":
        return [BREAK]
    spaced = syllable.endswith("<s>")
    core = syllable[:-3] if spaced else syllable
    found = [NUMBER if core.replace(",", "").replace(".", "").isdigit() else core] if core else []
    return found + [BREAK] * spaced


def sequence_counts(trigrams: dict[tuple[str, str, str], int]
                    ) -> tuple[Counter, Counter, Counter]:
    """Each token's count, each pair's and each triple's, from the trigrams: every token of the
    corpus is the middle of one trigram, between the last token of the first member and the
    first of the third.

    >>> uni, pairs, triples = sequence_counts({("\x1f", "เปิด", "ให้<s>"): 2,
    ...                                        ("เปิด", "ให้<s>", "\x1f"): 2})
    >>> pairs[(" ", "เปิด")], pairs[("เปิด", "ให้")], pairs[("ให้", " ")], uni["ให้"]
    (2, 2, 2, 2)
    >>> triples[(" ", "เปิด", "ให้")], triples[("เปิด", "ให้", " ")]
    (2, 2)
    """
    uni: Counter = Counter()
    pairs: Counter = Counter()
    triples: Counter = Counter()
    for (before, middle, after), count in trigrams.items():
        here = tokens(middle)
        if not here:
            continue
        sequence = tokens(before)[-1:] + here + tokens(after)[:1]
        for token in here:
            uni[token] += count
        for at in range(1, len(here) + 1):  # each token of the middle, with its neighbours
            left, token = sequence[at - 1], sequence[at]
            if not left == token == BREAK:
                if at == 1 and before == "\x1f" or at > 1:
                    pairs[left, token] += count
            if at + 1 < len(sequence) and not token == sequence[at + 1] == BREAK:
                if at == len(here):
                    pairs[token, sequence[at + 1]] += count
                if not left == token == BREAK:
                    triples[left, token, sequence[at + 1]] += count
    return uni, pairs, triples


def split_word(word: str, counts: dict[str, int], total: int) -> Optional[list[str]]:
    """The likeliest split of `word` into syllables the corpus knows, or None.

    >>> split_word("วันนี้", {"วัน": 5, "นี้": 4, "วันนี": 1}, 10)
    ['วัน', 'นี้']
    >>> split_word("xyz", {"x": 1}, 1) is None
    True
    """
    best: list[Optional[tuple[float, int]]] = [(0.0, 0)] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - LONGEST_SYLLABLE), end):
            count = counts.get(word[start:end])
            if count and best[start] is not None:
                score = best[start][0] + math.log(count / total)
                if best[end] is None or score > best[end][0]:
                    best[end] = (score, start)
    if best[-1] is None:
        return None
    found, end = [], len(word)
    while end:
        start = best[end][1]
        found.append(word[start:end])
        end = start
    return found[::-1]


def syllable_arrays(trigrams: dict[tuple[str, str, str], int], words: Iterable[str]) -> Table:
    """The table `SyllablePairs` reads: an index of the tokens with their counts (and how
    often each comes first in a pair), the pairs and triples of tokens as sorted numbers
    (`left * n + right`, `(first * n + second) * n + third`) with their counts, and an index
    of `words` with each one's first, last but one (-1 for none) and last token."""
    uni, pairs, triples = sequence_counts(trigrams)
    uni[BREAK] = max(uni[BREAK], sum(n for (a, _), n in pairs.items() if a == BREAK))
    names = sorted(set(uni) | {token for pair in pairs for token in pair})
    index, order = key_index(names)
    entry = {names[n]: e for e, n in enumerate(order.tolist())}
    left: Counter = Counter()
    for (a, _), count in pairs.items():
        left[a] += count
    size = len(names)
    pair_keys, pair_counts = _sorted_keys(
        {entry[a] * size + entry[b]: n for (a, b), n in pairs.items()})
    triple_keys, triple_counts = _sorted_keys(
        {(entry[a] * size + entry[b]) * size + entry[c]: n for (a, b, c), n in triples.items()})
    total = sum(uni.values())
    plain = {name: count for name, count in uni.items() if name not in (BREAK, NUMBER)}
    split = {}
    for word in words:
        found = split_word(word, plain, total)
        if found:
            split[word] = (entry[found[0]], entry[found[-2]] if len(found) > 1 else -1,
                           entry[found[-1]])
    word_index, word_order = key_index(list(split))
    ends = np.array([split[w] for w in np.array(list(split), dtype=object)[word_order].tolist()],
                    dtype=np.int32).reshape(-1, 3)
    arrays = {
        **columns({"tokens": index, "words": word_index}),
        "counts": np.array([uni[names[n]] for n in order.tolist()], dtype=np.int64),
        "left": np.array([left[names[n]] for n in order.tolist()], dtype=np.int64),
        "pairs": pair_keys, "pair_counts": pair_counts,
        "triples": triple_keys, "triple_counts": triple_counts,
        "ends": ends,
    }
    return Table(arrays, {"size": size, "total": total, "break": entry[BREAK],
                          "number": entry[NUMBER] if NUMBER in entry else -1})


def _sorted_keys(counts: dict[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Keys (ascending, for a binary search) and their counts, as two arrays.

    >>> _sorted_keys({7: 1, 3: 2})
    (array([3, 7]), array([2, 1]))
    """
    keys = np.array(list(counts), dtype=np.int64)
    order = np.argsort(keys)
    return keys[order], np.array(list(counts.values()), dtype=np.int64)[order]


def _count(keys: np.ndarray, counts: np.ndarray, wanted: int) -> int:
    """The count stored for `wanted` in sorted `keys`, or 0."""
    at = int(keys.searchsorted(wanted))
    return int(counts[at]) if at < len(keys) and int(keys[at]) == wanted else 0


# A lattice state: the token before the last one (None when unknown) and the last one.
State = tuple[Optional[int], int]


class SyllablePairs:
    """The syllable statistics of the mapped table (`syllable_arrays`), read as a text asks:
    a word's first and last syllables, and the score of a syllable after the ones before."""

    def __init__(self, table: Table) -> None:
        arrays, meta = table.arrays, table.meta
        self._tokens = KeyIndex(column_of(arrays, "tokens"))
        self._words = KeyIndex(column_of(arrays, "words"))
        self._counts, self._left = arrays["counts"], arrays["left"]
        self._pairs, self._pair_counts = arrays["pairs"], arrays["pair_counts"]
        self._triples, self._triple_counts = arrays["triples"], arrays["triple_counts"]
        self._ends_of = arrays["ends"]
        self.size, self.total = meta["size"], meta["total"]
        self.break_id = meta["break"]
        self.number_id = meta["number"] if meta["number"] >= 0 else None
        self._ends: dict[str, Optional[tuple[int, State]]] = {}
        self._scores: dict[tuple[State, int], float] = {}

    def ends(self, word: str) -> Optional[tuple[int, State]]:
        """A lexicon word's first syllable and the state it leaves (its last two), as token
        numbers, or None."""
        found = self._ends.get(word, ())
        if found == ():
            entry = self._words.find(word)
            if entry < 0:
                found = None
            else:
                head, before, last = self._ends_of[entry].tolist()
                found = (head, (before if before >= 0 else None, last))
            self._ends[word] = found
        return found

    def token(self, text: str) -> Optional[int]:
        """A token's number, or None when the corpus never saw it."""
        entry = self._tokens.find(text)
        return None if entry < 0 else entry

    def context_log(self, state: State, right: int) -> float:
        """SYLLABLE_WEIGHT times log P(right | state) / P(right): the pair's probability
        smoothed with SYLLABLE_PRIOR pseudo-counts of P(right), the triple's (when the token
        before is known) with SYLLABLE_TRIPLE_PRIOR of the pair's; 0 where the corpus knows
        nothing."""
        key = (state, right)
        score = self._scores.get(key)
        if score is None:
            score = self._scores[key] = self._context_log(state, right)
        return score

    def _context_log(self, state: State, right: int) -> float:
        share = int(self._counts[right]) / self.total
        if not share:
            return 0.0
        before, left = state
        size = self.size
        seen = _count(self._pairs, self._pair_counts, left * size + right)
        given = (seen + SYLLABLE_PRIOR * share) / (int(self._left[left]) + SYLLABLE_PRIOR)
        if before is not None and SYLLABLE_TRIPLE_PRIOR:
            seen = _count(self._triples, self._triple_counts, (before * size + left) * size + right)
            context = _count(self._pairs, self._pair_counts, before * size + left)
            given = (seen + SYLLABLE_TRIPLE_PRIOR * given) / (context + SYLLABLE_TRIPLE_PRIOR)
        return SYLLABLE_WEIGHT * math.log(given / share)


@lru_cache(maxsize=1)
def syllable_pairs() -> Optional[SyllablePairs]:
    """The syllable statistics from TLTK's data when TLTK is installed (built once per
    installation, then mapped from the model cache), else None."""
    path = tltk_file()
    if path is None or not SYLLABLE_WEIGHT:
        return None
    thai = package_inputs(PYTHAINLP)
    inputs = Inputs(thai.packages + ("tltk",), thai.files + (path,))
    return SyllablePairs(cached_table("thai-syllables", inputs, lambda: _built(path)))


def _built(path: Path) -> Table:
    freqs = thai_word_frequencies()
    words = sorted(freqs, key=lambda w: -freqs[w])[:THAI_WORDS_KEPT]
    return syllable_arrays(read_trigrams(path), words)
