"""The pipeline, file by file: parse → repair → identify → stitch → store.

Each stage is a module of its own; this one only passes their results along. A file is
imported in one transaction, so an error leaves nothing of it in the database.

Over 500 lines: it is the one place where a source's import is put together (reading in worker
processes, ids, the timeline writer, joining scraped copies with exports), each step a short
function; split up, the order of the steps inside one transaction would be harder to follow.
"""
from __future__ import annotations

import ctypes
import gc
import sqlite3
from concurrent.futures import Executor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

import sqlite_utils

from . import placing, store
from .errors import (ArchiveWriteError, FeedarchiveError, NothingToImport, SourceError,
                     UnknownFormatError)
from .formats import detect_format, homepage, read_document
from .formats.members import SourceUnit, source_mtime, source_sha256, source_size, walk_sources
from .guesses import UNCERTAIN_BELOW, mark_uncertain
from .identity import MATCHED_PLATFORMS, completeness, post_id, same_post
from .models import PRIVATE_VISIBILITIES, Document, InFileOrder, Post, ReadsInBlocks
from .profiles import website_and_location
from .repair import DocumentRepair, diagnose, document_evidence, repair_profile_and_pages
from .restitch import (PARALLEL_MIN_POSTS, FullPass, restitch_author, restitch_changed,
                       restitch_replies, timeline_rows)
from .workers import (Row, collect_rarely, in_workers, parse_and_prepare, prepare_posts,
                      worker_pool)


@dataclass
class ImportReport:
    """What importing one file did, for the CLI to print and tests to check."""

    path: str
    status: str = "imported"  # imported | replaced | copy | unchanged | skipped | failed
    format: Optional[str] = None
    author: Optional[str] = None
    posts: int = 0
    new_posts: int = 0
    threads: int = 0
    pages: int = 0
    repairs: int = 0
    repair_kind: Optional[str] = None
    private: int = 0  # followers-only and direct posts left out (no --include-private)
    warnings: list[str] = field(default_factory=list)
    error: Optional[str] = None  # why it failed, or why it was skipped
    same_as: Optional[str] = None  # a copy: the path the archive had these bytes from


BATCH_POSTS = 2000
PARALLEL_MIN_BYTES = 4 << 20  # below this, forking workers costs more than it saves
# Readers that parse in workers list bad records per block; past this many in all, the rest
# of a source's warnings are counted, not kept.
MAX_BATCH_WARNINGS = 200


def repair_fields(doc: Document, decision: DocumentRepair) -> None:
    repair_profile_and_pages(doc, decision)
    if doc.profile is not None and doc.format == "timeline":
        doc.profile.website, doc.profile.location = website_and_location(doc.profile.bio)


def uses_workers(doc: Document, size: int) -> bool:
    """Whether a source is read in worker processes: a reader that can cut it into blocks
    (`posts.blocks()` and `posts.parse_unit`), and large enough to pay for starting them."""
    return isinstance(doc.posts, ReadsInBlocks) and size >= PARALLEL_MIN_BYTES


def repaired_batches(doc: Document, decision: DocumentRepair,
                     pool: Optional[Executor]) -> Iterator[tuple[list[Post], list[str]]]:
    """Batches of prepared posts in source order; a reader that cuts its source into blocks
    has them parsed and repaired in the `pool`'s processes, if given (`uses_workers`), one
    writer staying in this process."""
    if isinstance(doc.posts, ReadsInBlocks):
        work = partial(parse_and_prepare, doc.posts.parse_unit, decision, doc.platform)
        if pool is not None:
            yield from in_workers(pool, work, doc.posts.blocks())
        else:
            yield from map(work, doc.posts.blocks())
        return
    batch: list[Post] = []
    for post in doc.posts:
        batch.append(post)
        if len(batch) >= BATCH_POSTS:
            yield prepare_posts(decision, doc.platform, batch), []
            batch = []
    if batch:
        yield prepare_posts(decision, doc.platform, batch), []


