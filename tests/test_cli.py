"""The command line as a user types it: exit codes, messages, and what lands in the database."""
from __future__ import annotations

import sqlite3

import pytest
from click.testing import CliRunner

from feedarchive.cli import cli

from conftest import timeline


def count(db_path, table: str) -> int:
    return sqlite3.connect(db_path).execute(f"select count(*) from {table}").fetchone()[0]


def test_import_reports_what_it_did(tmp_path, write_file):
    path = write_file("ada.txt", timeline(("1/2 Hello", "0", "1", "2"), ("2/2 World", "0", "0", "1")))
    db = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["import", "--db", str(db), str(path)])
    assert result.exit_code == 0, result.output
    assert "2 posts (2 new), 1 thread," in result.output
    again = CliRunner().invoke(cli, ["import", "--db", str(db), str(path)])
    assert "unchanged" in again.output and count(db, "posts") == 2


def test_database_defaults_to_db_folder_and_env_overrides(tmp_path, write_file, monkeypatch):
    path = write_file("ada.txt", timeline(("Hello", "0", "1", "2")))
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["import", str(path)]).exit_code == 0
    assert count(tmp_path / "db" / "feedarchive.db", "posts") == 1
    monkeypatch.setenv("FEEDARCHIVE_DB", str(tmp_path / "other.db"))
    assert CliRunner().invoke(cli, ["import", str(path)]).exit_code == 0
    assert count(tmp_path / "other.db", "posts") == 1


def test_bad_file_names_file_and_line_and_exits_non_zero(tmp_path, write_file):
    bad = write_file("cut.txt", timeline(("fine", "1", "1", "1")) + "no counts after me\n")
    db = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["import", "--db", str(db), str(bad)])
    assert result.exit_code == 1
    assert "cut.txt:17: expected three count lines" in result.output
    assert count(db, "posts") == 0 and count(db, "sources") == 0


def test_folder_with_good_and_bad_files(tmp_path, write_file):
    write_file("in/a.txt", timeline(("Hello", "0", "1", "2")))
    write_file("in/b.txt", "just some notes\n")
    db = tmp_path / "a.db"
    write_file("in/c.jsonl", '{"neither": "a tweet nor a page"}\n')
    result = CliRunner().invoke(cli, ["import", "--db", str(db), str(tmp_path / "in")])
    assert result.exit_code == 1
    # Notes found in a folder are passed over, with the reason; data no reader knows fails.
    assert "b.txt: skipped: not a format feedarchive knows" in result.output
    assert "c.jsonl: not a format feedarchive knows" in result.output
    assert "1 of 3 inputs failed" in result.output
    assert "3 sources: 1 failed, 1 imported, 1 skipped" in result.output
    assert count(db, "posts") == 1


def test_missing_path(tmp_path):
    result = CliRunner().invoke(cli, ["import", "--db", str(tmp_path / "a.db"), "nope.txt"])
    assert result.exit_code == 1 and "nope.txt: no such file or folder" in result.output


def test_demo_imports_the_bundled_sample(tmp_path):
    db = tmp_path / "demo.db"
    result = CliRunner().invoke(cli, ["demo", "--db", str(db), "--no-serve"])
    assert result.exit_code == 0, result.output
    assert count(db, "posts") == 11 and count(db, "threads") >= 2
    texts = [r[0] for r in sqlite3.connect(db).execute("select text from posts")]
    assert any("don’t" in text for text in texts)  # the sample's mojibake was repaired


def test_fix_text_repairs_standard_input():
    result = CliRunner().invoke(cli, ["fix-text"], input="Itâ€™s a cafÃ© crÃ¨me")
    assert result.exit_code == 0
    assert result.output == "It’s a café crème"


FIXTURES = __import__("pathlib").Path(__file__).parent / "fixtures" / "formats"


def test_unpacked_archive_folder_imports_as_one_source(tmp_path):
    db = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["import", "--db", str(db), str(FIXTURES / "x-archive")])
    assert result.exit_code == 0, result.output
    assert "imported x-archive @nadia_evals" in result.output
    assert count(db, "sources") == 1
    assert sqlite3.connect(db).execute("select count(*) from threads where method = 'replies'"
                                       ).fetchone()[0] == 1


def test_author_option_names_the_owner_of_a_bare_tweets_file(tmp_path):
    db = tmp_path / "a.db"
    bare = FIXTURES / "x-legacy"
    told = CliRunner().invoke(cli, ["import", "--db", str(db), "--author", "@nadia_evals", str(bare)])
    assert told.exit_code == 0, told.output
    authors = {r[0] for r in sqlite3.connect(db).execute("select distinct author from posts")}
    assert authors == {"nadia_evals"}


def test_skip_bad_imports_the_good_lines(tmp_path, write_file):
    lines = (FIXTURES / "snscrape.jsonl").read_text(encoding="utf-8").splitlines()
    broken = write_file("broken.jsonl", "\n".join([lines[0], "{not json", *lines[1:]]) + "\n")
    db = tmp_path / "a.db"
    strict = CliRunner().invoke(cli, ["import", "--db", str(db), str(broken)])
    assert strict.exit_code == 1 and "broken.jsonl:2" in strict.output
    assert count(db, "posts") == 0
    lenient = CliRunner().invoke(cli, ["import", "--db", str(db), "--skip-bad", str(broken)])
    assert lenient.exit_code == 0, lenient.output
    assert "broken.jsonl:2" in lenient.output and count(db, "posts") == len(lines)


