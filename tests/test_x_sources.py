"""The three X-shaped sources (account archive, snscrape/twscrape, twarc2) read as X shows a
tweet: t.co links expanded, the media link out of the text and into `Post.media`, X's escapes
undone once, long posts whole, every author named.

The first part uses small exports written here (invented texts). The second reads the real
exports in `../shared/realworld/`; what a test expects of them is derived from the files at
test time (only counts come from EXPECTED.md), never copied from them.
"""
from __future__ import annotations

import json
import pickle
import re
import zipfile
from pathlib import Path

import pytest

from feedarchive.errors import NothingToImport, SourceError, UnknownFormatError
from feedarchive.formats import detect_format, read_document, xarchive
from feedarchive.formats.x_entities import Entities, shown
from feedarchive.importer import import_paths
from feedarchive.models import Media
from feedarchive.store import open_db

from conftest import expected_row, leading_int, query, shared_file

TCO = re.compile(r"https?://t\.co/[A-Za-z0-9]+")


# -- the one expansion routine -------------------------------------------------------------
def test_links_expanded_media_link_removed_escapes_undone_once():
    photo = Media("image", "https://pbs.example/kettle.jpg", "A kettle on a stove")
    raw = ("Tea &amp; toast &lt;3 — recipe: https://t.co/Recipe01 and more "
           "https://t.co/Unknown9 &amp;amp; done https://t.co/Photo001")
    entities = Entities({"https://t.co/Recipe01": "https://cook.example/?a=1&amp;b=2"},
                        [photo], {"https://t.co/Photo001"})
    text, media = shown(raw, entities)
    # the expansion is inserted as given (its `&amp;` is the URL's own), the text between
    # links unescaped once (`&amp;amp;` is the text `&amp;`), an unmapped link kept
    assert text == ("Tea & toast <3 — recipe: https://cook.example/?a=1&amp;b=2 and more "
                    "https://t.co/Unknown9 &amp; done")
    assert media == [photo]


def test_media_link_alone_leaves_an_empty_text_and_whitespace_is_tidied():
    gif = Media("gif", "https://video.example/dance.mp4")
    assert shown("https://t.co/OnlyGif1", Entities(media=[gif], media_links={
        "https://t.co/OnlyGif1"})) == ("", [gif])
    text, _ = shown("@pal look\n\nhttps://t.co/Pic00001", Entities(
        media=[gif], media_links={"https://t.co/Pic00001"}))
    assert text == "@pal look"


def test_scrapers_media_link_is_the_trailing_unmapped_one():
    photo = Media("image", "https://pbs.example/a.jpg")
    entities = Entities({"https://t.co/Article1": "https://news.example/a"}, [photo],
                        media_at_end=True)
    assert shown("read https://t.co/Article1 https://t.co/Pic00002", entities)[0] == \
        "read https://news.example/a"
    # a trailing link the entities map is a link, not the media
    assert shown("read https://t.co/Article1", entities)[0] == "read https://news.example/a"
    # no media: nothing is taken for a media link
    bare = Entities(media_at_end=True)
    assert shown("see https://t.co/Pic00002", bare)[0] == "see https://t.co/Pic00002"


# -- X archive -----------------------------------------------------------------------------
def ytd(name: str, records: list) -> str:
    return f"window.YTD.{name}.part0 = " + json.dumps(records, indent=2, ensure_ascii=False)


def tweet(id_str: str, text: str, when: str = "Tue Mar 04 10:00:00 +0000 2025", **extra) -> dict:
    record = {"id_str": id_str, "id": id_str, "full_text": text, "created_at": when,
              "favorite_count": "1", "retweet_count": "0", "lang": "en",
              "entities": {"urls": [], "user_mentions": [], "hashtags": []}}
    record.update(extra)
    return {"tweet": record}


def photo_entity(link: str, number: int) -> dict:
    return {"id_str": f"900{number}", "url": link, "type": "photo",
            "media_url_https": f"https://pbs.example/media/p{number}.jpg",
            "sizes": {"large": {"w": "1200", "h": "800"}, "thumb": {"w": "150", "h": "150"}}}


