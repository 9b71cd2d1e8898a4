"""Choosing the most probable character for each lossy Thai group.

Each group (see `repair_thai`) has one or more readings and each reading a set of well-formed
characters. A character's score is its prior probability (`repair_prior`), adjusted by what the
document already shows for certain, and by its neighbours:

- a character bigram model for letters (`vé`, `à ` and `てる` are common, `àf` is not);
- same class as a neighbour: math-alphabet letters of one style run together, as do CJK
  characters, Thai letters and emoji; neighbours that are guesses themselves count by the
  probability they currently give that class, so a run of damaged letters can agree on a style;
- Thai spelling: tone marks and above/below vowels follow a consonant, leading vowels precede one;
- quotes: an opening quote follows a space and precedes a word, a closing one the reverse, and
  `’` between two letters is an apostrophe;
- an emoji keycap follows a digit and its variation selector;
- a reading that leaves a space or line break as real text pays that character's probability
  (a line break inside a post is rare, so `\n` after a lead is usually byte 0x85);
- runs of math-alphabet letters (`𝙗𝙪𝙞𝙡𝙙`) are decoded as a whole: every style that fits all
  positions is tried, and the run is read as a word when a known word in one style is more
  probable than the emoji the same bytes could also be (`_decode_math_runs`).

Neighbouring damaged characters inform each other: the groups of a text form a chain, and
forward-backward over it gives every group's marginal probabilities; the winner's probability
is the confidence recorded with the repair.
"""
from __future__ import annotations

import math
import re
import unicodedata
from operator import mul
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from .repair_emoji import emoji_named_in, emoji_sequences
from .repair_prior import char_class, char_model, language_shares, log
from .repair_thai import Group, Reading, per_table
from .repair_words import _candidate_set, char_before, decode_span, spans

# How much a neighbour of the same class raises a candidate, in log units, by class.
SAME_CLASS_BONUS = {"cjk": 2.0, "thai": 1.5, "emoji": 1.0, "latin": 0.3}
MATH_STYLE_BONUS = 5.0
OTHER_LETTER_BONUS = 2.0
# Probability that a real space / line break stands where a lead could have owned it.
REAL_TOKEN_PROBABILITY = {" ": 0.15, "\n": 0.01}
# A real line break is seldom followed by a space (a line starting with one, estimated); where
# a leftover line break is, the byte 0x85 of the character before it is the likelier reading.
LINE_STARTS_WITH_SPACE_LOG = math.log(0.05)
# How often a word is written in one math-alphabet style (estimate for social posts).
MATH_WORD_PRIOR = 1e-4  # spread over the styles that fit
CAPITAL_LOG = math.log(0.05)  # a capital letter inside a styled word, without other evidence
MIN_MATH_WORD = 3  # letters a run needs to be read as a styled word on its own

_THAI_CONSONANTS = range(0x0E01, 0x0E2F)
_THAI_UPPER_LOWER = {0x0E31, *range(0x0E34, 0x0E3B)}
_THAI_MARKS = {*range(0x0E47, 0x0E4F)}
_THAI_LEADING = range(0x0E40, 0x0E45)


@dataclass
class Choice:
    """The character chosen for one group, where it goes, and how sure we are."""

    start: int
    end: int
    char: str
    confidence: float


@dataclass
class _Option:
    reading: int
    end: int
    char: str
    base: float  # log prior with the document's evidence and the reading's leftover text
    prior: float = 0.0  # the same without the leftover


class DocumentEvidence:
    """Characters a document shows for certain, used as a cache on top of the global prior.

    A document in Japanese restores many kana exactly; that makes a damaged kana more likely
    than an emoji with the same bytes, and a document of emoji makes emoji more likely.
    """

    def __init__(self) -> None:
        self.chars: Counter[str] = Counter()
        self.classes: Counter[str] = Counter()
        self._memo: dict[str, float] = {}
        self._extras: dict[tuple[int, int], tuple[tuple[str, ...], list[tuple[str, float]]]] = {}

    def add(self, char: str) -> None:
        self.chars[char] += 1
        self.classes[_family(char_class(char))] += 1
        self._memo.clear()
        self._extras.clear()

    def extras(self, candidates: tuple[str, ...], ranked: list, skip: int = 0) -> list[tuple[str, float]]:
        """Candidates beyond the first `skip` (PRESELECT) of a ranked table that the document
        shows intact."""
        skip = skip or PRESELECT
        found = self._extras.get((id(candidates), skip))
        if found is None or found[0] is not candidates:
            table = _candidate_set(_Table(candidates))
            seen = [c for c in self.chars if c in table]
            if seen:
                known = set(seen)
                picks = [(c, p) for c, p in ranked[skip:] if c in known]
            else:
                picks = []
            found = self._extras[id(candidates), skip] = (candidates, picks)
        return found[1]

    def log_boost(self, char: str) -> float:
        found = self._memo.get(char)
        if found is not None:
            return found
        total = sum(self.classes.values())
        boost = 0.0
        if total:
            share = self.classes[_family(char_class(char))] / total
            repeat = self.chars[char] / total
            boost = math.log(0.2 + 2.0 * share) + math.log(1.0 + 20.0 * repeat)
        self._memo[char] = boost
        return boost


