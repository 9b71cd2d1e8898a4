"""What several readers share: dates to ISO 8601 UTC, counts, polls as text, streaming JSON,
and the bookkeeping of readers whose posts are read afresh on each iteration (`LazyPosts`).

JSON sources can be large (a 1M-tweet archive is a quarter of a gigabyte), so nothing here loads
a whole JSONL file or a whole `tweets.js` array at once: elements are decoded one by one.

Over 500 lines: what every reader shares (documents, bad-record handling, lazy post streams,
dates, counts, links), kept together so each reader imports one module.
"""
from __future__ import annotations

import calendar
import codecs
import heapq
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, TypeVar

from ..errors import SourceError
from ..models import Post
from . import members

T = TypeVar("T")

CHUNK = 1 << 20
MAX_ELEMENT = 64 * 1024 * 1024  # one JSON element (a tweet) larger than this is an error
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


# -- dates ---------------------------------------------------------------------------------
def iso_utc(value: Any) -> Optional[str]:
    """ISO 8601 in UTC to the second (`2025-10-11T15:50:20+00:00`), from the date shapes the
    sources use: X's `Sat Oct 11 15:50:20 +0000 2025`, ISO with `Z` or an offset, with or
    without fractions, `2025-10-11 15:50:20+00:00` (twscrape) or epoch seconds. A date
    without a zone is taken as UTC. None when absent or unreadable (the caller may warn)."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) == 30:
        fast = _x_date_utc(value)
        if fast is not None:
            return fast
    if isinstance(value, (int, float)):
        try:
            moment = datetime.fromtimestamp(value, timezone.utc)
        except (OverflowError, OSError, ValueError):  # past any calendar, or not a number
            return None
    else:
        text = str(value).strip()
        # ISO first when the text starts like a year: a failed `strptime` is slow, and
        # ActivityPub and atproto dates are all ISO.
        shapes = (_iso, _x_date) if text[:1].isdigit() else (_x_date, _iso)
        for shape in shapes:
            try:
                moment = shape(text)
                break
            except ValueError:
                continue
        else:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


def _iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))


def _x_date(text: str) -> datetime:
    return datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")


_WEEKDAYS = frozenset(("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))
_MONTH_NUMBERS = {name[:3]: f"{number:02d}" for number, name in enumerate(MONTHS, start=1)}
_MONTH_DAYS = dict(zip(_MONTH_NUMBERS.values(), (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)))
_X_DATE = re.compile(r"[A-Z][a-z]{2} [A-Z][a-z]{2} [0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "
                     r"\+0000 [0-9]{4}", re.ASCII)


def _x_date_utc(text: str) -> Optional[str]:
    """X's `Sat Oct 11 15:50:20 +0000 2025` without `strptime` (a million tweets' worth of
    dates would take seconds): only the exact UTC shape with a plausible date; anything else
    (None) goes the slow way."""
    if _X_DATE.fullmatch(text) is None or text[:3] not in _WEEKDAYS:
        return None
    month = _MONTH_NUMBERS.get(text[4:7])
    day, year = int(text[8:10]), int(text[26:30])
    if (month is None or not 1 <= day <= _MONTH_DAYS[month]
            or int(text[11:13]) > 23 or int(text[14:16]) > 59 or int(text[17:19]) > 59
            or year == 0 or (month == "02" and day == 29 and not calendar.isleap(year))):
        return None
    return f"{text[26:30]}-{month}-{text[8:10]}T{text[11:19]}+00:00"


def month_year(value: Any) -> Optional[str]:
    """`September 2021`, the shape `authors.joined` has everywhere."""
    iso = iso_utc(value)
    if iso is None:
        return None
    return f"{MONTHS[int(iso[5:7]) - 1]} {iso[:4]}"


# -- counts --------------------------------------------------------------------------------
def count(value: Any) -> Optional[int]:
    """An integer count, from an int or a string of digits (the X archive writes `"42"`).
    None stays None (not in the source); anything unreadable is None too, never 0."""
    if value.__class__ is str and value.isdecimal():
        return int(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdecimal():
        return int(value.strip())
    return None


# -- records of unexpected shape -----------------------------------------------------------
# What reading one record raises when a field is not what the format says (a number where an
# object should be, a date past any calendar): that record is bad, reported with its line
# like one that is not JSON, never a traceback.
RECORD_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError,
                 RecursionError)


def record_problem(error: Exception) -> str:
    """What to tell the user about a record that raised one of RECORD_ERRORS: a reader's own
    ValueError says it already; anything else is a field of a shape the format never has."""
    if type(error) is ValueError:
        return str(error)
    return f"a field of an unexpected type or value ({type(error).__name__}: {error})"


# `--skip-bad` over a file of millions of bad records lists the first of them, then counts
# the rest: a warning per record would be printed, kept and stored by the million.
LISTED_BAD_LINES = 100


class BadRecords:
    """What a reader does with a record it cannot read (a line that is not JSON, a tweet with
    a field of the wrong type, a post whose count overflows). Without `skip_bad` the first
    one fails the file, naming it and the line; with `skip_bad` each is left out and listed in
    `warnings`, the first LISTED_BAD_LINES of them, the rest counted by `close()`.

    One per file read; readers that parse in worker processes make one per unit of work and
    the importer caps what all of them add up to."""

    def __init__(self, label: str, skip_bad: bool, warnings: list[str],
                 record: str = "record") -> None:
        self.label, self.skip_bad, self.warnings, self.record = label, skip_bad, warnings, record
        self.count = 0

    def skip(self, problem: str, line: Optional[int] = None) -> None:
        """Fail the file on this record, or, with `skip_bad`, leave it out and note it."""
        if not self.skip_bad:
            raise SourceError(self.label, problem, line)
        self.count += 1
        if self.count <= LISTED_BAD_LINES:
            where = f"{self.label}:{line}" if line else self.label
            self.warnings.append(f"{where}: {problem}; {self.record} skipped")

    def close(self) -> None:
        if self.count > LISTED_BAD_LINES:
            self.warnings.append(
                f"{self.label}: {self.count - LISTED_BAD_LINES:,} more bad {self.record}s "
                f"skipped ({self.count:,} in all; the first {LISTED_BAD_LINES} are listed)")


# -- text ----------------------------------------------------------------------------------
def poll_text(options: Iterable[tuple[str, Optional[int]]]) -> str:
    """A poll as the lines appended to its post's text, the same for every platform: a blank
    line, `Poll:`, then `• <label> (<votes> votes)` per option (the count left out when the
    source has none). Empty for a poll without options."""
    lines = [f"• {label}" + (f" ({votes} votes)" if votes is not None else "")
             for label, votes in options]
    return "\n\nPoll:\n" + "\n".join(lines) if lines else ""


def check_text(label: str, head: bytes) -> None:
    """Refuse binary files: a NUL byte in the first 8 KiB is not text."""
    if b"\x00" in head[:8192]:
        raise SourceError(label, "binary file (NUL bytes): expected text")


def decode_bytes(label: str, data: bytes) -> str:
    check_text(label, data)
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise SourceError(label, f"not UTF-8 text (byte 0x{data[error.start]:02x})", line) from None


def load_json(label: str, data: bytes) -> Any:
    text = decode_bytes(label, data)
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise SourceError(label, f"not valid JSON: {error.msg}", error.lineno) from None


# -- JSON Lines ----------------------------------------------------------------------------
@dataclass
class Line:
    number: int
    value: Any = None
    error: Optional[str] = None
    cut_off: bool = False  # the unterminated last line of a stream that was interrupted


# One line of JSON Lines is one record: a tweet, or an API page of a hundred with what they
# refer to (a few hundred KB). A line past this is read past in pieces, never held, and is bad.
MAX_LINE_BYTES = 16 * 1024 * 1024


def bounded_lines(stream: BinaryIO, limit: int) -> Iterator[Optional[bytes]]:
    """Each line of a byte stream (with its newline), or None for a line longer than `limit`
    bytes, which is read past in pieces and never held whole."""
    while True:
        raw = stream.readline(limit + 1)
        if not raw:
            return
        if len(raw) > limit and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stream.readline(CHUNK)
            yield None
            continue
        yield raw


def iter_jsonl(label: str, stream: BinaryIO) -> Iterator[Line]:
    """Each non-blank line of a JSON Lines stream, decoded, or the reason it could not be."""
    for number, raw in enumerate(bounded_lines(stream, MAX_LINE_BYTES), start=1):
        line = jsonl_line(label, number, raw)
        if line is not None:
            yield line


def jsonl_line(label: str, number: int, raw: Optional[bytes]) -> Optional[Line]:
    """Line `number` of a JSON Lines stream (its bytes with the newline after them, or None
    for a line longer than MAX_LINE_BYTES), decoded or the reason it could not be; None for
    a blank line."""
    if raw is None:
        return Line(number, error=f"a line of more than {MAX_LINE_BYTES >> 20} MB: no record "
                                  "is that large")
    if number == 1:
        check_text(label, raw)
        raw = raw.removeprefix(b"\xef\xbb\xbf")
    if not raw.strip():
        return None
    if b"\x00" in raw:
        return Line(number, error="binary data (NUL bytes), not a JSON line")
    last = not raw.endswith(b"\n")  # only the final line can lack its newline
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        cut = last and error.reason == "unexpected end of data"
        return Line(number, error=f"not UTF-8 (byte 0x{raw[error.start]:02x})", cut_off=cut)
    try:
        return Line(number, json.loads(text))
    except json.JSONDecodeError as error:
        return Line(number, error=f"not valid JSON ({error.msg} at column {error.colno})",
                    cut_off=last and _ends_early(text, error))


def _ends_early(text: str, error: json.JSONDecodeError) -> bool:
    """Whether a line that does not parse is the beginning of a JSON value cut short (the
    decoder ran out of text, or out of a string), rather than something else."""
    return text.lstrip()[:1] in ("{", "[") and (error.pos >= len(text.rstrip()) or
                                                error.msg.startswith("Unterminated string"))




def parsed_jsonl(path: Path, parse: Callable[[Any, int], T], bad: BadRecords) -> Iterator[T]:
    """`parse(value, line number)` for each line of a JSON Lines file, streamed. A line that is
    not JSON, or that `parse` rejects with one of RECORD_ERRORS, goes to `bad` (fails the file,
    or is skipped and listed). A last line cut short with no newline after it is a stream that
    was interrupted (a capture stopped mid-write): the complete lines are kept and the cut one
    is left out with a warning, `skip_bad` or not."""
    label = str(path)
    with members.open_regular(path, label) as stream:
        yield from parsed_lines(label, enumerate(bounded_lines(stream, MAX_LINE_BYTES), start=1),
                                parse, bad)
    bad.close()


def parsed_lines(label: str, lines: Iterable[tuple[int, Optional[bytes]]],
                 parse: Callable[[Any, int], T], bad: BadRecords) -> Iterator[T]:
    """`parsed_jsonl` over numbered raw lines (`jsonl_line`): a whole file's or a block's."""
    for number, raw in lines:
        line = jsonl_line(label, number, raw)
        if line is None:
            continue
        problem = line.error
        if problem is None:
            try:
                yield parse(line.value, line.number)
                continue
            except RECORD_ERRORS as error:
                problem = record_problem(error)
        elif line.cut_off:
            bad.warnings.append(f"{label}:{line.number}: truncated final line (the stream "
                                "was cut off); left out")
            continue
        bad.skip(problem, line.number)


@dataclass
class LineBlock:
    """Whole lines of a JSON Lines file, as raw bytes, from line `first_line` on: a unit of
    work a reader's `parse_unit` can take in a worker process. A line longer than
    MAX_LINE_BYTES (never held) is an empty line in `data`, its number in `too_long`."""

    label: str
    first_line: int
    data: bytes
    too_long: tuple[int, ...] = ()

    def lines(self) -> Iterator[tuple[int, Optional[bytes]]]:
        """(number, the line's bytes with its newline, or None when too long), as
        `bounded_lines` gives them."""
        pieces = self.data.split(b"\n")
        if pieces and not pieces[-1]:
            pieces.pop()  # the block ends with a newline: no line after it
        for offset, piece in enumerate(pieces):
            number = self.first_line + offset
            if number in self.too_long:
                yield number, None
            elif offset < len(pieces) - 1 or self.data.endswith(b"\n"):
                yield number, piece + b"\n"
            else:
                yield number, piece  # the file's last line, without a newline


def jsonl_blocks(path: Path, size: int = CHUNK) -> Iterator[LineBlock]:
    """A JSON Lines file cut into blocks of whole lines of about `size` bytes."""
    label = str(path)
    with members.open_regular(path, label) as stream:
        pieces: list[bytes] = []
        too_long: list[int] = []
        first, held = 1, 0
        for number, raw in enumerate(bounded_lines(stream, MAX_LINE_BYTES), start=1):
            if raw is None:
                too_long.append(number)
                raw = b"\n"
            pieces.append(raw)
            held += len(raw)
            if held >= size:
                yield LineBlock(label, first, b"".join(pieces), tuple(too_long))
                pieces, too_long, first, held = [], [], number + 1, 0
        if pieces:
            yield LineBlock(label, first, b"".join(pieces), tuple(too_long))


# -- a JSON array, element by element -----------------------------------------------------
# A large array (a 1M-tweet `tweets.js` is half a gigabyte) is read in two steps. `array_blocks`
# cuts the raw bytes into blocks of whole elements without decoding them: cheap work, done by
# bytes methods that run in C. `block_elements` decodes the elements of one block; it is the
# expensive part and can run in worker processes. Memory stays at about one block whatever the
# size of the file.
#
# Where to cut: after a comma that separates two elements, i.e. outside any string and at
# depth 1 (inside the array, inside no element). Strings are located by their quotes once
# escaped backslashes and escaped quotes are blanked out (`_neutral`); the depth at a point is
# the count of opening minus closing brackets outside strings before it (`_skeleton`).

_WS = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_NOT_SKELETON = bytes(b for b in range(256) if b not in b'"{}[]\n')
_ESCAPED = re.compile(rb'\\[\\"]')
# An element that ends with `}` or `]`, then the comma after it: where a block may end.
_CUT_CANDIDATE = re.compile(rb"[}\]][ \t\r\n]*,")
_TAIL = 16 * 1024


@dataclass
class ArrayBlock:
    """Raw bytes of whole array elements. `first`: the block starts just after the `[`;
    `final`: the array's closing `]` is in this block (or should be: the input ends here).
    Every other block starts just after a separating comma and ends just after one."""

    first_line: int
    data: bytes
    first: bool
    final: bool


def _neutral(data: bytes) -> bytes:
    """`data` with escaped backslashes and escaped quotes blanked (same length), so that every
    `"` left opens or closes a string. `data` must start outside a string."""
    return _ESCAPED.sub(b"__", data) if b"\\" in data else data


def _skeleton(neutral: bytes) -> tuple[int, int, int]:
    """(opening minus closing brackets outside strings, quotes, newlines) in neutralised bytes
    that start outside a string. Only quotes, brackets and newlines are kept; `""` pairs
    (strings without brackets: nearly all of them) are dropped, which changes nothing about
    which brackets are in strings (a raw newline is never in one)."""
    kept = neutral.translate(None, _NOT_SKELETON)
    quotes = kept.count(b'"')
    if quotes:
        kept = kept.replace(b'""', b"")
        if b'"' in kept:
            kept = b"".join(kept.split(b'"')[0::2])
    depth = kept.count(b"{") + kept.count(b"[") - kept.count(b"}") - kept.count(b"]")
    return depth, quotes, kept.count(b"\n")


def _find_cut(pending: bytes, search_from: int = 0) -> tuple[int, int, bool]:
    """(offset just after the last element-separating comma in `pending`, or 0 if there is
    none after `search_from`; the newlines before that offset; whether the array closes
    inside `pending`). `pending` starts at depth 1, just after the `[` or a separating comma.
    All of it is looked at once, by bytes methods; candidates are tried from the end."""
    neutral = _neutral(pending)
    total, quotes, newlines = _skeleton(neutral)
    if total < 0:  # more closed than opened: the array's `]` is in here
        return 0, 0, True
    end = len(neutral)
    window = _TAIL
    while end > search_from:
        start = max(search_from, end - window)
        matches = list(_CUT_CANDIDATE.finditer(neutral, start, end))
        for match in reversed(matches):
            comma = match.end()
            depth, quotes_after, newlines_after = _skeleton(neutral[comma:])
            # depth 1 after the comma, and the comma outside any string (an even number of
            # quotes before it; the depth is only meaningful then)
            if depth == total and not (quotes - quotes_after) & 1:
                return comma, newlines - newlines_after, False
        if start == search_from:
            break
        end = start + 256  # overlap, for a candidate that straddles `start`
        window *= 4
    return 0, 0, False


def array_blocks(label: str, stream: BinaryIO, prefix_ok: bool = True,
                 size: Optional[int] = None) -> Iterator[ArrayBlock]:
    """The JSON array in `stream` cut into blocks of about `size` bytes of whole elements
    (undecoded). Text before the `[` is skipped when `prefix_ok` (the X archive's
    `window.YTD.tweets.part0 = `). Reading stops at the block holding the closing `]`."""
    size = size or CHUNK

    def read() -> bytes:
        try:
            chunk = stream.read(size)
        except SourceError:
            raise
        except (OSError, EOFError, ValueError) as error:
            raise SourceError(label, f"cannot read: {error}") from None
        if b"\x00" in chunk:
            raise SourceError(label, "binary file (NUL bytes): expected text")
        return chunk

    head, line = b"", 1
    while True:  # find the opening bracket
        chunk = read()
        if not head and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        head += chunk
        at = head.find(b"[")
        if at >= 0:
            if not prefix_ok and head[:at].strip():
                raise SourceError(label, "expected a JSON array", line + head.count(b"\n", 0, at))
            line += head.count(b"\n", 0, at)
            pending = head[at + 1:]
            break
        if not chunk:
            raise SourceError(label, "expected a JSON array ('[' not found)",
                              line + head.count(b"\n"))
        if len(head) > MAX_ELEMENT:
            raise SourceError(label, "expected a JSON array ('[' not found)",
                              line + head.count(b"\n"))
    first, searched = True, 0
    while True:
        chunk = read()
        if not chunk:
            yield ArrayBlock(line, pending, first, True)
            return
        pending += chunk
        if len(pending) < size:
            continue
        cut, newlines, closes = _find_cut(pending, max(0, searched - 64))
        if closes:
            yield ArrayBlock(line, pending, first, True)
            return
        if not cut:
            if len(pending) > MAX_ELEMENT:
                raise SourceError(label, f"an array element larger than {MAX_ELEMENT} bytes, "
                                         "or no boundary between elements found", line)
            searched = len(pending)
            continue
        yield ArrayBlock(line, pending[:cut], first, False)
        line += newlines
        pending, first, searched = pending[cut:], False, 0


def block_elements(label: str, block: ArrayBlock) -> Iterator[tuple[int, Any]]:
    """The decoded elements of one block, each with the line it starts on."""
    data, line = block.data, block.first_line
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SourceError(label, "not UTF-8 text", line + data.count(b"\n", 0, error.start)) \
            from None
    decode, skip, count_lines = _DECODER.raw_decode, _WS.match, text.count
    size = len(text)
    counted = 0  # `line` is the line of offset `counted`

    def line_of(offset: int) -> int:
        return line + count_lines("\n", counted, offset)

    pos = skip(text).end()
    if block.first and pos < size and text[pos] == "]":
        closed = True
    else:
        closed = False
        while pos < size:
            try:
                value, end = decode(text, pos)
            except json.JSONDecodeError as error:
                raise SourceError(label, f"not valid JSON: {error.msg}", line_of(error.pos)) \
                    from None
            line += count_lines("\n", counted, pos)
            counted = pos
            yield line, value
            pos = skip(text, end).end()
            if pos >= size:
                break
            char = text[pos]
            if char == ",":
                pos = skip(text, pos + 1).end()
                if pos >= size and block.final:
                    break
                continue
            if char == "]":
                closed = True
                break
            raise SourceError(label, f"expected ',' or ']' between elements, got {char!r}",
                              line_of(pos))
    if closed and not block.final:
        raise SourceError(label, "text after the array's closing ']'", line_of(pos))
    if block.final and not closed:
        raise SourceError(label, "truncated: the array never closes (']' missing)",
                          line_of(size))


def iter_json_array(label: str, stream: BinaryIO, prefix_ok: bool = True) -> Iterator[tuple[int, Any]]:
    """The elements of the JSON array in `stream`, each with the line it starts on, decoded one
    block at a time. Text before the `[` is skipped when `prefix_ok` (the X archive's
    `window.YTD.tweets.part0 = `)."""
    for block in array_blocks(label, stream, prefix_ok):
        yield from block_elements(label, block)


# -- the array under one key of a JSON object, element by element -------------------------
# Mastodon's outbox.json is an object whose `orderedItems` array holds everything (hundreds of
# megabytes for a large account), usually as its last key but not always, and once seen twice
# (`"orderedItems":[],"orderedItems":[...]`). `KeyedArray` reads the object's top level with a
# small streaming tokenizer: the other members' values are passed over (decoded, so checked,
# when smaller than `SKIP_DECODE`; beyond that only their brackets and strings are followed),
# and the elements of every occurrence of the key are decoded one at a time. Memory stays at
# about one chunk plus the largest element, whatever the size of the file.

SKIP_DECODE = 4 * 1024 * 1024  # a value passed over is decoded (checked) up to this size
_SCALAR_END = re.compile(r"[\s,\]}]")
_STRUCTURE = re.compile(r'["\[\]{}]')
_STRING_SPECIAL = re.compile(r'["\\]')
_KEY = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_KEY_WINDOW = 4096  # a key longer than this (raw) is not one we look for


class _TooLarge(Exception):
    """A value larger than the limit `KeyedArray._decode` was given."""


class KeyedArray:
    """The elements of the array under the top-level `key` of the JSON object in `stream`,
    decoded one at a time: iterating yields (occurrence, line, element), `occurrence`
    counting the key's appearances from 1. `json.loads` keeps only the last of duplicate
    keys, so a caller after its result starts over when `occurrence` changes.

    After iterating: `is_object` (the document is an object; when it is not, nothing after
    its first character is read), `occurrences`, `is_array` (the key's last value is an
    array). Text that is not JSON raises SourceError "not valid JSON: …" with its line, as
    `load_json` would; an element larger than `max_element` characters is refused, naming
    its number (it is never held whole: reading stops there)."""

    def __init__(self, label: str, stream: BinaryIO, key: str,
                 max_element: int = MAX_ELEMENT) -> None:
        self.label, self.stream, self.key, self.max_element = label, stream, key, max_element
        self.is_object = False
        self.occurrences = 0
        self.is_array = False
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._buf, self._pos, self._eof = "", 0, False
        self._line = 1  # the line `_buf[0]` is on
        self._counted, self._counted_line = 0, 1  # `line_of` cache
        self._raw_lines = 1  # lines in the bytes decoded so far (for UTF-8 errors)
        self._started = False

    # -- reading -------------------------------------------------------------------------
    def _fill(self, more: int = CHUNK) -> bool:
        """Append at least `more` characters' worth of the stream (or what is left); False
        at the end."""
        if self._eof:
            return False
        try:
            data = self.stream.read(max(more, CHUNK))
        except SourceError:
            raise
        except (OSError, EOFError, ValueError) as error:
            raise SourceError(self.label, f"cannot read: {error}") from None
        if not self._started:
            check_text(self.label, data)
            self._started = True
        try:
            text = self._decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            line = self._raw_lines + data.count(b"\n", 0, max(error.start, 0))
            raise SourceError(self.label, "not UTF-8 text", line) from None
        self._raw_lines += data.count(b"\n")
        if not data:
            self._eof = True
        if self._pos > CHUNK:  # drop what has been read
            self._line += self._buf.count("\n", 0, self._pos)
            self._counted = max(self._counted - self._pos, 0)
            if self._counted == 0:
                self._counted_line = self._line
            self._buf, self._pos = self._buf[self._pos:], 0
        self._buf += text
        return bool(data)

    def line_of(self, pos: int) -> int:
        if pos < self._counted:
            return self._line + self._buf.count("\n", 0, pos)
        self._counted_line += self._buf.count("\n", self._counted, pos)
        self._counted = pos
        return self._counted_line

    def _error(self, message: str, pos: Optional[int] = None) -> SourceError:
        return SourceError(self.label, f"not valid JSON: {message}",
                           self.line_of(self._pos if pos is None else pos))

    def _peek(self) -> str:
        """The next character after whitespace ('' at the end)."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    # -- values --------------------------------------------------------------------------
    def _decode(self, limit: int) -> Any:
        """The value at the cursor, decoded; more text is read while it is incomplete."""
        while True:
            start = self._pos
            if start >= len(self._buf) and not self._fill():
                raise self._error("Expecting value")
            if self._buf[start] not in '"{[' and not self._eof and \
                    _SCALAR_END.search(self._buf, start) is None:
                if len(self._buf) - start > limit:
                    raise _TooLarge()
                self._fill()  # a number or literal may go on in the next chunk
                continue
            try:
                value, end = _DECODER.raw_decode(self._buf, start)
            except json.JSONDecodeError as error:
                incomplete = error.msg.startswith("Unterminated string") or \
                    error.pos >= len(self._buf) - 16
                if self._eof or not incomplete:
                    raise self._error(error.msg, error.pos) from None
                if len(self._buf) - start > limit:
                    raise _TooLarge() from None
                self._fill(len(self._buf) - start)  # twice as much: linear however large
                continue
            if end - start > limit:  # whole in one chunk, yet over the limit
                raise _TooLarge()
            self._pos = end
            return value

    def _skip(self) -> None:
        """Pass over the value at the cursor: decoded (so checked) when it is smaller than
        `SKIP_DECODE`, else followed by its brackets and strings only."""
        try:
            self._decode(SKIP_DECODE)
            return
        except _TooLarge:
            pass
        char = self._buf[self._pos]
        if char == '"':
            self._skip_string()
            return
        if char not in "[{":  # a number or literal (only a hostile one is this long)
            while (match := _SCALAR_END.search(self._buf, self._pos)) is None:
                self._pos = len(self._buf)
                if not self._fill():
                    return
            self._pos = match.start()
            return
        depth = 0
        while True:
            match = _STRUCTURE.search(self._buf, self._pos)
            if match is None:
                self._pos = len(self._buf)
                if not self._fill():
                    raise self._error("unterminated value")
                continue
            self._pos = match.start()
            char = match.group()
            if char == '"':
                self._skip_string()
                continue
            self._pos += 1
            depth += 1 if char in "[{" else -1
            if depth == 0:
                return

    def _skip_string(self) -> None:
        self._pos += 1
        while True:
            match = _STRING_SPECIAL.search(self._buf, self._pos)
            if match is None or (match.group() == "\\" and match.end() >= len(self._buf)):
                self._pos = len(self._buf) if match is None else match.start()
                if not self._fill():
                    raise self._error("Unterminated string")
                continue
            if match.group() == '"':
                self._pos = match.end()
                return
            self._pos = match.end() + 1  # the escaped character

    def _key(self) -> Optional[str]:
        """The member name at the cursor (a string), or None when it is too long to be the
        key looked for (then passed over)."""
        while True:
            match = _KEY.match(self._buf, self._pos, self._pos + _KEY_WINDOW)
            if match is not None:
                self._pos = match.end()
                try:
                    return json.loads(match.group())
                except json.JSONDecodeError as error:
                    raise self._error(error.msg, match.start() + error.pos) from None
            if len(self._buf) - self._pos >= _KEY_WINDOW or not self._fill():
                break
        self._skip_string()
        return None

    # -- the object ----------------------------------------------------------------------
    def __iter__(self) -> Iterator[tuple[int, int, Any]]:
        char = self._peek()
        if self._pos == 0 and self._buf.startswith("\ufeff"):
            self._buf = self._buf.lstrip("\ufeff")
            char = self._peek()
        if char != "{":
            if not char:
                raise self._error("Expecting value")
            return
        self.is_object = True
        self._pos += 1
        first = True
        while True:
            char = self._peek()
            if char == "}" and first:
                self._pos += 1
                break
            if char != '"':
                raise self._error("Expecting property name enclosed in double quotes")
            name = self._key()
            if self._peek() != ":":
                raise self._error("Expecting ':' delimiter")
            self._pos += 1
            char = self._peek()
            if name == self.key:
                self.occurrences += 1
                self.is_array = char == "["
                if self.is_array:
                    yield from self._elements(self.occurrences)
                else:
                    self._skip()
            else:
                self._skip()
            char = self._peek()
            self._pos += 1
            if char == "}":
                break
            if char != ",":
                raise self._error("Expecting ',' delimiter", self._pos - 1)
            first = False
        if self._peek():
            raise self._error("Extra data")

    def _elements(self, occurrence: int) -> Iterator[tuple[int, int, Any]]:
        self._pos += 1  # the `[`
        if self._peek() == "]":
            self._pos += 1
            return
        number = 0
        while True:
            self._peek()
            line = self.line_of(self._pos)
            number += 1
            try:
                element = self._decode(self.max_element)
            except _TooLarge:
                raise SourceError(self.label, f"{self.key} item {number} is larger than "
                                              f"{self.max_element:,} characters: not read",
                                  line) from None
            yield occurrence, line, element
            char = self._peek()
            self._pos += 1
            if char == "]":
                return
            if char != ",":
                raise self._error("Expecting ',' delimiter", self._pos - 1)


# -- posts read afresh on each iteration ---------------------------------------------------
# A reader that never holds its posts reads its file twice: a first pass finds what must be
# known before the first post is made (the owner, authors described only further on, which
# records are bad, which posts are listed twice) and keeps only that; iterating `posts` reads
# the file again and makes the posts one at a time. What the first pass keeps grows with the
# file only as ids do (`Repeats`), never as posts.

# What the repair diagnosis is shown of a file's posts (`repair.EVIDENCE_TEXTS`): the first
# pass keeps that many texts; `LazyPosts.evidence` reads the file again for more.
EVIDENCE_HELD = 20_000


def newest_first(created_at: Optional[str], native_id: Any) -> tuple[str, str]:
    """The order readers that held their posts gave them (newest first: date, then native
    id, both descending); the store orders a dated timeline by date itself, so only the
    repair evidence still follows it. An id that is not text (a hostile file) sorts as ''."""
    return (created_at or "", native_id if isinstance(native_id, str) else "")


def _id_key(native: str) -> Any:
    """A post id as `Repeats` keeps it: X's decimal ids as integers (a third of the memory
    of the string); anything else, or a decimal that an integer would not spell the same
    way (`007`), as found."""
    if native.isdigit() and native.isascii() and (native[0] != "0" or len(native) == 1):
        return int(native)
    return native


class Repeats:
    """Which posts a file lists more than once (the same native id: a pinned tweet at the
    top of a scrape and again in its place, a tweet on two pages of a search), found in the
    first pass, so that iterating yields each post once, its last copy (what readers that
    held their posts kept), without holding posts. The first pass keeps a set of the ids
    seen (integers for X's: about 70 bytes a post); then only the repeated ones are kept,
    with where their last copy is (`position`: a line, or a line and a place in it)."""

    def __init__(self) -> None:
        self._seen: Optional[set] = set()
        self.last: dict[str, Any] = {}  # a repeated id → the position of its last copy
        self.count = 0  # posts, each copy counted
        self.repeats = 0  # copies after the first

    def add(self, native: str, position: Any) -> bool:
        """Note one post of the first pass; True when its id was listed before."""
        self.count += 1
        key = _id_key(native)
        if key in self._seen:
            self.repeats += 1
            self.last[native] = position
            return True
        self._seen.add(key)
        return False

    def done(self) -> None:
        """The first pass is over: let the ids go."""
        self._seen = None

    @property
    def posts(self) -> int:
        """Posts once each: what iterating yields."""
        return self.count - self.repeats

    def is_last(self, native: str, position: Any) -> bool:
        """Whether the copy at `position` is its post's last (or only) copy."""
        last = self.last.get(native) if self.last else None
        return last is None or last == position


class NewestTexts:
    """The repair evidence of a file read in two passes, gathered in the first: the `limit`
    non-ASCII post texts that came first in the order readers that held their posts gave
    them (`newest_first`, ties in file order), as `repair.document_evidence` took them from
    such a reader, with at most `limit` texts held (a heap: the smallest goes first).

    With `by_id`, a repeated post's earlier copy gives way to its later one, as when the
    reader kept only the last copy. That is exact unless a copy leaves (its later copy is
    ASCII, or sorts elsewhere) after a text was already turned away for want of room: then
    `exact` is False and `LazyPosts.evidence` reads the file again instead."""

    def __init__(self, limit: Optional[int] = None, by_id: bool = False) -> None:
        self.limit = EVIDENCE_HELD if limit is None else limit
        self.by_id = by_id
        self._heap: list[list] = []  # [order, -sequence, native id, text, alive]
        self._live: dict[Any, list] = {}  # native id → its entry (with `by_id`)
        self._held = self._dead = self._sequence = 0
        self.dropped = False  # some text was turned away for want of room
        self.exact = True

    def add(self, text: Optional[str], created_at: Optional[str], native: Any,
            repeat: bool = False) -> None:
        self._sequence += 1
        if repeat and self.by_id:
            earlier = self._live.pop(native, None)
            if earlier is not None:
                earlier[4] = False
                self._held -= 1
                self._dead += 1
                same_place = bool(text) and not text.isascii() and \
                    earlier[0] == newest_first(created_at, native)
                if self.dropped and not same_place:
                    self.exact = False
        if not text or text.isascii():
            return
        entry = [newest_first(created_at, native), -self._sequence, native, text, True]
        heapq.heappush(self._heap, entry)
        if self.by_id:
            self._live[native] = entry
        self._held += 1
        if self._held > self.limit:
            self._drop()
        if self._dead > self.limit:
            self._heap = [entry for entry in self._heap if entry[4]]
            heapq.heapify(self._heap)
            self._dead = 0

    def _drop(self) -> None:
        while True:
            entry = heapq.heappop(self._heap)
            if entry[4]:
                break
            self._dead -= 1
        self._held -= 1
        self.dropped = True
        if self.by_id and self._live.get(entry[2]) is entry:
            del self._live[entry[2]]

    def spoil(self) -> None:
        """Posts the texts were gathered from turned out not to be posts after all."""
        self.exact = False

    def texts(self, limit: int) -> Optional[list[str]]:
        """The first `limit` texts, or None when the file must be read again for them."""
        if not self.exact or (limit > self.limit and self.dropped):
            return None
        alive = sorted((entry for entry in self._heap if entry[4]), reverse=True)
        return [entry[3] for entry in alive[:max(limit, 0)]]


class LazyPosts:
    """The posts of a file read in two passes: iterating reads the file afresh and yields
    them one at a time, in file order; `len` (the posts iterating yields) and `evidence`
    answer from what the first pass kept. Subclasses define `__iter__`.

    `newest_first`: these readers used to hold their posts and sort them (`newest_first`
    order); the importer orders their posts so wherever a timeline's order depends on the
    source's (an undated post in it: `importer.TimelineWriter`)."""

    newest_first = True

    def __init__(self, count: int, texts: NewestTexts) -> None:
        self.count, self.texts = count, texts

    def __iter__(self) -> Iterator[Post]:  # pragma: no cover - defined by each reader
        raise NotImplementedError

    def __len__(self) -> int:
        return self.count

    def evidence(self, limit: int) -> list[str]:
        """What `repair.document_evidence` took from a reader that held its posts: the first
        `limit` non-ASCII post texts in `newest_first` order; kept by the first pass, or
        (rarely: see `NewestTexts`) found by reading the posts again, `limit` held."""
        if limit <= 0:
            return []
        kept = self.texts.texts(limit)
        if kept is not None:
            return kept
        found = heapq.nlargest(limit, ((newest_first(post.created_at, post.native_id), post.text)
                                       for post in self
                                       if post.text and not post.text.isascii()),
                               key=lambda pair: pair[0])
        return [text for _, text in found]
