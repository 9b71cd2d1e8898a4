"""Exact inversions of whole-document mis-decodings (Mac Roman, Windows-1252, Latin-1, double).

When UTF-8 bytes are decoded with a single-byte codec, every byte >= 0x80 becomes one non-ASCII
character and every ASCII byte stays itself. So each damaged character sits inside a maximal run
of non-ASCII characters, and re-encoding that run with the same codec gives back its bytes. Undoing
the damage run by run (instead of over a whole string) keeps exact offsets for the audit trail and
lets a run that does not invert stay as it is.

UTF-8 is a strict code: a run of genuine accented letters or curly quotes almost never re-encodes
into well-formed UTF-8. That is what makes the document-level test in `score_codec` reliable.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator, Optional

NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _sloppy_table(codec: str) -> dict[str, int]:
    """Character -> byte for `codec`, with bytes the codec leaves undefined kept as C1 controls.

    Browsers and many scrapers decode Windows-1252 that way (0x81 -> U+0081), so the inverse
    must accept those characters too.
    """
    table: dict[str, int] = {}
    for byte in range(0x80, 0x100):
        try:
            char = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            char = chr(byte)
        table[char] = byte
    return table


_TABLES: dict[str, dict[str, int]] = {}


def _table(codec: str) -> dict[str, int]:
    if codec not in _TABLES:
        _TABLES[codec] = _sloppy_table(codec)
    return _TABLES[codec]


def encode_run(run: str, codec: str) -> Optional[bytes]:
    """The bytes a non-ASCII `run` came from under `codec`, or None if it cannot have.

    >>> encode_run("Ã©", "cp1252").hex(" ")
    'c3 a9'
    >>> encode_run("中", "cp1252") is None  # no single byte decodes to it
    True
    """
    table = _table(codec)
    out = bytearray()
    for char in run:
        byte = table.get(char)
        if byte is None:
            return None
        out.append(byte)
    return bytes(out)


def invert_run(run: str, codec: str) -> Optional[str]:
    """Undo one decoding of `run` with `codec`; None when its bytes are not well-formed UTF-8.

    >>> invert_run("Ã©", "cp1252")
    'é'
    >>> invert_run("é", "latin-1") is None  # byte 0xE9 alone is no UTF-8: a genuine é
    True
    """
    raw = encode_run(run, codec)
    if raw is None:
        return None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return None


def invert_run_partly(run: str, codec: str) -> Optional[str]:
    """Undo one decoding of `run` with `codec` where its bytes form UTF-8, keeping the
    characters whose bytes do not. In a page a character that was never mis-decoded can sit
    beside a damaged one in one run (`&nbsp;` made U+00A0 just before a mis-decoded emoji):
    the run as a whole does not invert, its damaged part does. None when no multi-byte
    character comes out (nothing here was mis-decoded by `codec`).

    >>> invert_run("éâ€™", "cp1252") is None  # a genuine é, then a damaged ’
    True
    >>> invert_run_partly("éâ€™", "cp1252")
    'é’'
    >>> invert_run_partly("é", "cp1252") is None
    True
    """
    raw = encode_run(run, codec)
    if raw is None:
        return None
    out: list[str] = []
    at = 0  # one byte per character of `run` (single-byte codecs only)
    restored = False
    for char in raw.decode("utf-8", errors="surrogateescape"):
        if "\udc80" <= char <= "\udcff":  # a byte that is no part of UTF-8 here
            out.append(run[at])
            at += 1
        else:
            out.append(char)
            at += len(char.encode("utf-8"))
            restored = True
    return "".join(out) if restored else None


# The document-level kinds this module can undo exactly: name -> codecs applied, outermost first.
EXACT_KINDS: dict[str, tuple[str, ...]] = {
    "cp1252": ("cp1252",),
    "latin1": ("latin-1",),
    "mac_roman": ("mac_roman",),
    "double": ("cp1252", "cp1252"),
}


def invert_chain(run: str, codecs: tuple[str, ...]) -> Optional[str]:
    """Undo a chain of mis-decodings, outermost first; None if any step is impossible.

    >>> invert_chain("ÃƒÂ©", ("cp1252", "cp1252"))  # é mis-decoded twice
    'é'
    >>> invert_chain("Ã©", ("cp1252", "cp1252")) is None  # once only: the second step fails
    True
    """
    text: Optional[str] = run
    for codec in codecs:
        if text is None:
            return None
        # After the first step ASCII may appear inside the run; only non-ASCII parts re-encode.
        text = _invert_mixed(text, codec)
    return text


def _invert_mixed(text: str, codec: str) -> Optional[str]:
    parts: list[str] = []
    last = 0
    for match in NON_ASCII_RUN.finditer(text):
        fixed = invert_run(match.group(), codec)
        if fixed is None:
            return None
        parts.append(text[last:match.start()])
        parts.append(fixed)
        last = match.end()
    parts.append(text[last:])
    return "".join(parts)


def implausibility(text: str) -> int:
    """How many characters of `text` a person would not have typed.

    Used to choose between codecs that both invert a document: controls, private-use and
    unassigned code points, and combining marks with nothing to combine with.

    >>> implausibility("naïve")
    0
    >>> implausibility(chr(0x81) + "é " + chr(0x301))  # a C1 control, a mark after a space
    2
    """
    bad = 0
    previous = " "
    for char in text:
        category = unicodedata.category(char)
        if category in ("Cc", "Co", "Cn", "Cs") and char not in "\n\t\r":
            bad += 1
        elif category == "Mn" and previous.isspace() and not 0xFE00 <= ord(char) <= 0xFE0F:
            bad += 1
        previous = char
    return bad


# A short text whose only non-ASCII pair happens to be valid UTF-8 (`É’` -> `ɒ`) is not a
# mis-decoded document; four continuation bytes in the right places (two 3-byte characters,
# four 2-byte ones...) are. Below that, ftfy's finer judgement decides, text by text.
# Origin: set by hand by that reasoning when the codec diagnosis was written (commit ad7458e),
# not tuned on a set.
MIN_EVIDENCE = 4
# Odd characters (controls, private use) a convincing inversion may produce, per unit of evidence:
# a document may quote a stray control character, a chance fit produces mostly odd ones.
# Origin: set by hand with MIN_EVIDENCE (commit ad7458e), not tuned on a set.
IMPLAUSIBLE_RATIO = 10


@dataclass
class CodecScore:
    """How well one exact kind explains a document's non-ASCII runs."""

    kind: str
    inverted: int = 0  # runs that invert into well-formed, different text
    failed: int = 0  # runs that cannot have come from this kind
    implausible: int = 0  # odd characters the inversion produces
    # Continuation bytes that landed where UTF-8 needs them: each is roughly a 1-in-4 chance
    # for genuine text, so this measures how unlikely the fit is by accident.
    evidence: int = 0

    @property
    def fits(self) -> bool:
        """Some run inverts and none contradicts the kind.

        >>> CodecScore("cp1252", inverted=2).fits, CodecScore("cp1252", inverted=2, failed=1).fits
        (True, False)
        """
        return self.inverted > 0 and self.failed == 0

    @property
    def convincing(self) -> bool:
        """Fits, produces nothing odd, and is too strong to be chance (see MIN_EVIDENCE).

        >>> CodecScore("cp1252", inverted=3, evidence=4).convincing
        True
        >>> CodecScore("cp1252", inverted=1, evidence=1).convincing  # one lucky pair
        False
        >>> CodecScore("cp1252", inverted=3, implausible=1, evidence=4).convincing
        False
        """
        return (
            self.fits
            and self.evidence >= MIN_EVIDENCE
            and self.implausible * IMPLAUSIBLE_RATIO <= self.evidence
        )


