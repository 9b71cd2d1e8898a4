"""HTML to text with the standard library's `html.parser`, keeping the structure a reader needs.

Block elements end lines, `<br>` breaks one, paragraphs are separated by a blank line,
headings come out as Markdown `#` lines and list items as `- ` lines, table cells are
separated by a tab and rows by a line break. Comments, `<script>`, `<style>`, `<template>`
and the `<head>` (except its `<title>`) are not content and are dropped. Entities are decoded.
Links are collected (`links`), so a reader can see which profiles a page points to.

`markdown=True` is for Markdown with inline HTML (a Jekyll page): text keeps its own line
breaks, which carry the Markdown structure; in HTML proper, runs of white space in text are
one space.

Markup that never closes is text, as `html.parser` makes it, but found in linear time:
`html.parser` looks for the end of a comment, declaration, processing instruction or tag from
each `<` that opens one, to the end of the page when there is none, so that `<!--` repeated
took minutes. Nothing after the page's last `>` can be closed, so that part is text without
being parsed, and whether a comment (`-->`) or marked section (`]]>`) closes anywhere further
on is looked up, once per page, instead of searched for from each opener. A malformed marked
section (`<![foo[`) is a bogus comment, as in a browser (`html.parser` raised an
AssertionError), and a decimal character reference with more digits than any character needs
is U+FFFD without converting them all (`html.parser` refused more than 4,300).
"""
from __future__ import annotations

import re
from html import unescape
from html.parser import HTMLParser
from typing import Optional

BLOCK = {"address", "article", "aside", "blockquote", "dd", "details", "dialog", "div", "dl",
         "dt", "fieldset", "figcaption", "figure", "footer", "form", "header", "hgroup", "hr",
         "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "thead",
         "tfoot", "ul", "center"}
PARAGRAPH = {"p", "blockquote", "pre", "table", "ul", "ol", "dl", "section", "article",
             "header", "footer", "figure", "hr", "main", "nav", "aside"}
SKIP = {"script", "style", "template", "noscript", "svg", "head", "iframe", "object"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}
SPACE = re.compile(r"[ \t\r\n\f]+")
# What ends a comment, a marked section and an MS Office marked section (`_markupbase`'s
# `--\s*>`, `]\s*]\s*>` and `]\s*>`): the marks before the `>` (`last_closer`).
CLOSERS = {"comment": ("-", "-"), "marked": ("]", "]"), "ms-marked": ("]",)}
MARKED_SECTIONS = {"temp": "marked", "cdata": "marked", "ignore": "marked", "include": "marked",
                   "rcdata": "marked", "if": "ms-marked", "else": "ms-marked",
                   "endif": "ms-marked"}
DECIMAL_REFERENCE = re.compile(r"&#0*([0-9]+)")


