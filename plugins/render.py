"""HTML for posts and charts. Every string from the archive is escaped before any markup is
added around it; the only links made are http(s) URLs, @mentions and #hashtags, and the only
other markup in a post's text marks the characters its repair guessed (`guess_html`)."""
from __future__ import annotations

import bisect
import math
import re
import unicodedata
from typing import Callable, Iterable, Optional, Sequence
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

from feedarchive.guesses import Guess

TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"'`\u00a0]+)"
    r"|(?<![\w@/])@(?P<mention>[A-Za-z0-9_]{1,30})"
    r"|(?<![\w#&/])#(?P<tag>\w+)"
)
TRAILING = ".,;:!?)]}'\"…"


def linkify(text: Optional[str], path: Callable[[str], str] = lambda p: p,
            guesses: Sequence[Guess] = ()) -> Markup:
    """Post text as safe HTML with URLs, @mentions and #hashtags linked, and the characters
    `guesses` locates in it (`guesses.guesses_of_text`) marked (`guess_html`).

    `path` turns a site path into a URL (Datasette's `urls.path`, which honours `base_url`).
    Line breaks are kept by CSS (`white-space: pre-wrap`)."""
    if not text:
        return Markup("")
    out = []
    last = 0
    for match in TOKEN.finditer(text):
        start, end = match.span()
        if match.group("url"):
            url = match.group("url").rstrip(TRAILING)
            end = start + len(url)
            link = Markup('<a href="{}" rel="nofollow noopener noreferrer" class="fa-url">{}</a>')
            link = link.format(url, marked(text, start, end, guesses, in_link=True))
        elif match.group("mention"):
            handle = match.group("mention")
            link = Markup('<a href="{}" class="fa-mention">{}</a>').format(
                path("/-/author/" + quote(handle)), marked(text, start, end, guesses, True))
        else:
            tag = match.group("tag")
            if tag.isdigit():  # "#1" is a number, not a hashtag
                continue
            link = Markup('<a href="{}" class="fa-hashtag">{}</a>').format(
                path("/-/search?" + urlencode({"q": "#" + tag})),
                marked(text, start, end, guesses, True))
        out.append(marked(text, last, start, guesses))
        out.append(link)
        last = end
    out.append(marked(text, last, len(text), guesses))
    return Markup("").join(out)


def marked(text: str, start: int, end: int, guesses: Sequence[Guess],
           in_link: bool = False) -> Markup:
    """`text[start:end]` escaped, with each guess in it (`guesses` in order, never
    overlapping) wrapped by `guess_html`.

    >>> guess = Guess(1, 2, 0.62, [("<", 0.62), ("&", 0.2)], False)
    >>> print(marked("a<b", 0, 3, [guess]))
    a<span class="fa-guess" tabindex="0" title="guessed: &lt; 62% · &amp; 20%">&lt;</span>b
    """
    out = []
    at = start
    for guess in guesses[bisect.bisect_right(guesses, start, key=lambda g: g.end):]:
        if guess.start >= end:
            break
        out.append(escape(text[at:max(guess.start, start)]))
        at = min(guess.end, end)
        out.append(guess_html(text[max(guess.start, start):at], guess, in_link))
    out.append(escape(text[at:end]))
    return Markup("").join(out)


def guess_html(shown: str, guess: Guess, in_link: bool = False) -> Markup:
    """A guessed character (or its placeholder), with a dotted underline (`fa-guess`) and
    its alternatives as its title: shown on hover, read as its description by a screen
    reader, and shown by the stylesheet when it has keyboard focus (`tabindex`). Inside a link,
    which takes the focus itself, it takes none (an element that can have focus may not be
    inside a link)."""
    kind = "fa-guess fa-unsure" if guess.placeholder else "fa-guess"
    focus = Markup("") if in_link else Markup(' tabindex="0"')
    return Markup('<span class="{}"{} title="{}">{}</span>').format(
        kind, focus, guess_title(guess), shown)


def guess_title(guess: Guess) -> str:
    """What a guess could have been, as its tooltip says it: the character chosen first.

    >>> guess_title(Guess(0, 1, 0.62, [("😂", 0.62), ("📰", 0.21), ("🙂", 0.09)], False))
    'guessed: 😂 62% · 📰 21% · 🙂 9%'
    >>> guess_title(Guess(0, 1, 0.32, [("😂", 0.32), ("📰", 0.3)], True))
    'left out as too unsure; guesses: 😂 32% · 📰 30%'
    >>> guess_title(Guess(0, 1, 0.62, [], False))  # an archive made before alternatives
    'guessed, 62% sure'
    """
    if not guess.alternatives:
        return f"guessed, {percent(guess.confidence)} sure"
    listed = alternatives_text(guess.alternatives)
    return f"left out as too unsure; guesses: {listed}" if guess.placeholder else \
        f"guessed: {listed}"


