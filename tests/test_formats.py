"""Every source a user already has: each format is detected, read and stored in one schema.

Fixtures in `tests/fixtures/formats/` were written for these tests (see `make_bluesky_car.py`
for the Bluesky repository); archives (.zip, .tar.gz) are built from the fixture folders in a
temporary directory. The homepage seeds are read from ../shared when it is there.
"""
from __future__ import annotations

import io
import json
import pickle
import tarfile
import zipfile
from pathlib import Path

import pytest

from feedarchive.errors import SourceError, UnknownFormatError
from feedarchive.formats.members import source_sha256, source_units
from feedarchive.formats import (
    common,
    detect_format,
    members,
    read_document,
)
from feedarchive.importer import import_file
from feedarchive.store import open_db

from conftest import SHARED

FORMATS = Path(__file__).resolve().parent / "fixtures" / "formats"
X_FOLDER = FORMATS / "x-archive"
MASTODON_FOLDER = FORMATS / "mastodon"
SEEDS = {
    "cv_text": SHARED / "seeds" / "000_ac2d6b12a8ee01dd.txt",
    "bullets_text": SHARED / "seeds" / "002_8c82a990720c7a7b.txt",
    "jekyll_markdown": SHARED / "seeds" / "003_73bbf1b8326d75fa.txt",
}
OWNER_THREAD = ["1977039512872108177", "1977039870516215893", "1977040218345652502"]


@pytest.fixture
def db(tmp_path):
    return open_db(tmp_path / "archive.db")


def rows(db, sql, params=()):
    return [dict(r) for r in db.execute_returning_dicts(sql, params)]


def zip_folder(folder: Path, target: Path, top: str = "") -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, top + path.relative_to(folder).as_posix())
    return target


def tar_folder(folder: Path, target: Path) -> Path:
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            archive.add(path, path.relative_to(folder).as_posix())
        media = b"\x89PNG\r\n\x1a\n" + bytes(2000)  # archives carry media; it is never read
        info = tarfile.TarInfo("media_attachments/files/113/296/118/original/chart.png")
        info.size = len(media)
        archive.addfile(info, io.BytesIO(media))
    return target


@pytest.fixture
def x_zip(tmp_path):
    return zip_folder(X_FOLDER, tmp_path / "twitter-2025-10-12-nadia.zip")


@pytest.fixture
def mastodon_tar(tmp_path):
    return tar_folder(MASTODON_FOLDER, tmp_path / "archive-20251013-nadia.tar.gz")


def seed(name: str) -> Path:
    path = SEEDS[name]
    if not path.exists():
        pytest.skip("../shared/seeds is not beside this checkout")
    return path


# -- detection -----------------------------------------------------------------------------
def test_every_format_is_detected_without_being_told(x_zip, mastodon_tar):
    assert detect_format(x_zip) == "x-archive"
    assert detect_format(X_FOLDER) == "x-archive"
    assert detect_format(X_FOLDER / "data" / "tweets.js") == "x-archive"
    assert detect_format(FORMATS / "x-legacy" / "tweet.js") == "x-archive"
    assert detect_format(mastodon_tar) == "mastodon"
    assert detect_format(MASTODON_FOLDER) == "mastodon"
    assert detect_format(MASTODON_FOLDER / "outbox.json") == "mastodon"
    assert detect_format(FORMATS / "bluesky.car") == "bluesky"
    assert detect_format(FORMATS / "snscrape.jsonl") == "snscrape"
    assert detect_format(FORMATS / "twscrape.jsonl") == "snscrape"
    assert detect_format(FORMATS / "twarc2.jsonl") == "twarc2"
    assert detect_format(FORMATS / "twarc2-flat.jsonl") == "twarc2"
    assert detect_format(FORMATS / "homepage.html") == "homepage"


def test_homepage_seeds_are_detected_and_the_timeline_seed_is_not_a_homepage(seed_timeline):
    for name in SEEDS:
        assert detect_format(seed(name)) == "homepage"
    assert detect_format(seed_timeline) == "timeline"


