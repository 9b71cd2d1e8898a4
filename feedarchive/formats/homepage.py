"""Homepages and profile pages: a researcher's page saved as plain text, Markdown (a Jekyll
`about.md`) or HTML, read into one `Page` with its sections and the dated items it lists.

Parsing decisions, so that `pages.text_raw` is predictable:

- Markdown: YAML front matter (`---` … `---`) is metadata, not text (its `title` becomes the
  title, a `twitter`/`x` key names the owner); Liquid tags (`{% … %}`, `{{ … }}`) and HTML
  comments are template and commented-out content, not text; inline HTML is reduced to its
  text (see `htmltext`).
- HTML: the `<body>` text; `<title>` is the title; `link rel=canonical`/`og:url` the location.
- Every kind: Markdown inline markup is reduced to its text: `[text](url)` → `text`, images
  dropped, `**bold**`/`*em*` markers and `\\|` escapes removed, `<https://…>` → `https://…`.
  `#` heading lines lose their `#`. Lines are right-stripped and runs of blank lines become one.

`text_raw` is the text so extracted, before any repair (the repair stage repairs a copy).

Sections are found from Markdown/HTML headings, or in plain text from short heading-like lines
after a blank line (`EDUCATION & WORK EXPERIENCE`, `Publications`). Entries are the dated
items: news lines (`2025.07: …`, `*2025.05*: …`, `Jul 2025: …`), CV rows with year ranges
(`2017–22`, `(Jun. 2025 – Sept. 2025)`, `2024.09 - 2026.03`, and open ones: `2022–now`,
`2024.09 – (now)`, `(2023.07 - now)`, `2026 – Present)`), lines that start with a year,
publications with a venue and year (`(NeurIPS 2025)`, `**ICML 2025**`), and other dated
items of a recognised section (talks).

The section heading decides an entry's kind (`HEADING_KINDS`, a table of heading words): a
dated line under News/Updates is `news`, under Awards/Honors/Scholarships `award`, under
Patents `patent`, under Funds/Funding/Grants `funding`, under Publications `publication`, under
Talks/Teaching/Service `item`; a heading naming several (`Awards and Grants`) takes the first it
names. Under Education/Experience headings, and under none, a row with a year range is
`education` when it names a degree (or stands under Education alone), else `position`; a
dated line under no recognised heading is `news`. In a section with no kind of its own
(`Projects`, `Research`), a numbered work (`(3) Title` or `[3] Title`) followed by a list of
authors, or with the authors after the title on the same line, is a `publication`, dated by
the year of its venue line when it has one (an impact-factor label such as `IF2024=7.3` is
not a publication year), else undated.

The page belongs to an author only when the caller says so (`author=`), or when the page names
exactly one X account as its owner: a link to `x.com/<handle>` or `twitter.com/<handle>`, a
`Twitter: @handle` line, a `twitter:creator`/`twitter:site` meta tag or a `twitter:` front
matter key. Several candidates, or none, leave the page without an author.

Detection has two strengths. `sniff` (a file named by the user, or asked about by
`detect_format`) is permissive: HTML, Markdown, or text with section headings and dated lines.
`confident` (a file found while walking a folder) takes only what clearly is a homepage: an
HTML document; or Markdown or text with YAML front matter (Jekyll), or one that names a
profile (a contact block: an e-mail or a labelled homepage beside a link to a scholar, code or
social profile; a first-person bio under CV headings; an X owner with one more mark of a
personal page), so long as it is not a code project's documentation (install/usage/licence
headings, changelog versions, code blocks and commands) or a notes file made of tables:
headings and dates alone are what those files have too.

Over 500 lines: one format with many dialects (HTML, Jekyll Markdown with front matter, plain
text) and the entry kinds a homepage lists (news, positions, education, publications, awards…),
read by one set of section rules.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..errors import SourceError
from ..models import Document, Page, PageEntry
from . import members
from .common import decode_bytes
from .htmltext import collapse_blank_lines, html_to_text

NAME = "homepage"
OPTIONS = ("author",)
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown")

MONTH = (r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
         r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)")
MONTH_NUMBER = {name: index for index, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
YEAR = r"(?:19|20)\d{2}"
# A point in time: `2024`, `2024.09`, `2024-09`, `2024/09`, `Jun. 2025`, `June 2025`.
WHEN = rf"(?:{MONTH}\.?\s+{YEAR}|{YEAR}(?:[./-](?:0?[1-9]|1[0-2]))?)"
# The open end of a range: `now`, `(now)`, `Present)`, `till now`, `to date`.
OPEN_END = r"(?i:(?:(?:till|until|to)\s+)?(?:now|present|current|today|ongoing|date))"
RANGE = re.compile(
    rf"(?<![\w.])(?P<start>{WHEN})\s*(?:--?|[–—~−]|to)\s*"
    rf"(?:(?P<end>{WHEN}|\d{{2}})(?![\w.])|\(?(?P<open>{OPEN_END})\)?(?!\w))"
)
# No two runs of white space meet (`\s*[*_]*\s*` would try every split of a long run of
# spaces): the marks between them take at least one character, or are left out with the
# second run.
# A news line: its date, then a colon (`2025.07: …`, `**Jul 2025**: …`) or the bracket that
# closes it (`[2025.07] …`, `(Jul 2025) …`).
NEWS = re.compile(
    rf"^\s*(?:[-*•+]\s+)?(?:[*_\[(]+\s*)?(?P<when>{YEAR}[./-](?:0?[1-9]|1[0-2])"
    rf"(?:[./-]\d{{1,2}})?|{MONTH}\.?\s+{YEAR})\s*"
    rf"(?:[*_]*[\])][*_]*\s*[:：]?|(?:[*_]+\s*)?[:：])\s*(?P<text>.+)$"
)
LEADING_YEAR = re.compile(rf"^\s*(?:[-*•+]\s+)?(?P<year>{YEAR})(?:[.:,]?\s+|\t)(?P<text>\S.*)$")
ANY_YEAR = re.compile(rf"(?<![\d./])(?P<year>{YEAR})(?![\d])")
# A venue: an acronym with two or more capitals (ICML, NeurIPS, ACM/ICPC) or arXiv, then a year.
# The second capital is the first one after the initial (`[a-z]*`, not `[A-Za-z]*`): a long
# word of capitals then has one way to match, not one per split.
VENUE_YEAR = re.compile(
    rf"(?<![\w/])(?P<venue>arXiv|Interspeech|Nature|Science|[A-Z][a-z]*[A-Z][A-Za-z]*"
    rf"(?:[-/][A-Z][A-Za-z]*)?)"
    rf"['’]?\s*(?P<year>{YEAR})(?!\d)"
)
# A journal's impact factor with the year it was computed for (`IF2024=7.300`): not a venue.
IMPACT_FACTOR = re.compile(rf"\bIF\s?{YEAR}\s?[=:]\s?\d{{1,3}}(?:\.\d{{1,4}})?")
DEGREE = re.compile(r"\b(?:S\.M|B\.?\s?S\.?c?|B\.?\s?A|B\.?\s?Eng|M\.?\s?S\.?c?|M\.?\s?A|M\.?\s?Eng|"
                    r"MBA|Ph\.?\s?D|Sc\.?\s?D|D\.?\s?Phil|Bachelor|Master|Doctor(?:ate)?|"
                    r"Diploma|Undergraduate|Graduate student|student)\b")
BULLET = re.compile(r"^\s*(?:[-*•+‣◦▪]|\d{1,3}[.)])\s+")
NUMBERED_TITLE = re.compile(r"^\s*(?:(?:\*\*|__)\s*)?\[\d{1,3}\]")
# A numbered work: `(3) Title`, `[3] Title`, `- **[3] Title**`.
NUMBERED_WORK = re.compile(
    r"^\s*(?:[-*•+]\s+)?(?:(?:\*\*|__)\s*)?[(\[]\d{1,3}[)\]]\s*(?P<title>\S.*)$")
BOLD_TITLE = re.compile(r"^\s*(?:\*\*|__)\s*[\"“]")
# An ATX heading's opening (`## `); its text is what follows, less a closing run of `#`
# (`_atx`: `(.*?)\s*#*\s*$` tried every split of a trailing run of spaces, at every position).
ATX_OPEN = re.compile(r"\s{0,3}(#{1,6})\s+")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
# `<` is not allowed inside, so a run of unclosed `<http:` costs one pass, not one per `<`.
AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>")
# What follows an image's `![alt]`: `(url)`. The alt text runs to the first `]` (`_remove_images`).
IMAGE_TARGET = re.compile(r"\((?:[^()\s]|\([^()]*\))*\)")
# `[` is not allowed in the text, so a run of unclosed `[` costs one pass, not one per `[`.
LINK = re.compile(r"\[([^\[\]\n]+)\]\(((?:[^()\s]|\([^()]*\))*)(?:\s+\"[^\"]*\")?\)")
EMPHASIS = re.compile(r"(?<![\w*\\])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
URL = re.compile(r"https?://[^\s<>()\[\]\"']+")
X_PROFILE = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:twitter|x)\.com/(?:#!/)?@?([A-Za-z0-9_]{1,15})/?(?:[?#].*)?$")
X_RESERVED = {"intent", "share", "home", "search", "hashtag", "i", "login", "signup", "explore",
              "settings", "messages", "notifications", "tos", "privacy", "about"}
X_LABEL = re.compile(r"(?:^|[\s|•·(])(?:Twitter|X|X\s*/\s*Twitter|Twitter\s*/\s*X)\s*[:：]\s*"
                     r"@([A-Za-z0-9_]{1,15})\b")
META_X = ("twitter:creator", "twitter:site")
LOCATION_LABEL = re.compile(
    r"^\s*(?:Homepage|Home page|Website|Web|URL)\s*[:：]\s*(?:<(https?://[^\s>]+)>|(https?://[^\s<>]+))",
    re.I)
# What the sections of a CV are called; a heading may join two (`Honors and Awards`).
HEADING_TOPIC = (
    r"(?:publications?|papers?|preprints?|writing samples?|experience|work experience|"
    r"employment|positions?|appointments?|education|educations|news|updates|awards?|honou?rs?|"
    r"prizes?|scholarships?|fellowships?|patents?|funds?|funding|grants?|talks?|"
    r"presentations?|teaching|service|projects?|interests?|bio(?:graphy)?|short bio|"
    r"about(?: me)?|contact|students|mentoring|misc(?:ellaneous)?|software|skills|activities|"
    r"people|research|cv|curriculum vitae)")
HEADING_WORDS = re.compile(
    r"^(?:selected |recent |latest |invited |academic |professional |research |work |"
    rf"teaching |open[- ]source |)"
    rf"{HEADING_TOPIC}(?:\s?(?:&|and|,)\s?{HEADING_TOPIC})?$", re.I)
# Heading words → the kind of the dated items under them. A general table, not a page's: a
# heading naming several kinds (`Awards and Grants`) takes the first one it names.
HEADING_KINDS: tuple[tuple[str, str], ...] = (
    ("news", r"news|updates?|announcements?"),
    ("publication", r"publications?|papers?|preprints?|writings?"),
    ("patent", r"patents?"),
    ("funding", r"funds?|funding|grants?"),
    ("award", r"awards?|honou?rs?|prizes?|scholarships?|fellowships?"),
    ("education", r"educations?|degrees?"),
    ("position", r"experiences?|employment|positions?|appointments?|careers?|work"),
    ("item", r"talks?|presentations?|teaching|services?"),
)
HEADING_KIND = re.compile(
    r"\b(?:" + "|".join(f"(?P<{kind}>{words})" for kind, words in HEADING_KINDS) + r")\b",
    re.I)
# Kinds whose dated items carry the heading's kind whatever their shape (a dated line, a line
# starting with a year, a range).
LISTED_KINDS = ("award", "patent", "funding")


def _head_text(head: bytes) -> Optional[str]:
    """The first bytes of a file as text, or None when they are not UTF-8 text (a character
    cut at the end of the head is not a reason to refuse it)."""
    if b"\x00" in head[:8192]:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut at the end of the head
            return None
        text = head[:error.start].decode("utf-8")
    return text.lstrip("\ufeff")


def sniff(path: Path, head: bytes) -> bool:
    """Text that looks like a page: HTML, Markdown with front matter, or text with the marks
    of a CV (section headings, dated lines, links). Random text is not claimed."""
    text = _head_text(head)
    if text is None:
        return False
    lowered = text[:2048].lower()
    if "<!doctype html" in lowered or "<html" in lowered:
        return True
    if FRONT_MATTER.match(text) or str(path).lower().endswith(MARKDOWN_SUFFIXES + HTML_SUFFIXES):
        return True
    lines = [line.strip() for line in text.split("\n")[:400]]
    headings = sum(1 for i, line in enumerate(lines) if _is_heading(lines, i))
    dated = sum(1 for line in lines if RANGE.search(line) or NEWS.match(line)
                or LEADING_YEAR.match(line))
    links = len(URL.findall(text))
    return headings >= 2 and (dated >= 2 or links >= 2)


# A personal page saved with its pictures inline is a few megabytes; past this, the file is
# not one, and is not held (its reading costs about ten times its size in memory).
MAX_PAGE_BYTES = 16 << 20


def read(path: Path, *, author: Optional[str] = None) -> Document:
    """One `Page` from a file; `author` names its owner where the page does not."""
    path = Path(path)
    label = str(path)
    try:
        with members.open_regular(path) as handle:
            data = handle.read(MAX_PAGE_BYTES + 1)
    except OSError as error:
        raise SourceError(label, f"cannot read file: {error.strerror}") from None
    if len(data) > MAX_PAGE_BYTES:
        raise SourceError(label, f"larger than {MAX_PAGE_BYTES >> 20} MB: no homepage is that "
                                 "large (a page of text, not a page with its media)")
    text = decode_bytes(label, data)
    page = parse_page(text, kind=page_kind(path, text), author=author)
    return Document(label, NAME, None, [], [], pages=[page], source_text=text)


def page_kind(path: Path, text: str) -> str:
    """How to read the text: `html`, `markdown` (by suffix or front matter) or `text`."""
    lowered = text[:2048].lower()
    if str(path).lower().endswith(HTML_SUFFIXES) or "<!doctype html" in lowered \
            or lowered.lstrip().startswith("<html"):
        return "html"
    if str(path).lower().endswith(MARKDOWN_SUFFIXES) or FRONT_MATTER.match(text):
        return "markdown"
    return "text"


@dataclass
class _Extracted:
    lines: list[str]  # Markdown-ish lines, inline markup still in place
    title: Optional[str] = None
    location: Optional[str] = None
    links: list[str] = field(default_factory=list)
    owner_hints: list[str] = field(default_factory=list)


def parse_page(text: str, location: Optional[str] = None, kind: str = "text",
               author: Optional[str] = None) -> Page:
    """Parse a page's text; `location` (the URL it came from, if known) is used unless the
    page states its own URL. A page saved to a file says nothing of where it was: its
    location stays unknown rather than the file's path, which is the user's, not the page's."""
    extracted = extract(text.replace("\r\n", "\n").replace("\r", "\n"), kind)
    lines = extracted.lines
    sections = split_sections(lines)
    clean_lines = [clean_inline(_heading_text(line) or line) for line in lines]
    text_raw = collapse_blank_lines("\n".join(line.rstrip() for line in clean_lines)).strip("\n")
    entries: list[PageEntry] = []
    for (heading, body), kind in zip(sections, section_kinds(lines)):
        entries.extend(section_entries(heading, body, kind))
    owner = author.lstrip("@") if author else find_owner(extracted, lines)
    title = extracted.title
    first = next((line for line in lines if line.strip()), "")
    heading = _atx(first)
    if not title and kind != "text" and heading and heading[0] == 1:
        title = clean_inline(heading[1])
    return Page(
        location=extracted.location or location, text_raw=text_raw, title=title or None,
        author=owner,
        sections=[{"heading": clean_inline(h) if h else None,
                   "text": collapse_blank_lines("\n".join(clean_inline(b) for b in body)).strip()}
                  for h, body in sections if h or any(b.strip() for b in body)],
        entries=entries,
    )