@dataclass
class _Table:
    candidates: tuple[str, ...]


def _family(kind: str) -> str:
    return "math" if kind.startswith("math") else kind


def _class_bonus(kind: str) -> float:
    if kind.startswith("math:"):
        return MATH_STYLE_BONUS
    if kind.startswith("letter:"):
        return OTHER_LETTER_BONUS
    return SAME_CLASS_BONUS.get(kind, 0.0)


def _wordish(char: str) -> bool:
    """Letters, combining marks (Thai vowels and tones), apostrophes and word edges."""
    return char.isalpha() or char in " \u2019\n" or unicodedata.category(char)[0] == "M"


def _unspaced(char: str) -> bool:
    """Thai and Japanese: the word lists say nothing about spaces next to them."""
    return char_class(char) in ("thai", "cjk")


# Bigram evidence is capped: an unseen pair (`c’est` when a word list splits elisions) must
# not veto a candidate on its own. Two letters that never meet inside a word (`àd`) are strong
# evidence, so letter pairs get a wider range.
BIGRAM_LOG_RANGE = (-4.0, 5.0)
LETTER_BIGRAM_LOG_RANGE = (-9.0, 5.0)


@lru_cache(maxsize=None)
def _bigram(left: str, right: str) -> float:
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
    """
    theirs = char_class(neighbour)
    bonus = _class_bonus(theirs)
    if not bonus or char_class(char) == theirs:
        return 0.0
    if theirs.startswith("math:") and char_class(char).startswith("math:"):
        return -bonus / 2
    return -bonus


def _thai_left(char: str, left: str) -> float:
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
    if ord(char) in _THAI_LEADING:
        return 1.0 if right and ord(right) in _THAI_CONSONANTS else -4.0
    return 0.0


# An apostrophe touches letters (`don’t`); a dash touching a letter is the rarer spelling.
APOSTROPHE_LETTER = 1.0


def _quote_left(char: str, left: str) -> float:
    """Typographic quotes and dashes by what precedes them."""
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
    """Typographic quotes and dashes by what follows them."""
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


ZWJ_BONUS = 3.0
# A variation selector after a character Unicode does not pair with one: not a sequence any
# keyboard produces.
INVALID_SEQUENCE = 8.0


def _emoji_left(char: str, left: str) -> float:
    if char == "\u20e3":
        return 4.0 if left == "\ufe0f" or left.isdigit() or left in "#*" else -2.0
    if char == "\ufe0f":
        return 1.0 if _emoji_base(left) else -2.0
    if char == "\u200d":  # a joiner binds emoji (👩‍💻, 👩🏽‍💻, ❤️‍🔥)
        joins = left in emoji_sequences().before_joiner or left == "\ufe0f" or _is_skin_tone(left)
        return ZWJ_BONUS if joins else -ZWJ_BONUS
    if left == "\u200d" and _emoji_base(char):
        return ZWJ_BONUS if char in emoji_sequences().after_joiner else -ZWJ_BONUS
    if char in ZWJ_COMPONENTS:  # ♀ and ♂ mostly end a joined sequence (🙋‍♀️)
        return -ZWJ_BONUS
    if _is_skin_tone(char):  # a modifier follows the emoji it modifies (👏🏽)
        return 1.0 if left in emoji_sequences().modifier_bases else -SEQUENCE_BREAK
    if _is_regional_indicator(char):
        return _regional_pair(left, char)
    return 0.0


ZWJ_COMPONENTS = frozenset("\u2640\u2642")
# A flag is two regional indicator letters (🇫🇷); one alone, or a skin tone with no emoji
# before it, is not something a keyboard writes.
SEQUENCE_BREAK = 4.0
FLAG_PAIR = 5.0


def _emoji_base(char: str) -> bool:
    """An emoji that can start or continue a sequence: not a joiner, selector or modifier."""
    return bool(char) and char_class(char) == "emoji" and char not in _SEQUENCE_MARKS and not _is_skin_tone(char)


def _is_skin_tone(char: str) -> bool:
    return 0x1F3FB <= ord(char or "a") <= 0x1F3FF


def _is_regional_indicator(char: str) -> bool:
    return 0x1F1E6 <= ord(char or "a") <= 0x1F1FF


def _region_letter(char: str) -> str:
    return chr(ord(char) - 0x1F1E6 + ord("A"))


def _regional_pair(first: str, second: str) -> float:
    """One side of a regional indicator: with the letter on that side it makes a flag, or it
    costs half a broken sequence (both sides together, a lone letter costs a whole one)."""
    if _is_regional_indicator(first) and _is_regional_indicator(second):
        if _region_letter(first) + _region_letter(second) in emoji_sequences().flag_regions:
            return FLAG_PAIR
    return -SEQUENCE_BREAK / 2


def _emoji_right(char: str, right: str) -> float:
    """A variation selector or skin tone after a character says it is an emoji; a post ends
    with an emoji far more often than with a dash or an opening quote."""
    sequences = emoji_sequences()
    if char == "\u200d":
        return ZWJ_BONUS if right in sequences.after_joiner else -ZWJ_BONUS
    if right == "\u200d":
        if char in sequences.before_joiner or char == "\ufe0f" or _is_skin_tone(char):
            return ZWJ_BONUS
        return -ZWJ_BONUS if _emoji_base(char) else 0.0
    if right in "\ufe0e\ufe0f" and right:
        # Only the characters Unicode lists in its emoji variation sequences take a selector.
        if char in sequences.variation_bases:
            return 3.0 if right == "\ufe0f" else 0.0
        return -INVALID_SEQUENCE
    if _is_regional_indicator(char):
        return _regional_pair(char, right)
    if _is_skin_tone(right):
        return 3.0 if char in sequences.modifier_bases else -3.0
    if not right or right == "\n":
        if char_class(char) == "emoji":
            return 1.0
        if char in "\u2014\u2013\u201c\u2018":
            return -2.0
    return 0.0


@lru_cache(maxsize=None)
def left_score(char: str, left: str) -> float:
    """log-score of `char` given the character before it ('' at the start)."""
    score = _bigram(left, char) + (_class_link(char, left) if left else 0.0)
    if 0x0E00 <= ord(char) <= 0x0E7F:
        score += _thai_left(char, left)
    score += _quote_left(char, left) + _emoji_left(char, left) + _case_left(char, left)
    return score + _alone(char, left)


def _case_left(char: str, left: str) -> float:
    """A capital letter starts a word: right after a small letter or a digit it is rare."""
    if char.isupper() and left and (left.islower() or left.isdigit()):
        return -CAPITAL_INSIDE_WORD
    return 0.0


CAPITAL_INSIDE_WORD = 3.0


@lru_cache(maxsize=None)
def right_score(char: str, right: str) -> float:
    """log-score of `char` given the character after it ('' at the end)."""
    score = _bigram(char, right) + (_class_link(char, right) if right else 0.0)
    if 0x0E00 <= ord(char) <= 0x0E7F:
        score += _thai_right(char, right)
    score += _quote_right(char, right) + _emoji_right(char, right)
    return score + _alone(char, right)


_QUOTES = frozenset("\u201c\u201d\u2018\u2019\u201e")
LONE_MARK = 2.0  # per side of a styled letter among plain text; twice that for a lone quote


def _alone(char: str, neighbour: str) -> float:
    """Half the cost of a math-alphabet letter among plain text: they come in styled words."""
    if 0x1D400 <= ord(char) <= 0x1D7FF and not (0x1D400 <= ord(neighbour or "a") <= 0x1D7FF):
        return -LONE_MARK
    return 0.0


# Options kept per group for the chain decoding; thousands of emoji otherwise. Candidates are
# ranked by prior once per candidate table; the best PRESELECT of them and any the document
# shows intact are scored with the document's evidence, and the best MAX_OPTIONS kept.
MAX_OPTIONS = 16
PRESELECT = 64
LATTICE_OPTIONS = 48  # character edges per reading in the word lattice

_RANKED: dict[int, tuple[tuple[str, ...], list[tuple[str, float]]]] = {}


def _ranked(candidates: tuple[str, ...]) -> list[tuple[str, float]]:
    """(character, log prior) of a candidate table, most probable first; cached per table
    (tables come from `completions`' cache, so one byte pattern is ranked once)."""
    model = char_model()
    return per_table(_RANKED, candidates, lambda table: sorted(
        ((c, log(model.prior(c))) for c in table), key=lambda item: -item[1]
    ))


# How much likelier an emoji is when the text names what it shows (`egg` for 🥚).
NAMED_EMOJI_BOOST = math.log(150.0)


def _group_options(
    group: Group, evidence: "DocumentEvidence", named: frozenset[str],
    languages: dict[str, float],
) -> tuple[list[_Option], bool]:
    """The options of one group, and whether it is exact (one reading, one candidate);
    `named`: emoji the text names, which are options with a boost wherever they fit;
    `languages`: how much likelier each language is in this text (`text_languages`)."""
    if len(group.readings) == 1 and len(group.readings[0].candidates) == 1:
        reading = group.readings[0]
        return [_Option(0, reading.end, reading.candidates[0], 0.0)], True
    opts: list[_Option] = []
    for index, reading in enumerate(group.readings):
        leftover = _leftover_log(reading)
        ranked = _ranked(reading.candidates)
        chosen = ranked[:PRESELECT]
        if len(ranked) > PRESELECT:
            chosen = chosen + evidence.extras(reading.candidates, ranked)
        for char, prior in chosen:
            base = _base_score(char, prior, evidence, languages)
            opts.append(_Option(index, reading.end, char, base + leftover, base))
    if len(opts) > MAX_OPTIONS:
        opts.sort(key=lambda o: -o.base)
        del opts[MAX_OPTIONS:]
        # Context rules act by kind (an emoji ends a post, a quote clings to a word), so each
        # kind keeps its likeliest few however rare the kind is here.
        _add_options(group, opts, [_representatives], evidence, languages)
    if named:
        _add_named_emoji(group, opts, named, evidence, languages)
    return opts, False


def _base_score(
    char: str, prior: float, evidence: "DocumentEvidence", languages: dict[str, float]
) -> float:
    """A candidate's log score before its neighbours: its prior, what the document shows intact
    and how common its languages are in this text. Every way a candidate becomes an option
    scores it here, so options from different routes compare fairly."""
    base = prior + evidence.log_boost(char)
    if languages:
        base += log(char_model().language_ratio(char, languages))
    return base


def text_languages(text: str, groups: list[Group]) -> dict[str, float]:
    """What this text shows of its languages, as multipliers of their shares (`language_shares`):
    the plain ASCII words it has, and whether any group could be Japanese or Thai at all."""
    from .repair_japanese import is_japanese_group

    scripts = set()
    for group in groups:
        if is_japanese_group(text, group):
            scripts.add("ja")
        elif char_class(group.readings[0].candidates[0]) == "thai":
            scripts.add("th")
    return language_shares(_ASCII_WORD.findall(text), scripts)


# A word of ASCII letters with no other letter touching it (a damaged letter may be next to it).
_ASCII_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{2,}(?![^\W\d_])")


def _leftover_log(reading: Reading) -> float:
    """What a reading's leftover spaces and line breaks cost as text of their own."""
    cost = sum(math.log(REAL_TOKEN_PROBABILITY[t]) for t in reading.leftover)
    return cost + reading.leftover.count("\n ") * LINE_STARTS_WITH_SPACE_LOG


def _add_named_emoji(
    group: Group, options: list[_Option], named: frozenset[str], evidence: "DocumentEvidence",
    languages: dict[str, float],
) -> None:
    """Boost the named emoji among `options`, adding those the group fits but that are not."""
    present = {(o.char, o.end): o for o in options}
    for index, reading in enumerate(group.readings):
        table = _candidate_set(reading)
        for char in named & table:
            option = present.get((char, reading.end))
            if option is None:
                leftover = _leftover_log(reading)
                base = _base_score(char, log(char_model().prior(char)), evidence, languages)
                option = _Option(index, reading.end, char, base + leftover, base)
                options.append(option)
            option.base += NAMED_EMOJI_BOOST
            option.prior += NAMED_EMOJI_BOOST


PER_KIND = 3
_KINDS: dict[int, tuple[tuple[str, ...], list[tuple[str, float]]]] = {}


def _representatives(candidates: tuple[str, ...]) -> list[tuple[str, float]]:
    """The PER_KIND likeliest candidates of each kind (`_family` of their class)."""
    def pick(table: tuple[str, ...]) -> list[tuple[str, float]]:
        counts: Counter[str] = Counter()
        picks = []
        for char, prior in _ranked(table):
            kind = _family(char_class(char))
            if counts[kind] < PER_KIND:
                counts[kind] += 1
                picks.append((char, prior))
        return picks

    return per_table(_KINDS, candidates, pick)


EMOJI_BASE_OPTIONS = 8
_BASES: dict[int, tuple[tuple[str, ...], list[tuple[str, float]]]] = {}


def _emoji_bases(candidates: tuple[str, ...]) -> list[tuple[str, float]]:
    """The candidates that can start an emoji sequence, most probable first."""
    return per_table(_BASES, candidates, lambda table: [
        (c, p) for c, p in _ranked(table)
        if c in emoji_sequences().variation_bases or ord(c) >= 0x1F000 and char_class(c) == "emoji"
    ][:EMOJI_BASE_OPTIONS])


def _add_sequence_options(
    text: str, groups: list[Group], options: list[list[_Option]], evidence: DocumentEvidence,
    languages: dict[str, float],
) -> None:
    """Characters that only make sense in a sequence are options wherever the neighbour can
    complete one, however rare alone: before a possible variation selector, joiner or skin
    tone, the emoji it would complete (`✔` ranks far below `“` by itself, but `“` never takes
    U+FE0F); next to a possible regional indicator, the regional indicators (a flag)."""
    for g in range(len(groups)):
        touching_next = g + 1 < len(groups) and groups[g + 1].start in _ends(groups[g])
        touching_prev = g > 0 and groups[g].start in _ends(groups[g - 1])
        wanted: list = []
        if touching_next and any(
            o.char in _SEQUENCE_MARKS or _is_skin_tone(o.char) for o in options[g + 1]
        ):
            wanted.append(_emoji_bases)
        if (touching_next and _has_regional(groups[g + 1])) or (touching_prev and _has_regional(groups[g - 1])):
            wanted.append(_regional_indicators)
        if wanted:
            _add_options(groups[g], options[g], wanted, evidence, languages)


def _add_options(
    group: Group, options: list[_Option], pickers, evidence: DocumentEvidence,
    languages: dict[str, float],
) -> None:
    """Add to `options` what each picker chooses from each reading's candidates."""
    present = {(o.char, o.end) for o in options}
    for index, reading in enumerate(group.readings):
        leftover = _leftover_log(reading)
        for pick in pickers:
            for char, prior in pick(reading.candidates):
                if (char, reading.end) not in present:
                    present.add((char, reading.end))
                    base = _base_score(char, prior, evidence, languages)
                    options.append(_Option(index, reading.end, char, base + leftover, base))


def _has_regional(group: Group) -> bool:
    return any(_regional_indicators(r.candidates) for r in group.readings)


_REGIONAL: dict[int, tuple[tuple[str, ...], list[tuple[str, float]]]] = {}


def _regional_indicators(candidates: tuple[str, ...]) -> list[tuple[str, float]]:
    """The regional indicator letters among the candidates, most probable first."""
    return per_table(_REGIONAL, candidates, lambda table: [
        (c, p) for c, p in _ranked(table) if _is_regional_indicator(c)
    ])


_SEQUENCE_MARKS = frozenset("\ufe0f\u200d\u20e3")
_TOTALS: dict[int, tuple[tuple[str, ...], float]] = {}


def _rest_mass(candidates: tuple[str, ...], kept: set[str]) -> float:
    """Prior mass of a candidate table outside `kept`."""
    total = per_table(_TOTALS, candidates, lambda table: sum(math.exp(p) for _, p in _ranked(table)))
    model = char_model()
    return max(0.0, total - sum(model.prior(c) for c in kept))


def choose(
    text: str, groups: list[Group], evidence: Optional[DocumentEvidence] = None
) -> list[Choice]:
    """The best character for every group of one text, with its probability as confidence.

    Neighbouring groups depend on each other (a Thai word is a run of damaged characters), so
    the groups of a text form a chain: forward-backward over it gives each group's marginal
    probabilities, and each group takes its most probable character.
    """
    evidence = evidence or DocumentEvidence()
    options: list[list[_Option]] = []
    guessing = False
    named = emoji_named_in(text)
    languages = text_languages(text, groups)
    for group in groups:
        opts, exact = _group_options(group, evidence, named, languages)
        guessing = guessing or not exact
        options.append(opts)
    if not guessing:
        return [Choice(g.start, o[0].end, o[0].char, 1.0) for g, o in zip(groups, options)]
    _add_sequence_options(text, groups, options, evidence, languages)
    forced = _decode_math_runs(text, groups)
    for g, (option, _confidence) in forced.items():
        options[g] = [option]
    marginals = _forward_backward(text, groups, options)
    choices = []
    for g, group in enumerate(groups):
        best = max(range(len(options[g])), key=marginals[g].__getitem__)
        option = options[g][best]
        confidence = marginals[g][best]
        if g in forced:
            confidence = min(confidence, math.exp(option.base))
        choices.append(Choice(group.start, option.end, option.char, round(confidence, 4)))
    _decode_words(text, groups, choices, forced, evidence)
    return choices


def _decode_words(
    text: str, groups: list[Group], choices: list[Choice], forced: set[int],
    evidence: DocumentEvidence,
) -> None:
    """Let the word lattices decide runs of Thai groups (`repair_words`) and of Japanese ones
    (`repair_japanese`)."""
    from .repair_japanese import is_japanese_group

    for whole in spans(groups):
        for japanese, run in _by_language(text, groups, whole, is_japanese_group):
            run = [g for g in run if g not in forced]
            if len(run) >= 2:
                _decode_run(text, groups, run, japanese, choices, evidence)


def _by_language(text: str, groups: list[Group], run: list[int], is_japanese) -> list[tuple[bool, list[int]]]:
    """Split a run into stretches of Japanese groups and of the others (Thai)."""
    parts: list[tuple[bool, list[int]]] = []
    for g in run:
        japanese = is_japanese(text, groups[g])
        if parts and parts[-1][0] == japanese:
            parts[-1][1].append(g)
        else:
            parts.append((japanese, [g]))
    return parts


def _decode_run(
    text: str, groups: list[Group], run: list[int], japanese: bool, choices: list[Choice],
    evidence: DocumentEvidence,
) -> None:
    """Decide one run in its language's lattice; each reading's commonest candidates are
    its character edges there."""
    from .repair_japanese import decode_japanese

    char_options = {}
    for g in run:
        kept = []
        # The mass of the other candidates goes on an edge of its own, which chooses none.
        for reading in groups[g].readings:
            ranked = _ranked(reading.candidates)
            top = ranked[:LATTICE_OPTIONS]
            if len(ranked) > LATTICE_OPTIONS:
                top = top + evidence.extras(reading.candidates, ranked, LATTICE_OPTIONS)
            kept += [(c, reading.end, p + evidence.log_boost(c)) for c, p in top]
            rest = _rest_mass(reading.candidates, {c for c, _ in top})
            if rest > 0.0:
                kept.append(("", reading.end, math.log(rest)))
        char_options[g] = kept
    if japanese:
        # The Japanese lattice has its own grammar.
        found = decode_japanese(text, groups, run, lambda g: [o for o in char_options[g] if o[0]])
    else:
        found = decode_span(text, groups, run, char_options)
    for g, (char, end, confidence) in found.items():
        choices[g] = Choice(groups[g].start, end, char, round(min(max(confidence, 1e-4), 1.0), 4))


def _unary(text: str, groups: list[Group], g: int, option: _Option, touched: bool) -> float:
    """Score of an option with the raw text around it, where no other group is involved;
    `touched`: some reading of the group before ends where this group starts."""
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
        score += YEAR_ABBREVIATION - _bigram(text[start - 1] if start else "", option.char)
    if option.char in _QUOTES and not touched and _between_spaces(text, start, option.end):
        score -= 2 * LONE_MARK  # quotes cling to the words they quote
    if option.char.isupper() and _lone_mid_sentence(text, start, option.end):
        score -= CAPITAL_INSIDE_WORD  # `À la fin` starts a sentence; `MoE × diffusion` has no À
    return score


_YEAR_AFTER = re.compile(r"\d\d(?!\d)")
YEAR_ABBREVIATION = 1.0


def _between_spaces(text: str, start: int, end: int) -> bool:
    return (not start or text[start - 1].isspace()) and (end >= len(text) or text[end].isspace())


def _lone_mid_sentence(text: str, start: int, end: int) -> bool:
    """A one-letter word (text[start:end]) that follows other words of its sentence."""
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
# Corrections to the letter-neighbour rules of `_quote_left`/`_quote_right` (which favour `’`
# touching letters by 2 and disfavour a dash by 2), once the words on both sides are known.
NOT_A_CONTRACTION = -5.0
DASH_BETWEEN_WORDS = 3.0


def _between_words(char: str, before: str, after: str) -> float:
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


def _ends(group: Group) -> set[int]:
    return {r.end for r in group.readings}


_PAIR_CACHE: dict[tuple, tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]] = {}


