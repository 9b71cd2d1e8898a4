"""Nothing lost when things go wrong: imports killed at random points, a server answering while
an import writes, two imports at once, and every kind of bad input a user can hand us.

The import and serve tests run the real command (`python -m feedarchive`) in subprocesses, so a
SIGKILL is a real crash and the lock between two writers is SQLite's, not a mock's.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from feedarchive.cli import cli
from feedarchive.errors import FeedarchiveError, SourceError
from feedarchive.importer import import_file, import_paths
from feedarchive.store import open_db

from conftest import timeline

HELPERS = Path(__file__).resolve().parent / "helpers"
FEEDARCHIVE = [sys.executable, "-m", "feedarchive"]
MB = 1024 * 1024


# --------------------------------------------------------------------------- helpers

def big_timeline(count: int, handle: str = "ada_lab", salt: str = "") -> str:
    """A timeline of `count` posts: mostly plain posts (some non-ASCII), a 3-part thread every
    thousand posts, so threads are stitched without the stitcher dominating the run time."""
    posts = []
    for i in range(count):
        if i % 1000 < 3:
            text = f"({3 - i % 1000}/3) Thread {i // 1000}{salt} about evals and tokenizers"
        else:
            text = f"Post {i}{salt}: sourdough, café notes and a walk 🧵-free #{i % 50}"
        posts.append((text, str(i % 7), f"{i % 13}", f"{(i * 7) % 1000:,}"))
    return timeline(*posts, handle=handle)


def run(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*FEEDARCHIVE, *args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout)


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, timeout=30)


def scalar(db: Path, sql: str, params=()):
    conn = connect(db)
    try:
        return conn.execute(sql, params).fetchone()[0]
    finally:
        conn.close()


def assert_sound(db: Path) -> None:
    """The database file is not corrupt: SQLite's own checks, foreign keys, and the full-text
    index agrees with the posts it indexes."""
    conn = connect(db)
    try:
        assert conn.execute("pragma integrity_check").fetchall() == [("ok",)]
        assert conn.execute("pragma foreign_key_check").fetchall() == []
        tables = {r[0] for r in conn.execute("select name from sqlite_master")}
        if "posts_fts" in tables:
            conn.execute("insert into posts_fts(posts_fts) values ('integrity-check')")
            assert conn.execute("select count(*) from posts_fts").fetchone()[0] == \
                conn.execute("select count(*) from posts").fetchone()[0]
    finally:
        conn.close()


def content(db: Path) -> dict:
    """What an archive holds, independent of row ids and import times."""
    conn = connect(db)
    try:
        return {
            "posts": conn.execute(
                "select p.id, p.author, p.text, p.text_raw, p.replies, p.reposts, p.likes, "
                "p.position, p.thread_id, p.thread_index, s.sha256 from posts p "
                "left join sources s on s.id = p.source_id order by p.id").fetchall(),
            "threads": conn.execute(
                "select id, author, declared_total, found, complete, likes, missing "
                "from threads order by id").fetchall(),
            "sources": conn.execute(
                "select path, sha256, posts from sources order by path").fetchall(),
            "engagement": conn.execute(
                "select e.post_id, s.sha256, e.likes from engagement e "
                "join sources s on s.id = e.source_id order by 1, 2").fetchall(),
            "authors": conn.execute(
                "select handle, name, followers from authors order by handle").fetchall(),
        }
    finally:
        conn.close()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def wal_size(db: Path) -> int:
    try:
        return os.path.getsize(str(db) + "-wal")
    except OSError:
        return 0


def start_import(db: Path, path: Path, cwd: Path) -> subprocess.Popen:
    return subprocess.Popen([*FEEDARCHIVE, "import", "--db", str(db), str(path)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)


def sigkill(proc: subprocess.Popen) -> bool:
    """SIGKILL the process if it is still running; True if it was."""
    alive = proc.poll() is None
    if alive:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    return alive


def kill_when_writing(proc: subprocess.Popen, db: Path, grown: int, limit: float = 60) -> bool:
    """Kill `proc` once the WAL has grown by `grown` bytes: inside the write transaction."""
    start = wal_size(db)
    deadline = time.monotonic() + limit
    while proc.poll() is None and time.monotonic() < deadline:
        if wal_size(db) - start >= grown:
            break
        time.sleep(0.002)
    return sigkill(proc)


# --------------------------------------------------------------------------- atomic imports

KILL_POSTS = 6_000


@pytest.fixture(scope="module")
def kill_setup(tmp_path_factory):
    """A seeded archive (another author already imported), a big timeline, and the archive a
    clean, uninterrupted import of it gives, with how long that import takes here."""
    root = tmp_path_factory.mktemp("kill")
    seed_file = root / "bob.txt"
    seed_file.write_text(timeline(("Bob's only post", "0", "0", "1"),
                                  ("(1/2) Bob's thread", "0", "0", "2"),
                                  ("(2/2) ends here", "0", "0", "3"), handle="bob_lab",
                                  name="Bob"), encoding="utf-8")
    seeded = root / "seeded.db"
    assert run("import", "--db", str(seeded), str(seed_file), cwd=root).returncode == 0
    big = root / "ada.txt"
    big.write_text(big_timeline(KILL_POSTS), encoding="utf-8")
    reference = root / "reference.db"
    shutil.copy(seeded, reference)
    started = time.monotonic()
    done = run("import", "--db", str(reference), str(big), cwd=root)
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr
    assert scalar(reference, "select count(*) from posts where author = 'ada_lab'") == KILL_POSTS
    return dict(root=root, seeded=seeded, big=big, reference=reference, elapsed=elapsed,
                seed_content=content(seeded))


def check_after_kill(db: Path, big: Path, seed_content: dict) -> int:
    """Sound database; the seed untouched; the big source wholly present or wholly absent.
    Returns how many rows `sources` has for the big file (0 or 1)."""
    assert_sound(db)
    conn = connect(db)
    try:
        rows = conn.execute("select id, posts, sha256 from sources where path = ?",
                            [str(big.resolve())]).fetchall()
        assert len(rows) <= 1, rows
        ada_posts = conn.execute("select count(*) from posts where author = 'ada_lab'") \
            .fetchone()[0]
        if rows:
            source_id, declared, digest = rows[0]
            assert digest == sha256(big)
            assert declared == KILL_POSTS
            assert conn.execute("select count(*) from posts where source_id = ?",
                                [source_id]).fetchone()[0] == KILL_POSTS
            assert conn.execute("select count(*) from engagement where source_id = ?",
                                [source_id]).fetchone()[0] == KILL_POSTS
            assert ada_posts == KILL_POSTS
        else:
            assert ada_posts == 0
            assert conn.execute("select count(*) from threads where author = 'ada_lab'") \
                .fetchone()[0] == 0
            assert conn.execute("select count(*) from profile_history where handle = 'ada_lab'") \
                .fetchone()[0] == 0
    finally:
        conn.close()
    now = content(db)
    for key, rows in seed_content.items():
        assert set(rows) <= set(now[key]), key  # nothing of the seed lost or changed
    return len(now["sources"]) - len(seed_content["sources"])


def test_sigkill_at_random_points_never_corrupts_and_a_rerun_completes(kill_setup, tmp_path):
    """SIGKILL the same import again and again on one archive: once for certain inside the
    write transaction, then at seeded random moments from right after start to near its end.
    After each kill the archive is sound and the source is all there or not there at all;
    re-running the command then completes it to exactly what an uninterrupted import gives."""
    setup = kill_setup
    big, elapsed = setup["big"], setup["elapsed"]
    rng = random.Random(20240606)
    delays = sorted([0.02, rng.uniform(0.1, 0.4) * elapsed, rng.uniform(0.4, 0.7) * elapsed,
                     rng.uniform(0.7, 0.9) * elapsed, 0.97 * elapsed])
    db = tmp_path / "killed.db"
    shutil.copy(setup["seeded"], db)
    outcomes = []
    for delay in ["in-transaction"] + delays:
        proc = start_import(db, big, setup["root"])
        if delay == "in-transaction":
            alive = kill_when_writing(proc, db, grown=256 * 1024)
        else:
            time.sleep(delay)
            alive = sigkill(proc)
        present = check_after_kill(db, big, setup["seed_content"])
        outcomes.append((delay, alive, present))
    # The kills really interrupted imports, the first inside its write transaction.
    assert outcomes[0][1:] == (True, 0), outcomes
    assert sum(alive for _, alive, _ in outcomes) >= 4, outcomes
    again = run("import", "--db", str(db), str(big), cwd=setup["root"])
    assert again.returncode == 0, (again.stdout, again.stderr)
    assert ("unchanged" in again.stdout) == bool(outcomes[-1][2]), (outcomes, again.stdout)
    assert_sound(db)
    assert content(db) == content(setup["reference"]), "the re-run differs from a clean import"


def test_sigkill_while_replacing_an_edited_file_keeps_the_old_or_the_new_version(tmp_path):
    """An edited file at the same path replaces its earlier import in the same transaction:
    a kill in the middle leaves exactly the old version or exactly the new one."""
    path = tmp_path / "ada.txt"
    path.write_text(big_timeline(3_000), encoding="utf-8")
    db = tmp_path / "a.db"
    assert run("import", "--db", str(db), str(path), cwd=tmp_path).returncode == 0
    old = content(db)
    old_sha = sha256(path)
    path.write_text(big_timeline(4_000, salt="b"), encoding="utf-8")  # other posts entirely
    new_sha = sha256(path)
    proc = start_import(db, path, tmp_path)
    assert kill_when_writing(proc, db, grown=256 * 1024), "import finished before the kill"
    assert_sound(db)
    rows = content(db)["sources"]
    assert len(rows) == 1 and rows[0][1] in (old_sha, new_sha), rows
    if rows[0][1] == old_sha:
        assert content(db) == old
    else:
        assert scalar(db, "select count(*) from posts") == 4_000
    again = run("import", "--db", str(db), str(path), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert_sound(db)
    assert [r[1:] for r in content(db)["sources"]] == [(new_sha, 4_000)]
    assert scalar(db, "select count(*) from posts") == 4_000
    assert scalar(db, "select count(*) from posts where text like '%Post 7b:%'") == 1


# --------------------------------------------------------------------------- concurrent use

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, cwd: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen([*FEEDARCHIVE, "serve", "--db", str(db), "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=2).read()
            return server, base
        except OSError:
            if server.poll() is not None:
                raise AssertionError("serve exited: " + server.stdout.read().decode())
            time.sleep(0.1)
    stop(server)
    raise AssertionError("serve did not start within 30 s")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=15) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_keeps_answering_while_an_import_writes(tmp_path):
    seed = tmp_path / "bob.txt"
    seed.write_text(timeline(("Bob's first post", "0", "0", "1"), handle="bob_lab"),
                    encoding="utf-8")
    db = tmp_path / "feedarchive.db"
    assert run("import", "--db", str(db), str(seed), cwd=tmp_path).returncode == 0
    big = tmp_path / "ada.txt"
    big.write_text(big_timeline(20_000), encoding="utf-8")
    server, base = start_server(db, tmp_path)
    importer = None
    try:
        importer = start_import(db, big, tmp_path)
        urls = [base + "/feedarchive/posts.json?_size=1", base + "/",
                base + "/-/search.json?q=sourdough", base + "/-/author/bob_lab"]
        answers, during = [], 0
        while importer.poll() is None:
            for url in urls:
                status, body = fetch(url)
                answers.append((url, status))
                assert status == 200, (url, status, body[:300])
            during += importer.poll() is None
        out, err = importer.communicate(timeout=60)
        assert importer.returncode == 0, err
        assert during >= 3, f"only {during} rounds of requests while the import ran"
        status, body = fetch(base + "/feedarchive.json?sql=select+count(*)+as+n+from+posts"
                                    "&_shape=array")
        assert status == 200 and json.loads(body) == [{"n": 20_001}]
        status, body = fetch(base + "/-/author/ada_lab.json")
        assert status == 200 and json.loads(body)["posts_in_archive"] == 20_000
    finally:
        if importer is not None and importer.poll() is None:
            sigkill(importer)
        stop(server)
    assert_sound(db)


def test_two_imports_into_one_new_database_serialize(tmp_path):
    """Both start at once on a database that does not exist yet (both create the schema); the
    second waits for the first's lock; both succeed and everything is there."""
    first, second = tmp_path / "ada.txt", tmp_path / "bob.txt"
    first.write_text(big_timeline(4_000), encoding="utf-8")
    second.write_text(big_timeline(4_000, handle="bob_lab", salt="b"), encoding="utf-8")
    db = tmp_path / "a.db"
    procs = [start_import(db, path, tmp_path) for path in (first, second)]
    results = [proc.communicate(timeout=120) for proc in procs]
    for proc, (out, err) in zip(procs, results):
        assert proc.returncode == 0, err.decode()
        assert b"4000 posts (4000 new)" in out, out
    assert_sound(db)
    assert scalar(db, "select count(*) from posts") == 8_000
    assert scalar(db, "select count(*) from sources") == 2
    assert scalar(db, "select count(*) from threads") == 8
    for handle in ("ada_lab", "bob_lab"):
        positions = [r[0] for r in connect(db).execute(
            "select position from posts where author = ? order by position", [handle])]
        assert positions == list(range(4_000)), handle


