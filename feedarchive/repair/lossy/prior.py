"""How probable a character is, alone and next to its neighbours: the prior for lossy guesses.

Loaded only when a lost byte has to be guessed. Counting it reads several word lists (seconds),
so it is counted once per installation and its tables kept in the model cache (`cache`); a
process maps them from there.

Sources, in order of trust:
- `wordfreq` word frequencies for every language it has a list for (English, French, Italian
  and Japanese weighed as the archive's own, `LANGUAGE_WEIGHTS`; the others, from Arabic to
  Chinese, each with `OTHER_LANGUAGE_WEIGHT`, since a text shows its own languages: see
  `languages`): summing each word's
  frequency over the characters it contains gives character frequencies, and over adjacent
  pairs a character bigram model (word edges count as a space neighbour). Apostrophes inside
  words (`it's`) are read as the typographic `’` a phone keyboard types.
- The same lists carry emoji and symbols as tokens, which gives their relative frequencies,
  including the joiners and variation selectors inside emoji sequences.
- wordfreq has no Thai: the Thai word frequencies that PyThaiNLP ships (`THAI_CORPORA`, read
  as plain files; PyThaiNLP itself is not imported) play that part. A small table of estimated
  rates stands in only if those files are missing.
- wordfreq strips punctuation, so a small table of estimated rates covers typographic
  punctuation (Latin and CJK). They are rough orders of magnitude; context does the fine work.
- Japanese, Chinese and Thai are written without spaces, and wordfreq's Japanese words are short
  morphemes: for those, pairs across word edges are added as if the words were drawn one
  after another at their frequencies (a unigram word stream), instead of pairing with a space.
- Characters in none of these get a floor by kind (emoji, math letter, CJK, other letter...).

Over 500 lines: the prior's sources (word lists, the estimated tables for what they lack), the
counting and the look-ups that read what the counting wrote belong together, and a change to
one is a change to the others.
"""
from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections import defaultdict
from functools import lru_cache
from pathlib import Path
from typing import Optional

import numpy as np

from ..tuning import (
    CAPITAL_SHARE, EMOJI_PRESENTATION_BOOST, EMOJI_WEIGHT, LANGUAGE_WEIGHTS, LANGUAGE_WORDS_KEPT,
    OTHER_LANGUAGE_WEIGHT, OTHER_LANGUAGE_WORDS, THAI_CORPORA, THAI_WEIGHT,
)
from .cache import EMOJI, PYTHAINLP, WORDFREQ, Table, cached_table, package_folder, package_inputs
from .mapped import KeyedValues, char_column, char_dict, column_of, columns, keyed_values


# Estimated share among all characters of Thai text (percent); sums to about 100.
# Origin: estimated by hand when the character prior was written (commit 055aa83), not counted
# on a corpus; used only when PyThaiNLP's word lists are missing.
THAI_LETTER_RATES = {
    "า": 8.0, "น": 6.5, "ร": 5.5, "อ": 5.0, "ก": 5.0, "เ": 4.5, "ง": 4.5, "่": 4.5, "ม": 4.0,
    "ย": 3.5, "้": 3.5, "ล": 3.0, "ว": 3.0, "ด": 3.0, "ท": 3.0, "ส": 2.5, "ต": 2.5, "ี": 2.5,
    "ิ": 2.5, "ั": 2.5, "ะ": 2.0, "บ": 2.0, "ค": 2.0, "ห": 2.0, "ไ": 1.8, "ข": 1.5, "พ": 1.5,
    "แ": 1.5, "จ": 1.3, "ป": 1.3, "ช": 1.0, "ใ": 1.0, "ุ": 1.0, "ำ": 1.0, "ู": 0.8, "์": 0.8,
    "็": 0.7, "ื": 0.7, "ผ": 0.6, "โ": 0.6, "ถ": 0.5, "ึ": 0.5, "ซ": 0.4, "ณ": 0.4, "ศ": 0.3,
    "ญ": 0.3, "ธ": 0.3, "ภ": 0.3, "ๆ": 0.3, "ษ": 0.2, "ฟ": 0.2, "๊": 0.2, "ฝ": 0.1, "ฐ": 0.1,
    "ฉ": 0.1, "ฮ": 0.1, "๋": 0.1, "ฆ": 0.05, "ฏ": 0.05, "ฎ": 0.05, "ฑ": 0.05, "ฒ": 0.05,
    "ฯ": 0.05, "ฤ": 0.05, "ฬ": 0.02, "ฌ": 0.02, "ๅ": 0.01, "ํ": 0.01, "ฃ": 0.001, "ฅ": 0.001,
}

