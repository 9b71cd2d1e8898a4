"""Word-level decoding of damaged Thai runs.

Thai is written without spaces, and in the lossy Thai damage nearly every Thai character loses
a byte: a consonant keeps only its block (`เธ` + ?). Character pairs cannot choose among thirty
consonants; words can. A run of such groups is segmented into dictionary words, each position
taking one of its candidates, over a lattice of raw-text positions:

- a word edge spells a known word (the Thai corpora's counts from PyThaiNLP's data files)
  through consecutive groups, scored by the word's probability;
- a character edge takes one candidate alone, scored by its prior, as an out-of-vocabulary
  token;
- a real space between groups is an edge of its own, scored by the probability of a space
  (so a reading that owns the space as byte 0xA0 competes fairly with one that does not); so is
  any other character the damage left between two groups (a digit, `#`), at no cost.

Each word is an edge of its own, and the best path chooses: words that share a damaged form
(`โดย`, `ไทย`, `เคย`) must not lend each other letters. Forward-backward gives the confidence of
each choice. Japanese has a lattice of its own (`japanese`); the damaged forms (`damage`)
and the lattice maths (`lattice`) serve both.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import numpy as np

from ..tuning import (
    AFTER_NUMBER_CLASSIFIER, MAX_WORD, THAI_SPACE_LOG, THAI_WORDS_KEPT, WORDS_PER_FORM,
    WORD_WEIGHT,
)
from .cache import PYTHAINLP, Table, cached_table, package_inputs
from .candidates import CandidateTable
from .context import char_before
from .damage import DAMAGED_ENCODING, Group, damaged_form
from .lattice import (Context, Edge, best_path, best_path_in_context, fitting_forms, gap_log,
                      marginals, marginals_in_context)
from .mapped import (DecodedOnDemand, column_of, columns, key_index, string_column,
                     strings_of)
from .prior import char_class, thai_classifiers, thai_word_frequencies
from .syllables import SyllablePairs, syllable_pairs


@dataclass
class Lexicon:
    """Thai words indexed by what the damage leaves of them, so that finding every word a
    stretch of damaged text can spell is one look-up per length."""

    # damaged form -> [(character spans relative to the form, ((word, log p), ...))]
    forms: "LexiconForms"
    lengths: tuple[int, ...]  # lengths of damaged forms that occur, ascending
    classifiers: frozenset[str]  # words that count what a number counts (`บาท`, `ปี`)
    classifier_share: float  # their share of word tokens


class LexiconForms(DecodedOnDemand):
    """Damaged form -> [(character spans relative to the form, ((word, log p), ...))], read
    from the mapped lexicon table (`lexicon_table`): a form's words are decoded the first time
    a text asks for it."""

    def __init__(self, arrays: dict) -> None:
        super().__init__(column_of(arrays, "forms"), DAMAGED_ENCODING)
        self._rows = arrays["rows"]  # each form's first word, and one past its last
        self._words = column_of(arrays, "words")
        self._scores = arrays["scores"]
        self._layout_starts = arrays["layout_starts"]  # 1 where a word starts another layout

    def decode(self, entry: int) -> list:
        first, last = int(self._rows[entry]), int(self._rows[entry + 1])
        layouts: list[tuple[tuple, list]] = []
        for word, score, starts in zip(strings_of(self._words, first, last),
                                       self._scores[first:last].tolist(),
                                       self._layout_starts[first:last].tolist()):
            if starts:
                layouts.append((_layout(word), []))
            layouts[-1][1].append((word, score))
        return [(layout, tuple(words)) for layout, words in layouts]


def _layout(word: str) -> tuple[tuple[int, int], ...]:
    """Where each character of `word` falls in its damaged form.

    >>> _layout("ไทย")  # ไ and ท lost their last byte (0x84, 0x97); ย kept all three
    ((0, 2), (2, 4), (4, 7))
    """
    return tuple((a, b) for a, b, _ in damaged_form(word)[1])


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The THAI_WORDS_KEPT commonest words, as probabilities times the share of word tokens:
    indexed once per installation (a second or two), then mapped from the model cache."""
    return read_lexicon(cached_table("thai-lexicon", package_inputs(PYTHAINLP), lexicon_table))