def test_the_same_file_imported_twice_at_once_lands_once(tmp_path):
    path = tmp_path / "ada.txt"
    path.write_text(big_timeline(3_000), encoding="utf-8")
    db = tmp_path / "a.db"
    procs = [start_import(db, path, tmp_path) for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert_sound(db)
    assert scalar(db, "select count(*) from sources") == 1
    assert scalar(db, "select count(*) from posts") == 3_000
    assert scalar(db, "select count(*) from engagement") == 3_000


def test_two_scrapes_of_one_author_at_once_merge_into_one_timeline(tmp_path):
    """Overlapping scrapes of the same account written concurrently: one timeline, every post
    once with a place of its own, the 500 new posts on top whichever import ran first."""
    older = big_timeline(5_000)
    newer_posts = [(f"Fresh post {i}", "0", "0", "1") for i in range(500)]
    # The newer scrape: 500 new posts on top of the first 3,000 of the older one.
    header_end = older.index("Joined May 2019\n") + len("Joined May 2019\n")
    older_lines = older[header_end:].split("\n")
    overlap = "\n".join(older_lines[:3_000 * 4]) + "\n"
    newer = timeline(*newer_posts)[:-1] + "\n" + overlap
    a, b = tmp_path / "older.txt", tmp_path / "newer.txt"
    a.write_text(older, encoding="utf-8")
    b.write_text(newer, encoding="utf-8")
    db = tmp_path / "a.db"
    procs = [start_import(db, path, tmp_path) for path in (a, b)]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    assert_sound(db)
    assert scalar(db, "select count(*) from posts") == 5_500
    order = connect(db).execute(
        "select position, text from posts where author = 'ada_lab' order by position").fetchall()
    assert None not in {position for position, _ in order}
    assert len({position for position, _ in order}) == 5_500
    assert [text for _, text in order[:500]] == [text for text, *_ in newer_posts]
    assert scalar(db, "select count(*) from engagement") == 5_000 + 3_500


def hold_write_lock(db: Path, seconds: float) -> threading.Thread:
    """Take the write lock on `db` (as another import would) and keep it for `seconds`."""
    ready = threading.Event()

    def hold():
        conn = sqlite3.connect(db, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        ready.set()
        time.sleep(seconds)
        conn.execute("ROLLBACK")
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert ready.wait(10)
    return thread


def test_an_import_waits_for_another_writer_and_then_completes(tmp_path, write_file):
    db = tmp_path / "a.db"
    open_db(db).conn.close()
    path = write_file("ada.txt", timeline(("Hello", "0", "1", "2")))
    holder = hold_write_lock(db, 2.0)
    started = time.monotonic()
    result = run("import", "--db", str(db), str(path), cwd=tmp_path)
    waited = time.monotonic() - started
    holder.join()
    assert result.returncode == 0, result.stderr
    assert waited >= 1.5, f"import did not wait for the lock ({waited:.2f} s)"
    assert scalar(db, "select count(*) from posts") == 1


def test_an_import_that_cannot_get_the_lock_fails_with_a_clear_message(tmp_path, write_file):
    """With the lock held longer than the busy timeout (shortened here from 30 s to 1 s by
    tests/helpers/import_with_busy_timeout.py), the import gives up cleanly: a message that
    names the database and says it is locked or busy, no traceback, exit status non-zero,
    nothing written."""
    db = tmp_path / "a.db"
    open_db(db).conn.close()
    path = write_file("ada.txt", timeline(("Hello", "0", "1", "2")))
    holder = hold_write_lock(db, 4.0)
    result = subprocess.run(
        [sys.executable, str(HELPERS / "import_with_busy_timeout.py"), "1000",
         "import", "--db", str(db), str(path)],
        capture_output=True, text=True, cwd=tmp_path, timeout=60)
    holder.join()
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert "a.db" in result.stderr and ("locked" in result.stderr or "busy" in result.stderr)
    assert scalar(db, "select count(*) from posts") == 0


# --------------------------------------------------------------------------- bad input

def import_cli(db: Path, *paths: Path | str):
    return CliRunner().invoke(cli, ["import", "--db", str(db), *map(str, paths)])


def nothing_written(db: Path) -> None:
    assert scalar(db, "select count(*) from sources") == 0
    assert scalar(db, "select count(*) from posts") == 0
    assert scalar(db, "select count(*) from authors") == 0


GOOD = timeline(("Hello world, a first post", "0", "1", "2"),
                ("(1/2) A thread starts", "1", "2", "3"),
                ("(2/2) and ends", "0", "0", "1"))


def test_empty_file_is_refused_by_name(tmp_path, write_file):
    db = tmp_path / "a.db"
    for name, data in [("empty.txt", b""), ("blank.txt", b"\n\n  \r\n"), ("bom.txt", b"\xef\xbb\xbf")]:
        path = write_file(name, data)
        with pytest.raises(SourceError) as error:
            import_file(open_db(db), path)
        assert error.value.path == str(path)
        result = import_cli(db, path)
        assert result.exit_code == 1 and f"{name}: " in result.output, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
    nothing_written(db)


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,       # NUL bytes
    bytes(range(128, 256)) * 64,                                           # no NUL, not UTF-8
    random.Random(7).randbytes(100_000),                                   # noise
    b"\xff\xfeA\x00d\x00a\x00\n\x00@\x00a\x00d\x00a\x00\n\x00",             # UTF-16 text
], ids=["png", "high-bytes", "noise", "utf-16"])
def test_binary_files_are_refused_with_a_clear_error(tmp_path, write_file, data):
    db = tmp_path / "a.db"
    path = write_file("thing.bin", data)
    with pytest.raises(SourceError) as error:
        import_file(open_db(db), path)
    assert str(error.value).startswith(f"{path}")
    for forced in ["timeline", "snscrape", "twarc2", "homepage", "x-archive", "mastodon",
                   "bluesky"]:
        try:
            import_file(open_db(db), path, forced)
        except FeedarchiveError:
            pass
    result = import_cli(db, path)
    assert result.exit_code == 1 and "thing.bin" in result.output
    nothing_written(db)