VIDEO = {"id_str": "9100", "url": "https://t.co/Video001", "type": "video",
         "media_url_https": "https://pbs.example/thumb/v.jpg",
         "original_info": {"width": 1920, "height": 1080},
         "video_info": {"variants": [
             {"content_type": "video/mp4", "bitrate": "832000",
              "url": "https://video.example/low.mp4"},
             {"content_type": "application/x-mpegURL", "url": "https://video.example/v.m3u8"},
             {"content_type": "video/mp4", "bitrate": "2176000",
              "url": "https://video.example/high.mp4"}]}}

LONG = ("Five things I learned baking sourdough for a year. One: the starter matters less than "
        "the timing. Two: a cold proof forgives a lot. Three: steam is the crust. Four: a "
        "kitchen scale & patience > any recipe. Five: write the times down, see "
        "https://t.co/NoteLnk1 for my log. Bake on, à bientôt!")
LONG_CUT = ("Five things I learned baking sourdough for a year. One: the starter matters less "
            "than the timing. Two: a cold proof forgives a lot. Three: steam is the crust. Four: "
            "a kitchen scale &amp; patience &gt; any…")


def x_archive(tmp_path: Path, tweets: list, *, account: bool = True, notes: list = (),
              name: str = "archive.zip") -> Path:
    path = tmp_path / name
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("data/tweets.js", ytd("tweets", tweets))
        if account:
            archive.writestr("data/account.js", ytd("account", [{"account": {
                "username": "bread_lab", "accountId": "4242", "accountDisplayName": "Bread Lab",
                "createdAt": "2015-02-01T10:00:00.000Z"}}]))
        if notes is not None:
            archive.writestr("data/note-tweet.js", ytd("note_tweet", list(notes)))
    return path


def note(text: str, when: str, urls: list = ()) -> dict:
    return {"noteTweet": {"noteTweetId": "777", "createdAt": when, "updatedAt": when,
                          "core": {"text": text, "urls": list(urls), "mentions": []}}}


def archive_tweets() -> list:
    photos = tweet("101", "Two loaves &amp; a crumb shot https://t.co/Photos01",
                   entities={"urls": [], "media": [photo_entity("https://t.co/Photos01", 1)]},
                   extended_entities={"media": [photo_entity("https://t.co/Photos01", 1),
                                                photo_entity("https://t.co/Photos01", 2)]})
    video = tweet("102", "Shaping, slowly https://t.co/Video001",
                  entities={"urls": [], "media": [dict(VIDEO, type="photo")]},
                  extended_entities={"media": [VIDEO]})
    linked = tweet("103", "My notes: https://t.co/Notes001",
                   entities={"urls": [{"url": "https://t.co/Notes001",
                                       "expanded_url": "https://bread.example/notes?x=1&y=2"}]})
    cut = tweet("104", LONG_CUT, "Wed Mar 05 09:30:15 +0000 2025")
    cut_reply = tweet("105", "@crumb_club " + LONG_CUT.replace("Five", "Six", 1),
                      "Wed Mar 05 09:31:00 +0000 2025", in_reply_to_status_id_str="104",
                      in_reply_to_screen_name="bread_lab", in_reply_to_user_id_str="4242")
    same_second = tweet("106", "A short one in the same second.", "Wed Mar 05 09:30:15 +0000 2025")
    return [photos, video, linked, cut, cut_reply, same_second]


def archive_notes() -> list:
    link = [{"shortUrl": "https://t.co/NoteLnk1", "expandedUrl": "https://bread.example/log"}]
    return [note(LONG, "2025-03-05T09:30:15.000Z", link),
            note(LONG.replace("Five", "Six", 1), "2025-03-05T09:31:00.000Z", link),
            note("Another long post from that second that no tweet is cut from.",
                 "2025-03-05T09:30:15.000Z")]


def test_x_archive_media_from_extended_entities_once_each(tmp_path):
    doc = read_document(x_archive(tmp_path, archive_tweets()))
    posts = {p.native_id: p for p in doc.posts}
    photos = posts["101"]
    assert photos.text == "Two loaves & a crumb shot"
    assert photos.text_raw.endswith("https://t.co/Photos01")
    assert [(m.kind, m.url, m.width, m.height) for m in photos.media] == [
        ("image", "https://pbs.example/media/p1.jpg", 1200, 800),
        ("image", "https://pbs.example/media/p2.jpg", 1200, 800)]
    video = posts["102"]
    assert video.text == "Shaping, slowly"
    assert [(m.kind, m.url, m.preview_url, m.width, m.height) for m in video.media] == [
        ("video", "https://video.example/high.mp4", "https://pbs.example/thumb/v.jpg", 1920, 1080)]
    assert posts["103"].text == "My notes: https://bread.example/notes?x=1&y=2"
    assert doc.profile.native_id == "4242"