# -- extraction ----------------------------------------------------------------------------
def extract(text: str, kind: str) -> _Extracted:
    hints: list[str] = []
    title = location = None
    links: list[str] = []
    if kind == "html":
        result = html_to_text(text)
        body, title = result.text, result.title
        links = list(result.links)
        location = result.canonical or result.meta.get("og:url")
        hints += [result.meta[k] for k in META_X if result.meta.get(k)]
    else:
        body = text
        if kind == "markdown":
            match = FRONT_MATTER.match(body)
            if match:
                meta = front_matter(match.group(1))
                title = meta.get("title") or None
                hints += [meta[k] for k in ("twitter", "x", "twitter_username") if meta.get(k)]
                body = body[match.end():]
            body = remove_liquid(body)
            body = COMMENT.sub("", body)
            body = AUTOLINK.sub(r"\1", body)
            result = html_to_text(body, markdown=True)
            body = result.text
            links = list(result.links)
        else:
            body = AUTOLINK.sub(r"\1", COMMENT.sub("", body))
    links += [m.group(2) for m in LINK.finditer(body)] + URL.findall(body)
    lines = [line.rstrip() for line in body.split("\n")]
    if kind == "text":
        for line in text.split("\n")[:10]:
            match = LOCATION_LABEL.match(line)
            if match and not location:
                location = (match.group(1) or match.group(2)).rstrip(".,")
    return _Extracted(lines, title, location, links, hints)