def _pair_matrix(left: tuple, right: tuple[str, ...], raw: str):
    """Link weights (exp of scores) between the options of two neighbouring groups, as rows
    and as columns, cached by their contents.

    `left` holds (character, touches) per option of the first group: a touching option is
    scored against each option of the second; one that leaves real text `raw` between them
    lets the second see that text instead (`raw` is '' when no reading of the first touches).
    """
    key = (left, right, raw)
    found = _PAIR_CACHE.get(key)
    if found is not None:
        return found
    rows = []
    exp = math.exp
    for a, touches in left:
        if touches:
            rows.append(tuple(exp(right_score(a, b) + left_score(b, a)) for b in right))
        elif raw:
            rows.append(tuple(exp(left_score(b, raw)) for b in right))
        else:
            rows.append((1.0,) * len(right))
    found = (tuple(rows), tuple(zip(*rows)))
    if len(_PAIR_CACHE) > 50_000:
        _PAIR_CACHE.clear()
    _PAIR_CACHE[key] = found
    return found


def _forward_backward(
    text: str, groups: list[Group], options: list[list[_Option]]
) -> list[list[float]]:
    """Marginal probability of every option, by forward-backward in probability space (each
    step renormalised, so nothing underflows)."""
    n = len(groups)
    touched = [False] + [
        any(e == groups[g].start for e in _ends(groups[g - 1])) for g in range(1, n)
    ]
    unary = []
    for g in range(n):
        scores = [_unary(text, groups, g, o, touched[g]) for o in options[g]]
        top = max(scores)
        unary.append([math.exp(x - top) for x in scores])
    pair = []
    for g in range(n - 1):
        start = groups[g + 1].start
        left = tuple((o.char, o.end == start) for o in options[g])
        right = tuple(o.char for o in options[g + 1])
        pair.append(_pair_matrix(left, right, text[start - 1] if touched[g + 1] else ""))
    alpha = [_normalised(unary[0])]
    for g in range(1, n):
        prev = alpha[-1]
        columns = pair[g - 1][1]
        alpha.append(_normalised([
            u * sum(map(mul, prev, column)) for u, column in zip(unary[g], columns)
        ]))
    beta = [[1.0] * len(options[n - 1])]
    for g in range(n - 2, -1, -1):
        ahead = list(map(mul, unary[g + 1], beta[0]))
        beta.insert(0, _normalised([sum(map(mul, row, ahead)) for row in pair[g][0]]))
    return [_normalised(list(map(mul, a, b))) for a, b in zip(alpha, beta)]


