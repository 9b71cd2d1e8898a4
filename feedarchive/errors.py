"""Errors a user can hit, each naming the file (and line) and what was expected."""
from __future__ import annotations

from typing import Optional


class FeedarchiveError(Exception):
    """Base class: anything raised on purpose by feedarchive derives from this."""


class SourceError(FeedarchiveError):
    """A source file that cannot be read as the format it claims (or is detected as)."""

    def __init__(self, path: str, message: str, line: Optional[int] = None) -> None:
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


class UnknownFormatError(SourceError):
    """No reader recognises the file."""


class NothingToImport(SourceError):
    """A file recognised as a known format that holds nothing to import (a twarc2 user
    lookup or tweet-count file): reported as skipped, with the reason, not as a failure."""


class ArchiveWriteError(FeedarchiveError):
    """The archive cannot be written: the disk is full, or the file or its folder is
    read-only. What was being imported was rolled back; the archive is as it was."""


class DatabaseBusyError(FeedarchiveError):
    """Another writer held the archive longer than we wait for it."""
