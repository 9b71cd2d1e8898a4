"""Styled words: runs of math-alphabet letters (`𝙗𝙪𝙞𝙡𝙙`) read as a whole.

Letter by letter a math letter never beats an emoji with the same bytes (emoji are far more
frequent); a run whose every position fits one style and spells a known word is very unlikely
to be chance. `decode_math_runs` decides such runs before the chain does.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple, Optional

import numpy as np

from ..tuning import (
    CAPITAL_LOG, MATH_WORD_PRIOR, MIN_MATH_WORD, OOV_WORD_FREQUENCY, STYLED_NUMBER_SHARE,
    TEXT_WORD_SHARE,
)
from .cache import WORDFREQ, Table, cached_table, package_inputs
from .candidates import CandidateTable, Option
from .context import char_before
from .damage import Group, Reading, thai_byte
from .lattice import log_sum_exp_all
from .mapped import column_of, columns, string_column, strings_of
from .prior import char_class, char_model, log


def _math_letter(char: str) -> str:
    """The plain letter or digit a math-alphabet character stands for (NFKC), lower-cased.

    >>> _math_letter("𝐁"), _math_letter("𝟕")
    ('b', '7')
    """
    return unicodedata.normalize("NFKC", char).lower()


@dataclass
class _MathTable:
    """The math-alphabet side of one candidate table: for each style, the letter each
    candidate spells (small letters preferred, a capital needs a reason), and the prior mass
    of the table's other candidates."""

    styles: dict[str, dict[str, str]]
    other_mass: float


def _math_table(candidates: CandidateTable) -> _MathTable:
    """The math side of a candidate table, built once per table."""
    return candidates.derived("math", _build_math_table)


def _build_math_table(candidates: CandidateTable) -> _MathTable:
    styles: dict[str, dict[str, str]] = {}
    other = 0.0
    model = char_model()
    for char in candidates:
        kind = char_class(char)
        if not kind.startswith("math:"):
            other += model.prior(char)
            continue
        letter = _math_letter(char)
        if not ("a" <= letter <= "z" or "0" <= letter <= "9"):
            # A styled word is Latin letters or digits: the math alphabets' Greek letters are
            # symbols of formulas, never spelled into words (`𝟶𝟶𝟹𝟷` read as `𝚶𝚶𝚹𝚷`).
            other += model.prior(char)
            continue
        by_letter = styles.setdefault(kind, {})
        if letter not in by_letter or "SMALL" in unicodedata.name(char, ""):
            by_letter[letter] = char
    for by_letter in styles.values():
        for letter, char in list(by_letter.items()):
            if "CAPITAL" in unicodedata.name(char, ""):
                by_letter[letter.upper()] = by_letter.pop(letter)
    return _MathTable(styles, other)


class StyledLetter(NamedTuple):
    """A letter of a styled word as `decode_math_runs` decided it: the option chosen, its
    probability (a styled word at all, in this style, with this letter), how the word was
    found (`source`: `text` a word its text spells plainly, `list` the word list's, `guess`
    letters no list knows), and the share of the word's letters a surviving byte pins
    (`pinned`: a bare lead fits any letter of the style)."""

    option: Option
    probability: float
    source: str = "list"
    pinned: float = 1.0


