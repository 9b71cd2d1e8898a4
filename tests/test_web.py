"""The archive served by Datasette with our plugin, exercised in-process and over HTTP."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import timeline

POSTS = timeline(
    ("(3/4) Thanks for reading <script>alert('x')</script>", "1", "2", "30"),
    ("Weekend plan: sourdough and a long walk.", "0", "1", "12"),
    ("(1/4) How we cut our eval bill in half.", "4", "20", "310"),
)


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "feedarchive.db"
    source = tmp_path / "ada.txt"
    source.write_text(POSTS, encoding="utf-8")
    import_file(open_db(path), source)
    return path


def thread_id(path) -> str:
    return open_db(path).execute("select id from threads").fetchone()[0]


async def test_plugin_is_registered(archive):
    response = await make_datasette(archive).client.get("/-/plugins.json")
    plugin = next(p for p in response.json() if p["name"] == "feedarchive")
    assert {"register_routes", "canned_queries", "get_metadata"} <= set(plugin["hooks"])
    assert plugin["templates"]


async def test_thread_page_shows_parts_in_order_and_the_gaps(archive):
    ds = make_datasette(archive)
    response = await ds.client.get(f"/-/thread/{thread_id(archive)}")
    assert response.status_code == 200
    html = response.text
    assert html.index("How we cut our eval bill") < html.index("Thanks for reading")
    assert "part 2 not in the archive" in html
    assert "part 4 not in the archive" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


async def test_thread_json(archive):
    response = await make_datasette(archive).client.get(f"/-/thread/{thread_id(archive)}.json")
    data = response.json()
    assert data["thread"]["declared_total"] == 4
    assert data["thread"]["missing"] == [2, 4]
    assert [p["thread_index"] for p in data["parts"]] == [1, 3]


async def test_unknown_thread_is_a_404(archive):
    response = await make_datasette(archive).client.get("/-/thread/tnope")
    assert response.status_code == 404


async def test_search_over_posts(archive):
    response = await make_datasette(archive).client.get(
        "/feedarchive/posts.json?_search=sourdough&_shape=array")
    assert [row["text"] for row in response.json()] == ["Weekend plan: sourdough and a long walk."]


async def test_canned_queries_are_offered(archive):
    ds = make_datasette(archive)
    response = await ds.client.get("/feedarchive/incomplete_threads.json?_shape=array")
    rows = response.json()
    assert len(rows) == 1 and json.loads(rows[0]["missing"]) == [2, 4]
    top = await ds.client.get("/feedarchive/top_threads.json?_shape=array")
    assert top.json()[0]["likes"] == 340


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_answers_a_thread_page_and_a_search(archive):
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "feedarchive", "serve", "--db", str(archive), "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/-/versions.json", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        page = urllib.request.urlopen(f"{base}/-/thread/{thread_id(archive)}").read().decode()
        assert "How we cut our eval bill" in page
        found = json.load(urllib.request.urlopen(
            f"{base}/feedarchive/posts.json?_search=eval&_shape=array"))
        assert [r["likes"] for r in found] == [310]
    finally:
        server.terminate()
        server.wait(timeout=10)
