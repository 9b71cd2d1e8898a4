"""HTML for posts and charts. Every string from the archive is escaped before any markup is
added around it; the only links made are http(s) URLs, @mentions and #hashtags."""
from __future__ import annotations

import re
from typing import Callable, Optional
from urllib.parse import quote, urlencode

from markupsafe import Markup, escape

TOKEN = re.compile(
    r"(?P<url>https?://[^\s<>\"'`\u00a0]+)"
    r"|(?<![\w@/])@(?P<mention>[A-Za-z0-9_]{1,30})"
    r"|(?<![\w#&/])#(?P<tag>\w+)"
)
TRAILING = ".,;:!?)]}'\"…"


def linkify(text: Optional[str], path: Callable[[str], str] = lambda p: p) -> Markup:
    """Post text as safe HTML with URLs, @mentions and #hashtags linked.

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
            link = Markup('<a href="{}" rel="nofollow noopener noreferrer" class="fa-url">{}</a>').format(
                url, url)
        elif match.group("mention"):
            handle = match.group("mention")
            link = Markup('<a href="{}" class="fa-mention">@{}</a>').format(
                path("/-/author/" + quote(handle)), handle)
        else:
            tag = match.group("tag")
            if tag.isdigit():  # "#1" is a number, not a hashtag
                continue
            link = Markup('<a href="{}" class="fa-hashtag">#{}</a>').format(
                path("/-/search?" + urlencode({"q": "#" + tag})), tag)
        out.append(escape(text[last:start]))
        out.append(link)
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)


def fmt(value) -> str:
    return "–" if value is None else f"{value:,}"


def bar_chart(bars: list[dict], height: int = 120, label: str = "likes") -> Markup:
    """Vertical bars, one per item: {"label", "value", "missing"}; missing ones are drawn as
    hatched gaps. Inline SVG, no script, no external resources."""
    if not bars:
        return Markup("")
    width_each = max(12, min(48, 640 // len(bars)))
    gap = 4 if width_each > 16 else 2
    top, bottom = 16, 20
    chart_h = height - top - bottom
    peak = max((b["value"] or 0 for b in bars if not b.get("missing")), default=0) or 1
    width = width_each * len(bars)
    parts = [Markup(
        '<svg class="fa-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" aria-label="{aria}">'
        '<defs><pattern id="fa-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" class="fa-hatch"/>'
        '</pattern></defs>').format(w=width, h=height, aria=f"{label} per part")]
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
            bh = max(1.0, chart_h * value / peak)
            parts.append(Markup(
                '<g class="fa-bar"><title>{t}</title><rect x="{x}" y="{y:.1f}" width="{w}" '
                'height="{bh:.1f}"/>{num}</g>').format(
                t=f"part {bar['label']}: {fmt(bar['value'])} {label}", x=x,
                y=top + chart_h - bh, w=w, bh=bh,
                num=Markup('<text x="{cx}" y="{ty:.1f}" class="fa-bar-value" text-anchor="middle">{v}</text>').format(
                    cx=x + w / 2, ty=top + chart_h - bh - 3, v=short(value))
                if width_each >= 24 else ""))
        parts.append(Markup('<text x="{cx}" y="{ly}" class="fa-bar-label" text-anchor="middle">{l}</text>').format(
            cx=x + w / 2, ly=height - 6, l=bar["label"]))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def short(value: int) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 1_000:
        return f"{value / 1_000:.1f}K".replace(".0K", "K")
    return str(value)


def timeline_chart(points: list[dict], width: int = 640, height: int = 140) -> Markup:
    """Engagement over an author's timeline, oldest on the left: a likes area and a reposts
    line. `points` are buckets {"first", "last", "likes", "reposts", "posts"} newest first
    (positions, 0 = newest)."""
    if not points:
        return Markup("")
    points = list(reversed(points))
    left, right, top, bottom = 44, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max(max(p["likes"] or 0, p["reposts"] or 0) for p in points) or 1
    step = plot_w / max(1, len(points) - 1)

    def xy(i: int, value) -> tuple[float, float]:
        return left + i * step, top + plot_h - plot_h * (value or 0) / peak

    likes = [xy(i, p["likes"]) for i, p in enumerate(points)]
    reposts = [xy(i, p["reposts"]) for i, p in enumerate(points)]
    if len(points) == 1:
        likes.append((left + plot_w, likes[0][1]))
        reposts.append((left + plot_w, reposts[0][1]))
    area = " ".join(f"{x:.1f},{y:.1f}" for x, y in likes)
    base = top + plot_h
    parts = [Markup(
        '<svg class="fa-chart fa-timeline-chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'aria-label="Likes and reposts over the timeline, oldest on the left">').format(
        w=width, h=height)]
    parts.append(Markup(
        '<line x1="{l}" y1="{b}" x2="{r}" y2="{b}" class="fa-axis"/>'
        '<text x="{tx}" y="{ty}" class="fa-axis-label" text-anchor="end">{peak}</text>'
        '<text x="{tx}" y="{b}" class="fa-axis-label" text-anchor="end">0</text>'
        '<text x="{l}" y="{lb}" class="fa-axis-label">oldest</text>'
        '<text x="{r}" y="{lb}" class="fa-axis-label" text-anchor="end">newest</text>').format(
        l=left, r=left + plot_w, b=base, tx=left - 6, ty=top + 8, peak=short(peak),
        lb=height - 6))
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
            t=f"{what} (0 = newest): {fmt(p['likes'])} likes, {fmt(p['reposts'])} reposts"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
