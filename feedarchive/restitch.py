"""Stitching an author's stored timeline again: around what an import changed, or all of it a
window at a time, so the cost follows what is new and memory stays flat at any size.

The thread stage reads a timeline as {rank: post}, rank 0 the newest, and measures distance in
ranks. A window is a run of the stored timeline handed to it with ranks kept (near the top) or
offset past the reach of the only rule that looks at absolute ranks, the pinned first post.

Markers link posts that sit near each other, so a window's result can be trusted away from its
edges. Where a window is cut, its result must agree, over a zone around the cut, with the result
of a window that sees both sides of that zone: the stored result for a re-stitch around a
change (the rest of the timeline did not change), the next window's for a full pass. A window
that disagrees grows and is stitched again; one that grows past half the timeline becomes the
full pass. `tests/test_restitch.py` checks on random timelines and growth orders that both give
what stitching the whole timeline at once gives.
"""
from __future__ import annotations

from concurrent.futures import Executor, Future
from contextlib import nullcontext
from itertools import islice
from typing import Iterator, Optional

import sqlite_utils

from . import store
from .errors import FeedarchiveError
from .models import Post, Thread, ThreadCandidate
from .threads import PINNED_REACH, StitchResult, stitch_replies
from .workers import WORKERS, Row, stitch_rows, worker_pool

MARGIN = 64  # posts read beyond a change on each side before the result is trusted
ZONE = MARGIN // 2  # posts at a window's cut whose threads must agree with the other side's
CHUNK = 4096  # posts per window of a full pass
WINDOW_COUNT_LIMIT = 100_000  # a timeline is counted this far to size windows against it
# A full pass over a timeline this long stitches its windows in worker processes; on a shorter
# one, starting them costs more than they save.
PARALLEL_MIN_POSTS = 5 * CHUNK
# A window that does not start at the top is numbered from here: past the pinned rule's reach.
OFFSET = PINNED_REACH + 1


# A post with a platform id gets no text: reply ids stitch those.
ROW_COLUMNS = ("position, id, case when native_id is null then coalesce(text, text_raw, '') "
               "end")


def timeline_rows(db: sqlite_utils.Database, handle: str, first: Optional[int] = None,
                  last: Optional[int] = None) -> Iterator[Row]:
    """The author's posts from position `first` to `last` (inclusive; None: the end)."""
    where, params = ["author = ?"], [handle]
    if first is not None:
        where.append("position >= ?")
        params.append(first)
    if last is not None:
        where.append("position <= ?")
        params.append(last)
    yield from map(Row._make, db.conn.execute(
        f"select {ROW_COLUMNS} from posts where {' and '.join(where)} order by position", params))


# --- What a window decided, compared at its cuts --------------------------------------------

def decided(result: StitchResult) -> tuple[dict[str, tuple], dict[str, tuple]]:
    """Per post id: its thread, part and the thread's confidence and evidence; and its
    candidate offer. Two results agree on a zone when these agree for its posts."""
    parts = {p.id: (t.id, p.thread_index, t.confidence, t.evidence)
             for t in result.threads for p in t.parts}
    offers = {c.post.id: (c.thread_id, c.role, c.confidence) for c in result.candidates}
    return parts, offers


def agree(a: StitchResult, b: StitchResult, ids: list[str]) -> bool:
    (parts_a, offers_a), (parts_b, offers_b) = decided(a), decided(b)
    return all(parts_a.get(i) == parts_b.get(i) and offers_a.get(i) == offers_b.get(i)
               for i in ids)


def stored_decisions(db: sqlite_utils.Database, ids: list[str]) -> StitchResult:
    """The marker threads and candidates the archive holds for these posts, as a result."""
    result = StitchResult()
    threads: dict[str, Thread] = {}
    for chunk in store.chunks(ids):
        marks = ",".join("?" * len(chunk))
        for post_id, thread_id, index, confidence, evidence in db.execute(
                f"select p.id, p.thread_id, p.thread_index, t.confidence, t.evidence "
                f"from posts p join threads t on t.id = p.thread_id "
                f"where t.method = 'markers' and p.id in ({marks})", chunk):
            thread = threads.setdefault(thread_id, Thread(
                id=thread_id, author="", parts=[], confidence=confidence, evidence=evidence))
            part = Post("", "", thread_index=index)
            part.id = post_id
            thread.parts.append(part)
        for post_id, thread_id, role, confidence in db.execute(
                f"select c.post_id, c.thread_id, c.role, c.confidence from thread_candidates c "
                f"join threads t on t.id = c.thread_id where t.method = 'markers' "
                f"and c.post_id in ({marks})", chunk):
            post = Post("", "")
            post.id = post_id
            result.candidates.append(ThreadCandidate(post, thread_id, role, "", confidence))
    result.threads = list(threads.values())
    return result


