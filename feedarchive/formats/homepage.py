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
items: news lines (`2025.07: …`, `*2025.05*: …`, `Jul 2025: …`), positions and education
with year ranges (`2017–22`, `(Jun. 2025 – Sept. 2025)`, `2024.09 - 2026.03`), awards that
start with a year, publications with a venue and year (`(NeurIPS 2025)`, `**ICML 2025**`),
and other dated items of a recognised section (talks).

The page belongs to an author only when the caller says so (`author=`), or when the page names
exactly one X account as its owner: a link to `x.com/<handle>` or `twitter.com/<handle>`, a
`Twitter: @handle` line, a `twitter:creator`/`twitter:site` meta tag or a `twitter:` front
matter key. Several candidates, or none, leave the page without an author.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Optional

from ..errors import SourceError
from ..models import Document, Page, PageEntry
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
RANGE = re.compile(
    rf"(?<![\w.])(?P<start>{WHEN})\s*(?:[-–—~]|to)\s*"
    rf"(?P<end>{WHEN}|\d{{2}}(?!\d)|[Nn]ow|[Pp]resent|[Cc]urrent|[Tt]oday)(?![\w.])"
)
NEWS = re.compile(
    rf"^\s*(?:[-*•+]\s+)?[*_\[(]*\s*(?P<when>{YEAR}[./-](?:0?[1-9]|1[0-2])(?:[./-]\d{{1,2}})?"
    rf"|{MONTH}\.?\s+{YEAR})\s*[*_\])]*\s*[:：]\s*(?P<text>.+)$"
)
LEADING_YEAR = re.compile(rf"^\s*(?:[-*•+]\s+)?(?P<year>{YEAR})(?:[.:,]?\s+|\t)(?P<text>\S.*)$")
ANY_YEAR = re.compile(rf"(?<![\d./])(?P<year>{YEAR})(?![\d])")
# A venue: an acronym with two or more capitals (ICML, NeurIPS, ACM/ICPC) or arXiv, then a year.
VENUE_YEAR = re.compile(
    rf"(?<![\w/])(?P<venue>arXiv|Interspeech|Nature|Science|[A-Z][A-Za-z]*[A-Z][A-Za-z]*"
    rf"(?:[-/][A-Z][A-Za-z]*)?)"
    rf"['’]?\s*(?P<year>{YEAR})(?!\d)"
)
DEGREE = re.compile(r"\b(?:S\.M|B\.?\s?S\.?c?|B\.?\s?A|B\.?\s?Eng|M\.?\s?S\.?c?|M\.?\s?A|M\.?\s?Eng|"
                    r"MBA|Ph\.?\s?D|Sc\.?\s?D|D\.?\s?Phil|Bachelor|Master|Doctor(?:ate)?|"
                    r"Diploma|Undergraduate|Graduate student|student)\b")
BULLET = re.compile(r"^\s*(?:[-*•+‣◦▪]|\d{1,3}[.)])\s+")
NUMBERED_TITLE = re.compile(r"^\s*(?:\*\*|__)?\s*\[\d{1,3}\]")
BOLD_TITLE = re.compile(r"^\s*(?:\*\*|__)\s*[\"“]")
ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)
LIQUID = re.compile(r"\{%-?.*?-?%\}|\{\{-?.*?-?\}\}", re.S)
COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.S)
AUTOLINK = re.compile(r"<((?:https?|mailto):[^>\s]+)>")
IMAGE = re.compile(r"!\[[^\]]*\]\((?:[^()\s]|\([^()]*\))*\)")
LINK = re.compile(r"\[([^\]\n]+)\]\(((?:[^()\s]|\([^()]*\))*)(?:\s+\"[^\"]*\")?\)")
STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
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
HEADING_WORDS = re.compile(
    r"^(?:selected |recent |latest |invited |academic |professional |research |work |"
    r"teaching |open[- ]source |)"
    r"(?:publications?|papers?|preprints?|writing samples?|experience|work experience|"
    r"employment|positions?|appointments?|education|educations|news|updates|awards?|honou?rs?"
    r"(?: (?:&|and) awards?)?|awards? (?:&|and) honou?rs?|talks?|presentations?|teaching|"
    r"service|projects?|interests?|bio(?:graphy)?|short bio|about(?: me)?|contact|students|"
    r"mentoring|misc(?:ellaneous)?|software|skills|grants|funding|activities|people|"
    r"research|cv|curriculum vitae)$", re.I)