def alternatives_text(alternatives: Iterable[tuple[str, float]]) -> str:
    """Alternatives as a line of text: `😂 62% · 📰 21% · 🙂 9%`."""
    return " · ".join(f"{readable(text)} {percent(p)}" for text, p in alternatives)


def repair_alternatives(alternatives: Optional[Sequence[dict]]) -> str:
    """A `repairs` row's alternatives as the pages list them (its JSON's {"text", "p"}).

    >>> repair_alternatives([{"text": "’", "p": 0.9}, {"text": "'", "p": 0.05}])
    "’ 90% · ' 5%"
    """
    return alternatives_text((a["text"], a["p"]) for a in alternatives or ())


def percent(p: float) -> str:
    """A probability as a reader weighs it: whole percents, never 0% or 100% for what is
    neither impossible nor certain.

    >>> [percent(p) for p in (0.62, 0.004, 0.9996, 1.0)]
    ['62%', '<1%', '>99%', '100%']
    """
    if 0.0 < p < 0.005:
        return "<1%"
    if 0.995 <= p < 1.0:
        return ">99%"
    return f"{p:.0%}"


# Shown by their code point in a tooltip, where alone they would be invisible: variation
# selectors (also Mn, like combining marks) and the invisible categories.
VARIATION_SELECTORS = (range(0xFE00, 0xFE10), range(0xE0100, 0xE01F0))
INVISIBLE = ("Cc", "Cf", "Zs", "Zl", "Zp")


def readable(text: str) -> str:
    """A character as a tooltip can show it alone: a combining mark on a dotted circle, an
    invisible character (a joiner, a variation selector, a space) by its code point.

    >>> [readable(c) for c in ("é", "\u0e31", "\u200d", "\ufe0f", " ")]
    ['é', '◌ั', 'U+200D', 'U+FE0F', 'U+0020']
    """
    if len(text) != 1:
        return text
    if unicodedata.category(text) in INVISIBLE or any(ord(text) in r for r in VARIATION_SELECTORS):
        return f"U+{ord(text):04X}"
    return "\u25cc" + text if unicodedata.category(text).startswith("M") else text


def fmt(value) -> str:
    return "–" if value is None else f"{value:,}"


# --------------------------------------------------------------------------- counts in prose

# Counts up to this are written out in full ("9,999 likes"); larger ones short ("12.3K likes")
# with the exact number on hover.
FULL_UP_TO = 9_999
UNITS = ((1_000_000_000_000, "T"), (1_000_000_000, "B"), (1_000_000, "M"), (1_000, "K"))


def short(value: int) -> str:
    """A number as X writes it: at most three digits and a unit, cut rather than rounded, so
    never more than the count (1,299 → "1.2K", 999,999 → "999K", not "1M").

    >>> [short(n) for n in (0, 999, 1_000, 1_299, 12_345, 123_456, 999_999, 1_250_000)]
    ['0', '999', '1K', '1.2K', '12.3K', '123K', '999K', '1.2M']
    """
    value = int(value)
    if value < 0:
        return "-" + short(-value)
    for size, unit in UNITS:
        if value >= size:
            whole, rest = divmod(value, size)
            tenth = rest * 10 // size
            if whole >= 100 or not tenth:
                return f"{whole}{unit}"
            return f"{whole}.{tenth}{unit}"
    return str(value)


def count_number(value) -> str:
    """A count as shown in prose: "–" when unknown, in full up to FULL_UP_TO, else short."""
    if value is None:
        return "\u2013"
    value = int(value)
    return f"{value:,}" if abs(value) <= FULL_UP_TO else short(value)


def count_text(value, singular: str, plural: Optional[str] = None) -> str:
    """A count with its noun, exact, as plain text (tooltips, SVG titles): "1 like",
    "1,234 likes", "– likes" when unknown."""
    plural = plural or singular + "s"
    if value is None:
        return f"\u2013 {plural}"
    return f"{int(value):,} {singular if int(value) == 1 else plural}"


