"""Repair stage: undo mis-decodings, keeping a record of every change.

A scraper mis-decodes a whole file the same way, so the decision of *what* happened is taken
once per document (`diagnose`), from the evidence of all its texts, and then applied to every
field (`DocumentRepair.fix`). Deciding per word would be wrong: a short genuine Thai word or a
French `Ã©`-looking pair can pass for damage on its own, never a whole file of them.

The steps, each a named function below:
1. `_looks_thai_lossy`: the whole document parses as lossy ISO-8859-11 (see `repair_thai`);
   lost bytes are then guessed (`repair_guess`: character priors from `repair_prior`,
   neighbours, math-alphabet words; `repair_words`: Thai and Japanese word lattices);
2. `_best_exact_kind`: every non-ASCII run re-encodes into well-formed UTF-8 under one codec
   (or under Windows-1252 twice), with enough evidence not to be chance (`repair_codecs`);
3. otherwise nothing is claimed, and each field gets the Mac Roman emoji pass and ftfy.
ftfy is the fallback for anything the document-level decision does not claim, and runs after
an exact inversion on whatever further layer of damage is left.
"""
from __future__ import annotations

import bisect
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable, Optional

import ftfy
import ftfy.badness

from .models import Document, Page, Post, Repair
from .repair_codecs import (
    EXACT_KINDS,
    NON_ASCII_RUN,
    CodecScore,
    fix_mac_roman_sequences,
    invert_chain,
    invert_run_partly,
    repair_runs,
    score_codec,
)
from .repair_thai import parse_lossy

# Settings that keep genuine content: curly quotes and full-width CJK punctuation are real text,
# and HTML entities are a per-format decision made by the format readers.
FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    unescape_html=False,
    explain=False,
)
# The same, saying which of its steps made a change: recorded as the repair's rule.
FTFY_EXPLAINED = FTFY_CONFIG._replace(explain=True)

# A document is thai_lossy when at most this share of its Thai characters contradicts the damage
# model. Genuine Thai contradicts it on almost every word (a consonant is a continuation byte
# with no lead), mis-decoded text essentially never.
THAI_CONTRADICTION_LIMIT = 0.02
# Non-Thai, non-ASCII characters cannot come out of the Thai mis-decoding at all.
THAI_FOREIGN_LIMIT = 0.02


# The only ASCII characters ftfy may change: `&` (entities) and control characters.
_ASCII_FTFY_TRIGGER = re.compile(r"[&\x00-\x08\x0b-\x1f\x7f]")
_THAI = re.compile(r"[\u0e01-\u0e5b]")
_FOREIGN_TO_THAI = re.compile(r"[^\x00-\x7f\u0e00-\u0e7f]")


# Beyond ASCII, what ftfy's other steps (with our config) act on: C1 controls, ligatures,
# line/paragraph separators, BOM and other removable controls, surrogates, language tags.
_FTFY_TOUCHY = re.compile(
    "[&\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u0132\u0133\u0149\u01c4-\u01cc"
    "\u01f1-\u01f3\ufb00-\ufb06\ufeff\ufff9-\ufffc\u206a-\u206f\ud800-\udfff"
    "\U000e0000-\U000e007f]"
)


def _needs_ftfy(text: str) -> bool:
    """False when ftfy provably returns `text` unchanged, which saves most of its cost.

    Printable ASCII without `&` is never changed. Other text is changed only if it has one of
    the characters ftfy's clean-up steps handle, is not NFC, or ftfy's own `is_bad` test fires
    (its encoding fixer does nothing otherwise).
    """
    if text.isascii():
        return "&" in text or (not text.isprintable() and _ASCII_FTFY_TRIGGER.search(text) is not None)
    return (
        _FTFY_TOUCHY.search(text) is not None
        or not unicodedata.is_normalized("NFC", text)
        or _looks_bad(text)
    )


