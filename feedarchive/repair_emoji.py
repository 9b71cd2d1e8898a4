"""What Unicode's emoji list says about emoji sequences, for guessing damaged emoji.

A damaged emoji often keeps only its lead byte, which fits a thousand emoji; its neighbours
narrow that down when they are parts of a sequence. The `emoji` package carries Unicode's list
of emoji and sequences (kept up to date with each Unicode release), so the rules below are
read from it rather than written out by hand:

- a skin tone follows only an emoji that takes one (👩🏽, not 😩🏽);
- a joiner (U+200D) sits only between emoji that Unicode joins (👩‍💻, 🙇‍♀️; never 😂‍♂️);
- a variation selector (U+FE0F) follows only an emoji that has a text and an emoji form
  (🌶️, ✔️; not 🎶️);
- a flag is a pair of regional letters naming a region that has one (🇫🇷).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

VARIATION_SELECTOR = "\ufe0f"
JOINER = "\u200d"
KEYCAP = "\u20e3"
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
    """The sets above, read once from the `emoji` package's list."""
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
        if len(chars) == 2 and all(_is_regional(c) for c in chars):
            flags.add("".join(chr(ord(c) - REGIONAL_A + ord("A")) for c in chars))
        for i, char in enumerate(chars):
            if char in SKIN_TONES and i:
                modifier_bases.add(chars[i - 1])
            elif char == JOINER:
                left = chars[i - 1]
                before.add(chars[i - 2] if left in SKIN_TONES else left)
                after.add(chars[i + 1])
    return EmojiSequences(
        frozenset(modifier_bases), frozenset(before), frozenset(after), frozenset(variation),
        frozenset(flags),
    )


def _is_regional(char: str) -> bool:
    return REGIONAL_A <= ord(char) <= 0x1F1FF