def front_matter(block: str) -> dict[str, str]:
    """The scalar `key: value` pairs of a YAML front matter block (lists are ignored)."""
    meta = {}
    for line in block.split("\n"):
        match = YAML_PAIR.match(line)
        value = line[match.end():].strip() if match else ""
        if value:
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[match.group(1).lower()] = value
    return meta


YAML_PAIR = re.compile(r"([A-Za-z_][\w-]*)\s*:")  # the value is the rest, stripped


def remove_liquid(text: str) -> str:
    """The text without its Liquid tags: each `{%` to the first `%}` after it, each `{{` to the
    first `}}`, leftmost first (the regex `\\{%.*?%\\}|\\{\\{.*?\\}\\}`, re.S). An opener
    that is never closed stays as text, and so does every later one of its kind: there is
    nothing after it to close them, so each kind's closer is looked for once, not once per
    opener."""
    closers = {"{%": "%}", "{{": "}}"}
    following = {opener: text.find(opener) for opener in closers}  # next of each, or -1
    parts: list[str] = []
    kept = 0
    while True:
        openers = [at for at in following.values() if at >= 0]
        if not openers:
            break
        start = min(openers)
        opener = text[start:start + 2]
        end = text.find(closers[opener], start + 2)
        if end < 0:
            following[opener] = -1  # no later one of this kind is closed either
            continue
        parts.append(text[kept:start])
        kept = end + 2
        for other, at in following.items():
            if 0 <= at < kept:
                following[other] = text.find(other, kept)
    parts.append(text[kept:])
    return "".join(parts)