def count_phrase(value, singular: str, plural: Optional[str] = None,
                 strong: bool = False) -> Markup:
    """A count with its noun, as a person writes it: "1 like", "2 likes", "0 likes", "– likes"
    (unknown); past FULL_UP_TO short, with the exact count on hover:
    `<span title="12,345 likes">12.3K likes</span>`. `strong` sets the number in bold."""
    plural = plural or singular + "s"
    if value is not None:
        try:
            value = int(value)
        except (TypeError, ValueError):
            return Markup("{} {}").format(value, plural)
    number = count_number(value)
    noun = singular if value == 1 else plural
    shown = Markup("<strong>{}</strong> {}").format(number, noun) if strong else \
        Markup("{} {}").format(number, noun)
    if value is not None and number != f"{value:,}":
        return Markup('<span title="{}">{}</span>').format(count_text(value, singular, plural),
                                                          shown)
    return shown


def parts_phrase(found, declared=None) -> Markup:
    """How many parts of a thread are here: "1 part", "3 parts", "3 of 4 parts"."""
    if declared:
        return Markup("{} of {}").format(count_number(found), count_phrase(declared, "part"))
    return count_phrase(found, "part")


# --------------------------------------------------------------------------- profiles

def _same_line(line: str) -> str:
    return " ".join(line.split()).casefold()


def _same_site(line: str) -> str:
    site = _same_line(line)
    for prefix in ("https://", "http://"):
        if site.startswith(prefix):
            site = site[len(prefix):]
            break
    if site.startswith("www."):
        site = site[4:]
    return site.rstrip("/")


def bio_without(bio: Optional[str], location: Optional[str] = None,
                website: Optional[str] = None) -> str:
    r"""The bio without the lines that say again the location or the website shown beside it
    (a timeline scrape puts them in the bio): a line is dropped when it equals one of them,
    ignoring surrounding and repeated spaces and case, and for the website an `https://`,
    `http://` or `www.` prefix and a trailing `/`. Blank lines left at either end go too.

    >>> bio_without("Tiny models, big notebooks.\nBerlin, Germany\nhttps://ada.example/",
    ...             "Berlin, Germany", "ada.example")
    'Tiny models, big notebooks.'
    """
    if not bio:
        return bio or ""
    place = _same_line(location) if location and location.strip() else None
    site = _same_site(website) if website and website.strip() else None
    kept = [line for line in bio.split("\n")
            if not line.strip() or not ((place and _same_line(line) == place)
                                        or (site and _same_site(line) == site))]
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def log_scale(value) -> float:
    """Where a count sits on the charts' scale: log10(1 + value), so one post with 10,000
    likes does not flatten ten with 20 (0 stays 0; unknown counts as 0)."""
    return math.log10(1 + max(0, value or 0))


def powers_of_ten(peak: int) -> list[int]:
    """The values ticked on a log axis below `peak`: 1, 10, 100, ..."""
    ticks, tick = [], 1
    while tick < peak:
        ticks.append(tick)
        tick *= 10
    return ticks