def decode_math_runs(text: str, groups: list[Group]) -> dict[int, StyledLetter]:
    """Read runs of adjacent 4-byte groups as one math-alphabet word when that is likelier.

    Letter by letter a math letter never beats an emoji (emoji are far more frequent), but a
    run whose every position fits one style and spells a known word is very unlikely to be
    chance. Compares P(style word) = MATH_WORD_PRIOR / styles * P(word) with the product over
    positions of the total prior of the other candidates. A run must pin at least one letter
    with a surviving byte: a run of bare leads spells any short word. Returns, for the groups
    it decides, the option chosen, its probability and what the word rests on.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = "Read " + damage("𝐛𝐮𝐢𝐥𝐝".encode()) + " now"
    >>> forced = decode_math_runs(text, parse_lossy(text).groups)
    >>> "".join(s.option.char for s in forced.values())
    '𝐛𝐮𝐢𝐥𝐝'
    >>> round(min(s.probability for s in forced.values()), 2)  # other readings spell words too
    0.96
    >>> sorted({(s.source, s.pinned) for s in forced.values()})
    [('list', 0.6)]
    """
    # Per group, the readings that can be a math letter without swallowing a space, but
    # the one the letter's own last byte became at the end of a word.
    tables: list[list[tuple[int, Reading, _MathTable]]] = []
    for group in groups:
        found = []
        for index, reading in enumerate(group.readings):
            if any(c.isspace() for c in text[group.start:reading.end]) and not \
                    ends_word_with_own_byte(text, group.start, reading.end):
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
    runs = [run for run in runs if not repeated_character(text, groups, run)]
    known = text_words(text)
    decided: dict[int, _WordReading] = {}
    for _pass in range(2):
        # Second pass: a post writes all its styled words alike, so a style other runs of
        # the text settled on is a thousand times likelier.
        settled = dict(decided)
        for r, run in enumerate(runs):
            # The styles the *other* runs settled on (a run must not vouch for itself).
            used = Counter(found.style for other, found in settled.items() if other != r)
            result = _best_math_word(run, groups, tables, used,
                                     _starts_sentence(text, groups[run[0]].start), known)
            if result is not None:
                decided[r] = result
            else:
                decided.pop(r, None)
    forced: dict[int, StyledLetter] = {}
    for r, found in decided.items():
        pinned = sum(1 for g, (_i, reading, _c) in zip(runs[r], found.pick)
                     if reading.end - groups[g].start > 1) / len(runs[r])
        for g, (index, reading, char), sure in zip(runs[r], found.pick, found.sure):
            letter = found.confidence * found.share * sure
            option = Option(index, reading.end, char, math.log(max(letter, 1e-9)))
            forced[g] = StyledLetter(option, letter, found.source, round(pinned, 4))
    return forced


def repeated_character(text: str, groups: list[Group], run: list[int]) -> bool:
    """Whether every group of `run` is the same damaged text: one emoji repeated for emphasis
    (🔥🔥🔥, 🚩🚩🚩) is far likelier than a styled word of one letter (`𝑥𝑥𝑥`) or a number
    of one digit (`𝟯𝟯𝟯`), which the same bytes also spell.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> for styled in ("🔥🔥🔥", "𝐛𝐮𝐢𝐥𝐝"):
    ...     text = damage(styled.encode())
    ...     groups = parse_lossy(text).groups
    ...     print(repeated_character(text, groups, list(range(len(groups)))))
    True
    False
    """
    forms = {text[groups[g].start:min(r.end for r in groups[g].readings)] for g in run}
    return len(run) > 1 and len(forms) == 1


def ends_word_with_own_byte(text: str, start: int, end: int) -> bool:
    r"""Whether the reading text[start:end] of a lead may own the space (byte 0xA0) or line
    break (0x85) it ends with as its last byte, as a word's last letter: one such character,
    last, and after it no letter, digit or damaged character (a word still going on), so
    the word still ends there. `𝐁𝐢𝐠 news`: the `𝐠` is F0 9D 90 A0, damaged to `๐` and a
    space before the real one.

    >>> ends_word_with_own_byte("๐๐  news", 1, 3), ends_word_with_own_byte("๐๐ news", 1, 3)
    (True, False)
    >>> ends_word_with_own_byte("๐๐\n!", 1, 3), ends_word_with_own_byte("๐๐", 0, 1)
    (True, False)
    """
    owned = text[start:end]
    if not owned or owned[-1] not in " \n" or any(c.isspace() for c in owned[:-1]):
        return False
    after = text[end:end + 1]
    return not after or not (after.isalnum() or thai_byte(after) is not None)


_PLAIN_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{2,}(?![^\W\d_])")


def text_words(text: str) -> Counter[str]:
    """The words a text shows in plain ASCII letters, lower-cased, with their counts: what a
    styled word of the same text most likely repeats (`Mid-Training` ... `𝙢𝙞𝙙-𝙩𝙧𝙖𝙞𝙣𝙞𝙣𝙜`).
    A word touching a damaged letter is left out: it is no word yet.

    >>> sorted(text_words("Mid-Training RL, mid-size cafรฉ").items())
    [('mid', 2), ('rl', 1), ('size', 1), ('training', 1)]
    """
    return Counter(word.lower() for word in _PLAIN_WORD.findall(text))


def _starts_sentence(text: str, start: int) -> bool:
    """Whether `start` begins a sentence: the text's start, or after `.`, `!`, `?`, `:` or a
    line break (spaces aside).

    >>> _starts_sentence("Done. x", 6), _starts_sentence("and x", 4), _starts_sentence("x", 0)
    (True, False, True)
    """
    before = char_before(text, start)
    return not before or before in ".!?:\n"


