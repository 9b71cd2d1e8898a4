"""Traditional Chinese, which wordfreq folds into Simplified.

wordfreq's Chinese list is Simplified only: it converts Traditional characters to Simplified
before counting (`们` is listed, `們` is not). A post from Taiwan or Hong Kong read through the
damage would then be restored in Simplified characters, which are other characters with other
bytes: wrong wherever they differ. The same mapping wordfreq converts with (`_chinese_mapping`,
a data file it ships) is read here the other way round, to spell its words in Traditional
characters (`traditional_spellings`), and the characters a text or its document shows intact
say which of the two it is written in (`written_traditional`).
"""
from __future__ import annotations

import gzip
import itertools
from collections import defaultdict
from functools import lru_cache
from typing import Iterable

from .cache import package_folder

TRADITIONAL = "zh-Hant"  # the word lattice's name for wordfreq's Chinese, spelt Traditional
# A word with more spellings than this (characters of many Traditional forms) keeps its first.
MAX_SPELLINGS = 8


@lru_cache(maxsize=1)
def traditional_forms() -> dict[str, tuple[str, ...]]:
    """Simplified character -> the Traditional characters wordfreq folds into it, from
    wordfreq's own mapping; {} without wordfreq's data file.

    >>> traditional_forms()["们"], traditional_forms()["发"]
    (('們',), ('發', '髮'))
    """
    import msgpack  # wordfreq's own dependency

    folder = package_folder("wordfreq")
    path = folder / "data" / "_chinese_mapping.msgpack.gz" if folder else None
    if path is None or not path.exists():
        return {}
    with gzip.open(path) as file:
        mapping = msgpack.load(file, raw=False, strict_map_key=False)
    forms: dict[str, list[str]] = defaultdict(list)
    for traditional, simplified in sorted(mapping.items()):
        simplified = chr(simplified) if isinstance(simplified, int) else simplified
        if len(simplified) == 1 and chr(traditional) != simplified:
            forms[simplified].append(chr(traditional))
    return {char: tuple(found) for char, found in forms.items()}


def traditional_spellings(freqs: dict[str, float]) -> dict[str, float]:
    """wordfreq's Chinese words spelt in Traditional characters, each spelling with an equal
    share of its word's frequency (the mapping says which characters, not how often each).

    >>> traditional_spellings({"我们": 0.002, "头发": 0.0001})
    {'我們': 0.002, '頭發': 5e-05, '頭髮': 5e-05}
    """
    forms = traditional_forms()
    spelt: dict[str, float] = {}
    for word, freq in freqs.items():
        options = [forms.get(char, (char,)) for char in word]
        spellings = list(itertools.islice(itertools.product(*options), MAX_SPELLINGS))
        for spelling in spellings:
            text = "".join(spelling)
            spelt[text] = spelt.get(text, 0.0) + freq / len(spellings)
    return spelt


def written_traditional(chars: Iterable[str], votes: int = 0) -> bool:
    """Whether the Chinese characters among `chars` (shown intact by the damage) are more
    often Traditional-only than Simplified-only forms; `votes`: what other characters said
    (`script_vote`, summed).

    >>> written_traditional("我們在這裡"), written_traditional("我们在这里"), written_traditional("我在")
    (True, False, False)
    """
    return votes + sum(map(script_vote, chars)) > 0


def script_vote(char: str) -> int:
    """1 for a Traditional-only form (`們`), -1 for a Simplified-only one (`们`), else 0 (a
    text with no Chinese character never reads the mapping)."""
    if not ("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
            or char >= "\U00020000"):
        return 0
    if char in _traditional_chars():
        return 1
    return -1 if char in traditional_forms() else 0


@lru_cache(maxsize=1)
def _traditional_chars() -> frozenset[str]:
    return frozenset(c for found in traditional_forms().values() for c in found)
