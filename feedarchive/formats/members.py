"""Reading sources that are more than one file: account archives as `.zip`, `.tar.gz` or an
unpacked folder, read in place (never extracted to disk).

An `Archive` lists member names (always `/`-separated, relative) and opens members as binary
streams. Every archive is checked against limits before anything is read from it:

- at most `MAX_MEMBERS` members;
- at most `MAX_TOTAL_BYTES` declared uncompressed bytes over all members (zip and tar headers
  say how large each member is), and at most `MAX_READ_BYTES` actually decompressed by one
  reader, counted as the bytes arrive (a header may lie);
- no member name that is absolute, has a drive letter or climbs out with `..` (zip-slip):
  nothing is ever written to disk, so such names could do no harm here, but an archive that
  carries them was made to attack someone: it is refused, not half-read;
- in an unpacked folder, no symbolic link, FIFO, socket or device: the whole folder is
  refused naming the member, before any byte of it is read (a FIFO would block the read
  forever, a link to `/dev/zero` would never end). A path named on its own may be a symbolic
  link to a regular file, never a FIFO or a device (`refuse_special`, `open_regular`).

A `.tar.gz` cannot be read at random: `Archive.scan_tar` takes it in one pass, handing the
reader the members it asks for as streams (never held whole), passing the others (media) by
their header, and stopping once the reader has every member it needs; a member after those is
looked at only while passing it costs little (`TAIL_BYTES`), so a hostile name just after them
is still refused, and media after them is never decompressed. A gzip stream that ends early,
or a tar that stops without its end-of-archive marker, is `TruncatedArchive` ("truncated or
corrupt archive").

`source_units(paths)` is what the importer walks: unpacked archive folders are one source
each, every other file is a source of its own.

Over 500 lines: every container a user's files come in (zip, tar, gzip, folders) with the
guards hostile archives need (sizes, links, names, bombs), which share one walk.
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterable, Iterator, Optional

from ..errors import SourceError

MAX_MEMBERS = 200_000
MAX_TOTAL_BYTES = 64 * 1024**3  # declared; media makes real archives large
MAX_READ_BYTES = 4 * 1024**3  # what one import may decompress (media is never read)
MAX_HEADER_BYTES = 16 * 1024**2  # one tar header (pax, GNU long name) read at once
TAIL_BYTES = 4 * 1024**2  # members looked at after the needed ones, while this cheap
SKIP_CHUNK = 1 << 20
ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"

# Which files make a folder an account archive (checked by the readers' `sniff_dir`).
X_MARKERS = ("data/tweets.js", "data/tweet.js", "data/account.js", "tweets.js", "tweet.js")


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


class TruncatedArchive(SourceError):
    """A tar(.gz) that ends early (a cut download) or is corrupt from some point on: what came
    before that point was read correctly, nothing after it can be."""


def truncated(label: str, problem: object) -> TruncatedArchive:
    return TruncatedArchive(label, f"truncated or corrupt archive: {problem}")


class _Counted(io.RawIOBase):
    """A read-only stream that stops at a byte budget shared by one archive. Errors of a tar
    member's stream (`in_tar`: its name) say the archive is truncated or corrupt."""

    def __init__(self, raw: BinaryIO, archive: "Archive", label: str,
                 in_tar: Optional[str] = None) -> None:
        self.raw, self.archive, self.label, self.in_tar = raw, archive, label, in_tar

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            data = self.raw.read(min(len(buffer), SKIP_CHUNK))
        except TruncatedArchive as error:
            raise TruncatedArchive(error.path, f"{error.message}, inside {self.in_tar}") \
                from None
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, zlib.error) as error:
            if self.in_tar:
                raise truncated(self.label, error) from None
            raise SourceError(self.label, f"corrupt archive member: {error}") from None
        self.archive.charge(len(data), self.label)
        buffer[:len(data)] = data
        return len(data)

    def close(self) -> None:
        try:
            self.raw.close()
        finally:
            super().close()


