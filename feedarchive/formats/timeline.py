"""The timeline-text format: an X/Twitter profile page copied as text.

Line by line: display name; `@handle`; `Followers`, count, `Following`, count, `Media`, count,
`Statuses`, count; profile lines (bio, location, website, any absent) up to `Joined <Month
YYYY>`; then posts, newest first, each one or more text lines followed by exactly three count
lines (replies, reposts, likes).

Only `\\n` (or `\\r\\n`) ends a line: U+0085 and U+2028 are text, which is why this reader never
uses `str.splitlines()`.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile
from .common import BadRecords, bounded_lines

NAME = "timeline"
OPTIONS = ("skip_bad",)

# ASCII digits only: Thai mojibake is full of U+0E50 (๐), which `\d` would take for a zero.
COUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+|[0-9]+(?:\.[0-9]+)?[KMB])", re.ASCII)
HANDLE = re.compile(r"@([A-Za-z0-9_]{1,50})", re.ASCII)
JOINED = re.compile(
    r"Joined (January|February|March|April|May|June|July|August|September|October|November"
    r"|December) ([0-9]{4})"
)
PROFILE_COUNTS = ("Followers", "Following", "Media", "Statuses")
MULTIPLIERS = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}
# Longer than any real count, and past what SQLite's 64-bit INTEGER holds.
MAX_COUNT_CHARS = 15
MAX_COUNT = 2**63 - 1


ASCII_SPACE = " \t\r\f\v"  # what `\s` means to the byte-level check below: both must agree


def is_count(line: str) -> bool:
    line = line.strip(ASCII_SPACE)
    if len(line) > MAX_COUNT_CHARS:
        return False
    # Plain ASCII digits, the usual count, without the regex.
    return (line.isdigit() and line.isascii()) or COUNT.fullmatch(line) is not None


def parse_count(shown: str) -> int:
    """The integer a displayed count stands for: `1,234` → 1234, `2K` → 2000, `1.2M` → 1200000.

    X truncates rather than rounds, so `2K` may have been 2,047: the shown value is all that is
    knowable. Decimal keeps `1.1K` from becoming 1100.0000000000002.
    """
    shown = shown.strip(ASCII_SPACE)
    if shown.isdigit() and shown.isascii() and len(shown) <= MAX_COUNT_CHARS:
        return int(shown)  # the usual count; 15 digits stay below MAX_COUNT
    if not COUNT.fullmatch(shown) or len(shown) > MAX_COUNT_CHARS:
        raise ValueError(f"not a count: {shown!r}")
    suffix = shown[-1]
    if suffix in MULTIPLIERS:
        try:
            value = int(Decimal(shown[:-1]) * MULTIPLIERS[suffix])
        except InvalidOperation:  # pragma: no cover - the regex admits only decimals
            raise ValueError(f"not a count: {shown!r}") from None
    else:
        value = int(shown.replace(",", ""))
    if value > MAX_COUNT:
        raise ValueError(f"count {shown!r} is larger than any real count")
    return value


def sniff(path: Path, head: bytes) -> bool:
    """A timeline has an `@handle` line followed by `Followers` within its first lines."""
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lines = [line.rstrip("\r") for line in text.split("\n")[:40]]
    return find_handle_line(lines) is not None


def find_handle_line(lines: list[str]) -> Optional[int]:
    """Index of the `@handle` line, the first one followed by `Followers`.

    The display name above it may span several lines when a mis-decoding turned a byte into a
    line break, so the handle is found by what follows it, not by its position.
    """
    for index, line in enumerate(lines[:-1]):
        if HANDLE.fullmatch(line.strip()) and lines[index + 1].strip() == "Followers":
            return index
    return None


HEADER_MAX_LINES = 400  # a profile block longer than this is not a profile block


class LineReader:
    """The lines of a file, decoded one at a time so a large scrape is never held whole.

    UTF-8 is expected; invalid bytes become U+FFFD with one warning naming the first line they
    occur on: a scrape with a few bad bytes is still worth importing, and nothing is silently
    lost. Only `\\n` ends a line; a `\\r` before it is dropped.
    """

    def __init__(self, path: Path, warnings: list[str]) -> None:
        self.path = path
        self.warnings = warnings
        self.bad_lines = 0

    def __iter__(self) -> Iterator[tuple[int, str]]:
        try:
            handle = open(self.path, "rb")
        except OSError as error:
            raise SourceError(str(self.path), f"cannot read file: {error.strerror}") from None
        with handle:
            for number, raw in enumerate(bounded_lines(handle, MAX_POST_BYTES), start=1):
                if raw is None:
                    raise SourceError(str(self.path), f"a line of more than {MAX_POST_MB} MB: no "
                                      "post or profile line is that long", number)
                if raw.endswith(b"\n"):
                    raw = raw[:-1]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError:
                    line = raw.decode("utf-8", errors="replace")
                    self.note_bad_line(number)
                if number == 1:
                    line = line.lstrip("\ufeff")
                yield number, line
        if self.bad_lines > 1:
            self.warnings.append(f"{self.path}: {self.bad_lines} lines held invalid UTF-8 bytes")

    def note_bad_line(self, number: int) -> None:
        self.bad_lines += 1
        if self.bad_lines == 1:
            self.warnings.append(f"{self.path}:{number}: invalid UTF-8 bytes replaced by U+FFFD")


COUNT_BYTES = re.compile(rb"[ \t\r\f\v]*(?=[^ \t\r\f\v]{1,%d}[ \t\r\f\v]*$)" % MAX_COUNT_CHARS
                         + COUNT.pattern.encode() + rb"[ \t\r\f\v]*")
BLOCK_BYTES = 256 << 10  # ~2,000 posts: small enough that blocks in flight stay cheap
# A post on X is at most 25,000 characters; a megabyte of text without the count lines that
# end a post is a file that is not (or no longer) a timeline, and is not held to find out.
MAX_POST_BYTES = 1 << 20
MAX_POST_MB = MAX_POST_BYTES >> 20
NON_ASCII_LINE = re.compile(rb"^[^\n]*[\x80-\xff][^\n]*$", re.MULTILINE)


class TimelinePosts:
    """The posts of a timeline file, read lazily and afresh on each iteration.

    A large scrape is never held whole: it is cut into blocks of complete posts (`blocks`),
    which `parse_block` turns into posts, in this process or in worker processes.
    """

    def __init__(self, path: Path, first_line: int, author: str, warnings: list[str],
                 skip_bad: bool = False) -> None:
        self.path, self.first_line, self.author = path, first_line, author
        self.warnings, self.skip_bad = warnings, skip_bad

    def __iter__(self) -> Iterator[Post]:
        for block in self.blocks():
            posts, warnings = parse_block(block)
            self.warnings.extend(warnings)
            yield from posts

    def blocks(self, size: Optional[int] = None) -> Iterator["PostBlock"]:
        return post_blocks(self.path, self.first_line, self.author, size or BLOCK_BYTES,
                           self.skip_bad)

    @staticmethod
    def parse_unit(block: "PostBlock") -> tuple[list[Post], list[str]]:
        return parse_block(block)

    def evidence(self, limit: int) -> list[str]:
        """Up to `limit` lines holding non-ASCII bytes: the only lines that can show how the
        file was mis-decoded. Found by a regex over raw blocks, without parsing posts."""
        found: list[str] = []
        for block in self.blocks():
            for match in NON_ASCII_LINE.finditer(block.data):
                found.append(match.group().rstrip(b"\r").decode("utf-8", errors="replace"))
                if len(found) >= limit:
                    return found
        return found


@dataclass
class PostBlock:
    """Complete posts' lines as raw bytes, with where they start: a unit of parallel work."""

    path: str
    author: str
    first_line: int
    data: bytes
    skip_bad: bool = False