def _normalised(weights: list[float]) -> list[float]:
    total = sum(weights)
    if total <= 0.0 or total != total:
        return [1.0 / len(weights)] * len(weights)
    return [w / total for w in weights]


def _math_letter(char: str) -> str:
    """The plain letter or digit a math-alphabet character stands for (NFKC), lower-cased."""
    return unicodedata.normalize("NFKC", char).lower()


@dataclass
class _MathTable:
    """The math-alphabet side of one candidate table: for each style, the letter each
    candidate spells (small letters preferred, a capital needs a reason), and the prior mass
    of the table's other candidates."""

    styles: dict[str, dict[str, str]]
    other_mass: float


_MATH: dict[int, tuple[tuple[str, ...], _MathTable]] = {}


def _math_table(candidates: tuple[str, ...]) -> _MathTable:
    found = _MATH.get(id(candidates))
    if found is None or found[0] is not candidates:
        styles: dict[str, dict[str, str]] = {}
        other = 0.0
        model = char_model()
        for char in candidates:
            kind = char_class(char)
            if not kind.startswith("math:"):
                other += model.prior(char)
                continue
            letter = _math_letter(char)
            by_letter = styles.setdefault(kind, {})
            if letter not in by_letter or "SMALL" in unicodedata.name(char, ""):
                by_letter[letter] = char
        found = _MATH[id(candidates)] = (candidates, _MathTable(styles, other))
        for by_letter in styles.values():
            for letter, char in list(by_letter.items()):
                if "CAPITAL" in unicodedata.name(char, ""):
                    by_letter[letter.upper()] = by_letter.pop(letter)
    return found[1]