def test_x_archive_long_posts_are_whole_from_note_tweet_js(tmp_path):
    doc = read_document(x_archive(tmp_path, archive_tweets(), notes=archive_notes()))
    posts = {p.native_id: p for p in doc.posts}
    whole = LONG.replace("https://t.co/NoteLnk1", "https://bread.example/log")
    assert posts["104"].text == whole
    assert posts["104"].text_raw == LONG_CUT
    # a reply's leading mention is not in the note: it is kept
    assert posts["105"].text == "@crumb_club " + whole.replace("Five", "Six", 1)
    assert posts["106"].text == "A short one in the same second."
    # what the repair stage diagnoses from is the text the posts get
    evidence = doc.posts.evidence(10)
    assert whole in evidence
    assert evidence == [p.text for p in doc.posts if not p.text.isascii()]


def test_x_archive_chunks_carry_only_the_notes_they_need(tmp_path, monkeypatch):
    from feedarchive.formats import common

    monkeypatch.setattr(common, "CHUNK", 256)
    doc = read_document(x_archive(tmp_path, archive_tweets(), notes=archive_notes()))
    chunks = [pickle.loads(pickle.dumps(chunk)) for chunk in doc.posts.blocks()]
    assert len(chunks) > 1
    assert sum(bool(chunk.notes) for chunk in chunks) < len(chunks)
    parsed = [post for chunk in chunks for post in xarchive.parse_chunk(chunk)[0]]
    assert [(p.native_id, p.text) for p in parsed] == [(p.native_id, p.text) for p in doc.posts]


def test_x_archive_long_posts_are_whole_when_parsed_in_worker_processes(tmp_path, monkeypatch):
    from feedarchive import importer

    monkeypatch.setattr(importer, "PARALLEL_MIN_BYTES", 0)
    db_path = tmp_path / "a.db"
    path = x_archive(tmp_path, archive_tweets(), notes=archive_notes())
    report = import_paths(open_db(db_path), [path])[0]
    assert (report.status, report.posts) == ("imported", 6)
    stored = dict(query(db_path, "select native_id, text from posts"))
    assert stored["104"].endswith("à bientôt!") and stored["101"] == "Two loaves & a crumb shot"


def test_x_archive_without_account_js_names_the_owner_its_self_replies_prove(tmp_path):
    tweets = archive_tweets() + [tweet("107", "@someone_else hello", in_reply_to_status_id_str="55",
                                       in_reply_to_screen_name="someone_else",
                                       in_reply_to_user_id_str="55")]
    doc = read_document(x_archive(tmp_path, tweets, account=False))
    assert (doc.profile.handle, doc.profile.native_id) == ("bread_lab", "4242")
    assert {p.author for p in doc.posts} == {"bread_lab"}
    assert any("inferred" in warning for warning in doc.warnings)
    # a reply to a tweet outside the archive proves nothing
    lone = [tweet("1", "a"), tweet("2", "@other b", in_reply_to_status_id_str="99",
                                   in_reply_to_screen_name="other")]
    with pytest.raises(SourceError, match="--author"):
        read_document(x_archive(tmp_path, lone, account=False, name="lone.zip"))
    assert read_document(x_archive(tmp_path, lone, account=False, name="lone.zip"),
                         author="@baker").profile.handle == "baker"


# -- snscrape / twscrape -------------------------------------------------------------------
def scraped(text: str, **extra) -> dict:
    record = {"_type": "snscrape.modules.twitter.Tweet", "id": 5001,
              "url": "https://x.example/5001",
              "date": "2024-05-01T08:00:00+00:00", "rawContent": text, "likeCount": 3,
              "user": {"_type": "snscrape.modules.twitter.User", "username": "kiln_notes",
                       "id": 31337, "displayname": "Kiln Notes"}}
    record.update(extra)
    return record


