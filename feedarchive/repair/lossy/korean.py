"""Damaged Korean decoded with mecab-ko-dic's words and grammar: a dictionary lattice.

A Hangul syllable is three UTF-8 bytes, a lead byte EA-ED and two continuation bytes; the
lossy Thai damage deletes every byte 0x80-0x9F, so a syllable often keeps only its lead byte
and a position can be any of a few thousand syllables. A unigram list of morphemes
(wordfreq's, in `words`) picks the commonest ones and gets the endings wrong (`요` read `서`,
`했` read `하`): nothing says that an ending follows a stem, a particle a noun.

mecab-ko-dic, the dictionary of the Korean MeCab, has that grammar in the form `morphemes`
reads: its words (a stem, a particle, an ending, and inflected forms such as `했` = 하 + 았)
with left and right context ids and costs, and the connection costs of each pair of ids. Its
costs were trained to rank the ways to cut a given text, not to rank texts (`아서` costs far
less than `아요`, whichever is more common): alone they read damaged Korean worse than
wordfreq's words. So each word is scored by its cost plus its log frequency in wordfreq's
Korean list (`word_frequencies`), and the connection costs add the grammar. The
python-mecab-ko-dic package ships the compiled dictionary; it is read as data (`mecab`; no
MeCab is needed), and only when a text's Korean needs it. Without the `korean` extra,
Korean keeps wordfreq's lattice (`words`).

A space between words does not end a sentence, as it does in `japanese`: as in mecab-ko,
the words on either side are linked by the matrix, and a word after a space pays what the
dictionary's dicrc says for its part of speech (a particle or an ending does not start a
word). Punctuation the dictionary has (`.`, `,`, `?`) is linked as its own words (`marks`):
an ending before `.` closes a sentence.
"""
from __future__ import annotations

import math
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from ..tuning import KOREAN_UNKNOWN_SHARE, KOREAN_WORD_FLOOR, SPACED_WORD_SPACE_LOG
from .cache import MECAB_KO, WORDFREQ, Table, cached_table, package_folder, package_inputs
from .mecab import (cost_factor, read_connections, read_unknown, read_words, space_penalties,
                    word_ends)
from .morphemes import Dictionary, dictionary_table, read_dictionary
from .prior import forget_word_lists


def _dictionary_folder() -> Optional[Path]:
    folder = package_folder("mecab_ko_dic")
    found = folder / "dictionary" if folder else None
    return found if found and (found / "sys.dic").exists() else None


def available() -> bool:
    """Whether mecab-ko-dic is installed (the `korean` extra), found without reading it."""
    return _dictionary_folder() is not None


@lru_cache(maxsize=1)
def dictionary() -> Optional[Dictionary]:
    """Built once per installation (a few seconds), then mapped from the model cache
    (`cache`); None without the `korean` extra. `morphemes.decode` reads damaged Korean with it.

    `한국어를 공부합니다.` ("I study Korean") damaged (`한` and `니` keep only their lead byte,
    which 1,956 and 4,096 syllables start with; `어`, `부`, `합`, `다` lose one byte) with
    every candidate syllable equally likely: the words and their grammar read it back.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> from feedarchive.repair.lossy.morphemes import decode
    >>> text = damage("한국어를 공부합니다.".encode())
    >>> groups = parse_lossy(text).groups
    >>> def options(g):
    ...     return [(c, r.end, -8.0) for r in groups[g].readings for c in r.candidates
    ...             if unknown_category(c) == "HANGUL"]
    >>> found, _mass = decode(dictionary(), text, groups, list(range(len(groups))), options)
    >>> "".join(found[g][0] for g in sorted(found))
    '한국어를공부합니다'
    """
    if not available():
        return None
    table = cached_table("korean-dictionary", package_inputs(MECAB_KO, WORDFREQ), _table)
    return read_dictionary(table, math.log(KOREAN_UNKNOWN_SHARE), SPACED_WORD_SPACE_LOG,
                           unknown_category)


def _table() -> Table:
    """mecab-ko-dic as `morphemes.dictionary_table` arrays: its surfaces are the trie's keys,
    unknown words take the context ids its unk.dic gives their category, a word after a
    space pays what its dicrc says, and its punctuation marks are words of their own."""
    folder = _dictionary_folder()
    unknown = {kind: (left, right) for kind, (left, right, _) in read_unknown(folder / "unk.dic").items()}
    unknown["SPACE"] = (0, 0)
    words = read_words(folder / "sys.dic", keyed=True)
    return dictionary_table(words, read_connections(folder / "matrix.bin"),
                            cost_factor(folder / "dicrc"), unknown,
                            space_penalties(folder / "sys.dic", folder / "dicrc"), marks(*words),
                            word_frequencies(words[0], words[1]))


def word_frequencies(surfaces: bytes, starts) -> "np.ndarray":
    """Each word's log frequency in wordfreq's Korean list (KOREAN_WORD_FLOOR for a word not
    in it), added to its cost: mecab-ko-dic's costs rank the ways to cut one text, and say
    little of how common a word is against another (`아서` is far cheaper than `아요`);
    wordfreq's list counts the morphemes MeCab cut from real text.

    >>> surfaces = "이\\0고양이\\0뷁\\0".encode()
    >>> [round(float(f), 1) for f in word_frequencies(surfaces, np.array([0, 4, 14]))]
    [-3.5, -9.6, -16.1]
    """
    import wordfreq

    known = wordfreq.get_frequency_dict("ko", "small")
    ends = word_ends(surfaces, starts)
    floor = math.log(KOREAN_WORD_FLOOR)
    found = np.full(len(starts), floor, dtype=np.float32)
    for n, (start, end) in enumerate(zip(starts.tolist(), ends.tolist())):
        frequency = known.get(surfaces[start:end].decode("utf-8"))
        if frequency:
            found[n] = math.log(frequency)
    forget_word_lists(wordfreq)
    return found


def marks(surfaces: bytes, starts, lefts, rights, costs) -> dict[str, tuple[int, int]]:
    """The dictionary's one-character words that are punctuation or symbols, with the context
    ids of the cheapest entry of each: `.` after an ending says it ends a sentence.

    >>> words = (b"!\\0.\\0.\\0ab\\0", np.array([0, 2, 4, 6]), [1, 2, 3, 4], [5, 6, 7, 8], [9, 3, 4, 1])
    >>> marks(*words)
    {'!': (1, 5), '.': (2, 6)}
    """
    found: dict[str, tuple[int, int, int]] = {}
    ends = word_ends(surfaces, starts)
    for n in np.flatnonzero(ends - starts <= 4).tolist():
        text = surfaces[starts[n]:ends[n]].decode("utf-8")
        if len(text) != 1 or unicodedata.category(text)[0] not in "PS":
            continue
        if text not in found or costs[n] < found[text][2]:
            found[text] = (int(lefts[n]), int(rights[n]), int(costs[n]))
    return {char: (left, right) for char, (left, right, _) in sorted(found.items())}


def unknown_category(char: str) -> str:
    """mecab-ko-dic's character category, for the context ids of an unknown one-character word.

    >>> [unknown_category(c) for c in "한ㅋ漢ㆍ"]
    ['HANGUL', 'HANGUL', 'HANJA', 'SYMBOL']
    """
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3131 <= code <= 0x318E:
        return "HANGUL" if code != 0x318D else "SYMBOL"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF:
        return "HANJA"
    return "SYMBOL"
