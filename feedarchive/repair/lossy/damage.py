"""Reading text that went through the lossy Thai mis-decoding back into UTF-8 byte groups.

The damage: UTF-8 bytes decoded as ISO-8859-11 (Windows-874 behaves the same on these bytes),
then every C1 control deleted except U+0085, which became a line break; bytes the codec leaves
undefined (0xDB-0xDE, 0xFC-0xFF) vanished too, and the NBSP of byte 0xA0 became a plain space.

What survives is enough to group bytes into characters without guessing: every UTF-8 lead byte
(0xC2-0xF4) is still there as a Thai character and says how many continuation bytes followed.
Continuation bytes 0xA1-0xBF are still there as Thai characters; 0xA0 is a space, 0x85 a line
break, and the rest of 0x80-0x9F are gone. So each lead owns the Thai continuation characters
after it, may own a following space or line break, and the remaining slots are lost bytes
whose values are unknown but finite. `parse_lossy` lists, for every lead, each way of reading
it and the well-formed characters each reading can be.

The other direction, `damage` and `damaged_form`, says what the damage leaves of a known
word: the Thai and Japanese lattices index their dictionaries by it.
"""
from __future__ import annotations

import itertools
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Optional

from .candidates import CandidateTable

# Byte values a lost continuation byte can have: C1 controls that were deleted (0x85 was not).
LOST_BYTES = tuple(b for b in range(0x80, 0xA0) if b != 0x85)
SPACE_BYTE = 0xA0  # became an ordinary space
BREAK_BYTE = 0x85  # became "\n"


def thai_byte(char: str) -> Optional[int]:
    """The ISO-8859-11 byte a Thai character decodes from, or None for anything else.

    >>> hex(thai_byte("ร"))  # the lead byte of `é`, read as Thai
    '0xc3'
    >>> thai_byte("a") is None
    True
    """
    code = ord(char)
    if 0x0E01 <= code <= 0x0E3A:
        return code - 0x0E01 + 0xA1
    if 0x0E3F <= code <= 0x0E5B:
        return code - 0x0E3F + 0xDF
    return None


def continuation_count(lead: int) -> Optional[int]:
    """How many continuation bytes a UTF-8 lead byte announces (None: not a lead).

    >>> [continuation_count(byte) for byte in (0xC3, 0xE3, 0xF0, 0xA9)]
    [1, 2, 3, None]
    """
    if 0xC2 <= lead <= 0xDF:
        return 1
    if 0xE0 <= lead <= 0xEF:
        return 2
    if 0xF0 <= lead <= 0xF4:
        return 3
    return None


def is_restorable(char: str) -> bool:
    """A character a person could have written: assigned, not a control, surrogate or private use.

    >>> is_restorable("é"), is_restorable(chr(0x85)), is_restorable(chr(0xE000))
    (True, False, False)
    """
    return unicodedata.category(char) not in ("Cc", "Cs", "Co", "Cn") and char != "\ufffd"


@lru_cache(maxsize=None)
def completions(lead: int, visible: tuple[int, ...], slots: int) -> CandidateTable:
    """Every well-formed character whose bytes are `lead`, then `visible` in order with
    `slots - len(visible)` lost bytes anywhere among them.

    Enumerated rather than reasoned about: at most 31**3 byte strings for a bare 4-byte lead,
    once per pattern thanks to the cache, as arrays (`_well_formed`): one by one, a bare lead
    took 22 ms of a 20-post import.

    >>> completions(0xC3, (0xA9,), 1)  # both bytes of `é` survived
    ('é',)
    >>> "".join(completions(0xC3, (), 1))  # its second byte lost: any of 0x80-0x9F but 0x85
    'ÀÁÂÃÄÆÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖ×ØÙÚÛÜÝÞß'
    """
    import numpy as np  # here, not above: a worker repairing clean text never needs it

    missing = slots - len(visible)
    lost = np.array(LOST_BYTES, dtype=np.int64)
    found: dict[str, None] = {}
    for positions in itertools.combinations(range(slots), missing):
        shown = iter(visible)
        columns = [lost if slot in positions else np.array([next(shown)], dtype=np.int64)
                   for slot in range(slots)]
        # Every tail, in the order of itertools.product over the lost bytes.
        tails = np.stack(np.meshgrid(*columns, indexing="ij"), axis=-1).reshape(-1, slots)
        for code in _well_formed(lead, tails).tolist():
            char = chr(code)
            if is_restorable(char):
                found[char] = None
    return CandidateTable(found)


