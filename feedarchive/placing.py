"""Placing a source's new posts on an author's stored timeline, touching only what moves.

`posts.position` orders one author's timeline, smaller is newer. Positions are sparse: posts
placed above the newest take smaller numbers (negative ones too), a group placed between two
posts takes the free numbers between theirs, and only when too few are free is one side of the
timeline shifted, the shorter side. A post that leaves leaves a gap. So the usual re-scrape, a
few new posts on top of a long timeline, writes its own rows and nothing else. Only the order
means anything: the thread stage counts distance in posts (ranks), never in position numbers.

A source's new posts by an author who already has posts are written unplaced (position null)
and placed here: by date on a timeline dated throughout, else beside the posts the source
shares with the archive (`place_beside_anchors`).
"""
from __future__ import annotations

from typing import Iterable, Optional

import sqlite_utils

# Past this share of new or changed posts, ordering a dated timeline afresh, or stitching all
# of it, is cheaper than placing each post or stitching around each one.
REORDER_SHARE = 0.125


def merge_timeline(existing: list[str], incoming: list[str]) -> list[str]:
    """One timeline order (newest first) from what the archive has and a new scrape.

    Posts the two share anchor the merge: new posts go just above the next shared post they
    precede in the scrape, or just below the last shared one. A scrape sharing nothing is
    taken as newer than the archive, the usual case when one scrapes again later.

    This is the rule on whole lists, the way to read it; `place_beside_anchors` applies it
    where the posts land without loading the timeline, and tests check the two agree.

    >>> merge_timeline(["c", "b", "a"], ["e", "d", "c", "b"])
    ['e', 'd', 'c', 'b', 'a']
    >>> merge_timeline(["b", "a"], ["d", "c"])
    ['d', 'c', 'b', 'a']
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


def position_of(db: sqlite_utils.Database, post_id: str) -> Optional[int]:
    row = db.execute("select position from posts where id = ?", [post_id]).fetchone()
    return row[0] if row else None


def position_above(db: sqlite_utils.Database, handle: str, position: int) -> Optional[int]:
    """The position of the placed post just newer than `position`, if any."""
    return db.execute("select max(position) from posts where author = ? and position < ?",
                      [handle, position]).fetchone()[0]


def position_below(db: sqlite_utils.Database, handle: str, position: int) -> Optional[int]:
    """The position of the placed post just older than `position`, if any."""
    return db.execute("select min(position) from posts where author = ? and position > ?",
                      [handle, position]).fetchone()[0]


def top_position(db: sqlite_utils.Database, handle: str) -> Optional[int]:
    return db.execute("select min(position) from posts where author = ?", [handle]).fetchone()[0]


def bottom_position(db: sqlite_utils.Database, handle: str) -> Optional[int]:
    return db.execute("select max(position) from posts where author = ?", [handle]).fetchone()[0]


def make_room(db: sqlite_utils.Database, handle: str, above: Optional[int],
              below: Optional[int], count: int) -> int:
    """The first of `count` consecutive free positions between `above` and `below` (both
    excluded; None is the end of the timeline on that side).

    When fewer are free, the shorter side of the timeline moves away by what is missing, and
    its threads' positions with it: inserting near the top of a long timeline moves the few
    posts above, not the many below."""
    if above is None:
        return (below if below is not None else count) - count
    if below is None or below - above - 1 >= count:
        return above + 1
    need = count - (below - above - 1)
    if side_is_shorter(db, handle, "position <= ?", above, "position >= ?", below):
        shift, where, first = -need, "position <= ?", above - need + 1
        bound = above
    else:
        shift, where, first = need, "position >= ?", above + 1
        bound = below
    for table in ("posts", "threads"):
        db.execute(f"update {table} set position = position + ? where author = ? and {where}",
                   [shift, handle, bound])
    return first


def side_is_shorter(db: sqlite_utils.Database, handle: str, side: str, bound: int,
                    other_side: str, other_bound: int) -> bool:
    """Whether fewer posts lie on `side` of a gap than on the other, counting each side only
    as far as needed: the two are counted in growing steps until one runs out."""
    step = 256
    while True:
        counts = [db.execute(f"select count(*) from (select 1 from posts where author = ? "
                             f"and {where} limit ?)", [handle, at, step]).fetchone()[0]
                  for where, at in ((side, bound), (other_side, other_bound))]
        if min(counts) < step:
            return counts[0] <= counts[1]
        step *= 8


def put(db: sqlite_utils.Database, handle: str, ids: list[str], above: Optional[int],
        below: Optional[int]) -> list[int]:
    """Give `ids`, in timeline order, the positions between `above` and `below`."""
    first = make_room(db, handle, above, below, len(ids))
    placed = list(range(first, first + len(ids)))
    db.conn.executemany("update posts set position = ? where id = ?", zip(placed, ids))
    return placed


def place_beside_anchors(db: sqlite_utils.Database, handle: str, incoming: list[str],
                         fresh: set[str]) -> list[int]:
    """Place a source's `fresh` posts by the posts it shares with the archive (its anchors).

    `incoming` is all the source's posts by `handle` in timeline order. New posts go just above
    the next shared post they precede in the source, or just below the last shared one; a
    source sharing nothing is taken as newer than the archive, the usual case when one scrapes
    again later. Returns the positions given."""
    placed: list[int] = []
    if not any(post not in fresh for post in incoming):
        top = top_position(db, handle)
        return put(db, handle, [p for p in incoming if p in fresh], None, top)
    pending: list[str] = []
    last_anchor = None
    for post in incoming:
        if post in fresh:
            pending.append(post)
            continue
        last_anchor = post
        if pending:
            at = position_of(db, post)
            placed += put(db, handle, pending, position_above(db, handle, at), at)
            pending = []
    if pending:
        at = position_of(db, last_anchor)
        placed += put(db, handle, pending, at, position_below(db, handle, at))
    return placed


def first_at_or_after(db: sqlite_utils.Database, handle: str, position: int) -> Optional[tuple]:
    """(created_at, id, position) of the first placed post at or after `position`."""
    return db.execute("select created_at, id, position from posts where author = ? "
                      "and position >= ? order by position limit 1", [handle, position]).fetchone()


def first_older(db: sqlite_utils.Database, handle: str, created_at: str,
                post_id: str) -> Optional[int]:
    """The position of the newest placed post older than (created_at, id), by binary search
    over positions: on a timeline dated throughout, position order is date order."""
    lo, hi = top_position(db, handle), bottom_position(db, handle)
    if lo is None:
        return None
    found = None
    while lo <= hi:
        middle = (lo + hi) // 2
        row = first_at_or_after(db, handle, middle)
        if row is None:
            hi = middle - 1
            continue
        if (row[0], row[1]) < (created_at, post_id):
            found, hi = row[2], middle - 1
        else:
            lo = row[2] + 1
    return found


def place_by_date(db: sqlite_utils.Database, handle: str,
                  fresh: Iterable[tuple[str, str]]) -> list[int]:
    """Place new dated posts, (id, created_at), on a timeline kept in date order (newest
    first, ties by id descending), each group just above the first older post."""
    groups: dict[Optional[int], list[str]] = {}
    for post_id, created_at in sorted(fresh, key=lambda f: (f[1], f[0]), reverse=True):
        groups.setdefault(first_older(db, handle, created_at, post_id), []).append(post_id)
    placed: list[int] = []
    # Anchors are named by id: putting one group can shift the positions of the others.
    anchors = {at: (db.execute("select id from posts where author = ? and position = ?",
                               [handle, at]).fetchone()[0] if at is not None else None)
               for at in groups}
    for at, ids in groups.items():
        anchor = anchors[at]
        if anchor is None:
            placed += put(db, handle, ids, bottom_position(db, handle), None)
        else:
            here = position_of(db, anchor)
            placed += put(db, handle, ids, position_above(db, handle, here), here)
    return placed


def order_by_date(db: sqlite_utils.Database, handle: str) -> None:
    """Number a dated timeline 0..n-1 by date, newest first, whatever order sources came in."""
    db.execute(
        """
        with ordered as (select id, row_number() over (order by created_at desc, id desc) - 1
                         as rank from posts where author = ?)
        update posts set position = ordered.rank from ordered
        where posts.id = ordered.id and posts.position is not ordered.rank
        """,
        [handle],
    )