def test_timeline_truncated_mid_post_names_the_line_and_writes_nothing(tmp_path, write_file):
    db = tmp_path / "a.db"
    full = GOOD.encode("utf-8")
    cuts = {
        "mid-text": full.index(b"A thread starts") + 5,         # inside a post's text
        "after-text": full.index(b"A thread starts") + len(b"A thread starts\n"),
        "mid-counts": full.index(b"A thread starts") + len(b"A thread starts\n1\n"),
        "mid-header": full.index(b"Following") + 4,
    }
    for label, cut in cuts.items():
        path = write_file(f"cut-{label}.txt", full[:cut])
        with pytest.raises(SourceError) as error:
            import_file(open_db(db), path)
        assert error.value.line is not None, label
        assert error.value.path == str(path)
    # A timeline whose last post is cut inside a multi-byte character.
    emoji = write_file("cut-emoji.txt", (GOOD + "Party 🎉").encode("utf-8")[:-2])
    with pytest.raises(SourceError, match=r"cut-emoji.txt:\d+: .*(truncated|count)"):
        import_file(open_db(db), emoji)
    result = import_cli(db, tmp_path / "cut-mid-text.txt")
    assert result.exit_code == 1 and "cut-mid-text.txt:" in result.output
    nothing_written(db)


@pytest.mark.parametrize("value", ["lots", "1.2.3K", "-5", "NaN", "1e3", "١٢", "１２", "12 ", "0x1F",
                                   ""])