def _looks_bad(text: str) -> bool:
    """ftfy's `is_bad`, searched only around non-ASCII runs (ten times faster on posts).

    Each of its patterns spans at most seven characters, one of them non-ASCII, so a match
    always lies within six characters of a non-ASCII run.
    """
    for match in NON_ASCII_RUN.finditer(text):
        window = text[max(0, match.start() - 6):match.end() + 6]
        if ftfy.badness.BADNESS_RE.search(window):
            return True
    return False


@dataclass
class DocumentRepair:
    """What the document-level diagnosis decided, and the means to apply it to one field.

    `kind` is `none`, `thai_lossy`, `mac_roman`, `cp1252`, `latin1` or `double`; `confidence`
    how sure the diagnosis is; `evidence` says in words what it rests on.
    """

    kind: str = "none"
    confidence: float = 1.0
    evidence: str = ""
    # Characters the document restores exactly; a cache that informs lossy guesses.
    known_chars: Optional[object] = field(default=None, repr=False, compare=False)

    def summary(self) -> str:
        """One line for people (`repair-check`, import reports): kind, confidence, evidence."""
        return f"{self.kind} (confidence {self.confidence:.2f}): {self.evidence}"

    def fix(self, text: str, field: str = "text") -> tuple[str, list[Repair]]:
        """Apply the decision to one field: the repaired text and one `Repair` per span."""
        if not text or text.isascii() and not _needs_ftfy(text):
            return text, []
        if self.kind == "thai_lossy":
            return _fix_thai_lossy(text, field, self.known_chars)
        if self.kind in EXACT_KINDS:
            return _fix_exact(text, field, self.kind)
        return _fix_unclaimed(text, field)


def _fix_exact(text: str, field: str, kind: str, then_ftfy: bool = True) -> tuple[str, list[Repair]]:
    """Undo a whole-document codec mis-decoding run by run; every repair is exact.

    A run whose bytes do not all form UTF-8 is undone where they do (`invert_run_partly`: a
    character that was never mis-decoded, such as an entity's U+00A0, beside a damaged one).
    What is left (a further layer of damage the document-level test did not see) goes to
    ftfy, whose changes must be justified by the span itself: an example of mojibake quoted on
    purpose (`_quoted_example`), valid once the document is inverted, is final.
    """
    codecs = EXACT_KINDS[kind]

    def invert(run: str) -> Optional[str]:
        whole = invert_chain(run, codecs)
        if whole is not None or len(codecs) > 1:
            return whole
        return invert_run_partly(run, codecs[0])

    parts: list[str] = []
    repairs: list[Repair] = []
    spans = []
    last = 0
    for start, end, before, after in repair_runs(text, invert):
        parts.append(text[last:start])
        parts.append(after)
        last = end
        # A run undone in part keeps its other characters: the repair is what changed.
        head = len(os.path.commonprefix([before, after]))
        tail = len(os.path.commonprefix([before[head:][::-1], after[head:][::-1]]))
        start, end = start + head, end - tail
        before, after = before[head:len(before) - tail], after[head:len(after) - tail]
        repairs.append(Repair(field, start, end, kind, before, after, 1.0,
                              _inversion_rule(kind, before, after)))
        spans.append((start, end, before, after))
    parts.append(text[last:])
    fixed = "".join(parts)
    if then_ftfy and _needs_ftfy(fixed):
        further, steps = _ftfy_explained(fixed)
        further = _without_quoted_examples(fixed, further)
        if further != fixed:
            rule = _ftfy_rule(steps)
            return further, [
                Repair(r.field, r.start, r.end, r.kind, r.before, r.after, r.confidence,
                       rule if r.kind == "ftfy" else _inversion_rule(kind, r.before, r.after)
                       or f"inverse of {kind}, then {rule}")
                for r in _diff_repairs(text, further, field, spans, kind)]
    return fixed, repairs


def _inversion_rule(kind: str, before: str, after: str) -> Optional[str]:
    """Which inversion turned `before` into `after`: the whole run, or the part of it whose
    bytes form UTF-8; None when neither does (a later step changed it too)."""
    codecs = EXACT_KINDS[kind]
    if invert_chain(before, codecs) == after:
        return f"inverse of {kind}"
    if len(codecs) == 1 and invert_run_partly(before, codecs[0]) == after:
        return f"inverse of {kind} where the run's bytes form UTF-8"
    return None