class IdAssigner:
    """Stable ids for one source's posts: the platform's own id where the source has one, else
    one derived from author and text, identical texts by one author numbered apart.

    Duplicates from earlier batches are found in the database (this source's rows), so memory
    does not grow with the file."""

    def __init__(self, db: sqlite_utils.Database, platform: Optional[str], source_id: int):
        self.db, self.platform, self.source_id = db, platform, source_id

    def assign(self, posts: list[Post]) -> dict[str, bool]:
        """Number apart identical texts within the batch, then against earlier batches.
        Returns which of the batch's final ids the archive has, each with whether this
        source wrote it already (`store.archived_ids`)."""
        derived = [p for p in posts if not (p.native_id and self.platform)]
        seen: dict[tuple[str, Optional[str]], int] = {}
        for post in derived:
            key = (post.author.lower(), post.text)
            occurrence = seen.get(key, 0)
            if occurrence:
                post.id = post_id(post.author, post.text or "", occurrence)
            seen[key] = occurrence + 1
        archived = store.archived_ids(self.db, [p.id for p in posts], self.source_id)
        taken = {p.id for p in derived if archived.get(p.id)}
        if not taken:
            return archived
        for post in derived:
            occurrence = 0
            while post.id in taken:  # the same text earlier in this file: number it apart
                occurrence += 1
                post.id = post_id(post.author, post.text or "", occurrence)
                archived.update(store.archived_ids(self.db, [post.id], self.source_id))
                if archived.get(post.id):
                    taken.add(post.id)
            taken.add(post.id)
        return archived


# A file found in a folder that no reader knows is an error when it looks like data (the user
# has an export we cannot read) and is passed over otherwise (notes, pictures, a README).
DATA_SUFFIXES = (".json", ".jsonl", ".ndjson", ".js", ".car", ".zip", ".tar", ".gz", ".tgz")
HOMEPAGE_HEAD = 256 * 1024  # what `homepage.confident` is shown of a file


def walked_format(path: Path, format: Optional[str]) -> tuple[Optional[str], Optional[str]]:
    """(the format to read a file found while walking a folder as, or None; why it is not
    imported, or None). Only what a reader recognises with confidence is taken: a homepage
    must look like one (an HTML document, front matter, a profile), not merely have headings
    and dates. The format found is handed on, so the file is not detected twice."""
    if format is not None:
        return format, None
    try:
        name = detect_format(path)
    except UnknownFormatError:
        if path.name.lower().endswith(DATA_SUFFIXES):
            raise
        return None, "not a format feedarchive knows"
    if name == homepage.NAME:
        with open(path, "rb") as handle:
            head = handle.read(HOMEPAGE_HEAD)
        if not homepage.confident(path, head):
            return None, ("text with headings but no sign of a homepage (HTML, front matter "
                          "or a profile); name the file to import it as one")
    return name, None