def test_snscrape_links_media_alt_text_and_user_id(write_file):
    line = scraped("Glaze test &gt; expectations: https://t.co/GlazeLg1 https://t.co/GlazePh1",
                   links=[{"_type": "snscrape.modules.twitter.TextLink", "text": "glaze.example/t",
                           "url": "https://glaze.example/t?c=blue&d=2",
                           "tcourl": "https://t.co/GlazeLg1"}],
                   media=[{"_type": "snscrape.modules.twitter.Photo",
                           "fullUrl": "https://pbs.example/g?name=orig",
                           "previewUrl": "https://pbs.example/g?name=small",
                           "altText": "Three blue test tiles"}])
    doc = read_document(write_file("sn.jsonl", json.dumps(line) + "\n"))
    [post] = doc.posts
    assert post.text == "Glaze test > expectations: https://glaze.example/t?c=blue&d=2"
    assert post.media == [Media("image", "https://pbs.example/g?name=orig",
                                "Three blue test tiles")]
    assert doc.profile.native_id == "31337"


def test_twscrape_media_groups(write_file):
    line = scraped("Firing day https://t.co/FireVid1", bookmarkedCount=2, links=[], media={
        "photos": [], "animated": [],
        "videos": [{"thumbnailUrl": "https://pbs.example/t.jpg", "variants": [
            {"contentType": "video/mp4", "bitrate": 256000, "url": "https://video.example/s.mp4"},
            {"contentType": "video/mp4", "bitrate": 2176000,
             "url": "https://video.example/l.mp4"}]}]})
    [post] = read_document(write_file("tw.jsonl", json.dumps(line) + "\n")).posts
    assert post.text == "Firing day"
    assert post.media == [Media("video", "https://video.example/l.mp4",
                                preview_url="https://pbs.example/t.jpg")]


def test_scraped_retweet_takes_links_and_media_of_the_retweeted_tweet(write_file):
    inner = scraped("Open studio Saturday: https://t.co/StudioL1 https://t.co/StudioP1",
                    links=[{"tcourl": "https://t.co/StudioL1", "url": "https://studio.example/"}],
                    media={"photos": [{"url": "https://pbs.example/studio.jpg"}],
                           "videos": [], "animated": []})
    line = scraped("RT @kiln_notes: " + inner["rawContent"], id=5002, links=[],
                   media={"photos": [], "videos": [], "animated": []}, retweetedTweet=inner)
    [post] = read_document(write_file("rt.jsonl", json.dumps(line) + "\n")).posts
    assert post.text == "RT @kiln_notes: Open studio Saturday: https://studio.example/"
    assert post.media == [Media("image", "https://pbs.example/studio.jpg")]


# -- twarc2 --------------------------------------------------------------------------------
def user(user_id: str, username: str) -> dict:
    return {"id": user_id, "username": username, "name": username.title()}


def v2(tweet_id: str, author_id: str, text: str, **extra) -> dict:
    record = {"id": tweet_id, "author_id": author_id, "text": text,
              "created_at": "2024-06-01T12:00:00.000Z",
              "public_metrics": {"like_count": 1, "retweet_count": 0, "reply_count": 0}}
    record.update(extra)
    return record


def page(data: list, users: list, **includes) -> str:
    return json.dumps({"data": data, "includes": {"users": users, **includes},
                       "__twarc": {"url": "https://api.example/2/tweets"}})


def test_twarc2_withheld_author_gets_a_placeholder_and_one_warning(write_file):
    lines = [page([v2("1", "10", "kept"), v2("2", "66", "by a withheld account"),
                   v2("3", "66", "and another")], [user("10", "potter")]),
             page([v2("4", "77", "described on a later page")], []),
             page([v2("5", "77", "here")], [user("77", "weaver")])]
    doc = read_document(write_file("w.jsonl", "\n".join(lines) + "\n"))
    authors = {p.native_id: p.author for p in doc.posts}
    assert authors == {"1": "potter", "2": "id:66", "3": "id:66", "4": "weaver", "5": "weaver"}
    missing = [w for w in doc.warnings if "includes.users" in w]
    assert len(missing) == 1 and " 66 " in missing[0]
    placeholder = [p for p in doc.other_profiles if p.handle == "id:66"]
    assert len(placeholder) == 1 and placeholder[0].native_id == "66"
    assert {p.native_id for p in doc.other_profiles} >= {"10", "77"}


