"""Tables as arrays that are read where they lie: columns of strings, an index by string, rows
of different lengths, dicts of characters.

The model cache (`cache`) stores a table as named arrays and maps them from its file; these are
the shapes the models' tables take in it, and the look-ups that read them without loading them:
`KeyIndex` finds a string among a million with a binary search over hashes, where a dict of
them would cost hundreds of MB in every process.
"""
from __future__ import annotations

import hashlib
from typing import Iterable, Optional, Sequence

import numpy as np


def string_column(strings: Iterable[str], encoding: str = "utf-8") -> dict[str, np.ndarray]:
    """Strings as one byte array and their offsets in it (n + 1 of them).

    >>> names = string_column(["naïve", "", "日本"])
    >>> strings_of(names), strings_of(names, 1, 3)
    (['naïve', '', '日本'], ['', '日本'])
    """
    return _bytes_column([s.encode(encoding, "surrogatepass") for s in strings])


def _bytes_column(encoded: list[bytes]) -> dict[str, np.ndarray]:
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    return {"bytes": np.frombuffer(b"".join(encoded), dtype=np.uint8), "offsets": offsets}


def strings_of(column: dict[str, np.ndarray], first: int = 0, last: Optional[int] = None,
               encoding: str = "utf-8") -> list[str]:
    """The strings `first` to `last` (excluded; all by default) of a `string_column`."""
    offsets = column["offsets"][first:None if last is None else last + 1].tolist()
    if not offsets:
        return []
    data = column["bytes"][offsets[0]:offsets[-1]].tobytes()
    return [data[a - offsets[0]:b - offsets[0]].decode(encoding, "surrogatepass")
            for a, b in zip(offsets, offsets[1:])]