def import_file(db: sqlite_utils.Database, path: Path, format: Optional[str] = None, *,
                skip_bad: bool = False, author: Optional[str] = None,
                include_private: bool = False, named: bool = True,
                uncertain: str = "guess") -> ImportReport:
    """Import one source (a file, or an unpacked archive folder); raise `FeedarchiveError` on
    bad input with nothing written. A file found by walking a folder (`named=False`) is
    skipped, with the reason, unless a reader recognises it with confidence. Followers-only
    and direct posts are left out unless `include_private`. `uncertain`: `guess` stores the
    best guess for characters whose bytes were lost, `mark` a placeholder for the unlikely
    ones (`guesses.mark_uncertain`)."""
    report = ImportReport(str(path))
    if not Path(path).exists():
        raise SourceError(str(path), "no such file or folder")
    sha256 = source_sha256(path)
    resolved = str(Path(path).resolve())
    identical = store.identical_sources(db, sha256)
    if any(source["path"] == resolved for source in identical):
        report.status = "unchanged"
        return report
    if identical:
        return record_copy(db, identical[0], report, resolved)
    if not (named or Path(path).is_dir()):
        format, reason = walked_format(Path(path), format)
        if reason is not None:
            report.status, report.error = "skipped", reason
            return report
    try:
        doc = read_document(path, format, skip_bad=skip_bad, author=author)
    except NothingToImport as nothing:
        report.status, report.error = "skipped", nothing.message
        return report
    decision = diagnose(document_evidence(doc))
    repair_fields(doc, decision)
    report.format, report.pages, report.repair_kind = doc.format, len(doc.pages), decision.kind
    size = source_size(path)
    try:
        return store_document(db, doc, decision, report, sha256, size, resolved,
                              include_private, uncertain == "mark")
    except OverflowError as error:  # a number past SQLite's 64-bit INTEGER, from any reader
        raise SourceError(str(path), f"a value too large to store: {error}") from None
    except (sqlite3.InterfaceError, sqlite3.ProgrammingError) as error:
        if "binding parameter" not in str(error):  # a mistake in our SQL, not in the file
            raise
        # An object or a list where a reader expected text or a number.
        raise SourceError(str(path), f"a field of an unexpected type: {error}") from None


def capture_time(doc: Document, path: Path) -> tuple[str, str]:
    """When a source was taken, and how that is known: `stated` by the file (an X archive's
    generation date, twarc2's retrieval times); else the file's modification time,
    `modified` (a scrape is written when it is taken, a page when it is saved); else, when not
    even that can be read, the import time, `imported`. Counts and pages follow it, not the
    order files are imported in."""
    if doc.captured_at is not None:
        return doc.captured_at, "stated"
    try:
        moment = datetime.fromtimestamp(source_mtime(path), timezone.utc)
    except (OSError, ValueError, OverflowError):
        return store.now(), "imported"
    return moment.replace(microsecond=0).isoformat(), "modified"


def record_copy(db: sqlite_utils.Database, original: dict, report: ImportReport,
                resolved: str) -> ImportReport:
    """A file whose bytes the archive has from another path is recorded as a source of its
    own, not read again: it holds the same posts, so when the other file is edited or goes,
    what it held stays (`store.delete_source` hands it over). What this path held before
    (another version of the file) is replaced."""
    report.same_as, report.format = original["path"], original["format"]
    report.author, report.posts = original["author"], original["posts"] or 0
    with store.transaction(db):
        previous = store.sources_at_path(db, resolved)
        removed: dict[str, dict[str, int]] = {}
        emptied: set[str] = set()
        for source_id in previous:
            for handle, posts in store.delete_source(db, source_id, emptied).items():
                removed.setdefault(handle, {}).update(posts)
        report.status = "replaced" if previous else "copy"
        store.record_copy(db, original, resolved)
        for handle, posts in sorted(removed.items()):
            restitch_changed(db, handle, list(posts.values()), replies=True)
        store.delete_empty_threads(db, emptied)
    return report