# Estimated rate per character of typographic punctuation and symbols in social posts.
# Origin: estimated by hand (commit 055aa83, more marks added in commits ad7458e and 2da99ef),
# orders of magnitude, not counted on a corpus.
PUNCTUATION_RATES = {
    "’": 3e-3, "“": 6e-4, "”": 6e-4, "‘": 2e-4, "—": 6e-4, "–": 3e-4, "…": 4e-4, "•": 2e-4,
    "·": 5e-5, "×": 1e-4, "→": 1.5e-4, "←": 2e-5, "↑": 2e-5, "↓": 2e-5, "≈": 2e-5, "≠": 1e-5,
    "≤": 1e-5, "≥": 1e-5, "±": 1e-5, "°": 1e-4, "€": 1e-4, "£": 8e-5, "¥": 1e-5, "\u00a0": 1e-4,
    "™": 2e-5, "©": 1e-5, "®": 1e-5, "′": 1e-5, "″": 1e-5, "‚": 1e-6, "„": 2e-6, "«": 3e-5,
    "»": 3e-5, "§": 5e-6, "¿": 5e-6, "¡": 5e-6, "½": 5e-6, "²": 1e-5, "³": 5e-6, "✓": 2e-5,
    "\u202f": 5e-5, "\u200b": 1e-6,
}


# Letters wordfreq's lists cannot hold: it case-folds every word, and case folding spells
# German `ß` as `ss` (`groß` is listed as `gross`). Share among the characters of the
# language's text, and the folded spelling whose neighbours it takes (`ß` stands where `ss`
# does, never at the start of a word). Origin: the frequency of ß in German text as commonly
# cited (about 0.3% of letters, Wikipedia's "Letter frequency"), taken as 0.25% of characters
# with spaces; not counted here.
CASEFOLDED_LETTERS = {"de": {"ß": (0.0025, "ss")}}

# Punctuation of languages whose marks are not the Latin or Japanese ones above, as a share of
# the characters of their text (wordfreq strips punctuation): counted into the language's own
# part of the prior, so that they weigh as much as the text is in that language.
# Origin: estimated by hand for Chinese (issue 21, branch i21-lang: a full-width comma is about
# every 15th character of Chinese prose, a full stop every 30th), orders of magnitude, not
# counted on a corpus.
# Japanese: its marks are about 4% of the characters of Japanese text (estimated by hand with
# the table above, commit 055aa83; they were kept there, times Japanese's weight, until each
# language had its own part of the prior).
LANGUAGE_PUNCTUATION = {
    "ja": {mark: rate / LANGUAGE_WEIGHTS["ja"] for mark, rate in {
        "、": 1e-2, "。": 1e-2, "「": 1.2e-3, "」": 1.2e-3, "『": 5e-5, "』": 5e-5, "・": 1e-4,
        "！": 2e-4, "？": 1e-4, "（": 8e-5, "）": 8e-5, "：": 3e-5, "〜": 3e-5, "～": 3e-5,
        "【": 3e-5, "】": 3e-5, "\u3000": 3e-5, "々": 1e-4, "ー": 8e-4}.items()},
    "zh": {"，": 0.06, "。": 0.03, "、": 0.005, "：": 0.004, "！": 0.004, "？": 0.004,
           "“": 0.004, "”": 0.004, "《": 0.002, "》": 0.002, "（": 0.002, "）": 0.002,
           "…": 0.002, "；": 0.001},
}