def columns(named: dict[str, dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Several columns (each a dict of arrays) as the arrays of one table, named
    `column.array`; `column_of` takes one back out.

    >>> arrays = columns({"words": string_column(["cat"])})
    >>> sorted(arrays), strings_of(column_of(arrays, "words"))
    (['words.bytes', 'words.offsets'], ['cat'])
    """
    return {f"{name}.{part}": array
            for name, arrays in named.items() for part, array in arrays.items()}


def column_of(arrays: dict[str, np.ndarray], name: str) -> dict[str, np.ndarray]:
    """The column `columns` stored under `name`."""
    start = name + "."
    return {key[len(start):]: array for key, array in arrays.items() if key.startswith(start)}


def key_hash(data: bytes) -> int:
    """A key's 64-bit hash, the same in every process (Python's `hash` of a string is not)."""
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def key_index(keys: Sequence[str], encoding: str = "utf-8") -> tuple[dict[str, np.ndarray],
                                                                     np.ndarray]:
    """The arrays of a `KeyIndex` over distinct `keys`, and the order of its entries: entry
    `e` is `keys[order[e]]` (entries are sorted by the keys' hashes)."""
    encoded = [k.encode(encoding, "surrogatepass") for k in keys]
    hashes = np.fromiter(map(key_hash, encoded), dtype=np.uint64, count=len(encoded))
    order = np.argsort(hashes, kind="stable")
    keys_column = _bytes_column([encoded[n] for n in order.tolist()])
    return {"hashes": hashes[order], **columns({"keys": keys_column})}, order


class KeyIndex:
    """A string's entry number in a table: a binary search among the keys' 64-bit hashes, the
    key itself compared to rule out a collision. Nothing is loaded: a look-up reads a few
    pages of the mapped file, where a dict of a million keys would cost hundreds of MB in
    every process.

    >>> arrays, order = key_index(["cat", "dog", "owl"])
    >>> index = KeyIndex(arrays)
    >>> [["cat", "dog", "owl"][order[index.find(k)]] for k in ("owl", "cat")], index.find("emu")
    (['owl', 'cat'], -1)
    """

    def __init__(self, arrays: dict[str, np.ndarray], encoding: str = "utf-8") -> None:
        self.hashes = arrays["hashes"]
        self.keys = column_of(arrays, "keys")
        self.encoding = encoding

    def find(self, key: str) -> int:
        """The entry of `key`, or -1."""
        try:
            data = key.encode(self.encoding)
        except UnicodeEncodeError:  # a character no key can hold
            return -1
        wanted = key_hash(data)
        entry = int(self.hashes.searchsorted(np.uint64(wanted)))
        offsets, stored = self.keys["offsets"], self.keys["bytes"]
        while entry < len(self.hashes) and int(self.hashes[entry]) == wanted:
            if stored[int(offsets[entry]):int(offsets[entry + 1])].tobytes() == data:
                return entry
            entry += 1
        return -1


class DecodedOnDemand:
    """Entries of a mapped table found by key (`KeyIndex`), each decoded by `decode(entry)`
    the first time a text asks for it and kept: a text asks for few of a million keys, and
    often for the same ones again."""

    def __init__(self, keys: dict[str, np.ndarray], encoding: str = "utf-8") -> None:
        self._index = KeyIndex(keys, encoding)
        self._decoded: dict[str, list] = {}

    def get(self, key: str, default=()):
        found = self._decoded.get(key)
        if found is None:
            entry = self._index.find(key)
            if entry < 0:
                return default
            found = self._decoded[key] = self.decode(entry)
        return found

    def decode(self, entry: int) -> list:
        raise NotImplementedError


def grouped(values: np.ndarray, groups: np.ndarray, count: int) -> dict[str, np.ndarray]:
    """`values` as rows of a ragged column, value `i` in row `groups[i]` (of `count` rows),
    each row in the order the values come: the flat values and where each row starts (n + 1).

    >>> rows = grouped(np.array([10, 11, 12, 13]), np.array([2, 0, 2, 0]), 3)
    >>> [row_of(rows, n).tolist() for n in range(3)]
    [[11, 13], [], [10, 12]]
    """
    by_row = np.argsort(groups, kind="stable")
    offsets = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(np.bincount(groups, minlength=count), out=offsets[1:])
    return {"values": values[by_row], "offsets": offsets}


def row_of(column: dict[str, np.ndarray], n: int) -> np.ndarray:
    """Row `n` of a `grouped` column."""
    return column["values"][int(column["offsets"][n]):int(column["offsets"][n + 1])]


class KeyedValues:
    """A dict from strings to numbers, kept in the mapped file: `get` finds a key's entry
    (`KeyIndex`) and reads its value.

    >>> freqs = KeyedValues(keyed_values({"the": 0.05, "cat": 1e-4}))
    >>> freqs.get("cat"), freqs.get("dog"), freqs.get("dog", -1.0)
    (0.0001, 0.0, -1.0)
    """

    def __init__(self, arrays: dict[str, np.ndarray]) -> None:
        self.index = KeyIndex(arrays)
        self.values = arrays["values"]

    def get(self, key: str, default: float = 0.0) -> float:
        entry = self.index.find(key)
        return default if entry < 0 else self.values[entry].item()


def keyed_values(mapping: dict[str, float]) -> dict[str, np.ndarray]:
    """The arrays of a `KeyedValues`."""
    keys = list(mapping)
    index, order = key_index(keys)
    values = np.array([mapping[keys[n]] for n in order.tolist()], dtype=np.float64)
    return {**index, "values": values}


def char_column(values: dict) -> dict[str, np.ndarray]:
    """A dict whose keys are single characters, or tuples of them, as the keys' code points
    (one column per character) and the values, in the dict's order.

    >>> char_dict(char_column({"é": 0.5, "😀": 0.25}))
    {'é': 0.5, '😀': 0.25}
    >>> char_dict(char_column({("q", "u"): 2.0}))
    {('q', 'u'): 2.0}
    """
    keys = [key if isinstance(key, tuple) else (key,) for key in values]
    chars = np.array([[ord(c) for c in key] for key in keys], dtype=np.uint32)
    return {"chars": chars.reshape(-1, len(keys[0]) if keys else 1),
            "values": np.array(list(values.values()), dtype=np.float64)}


def char_dict(column: dict[str, np.ndarray]) -> dict:
    """The dict `char_column` stored, in its order again."""
    chars = column["chars"]
    if chars.shape[1] == 1:
        keys = map(chr, chars[:, 0].tolist())
    else:
        keys = zip(*(map(chr, chars[:, side].tolist()) for side in range(chars.shape[1])))
    return dict(zip(keys, column["values"].tolist()))