def store_document(db: sqlite_utils.Database, doc: Document, decision: DocumentRepair,
                   report: ImportReport, sha256: str, size: int, resolved: str,
                   include_private: bool = False, mark: bool = False) -> ImportReport:
    """The store stage for one source, in one transaction: all of it lands or none does."""
    with store.transaction(db):
        if any(source["path"] == resolved for source in store.identical_sources(db, sha256)):
            report.status = "unchanged"  # a concurrent import got here first
            return report
        previous = store.sources_at_path(db, resolved)
        removed: dict[str, dict[str, int]] = {}  # author -> posts that left, with positions
        emptied: set[str] = set()  # threads that lost parts with them
        for source_id in previous:
            for handle, posts in store.delete_source(db, source_id, emptied).items():
                removed.setdefault(handle, {}).update(posts)
        report.status = "replaced" if previous else "imported"
        captured_at, captured_from = capture_time(doc, Path(resolved))
        source_id = store.insert_source(db, {
            "path": resolved, "format": doc.format, "sha256": sha256, "size": size,
            "imported_at": store.now(), "author": doc.profile.handle if doc.profile else None,
            "repair_kind": decision.kind, "repair_confidence": decision.confidence,
            "repair_evidence": decision.evidence, "captured_at": captured_at,
            "captured_from": captured_from,
        })
        if doc.profile is not None:
            store.upsert_author(db, doc.profile, source_id, doc.platform)
            report.author = doc.profile.handle
        for profile in doc.other_profiles:
            store.upsert_author(db, profile, source_id, doc.platform)
        for page in doc.pages:
            if page.author:
                store.ensure_author(db, page.author)
        first_post_rowid = store.last_rowid(db, "posts")
        first_page_rowid = store.last_rowid(db, "pages")
        repairs, kept = store.write_pages(db, doc.pages, source_id, resolved)
        report.repairs += repairs
        report.warnings += [f"{resolved}: an earlier save of {page} than the archive's; the "
                            f"archive keeps the later one" for page in kept]
        report.repairs += store.write_repairs(db, source_id, [], doc.profile)
        with worker_pool() if uses_workers(doc, size) else nullcontext() as pool:
            timeline = TimelineWriter(db, source_id, doc.platform,
                                      newest_first=isinstance(doc.posts, InFileOrder)
                                      and doc.posts.newest_first, removed=removed, mark=mark,
                                      pool=pool)
            write_timeline(doc, decision, timeline, report, pool, include_private, resolved)
            profiles = ([doc.profile] if doc.profile else []) + doc.other_profiles
            accounts = store.record_handles(db, source_id, doc.platform, profiles,
                                            timeline.newest)
            merged = store.merge_renamed_authors(db, accounts)
            handles = {merged.get(h, h) for h in timeline.authors | set(removed)}
            if doc.platform in MATCHED_PLATFORMS:
                joined = join_scraped_copies(db, source_id, first_post_rowid)
                report.new_posts -= joined.new
                handles |= joined.authors
                timeline.forget_stitched(joined.authors)
            for handle in sorted(handles):
                if handle in merged.values():
                    timeline.place_merged(handle)
                    restitch_author(db, handle, pool=pool)
                else:
                    stitch_where_changed(db, handle, timeline.place(handle), timeline, removed)
        store.index_rows_after(db, "pages", first_page_rowid)  # posts are, batch by batch
        store.index_pending_grams(db, "posts")
        store.index_pending_grams(db, "pages")
        store.delete_empty_threads(db, emptied)
        report.threads = store.count_threads(db, sorted(timeline.authors))
        if report.author in merged:
            report.author = merged[report.author]
        store.finish_source(db, source_id, report.posts, report.warnings)
    return report


def write_timeline(doc: Document, decision: DocumentRepair, timeline: "TimelineWriter",
                   report: ImportReport, pool: Optional[Executor], include_private: bool,
                   resolved: str) -> None:
    """Write the source's posts batch by batch, leaving private ones out unless asked, and
    gather the warnings; the report takes the counts."""
    unlisted = 0
    for posts, warnings in repaired_batches(doc, decision, pool):
        public = posts if include_private else [
            post for post in posts if post.visibility not in PRIVATE_VISIBILITIES]
        report.private += len(posts) - len(public)
        timeline.write(public)
        room = max(MAX_BATCH_WARNINGS - len(report.warnings), 0)
        report.warnings.extend(warnings[:room])
        unlisted += len(warnings[room:])
    if unlisted:
        report.warnings.append(f"{resolved}: {unlisted:,} more warnings not listed")
    repeats = timeline.repeats + doc.repeats
    if repeats:
        report.warnings.append(
            f"{resolved}: {repeats:,} repeated copies of posts listed earlier in "
            f"the file (same id): each post kept once, with its last copy's counts")
    report.warnings = doc.warnings + report.warnings
    report.posts, report.new_posts = timeline.posts, timeline.new_posts
    report.repairs += timeline.repairs