def _decode_math_runs(text: str, groups: list[Group]) -> dict[int, tuple[_Option, float]]:
    """Read runs of adjacent 4-byte groups as one math-alphabet word when that is likelier.

    Letter by letter a math letter never beats an emoji (emoji are far more frequent), but a
    run whose every position fits one style and spells a known word is very unlikely to be
    chance. Compares P(style word) = MATH_WORD_PRIOR / styles * P(word) with the product over
    positions of the total prior of the other candidates. A run must pin at least one letter
    with a surviving byte: a run of bare leads spells any short word. Returns, for the groups
    it decides, the option chosen and its probability.
    """
    # Per group, the readings that can be a math letter without swallowing a space.
    tables: list[list[tuple[int, Reading, _MathTable]]] = []
    for group in groups:
        found = []
        for index, reading in enumerate(group.readings):
            if any(c.isspace() for c in text[group.start:reading.end]):
                continue
            table = _math_table(reading.candidates)
            if table.styles:
                found.append((index, reading, table))
        tables.append(found)
    runs: list[list[int]] = []
    for g, group in enumerate(groups):
        if not tables[g]:
            continue
        if runs and runs[-1][-1] == g - 1 and any(r.end == group.start for _, r, _ in tables[g - 1]):
            runs[-1].append(g)
        else:
            runs.append([g])
    decided: dict[int, tuple[float, str, list[tuple[int, Reading, str]]]] = {}
    for _pass in range(2):
        # Second pass: a post writes all its styled words alike, so a style other runs of
        # the text settled on is a thousand times likelier.
        settled = dict(decided)
        for r, run in enumerate(runs):
            # The styles the *other* runs settled on (a run must not vouch for itself).
            used = Counter(style for other, (_score, style, _pick) in settled.items() if other != r)
            result = _best_math_word(run, groups, tables, used, _starts_sentence(text, groups[run[0]].start))
            if result is not None:
                decided[r] = result
            else:
                decided.pop(r, None)
    forced: dict[int, tuple[_Option, float]] = {}
    for r, (confidence, _style, pick) in decided.items():
        for g, (index, reading, char) in zip(runs[r], pick):
            forced[g] = (_Option(index, reading.end, char, math.log(max(confidence, 1e-9))), confidence)
    return forced