# -- links, FIFOs and devices --------------------------------------------------------------
def special_kind(mode: int) -> Optional[str]:
    """What a file that is neither a regular file nor a folder is, in words; None for those."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    for test, kind in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return kind
    return "not a regular file"


def _describe(path: Path | str, mode: int) -> str:
    """`special_kind`, and for a link what it points to."""
    kind = special_kind(mode) or "a folder"
    if stat.S_ISLNK(mode):
        try:
            target = os.readlink(path)
        except OSError:
            target = "?"
        try:
            mode = os.stat(path).st_mode
            pointed = "a folder" if stat.S_ISDIR(mode) else special_kind(mode)
        except OSError:
            pointed = "nothing that exists"
        return f"{kind} to {target}" + (f" ({pointed})" if pointed else "")
    return kind


def _status(path: Path | str, label: str,
            status: Callable[[Path | str], os.stat_result]) -> os.stat_result:
    """`status(path)` (`os.stat` or `os.lstat`), its failure said as a SourceError."""
    try:
        return status(path)
    except FileNotFoundError:
        raise SourceError(label, "no such file") from None
    except OSError as error:
        raise SourceError(label, f"cannot read file: {error.strerror}") from None


def refuse_special(path: Path | str, label: Optional[str] = None) -> os.stat_result:
    """The status of a path named as a source (a link is followed: it may point to the file);
    SourceError, without opening it, when it is a FIFO, a socket or a device (reading one
    would block forever or never end)."""
    label = label or str(path)
    info = _status(path, label, os.stat)
    if special_kind(info.st_mode) is not None:
        try:
            mode = os.lstat(path).st_mode
        except OSError:
            mode = info.st_mode
        what = _describe(path, mode) if stat.S_ISLNK(mode) else special_kind(info.st_mode)
        raise SourceError(label, f"{what}, not a regular file: not read")
    return info


def open_regular(path: Path | str, label: Optional[str] = None,
                 follow: bool = True) -> BinaryIO:
    """`open(path, "rb")` for a regular file only: a FIFO, socket or device is refused before
    it is opened (opening a FIFO blocks; some devices act when opened), and checked again
    once open (it may have been swapped). With `follow=False` a symbolic link is refused."""
    label = label or str(path)
    if follow:
        info = refuse_special(path, label)
    else:
        info = _status(path, label, os.lstat)
    if not stat.S_ISREG(info.st_mode):
        if stat.S_ISDIR(info.st_mode):
            raise SourceError(label, "a folder, not a file")
        raise SourceError(label, f"{_describe(path, info.st_mode)}, not a regular file: "
                                 "not read")
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    if not follow:
        flags |= getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags)
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise SourceError(label, "a symbolic link, not a regular file: not read") from None
        raise SourceError(label, f"cannot read file: {error.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise SourceError(label, "not a regular file (changed while being read): not read")
        os.set_blocking(descriptor, True)
        return os.fdopen(descriptor, "rb")
    except BaseException:
        os.close(descriptor)
        raise


# -- a tar(.gz), front to back -------------------------------------------------------------
class _Gunzip:
    """The uncompressed bytes of a gzip stream (`read` only), inflated by zlib, which checks
    each gzip member's CRC and length itself (a quarter faster than `gzip.GzipFile` over a
    gigabyte). Concatenated members are read on; anything after the last one that is not a
    gzip member (zero padding) is ignored. Ending inside a member is `EOFError`; bad data
    or a bad checksum is `zlib.error`."""

    def __init__(self, file: BinaryIO) -> None:
        self.file = file
        self._inflate = zlib.decompressobj(31)
        self._input = b""
        self._done = False
        self.produced = 0  # uncompressed bytes so far

    def _more(self) -> bool:
        data = self.file.read(1 << 18)
        self._input += data
        return bool(data)

    def read(self, size: int) -> bytes:
        pieces, wanted = [], size
        while wanted > 0 and not self._done:
            if self._inflate.eof:  # a member ended: another may follow
                self._input = self._input.lstrip(b"\0")
                while len(self._input) < 2 and self._more():
                    self._input = self._input.lstrip(b"\0")
                if self._input[:2] != GZIP_MAGIC:
                    self._done = True
                    break
                self._inflate = zlib.decompressobj(31)
            if not self._input and not self._more():
                raise EOFError("the compressed stream ends early")
            data = self._inflate.decompress(self._input, wanted)
            self._input = self._inflate.unused_data if self._inflate.eof \
                else self._inflate.unconsumed_tail
            pieces.append(data)
            wanted -= len(data)
            self.produced += len(data)
        return b"".join(pieces)

    def close(self) -> None:
        self.file.close()


class _TarSource:
    """The uncompressed bytes of a tar or tar.gz, front to back, as `tarfile` reads them.

    `seek` goes forward by reading and discarding in large pieces (what a gzip stream forces:
    `tarfile`'s own stream mode does it 10 KB at a time, copying its buffer each time, which
    took minutes for a gigabyte), or by a real seek in an uncompressed tar; backward only
    within the last bytes read (`tarfile` looks again at the block that ended the archive).
    A read larger than `MAX_HEADER_BYTES` at once (a hostile pax header) is refused. Errors
    of the compressed stream (cut short, bad data, bad checksum) are `TruncatedArchive`."""

    HISTORY = 2 * tarfile.BLOCKSIZE

    def __init__(self, path: Path, label: str) -> None:
        self.label = label
        self.file = open_regular(path, label)
        self.compressed = self.file.read(2) == GZIP_MAGIC
        self.file.seek(0)
        self.stream = _Gunzip(self.file) if self.compressed else self.file
        self.position = 0  # where `tarfile` is, in uncompressed bytes
        self.consumed = 0  # uncompressed bytes actually produced (read or passed over)
        self._replay = b""  # bytes read, seeked back over, to be read again
        self._history = b""  # the last bytes handed out, for a seek back

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def _raw(self, size: int) -> bytes:
        try:
            data = self.stream.read(size)
        except EOFError:
            raise truncated(self.label, "the compressed stream ends early, after "
                                        f"{self.stream.produced:,} bytes") from None
        except (zlib.error, OSError) as error:
            raise truncated(self.label, error) from None
        self.consumed += len(data)
        return data

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > MAX_HEADER_BYTES:
            raise SourceError(self.label, f"a tar header or read of {size} bytes at once, more "
                                          f"than the {MAX_HEADER_BYTES} allowed: refusing")
        data = self._replay[:size]
        self._replay = self._replay[size:]
        if len(data) < size:
            data += self._raw(size - len(data))
        self.position += len(data)
        self._history = (self._history + data)[-self.HISTORY:] if len(data) < self.HISTORY \
            else data[-self.HISTORY:]
        return data

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_CUR:
            offset += self.position
        elif whence != io.SEEK_SET:
            raise io.UnsupportedOperation("seek from the end of a tar stream")
        if offset < self.position:
            back = self.position - offset
            if back > len(self._history):
                raise SourceError(self.label, "a tar member before one already passed: "
                                              "refusing (a tar is read front to back)")
            self._replay = self._history[-back:] + self._replay
            self._history = self._history[:-back]
            self.position = offset
            return offset
        ahead = offset - self.position
        if ahead <= len(self._replay):
            self._replay = self._replay[ahead:]
            self.position = offset
            return offset
        ahead -= len(self._replay)
        self.position += len(self._replay)
        self._replay, self._history = b"", b""
        if not self.compressed:
            self.file.seek(ahead, io.SEEK_CUR)  # past the end is fine: reads find nothing
            self.position = offset
            return offset
        while ahead > 0:
            data = self._raw(min(ahead, SKIP_CHUNK))
            if not data:
                break
            ahead -= len(data)
            self.position += len(data)
        return self.position

    def drain(self, limit: int) -> None:
        """Read on to the end of the compressed stream, at most `limit` bytes, so that gzip
        checks its CRC and length."""
        while limit > 0 and self.compressed:
            data = self._raw(min(limit, SKIP_CHUNK))
            if not data:
                return
            limit -= len(data)

    def close(self) -> None:
        try:
            if self.stream is not self.file:
                self.stream.close()
        finally:
            self.file.close()


def _open_tar(source: _TarSource) -> tarfile.TarFile:
    try:
        return tarfile.open(fileobj=source, mode="r:")
    except tarfile.TarError as error:
        raise truncated(source.label, error) from None


def _next_member(tar: tarfile.TarFile, label: str) -> Optional[tarfile.TarInfo]:
    try:
        member = tar.next()
    except tarfile.TarError as error:
        raise truncated(label, error) from None
    tar.members = []  # `tarfile` keeps every header it read; a scan needs none of them
    return member


class Archive:
    """Members of a zip, a tar(.gz) or a folder, by relative `/`-separated name."""

    def __init__(self, path: Path, shallow: bool = False) -> None:
        self.path = Path(path)
        self.shallow = shallow
        self.label = str(path)
        self.read_bytes = 0
        self.warnings: list[str] = []  # what a reader should pass on (a truncated tail)
        self._zip: Optional[zipfile.ZipFile] = None
        self._tar_members: dict[str, bytes] = {}
        self._tar_source: Optional[_TarSource] = None
        self._names: list[str] = []
        self.kind = "folder"
        if self.path.is_dir():
            self._open_folder()
            return
        try:
            with open_regular(self.path, self.label) as handle:
                head = handle.read(512)
        except OSError as error:
            raise SourceError(self.label, f"cannot read file: {error.strerror}") from None
        if is_zip(head):
            self._open_zip()
        elif is_gzip(head) or is_tar(head):
            self.kind = "tar"
            self._names = []  # filled by `scan_tar` / `load_tar`
        else:
            raise SourceError(self.label, "not an archive (expected a .zip, .tar.gz or folder)")

    # -- opening ---------------------------------------------------------------------------
    def _open_folder(self) -> None:
        """List the folder's files (hidden ones left out). In an archive folder a symbolic
        link (to a file or a folder), a FIFO, a socket or a device is refused, naming it,
        before anything is read. `shallow` (the folder beside a file named alone, a folder of
        the user's) lists its own regular files and links only: its FIFOs and devices are no
        members, and a link is checked when it is opened."""
        names = []
        for root, dirs, files in os.walk(self.path):
            kept = []
            for name in sorted(dirs):  # os.walk puts links to folders here; it never follows them
                if name.startswith("."):
                    continue
                if os.path.islink(os.path.join(root, name)):
                    if not self.shallow:
                        self._refuse(Path(root, name))
                    continue
                kept.append(name)
            dirs[:] = [] if self.shallow else kept
            for name in sorted(files):
                if name.startswith("."):
                    continue
                path = Path(root, name)
                try:
                    mode = os.lstat(path).st_mode
                except OSError:
                    continue  # gone since it was listed
                if not stat.S_ISREG(mode):
                    if not self.shallow:
                        self._refuse(path)
                    if not stat.S_ISLNK(mode):
                        continue
                names.append(path.relative_to(self.path).as_posix())
                if len(names) > MAX_MEMBERS:
                    raise SourceError(self.label, f"more than {MAX_MEMBERS} files: not read")
        self._names = names

    def _refuse(self, path: Path) -> None:
        try:
            what = _describe(path, os.lstat(path).st_mode)
        except OSError as error:
            what = f"unreadable ({error.strerror})"
        raise SourceError(str(path), f"{what}: refusing the archive folder (symbolic links, "
                                     "FIFOs, sockets and devices in it are never followed or "
                                     "read: put the file itself in its place)")

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

    def scan_tar(self, wanted: Callable[[str], bool],
                 enough: Optional[Callable[[], bool]] = None) -> Iterator[tuple[str, BinaryIO]]:
        """One pass over a tar(.gz): (name, stream) for each regular member `wanted` says to
        read, in archive order; read it (or not) before asking for the next. Other members
        are passed by their header (media is never read; in a tar.gz it is decompressed
        through only when a wanted member lies beyond it). Once `enough()` says every member
        needed has been seen, the members after are looked at only while passing them costs
        no more than `TAIL_BYTES` (their names checked, the archive's end seen), then
        reading stops: a large member after the needed ones is never decompressed.

        A truncated or corrupt archive raises `TruncatedArchive` while members are still
        needed; after `enough()` it is a warning in `self.warnings`. Limits (member count,
        declared size, unsafe names) are checked on every header seen; `names()` lists the
        regular members seen."""
        if self.kind != "tar":
            return
        names: list[str] = []
        count, total, stop_at = 0, 0, None
        source = self._tar_source = _TarSource(self.path, self.label)
        try:
            tar = _open_tar(source)
            while True:
                if stop_at is None and enough is not None and enough():
                    stop_at = source.position + TAIL_BYTES
                try:
                    member = _next_member(tar, self.label)
                    if member is None:
                        self._check_end(tar, source)
                        break
                except TruncatedArchive as error:
                    if stop_at is None:
                        raise
                    self.warnings.append(f"{error} (after every member needed was read)")
                    break
                name = safe_name(self.label, member.name)
                count += 1
                if count > MAX_MEMBERS:
                    raise SourceError(self.label, f"tar has more than {MAX_MEMBERS} members")
                total += max(member.size, 0)
                if total > MAX_TOTAL_BYTES:
                    raise SourceError(self.label, f"tar expands to more than "
                                                  f"{MAX_TOTAL_BYTES} bytes (bomb?)")
                if stop_at is not None and member.offset_data + member.size > stop_at:
                    break  # passing this member would cost: nothing after it is needed
                if not member.isfile() or not name:
                    continue  # links, devices and folders are never followed
                names.append(name)
                if stop_at is None and wanted(name):
                    label = f"{self.label}:{name}"
                    raw = tar.extractfile(member)
                    yield name, io.BufferedReader(_Counted(raw, self, label, in_tar=name),
                                                  buffer_size=SKIP_CHUNK)
        finally:
            source.close()
            self._names = sorted(names)

    def _check_end(self, tar: tarfile.TarFile, source: _TarSource) -> None:
        """`tarfile` stopped: at the end-of-archive marker (a zero block), or because the
        data ran out or the next header is not one (which it does not report)."""
        source.seek(tar.offset)
        block = source.read(tarfile.BLOCKSIZE)
        if len(block) == tarfile.BLOCKSIZE and not block.strip(b"\0"):
            source.drain(TAIL_BYTES)
            return
        if len(block) < tarfile.BLOCKSIZE:
            raise truncated(self.label, "the archive ends without its end-of-archive marker "
                                        f"(cut after {tar.offset} bytes)")
        raise truncated(self.label, f"no valid member header at byte {tar.offset}")

    @property
    def decompressed_bytes(self) -> int:
        """Bytes of the last tar scan produced by decompression (read or passed over)."""
        return self._tar_source.consumed if self._tar_source is not None else 0

    def load_tar(self, wanted: Callable[[str], bool]) -> None:
        """One whole pass over a tar(.gz), keeping the bytes of the members `wanted` says to
        keep (for small members; a reader that streams uses `scan_tar`)."""
        for name, stream in self.scan_tar(wanted):
            with stream:
                self._tar_members[name] = stream.read()

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
            path = self.path / name
            if not path.resolve().is_relative_to(self.path.resolve()):
                raise SourceError(label, "a link to a file outside the archive folder: refused")
            # an archive folder's members are its own regular files; beside a file named
            # alone, a link to a regular file in the same folder is read
            return open_regular(path, label, follow=self.shallow)
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
    """The first member names of a tar(.gz), for sniffing: stops once `enough` says so (a
    reader asks for the first member that answers its question, so detection costs the
    headers up to it, not a pass over the archive)."""
    names: list[str] = []
    try:
        source = _TarSource(Path(path), str(path))
    except SourceError:
        return names
    try:
        tar = _open_tar(source)
        while (member := _next_member(tar, str(path))) is not None:
            names.append(member.name.replace("\\", "/").lstrip("./") or member.name)
            if enough(names) or len(names) >= limit:
                break
    except (SourceError, tarfile.TarError, OSError, EOFError):
        pass
    finally:
        source.close()
    return names


def has_member(names: Iterable[str], candidate: str) -> bool:
    """`candidate` at the root or below one top folder."""
    for name in names:
        name = name[2:] if name.startswith("./") else name
        if name == candidate or (name.endswith("/" + candidate)
                                 and name.count("/") == candidate.count("/") + 1):
            return True
    return False


def present(path: Path) -> bool:
    """Something that is not a folder is at `path`: a file, or a link, FIFO or device in its
    place (which is refused when the archive is read, never taken for an absent file)."""
    try:
        return not stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_archive_folder(path: Path) -> bool:
    """An unpacked X or Mastodon archive: read as one source, not file by file."""
    if not path.is_dir():
        return False
    if any(present(path / marker) for marker in X_MARKERS):
        return True
    return present(path / "outbox.json") and present(path / "actor.json")


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
    """Files and archive folders below `folder`. A link to a regular file is that file; a
    link to a folder is not followed (it may lead back up, a loop without end), nor are
    FIFOs, sockets, devices or links to them: none of them is a source found by walking."""
    try:
        children = sorted(folder.iterdir())
    except OSError:
        return
    for child in children:
        if child.name.startswith("."):
            continue
        try:
            mode = child.lstat().st_mode
        except OSError:
            continue
        if stat.S_ISDIR(mode):
            if is_archive_folder(child):
                yield child
            else:
                yield from _walk(child)
        elif stat.S_ISREG(mode) or (stat.S_ISLNK(mode) and child.is_file()):
            yield child


READ_SUFFIXES = (".js", ".json", ".txt", ".html", ".htm", ".md")


def source_sha256(path: Path) -> str:
    """Hash of a source's bytes; for a folder, of its files' relative names and the bytes of
    the files readers read (media files count by name and size, not by their bytes). A FIFO
    or a device (named, or inside an archive folder) is refused before any byte is read."""
    path = Path(path)
    digest = hashlib.sha256()
    try:
        if path.is_dir():
            for name in Archive(path).names():
                digest.update(name.encode("utf-8") + b"\x00")
                member = path / name
                if not name.endswith(READ_SUFFIXES):  # media: name and size suffice
                    digest.update(str(member.lstat().st_size).encode() + b"\x00")
                    continue
                with open_regular(member, follow=False) as handle:
                    for block in iter(lambda: handle.read(1 << 20), b""):
                        digest.update(block)
                digest.update(b"\x00")
            return "dir:" + digest.hexdigest()
        with open_regular(path) as handle:
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
        return sum((path / name).lstat().st_size for name in Archive(path).names())
    return refuse_special(path).st_size


def source_mtime(path: Path) -> float:
    """When a source was last written (seconds since the epoch): a file's modification time,
    or the latest of a folder's files (unpacking an archive keeps each member's time)."""
    path = Path(path)
    if path.is_dir():
        return max(((path / name).lstat().st_mtime for name in Archive(path).names()),
                   default=path.stat().st_mtime)
    return refuse_special(path).st_mtime
