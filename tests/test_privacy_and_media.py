"""What a platform did not make public stays out of the archive unless the user asks for it,
and is marked wherever it is shown when they do; media are shown as links with their alt text.
The export is a small Mastodon outbox written here."""
from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from feedarchive.cli import cli
from feedarchive.web import make_datasette

from conftest import query

ACTOR = "https://toot.example/users/ada"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def note(number: int, text: str, to: list[str], cc: list[str], attachment=()) -> dict:
    uri = f"{ACTOR}/statuses/{number}"
    return {
        "type": "Create", "actor": ACTOR, "published": f"2024-05-0{number}T10:00:00Z",
        "to": to, "cc": cc,
        "object": {
            "id": uri, "type": "Note", "url": f"https://toot.example/@ada/{number}",
            "published": f"2024-05-0{number}T10:00:00Z", "to": to, "cc": cc,
            "content": f"<p>{text}</p>", "attachment": list(attachment),
        },
    }


OUTBOX = {
    "@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection",
    "totalItems": 4,
    "orderedItems": [
        note(1, "Lentils again, everyone is welcome to the potluck", [PUBLIC], []),
        note(2, "Quiet update about the potluck", [], [PUBLIC]),
        note(3, "Only for my followers: the potluck moved to Thursday",
             [f"{ACTOR}/followers"], [],
             [{"type": "Document", "mediaType": "image/jpeg", "url": "/media/map.jpg",
               "name": "A hand-drawn map to the park", "width": 800, "height": 600}]),
        note(4, "Psst @bea the potluck secret recipe", ["https://toot.example/users/bea"], []),
    ],
}
ACTOR_JSON = {"id": ACTOR, "type": "Person", "preferredUsername": "ada", "name": "Ada",
              "followers": f"{ACTOR}/followers"}


@pytest.fixture
def outbox(tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "outbox.json").write_text(json.dumps(OUTBOX), encoding="utf-8")
    (folder / "actor.json").write_text(json.dumps(ACTOR_JSON), encoding="utf-8")
    return folder


def import_cli(db, outbox, *options):
    return CliRunner().invoke(cli, ["import", "--db", str(db), *options, str(outbox)])


def test_followers_only_and_direct_posts_are_left_out_by_default(tmp_path, outbox):
    db = tmp_path / "a.db"
    result = import_cli(db, outbox)
    assert result.exit_code == 0, result.output
    assert "2 private left out" in result.output
    assert dict(query(db, "select visibility, count(*) from posts group by 1")) == \
        {"public": 1, "unlisted": 1}
    # Nothing of them anywhere: not in the search index, not in the media table.
    assert query(db, "select count(*) from posts_fts where posts_fts match 'Thursday'") == [(0,)]
    assert query(db, "select count(*) from media") == [(0,)]


async def test_include_private_imports_them_and_every_page_marks_them(tmp_path, outbox):
    db = tmp_path / "a.db"
    assert import_cli(db, outbox, "--include-private").exit_code == 0
    ds = make_datasette(db)
    post_id = "mastodon:" + f"{ACTOR}/statuses/3"
    page = await ds.client.get("/-/post/" + quote(post_id, safe=":/"))
    assert page.status_code == 200
    assert "followers-only" in page.text and "fa-private" in page.text
    assert "A hand-drawn map to the park" in page.text  # the alt text
    assert 'href="/media/map.jpg"' in page.text
    public = await ds.client.get("/-/post/" + quote("mastodon:" + f"{ACTOR}/statuses/1", safe=":/"))
    assert "fa-badge-private" not in public.text
    search = await ds.client.get("/-/search?q=potluck")
    assert search.text.count("fa-badge-private") == 2  # the followers-only and the direct one
    assert "direct message" in search.text
    author = await ds.client.get("/-/author/ada@toot.example")
    assert author.status_code == 200 and author.text.count("fa-badge-private") == 2
    feed = await ds.client.get("/-/author/ada@toot.example.atom")
    assert "[followers-only] Only for my followers" in feed.text


async def test_an_old_handle_redirects_to_the_current_one(tmp_path):
    """An account renamed between two scrapes is one author; its old page sends you on."""
    def tweet(number: int, handle: str, date: str) -> str:
        return json.dumps({
            "_type": "snscrape.modules.twitter.Tweet", "id": number,
            "url": f"https://x.com/{handle}/status/{number}", "date": date,
            "rawContent": f"Post number {number} from the lab", "likeCount": number,
            "user": {"id": 42, "username": handle, "displayname": "The Lab"},
        })

    older = tmp_path / "older.jsonl"
    older.write_text(tweet(1, "lab_old", "2022-01-01T00:00:00+00:00") + "\n", encoding="utf-8")
    newer = tmp_path / "newer.jsonl"
    newer.write_text(tweet(2, "lab_new", "2025-01-01T00:00:00+00:00") + "\n"
                     + tweet(1, "lab_new", "2022-01-01T00:00:00+00:00") + "\n", encoding="utf-8")
    db = tmp_path / "a.db"
    for path in (newer, older):  # the older scrape imported last
        assert import_cli(db, path).exit_code == 0
    assert query(db, "select handle, native_id from authors") == [("lab_new", "x:42")]
    assert query(db, "select distinct author from posts") == [("lab_new",)]
    response = await make_datasette(db).client.get("/-/author/lab_old")
    assert response.status_code == 301
    assert response.headers["location"] == "/-/author/lab_new"
