"""Where two versions of a text differ: the changed spans a repair is recorded by.

`changed_spans` is `difflib.SequenceMatcher`'s answer whenever that is cheap (every post and
ordinary page), and a linear-time walk through both texts otherwise, so a long page or a long
run of one character never takes minutes. A module of its own: it knows nothing of repairs.
"""
from __future__ import annotations

import bisect
from typing import Optional


# How a repaired text is compared with its raw text. difflib's SequenceMatcher (no junk) costs
# about sum(count in raw x count in fixed) steps per character at each level of its recursion:
# nothing for a post, but seconds to minutes for a long page, or for a long run of one
# character. Up to DIFF_STEPS steps its answer is taken as it is (every post and ordinary
# page); past that, both texts are walked together in linear time (`_walk_spans`).
# Origin (all six): bounds on work set by hand when the linear-time walk was written (commit
# 071388d), not tuned on a set; past DIFF_STEPS they decide how a long text's changes are cut
# into spans, never what is repaired.
DIFF_STEPS = 1_000_000
DIFF_ANCHOR = 8  # equal characters that make the texts agree again after a change
DIFF_NEAR = 48  # characters skipped (in both) within which the nearest agreement is sought
DIFF_FAR = 4096  # characters skipped (in one) within which a farther one is sought
DIFF_TRIES = 200_000  # places a walk may try in all before the rest is one span
DIFF_CONTEXT = 64  # equal characters shown on each side when a change is compared in detail


