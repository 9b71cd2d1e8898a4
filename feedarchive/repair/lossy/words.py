"""Word lattices for the other languages a text is written in, from wordfreq's word lists.

In Russian, Korean, Hindi, Arabic or Chinese read through the damage, most letters lose a
byte and keep only their block (`ะ` + ? is one of thirty capital Cyrillic letters), as Thai
consonants do: character pairs cannot choose among them, words can. A text whose languages
(`languages`) are mostly one such language has its runs of that language's groups decided
in the Thai lattice (`thai.decode_span`), with that language's words in place of the Thai
ones: wordfreq's list, indexed by damaged form once per installation in the model cache.
Latin-script languages keep the character model: their words are mostly ASCII, which the
damage leaves alone, and a damaged letter there has its neighbours to go by.
"""
from __future__ import annotations

import itertools
import math
import re
import unicodedata
from dataclasses import replace
from functools import lru_cache
from typing import Callable, Optional

from ..tuning import (
    CAPITAL_SHARE, JAPANESE_SPACE_LOG, LANGUAGE_LEXICON_WORDS, LATIN_WORD_FLOOR,
    LATIN_WORD_WEIGHT, LATIN_WORDS_KEPT, LATTICE_LANGUAGE_SHARE, SPACED_WORD_SPACE_LOG,
    TANWEEN_SHARE,
)
from .cache import WORDFREQ, Table, cached_table, package_inputs
from .candidates import CandidateTable
from .chinese import TRADITIONAL, traditional_spellings
from .context import bigram_score
from .lattice import log_sum_exp_all
from .mapped import KeyedValues, column_of, columns, keyed_values
from .prior import UNSPACED, char_model, forget_word_lists, unfolded
from .thai import Lexicon, lexicon_arrays, read_lexicon

# The languages with lattices of their own (`thai`, `japanese`).
OWN_LATTICES = frozenset({"th", "ja"})


@lru_cache(maxsize=None)
def latin_script(lang: str) -> bool:
    """Whether most of a language's characters are ASCII letters (its words mostly survive).

    >>> latin_script("es"), latin_script("vi"), latin_script("ru")
    (True, True, False)
    """
    model = char_model()
    column = model.profiles[:, model.languages.index(lang)]
    ascii_rows = [n for c, n in model.profile_row.items() if c.isascii()]
    return float(column[ascii_rows].sum()) > 0.5 * float(column.sum())


def lattice_language(languages: dict) -> Optional[str]:
    """The language whose word lattice decides a text's runs of damaged letters: its likeliest
    language, when that one is likely enough (LATTICE_LANGUAGE_SHARE), written mostly
    outside ASCII, and without a lattice of its own.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> from feedarchive.repair.lossy.languages import damaged, text_languages
    >>> def language(text):
    ...     return lattice_language(text_languages(damaged(text), parse_lossy(damaged(text)).groups))
    >>> language("Спасибо, это было здорово"), language("ขอบคุณมาก"), language("¿Qué tal?")
    ('ru', None, None)
    """
    shares = getattr(languages, "shares", None)
    if not shares:
        return None
    top = max(shares, key=shares.__getitem__)
    if top in OWN_LATTICES or shares[top] < LATTICE_LANGUAGE_SHARE or latin_script(top):
        return None
    return top


def writes(lang: str) -> Callable[[CandidateTable], bool]:
    """Whether a candidate table holds a character of `lang` (cached per table)."""
    model = char_model()
    column = model.languages.index(lang)

    def check(table: CandidateTable) -> bool:
        def compute(table: CandidateTable) -> bool:
            for char in table:
                row = model.profile(char)
                if row is not None and row[column] > 0.0:
                    return True
            return False
        return table.derived("writes " + lang, compute)

    return check


def space_log(lang: str) -> float:
    """What a real space between two groups costs in `lang`'s lattice: a space between words
    in most languages, rare inside Chinese or Japanese.

    >>> space_log("ru") > space_log("zh")
    True
    """
    unspaced = lang in UNSPACED or lang == TRADITIONAL
    return JAPANESE_SPACE_LOG if unspaced else SPACED_WORD_SPACE_LOG


