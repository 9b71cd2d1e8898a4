"""Worker processes for the CPU-bound stages, with one writer staying in the calling process.

An import parses and repairs a large source's blocks in workers (`importer`), and a long
timeline's full re-stitch stitches its windows there (`restitch`): SQLite has one writer, so
the writer's process should only write while the other cores compute.
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from .errors import FeedarchiveError

WORKERS = 2


@contextmanager
def worker_pool() -> Iterator[ProcessPoolExecutor]:
    """A pool of WORKERS processes; a worker that dies becomes a FeedarchiveError that says
    the usual cause."""
    # Workers start from a small server process rather than a copy of this one, so their
    # memory does not include the writer's.
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else None)
    try:
        with ProcessPoolExecutor(max_workers=WORKERS, mp_context=context) as pool:
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
