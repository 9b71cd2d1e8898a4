"""Every field of every JSON source, given a value of the wrong type: the import ends with a
message (a FeedarchiveError) or imports, and never raises anything else. The inputs are the
project's own fixtures with one value changed at a time, and random values from Hypothesis."""
from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any, Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedarchive.errors import FeedarchiveError
from feedarchive.importer import import_file
from feedarchive.store import open_db

from conftest import FIXTURES

FORMATS = FIXTURES / "formats"
WRONG = [5, {}, [], None, "x", 1e20, True, -1, {"id": 5, "href": 5, "url": 5}, [5]]


def field_paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every place in a JSON value (the first three items of a list), the value itself too."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from field_paths(item, prefix + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value[:3]):
            yield from field_paths(item, prefix + (index,))


def replaced(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(value))
    place = copy
    for step in path[:-1]:
        place = place[step]
    place[path[-1]] = new
    return copy


def imports_or_says_why(db_path: Path, source: Path) -> None:
    try:
        import_file(open_db(db_path), source)
    except FeedarchiveError:
        pass


def jsonl_first_record(name: str) -> tuple[dict, list[str]]:
    lines = (FORMATS / name).read_text(encoding="utf-8").splitlines()
    return json.loads(lines[0]), lines[1:]


def mutations(record: dict) -> list[tuple[tuple, Any]]:
    return [(path, bad) for path in field_paths(record) for bad in WRONG]


@pytest.mark.parametrize("name", ["snscrape.jsonl", "twscrape.jsonl", "twarc2.jsonl",
                                  "twarc2-flat.jsonl"])
def test_every_field_of_a_json_lines_record(tmp_path, name):
    first, rest = jsonl_first_record(name)
    for number, (path, bad) in enumerate(mutations(first)):
        source = tmp_path / f"{number}.jsonl"
        source.write_text("\n".join([json.dumps(replaced(first, path, bad)), *rest]) + "\n",
                          encoding="utf-8")
        imports_or_says_why(tmp_path / f"{number}.db", source)


@pytest.mark.parametrize("member", ["outbox", "actor"])
def test_every_field_of_a_mastodon_archive(tmp_path, member):
    outbox = json.loads((FORMATS / "mastodon" / "outbox.json").read_text(encoding="utf-8"))
    actor = json.loads((FORMATS / "mastodon" / "actor.json").read_text(encoding="utf-8"))
    target = outbox["orderedItems"][1] if member == "outbox" else actor
    for number, (path, bad) in enumerate(mutations(target)):
        folder = tmp_path / str(number)
        folder.mkdir()
        changed = replaced(target, path, bad)
        items = [outbox["orderedItems"][0], changed, *outbox["orderedItems"][2:]] \
            if member == "outbox" else outbox["orderedItems"]
        (folder / "outbox.json").write_text(json.dumps({**outbox, "orderedItems": items}),
                                            encoding="utf-8")
        (folder / "actor.json").write_text(json.dumps(changed if member == "actor" else actor),
                                           encoding="utf-8")
        imports_or_says_why(tmp_path / f"{number}.db", folder)


@pytest.mark.parametrize("member, key", [("tweets.js", "tweets"), ("account.js", "account")])
def test_every_field_of_an_x_archive(tmp_path, member, key):
    original = (FORMATS / "x-archive" / "data" / member).read_text(encoding="utf-8")
    records = json.loads(original[original.index("["):])
    for number, (path, bad) in enumerate(mutations(records[0])):
        folder = tmp_path / str(number)
        shutil.copytree(FORMATS / "x-archive", folder)
        changed = [replaced(records[0], path, bad), *records[1:]]
        (folder / "data" / member).write_text(f"window.YTD.{key}.part0 = " + json.dumps(changed),
                                              encoding="utf-8")
        imports_or_says_why(tmp_path / f"{number}.db", folder)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=3),
    max_leaves=8)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path_index=st.integers(min_value=0), value=JSON_VALUES)
def test_random_values_anywhere_in_a_scraped_tweet(tmp_path_factory, path_index, value):
    first, rest = jsonl_first_record("snscrape.jsonl")
    paths = list(field_paths(first))
    folder = tmp_path_factory.mktemp("random")
    source = folder / "dump.jsonl"
    changed = replaced(first, paths[path_index % len(paths)], value)
    source.write_text("\n".join([json.dumps(changed), *rest]) + "\n", encoding="utf-8")
    imports_or_says_why(folder / "a.db", source)