def _starts_sentence(text: str, start: int) -> bool:
    before = char_before(text, start)
    return not before or before in ".!?:\n"


def _best_math_word(run, groups, tables, used, initial: bool) -> Optional[tuple[float, str, list]]:
    """(confidence, style, (reading index, reading, character) per group) of the best word
    reading of a run, if any beats the other candidates; see `_decode_math_runs`. `initial`:
    the run starts a sentence, so its first letter may be a capital at no cost."""
    if len(run) < 2 or all(groups[g].readings[0].end - groups[g].start == 1 for g in run):
        return None
    styles = set.intersection(*({s for _, _, t in tables[g] for s in t.styles} for g in run))
    if len(run) < MIN_MATH_WORD:
        # Two damaged emoji spell some two-letter word in some style by chance (🐻💀 as 𝖻𝗒):
        # a short run is read as a word only in a style a longer run of the text settled on.
        styles = {style for style in styles if used.get(style)}
    best: tuple[float, str, list] = (-math.inf, "", [])
    for style in styles:
        weight = math.log(1000.0) if used.get(style) else 0.0
        letters: list[dict[str, tuple[int, Reading, str]]] = []
        for g in run:
            by_letter: dict[str, tuple[int, Reading, str]] = {}
            for index, reading, table in tables[g]:
                for letter, char in table.styles.get(style, {}).items():
                    by_letter.setdefault(letter, (index, reading, char))
            letters.append(by_letter)
        # Capitals (kept upper-case in the tables) need a reason: each costs CAPITAL_LOG, but
        # for the first letter of a sentence.
        small = [{c for c in allowed if not c.isupper()} for allowed in letters]
        if initial:
            small[0] |= {c.lower() for c in letters[0]}
        any_case = [{c.lower() for c in allowed} for allowed in letters]
        for allowed in (small, any_case):
            if not all(allowed):
                continue
            found = _most_frequent_word(tuple("".join(sorted(a)) for a in allowed))
            if found is None:
                if used.get(style) and allowed is any_case:
                    found = _likeliest_letters(allowed), OOV_WORD_FREQUENCY
                else:
                    continue
            word, freq = found
            spelled = []
            caps = 0
            for i, (ch, by_letter) in enumerate(zip(word, letters)):
                if ch in by_letter:
                    spelled.append(by_letter[ch])
                else:
                    spelled.append(by_letter[ch.upper()])
                    caps += not (i == 0 and initial)
            score = math.log(freq) + weight + caps * CAPITAL_LOG
            if score > best[0]:
                best = (score, style, spelled)
    if not best[2]:
        return None
    other = 0.0
    for g, (index, reading, _char) in zip(run, best[2]):
        mass = _math_table(reading.candidates).other_mass
        other += math.log(mass) if mass > 0 else -50.0
    math_score = math.log(MATH_WORD_PRIOR / max(len(styles), 1)) + best[0]
    if math_score <= other:
        return None
    return 1.0 / (1.0 + math.exp(other - math_score)), best[1], best[2]