# Characters below U+1F000 that display as emoji by default (Unicode's Emoji_Presentation):
# in social posts these are typed from emoji keyboards, unlike text symbols such as ★ or ✓.
EMOJI_PRESENTATION_BMP = frozenset(
    "⌚⌛⏩⏪⏫⏬⏰⏳◽◾☔☕♈♉♊♋♌♍♎♏♐♑♒♓♿⚓⚡⚪⚫⚽⚾⛄⛅⛎⛔⛪⛲⛳⛵⛺⛽✅✊✋✨❌❎❓❔❕❗➕➖➗➰➿⬛⬜⭐⭕"
)


def _is_emoji_like(code: int) -> bool:
    """Whether a code point lies where emoji and their sequence marks are.

    >>> _is_emoji_like(ord("😀")), _is_emoji_like(ord("☕")), _is_emoji_like(0x1F700)
    (True, True, False)
    """
    return (
        # Alchemical symbols and Supplemental Arrows-C sit among the emoji blocks but are
        # no emoji.
        0x1F000 <= code <= 0x1FAFF and not (0x1F700 <= code <= 0x1F77F or 0x1F800 <= code <= 0x1F8FF)
        or 0x2600 <= code <= 0x27BF
        or 0x2B00 <= code <= 0x2BFF
        or code in (0x200D, 0xFE0F, 0x20E3)
        or 0xE0020 <= code <= 0xE007F
    )


def is_emoji_char(char: str) -> bool:
    """Whether Unicode's emoji data (as the `emoji` package ships it) lists `char` as an emoji
    of its own, or it is a part only emoji sequences use (joiner, selector, keycap, tag, flag
    letter). Text symbols in the emoji blocks are not: ★ and ✓ have no Emoji property, while
    ⭐ and ✔ have.

    >>> [is_emoji_char(c) for c in "✅⭐★✓😂\u200d"]
    [True, True, False, False, True, True]
    """
    from emoji import EMOJI_DATA

    code = ord(char)
    return (char in EMOJI_DATA or code in (0x200D, 0xFE0E, 0xFE0F, 0x20E3)
            or 0xE0020 <= code <= 0xE007F or 0x1F1E6 <= code <= 0x1F1FF)


# `_is_emoji_like` as a pattern, to find emoji among a list's words quickly.
_EMOJI_LIKE = re.compile(
    "[\U0001F000-\U0001F6FF\U0001F780-\U0001F7FF\U0001F900-\U0001FAFF\u2600-\u27BF"
    "\u2B00-\u2BFF\u200D\uFE0F\u20E3\U000E0020-\U000E007F]"
)


@lru_cache(maxsize=None)
def char_class(char: str) -> str:
    """A coarse class used to compare a guess with its neighbours.

    Math-alphabet letters carry their style (`math:MATHEMATICAL SANS-SERIF BOLD`) because a run
    of them shares one style; everything else is a script or kind.

    >>> [char_class(c) for c in "a7 ก日😀é—"]
    ['latin', 'digit', 'space', 'thai', 'cjk', 'emoji', 'latin', 'punct']
    >>> char_class("𝐛"), char_class("α")
    ('math:MATHEMATICAL BOLD', 'letter:GREEK')
    """
    code = ord(char)
    if char.isspace():
        return "space"
    if code < 0x80:
        if char.isalpha():
            return "latin"
        return "digit" if char.isdigit() else "ascii-punct"
    if 0x0E00 <= code <= 0x0E7F:
        return "thai"
    if 0x1D400 <= code <= 0x1D7FF:
        name = unicodedata.name(char, "")
        parts = name.split(" ")
        # Drop the trailing "CAPITAL X"/"SMALL X"/"DIGIT N" to keep the style.
        for marker in ("CAPITAL", "SMALL", "DIGIT"):
            if marker in parts:
                return "math:" + " ".join(parts[: parts.index(marker)])
        return "math"
    if _is_emoji_like(code):
        return "emoji"
    if (
        0x3000 <= code <= 0x30FF
        or 0x3400 <= code <= 0x9FFF
        or 0xFF00 <= code <= 0xFFEF
        or 0xF900 <= code <= 0xFAFF
    ):
        return "cjk"
    category = unicodedata.category(char)
    if category[0] == "L" or category == "Mn":
        script = unicodedata.name(char, "").split(" ")[0]
        return "latin" if script == "LATIN" else "letter:" + script
    return "punct"