def post_blocks(path: Path, first_line: int, author: str, size: int,
                skip_bad: bool = False) -> Iterator[PostBlock]:
    """Cut the post lines of a file into blocks of about `size` bytes that end on a post
    boundary: after a run of three or more count lines, at the next text line."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise SourceError(str(path), f"cannot read file: {error.strerror}") from None
    with handle:
        for _ in range(first_line - 1):
            handle.readline()
        pending, line = b"", first_line
        while True:
            chunk = handle.read(size)
            data = pending + chunk
            if not chunk:
                if data.strip():
                    yield PostBlock(str(path), author, line, data, skip_bad)
                return
            cut = last_post_boundary(data)
            if cut:
                yield PostBlock(str(path), author, line, data[:cut], skip_bad)
                line += data.count(b"\n", 0, cut)
                data = data[cut:]
            elif len(data) > MAX_POST_BYTES + size:  # no post ends in all this: not a post
                raise SourceError(str(path), f"more than {MAX_POST_MB} MB without the three count "
                                             "lines that end a post", line)
            pending = data


def last_post_boundary(data: bytes) -> int:
    """Offset of the start of the last post that begins inside `data` (0 if none is known):
    a text line preceded by three count lines. Looks at the end of the block only."""
    end = data.rfind(b"\n")
    while end > 0:
        start = data.rfind(b"\n", 0, end) + 1  # the line [start, end) is complete
        if COUNT_BYTES.fullmatch(data, start, end) is None and start > 0:
            counts, probe = 0, start - 1
            while counts < 3 and probe > 0:
                before = data.rfind(b"\n", 0, probe) + 1
                if COUNT_BYTES.fullmatch(data, before, probe) is None:
                    break
                counts, probe = counts + 1, before - 1
            if counts == 3:
                return start
        end = start - 1
    return 0


def parse_block(block: PostBlock) -> tuple[list[Post], list[str]]:
    """The posts of one block (run in worker processes for large files)."""
    warnings: list[str] = []
    lines = []
    for number, raw in enumerate(block.data.split(b"\n"), start=block.first_line):
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        try:
            lines.append((number, raw.decode("utf-8")))
        except UnicodeDecodeError:
            lines.append((number, raw.decode("utf-8", errors="replace")))
            warnings.append(f"{block.path}:{number}: invalid UTF-8 bytes replaced by U+FFFD")
    bad = BadRecords(block.path, block.skip_bad, warnings, "post")
    posts = list(iter_posts(block.path, iter(lines), block.author, bad))
    bad.close()
    return posts, warnings


def read(path: Path, *, skip_bad: bool = False) -> Document:
    path = Path(path)
    with open(path, "rb") as handle:
        if b"\x00" in handle.read(8192):
            raise SourceError(str(path), "binary file (NUL bytes): expected text")
    warnings: list[str] = []
    header = []
    for number, line in LineReader(path, warnings):
        header.append(line)
        if JOINED.fullmatch(line.strip()) or number >= HEADER_MAX_LINES:
            break
    profile, first_post = parse_profile(str(path), header)
    posts = TimelinePosts(path, first_post + 1, profile.handle, warnings, skip_bad)
    return Document(str(path), NAME, profile, posts, warnings)


def parse_profile(path: str, lines: list[str]) -> tuple[Profile, int]:
    """Read the header; return the profile and the index of the first post line."""
    handle_at = find_handle_line(lines)
    if handle_at is None:
        raise SourceError(path, "expected an @handle line followed by 'Followers'", 1)
    if handle_at == 0:
        raise SourceError(path, "expected a display name before the @handle line", 1)
    profile = Profile(
        handle=HANDLE.fullmatch(lines[handle_at].strip()).group(1),
        name="\n".join(lines[:handle_at]).strip(),
    )
    cursor = handle_at + 1
    for label in PROFILE_COUNTS:
        if cursor >= len(lines) or lines[cursor].strip() != label:
            raise SourceError(path, f"expected {label!r} (truncated header?)", cursor + 1)
        if cursor + 1 >= len(lines):
            raise SourceError(path, f"expected a count after {label!r} (truncated header?)",
                              cursor + 2)
        if not is_count(lines[cursor + 1]):
            got = lines[cursor + 1].strip()[:40]
            raise SourceError(path, f"expected a count after {label!r}, got {got!r}", cursor + 2)
        try:
            setattr(profile, label.lower(), parse_count(lines[cursor + 1]))
        except ValueError as error:
            raise SourceError(path, str(error), cursor + 2) from None
        cursor += 2
    joined_at = next(
        (i for i in range(cursor, len(lines)) if JOINED.fullmatch(lines[i].strip())), None
    )
    if joined_at is None:
        raise SourceError(path, "expected a 'Joined <Month YYYY>' line after the profile", cursor + 1)
    # Kept as found, blank lines too: a mis-decoded byte may have become a line break here.
    profile.bio = "\n".join(lines[cursor:joined_at]).strip() or None
    profile.joined = lines[joined_at].strip()[len("Joined "):]
    return profile, joined_at + 1


def iter_posts(path: str, lines: Iterator[tuple[int, str]], author: str,
               bad: BadRecords) -> Iterator[Post]:
    """Split numbered post lines into posts: in a run of count lines, the last three are the
    counts. A post whose text ends with a bare number (`Final score:` / `42`) makes a run of
    four: the first belongs to the text. No post starts with a count line, so a run always
    ends a post.
    """
    text: list[str] = []
    run: list[str] = []
    post_line = 0
    last_line = 0

    def start(number: int) -> None:
        nonlocal post_line
        if not text:
            post_line = number

    for number, line in lines:
        last_line = number
        if is_count(line):
            if not text and not run:
                start(number)
            run.append(line)
            continue
        if len(run) >= 3:
            yield from made_post(bad, author, post_line, text + run[:-3], run[-3:])
            text, run = [], []
        elif run:
            text.extend(run)
            run = []
        start(number)
        text.append(line)
    if len(run) >= 3:
        yield from made_post(bad, author, post_line, text + run[:-3], run[-3:])
    elif run or any(line.strip() for line in text):
        bad.skip("expected three count lines (replies, reposts, likes) after the post text"
                 + (" (truncated timeline?)" if run else ""), post_line or last_line)


def made_post(bad: BadRecords, author: str, line: int, text: list[str],
              counts: list[str]) -> Iterator[Post]:
    """The post of these lines, or none when they are not one (reported to `bad`)."""
    if not any(part.strip() for part in text):
        bad.skip("expected post text before the three count lines", line)
        return
    try:
        replies, reposts, likes = (parse_count(count) for count in counts)
    except ValueError as error:
        bad.skip(str(error), line + len(text))
        return
    yield Post("\n".join(text), author, line, replies, reposts, likes)