def _remove_images(line: str) -> str:
    """The line without its Markdown images `![alt](url)` (the regex
    `!\\[[^\\]]*\\]\\((?:[^()\\s]|\\([^()]*\\))*\\)`). The alt text runs to the first `]`, so
    every `![` before that `]` has the same fate: the `(url)` after it is read once."""
    parts: list[str] = []
    kept = position = 0
    while True:
        start = line.find("![", position)
        if start < 0:
            break
        close = line.find("]", start + 2)
        if close < 0:
            break
        target = IMAGE_TARGET.match(line, close + 1)
        if target:
            parts.append(line[kept:start])
            kept = position = target.end()
        else:
            position = close + 1
    parts.append(line[kept:])
    return "".join(parts)


def _remove_strong(line: str) -> str:
    """`**bold**` and `__bold__` → their text (the regex `(\\*\\*|__)(?=\\S)(.+?)(?<=\\S)\\1`): an
    opener followed by a non-space, closed by the first same marker after a non-space on the
    same line. An opener that finds no closer before the line ends leaves every later one of
    its kind on that line unclosed too, so each line is searched once per kind of marker."""
    size = len(line)
    following = {marker: line.find(marker) for marker in ("**", "__")}  # next, or -1
    unclosed_before = {"**": -1, "__": -1}  # an opener before this position has no closer
    parts: list[str] = []
    kept = position = 0
    line_end = -1  # the end of the line `position` is on (a "\n" or the end of the text)
    while True:
        for marker, at in following.items():
            if 0 <= at < position:
                following[marker] = line.find(marker, position)
        openers = [at for at in following.values() if at >= 0]
        if not openers:
            break
        start = min(openers)
        marker = line[start:start + 2]
        position = start + 1
        if start < unclosed_before[marker] or start + 2 >= size or line[start + 2].isspace():
            continue
        if line_end < start + 2:
            line_end = line.find("\n", start + 2)
            line_end = size if line_end < 0 else line_end
        end = line.find(marker, start + 3, line_end)
        while end >= 0 and line[end - 1].isspace():
            end = line.find(marker, end + 1, line_end)
        if end < 0:
            unclosed_before[marker] = line_end
            continue
        parts += [line[kept:start], line[start + 2:end]]
        kept = position = end + 2
    parts.append(line[kept:])
    return "".join(parts)


def clean_inline(line: str) -> str:
    """Markdown inline markup → its text (each step only where its mark is: most lines have
    none, and a page of many lines calls this a few times per line)."""
    if "![" in line:
        line = _remove_images(line)
    if "[" in line:
        line = LINK.sub(r"\1", line)
    if "<" in line:
        line = AUTOLINK.sub(r"\1", line)
    if "**" in line or "__" in line:
        for _ in range(2):
            line = _remove_strong(line)
    if "*" in line:
        line = EMPHASIS.sub(r"\1", line)
    if "\\" in line:
        line = line.replace("\\|", "|").replace("\\*", "*").replace("\\_", "_").replace("\\#", "#")
    return line


# -- sections ------------------------------------------------------------------------------
def _atx(line: str) -> Optional[tuple[int, str]]:
    """An ATX heading (`## Title`, `# Title #`): its level and text, or None. The text is what
    follows the `#`s and white space, less trailing white space and a closing run of `#` with
    the white space before it (the regex `^\\s{0,3}(#{1,6})\\s+(.*?)\\s*#*\\s*$`, which tried every
    split of a long run of spaces at every position of the text)."""
    match = ATX_OPEN.match(line)
    if not match:
        return None
    rest = line[match.end():]
    text = rest[:len(rest.rstrip().rstrip("#").rstrip())]
    return None if "\n" in text else (len(match.group(1)), text)


def _heading_text(line: str) -> Optional[str]:
    heading = _atx(line)
    return heading[1] if heading else None


def _is_heading(lines: list[str], index: int) -> bool:
    line = lines[index].strip()
    if _heading_text(lines[index]) is not None:
        return True
    if not line or len(line) > 60 or (index > 0 and lines[index - 1].strip()):
        return False
    if BULLET.match(line) or line[-1] in ".,;:!?)" or "\t" in line or URL.search(line):
        return False
    if ANY_YEAR.search(line):
        return False
    letters = [c for c in line if c.isalpha()]
    if len(letters) >= 4 and all(c.isupper() for c in letters) and not re.search(r"[\d:/@]", line):
        return True
    return HEADING_WORDS.match(clean_inline(line).strip()) is not None


