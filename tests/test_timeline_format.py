"""The timeline-text reader: header, posts, counts, and the errors a user sees."""
from __future__ import annotations

import pytest

from feedarchive.errors import SourceError
from feedarchive.formats import detect_format, read_document
from feedarchive.formats.timeline import is_count, parse_count

from conftest import timeline


@pytest.mark.parametrize("shown, value", [
    ("0", 0), ("42", 42), ("1,234", 1234), ("12,345,678", 12345678), ("2K", 2000),
    ("1.5K", 1500), ("12.3K", 12300), ("486.2K", 486200), ("1.2M", 1200000), ("1.1K", 1100),
])
def test_parse_count_reads_displayed_values(shown, value):
    assert parse_count(shown) == value


@pytest.mark.parametrize("line", ["1.5", "K", "12,34", "๐", "3/4", "1 234", "-3", ""])
def test_lines_that_are_not_counts(line):
    assert not is_count(line)


def test_reads_profile_and_posts(write_file):
    path = write_file("ada.txt", timeline(
        ("Shipped the new tokenizer today 🎉", "3", "14", "1.2K"),
        ("Reading list for the weekend:\nattention, again.", "0", "1", "9"),
    ))
    doc = read_document(path)
    assert doc.format == "timeline"
    assert (doc.profile.handle, doc.profile.name) == ("ada_lab", "Ada Lab")
    assert (doc.profile.followers, doc.profile.following) == (1024, 88)
    assert (doc.profile.media, doc.profile.statuses) == (12, 2500)
    assert doc.profile.bio == "Tiny models, big notebooks."
    assert doc.profile.joined == "May 2019"
    posts = list(doc.posts)
    assert [(p.text_raw, p.replies, p.reposts, p.likes) for p in posts] == [
        ("Shipped the new tokenizer today 🎉", 3, 14, 1200),
        ("Reading list for the weekend:\nattention, again.", 0, 1, 9),
    ]
    assert [p.line for p in posts] == [13, 17]


def test_post_ending_in_a_bare_number_keeps_it_as_text(write_file):
    path = write_file("score.txt", timeline(
        ("Final score:\n42", "1", "2", "30"),
        ("Clean sheets so far this season:\n11\n7", "0", "0", "5"),
        ("Next match on Saturday.", "2", "0", "8"),
    ))
    posts = list(read_document(path).posts)
    assert [p.text_raw for p in posts] == [
        "Final score:\n42", "Clean sheets so far this season:\n11\n7", "Next match on Saturday."]
    assert [(p.replies, p.reposts, p.likes) for p in posts] == [(1, 2, 30), (0, 0, 5), (2, 0, 8)]


def test_windows_line_endings(write_file):
    text = timeline(("One post", "1", "2", "3"), ("Another\npost", "4", "5", "6"))
    doc = read_document(write_file("crlf.txt", text.replace("\n", "\r\n").encode("utf-8")))
    assert [p.text_raw for p in list(doc.posts)] == ["One post", "Another\npost"]
    assert doc.profile.handle == "ada_lab"


def test_unicode_line_separators_are_text_not_breaks(write_file):
    doc = read_document(write_file("nel.txt", timeline(("a\u0085b\u2028c", "0", "0", "1"))))
    assert list(doc.posts)[0].text_raw == "a\u0085b\u2028c"


def test_name_split_by_a_mis_decoded_line_break_is_kept_whole(write_file):
    text = timeline(("hello", "0", "0", "0"), name="Ada\nLab")
    doc = read_document(write_file("split-name.txt", text))
    assert doc.profile.name == "Ada\nLab" and doc.profile.handle == "ada_lab"


def test_missing_counts_name_the_post_line(write_file):
    text = timeline(("first", "1", "2", "3")) + "second post\n5\n6\n"
    with pytest.raises(SourceError) as raised:
        list(read_document(write_file("truncated.txt", text)).posts)
    assert raised.value.line == 17
    assert "truncated.txt:17" in str(raised.value)
    assert "three count lines" in str(raised.value)


def test_truncated_header_names_the_line(write_file):
    path = write_file("header.txt", "Ada Lab\n@ada_lab\nFollowers\n10\nFollowing\n")
    with pytest.raises(SourceError) as raised:
        read_document(path)
    assert raised.value.line == 6 and "Following" in str(raised.value)


def test_non_count_in_header(write_file):
    text = timeline(("x", "0", "0", "0")).replace("1,024", "lots")
    with pytest.raises(SourceError, match=r":4: expected a count after 'Followers', got 'lots'"):
        read_document(write_file("words.txt", text))


def test_not_a_timeline_is_not_detected(write_file):
    path = write_file("notes.txt", "Shopping list\n- eggs\n- flour\n")
    with pytest.raises(SourceError, match="not a format feedarchive knows"):
        detect_format(path)


def test_binary_file_is_refused(write_file):
    path = write_file("blob.txt", b"Ada\n@ada_lab\nFollowers\n\x00\x01\x02" * 10)
    with pytest.raises(SourceError, match="binary"):
        read_document(path, "timeline")


def test_invalid_utf8_is_replaced_with_a_warning(write_file):
    data = timeline(("caf\u00e9 au lait", "0", "0", "1")).encode("utf-8").replace(
        "é".encode(), b"\xe9")
    doc = read_document(write_file("latin.txt", data))
    assert list(doc.posts)[0].text_raw == "caf\ufffd au lait"
    assert doc.warnings and "latin.txt:13: invalid UTF-8" in doc.warnings[0]


def test_seed_scrape_splits_into_twenty_posts(seed_timeline):
    doc = read_document(seed_timeline)
    assert doc.profile.handle == "FengzhuoZhang"
    assert (doc.profile.followers, doc.profile.following, doc.profile.media,
            doc.profile.statuses) == (135, 31, 18, 48)
    posts = list(doc.posts)
    assert len(posts) == 20
    assert (posts[0].replies, posts[0].reposts, posts[0].likes) == (1, 32, 51)
    token_crisis = next(p for p in posts if p.text_raw.startswith("Token crisis"))
    assert (token_crisis.replies, token_crisis.reposts, token_crisis.likes) == (42, 247, 2000)