def stitch_where_changed(db: sqlite_utils.Database, handle: str, renumbered: bool,
                         timeline: "TimelineWriter", removed: dict[str, dict[str, int]]) -> None:
    """Stitch again what this source can have changed of the author's threads: the windows
    around its posts (those it placed among them) and the posts it removed, or the whole
    timeline when it was numbered afresh or the changes are a large share of it."""
    gone = removed.get(handle, {})
    if renumbered:
        stitched = timeline.stitched_as_written(handle)
        if stitched is None:
            restitch_author(db, handle, pool=timeline.pool)
        else:
            restitch_replies(db, handle)
            stitched.finish()
        return
    changed = timeline.source_positions(handle) + list(gone.values())
    enough = int(len(changed) / placing.REORDER_SHARE) + 1  # posts that make the changes a small share
    if store.count_author_posts(db, handle, up_to=enough) < enough:
        restitch_author(db, handle, pool=timeline.pool)
    else:
        replies = bool(gone) or timeline.has_platform_ids(handle)
        restitch_changed(db, handle, changed, replies)


@dataclass
class Joined:
    """What `join_scraped_copies` did: how many of the source's new posts were copies of
    posts the archive had, and whose timelines changed."""

    new: int = 0
    authors: set[str] = field(default_factory=set)


def join_scraped_copies(db: sqlite_utils.Database, source_id: int,
                        first_rowid: int) -> Joined:
    """A post a timeline scrape showed (no id) and the same post from an export (with its id)
    become one post, whichever was imported first (`identity.same_post` says which texts are
    one post). Only a pair with no rival is joined: the post must have one partner, and that
    partner no other post of the same kind and text (an export with one text twice, a `gm`
    posted daily). The export's id, date and media stay; the scrape's text replaces the
    export's only where it shows more of the post (the export cut it with `…`) and its repair
    guessed nothing; the post keeps the place in the timeline the archive gave it (a
    place left empty stays a gap: `placing`)."""
    partners: dict[store.PostCopy, list[store.PostCopy]] = {}
    for post, other in store.copy_candidates(db, source_id):
        if same_post(post.text, post.created_at, other.text, other.created_at):
            partners.setdefault(post, []).append(other)
    single = {post: found[0] for post, found in partners.items() if len(found) == 1}
    aliases = store.account_aliases(db) if single else {}
    accounts = {partner: {partner.author, *aliases.get(partner.author, ())}
                for partner in single.values()}
    same_key = store.posts_by_key(db, ((handle, partner.match_key)
                                       for partner, handles in accounts.items()
                                       for handle in handles))
    joined, merges = Joined(), []
    for post, partner in single.items():
        if any(rival.id != post.id and (rival.native_id is None) == (post.native_id is None)
               and same_post(rival.text, rival.created_at, partner.text, partner.created_at)
               for handle in accounts[partner]
               for rival in same_key.get((handle, partner.match_key), ())):
            continue
        native, scraped = (post, partner) if post.native_id else (partner, post)
        merges.append(store.CopyMerge(
            native.id, scraped.id,
            text_of_scraped=not scraped.guessed and (completeness(scraped.text)
                                                     > completeness(native.text)),
            place_of_scraped=native.rowid > first_rowid and native.author == scraped.author))
        joined.new += post.rowid > first_rowid
        joined.authors |= {native.author, scraped.author}
    store.merge_copies(db, merges)
    return joined


def stored_text(post: Post) -> str:
    """The text `restitch.timeline_rows` reads back for a post: its text, else its raw text."""
    text = post.text if post.text is not None else post.text_raw
    return "" if text is None else text