def lexicon_table() -> Table:
    """The Thai lexicon as arrays (`lexicon_arrays`), with the classifiers and their share."""
    freqs = thai_word_frequencies()
    return lexicon_arrays(freqs, THAI_WORDS_KEPT, thai_classifiers())


def read_lexicon(table: Table) -> Lexicon:
    """The `Lexicon` a table of `lexicon_arrays` holds."""
    meta = table.meta
    return Lexicon(LexiconForms(table.arrays), tuple(meta["lengths"]),
                   frozenset(meta["classifiers"]), meta["classifier_share"])


def lexicon_arrays(freqs: dict[str, float], kept: int,
                   classifiers: frozenset[str] = frozenset(), shortest: int = 2) -> Table:
    """The `kept` commonest words of `freqs` as arrays: an index of the damaged forms
    (`KeyIndex`), and for each form its words, their log probabilities and where each
    layout's words start, in the order `LexiconForms.get` gives them."""
    top = sorted(freqs.items(), key=lambda item: -item[1])[:kept]
    total = sum(f for _, f in top) or 1.0
    found: dict[str, dict[tuple, list[tuple[str, float]]]] = {}
    for word, freq in top:
        if not shortest <= len(word) <= MAX_WORD:
            continue
        form = damaged_form(word)
        if form is None:
            continue
        layout = tuple((a, b) for a, b, _ in form[1])
        found.setdefault(form[0], {}).setdefault(layout, []).append(
            (word, math.log(WORD_WEIGHT * freq / total))
        )
    forms = list(found)
    index, order = key_index(forms, DAMAGED_ENCODING)
    rows = [0]
    words, scores, layout_starts = [], [], []
    for n in order.tolist():
        for layout_words in found[forms[n]].values():
            kept = sorted(layout_words, key=lambda w: -w[1])[:WORDS_PER_FORM]
            words += [w for w, _ in kept]
            scores += [score for _, score in kept]
            layout_starts += [1] + [0] * (len(kept) - 1)
        rows.append(len(words))
    share = sum(freqs.get(w, 0.0) for w in classifiers) / total
    arrays = {
        **columns({"forms": index, "words": string_column(words)}),
        "rows": np.array(rows, dtype=np.int64),
        "scores": np.array(scores, dtype=np.float64),
        "layout_starts": np.array(layout_starts, dtype=np.uint8),
    }
    meta = {"lengths": sorted({len(k) for k in forms}), "classifiers": sorted(classifiers),
            "classifier_share": share}
    return Table(arrays, meta)


@lru_cache(maxsize=None)
def _char_weight_log(char: str) -> float:
    """log share of single-character tokens, for the script of `char`. Punctuation is no
    out-of-vocabulary word (the word lists leave it out): it pays nothing.

    >>> round(_char_weight_log("ก"), 2), _char_weight_log(".")  # log(1 - WORD_WEIGHT)
    (-3.0, 0.0)
    """
    if unicodedata.category(char)[0] == "P":
        return 0.0
    return math.log(1.0 - WORD_WEIGHT)


def _lattice_class(char: str) -> bool:
    """Whether `char` is of a script the word lattices read (Thai, CJK).

    >>> _lattice_class("ก"), _lattice_class("の"), _lattice_class("é")
    (True, True, False)
    """
    return char_class(char) in ("thai", "cjk")


def _can_be_word_char(candidates: CandidateTable) -> bool:
    """Whether any candidate is Thai or Japanese (cached per candidate table)."""
    return candidates.derived("lattice", lambda table: any(_lattice_class(c) for c in table))