def bar_chart(bars: list[dict], height: int = 132, label: str = "likes",
              singular: str = "like") -> Markup:
    """Vertical bars, one per item: {"label", "value", "missing"}; missing ones are drawn as
    hatched gaps. Heights on a log scale (`log_scale`); the numbers over the bars and the
    tooltips say the real counts. Inline SVG, no script, no external resources."""
    if not bars:
        return Markup("")
    width_each = max(12, min(48, 640 // len(bars)))
    gap = 4 if width_each > 16 else 2
    top, bottom = 28, 20  # above the bars: the "log scale" note, then the bars' numbers
    chart_h = height - top - bottom
    peak = log_scale(max((b["value"] or 0 for b in bars if not b.get("missing")),
                         default=0)) or 1
    width = max(width_each * len(bars), 64)
    parts = [Markup(
        '<svg class="fa-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{aria}">'
        '<defs><pattern id="fa-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" class="fa-hatch"/>'
        '</pattern></defs>'
        '<text x="0" y="10" class="fa-axis-note">log scale</text>').format(
        w=width, h=height, aria=f"{label} per part (log scale)")]
    for i, bar in enumerate(bars):
        x = i * width_each + gap / 2
        w = width_each - gap
        if bar.get("missing"):
            parts.append(Markup(
                '<g class="fa-bar-missing"><title>{t}</title><rect x="{x}" y="{y}" width="{w}" '
                'height="{bh}" fill="url(#fa-hatch)"/></g>').format(
                t=f"part {bar['label']}: not in the archive", x=x, y=top, w=w, bh=chart_h))
        else:
            value = bar["value"] or 0
            bh = max(1.0, chart_h * log_scale(value) / peak)
            parts.append(Markup(
                '<g class="fa-bar"><title>{t}</title><rect x="{x}" y="{y:.1f}" width="{w}" '
                'height="{bh:.1f}"/>{num}</g>').format(
                t=f"part {bar['label']}: {count_text(bar['value'], singular, label)}", x=x,
                y=top + chart_h - bh, w=w, bh=bh,
                num=Markup('<text x="{cx}" y="{ty:.1f}" class="fa-bar-value" text-anchor="middle">{v}</text>').format(
                    cx=x + w / 2, ty=top + chart_h - bh - 3, v=short(value))
                if width_each >= 24 else ""))
        parts.append(Markup('<text x="{cx}" y="{ly}" class="fa-bar-label" text-anchor="middle">{l}</text>').format(
            cx=x + w / 2, ly=height - 6, l=bar["label"]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def timeline_chart(points: list[dict], width: int = 640, height: int = 140) -> Markup:
    """Engagement over an author's timeline, oldest on the left: a likes area and a reposts
    line, on a log scale (`log_scale`) ticked at the real counts 1, 10, 100... up to the
    peak. `points` are buckets {"first", "last", "likes", "reposts", "posts"} newest first
    (positions, 0 = newest)."""
    if not points:
        return Markup("")
    points = list(reversed(points))
    left, right, top, bottom = 44, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    highest = max(max(p["likes"] or 0, p["reposts"] or 0) for p in points)
    peak = log_scale(highest) or 1
    step = plot_w / max(1, len(points) - 1)
    base = top + plot_h

    def y_of(value) -> float:
        return base - plot_h * log_scale(value) / peak

    def xy(i: int, value) -> tuple[float, float]:
        return left + i * step, y_of(value)

    likes = [xy(i, p["likes"]) for i, p in enumerate(points)]
    reposts = [xy(i, p["reposts"]) for i, p in enumerate(points)]
    if len(points) == 1:
        likes.append((left + plot_w, likes[0][1]))
        reposts.append((left + plot_w, reposts[0][1]))
    area = " ".join(f"{x:.1f},{y:.1f}" for x, y in likes)
    parts = [Markup(
        '<svg class="fa-chart fa-timeline-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'aria-label="Likes and reposts over the timeline, oldest on the left (log scale)">'
    ).format(w=width, h=height)]
    # Ticks at the real counts 1, 10, 100... that sit clear of the peak's label and of 0's.
    for tick in powers_of_ten(highest):
        ty = y_of(tick)
        if ty - (top + 8) < 12 or base - ty < 12:
            continue
        parts.append(Markup(
            '<line x1="{l}" y1="{y:.1f}" x2="{r}" y2="{y:.1f}" class="fa-grid"/>'
            '<text x="{tx}" y="{ly:.1f}" class="fa-axis-label" text-anchor="end">{v}</text>'
        ).format(l=left, r=left + plot_w, y=ty, tx=left - 6, ly=ty + 3, v=short(tick)))
    parts.append(Markup(
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="fa-axis"/>'
        '<text x="{tx}" y="{ty}" class="fa-axis-label" text-anchor="end">{peak}</text>'
        '<text x="{tx}" y="{b}" class="fa-axis-label" text-anchor="end">0</text>'
        '<text x="{l}" y="{lb}" class="fa-axis-label">oldest</text>'
        '<text x="{mid}" y="{lb}" class="fa-axis-note" text-anchor="middle">log scale</text>'
        '<text x="{r}" y="{lb}" class="fa-axis-label" text-anchor="end">newest</text>').format(
        l=left, r=left + plot_w, b=base, tx=left - 6, ty=top + 8, peak=short(highest),
        lb=height - 6, mid=left + plot_w / 2))
    parts.append(Markup('<polygon class="fa-likes-area" points="{a0:.1f},{b} {a} {a1:.1f},{b}"/>'
                        '<polyline class="fa-likes-line" points="{a}"/>'
                        '<polyline class="fa-reposts-line" points="{rp}"/>').format(
        a0=likes[0][0], a1=likes[-1][0], b=base, a=area,
        rp=" ".join(f"{x:.1f},{y:.1f}" for x, y in reposts)))
    for i, p in enumerate(points):
        x, y = likes[i]
        what = (f"post {p['first']}" if p["first"] == p["last"]
                else f"posts {p['first']}–{p['last']}")
        parts.append(Markup(
            '<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" class="fa-point"><title>{t}</title>'
            '</circle>').format(
            x=x, y=y, r=2.5 if len(points) < 60 else 1.5,
            t=f"{what} (0 = newest): {count_text(p['likes'], 'like')}, "
              f"{count_text(p['reposts'], 'repost')}"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