def mark_unlikely_guesses(posts: list[Post]) -> None:
    """`--uncertain mark`: each guess less likely than UNCERTAIN_BELOW becomes placeholders in
    the post's text; its repair keeps the guess and the alternatives. Done once ids are given,
    which are made from the best guess, so a post is one post whichever way it was imported."""
    for post in posts:
        if any(repair.confidence < UNCERTAIN_BELOW for repair in post.repairs):
            post.text = mark_uncertain(post.text or "", post.repairs)


class TimelineWriter:
    """Writes batches of one source's posts and keeps each author's timeline order.

    A new author's posts are numbered in source order as they are written. An author the
    archive has gets the new posts unplaced, and `place` then puts them on the timeline
    (`placing`): by date when the timeline is dated throughout, else beside the posts the
    source shares with the archive. A post that left with the file this one replaces comes
    back where it was.

    `newest_first`: the source's posts come in file order, but their timeline order is
    newest first (by date, then native id, both descending; undated last), the order readers
    that held their posts sorted them in before they read their files twice instead
    (`formats.common.LazyPosts`). A timeline dated throughout is ordered by date anyway;
    where it is not, the source's posts are taken in that order rather than as written.

    `mark`: unlikely guesses are written as placeholders (`import --uncertain mark`).

    `pool`: worker processes (a large source). A new author's long timeline that keeps the
    source's order (the source has undated posts, so it is not sorted by date) is then
    stitched while it is written, its windows in the workers (`restitch.FullPass`)."""

    def __init__(self, db: sqlite_utils.Database, source_id: int, platform: Optional[str],
                 newest_first: bool = False, removed: Optional[dict[str, dict[str, int]]] = None,
                 mark: bool = False, pool: Optional[Executor] = None):
        self.db, self.source_id, self.newest_first = db, source_id, newest_first
        self.mark, self.pool = mark, pool
        self.passes: dict[str, FullPass] = {}  # new timelines stitched as they are written
        self.ids = IdAssigner(db, platform, source_id)
        self.returning = {post_id: position for posts in (removed or {}).values()
                          for post_id, position in posts.items()}
        self.lost = set(removed or ())  # authors some of whose posts left with a replaced file
        self.authors: set[str] = set()
        self.next_position: dict[str, int] = {}
        self.had_posts: set[str] = set()  # authors the archive had posts of before
        self.posts = self.new_posts = self.repairs = 0
        self.dated = True
        self.newest: Optional[str] = None  # the latest post date in the source
        self.repeats = 0  # copies of posts the source had already listed

    def write(self, posts: list[Post]) -> None:
        archived = self.ids.assign(posts)
        if self.mark:
            mark_unlikely_guesses(posts)
        posts, known, written = self.merge_repeats(posts, archived)
        for handle in {p.author for p in posts} - self.authors:
            store.ensure_author(self.db, handle)
            self.authors.add(handle)
            if store.count_author_posts(self.db, handle, up_to=1):
                self.had_posts.add(handle)
            self.next_position[handle] = 0
        positions: dict[str, Optional[int]] = {}
        for post in posts:
            if post.id in written:  # keeps its place; only its counts are refreshed
                positions[post.id] = None
                continue
            if post.id in self.returning and post.author in self.had_posts:
                positions[post.id] = self.returning[post.id]
            elif post.author in self.had_posts:
                positions[post.id] = None  # placed by `place` once the source is written
            else:
                positions[post.id] = self.next_position[post.author]
                self.next_position[post.author] += 1
            self.dated = self.dated and post.created_at is not None
            if post.created_at is not None and (self.newest is None
                                                or post.created_at > self.newest):
                self.newest = post.created_at
        self.new_posts += store.write_posts(self.db, posts, self.source_id, positions, known)
        first_copies = [post for post in posts if post.id not in written]
        self.repairs += store.write_repairs(self.db, self.source_id, first_copies, None)
        self.posts += len(first_copies)
        if self.pool is not None and self.order_is_final():
            self.stitch_as_written(posts, positions)

    def order_is_final(self) -> bool:
        """Whether new timelines keep the order they are written in: the source has undated
        posts (no sort by date), none repeated, and no newest-first reorder."""
        return not (self.dated or self.newest_first or self.repeats)

    def stitch_as_written(self, posts: list[Post], positions: dict[str, Optional[int]]) -> None:
        """Hand each long new timeline's rows written since the last batch to its pass: this
        batch's from memory, and when a pass starts, the earlier batches' read back."""
        for handle in self.authors - self.had_posts:
            if handle not in self.passes:
                if self.next_position[handle] < PARALLEL_MIN_POSTS:
                    continue
                self.passes[handle] = FullPass(self.db, handle, pool=self.pool)
                self.passes[handle].push(list(timeline_rows(
                    self.db, handle, 0, self.next_position[handle] - 1)))
                continue
            self.passes[handle].push([
                Row(positions[post.id], post.id, None if post.native_id else stored_text(post))
                for post in posts if post.author == handle])

    def stitched_as_written(self, handle: str) -> Optional[FullPass]:
        """The pass over `handle`'s timeline if it still holds: the order it was written in
        is final (no post of the source dated throughout, none repeated, no newest-first
        reorder) and no post was joined with another since (`forget_stitched`)."""
        return self.passes.get(handle) if self.order_is_final() else None

    def forget_stitched(self, handles: set[str]) -> None:
        """These timelines changed after they were written: they are stitched afresh."""
        for handle in handles:
            self.passes.pop(handle, None)

    def merge_repeats(self, posts: list[Post], archived: dict[str, bool]
                      ) -> tuple[list[Post], set[str], set[str]]:
        """A post a source lists twice (a pinned tweet in a scraper's dump, a repeated id in
        an export) is one post: the later copy's counts win and the repeat is counted for a
        warning. Returns the batch without repeats, the ids the archive already has, and
        those of them an earlier batch of this source wrote (written again only to refresh
        their counts): only a post already in the archive can be one. `archived`: what
        `IdAssigner.assign` found of the batch's ids."""
        unique: dict[str, Post] = {}
        for post in posts:
            if post.id in unique:
                self.repeats += 1
            unique[post.id] = post  # keeps the first copy's place, takes the last copy
        known = {post_id for post_id in unique if post_id in archived}
        written = {post_id for post_id in known if unique[post_id].native_id and archived[post_id]}
        self.repeats += len(written)
        return list(unique.values()), known, written

    def place(self, handle: str) -> bool:
        """Put the author's new posts on the timeline; True when the timeline was numbered
        afresh (a new author, or a reorder by date) rather than added to."""
        if handle not in self.authors:  # only lost posts, which leave gaps
            return False
        dated = self.dated and store.all_dated(self.db, handle)
        if handle not in self.had_posts:
            if dated:
                placing.order_by_date(self.db, handle)
            elif self.newest_first:
                store.set_positions(self.db, handle, self.newest_first_ids(handle))
            return True
        unplaced = store.unplaced_posts(self.db, handle)
        if dated:
            # Date order holds on a timeline dated throughout, unless it was ordered by the
            # posts' sources while undated posts were in it (those may have just left).
            enough = int(len(unplaced) / placing.REORDER_SHARE) + 1
            if handle in self.lost or store.count_author_posts(self.db, handle, enough) < enough:
                placing.order_by_date(self.db, handle)
                return True
            placing.place_by_date(self.db, handle, unplaced)
            return False
        incoming = (self.newest_first_ids(handle) if self.newest_first
                    else store.source_post_ids(self.db, handle, self.source_id))
        placing.place_beside_anchors(self.db, handle, incoming,
                                     {post_id for post_id, _ in unplaced})
        return False

    def source_positions(self, handle: str) -> list[int]:
        """Where this source's posts by `handle` sit (new and seen before)."""
        return [row[0] for row in self.db.execute(
            "select p.position from engagement e cross join posts p on p.id = e.post_id "
            "where e.source_id = ? and p.author = ?", [self.source_id, handle])]

    def has_platform_ids(self, handle: str) -> bool:
        """Whether this source gave any of `handle`'s posts a platform id (reply ids can
        then prove threads)."""
        return self.db.execute(
            "select 1 from engagement e cross join posts p on p.id = e.post_id where e.source_id = ? "
            "and p.author = ? and p.native_id is not null limit 1",
            [self.source_id, handle]).fetchone() is not None

    def newest_first_ids(self, handle: str) -> list[str]:
        """This source's posts by `handle` in `newest_first` order (ties as written)."""
        return [row[0] for row in self.db.execute(
            "select p.id from engagement e cross join posts p on p.id = e.post_id "
            "where e.source_id = ? and p.author = ? order by coalesce(p.created_at, '') desc, "
            "coalesce(p.native_id, '') desc, e.rowid", [self.source_id, handle])]

    def place_merged(self, handle: str) -> None:
        """A renamed account's timelines, now one: by date when every post has one, else the
        older handle's posts after the current one's (`store.move_author` put them there),
        and this source's new posts beside the posts it shares with them."""
        if store.all_dated(self.db, handle):
            placing.order_by_date(self.db, handle)
            return
        unplaced = {post_id for post_id, _ in store.unplaced_posts(self.db, handle)}
        if unplaced:
            placing.place_beside_anchors(
                self.db, handle, store.source_post_ids(self.db, handle, self.source_id), unplaced)


