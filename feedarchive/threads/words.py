"""Content words of a post, and how many two posts share.

Used to break ties between equally near parts and to score candidates; never to decide
whether a post belongs to a thread.
"""
from __future__ import annotations

import re

_STOPWORDS = frozenset(
    """this that with from have what when where which they them their there your yours about
    just like been were will would could should than then into over also only some more most
    very much such because while dans avec pour mais sont cette nous vous elle leur plus comme
    tout tous être fait faire""".split()
)


_UNSPACED = r"[\u0e00-\u0e7f\u3040-\u30ff\u4e00-\u9fff]"
_UNSPACED_CHAR = re.compile(_UNSPACED)
_UNSPACED_RUN = re.compile(_UNSPACED + "+")
_LINKS_AND_MENTIONS = re.compile(r"https?://\S+|@\w+")
_WORD = re.compile(r"[^\W\d_]{4,}")


def content_words(text: str) -> set[str]:
    """Content words: words of 4+ letters, and character triples of Thai/CJK runs (no spaces).

    >>> sorted(content_words("This is about Warmup schedules https://example.org @ada"))
    ['schedules', 'warmup']
    >>> sorted(content_words("東京タワー"))
    ['タワー', '京タワ', '東京タ']
    """
    text = _LINKS_AND_MENTIONS.sub(" ", text.lower())
    if _UNSPACED_CHAR.search(text) is None:  # most posts: words only
        return {w for w in _WORD.findall(text) if w not in _STOPWORDS}
    out = {w for w in _WORD.findall(_UNSPACED_CHAR.sub(" ", text)) if w not in _STOPWORDS}
    for run in _UNSPACED_RUN.findall(text):
        out.update(run[i:i + 3] for i in range(len(run) - 2))
    return out


def similarity(ta: frozenset[str], tb: frozenset[str]) -> float:
    """Jaccard overlap of two posts' content words, 0..1.

    >>> round(similarity(frozenset({"warmup", "schedules"}), frozenset({"warmup", "decay"})), 2)
    0.33
    >>> similarity(frozenset(), frozenset({"warmup"}))
    0.0
    """
    if not ta or not tb:
        return 0.0
    return len(ta & tb) / len(ta | tb)