def _floor(char: str) -> float:
    """Probability of a character none of the sources mention, by kind.

    >>> _floor("😀"), _floor("𝐛"), _floor("α")
    (3e-08, 1e-08, 1e-10)
    """
    kind = char_class(char)
    if kind == "emoji":
        return 3e-8
    if kind.startswith("math"):
        return 1e-8
    if kind in ("cjk", "latin"):
        return 1e-8
    if kind == "thai":
        return 1e-7
    category = unicodedata.category(char)
    if category[0] in "PS":
        return 1e-9
    if category[0] == "L":
        return 1e-10
    return 1e-11


class CharCounts:
    """Character unigram and bigram frequencies counted from wordfreq and the tables above:
    what `CharModel` looks up, counted once per installation (`char_model`)."""

    def __init__(self) -> None:
        import wordfreq  # heavy: only when the model is built

        self.unigram: dict[str, float] = defaultdict(float)
        self.pair: dict[tuple[str, str], float] = defaultdict(float)
        self.left_total: dict[str, float] = defaultdict(float)
        self.right_total: dict[str, float] = defaultdict(float)
        self.streams: list[tuple[dict[str, float], dict[str, float]]] = []
        # Each language's part of `unigram`, so that a text's own languages can be weighed.
        self.by_language: dict[str, dict[str, float]] = {}
        self.weights: dict[str, float] = {}
        for lang, weight in all_language_weights(wordfreq.available_languages("small")).items():
            freqs = unfolded(lang, wordfreq.get_frequency_dict(lang, "small"))
            if lang not in LANGUAGE_WEIGHTS:  # their emoji are counted once, below
                freqs = {w: f for w, f in itertools.islice(freqs.items(), OTHER_LANGUAGE_WORDS)
                         if not _EMOJI_LIKE.search(w)}
            self._add_words(lang, freqs, weight, spaced=lang not in UNSPACED)
            self._add_folded_letters(lang, freqs)
            forget_word_lists(wordfreq)
        for lang, marks in LANGUAGE_PUNCTUATION.items():
            if lang in self.by_language:
                for char, rate in marks.items():
                    self.by_language[lang][char] += self.weights[lang] * rate
                    self.unigram[char] += self.weights[lang] * rate
        self._add_emoji(wordfreq.get_frequency_dict("en", "large"))
        thai = thai_word_frequencies()
        if thai:
            self._add_words("th", thai, THAI_WEIGHT, spaced=False)
        else:
            total = sum(THAI_LETTER_RATES.values())
            for char, rate in THAI_LETTER_RATES.items():
                self.unigram[char] += THAI_WEIGHT * rate / total
        for char, rate in PUNCTUATION_RATES.items():
            self.unigram[char] += rate

    def _add_words(
        self, lang: str, freqs: dict[str, float], weight: float, spaced: bool = True
    ) -> None:
        """Add the words of language `lang`; `spaced` languages pair word edges with a space."""
        mass = sum(f * (len(w) + 1) for w, f in freqs.items())
        scale = weight / mass
        self.weights[lang] = weight
        pair = self.pair
        unigram = self.by_language.setdefault(lang, defaultdict(float))
        left_total, right_total = self.left_total, self.right_total
        starts: dict[str, float] = defaultdict(float)
        ends: dict[str, float] = defaultdict(float)
        for word, freq in freqs.items():
            w = freq * scale
            word = word.replace("'", "\u2019")
            if not word:
                continue
            starts[word[0]] += w
            ends[word[-1]] += w
            previous = word[0]
            unigram[previous] += w
            for char in word[1:]:
                unigram[char] += w
                pair[previous, char] += w
                left_total[previous] += w
                right_total[char] += w
                previous = char
        for char, w in unigram.items():
            self.unigram[char] += w
        if spaced:
            for char, w in starts.items():
                pair[" ", char] += w
                left_total[" "] += w
                right_total[char] += w
            for char, w in ends.items():
                pair[char, " "] += w
                left_total[char] += w
                right_total[" "] += w
            return
        # Pairs across word edges are products of two tables; they are looked up, not stored.
        start_total = sum(starts.values())
        self.streams.append((ends, {c: w / start_total for c, w in starts.items()}))
        for char, w in ends.items():
            left_total[char] += w
        for char, w in starts.items():
            right_total[char] += w

    def _add_folded_letters(self, lang: str, freqs: dict[str, float]) -> None:
        """Add the letters case folding removed from `lang`'s list (`CASEFOLDED_LETTERS`)."""
        for char, (rate, folded) in CASEFOLDED_LETTERS.get(lang, {}).items():
            self._add_folded(lang, char, rate, folded, freqs)

    def _add_folded(self, lang: str, char: str, rate: float, folded: str,
                    freqs: dict[str, float]) -> None:
        """Add a letter case folding removed from `lang`'s list at `rate`, with the neighbours
        its `folded` spelling has inside words (never at a word's start)."""
        weight = self.weights[lang] * rate
        self.by_language[lang][char] += weight
        self.unigram[char] += weight
        sides: dict[tuple[str, str], float] = defaultdict(float)
        for word, freq in freqs.items():
            at = word.find(folded, 1)
            while at > 0:
                after = word[at + len(folded)] if at + len(folded) < len(word) else " "
                sides[word[at - 1], after] += freq
                at = word.find(folded, at + 1)
        total = sum(sides.values())
        for (before, after), freq in sides.items():
            w = weight * freq / total
            self.pair[before, char] += w
            self.pair[char, after] += w
            self.left_total[before] += w
            self.right_total[char] += w
            self.left_total[char] += w
            self.right_total[after] += w

    def _add_emoji(self, freqs: dict[str, float]) -> None:
        """Count the emoji of `freqs` (English's large list) again, EMOJI_WEIGHT times: social
        posts use emoji far more than wordfreq's mixed sources. Only what Unicode's emoji
        data lists as emoji (`is_emoji_char`) is raised; a text symbol among them (★, →)
        keeps its word lists' share."""
        mass = sum(f * (len(w) + 1) for w, f in freqs.items())
        for word, freq in freqs.items():
            if word.isascii() or not any(_is_emoji_like(ord(c)) for c in word):
                continue
            for char in word:
                if is_emoji_char(char):
                    self.unigram[char] += EMOJI_WEIGHT * freq / mass