def test_archive_folders_are_one_source_and_other_files_their_own(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "page.html").write_text("<html></html>")
    (tmp_path / ".hidden").write_text("x")
    units = list(source_units([FORMATS]))
    assert X_FOLDER in units and MASTODON_FOLDER in units
    assert not any(X_FOLDER in unit.parents or MASTODON_FOLDER in unit.parents for unit in units)
    assert FORMATS / "snscrape.jsonl" in units
    assert list(source_units([tmp_path])) == [tmp_path / "notes" / "page.html"]
    assert source_sha256(X_FOLDER) == source_sha256(X_FOLDER)


# -- X archive -----------------------------------------------------------------------------
def test_x_archive_zip_lands_posts_profile_and_an_exact_thread(db, x_zip):
    report = import_file(db, x_zip)
    assert (report.status, report.format, report.author, report.posts) == (
        "imported", "x-archive", "nadia_evals", 6)
    author = rows(db, "select * from authors where handle = 'nadia_evals'")[0]
    assert author["name"] == "Nadia Okafor"
    assert author["bio"].startswith("Evaluation & benchmarks")
    assert (author["location"], author["joined"]) == ("Lagos · Berlin", "July 2021")
    posts = rows(db, "select * from posts order by position")
    assert [p["native_id"] for p in posts[:3]] == list(reversed(OWNER_THREAD))
    assert posts[0]["created_at"] == "2025-10-11T15:51:43+00:00"
    assert [p["likes"] for p in posts] == [9, 18, 42, 0, 3, 0]
    assert all(p["replies"] is None for p in posts)  # the archive has no reply count
    assert posts[-1]["likes"] == 0 and posts[-1]["reposts"] == 0  # zero, not unknown
    assert posts[2]["url"] == f"https://x.com/nadia_evals/status/{OWNER_THREAD[0]}"
    assert posts[2]["id"] == f"x:{OWNER_THREAD[0]}"
    reply = next(p for p in posts if p["reply_to_author"] == "li_wen_ml")
    assert reply["reply_to"] == "1976688016350822641" and reply["thread_id"] is None
    retweet = next(p for p in posts if p["text_raw"].startswith("RT @li_wen_ml:"))
    assert (retweet["author"], retweet["repost_of"]) == ("nadia_evals", "https://x.com/li_wen_ml")
    thread = rows(db, "select * from threads")
    assert len(thread) == 1 and thread[0]["method"] == "replies"
    assert (thread[0]["found"], thread[0]["declared_total"], thread[0]["complete"]) == (3, 3, 1)
    parts = rows(db, "select native_id from posts where thread_id = ? order by thread_index",
                 [thread[0]["id"]])
    assert [p["native_id"] for p in parts] == OWNER_THREAD  # each part replies to the one before
    assert "each part replies to the one before" in thread[0]["evidence"]


def test_x_archive_keeps_the_tweet_as_found_and_expands_links_in_text():
    doc = read_document(X_FOLDER)
    post = next(p for p in doc.posts if p.native_id == OWNER_THREAD[1])
    assert post.text_raw.endswith("Thai &amp; Amharic but win on code. Full table: "
                                  "https://t.co/AbCdEf1234")
    assert post.text.endswith("Thai & Amharic but win on code. Full table: "
                              "https://evals.example.org/tokenizers/2025")
    assert (post.reply_to, post.reply_to_author) == (OWNER_THREAD[0], "nadia_evals")


def test_x_archive_zipped_with_its_top_folder_and_split_parts(tmp_path):
    path = zip_folder(X_FOLDER, tmp_path / "archive.zip", top="twitter-2025-10-12-abc/")
    doc = read_document(path)
    posts = list(doc.posts)  # read lazily, in file order, parts chained
    assert doc.profile.handle == "nadia_evals" and len(posts) == 6
    assert posts[-1].text_raw.startswith("Note to self")  # from tweets-part1.js
    assert [p.native_id for p in doc.posts] == [p.native_id for p in posts]  # re-iterable


