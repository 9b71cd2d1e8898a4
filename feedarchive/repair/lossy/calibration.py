"""Confidence that means probability: the map from a decoder's raw probability for a guess to
the confidence recorded with it.

The decoders' marginals (forward-backward over the chain, the Thai and Japanese word lattices,
a styled word's odds) are probabilities under the model, and the model is wrong in ways it
cannot see from inside: where its priors know little of a script (Cyrillic letter pairs, say)
it is as sure of a wrong letter as of a right one. So what the decoder says about a choice
(its `Evidence`) is mapped to how often choices like it are right, by a logistic map whose
weights (`tuning.CALIBRATION_WEIGHTS`) are fitted on text with known originals by
`tests/bench/calibrate.py` and written there, to be refit by that one command whenever the
models change.

Certain, 1.00, is kept for what the damage left exactly one character for (`Group.is_exact`);
no guess is recorded above MAX_GUESS_CONFIDENCE, however sure the map is.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any, Iterable

from ..tuning import CALIBRATION_WEIGHTS, MAX_GUESS_CONFIDENCE
from .candidates import alternatives
from .prior import char_class

# Raw probabilities are kept this far from 0 and 1, so a log-odds stays finite (1e-4 is the
# rounding of a recorded confidence).
_EDGE = 1e-4


@dataclass(frozen=True)
class Evidence:
    """What a guess's raw probability rests on: the decoder's probability for the chosen
    character (`probability`), which decoder decided (`chain`, `styled`, `thai`,
    `japanese`, `korean`), the kind of character chosen (`kind_of`), how many characters the damage
    left possible there (`candidates`: thousands for a bare 4-byte lead, a few where a
    continuation byte survived), how many groups the decoder read as one word with it
    (`run`: a styled word's letters), the share of kana among the text's kana and kanji
    (`kana_share`), and for a math-alphabet letter, how many letters of its style the text
    has outside its word (`same_style`: a post styles its words alike), how its styled word
    was found (`word`: `text`, a word its text spells plainly; `list`, the word list's;
    `guess`, letters no list knows; empty for any other decoder) and the share of that word's
    letters a surviving byte pins (`pinned`; the rest are bare leads, which fit any letter),
    and for any other guess, how many math-alphabet letters its text was read with
    (`styled_text`: in a post that styles its words, a bare lead read as an emoji is as often
    a styled letter no word list could read)."""

    probability: float
    decoder: str
    kind: str
    candidates: int = 1
    run: int = 1
    kana: float = 0.0
    same_style: int = 0
    word: str = ""
    pinned: float = 0.0
    styled_text: int = 0


def evidence_from(char: str, probability: float, decoder: str, candidates: int = 1,
                  run: int = 1) -> Evidence:
    """The `Evidence` of choosing `char` at raw `probability`, one of `candidates` the damage
    left possible, in a word of `run` groups read as one.

    >>> evidence_from("é", 0.7, "chain", 31)  # doctest: +NORMALIZE_WHITESPACE
    Evidence(probability=0.7, decoder='chain', kind='latin', candidates=31, run=1, kana=0.0,
             same_style=0, word='', pinned=0.0, styled_text=0)
    """
    return Evidence(probability, decoder, kind_of(char), candidates, run)


def run_length(spans: dict[int, tuple[int, int]], g: int) -> int:
    """How many touching groups around group `g` a decoder read as one word, from the (start,
    end) of each group it read so (`spans`); 1 for a group it did not.

    >>> run_length({3: (10, 14), 4: (14, 18), 5: (19, 23)}, 4), run_length({}, 2)
    (2, 1)
    """
    if g not in spans:
        return 1
    first = last = g
    while first - 1 in spans and spans[first - 1][1] == spans[first][0]:
        first -= 1
    while last + 1 in spans and spans[last][1] == spans[last + 1][0]:
        last += 1
    return last - first + 1


def kind_of(char: str) -> str:
    """The kind of character a guess wrote, as the calibration tells them apart: scripts whose
    guesses the model gets right at very different rates.

    >>> [kind_of(c) for c in "éกの日한я😀𝐛ع—。"]
    ['latin', 'thai', 'kana', 'han', 'hangul', 'cyrillic', 'emoji', 'math', 'letter', 'punct', 'cjk-punct']
    """
    code = ord(char)
    kind = char_class(char)
    if kind in ("thai", "emoji", "latin") or kind.startswith("math"):
        return kind.split(":")[0]
    if 0x3040 <= code <= 0x30FF or 0x31F0 <= code <= 0x31FF or 0xFF66 <= code <= 0xFF9F:
        return "kana"
    if 0x3400 <= code <= 0x9FFF or 0xF900 <= code <= 0xFAFF or 0x20000 <= code <= 0x3FFFF:
        return "han"
    if kind == "letter:HANGUL":
        return "hangul"
    if kind == "letter:CYRILLIC":
        return "cyrillic"
    if kind.startswith("letter:"):
        return "letter"
    return "cjk-punct" if kind == "cjk" else "punct"


def kana_share(chars: Iterable[str]) -> float:
    """The share of kana among the kana and kanji of `chars` (0 when there are none): the
    Japanese lattice decodes any run of CJK groups, and kanji guessed in a text with no kana
    (Chinese, say) are not in its language.

    >>> kana_share("日本語のテキスト"), kana_share("中文"), kana_share("abc")
    (0.625, 0.0, 0.0)
    """
    kinds = [kind_of(c) for c in chars]
    cjk = sum(1 for k in kinds if k in ("kana", "han"))
    return round(kinds.count("kana") / cjk, 4) if cjk else 0.0


def features(evidence: Evidence) -> dict[str, float]:
    """The inputs of the logistic map: the raw log-odds (alone and per decoder, so each
    decoder's marginals may be trusted more or less), an intercept per decoder and per kind,
    the number of possible characters (log; alone and per kind), the length of the word read
    whole (log), and the text's share of kana per kind.

    >>> sorted(features(Evidence(0.5, "chain", "latin", 31)).items())
    ... # doctest: +NORMALIZE_WHITESPACE
    [('bias', 1.0), ('candidates', 3.434), ('candidates|kind:latin', 3.434), ('decoder:chain', 1.0),
     ('kana|kind:latin', 0.0), ('kind:latin', 1.0), ('logit', 0.0), ('logit|decoder:chain', 0.0),
     ('run', 0.0), ('same style', 0.0), ('styled text|kind:latin', 0.0)]
    """
    p = min(max(evidence.probability, _EDGE), 1.0 - _EDGE)
    logit = round(math.log(p / (1.0 - p)), 4)
    decoder, kind = "decoder:" + evidence.decoder, "kind:" + evidence.kind
    candidates = round(math.log(max(evidence.candidates, 1)), 4)
    return {
        "bias": 1.0, "logit": logit, "logit|" + decoder: logit, decoder: 1.0, kind: 1.0,
        "candidates": candidates, "candidates|" + kind: candidates,
        "run": round(math.log(max(evidence.run, 1)), 4), "kana|" + kind: evidence.kana,
        "same style": round(math.log1p(evidence.same_style), 4),
        "styled text|" + kind: round(math.log1p(evidence.styled_text), 4),
        **_word_features(evidence),
    }


def _word_features(evidence: Evidence) -> dict[str, float]:
    """What a styled word rests on, for its letters only: an intercept for a word its own
    text spells plainly and one for letters no word list knows (a word of the list is the
    reference), and how much of the word surviving bytes pin.

    >>> _word_features(Evidence(1.0, "styled", "math", 1382, 4, word="guess", pinned=0.25))
    {'word:guess': 1.0, 'pinned': 0.25}
    >>> _word_features(Evidence(0.5, "chain", "latin", 31))
    {}
    """
    if not evidence.word:
        return {}
    found = {"pinned": evidence.pinned}
    if evidence.word != "list":
        found = {"word:" + evidence.word: 1.0, **found}
    return found


def calibrated(evidence: Evidence) -> float:
    """The probability that a guess with this `evidence` is right, by the fitted map; never
    more than MAX_GUESS_CONFIDENCE (a guess is never certain) nor less than 1e-4. Without
    fitted weights the map is the identity: {"logit": 1.0}.

    >>> 0.0 < calibrated(Evidence(0.999999, "chain", "latin")) <= MAX_GUESS_CONFIDENCE
    True
    """
    z = sum(CALIBRATION_WEIGHTS.get(name, 0.0) * value for name, value in features(evidence).items())
    z = min(max(z, -30.0), 30.0)
    return round(min(MAX_GUESS_CONFIDENCE, max(_EDGE, 1.0 / (1.0 + math.exp(-z)))), 4)


def rescaled(offered: Iterable[tuple[str, float]], chosen: str, raw: float,
             confidence: float) -> list[tuple[str, float]]:
    """The other characters a decoder `offered`, their raw probabilities rescaled to share
    what the calibrated `confidence` leaves (1 - confidence) as they shared what the raw
    probability left, none above the chosen character's own: the alternatives recorded stay
    consistent with the confidence.

    >>> rescaled([("a", 0.9), ("b", 0.08), ("c", 0.02)], "a", 0.9, 0.6)
    [('a', 0.6), ('b', 0.32), ('c', 0.08)]
    >>> rescaled([("a", 0.99), ("b", 0.01)], "a", 0.99, 0.3)  # b is capped at the choice's 0.3
    [('a', 0.3), ('b', 0.3)]
    """
    left = max(1.0 - raw, _EDGE)
    share = (1.0 - confidence) / left
    found = []
    for char, p in offered:
        if char == chosen:
            found.append((char, confidence))
        else:
            found.append((char, round(min(confidence, p * share), 4)))
    return found


def calibrate_guesses(choices: list[Any]) -> list[Any]:
    """The choices of one text (`choose.Choice`), each guess with its calibrated confidence and
    its alternatives rescaled to it; what the text chose as a whole is part of the evidence
    (`kana_share`, `same_style`, `styled_text`). A certain choice (no `evidence`) stays as it is.

    >>> from feedarchive.repair.lossy.choose import Choice
    >>> guess = Choice(0, 1, "à", 1.0, (), Evidence(1.0, "chain", "latin"), (("à", 1.0),))
    >>> [(c.char, c.confidence < 1.0) for c in calibrate_guesses([Choice(2, 4, "é", 1.0), guess])]
    [('é', False), ('à', True)]
    """
    share = kana_share(c.char for c in choices)
    styles = Counter(char_class(c.char) for c in choices if kind_of(c.char) == "math")
    found = []
    for choice in choices:
        if choice.evidence is not None:
            same, styled = 0, 0
            if choice.evidence.kind == "math":  # its style's letters, less its own word's
                same = max(0, styles[char_class(choice.char)] - choice.evidence.run)
            else:
                styled = sum(styles.values())
            evidence = replace(choice.evidence, kana=share, same_style=same, styled_text=styled)
            confidence = calibrated(evidence)
            offered = rescaled(choice.offered, choice.char, evidence.probability, confidence)
            choice = replace(choice, confidence=confidence, evidence=evidence,
                             alternatives=alternatives(choice.char, confidence, offered))
        found.append(choice)
    return found
