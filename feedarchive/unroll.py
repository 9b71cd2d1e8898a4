"""Unroll a stitched thread into one Markdown document, as Thread Reader App does.

Used by the web page `/-/thread/<id>.md` and by `feedarchive export-thread ID`; both call
`load_thread` on an SQLite connection and `thread_markdown` on what it returns, so the two
outputs are the same bytes. Missing parts are marked where they belong.
"""
from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Optional

THREAD_SQL = "select * from threads where id = ?"
AUTHOR_SQL = "select handle, name from authors where handle = ?"
PARTS_SQL = (
    "select id, author, text, text_raw, replies, reposts, likes, thread_index, thread_marker, "
    "position, repaired, guessed, min_confidence from posts where thread_id = ? "
    "order by thread_index, position"
)
CANDIDATES_SQL = (
    "select c.role, c.evidence, c.confidence, p.id, p.author, p.text, p.text_raw, p.replies, "
    "p.reposts, p.likes, p.position, p.repaired, p.guessed, p.min_confidence "
    "from thread_candidates c join posts p on p.id = c.post_id where c.thread_id = ? "
    "order by c.role desc, p.position desc"
)


def _dicts(cursor: sqlite3.Cursor) -> list[dict]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def load_thread(conn: sqlite3.Connection, thread_id: str) -> Optional[dict]:
    """The thread row, its author, its parts in reading order and its candidates; None if absent."""
    rows = _dicts(conn.execute(THREAD_SQL, [thread_id]))
    if not rows:
        return None
    thread = rows[0]
    try:
        thread["missing"] = json.loads(thread.get("missing") or "[]")
    except ValueError:
        thread["missing"] = []
    authors = _dicts(conn.execute(AUTHOR_SQL, [thread["author"]]))
    return {
        "thread": thread,
        "author": authors[0] if authors else {"handle": thread["author"], "name": None},
        "parts": _dicts(conn.execute(PARTS_SQL, [thread_id])),
        "candidates": _dicts(conn.execute(CANDIDATES_SQL, [thread_id])),
    }


def part_total(thread: dict, parts: list[dict]) -> int:
    """n in `k/n`: the declared total, or the highest part number present."""
    indexes = [p["thread_index"] for p in parts if p.get("thread_index")]
    return thread.get("declared_total") or max(indexes, default=len(parts))


def reading_order(thread: dict, parts: list[dict]) -> list[dict]:
    """Parts and gaps in reading order: {"kind": "part", "post": …, "k": k, "n": n} or
    {"kind": "gap", "first": a, "last": b, "label": "parts a–b not in the archive"}."""
    total = part_total(thread, parts)
    items: list[dict] = []
    expected = 1
    for post in parts:
        k = post.get("thread_index") or expected
        if k > expected:
            items.append(gap(expected, k - 1))
        items.append({"kind": "part", "post": post, "k": k, "n": total})
        expected = max(expected, k + 1)
    if thread.get("declared_total") and expected <= thread["declared_total"]:
        items.append(gap(expected, thread["declared_total"]))
    return items


def gap(first: int, last: int) -> dict:
    label = f"part {first}" if first == last else f"parts {first}\u2013{last}"
    return {"kind": "gap", "first": first, "last": last, "label": f"{label} not in the archive"}


URL = re.compile(r"https?://[^\s<>\"'`]+")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")
_MD_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])", re.M)


def markdown_escape(text: str) -> str:
    """Text as Markdown that renders as the same text: special characters backslash-escaped
    (so `<script>` stays text in any CommonMark renderer), URLs kept as autolinks."""
    out = []
    last = 0
    for match in URL.finditer(text):
        url = match.group(0).rstrip(".,;:!?)]}")
        end = match.start() + len(url)
        out.append(_escape_plain(text[last:match.start()]))
        out.append(f"<{url}>")
        last = end
    out.append(_escape_plain(text[last:]))
    escaped = "".join(out)
    return _MD_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), escaped)


def _escape_plain(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def _counts(post: dict) -> str:
    def show(value) -> str:
        return "–" if value is None else f"{value:,}"

    return f"{show(post.get('likes'))} likes · {show(post.get('reposts'))} reposts · " \
           f"{show(post.get('replies'))} replies"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def thread_markdown(data: dict) -> str:
    """The thread as Markdown: a header, every part `k/n` with its counts, gaps where parts are
    missing, and the candidate posts after the thread, clearly apart from it."""
    thread, parts, author = data["thread"], data["parts"], data["author"]
    handle = author.get("handle") or thread["author"]
    who = f"{author['name']} (@{handle})" if author.get("name") else f"@{handle}"
    lines = [f"# Thread by {markdown_escape(who)}", ""]
    if thread.get("title"):
        lines += [f"**{markdown_escape(thread['title'])}**", ""]
    declared = thread.get("declared_total")
    summary = f"{len(parts)} part{'s' if len(parts) != 1 else ''}"
    summary += f" of {declared}" if declared else " (no total stated)"
    if thread.get("complete"):
        summary += ", complete"
    elif thread.get("missing"):
        summary += ", missing " + ", ".join(str(m) for m in thread["missing"])
    lines += [f"{summary} · {_counts(thread)} in total", f"Thread id: `{thread['id']}`", ""]
    for item in reading_order(thread, parts):
        lines.append("---")
        lines.append("")
        if item["kind"] == "gap":
            lines += [f"*\\[{item['label'][0].upper() + item['label'][1:]}.\\]*", ""]
            continue
        post = item["post"]
        lines += [f"**{item['k']}/{item['n']}**", "", markdown_escape(post.get("text") or ""), "",
                  f"*{_counts(post)}*", ""]
    candidates = data.get("candidates") or []
    if candidates:
        lines += ["---", "", "## Probably part of this thread", "",
                  "Unnumbered posts that may belong here; not counted as parts.", ""]
        for cand in candidates:
            confidence = cand.get("confidence")
            conf = f", confidence {confidence:.2f}" if confidence is not None else ""
            lines += [f"**Possible {cand.get('role') or 'part'}**{conf}", "",
                      _quote(markdown_escape(cand.get("text") or "")), "",
                      f"*{_counts(cand)}*"]
            if cand.get("evidence"):
                lines += ["", f"Evidence: {markdown_escape(cand['evidence'])}"]
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def export_thread(db_path: Path | str, thread_id: str) -> Optional[str]:
    """Markdown of one thread read from an archive file (opened read-only); None if absent."""
    conn = sqlite3.connect(f"file:{Path(db_path).resolve()}?mode=ro", uri=True)
    try:
        data = load_thread(conn, thread_id)
    finally:
        conn.close()
    return None if data is None else thread_markdown(data)