@lru_cache(maxsize=None)
def word_lexicon(lang: str) -> Lexicon:
    """`lang`'s LANGUAGE_LEXICON_WORDS commonest words (of wordfreq's large list where it has
    one: the small lists stop near 30,000 words), indexed by damaged form: built once per
    installation and language (a few seconds), then mapped from the model cache.

    >>> from feedarchive.repair.lossy.damage import damaged_form
    >>> form, _ = damaged_form("спасибо")
    >>> [word for _, words in word_lexicon("ru").forms.get(form) for word, _ in words][:1]
    ['спасибо']
    """
    def build():
        import wordfreq

        listed = "zh" if lang == TRADITIONAL else lang
        size = "large" if listed in wordfreq.available_languages("large") else "small"
        freqs = {w: f for w, f in unfolded(lang, wordfreq.get_frequency_dict(listed, size)).items()
                 if not any(c.isascii() for c in w)}
        top = dict(itertools.islice(freqs.items(), LANGUAGE_LEXICON_WORDS))
        if lang == TRADITIONAL:
            top = traditional_spellings(top)
        return lexicon_arrays(with_tanween(with_capitals(top)), 3 * len(top), shortest=1)

    return read_lexicon(cached_table("words-" + lang, package_inputs(WORDFREQ), build))


def with_capitals(freqs: dict[str, float]) -> dict[str, float]:
    """`freqs` with each word also capitalised, CAPITAL_SHARE as often: wordfreq's lists are
    lower-cased, but a sentence starts with a capital, and a damaged capital (`К`, whose second
    byte is lost) leaves another trace than its small letter (`к`, whose byte survives).

    >>> with_capitals({"кто": 0.01, "日本": 0.002})
    {'кто': 0.01, '日本': 0.002, 'Кто': 0.0005}
    """
    capitals = {}
    for word, freq in freqs.items():
        capital = word[:1].upper() + word[1:]
        if capital != word and len(capital) == len(word) and capital not in freqs:
            capitals[capital] = freq * CAPITAL_SHARE
    return {**freqs, **capitals}


FATHATAN = "\u064b"  # the tanween of the accusative, `-an`


def with_tanween(freqs: dict[str, float]) -> dict[str, float]:
    """`freqs` with each word that ends in alif also written with the tanween `ً` (on the alif
    or on the letter before it), TANWEEN_SHARE as often: wordfreq strips Arabic marks from its
    words, but posts write `جداً`, `شكراً`, and the damage leaves the mark a trace of its own.

    >>> with_tanween({"جدا": 1.0, "في": 1.0})
    {'جدا': 1.0, 'في': 1.0, 'جداً': 0.15, 'جدًا': 0.15}
    """
    marked = {}
    for word, freq in freqs.items():
        if len(word) > 1 and word.endswith("\u0627"):
            for variant in (word + FATHATAN, word[:-1] + FATHATAN + word[-1]):
                marked[variant] = freq * TANWEEN_SHARE / 2
    return {**freqs, **marked}


def _latin_letters(word: str) -> bool:
    """Whether `word` is letters of the Latin script, one of them at least outside ASCII.

    >>> _latin_letters("ótima"), _latin_letters("hoje"), _latin_letters("спасибо")
    (True, False, False)
    """
    return (word.isalpha() and not word.isascii()
            and all(c.isascii() or "LATIN" in unicodedata.name(c, "") for c in word))


@lru_cache(maxsize=1)
def accented_words() -> dict[str, KeyedValues]:
    """Each Latin-script language's commonest words written with a letter outside ASCII
    (LATIN_WORDS_KEPT of its list at most), by frequency: what `word_boosts` looks up. Built
    once per installation, then mapped from the model cache.

    >>> words = accented_words()
    >>> words["pt"].get("ótima") > words["pt"].get("êtima") == 0.0
    True
    """
    def build() -> Table:
        import wordfreq

        lists = {}
        for lang in wordfreq.available_languages("small"):
            if lang not in char_model().languages or not latin_script(lang):
                continue
            words = itertools.islice(wordfreq.get_frequency_dict(lang, "small").items(),
                                     LATIN_WORDS_KEPT)
            lists[lang] = keyed_values({w: f for w, f in words if _latin_letters(w)})
            forget_word_lists(wordfreq)
        return Table(columns(lists), {"languages": list(lists)})

    table = cached_table("accented-words", package_inputs(WORDFREQ), build)
    return {lang: KeyedValues(column_of(table.arrays, lang)) for lang in table.meta["languages"]}


