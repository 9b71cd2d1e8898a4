"""The models' cache (`feedarchive/repair/lossy/cache.py`): a table is built once and read back
from disk, rebuilt when anything it is derived from changes or its file is damaged, safe when
processes build it at once, and the repairs it gives are the repairs a fresh build gives.

The conftest points FEEDARCHIVE_CACHE_DIR at a folder of this run's own; these tests point it
at folders of their own.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from feedarchive.repair.lossy import cache, mapped
from feedarchive.repair.lossy.cache import (
    CACHE_ENV, MOZC, Inputs, Table, cached_table, package_inputs, read_table, table_key,
)
from feedarchive.repair.lossy.mapped import KeyIndex, key_index
from feedarchive.repair.lossy.syllables import tltk_file

ROOT = Path(__file__).resolve().parents[2]


class Builds:
    """A table's build function that counts its calls."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> Table:
        self.count += 1
        return Table({"squares": np.arange(1000, dtype=np.int64) ** 2,
                      "names": np.frombuffer("naïve 日本".encode(), dtype=np.uint8)},
                     {"note": "made up", "ids": (1, 2)})


@pytest.fixture
def models(tmp_path, monkeypatch) -> Path:
    """An empty cache folder of this test's own."""
    folder = tmp_path / "models"
    monkeypatch.setenv(CACHE_ENV, str(folder))
    return folder


def only_file(folder: Path) -> Path:
    [found] = [p for p in folder.rglob("*") if p.is_file()]
    return found


def assert_the_table(table: Table) -> None:
    assert table.arrays["squares"].tolist() == [n * n for n in range(1000)]
    assert table.arrays["names"].tobytes().decode() == "naïve 日本"
    assert table.meta == {"note": "made up", "ids": [1, 2]}  # JSON's, built or read


def test_a_table_is_built_once_then_mapped_from_the_cache(models):
    build = Builds()
    first = cached_table("example", Inputs(), build)
    again = cached_table("example", Inputs(), build)
    assert build.count == 1
    assert_the_table(first)
    assert_the_table(again)
    assert not again.arrays["squares"].flags.writeable  # a read-only view of the mapped file
    path = only_file(models)
    assert path.parent == models / cache.feedarchive_version()
    assert path.name.startswith("example-") and path.suffix == ".bin"


def test_the_cache_folder_follows_xdg_and_the_override(tmp_path, monkeypatch):
    monkeypatch.delenv(CACHE_ENV, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_root() == tmp_path / "xdg" / "feedarchive"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # the specification says: ignore it
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_root() == tmp_path / "home" / ".cache" / "feedarchive"
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "chosen"))
    assert cache.cache_root() == tmp_path / "chosen"


def test_a_table_is_rebuilt_when_what_it_is_derived_from_changes(models, tmp_path, monkeypatch):
    data = tmp_path / "word-list.txt"
    data.write_text("cat\t10\n", encoding="utf-8")
    inputs = Inputs(("emoji",), (data,))
    build = Builds()
    cached_table("example", inputs, build)
    cached_table("example", inputs, build)
    assert build.count == 1
    # The data file is replaced: another size, another time.
    data.write_text("cat\t10\ndog\t7\n", encoding="utf-8")
    cached_table("example", inputs, build)
    assert build.count == 2
    # Another version of a package it reads.
    monkeypatch.setattr(cache, "distribution_version", lambda name: "99.0")
    cached_table("example", inputs, build)
    assert build.count == 3
    # An edit to the source that builds it (this package or the tuned values).
    monkeypatch.setattr(cache, "source_digest", lambda: "edited")
    cached_table("example", inputs, build)
    assert build.count == 4
    # Another feedarchive version: a folder of its own.
    monkeypatch.setattr(cache, "feedarchive_version", lambda: "99.1")
    cached_table("example", inputs, build)
    assert build.count == 5
    assert (models / "99.1").is_dir()


def test_the_models_keys_cover_the_data_they_read(monkeypatch):
    inputs = package_inputs(MOZC)
    assert {"sys.dic", "matrix.bin", "dicrc"} <= {p.name for p in inputs.files}
    before = table_key("japanese-dictionary", inputs)
    stamp = cache.file_stamp
    monkeypatch.setattr(cache, "file_stamp",
                        lambda path: "replaced" if path.name == "sys.dic" else stamp(path))
    assert table_key("japanese-dictionary", inputs) != before