def unfolded(lang: str, freqs: dict[str, float]) -> dict[str, float]:
    """`lang`'s word list as its words are written: wordfreq case-folds them, which turns the
    Greek final sigma `ς` into `σ` (`της` is listed `τησ`), and a word's last `σ` is always `ς`.

    >>> unfolded("el", {"τησ": 0.01, "σε": 0.005}), unfolded("en", {"gas": 0.001})
    ({'της': 0.01, 'σε': 0.005}, {'gas': 0.001})
    """
    if lang != "el":
        return freqs
    return {(w[:-1] + "ς" if w.endswith("σ") else w): f for w, f in freqs.items()}


# wordfreq's languages written without spaces between words (Thai is added apart).
UNSPACED = frozenset({"ja", "zh"})


def forget_word_lists(wordfreq) -> None:
    """Let go of the word lists wordfreq keeps once read (all of them would hold 300 MB)."""
    wordfreq.get_frequency_dict.cache_clear()
    wordfreq.get_frequency_list.cache_clear()


def all_language_weights(available) -> dict[str, float]:
    """The prior weight of every language counted: the archive's own (`LANGUAGE_WEIGHTS`)
    first, then the others wordfreq has, in a fixed order, at `OTHER_LANGUAGE_WEIGHT`.

    >>> all_language_weights(["ko", "en", "de"])
    {'en': 0.4, 'fr': 0.15, 'it': 0.05, 'ja': 0.25, 'de': 0.005, 'ko': 0.005}
    """
    weights = dict(LANGUAGE_WEIGHTS)
    for lang in sorted(available):
        weights.setdefault(lang, OTHER_LANGUAGE_WEIGHT)
    return weights


