"""HTML to text with the standard library's `html.parser`, keeping the structure a reader needs.

Block elements end lines, `<br>` breaks one, paragraphs are separated by a blank line,
headings come out as Markdown `#` lines and list items as `- ` lines, table cells are
separated by a tab and rows by a line break. Comments, `<script>`, `<style>`, `<template>`
and the `<head>` (except its `<title>`) are not content and are dropped. Entities are decoded.
Links are collected (`links`), so a reader can see which profiles a page points to.

`markdown=True` is for Markdown with inline HTML (a Jekyll page): text keeps its own line
breaks, which carry the Markdown structure; in HTML proper, runs of white space in text are
one space.
"""
from __future__ import annotations

import re
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
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] == tag:
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


def html_to_text(markup: str, markdown: bool = False) -> HTMLText:
    extractor = _Extractor(markdown)
    extractor.feed(markup)
    extractor.close()
    return HTMLText(extractor)
