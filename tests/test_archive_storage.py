"""Where the archive lives can fail too: a full disk, a folder that cannot be made, storage
nothing may write to. Each is said plainly and leaves the archive as it was."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from feedarchive import web
from feedarchive.cli import cli
from feedarchive.errors import ArchiveWriteError
from feedarchive.importer import import_paths
from feedarchive.store import open_db

from conftest import timeline


def big_timeline(count: int) -> str:
    return timeline(*[(f"Post number {n} about lentils and long context " * 4, "0", "1", "2")
                      for n in range(count)], handle="bulk_lab")


def test_a_full_disk_stops_the_import_and_leaves_the_archive_as_it_was(tmp_path):
    small = tmp_path / "small.txt"
    small.write_text(timeline(("Hello", "0", "0", "1")), encoding="utf-8")
    big = tmp_path / "big.txt"
    big.write_text(big_timeline(3_000), encoding="utf-8")
    db = open_db(tmp_path / "a.db")
    import_paths(db, [small])
    pages = db.execute("pragma page_count").fetchone()[0]
    db.execute(f"pragma max_page_count = {pages + 4}")  # the disk fills up a few pages later
    with pytest.raises(ArchiveWriteError, match="the disk is full .* nothing of this source "
                                                "was written"):
        import_paths(db, [big])
    check = sqlite3.connect(tmp_path / "a.db")
    assert check.execute("pragma integrity_check").fetchone() == ("ok",)
    assert check.execute("select count(*), count(distinct source_id) from posts").fetchone() \
        == (1, 1)


def test_an_archive_that_cannot_be_made_is_an_error_not_a_traceback(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the archive's folder should be", encoding="utf-8")
    scrape = tmp_path / "ada.txt"
    scrape.write_text(timeline(("Hello", "0", "0", "1")), encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "--db", str(blocker / "a.db"), str(scrape)])
    assert result.exit_code == 1
    assert "cannot create the archive's folder" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


async def test_read_only_storage_is_served_immutable(tmp_path, monkeypatch):
    path = tmp_path / "archive.db"
    scrape = tmp_path / "ada.txt"
    scrape.write_text(timeline(("Hello from a read-only disk", "0", "0", "1")), encoding="utf-8")
    db = open_db(path)
    import_paths(db, [scrape])
    db.close()  # the last writer closing folds the write-ahead log into the file
    monkeypatch.setattr(web, "read_only_storage", lambda db_path: True)
    ds = web.make_datasette(path)
    assert not ds.databases["archive"].is_mutable
    for page in ("/", "/-/author/ada_lab", "/-/search?q=hello", "/archive/posts"):
        assert (await ds.client.get(page)).status_code == 200, page


def test_writable_storage_is_not_taken_for_read_only(tmp_path):
    assert not web.read_only_storage(tmp_path / "archive.db")  # not there yet: not read-only
    path = tmp_path / "archive.db"
    open_db(path).close()
    assert not web.read_only_storage(path)