class CharModel:
    """Look-ups in the counts of `CharCounts`: a character's prior, how its languages change
    it, and how likely it is after another.

    `profiles` has a row per character some language writes and a column per language
    (`languages`, prior weights `weights`): the character's share of the prior that comes
    from that language's words."""

    def __init__(self, unigram: dict[str, float], pair: dict[tuple[str, str], float],
                 left_total: dict[str, float], right_total: dict[str, float],
                 streams: list[tuple[dict[str, float], dict[str, float]]],
                 languages: list[str], weights: list[float], profile_chars: list[str],
                 profiles: np.ndarray) -> None:
        self.unigram = unigram
        self.pair = pair
        self.left_total = left_total
        self.right_total = right_total
        self.right_sum = sum(right_total.values())  # in the order counted: the same float
        self.unigram_sum = sum(unigram.values())
        self.streams = streams  # pairs across word edges of unspaced languages: (ends, starts)
        self.languages = list(languages)
        self.weights = np.asarray(weights, dtype=np.float64)
        self.profile_row = {c: n for n, c in enumerate(profile_chars)}
        self.profiles = profiles

    def profile(self, char: str) -> Optional[np.ndarray]:
        """Each language's part of the prior of `char` (its small letter's, for a capital the
        lists do not have, times CAPITAL_SHARE), or None when no language writes it.

        >>> model = char_model()
        >>> shares = dict(zip(model.languages, model.profile("ß").tolist()))
        >>> max(shares, key=shares.get), model.profile("😀") is None
        ('de', True)
        """
        row = self.profile_row.get(char)
        if row is not None:
            return self.profiles[row]
        small = char.lower()
        row = self.profile_row.get(small) if small != char else None
        return None if row is None else self.profiles[row] * CAPITAL_SHARE

    def prior(self, char: str) -> float:
        """Probability of `char` with no context.

        A capital the word lists (lower-cased) do not have is its small letter, capitalised:

        >>> model = char_model()
        >>> model.prior("e") > model.prior("é") > model.prior("É")
        True
        >>> round(model.prior("É") / model.prior("é"), 2)  # CAPITAL_SHARE
        0.05
        """
        p = self.unigram.get(char)
        if p is None:
            small = char.lower()
            # The word lists are lower-cased: a capital is its small letter, capitalised.
            p = self.unigram.get(small, 0.0) * CAPITAL_SHARE if small != char else 0.0
            p = p or _floor(char)
        return p * EMOJI_PRESENTATION_BOOST if char in EMOJI_PRESENTATION_BMP else p

    def language_ratio(self, char: str, multipliers: dict[str, float]) -> float:
        """How much likelier `char` is in a text whose languages are `multipliers` times as
        likely as in the archive at large (a language not named keeps its weight).

        >>> model = char_model()
        >>> model.language_ratio("à", {"fr": 3.0}) > 1 > model.language_ratio("à", {"fr": 0.1})
        True
        >>> model.language_ratio("ß", {"de": 100.0}) > 50
        True
        >>> model.language_ratio("の", {})
        1.0
        """
        key = char if char in self.unigram else char.lower()
        total = self.unigram.get(key)
        row = self.profile_row.get(key)
        if not total or row is None:
            return 1.0
        changed = total + float(self.profiles[row] @ self.change_vector(multipliers))
        return max(changed, 1e-3 * total) / total

    def change_vector(self, multipliers: dict[str, float]) -> np.ndarray:
        """`multipliers` minus one, as a vector in the order of `languages` (kept on the
        multipliers when they can hold it, as `languages.Multipliers` do)."""
        vector = getattr(multipliers, "vector", None)
        if vector is None:
            vector = np.array([multipliers.get(lang, 1.0) - 1.0 for lang in self.languages])
            if hasattr(multipliers, "__dict__"):
                multipliers.vector = vector  # type: ignore[attr-defined]
        return vector

    def bigram_ratio(self, left: str, right: str) -> float:
        """P(right | left) / P(right): above 1 when the pair occurs more than chance.

        1.0 when the model knows nothing about `left`; smoothed towards independence.

        >>> model = char_model()
        >>> model.bigram_ratio("q", "u") > 10, model.bigram_ratio("q", "z") < 0.01
        (True, True)
        """
        total = self.left_total.get(left, 0.0)
        if not total or self.right_total.get(right, 0.0) == 0.0:
            return 1.0
        expected = self.right_total[right] / self.right_sum
        joint = self.pair.get((left, right), 0.0)
        for ends, starts in self.streams:
            joint += ends.get(left, 0.0) * starts.get(right, 0.0)
        observed = joint / total
        strength = total / (total + 1e-5)  # weak evidence for rare left characters
        ratio = (observed + 1e-3 * expected) / (expected * 1.001)
        return ratio ** strength


