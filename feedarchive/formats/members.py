"""Reading sources that are more than one file: account archives as `.zip`, `.tar.gz` or an
unpacked folder, read in place (never extracted to disk).

An `Archive` lists member names (always `/`-separated, relative) and opens members as binary
streams. Every archive is checked against limits before anything is read from it:

- at most `MAX_MEMBERS` members;
- at most `MAX_TOTAL_BYTES` declared uncompressed bytes over all members (zip and tar headers
  say how large each member is), and at most `MAX_READ_BYTES` actually decompressed by one
  reader, counted as the bytes arrive (a header may lie);
- no member name that is absolute, has a drive letter or climbs out with `..` (zip-slip).

Nothing is ever written to disk, so such names could do no harm here, but an archive that
carries them was made to attack someone: it is refused, not half-read.

`source_units(paths)` is what the importer walks: unpacked archive folders are one source
each, every other file is a source of its own.
"""
from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

from ..errors import SourceError

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 64 * 1024**3  # declared; media makes real archives large
MAX_READ_BYTES = 4 * 1024**3  # what one import may decompress (media is never read)
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"

# Which files make a folder an account archive (checked by the readers' `sniff_dir`).
X_MARKERS = ("data/tweets.js", "data/tweet.js", "data/account.js", "tweets.js", "tweet.js")
MASTODON_MARKERS = ("outbox.json",)


def is_zip(head: bytes) -> bool:
    return head.startswith(ZIP_MAGIC) or head.startswith(EMPTY_ZIP_MAGIC)


def is_gzip(head: bytes) -> bool:
    return head.startswith(GZIP_MAGIC)


def is_tar(head: bytes) -> bool:
    return len(head) > 262 and head[257:262] == b"ustar"


def safe_name(archive: str, name: str) -> str:
    """The member name, normalised; refuse absolute names and `..` (zip-slip)."""
    unified = name.replace("\\", "/")
    path = PurePosixPath(unified)
    if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":") or ".." in path.parts:
        raise SourceError(archive, f"unsafe member name {name!r} (absolute or climbing out with "
                                   "'..'): refusing the whole archive")
    return str(path) if str(path) != "." else ""


class _Counted(io.RawIOBase):
    """A read-only stream that stops at a byte budget shared by one archive."""

    def __init__(self, raw: BinaryIO, archive: "Archive", label: str) -> None:
        self.raw, self.archive, self.label = raw, archive, label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.raw.read(len(buffer))
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as error:
            raise SourceError(self.label, f"corrupt archive member: {error}") from None
        self.archive.charge(len(data), self.label)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