def test_twarc2_retweet_is_stored_with_the_whole_retweeted_text(write_file):
    original = v2("20", "30", "A long thought about clay bodies &amp; what they forgive, "
                              "told in full here: https://t.co/ClayLnk1",
                  entities={"urls": [{"url": "https://t.co/ClayLnk1",
                                      "expanded_url": "https://clay.example/bodies"}]})
    retweet = v2("21", "10", "RT @clay_cat: A long thought about clay bodies &amp; what th…",
                 referenced_tweets=[{"type": "retweeted", "id": "20"}])
    line = page([retweet], [user("10", "potter"), user("30", "clay_cat")], tweets=[original])
    [post] = read_document(write_file("rt.jsonl", line + "\n")).posts
    assert post.text == ("RT @clay_cat: A long thought about clay bodies & what they forgive, "
                         "told in full here: https://clay.example/bodies")
    assert post.text_raw == retweet["text"] and post.repost_of == "20"


def test_twarc2_media_and_poll(write_file):
    tweet_ = v2("40", "10", "Which glaze? https://t.co/PollPic1",
                entities={"urls": [{"url": "https://t.co/PollPic1", "media_key": "3_1",
                                    "expanded_url": "https://x.example/potter/status/40/photo/1",
                                    "display_url": "pic.x.com/PollPic1"}]},
                attachments={"media_keys": ["3_1"], "poll_ids": ["p1"]})
    line = page([tweet_], [user("10", "potter")],
                media=[{"media_key": "3_1", "type": "photo", "url": "https://pbs.example/tiles.jpg",
                        "width": 800, "height": 600, "alt_text": "Two tiles"}],
                polls=[{"id": "p1", "options": [{"position": 2, "label": "Celadon", "votes": 7},
                                                {"position": 1, "label": "Tenmoku", "votes": 12},
                                                {"position": 3, "label": "Shino"}]}])
    [post] = read_document(write_file("poll.jsonl", line + "\n")).posts
    assert post.text == ("Which glaze?\n\nPoll:\n• Tenmoku (12 votes)\n• Celadon (7 votes)\n"
                         "• Shino")
    assert post.media == [Media("image", "https://pbs.example/tiles.jpg", "Two tiles", 800, 600)]


def test_twarc2_counts_and_user_lookups_hold_nothing_to_import(write_file, tmp_path):
    counts = write_file("counts.jsonl", json.dumps({"data": [
        {"start": "2024-01-01T00:00:00.000Z", "end": "2024-01-01T01:00:00.000Z", "tweet_count": 9}],
        "meta": {"total_tweet_count": 9}}) + "\n")
    users = write_file("users.jsonl", page([user("10", "potter"), user("11", "weaver")], []) + "\n")
    assert detect_format(counts) == "twarc2" and detect_format(users) == "twarc2"
    with pytest.raises(NothingToImport, match="counts"):
        read_document(counts)
    with pytest.raises(NothingToImport, match="user"):
        read_document(users)
    empty = write_file("empty.jsonl", json.dumps({"data": [], "meta": {"result_count": 0},
                                                  "__twarc": {"url": "https://api.example"}}))
    with pytest.raises(NothingToImport, match="without a tweet"):
        read_document(empty)
    reports = import_paths(open_db(tmp_path / "a.db"), [counts, users, empty])
    assert [report.status for report in reports] == ["skipped"] * 3


# -- JSON Lines cut off --------------------------------------------------------------------
def test_a_cut_off_last_line_is_left_out_with_a_warning(write_file):
    lines = [page([v2(str(n), "10", f"post {n}")], [user("10", "potter")]) for n in (1, 2, 3)]
    cut = write_file("cut.jsonl", "\n".join(lines[:2]) + "\n" + lines[2][:40])
    doc = read_document(cut)
    assert [p.native_id for p in doc.posts] == ["1", "2"]  # in file order
    assert doc.warnings == [f"{cut}:3: truncated final line (the stream was cut off); left out"]
    # cut inside a string, too
    inside = write_file("inside.jsonl", lines[0] + "\n" + lines[1][:lines[1].index("post") + 2])
    assert len(read_document(inside).posts) == 1
    # a bad line in the middle still fails the file, as does a bad last line with its newline
    middle = write_file("middle.jsonl", lines[0] + "\n" + lines[2][:40] + "\n" + lines[1] + "\n")
    with pytest.raises(SourceError) as error:
        read_document(middle)
    assert error.value.line == 2
    ended = write_file("ended.jsonl", lines[0] + "\n" + lines[2][:40] + "\n")
    with pytest.raises(SourceError):
        read_document(ended)
    # what is not the start of a JSON value is not a cut-off one
    garbage = write_file("garbage.jsonl", lines[0] + "\nnot json")
    with pytest.raises(SourceError):
        read_document(garbage)


