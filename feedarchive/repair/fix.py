"""Applying a diagnosis to one text: `DocumentRepair.fix` and the three ways it can go.

- `fix_exact`: a codec mis-decoding (`exact`) is undone run by run, every repair certain;
- `_fix_thai_lossy`: the lossy Thai damage is regrouped and its lost bytes guessed (`lossy`);
- `_fix_unclaimed`: what no whole-document diagnosis claims gets the Mac Roman emoji pass and
  ftfy, whose changes must be justified by the text itself (`_quoted_example` is not).

Every change becomes a `Repair`, found by comparing the repaired text with the raw one
(`diff.changed_spans`).
"""
from __future__ import annotations

import bisect
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Optional

import ftfy
import ftfy.badness

from ..models import Repair
from .diff import changed_spans
from .exact import (
    EXACT_KINDS,
    NON_ASCII_RUN,
    fix_mac_roman_sequences,
    invert_chain,
    invert_run_partly,
    repair_runs,
)
from .lossy.damage import parse_lossy

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



# The only ASCII characters ftfy may change: `&` (entities) and control characters.
_ASCII_FTFY_TRIGGER = re.compile(r"[&\x00-\x08\x0b-\x1f\x7f]")


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

    >>> _needs_ftfy("plain ASCII"), _needs_ftfy("café crème")
    (False, False)
    >>> _needs_ftfy("fish &amp; chips"), _needs_ftfy("cafÃ©")
    (True, True)
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
    always lies within six characters of a non-ASCII run. And all its patterns but a few
    (LONE_BAD) need two non-ASCII characters side by side, so a run of one other character
    (the `’` or the emoji of most posts) is passed over without a search.

    >>> _looks_bad("cafÃ©"), _looks_bad("café"), _looks_bad("it’s 🎉"), _looks_bad("Ã ")
    (True, False, False, True)
    """
    for match in NON_ASCII_RUN.finditer(text):
        start, end = match.span()
        if end - start == 1 and LONE_BAD.match(text, start) is None:
            continue
        if ftfy.badness.BADNESS_RE.search(text[max(0, start - 6):end + 6]):
            return True
    return False


# The only characters that ftfy's badness patterns match with no other non-ASCII character
# beside them: a C1 control alone, `Ã` or `Â` before a space, `Œ`/`œ` before a non-letter
# (`test_lone_characters_ftfy_finds_bad` checks this against ftfy's own regex).
LONE_BAD = re.compile("[\x80-\x9fÃÂŒœ]")


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
        """Apply the decision to one field: the repaired text and one `Repair` per span.

        >>> text, repairs = DocumentRepair("cp1252").fix("CafÃ© crÃ¨me", "bio")
        >>> text, [(r.field, r.start, r.end, r.before, r.after) for r in repairs]
        ('Café crème', [('bio', 3, 5, 'Ã©', 'é'), ('bio', 8, 10, 'Ã¨', 'è')])
        >>> DocumentRepair("cp1252").fix("plain")
        ('plain', [])
        """
        if not text or text.isascii() and not _needs_ftfy(text):
            return text, []
        if self.kind == "thai_lossy":
            return _fix_thai_lossy(text, field, self.known_chars)
        if self.kind in EXACT_KINDS:
            return fix_exact(text, field, self.kind)
        return _fix_unclaimed(text, field)


def fix_exact(text: str, field: str, kind: str, then_ftfy: bool = True) -> tuple[str, list[Repair]]:
    """Undo a whole-document codec mis-decoding run by run; every repair is exact.

    A run whose bytes do not all form UTF-8 is undone where they do (`invert_run_partly`: a
    character that was never mis-decoded, such as an entity's U+00A0, beside a damaged one).
    What is left (a further layer of damage the document-level test did not see) goes to
    ftfy, whose changes must be justified by the span itself: an example of mojibake quoted on
    purpose (`_quoted_example`), valid once the document is inverted, is final.

    >>> fixed, repairs = fix_exact("Itâ€™s a cafÃ©", "text", "cp1252")
    >>> fixed, [(r.before, r.after, r.rule) for r in repairs][0]
    ('It’s a café', ('â€™', '’', 'inverse of cp1252'))
    >>> [(r.start, r.before, r.after) for r in fix_exact("éâ€™", "text", "cp1252")[1]]
    [(1, 'â€™', '’')]

    (a genuine `é` beside the damage stays: the run was undone where its bytes form UTF-8).
    """
    codecs = EXACT_KINDS[kind]

    partly: set[str] = set()  # the runs undone only where their bytes form UTF-8

    def invert(run: str) -> Optional[str]:
        whole = invert_chain(run, codecs)
        if whole is not None or len(codecs) > 1:
            return whole
        part = invert_run_partly(run, codecs[0])
        if part is not None:
            partly.add(run)
        return part

    parts: list[str] = []
    repairs: list[Repair] = []
    spans = []
    last = 0
    for start, end, before, after in repair_runs(text, invert):
        parts.append(text[last:start])
        parts.append(after)
        last = end
        rule = f"inverse of {kind}"
        if before in partly:
            # A run undone in part keeps its other characters: the repair is what changed.
            head = len(os.path.commonprefix([before, after]))
            tail = len(os.path.commonprefix([before[head:][::-1], after[head:][::-1]]))
            start, end = start + head, end - tail
            before, after = before[head:len(before) - tail], after[head:len(after) - tail]
            rule = _inversion_rule(kind, before, after)
        repairs.append(Repair(field, start, end, kind, before, after, 1.0, rule))
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
    bytes form UTF-8; None when neither does (a later step changed it too).

    >>> _inversion_rule("cp1252", "Ã©", "é")
    'inverse of cp1252'
    >>> _inversion_rule("cp1252", "éâ€™", "é’")
    "inverse of cp1252 where the run's bytes form UTF-8"
    >>> _inversion_rule("cp1252", "Ã©", "e") is None
    True
    """
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
    """ftfy's own account of what it did (`encode sloppy-windows-1252, decode utf-8`).

    >>> _ftfy_rule([("encode", "sloppy-windows-1252"), ("decode", "utf-8")])
    'ftfy: encode sloppy-windows-1252, decode utf-8'
    """
    return "ftfy: " + ", ".join(f"{action} {name}" for action, name in steps) if steps else "ftfy"


def _fix_thai_lossy(text: str, field: str, evidence: object = None) -> tuple[str, list[Repair]]:
    """Regroup the surviving bytes into characters; guess lost bytes where they must be.

    A line break that was byte 0x85 of a character is consumed with it, so the line is rejoined.
    A lead that no well-formed character fits is left as it is: nothing is invented.

    Here every byte of `é` survived, so the regrouping is certain:

    >>> fixed, repairs = _fix_thai_lossy("Caf" + "é".encode().decode("iso8859_11"), "text")
    >>> fixed, repairs[0].confidence, repairs[0].rule
    ('Café', 1.0, 'bytes of a Thai-decoded character regrouped')
    """
    from .lossy.choose import choose  # the character models load only for a lossy document

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
                   else "lost bytes guessed from the text around them",
                   list(choice.alternatives))
        )
        last = choice.end
    parts.append(text[last:])
    return "".join(parts), repairs