def split_sections(lines: list[str]) -> list[tuple[Optional[str], list[str]]]:
    sections: list[tuple[Optional[str], list[str]]] = [(None, [])]
    for index, line in enumerate(lines):
        if _is_heading(lines, index):
            heading = _heading_text(line)
            sections.append(((heading if heading is not None else line).strip(), []))
        else:
            sections[-1][1].append(line)
    return sections


def section_kinds(lines: list[str]) -> list[Optional[str]]:
    """The kind of each section of `split_sections`: its heading's own, or, for a subsection
    (`## First Authored` under `# Publications`), its parent's."""
    kinds: list[Optional[str]] = [None]
    parents: list[tuple[int, Optional[str]]] = []  # (level, kind) of enclosing headings
    for index, line in enumerate(lines):
        if not _is_heading(lines, index):
            continue
        level, heading = _atx(line) or (1, line)
        while parents and parents[-1][0] >= level:
            parents.pop()
        kind = section_kind(heading) or (parents[-1][1] if parents else None)
        parents.append((level, kind))
        kinds.append(kind)
    return kinds


def section_kind(heading: Optional[str]) -> Optional[str]:
    """The kind of the dated items under `heading`: that of the first word of `HEADING_KINDS`
    it names (`Awards and Grants` → `award`), or None."""
    if not heading:
        return None
    match = HEADING_KIND.search(heading)
    return match.lastgroup if match else None


# -- entries -------------------------------------------------------------------------------
def items(lines: list[str], kind: Optional[str]) -> list[list[str]]:
    """Group a section's lines into items: a bullet or a numbered/quoted title starts one; a
    blank line ends one, except in publication sections, where a title's authors and venue
    often follow in paragraphs of their own."""
    grouped: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            if current and kind != "publication":
                grouped.append(current)
                current = []
            continue
        starts = BULLET.match(line) or NUMBERED_TITLE.match(line) or BOLD_TITLE.match(line)
        if starts and current:
            grouped.append(current)
            current = []
        current.append(line)
    if current:
        grouped.append(current)
    # A run of dated lines (CV rows, news lines) is one item per line.
    split: list[list[str]] = []
    for item in grouped:
        dated = [i for i, line in enumerate(item) if _dated_line(line)]
        if len(dated) >= 2:
            starts = [0] + [i for i in dated if i > 0]
            for a, b in zip(starts, starts[1:] + [len(item)]):
                split.append(item[a:b])
        else:
            split.append(item)
    return split


def _dated_line(line: str) -> bool:
    return bool(NEWS.match(line) or LEADING_YEAR.match(line) or RANGE.search(line))


def _iso_when(when: str) -> tuple[str, int]:
    """`2025.07` → (`2025-07`, 2025); `Jun. 2025` → (`2025-06`, 2025); `2024` → (`2024`, 2024)."""
    when = when.strip()
    match = re.match(rf"^({MONTH})\.?\s+({YEAR})$", when)
    if match:
        month = MONTH_NUMBER[match.group(1)[:3].lower()]
        return f"{match.group(2)}-{month:02d}", int(match.group(2))
    parts = re.split(r"[./-]", when)
    year = int(parts[0])
    if len(parts) >= 2:
        date = f"{year}-{int(parts[1]):02d}"
        if len(parts) >= 3:
            date += f"-{int(parts[2]):02d}"
        return date, year
    return str(year), year


def _plain(lines: Iterable[str]) -> str:
    """An item's lines as one line: ` — ` between lines, ` · ` for a run of white space with a
    tab in it (a table cell's edge)."""
    text = " — ".join(clean_inline(BULLET.sub("", line)).strip() for line in lines if line.strip())
    if "\t" in text:  # `\s+` takes each run whole (`\s*\t\s*` rescanned a tabless run per space)
        text = WHITE_SPACE.sub(lambda run: " · " if "\t" in run.group() else run.group(), text)
    return text.strip()


WHITE_SPACE = re.compile(r"\s+")


def section_entries(heading: Optional[str], lines: list[str],
                    kind: Optional[str] = None) -> list[PageEntry]:
    """The entries of one section. In a section with no kind of its own, numbered works with
    their authors come first (they are publications wherever they stand), then the dated
    items of the lines they leave."""
    kind = kind or section_kind(heading)
    entries: list[PageEntry] = []
    if kind is None:
        works, used = numbered_works(lines)
        entries += works
        lines = ["" if index in used else line for index, line in enumerate(lines)]
    for item in items(lines, kind):
        entry = item_entry(item, kind, heading)
        if entry is not None:
            entries.append(entry)
    return entries


def cv_kind(joined: str, kind: Optional[str], heading: Optional[str]) -> str:
    """A CV row's kind: `education` when it names a degree, or stands under an Education
    heading that does not also say work (`Education & Work Experience`), else `position`."""
    work = heading is not None and re.search(r"experience|work|employment|position", heading, re.I)
    return "education" if DEGREE.search(joined) or (kind == "education" and not work) \
        else "position"


def dated_kind(kind: Optional[str], joined: str, heading: Optional[str]) -> str:
    """The kind of a dated line (`2025.07: …`): its section's; CV rows are told apart by
    `cv_kind`; under no recognised heading a dated line is news."""
    if kind in ("education", "position"):
        return cv_kind(joined, kind, heading)
    return kind or "news"