# --- Around a change -------------------------------------------------------------------------

def rows_around(db: sqlite_utils.Database, handle: str, position: int, reach: int,
                newer: bool) -> Optional[int]:
    """The position `reach` posts newer (older) than `position`, or None past the end."""
    sign, order = ("<", "desc") if newer else (">", "asc")
    row = db.execute(f"select position from posts where author = ? and position {sign} ? "
                     f"order by position {order} limit 1 offset ?",
                     [handle, position, reach - 1]).fetchone()
    return row[0] if row else None


def stored_thread_span(db: sqlite_utils.Database, handle: str, first: Optional[int],
                       last: Optional[int]) -> tuple[Optional[int], Optional[int]]:
    """Widen [first, last] to hold every stored marker thread, and its candidates, that has a
    part or a candidate inside."""
    bounds = "p.author = :h" + (" and p.position >= :first" if first is not None else "") \
        + (" and p.position <= :last" if last is not None else "")
    params = {"h": handle, "first": first, "last": last}
    row = db.execute(
        f"""
        with touched as (
          select p.thread_id as id from posts p where {bounds} and p.thread_id is not null
          union select c.thread_id from thread_candidates c join posts p on p.id = c.post_id
          where {bounds}),
        markers as (select t.id from threads t join touched on touched.id = t.id
                    where t.method = 'markers'),
        spots as (
          select position from posts where thread_id in (select id from markers)
          union all select p.position from thread_candidates c join posts p on p.id = c.post_id
          where c.thread_id in (select id from markers))
        select min(position), max(position) from spots
        """, params).fetchone()
    low = row[0] if first is None or (row[0] is not None and row[0] < first) else first
    high = row[1] if last is None or (row[1] is not None and row[1] > last) else last
    return (None if first is None else low), (None if last is None else high)


def near_top(db: sqlite_utils.Database, handle: str, position: int) -> bool:
    """Whether fewer than OFFSET + MARGIN posts are newer than `position`."""
    limit = OFFSET + MARGIN
    return db.execute("select count(*) from (select 1 from posts where author = ? and "
                      "position < ? limit ?)", [handle, position, limit]).fetchone()[0] < limit


def restitch_span(db: sqlite_utils.Database, handle: str, first: int, last: int,
                  total: int) -> bool:
    """Re-stitch the posts from `first` to `last` and what they can reach; False when the
    window grew past half the timeline (the caller does a full pass instead)."""
    margin = MARGIN
    while True:
        low = rows_around(db, handle, first, margin, newer=True)
        high = rows_around(db, handle, last, margin, newer=False)
        while True:  # until no stored thread crosses the window's edges
            widened = stored_thread_span(db, handle, low, high)
            if widened == (low, high):
                break
            low, high = widened
        if low is not None and near_top(db, handle, low):
            low = None
        rows = list(timeline_rows(db, handle, low, high))
        if len(rows) * 2 > total:
            return False
        result = stitch_rows(handle, rows, 0 if low is None else OFFSET, high is None)
        zones = ([] if low is None else rows[:ZONE]) + ([] if high is None else rows[-ZONE:])
        ids = [row.id for row in zones]
        if agree(result, stored_decisions(db, ids), ids):
            window_ids = [row.id for row in rows]
            store.replace_marker_threads(db, window_ids, result.threads, result.candidates)
            return True
        margin *= 4


def changed_spans(positions: list[int]) -> list[tuple[int, int]]:
    """Changed positions grouped into spans: changes fewer than two margins apart are one.
    Positions are at least as far apart as ranks, so no two spans closer than that stay
    apart; spans a gap of positions keeps apart may still overlap, which costs a little
    work, not correctness (each window is stitched against what the last one wrote)."""
    spans: list[tuple[int, int]] = []
    for position in sorted(set(positions)):
        if spans and position - spans[-1][1] <= 2 * MARGIN:
            spans[-1] = (spans[-1][0], position)
        else:
            spans.append((position, position))
    return spans


def restitch_changed(db: sqlite_utils.Database, handle: str, changed: list[int],
                     replies: bool) -> None:
    """Re-stitch only the windows around `changed` positions (posts placed, refreshed or
    removed); proof by reply ids is redone when the import brought posts with platform ids."""
    if replies:
        restitch_replies(db, handle)
    spans = changed_spans(changed)
    cost = sum(last - first + 2 * MARGIN for first, last in spans)
    # Counted only as far as it matters: a window past half of it makes a full pass cheaper.
    total = store.count_author_posts(db, handle, up_to=max(2 * cost, WINDOW_COUNT_LIMIT) + 1)
    if cost * 2 > total:
        restitch_markers(db, handle)  # windows would cover most of it: one pass is cheaper
        return
    for first, last in spans:
        if not restitch_span(db, handle, first, last, total):
            restitch_markers(db, handle)
            return


