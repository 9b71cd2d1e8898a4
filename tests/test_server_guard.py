"""What the server refuses, and how: no request a visitor can make gets a 500, nothing but GET
and HEAD is served, and only requests addressed to this machine (or the name `serve --host`
gave) are answered."""
from __future__ import annotations

import pytest

from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import timeline

PRIVATE_USE = "\ue000shh\ue001"


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "archive.db"
    scrape = tmp_path / "ada.txt"
    scrape.write_text(timeline(
        (f"Lentil soup recipe {PRIVATE_USE} for the lab", "0", "1", "5"),
        ("1/2 How we cut our eval bill in half", "1", "2", "30"),
        ("2/2 Smaller batches, same lentil budget", "0", "0", "3"),
    ), encoding="utf-8")
    import_file(open_db(path), scrape)
    return path


@pytest.mark.parametrize("path", ["/archive/posts", "/archive/top_threads", "/-/messages",
                                  "/-/search", "/", "/-/author/ada_lab"])
async def test_only_get_and_head_are_served(archive, path):
    response = await make_datasette(archive).client.post(path)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("host, status", [
    ("localhost", 200), ("127.0.0.1:8001", 200), ("[::1]:8001", 200),
    ("evil.example", 421), ("evil.example:8001", 421), ("", 421),
])
async def test_requests_must_name_this_machine(archive, host, status):
    response = await make_datasette(archive).client.get("/-/author/ada_lab.atom",
                                                        headers={"host": host})
    assert response.status_code == status
    if status == 421:
        assert "evil.example" not in response.text


async def test_serve_host_adds_its_name_and_any_address_allows_all(archive):
    named = make_datasette(archive, host="archive.lan")
    assert (await named.client.get("/", headers={"host": "archive.lan:8001"})).status_code == 200
    assert (await named.client.get("/", headers={"host": "other.lan"})).status_code == 421
    everywhere = make_datasette(archive, host="0.0.0.0")
    assert (await everywhere.client.get("/", headers={"host": "other.lan"})).status_code == 200


@pytest.mark.parametrize("path", [
    "/-/author/ada_lab?from=99999999999999999999", "/-/author/ada_lab?from=-5",
    "/-/author/ada_lab?from=x", "/-/search?q=lentil&page=99999999999999999999",
    "/-/search?q=lentil&page=0",
])
async def test_numbers_out_of_range_are_held_in_range(archive, path):
    response = await make_datasette(archive).client.get(path)
    assert response.status_code == 200


async def test_private_use_characters_in_a_post_are_shown_as_themselves(archive):
    response = await make_datasette(archive).client.get("/-/search?q=soup")
    assert response.status_code == 200
    assert PRIVATE_USE in response.text
    assert response.text.count("<mark>") == 1 and "<mark>soup</mark>" in response.text.lower()
    data = await make_datasette(archive).client.get("/-/search.json?q=soup")
    assert PRIVATE_USE in data.json()["results"][0]["snippet"]