class _WordReading(NamedTuple):
    """The best word reading of a run (`_best_math_word`)."""

    confidence: float  # a styled word at all, rather than the other candidates
    style: str
    pick: list  # (reading index, reading, character) per group
    sure: list[float]  # per letter, its share among the words that fit in this style
    share: float  # this reading's share among the readings of the run (`_best_math_word`)
    source: str  # "text", "list" or "guess"


def case_patterns(letters: list[dict], initial: bool) -> list[tuple[str, list[set[str]], int]]:
    """The ways a styled word may be cased, each as (name, the letters allowed at each place
    lower-cased, how many capitals it costs): all small (its first letter may be a capital at
    no cost when it starts a sentence), a capital first (`Title`), or all capitals (`NEWS`:
    one choice to shout, one capital's cost). Mixed case (`dEmi`) is no way people style a
    word, and is not offered. `letters`: per place, the letters a style offers there, small
    ones lower-case and capitals upper-case.

    >>> [(name, ["".join(sorted(a)) for a in allowed], caps)
    ...  for name, allowed, caps in case_patterns([{"N", "d"}, {"E", "a"}], False)]
    [('lower', ['d', 'a'], 0), ('title', ['n', 'a'], 1), ('upper', ['n', 'e'], 1)]
    >>> [name for name, _, _ in case_patterns([{"N", "d"}, {"E", "a"}], True)]  # `Na` is free
    ['lower', 'upper']
    """
    small = [{c for c in at if c.islower()} for at in letters]
    capital = [{c.lower() for c in at if c.isupper()} for at in letters]
    patterns = []
    first = small[0] | capital[0] if initial else small[0]
    patterns.append(("lower", [first] + small[1:], 0))
    if not initial:
        patterns.append(("title", [capital[0]] + small[1:], 1))
    patterns.append(("upper", capital, 1))
    return [(name, allowed, caps) for name, allowed, caps in patterns if all(allowed)]


def styled_number(letters: list[dict]) -> Optional[tuple[str, float, list[float]]]:
    """A run read as a number: (its digits, its frequency as a word, how sure each digit is),
    when every place can be a digit of the style (`letters`: per place, what the style offers
    there). A bare lead fits any of several digits: the first, sure at one in as many.

    >>> styled_number([{"4", "q"}, {"2"}])
    ('42', 5e-05, [1.0, 1.0])
    >>> styled_number([{"4", "q"}, {"a"}]) is None
    True
    """
    digits = [sorted(c for c in at if c.isdigit()) for at in letters]
    if not all(digits):
        return None
    return ("".join(d[0] for d in digits), STYLED_NUMBER_SHARE * 10.0 ** -len(digits),
            [1.0 / len(d) for d in digits])


def _spelled(word: str, case: str, letters: list[dict]) -> list:
    """The (reading index, reading, character) of each letter of `word` cased as `case`
    says (`case_patterns`): small letters but where the case asks for a capital (or the
    style has only the capital there: a sentence's first letter)."""
    spelled = []
    for i, (ch, by_letter) in enumerate(zip(word, letters)):
        capital = case == "upper" or (case == "title" and i == 0) or ch not in by_letter
        spelled.append(by_letter[ch.upper()] if capital else by_letter[ch])
    return spelled