# --- All of it ---------------------------------------------------------------------------------

def restitch_replies(db: sqlite_utils.Database, handle: str) -> None:
    """Threads proved by reply ids, all of the author's (only self-replies are read)."""
    linked = store.self_reply_posts(db, handle)
    by_native = {post.native_id: post.id for post in linked}
    reply_to = {post.id: by_native[post.reply_to] for post in linked
                if post.reply_to in by_native}
    store.replace_reply_threads(db, handle, stitch_replies(linked, reply_to).threads)


def restitch_author(db: sqlite_utils.Database, handle: str, chunk: Optional[int] = None,
                    pool: Optional[Executor] = None) -> None:
    """Stitch one author's whole archive afresh: reply ids, then markers a window at a time."""
    restitch_replies(db, handle)
    restitch_markers(db, handle, chunk, pool)


def restitch_markers(db: sqlite_utils.Database, handle: str, chunk: Optional[int] = None,
                     pool: Optional[Executor] = None) -> None:
    """Stitch the author's whole stored timeline by markers, a window at a time (`FullPass`),
    reading it a few windows at a time. A long timeline's windows are stitched in worker
    processes: the `pool`'s, else a pool started for it."""
    long = store.count_author_posts(db, handle, up_to=PARALLEL_MIN_POSTS) >= PARALLEL_MIN_POSTS
    starting = long and pool is None
    with worker_pool() if starting else nullcontext(pool if long else None) as pool:
        full = FullPass(db, handle, chunk, pool)
        rows = timeline_rows(db, handle)
        while full.push(list(islice(rows, full.reading))):
            pass
        full.finish()


class FullPass:
    """A full pass by markers over a timeline whose rows come in order: read from the archive
    (`restitch_markers`), or pushed batch by batch while an import writes a new author's
    timeline, so its windows are stitched while the posts are written.

    A window is `size` posts plus two margins; the next one starts `size` posts later, so they
    overlap by two margins and the cut between them is in the middle of the overlap. A thread
    belongs to the window its newest part falls in, between its cuts, and a window's threads
    are written only once the next window decides the same for the zone around the cut;
    otherwise the window is doubled and stitched again. Only a few windows' rows are held."""

    def __init__(self, db: sqlite_utils.Database, handle: str, chunk: Optional[int] = None,
                 pool: Optional[Executor] = None):
        store.clear_threads_made_by(db, handle, "markers")
        chunk = chunk or CHUNK  # read now, not when the module loaded
        self.db, self.chunk = db, chunk
        self.windows = Windows(handle, chunk, pool)
        # Rows worth reading at a time: enough for the windows stitched ahead. Past this many
        # rows held, the pass waits for the workers rather than take more.
        self.reading = chunk * (2 * WORKERS + 2 if pool else 2)

    def push(self, rows: list[Row]) -> bool:
        """Take the next rows of the timeline and write the windows they complete, waiting
        for the workers only when many rows are held. False when `rows` is empty."""
        self.windows.rows.extend(rows)
        while self.step(final=False):
            pass
        return bool(rows)

    def finish(self) -> None:
        """The timeline has ended: write the windows left, the last one to the end."""
        self.windows.ended = True
        while self.step(final=True):
            pass

    def step(self, final: bool) -> bool:
        """Decide one window (or find it must grow); False when there is nothing to do until
        more rows come, or, when `final`, after the last window."""
        windows, chunk = self.windows, self.chunk
        length = windows.size + 2 * MARGIN
        if len(windows.rows) < length + 1:
            if final:  # the last window: everything left
                last = windows.stitched(0, len(windows.rows), True)
                write_threads(self.db, last, windows.owned(last, len(windows.rows), None))
            return False
        beyond = len(windows.rows) >= windows.size + chunk + 2 * MARGIN + 1
        if not (final or beyond):
            return False  # whether a window follows is not known yet
        rest = len(windows.rows) - windows.size
        keys = ((0, length, False),
                (windows.size, min(chunk + 2 * MARGIN, rest) if beyond else rest, not beyond))
        patient = not final and len(windows.rows) <= self.reading
        if patient and not all(windows.ready(*key) for key in keys):
            return False
        result, following = (windows.stitched(*key) for key in keys)
        cut = windows.size + MARGIN
        zone = [row.id for row in windows.rows[cut - ZONE:cut + ZONE]]
        owned = windows.owned(result, length, cut)
        if not agree(result, following, zone) or reaches_edge(
                owned, windows.rows[length - ZONE:length]):
            windows.size *= 2
            return True
        write_threads(self.db, result, owned)
        windows.advance()
        return True


