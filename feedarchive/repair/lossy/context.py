"""Context rules: how the characters around a damaged one make each candidate likelier.

Each rule is a named function of a candidate and one neighbour (`left_score`,
`right_score`) or of the raw text around it (`unary_score`), in log units:

- a character bigram model for letters (`vé`, `à ` and `てる` are common, `àf` is not);
- same class as a neighbour: math-alphabet letters of one style run together, as do CJK
  characters, Thai letters and emoji;
- Thai spelling: tone marks and above/below vowels follow a consonant, leading vowels precede one;
- quotes: an opening quote follows a space and precedes a word, a closing one the reverse, and
  `’` between two letters is an apostrophe only beside a contraction or an elision;
- emoji sequences as Unicode lists them (keycaps, joiners, selectors, skin tones, flags);
- capitals start words, and a lone capital mid-sentence is rare; a sentence's first letter is
  nearly always one.

Over 500 lines: one small function per rule, each with its examples; split by neighbour or by
script, the rules that together score one candidate would be read in several places.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from ..tuning import (
    APOSTROPHE_LETTER, BIGRAM_LOG_RANGE, CAPITAL_INSIDE_WORD, CAPITAL_SHARE, DASH_BETWEEN_WORDS,
    FLAG_PAIR, INVALID_SEQUENCE, LETTER_BIGRAM_LOG_RANGE, LONE_MARK, MATH_STYLE_BONUS,
    NOT_A_CONTRACTION, OTHER_LETTER_BONUS, SAME_CLASS_BONUS, SENTENCE_START_CAPITAL,
    SEQUENCE_BREAK, YEAR_ABBREVIATION, ZWJ_BONUS,
)
from .candidates import Option
from .damage import Group
from .emoji import emoji_sequences, is_regional_indicator, is_skin_tone
from .prior import char_class, char_model, log


_THAI_CONSONANTS = range(0x0E01, 0x0E2F)
_THAI_UPPER_LOWER = {0x0E31, *range(0x0E34, 0x0E3B)}
_THAI_MARKS = {*range(0x0E47, 0x0E4F)}
_THAI_LEADING = range(0x0E40, 0x0E45)


def family(kind: str) -> str:
    """A class with the math-alphabet styles as one (`math:bold` -> `math`).

    >>> family("math:MATHEMATICAL BOLD"), family("thai")
    ('math', 'thai')
    """
    return "math" if kind.startswith("math") else kind


def _class_bonus(kind: str) -> float:
    """How strongly characters of a class run together: math letters of one style most (a
    styled word), CJK, Thai and other scripts' letters much, Latin letters hardly at all.

    >>> [_class_bonus(k) for k in ("math:MATHEMATICAL BOLD", "cjk", "letter:GREEK", "latin")]
    [5.0, 2.0, 2.0, 0.3]
    >>> _class_bonus("digit")
    0.0
    """
    if kind.startswith("math:"):
        return MATH_STYLE_BONUS
    if kind.startswith("letter:"):
        return OTHER_LETTER_BONUS
    return SAME_CLASS_BONUS.get(kind, 0.0)


def _wordish(char: str) -> bool:
    """Letters, combining marks (Thai vowels and tones), apostrophes and word edges.

    >>> _wordish("é"), _wordish("’"), _wordish(" "), _wordish("7")
    (True, True, True, False)
    """
    return char.isalpha() or char in " \u2019\n" or unicodedata.category(char)[0] == "M"


def _unspaced(char: str) -> bool:
    """Thai and Japanese: the word lists say nothing about spaces next to them.

    >>> _unspaced("ก"), _unspaced("の"), _unspaced("a")
    (True, True, False)
    """
    return char_class(char) in ("thai", "cjk")


@lru_cache(maxsize=None)
def bigram_score(left: str, right: str) -> float:
    """log of how much likelier the pair `left right` is than chance, by the character bigram
    model, within a capped range; 0 where the word lists say nothing (a digit, a space beside
    Thai, an apostrophe inside a word).

    >>> bigram_score("q", "u") > 3, bigram_score("q", "z") < -6
    (True, True)
    >>> bigram_score("’", "s"), bigram_score(" ", "ก"), bigram_score("a", "7")
    (0.0, 0.0, 0.0)
    """
    if not (left and right and _wordish(left) and _wordish(right)):
        return 0.0
    left = " " if left == "\n" else left
    right = " " if right == "\n" else right
    if (left == " " and _unspaced(right)) or (right == " " and _unspaced(left)):
        return 0.0
    if "\u2019" in (left, right) and not (left.isspace() or right.isspace()):
        # Word lists cut elisions and contractions their own way (`c'`+`est`, `it's`): the
        # apostrophe's letters are judged by `_quote_left`/`_quote_right` instead.
        return 0.0
    # Word lists are lower-cased: a capital shares its small letter's statistics.
    left, right = left.lower(), right.lower()
    letters = left.isalpha() and right.isalpha()
    low, high = LETTER_BIGRAM_LOG_RANGE if letters else BIGRAM_LOG_RANGE
    return min(high, max(low, log(char_model().bigram_ratio(left, right))))


def _class_link(char: str, neighbour: str) -> float:
    """Penalty when a candidate breaks a run of its neighbour's class (script, emoji, style).

    A penalty for leaving the neighbour's class rather than a bonus for joining it, so that a
    reading which swallows a space (leaving no neighbour to agree with) gains nothing by it.

    >>> _class_link("ข", "ก"), _class_link("a", "ก")  # next to Thai, a Latin letter is odd
    (0.0, -1.5)
    >>> _class_link("𝐚", "𝘢")  # another math style: half the cost
    -2.5
    """
    theirs = char_class(neighbour)
    bonus = _class_bonus(theirs)
    if not bonus or char_class(char) == theirs:
        return 0.0
    if theirs.startswith("math:") and char_class(char).startswith("math:"):
        return -bonus / 2
    return -bonus


def _thai_left(char: str, left: str) -> float:
    """Thai spelling from the left: a tone mark or an above/below vowel sits on a consonant
    (or a mark on such a vowel), and a consonant after a leading vowel is as expected.

    >>> _thai_left("่", "ก"), _thai_left("่", " "), _thai_left("ก", "เ")
    (1.5, -4.0, 0.5)
    """
    code = ord(char)
    lcode = ord(left) if left else 0
    if code in _THAI_UPPER_LOWER or code in _THAI_MARKS:
        if lcode in _THAI_CONSONANTS or (code in _THAI_MARKS and lcode in _THAI_UPPER_LOWER):
            return 1.5
        return -4.0
    if code in _THAI_CONSONANTS and lcode in _THAI_LEADING:
        return 0.5
    return 0.0


def _thai_right(char: str, right: str) -> float:
    """Thai spelling from the right: a leading vowel (`เ`, `แ`, `โ`...) comes before a consonant.

    >>> _thai_right("เ", "ก"), _thai_right("เ", " ")
    (1.0, -4.0)
    """
    if ord(char) in _THAI_LEADING:
        return 1.0 if right and ord(right) in _THAI_CONSONANTS else -4.0
    return 0.0


def _quote_left(char: str, left: str) -> float:
    """Typographic quotes and dashes by what precedes them.

    >>> _quote_left("’", "n"), _quote_left("“", " "), _quote_left("”", " ")
    (1.0, 1.0, -2.0)
    >>> _quote_left("×", "3"), _quote_left("—", "a")
    (2.0, -1.0)
    """
    letter = bool(left) and left.isalpha()
    opening = not left or left.isspace() or left in "([{<"
    if char == "\u2019":  # after a letter: an apostrophe (`I’d`, `C’est`, `Kids’`)
        return APOSTROPHE_LETTER if letter else (0.0 if opening else (-2.0 if left.isdigit() else -1.0))
    if char in "\u2014\u2013" and letter:  # dashes mostly stand between spaces
        return -APOSTROPHE_LETTER
    if char in "\u201c\u2018":
        return 1.0 if opening else -2.0
    if char == "\u00d7" and left.isdigit():  # 3× faster, 5×£35
        return 2.0
    if char == "\u201d":
        return -2.0 if opening else 0.5
    if char == "\u2013" and left.isdigit():
        return 1.5
    return 0.0


def _quote_right(char: str, right: str) -> float:
    """Typographic quotes and dashes by what follows them.

    >>> _quote_right("’", "s"), _quote_right("’", "2"), _quote_right("”", ".")
    (1.0, 1.0, 1.0)
    >>> _quote_right("“", "."), _quote_right("–", "5")
    (-2.0, 1.5)
    """
    letter = bool(right) and right.isalpha()
    closing = not right or right.isspace() or right in ".,;:!?)]}>"
    if char == "\u2019":  # `’25` abbreviates a year
        if letter:
            return APOSTROPHE_LETTER
        return 0.0 if closing else (1.0 if right.isdigit() else -1.0)
    if char in "\u2014\u2013" and letter:
        return -APOSTROPHE_LETTER
    if char in "\u201c\u2018":
        return -2.0 if closing else 0.5
    if char == "\u201d":
        return 1.0 if closing else -1.0
    if char == "\u2013" and right.isdigit():
        return 1.5
    return 0.0


def _emoji_left(char: str, left: str) -> float:
    """Emoji sequences from the left: a keycap after a digit, a selector or a skin tone after an
    emoji that takes one, a joiner between emoji Unicode joins, one half of a flag.

    >>> keycap, tone, joiner = chr(0x20E3), chr(0x1F3FD), chr(0x200D)
    >>> _emoji_left(keycap, "1"), _emoji_left(keycap, "a")
    (4.0, -2.0)
    >>> _emoji_left(tone, "👏"), _emoji_left(tone, "a")
    (1.0, -4.0)
    >>> _emoji_left("💻", joiner), _emoji_left("😂", joiner)
    (3.0, -3.0)
    """
    if char == "\u20e3":
        return 4.0 if left == "\ufe0f" or left.isdigit() or left in "#*" else -2.0
    if char in VARIATION_SELECTORS:
        return _selector_left(char, left)
    if char == "\u200d":  # a joiner binds emoji (👩‍💻, 👩🏽‍💻, ❤️‍🔥)
        joins = left in emoji_sequences().before_joiner or left == "\ufe0f" or is_skin_tone(left)
        return ZWJ_BONUS if joins else -ZWJ_BONUS
    if left == "\u200d" and _emoji_base(char):
        return ZWJ_BONUS if char in emoji_sequences().after_joiner else -ZWJ_BONUS
    if char in ZWJ_COMPONENTS:  # ♀ and ♂ mostly end a joined sequence (🙋‍♀️)
        return -ZWJ_BONUS
    if is_skin_tone(char):  # a modifier follows the emoji it modifies (👏🏽)
        return 1.0 if left in emoji_sequences().modifier_bases else -SEQUENCE_BREAK
    if is_regional_indicator(char):
        return _regional_pair(left, char)
    return 0.0


ZWJ_COMPONENTS = frozenset("\u2640\u2642")
VARIATION_SELECTORS = frozenset("\ufe0e\ufe0f")


def _selector_left(selector: str, left: str) -> float:
    """A variation selector (U+FE0E text, U+FE0F emoji style) by what precedes it: only a
    character Unicode lists in its emoji variation sequences takes one. After an emoji that
    does not, the rule on its right (`_emoji_right`) already costs INVALID_SEQUENCE; after a
    space, a letter or nothing, no keyboard writes one, so it costs that here.

    >>> _selector_left(chr(0xFE0F), "❤"), _selector_left(chr(0xFE0E), "❤")
    (1.0, 0.0)
    >>> _selector_left(chr(0xFE0F), "😀"), _selector_left(chr(0xFE0E), " ")
    (-2.0, -8.0)
    """
    if left in emoji_sequences().variation_bases:
        return 1.0 if selector == "\ufe0f" else 0.0
    return -2.0 if _emoji_base(left) else -INVALID_SEQUENCE


def _emoji_base(char: str) -> bool:
    """An emoji that can start or continue a sequence: not a joiner, selector or modifier.

    >>> _emoji_base("😀"), _emoji_base(chr(0xFE0F)), _emoji_base(chr(0x1F3FD)), _emoji_base("a")
    (True, False, False, False)
    """
    return bool(char) and char_class(char) == "emoji" and char not in SEQUENCE_MARKS and not is_skin_tone(char)


def _region_letter(char: str) -> str:
    return chr(ord(char) - 0x1F1E6 + ord("A"))


def _regional_pair(first: str, second: str) -> float:
    """One side of a regional indicator: with the letter on that side it makes a flag, or it
    costs half a broken sequence (both sides together, a lone letter costs a whole one).

    >>> f, r, z = chr(0x1F1EB), chr(0x1F1F7), chr(0x1F1FF)
    >>> _regional_pair(f, r), _regional_pair(f, "a"), _regional_pair(z, z)  # FR, -, ZZ
    (5.0, -2.0, -2.0)
    """
    if is_regional_indicator(first) and is_regional_indicator(second):
        if _region_letter(first) + _region_letter(second) in emoji_sequences().flag_regions:
            return FLAG_PAIR
    return -SEQUENCE_BREAK / 2


def _emoji_right(char: str, right: str) -> float:
    """A variation selector or skin tone after a character says it is an emoji; a post ends
    with an emoji far more often than with a dash or an opening quote.

    >>> selector, tone = chr(0xFE0F), chr(0x1F3FD)
    >>> _emoji_right("❤", selector), _emoji_right("a", selector)
    (3.0, -8.0)
    >>> _emoji_right("👏", tone), _emoji_right("😩", tone)
    (3.0, -3.0)
    >>> _emoji_right("😀", ""), _emoji_right("—", "")  # at the end of the text
    (1.0, -2.0)
    """
    sequences = emoji_sequences()
    if char == "\u200d":
        return ZWJ_BONUS if right in sequences.after_joiner else -ZWJ_BONUS
    if right == "\u200d":
        if char in sequences.before_joiner or char == "\ufe0f" or is_skin_tone(char):
            return ZWJ_BONUS
        return -ZWJ_BONUS if _emoji_base(char) else 0.0
    if right in "\ufe0e\ufe0f" and right:
        # Only the characters Unicode lists in its emoji variation sequences take a selector.
        if char in sequences.variation_bases:
            return 3.0 if right == "\ufe0f" else 0.0
        return -INVALID_SEQUENCE
    if is_regional_indicator(char):
        return _regional_pair(char, right)
    if is_skin_tone(right):
        return 3.0 if char in sequences.modifier_bases else -3.0
    if not right or right == "\n":
        if char_class(char) == "emoji":
            return 1.0
        if char in "\u2014\u2013\u201c\u2018":
            return -2.0
    return 0.0


@lru_cache(maxsize=None)
def left_score(char: str, left: str) -> float:
    """log-score of `char` given the character before it ('' at the start): every rule
    above, summed.

    >>> left_score("’", "n") > left_score("—", "n")  # `don’t`, not `don—t`
    True
    """
    # The start of the text starts a word, as a space does (`Übrigens`, never `ßbrigens`).
    score = bigram_score(left or " ", char) + (_class_link(char, left) if left else 0.0)
    if 0x0E00 <= ord(char) <= 0x0E7F:
        score += _thai_left(char, left)
    score += _quote_left(char, left) + _emoji_left(char, left) + _case_left(char, left)
    return score + _alone(char, left)


def _case_left(char: str, left: str) -> float:
    """A capital letter starts a word: right after a small letter or a digit it is rare.

    >>> _case_left("B", "a"), _case_left("B", " ")
    (-3.0, 0.0)
    """
    if char.isupper() and left and (left.islower() or left.isdigit()):
        return -CAPITAL_INSIDE_WORD
    return 0.0


@lru_cache(maxsize=None)
def right_score(char: str, right: str) -> float:
    """log-score of `char` given the character after it ('' at the end): every rule above,
    summed.

    >>> right_score("’", "s") > right_score("—", "s")  # `it’s`, not `it—s`
    True
    """
    score = bigram_score(char, right) + (_class_link(char, right) if right else 0.0)
    if 0x0E00 <= ord(char) <= 0x0E7F:
        score += _thai_right(char, right)
    score += _quote_right(char, right) + _emoji_right(char, right)
    return score + _alone(char, right)


_QUOTES = frozenset("\u201c\u201d\u2018\u2019\u201e")


def _alone(char: str, neighbour: str) -> float:
    """Half the cost of a math-alphabet letter among plain text: they come in styled words.

    >>> _alone("𝐛", "a"), _alone("𝐛", "𝐚")
    (-2.0, 0.0)
    """
    if 0x1D400 <= ord(char) <= 0x1D7FF and not (0x1D400 <= ord(neighbour or "a") <= 0x1D7FF):
        return -LONE_MARK
    return 0.0


def unary_score(text: str, groups: list[Group], g: int, option: Option, touched: bool) -> float:
    """Score of an option with the raw text around it, where no other group is involved;
    `touched`: some reading of the group before ends where this group starts.

    Between two spaces, a damaged `”` or `—` (both a bare lead 0xE2): a quote clings to the
    words it quotes, a dash does not.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = "said " + damage("—".encode()) + " here"
    >>> groups = parse_lossy(text).groups
    >>> end = groups[0].readings[0].end  # the reading that leaves the space as text
    >>> [unary_score(text, groups, 0, Option(0, end, c, 0.0), False) for c in "”—"]
    [-5.0, 0.0]
    """
    score = option.base
    start = groups[g].start
    if not touched:
        score += left_score(option.char, text[start - 1] if start else "")
    if g + 1 == len(groups) or option.end != groups[g + 1].start:
        score += right_score(option.char, text[option.end] if option.end < len(text) else "")
    if option.char in _BETWEEN_WORDS:
        # Twenty characters either side hold the words it looks at; not the whole text.
        before, after = text[max(0, start - 20):start], text[option.end:option.end + 20]
        score += _between_words(option.char, before, after)
    if option.char == "\u2019" and not touched and _YEAR_AFTER.match(text, option.end):
        # ICML ’25: the word lists know no word that starts with `’`, but years do.
        score += YEAR_ABBREVIATION - bigram_score(text[start - 1] if start else "", option.char)
    if option.char in _QUOTES and not touched and _between_spaces(text, start, option.end):
        score -= 2 * LONE_MARK  # quotes cling to the words they quote
    if option.char.isupper() and _lone_mid_sentence(text, start, option.end):
        score -= CAPITAL_INSIDE_WORD  # `À la fin` starts a sentence; `MoE × diffusion` has no À
    if option.char.lower() != option.char.upper() and not touched and starts_sentence(text, start):
        score += _CAPITAL_AT_START if option.char.isupper() else _SMALL_AT_START
    return score


# The prior gives a capital CAPITAL_SHARE of its letter's probability; a sentence's first
# letter is a capital SENTENCE_START_CAPITAL of the time.
_CAPITAL_AT_START = math.log(SENTENCE_START_CAPITAL / CAPITAL_SHARE)
_SMALL_AT_START = math.log((1.0 - SENTENCE_START_CAPITAL) / (1.0 - CAPITAL_SHARE))


def starts_sentence(text: str, start: int) -> bool:
    """Whether a letter at `start` begins a sentence: nothing but spaces before it in the
    text or its line, or a space after the end of a sentence (`3.5`, `U.S.`, `t.co` start none).

    >>> [starts_sentence(t, t.index("x")) for t in ("x", "  x", "Done. x", "a" + chr(10) + "x")]
    [True, True, True, True]
    >>> starts_sentence("a, x", 3), starts_sentence("a x", 2), starts_sentence("a.x", 2)
    (False, False, False)
    """
    # Walked back from `start`, not sliced: the chain asks this of every letter option.
    at = start
    while at and text[at - 1] in " \t":
        at -= 1
    if not at or text[at - 1] == "\n":
        return True
    return text[at - 1] in ".!?…" and at < start


_YEAR_AFTER = re.compile(r"\d\d(?!\d)")


def _between_spaces(text: str, start: int, end: int) -> bool:
    """Whether `text[start:end]` stands alone between spaces (or the text's ends).

    >>> _between_spaces("a ’ b", 2, 3), _between_spaces("a’b", 1, 2)
    (True, False)
    """
    return (not start or text[start - 1].isspace()) and (end >= len(text) or text[end].isspace())


def _lone_mid_sentence(text: str, start: int, end: int) -> bool:
    """A one-letter word (text[start:end]) that follows other words of its sentence.

    >>> _lone_mid_sentence("tea À lunch", 4, 5), _lone_mid_sentence("Done. À la fin", 6, 7)
    (True, False)
    """
    if not (start and text[start - 1] == " " and (end >= len(text) or text[end] == " ")):
        return False
    previous = char_before(text, start, any_space=True)
    return bool(previous) and previous not in ".!?:\n\"“«"


# Between two letters `’` is an apostrophe only where one side is a contraction or an elision
# (`don’t`, `we’re`, `l’heure`, `dell’arte`); elsewhere (`Adam—and how?`) it is a dash.
CONTRACTION_SUFFIXES = frozenset({"s", "t", "d", "ll", "re", "ve", "m"})
ELISION_PREFIXES = frozenset({
    # French
    "l", "d", "c", "j", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
    "quelqu", "presqu", "aujourd",
    # Italian
    "un", "dell", "all", "dall", "nell", "sull", "quest", "quell", "anch", "nessun", "tutt",
    "po", "v",
    # English
    "o",
})
_BETWEEN_WORDS = frozenset("\u2019\u2014\u2013")
# Plain ASCII words only: a neighbour with a damaged letter in it is no word yet.
_WORD_BEFORE = re.compile(r"(?<![^\W\d_])([A-Za-z]+)$")
_WORD_AFTER = re.compile(r"^([A-Za-z]+)(?![^\W\d_])")


def _between_words(char: str, before: str, after: str) -> float:
    """`’` or a dash between two plain words (`before` ends with one, `after` starts with
    one): an apostrophe only beside a contraction or an elision, a dash otherwise.

    >>> _between_words("’", "don", "t go"), _between_words("’", "l", "heure")
    (0.0, 0.0)
    >>> _between_words("’", "cats", "dogs"), _between_words("—", "cats", "dogs")
    (-5.0, 3.0)
    """
    left, right = _WORD_BEFORE.search(before[-20:]), _WORD_AFTER.match(after[:20])
    if right is None or (left is None and not before.endswith((")", "]"))):
        return 0.0
    # After a bracket (`(GBA)—the first`) nothing is contracted.
    joined = left is not None and (
        right.group(1).lower() in CONTRACTION_SUFFIXES or left.group(1).lower() in ELISION_PREFIXES
    )
    if char == "\u2019":
        return 0.0 if joined else NOT_A_CONTRACTION
    return 0.0 if joined else DASH_BETWEEN_WORDS


def char_before(text: str, start: int, any_space: bool = False) -> str:
    """The last character before `start` that is not a space (nor any whitespace, with
    `any_space`), or ''. Walks back instead of copying the text before `start`, which would
    make every call as long as the text.

    >>> char_before("ab  c", 4), char_before("  c", 2), char_before("a" + chr(10) + " c", 3, True)
    ('b', '', 'a')
    """
    i = start - 1
    while i >= 0 and (text[i] == " " or any_space and text[i].isspace()):
        i -= 1
    return text[i] if i >= 0 else ""


SEQUENCE_MARKS = frozenset("\ufe0f\u200d\u20e3")