# Lists that count a word wherever its letters occur, inside longer words too (Phupha has
# `ได` above `ได้`, and `วาม` as often as `ความ`).
SUBSTRING_COUNTS = frozenset({"phupha_word_freqs.txt"})


def _pythainlp_corpus() -> Optional[Path]:
    """PyThaiNLP's folder of data files."""
    folder = package_folder("pythainlp")
    return folder / "corpus" if folder else None


@lru_cache(maxsize=1)
def thai_word_frequencies() -> dict[str, float]:
    """Word probabilities from the Thai corpora PyThaiNLP ships (read as files; PyThaiNLP
    itself is not imported), or {} without it."""
    folder = _pythainlp_corpus()
    if folder is None:
        return {}
    freqs: dict[str, float] = {}
    for name, share in THAI_CORPORA.items():
        path = folder / name
        if not path.exists() or not share:
            continue
        counts: dict[str, float] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            word, _, count = line.partition("\t")
            if word and count.isdigit():
                counts[word] = counts.get(word, 0.0) + float(count)
        if name in SUBSTRING_COUNTS:
            counts = token_counts(counts)
        total = sum(counts.values())
        for word, count in counts.items():
            freqs[word] = freqs.get(word, 0.0) + share * count / total
    return freqs


# Tags of ORCHID (the corpus PyThaiNLP's ORCHID tagger learnt from) for classifiers: the word
# that follows a number and names its unit (`50 บาท`, `40 ปี`, `3 คน`, `2 ครั้ง`).
CLASSIFIER_TAGS = frozenset({"CMTR", "CNIT", "CFQC", "CLTV"})


@lru_cache(maxsize=1)
def thai_classifiers() -> frozenset[str]:
    """Thai classifiers, from the word-to-tag list PyThaiNLP ships with its ORCHID tagger.

    >>> "บาท" in thai_classifiers(), "จาก" in thai_classifiers()  # baht counts; `from` does not
    (True, False)
    """
    import json

    folder = _pythainlp_corpus()
    path = folder / "pos_orchid_unigram.json" if folder else None
    if path is None or not path.exists():
        return frozenset()
    tags = json.loads(path.read_text(encoding="utf-8-sig"))
    return frozenset(w for w, tag in tags.items() if tag in CLASSIFIER_TAGS and not w.isascii())


def token_counts(substring_counts: dict[str, float]) -> dict[str, float]:
    """Turn counts of a word wherever it occurs into counts of it as a word of its own.

    Longest first, each word's own count is taken out of every listed word inside it (once per
    occurrence): what remains of `ได` after `ได้`, `ไม่ได้`... is next to nothing, and such
    fragments (left at zero or below) are dropped. Single letters are fragments by nature.

    >>> token_counts({"cats": 4, "cat": 10, "at": 12, "c": 50})
    {'cats': 4, 'cat': 6, 'at': 2}
    """
    counts = {w: c for w, c in substring_counts.items() if len(w) > 1}
    for word in sorted(counts, key=len, reverse=True):
        own = counts[word]
        if own <= 0:
            continue
        inside: dict[str, int] = {}
        for i in range(len(word)):
            for j in range(i + 2, len(word) + (i > 0)):
                part = word[i:j]
                if part in counts:
                    inside[part] = inside.get(part, 0) + 1
        for part, times in inside.items():
            counts[part] -= own * times
    return {w: c for w, c in counts.items() if c > 0}