# -- the real exports ----------------------------------------------------------------------
def real(*parts: str) -> Path:
    return shared_file("realworld", *parts)


def archive_json(path: Path, member: str) -> list:
    """The records of one `window.YTD…` member of a real archive, parsed here."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith("/" + member) or n == member]
        if not names:
            return []
        text = archive.read(names[0]).decode("utf-8")
    return json.loads(text[text.index("["):])


def mapped_elsewhere(record: dict) -> set[str]:
    """The t.co links a tweet's own entities map to something other than themselves (media
    links included: they must be gone from the text)."""
    entities = record.get("entities") or {}
    links = {entry["url"] for entry in entities.get("urls") or []
             if entry.get("expanded_url") and entry["expanded_url"] != entry["url"]}
    for where in (entities, record.get("extended_entities") or {}):
        links.update(m["url"] for m in where.get("media") or [])
    return links


X_ARCHIVES = ("AlliePinnell-FinalTwitterBackup", "denchi-lumeninferiusarchive",
              "dsajgiouawj-TweetArchive", "smithjd-twitter_archive",
              "vovavasylyna-mytwitterarchive", "alrocar-x")


def expected_x(case: str) -> tuple[int, int]:
    """(tweets, threads) of a real X archive, from EXPECTED.md."""
    row = expected_row("X archives", case)
    return int(row["tweets"]), leading_int(row["threads (top sizes)"])


@pytest.mark.parametrize("case", sorted(X_ARCHIVES))
def test_real_x_archives_leave_no_mapped_tco_link_and_no_escape(case, tmp_path):
    path = real("xarchive", f"{case}.zip")
    tweets = [r.get("tweet", r) for r in archive_json(path, "tweets.js") or
              archive_json(path, "tweet.js")]
    doc = read_document(path)
    posts = list(doc.posts)
    assert len(posts) == expected_x(case)[0]
    mapped = {t["id_str"]: mapped_elsewhere(t) for t in tweets}
    assert not [p.native_id for p in posts if set(TCO.findall(p.text)) & mapped[p.native_id]]
    escaped = [p for p in posts if re.search(r"&(amp|lt|gt);", p.text)
               and "&amp;amp;" not in p.text_raw]
    assert not escaped
    with_media = {t["id_str"] for t in tweets if (t.get("entities") or {}).get("media")}
    assert {p.native_id for p in posts if p.media} == with_media
    report = import_paths(open_db(tmp_path / "a.db"), [path])[0]
    assert (report.status, report.posts, report.threads) == ("imported", *expected_x(case))


def test_real_long_posts_are_stored_whole(tmp_path):
    path = real("xarchive", "alrocar-x.zip")
    notes = [r["noteTweet"]["core"] for r in archive_json(path, "note-tweet.js")]
    assert len(notes) == 41
    posts = list(read_document(path).posts)
    texts = [p.text for p in posts]
    for core in notes:
        whole = core["text"]
        for entry in core["urls"]:
            whole = whole.replace(entry["shortUrl"], entry["expandedUrl"])
        ending = whole[-40:]
        assert any(ending in text for text in texts), ending
    # no post of the owner's is left cut short (retweets are cut by X itself)
    cut = [p for p in posts if re.search(r"…(\s+https?://\S+)*\Z", p.text)
           and not p.text_raw.startswith("RT @")]
    assert cut == []
    db_path = tmp_path / "a.db"
    import_paths(open_db(db_path), [path])
    stored = [row[0] for row in query(db_path, "select text from posts")]
    assert sum(any(core["text"][-20:] in text for text in stored) for core in notes
               if not core["urls"]) == sum(1 for core in notes if not core["urls"])


def test_real_archive_without_account_js_names_its_owner():
    path = real("xarchive", "smithjd-twitter_archive.zip")
    tweets = [r.get("tweet", r) for r in archive_json(path, "tweets.js")]
    ids = {t["id_str"] for t in tweets}
    self_replies = {(t["in_reply_to_screen_name"], t["in_reply_to_user_id_str"]) for t in tweets
                    if t.get("in_reply_to_status_id_str") in ids}
    doc = read_document(path)
    assert {(doc.profile.handle, doc.profile.native_id)} == self_replies
    assert doc.profile.handle == expected_row("X archives", "smithjd-twitter_archive")["handle"]


def has_media(record: dict) -> bool:
    media = record.get("media")
    return bool(media) and (not isinstance(media, dict) or any(media.values()))


def test_real_snscrape_and_twscrape_texts(tmp_path):
    path = real("snscrape", "TwitterPoliticalAffiliation-user-tweets.json")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    doc = read_document(path)
    posts = {p.native_id: p for p in doc.posts}
    sample = next(line for line in lines if str(line["id"]) == "1588212179559665665")
    assert sample["links"][0]["url"] in posts["1588212179559665665"].text
    assert doc.profile.native_id == str(lines[0]["user"]["id"])
    for folder in ("snscrape", "twscrape"):
        for file in sorted(real(folder).glob("*.json*")):
            records = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
            mapped = {str(r["id"]): {link["tcourl"] for link in r.get("links") or []}
                      for r in records}
            posts = list(read_document(file).posts)
            assert len(posts) == len(records)
            assert not [p for p in posts if set(TCO.findall(p.text)) & mapped[p.native_id]]
            assert not [p for p in posts if re.search(r"&(amp|lt|gt);", p.text)], file.name
            with_media = {str(r["id"]) for r in records
                          if has_media(r) or has_media(r.get("retweetedTweet") or {})}
            assert {p.native_id for p in posts if p.media} == with_media, file.name


def test_real_twarc2_withheld_authors_and_retweets(tmp_path):
    path = real("twarc2", "twarc-csv-withheld.jsonl")
    pages = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    missing = set()
    for page_ in pages:
        described = {u["id"] for u in page_["includes"].get("users", [])}
        missing |= {t["author_id"] for t in page_["data"] if t["author_id"] not in described}
    doc = read_document(path)
    assert len(doc.posts) == 215
    placeholders = {p.author for p in doc.posts if p.author.startswith("id:")}
    assert placeholders == {f"id:{m}" for m in missing}
    assert len([w for w in doc.warnings if "includes.users" in w]) == len(missing) == 6
    report = import_paths(open_db(tmp_path / "a.db"), [path])[0]
    assert (report.status, report.posts) == ("imported", 215)
    # a retweet whose original the page includes carries its whole text
    noflat = real("twarc2", "twarc-csv-noflat.jsonl")
    page_ = json.loads(noflat.read_text(encoding="utf-8").splitlines()[0])
    originals = {t["id"]: t for t in page_["includes"]["tweets"]}
    posts = {p.native_id: p for p in read_document(noflat).posts}
    checked = 0
    for item in page_["data"]:
        ref = [r for r in item.get("referenced_tweets", []) if r["type"] == "retweeted"]
        if ref and "t.co/" not in originals[ref[0]["id"]]["text"]:
            whole = originals[ref[0]["id"]]["text"].replace("&amp;", "&").replace(
                "&lt;", "<").replace("&gt;", ">")
            assert posts[item["id"]].text.endswith(whole)
            checked += 1
    assert checked > 10
    # `twarc2 flatten` output of the same tweets reads the same
    flat = {p.native_id: (p.author, p.text, p.media)
            for p in read_document(real("twarc2", "twarc-csv-flat.jsonl")).posts}
    assert flat == {key: (p.author, p.text, p.media) for key, p in posts.items()}


def test_real_twarc2_files_without_tweets_and_a_cut_stream(tmp_path):
    for name in ("twarc-csv-counts.jsonl", "twarc-csv-users.jsonl"):
        with pytest.raises(NothingToImport):
            read_document(real("twarc2", name))
    stream = real("twarc2", "twarc-csv-streaming_output_with_error.jsonl")
    lines = stream.read_bytes().split(b"\n")
    doc = read_document(stream)
    assert len(doc.posts) == len(lines) - 1 == 7
    assert doc.warnings == [f"{stream}:{len(lines)}: truncated final line (the stream was cut "
                            "off); left out"]
    with pytest.raises(UnknownFormatError, match="not a format feedarchive knows"):
        read_document(real("negative", "waynegraham-twitter-archive-tweets-twarc1.jsonl"))
