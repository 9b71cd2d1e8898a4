"""Worker processes for the CPU-bound stages, with one writer staying in the calling process,
and the units of work they run.

An import parses and repairs a large source's blocks in workers (`importer`), and a long
timeline's full re-stitch stitches its windows there (`restitch`): SQLite has one writer, so
the writer's process should only write while the other cores compute. The units of work are
here, apart from the modules that write, so that a worker imports no SQLite layer (sqlite-utils
brings numpy): about 27 MB a worker instead of 45.
"""
from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Optional

from .errors import FeedarchiveError
from .identity import MATCHED_PLATFORMS, match_key, native_post_id, post_id
from .models import Post
from .repair import DocumentRepair, repair_posts
from .threads import StitchResult, may_carry_marker, stitch_timeline

WORKERS = 2
# New objects between two runs of the cyclic collector, in the writer while it imports
# (`importer.rarer_collections`) and in workers for their whole life. A block parsed or a
# window stitched is tens of thousands of objects that live until the work is sent back; at
# the default threshold (700) the collector walks them again and again: a sixth of a
# worker's time on a thread-heavy timeline.
YOUNG_COLLECTION_THRESHOLD = 20_000


def collect_rarely() -> None:
    """Raise the young generation's threshold: a worker's initializer, and the writer's for
    each source it imports (`importer.rarer_collections`)."""
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def worker_pool() -> Iterator[ProcessPoolExecutor]:
    """A pool of WORKERS processes; a worker that dies becomes a FeedarchiveError that says
    the usual cause."""
    # Workers start from a small server process rather than a copy of this one, so their
    # memory does not include the writer's.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    try:
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context,
                                 initializer=collect_rarely) as pool:
            yield pool
    except BrokenProcessPool:
        raise FeedarchiveError(
            "a worker process died; when calling feedarchive from a script, put the call "
            "under `if __name__ == \"__main__\":` (worker processes import the main module)"
        ) from None


def in_workers(pool: Executor, work: Callable, units: Iterable) -> Iterator:
    """`map(work, units)` in the pool's processes, in order, with a bounded number of units
    in flight so memory stays flat however long the input is."""
    pending: deque[Future] = deque()
    for unit in units:
        pending.append(pool.submit(work, unit))
        if len(pending) >= 2 * WORKERS:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


# --- Units of work ---------------------------------------------------------------------------

def prepare_posts(decision: DocumentRepair, platform: Optional[str],
                  posts: list[Post]) -> list[Post]:
    """Repair a batch and give each post its base id, and the key a scrape's copy and an
    export's copy of it share; runs in worker processes for large sources. Numbering identical
    texts apart needs the whole source, so the writer does it."""
    matched = platform in MATCHED_PLATFORMS
    for post in repair_posts(decision, posts):
        if post.native_id and platform:
            post.id = native_post_id(platform, post.native_id)
        else:
            post.id = post_id(post.author, post.text or "")
        if matched:
            post.match_key = match_key(post.text or "")
    return posts


def parse_and_prepare(parse: Callable, decision: DocumentRepair, platform: Optional[str],
                      unit) -> tuple[list[Post], list[str]]:
    """One unit of work: a block of a large source, parsed, repaired and identified."""
    posts, warnings = parse(unit)
    return prepare_posts(decision, platform, posts), warnings


class Row(NamedTuple):
    """One post of the stored timeline as the marker stitcher needs it."""

    position: int
    id: str
    text: Optional[str]  # None for a post with a platform id: reply ids stitch those


def window_post(handle: str, row: Row) -> Post:
    """A stored post as the marker stitcher reads it: id and text."""
    post = Post("", handle, text=row.text)
    post.id = row.id
    return post


class WindowTimeline(Mapping):
    """Rows as {rank: post}: iterating yields the marked ranks only (all the stitcher reads
    markers from), any other post of the window is there when asked for (a neighbour).

    A rank's post is made the first time it is asked for, then kept (threads and candidates
    hold that one object): most posts of a window are never looked at, and making a `Post`
    costs more than testing its text for a marker."""

    def __init__(self, handle: str, rows: list[Row], first_rank: int):
        self.handle, self.rows, self.first_rank = handle, rows, first_rank
        self.posts: dict[int, Post] = {}
        # Tested here, in the process that stitches, not by the one that reads the rows.
        self.marked = [first_rank + i for i, row in enumerate(rows)
                       if row.text is not None and may_carry_marker(row.text)]

    def __iter__(self) -> Iterator[int]:
        return iter(self.marked)

    def __len__(self) -> int:
        return len(self.marked)

    def __contains__(self, rank: object) -> bool:
        index = rank - self.first_rank if isinstance(rank, int) else -1
        return 0 <= index < len(self.rows) and self.rows[index].text is not None

    def __getitem__(self, rank: int) -> Post:
        post = self.posts.get(rank)
        if post is None:
            if rank not in self:
                raise KeyError(rank)
            post = self.posts[rank] = window_post(self.handle, self.rows[rank - self.first_rank])
        return post


def stitch_rows(handle: str, rows: list[Row], first_rank: int, complete: bool) -> StitchResult:
    """Stitch a window; `complete`: it reaches the oldest post (nothing lies below)."""
    timeline = WindowTimeline(handle, rows, first_rank)
    return texts_dropped(stitch_timeline(timeline, first_rank + len(rows) + (0 if complete else 1)))


def texts_dropped(result: StitchResult) -> StitchResult:
    """The result with the texts its writer does not read: the rows are in the archive, and
    only a thread's first part's text is read again (for its title). A window's result
    crosses from a worker to the writer: this halves what is pickled."""
    for thread in result.threads:
        for part in thread.parts[1:]:
            part.text = ""
    for candidate in result.candidates:
        candidate.post.text = ""
    return result