class _Extractor(HTMLParser):
    def __init__(self, markdown: bool) -> None:
        super().__init__(convert_charrefs=True)
        self.markdown = markdown
        self.parts: list[str] = []
        self.tail = ""
        self.skip = 0
        self.pre = 0
        self.title: Optional[str] = None
        self._in_title = False
        self._title_parts: list[str] = []
        self.links: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical: Optional[str] = None
        self._cell_index: list[int] = []
        self._open: list[tuple[str, bool]] = []  # open elements, and whether Markdown inside
        self._open_count: dict[str, int] = {}  # how many of `_open` each tag is
        self._closers_in: Optional[str] = None  # the data `_closers` were found in
        self._closers: dict[str, int] = {}

    # -- output helpers --------------------------------------------------------------------
    def emit(self, text: str) -> None:
        if text:
            self.parts.append(text)
            self.tail = (self.tail + text)[-2:]

    def newline(self, blank: bool = False) -> None:
        if not self.parts:
            return
        if blank:
            if not self.tail.endswith("\n\n"):
                self.emit("\n" if self.tail.endswith("\n") else "\n\n")
        elif not self.tail.endswith("\n"):
            self.emit("\n")

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "title":
            self._in_title = True
            return
        if tag == "meta":
            key = attributes.get("name") or attributes.get("property")
            if key and "content" in attributes:
                self.meta[key.lower()] = attributes["content"]
            return
        if tag == "link" and "canonical" in attributes.get("rel", "").lower().split():
            self.canonical = attributes.get("href") or None
            return
        if tag in SKIP:
            if tag not in VOID:
                self.skip += 1
            return
        if self.skip:
            return
        if tag not in VOID:
            inherited = self._open[-1][1] if self._open else self.markdown
            self._open.append((tag, attributes.get("markdown") in ("1", "block", "span")
                               if self.markdown else False) if tag in BLOCK or tag in
                              PARAGRAPH or tag in ("td", "th", "tr", "li") else (tag, inherited))
            self._open_count[tag] = self._open_count.get(tag, 0) + 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "br":
            self.emit("\n")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.newline(blank=True)
            self.emit("#" * int(tag[1]) + " ")
        elif tag == "li":
            self.newline()
            self.emit("- ")
        elif tag == "tr":
            self.newline()
            self._cell_index.append(0)
        elif tag in ("td", "th"):
            if self._cell_index:
                if self._cell_index[-1]:
                    self.emit("\t")
                self._cell_index[-1] += 1
        elif tag in PARAGRAPH:
            self.newline(blank=True)
        elif tag in BLOCK:
            self.newline()
        if tag == "pre":
            self.pre += 1

    def handle_startendtag(self, tag: str, attrs) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            self.title = " ".join("".join(self._title_parts).split()) or None
            return
        if tag in SKIP:
            self.skip = max(0, self.skip - 1)
            return
        if self.skip:
            return
        if self._open_count.get(tag):  # else nothing to look for (an end tag closing nothing)
            for index in range(len(self._open) - 1, -1, -1):
                if self._open[index][0] == tag:
                    for name, _markdown in self._open[index:]:
                        self._open_count[name] -= 1
                    del self._open[index:]
                    break
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.newline(blank=True)
        elif tag == "tr":
            if self._cell_index:
                self._cell_index.pop()
            self.newline(blank=True)
        elif tag in PARAGRAPH:
            self.newline(blank=True)
        elif tag in BLOCK or tag == "li":
            self.newline()
        if tag == "pre":
            self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self._title_parts.append(data)
            return
        if self.skip:
            return
        markdown = self._open[-1][1] if self._open else self.markdown
        if not (markdown or self.pre):
            data = SPACE.sub(" ", data)
            if self.tail.endswith(("\n", "\t", " ")) or not self.parts:
                data = data.lstrip(" ")
        self.emit(data)

    def handle_comment(self, data: str) -> None:
        pass  # commented-out content is not content

    # -- linear time on markup that never closes ----------------------------------------------
    def _last_closer(self, kind: str) -> int:
        """Where the last closer of `kind` (`CLOSERS`) starts in the data being parsed, or -1:
        a search for one from a position after that finds none."""
        if self._closers_in is not self.rawdata:
            self._closers_in, self._closers = self.rawdata, {}
        if kind not in self._closers:
            self._closers[kind] = last_closer(self.rawdata, CLOSERS[kind])
        return self._closers[kind]

    def parse_comment(self, i: int, report: int = 1) -> int:
        if self._last_closer("comment") < i + 4:
            return -1  # not closed: html.parser's search for `-->` would fail, to the end
        return super().parse_comment(i, report)

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        try:
            name, j = self._scan_name(i + 3, i)
        except AssertionError:  # `<![` without a name
            return self.parse_bogus_comment(i)
        if j < 0:
            return j
        if name not in MARKED_SECTIONS:  # html.parser raises an AssertionError
            return self.parse_bogus_comment(i)
        if self._last_closer(MARKED_SECTIONS[name]) < i + 3:
            return -1
        return super().parse_marked_section(i, report)


class HTMLText:
    """The result of `html_to_text`: text, title, links, `<meta>` values, canonical URL."""

    def __init__(self, extractor: _Extractor) -> None:
        lines = [line.rstrip() for line in "".join(extractor.parts).split("\n")]
        self.text = collapse_blank_lines("\n".join(lines)).strip("\n")
        self.title = extractor.title
        self.links = extractor.links
        self.meta = extractor.meta
        self.canonical = extractor.canonical


