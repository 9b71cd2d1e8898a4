"""Which languages a damaged text is written in, read from the text itself.

The character prior (`prior`) mixes every language wordfreq knows at fixed weights, the
archive's mix. A post in Russian or Korean needs its own: this module weighs the languages
by what the text shows and returns, per language, how much likelier it is here than in the
archive at large (`Multipliers`, what `CharModel.language_ratio` reads).

The evidence, each piece weighed by `CHAR_EVIDENCE` or `WORD_EVIDENCE` (the pieces of one
sentence are not independent):
- every group of damaged bytes, restored exactly or not: under each language, the share of
  that language's characters that its candidates hold. The damage keeps the lead byte of a
  character, and the lead narrows its block: `ะ` + lost byte (0xD0 0x9x) is a capital
  Cyrillic letter, whichever one, so Russian explains it and English does not;
- ASCII words, by their frequency in each language's list (`prior.word_lists`);
- for a post of a document, the languages of the document's other posts (`LanguageEvidence`):
  the average of its posts' own languages, so a timeline in Thai and English gives both.

A character no language writes (an emoji, a symbol) is explained by `SYMBOL_SHARE`, the same
under every language, so it says nothing of them.
"""
from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Optional

import numpy as np

from ..tuning import (
    ARCHIVE_LANGUAGE_SHARE, CHAR_EVIDENCE, KIN_SHARE, SYMBOL_SHARE, UNLISTED_WORD, WORD_EVIDENCE,
)
from .candidates import CandidateTable
from .damage import Group, damage
from .prior import char_model, word_lists

# A word of ASCII letters with no other letter touching it (a damaged letter may be next to it).
ASCII_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]{2,}(?![^\W\d_])")


def damaged(text: str) -> str:
    """`text` as the lossy Thai damage leaves it (for the examples here).

    >>> damaged("Ça va")  # 0xC3 0x87: the second byte is lost
    'รa va'
    """
    return "".join(c if c.isascii() else damage(c.encode()) for c in text)


class Multipliers(dict):
    """How much likelier each language is in one text than in the archive at large, with the
    shares they came from (`shares`: each language's probability in the text)."""

    shares: dict[str, float]


def archive_shares() -> np.ndarray:
    """Each language's share of the archive's prior mix, in the order of `CharModel.languages`.

    >>> shares = dict(zip(char_model().languages, archive_shares().tolist()))
    >>> shares["en"] > shares["ja"] > shares["ko"] > 0
    True
    """
    weights = char_model().weights
    return weights / weights.sum()


def candidate_masses(candidates: CandidateTable) -> np.ndarray:
    """How much of each language's character mass a candidate table holds, and last how much
    of the whole prior's (symbols and emoji included); computed once per table.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> table = parse_lossy(damaged("Я")).groups[0].readings[0].candidates  # lost 0x9F
    >>> masses = dict(zip(char_model().languages, candidate_masses(table).tolist()))
    >>> masses["ru"] > 100 * masses["en"]
    True
    """
    def compute(table: CandidateTable) -> np.ndarray:
        model = char_model()
        total = np.zeros(len(model.languages))
        symbols = 0.0
        for char in table:
            row = model.profile(char)
            if row is not None:
                total += row
            symbols += model.prior(char)
        return np.append(total / model.weights, symbols / model.unigram_sum)

    return candidates.derived("language masses", compute)


def text_evidence(text: str, groups: list[Group]) -> np.ndarray:
    """Log-likelihood of the text's groups and ASCII words under each language (weighed:
    `CHAR_EVIDENCE`, `WORD_EVIDENCE`), up to a constant.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> text = damaged("Привет, мир")
    >>> logs = dict(zip(char_model().languages, text_evidence(text, parse_lossy(text).groups).tolist()))
    >>> max(logs, key=logs.get)
    'ru'
    """
    model = char_model()
    logs = np.zeros(len(model.languages))
    for group in groups:
        masses = sum(candidate_masses(reading.candidates) for reading in group.readings)
        logs += CHAR_EVIDENCE * np.log((1.0 - SYMBOL_SHARE) * masses[:-1]
                                       + SYMBOL_SHARE * masses[-1] + 1e-30)
    for word in ASCII_WORD.findall(text):
        logs += word_evidence(word.lower())
    return logs


@lru_cache(maxsize=65536)
def word_evidence(word: str) -> np.ndarray:
    """WORD_EVIDENCE times the log of `word`'s frequency in each language's list (a post's
    words repeat across a timeline: each is looked up once).

    >>> evidence = dict(zip(char_model().languages, word_evidence("the").tolist()))
    >>> evidence["en"] > evidence["fr"]
    True
    """
    lists = word_lists()
    return WORD_EVIDENCE * np.log(np.array([
        (lists[lang].get(word) if lang in lists else 0.0) + UNLISTED_WORD
        for lang in char_model().languages
    ]))


# A word of a text as the damage leaves it: non-ASCII characters between spaces or ASCII.
DAMAGED_WORD = re.compile(r"[^\x00-\x7f\s]{2,}")


