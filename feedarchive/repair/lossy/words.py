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

from functools import lru_cache
from typing import Callable, Optional

from ..tuning import (
    JAPANESE_SPACE_LOG, LANGUAGE_LEXICON_WORDS, LATTICE_LANGUAGE_SHARE, SPACED_WORD_SPACE_LOG,
)
from .cache import WORDFREQ, cached_table, package_inputs
from .candidates import CandidateTable
from .prior import UNSPACED, char_model
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
    return JAPANESE_SPACE_LOG if lang in UNSPACED else SPACED_WORD_SPACE_LOG


@lru_cache(maxsize=None)
def word_lexicon(lang: str) -> Lexicon:
    """`lang`'s LANGUAGE_LEXICON_WORDS commonest words, indexed by damaged form: built once per
    installation and language (about a second), then mapped from the model cache.

    >>> from feedarchive.repair.lossy.damage import damaged_form
    >>> form, _ = damaged_form("спасибо")
    >>> [word for _, words in word_lexicon("ru").forms.get(form) for word, _ in words][:1]
    ['спасибо']
    """
    def build():
        import wordfreq

        freqs = {w: f for w, f in wordfreq.get_frequency_dict(lang, "small").items()
                 if not any(c.isascii() for c in w)}
        return lexicon_arrays(freqs, LANGUAGE_LEXICON_WORDS)

    return read_lexicon(cached_table("words-" + lang, package_inputs(WORDFREQ), build))