def test_profile_counts_that_are_not_numbers(tmp_path, write_file, value):
    db = tmp_path / "a.db"
    path = write_file("ada.txt", GOOD.replace("Followers\n1,024\n", f"Followers\n{value}\n"))
    if value.strip() == "12":  # surrounding spaces are allowed
        assert import_file(open_db(db), path).posts == 3
        assert scalar(db, "select followers from authors") == 12
        return
    with pytest.raises(SourceError) as error:
        import_file(open_db(db), path)
    assert error.value.line == 4 and "Followers" in error.value.message
    nothing_written(db)


@pytest.mark.parametrize("value", ["lots", "?", "١٢", "1.2.3K", "-5", "n/a"])
def test_post_counts_that_are_not_numbers(tmp_path, write_file, value):
    """A non-number among the last post's counts leaves it without three counts: an error
    naming the line. Inside the timeline the format's own rule applies (a run of fewer than
    three number lines is text), so the lines stay in a post's text: nothing is dropped."""
    db = tmp_path / "a.db"
    last = write_file("last.txt", GOOD[:-len("0\n0\n1\n")] + f"0\n{value}\n1\n")
    with pytest.raises(SourceError, match=r"last.txt:\d+: "):
        import_file(open_db(db), last)
    nothing_written(db)
    middle = write_file("middle.txt", GOOD.replace("(1/2) A thread starts\n1\n2\n3\n",
                                                   f"(1/2) A thread starts\n1\n{value}\n3\n"))
    report = import_file(open_db(db), middle)
    texts = [r[0] for r in connect(db).execute("select text_raw from posts")]
    assert report.posts == len(texts)
    assert any(f"\n{value}\n" in text for text in texts), texts
    assert_sound(db)