# A styled run no word list knows (`𝗿𝗲𝗸𝘁`), in a style the text uses elsewhere: read as
# the likeliest letters, as if it were a rare word.
OOV_WORD_FREQUENCY = 1e-7


def _likeliest_letters(allowed: list[set[str]]) -> str:
    """The likeliest string with one of `allowed[i]` at each place, by the letter bigram
    model (Viterbi over the letters)."""
    model = char_model()
    best = {c: (log(model.prior(c)) + log(model.bigram_ratio(" ", c)), c) for c in allowed[0]}
    for options in allowed[1:]:
        best = {
            c: max((score + log(model.prior(c)) + log(model.bigram_ratio(p, c)), text + c)
                   for p, (score, text) in best.items())
            for c in options
        }
    return max(best.values())[1]


@lru_cache(maxsize=4096)
def _most_frequent_word(allowed: tuple[str, ...]) -> Optional[tuple[str, float]]:
    """The commonest known word whose i-th letter is one of `allowed[i]`: one regular
    expression over the words of that length, listed most frequent first."""
    import re

    blob, freqs = _words_of_length(len(allowed))
    pattern = "^" + "".join("[" + re.escape(letters) + "]" for letters in allowed) + "$"
    match = re.search(pattern, blob, re.M)
    if match is None:
        return None
    return match.group(0), freqs[match.group(0)]


@lru_cache(maxsize=None)
def _words_of_length(length: int) -> tuple[str, dict[str, float]]:
    """Known words (English, French, Italian) of one length, one a line, most frequent first."""
    import wordfreq

    best: dict[str, float] = {}
    for lang in ("en", "fr", "it"):
        for word, freq in wordfreq.get_frequency_dict(lang, "small").items():
            if len(word) == length and word.isalpha():
                best[word] = max(best.get(word, 0.0), freq)
    ordered = sorted(best.items(), key=lambda item: -item[1])
    return "\n".join(w for w, _ in ordered), best