def test_older_tweet_js_alone_names_its_owner_by_a_self_reply():
    """Without account.js, a tweet replying to another tweet of the same archive names the
    owner (every tweet in an archive is the owner's); `--author` still overrides."""
    path = FORMATS / "x-legacy" / "tweet.js"
    assert read_document(path).profile.handle == "old_handle_ro"
    assert read_document(path, author="@someone_else").profile.handle == "someone_else"
    doc = read_document(path, author="@old_handle_ro")
    posts = sorted(doc.posts, key=lambda p: p.created_at, reverse=True)
    assert [p.author for p in posts] == ["old_handle_ro"] * 2
    assert posts[0].reply_to == posts[1].native_id
    assert posts[1].created_at == "2019-08-14T14:02:37+00:00"


def test_tweets_js_is_parsed_element_by_element_across_chunk_boundaries(monkeypatch):
    whole = read_document(X_FOLDER)
    monkeypatch.setattr(common, "CHUNK", 7)
    pieces = read_document(X_FOLDER)
    assert [(p.native_id, p.text_raw, p.line) for p in pieces.posts] == \
        [(p.native_id, p.text_raw, p.line) for p in whole.posts]
    first = next(iter(whole.posts))
    assert first.line == 2  # the line each tweet starts on, for messages


def write_tweets_js(path: Path, count: int, bad_at: int = -1, pretty: bool = False) -> list[int]:
    """A generated `tweets.js` of `count` tweets (with brackets, commas, quotes and escapes in
    their texts, to tempt the block cutter); element `bad_at` is broken. Returns the line each
    element starts on."""
    lines, parts, line = [], [], 2
    for n in range(count):
        tweet = {"id_str": str(10**18 + n), "created_at": "Sat Oct 11 15:50:20 +0000 2025",
                 "full_text": f'n{n} [x], {{y}} "q" \\ }}, {{ ], [ ré',
                 "favorite_count": str(n % 7), "entities": {"urls": [], "user_mentions": [
                     {"id_str": "1", "indices": ["0", "3"]}, {"id_str": "2"}]}}
        text = json.dumps({"tweet": tweet}, indent=2 if pretty else None, ensure_ascii=n % 2 == 0)
        if n == bad_at:
            text = text.replace('"favorite_count"', '"favorite_count" oops', 1)
        lines.append(line)
        parts.append(text)
        line += text.count("\n") + 1
    path.write_text("window.YTD.tweets.part0 = [\n" + ",\n".join(parts) + "\n]\n",
                    encoding="utf-8")
    return lines


@pytest.mark.parametrize("pretty", [False, True])
def test_tweets_js_is_read_block_by_block_with_bounded_memory(tmp_path, monkeypatch, pretty):
    import tracemalloc

    from feedarchive.formats import xarchive

    path = tmp_path / "tweets.js"
    starts = write_tweets_js(path, 20_000, pretty=pretty)
    monkeypatch.setattr(common, "CHUNK", 64 * 1024)
    doc = read_document(path, author="gen")
    assert path.stat().st_size > 5_000_000  # many blocks
    tracemalloc.start()
    try:
        seen = 0
        for number, post in enumerate(doc.posts):  # lazily, in file order
            assert (post.native_id, post.line) == (str(10**18 + number), starts[number])
            seen += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == 20_000
    assert peak < 4 * 1024 * 1024, peak  # a few blocks, never the file or its posts
    # the same posts again, and from the units a worker process would parse
    chunks = list(doc.posts.blocks())
    assert len(chunks) > 40 and all(c.author == "gen" for c in chunks)
    parsed = [p for chunk in chunks for p in pickle.loads(pickle.dumps(xarchive.parse_chunk))(
        pickle.loads(pickle.dumps(chunk)))[0]]
    assert [(p.native_id, p.line, p.text_raw) for p in parsed] == \
        [(p.native_id, p.line, p.text_raw) for p in doc.posts]
    assert parsed[1].text_raw == 'n1 [x], {y} "q" \\ }, { ], [ ré'
    assert doc.posts.parse_unit is xarchive.parse_chunk
    evidence = doc.posts.evidence(3)
    assert evidence == [p.text for p in parsed[:3]]