def spans(groups: list[Group], fits=None) -> list[list[int]]:
    """Runs of consecutive groups that can be Thai or Japanese (or whose candidates `fits`,
    given, accepts) and touch each other.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> spans(parse_lossy(damage("สวัสดี".encode())).groups)  # six damaged characters, one run
    [[0, 1, 2, 3, 4, 5]]
    >>> spans(parse_lossy("Caf" + damage("é".encode())).groups)  # one group, and not Thai
    []
    """
    runs: list[list[int]] = []
    for g, group in enumerate(groups):
        if not any((fits or _can_be_word_char)(r.candidates) for r in group.readings):
            continue
        if runs and runs[-1][-1] == g - 1:
            ends = {r.end for r in groups[g - 1].readings}
            if group.start in ends or group.start - 1 in ends:
                runs[-1].append(g)
                continue
        runs.append([g])
    return [run for run in runs if len(run) > 1]


def decode_span(
    text: str,
    groups: list[Group],
    run: list[int],
    options: dict[int, list[tuple[str, int, float]]],
    lex: Optional[Lexicon] = None,
    space_log: float = THAI_SPACE_LOG,
) -> tuple[dict[int, tuple[str, int, float]], dict[tuple[int, str, int], float]]:
    """(character, end of its reading, probability) chosen for each group of `run`, and the
    probability of every (group, character, end) the lattice offered (`lattice.marginals`).

    `options` holds each group's candidates worth a character edge: (character, end of its
    reading, log score), '' standing for the rest of them. `lex` is the Thai lexicon unless
    another language's is given (`words`), with `space_log` what a real space between two
    groups costs in it.

    Five consonants of `ขอบคุณมาก` lost their last byte, leaving `เธ` of each; with all Thai
    candidates equally likely, the words decide:

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = damage("ขอบคุณมาก".encode())
    >>> groups = parse_lossy(text).groups
    >>> options = {g: [(c, r.end, 0.0) for r in groups[g].readings for c in r.candidates
    ...                if char_class(c) == "thai"] for g in range(len(groups))}
    >>> found, _mass = decode_span(text, groups, list(range(len(groups))), options)
    >>> "".join(found[g][0] for g in sorted(found))
    'ขอบคุณมาก'
    """
    lattice = span_lattice(text, groups, run, options, lex, space_log)
    by_start, first, last, ends = lattice.by_start, lattice.first, lattice.last, lattice.ends
    if lattice.context is None:
        mass = marginals(by_start, first, last, ends)
        path = best_path(by_start, first, last, ends)
    else:
        mass = marginals_in_context(by_start, first, last, ends, lattice.context)
        path = best_path_in_context(by_start, first, last, ends, lattice.context)
    return {g: (char, end, mass.get((g, char, end), 0.0)) for g, end, char in path}, mass


@dataclass
class SpanLattice:
    """The lattice of one run of groups (`span_lattice`): its edges by start position, the
    raw positions where paths start (`first`) and may end (`ends`, up to `last`), and the
    syllable context that scores them (None without TLTK's data, or for another language's
    lexicon)."""

    by_start: dict[int, list[Edge]]
    first: int
    last: int
    ends: list[int]
    context: Optional[Context]


def span_lattice(
    text: str,
    groups: list[Group],
    run: list[int],
    options: dict[int, list[tuple[str, int, float]]],
    lex: Optional[Lexicon] = None,
    space_log: float = THAI_SPACE_LOG,
) -> SpanLattice:
    """The lattice `decode_span` decodes (its arguments are the same): a character edge per
    option, an edge per lexicon word the damaged text can spell, an edge per raw character
    between two groups, and Thai's syllable context when the lexicon is Thai's.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = damage("ไทย".encode())
    >>> groups = parse_lossy(text).groups
    >>> lattice = span_lattice(text, groups, [0, 1, 2], {g: [] for g in range(3)})
    >>> words = {"".join(c for _, _, c in edge.picks) for edge in lattice.by_start[0]}
    >>> {"ไทย", "โดย", "เคย", "ใน"} <= words  # whole or in part, the damage spells them all
    True
    """
    pairs = syllable_pairs() if lex is None else None  # Thai's syllables, for Thai's words
    lex = lex or lexicon()
    at = {groups[g].start: g for g in run}
    first, last = groups[run[0]].start, max(r.end for r in groups[run[-1]].readings)
    edges: list[Edge] = []
    for g in run:
        start = groups[g].start
        found = len(edges)
        for char, end, score in options[g]:
            if not char:  # candidates not worth an edge each: their mass, choosing none
                edges.append(Edge(start, end, score + _char_weight_log(groups[g].readings[0].candidates[0]), ()))
                continue
            edges.append(Edge(start, end, score + _char_weight_log(char), ((g, end, char),)))
        _word_edges(lex, text, groups, at, g, last, edges)
        if _after_number(text, start):
            _expect_classifier(lex, edges, found)
    for pos in range(first, last):
        if pos not in at:
            edges.append(Edge(pos, pos + 1, gap_log(text[pos], space_log), ()))
    ends = list({r.end for r in groups[run[-1]].readings})
    by_start: dict[int, list[Edge]] = {}
    for edge in edges:
        by_start.setdefault(edge.start, []).append(edge)
    context = None if pairs is None else syllable_context(pairs, text, first, ends, edges)
    return SpanLattice(by_start, first, last, ends, context)