# Per number of continuation bytes: the lead's payload bits, and the smallest and largest code
# point the sequence may encode (shorter forms are overlong; past U+10FFFF is not Unicode).
UTF8_FORMS = {1: (0x1F, 0x80, 0x7FF), 2: (0x0F, 0x800, 0xFFFF), 3: (0x07, 0x10000, 0x10FFFF)}


def _well_formed(lead: int, tails):
    """The code points of the UTF-8 sequences `lead` + each row of `tails` (continuation bytes)
    that decode: what Python's decoder accepts, computed for all rows at once.

    >>> import numpy as np
    >>> [hex(c) for c in _well_formed(0xE2, np.array([[0x80, 0x99], [0x9F, 0xBF], [0x41, 0x80]]))]
    ['0x2019', '0x27ff']
    >>> [hex(c) for c in _well_formed(0xED, np.array([[0xA0, 0x80], [0x9F, 0xBF]]))]  # surrogates
    ['0xd7ff']
    """
    mask, low, high = UTF8_FORMS[tails.shape[1]]
    code = lead & mask
    for column in tails.T:
        code = (code << 6) | (column & 0x3F)
    ok = ((tails >= 0x80) & (tails <= 0xBF)).all(axis=1) & (code >= low) & (code <= high)
    ok &= (code < 0xD800) | (code > 0xDFFF)
    return code[ok]


@dataclass
class Reading:
    """One way of reading a lead: it owns text[start:end] and can be any of `candidates`."""

    start: int
    end: int
    candidates: CandidateTable
    # Spaces/line breaks this reading leaves as real text that another reading would own.
    leftover: str = ""


@dataclass
class Group:
    """One damaged character: a lead byte and its possible readings."""

    start: int
    readings: list[Reading] = field(default_factory=list)

    @property
    def is_exact(self) -> bool:
        """One reading with one candidate: restored for certain, nothing to guess.

        >>> parse_lossy("Caf" + damage("é".encode())).groups[0].is_exact
        True
        >>> parse_lossy("ร la gare").groups[0].is_exact  # `À` lost its second byte
        False
        """
        return sum(len(r.candidates) for r in self.readings) == 1


@dataclass
class LossyParse:
    """The groups found in one text and how much of its Thai the damage model cannot explain."""

    groups: list[Group]
    thai_chars: int = 0
    contradictions: int = 0


def _may_continue(char: str) -> Optional[tuple[int, bool]]:
    """(byte, required) when `char` can be a continuation byte; required for Thai ones.

    A Thai continuation must belong to the lead before it; a space or a line break may be the
    0xA0 or 0x85 the damage turned into one, or real text.

    >>> _may_continue("ฉ"), _may_continue(" "), _may_continue("a")
    ((169, True), (160, False), None)
    """
    byte = thai_byte(char)
    if byte is not None:
        return (byte, True) if 0xA1 <= byte <= 0xBF else None
    if char == " ":
        return SPACE_BYTE, False
    if char == "\n":
        return BREAK_BYTE, False
    return None