def score_codec(texts: Iterable[str], kind: str, stop_on_failure: bool = False) -> CodecScore:
    """Count the runs of `texts` that `kind` explains and the ones it contradicts.

    With `stop_on_failure`, counting ends at the first contradiction (enough to rule it out).

    >>> score_codec(["CafÃ© crÃ¨me", "naÃ¯ve"], "cp1252")
    CodecScore(kind='cp1252', inverted=3, failed=0, implausible=0, evidence=3)
    >>> score_codec(["Café"], "cp1252").failed
    1
    """
    codecs = EXACT_KINDS[kind]
    score = CodecScore(kind)
    for text in texts:
        for match in NON_ASCII_RUN.finditer(text):
            fixed = invert_chain(match.group(), codecs)
            if fixed is None:
                score.failed += 1
                if stop_on_failure:
                    return score
            elif fixed != match.group():
                score.inverted += 1
                score.implausible += implausibility(fixed)
                score.evidence += len(match.group()) - len(fixed)
    return score


def repair_runs(
    text: str, invert: Callable[[str], Optional[str]]
) -> Iterator[tuple[int, int, str, str]]:
    """Yield (start, end, before, after) for every non-ASCII run that `invert` changes."""
    for match in NON_ASCII_RUN.finditer(text):
        fixed = invert(match.group())
        if fixed is not None and fixed != match.group():
            yield match.start(), match.end(), match.group(), fixed