def _best_math_word(run, groups, tables, used, initial: bool,
                    known: Optional[Counter] = None) -> Optional[_WordReading]:
    """The best word reading of a run, if any beats the other candidates; see
    `decode_math_runs`. `initial`: the run starts a sentence, so its first letter may be a
    capital at no cost. `known`: the words the text shows in plain letters (`text_words`),
    likelier than the word list says (TEXT_WORD_SHARE).

    The confidence is that of a styled word at all; `share` that of the chosen reading among
    the readings that compete for the run: each case (`case_patterns`) of each alphabet's
    likeliest word, and a number (`styled_number`). The damage takes the byte that tells the
    math alphabets apart, so a word pinned letter by letter in one alphabet may be another
    word in another, or digits. Each letter's `sure` is the probability of the words that fit
    with that letter there: a bare lead fits any letter, so a letter only the word list chose
    is a guess, while one a surviving byte pins is sure.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> def best_word(styled, known=None):
    ...     groups = parse_lossy(damage(styled.encode())).groups
    ...     tables = [[(i, r, _math_table(r.candidates)) for i, r in enumerate(g.readings)
    ...                if _math_table(r.candidates).styles] for g in groups]
    ...     found = _best_math_word(list(range(len(groups))), groups, tables, Counter(), False,
    ...                             known)
    ...     return found and (found.style, "".join(char for _, _, char in found.pick))
    >>> best_word("𝐰𝐨𝐫𝐝")
    ('math:MATHEMATICAL BOLD', '𝐰𝐨𝐫𝐝')
    >>> best_word("🐻💀") is None  # two letters: only in a style a longer run settled on
    True
    >>> best_word("𝙢𝙞𝙙", Counter(["mid", "training"]))[1]  # the text says `Mid-Training`
    '𝙢𝙞𝙙'
    >>> best_word("𝗡𝗘𝗪𝗦")[1]  # all capitals, not a mixed-case word of another alphabet
    '𝗡𝗘𝗪𝗦'

    """
    if len(run) < 2 or all(groups[g].readings[0].end - groups[g].start == 1 for g in run):
        return None
    known = known or Counter()
    styles = set.intersection(*({s for _, _, t in tables[g] for s in t.styles} for g in run))
    if len(run) < MIN_MATH_WORD:
        # Two damaged emoji spell some two-letter word in some style by chance (🐻💀 as 𝖻𝗒):
        # a short run is read as a word only in a style a longer run of the text settled on.
        styles = {style for style in styles if used.get(style)}
    readings: list[tuple[float, str, list, list[float], str]] = []
    guesses: list[tuple[float, str, list, list[float], str]] = []
    for style in sorted(styles):  # a fixed order: equal scores must not follow hashing
        weight = math.log(1000.0) if used.get(style) else 0.0
        letters: list[dict[str, tuple[int, Reading, str]]] = []
        for g in run:
            by_letter: dict[str, tuple[int, Reading, str]] = {}
            for index, reading, table in tables[g]:
                for letter, char in table.styles.get(style, {}).items():
                    by_letter.setdefault(letter, (index, reading, char))
            letters.append(by_letter)
        patterns = case_patterns(letters, initial)
        found_here = len(readings)
        for case, allowed, caps in patterns:
            found = _likeliest_word(tuple("".join(sorted(a)) for a in allowed), known)
            if found is not None:
                word, freq, sure = found
                readings.append((math.log(freq) + weight + caps * CAPITAL_LOG, style,
                                 _spelled(word, case, letters), sure,
                                 "text" if word in known else "list"))
        number = styled_number(letters)
        if number is not None:
            digits, freq, sure = number
            readings.append((math.log(freq) + weight, style, _spelled(digits, "lower", letters),
                             sure, "number"))
        if len(readings) == found_here and used.get(style) and patterns:
            # No word fits: in a style the text uses elsewhere, its likeliest letters.
            case, allowed, caps = patterns[0]
            guessed = _likeliest_letters(allowed)
            guesses.append((math.log(OOV_WORD_FREQUENCY) + weight + caps * CAPITAL_LOG, style,
                            _spelled(guessed, case, letters), [1.0 / len(a) for a in allowed],
                            "guess"))
    # Letters no list knows only when no alphabet spells a word there (`𝐇𝐢𝐫𝐢𝐧𝐠` is not
    # guessed letters in the style of the post's other styled word).
    readings = readings or guesses
    if not readings:
        return None
    # The readings compete: each case of each alphabet's likeliest word, and a number.
    best = max(readings, key=lambda found: found[0])  # the first of equal ones
    total = log_sum_exp_all([found[0] for found in readings])
    other = 0.0
    for g, (index, reading, _char) in zip(run, best[2]):
        mass = _math_table(reading.candidates).other_mass
        other += math.log(mass) if mass > 0 else -50.0
    math_score = math.log(MATH_WORD_PRIOR / max(len(styles), 1)) + total
    if math_score <= other:
        return None
    return _WordReading(1.0 / (1.0 + math.exp(other - math_score)), best[1], best[2], best[3],
                        math.exp(best[0] - total), best[4])


