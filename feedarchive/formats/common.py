"""What several readers share: dates to ISO 8601 UTC, counts, streaming JSON, link expansion.

JSON sources can be large (a 1M-tweet archive is a quarter of a gigabyte), so nothing here loads
a whole JSONL file or a whole `tweets.js` array at once: elements are decoded one by one.
"""
from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, Optional, TypeVar

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
    if isinstance(value, (int, float)):
        moment = datetime.fromtimestamp(value, timezone.utc)
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
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


# -- text ----------------------------------------------------------------------------------
def expand_links(text: str, urls: list[dict], short: str = "url",
                 long: str = "expanded_url") -> str:
    """Replace each shortened link (`https://t.co/…`) by its expansion; links the entities do
    not describe stay as they are."""
    for entry in urls or []:
        if not isinstance(entry, dict):
            continue
        shortened, expanded = entry.get(short), entry.get(long)
        if shortened and expanded:
            text = text.replace(shortened, expanded)
    return text


def unescape_x(text: str) -> str:
    """X escapes `&`, `<` and `>` in tweet text (`&amp;`); nothing else."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def unescape_html(text: str) -> str:
    return html.unescape(text)


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


def iter_jsonl(label: str, stream: BinaryIO) -> Iterator[Line]:
    """Each non-blank line of a JSON Lines stream, decoded, or the reason it could not be."""
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            check_text(label, raw)
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue
        if b"\x00" in raw:
            yield Line(number, error="binary data (NUL bytes), not a JSON line")
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Line(number, error=f"not UTF-8 (byte 0x{raw[error.start]:02x})")
            continue
        try:
            yield Line(number, json.loads(text))
        except json.JSONDecodeError as error:
            yield Line(number, error=f"not valid JSON ({error.msg} at column {error.colno})")


def parsed_jsonl(path: Path, parse: Callable[[Any, int], T], skip_bad: bool,
                 warnings: list[str]) -> Iterator[T]:
    """`parse(value, line number)` for each line of a JSON Lines file, streamed. A line that is
    not JSON, or that `parse` rejects with ValueError, fails the file naming its line; with
    `skip_bad` it becomes a warning instead."""
    label = str(path)
    try:
        stream = open(path, "rb")
    except OSError as error:
        raise SourceError(label, f"cannot read file: {error.strerror}") from None
    with stream:
        for line in iter_jsonl(label, stream):
            problem = line.error
            if problem is None:
                try:
                    yield parse(line.value, line.number)
                    continue
                except ValueError as error:
                    problem = str(error)
            if not skip_bad:
                raise SourceError(label, problem, line.number)
            warnings.append(f"{label}:{line.number}: {problem}; line skipped")


# -- a JSON array, element by element -----------------------------------------------------
def iter_json_array(label: str, stream: BinaryIO, prefix_ok: bool = True) -> Iterator[tuple[int, Any]]:
    """The elements of the JSON array in `stream`, each with the line it starts on, decoded one
    at a time. Text before the `[` is skipped when `prefix_ok` (the X archive's
    `window.YTD.tweets.part0 = `)."""
    reader = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict")
    decoder = json.JSONDecoder()
    buffer, pos, line_base, eof = "", 0, 1, False

    def more() -> bool:
        nonlocal buffer, pos, line_base, eof
        if eof:
            return False
        try:
            chunk = reader.read(CHUNK)
        except UnicodeDecodeError:
            raise SourceError(label, "not UTF-8 text", line_base + buffer.count("\n")) from None
        if "\x00" in chunk:
            raise SourceError(label, "binary file (NUL bytes): expected text")
        if not chunk:
            eof = True
            return False
        if pos:
            line_base += buffer.count("\n", 0, pos)
            buffer, pos = buffer[pos:], 0
        buffer += chunk
        return True

    def skip_space() -> None:
        nonlocal pos
        while True:
            while pos < len(buffer) and buffer[pos] in " \t\r\n":
                pos += 1
            if pos < len(buffer) or not more():
                return

    def here() -> int:
        return line_base + buffer.count("\n", 0, pos)

    more()
    while True:  # find the opening bracket
        at = buffer.find("[", pos)
        if at >= 0:
            if not prefix_ok and buffer[pos:at].strip():
                raise SourceError(label, "expected a JSON array", here())
            pos = at + 1
            break
        pos = len(buffer)
        if not more():
            raise SourceError(label, "expected a JSON array ('[' not found)", here())
    first = True
    while True:
        skip_space()
        if pos >= len(buffer):
            raise SourceError(label, "truncated: the array never closes (']' missing)", here())
        if buffer[pos] == "]":
            return
        if not first:
            if buffer[pos] != ",":
                raise SourceError(label, f"expected ',' or ']' between elements, got "
                                         f"{buffer[pos]!r}", here())
            pos += 1
            skip_space()
        first = False
        while True:
            try:
                value, end = decoder.raw_decode(buffer, pos)
            except json.JSONDecodeError as error:
                if len(buffer) - pos < MAX_ELEMENT and more():
                    continue
                line = line_base + buffer.count("\n", 0, error.pos)
                raise SourceError(label, f"not valid JSON: {error.msg}", line) from None
            if end == len(buffer) and not eof and more():
                continue  # a number may go on in the next chunk
            break
        yield here(), value
        pos = end