def import_paths(
    db: sqlite_utils.Database,
    paths: Iterable[Path | str | SourceUnit],
    format: Optional[str] = None,
    on_report: Optional[Callable[[ImportReport], None]] = None,
    *,
    skip_bad: bool = False,
    author: Optional[str] = None,
    include_private: bool = False,
    uncertain: str = "guess",
) -> list[ImportReport]:
    """Import every source under `paths`; a bad one is reported and the others still import.
    Files found by walking a folder are imported only when recognised with confidence (the
    others are reported as skipped, with the reason). `uncertain`: see `import_file`."""
    reports = []
    units = [unit for path in paths
             for unit in ([path] if isinstance(path, SourceUnit) else walk_sources([path]))]
    for unit in units:
        path = unit.path
        try:
            with rarer_collections():
                report = import_file(db, path, format, skip_bad=skip_bad, author=author,
                                     include_private=include_private, named=unit.named,
                                     uncertain=uncertain)
        except ArchiveWriteError:
            raise  # the archive, not this source: the next source could not be written either
        except FeedarchiveError as error:
            report = ImportReport(str(path), status="failed", error=str(error))
        except Exception as error:  # noqa: BLE001 - one bad source must not stop the run
            # A shape no reader foresaw: the source failed (its transaction rolled back), said
            # plainly; the other sources still import.
            report = ImportReport(str(path), status="failed", error=(
                f"{path}: could not be read ({type(error).__name__}: {error}); nothing of it "
                f"was imported"))
        reports.append(report)
        release_memory()
        if on_report:
            on_report(report)
    return reports


@contextmanager
def rarer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a source is imported. Reading one
    makes hundreds of thousands of small objects that live until they are written, in no
    reference cycle; at the default threshold (700 new objects) the collector walks them
    thousands of times: a quarter of a 109,000-toot outbox's import (10.7 s -> 8.6 s).
    Collections still run, and `release_memory` makes a full one after each source."""
    before = gc.get_threshold()
    collect_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*before)


def release_memory() -> None:
    """Hand memory freed by one source back to the system before the next: without it the
    heap of a large source's stitching stays with the process (and with the workers it
    starts), and a folder of sources peaks far above what any one of them needs."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: the allocator keeps its own counsel
        pass