def _ftfy_explained(text: str) -> tuple[str, list]:
    explained = ftfy.fix_and_explain(text, config=FTFY_EXPLAINED)
    return explained.text, explained.explanation or []


def _ftfy_rule(steps: list) -> str:
    """ftfy's own account of what it did (`encode sloppy-windows-1252, decode utf-8`)."""
    return "ftfy: " + ", ".join(f"{action} {name}" for action, name in steps) if steps else "ftfy"


def _fix_thai_lossy(text: str, field: str, evidence: object = None) -> tuple[str, list[Repair]]:
    """Regroup the surviving bytes into characters; guess lost bytes where they must be.

    A line break that was byte 0x85 of a character is consumed with it, so the line is rejoined.
    A lead that no well-formed character fits is left as it is: nothing is invented.
    """
    from .repair_guess import choose

    parse = parse_lossy(text)
    if not parse.groups:
        return text, []
    parts: list[str] = []
    repairs: list[Repair] = []
    last = 0
    for choice in choose(text, parse.groups, evidence):  # type: ignore[arg-type]
        parts.append(text[last:choice.start])
        parts.append(choice.char)
        repairs.append(
            Repair(field, choice.start, choice.end, "thai_lossy", text[choice.start:choice.end],
                   choice.char, choice.confidence,
                   "bytes of a Thai-decoded character regrouped" if choice.confidence >= 1.0
                   else "lost bytes guessed from the text around them")
        )
        last = choice.end
    parts.append(text[last:])
    return "".join(parts), repairs


def _fix_unclaimed(text: str, field: str) -> tuple[str, list[Repair]]:
    """What no document-level kind explains: Mac Roman 3/4-byte sequences first (ftfy misses
    lone emoji), then ftfy, each of whose changes must be justified by the span itself
    (`_quoted_example` is not); each change kept is recorded by comparing the result with the
    raw text."""
    mac_spans = fix_mac_roman_sequences(text) if not text.isascii() else []
    staged = text
    for start, end, _before, after in reversed(mac_spans):
        staged = staged[:start] + after + staged[end:]
    fixed, steps = _ftfy_explained(staged) if _needs_ftfy(staged) else (staged, [])
    fixed = _without_quoted_examples(text, fixed)
    if fixed == text:
        return text, []
    rule = _ftfy_rule(steps)
    return fixed, [Repair(r.field, r.start, r.end, r.kind, r.before, r.after, r.confidence,
                          "Mac Roman byte sequence" if r.kind == "mac_roman" else rule)
                   for r in _diff_repairs(text, fixed, field, mac_spans)]


# Quotes around an example: a text that writes `“Ã©”` is showing what mojibake looks like.
EXAMPLE_QUOTES = {"“": "”", '"': '"', "‘": "’", "'": "'", "«": "»", "`": "`", "「": "」",
                  "„": "“", "‚": "‘"}


def _quoted_example(raw: str, i1: int, i2: int) -> bool:
    """Whether `raw[i1:i2]`, which ftfy would change, is a short example set in quotes or
    backticks, alone between them (`“Ã©” instead of “é”`): evidence of a text about
    mojibake, not of mojibake. A damaged word in quotes (`“cafÃ©”`) is not alone in them."""
    if not 0 < i2 - i1 <= 6 or i1 == 0 or i2 >= len(raw):
        return False
    opening = raw[i1 - 1]
    if opening not in EXAMPLE_QUOTES or raw[i2] != EXAMPLE_QUOTES[opening]:
        return False
    # Quotes open after a space or a bracket and close before one or punctuation: in
    # `(ง'Ì€âŒ£'́)` the apostrophes are part of an emoticon, not quotes.
    before = raw[i1 - 2] if i1 >= 2 else " "
    after = raw[i2 + 1] if i2 + 1 < len(raw) else " "
    return (before.isspace() or before in "([{<—–-:") and \
        (after.isspace() or after in ")]}>.,;:!?—–-")


