"""Security: untrusted text stays text on every page and export, the web UI cannot write, the
server binds to loopback, and archive member names or links never reach outside the archive.

tests/test_web.py covers hostile post text on the post, author, search and table pages; this
file adds hostile author names, bios and websites, thread titles, search snippets, the Atom
feed, the Markdown export, Datasette's own table and row pages, and disguised links."""
from __future__ import annotations

import io
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import time
import urllib.request
import zipfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import pytest

from feedarchive.cli import cli
from feedarchive.errors import SourceError
from feedarchive.formats import read_document
from feedarchive.importer import import_file
from feedarchive.store import open_db
from feedarchive.web import make_datasette

from conftest import FIXTURES, timeline
from conftest import query as rows

MASTODON_FOLDER = FIXTURES / "formats" / "mastodon"

# Every payload carries PWN, so a check can tell our test's markup from Datasette's own.
NAME = '<script>PWN_name()</script>Eve "Evil" <b>Hacker</b>'
BIO = ('Bio <img src=x onerror="PWN_bio()"> & <svg onload=PWN_svg()>\n'
       '<a href="javascript:PWN_biolink()">me</a>\n'
       'evil.example/"onmouseover="PWN_site()')
TITLE = "(1/2) <script>PWN_title()</script> <img src=x onerror=PWN_title2()> a thread"
POSTS = [
    (TITLE, "1", "2", "30"),
    ("(2/2) end <iframe src=javascript:PWN_iframe()></iframe> PWNword", "0", "1", "5"),
    ('links: JaVaScRiPt:PWN_js1() javascript&#58;PWN_js2() data:text/html,<script>PWN_data()'
     '</script> PWNword', "0", "0", "1"),
    ('https://ok.example/"><script>PWN_break()</script> and https://ok.example/?a=<b>PWN</b>'
     " PWNword", "0", "0", "2"),
    ("@eve_hax #<script>PWN_tag() #PWN\"onclick=\"x &lt;script&gt;PWN_ent()&lt;/script&gt; "
     "PWNword", "0", "0", "3"),
    ("]]><script>PWN_cdata()</script> <![CDATA[ x ]]> PWNword", "0", "0", "4"),
]
HANDLE = "eve_hax"


class Inspector(HTMLParser):
    """Collects what a browser would treat as active content carrying a PWN payload."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        self.in_script = tag in ("script", "style")
        if tag in ("img", "iframe", "svg", "object", "embed") and any(
                "PWN" in (value or "") for _, value in attrs):
            self.problems.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            value = (value or "").strip().lower()
            if name.startswith("on") and "pwn" in value:
                self.problems.append(f"handler {name}={value!r} on <{tag}>")
            if "pwn" in name:
                self.problems.append(f"attribute {name!r} on <{tag}> (broken out of a value)")
            if name in ("href", "src", "action", "formaction", "xlink:href") and \
                    re.sub(r"[\s\x00-\x1f]", "", value).startswith(("javascript:", "data:",
                                                                     "vbscript:")):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self.in_script = False

    def handle_data(self, data):
        if self.in_script and "PWN" in data:
            self.problems.append(f"script content {data[:80]!r}")


def assert_inert(html: str, where: str = "") -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    assert not inspector.problems, (where, inspector.problems)
    assert not re.search(r"<(script|img|iframe|svg)\b[^>]*PWN", html, re.I), where


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    root = tmp_path_factory.mktemp("hostile")
    path = root / "eve.txt"
    path.write_text(timeline(*POSTS, handle=HANDLE, name=NAME, bio=BIO), encoding="utf-8")
    db_path = root / "feedarchive.db"
    db = open_db(db_path)
    report = import_file(db, path)
    assert report.posts == len(POSTS) and report.threads == 1, report
    db.conn.close()
    return db_path



def test_the_hostile_archive_keeps_the_payloads_as_text(hostile):
    """Stored as found: escaping is the pages' job, nothing is silently dropped on import."""
    assert rows(hostile, "select name from authors")[0][0] == NAME
    assert rows(hostile, "select title from threads")[0][0].startswith("(1/2) <script>")