SECTION_KINDS = (
    (re.compile(r"news|update", re.I), "news"),
    (re.compile(r"publication|paper|preprint|writing", re.I), "publication"),
    (re.compile(r"award|honou?r|prize|grant", re.I), "award"),
    (re.compile(r"education|degree", re.I), "education"),
    (re.compile(r"experience|employment|position|appointment|career|work", re.I), "position"),
    (re.compile(r"talk|presentation|teaching|service", re.I), "item"),
)


def sniff(path: Path, head: bytes) -> bool:
    """Text that looks like a page: HTML, Markdown with front matter, or text with the marks
    of a CV (section headings, dated lines, links). Random text is not claimed."""
    if b"\x00" in head[:8192]:
        return False
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not merely a character cut at the end of the head
            return False
        text = head[:error.start].decode("utf-8")
    text = text.lstrip("\ufeff")
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


def read(path: Path, *, author: Optional[str] = None) -> Document:
    path = Path(path)
    label = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise SourceError(label, f"cannot read file: {error.strerror}") from None
    text = decode_bytes(label, data)
    page = parse_page(text, str(path.resolve()), kind=page_kind(path, text), author=author)
    return Document(label, NAME, None, [], [], pages=[page])


def page_kind(path: Path, text: str) -> str:
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


def parse_page(text: str, location: str, kind: str = "text",
               author: Optional[str] = None) -> Page:
    """Parse a page's text; `location` is used unless the page states its own URL."""
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
    match = ATX.match(first)
    if not title and kind != "text" and match and len(match.group(1)) == 1:
        title = clean_inline(match.group(2))
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
            body = LIQUID.sub("", body)
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
        match = re.match(r"^([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$", line)
        if match and match.group(2):
            value = match.group(2)
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                value = value[1:-1]
            meta[match.group(1).lower()] = value
    return meta


def clean_inline(line: str) -> str:
    """Markdown inline markup → its text."""
    line = IMAGE.sub("", line)
    line = LINK.sub(r"\1", line)
    line = AUTOLINK.sub(r"\1", line)
    for _ in range(2):
        line = STRONG.sub(r"\2", line)
    line = EMPHASIS.sub(r"\1", line)
    return line.replace("\\|", "|").replace("\\*", "*").replace("\\_", "_").replace("\\#", "#")


# -- sections ------------------------------------------------------------------------------
def _heading_text(line: str) -> Optional[str]:
    match = ATX.match(line)
    return match.group(2) if match else None


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
        match = ATX.match(line)
        level = len(match.group(1)) if match else 1
        heading = match.group(2) if match else line
        while parents and parents[-1][0] >= level:
            parents.pop()
        kind = section_kind(heading) or (parents[-1][1] if parents else None)
        parents.append((level, kind))
        kinds.append(kind)
    return kinds


def section_kind(heading: Optional[str]) -> Optional[str]:
    if not heading:
        return None
    for pattern, kind in SECTION_KINDS:
        if pattern.search(heading):
            return kind
    return None


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
    text = " — ".join(clean_inline(BULLET.sub("", line)).strip() for line in lines if line.strip())
    return re.sub(r"\s*\t\s*", " · ", text).strip()


def section_entries(heading: Optional[str], lines: list[str],
                    kind: Optional[str] = None) -> list[PageEntry]:
    kind = kind or section_kind(heading)
    entries = []
    for item in items(lines, kind):
        entry = item_entry(item, kind, heading)
        if entry is not None:
            entries.append(entry)
    return entries


def item_entry(item: list[str], kind: Optional[str],
               heading: Optional[str] = None) -> Optional[PageEntry]:
    first = item[0]
    news = NEWS.match(first)
    if news:
        date, year = _iso_when(news.group("when"))
        rest = [news.group("text")] + item[1:]
        return PageEntry("news", _plain(rest), date=date, year=year)
    text = _plain(item)
    if kind == "publication":
        return publication_entry(item)
    joined = "\n".join(item)
    span = RANGE.search(joined)
    if span:
        date, year = _iso_when(span.group("start"))
        work = heading is not None and re.search(r"experience|work|employment|position", heading, re.I)
        entry_kind = "education" if DEGREE.search(joined) or (kind == "education" and not work) \
            else "position"
        return PageEntry(entry_kind, text, date=date, year=year)
    leading = LEADING_YEAR.match(first)
    if leading and kind in ("award", "news", "item", "education", "position"):
        cells = [c.strip() for c in leading.group("text").split("\t") if c.strip()]
        venue = cells[-1] if len(cells) > 1 else None
        body = cells[:-1] if venue else cells
        return PageEntry(kind if kind != "news" else "news",
                         _plain([" · ".join(body)] + item[1:]), date=leading.group("year"),
                         year=int(leading.group("year")), venue=venue and clean_inline(venue))
    if kind in ("award", "item", "news"):
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