# --- Mac Roman 3- and 4-byte sequences, for documents nothing else claims --------------------
#
# ftfy only fixes Mac Roman when its "bad" pattern fires; U+F8FF (byte 0xF0) alone does not fire
# it, so emoji such as `\uf8ffüìñ` stay broken. A sequence of one lead (0xE0-0xF4) and the right
# number of continuation bytes (0x80-0xBF), each spelt in Mac Roman, is almost never genuine text.

def _mac_class(low: int, high: int) -> str:
    chars = (bytes([b]).decode("mac_roman") for b in range(low, high + 1))
    return "".join(re.escape(c) for c in chars)


_MAC_LEAD2 = _mac_class(0xC2, 0xDF)
_MAC_LEAD3 = _mac_class(0xE0, 0xEF)
_MAC_LEAD4 = _mac_class(0xF0, 0xF4)
_MAC_CONT = _mac_class(0x80, 0xBF)
MAC_SEQUENCE = re.compile(
    f"(?:[{_MAC_LEAD4}][{_MAC_CONT}]{{3}}|[{_MAC_LEAD3}][{_MAC_CONT}]{{2}}"
    f"|[{_MAC_LEAD2}][{_MAC_CONT}])+"
)


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return 0x3000 <= code <= 0x30FF or 0x3400 <= code <= 0x9FFF or 0xFF00 <= code <= 0xFFEF


def _plausible_sequence(fixed: str, before: str, after: str) -> bool:
    """Emoji, symbols and punctuation alone; CJK only as a run of two or more (one CJK
    character from three stray bytes happens by chance, a run does not).

    >>> _plausible_sequence("📖", " ", " "), _plausible_sequence("中文", " ", " ")
    (True, True)
    >>> _plausible_sequence("中", " ", " ")
    False
    """
    if any(len(c.encode("utf-8")) < 3 for c in fixed) and not any(
        len(c.encode("utf-8")) >= 3 for c in fixed
    ):
        return False  # only 2-byte characters: ordinary Mac Roman text, not for this pass
    for i, char in enumerate(fixed):
        category = unicodedata.category(char)
        if _is_cjk(char) and category[0] == "L":
            neighbours = (fixed[i - 1] if i else before) + (fixed[i + 1] if i + 1 < len(fixed) else after)
            if not any(_is_cjk(n) for n in neighbours):
                return False
        elif category[0] not in "PSZ" and category not in ("Mn", "Cf", "No", "Lo", "Lm", "Ll", "Lu"):
            return False
    return any(unicodedata.category(c) not in ("Mn", "Cf") for c in fixed)


def fix_mac_roman_sequences(text: str) -> list[tuple[int, int, str, str]]:
    """Find Mac Roman renderings of 3- and 4-byte UTF-8 characters (emoji, CJK, punctuation).

    A candidate must cover a whole run of non-ASCII characters (mojibake is never glued to
    genuine accented letters) up to white space (a no-break space from `&nbsp;` may stand
    beside it), re-encode into well-formed UTF-8, and give plausible characters. Returns
    (start, end, before, after) spans.

    >>> book = "📖".encode().decode("mac_roman")  # U+F8FF then üìñ
    >>> found = fix_mac_roman_sequences(f"Reading {book} now")
    >>> [(start, end, after) for start, end, _before, after in found]
    [(8, 12, '📖')]
    >>> fix_mac_roman_sequences("Crème brûlée")
    []
    """
    spans = []
    for run in NON_ASCII_WORD.finditer(text):
        match = MAC_SEQUENCE.fullmatch(run.group())
        if not match:
            continue
        fixed = invert_run(run.group(), "mac_roman")
        before = text[run.start() - 1] if run.start() else ""
        after = text[run.end()] if run.end() < len(text) else ""
        if fixed is not None and _plausible_sequence(fixed, before, after):
            spans.append((run.start(), run.end(), run.group(), fixed))
    return spans


# A run of non-ASCII characters other than white space.
NON_ASCII_WORD = re.compile(r"[^\x00-\x7f\s]+")
