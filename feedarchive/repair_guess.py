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

The scores are turned into probabilities per group, recomputed a few times so that damaged
neighbours inform each other (a mean-field iteration), and the winner's probability is the
confidence recorded with the repair.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from typing import Optional

from .repair_prior import char_class, char_model, log
from .repair_thai import Group

# How much a neighbour of the same class raises a candidate, in log units, by class.
SAME_CLASS_BONUS = {"cjk": 2.0, "thai": 1.5, "emoji": 1.0, "latin": 0.3}
MATH_STYLE_BONUS = 5.0
OTHER_LETTER_BONUS = 2.0
ITERATIONS = 4
# Probability that a real space / line break stands where a lead could have owned it.
REAL_TOKEN_PROBABILITY = {" ": 0.15, "\n": 0.01}
# How often a word is written in one math-alphabet style (estimate for social posts).
MATH_WORD_PRIOR = 1e-4

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
    base: float  # log prior with the document's evidence


class DocumentEvidence:
    """Characters a document shows for certain, used as a cache on top of the global prior.

    A document in Japanese restores many kana exactly; that makes a damaged kana more likely
    than an emoji with the same bytes, and a document of emoji makes emoji more likely.
    """

    def __init__(self) -> None:
        self.chars: Counter[str] = Counter()
        self.classes: Counter[str] = Counter()

    def add(self, char: str) -> None:
        self.chars[char] += 1
        self.classes[_family(char_class(char))] += 1

    def log_boost(self, char: str) -> float:
        total = sum(self.classes.values())
        if not total:
            return 0.0
        share = self.classes[_family(char_class(char))] / total
        repeat = self.chars[char] / total
        return math.log(0.2 + 2.0 * share) + math.log(1.0 + 20.0 * repeat)


def _family(kind: str) -> str:
    return "math" if kind.startswith("math") else kind


def _class_bonus(kind: str) -> float:
    if kind.startswith("math:"):
        return MATH_STYLE_BONUS
    if kind.startswith("letter:"):
        return OTHER_LETTER_BONUS
    return SAME_CLASS_BONUS.get(kind, 0.0)


def _wordish(char: str) -> bool:
    return char.isalpha() or char in " \u2019" or char == "\n"


def _bigram(left: str, right: str) -> float:
    if not (_wordish(left) and _wordish(right)):
        return 0.0
    left = " " if left == "\n" else left
    right = " " if right == "\n" else right
    return log(char_model().bigram_ratio(left, right))


def _thai_spelling(char: str, left: str, right: str) -> float:
    code = ord(char)
    if code in _THAI_UPPER_LOWER or code in _THAI_MARKS:
        lcode = ord(left) if left else 0
        if lcode in _THAI_CONSONANTS or (code in _THAI_MARKS and lcode in _THAI_UPPER_LOWER):
            return 1.5
        return -4.0
    if code in _THAI_LEADING:
        return 1.0 if right and ord(right) in _THAI_CONSONANTS else -4.0
    if code in _THAI_CONSONANTS and left and ord(left) in _THAI_LEADING:
        return 0.5
    return 0.0


def _quote_shape(char: str, left: str, right: str) -> float:
    left_word = bool(left) and left.isalnum()
    right_word = bool(right) and right.isalnum()
    left_open = not left or left.isspace() or left in "([{<"
    right_close = not right or right.isspace() or right in ".,;:!?)]}>"
    if char == "\u2019":
        if left_word and right_word:
            return 2.0
        return 0.5 if left_word and right_close else -1.0
    if char in "\u201c\u2018":
        return 2.0 if left_open and not right_close else -2.0
    if char in "\u201d":
        return 1.5 if right_close and not left_open else -2.0
    if char in "\u2013":
        return 1.0 if left.isdigit() and right.isdigit() else 0.0
    return 0.0


def _emoji_grammar(char: str, left: str) -> float:
    if char == "\u20e3":
        return 4.0 if left == "\ufe0f" or left.isdigit() or left in "#*" else -2.0
    if char == "\ufe0f":
        return 1.0 if left and char_class(left) == "emoji" else -1.0
    return 0.0


def _context_score(char: str, left: str, right: str) -> float:
    score = _bigram(left, char) + _bigram(char, right)
    code = ord(char)
    if 0x0E00 <= code <= 0x0E7F:
        score += _thai_spelling(char, left, right)
    elif char in "\u2019\u2018\u201c\u201d\u2013":
        score += _quote_shape(char, left, right)
    elif char in "\u20e3\ufe0f":
        score += _emoji_grammar(char, left)
    return score


def choose(
    text: str, groups: list[Group], evidence: Optional[DocumentEvidence] = None
) -> list[Choice]:
    """The best character for every group of one text, with its probability as confidence."""
    evidence = evidence or DocumentEvidence()
    model = None
    options: list[list[_Option]] = []
    for group in groups:
        opts = []
        for index, reading in enumerate(group.readings):
            for char in reading.candidates:
                if len(group.readings) == 1 and len(reading.candidates) == 1:
                    base = 0.0
                else:
                    model = model or char_model()
                    base = log(model.prior(char)) + evidence.log_boost(char)
                    base += sum(math.log(REAL_TOKEN_PROBABILITY[t]) for t in reading.leftover)
                opts.append(_Option(index, reading.end, char, base))
        options.append(opts)
    probs = [_softmax([o.base for o in opts]) for opts in options]
    if model is not None:
        forced = _decode_math_runs(groups, options, probs)
        for _ in range(ITERATIONS):
            bests = [_best(options[g], probs[g]) for g in range(len(groups))]
            masses = [_class_mass(options[g], probs[g]) for g in range(len(groups))]
            probs = [
                _rescore(text, groups, options, bests, masses, g)
                if len(options[g]) > 1 and g not in forced else probs[g]
                for g in range(len(groups))
            ]
    choices = []
    for g, group in enumerate(groups):
        best = max(range(len(options[g])), key=probs[g].__getitem__)
        option = options[g][best]
        choices.append(Choice(group.start, option.end, option.char, round(probs[g][best], 4)))
    return choices