async def pages(ds, hostile) -> dict[str, str]:
    thread = rows(hostile, "select id from threads")[0][0]
    post_ids = [r[0] for r in rows(hostile, "select id from posts order by position")]
    urls = ["/", f"/-/author/{HANDLE}", f"/-/author/{HANDLE}?from=2", f"/-/thread/{thread}",
            "/-/search?q=PWNword", "/-/search?q=script", "/-/search?q=PWN_title",
            f"/-/search?q=PWNword&author={HANDLE}&sort=likes",
            "/feedarchive/authors", f"/feedarchive/authors/{HANDLE}",
            "/feedarchive/threads", f"/feedarchive/threads/{thread}",
            "/feedarchive/posts", "/feedarchive/posts?_search=PWNword",
            "/feedarchive/profile_history", "/feedarchive/repairs", "/feedarchive/sources",
            "/feedarchive/thread_candidates", "/feedarchive/posts_fts",
            "/feedarchive?sql=" + quote("select name, bio, website from authors"),
            "/feedarchive?sql=" + quote("select title from threads"),
            "/feedarchive/top_threads", "/feedarchive/incomplete_threads",
            "/feedarchive/most_reposted", "/feedarchive/thread_candidates"]
    urls += [f"/-/post/{pid}" for pid in post_ids]
    urls += [f"/feedarchive/posts/{pid}" for pid in post_ids]
    out = {}
    for url in urls:
        response = await ds.client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        out[url] = response.text
    return out


async def test_hostile_names_bios_titles_and_posts_are_inert_on_every_page(hostile):
    ds = make_datasette(hostile)
    for url, html in (await pages(ds, hostile)).items():
        assert_inert(html, url)
    author = (await ds.client.get(f"/-/author/{HANDLE}")).text
    assert "&lt;script&gt;PWN_name()" in author and "&lt;img src=x onerror=" in author
    thread = (await ds.client.get(f"/-/thread/{rows(hostile, 'select id from threads')[0][0]}"))
    assert "&lt;script&gt;PWN_title()" in thread.text
    home = (await ds.client.get("/")).text
    assert "PWN_title" in home or "a thread" in home  # the thread title is listed, as text


async def test_search_snippets_escape_the_text_around_the_highlight(hostile):
    ds = make_datasette(hostile)
    data = (await ds.client.get("/-/search.json?q=PWNword")).json()
    assert len(data["results"]) == len(POSTS) - 1
    for result in data["results"]:
        snippet = result["snippet_html"]
        assert_inert(snippet, snippet)
        assert re.sub(r"</?mark>", "", snippet).count("<") == 0, snippet
    for q in ["script", "PWN_break", "onerror", "javascript"]:
        html = (await ds.client.get(f"/-/search?q={q}")).text
        assert_inert(html, q)


async def test_atom_feed_escapes_names_titles_and_posts(hostile):
    import xml.etree.ElementTree as ET

    ds = make_datasette(hostile)
    response = await ds.client.get(f"/-/author/{HANDLE}.atom")
    assert response.status_code == 200
    feed = ET.fromstring(response.text.encode("utf-8"))  # well-formed despite ]]> and <![CDATA[
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert NAME in feed.find("a:title", ns).text
    for entry in feed.findall("a:entry", ns):
        content = entry.find("a:content", ns)
        body = content.text or ""
        if content.get("type") == "html":  # a reader renders this HTML: it must be inert
            assert_inert(body, body)
        for element in entry.iter():
            assert not (element.tag.endswith("script") or element.tag.endswith("img"))
            for name, value in element.attrib.items():
                assert not value.strip().lower().startswith("javascript:"), (name, value)