def kin_evidence(text: str, logs: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """`logs` with, among the languages the text is likely in (KIN_SHARE) that write outside
    ASCII, the evidence of their words: each damaged word's probability in each language's
    lexicon (`words.word_lexicon`), UNLISTED_WORD when no word of it has that damaged form.
    Letters alone cannot tell Russian from Bulgarian or Ukrainian, Arabic from Persian; the
    words can. The best of them is the reference, so the others' scores are not lowered.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> text = damaged("Спасибо, это было очень здорово")
    >>> logs = text_evidence(text, parse_lossy(text).groups)
    >>> languages = char_model().languages
    >>> def likeliest(logs):
    ...     return languages[int(np.argmax(posterior(logs, archive_shares())))]
    >>> likeliest(kin_evidence(text, logs, archive_shares()))
    'ru'
    """
    from .words import OWN_LATTICES, latin_script, word_lexicon

    model = char_model()
    shares = posterior(logs, prior)
    kin = [n for n, lang in enumerate(model.languages)
           if shares[n] >= KIN_SHARE and lang not in OWN_LATTICES and not latin_script(lang)]
    words = DAMAGED_WORD.findall(text)
    if len(kin) < 2 or not words:
        return logs
    extra = np.zeros(len(kin))
    for k, n in enumerate(kin):
        forms = word_lexicon(model.languages[n]).forms
        for word in words:
            found = sum(math.exp(score) for _, entries in forms.get(word, ()) for _, score in entries)
            extra[k] += WORD_EVIDENCE * math.log(found + UNLISTED_WORD)
    logs = logs.copy()
    logs[kin] += extra - extra.max()
    return logs


def posterior(logs: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Shares of the languages given the evidence `logs` and the `prior` shares.

    >>> posterior(np.array([0.0, np.log(3.0)]), np.array([0.5, 0.5])).round(2).tolist()
    [0.25, 0.75]
    """
    scores = logs + np.log(prior + 1e-300)
    scores = np.exp(scores - scores.max())
    return scores / scores.sum()


class LanguageEvidence:
    """The languages of a document's texts: what a post of it starts from.

    The shares of a mixture: the languages that, in these proportions, best explain the texts
    one by one (a few rounds of expectation-maximisation from the archive's mix), so a
    timeline in Thai and English gives both, and twenty short Russian posts, each of which
    alone could be Bulgarian, give Russian.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> document = LanguageEvidence()
    >>> for post in ("Спасибо всем, это было здорово!", "Hello there, the weather is nice"):
    ...     document.add(damaged(post), parse_lossy(damaged(post)).groups)
    >>> shares = dict(zip(char_model().languages, document.shares().tolist()))
    >>> cyrillic = ("ru", "uk", "bg", "mk")  # one short sentence: any of them
    >>> round(sum(shares[lang] for lang in cyrillic), 1), round(shares["en"], 1)
    (0.5, 0.5)
    """

    def __init__(self) -> None:
        self.logs: list[np.ndarray] = []
        self._shares: Optional[np.ndarray] = None

    def add(self, text: str, groups: list[Group]) -> None:
        """Add one text's evidence (texts that show nothing of their languages are left out)."""
        logs = text_evidence(text, groups)
        if len(logs) and logs.max() - logs.min() > 1e-9:
            logs = kin_evidence(text, logs, archive_shares())
            self.logs.append(logs)
            self._shares = None

    def shares(self) -> np.ndarray:
        """The document's languages, with ARCHIVE_LANGUAGE_SHARE left to the archive's mix
        (the archive's mix alone for a document that showed nothing)."""
        archive = archive_shares()
        if not self.logs:
            return archive
        if self._shares is None:
            logs = np.array(self.logs)
            logs = np.exp(logs - logs.max(axis=1, keepdims=True))
            mix = archive
            for _ in range(DOCUMENT_ROUNDS):
                each = logs * mix
                mix = (each / each.sum(axis=1, keepdims=True)).mean(axis=0)
            self._shares = (1.0 - ARCHIVE_LANGUAGE_SHARE) * mix + ARCHIVE_LANGUAGE_SHARE * archive
        return self._shares


# Rounds of expectation-maximisation for a document's mix; not tuned (the mix settles in a few).
DOCUMENT_ROUNDS = 8


def text_languages(text: str, groups: list[Group],
                   document: Optional[LanguageEvidence] = None) -> Multipliers:
    """The languages of one text given its own evidence and its document's, as multipliers of
    their weights in the archive's mix (`CharModel.language_ratio`).

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> text = damaged("Der Fluß ist schön")
    >>> languages = text_languages(text, parse_lossy(text).groups)
    >>> max(languages.shares, key=languages.shares.get), languages["de"] > 10
    ('de', True)
    """
    model = char_model()
    archive = archive_shares()
    start = archive if document is None else document.shares()
    start = (1.0 - ARCHIVE_LANGUAGE_SHARE) * start + ARCHIVE_LANGUAGE_SHARE * archive
    shares = posterior(kin_evidence(text, text_evidence(text, groups), start), start)
    multipliers = Multipliers(zip(model.languages, (shares / archive).tolist()))
    multipliers.shares = dict(zip(model.languages, shares.tolist()))
    return multipliers


def likelier(languages: dict, first: str, second: str) -> bool:
    """Whether a text is likelier in language `first` than in `second` (by `shares`); False
    when its languages are not known.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> text = damaged("我们今天去公园散步")
    >>> likelier(text_languages(text, parse_lossy(text).groups), "zh", "ja")
    True
    """
    shares = getattr(languages, "shares", None)
    return bool(shares) and shares.get(first, 0.0) > shares.get(second, 0.0)
