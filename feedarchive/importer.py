"""The pipeline, file by file: parse → repair → identify → stitch → store.

Each stage is a module of its own; this one only passes their results along. A file is
imported in one transaction, so an error leaves nothing of it in the database.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

import sqlite_utils

from . import store
from .errors import FeedarchiveError, SourceError
from .formats import read_document
from .formats.members import source_sha256, source_size, source_units
from .identity import native_post_id, post_id
from .models import Document, Post
from .profiles import website_and_location
from .repair import repair_document
from .threads import StitchResult, stitch, stitch_replies


@dataclass
class ImportReport:
    """What importing one file did, for the CLI to print and tests to check."""

    path: str
    status: str = "imported"  # imported | replaced | unchanged | failed
    format: Optional[str] = None
    author: Optional[str] = None
    posts: int = 0
    new_posts: int = 0
    threads: int = 0
    pages: int = 0
    repairs: int = 0
    repair_kind: Optional[str] = None
    warnings: list[str] = field(default_factory=list)
    error: Optional[str] = None


def assign_ids(doc: Document) -> None:
    """Give each post its stable id: the platform's own id where the source has one, else one
    derived from author and text, identical texts by one author numbered apart."""
    seen: Counter = Counter()
    for post in doc.posts:
        if post.native_id and doc.platform:
            post.id = native_post_id(doc.platform, post.native_id)
            continue
        key = (post.author.lower(), post.text)
        post.id = post_id(post.author, post.text or "", seen[key])
        seen[key] += 1


def stitch_author(posts: list[Post]) -> StitchResult:
    """Reply ids are proof where a source has them; markers stitch the rest. Both paths yield
    the same `StitchResult`, so everything downstream is one code path."""
    linked = [post for post in posts if post.native_id]
    if not linked:
        return stitch(posts)
    by_native = {post.native_id: post.id for post in linked}
    reply_to = {post.id: by_native[post.reply_to] for post in linked
                if post.reply_to in by_native}
    from_replies = stitch_replies(linked, reply_to)
    from_markers = stitch([post for post in posts if not post.native_id])
    return StitchResult(from_replies.threads + from_markers.threads,
                        from_replies.candidates + from_markers.candidates)


def timeline_order(existing: list[Post], incoming: list[Post]) -> list[str]:
    """Newest first. Dated posts sort by date; undated scrapes merge on the posts they share."""
    if incoming and all(p.created_at for p in existing + incoming):
        union = {p.id: p.created_at for p in existing}
        union.update((p.id, p.created_at) for p in incoming)
        return sorted(union, key=lambda post: (union[post], post), reverse=True)
    return merge_timeline([p.id for p in existing], [p.id for p in incoming])


def merge_timeline(existing: list[str], incoming: list[str]) -> list[str]:
    """One timeline order (newest first) from what the archive has and a new scrape.

    Posts the two share anchor the merge: new posts go just above the next shared post they
    precede in the scrape, or just below the last shared one. A scrape sharing nothing is
    taken as newer than the archive, the usual case when one scrapes again later.
    """
    known = set(existing)
    anchors = [post for post in incoming if post in known]
    if not anchors:
        return [post for post in incoming if post not in known] + existing
    above: dict[str, list[str]] = {}
    pending: list[str] = []
    for post in incoming:
        if post in known:
            above.setdefault(post, []).extend(pending)
            pending = []
        else:
            pending.append(post)
    merged: list[str] = []
    for post in existing:
        merged.extend(above.get(post, []))
        merged.append(post)
    last = anchors[-1]
    cut = merged.index(last) + 1
    return merged[:cut] + pending + merged[cut:]


def import_file(db: sqlite_utils.Database, path: Path, format: Optional[str] = None, *,
                skip_bad: bool = False, author: Optional[str] = None) -> ImportReport:
    """Import one source (a file, or an unpacked archive folder); raise `FeedarchiveError` on
    bad input with nothing written."""
    report = ImportReport(str(path))
    if not Path(path).exists():
        raise SourceError(str(path), "no such file or folder")
    sha256 = source_sha256(path)
    if store.find_source(db, sha256) is not None:
        report.status = "unchanged"
        return report
    doc = read_document(path, format, skip_bad=skip_bad, author=author)
    decision = repair_document(doc)
    if doc.profile is not None and doc.format == "timeline":
        doc.profile.website, doc.profile.location = website_and_location(doc.profile.bio)
    assign_ids(doc)
    report.format, report.warnings = doc.format, list(doc.warnings)
    report.posts, report.pages, report.repair_kind = len(doc.posts), len(doc.pages), decision.kind
    resolved = str(Path(path).resolve())
    with store.transaction(db):
        previous = store.sources_at_path(db, resolved)
        for source_id in previous:
            store.delete_source(db, source_id)
        report.status = "replaced" if previous else "imported"
        source_id = store.insert_source(db, {
            "path": resolved, "format": doc.format, "sha256": sha256,
            "size": source_size(path), "imported_at": store.now(),
            "author": doc.profile.handle if doc.profile else None, "posts": len(doc.posts),
            "repair_kind": decision.kind, "repair_confidence": decision.confidence,
            "repair_evidence": decision.evidence, "warnings": "\n".join(doc.warnings) or None,
        })
        authors = sorted({post.author for post in doc.posts})
        if doc.profile is not None:
            store.upsert_author(db, doc.profile, source_id)
            report.author = doc.profile.handle
        for profile in doc.other_profiles:
            store.upsert_author(db, profile, source_id)
        for handle in authors + [page.author for page in doc.pages if page.author]:
            store.ensure_author(db, handle)
        positions = {}
        for handle in authors:
            incoming = [post for post in doc.posts if post.author == handle]
            existing = store.author_posts(db, handle)
            known = {post.id for post in existing}
            report.new_posts += sum(1 for post in incoming if post.id not in known)
            order = timeline_order(existing, incoming)
            positions.update({post: index for index, post in enumerate(order)})
            if existing and order[:len(existing)] != [post.id for post in existing]:
                store.renumber_positions(db, positions, known)
        store.write_posts(db, doc.posts, source_id, positions)
        store.write_pages(db, doc.pages, source_id)
        report.repairs = store.write_repairs(db, source_id, doc.posts, doc.profile)
        for handle in authors:
            result = stitch_author(store.author_posts(db, handle))
            store.replace_threads(db, handle, result.threads, result.candidates)
            report.threads += len(result.threads)
    return report


def import_paths(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str],
    format: Optional[str] = None,
    on_report: Optional[Callable[[ImportReport], None]] = None,
    *,
    skip_bad: bool = False,
    author: Optional[str] = None,
) -> list[ImportReport]:
    """Import every source under `paths`; a bad one is reported and the others still import."""
    reports = []
    for path in source_units(paths):
        try:
            report = import_file(db, path, format, skip_bad=skip_bad, author=author)
        except FeedarchiveError as error:
            report = ImportReport(str(path), status="failed", error=str(error))
        reports.append(report)
        if on_report:
            on_report(report)
    return reports
