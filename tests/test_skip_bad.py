"""`--skip-bad` for every format that has records: one bad record (a field of the wrong type,
a count past any real one) fails the source, naming where it is, and nothing is written; with
`--skip-bad` the other records import and the bad one is listed in the warnings."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Callable

import pytest

from feedarchive.errors import SourceError
from feedarchive.importer import import_file
from feedarchive.store import open_db

from conftest import FIXTURES, timeline
from test_activity_sources import build_car, post as bluesky_post

FORMATS = FIXTURES / "formats"


def x_archive_with_bad_tweet(folder: Path) -> tuple[Path, int]:
    """The fixture archive with the first tweet's `full_text` a number."""
    archive = folder / "x-archive"
    shutil.copytree(FORMATS / "x-archive", archive)
    tweets = archive / "data" / "tweets.js"
    prefix, _, array = tweets.read_text(encoding="utf-8").partition("=")
    items = json.loads(array)
    items[0]["tweet"]["full_text"] = 5
    tweets.write_text(prefix + "= " + json.dumps(items, indent=1), encoding="utf-8")
    part1 = archive / "data" / "tweets-part1.js"
    more = len(json.loads(part1.read_text(encoding="utf-8").partition("=")[2]))
    return archive, len(items) - 1 + more


def mastodon_with_bad_toot(folder: Path) -> tuple[Path, int]:
    """The fixture export with one of its `orderedItems` a string, not an activity."""
    export = folder / "mastodon"
    shutil.copytree(FORMATS / "mastodon", export)
    outbox = json.loads((export / "outbox.json").read_text(encoding="utf-8"))
    items = outbox["orderedItems"]
    items[1] = "https://scholar.social/users/nadia/statuses/1/activity"
    (export / "outbox.json").write_text(json.dumps(outbox), encoding="utf-8")
    return export, len(items) - 1


def bluesky_with_bad_record(folder: Path) -> tuple[Path, int]:
    """A repository of three posts, one replying to a parent that is a number."""
    path = folder / "repo.car"
    path.write_bytes(build_car({
        "app.bsky.feed.post/3kaaa": bluesky_post("Heron survey at the marsh today"),
        "app.bsky.feed.post/3kbbb": bluesky_post("Two egrets as well",
                                                 reply={"parent": 5, "root": 5}),
        "app.bsky.feed.post/3kccc": bluesky_post("Notes are up on the blog"),
    }))
    return path, 2


def twarc_page_with_bad_tweet(folder: Path) -> tuple[Path, int]:
    """The fixture's response page with one tweet's `text` a list: the page's other tweets
    are still good."""
    page = json.loads((FORMATS / "twarc2.jsonl").read_text(encoding="utf-8"))
    page["data"][1]["text"] = ["not", "a", "string"]
    path = folder / "page.jsonl"
    path.write_text(json.dumps(page) + "\n", encoding="utf-8")
    return path, len(page["data"]) - 1


def timeline_with_bad_count(folder: Path) -> tuple[Path, int]:
    """A scrape whose middle post has a like count no 64-bit integer holds."""
    path = folder / "ada.txt"
    path.write_text(timeline(
        ("Shipped the new tokenizer today", "3", "14", "1.2K"),
        ("A post with an impossible count", "0", "1", "999999999999B"),
        ("Reading list for the weekend", "0", "1", "9"),
    ), encoding="utf-8")
    return path, 2


SOURCES: dict[str, Callable[[Path], tuple[Path, int]]] = {
    "x-archive": x_archive_with_bad_tweet,
    "mastodon": mastodon_with_bad_toot,
    "bluesky": bluesky_with_bad_record,
    "twarc2": twarc_page_with_bad_tweet,
    "timeline": timeline_with_bad_count,
}


@pytest.mark.parametrize("kind", SOURCES)
def test_one_bad_record_fails_the_source_with_nothing_written(tmp_path, kind):
    source, _ = SOURCES[kind](tmp_path)
    db = open_db(tmp_path / "archive.db")
    with pytest.raises(SourceError) as raised:
        import_file(db, source)
    assert str(source) in str(raised.value)
    assert db["sources"].count == 0 and db["posts"].count == 0


@pytest.mark.parametrize("kind", SOURCES)
def test_skip_bad_imports_the_other_records_and_lists_the_bad_one(tmp_path, kind):
    source, good = SOURCES[kind](tmp_path)
    db = open_db(tmp_path / "archive.db")
    report = import_file(db, source, skip_bad=True)
    assert report.status == "imported"
    assert report.posts == good == db["posts"].count
    skipped = [w for w in report.warnings if w.endswith(" skipped")]
    assert len(skipped) == 1, report.warnings
    assert str(source) in skipped[0]


def test_x_archive_skipped_tweets_are_listed_up_to_a_cap(tmp_path):
    """Thousands of bad tweets across the blocks workers parse: the first are listed, the
    rest counted, so the stored warnings stay small."""
    archive = tmp_path / "x-archive"
    shutil.copytree(FORMATS / "x-archive", archive)
    tweets = archive / "data" / "tweets.js"
    prefix, _, array = tweets.read_text(encoding="utf-8").partition("=")
    good = json.loads(array)
    bad = [{"tweet": {"id_str": str(n), "full_text": n}} for n in range(5_000)]
    tweets.write_text(prefix + "= " + json.dumps(good + bad), encoding="utf-8")
    report = import_file(open_db(tmp_path / "a.db"), archive, skip_bad=True)
    assert report.posts >= len(good)
    assert len(report.warnings) <= 250
    assert sum(w.endswith("tweet skipped") for w in report.warnings) >= 100
    assert any("more bad tweets skipped" in w or "more warnings not listed" in w
               for w in report.warnings)