@pytest.mark.parametrize("pretty", [False, True])
def test_a_bad_tweet_deep_in_tweets_js_names_its_line(tmp_path, monkeypatch, pretty):
    path = tmp_path / "tweets.js"
    starts = write_tweets_js(path, 5_000, bad_at=3_777, pretty=pretty)
    monkeypatch.setattr(common, "CHUNK", 16 * 1024)
    doc = read_document(path, author="gen")  # the first block is fine: read lazily
    with pytest.raises(SourceError) as error:
        for _ in doc.posts:
            pass
    lines = path.read_text(encoding="utf-8").split("\n")
    assert "oops" in lines[error.value.line - 1]  # the line of the error, deep in the file
    assert error.value.line >= starts[3_777] and error.value.line < starts[3_778]
    assert str(error.value).startswith(f"{path}:{error.value.line}: not valid JSON")


def test_a_truncated_tweets_js_is_refused_naming_the_last_line(tmp_path):
    path = tmp_path / "tweets.js"
    write_tweets_js(path, 50)
    whole = path.read_text(encoding="utf-8")
    path.write_text(whole.rstrip().removesuffix("]"), encoding="utf-8")
    with pytest.raises(SourceError, match="never closes"):
        list(read_document(path, author="gen").posts)
    path.write_text(whole[:len(whole) // 2], encoding="utf-8")
    with pytest.raises(SourceError, match="not valid JSON"):
        list(read_document(path, author="gen").posts)


# -- snscrape / twscrape -------------------------------------------------------------------
def test_snscrape_jsonl_counts_profile_and_self_reply_chain(db):
    report = import_file(db, FORMATS / "snscrape.jsonl")
    assert (report.format, report.author, report.posts, report.threads) == (
        "snscrape", "arjun_builds", 3, 1)
    author = rows(db, "select * from authors")[0]
    assert (author["name"], author["followers"], author["following"], author["statuses"],
            author["media"], author["location"], author["joined"]) == (
        "Arjun Mehta", 2318, 401, 5120, 212, "Pune", "October 2018")
    posts = rows(db, "select * from posts order by position")
    first = posts[1]
    assert (first["replies"], first["reposts"], first["likes"], first["quotes"], first["views"],
            first["bookmarks"]) == (2, 5, 61, 1, 10482, 14)
    assert first["created_at"] == "2023-10-11T20:14:05+00:00" and first["lang"] == "en"
    assert posts[2]["views"] is None and posts[2]["likes"] == 0
    thread = rows(db, "select * from threads")[0]
    assert (thread["method"], thread["found"], thread["declared_total"]) == ("replies", 2, 2)


def test_twscrape_spells_bookmarks_and_dates_its_own_way():
    doc = read_document(FORMATS / "twscrape.jsonl")
    post = next(iter(doc.posts))  # read lazily, in file order
    assert (post.author, post.bookmarks, post.views, post.quotes) == ("priya_rl", 11, 5210, 2)
    assert post.created_at == "2024-09-02T08:15:00+00:00"
    assert doc.profile.handle == "priya_rl" and doc.profile.joined == "January 2021"


def test_a_bad_json_line_fails_the_file_with_its_line_and_writes_nothing(db, tmp_path):
    lines = (FORMATS / "snscrape.jsonl").read_text(encoding="utf-8").splitlines()
    bad = tmp_path / "scrape.jsonl"
    bad.write_text("\n".join([lines[0], '{"_type": "snscrape.modules.twitter.Tweet", "id": 1,',
                              lines[1]]) + "\n", encoding="utf-8")
    with pytest.raises(SourceError) as error:
        import_file(db, bad)
    assert error.value.line == 2 and str(bad) in str(error.value)
    assert rows(db, "select count(*) as n from posts")[0]["n"] == 0
    assert rows(db, "select count(*) as n from sources")[0]["n"] == 0


def test_skip_bad_keeps_the_good_lines_and_reports_the_bad_ones(tmp_path):
    lines = (FORMATS / "twarc2-flat.jsonl").read_text(encoding="utf-8").splitlines()
    path = tmp_path / "flat.jsonl"
    path.write_bytes(lines[0].encode() + b"\nnot json at all\n\xff\xfe\n" + lines[1].encode())
    doc = read_document(path, "twarc2", skip_bad=True)
    assert len(doc.posts) == 2
    assert len(doc.warnings) == 2
    assert doc.warnings[0].startswith(f"{path}:2: not valid JSON")
    assert doc.warnings[1].startswith(f"{path}:3: not UTF-8")


# -- twarc2 --------------------------------------------------------------------------------
def test_twarc2_pages_thread_where_every_part_replies_to_the_first(db):
    report = import_file(db, FORMATS / "twarc2.jsonl")
    assert (report.format, report.author, report.posts, report.threads) == (
        "twarc2", "li_wen_ml", 3, 1)
    thread = rows(db, "select * from threads")[0]
    assert (thread["method"], thread["found"]) == ("replies", 3)
    assert "every part replies to the first" in thread["evidence"]
    parts = rows(db, "select * from posts where thread_id = ? order by thread_index",
                 [thread["id"]])
    assert [p["text"][:3] for p in parts] == ["(1)", "(2)", "(3)"]
    assert (parts[0]["views"], parts[0]["bookmarks"], parts[0]["quotes"]) == (20517, 27, 4)
    assert parts[2]["text"].endswith("MIT licensed & tested: https://github.com/liwen-lab/drift-eval") \
        or parts[2]["text_raw"].endswith("https://t.co/Lm4pQr8StU")
    author = rows(db, "select * from authors where handle = 'li_wen_ml'")[0]
    assert (author["followers"], author["statuses"], author["website"]) == (
        5120, 2904, "https://liwen.example.net")


def test_twarc2_flatten_output_keeps_reply_and_retweet_links():
    doc = read_document(FORMATS / "twarc2-flat.jsonl")
    reply, retweet = sorted(doc.posts, key=lambda p: p.created_at)
    assert (reply.author, reply.reply_to, reply.reply_to_author) == (
        "nadia_evals", "1976688016350822641", "li_wen_ml")
    assert retweet.repost_of == "1976688016350822641"
    assert doc.profile.handle == "nadia_evals"
    assert [p.handle for p in doc.other_profiles] == ["li_wen_ml"]


# -- Mastodon ------------------------------------------------------------------------------
def test_mastodon_archive_toots_boosts_profile_and_chain(db, mastodon_tar):
    report = import_file(db, mastodon_tar)
    handle = "nadia@scholar.social"
    assert (report.format, report.author, report.posts, report.threads) == (
        "mastodon", handle, 5, 1)
    author = rows(db, "select * from authors where handle = ?", [handle])[0]
    assert author["name"] == "Nadia Okafor"
    assert author["bio"].startswith("Evaluation & benchmarks for multilingual language models.")
    assert (author["website"], author["joined"]) == ("https://nadia.example.org", "November 2022")
    posts = rows(db, "select * from posts order by position")
    head = posts[2]
    assert head["text"] == ("Our tokenizer benchmark is out: 41 languages, 6 tokenizers, one "
                            "harness. 🧵\n\nByte-level models trail on Thai & Amharic.")
    assert (head["likes"], head["reposts"], head["replies"]) == (12, 4, None)
    assert head["created_at"] == "2025-10-12T17:42:21+00:00" and head["lang"] == "en"
    assert head["url"] == "https://scholar.social/@nadia/113296118027451201"
    assert posts[0]["text"] == "Data and scripts: https://evals.example.org/tokenizers/2025"
    thread = rows(db, "select * from threads")[0]
    assert (thread["method"], thread["found"]) == ("replies", 3)
    parts = rows(db, "select id from posts where thread_id = ? order by thread_index",
                 [thread["id"]])
    assert [p["id"] for p in parts] == [p["id"] for p in reversed(posts[:3])]
    boost = posts[-1]
    target = "https://sigmoid.social/users/liwen/statuses/113290402215577310"
    assert (boost["author"], boost["repost_of"], boost["text"]) == (handle, target, target)
    warned = posts[3]
    assert warned["text"].startswith("eval pedantry\n\n@liwen Did you also check calibration")
    assert warned["reply_to_author"] == "liwen@sigmoid.social"


def test_mastodon_folder_and_outbox_alone_read_the_same_toots():
    folder = read_document(MASTODON_FOLDER)
    alone = read_document(MASTODON_FOLDER / "outbox.json")
    assert [p.text_raw for p in folder.posts] == [p.text_raw for p in alone.posts]
    assert alone.profile.handle == "nadia@scholar.social"


# -- Bluesky -------------------------------------------------------------------------------
def test_bluesky_repository_posts_reposts_and_star_thread(db):
    report = import_file(db, FORMATS / "bluesky.car")
    did = "did:plc:k3vq7hx5wz2nq4m6rbf2yd7e"
    assert (report.format, report.author, report.posts, report.threads) == ("bluesky", did, 5, 1)
    posts = rows(db, "select * from posts order by position")
    assert all(p[c] is None for p in posts for c in ("likes", "reposts", "replies"))
    thread = rows(db, "select * from threads")[0]
    assert "every part replies to the first" in thread["evidence"]
    parts = rows(db, "select text from posts where thread_id = ? order by thread_index",
                 [thread["id"]])
    assert [p["text"].split()[0] for p in parts] == ["Tokenizer", "Fertility", "And"]
    repost = next(p for p in posts if p["repost_of"])
    assert repost["repost_of"].startswith("at://did:plc:w7dl2c5mqn4xuezk3o6ytbra/")
    reply = next(p for p in posts if p["text"].startswith("Congratulations"))
    assert reply["reply_to_author"] == "did:plc:w7dl2c5mqn4xuezk3o6ytbra"
    assert reply["created_at"] == "2025-10-12T20:40:09+00:00"


def test_bluesky_author_names_the_did_owner():
    doc = read_document(FORMATS / "bluesky.car", author="@nadia.bsky.social")
    assert doc.profile.name == "Nadia Okafor" and len(doc.posts) == 5
    assert {p.author for p in doc.posts} == {"nadia.bsky.social"}
    post = next(p for p in doc.posts if p.reply_to and "k3vq7" in p.reply_to)
    assert post.reply_to_author == "nadia.bsky.social"


# -- homepages -----------------------------------------------------------------------------
def test_plain_text_cv_seed_gives_sections_positions_awards_and_publications(db):
    import_file(db, seed("cv_text"))
    page = rows(db, "select * from pages")[0]
    assert page["location"] == "http://zeyuan.allen-zhu.com" and page["author"] is None
    headings = [s["heading"] for s in json.loads(page["sections"])]
    assert "EDUCATION & WORK EXPERIENCE" in headings and "SELECTED PUBLICATIONS" in headings
    entries = rows(db, "select * from page_entries")
    kinds = {e["kind"] for e in entries}
    assert {"position", "education", "award", "publication"} <= kinds
    lora = next(e for e in entries if e["text"].startswith("LoRA"))
    assert (lora["kind"], lora["venue"], lora["year"]) == ("publication", "ICLR", 2022)
    meta = next(e for e in entries if e["text"].startswith("AI Research Scientist"))
    assert (meta["kind"], meta["date"]) == ("position", "2022")
    icpc = next(e for e in entries if e["venue"] == "ACM/ICPC World Final")
    assert (icpc["kind"], icpc["year"]) == ("award", 2009)
    assert "[Physics of Language Models](#)" not in page["text_raw"]


def test_bullet_text_seed_gives_positions_with_month_ranges(db):
    import_file(db, seed("bullets_text"))
    entries = rows(db, "select * from page_entries order by id")
    assert [(e["kind"], e["date"]) for e in entries] == [
        ("position", "2026"), ("position", "2025-06"), ("position", "2025-02"),
        ("position", "2024-06")]
    assert entries[1]["text"].startswith("Citadel Securities (Jun. 2025 – Sept. 2025)")


def test_jekyll_seed_drops_front_matter_liquid_and_comments(db):
    import_file(db, seed("jekyll_markdown"))
    page = rows(db, "select * from pages")[0]
    text = page["text_raw"]
    for absent in ("permalink", "{%", "gsDataBaseUrl", "<span", "K2-Think", "26 Fall"):
        assert absent not in text
    assert "Eigenspectrum Analysis of Neural Networks without Aspect Ratio Bias" in text
    entries = rows(db, "select * from page_entries order by id")
    news = [e["date"] for e in entries if e["kind"] == "news"]
    assert news == ["2025-07", "2025-05", "2024-09", "2024-06", "2024-06"]  # not the 2025-09 one
    publications = [(e["venue"], e["year"]) for e in entries if e["kind"] == "publication"]
    assert publications == [("ICML", 2025), ("EMNLP", 2024), ("ICML", 2025), ("ICML", 2025)]
    education = [e for e in entries if e["kind"] == "education"]
    assert [e["date"] for e in education] == ["2024-09", "2020-09"]
    assert "UCSD" in education[0]["text"]


def test_html_page_names_its_owner_by_its_x_link(db):
    import_file(db, FORMATS / "homepage.html")
    page = rows(db, "select * from pages")[0]
    assert (page["author"], page["title"], page["location"]) == (
        "nadia_evals", "Nadia Okafor · Multilingual evaluation", "https://nadia.example.org/")
    assert "job market" not in page["text_raw"] and "gtag" not in page["text_raw"]
    assert rows(db, "select handle from authors") == [{"handle": "nadia_evals"}]
    entries = rows(db, "select kind, date, venue from page_entries order by id")
    assert entries[:3] == [{"kind": "news", "date": d, "venue": None}
                           for d in ("2025-10", "2025-07", "2025-05")]
    assert {"kind": "education", "date": "2018", "venue": None} in entries
    assert {"kind": "publication", "date": "2025", "venue": "ACL"} in entries


def test_a_page_gets_an_author_only_when_told_or_named():
    assert read_document(seed("bullets_text")).pages[0].author is None
    told = read_document(seed("bullets_text"), author="@some_researcher")
    assert told.pages[0].author == "some_researcher"


# -- one search over everything ------------------------------------------------------------
def test_one_search_finds_a_word_in_a_post_a_toot_and_a_homepage(db, x_zip, mastodon_tar):
    for path in (x_zip, mastodon_tar, FORMATS / "homepage.html"):
        import_file(db, path)
    posts = rows(db, "select p.author from posts_fts join posts p on p.rowid = posts_fts.rowid "
                     "where posts_fts match 'tokenizer'")
    pages = rows(db, "select g.location from pages_fts join pages g on g.rowid = pages_fts.rowid "
                     "where pages_fts match 'tokenizer'")
    assert {p["author"] for p in posts} == {"nadia_evals", "nadia@scholar.social"}
    assert pages == [{"location": "https://nadia.example.org/"}]


# -- bad input -----------------------------------------------------------------------------
def test_unknown_and_binary_files_are_refused_by_name(write_file):
    text = write_file("shopping.txt", "eggs\nmilk\nflour\n")
    with pytest.raises(UnknownFormatError, match="shopping.txt: not a format"):
        read_document(text)
    binary = write_file("image.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UnknownFormatError, match="binary file"):
        detect_format(binary)


def test_corrupt_archives_are_refused_naming_the_file(db, write_file, x_zip):
    broken = write_file("broken.zip", b"PK\x03\x04" + bytes(100))
    with pytest.raises(SourceError, match="broken.zip"):
        import_file(db, broken, "x-archive")
    truncated = write_file("cut.zip", x_zip.read_bytes()[:-200])
    with pytest.raises(SourceError, match="cut.zip"):
        import_file(db, truncated, "x-archive")
    car = write_file("cut.car", (FORMATS / "bluesky.car").read_bytes()[:900])
    with pytest.raises(SourceError, match="cut.car: corrupt"):
        import_file(db, car)
    gz = write_file("cut.tar.gz", b"\x1f\x8b\x08\x00" + bytes(40))
    with pytest.raises(SourceError, match="cut.tar.gz"):
        import_file(db, gz, "mastodon")
    assert rows(db, "select count(*) as n from sources")[0]["n"] == 0


def test_corrupt_json_inside_an_archive_names_the_member_and_line(tmp_path):
    path = tmp_path / "archive.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/account.js", (X_FOLDER / "data" / "account.js").read_text())
        archive.writestr("data/tweets.js", 'window.YTD.tweets.part0 = [\n  {"tweet": {"id_str": "1",'
                                           '\n "full_text": "ok"}},\n  {"tweet": oops}\n]\n')
    with pytest.raises(SourceError) as error:
        read_document(path)
    assert str(error.value).startswith(f"{path}:data/tweets.js:4: not valid JSON")


def test_zip_slip_names_are_refused(tmp_path):
    path = tmp_path / "evil.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/tweets.js", (X_FOLDER / "data" / "tweets.js").read_text())
        archive.writestr("../../etc/cron.d/evil", "* * * * * root true\n")
    with pytest.raises(SourceError, match="unsafe member name"):
        read_document(path, author="x")
    tar_path = tmp_path / "evil.tar.gz"
    with tarfile.open(tar_path, "w:gz") as archive:
        data = (MASTODON_FOLDER / "outbox.json").read_bytes()
        for name in ("outbox.json", "/tmp/evil.json"):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    with pytest.raises(SourceError, match="unsafe member name"):
        read_document(tar_path, "mastodon")


def test_archive_limits_stop_bombs(tmp_path, monkeypatch, x_zip):
    monkeypatch.setattr(members, "MAX_READ_BYTES", 4096)
    with pytest.raises(SourceError, match="zip bomb"):
        read_document(x_zip)
    monkeypatch.setattr(members, "MAX_READ_BYTES", 1 << 30)
    monkeypatch.setattr(members, "MAX_MEMBERS", 3)
    with pytest.raises(SourceError, match="members"):
        read_document(x_zip)
    monkeypatch.setattr(members, "MAX_MEMBERS", 1000)
    monkeypatch.setattr(members, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(SourceError, match="expand"):
        read_document(x_zip)


def test_dates_become_iso_8601_utc():
    assert common.iso_utc("Sat Oct 11 15:50:20 +0000 2025") == "2025-10-11T15:50:20+00:00"
    assert common.iso_utc("2025-10-10T16:42:17.000Z") == "2025-10-10T16:42:17+00:00"
    assert common.iso_utc("2024-09-02 10:15:00+02:00") == "2024-09-02T08:15:00+00:00"
    assert common.iso_utc("not a date") is None
    assert common.count("0") == 0 and common.count(None) is None and common.count("n/a") is None


def test_a_utf8_byte_order_mark_does_not_hide_the_format(tmp_path):
    lines = (FORMATS / "snscrape.jsonl").read_bytes()
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + lines)
    assert detect_format(path) == "snscrape"
    assert len(list(read_document(path).posts)) == lines.count(b"\n")


def test_utf16_text_is_refused_saying_why(tmp_path):
    path = tmp_path / "wide.jsonl"
    path.write_bytes((FORMATS / "snscrape.jsonl").read_text("utf-8").encode("utf-16"))
    with pytest.raises(UnknownFormatError, match="UTF-16 text: .* save the file as UTF-8"):
        detect_format(path)