def test_repair_check_reports_without_writing(tmp_path, write_file):
    sample = write_file("mojibake.txt", timeline(
        ("Itâ€™s a cafÃ© crÃ¨me kind of morning â˜•", "0", "1", "5"),
        ("DÃ©jÃ  vu: the loss spiked again", "2", "0", "9")))
    result = CliRunner().invoke(cli, ["repair-check", str(sample)])
    assert result.exit_code == 0, result.output
    assert "6 repairs (0 guessed) in 2 of 3 fields" in result.output
    assert "'Ã©' -> 'é'" in result.output and "confidence 1.00" in result.output
    assert not list(tmp_path.glob("**/*.db"))


def cp1252_scrape(text: str) -> str:
    """What a scraper decoding UTF-8 as Windows-1252 keeps of `text`."""
    return text.encode("utf-8").decode("cp1252")


def listing_from_held_posts(path, limit: int) -> str:
    """What `repair-check` printed when it held a file's posts: its earlier code, on
    `repair_document`, kept here as the reference the streamed listing must match."""
    from feedarchive.formats import read_document
    from feedarchive.repair import repair_document

    doc = read_document(path)
    decision = repair_document(doc)
    fields = [("post", post.line, post.repairs) for post in doc.posts]
    if doc.profile is not None:
        fields.insert(0, ("profile", None, doc.profile.repairs))
    fields += [("page", None, page.repairs) for page in doc.pages]
    repairs = [(where, line, r) for where, line, rs in fields for r in rs]
    guessed = sum(1 for *_, r in repairs if r.confidence < 1.0)
    lines = [f"{path}: {decision.summary()}",
             f"  {len(repairs)} repairs ({guessed} guessed) in "
             f"{sum(1 for *_, rs in fields if rs)} of {len(fields)} fields"]
    for where, line, repair in repairs[:limit or None]:
        at = f"line {line}" if line else where
        lines.append(f"  {at} {repair.field}: {repair.before!r} -> {repair.after!r} "
                     f"[{repair.kind}, confidence {repair.confidence:.2f}]")
    if limit and len(repairs) > limit:
        lines.append(f"  … {len(repairs) - limit} more (--limit 0 lists all)")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("limit", [0, 1, 2, 6, 11, 20, -3])
def test_repair_check_streams_posts_and_prints_what_holding_them_printed(write_file, limit):
    sample = write_file("scrape.txt", timeline(
        (cp1252_scrape("I’ll be at the café by nine ☕"), "0", "1", "5"),
        ("Plain ASCII notes on warmup schedules", "2", "0", "9"),
        (cp1252_scrape("Déjà vu: the loss spiked again"), "1", "1", "3"),
        (cp1252_scrape("Naïve baseline wins, as ever"), "0", "0", "2"),
        name=cp1252_scrape("Amélie"), bio=cp1252_scrape("Café · vélo · small models")))
    result = CliRunner().invoke(cli, ["repair-check", "--limit", str(limit), str(sample)])
    assert result.exit_code == 0, result.output
    assert result.output == listing_from_held_posts(sample, limit)
    assert "11 repairs (0 guessed) in 4 of 5 fields" in result.output
    if limit == 0:  # profile fields first, then each post at its line
        assert result.output.splitlines()[2:4] == [
            "  profile name: 'Ã©' -> 'é' [cp1252, confidence 1.00]",
            "  profile bio: 'Ã©' -> 'é' [cp1252, confidence 1.00]"]
        last = "  line 25 text: 'Ã¯' -> 'ï' [cp1252, confidence 1.00]"
        assert result.output.splitlines()[-1] == last
    if limit == 2:
        assert result.output.splitlines()[-1] == "  … 9 more (--limit 0 lists all)"


def test_fix_text_explain_lists_repairs_on_stderr():
    result = CliRunner().invoke(cli, ["fix-text", "--explain"],
                                                input="Itâ€™s here")
    assert result.stdout == "It’s here"
    assert "’" in result.stderr and "confidence 1.00" in result.stderr


def test_python_dash_m_import_of_a_large_file_uses_workers(tmp_path, write_file):
    """A file past the parallel threshold goes through the worker processes end to end."""
    import subprocess
    import sys

    from feedarchive.importer import PARALLEL_MIN_BYTES

    line = "A long enough post about optimisers, schedules and small models, with a café ☕ "
    count_needed = PARALLEL_MIN_BYTES // (len(line.encode()) + 8) + 1000
    path = write_file("big.txt", timeline(*[(f"{line}#{n}", "0", "1", "2")
                                            for n in range(count_needed)]))
    assert path.stat().st_size > PARALLEL_MIN_BYTES
    db = tmp_path / "a.db"
    result = subprocess.run([sys.executable, "-m", "feedarchive", "import", "--db", str(db),
                             str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert count(db, "posts") == count_needed