def collapse_blank_lines(text: str) -> str:
    return re.sub(r"\n[ \t]*\n(?:[ \t]*\n)+", "\n\n", text)


def last_closer(text: str, marks: tuple[str, ...]) -> int:
    """Where the last match of `marks` then `>` starts in `text`, or -1: white space may come
    before the `>` and after each `]`, not between the two `-` of `--`. Each `>` is looked at
    from the end, with the white space before it: one pass."""
    end = text.rfind(">")
    while end >= 0:
        at = end
        for index, mark in enumerate(reversed(marks)):
            if index == 0 or mark == "]":
                at -= 1
                while at >= 0 and text[at].isspace():
                    at -= 1
            else:
                at -= 1
            if at < 0 or text[at] != mark:
                break
        else:
            return at
        end = text.rfind(">", 0, end)
    return -1


def _shorten_reference(match: re.Match) -> str:
    """A decimal character reference of more than seven digits, its leading zeros dropped,
    and past seven digits still (beyond U+10FFFF, so U+FFFD) made `&#1114112`: the same
    character, without converting thousands of digits. A shorter one is left as it is."""
    if len(match.group()) <= 9:  # `&#` and seven digits
        return match.group()
    digits = match.group(1)
    return "&#1114112" if len(digits) > 7 else "&#" + digits


# The markup Mastodon writes for a toot: paragraphs, line breaks, links and spans with
# double-quoted attributes, and text. Read by `simple_html_text` without `html.parser`,
# which costs most of an outbox item's reading.
SIMPLE_TAG = re.compile(r'<(/?)(p|br|a|span)((?:\s+[a-z-]+="[^"<>]*")*)\s*/?>', re.ASCII)


def simple_html_text(markup: str) -> Optional[str]:
    """`html_to_text(markup).text` for markup made only of `<p>`, `<br>`, `<a>` and `<span>`
    tags (their attributes double-quoted) and text without `<`; None for any other markup,
    which `html_to_text` must read. Same rules: a paragraph is set off by a blank line, a
    `<br>` breaks the line, runs of white space are one space, entities are decoded."""
    parts: list[str] = []
    tail = ""
    at = 0
    for tag in SIMPLE_TAG.finditer(markup):
        data = markup[at:tag.start()]
        if "<" in data:
            return None
        at = tag.end()
        if data:
            data = SPACE.sub(" ", unescape(data) if "&" in data else data)
            if not parts or tail.endswith(("\n", "\t", " ")):
                data = data.lstrip(" ")
            if data:
                parts.append(data)
                tail = (tail + data)[-2:]
        closing, name = tag.group(1), tag.group(2)
        if name == "br" and not closing:  # `</br>` ends nothing and breaks nothing
            parts.append("\n")
            tail = (tail + "\n")[-2:]
        elif name == "p" and parts and not tail.endswith("\n\n"):
            gap = "\n" if tail.endswith("\n") else "\n\n"
            parts.append(gap)
            tail = (tail + gap)[-2:]
    rest = markup[at:]
    if "<" in rest:
        return None
    if rest:
        rest = SPACE.sub(" ", unescape(rest) if "&" in rest else rest)
        if not parts or tail.endswith(("\n", "\t", " ")):
            rest = rest.lstrip(" ")
        parts.append(rest)
    lines = [line.rstrip() for line in "".join(parts).split("\n")]
    return collapse_blank_lines("\n".join(lines)).strip("\n")


def html_to_text(markup: str, markdown: bool = False) -> HTMLText:
    if "&#" in markup:
        markup = DECIMAL_REFERENCE.sub(_shorten_reference, markup)
    extractor = _Extractor(markdown)
    # Past the last `>` nothing can close: html.parser would make it text, one `<` at a time,
    # each looking to the end for its `>`. Inside an unclosed <script> or <style> it is theirs.
    end = markup.rfind(">") + 1
    extractor.feed(markup[:end])
    extractor.close()
    if end < len(markup) and not extractor.cdata_elem:
        extractor.handle_data(unescape(markup[end:]))
    return HTMLText(extractor)
