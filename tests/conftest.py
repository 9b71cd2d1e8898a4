"""Shared fixtures: small timelines written for these tests, and paths to ../shared material."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
SHARED = HERE.parent.parent / "shared"
SEED_TIMELINE = SHARED / "seeds" / "001_ce5d14d513dffafc.txt"
REALWORLD = SHARED / "realworld"


MODEL_CACHE = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    """The language models' cache (`feedarchive/repair/lossy/cache.py`) is a folder of this
    run's own, which the processes tests start inherit: a test never writes to the real
    ~/.cache, and nothing passes only because an earlier run left a cache behind."""
    config.stash[MODEL_CACHE] = tempfile.mkdtemp(prefix="feedarchive-test-models-")
    os.environ["FEEDARCHIVE_CACHE_DIR"] = config.stash[MODEL_CACHE]


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(MODEL_CACHE, None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)


def shared_file(*parts: str) -> Path:
    """A path under ../shared. Without it a test skips, except in CI (CI=true), which always
    has ../shared: there a missing file is a failure, never a silent skip."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is not beside this checkout"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


def timeline(*posts: tuple[str, str, str, str], handle: str = "ada_lab", name: str = "Ada Lab",
             bio: str = "Tiny models, big notebooks.") -> str:
    """A timeline scrape in the profile-page text format, newest post first."""
    lines = [name, f"@{handle}", "Followers", "1,024", "Following", "88", "Media", "12",
             "Statuses", "2.5K", bio, "Joined May 2019"]
    for text, replies, reposts, likes in posts:
        lines += [text, replies, reposts, likes]
    return "\n".join(lines) + "\n"


def query(db_path: Path | str, sql: str, params=()) -> list[tuple]:
    """Rows of one SQL query against an archive file, with the connection closed after."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def expected_tables() -> dict[str, list[dict]]:
    """../shared/realworld/EXPECTED.md's tables (what each real export holds, counted
    independently of feedarchive), by section heading: a list of {column: cell} per row. Tests
    take their expected counts from here rather than copying them."""
    tables: dict[str, list[dict]] = {}
    section, header = None, None
    text = shared_file("realworld", "EXPECTED.md").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("## "):
            section, header = line[3:].strip(), None
        elif line.startswith("|") and section:
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if header is None:
                header = cells
            elif not set(line) <= set("|-: "):
                tables.setdefault(section, []).append(dict(zip(header, cells)))
        else:
            header = None
    return tables


def expected_row(section_start: str, case: str) -> dict:
    """The EXPECTED.md row of one export, in the section whose heading starts so."""
    for section, rows in expected_tables().items():
        if section.startswith(section_start):
            for row in rows:
                if row["case"] == case:
                    return row
    raise KeyError(f"no EXPECTED.md row for {case} under {section_start!r}")


def leading_int(cell: str) -> int:
    """`35 (4, 4, 3)` → 35: the count at the start of an EXPECTED.md cell."""
    import re

    return int(re.match(r"\d+", cell).group())


@pytest.fixture
def write_file(tmp_path: Path):
    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        return path

    return write


@pytest.fixture
def seed_timeline() -> Path:
    return shared_file("seeds", SEED_TIMELINE.name)