async def test_markdown_export_escapes_markup(hostile):
    ds = make_datasette(hostile)
    thread = rows(hostile, "select id from threads")[0][0]
    md = (await ds.client.get(f"/-/thread/{thread}.md")).text
    # Markdown renderers pass raw HTML through: no tag of ours may survive unescaped.
    assert not re.search(r"(?<!\\)<(script|img|iframe|svg|a)\b", md, re.I), md
    assert not re.search(r"\]\(\s*javascript:", md, re.I), md
    assert "PWN\\_title()" in md and "PWN\\_iframe()" in md  # shown, as text
    from click.testing import CliRunner

    assert CliRunner().invoke(cli, ["export-thread", thread, "--db", str(hostile)]).output == md


async def test_disguised_links_are_never_linked(hostile):
    ds = make_datasette(hostile)
    for pid, in rows(hostile, "select id from posts"):
        html = (await ds.client.get(f"/-/post/{pid}")).text
        assert_inert(html, pid)
        for href in re.findall(r'href="([^"]*)"', html):
            assert href.startswith(("/", "http://", "https://", "#", "?")), href
            assert "<" not in href and '"' not in href, href


# --------------------------------------------------------------------------- read-only

async def test_the_web_ui_cannot_write(hostile):
    ds = make_datasette(hostile)
    before = rows(hostile, "select count(*), group_concat(id) from posts")
    writes = [
        "delete from posts", "update posts set text = 'x'", "insert into posts (id) values ('x')",
        "drop table posts", "create table t (x)", "attach database '/tmp/x.db' as x",
        "pragma writable_schema = 1", "pragma journal_mode = delete", "vacuum",
        "with x as (select 1) delete from posts", "select 1; delete from posts",
        "replace into authors (handle) values ('x')", "reindex", "analyze",
        "select load_extension('x')", "select writefile('/tmp/x', 'y')",
    ]
    for sql in writes:
        response = await ds.client.get("/feedarchive.json?sql=" + quote(sql))
        assert response.status_code >= 400 or response.json().get("ok") is False, sql
    for method, url in [("post", "/feedarchive"), ("post", "/feedarchive/posts"),
                        ("post", "/feedarchive/-/create"), ("post", "/feedarchive/posts/-/insert"),
                        ("post", "/feedarchive/posts/-/upsert"), ("post", "/-/upload-csvs"),
                        ("post", "/-/upload-csv"), ("post", "/feedarchive/posts/-/drop"),
                        ("put", "/feedarchive/posts"), ("delete", "/feedarchive/posts"),
                        ("post", f"/-/author/{HANDLE}"), ("post", "/-/search")]:
        response = await getattr(ds.client, method)(url)
        assert response.status_code >= 400, (method, url, response.status_code)
    assert (await ds.client.get("/feedarchive.db")).status_code in (403, 404)
    plugins = {p["name"] for p in (await ds.client.get("/-/plugins.json")).json()}
    assert not plugins & {"datasette-upload-csvs", "datasette-write", "datasette-insert",
                          "datasette-edit-schema", "datasette-write-ui"}, plugins
    assert rows(hostile, "select count(*), group_concat(id) from posts") == before


# --------------------------------------------------------------------------- binding

def listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port` (Linux /proc/net/tcp and tcp6)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            address, state = fields[1], fields[3]
            host, port_hex = address.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:
                found.add(host)
    return found


def test_serve_binds_to_loopback_only_by_default(hostile, tmp_path):
    if not Path("/proc/net/tcp").exists():
        pytest.skip("needs Linux /proc/net/tcp")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "feedarchive", "serve", "--db", str(hostile),
                               "--port", str(port)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=2)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read().decode()
                time.sleep(0.1)
        addresses = listening_addresses(server.pid, port)
        assert addresses == {"0100007F"}, addresses  # 127.0.0.1, and nothing else
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_every_way_to_serve_defaults_to_loopback():
    import inspect

    from feedarchive import web

    assert inspect.signature(web.serve).parameters["host"].default == "127.0.0.1"
    for name in ("serve", "demo"):
        host = next(p for p in cli.commands[name].params if p.name == "host")
        assert host.default == "127.0.0.1", name


# --------------------------------------------------------------------------- archive paths

def secret_outbox(tmp_path: Path) -> Path:
    """A valid outbox.json outside the archive, with a token that must never be imported."""
    outside = tmp_path / "outside"
    outside.mkdir(exist_ok=True)
    secret = outside / "outbox.json"
    secret.write_text((MASTODON_FOLDER / "outbox.json").read_text(encoding="utf-8")
                      .replace("tokenizer benchmark", "SECRETTOKEN benchmark"), encoding="utf-8")
    return secret


def assert_secret_not_imported(tmp_path: Path, source: Path, format: str | None = "mastodon"):
    db = open_db(tmp_path / f"{source.name}.db")
    try:
        import_file(db, source, format)
    except SourceError:
        pass
    assert not db.execute("select count(*) from posts where text like '%SECRETTOKEN%'") \
        .fetchone()[0]


def add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    archive.addfile(info, io.BytesIO(data))


@pytest.mark.parametrize("name", ["../../outbox.json", "archive/../../outbox.json",
                                  "..\\..\\outbox.json", "C:/outbox.json", "/outbox.json",
                                  "./../outbox.json"])
def test_tar_slip_names_are_refused(tmp_path, name):
    path = tmp_path / "evil.tar.gz"
    data = (MASTODON_FOLDER / "outbox.json").read_bytes()
    with tarfile.open(path, "w:gz") as archive:
        add_bytes(archive, "actor.json", (MASTODON_FOLDER / "actor.json").read_bytes())
        add_bytes(archive, "outbox.json", data)
        add_bytes(archive, name, data)
    with pytest.raises(SourceError, match="unsafe member name"):
        read_document(path, "mastodon")
    with pytest.raises(SourceError, match="unsafe member name"):
        read_document(path)
    assert not (tmp_path.parent / "outbox.json").exists()


@pytest.mark.parametrize("link", ["symlink", "hardlink"])
def test_tar_link_members_are_never_followed(tmp_path, link):
    secret = secret_outbox(tmp_path)
    path = tmp_path / "evil.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        add_bytes(archive, "actor.json", (MASTODON_FOLDER / "actor.json").read_bytes())
        info = tarfile.TarInfo("outbox.json")
        info.type = tarfile.SYMTYPE if link == "symlink" else tarfile.LNKTYPE
        info.linkname = str(secret) if link == "symlink" else "../outside/outbox.json"
        archive.addfile(info)
    assert_secret_not_imported(tmp_path, path)
    assert_secret_not_imported(tmp_path, path, None)


def test_zip_symlink_members_are_read_as_their_own_bytes(tmp_path):
    """A zip 'symlink' member holds its target path as data; it is never resolved."""
    secret = secret_outbox(tmp_path)
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("actor.json", (MASTODON_FOLDER / "actor.json").read_text())
        info = zipfile.ZipInfo("outbox.json")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)  # S_IFLNK
        archive.writestr(info, str(secret))
        info = zipfile.ZipInfo("data/tweets.js")
        info.create_system = 3
        info.external_attr = (0o120777 << 16)
        archive.writestr(info, str(secret))
    assert_secret_not_imported(tmp_path, path, None)
    assert_secret_not_imported(tmp_path, path, "x-archive")


def test_symlinks_in_an_unpacked_archive_folder_do_not_reach_outside(tmp_path):
    secret = secret_outbox(tmp_path)
    folder = tmp_path / "archive"
    folder.mkdir()
    shutil.copy(MASTODON_FOLDER / "actor.json", folder / "actor.json")
    os.symlink(secret, folder / "outbox.json")
    assert_secret_not_imported(tmp_path, folder)