def item_entry(item: list[str], kind: Optional[str],
               heading: Optional[str] = None) -> Optional[PageEntry]:
    """The entry one item makes, or None when it is not a dated item of a known shape."""
    first = item[0]
    joined = "\n".join(item)
    news = NEWS.match(first)
    if news:
        date, year = _iso_when(news.group("when"))
        rest = [news.group("text")] + item[1:]
        entry_kind = dated_kind(kind, joined, heading)
        venue = VENUE_YEAR.search(clean_inline(joined)) if entry_kind == "publication" else None
        return PageEntry(entry_kind, _plain(rest), date=date, year=year,
                         venue=venue.group("venue") if venue else None)
    text = _plain(item)
    if kind == "publication":
        return publication_entry(item)
    span = RANGE.search(joined)
    if span:
        date, year = _iso_when(span.group("start"))
        entry_kind = kind if kind in LISTED_KINDS else cv_kind(joined, kind, heading)
        return PageEntry(entry_kind, text, date=date, year=year)
    leading = LEADING_YEAR.match(first)
    if leading and kind in LISTED_KINDS + ("news", "item", "education", "position"):
        cells = [c.strip() for c in leading.group("text").split("\t") if c.strip()]
        venue = cells[-1] if len(cells) > 1 else None
        body = cells[:-1] if venue else cells
        return PageEntry(kind, _plain([" · ".join(body)] + item[1:]),
                         date=leading.group("year"), year=int(leading.group("year")),
                         venue=venue and clean_inline(venue))
    if kind in LISTED_KINDS + ("item", "news"):
        found = VENUE_YEAR.search(joined) or ANY_YEAR.search(joined)
        if found:
            venue = found.groupdict().get("venue")
            return PageEntry(kind, text, date=found.group("year"), year=int(found.group("year")),
                             venue=venue)
    return None


def publication_entry(item: list[str]) -> Optional[PageEntry]:
    """A publication: its title (the item's first line), venue and year."""
    joined = clean_inline("\n".join(item))
    found = VENUE_YEAR.search(joined)
    year_match = found or ANY_YEAR.search(joined)
    if not year_match:
        return None
    title = clean_inline(BULLET.sub("", item[0])).strip()
    title = re.sub(r"^\[\d{1,3}\]\s*", "", title).strip().strip("\"“”").strip()
    if len(title.split()) < 3:  # a badge (`ICML 2025`) or a stray line, not a title
        return None
    year = int(year_match.group("year"))
    return PageEntry("publication", title, date=str(year), year=year,
                     venue=found.group("venue") if found else None)


# -- numbered works: publications found by their shape --------------------------------------
NAME_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "del", "du", "la", "le", "bin",
                  "al", "el", "dos", "das", "ter", "zu"}
