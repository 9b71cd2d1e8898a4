"""What Unicode's emoji list says about emoji, for guessing damaged ones.

A damaged emoji often keeps only its lead byte, which fits a thousand emoji. Its neighbours
narrow that down when they are parts of a sequence (the words of the post, when they name what
an emoji shows, are `naming`'s). The `emoji` package carries Unicode's list of emoji and
sequences (kept up to date with each Unicode release), so the rules below are read from it
rather than written out by hand:

- a skin tone follows only an emoji that takes one (👩🏽, not 😩🏽);
- a joiner (U+200D) sits only between emoji that Unicode joins (👩‍💻, 🙇‍♀️; never 😂‍♂️);
- a variation selector (U+FE0F) follows only an emoji that has a text and an emoji form
  (🌶️, ✔️; not 🎶️);
- a flag is a pair of regional letters naming a region that has one (🇫🇷).
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .cache import EMOJI, Table, cached_table, package_inputs
from .mapped import column_of, columns, string_column, strings_of

VARIATION_SELECTOR = "\ufe0f"
JOINER = "\u200d"
SKIN_TONES = frozenset(chr(c) for c in range(0x1F3FB, 0x1F400))
REGIONAL_A = 0x1F1E6


@dataclass(frozen=True)
class EmojiSequences:
    modifier_bases: frozenset[str]  # take a skin tone
    before_joiner: frozenset[str]  # start or continue a joined sequence
    after_joiner: frozenset[str]  # continue one
    variation_bases: frozenset[str]  # take U+FE0F
    flag_regions: frozenset[str]  # two-letter codes with a flag


@lru_cache(maxsize=1)
def emoji_sequences() -> EmojiSequences:
    """The sets above, read from the `emoji` package's list once per installation, then from
    the model cache (`cache`).

    >>> sequences = emoji_sequences()
    >>> "👏" in sequences.modifier_bases, "😩" in sequences.modifier_bases
    (True, False)
    >>> "FR" in sequences.flag_regions, "ZZ" in sequences.flag_regions
    (True, False)
    """
    table = cached_table("emoji-sequences", package_inputs(EMOJI), emoji_sequences_table)
    return EmojiSequences(*(
        frozenset(strings_of(column_of(table.arrays, name))) for name in SEQUENCE_SETS
    ))


SEQUENCE_SETS = ("modifier_bases", "before_joiner", "after_joiner", "variation_bases",
                 "flag_regions")


def emoji_sequences_table() -> Table:
    from emoji import EMOJI_DATA

    modifier_bases: set[str] = set()
    before: set[str] = set()
    after: set[str] = set()
    variation: set[str] = set()
    flags: set[str] = set()
    for sequence, data in EMOJI_DATA.items():
        if data.get("variant") or sequence[1:2] == VARIATION_SELECTOR:
            variation.add(sequence[0])
        chars = [c for c in sequence if c != VARIATION_SELECTOR]
        if len(chars) == 2 and all(is_regional_indicator(c) for c in chars):
            flags.add("".join(chr(ord(c) - REGIONAL_A + ord("A")) for c in chars))
        for i, char in enumerate(chars):
            if char in SKIN_TONES and i:
                modifier_bases.add(chars[i - 1])
            elif char == JOINER:
                left = chars[i - 1]
                before.add(chars[i - 2] if left in SKIN_TONES else left)
                after.add(chars[i + 1])
    found = (modifier_bases, before, after, variation, flags)
    return Table(columns({name: string_column(sorted(chars))
                          for name, chars in zip(SEQUENCE_SETS, found)}), {})


def is_face(char: str) -> bool:
    """Whether an emoji is a face by its Unicode name (`FACE WITH TEARS OF JOY`, `CAT FACE`):
    a reaction, where other emoji mostly label or show a thing.

    >>> is_face("😂"), is_face("🧵")
    (True, False)
    """
    return "FACE" in unicodedata.name(char, "")


def is_regional_indicator(char: str) -> bool:
    """A regional indicator letter (two of them make a flag); False for ''.

    >>> is_regional_indicator(chr(0x1F1EB)), is_regional_indicator("F"), is_regional_indicator("")
    (True, False, False)
    """
    return bool(char) and REGIONAL_A <= ord(char) <= 0x1F1FF


def is_skin_tone(char: str) -> bool:
    """A skin-tone modifier (U+1F3FB to U+1F3FF); False for ''.

    >>> is_skin_tone(chr(0x1F3FD)), is_skin_tone("👏"), is_skin_tone("")
    (True, False, False)
    """
    return char in SKIN_TONES