def _likeliest_word(allowed: tuple[str, ...], known: Counter) -> Optional[tuple[str, float, list[float]]]:
    """The likeliest word whose i-th letter is one of `allowed[i]`, its probability, and for
    each place the share of the fitting words' probability that has the chosen letter there.
    A word's probability mixes its frequency in the word lists with its share of the text's
    own words (`known`, TEXT_WORD_SHARE), so a word the text spells plainly comes first.

    >>> _likeliest_word(("ct", "a", "tr"), Counter())[0]  # `car` is commoner than `cat`
    'car'
    >>> word, p, sure = _likeliest_word(("ct", "a", "tr"), Counter(["cat", "nap"]))
    >>> word, sure[1], sure[0] > 0.5
    ('cat', 1.0, True)
    >>> _likeliest_word(("q", "q", "q"), Counter()) is None
    True
    """
    listed, listed_total = _matching_words(allowed)
    pattern = re.compile("".join("[" + re.escape(letters) + "]" for letters in allowed))
    total_known = sum(known.values())
    cached = {w: TEXT_WORD_SHARE * n / total_known for w, n in known.items()
              if len(w) == len(allowed) and pattern.fullmatch(w)}
    if not listed and not cached:
        return None
    scale = 1.0 - TEXT_WORD_SHARE if cached else 1.0
    words = {w: scale * f for w, f in listed}
    for w, p in cached.items():
        words[w] = words.get(w, 0.0) + p
    total = scale * listed_total + sum(cached.values())
    word = max(words, key=lambda w: (words[w], w in cached))
    # The words past MATCHES_KEPT are not looked at letter by letter: counted as agreeing.
    unlisted = scale * (listed_total - sum(f for _, f in listed))
    sure = [min(1.0, (sum(p for w, p in words.items() if w[i] == word[i]) + unlisted) / total)
            if len(allowed[i]) > 1 else 1.0
            for i in range(len(allowed))]
    return word, words[word], sure


@lru_cache(maxsize=4096)
def _matching_words(allowed: tuple[str, ...]) -> tuple[tuple[tuple[str, float], ...], float]:
    """The commonest known words whose i-th letter is one of `allowed[i]` (at most
    MATCHES_KEPT, most frequent first) and the total frequency of all that fit: one regular
    expression over the words of that length, listed most frequent first.

    >>> words, total = _matching_words(("ct", "a", "tr"))
    >>> [w for w, _ in words][:3], total >= sum(f for _, f in words)
    (['car', 'cat', 'tar'], True)
    >>> _matching_words(("q", "q", "q"))
    ((), 0.0)
    """
    blob, freqs = _words_of_length(len(allowed))
    pattern = "^" + "".join("[" + re.escape(letters) + "]" for letters in allowed) + "$"
    found = re.findall(pattern, blob, re.M)
    return tuple((w, freqs[w]) for w in found[:MATCHES_KEPT]), float(sum(freqs[w] for w in found))


# Words kept per pattern to compare letter by letter; the rest count only in the total.
MATCHES_KEPT = 200


def _likeliest_letters(allowed: list[set[str]]) -> str:
    """The likeliest string with one of `allowed[i]` at each place, by the letter bigram
    model (Viterbi over the letters).

    >>> _likeliest_letters([{"t"}, {"h", "x"}, {"e", "q"}])
    'the'
    """
    model = char_model()
    best = {c: (log(model.prior(c)) + log(model.bigram_ratio(" ", c)), c) for c in allowed[0]}
    for options in allowed[1:]:
        best = {
            c: max((score + log(model.prior(c)) + log(model.bigram_ratio(p, c)), text + c)
                   for p, (score, text) in best.items())
            for c in options
        }
    return max(best.values())[1]


@lru_cache(maxsize=None)
def _words_of_length(length: int) -> tuple[str, dict[str, float]]:
    """Known words (English, French, Italian) of one length, one a line, most frequent first."""
    table = _styled_words()
    offsets = table.arrays["by_length"]
    if length + 1 >= len(offsets):
        return "", {}
    first, last = int(offsets[length]), int(offsets[length + 1])
    words = strings_of(column_of(table.arrays, "words"), first, last)
    return "\n".join(words), dict(zip(words, table.arrays["freqs"][first:last].tolist()))


@lru_cache(maxsize=1)
def _styled_words() -> Table:
    return cached_table("styled-words", package_inputs(WORDFREQ), _styled_words_table)


def _styled_words_table() -> Table:
    """The alphabetic words of wordfreq's English, French and Italian lists, each at its
    highest frequency among them: by length, then most frequent first (ties in the order the
    lists give), with where each length starts (`by_length`)."""
    import wordfreq

    best: dict[str, float] = {}
    for lang in ("en", "fr", "it"):
        for word, freq in wordfreq.get_frequency_dict(lang, "small").items():
            if word.isalpha():
                best[word] = max(best.get(word, 0.0), freq)
    ordered = sorted(best.items(), key=lambda item: (len(item[0]), -item[1]))
    lengths = [len(word) for word, _ in ordered]
    by_length = np.searchsorted(lengths, np.arange(max(lengths, default=0) + 2))
    return Table({
        **columns({"words": string_column(w for w, _ in ordered)}),
        "freqs": np.array([f for _, f in ordered], dtype=np.float64),
        "by_length": by_length.astype(np.int64),
    }, {})