@lru_cache(maxsize=1)
def char_model() -> CharModel:
    """The shared model: counted once per installation (a few seconds), then read by every
    process from the model cache (`cache`), in milliseconds, its tables in the order counted."""
    table = cached_table("char-model", package_inputs(WORDFREQ, PYTHAINLP, EMOJI), char_model_table)

    def read(name: str) -> dict:
        return char_dict(column_of(table.arrays, name))

    streams = [(read(f"stream{n}.ends"), read(f"stream{n}.starts"))
               for n in range(table.meta["streams"])]
    profile_chars = list(map(chr, table.arrays["profile.chars"].tolist()))
    return CharModel(read("unigram"), read("pair"), read("left_total"), read("right_total"),
                     streams, table.meta["languages"], table.meta["weights"], profile_chars,
                     table.arrays["profile.values"])


def char_model_table() -> Table:
    """`CharCounts` as arrays: each of its tables' characters and values, in order."""
    counts = CharCounts()
    tables = {name: getattr(counts, name)
              for name in ("unigram", "pair", "left_total", "right_total")}
    for n, (ends, starts) in enumerate(counts.streams):
        tables.update({f"stream{n}.ends": ends, f"stream{n}.starts": starts})
    arrays = columns({name: char_column(values) for name, values in tables.items()})
    languages = list(counts.by_language)
    # Emoji are in every language's list, and say nothing of a text's language; nor does the
    # apostrophe, whose rate in posts `PUNCTUATION_RATES` estimates whatever the language.
    # The text symbols among the emoji blocks (★, ♪: no Emoji property) do: Japanese writes
    # them far more than English.
    chars = sorted({c for unigram in counts.by_language.values() for c in unigram
                    if not (_is_emoji_like(ord(c)) and is_emoji_char(c)) and c != "\u2019"})
    profiles = np.array([[counts.by_language[lang].get(c, 0.0) for lang in languages]
                         for c in chars], dtype=np.float64).reshape(len(chars), len(languages))
    arrays["profile.chars"] = np.array([ord(c) for c in chars], dtype=np.uint32)
    arrays["profile.values"] = profiles
    weights = [counts.weights[lang] for lang in languages]
    return Table(arrays, {"streams": len(counts.streams), "languages": languages,
                          "weights": weights})


@lru_cache(maxsize=1)
def word_lists() -> dict[str, KeyedValues]:
    """The commonest words of each language wordfreq has (LANGUAGE_WORDS_KEPT of them, those
    written in ASCII letters), whose words tell a text's language apart, looked up in the model
    cache: wordfreq is not even imported to weigh a post's few words.

    >>> english = word_lists()["en"]
    >>> english.get("the") > english.get("cat") > 0, english.get("zzxq", -1.0)
    (True, -1.0)
    >>> word_lists()["es"].get("por") > word_lists()["en"].get("por")
    True
    """
    table = cached_table("word-lists", package_inputs(WORDFREQ), word_lists_table)
    return {lang: KeyedValues(column_of(table.arrays, lang)) for lang in table.meta["languages"]}


def word_lists_table() -> Table:
    import wordfreq

    lists = {}
    for lang in all_language_weights(wordfreq.available_languages("small")):
        words = list(wordfreq.get_frequency_dict(lang, "small").items())[:LANGUAGE_WORDS_KEPT]
        lists[lang] = keyed_values({w: f for w, f in words if w.isascii() and w.isalpha()})
        forget_word_lists(wordfreq)
    return Table(columns(lists), {"languages": list(lists)})


def log(x: float) -> float:
    """The natural log, with a floor of -50 for zero (an impossible option, not an error).

    >>> log(1.0), log(0.0)
    (0.0, -50.0)
    """
    return math.log(x) if x > 0 else -50.0
