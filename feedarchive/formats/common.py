"""What several readers share: dates to ISO 8601 UTC, counts, polls as text, streaming JSON.

JSON sources can be large (a 1M-tweet archive is a quarter of a gigabyte), so nothing here loads
a whole JSONL file or a whole `tweets.js` array at once: elements are decoded one by one.
"""
from __future__ import annotations

import calendar
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterable, Iterator, Optional, TypeVar

from ..errors import SourceError

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
        moment = None
        try:
            moment = datetime.strptime(text, "%a %b %d %H:%M:%S %z %Y")
        except ValueError:
            try:
                moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).replace(microsecond=0).isoformat()


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
        if raw is None:
            yield Line(number, error=f"a line of more than {MAX_LINE_BYTES >> 20} MB: no record "
                                     "is that large")
            continue
        if number == 1:
            check_text(label, raw)
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        if b"\x00" in raw:
            yield Line(number, error="binary data (NUL bytes), not a JSON line")
            continue
        last = not raw.endswith(b"\n")  # only the final line can lack its newline
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            cut = last and error.reason == "unexpected end of data"
            yield Line(number, error=f"not UTF-8 (byte 0x{raw[error.start]:02x})", cut_off=cut)
            continue
        try:
            yield Line(number, json.loads(text))
        except json.JSONDecodeError as error:
            yield Line(number, error=f"not valid JSON ({error.msg} at column {error.colno})",
                       cut_off=last and _ends_early(text, error))


def _ends_early(text: str, error: json.JSONDecodeError) -> bool:
    """Whether a line that does not parse is the beginning of a JSON value cut short (the
    decoder ran out of text, or out of a string), rather than something else."""
    return text.lstrip()[:1] in ("{", "[") and (error.pos >= len(text.rstrip()) or
                                                error.msg.startswith("Unterminated string"))


# `--skip-bad` over a file of millions of bad lines lists the first of them, then counts the
# rest: a warning per line would be printed, kept and stored by the million.
LISTED_BAD_LINES = 100


def parsed_jsonl(path: Path, parse: Callable[[Any, int], T], skip_bad: bool,
                 warnings: list[str]) -> Iterator[T]:
    """`parse(value, line number)` for each line of a JSON Lines file, streamed. A line that is
    not JSON, or that `parse` rejects with ValueError, fails the file naming its line; with
    `skip_bad` it becomes a warning instead. A last line cut short with no newline after it is
    a stream that was interrupted (a capture stopped mid-write): the complete lines are kept
    and the cut one is left out with a warning, `skip_bad` or not."""
    label = str(path)
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise SourceError(label, f"cannot read file: {error.strerror}") from None
    skipped = 0
    with stream:
        for line in iter_jsonl(label, stream):
            problem = line.error
            if problem is None:
                try:
                    yield parse(line.value, line.number)
                    continue
                except RECORD_ERRORS as error:
                    problem = record_problem(error)
            elif line.cut_off:
                warnings.append(f"{label}:{line.number}: truncated final line (the stream was "
                                "cut off); left out")
                continue
            if not skip_bad:
                raise SourceError(label, problem, line.number)
            skipped += 1
            if skipped <= LISTED_BAD_LINES:
                warnings.append(f"{label}:{line.number}: {problem}; line skipped")
    if skipped > LISTED_BAD_LINES:
        warnings.append(f"{label}: {skipped - LISTED_BAD_LINES:,} more bad lines skipped "
                        f"({skipped:,} in all; the first {LISTED_BAD_LINES} are listed)")


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