# Plain ASCII letters right after a damaged letter, with no other letter beyond them.
_LETTERS_AFTER = re.compile(r"[A-Za-z]*(?![^\W\d_])")


def letters_before(text: str, start: int) -> Optional[str]:
    """The plain ASCII letters right before `start`, or None when another letter (a damaged
    one, say) comes before them: read backwards, so a long text costs no more than a word.

    >>> letters_before("Caf", 3), letters_before("a vo", 4), letters_before("cafรa", 5)
    ('Caf', 'vo', None)
    """
    at = start
    while at and text[at - 1].isascii() and text[at - 1].isalpha():
        at -= 1
    if at and text[at - 1].isalpha():
        return None
    return text[at:start]


def word_boosts(text: str, start: int, options: list, languages: dict) -> list:
    """`options` of the group at `start` with the letters among them weighed by the word
    each makes with the plain letters around it, in the text's languages (`shares`): in
    `?tima` (Portuguese) the `Ó` lost its second byte, and `ótima` is a word, `êtima` none.
    Only a group whose word is its own letter and ASCII letters is weighed (no other damaged
    letter in it; a one-letter word too: `É` or `À`); the letters' average is the reference,
    so letters as a whole keep their odds against the other options. The word lists are in
    small letters: a capital makes its small letter's word, and keeps what being a capital
    costs.

    >>> from feedarchive.repair.lossy.candidates import Option
    >>> from feedarchive.repair.lossy.languages import Multipliers
    >>> portuguese = Multipliers()
    >>> portuguese.shares = {"pt": 1.0}
    >>> options = [Option(0, 1, c, -5.0, -5.0) for c in "ÓÊ"]
    >>> [round(o.base - p.base, 1) for o, p in zip(word_boosts("รtima", 0, options, portuguese), options)]
    [2.4, -6.2]
    """
    shares = getattr(languages, "shares", None)
    if not shares:
        return options
    before = letters_before(text, start)
    if before is None:
        return options
    words = accented_words()
    weighed = [(lang, share) for lang, share in shares.items()
               if share >= WORD_LANGUAGE_SHARE and lang in words]
    found: dict[int, float] = {}
    for n, option in enumerate(options):
        if not option.char.isalpha():
            continue
        after = _LETTERS_AFTER.match(text, option.end)
        if after is None:
            continue
        word = (before + option.char + after.group()).lower()
        found[n] = sum(share * words[lang].get(word) for lang, share in weighed)
    if not any(found.values()):
        return options
    # The word's frequency stands for the letter's own prior, which it already holds.
    average = math.log(sum(found.values()) / len(found) + LATIN_WORD_FLOOR)
    # Its small letter's prior, that is (a capital keeps what being a capital costs), and for
    # a known word what the letters beside it say of it (`context.bigram_score`): the word says it
    # better. A letter that makes no word keeps what they say (`ß` starts none).
    model = char_model()
    left = text[start - 1] if start else " "
    own = {}
    for n, frequency in found.items():
        char, end = options[n].char, options[n].end
        own[n] = math.log(model.prior(char.lower()))
        if frequency:
            own[n] += bigram_score(left, char) + (
                bigram_score(char, text[end]) if end < len(text) else 0.0)
    prior = log_sum_exp_all(list(own.values())) - math.log(len(own))  # their mean, in logs
    boosted = list(options)
    for n, frequency in found.items():
        change = (LATIN_WORD_WEIGHT * (math.log(frequency + LATIN_WORD_FLOOR) - average)
                  + prior - own[n])
        boosted[n] = replace(options[n], base=options[n].base + change,
                             prior=options[n].prior + change)
    return boosted


# Languages below this share of a text are not looked up (their words change little).
WORD_LANGUAGE_SHARE = 0.01
