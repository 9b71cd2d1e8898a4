"""Format readers: each turns one source file into a `Document` of raw (unrepaired) records.

A reader is a module with `NAME`, `sniff(path, head) -> bool` and `read(path) -> Document`.
Detection asks each reader in turn; `--format` on the command line skips it.
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

from ..errors import SourceError, UnknownFormatError
from ..models import Document
from . import timeline

READERS: dict[str, ModuleType] = {timeline.NAME: timeline}
SNIFF_BYTES = 64 * 1024


def detect_format(path: Path) -> str:
    """Name the format of `path` from its first bytes, or raise `UnknownFormatError`."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except OSError as error:
        raise SourceError(str(path), f"cannot read file: {error.strerror}") from None
    for name, reader in READERS.items():
        if reader.sniff(path, head):
            return name
    raise UnknownFormatError(
        str(path),
        "not a format feedarchive knows (expected a timeline scrape: a display name, an "
        "@handle, then Followers/Following/Media/Statuses counts)",
    )


def read_document(path: Path, format: str | None = None) -> Document:
    """Read `path` with the reader for `format` (detected when None)."""
    name = format or detect_format(path)
    if name not in READERS:
        raise SourceError(str(path), f"unknown format {name!r}; known: {', '.join(READERS)}")
    return READERS[name].read(path)
