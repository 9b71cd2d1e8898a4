"""Archives that are large, cut short or hostile: what reading one may cost, and what is never
read at all (issue 16: media members, links and special files, truncated archives, outbox.json
read whole).

- A `.tar.gz` is read in one pass: media members are passed by their header, and reading
  stops once every member the reader needs has been seen (detection stops at the first
  Mastodon member). A gzip stream must still be decompressed through whatever lies before
  the members needed; nothing after them is.
- In an unpacked archive folder every symbolic link, FIFO, socket and device is refused, naming
  the member, before any byte of the folder is read; a top-level path that is a FIFO or a
  device is refused without being opened; walking a folder follows no symlinked folder.
- A truncated or corrupt `.tar.gz` is an error ("truncated or corrupt archive: …"), or a
  warning when the members needed were complete before the cut.
- `outbox.json` is streamed item by item (duplicate `orderedItems` keys: the last wins, as
  `json.loads` has it).

Speed and memory are checked by `tests/bench/adversarial.py`, which builds and imports the
inputs of `adversarial_cases()` below; the tests here check behaviour only, and a test that
could hang (a FIFO, /dev/zero) runs under an alarm, so a regression fails instead.
"""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import stat
import struct
import tarfile
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, Union

import pytest

from conftest import FIXTURES, shared_file

MASTODON_FOLDER = FIXTURES / "formats" / "mastodon"
MIB = 1 << 20
GIB = 1 << 30
MEDIA_NAME = "media_attachments/files/113/296/118/original/zeros.mp4"
Fill = tuple[bytes, int]  # one byte repeated: (b" ", 1 << 30) is a gigabyte of spaces
Chunks = Callable[[], Iterator[bytes]]  # bytes made as they are written (twice: size, data)
Piece = Union[bytes, Fill, Chunks]
Data = Union[bytes, int, list[Piece]]  # an int is that many zero bytes


# -- building archives ---------------------------------------------------------------------
_SEGMENTS: dict[bytes, bytes] = {}


def fill_segment(byte: bytes) -> bytes:
    """1 MiB of one byte as a self-contained raw deflate segment (ending in a full flush, so
    it refers to nothing before it and may be repeated): a gigabyte of zeros compresses to
    about 1 MB without compressing a gigabyte."""
    if byte not in _SEGMENTS:
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        _SEGMENTS[byte] = compressor.compress(byte * MIB) + compressor.flush(zlib.Z_FULL_FLUSH)
    return _SEGMENTS[byte]


def _pieces(data: Data) -> list[Piece]:
    if isinstance(data, bytes):
        return [data]
    if isinstance(data, int):
        return [(b"\0", data)]
    return data


def _size(piece: Piece) -> int:
    if isinstance(piece, bytes):
        return len(piece)
    if isinstance(piece, tuple):
        return piece[1]
    return sum(map(len, piece()))