def _fix_unclaimed(text: str, field: str) -> tuple[str, list[Repair]]:
    """What no document-level kind explains: Mac Roman 3/4-byte sequences first (ftfy misses
    lone emoji), then ftfy, each of whose changes must be justified by the span itself
    (`_quoted_example` is not); each change kept is recorded by comparing the result with the
    raw text.

    >>> fixed, repairs = _fix_unclaimed("Itâ€™s here", "bio")
    >>> fixed, [(r.before, r.after, r.kind, r.rule) for r in repairs]
    ('It’s here', [('â€™', '’', 'ftfy', 'ftfy: encode sloppy-windows-1252, decode utf-8')])
    """
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
    mojibake, not of mojibake. A damaged word in quotes (`“cafÃ©”`) is not alone in them.

    >>> _quoted_example("write “Ã©” not é", 7, 9)
    True
    >>> _quoted_example("a “cafÃ©” crème", 6, 8)
    False
    """
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


# Something short between quotes or backticks: what `_quoted_example` can be about.
QUOTED_SHORT = re.compile("[" + re.escape("".join(EXAMPLE_QUOTES)) + r"][^\s]{1,6}["
                          + re.escape("".join(set(EXAMPLE_QUOTES.values()))) + "]")


def _without_quoted_examples(raw: str, fixed: str) -> str:
    """`fixed` with the changes `_quoted_example` rejects put back as they were in `raw`.

    >>> _without_quoted_examples("“Ã©” means é, cafÃ©", "“é” means é, café")
    '“Ã©” means é, café'
    """
    if fixed == raw or QUOTED_SHORT.search(raw) is None:  # no example: no diff to make
        return fixed
    spans = changed_spans(raw, fixed)
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
    """One `Repair` per changed span; spans that overlap `spans` are labelled `kind`.

    >>> [(r.start, r.before, r.after, r.kind) for r in _diff_repairs("Itâ€™s", "It’s", "text", [])]
    [(2, 'â€™', '’', 'ftfy')]
    """
    starts = sorted((s, e) for s, e, _b, _a in spans)
    reach: list[int] = []  # reach[k]: the furthest end of the first k + 1 spans (by start)
    for _s, e in starts:
        reach.append(max(e, reach[-1]) if reach else e)
    first = [s for s, _e in starts]
    repairs = []
    for i1, i2, j1, j2 in changed_spans(raw, fixed):
        # a span overlaps [i1, max(i2, i1 + 1)) when it starts before its end and ends after i1
        before = bisect.bisect_left(first, max(i2, i1 + 1))
        label = kind if before and reach[before - 1] > i1 else "ftfy"
        repairs.append(Repair(field, i1, i2, label, raw[i1:i2], fixed[j1:j2], 1.0))
    return _merge_adjacent(repairs)


def _merge_adjacent(repairs: list[Repair]) -> list[Repair]:
    """difflib splits one repaired character into pieces when letters happen to match.

    >>> pieces = [Repair("text", 0, 1, "ftfy", "a", "b", 1.0),
    ...           Repair("text", 1, 2, "ftfy", "c", "d", 1.0)]
    >>> [(r.start, r.end, r.before, r.after) for r in _merge_adjacent(pieces)]
    [(0, 2, 'ac', 'bd')]
    """
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