def _best(options: list[_Option], probs: list[float]) -> _Option:
    return options[max(range(len(options)), key=probs.__getitem__)]


def _rescore(
    text: str,
    groups: list[Group],
    options: list[list[_Option]],
    bests: list[_Option],
    masses: list[dict[str, float]],
    g: int,
) -> list[float]:
    group = groups[g]
    # Left neighbour: the previous group's current guess if it ends right here, else raw text.
    left_mass: dict[str, float] = {}
    left = text[group.start - 1] if group.start > 0 else ""
    if g > 0:
        prev = bests[g - 1]
        if prev.end == group.start:
            left = prev.char
            left_mass = masses[g - 1]
    if not left_mass and left:
        left_mass = {char_class(left): 1.0}
    scores = []
    next_start = groups[g + 1].start if g + 1 < len(groups) else -1
    for option in options[g]:
        if option.end == next_start:
            right = bests[g + 1].char
            right_mass = masses[g + 1]
        else:
            right = text[option.end] if option.end < len(text) else ""
            right_mass = {char_class(right): 1.0} if right else {}
        kind = char_class(option.char)
        bonus = _class_bonus(kind)
        score = option.base + _context_score(option.char, left, right)
        if bonus:
            for mass in (left_mass, right_mass):
                share = mass.get(kind, 0.0)
                if share:
                    score += math.log1p((math.exp(bonus) - 1.0) * share)
        scores.append(score)
    return _softmax(scores)


def _class_mass(options: list[_Option], probs: list[float]) -> dict[str, float]:
    mass: dict[str, float] = {}
    for option, p in zip(options, probs):
        if p > 1e-4:
            kind = char_class(option.char)
            mass[kind] = mass.get(kind, 0.0) + p
    return mass


def _softmax(scores: list[float]) -> list[float]:
    top = max(scores)
    weights = [math.exp(s - top) for s in scores]
    total = sum(weights)
    return [w / total for w in weights]


def _math_letter(char: str) -> str:
    """The plain letter or digit a math-alphabet character stands for (NFKC), lower-cased."""
    import unicodedata

    return unicodedata.normalize("NFKC", char).lower()


def _word_probability(word: str) -> float:
    from wordfreq import word_frequency

    return max(word_frequency(word, lang) for lang in ("en", "fr", "it"))


def _decode_math_runs(
    groups: list[Group], options: list[list[_Option]], probs: list[list[float]]
) -> set[int]:
    """Read runs of adjacent 4-byte groups as one math-alphabet word when that is likelier.

    Letter by letter a math letter never beats an emoji (emoji are far more frequent), but a
    run whose every position fits one style and spells a known word is very unlikely to be
    chance. Compares P(style word) = MATH_WORD_PRIOR * P(word) with the product over
    positions of the total prior of the other candidates. Sets `probs` of the groups it
    decides and returns their indices.
    """
    forced: set[int] = set()
    runs: list[list[int]] = []
    for g, group in enumerate(groups):
        if not any(char_class(o.char).startswith("math:") for o in options[g]):
            continue
        if runs and runs[-1][-1] == g - 1 and any(o.end == group.start for o in options[g - 1]):
            runs[-1].append(g)
        else:
            runs.append([g])
    for run in runs:
        if len(run) < 2:
            continue
        styles = set.intersection(*(
            {char_class(o.char) for o in options[g] if char_class(o.char).startswith("math:")}
            for g in run
        ))
        best: tuple[float, str, list[int]] = (-math.inf, "", [])
        for style in styles:
            choices = [
                [i for i, o in enumerate(options[g]) if char_class(o.char) == style] for g in run
            ]
            combos = 1
            for c in choices:
                combos *= len(c)
            if combos > 4096:
                continue
            for pick in _product(choices):
                word = "".join(_math_letter(options[g][i].char) for g, i in zip(run, pick))
                p = _word_probability(word)
                if p and math.log(p) > best[0]:
                    best = (math.log(p), style, list(pick))
        if not best[2]:
            continue
        other = 0.0
        for g in run:
            mass = sum(math.exp(o.base) for o in options[g] if not char_class(o.char).startswith("math"))
            other += math.log(mass) if mass > 0 else -50.0
        math_score = math.log(MATH_WORD_PRIOR) + best[0]
        if math_score <= other:
            continue
        confidence = 1.0 / (1.0 + math.exp(other - math_score))
        for g, i in zip(run, best[2]):
            probs[g] = [0.0] * len(options[g])
            probs[g][i] = confidence
            forced.add(g)
    return forced


def _product(choices: list[list[int]]):
    import itertools

    return itertools.product(*choices)