def changed_spans(raw: str, fixed: str) -> list[tuple[int, int, int, int]]:
    """(i1, i2, j1, j2) for each changed span, in order: `raw[i1:i2]` became `fixed[j1:j2]`.

    These are the non-equal opcodes of `difflib.SequenceMatcher(None, raw, fixed,
    autojunk=False)` whenever they take at most DIFF_STEPS steps; otherwise those of a walk
    through both texts (`_walk_spans`), which takes linear time.

    >>> changed_spans("cafÃ© crÃ¨me", "café crème")
    [(3, 5, 3, 4), (8, 10, 7, 8)]
    """
    found = _opcode_spans(raw, fixed, [DIFF_STEPS])
    return found if found is not None else _walk_spans(raw, fixed, [DIFF_STEPS])


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix of `a` and `b`, compared a block at a time."""
    size = min(len(a), len(b))
    done = 0
    block = 256
    while done < size:
        step = min(block, size - done)
        if a[done:done + step] == b[done:done + step]:
            done += step
        elif step == 1:
            break
        else:
            block = max(1, step // 8)
    return done


def _agreement(a: str, i: int, b: str, j: int) -> int:
    """How many characters `a[i:]` and `b[j:]` have in common at their start, compared in
    blocks that grow from a few characters (never a copy of the whole rest)."""
    total = 0
    block = 16
    while True:
        same = _common_prefix(a[i + total:i + total + block], b[j + total:j + total + block])
        total += same
        if same < block:
            return total
        block = min(block * 4, 4096)


def _opcode_spans(a: str, b: str, steps: list[int]) -> Optional[list[tuple[int, int, int, int]]]:
    """The non-equal opcodes of `difflib.SequenceMatcher(None, a, b, autojunk=False)`, as
    (i1, i2, j1, j2); None when finding them would take more than `steps[0]` steps (what they
    took is taken off `steps[0]`).

    The same algorithm (the longest matching block, leftmost in `a` then in `b`, then the same
    on each side of it), with the steps counted: each pair of equal characters looked at is
    one. A look through the positions of a character in `b` starts at the range's start (a
    bisection) instead of at the beginning, which changes the cost, not the result.
    """
    counts: dict[str, int] = {}
    for char in b:
        counts[char] = counts.get(char, 0) + 1
    if len(a) + sum(counts.get(char, 0) for char in a) > steps[0]:  # the first look alone
        return None
    positions: dict[str, list[int]] = {}
    for j, char in enumerate(b):
        positions.setdefault(char, []).append(j)
    nothing: list[int] = []
    blocks = []
    queue = [(0, len(a), 0, len(b))]
    while queue:
        alo, ahi, blo, bhi = queue.pop()
        besti, bestj, bestsize = alo, blo, 0
        j2len: dict[int, int] = {}
        for i in range(alo, ahi):
            js = positions.get(a[i], nothing)
            low = bisect.bisect_left(js, blo)
            high = bisect.bisect_left(js, bhi, low)
            steps[0] -= high - low + 1
            newj2len = {}
            for j in js[low:high]:
                k = newj2len[j] = j2len.get(j - 1, 0) + 1
                if k > bestsize:
                    besti, bestj, bestsize = i - k + 1, j - k + 1, k
            j2len = newj2len
        if steps[0] < 0:
            return None
        while besti > alo and bestj > blo and a[besti - 1] == b[bestj - 1]:
            besti, bestj, bestsize = besti - 1, bestj - 1, bestsize + 1
        while besti + bestsize < ahi and bestj + bestsize < bhi and \
                a[besti + bestsize] == b[bestj + bestsize]:
            bestsize += 1
        if bestsize:
            blocks.append((besti, bestj, bestsize))
            if alo < besti and blo < bestj:
                queue.append((alo, besti, blo, bestj))
            if besti + bestsize < ahi and bestj + bestsize < bhi:
                queue.append((besti + bestsize, ahi, bestj + bestsize, bhi))
    blocks.sort()
    found = []
    i = j = 0
    for ai, bj, size in blocks + [(len(a), len(b), 0)]:
        if i < ai or j < bj:
            found.append((i, ai, j, bj))
        i, j = ai + size, bj + size
    return found


def _walk_spans(a: str, b: str, steps: list[int]) -> list[tuple[int, int, int, int]]:
    """The changed spans of two long texts, in linear time.

    Both are walked from the start: past what they have in common, a change ends at the
    nearest place where they agree again (`_agree_again`). Where they do not, the rest up to
    their common suffix is one span. Each span is then compared in detail by `_opcode_spans`
    (while `steps` last), with some of the equal text on each side, more on the side where
    more of it runs: that is the side difflib would have matched first, which decides where
    in a repeated letter a change is put (`m\\x1b[0m` → `m`: the escape, or `m\\x1b[0`).
    """
    size_a, size_b = len(a), len(b)
    suffix = _common_prefix(a[::-1], b[::-1])
    rough: list[tuple[int, int, int, int]] = []
    runs: list[int] = []  # equal characters before each rough span, and after the last one
    tries = [DIFF_TRIES]
    i = j = 0
    while True:
        same = _agreement(a, i, b, j)
        runs.append(same)
        i, j = i + same, j + same
        if i == size_a and j == size_b:
            break
        end = _agree_again(a, i, b, j, tries)
        if end is None:
            tail = min(suffix, size_a - i, size_b - j)
            rough.append((i, size_a - tail, j, size_b - tail))
            runs.append(tail)
            break
        rough.append((i, end[0], j, end[1]))
        i, j = end
    found = []
    last = len(rough) - 1
    for index, (i1, i2, j1, j2) in enumerate(rough):
        before, after = runs[index], runs[index + 1]
        # The equal text after a span may reach back into it (`m\x1b[0m` → `m`: the `m`).
        back = 0
        while back < max(i2 - i1, j2 - j1) and min(i2, j2) > back and \
                a[i2 - 1 - back] == b[j2 - 1 - back]:
            back += 1
        # At most half of a run between two spans, so that no two windows overlap; and the
        # side difflib would match first (the longer, or the earlier) shown longer.
        left_at_most = before if index == 0 else before // 2
        right_at_most = after if index == last else after // 2
        if before >= after + back:
            left = min(left_at_most, DIFF_CONTEXT + back)
            right = min(right_at_most, DIFF_CONTEXT, max(0, left - back))
        else:
            right = min(right_at_most, DIFF_CONTEXT)
            left = min(left_at_most, DIFF_CONTEXT, max(0, right + back - 1))
        inner = _opcode_spans(a[i1 - left:i2 + right], b[j1 - left:j2 + right], steps)
        if inner is None:
            found.append((i1, i2, j1, j2))
        else:
            found += [(i1 - left + x1, i1 - left + x2, j1 - left + y1, j1 - left + y2)
                      for x1, x2, y1, y2 in inner]
    return found


def _agree_again(a: str, i: int, b: str, j: int, tries: list[int]) -> Optional[tuple[int, int]]:
    """Where `a` and `b`, which differ at `a[i]`/`b[j]`, agree again: the nearest (p, q) with
    DIFF_ANCHOR equal characters from there (or both ends), fewest characters skipped first,
    up to DIFF_NEAR skipped; then, skipping up to DIFF_NEAR in one, the nearest place up to
    DIFF_FAR on in the other. None when there is none, or `tries` ran out."""
    size_a, size_b = len(a), len(b)

    def agree(p: int, q: int) -> bool:
        if size_a - p < DIFF_ANCHOR or size_b - q < DIFF_ANCHOR:
            return size_a - p == size_b - q and a[p:] == b[q:]
        return a[p:p + DIFF_ANCHOR] == b[q:q + DIFF_ANCHOR]

    for skipped in range(1, DIFF_NEAR + 1):
        for di in range(max(0, skipped - (size_b - j)), min(skipped, size_a - i) + 1):
            tries[0] -= 1
            if agree(i + di, j + skipped - di):
                return i + di, j + skipped - di
        if tries[0] < 0:
            return None
    best = None
    for near in range(DIFF_NEAR + 1):  # `near` skipped in one text, up to DIFF_FAR in the other
        tries[0] -= 2 * DIFF_FAR // 64  # two searches through DIFF_FAR characters
        for p, q, swap in ((i + near, j, False), (j + near, i, True)):
            x, y = (b, a) if swap else (a, b)
            if p + DIFF_ANCHOR > len(x):
                continue
            at = y.find(x[p:p + DIFF_ANCHOR], q, q + DIFF_FAR + DIFF_ANCHOR)
            if at >= 0:
                point = (at, p) if swap else (p, at)
                if best is None or sum(point) < sum(best):
                    best = point
        if tries[0] < 0:
            return None
    return best