@pytest.mark.parametrize("where", ["profile", "post"])
@pytest.mark.parametrize("value", ["99999999999999999999999", "9223372036854775808",
                                   "99999999999999999999.5B"])
def test_counts_too_large_for_sqlite_are_refused_cleanly(tmp_path, write_file, value, where):
    db = tmp_path / "a.db"
    text = (GOOD.replace("Followers\n1,024\n", f"Followers\n{value}\n") if where == "profile"
            else GOOD.replace("\n0\n1\n2\n", f"\n0\n1\n{value}\n"))
    path = write_file(f"{where}.txt", text)
    try:
        import_file(open_db(db), path)
    except FeedarchiveError as error:
        assert f"{where}.txt" in str(error)
        nothing_written(db)
        return
    # If it imports, the count is stored as something SQLite holds (or NULL), never wrapped.
    for (stored,) in connect(db).execute("select followers from authors union all "
                                         "select likes from posts"):
        assert stored is None or 0 <= stored <= 2**63 - 1


def test_counts_too_large_do_not_abort_the_other_files_of_a_run(tmp_path, write_file):
    """One file with an absurd count is a bad source like any other: the good ones import."""
    db = tmp_path / "a.db"
    write_file("in/a-huge.txt", GOOD.replace("Followers\n1,024\n",
                                              "Followers\n99999999999999999999999\n"))
    write_file("in/b-good.txt", timeline(("Fine", "0", "0", "1"), handle="bob_lab"))
    reports = import_paths(open_db(db), [tmp_path / "in"])
    assert [r.status for r in reports] == ["failed", "imported"]
    assert scalar(db, "select count(*) from posts where author = 'bob_lab'") == 1


