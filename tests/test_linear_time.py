"""Adversarial text through the import path (issue 16): no regex or parser may be worse than
linear on it, and format detection reads a bounded prefix.

Speed is the benchmarks' business, not the tests': `adversarial_cases()` lists each adversarial
input run through a real entry point (`parse_page`, `detect_format` on a file, `html_to_text`,
`fix_document_text`), and `tests/bench/adversarial.py` times them (each well under a second;
some took minutes before). The tests here run the same cases and check what they give: text
that is no markup stays text, a line of spaces is no entry, and well-formed markup next to the
hostile part is still read.
"""
from __future__ import annotations

import functools
import tempfile
from pathlib import Path
from typing import Callable

import pytest

from feedarchive.errors import UnknownFormatError
from feedarchive.formats import SNIFF_BYTES, detect_format
from feedarchive.formats.homepage import parse_page
from feedarchive.formats.htmltext import html_to_text
from feedarchive.repair import fix_document_text

SPACES = " " * 200_000


def page_text(size: int = 50_000) -> str:
    """A plain-text homepage of about `size` characters (CV rows, news, publications)."""
    block = (
        "Ann Lee\n\nNEWS\n\n2025.07: Our paper on sparse attention was accepted at ICML 2025.\n"
        "2025.05: I gave a talk at the Stanford NLP seminar.\n\nEXPERIENCE\n\n"
        "Research Scientist\tACME LABS\t2022–now\nPhD in Computer Science\tMIT\t2017–22\n\n"
        "PUBLICATIONS\n\n[1] Sparse attention for long documents. Ann Lee, Bo Chen. ICML 2025.\n"
        "[2] Retrieval without an index. Bo Chen, Ann Lee. NeurIPS 2024.\n\n"
    )
    return (block * (size // len(block) + 1))[:size]


def detect(text: str) -> str:
    """`detect_format` on a file holding `text`: the format's name, or `unknown`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "page.txt"
        path.write_text(text, encoding="utf-8")
        try:
            return detect_format(path)
        except UnknownFormatError:
            return "unknown"


def _page(text: str, kind: str = "text"):
    return lambda: parse_page(text, "page.txt", kind=kind)


def _detect(text: str):
    return lambda: detect(text)


def _html(markup: str):
    return lambda: html_to_text(markup)


def _fix(text: str):
    return lambda: fix_document_text(text)


def adversarial_cases() -> list[tuple[str, Callable[[], object]]]:
    """(name, callable) for each adversarial input, each run through a real entry point; for
    `tests/bench/adversarial.py` to time, and for the tests below to check."""
    middle = page_text()
    return [
        # Liquid tags that are never closed (Markdown)
        ("liquid-unclosed-tags", _page("{%" * 40_000, "markdown")),
        ("liquid-unclosed-output", _page("{{" * 40_000, "markdown")),
        # a date, then a long run of spaces: not a news line
        ("news-spaces-detect", _detect("2025.07" + " " * 65_000 + "x")),
        ("news-spaces-page", _page("2025.07" + " " * 65_000 + "x")),
        ("news-leading-spaces-detect", _detect(" " * 65_000 + "2025.07 x")),
        ("news-after-spaces", _page("2025.07:" + " " * 65_000 + "x")),
        # emphasis and images that are never closed
        ("strong-unclosed", _page("**a " * 20_000)),
        ("strong-unclosed-underscore", _page("__a " * 20_000)),
        ("image-unclosed", _page("![" * 40_000)),
        ("emphasis-unclosed", _page("*a " * 40_000)),
        # a venue word of capitals with no year after it
        ("venue-capitals", _page("Publications\n\n[1] A work of note, " + "AB" * 30_000)),
        # a heading line with a long run of spaces inside
        ("heading-spaces", _page("# Title" + " " * 65_000 + "x", "markdown")),
        ("heading-spaces-detect", _detect("# Title" + " " * 65_000 + "x")),
        # lines of spaces: an author list, a dated item's text, an indented line
        ("author-line-spaces", _page("(1) Title of a work\nAnn" + SPACES + "Lee, Bo")),
        ("author-line-spaces-names", _page("(1) Title of a work\nAnn" + SPACES + "Lee, Bo Chen")),
        ("author-name-dots", _page("(1) Title of a work\nA" + "." * 40_000 + "1, Bo Chen")),
        ("dated-text-spaces", _page("NEWS\n\n2025.07: a" + SPACES + "b")),
        ("dated-text-spaces-tab", _page("NEWS\n\n2025.07: a" + SPACES + "\t" + SPACES + "b")),
        ("indented-line", _page("Publications\n\n" + SPACES + "x")),
        ("front-matter-value-spaces",
         _page("---\ntitle: a" + SPACES + "b\n---\n# Title\n", "markdown")),
        # more than detection reads (SNIFF_BYTES) of dated lines and headings with spaces
        ("detect-dated-lines-spaces", _detect(("2025.07" + " " * 16_000 + "x\n") * 5)),
        ("detect-headings-spaces", _detect(("# a" + " " * 1_000 + "b\n") * 100)),
        # HTML that never closes what it opens
        ("html-comments-unclosed", _html("<!--" * 40_000)),
        ("html-comments-with-gt", _html("<!-- a>" * 20_000)),
        ("html-declarations-unclosed", _html("<!x" * 200_000)),
        ("html-doctype-unclosed", _html("<!DOCTYPE" * 100_000)),
        ("html-pi-unclosed", _html("<?" * 200_000)),
        ("html-end-tags-unclosed", _html("</" * 200_000)),
        ("html-start-tags-unclosed", _html("<a " * 40_000)),
        ("html-cdata-unclosed", _html("<![CDATA[ >" * 20_000)),
        ("html-end-tags-unopened", _html("<b>" * 20_000 + "</i>" * 20_000)),
        ("html-page-tags-unclosed", lambda: parse_page("<html><body><p>x</p>" + "<a " * 40_000,
                                                       "page.html", kind="html")),
        # repair: long texts with one change, or a few, in them
        ("repair-escape-after-run", _fix("=" * 20_000 + "\x1b[0m")),
        ("repair-control-in-page", _fix(middle[:25_000] + "\x01" + middle[25_000:])),
        ("repair-run-of-one-character", _fix("a" * 50_000 + "\x01" + "a" * 50_000)),
        ("repair-scattered-controls", _fix(("A line of text " + "=" * 185 + "\x01") * 250)),
    ]


@functools.lru_cache(maxsize=1)
def _cases() -> dict[str, Callable[[], object]]:
    return dict(adversarial_cases())


def run(name: str):
    """Run one case of `adversarial_cases` and return what its entry point gave."""
    return _cases()[name]()


def test_every_case_runs():
    for name, case in adversarial_cases():
        case()


# -- homepages -------------------------------------------------------------------------------
@pytest.mark.parametrize("name, text", [("liquid-unclosed-tags", "{%" * 40_000),
                                        ("liquid-unclosed-output", "{{" * 40_000)])
def test_unclosed_liquid_is_left_as_text(name, text):
    page = run(name)
    assert page.text_raw == text and page.entries == []


def test_closed_liquid_is_removed_and_unclosed_liquid_after_it_kept():
    page = parse_page("a {% if x %}b{%- endif -%} c {{ site.title }} d {% e", "p.md",
                      kind="markdown")
    assert page.text_raw == "a b c  d {% e"


def test_a_date_and_a_run_of_spaces_is_not_a_news_line():
    assert run("news-spaces-page").entries == []


def test_a_news_line_with_a_run_of_spaces_after_its_colon_is_news():
    [entry] = run("news-after-spaces").entries
    assert (entry.kind, entry.date, entry.text) == ("news", "2025-07", "x")


@pytest.mark.parametrize("name, unit", [("strong-unclosed", "**a "),
                                        ("strong-unclosed-underscore", "__a "),
                                        ("image-unclosed", "!["), ("emphasis-unclosed", "*a ")])
def test_unclosed_inline_markup_is_left_as_text(name, unit):
    page = run(name)
    count = 40_000 if unit in ("![", "*a ") else 20_000
    assert page.text_raw == (unit * count).rstrip()


def test_closed_inline_markup_is_still_reduced_to_its_text():
    page = parse_page("**bold** __b__ *em* ![logo](a.png) [link](https://x.org) **a **b**",
                      "p.md", kind="markdown")
    assert page.text_raw == "bold b em  link a **b"


def test_a_word_of_capitals_without_a_year_is_no_venue():
    page = run("venue-capitals")
    assert page.entries == []
    [entry] = parse_page("Publications\n\n[1] A work of note, ABCD 2024", "p").entries
    assert (entry.kind, entry.venue, entry.year) == ("publication", "ABCD", 2024)


def test_a_heading_with_spaces_inside_keeps_its_text():
    page = run("heading-spaces")
    assert page.title == "Title" + " " * 65_000 + "x"
    assert parse_page("# Title #  \n", "p.md", kind="markdown").title == "Title"


def test_a_line_of_spaces_between_names_is_no_author_list():
    assert run("author-line-spaces").entries == []
    assert run("author-name-dots").entries == []


def test_names_a_run_of_spaces_apart_are_still_an_author_list():
    [work] = run("author-line-spaces-names").entries
    assert (work.kind, work.text, work.year) == ("publication", "Title of a work", None)


def test_a_dated_line_keeps_its_text_whatever_the_white_space_in_it():
    [entry] = run("dated-text-spaces").entries
    assert (entry.kind, entry.date, entry.text) == ("news", "2025-07", "a" + SPACES + "b")
    [entry] = run("dated-text-spaces-tab").entries
    assert entry.text == "a · b"


def test_an_indented_line_is_text_and_no_entry():
    page = run("indented-line")
    assert page.entries == [] and page.text_raw.endswith(SPACES + "x")


def test_front_matter_values_are_stripped_whatever_their_spaces():
    assert run("front-matter-value-spaces").title == "a" + SPACES + "b"


@pytest.mark.parametrize("name", ["news-spaces-detect", "news-leading-spaces-detect",
                                  "heading-spaces-detect", "detect-dated-lines-spaces"])
def test_adversarial_text_is_not_taken_for_a_homepage(name):
    assert run(name) == "unknown"


def test_detection_shows_each_reader_at_most_its_prefix(monkeypatch, tmp_path):
    from feedarchive import formats

    seen = []
    for reader in formats.READERS.values():
        monkeypatch.setattr(reader, "sniff", lambda path, head, sniff=reader.sniff:
                            seen.append(len(head)) or sniff(path, head))
    path = tmp_path / "page.txt"
    path.write_text("2025.07" + " " * (4 * SNIFF_BYTES) + "x", encoding="utf-8")
    with pytest.raises(UnknownFormatError):
        detect_format(path)
    assert len(seen) == len(formats.READERS) and max(seen) == SNIFF_BYTES


def test_headings_and_dated_lines_with_spaces_are_still_a_homepage():
    assert run("detect-headings-spaces") == "unknown"  # headings, but no dates and no links
    text = "".join(f"# Part {i}" + " " * 1_000 + f"x\n2025.0{i % 9 + 1}: news\n" for i in range(60))
    assert detect(text) == "homepage"


def test_a_homepage_is_still_detected_and_read():
    assert detect(page_text()) == "homepage"
    page = parse_page(page_text(2_000), "p.txt")
    assert {e.kind for e in page.entries} >= {"news", "position", "education", "publication"}


# -- HTML ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, markup", [
    ("html-comments-unclosed", "<!--" * 40_000),
    ("html-comments-with-gt", "<!-- a>" * 20_000),
    ("html-declarations-unclosed", "<!x" * 200_000),
    ("html-doctype-unclosed", "<!DOCTYPE" * 100_000),
    ("html-pi-unclosed", "<?" * 200_000),
    ("html-end-tags-unclosed", "</" * 200_000),
    ("html-start-tags-unclosed", "<a " * 40_000),
])
def test_markup_that_never_closes_is_text(name, markup):
    assert run(name).text == markup.strip()


def test_unclosed_markup_after_a_page_leaves_the_page_as_it_was():
    page = run("html-page-tags-unclosed")
    assert page.text_raw.startswith("x\n\n<a <a ")
    assert html_to_text("<p>a &amp; b</p><!-- x").text == "a & b\n\n<!-- x"


def test_end_tags_that_close_nothing_are_ignored():
    assert run("html-end-tags-unopened").text == ""
    assert html_to_text("<div>a<b>b</i>c</div>d").text == "abc\nd"


def test_a_marked_section_with_no_close_is_text():
    assert run("html-cdata-unclosed").text == ("<![CDATA[ >" * 20_000).strip()


def test_comments_and_declarations_that_close_are_dropped():
    markup = "<!DOCTYPE html><p>a<!-- c -->b<?pi x?>c<![CDATA[d]]>e<!x>f</p>"
    assert html_to_text(markup).text == "abcef"


def test_malformed_declarations_and_huge_character_references_are_read():
    assert html_to_text("<p>a<![foo[ b ]]>c</p>").text == "ac"
    assert html_to_text("<p>a<![ b</p>").text == "a"
    assert html_to_text("<p>&#" + "1" * 5_000 + ";x</p>").text == "\ufffdx"
    assert html_to_text("<p>&#0000065;&#x41;&#65</p>").text == "AAA"


# -- repair ----------------------------------------------------------------------------------
def test_an_escape_after_a_long_run_is_one_repair():
    fixed, repairs = run("repair-escape-after-run")
    assert fixed == "=" * 20_000
    assert [(r.start, r.end, r.before, r.after, r.kind) for r in repairs] == \
        [(20_000, 20_004, "\x1b[0m", "", "ftfy")]


@pytest.mark.parametrize("name, at", [("repair-control-in-page", 25_000),
                                      ("repair-run-of-one-character", 50_000)])
def test_one_control_character_in_a_long_text_is_one_repair(name, at):
    fixed, repairs = run(name)
    assert "\x01" not in fixed
    assert [(r.start, r.end, r.before, r.after) for r in repairs] == [(at, at + 1, "\x01", "")]


def test_scattered_controls_in_a_long_text_are_each_their_own_repair():
    fixed, repairs = run("repair-scattered-controls")
    assert fixed == ("A line of text " + "=" * 185) * 250
    assert [(r.start, r.end, r.before, r.after) for r in repairs] == \
        [(200 + i * 201, 201 + i * 201, "\x01", "") for i in range(250)]