def _without_quoted_examples(raw: str, fixed: str) -> str:
    """`fixed` with the changes `_quoted_example` rejects put back as they were in `raw`."""
    spans = _changed_spans(raw, fixed)
    if not any(_quoted_example(raw, i1, i2) for i1, i2, _j1, _j2 in spans):
        return fixed
    out: list[str] = []
    last = 0
    for i1, i2, j1, j2 in spans:
        out.append(raw[last:i1])  # equal in both texts between changed spans
        out.append(raw[i1:i2] if _quoted_example(raw, i1, i2) else fixed[j1:j2])
        last = i2
    out.append(raw[last:])
    return "".join(out)


def _diff_repairs(
    raw: str, fixed: str, field: str, spans: list[tuple[int, int, str, str]], kind: str = "mac_roman"
) -> list[Repair]:
    """One `Repair` per changed span; spans that overlap `spans` are labelled `kind`."""
    starts = sorted((s, e) for s, e, _b, _a in spans)
    reach: list[int] = []  # reach[k]: the furthest end of the first k + 1 spans (by start)
    for _s, e in starts:
        reach.append(max(e, reach[-1]) if reach else e)
    first = [s for s, _e in starts]
    repairs = []
    for i1, i2, j1, j2 in _changed_spans(raw, fixed):
        # a span overlaps [i1, max(i2, i1 + 1)) when it starts before its end and ends after i1
        before = bisect.bisect_left(first, max(i2, i1 + 1))
        label = kind if before and reach[before - 1] > i1 else "ftfy"
        repairs.append(Repair(field, i1, i2, label, raw[i1:i2], fixed[j1:j2], 1.0))
    return _merge_adjacent(repairs)


def _merge_adjacent(repairs: list[Repair]) -> list[Repair]:
    """difflib splits one repaired character into pieces when letters happen to match."""
    runs: list[list[Repair]] = []
    for repair in repairs:
        if runs and runs[-1][-1].end == repair.start and runs[-1][-1].kind == repair.kind:
            runs[-1].append(repair)
        else:
            runs.append([repair])
    return [run[0] if len(run) == 1 else
            Repair(run[0].field, run[0].start, run[-1].end, run[0].kind,
                   "".join(r.before for r in run), "".join(r.after for r in run), 1.0,
                   run[0].rule)
            for run in runs]


# How a repaired text is compared with its raw text. difflib's SequenceMatcher (no junk) costs
# about sum(count in raw x count in fixed) steps per character at each level of its recursion:
# nothing for a post, but seconds to minutes for a long page, or for a long run of one
# character. Up to DIFF_STEPS steps its answer is taken as it is (every post and ordinary
# page); past that, both texts are walked together in linear time (`_walk_spans`).
DIFF_STEPS = 1_000_000
DIFF_ANCHOR = 8  # equal characters that make the texts agree again after a change
DIFF_NEAR = 48  # characters skipped (in both) within which the nearest agreement is sought
DIFF_FAR = 4096  # characters skipped (in one) within which a farther one is sought
DIFF_TRIES = 200_000  # places a walk may try in all before the rest is one span
DIFF_CONTEXT = 64  # equal characters shown on each side when a change is compared in detail


