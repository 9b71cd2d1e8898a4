"""Files whose fields are not what their format says: a clear message naming the file and line,
nothing of the bad source written, the rest of the run going on. The inputs are the project's
own fixtures with one field changed."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from feedarchive import importer
from feedarchive.cli import cli
from feedarchive.errors import SourceError
from feedarchive.formats import common
from feedarchive.importer import import_file, import_paths
from feedarchive.store import open_db

from conftest import FIXTURES, query, timeline

FORMATS = FIXTURES / "formats"


def snscrape_lines() -> list[dict]:
    return [json.loads(line) for line in
            (FORMATS / "snscrape.jsonl").read_text(encoding="utf-8").splitlines()]


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")


def test_a_wrongly_typed_field_names_its_line_and_skip_bad_skips_that_record(tmp_path):
    records = snscrape_lines()
    records[1]["user"]["username"] = 5
    path = tmp_path / "dump.jsonl"
    write_jsonl(path, records)
    db = tmp_path / "a.db"
    result = CliRunner().invoke(cli, ["import", "--db", str(db), str(path)])
    assert result.exit_code == 1
    assert f"{path}:2: " in result.output and "Traceback" not in result.output
    assert query(db, "select count(*) from posts") == [(0,)]
    lenient = CliRunner().invoke(cli, ["import", "--db", str(db), "--skip-bad", str(path)])
    assert lenient.exit_code == 0, lenient.output
    assert query(db, "select count(*) from posts") == [(len(records) - 1,)]


def test_a_date_past_any_calendar_is_no_date(tmp_path):
    records = snscrape_lines()
    records[0]["date"] = 1e20
    path = tmp_path / "dump.jsonl"
    write_jsonl(path, records)
    db = open_db(tmp_path / "a.db")
    assert import_file(db, path).posts == len(records)
    assert common.iso_utc(1e20) is None and common.iso_utc(-1e20) is None


def test_a_profile_field_of_the_wrong_type_is_dropped_not_repaired(tmp_path):
    records = snscrape_lines()
    for record in records:
        record["user"]["displayname"] = {"not": "a name"}
        record["user"]["followersCount"] = "many"
    path = tmp_path / "dump.jsonl"
    write_jsonl(path, records)
    db = open_db(tmp_path / "a.db")
    import_file(db, path)
    handle = records[0]["user"]["username"]
    assert query(tmp_path / "a.db", "select name, followers from authors where handle = ?",
                 [handle]) == [(None, None)]


def test_an_object_where_text_belongs_fails_the_source_cleanly(tmp_path):
    records = snscrape_lines()
    records[0]["url"] = {"an": "object"}
    path = tmp_path / "dump.jsonl"
    write_jsonl(path, records)
    with pytest.raises(SourceError, match="unexpected type"):
        import_file(open_db(tmp_path / "a.db"), path)
    assert query(tmp_path / "a.db", "select count(*) from sources") == [(0,)]


def masto_folder(tmp_path, outbox: dict):
    folder = tmp_path / "masto"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    (folder / "actor.json").write_bytes((FORMATS / "mastodon" / "actor.json").read_bytes())
    return folder


def test_a_toot_with_wrongly_typed_fields_is_read_past_them(tmp_path):
    clean = import_file(open_db(tmp_path / "clean.db"), FORMATS / "mastodon")
    outbox = json.loads((FORMATS / "mastodon" / "outbox.json").read_text(encoding="utf-8"))
    toot = outbox["orderedItems"][1]["object"]
    toot.update(attachment=5, published=[1], contentMap="x", likes=[], url={"href": 5})
    report = import_file(open_db(tmp_path / "a.db"), masto_folder(tmp_path, outbox))
    assert (report.status, report.posts) == ("imported", clean.posts)


def test_a_toot_no_rule_foresaw_names_its_item(tmp_path, monkeypatch):
    from feedarchive.formats import mastodon

    outbox = json.loads((FORMATS / "mastodon" / "outbox.json").read_text(encoding="utf-8"))
    real = mastodon.activity_post

    def fragile(item, *args):
        if item is not None and item.get("id") == outbox["orderedItems"][1].get("id"):
            raise TypeError("'int' object is not iterable")
        return real(item, *args)

    monkeypatch.setattr(mastodon, "activity_post", fragile)
    with pytest.raises(SourceError, match="outbox.json: orderedItems item 2: a field of an "
                                          "unexpected type or value"):
        import_file(open_db(tmp_path / "a.db"), masto_folder(tmp_path, outbox))


def test_a_bad_tweet_in_an_archive_names_its_line(tmp_path):
    source = FORMATS / "x-archive" / "data" / "tweets.js"
    text = source.read_text(encoding="utf-8")
    tweets = json.loads(text[text.index("["):])
    tweets[-1]["tweet"]["entities"] = {"urls": 5, "media": "x"}
    tweets[-1]["tweet"]["in_reply_to_status_id_str"] = {"no": 1}
    folder = tmp_path / "export" / "data"
    folder.mkdir(parents=True)
    (folder / "tweets.js").write_text("window.YTD.tweets.part0 = " + json.dumps(tweets, indent=1),
                                      encoding="utf-8")
    (folder / "account.js").write_bytes((source.parent / "account.js").read_bytes())
    with pytest.raises(SourceError, match=r"tweets\.js.*:\d+: .*unexpected type"):
        import_file(open_db(tmp_path / "a.db"), tmp_path / "export")


def test_an_unforeseen_error_fails_one_source_and_the_run_goes_on(tmp_path, monkeypatch):
    """Whatever a reader did not foresee: that source fails, said plainly, without a traceback,
    and the next source still imports."""
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text(timeline(("Hello", "0", "0", "1")), encoding="utf-8")
    second.write_text(timeline(("Again", "0", "0", "1"), handle="bo_lab"), encoding="utf-8")
    real = importer.read_document

    def flaky(path, *args, **kwargs):
        if path == first:
            raise RuntimeError("a shape nobody foresaw")
        return real(path, *args, **kwargs)

    monkeypatch.setattr(importer, "read_document", flaky)
    reports = import_paths(open_db(tmp_path / "x.db"), [first, second])
    assert [r.status for r in reports] == ["failed", "imported"]
    assert "could not be read (RuntimeError: a shape nobody foresaw)" in reports[0].error
    assert query(tmp_path / "x.db", "select author from posts") == [("bo_lab",)]


def test_skip_bad_lists_the_first_bad_lines_and_counts_the_rest(tmp_path):
    records = snscrape_lines()
    path = tmp_path / "noisy.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records) + "{not json\n" * 2_500,
                    encoding="utf-8")
    report = import_file(open_db(tmp_path / "a.db"), path, skip_bad=True)
    assert report.posts == len(records)
    listed = [w for w in report.warnings if w.endswith("line skipped")]
    assert len(listed) == common.LISTED_BAD_LINES
    assert f"{2_500 - common.LISTED_BAD_LINES:,} more bad lines skipped (2,500 in all" in \
        report.warnings[-1]
    stored = query(tmp_path / "a.db", "select warnings from sources")[0][0]
    assert stored.count("\n") == common.LISTED_BAD_LINES


def test_a_line_past_any_record_is_bad_and_never_held(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "MAX_LINE_BYTES", 4096)
    records = snscrape_lines()
    huge = dict(records[0], rawContent="lentil " * 2_000, id=99)
    path = tmp_path / "dump.jsonl"
    write_jsonl(path, [*records, huge])
    with pytest.raises(SourceError, match=r"dump\.jsonl:%d: a line of more than" % (len(records) + 1)):
        import_file(open_db(tmp_path / "a.db"), path)
    report = import_file(open_db(tmp_path / "b.db"), path, skip_bad=True)
    assert report.posts == len(records)


def test_a_timeline_without_post_ends_is_refused_not_held(tmp_path, monkeypatch):
    from feedarchive.formats import timeline as timeline_format

    monkeypatch.setattr(timeline_format, "MAX_POST_BYTES", 4096)
    long_name = tmp_path / "long-name.txt"
    long_name.write_text(timeline(("Hello", "0", "0", "1"), name="Lentil " * 2_000),
                         encoding="utf-8")
    with pytest.raises(SourceError, match=r"long-name\.txt:1: a line of more than"):
        import_file(open_db(tmp_path / "a.db"), long_name)
    many_lines = tmp_path / "many-lines.txt"  # past a block (256 KB) and a post without an end
    many_lines.write_text(timeline(("\n".join(["lentil soup"] * 30_000), "0", "0", "1"))
                          .rsplit("\n0\n0\n1", 1)[0], encoding="utf-8")
    with pytest.raises(SourceError, match="without the three count lines that end a post"):
        import_file(open_db(tmp_path / "b.db"), many_lines)


def test_detection_refuses_a_fifo_without_opening_it(tmp_path):
    """`repair-check` and the library detect before they hash: a FIFO must not block them."""
    import os

    from feedarchive.formats import detect_format

    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    with pytest.raises(SourceError, match="not a regular file"):
        detect_format(fifo)