def parse_lossy(text: str) -> LossyParse:
    """Group `text` into lead bytes and their continuations; see the module docstring.

    A lead with a space after it can own the space (byte 0xA0) or leave it as text:

    >>> readings = parse_lossy("ร la gare").groups[0].readings
    >>> [(r.end, len(r.candidates), r.leftover) for r in readings]
    [(1, 31, ' '), (2, 1, '')]

    Genuine Thai is full of characters no lead explains:

    >>> parse_lossy("ภาษาไทย").contradictions
    2
    """
    result = LossyParse([])
    i = 0
    length = len(text)
    while i < length:
        char = text[i]
        byte = thai_byte(char)
        if byte is None:
            i += 1
            continue
        result.thai_chars += 1
        slots = continuation_count(byte)
        if slots is None:
            # A continuation with no lead, or a byte UTF-8 never uses (0xC0, 0xC1, 0xF5-0xFB).
            result.contradictions += 1
            i += 1
            continue
        following: list[tuple[int, bool]] = []
        j = i + 1
        while j < length and len(following) < slots:
            step = _may_continue(text[j])
            if step is None:
                break
            following.append(step)
            j += 1
        required = max((n + 1 for n, (_, req) in enumerate(following) if req), default=0)
        group = Group(i)
        for taken in range(required, len(following) + 1):
            visible = tuple(b for b, _ in following[:taken])
            candidates = completions(byte, visible, slots)
            if candidates:
                leftover = text[i + 1 + taken:i + 1 + len(following)]
                group.readings.append(Reading(i, i + 1 + taken, candidates, leftover))
        result.thai_chars += sum(1 for _, req in following[:required] if req)
        if group.readings:
            result.groups.append(group)
        else:
            result.contradictions += 1
        i += 1 + required
    return result


def _damage_table() -> bytes:
    """The damage as a byte table, for `bytes.translate` after deleting LOST_BYTES: 0x85
    becomes a line break and 0xA0 a space, the rest stays, to be read as ISO-8859-11. ASCII
    becomes 0xFF, which that codec cannot decode: a word with ASCII in it forms no group (nor
    does one whose lead byte the codec drops). 0x00 stays, to separate the words of a table."""
    table = bytearray(range(256))
    table[1:0x80] = b"\xff" * 0x7F
    table[BREAK_BYTE], table[SPACE_BYTE] = ord("\n"), ord(" ")
    return bytes(table)


DAMAGE_TABLE = _damage_table()
DELETED_BYTES = bytes(LOST_BYTES)
# What the damaged text was decoded as. Its characters are one byte each in it, which makes it
# the compact way to store a damaged form (the lattices' indexes do).
DAMAGED_ENCODING = "iso8859_11"


def damage(data: bytes) -> str:
    """What the lossy Thai damage leaves of UTF-8 `data`; U+FFFD where a byte cannot survive
    as part of a group (see `_damage_table`).

    >>> damage("é".encode()), damage("日本".encode())
    ('รฉ', 'ๆฅๆฌ')
    >>> damage("a".encode()) == chr(0xFFFD)  # ASCII forms no group
    True
    """
    return data.translate(DAMAGE_TABLE, DELETED_BYTES).decode(DAMAGED_ENCODING, errors="replace")


@lru_cache(maxsize=None)
def _damaged_char(char: str) -> Optional[str]:
    data = char.encode("utf-8")
    if len(data) < 2:
        return None
    piece = damage(data)
    return None if "\ufffd" in piece else piece


def damaged_form(word: str) -> Optional[tuple[str, tuple[tuple[int, int, str], ...]]]:
    """What the lossy Thai damage makes of `word`, and where each of its characters lands in
    that text: (relative start, relative end, character). None when a character of the word
    would not form a group of its own (ASCII, or a lead byte the codec drops).

    >>> damaged_form("日本")
    ('ๆฅๆฌ', ((0, 2, '日'), (2, 4, '本')))
    >>> damaged_form("cat") is None
    True
    """
    pieces: list[str] = []
    spans = []
    at = 0
    for char in word:
        piece = _damaged_char(char)
        if piece is None:
            return None
        pieces.append(piece)
        spans.append((at, at + len(piece), char))
        at += len(piece)
    return "".join(pieces), tuple(spans)