def write_tar_gz(path: Path, members: list[tuple[str, Data]]) -> Path:
    """A `.tar.gz` of `members` in order, headers made by `tarfile`, the gzip stream written
    here (header, raw deflate, CRC-32 and size) so that a long run of one byte costs only its
    CRC: its data is the same deflate segment repeated. Nothing large is held in memory."""
    main = zlib.compressobj(1, zlib.DEFLATED, -15)
    crc, size = 0, 0
    with open(path, "wb") as out:
        out.write(b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff")

        def put(data: bytes) -> None:
            nonlocal crc, size
            crc, size = zlib.crc32(data, crc), size + len(data)
            out.write(main.compress(data))

        for name, data in members:
            pieces = _pieces(data)
            info = tarfile.TarInfo(name)
            info.size = sum(map(_size, pieces))
            info.mtime = 1_700_000_000
            put(info.tobuf(tarfile.PAX_FORMAT))
            for piece in pieces:
                if isinstance(piece, bytes):
                    put(piece)
                    continue
                if not isinstance(piece, tuple):
                    for chunk in piece():
                        put(chunk)
                    continue
                byte, count = piece
                whole, rest = divmod(count, MIB)
                out.write(main.flush(zlib.Z_FULL_FLUSH))
                segment, block = fill_segment(byte), byte * MIB
                for _ in range(whole):
                    out.write(segment)
                    crc = zlib.crc32(block, crc)
                size += whole * MIB
                put(byte * rest)
            put(bytes(-info.size % tarfile.BLOCKSIZE))
        put(bytes(2 * tarfile.BLOCKSIZE))  # the end-of-archive marker
        put(bytes(-size % tarfile.RECORDSIZE))
        out.write(main.flush())
        out.write(struct.pack("<II", crc, size & 0xFFFFFFFF))
    return path


def fixture_members() -> list[tuple[str, bytes]]:
    return [("outbox.json", (MASTODON_FOLDER / "outbox.json").read_bytes()),
            ("actor.json", (MASTODON_FOLDER / "actor.json").read_bytes())]


def zeros_archive(path: Path, media_bytes: int, needed_first: bool) -> Path:
    """outbox.json and actor.json, first or last, and one zero-filled media member."""
    media = [(MEDIA_NAME, media_bytes)]
    needed = fixture_members()
    return write_tar_gz(path, needed + media if needed_first else media + needed)


ACTOR = "https://bench.example/users/lab"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def outbox_item(number: int) -> dict:
    """A toot as Mastodon writes it in outbox.json (about 2 KB), every tenth a boost."""
    status = f"{ACTOR}/statuses/{100000 + number}"
    if number % 10 == 9:
        return {"id": f"{status}/activity", "type": "Announce", "actor": ACTOR,
                "published": f"2024-01-{number % 28 + 1:02d}T10:00:00Z", "to": [PUBLIC],
                "cc": [f"{ACTOR}/followers"],
                "object": f"https://other.example/users/someone/statuses/{number}"}
    words = " ".join(f"word{(number * 7 + k) % 997}" for k in range(40))
    note = {
        "id": status, "type": "Note", "summary": None,
        "inReplyTo": f"{ACTOR}/statuses/{100000 + number - 1}" if number % 3 == 1 else None,
        "published": f"2024-01-{number % 28 + 1:02d}T{number % 24:02d}:00:00Z",
        "url": f"https://bench.example/@lab/{100000 + number}", "attributedTo": ACTOR,
        "to": [PUBLIC] if number % 4 else [f"{ACTOR}/followers"],
        "cc": [f"{ACTOR}/followers"] if number % 4 else [],
        "sensitive": False, "atomUri": status,
        "conversation": f"tag:bench.example,2024-01-01:objectId={number}:objectType=Conversation",
        "content": f"<p>Toot {number}: {words}</p>", "contentMap": {"en": f"<p>{words}</p>"},
        "attachment": [{"type": "Document", "mediaType": "image/png",
                        "url": f"/media_attachments/files/{number}/original/a.png",
                        "name": f"alt {number}", "width": 640, "height": 480}]
        if number % 5 == 0 else [],
        "tag": [], "replies": {"id": f"{status}/replies", "type": "Collection",
                               "first": {"type": "CollectionPage", "next": f"{status}/replies"
                                         "?only_other_accounts=true&page=true",
                                         "partOf": f"{status}/replies", "items": []}},
        "likes": {"id": f"{status}/likes", "type": "Collection", "totalItems": number % 7},
        "shares": {"id": f"{status}/shares", "type": "Collection", "totalItems": number % 3},
    }
    return {"id": f"{status}/activity", "type": "Create", "actor": ACTOR,
            "published": note["published"], "to": note["to"], "cc": note["cc"], "object": note}


def outbox_chunks(target_bytes: int) -> Chunks:
    """An outbox.json of about `target_bytes` (Mastodon's shape, `orderedItems` last), made
    in pieces of about 1 MB: 1,000 distinct items are made once and repeated with new ids
    (`json.dumps` of each item would take seconds of the benchmark's time)."""
    head = {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{ACTOR}/outbox",
            "type": "OrderedCollection", "totalItems": 0}
    patterns = [json.dumps(outbox_item(number), ensure_ascii=False).replace(
        f"/{100000 + number}", "/@ID@") for number in range(1000)]

    def chunks() -> Iterator[bytes]:
        written, number, pieces = 0, 0, [json.dumps(head)[:-1] + ', "orderedItems": [']
        while written < target_bytes:
            pieces.append(("," if number else "")
                          + patterns[number % 1000].replace("@ID@", str(100000 + number)))
            written += len(pieces[-1])
            number += 1
            if len(pieces) >= 500:
                yield "".join(pieces).encode()
                pieces = []
        yield ("".join(pieces) + "]}").encode()

    return chunks


def actor_json() -> bytes:
    return json.dumps({"id": ACTOR, "type": "Person", "preferredUsername": "lab",
                       "name": "Bench Lab", "followers": f"{ACTOR}/followers",
                       "published": "2020-01-01T00:00:00Z"}).encode()


def large_outbox_archive(path: Path, target_bytes: int) -> Path:
    """A `.tar.gz` holding a generated outbox.json of about `target_bytes`, then actor.json,
    as Mastodon orders them (the items are then read before the owner is known)."""
    return write_tar_gz(path, [("outbox.json", [outbox_chunks(target_bytes)]),
                               ("actor.json", actor_json())])


def padded_outbox(path: Path, padding: int) -> Path:
    """The fixture archive with `padding` spaces between two of outbox.json's items: a
    small `.tar.gz` whose outbox.json is huge."""
    outbox = json.loads(fixture_members()[0][1])
    items = [json.dumps(item).encode() for item in outbox.pop("orderedItems")]
    head = json.dumps(outbox)[:-1].encode() + b', "orderedItems": ['
    data: list[Piece] = [head + items[0] + b",", (b" ", padding), b",".join(items[1:]) + b"]}"]
    return write_tar_gz(path, [("outbox.json", data), fixture_members()[1]])


def cut(path: Path, fraction: float) -> Path:
    """`path` cut short at `fraction` of its bytes (a download that stopped), beside it."""
    data = path.read_bytes()
    target = path.with_name("cut-" + path.name)
    target.write_bytes(data[:int(len(data) * fraction)])
    return target


# -- hanging guards -----------------------------------------------------------------------
@contextmanager
def deadline(seconds: int = 30) -> Iterator[None]:
    """Fail, not hang, when the body takes longer than `seconds` (a FIFO being read)."""
    def expired(signum, frame):
        raise TimeoutError(f"still running after {seconds} s: something read a FIFO or a "
                           "device")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def import_one(db_path: Path, source: Path):
    from feedarchive.importer import import_paths
    from feedarchive.store import open_db

    reports = import_paths(open_db(db_path), [source])
    assert len(reports) == 1, reports
    return reports[0]


def mastodon_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in fixture_members():
        (folder / name).write_bytes(data)
    return folder


def make_fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    os.mkfifo(path)
    return path


def make_socket(path: Path, monkeypatch) -> Path:
    """A UNIX socket file (bound by a relative name: socket paths are short)."""
    monkeypatch.chdir(path.parent)
    server = socket.socket(socket.AF_UNIX)
    server.bind(path.name)
    server.close()
    return path


# -- links, FIFOs, sockets and devices ------------------------------------------------------
KINDS = ("link to /dev/zero", "FIFO", "socket", "device", "link to a file outside",
         "link to a file inside")
MEDIA_MEMBER = "media_attachments/files/1/original/a.png"


def place(kind: str, path: Path, monkeypatch, tmp_path: Path) -> str:
    """Put a `kind` at `path`; the words the refusal must use."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "link to /dev/zero":
        os.symlink("/dev/zero", path)
        return "a symbolic link to /dev/zero (a character device)"
    if kind == "FIFO":
        make_fifo(path)
        return "a FIFO"
    if kind == "socket":
        make_socket(path, monkeypatch)
        return "a socket"
    if kind == "device":
        try:
            os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 5))  # what /dev/zero is
        except (PermissionError, AttributeError, OSError):
            pytest.skip("cannot make a device node here")
        return "a character device"
    if kind == "link to a file outside":
        outside = tmp_path / "outside.json"
        outside.write_bytes(fixture_members()[0][1])
        os.symlink(outside, path)
        return "a symbolic link to"
    spare = path.parent / "spare.json"
    spare.write_bytes(fixture_members()[0][1])
    os.symlink("spare.json", path)
    return "a symbolic link to spare.json"


@pytest.fixture
def opened(monkeypatch) -> list[str]:
    """Every file `members` opens (through `open_regular`, its only way in)."""
    from feedarchive.formats import members

    calls: list[str] = []
    real = members.open_regular

    def spy(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(members, "open_regular", spy)
    return calls


@pytest.mark.parametrize("where", ["outbox.json", MEDIA_MEMBER])
@pytest.mark.parametrize("kind", KINDS)
def test_links_fifos_sockets_and_devices_in_an_archive_folder_are_refused_unread(
        tmp_path, monkeypatch, opened, kind, where):
    from feedarchive.errors import SourceError
    from feedarchive.formats import read_document

    folder = mastodon_folder(tmp_path / "archive")
    (folder / where).unlink(missing_ok=True)
    words = place(kind, folder / where, monkeypatch, tmp_path)
    with deadline():
        report = import_one(tmp_path / "a.db", folder)
        assert report.status == "failed"
        assert report.error.startswith(f"{folder / where}: {words}"), report.error
        assert "refusing the archive folder" in report.error
        with pytest.raises(SourceError, match="refusing the archive folder"):
            read_document(folder)
    assert not [path for path in opened if path.startswith(str(folder))], opened


def test_a_symlinked_folder_in_an_archive_folder_is_refused_not_walked(tmp_path):
    from feedarchive.formats import members

    folder = mastodon_folder(tmp_path / "archive")
    (folder / "media_attachments").mkdir()
    os.symlink("..", folder / "media_attachments" / "loop")  # would walk forever
    with deadline():
        report = import_one(tmp_path / "a.db", folder)
    assert report.status == "failed"
    assert report.error.startswith(f"{folder}/media_attachments/loop: a symbolic link to .. "
                                   "(a folder): refusing the archive folder"), report.error
    with pytest.raises(Exception, match="refusing"):
        members.source_sha256(folder)


@pytest.mark.parametrize("kind", ["FIFO", "/dev/zero", "link to /dev/zero", "socket"])
def test_a_fifo_or_device_named_as_a_source_is_refused_unopened(tmp_path, monkeypatch, kind):
    if kind == "/dev/zero":
        path, words = Path("/dev/zero"), "a character device"
    else:
        path = tmp_path / "export.json"
        words = place(kind, path, monkeypatch, tmp_path)
    with deadline():
        report = import_one(tmp_path / "a.db", path)
    assert report.status == "failed"
    assert report.error == f"{path}: {words}, not a regular file: not read" or (
        report.error.startswith(f"{path}: {words}")
        and report.error.endswith("not a regular file: not read")), report.error


def test_the_command_refuses_dev_zero_and_a_fifo_at_once(tmp_path):
    import subprocess
    import sys

    fifo = make_fifo(tmp_path / "pipe.json")
    for path in ("/dev/zero", str(fifo)):
        result = subprocess.run([sys.executable, "-m", "feedarchive", "import", "--db",
                                 str(tmp_path / "a.db"), path], capture_output=True,
                                text=True, timeout=120, stdin=subprocess.DEVNULL)
        assert result.returncode == 1, result
        assert "not a regular file: not read" in result.stderr, result.stderr
        assert "Traceback" not in result.stderr


def test_walking_a_folder_follows_no_symlinked_folder_and_reads_no_fifo(tmp_path):
    from feedarchive.formats.members import walk_sources

    top = tmp_path / "exports"
    (top / "notes").mkdir(parents=True)
    os.symlink("..", top / "notes" / "up")  # a loop
    os.symlink(top, top / "again")  # another
    mastodon_folder(top / "mastodon")
    make_fifo(top / "pipe.jsonl")
    os.symlink("/dev/zero", top / "zero.jsonl")
    real = tmp_path / "elsewhere.jsonl"
    real.write_text("{}\n")
    os.symlink(real, top / "linked.jsonl")  # a link to a regular file is that file
    with deadline():
        units = walk_sources([top])
    assert [(unit.path, unit.named) for unit in units] == [
        (top / "linked.jsonl", False), (top / "mastodon", False)]


# -- truncated and corrupt archives --------------------------------------------------------
def test_a_tar_gz_cut_inside_a_needed_member_is_an_error(tmp_path):
    from feedarchive.errors import SourceError
    from feedarchive.formats import read_document

    whole = write_tar_gz(tmp_path / "a.tar.gz",
                         fixture_members() + [(MEDIA_MEMBER, os.urandom(100_000))])
    path = tmp_path / "cut.tar.gz"
    path.write_bytes(whole.read_bytes()[:1500])  # inside outbox.json
    with pytest.raises(SourceError, match=r"cut.tar.gz: truncated or corrupt archive: the "
                                          r"compressed stream ends early"):
        read_document(path)
    report = import_one(tmp_path / "a.db", path)
    assert report.status == "failed" and "truncated or corrupt archive" in report.error
    from conftest import query
    assert query(tmp_path / "a.db", "select count(*) from sources") == [(0,)]


def test_a_plain_tar_cut_inside_a_needed_member_is_an_error(tmp_path):
    from feedarchive.errors import SourceError
    from feedarchive.formats import read_document

    path = tmp_path / "a.tar"
    with tarfile.open(path, "w") as archive:
        for name, data in fixture_members():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    path.write_bytes(path.read_bytes()[:2048])
    with pytest.raises(SourceError, match="a.tar(:outbox.json)?: truncated or corrupt archive"):
        read_document(path, "mastodon")


def test_a_tar_gz_cut_after_its_outbox_imports_with_a_warning(tmp_path):
    """Mastodon's own order: outbox.json, the media, actor.json last. Cut in the media, the
    posts are all there; actor.json is lost, so the owner is named from the toots."""
    whole = write_tar_gz(tmp_path / "archive.tar.gz", [
        fixture_members()[0], (MEDIA_MEMBER, os.urandom(400_000)), fixture_members()[1]])
    path = cut(whole, 0.5)
    complete = import_one(tmp_path / "whole.db", whole)
    report = import_one(tmp_path / "cut.db", path)
    assert (report.status, report.posts, report.author) == ("imported", complete.posts,
                                                            complete.author)
    assert not complete.warnings
    assert any(warning.startswith(f"{path}: truncated or corrupt archive: the compressed "
                                  "stream ends early") and "outbox.json was read whole" in warning
               for warning in report.warnings), report.warnings


def test_a_tar_gz_cut_just_after_everything_needed_warns_when_it_sees_the_cut(tmp_path):
    whole = write_tar_gz(tmp_path / "archive.tar.gz",
                         fixture_members() + [(MEDIA_MEMBER, os.urandom(400_000))])
    report = import_one(tmp_path / "cut.db", cut(whole, 0.5))
    assert report.status == "imported" and report.posts
    assert any("truncated or corrupt archive" in warning
               and "after every member needed was read" in warning
               for warning in report.warnings), report.warnings


def test_a_bad_checksum_is_seen(tmp_path):
    from feedarchive.errors import SourceError
    from feedarchive.formats import read_document

    whole = write_tar_gz(tmp_path / "archive.tar.gz", fixture_members())
    data = bytearray(whole.read_bytes())
    data[-6] ^= 1  # the CRC-32 in the gzip trailer
    bad = tmp_path / "bad-crc.tar.gz"
    bad.write_bytes(bytes(data))
    doc = read_document(bad)
    assert any("truncated or corrupt archive" in warning and "incorrect data check" in warning
               for warning in doc.warnings), doc.warnings
    data = bytearray(whole.read_bytes())
    for offset in range(40, 60):  # the deflate data of outbox.json
        data[offset] ^= 0x55
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(bytes(data))
    with pytest.raises(SourceError, match="truncated or corrupt archive|not valid JSON|not UTF-8"):
        read_document(broken, "mastodon")


def test_a_huge_tar_header_is_refused_without_being_read(tmp_path):
    """A pax header declaring 64 MiB: `tarfile` would read it whole into memory."""
    from feedarchive.errors import SourceError
    from feedarchive.formats import read_document

    header = tarfile.TarInfo("././@PaxHeader")
    header.type = tarfile.XHDTYPE
    header.size = 64 * MIB
    hostile = tmp_path / "hostile.tar.gz"
    compressor = zlib.compressobj(1, zlib.DEFLATED, 31)
    with open(hostile, "wb") as out:
        out.write(compressor.compress(header.tobuf(tarfile.USTAR_FORMAT)))
        for _ in range(64):
            out.write(compressor.compress(b"1 x=y\n" * (MIB // 6) + b"\n" * (MIB % 6)))
        out.write(compressor.flush())
    with deadline(), pytest.raises(SourceError, match="tar header or read of .* bytes at once"):
        read_document(hostile, "mastodon")


# -- media is never read -------------------------------------------------------------------
@pytest.fixture
def scans(monkeypatch) -> list:
    """Every tar stream opened, to see how much of it was decompressed."""
    from feedarchive.formats import members

    made: list = []
    real = members._TarSource

    class Counted(real):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(members, "_TarSource", Counted)
    return made


def test_media_after_the_needed_members_is_never_decompressed(tmp_path, scans):
    from feedarchive.formats import members, read_document

    path = zeros_archive(tmp_path / "first.tar.gz", 256 * MIB, needed_first=True)
    doc = read_document(path)  # detection, then the read
    assert len(doc.posts) == 5 and doc.profile.handle == "nadia@scholar.social"
    assert len(scans) == 2
    needed = sum(len(data) for _, data in fixture_members())
    for scan in scans:  # never more than the headers just past what is needed
        assert scan.consumed < needed + members.TAIL_BYTES + MIB, scan.consumed
    assert scans[0].consumed < 64 * 1024  # detection: the first header answers


def test_media_before_the_needed_members_is_passed_once_and_not_kept(tmp_path, scans):
    from feedarchive.formats import detect_format, mastodon, members

    media = 64 * MIB
    path = zeros_archive(tmp_path / "last.tar.gz", media, needed_first=False)
    assert detect_format(path) == "mastodon"
    assert scans[0].consumed < 64 * 1024  # media_attachments/… answers at its header
    archive = members.Archive(path)
    warnings: list[str] = []
    actor, outbox = mastodon._read_tar(archive, None, False, warnings)
    assert (len(outbox.document(str(path), actor, warnings).posts), warnings) == (5, [])
    assert media < scans[1].consumed < media + 64 * 1024  # one pass, as gzip forces
    assert archive.read_bytes == sum(len(data) for _, data in fixture_members())


def test_an_uncompressed_tar_seeks_past_its_media(tmp_path, scans):
    from feedarchive.formats import read_document

    path = tmp_path / "archive.tar"
    with tarfile.open(path, "w") as archive:
        info = tarfile.TarInfo(MEDIA_MEMBER)
        info.size = 16 * MIB
        archive.addfile(info, io.BytesIO(bytes(info.size)))
        for name, data in fixture_members():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    assert len(read_document(path).posts) == 5
    assert all(scan.consumed < MIB for scan in scans), [scan.consumed for scan in scans]


# -- outbox.json, streamed -----------------------------------------------------------------
MASTODON_ARCHIVES = ("dealingwith-masto-archive.tar.gz", "hikurry-Mastodon-archive.tar.gz",
                     "goija-mastodon.tar.gz")


def post_dicts(posts) -> list[dict]:
    import dataclasses

    return [dataclasses.asdict(post) for post in posts]


def loaded_posts(actor: dict, outbox: dict) -> list:
    """The posts as the reader made them before it streamed: `json.loads` of the whole
    outbox, then `activity_post` item by item, in file order (the reader no longer sorts:
    the store orders a dated timeline by date)."""
    from urllib.parse import urlparse

    from feedarchive.formats import mastodon

    handle = f"{actor['preferredUsername']}@{urlparse(actor['id']).hostname}"
    followers = mastodon.followers_collections(actor, actor["id"])
    posts = [post for post in (mastodon.activity_post(item, handle, actor["id"], followers)
                               for item in outbox["orderedItems"]) if post is not None]
    return posts


@pytest.mark.parametrize("name", MASTODON_ARCHIVES)
def test_real_outboxes_streamed_give_the_posts_json_loads_gives(name, tmp_path):
    from feedarchive.formats import read_document

    path = shared_file("realworld", "mastodon", name)
    with tarfile.open(path) as archive:
        actor = json.load(archive.extractfile("actor.json"))
        outbox = json.load(archive.extractfile("outbox.json"))  # the last orderedItems wins
    expected = post_dicts(loaded_posts(actor, outbox))
    assert expected
    assert post_dicts(read_document(path).posts) == expected  # outbox.json before actor.json
    folder = tmp_path / "folder"
    folder.mkdir()
    with tarfile.open(path) as archive:
        archive.extractall(folder, filter="data")
    assert post_dicts(read_document(folder).posts) == expected  # actor.json read first
    first = write_tar_gz(tmp_path / "actor-first.tar.gz",
                         [(n, (folder / n).read_bytes()) for n in ("actor.json", "outbox.json")])
    assert post_dicts(read_document(first).posts) == expected


def test_the_real_duplicate_ordered_items_key_keeps_the_items():
    from feedarchive.formats import read_document

    path = shared_file("realworld", "mastodon", "dealingwith-masto-archive.tar.gz")
    with tarfile.open(path) as archive:
        raw = archive.extractfile("outbox.json").read()
    assert raw.count(b'"orderedItems":') == 2 and b'"orderedItems":[],' in raw
    items = json.loads(raw)["orderedItems"]
    assert len(read_document(path).posts) == sum(
        1 for item in items if item["type"] in ("Create", "Announce"))


def outbox_variants() -> dict[str, bytes]:
    """The fixture outbox.json written in ways `json.loads` reads alike."""
    outbox = json.loads(fixture_members()[0][1])
    items = outbox.pop("orderedItems")
    rest = json.dumps(outbox)[1:-1]
    big_context = json.dumps({"@context": [{"k%d" % n: "v" * 50 for n in range(2000)}]})[1:-1]
    listed = json.dumps(items)
    return {
        "items last": fixture_members()[0][1],
        "items first": ('{"orderedItems": ' + listed + ", " + rest + "}").encode(),
        "items between": ("{" + rest + ', "orderedItems": ' + listed + ", " + big_context
                          + "}").encode(),
        "pretty": json.dumps(dict(outbox, orderedItems=items), indent=4).encode(),
        "byte order mark": b"\xef\xbb\xbf" + fixture_members()[0][1],
        "unicode escapes": json.dumps(dict(outbox, orderedItems=items)).encode(),
        "empty key first": ('{"orderedItems":[],' + rest + ', "orderedItems": ' + listed
                            + "}").encode(),
        "escaped key": ("{" + rest + ', "ordered\\u0049tems": ' + listed + "}").encode(),
        "spaces between items": ("{" + rest + ', "orderedItems": [' + " \n\t" * 30000
                                 + (", " + " " * 70000).join(map(json.dumps, items))
                                 + "  ]  }  ").encode(),
    }


@pytest.mark.parametrize("variant", list(outbox_variants()))
def test_the_outbox_is_read_the_same_however_it_is_written(tmp_path, variant):
    from feedarchive.formats import read_document

    expected = post_dicts(read_document(MASTODON_FOLDER).posts)
    data = outbox_variants()[variant]
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "outbox.json").write_bytes(data)
    (folder / "actor.json").write_bytes(fixture_members()[1][1])
    assert post_dicts(read_document(folder).posts) == expected
    tar = write_tar_gz(tmp_path / "archive.tar.gz",
                       [("outbox.json", data), fixture_members()[1]])
    assert post_dicts(read_document(tar).posts) == expected
    with zipfile.ZipFile(tmp_path / "archive.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("export/outbox.json", data)
        archive.writestr("export/actor.json", fixture_members()[1][1])
    assert post_dicts(read_document(tmp_path / "archive.zip").posts) == expected


def test_duplicate_ordered_items_keys_the_last_wins_as_with_json_loads(tmp_path, monkeypatch):
    from feedarchive.errors import SourceError
    from feedarchive.formats import mastodon, read_document

    outbox = json.loads(fixture_members()[0][1])
    items = json.dumps(outbox.pop("orderedItems"))
    rest = json.dumps(outbox)[1:-1]
    folder = mastodon_folder(tmp_path / "archive")

    def read(text: str):
        (folder / "outbox.json").write_text(text, encoding="utf-8")
        return read_document(folder)

    assert not read("{" + rest + ', "orderedItems": ' + items + ', "orderedItems": []}').posts
    with pytest.raises(SourceError, match="expected an OrderedCollection with orderedItems"):
        read("{" + rest + ', "orderedItems": ' + items + ', "orderedItems": null}')
    # an item that fails, in an orderedItems that a later one replaces, is never read
    real = mastodon.activity_post

    def fragile(item, *args):
        if isinstance(item, dict) and item.get("id") == "doomed":
            raise TypeError("'int' object is not iterable")
        return real(item, *args)

    monkeypatch.setattr(mastodon, "activity_post", fragile)
    doomed = '[{"id": "doomed", "type": "Create"}]'
    assert len(read("{" + rest + ', "orderedItems": ' + doomed + ', "orderedItems": '
                    + items + "}").posts) == 5
    with pytest.raises(SourceError, match="orderedItems item 1: a field of an unexpected"):
        read("{" + rest + ', "orderedItems": ' + items + ', "orderedItems": ' + doomed + "}")


KEYED_DOCUMENTS = [
    '{"orderedItems": [1, -2.5e3, 12345678901234567890, true, false, null, "", "a\\"b\\\\c"]}',
    '\ufeff  {"x": {"orderedItems": [9]}, "orderedItems": [[], {}, [[["]"]]], {"}": "{"}]} \n',
    '{"orderedItems": ["\\u00e9\\ud83d\\ude00 é😀", {"orderedItems": [7]}], "y": "\\\\"}',
    '{"a": [1, {"b": "orderedItems"}], "orderedItems": [], "orderedItems" : [ 3 , 4 ] }',
    '{"orderedItems": "not an array"}',
    '{}',
    '{"orderedItems":[{"deep": [[[[[[[[["x"]]]]]]]]]}]}',
]
BAD_DOCUMENTS = [
    '{"orderedItems": [1, 2,]}', '{"a": tru, "orderedItems": []}', '{"orderedItems": [1]} x',
    '{"orderedItems": [{"a": 1}', '{"orderedItems" [1]}', '{"orderedItems": [1] "x": 2}',
    '{"a": "\\q", "orderedItems": []}', '', '{"orderedItems": [01]}',
    '{"orderedItems": ["a\nb"]}',
]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_keyed_array_reads_what_json_loads_reads_wherever_the_chunks_end(monkeypatch, chunk):
    from feedarchive.errors import SourceError
    from feedarchive.formats import common

    monkeypatch.setattr(common, "CHUNK", chunk)

    def elements(text: str) -> tuple[bool, list]:
        array = common.KeyedArray("doc.json", io.BytesIO(text.encode()), "orderedItems")
        occurrence, found = 0, []
        for now, _, element in array:
            if now != occurrence:
                occurrence, found = now, []
            found.append(element)
        return array.is_array, found if array.occurrences == occurrence else []

    for text in KEYED_DOCUMENTS:
        expected = json.loads(text.lstrip("\ufeff")).get("orderedItems")
        is_array, found = elements(text)
        assert is_array == isinstance(expected, list), text
        assert found == (expected if is_array else []), text
    for text in BAD_DOCUMENTS:
        with pytest.raises(ValueError):
            json.loads(text)
        with pytest.raises(SourceError, match="doc.json:1: not valid JSON|doc.json:2: not valid"):
            elements(text)


def test_an_outbox_item_too_large_to_hold_is_refused_naming_it(tmp_path, monkeypatch):
    from feedarchive.errors import SourceError
    from feedarchive.formats import mastodon, read_document

    monkeypatch.setattr(mastodon, "MAX_ITEM", 100_000)
    outbox = json.loads(fixture_members()[0][1])
    outbox["orderedItems"][2]["object"]["content"] = "<p>" + "x" * 200_000 + "</p>"
    folder = mastodon_folder(tmp_path / "archive")
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    with pytest.raises(SourceError, match="orderedItems item 3 is larger than 100,000 "
                                          "characters: not read"):
        read_document(folder)


# -- for tests/bench/adversarial.py ---------------------------------------------------------
class Case:
    """One adversarial import: its input built on first use (kept in `folder`; `build()`
    may be called first to time the import alone), then imported into a fresh database
    through `import_paths`; fails unless the report is as expected."""

    def __init__(self, folder: Path, slug: str, build: Callable[[Path], Path],
                 status: str, said: str = "") -> None:
        self.folder, self.slug, self._build = folder, slug, build
        self.status, self.said = status, said
        self.path: Path | None = None

    def build(self) -> Path:
        if self.path is None:
            work = self.folder / self.slug
            work.mkdir(parents=True, exist_ok=True)
            self.path = self._build(work)
        return self.path

    def __call__(self):
        path = self.build()
        database = self.folder / f"{self.slug}.db"
        database.unlink(missing_ok=True)
        report = import_one(database, path)
        said = " ".join(filter(None, [report.error] + report.warnings))
        assert report.status == self.status and self.said in said, (report.status, said)
        return report


def _special_folder(kind: str) -> Callable[[Path], Path]:
    """An unpacked archive whose likes.json (a file the folder's hash reads) is a symlink to
    /dev/zero or a FIFO: either once hung the import forever."""
    def build(work: Path) -> Path:
        folder = mastodon_folder(work / "archive")
        if kind == "zero":
            os.symlink("/dev/zero", folder / "likes.json")
        else:
            os.mkfifo(folder / "likes.json")
        return folder
    return build


def adversarial_cases(tmp_dir: Path) -> list[tuple[str, Callable[[], object]]]:
    """(name, callable) per hostile or huge archive, each importing its input into a fresh
    database under `tmp_dir` (built when first called: `callable.build()` builds it alone)."""
    tmp_dir = Path(tmp_dir)
    cases = [
        ("tar.gz: 1 GiB of zero media after outbox.json and actor.json", "zeros-after",
         lambda work: zeros_archive(work / "archive.tar.gz", GIB, needed_first=True),
         "imported", ""),
        ("tar.gz: 1 GiB of zero media before outbox.json and actor.json", "zeros-before",
         lambda work: zeros_archive(work / "archive.tar.gz", GIB, needed_first=False),
         "imported", ""),
        ("tar.gz: a 200 MB outbox.json (109,000 toots) before actor.json", "outbox-200mb",
         lambda work: large_outbox_archive(work / "archive.tar.gz", 200 * MIB), "imported", ""),
        ("tar.gz: outbox.json padded with 1 GiB of spaces", "outbox-padded",
         lambda work: padded_outbox(work / "archive.tar.gz", GIB), "imported", ""),
        ("tar.gz: cut short in 1 GiB of media after outbox.json", "cut-in-media",
         lambda work: cut(write_tar_gz(work / "archive.tar.gz", [
             fixture_members()[0], (MEDIA_NAME, GIB), fixture_members()[1]]), 0.5),
         "imported", "truncated or corrupt archive"),
        ("folder: likes.json a symlink to /dev/zero", "folder-dev-zero",
         _special_folder("zero"), "failed", "a symbolic link to /dev/zero"),
        ("folder: likes.json a FIFO", "folder-fifo", _special_folder("fifo"), "failed",
         "a FIFO"),
        ("named: a FIFO", "named-fifo", lambda work: make_fifo(work / "outbox.json"), "failed",
         "a FIFO"),
        ("named: /dev/zero", "named-dev-zero", lambda work: Path("/dev/zero"), "failed",
         "a character device"),
    ]
    return [(name, Case(tmp_dir, slug, build, status, said))
            for name, slug, build, status, said in cases]


def test_the_adversarial_cases_are_listed_without_being_built(tmp_path):
    cases = adversarial_cases(tmp_path)
    names = [name for name, _ in cases]
    assert len(set(names)) == len(names) and all(callable(case) for _, case in cases)
    assert not list(tmp_path.iterdir())  # built only when run (tests/bench/adversarial.py)
    with deadline():
        for name, case in cases:
            if name.startswith(("folder:", "named:")):  # the quick ones
                case()
