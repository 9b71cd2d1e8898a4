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
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Iterator, Optional

from ..errors import SourceError
from ..models import Document, Post, Profile

NAME = "timeline"

# ASCII digits only: Thai mojibake is full of U+0E50 (๐), which `\d` would take for a zero.
COUNT = re.compile(r"(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+|[0-9]+(?:\.[0-9]+)?[KMB])", re.ASCII)
HANDLE = re.compile(r"@([A-Za-z0-9_]{1,50})", re.ASCII)
JOINED = re.compile(
    r"Joined (January|February|March|April|May|June|July|August|September|October|November"
    r"|December) ([0-9]{4})"
)
PROFILE_COUNTS = ("Followers", "Following", "Media", "Statuses")
MULTIPLIERS = {"K": 1_000, "M": 1_000_000, "B": 1_000_000_000}


def is_count(line: str) -> bool:
    return COUNT.fullmatch(line.strip()) is not None


def parse_count(shown: str) -> int:
    """The integer a displayed count stands for: `1,234` → 1234, `2K` → 2000, `1.2M` → 1200000.

    X truncates rather than rounds, so `2K` may have been 2,047: the shown value is all that is
    knowable. Decimal keeps `1.1K` from becoming 1100.0000000000002.
    """
    shown = shown.strip()
    if not COUNT.fullmatch(shown):
        raise ValueError(f"not a count: {shown!r}")
    suffix = shown[-1]
    if suffix in MULTIPLIERS:
        try:
            return int(Decimal(shown[:-1]) * MULTIPLIERS[suffix])
        except InvalidOperation:  # pragma: no cover - the regex admits only decimals
            raise ValueError(f"not a count: {shown!r}") from None
    return int(shown.replace(",", ""))


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


def decode(path: Path, data: bytes) -> tuple[str, list[str]]:
    """Decode UTF-8 (a BOM is dropped). Invalid bytes become U+FFFD with a warning naming the
    line: a scrape with a few bad bytes is still worth importing, and nothing is silently lost."""
    if b"\x00" in data[:8192]:
        raise SourceError(str(path), "binary file (NUL bytes): expected text")
    warnings: list[str] = []
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        text = data.decode("utf-8", errors="replace")
        warnings.append(
            f"{path}:{line}: invalid UTF-8 bytes replaced by U+FFFD "
            f"({text.count(chr(0xFFFD))} replacement characters in the file)"
        )
    return text.lstrip("\ufeff"), warnings


def split_lines(text: str) -> list[str]:
    lines = [line[:-1] if line.endswith("\r") else line for line in text.split("\n")]
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def read(path: Path) -> Document:
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(str(path), f"cannot read file: {error.strerror}") from None
    text, warnings = decode(path, data)
    lines = split_lines(text)
    profile, first_post_line = parse_profile(str(path), lines)
    posts = list(iter_posts(str(path), lines, first_post_line, profile.handle))
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
        setattr(profile, label.lower(), parse_count(lines[cursor + 1]))
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


def iter_posts(path: str, lines: list[str], start: int, author: str) -> Iterator[Post]:
    """Split post lines into posts: in a run of count lines, the last three are the counts.

    A post whose text ends with a bare number (`Final score:` / `42`) makes a run of four: the
    first belongs to the text. No post starts with a count line, so a run always ends a post.
    """
    text_lines: list[str] = []
    post_line = start + 1
    index = start
    total = len(lines)
    while index < total:
        if not is_count(lines[index]):
            if not text_lines:
                post_line = index + 1
            text_lines.append(lines[index])
            index += 1
            continue
        run_end = index
        while run_end < total and is_count(lines[run_end]):
            run_end += 1
        if run_end - index < 3:
            if run_end == total:
                raise SourceError(
                    path, "post has fewer than three count lines (truncated timeline?)", post_line
                )
            if not text_lines:
                post_line = index + 1
            text_lines.extend(lines[index:run_end])
            index = run_end
            continue
        text_lines.extend(lines[index:run_end - 3])
        if not any(line.strip() for line in text_lines):
            raise SourceError(path, "expected post text before the three count lines", index + 1)
        replies, reposts, likes = (parse_count(line) for line in lines[run_end - 3:run_end])
        yield Post("\n".join(text_lines), author, post_line, replies, reposts, likes)
        text_lines = []
        index = run_end
    if text_lines:
        raise SourceError(
            path, "expected three count lines (replies, reposts, likes) after the post text",
            post_line,
        )