BARE_BULLETS = {"-", "*", "•", "+"}  # an empty list item: what an HTML <li><p> leaves
AUTHOR_MARKS = "*#†‡§✉★☆^¹²³"
FILLERS = {"…", "...", "et al.", "et al", "etc."}
# A letter, then letters and `.`/`'`/`-` (`A.-B.`, `O'Neil`): one character class at a time,
# so a run of dots is read once, not split every way.
NAME_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|[.'’-])*")


def _is_name(segment: str) -> bool:
    """A person's name as author lists write it: `Quan Zou*`, `Z. Allen-Zhu★`, `{Ana Lima#`,
    `Jan van Dijk`, `王一争`: one to five words, each capitalised (or of a script without
    case) or a particle inside the name; no digits."""
    words = segment.strip().strip("{}").strip().rstrip(AUTHOR_MARKS).strip("{}").split()
    if not 1 <= len(words) <= 5:
        return False
    for index, word in enumerate(words):
        word = word.strip(AUTHOR_MARKS + "{}")
        if not word or not NAME_WORD.fullmatch(word):
            return False
        first = word[0]
        if word.lower() in NAME_PARTICLES and 0 < index < len(words) - 1:
            continue
        if first.islower():
            return False
    # One word is a name only in a script without case (Chinese, Japanese, Korean).
    return len(words) >= 2 or not (words[0][0].isupper() or words[0][0].islower())


def _author_run(segments: list[str]) -> int:
    """How many of `segments` (from the first) are author names or fillers (`…`, `et al.`);
    a run counts only with two names or more."""
    names = count = 0
    for segment in segments:
        if segment.strip().lower() in FILLERS:
            count += 1
        elif _is_name(segment):
            names += 1
            count += 1
        else:
            break
    return count if names >= 2 else 0


def _segments(text: str) -> list[str]:
    """An author list cut into names: at commas, semicolons and a final `and`/`&` (white space
    is made single spaces first, so the split never rescans a long run of it)."""
    text = " ".join(text.split())
    return [s for s in re.split(r" ?[,;] ?| (?:and|&) ", text) if s.strip()]


def is_author_list(line: str) -> bool:
    """Whether a whole line is a list of two or more authors (`A. Lee, Bo Chen*, Quan Zou`)."""
    segments = _segments(clean_inline(line).strip().rstrip("."))
    return len(segments) >= 2 and _author_run(segments) == len(segments)


def _title_then_authors(text: str) -> Optional[tuple[str, str]]:
    """`Title, A. Lee, Bo Chen*. Venue 2024` → (`Title`, `Venue 2024`): a title followed on the
    same line by its authors; None when no author list follows one of its first three
    comma-parts."""
    parts = text.split(", ")
    for start in range(1, len(parts)):
        tail = parts[start:]
        last = next((i for i, part in enumerate(tail) if ". " in part), None)
        venue = ""
        if last is not None:  # the authors end at `Name. Venue…`
            name, venue = tail[last].split(". ", 1)
            tail = tail[:last] + [name]
            venue = ", ".join([venue] + parts[start + last + 1:])
        if _author_run(tail) == len(tail):
            return ", ".join(parts[:start]), venue
        if start >= 3:  # titles rarely hold more than a couple of commas
            break
    return None


def _venue_year(text: str) -> tuple[Optional[str], Optional[int]]:
    """The venue and year a venue line names (`ICIC2025` → ("ICIC", 2025)); an impact factor's
    year (`IF2024=7.3`) is when the factor was computed, not when the work appeared."""
    text = IMPACT_FACTOR.sub("", clean_inline(text))
    found = VENUE_YEAR.search(text)
    if found:
        return found.group("venue"), int(found.group("year"))
    year = ANY_YEAR.search(text)
    return None, int(year.group("year")) if year else None


def _next_filled(lines: list[str], index: int) -> Optional[int]:
    """The index of the first non-blank line after `index`, or None."""
    for later in range(index + 1, len(lines)):
        if lines[later].strip():
            return later
    return None


def numbered_works(lines: list[str]) -> tuple[list[PageEntry], set[int]]:
    """Publications found by their shape: a numbered title (`(3) Title`, `[3] Title`) whose
    next line lists its authors (the line after them, if it is not a bullet or another work,
    is the venue line that dates it), or whose authors follow the title on the same line.
    Returns the entries and the indices of the lines they used."""
    works: list[PageEntry] = []
    used: set[int] = set()
    for index, line in enumerate(lines):
        match = NUMBERED_WORK.match(line)
        if not match:
            continue
        title = clean_inline(match.group("title")).strip().strip("*_").strip()
        authors = _next_filled(lines, index)
        venue_text = ""
        if authors is not None and is_author_list(lines[authors]):
            taken = {index, authors}
            venue_line = _next_filled(lines, authors)
            if venue_line is not None and not (BULLET.match(lines[venue_line]) or NUMBERED_WORK
                                               .match(lines[venue_line])
                                               or lines[venue_line].strip() in BARE_BULLETS):
                venue_text = lines[venue_line]
                taken.add(venue_line)
        else:
            split = _title_then_authors(title)
            if split is None:
                continue
            title, venue_text = split
            taken = {index}
        title = title.strip().strip("\"“”").strip()
        if len(title.split()) < 3:
            continue
        venue, year = _venue_year(venue_text)
        works.append(PageEntry("publication", title, date=str(year) if year else None,
                               year=year, venue=venue))
        used |= taken
    return works, used


# -- owner ---------------------------------------------------------------------------------
def find_owner(extracted: _Extracted, lines: list[str]) -> Optional[str]:
    """The X handle the page presents as its owner's, when exactly one is."""
    candidates: set[str] = set()
    for hint in extracted.owner_hints:
        handle = hint.strip().lstrip("@")
        match = X_PROFILE.match(handle)
        handle = match.group(1) if match else handle
        if re.fullmatch(r"[A-Za-z0-9_]{1,15}", handle):
            candidates.add(handle)
    for link in extracted.links:
        match = X_PROFILE.match(link.strip())
        if match and match.group(1).lower() not in X_RESERVED:
            candidates.add(match.group(1))
    for line in lines:
        for match in X_LABEL.finditer(clean_inline(line)):
            candidates.add(match.group(1))
    by_lower = {c.lower(): c for c in candidates}
    return next(iter(by_lower.values())) if len(by_lower) == 1 else None


# -- detection with confidence -------------------------------------------------------------
SPACES = re.compile(r"\s*")
# What opens an HTML document (after white space, an XML declaration and comments).
HTML_START = re.compile(r"<(?:!doctype\s+html|html|head|body|title|meta)[\s>/]", re.I)
YAML_KEY = re.compile(r"^[A-Za-z_][\w-]*[ \t]*:(?:[ \t]|$)")
# Links to a person's profile (not to a repository or a paper): where homepages point.
PROFILE_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:"
    r"scholar\.google\.[a-z.]{2,8}/citations\?"
    r"|orcid\.org/\d{4}-"
    r"|(?:github|gitlab|gitee|codeberg)\.(?:com|org)/(?!(?:notifications|settings|orgs|features|"
    r"about|pricing|marketplace|explore|topics|sponsors|login|join|issues|pulls|new|apps|"
    r"enterprise|security|collections|trending|site|contact|search|users)/?(?:[?#]|$))"
    r"[A-Za-z0-9][\w.-]*/?(?:[?#]|$)"
    r"|(?:twitter|x)\.com/@?\w{1,15}/?(?:[?#]|$)"
    r"|(?:[a-z]{2}\.)?linkedin\.com/in/"
    r"|dblp\.(?:org|uni-trier\.de)/pid?/"
    r"|researchgate\.net/profile/"
    r"|semanticscholar\.org/author/"
    r"|openreview\.net/profile"
    r"|bsky\.app/profile/"
    r"|huggingface\.co/[A-Za-z0-9][\w.-]*/?(?:[?#]|$)"
    r")", re.I)
# Bounded local part: a long run of word characters costs one short look, not a scan each.
EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}")
EMAIL_SPELLED = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}\s?[\[({<]\s?at\s?[\])}>]\s?[\w-]{1,63}",
                           re.I)
CONTACT_LABEL = re.compile(r"^\s*(?:[-*•]\s*)?(?:E-?mail|Mail|Homepage|Home page|Website|Office|"
                           r"Phone|Tel|Address)\s*[:：]", re.I)
# A first-person bio: `I am a PhD student…`, `I received my Ph.D. …`, `My research focuses…`.
ROLE = (r"(?:students?|scientist|researcher|professor|engineer|candidate|postdoc|fellow|"
        r"lecturer|scholar|Ph\.?\s?D|doctoral|graduate|undergraduate|faculty|director|founder)")
SELF_INTRO = re.compile(
    rf"\b(?:I am|I'm|I’m)\b[^.\n]{{0,80}}?\b{ROLE}\b"
    rf"|\bI (?:received|obtained|earned|completed|hold)\b[^.\n]{{0,80}}?"
    r"\b(?:Ph\.?\s?D|doctora|master|bachelor|degree|B\.\s?S|M\.\s?S)"
    r"|\bMy (?:research|work) (?:focuses|interests?|lies|is|areas?|centers|spans)\b", re.I)
INTRO_CHARS = 4000  # a bio opens the page
# What the sections of a code project's documentation are called.
DOC_HEADING = re.compile(
    r"^(?:installation|installing|install|usage|getting started|quick ?start|changelog|"
    r"change ?log|changes|release notes|releases|contributing|contributors|licen[cs]e|"
    r"requirements|dependencies|build(?:ing)?|development|tests|testing|running tests|"
    r"api(?: reference)?|configuration|examples?|features|roadmap|faq|documentation|"
    r"troubleshooting|set-?up|how to use|commands|options|known issues|todo|unreleased)$",
    re.I)
