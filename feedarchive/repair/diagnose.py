"""Deciding, once per document, which mis-decoding its texts went through.

A scraper mis-decodes a whole file the same way, so the decision is taken from the evidence of
all its texts; deciding per word would be wrong (a short genuine Thai word or a French
`Ã©`-looking pair can pass for damage on its own, never a whole file of them). In order:

1. `_looks_thai_lossy`: the whole document parses as lossy ISO-8859-11 (`lossy.damage`);
2. `_best_exact_kind`: every non-ASCII run re-encodes into well-formed UTF-8 under one codec
   (or under Windows-1252 twice), with enough evidence not to be chance (`exact`);
3. otherwise nothing is claimed (`none`), and `fix` falls back to ftfy field by field.
"""
from __future__ import annotations

import re
from typing import Iterable, Optional

from .exact import CodecScore, score_codec
from .fix import DocumentRepair, fix_exact
from .lossy.damage import parse_lossy
from .tuning import THAI_CONTRADICTION_LIMIT, THAI_FOREIGN_LIMIT

_THAI = re.compile(r"[\u0e01-\u0e5b]")
_FOREIGN_TO_THAI = re.compile(r"[^\x00-\x7f\u0e00-\u0e7f]")


# --- Diagnosis ---------------------------------------------------------------------------------

def _looks_thai_lossy(texts: list[str], every: Optional[list[str]] = None) -> Optional[DocumentRepair]:
    """Whole-document test for the lossy Thai mis-decoding; None when it does not fit. `texts`:
    the document's non-ASCII texts; `every`: all of them, whose line breaks are counted too
    (`DocumentEvidence.add_lines`).

    Japanese read through the damage parses into lead bytes and their continuations; genuine
    Thai does not (its consonants would be continuation bytes with no lead):

    >>> from feedarchive.repair.lossy.damage import damage
    >>> _looks_thai_lossy([damage("日本語".encode()), damage("ありがとう".encode())]).kind
    'thai_lossy'
    >>> _looks_thai_lossy(["ภาษาไทย"]) is None
    True
    """
    if not any(_THAI.search(t) for t in texts):
        return None
    thai = contradictions = groups = foreign = 0
    parses = []
    for text in texts:
        if text.isascii():
            continue
        parse = parse_lossy(text)
        parses.append(parse)
        thai += parse.thai_chars
        contradictions += parse.contradictions
        groups += len(parse.groups)
        foreign += len(_FOREIGN_TO_THAI.findall(text))
    if not groups or contradictions > THAI_CONTRADICTION_LIMIT * thai:
        return None
    if foreign > THAI_FOREIGN_LIMIT * (thai + foreign):
        return None
    from .lossy.choose import DocumentEvidence  # loads the character models

    known = DocumentEvidence()
    exact = 0
    parsed = iter(parses)
    for text in texts:  # every text's words and characters say what languages it is in
        known.languages.add(text, [] if text.isascii() else next(parsed).groups)
    for text in texts if every is None else every:
        known.add_lines(text)
    for parse in parses:
        for group in parse.groups:
            if group.is_exact:
                exact += 1
                known.add(group.readings[0].candidates[0])
    confidence = min(1.0, 1.0 - contradictions / max(thai, 1)) * min(1.0, 0.5 + groups / 20)
    evidence = (
        f"{groups} UTF-8 characters read as Thai (ISO-8859-11 with C1 bytes lost), {exact} of them "
        f"restorable exactly; {contradictions} of {thai} Thai characters contradict that"
    )
    return DocumentRepair("thai_lossy", round(confidence, 3), evidence, known)


def _score_exact_kinds(texts: list[str]) -> dict[str, CodecScore]:
    """How well each exact kind explains the texts; `double` is scored only when Windows-1252
    fits, on the texts once repaired, which must be a Windows-1252 mis-decoding themselves.

    >>> twice = "café".encode().decode("cp1252").encode().decode("cp1252")
    >>> twice, _score_exact_kinds([twice])["double"].fits
    ('cafÃƒÂ©', True)
    >>> "double" in _score_exact_kinds(["cafÃ©"])
    False
    """
    scores = {kind: score_codec(texts, kind, True) for kind in ("cp1252", "latin1", "mac_roman")}
    # Windows-1252 twice: the once-repaired text must itself be a Windows-1252 mis-decoding.
    if scores["cp1252"].fits:
        once = [fix_exact(t, "text", "cp1252", then_ftfy=False)[0] for t in texts]
        second = score_codec(once, "cp1252", True)
        if second.fits:
            scores["double"] = CodecScore(
                "double", second.inverted, second.failed, second.implausible, second.evidence
            )
    return scores


def _best_exact_kind(texts: list[str]) -> Optional[DocumentRepair]:
    """The codec whose inverse turns every non-ASCII run of the document into UTF-8 text.

    Several may fit (Latin-1 and Windows-1252 agree on most bytes); the one producing the fewest
    implausible characters wins, and a second Windows-1252 layer wins over the first when it
    fits as well.

    >>> _best_exact_kind(["CafÃ© crÃ¨me brÃ»lÃ©e", "naÃ¯ve"]).kind
    'cp1252'
    >>> _best_exact_kind(["Café crème brûlée", "naïve"]) is None  # genuine: no UTF-8 in them
    True
    """
    scores = _score_exact_kinds(texts)
    fitting = [s for s in scores.values() if s.convincing]
    if not fitting:
        return None
    order = ["double", "cp1252", "latin1", "mac_roman"]
    best = min(fitting, key=lambda s: (s.implausible, order.index(s.kind)))
    runs = best.inverted
    confidence = min(1.0, 0.5 + 0.05 * best.evidence)
    others = ", ".join(
        f"{s.kind} {'fits' if s.fits else 'ruled out'}" for s in scores.values() if s is not best
    )
    evidence = (
        f"all {runs} non-ASCII runs re-encode with {best.kind} into well-formed UTF-8 "
        f"({best.implausible} odd characters); {others}"
    )
    return DocumentRepair(best.kind, round(confidence, 3), evidence)


def diagnose(texts: Iterable[str]) -> DocumentRepair:
    """Decide which mis-decoding, if any, a whole document went through.

    >>> diagnose(["Plain ASCII says nothing", "Itâ€™s a cafÃ© crÃ¨me"]).kind
    'cp1252'
    >>> diagnose(["Ã©"]).kind  # too little evidence to claim a document: ftfy decides
    'none'
    >>> diagnose(["all ASCII"]).evidence
    'all text is ASCII'
    """
    # ASCII is the same under every codec considered here: only the other texts are evidence
    # of the codec (all of them show how often the document's posts break lines).
    every = [t for t in texts if t]
    texts = [t for t in every if not t.isascii()]
    if not texts:
        return DocumentRepair("none", 1.0, "all text is ASCII")
    decision = _looks_thai_lossy(texts, every) or _best_exact_kind(texts)
    if decision is not None:
        return decision
    return DocumentRepair(
        "none", 1.0, "no whole-document mis-decoding fits; ftfy handles local damage"
    )