class Windows:
    """The rows a full pass holds (those it has not written the threads of, from rank
    `start`, and those read ahead) and the stitched results of the windows over them.

    With a worker `pool`, the windows the pass will ask for next, if no window has to grow,
    are stitched ahead of time in the workers, a few at a time, while this process reads and
    writes; a window that grows is stitched here. Each result is keyed by the rows it was
    stitched from, so a result from a worker is the one this process would have made."""

    def __init__(self, handle: str, chunk: int, pool: Optional[Executor] = None):
        self.handle, self.chunk, self.pool = handle, chunk, pool
        self.rows: list[Row] = []
        self.ended = False  # no rows will come after these
        self.start = 0  # rank of rows[0]
        self.owned_from = 0  # threads whose newest part is newer belong to the last window
        self.size = chunk
        self.results: dict[tuple[int, int, bool], Future | StitchResult] = {}
        self.ahead: Optional[int] = 0  # rank of the next window to stitch ahead; None: done

    def ready(self, offset: int, length: int, complete: bool) -> bool:
        """Whether that window's result can be had without waiting for a worker (one no
        worker has is stitched here when asked for)."""
        self.stitch_ahead()
        result = self.results.get((self.start + offset, length, complete))
        return not isinstance(result, Future) or result.done()

    def stitched(self, offset: int, length: int, complete: bool) -> StitchResult:
        """The result of the window of `length` rows from `offset` in the buffer."""
        self.stitch_ahead()
        key = (self.start + offset, length, complete)
        result = self.results.get(key)
        if result is None:
            result = stitch_rows(self.handle, self.rows[offset:offset + length],
                                 self.start + offset, complete)
        elif isinstance(result, Future):
            result = result.result()
        self.results = {k: v for k, v in self.results.items() if k[0] >= key[0]}
        self.results[key] = result
        return result

    def stitch_ahead(self) -> None:
        """Hand the workers the next windows of the pass, two per worker ahead of it."""
        if self.pool is None:
            return
        # Results not yet asked for are counted whether done or not: the rows ahead stay few.
        while self.ahead is not None and sum(
                isinstance(v, Future) for v in self.results.values()) < 2 * WORKERS:
            first = max(self.ahead, self.start)
            offset, length = first - self.start, self.chunk + 2 * MARGIN
            if len(self.rows) >= offset + length + 1:
                complete, self.ahead = False, first + self.chunk
            elif self.ended:
                length, complete, self.ahead = len(self.rows) - offset, True, None
            else:
                return  # its rows have not come yet
            if length > 0:
                self.results[(first, length, complete)] = self.pool.submit(
                    stitch_rows, self.handle, self.rows[offset:offset + length], first, complete)

    def owned(self, result: StitchResult, length: int, cut: Optional[int]) -> list[Thread]:
        """The threads of the window of the first `length` rows that it owns: from the last
        cut to `cut` (an offset; None: to its end)."""
        return owned_threads(result, self.rows[:length], self.start, self.owned_from,
                             None if cut is None else self.start + cut)

    def advance(self) -> None:
        """The window's threads are written: drop its rows but the overlap with the next."""
        del self.rows[:self.size]
        self.start += self.size
        self.owned_from = self.start + MARGIN
        self.size = self.chunk


def owned_threads(result: StitchResult, rows: list[Row], first_rank: int, owned_from: int,
                  owned_to: Optional[int]) -> list[Thread]:
    """The threads of a window whose newest part's rank is in [owned_from, owned_to)."""
    rank = {row.id: first_rank + i for i, row in enumerate(rows)}
    return [t for t in result.threads
            if owned_from <= min(rank[p.id] for p in t.parts)
            and (owned_to is None or min(rank[p.id] for p in t.parts) < owned_to)]


def reaches_edge(threads: list[Thread], edge: list[Row]) -> bool:
    """Whether a thread has a part among the last rows of its window, where what lies
    beyond could have changed it."""
    near = {row.id for row in edge}
    return any(p.id in near for t in threads for p in t.parts)


def write_threads(db: sqlite_utils.Database, result: StitchResult, threads: list[Thread]) -> None:
    """Write these threads of a window's result, with their candidates."""
    kept = {t.id for t in threads}
    store.insert_threads(db, threads, [c for c in result.candidates if c.thread_id in kept])


def restitch_archive(db: sqlite_utils.Database,
                     handles: Optional[list[str]] = None) -> dict[str, int]:
    """Stitch the named authors' timelines afresh (every author's by default), in one
    transaction; returns how many threads each one has. Imports only re-stitch around what
    they change; this is the full rebuild, for after a change to the thread rules."""
    names = handles or [row[0] for row in db.execute("select handle from authors order by handle")]
    unknown = [handle for handle in names if not store.author_exists(db, handle)]
    if unknown:
        raise FeedarchiveError(f"no author @{unknown[0]} in the archive")
    with store.transaction(db):
        for handle in names:
            restitch_author(db, handle)
        store.delete_empty_threads(db)
    return {handle: store.count_threads(db, [handle]) for handle in names}