def truncated(data: bytes) -> bytes:
    return data[:len(data) // 2]


def flipped(at: float):
    def flip(data: bytes) -> bytes:
        changed = bytearray(data)
        changed[int(len(data) * at)] ^= 0x01
        return bytes(changed)
    return flip


@pytest.mark.parametrize("damage", [
    truncated,
    lambda data: data[:-1],  # one byte short
    lambda data: b"",
    lambda data: data + b"\0",  # one byte too many
    lambda data: os.urandom(len(data)),
    flipped(0.01),  # in the header
    flipped(0.5),  # in the data
    flipped(0.999),
], ids=["half", "one byte short", "empty", "one byte more", "random", "header bit",
        "data bit", "last bit"])
def test_a_damaged_file_is_rebuilt_not_trusted(models, damage):
    build = Builds()
    cached_table("example", Inputs(), build)
    path = only_file(models)
    path.write_bytes(damage(path.read_bytes()))
    assert_the_table(cached_table("example", Inputs(), build))
    assert build.count == 2
    key = table_key("example", Inputs())
    assert read_table(path, key) is not None  # whole and sound again
    assert_the_table(cached_table("example", Inputs(), build))
    assert build.count == 2


def test_an_unwritable_cache_folder_builds_in_memory_with_one_debug_note(tmp_path, monkeypatch,
                                                                         caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv(CACHE_ENV, str(blocker / "models"))  # no folder can be made there
    build = Builds()
    with caplog.at_level(logging.DEBUG, logger=cache.__name__):
        assert_the_table(cached_table("example", Inputs(), build))
        assert_the_table(cached_table("example", Inputs(), build))
    assert build.count == 2
    notes = [r for r in caplog.records if r.name == cache.__name__]
    assert len(notes) == 1 and notes[0].levelno == logging.DEBUG
    assert "not writable" in notes[0].getMessage()


def test_an_index_finds_every_key_even_when_hashes_collide(monkeypatch):
    keys = ["ไทย", "เคย", "โดย", "日本", "", "naïve"]
    for colliding in (False, True):
        if colliding:
            monkeypatch.setattr(mapped, "key_hash", lambda data: 7)
        arrays, order = key_index(keys)
        index = KeyIndex(arrays)
        assert [keys[order[index.find(k)]] for k in keys] == keys
        assert index.find("absent") == -1 and index.find("ไท") == -1


# Two processes build one table at once: each waits in its build until the other is building
# too, so the two builds surely overlap.
BUILDER = """
import os, sys, time
from pathlib import Path
import numpy as np
from feedarchive.repair.lossy.cache import Inputs, Table, cached_table

me, other = Path(sys.argv[1]), Path(sys.argv[2])

def build():
    me.touch()
    deadline = time.monotonic() + 60
    while not other.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    return Table({"values": np.arange(2_000_000, dtype=np.int64)}, {"builder": me.name})

table = cached_table("example", Inputs(), build)
print(int(table.arrays["values"].sum()))
"""


def test_two_processes_building_at_once_leave_a_valid_cache(models, tmp_path):
    marks = [tmp_path / "first", tmp_path / "second"]
    builders = [
        subprocess.Popen([sys.executable, "-c", BUILDER, str(me), str(other)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for me, other in (marks, marks[::-1])
    ]
    results = [b.communicate(timeout=120) for b in builders]
    assert [b.returncode for b in builders] == [0, 0], results
    assert {out.strip() for out, _ in results} == {str(sum(range(2_000_000)))}
    assert all(mark.exists() for mark in marks)  # both built
    path = only_file(models)  # one table, no temporary file left behind
    table = read_table(path, table_key("example", Inputs()))
    assert table is not None and table.meta["builder"] in ("first", "second")
    assert int(table.arrays["values"].sum()) == sum(range(2_000_000))


# Made-up texts whose repair reads every table: Japanese (Mozc's dictionary), Thai (the
# lexicon), emoji sequences and names, a styled word, French and English words.
REPAIRER = """
import json, sys
from feedarchive.repair import diagnose

def damaged(text):
    out = []
    for byte in text.encode("utf-8"):
        if byte == 0x85:
            out.append(chr(10))
        elif 0x80 <= byte <= 0x9F or 0xDB <= byte <= 0xDE or byte >= 0xFC:
            continue
        else:
            out.append(" " if byte == 0xA0 else bytes([byte]).decode("iso8859_11"))
    return "".join(out)

results = []
for text in json.loads(sys.argv[1]):
    fixed, repairs = diagnose([damaged(text), damaged("vélo café")]).fix(damaged(text))
    results.append([fixed, [[r.before, r.after, r.confidence, r.rule] for r in repairs]])
print(json.dumps(results, ensure_ascii=False))
"""
TEXTS = [
    "駅まで歩いて十分です。毎日3時間勉強します",
    "ขอบคุณมาก ราคา 50 บาท",
    "Boiled egg 🥚 for the 👩🏽‍💻 team ✔️ 🇫🇷",
    "Our 𝐁𝐨𝐥𝐝 move: déjà vu à la gare, it’s “fine”",
]


def repairing(models: Path) -> subprocess.Popen:
    """A process repairing TEXTS with the model cache in `models`."""
    # Among options of equal score the repair follows the order of a set, which Python's
    # string hashing changes from one process to the next: one hash seed for every run.
    env = {**os.environ, CACHE_ENV: str(models), "PYTHONHASHSEED": "0"}
    return subprocess.Popen([sys.executable, "-c", REPAIRER, json.dumps(TEXTS)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)


def repairs_of(process: subprocess.Popen) -> list:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    return json.loads(out)


def files(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and size: a table written again is a new file renamed into place (a
    read only sets the time)."""
    return {p.name: (p.stat().st_ino, p.stat().st_size)
            for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_repairs_from_the_cache_are_the_repairs_of_a_fresh_build(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    without_cache = repairs_of(repairing(blocker / "models"))  # built in memory, as before
    assert any(r[2] < 1.0 for _, repairs in without_cache for r in repairs)  # guesses were made
    # Two processes start on an empty cache at once: both build, both write.
    models = tmp_path / "models"
    both = [repairing(models), repairing(models)]
    assert [repairs_of(p) for p in both] == [without_cache, without_cache]
    built = files(models)
    assert {name.rsplit("-", 1)[0] for name in built} == {
        "char-model", "word-lists", "emoji-sequences", "emoji-names", "styled-words",
        "thai-lexicon", "japanese-dictionary", "accented-words"} | (
        {"thai-syllables"} if tltk_file() else set())  # and no temporary file left behind
    assert repairs_of(repairing(models)) == without_cache  # warm: read from the cache
    assert files(models) == built  # nothing was rebuilt
    # A file cut short is rebuilt, and the repairs do not change.
    for path in models.rglob("char-model-*.bin"):
        path.write_bytes(path.read_bytes()[:1000])
    assert repairs_of(repairing(models)) == without_cache
    assert files(models).keys() == built.keys()


def age(path: Path, seconds: float) -> None:
    """Make a file look unused for `seconds`."""
    when = path.stat().st_mtime - seconds
    os.utime(path, (when, when))


def test_a_table_another_source_superseded_is_removed_once_unused(models, monkeypatch):
    build = Builds()
    monkeypatch.setattr(cache, "source_digest", lambda: "first")
    cached_table("example", Inputs(), build)
    [first] = list(models.rglob("example-*.bin"))
    monkeypatch.setattr(cache, "source_digest", lambda: "edited")
    cached_table("example", Inputs(), build)
    assert first.exists()  # used a moment ago: another install may still read it
    age(first, cache.SUPERSEDED_AGE + 60)
    monkeypatch.setattr(cache, "source_digest", lambda: "edited again")
    cached_table("example", Inputs(), build)
    cached_table("other-example", Inputs(), build)  # another table is no example's to remove
    names = sorted(p.name.rsplit("-", 1)[0] for p in models.rglob("*.bin"))
    assert not first.exists() and names == ["example", "example", "other-example"]


def test_reading_a_table_keeps_it(models, monkeypatch):
    build = Builds()
    cached_table("example", Inputs(), build)
    path = only_file(models)
    age(path, cache.SUPERSEDED_AGE + 60)
    cached_table("example", Inputs(), build)  # read from the cache: now in use again
    monkeypatch.setattr(cache, "source_digest", lambda: "edited")
    cached_table("example", Inputs(), build)
    assert path.exists() and build.count == 2


def test_another_versions_tables_go_once_unused_for_a_week(models, monkeypatch):
    build = Builds()
    monkeypatch.setattr(cache, "feedarchive_version", lambda: "0.0.9")
    cached_table("example", Inputs(), build)
    old = models / "0.0.9"
    (models / "notes.txt").write_text("not a table", encoding="utf-8")
    monkeypatch.setattr(cache, "feedarchive_version", lambda: "0.1.0")
    cached_table("example", Inputs(), build)
    assert old.is_dir()  # a day unused: the older install may come back
    age(only_file(old), cache.OTHER_VERSION_AGE + 60)
    cached_table("another", Inputs(), build)
    assert not old.exists() and (models / "notes.txt").exists()