class Archive:
    """Members of a zip, a tar(.gz) or a folder, by relative `/`-separated name."""

    def __init__(self, path: Path, shallow: bool = False) -> None:
        self.path = Path(path)
        self.shallow = shallow
        self.label = str(path)
        self.read_bytes = 0
        self._zip: Optional[zipfile.ZipFile] = None
        self._tar_members: dict[str, bytes] = {}
        self._names: list[str] = []
        self.kind = "folder"
        if self.path.is_dir():
            self._open_folder()
            return
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(512)
        except OSError as error:
            raise SourceError(self.label, f"cannot read file: {error.strerror}") from None
        if is_zip(head):
            self._open_zip()
        elif is_gzip(head) or is_tar(head):
            self.kind = "tar"
            self._names = []  # filled by `load_tar`
        else:
            raise SourceError(self.label, "not an archive (expected a .zip, .tar.gz or folder)")

    # -- opening ---------------------------------------------------------------------------
    def _open_folder(self) -> None:
        names = []
        for root, dirs, files in os.walk(self.path):
            dirs[:] = [] if self.shallow else sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith("."):
                    continue
                names.append(Path(root, name).relative_to(self.path).as_posix())
                if len(names) > MAX_MEMBERS:
                    raise SourceError(self.label, f"more than {MAX_MEMBERS} files: not read")
        self._names = names

    def _open_zip(self) -> None:
        self.kind = "zip"
        try:
            self._zip = zipfile.ZipFile(self.path)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise SourceError(self.label, f"corrupt zip archive: {error}") from None
        if len(infos) > MAX_MEMBERS:
            raise SourceError(self.label, f"zip has {len(infos)} members, more than the "
                                          f"{MAX_MEMBERS} allowed")
        total = sum(info.file_size for info in infos)
        if total > MAX_TOTAL_BYTES:
            raise SourceError(self.label, f"zip would expand to {total} bytes, more than the "
                                          f"{MAX_TOTAL_BYTES} allowed (zip bomb?)")
        self._infos = {}
        for info in infos:
            name = safe_name(self.label, info.filename)
            if not info.is_dir() and name:
                self._infos[name] = info
        self._names = sorted(self._infos)

    def load_tar(self, wanted: Callable[[str], bool]) -> None:
        """One pass over a tar(.gz): keep the bytes of the members `wanted` says to keep.

        A compressed tar cannot be read at random cheaply, so the members a reader needs are
        taken in a single streaming pass; the rest (media) is skipped, counted but not kept.
        """
        if self.kind != "tar":
            return
        names, total = [], 0
        try:
            with tarfile.open(self.path, mode="r|*") as tar:
                for member in tar:
                    name = safe_name(self.label, member.name)
                    if len(names) >= MAX_MEMBERS:
                        raise SourceError(self.label, f"tar has more than {MAX_MEMBERS} members")
                    total += max(member.size, 0)
                    if total > MAX_TOTAL_BYTES:
                        raise SourceError(self.label, f"tar expands to more than "
                                                      f"{MAX_TOTAL_BYTES} bytes (bomb?)")
                    if not member.isfile() or not name:
                        continue  # links, devices and folders are never followed
                    names.append(name)
                    if wanted(name):
                        self.charge(member.size, f"{self.label}:{name}")
                        handle = tar.extractfile(member)
                        self._tar_members[name] = handle.read() if handle else b""
        except (tarfile.TarError, OSError, EOFError) as error:
            raise SourceError(self.label, f"corrupt tar archive: {error}") from None
        self._names = sorted(names)

    # -- reading ---------------------------------------------------------------------------
    def charge(self, size: int, label: str) -> None:
        self.read_bytes += size
        if self.read_bytes > MAX_READ_BYTES:
            raise SourceError(label, f"more than {MAX_READ_BYTES} bytes decompressed from "
                                     "this archive: refusing (zip bomb?)")

    def names(self) -> list[str]:
        return list(self._names)

    def member_label(self, name: str) -> str:
        return f"{self.label}:{name}" if self.kind != "folder" else str(self.path / name)

    def open(self, name: str) -> BinaryIO:
        label = self.member_label(name)
        if self.kind == "folder":
            target = (self.path / name).resolve()
            if not target.is_relative_to(self.path.resolve()):
                raise SourceError(label, "a link to a file outside the archive folder: refused")
            try:
                return open(target, "rb")
            except OSError as error:
                raise SourceError(label, f"cannot read file: {error.strerror}") from None
        if self.kind == "tar":
            if name not in self._tar_members:
                raise SourceError(label, "member not loaded")  # pragma: no cover
            return io.BytesIO(self._tar_members[name])
        info = self._infos[name]
        if info.file_size > MAX_READ_BYTES:
            raise SourceError(label, f"member expands to {info.file_size} bytes, more than "
                                     f"the {MAX_READ_BYTES} allowed (zip bomb?)")
        try:
            raw = self._zip.open(info)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as error:
            raise SourceError(label, f"corrupt zip member: {error}") from None
        return io.BufferedReader(_Counted(raw, self, label), buffer_size=1 << 20)

    def read(self, name: str) -> bytes:
        with self.open(name) as handle:
            try:
                return handle.read()
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise SourceError(self.member_label(name), f"corrupt member: {error}") from None

    def find(self, *candidates: str) -> Optional[str]:
        """The first candidate present, matched at the root or below one top folder (archives
        are often zipped with their folder: `twitter-2025/data/tweets.js`)."""
        names = set(self._names)
        for candidate in candidates:
            if candidate in names:
                return candidate
        for candidate in candidates:
            for name in self._names:
                if name.endswith("/" + candidate) and name.count("/") == candidate.count("/") + 1:
                    return name
        return None

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> "Archive":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def zip_names(path: Path) -> list[str]:
    """Member names of a zip, for sniffing; empty when it is not a readable zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return [info.filename.replace("\\", "/") for info in archive.infolist()]
    except (zipfile.BadZipFile, OSError, EOFError):
        return []


def tar_names(path: Path, enough: Callable[[list[str]], bool], limit: int = 2000) -> list[str]:
    """The first member names of a tar(.gz), for sniffing: stops once `enough` says so."""
    names: list[str] = []
    try:
        with tarfile.open(path, mode="r|*") as tar:
            for member in tar:
                names.append(member.name.replace("\\", "/").lstrip("./") or member.name)
                if enough(names) or len(names) >= limit:
                    break
    except (tarfile.TarError, OSError, EOFError):
        pass
    return names


def has_member(names: Iterable[str], candidate: str) -> bool:
    """`candidate` at the root or below one top folder."""
    for name in names:
        name = name[2:] if name.startswith("./") else name
        if name == candidate or (name.endswith("/" + candidate)
                                 and name.count("/") == candidate.count("/") + 1):
            return True
    return False


def is_archive_folder(path: Path) -> bool:
    """An unpacked X or Mastodon archive: read as one source, not file by file."""
    if not path.is_dir():
        return False
    if any((path / marker).is_file() for marker in X_MARKERS):
        return True
    return (path / "outbox.json").is_file() and (path / "actor.json").is_file()


@dataclass(frozen=True)
class SourceUnit:
    """One source to import, and whether the user named it (a file found by walking a folder
    is imported only when a reader recognises it with confidence)."""

    path: Path
    named: bool


def walk_sources(paths: Iterable[Path | str]) -> list[SourceUnit]:
    """What the importer imports, one source each, in sorted order: files named directly,
    archive folders (unpacked X or Mastodon archives) as one unit, and below other folders
    every non-hidden file and archive folder."""
    units = []
    for path in map(Path, paths):
        if not path.is_dir() or is_archive_folder(path):
            units.append(SourceUnit(path, named=True))
        else:
            units.extend(SourceUnit(child, named=False) for child in _walk(path))
    return units


def source_units(paths: Iterable[Path | str]) -> Iterator[Path]:
    """The paths of `walk_sources`."""
    return (unit.path for unit in walk_sources(paths))


def _walk(folder: Path) -> Iterator[Path]:
    for child in sorted(folder.iterdir()):
        if child.name.startswith("."):
            continue
        if child.is_dir():
            if is_archive_folder(child):
                yield child
            else:
                yield from _walk(child)
        elif child.is_file():
            yield child


READ_SUFFIXES = (".js", ".json", ".txt", ".html", ".htm", ".md")


def source_sha256(path: Path) -> str:
    """Hash of a source's bytes; for a folder, of its files' relative names and the bytes of
    the files readers read (media files count by name and size, not by their bytes)."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        if path.is_dir():
            for name in Archive(path).names():
                digest.update(name.encode("utf-8") + b"\x00")
                if not name.endswith(READ_SUFFIXES):  # media: name and size suffice
                    digest.update(str((path / name).stat().st_size).encode() + b"\x00")
                    continue
                with open(path / name, "rb") as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                digest.update(b"\x00")
            return "dir:" + digest.hexdigest()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise SourceError(str(path), "no such file") from None
    except OSError as error:
        raise SourceError(str(path), f"cannot read file: {error.strerror}") from None
    return digest.hexdigest()


def source_size(path: Path) -> int:
    """Bytes of a file, or of every file below a folder."""
    path = Path(path)
    if path.is_dir():
        return sum((path / name).stat().st_size for name in Archive(path).names())
    return path.stat().st_size