VERSION_HEADING = re.compile(r"^\[?v?\d{1,4}\.\d{1,4}(?:\.\d{1,6})*\]?(?:[\s:(-]|$)")
COMMAND_LINE = re.compile(
    r"^\s*(?:\$ |>>> |pip3? install |npm (?:install|i|run) |yarn (?:add|install)|"
    r"cargo (?:install|build|add|run)|go (?:get|install) |docker (?:run|build)|git clone |"
    r"brew install |(?:sudo )?apt(?:-get)? install |conda install |python3? -m |make\b)")


def confident(path: Path, head: bytes) -> bool:
    """Whether a file found while walking a folder clearly is a homepage, so that it may be
    imported without being named. `sniff` takes any text with headings and dated lines,
    which notes files, changelogs and READMEs have too; this takes only an HTML document, or
    a text that is not a code project's documentation or a notes file made of tables and
    either opens with YAML front matter (Jekyll) or names a profile (`names_profile`)."""
    text = _head_text(head)
    if text is None:
        return False
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if html_document(text):
        return True
    if project_or_notes(text):  # a docs site's Jekyll page has front matter too
        return False
    return jekyll_front_matter(text) or names_profile(path, text)


def html_document(text: str) -> bool:
    """Whether the text opens as an HTML document (a doctype, `<html`, `<head`…) once white
    space, an XML declaration and comments are passed: HTML shown inside a README does not
    open the file."""
    position = 0
    while True:  # by position, never by slicing: many comments cost one pass
        position = SPACES.match(text, position).end()
        if text.startswith("<!--", position):
            close = "-->"
        elif text.startswith("<?", position):
            close = "?>"
        else:
            return HTML_START.match(text, position) is not None
        end = text.find(close, position + 2)
        if end < 0:
            return False
        position = end + len(close)


def jekyll_front_matter(text: str) -> bool:
    """Whether the text opens with YAML front matter: a `---` block of `key: value` lines
    (with indented or `- ` continuations), not merely two horizontal rules."""
    match = FRONT_MATTER.match(text)
    if not match:
        return False
    lines = [line for line in match.group(1).split("\n")
             if line.strip() and not line.lstrip().startswith("#")]
    return bool(lines) and YAML_KEY.match(lines[0]) is not None and all(
        YAML_KEY.match(line) or line[:1] in (" ", "\t", "-") for line in lines)


def _bare_heading(line: str) -> str:
    """A line as a heading would read: without `#`, emphasis, numbering, underline marks and
    a closing colon."""
    line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line.strip())
    line = re.sub(r"^(?:\d{1,2}[.)]\s+)", "", line)
    return line.strip("*_=` ").rstrip(":").strip()


def project_or_notes(text: str) -> bool:
    """Whether the text is a code project's documentation (install/usage/licence headings,
    version headings of a changelog, code blocks and shell commands) or a notes file made of
    tables (most of its lines are `| … |` rows): files with headings and dates that are not
    anyone's homepage."""
    lines = text.split("\n")
    filled = [line.strip() for line in lines if line.strip()]
    bare = [_bare_heading(line) for line in filled if len(line) <= 80]
    doc_headings = sum(1 for heading in bare if DOC_HEADING.match(heading))
    versions = sum(1 for heading in bare if VERSION_HEADING.match(heading))
    fences = sum(1 for line in filled if line.startswith(("```", "~~~")))
    commands = any(COMMAND_LINE.match(line) for line in filled)
    rows = sum(1 for line in filled
               if line.startswith("|") and line.endswith("|") and line.count("|") >= 3)
    if rows >= 3 and rows * 3 >= len(filled):
        return True
    return doc_headings >= 2 or versions >= 2 or doc_headings + (fences >= 2) + commands >= 2


def names_profile(path: Path, text: str) -> bool:
    """Whether the page presents a person: it has a contact block (`contact_block`), opens
    with a first-person bio under CV headings, or names an X owner (`find_owner`) and has one
    more mark of a personal page (a CV heading, a bio, an e-mail): a project's page about its
    social media accounts names an X account too."""
    extracted = extract(text, page_kind(path, text))
    lines = extracted.lines
    if contact_block(extracted):
        return True
    intro = self_introduction(lines)
    cv = cv_headings(lines)
    if intro and cv:
        return True
    return find_owner(extracted, lines) is not None and (intro or cv or reachable(extracted))


def contact_block(extracted: _Extracted) -> bool:
    """A link to a person's profile (Google Scholar, ORCID, a GitHub user, X, LinkedIn…)
    together with a way to reach them (`reachable`)."""
    if not any(PROFILE_LINK.match(link.strip()) for link in extracted.links):
        return False
    return reachable(extracted)


def reachable(extracted: _Extracted) -> bool:
    """An e-mail address (also spelled `name [at] host`), a `mailto:` link, or a labelled
    `Email:`/`Homepage:` line."""
    if any(link.strip().lower().startswith("mailto:") for link in extracted.links):
        return True
    return any(EMAIL.search(line) or EMAIL_SPELLED.search(line) or CONTACT_LABEL.match(line)
               for line in extracted.lines)


def self_introduction(lines: list[str]) -> bool:
    """A bio in the first person near the top: `I am a PhD student…`, `I received my Ph.D.…`,
    `My research focuses on…`."""
    return SELF_INTRO.search("\n".join(lines)[:INTRO_CHARS]) is not None


def cv_headings(lines: list[str]) -> bool:
    """Whether a heading names a CV section (Education, Experience, Publications, News,
    Awards…: a kind of `HEADING_KINDS`)."""
    return any(_is_heading(lines, index) and section_kind(_heading_text(lines[index])
                                                          or lines[index])
               for index in range(len(lines)))