def _changed_spans(raw: str, fixed: str) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) for each changed span, in order: `raw[i1:i2]` became `fixed[j1:j2]`.

    These are the non-equal opcodes of `difflib.SequenceMatcher(None, raw, fixed,
    autojunk=False)` whenever they take at most DIFF_STEPS steps; otherwise those of a walk
    through both texts (`_walk_spans`), which takes linear time.
    """
    found = _opcode_spans(raw, fixed, [DIFF_STEPS])
    return found if found is not None else _walk_spans(raw, fixed, [DIFF_STEPS])


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b`, compared a block at a time."""
    size = min(len(a), len(b))
    done = 0
    block = 256
    while done < size:
        step = min(block, size - done)
        if a[done:done + step] == b[done:done + step]:
            done += step
        elif step == 1:
            break
        else:
            block = max(1, step // 8)
    return done


def _agreement(a: str, i: int, b: str, j: int) -> int:
    """How many characters `a[i:]` and `b[j:]` have in common at their start, compared in
    blocks that grow from a few characters (never a copy of the whole rest)."""
    total = 0
    block = 16
    while True:
        same = _common_prefix(a[i + total:i + total + block], b[j + total:j + total + block])
        total += same
        if same < block:
            return total
        block = min(block * 4, 4096)


def _opcode_spans(a: str, b: str, steps: list[int]) -> Optional[list[tuple[int, int, int, int]]]:
    """The non-equal opcodes of `difflib.SequenceMatcher(None, a, b, autojunk=False)`, as
    (i1, i2, j1, j2); None when finding them would take more than `steps[0]` steps (what they
    took is taken off `steps[0]`).

    The same algorithm (the longest matching block, leftmost in `a` then in `b`, then the same
    on each side of it), with the steps counted: each pair of equal characters looked at is
    one. A look through the positions of a character in `b` starts at the range's start (a
    bisection) instead of at the beginning, which changes the cost, not the result.
    """
    counts: dict[str, int] = {}
    for char in b:
        counts[char] = counts.get(char, 0) + 1
    if len(a) + sum(counts.get(char, 0) for char in a) > steps[0]:  # the first look alone
        return None
    positions: dict[str, list[int]] = {}
    for j, char in enumerate(b):
        positions.setdefault(char, []).append(j)
    nothing: list[int] = []
    blocks = []
    queue = [(0, len(a), 0, len(b))]
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        besti, bestj, bestsize = alo, blo, 0
        j2len: dict[int, int] = {}
        for i in range(alo, ahi):
            js = positions.get(a[i], nothing)
            low = bisect.bisect_left(js, blo)
            high = bisect.bisect_left(js, bhi, low)
            steps[0] -= high - low + 1
            newj2len = {}
            for j in js[low:high]:
                k = newj2len[j] = j2len.get(j - 1, 0) + 1
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
            j2len = newj2len
        if steps[0] < 0:
            return None
        while besti > alo and bestj > blo and a[besti - 1] == b[bestj - 1]:
            besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
        while besti + bestsize < ahi and bestj + bestsize < bhi and \
                a[besti + bestsize] == b[bestj + bestsize]:
            bestsize += 1
        if bestsize:
            blocks.append((besti, bestj, bestsize))
            if alo < besti and blo < bestj:
                queue.append((alo, besti, blo, bestj))
            if besti + bestsize < ahi and bestj + bestsize < bhi:
                queue.append((besti + bestsize, ahi, bestj + bestsize, bhi))
    blocks.sort()
    found = []
    i = j = 0
    for ai, bj, size in blocks + [(len(a), len(b), 0)]:
        if i < ai or j < bj:
            found.append((i, ai, j, bj))
        i, j = ai + size, bj + size
    return found


def _walk_spans(a: str, b: str, steps: list[int]) -> list[tuple[int, int, int, int]]:
    """The changed spans of two long texts, in linear time.

    Both are walked from the start: past what they have in common, a change ends at the
    nearest place where they agree again (`_agree_again`). Where they do not, the rest up to
    their common suffix is one span. Each span is then compared in detail by `_opcode_spans`
    (while `steps` last), with some of the equal text on each side, more on the side where
    more of it runs: that is the side difflib would have matched first, which decides where
    in a repeated letter a change is put (`m\\x1b[0m` → `m`: the escape, or `m\\x1b[0`).
    """
    size_a, size_b = len(a), len(b)
    suffix = _common_prefix(a[::-1], b[::-1])
    rough: list[tuple[int, int, int, int]] = []
    runs: list[int] = []  # equal characters before each rough span, and after the last one
    tries = [DIFF_TRIES]
    i = j = 0
    while True:
        same = _agreement(a, i, b, j)
        runs.append(same)
        i, j = i + same, j + same
        if i == size_a and j == size_b:
            break
        end = _agree_again(a, i, b, j, tries)
        if end is None:
            tail = min(suffix, size_a - i, size_b - j)
            rough.append((i, size_a - tail, j, size_b - tail))
            runs.append(tail)
            break
        rough.append((i, end[0], j, end[1]))
        i, j = end
    found = []
    last = len(rough) - 1
    for index, (i1, i2, j1, j2) in enumerate(rough):
        before, after = runs[index], runs[index + 1]
        # The equal text after a span may reach back into it (`m\x1b[0m` → `m`: the `m`).
        back = 0
        while back < max(i2 - i1, j2 - j1) and min(i2, j2) > back and \
                a[i2 - 1 - back] == b[j2 - 1 - back]:
            back += 1
        # At most half of a run between two spans, so that no two windows overlap; and the
        # side difflib would match first (the longer, or the earlier) shown longer.
        left_at_most = before if index == 0 else before // 2
        right_at_most = after if index == last else after // 2
        if before >= after + back:
            left = min(left_at_most, DIFF_CONTEXT + back)
            right = min(right_at_most, DIFF_CONTEXT, max(0, left - back))
        else:
            right = min(right_at_most, DIFF_CONTEXT)
            left = min(left_at_most, DIFF_CONTEXT, max(0, right + back - 1))
        inner = _opcode_spans(a[i1 - left:i2 + right], b[j1 - left:j2 + right], steps)
        if inner is None:
            found.append((i1, i2, j1, j2))
        else:
            found += [(i1 - left + x1, i1 - left + x2, j1 - left + y1, j1 - left + y2)
                      for x1, x2, y1, y2 in inner]
    return found


def _agree_again(a: str, i: int, b: str, j: int, tries: list[int]) -> Optional[tuple[int, int]]:
    """Where `a` and `b`, which differ at `a[i]`/`b[j]`, agree again: the nearest (p, q) with
    DIFF_ANCHOR equal characters from there (or both ends), fewest characters skipped first,
    up to DIFF_NEAR skipped; then, skipping up to DIFF_NEAR in one, the nearest place up to
    DIFF_FAR on in the other. None when there is none, or `tries` ran out."""
    size_a, size_b = len(a), len(b)

    def agree(p: int, q: int) -> bool:
        if size_a - p < DIFF_ANCHOR or size_b - q < DIFF_ANCHOR:
            return size_a - p == size_b - q and a[p:] == b[q:]
        return a[p:p + DIFF_ANCHOR] == b[q:q + DIFF_ANCHOR]

    for skipped in range(1, DIFF_NEAR + 1):
        for di in range(max(0, skipped - (size_b - j)), min(skipped, size_a - i) + 1):
            tries[0] -= 1
            if agree(i + di, j + skipped - di):
                return i + di, j + skipped - di
        if tries[0] < 0:
            return None
    best = None
    for near in range(DIFF_NEAR + 1):  # `near` skipped in one text, up to DIFF_FAR in the other
        tries[0] -= 2 * DIFF_FAR // 64  # two searches through DIFF_FAR characters
        for p, q, swap in ((i + near, j, False), (j + near, i, True)):
            x, y = (b, a) if swap else (a, b)
            if p + DIFF_ANCHOR > len(x):
                continue
            at = y.find(x[p:p + DIFF_ANCHOR], q, q + DIFF_FAR + DIFF_ANCHOR)
            if at >= 0:
                point = (at, p) if swap else (p, at)
                if best is None or sum(point) < sum(best):
                    best = point
        if tries[0] < 0:
            return None
    return best


# --- Diagnosis ---------------------------------------------------------------------------------

def _looks_thai_lossy(texts: list[str]) -> Optional[DocumentRepair]:
    """Whole-document test for the lossy Thai mis-decoding; None when it does not fit."""
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
    from .repair_guess import DocumentEvidence

    known = DocumentEvidence()
    exact = 0
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
    scores = {kind: score_codec(texts, kind, True) for kind in ("cp1252", "latin1", "mac_roman")}
    # Windows-1252 twice: the once-repaired text must itself be a Windows-1252 mis-decoding.
    if scores["cp1252"].fits:
        once = [_fix_exact(t, "text", "cp1252", then_ftfy=False)[0] for t in texts]
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
    """Decide which mis-decoding, if any, a whole document went through."""
    # ASCII is the same under every codec considered here: only the other texts are evidence.
    texts = [t for t in texts if t and not t.isascii()]
    if not texts:
        return DocumentRepair("none", 1.0, "all text is ASCII")
    decision = _looks_thai_lossy(texts) or _best_exact_kind(texts)
    if decision is not None:
        return decision
    return DocumentRepair(
        "none", 1.0, "no whole-document mis-decoding fits; ftfy handles local damage"
    )


def fix_document_text(text: str) -> tuple[str, list[Repair]]:
    """Repair one free-standing text, treated as a whole document (used by `fix-text`)."""
    return diagnose([text]).fix(text)


EVIDENCE_TEXTS = 20_000  # texts that can show a mis-decoding: plenty to decide a document


def document_evidence(doc: Document) -> list[str]:
    """What the diagnosis looks at: profile and page texts, and the posts' non-ASCII texts
    (ASCII cannot show a mis-decoding), up to a cap so a huge file is never held whole. A
    lazily read timeline offers its own `evidence` (non-ASCII lines found without parsing)."""
    if doc.source_text is not None:  # one text: diagnosed whole, as `fix-text` does
        return [doc.source_text]
    texts = [page.text for page in doc.pages if page.text]
    if doc.profile is not None:
        texts += [v for v in (doc.profile.name, doc.profile.bio, doc.profile.location) if v]
    lazy_evidence = getattr(doc.posts, "evidence", None)
    if lazy_evidence is not None:
        return texts + lazy_evidence(EVIDENCE_TEXTS)
    posts = [post.text for post in doc.posts if post.text and not post.text.isascii()]
    return texts + posts[:EVIDENCE_TEXTS]


def repair_profile_and_pages(doc: Document, decision: DocumentRepair) -> None:
    """Apply the document's diagnosis to its profile fields and pages, keeping the raw values."""
    if doc.profile is not None:
        profile = doc.profile
        for name in ("name", "bio", "location", "website"):
            value = getattr(profile, name)
            if value:
                fixed, repairs = decision.fix(value, name)
                profile.raw[name] = value
                setattr(profile, name, fixed)
                profile.repairs.extend(repairs)
    for page in doc.pages:
        repair_page(page, decision)


def repair_page(page: Page, decision: DocumentRepair) -> None:
    """Apply the diagnosis to every text of a page: its title, its text, each section's
    heading and text, each entry's text and venue. Each repair names its field
    (`page.title`, `page.entry.3.text`, …)."""
    page.repairs = []

    def fixed(value: Optional[str], name: str) -> Optional[str]:
        if not value:
            return value
        value, repairs = decision.fix(value, name)
        page.repairs.extend(repairs)
        return value

    page.title = fixed(page.title, "page.title")
    page.text = fixed(page.text or "", "page.text")
    for index, section in enumerate(page.sections):
        for key in ("heading", "text"):
            if isinstance(section.get(key), str):
                section[key] = fixed(section[key], f"page.section.{index}.{key}")
    for index, entry in enumerate(page.entries):
        entry.text = fixed(entry.text, f"page.entry.{index}.text") or entry.text
        entry.venue = fixed(entry.venue, f"page.entry.{index}.venue")


def repair_posts(decision: DocumentRepair, posts: list[Post]) -> list[Post]:
    """Apply the diagnosis to a batch of posts. `text` starts as the reader left it (a reader
    may already have expanded links), and `text_raw` keeps what the source said."""
    for post in posts:
        post.text, post.repairs = decision.fix(post.text or "", "text")
    return posts


def repair_document(doc: Document) -> DocumentRepair:
    """Diagnose `doc` and repair every text field in place; return the diagnosis applied.
    (The importer does the same with posts in batches, so large files stream.)"""
    decision = diagnose(document_evidence(doc))
    repair_profile_and_pages(doc, decision)
    if not isinstance(doc.posts, list):
        doc.posts = list(doc.posts)
    repair_posts(decision, doc.posts)
    return decision