def syllable_context(pairs: SyllablePairs, text: str, first: int, ends: list[int],
                     edges: list[Edge]) -> Context:
    """The syllable `Context` of a Thai run: a word edge starts with its word's first
    syllable and leaves its last two; a space or line between groups is a break, a digit a
    number; the text around the run says what comes before it and after each end."""
    for edge in edges:
        if edge.picks and len(edge.picks) > 1:
            found = pairs.ends("".join(c for _, _, c in edge.picks))
            if found:
                edge.head, edge.tail = found
        elif not edge.picks and edge.end == edge.start + 1:
            edge.head = _text_token(pairs, text[edge.start])
            edge.tail = None if edge.head is None else (None, edge.head)
    before = _text_token(pairs, text[first - 1] if first > 0 else "")
    after = {end: _text_token(pairs, text[end] if end < len(text) else "") for end in ends}
    return Context(pairs.context_log, None if before is None else (None, before), after)


def _text_token(pairs: SyllablePairs, char: str) -> Optional[int]:
    """The syllable token a character beside Thai groups stands for: a break for a space, a
    line or the text's edge (''), a number for a digit, none for anything else."""
    if not char or char.isspace():
        return pairs.break_id
    if char.isascii() and char.isdigit():
        return pairs.number_id
    return None


def _after_number(text: str, start: int) -> bool:
    """Whether a digit comes right before `start`, spaces aside.

    >>> _after_number("50 x", 3), _after_number("ab x", 3)
    (True, False)
    """
    before = char_before(text, start)
    return before.isascii() and before.isdigit()


def _expect_classifier(lex: Lexicon, edges: list[Edge], found: int) -> None:
    """Rescore the edges from `found` on, which start right after a number: a classifier
    takes AFTER_NUMBER_CLASSIFIER of the probability, every other reading the rest.

    >>> def edge(word):
    ...     return Edge(0, len(word), -5.0, tuple((i, i + 1, c) for i, c in enumerate(word)))
    >>> baht, from_ = edge("บาท"), edge("จาก")  # a classifier (`50 บาท`); a preposition
    >>> _expect_classifier(lexicon(), [baht, from_], 0)
    >>> baht.score > -5.0, round(from_.score, 2)  # the rest pays log(1 - 0.5)
    (True, -5.69)
    """
    if not lex.classifier_share:
        return
    share = AFTER_NUMBER_CLASSIFIER
    boost = math.log(share / lex.classifier_share + 1.0 - share)
    other = math.log(1.0 - share)
    for edge in edges[found:]:
        word = "".join(c for _, _, c in edge.picks)
        edge.score += boost if word in lex.classifiers else other


def _word_edges(lex, text, groups, at, g, last, edges) -> None:
    for length, ends, words in fitting_forms(lex.forms, lex.lengths, text, groups, at, g, last):
        for word, score in words:
            picks = tuple((h, end, char) for (h, end), char in zip(ends, word))
            edges.append(Edge(groups[g].start, groups[g].start + length, score, picks))


