"""Format readers: each turns one source (a file, an archive or an unpacked archive folder) into
a `Document` of raw (unrepaired) records.

A reader is a module with `NAME`, `sniff(path, head) -> bool` and `read(path, **options) ->
Document`; `OPTIONS` lists the keyword options it takes (`author`, `skip_bad`). Detection asks
each reader in turn, most specific first (the homepage reader, which takes loosely structured
text, comes last); `--format` on the command line skips it. For a folder `head` is empty.

`head` is the file's first SNIFF_BYTES bytes, read once and shown to every reader: detection
reads a bounded prefix of any file, whatever its size, and a `sniff` must take time linear in
`head` (every file that is not an archive reaches the homepage reader's, which reads text with
regexes: adversarial text there, such as a date followed by 64 KiB of spaces, is what
`tests/test_linear_time.py` gives it).

| name | source |
| --- | --- |
| `x-archive` | X/Twitter account archive: `.zip`, unpacked folder, or `tweets.js`/`tweet.js` alone |
| `mastodon` | Mastodon account archive: `.tar.gz`, unpacked folder, or `outbox.json` |
| `bluesky` | Bluesky repository export (`.car`) |
| `twarc2` | twarc2 JSON Lines (API v2 pages, or `twarc2 flatten` output) |
| `snscrape` | snscrape / twscrape JSON Lines |
| `timeline` | an X profile page copied as text |
| `homepage` | a homepage or profile page: plain text, Markdown (Jekyll) or HTML |
"""
from __future__ import annotations

from pathlib import Path
from types import ModuleType
from typing import Optional

from ..errors import SourceError, UnknownFormatError
from ..models import Document
from . import bluesky, homepage, mastodon, members, snscrape, timeline, twarc, xarchive

READERS: dict[str, ModuleType] = {
    reader.NAME: reader
    for reader in (xarchive, mastodon, bluesky, twarc, snscrape, timeline, homepage)
}
SNIFF_BYTES = 64 * 1024
EXPECTED = (
    "not a format feedarchive knows. Expected one of: an X/Twitter archive (.zip, folder or "
    "tweets.js), a Mastodon archive (.tar.gz, folder or outbox.json), a Bluesky repository "
    "(.car), twarc2 or snscrape/twscrape JSON Lines, a timeline scrape (a display name, an "
    "@handle, then Followers/Following/Media/Statuses counts) or a homepage (HTML, Markdown, "
    "or text with section headings and dated lines)"
)


def detect_format(path: Path) -> str:
    """Name the format of `path` from its first SNIFF_BYTES bytes (or its files, for a
    folder), or raise `UnknownFormatError`."""
    path = Path(path)
    head = b""
    if not path.is_dir():
        members.refuse_special(path)  # a FIFO or a device would block or never end
        try:
            with open(path, "rb") as handle:
                head = handle.read(SNIFF_BYTES)  # never more, whatever the file's size
        except FileNotFoundError:
            raise SourceError(str(path), "no such file") from None
        except OSError as error:
            raise SourceError(str(path), f"cannot read file: {error.strerror}") from None
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnknownFormatError(str(path), "UTF-16 text: feedarchive reads UTF-8; save the "
                                            "file as UTF-8 and import it again")
    head = head.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte order mark says nothing more
    for name, reader in READERS.items():
        if reader.sniff(path, head):
            return name
    if path.is_dir():
        raise UnknownFormatError(str(path), "folder is not an unpacked X archive (data/tweets.js)"
                                            " or Mastodon archive (outbox.json, actor.json)")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise UnknownFormatError(str(path), "zip archive holds neither data/tweets.js (X) nor "
                                            "outbox.json (Mastodon)")
    if head.startswith(b"\x1f\x8b"):
        raise UnknownFormatError(str(path), "compressed archive holds no outbox.json (Mastodon) "
                                            "or is corrupt")
    if b"\x00" in head[:8192]:
        raise UnknownFormatError(str(path), "binary file (NUL bytes): " + EXPECTED)
    raise UnknownFormatError(str(path), EXPECTED)


def read_document(path: Path, format: Optional[str] = None, *, skip_bad: bool = False,
                  author: Optional[str] = None) -> Document:
    """Read `path` with the reader for `format` (detected when None).

    `author` (a handle, `@` optional) names the owner where a source cannot (a Bluesky DID, a
    homepage, an X `tweets.js` without `account.js`); `skip_bad` makes readers leave out records
    they cannot read (a line, a tweet, a toot, a post) and list them in `Document.warnings`
    instead of failing on the first; a homepage is one record and has no such option.
    """
    name = format or detect_format(path)
    if name not in READERS:
        raise SourceError(str(path), f"unknown format {name!r}; known: {', '.join(READERS)}")
    reader = READERS[name]
    accepted = getattr(reader, "OPTIONS", ())
    options = {key: value for key, value in (("skip_bad", skip_bad), ("author", author))
               if key in accepted and value}
    return reader.read(path, **options)