def peak_rss_import(db: Path, path: Path, cwd: Path) -> tuple[subprocess.CompletedProcess, float, int]:
    """Run the import in a fresh interpreter; return the result, seconds and peak RSS (bytes)."""
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec, so a child of a large pytest
    # process would report pytest's peak instead of its own.
    code = ("import sys\n"
            "from feedarchive.cli import cli\n"
            "try:\n"
            "    cli(['import', '--db', sys.argv[1], sys.argv[2]])\n"
            "finally:\n"
            "    hwm = [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM')]\n"
            "    print('PEAK_RSS_KB', hwm[0], file=sys.stderr)\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, "-c", code, str(db), str(path)],
                            capture_output=True, text=True, cwd=cwd, timeout=600)
    elapsed = time.monotonic() - started
    peak = int(result.stderr.rsplit("PEAK_RSS_KB", 1)[1].split()[0]) * 1024
    return result, elapsed, peak


@pytest.mark.parametrize("kind", ["words", "one-char", "json-ish", "timeline-ish"])
def test_a_50_mb_single_line_file_is_refused_quickly_and_cheaply(tmp_path, kind):
    path = tmp_path / f"{kind}.txt"
    size = 50 * MB
    unit = {"words": "lorem ipsum dolor sit amet, ", "one-char": "x",
            "json-ish": '{"a": [1, 2, "three"], ', "timeline-ish": "@ada_lab Followers 1,024 "}[kind]
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(unit * (size // len(unit)))
    db = tmp_path / "a.db"
    result, elapsed, peak = peak_rss_import(db, path, tmp_path)
    assert result.returncode == 1
    assert f"{path.name}: " in result.stderr and "Traceback" not in result.stderr, \
        result.stderr[-2000:]
    assert elapsed < 20, f"{elapsed:.1f} s"
    assert peak < 400 * MB, f"peak RSS {peak / MB:.0f} MB"
    assert scalar(db, "select count(*) from sources") == 0


@pytest.mark.slow
def test_a_50_mb_post_is_refused_naming_its_line_and_never_held(tmp_path):
    """A timeline one of whose "posts" is a single 50 MB line: no post is that long (X allows
    25,000 characters), so the line is a bad record. It is read past in pieces, the message
    names the file and line, and nothing of the file is written. (Before the record limits it
    imported whole at ~900 MB peak; the bound below only catches a return to holding it.)"""
    body = "A very long post: " + "word " * (50 * MB // 5)
    path = tmp_path / "long.txt"
    path.write_text(timeline(("newest", "0", "1", "2"), (body, "1", "2", "3"),
                             ("oldest", "0", "0", "0")), encoding="utf-8")
    db = tmp_path / "a.db"
    result, _, peak = peak_rss_import(db, path, tmp_path)
    assert result.returncode == 1
    assert "long.txt:" in result.stderr + result.stdout
    assert "more than 1 MB" in result.stderr + result.stdout
    assert connect(db).execute("select count(*) from posts").fetchone() == (0,)
    assert peak < 512 * MB, f"peak RSS {peak / MB:.0f} MB"


def test_invalid_utf8_is_replaced_with_a_warning_and_nothing_else_is_lost(tmp_path, write_file):
    """The policy (README, timeline.decode): invalid bytes become U+FFFD, the warning names
    the line and is kept in `sources.warnings`; every valid character around them survives."""
    db = tmp_path / "a.db"
    data = GOOD.replace("Hello world, a first post", "Hello \udcff\udcfe w\u00f6rld").encode(
        "utf-8", errors="surrogateescape")
    data = data.replace("(2/2) and ends".encode(), b"(2/2) caf\xc3 and \xe2\x82 ends")
    path = write_file("bad-bytes.txt", data)
    report = import_file(open_db(db), path)
    assert report.status == "imported" and report.posts == 3
    assert any("bad-bytes.txt:13" in w and "U+FFFD" in w for w in report.warnings), report.warnings
    texts = {r[0] for r in connect(db).execute("select text_raw from posts")}
    assert "Hello \ufffd\ufffd w\u00f6rld" in texts
    assert "(2/2) caf\ufffd and \ufffd ends" in texts
    assert "U+FFFD" in scalar(db, "select warnings from sources")
    result = import_cli(tmp_path / "b.db", path)
    assert result.exit_code == 0 and "warning:" in result.output and "U+FFFD" in result.output


def test_a_latin1_file_imports_with_replacements_and_a_warning(tmp_path, write_file):
    db = tmp_path / "a.db"
    path = write_file("latin1.txt", GOOD.replace("Hello world", "Grüße aus Köln").encode("latin-1"))
    report = import_file(open_db(db), path)
    assert report.warnings and report.posts == 3
    assert scalar(db, "select count(*) from posts where text_raw like 'Gr%e aus K%ln%'") == 1


def test_a_path_that_does_not_exist(tmp_path, write_file):
    db = tmp_path / "a.db"
    with pytest.raises(SourceError, match="no such file"):
        import_file(open_db(db), tmp_path / "nope.txt")
    good = write_file("good.txt", GOOD)
    result = import_cli(db, tmp_path / "nope.txt", good, tmp_path / "gone" / "dir")
    assert result.exit_code == 1
    assert "nope.txt: no such file or folder" in result.output
    assert "dir: no such file or folder" in result.output
    assert "2 of 3 inputs failed" in result.output
    assert scalar(db, "select count(*) from posts") == 3


def test_a_folder_of_good_and_bad_files(tmp_path, write_file):
    """The good ones import, each bad one is named with its reason, the exit status is 1."""
    folder = tmp_path / "scrapes"
    write_file("scrapes/ada.txt", GOOD)
    write_file("scrapes/sub/bob.txt", timeline(("Bob says hi", "0", "0", "1"), handle="bob_lab"))
    write_file("scrapes/latin1.txt", timeline(("Grüße", "0", "0", "1"),
                                              handle="cleo_lab").encode("latin-1"))
    bad = {
        "cut.txt": GOOD.encode()[:-4],
        "counts.txt": GOOD.replace("Media\n12\n", "Media\ntwelve\n").encode(),
        "broken.jsonl": b'{"_type": "snscrape.modules.twitter.Tweet", "id": 1\n',
        "broken.zip": b"PK\x03\x04" + bytes(50),
    }
    # Found while walking a folder, what no reader recognises and does not look like data
    # is passed over, with the reason, rather than failing the run.
    passed_over = {
        "empty.txt": b"",
        "image.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64),
        "notes.txt": b"eggs\nmilk\n",
    }
    for name, data in {**bad, **passed_over}.items():
        write_file(f"scrapes/{name}", data)
    db = tmp_path / "a.db"
    result = import_cli(db, folder)
    assert result.exit_code == 1, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    for name in bad:
        assert sum(name in line for line in errors) == 1, (name, errors)
    skipped = [line for line in result.output.splitlines() if ": skipped: " in line]
    for name in passed_over:
        assert sum(name in line for line in skipped) == 1, (name, skipped)
    assert not any(name in line for line in errors for name in ("ada.txt", "bob.txt", "latin1.txt"))
    assert f"{len(bad)} of {len(bad) + len(passed_over) + 3} inputs failed" in result.output
    assert {r[0] for r in connect(db).execute("select author from sources")} == \
        {"ada_lab", "bob_lab", "cleo_lab"}
    assert scalar(db, "select count(*) from posts") == 5
    assert_sound(db)
    # The library API says the same.
    reports = import_paths(open_db(tmp_path / "b.db"), [folder])
    assert sorted(Path(r.path).name for r in reports if r.status == "failed") == sorted(bad)
    assert sorted(Path(r.path).name for r in reports if r.status == "skipped") == \
        sorted(passed_over)
    assert all(r.error and Path(r.path).name in r.error for r in reports if r.status == "failed")


def test_a_commit_changes_the_pages_cache_signature_within_one_clock_tick(tmp_path):
    """The serving pages cache whole-table counts until the database changes. A commit that
    leaves the files as long as they were, within one tick of the file clock, still changes
    the signature: SQLite's own commit counters are part of it."""
    from plugins.pages import file_signature

    path = tmp_path / "archive.db"
    conn = sqlite3.connect(path)
    conn.execute("pragma journal_mode=wal")
    conn.execute("create table posts (id integer primary key, text text)")
    conn.execute("insert into posts (text) values ('first')")
    conn.commit()

    def rewrite(text: str) -> tuple:
        conn.execute("pragma wal_checkpoint(restart)")  # the next commit reuses the log's start
        conn.execute("update posts set text = ? where id = 1", [text])
        conn.commit()
        return tuple(os.stat(name).st_mtime_ns for name in (path, f"{path}-wal"))

    times = rewrite("second")
    before = file_signature(str(path))
    rewrite("third")
    for name, when in zip((path, f"{path}-wal"), times):  # as if in the same tick
        os.utime(name, ns=(when, when))
    after = file_signature(str(path))
    assert before[:2] == after[:2]  # times and sizes alone cannot tell
    assert before != after
    conn.close()
