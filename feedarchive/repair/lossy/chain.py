"""The chain: neighbouring damaged characters decided together by forward-backward.

The groups of a text form a chain; each option has a unary score (`context.unary_score`) and
each pair of neighbouring options a link (`context.left_score` + `right_score`). Forward-
backward in probability space, renormalised at every step, gives each option's marginal.
"""
from __future__ import annotations

import math
from operator import mul

from .candidates import Option
from .context import left_score, right_score, unary_score
from .damage import Group


def ends(group: Group) -> set[int]:
    """Where the readings of a group end."""
    return {r.end for r in group.readings}


_PAIR_CACHE: dict[tuple, tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]] = {}


def _pair_matrix(left: tuple, right: tuple[str, ...], raw: str):
    """Link weights (exp of scores) between the options of two neighbouring groups, as rows
    and as columns, cached by their contents.

    `left` holds (character, touches) per option of the first group: a touching option is
    scored against each option of the second; one that leaves real text `raw` between them
    lets the second see that text instead (`raw` is '' when no reading of the first touches).
    """
    key = (left, right, raw)
    found = _PAIR_CACHE.get(key)
    if found is not None:
        return found
    rows = []
    exp = math.exp
    for a, touches in left:
        if touches:
            rows.append(tuple(exp(right_score(a, b) + left_score(b, a)) for b in right))
        elif raw:
            rows.append(tuple(exp(left_score(b, raw)) for b in right))
        else:
            rows.append((1.0,) * len(right))
    found = (tuple(rows), tuple(zip(*rows)))
    if len(_PAIR_CACHE) > 50_000:
        _PAIR_CACHE.clear()
    _PAIR_CACHE[key] = found
    return found


def forward_backward(
    text: str, groups: list[Group], options: list[list[Option]]
) -> list[list[float]]:
    """Marginal probability of every option, by forward-backward in probability space (each
    step renormalised, so nothing underflows)."""
    n = len(groups)
    touched = [False] + [
        any(e == groups[g].start for e in ends(groups[g - 1])) for g in range(1, n)
    ]
    unary = []
    for g in range(n):
        scores = [unary_score(text, groups, g, o, touched[g]) for o in options[g]]
        top = max(scores)
        unary.append([math.exp(x - top) for x in scores])
    pair = []
    for g in range(n - 1):
        start = groups[g + 1].start
        left = tuple((o.char, o.end == start) for o in options[g])
        right = tuple(o.char for o in options[g + 1])
        pair.append(_pair_matrix(left, right, text[start - 1] if touched[g + 1] else ""))
    alpha = [_normalised(unary[0])]
    for g in range(1, n):
        prev = alpha[-1]
        columns = pair[g - 1][1]
        alpha.append(_normalised([
            u * sum(map(mul, prev, column)) for u, column in zip(unary[g], columns)
        ]))
    beta = [[1.0] * len(options[n - 1])]
    for g in range(n - 2, -1, -1):
        ahead = list(map(mul, unary[g + 1], beta[0]))
        beta.insert(0, _normalised([sum(map(mul, row, ahead)) for row in pair[g][0]]))
    return [_normalised(list(map(mul, a, b))) for a, b in zip(alpha, beta)]


def _normalised(weights: list[float]) -> list[float]:
    total = sum(weights)
    if total <= 0.0 or total != total:
        return [1.0 / len(weights)] * len(weights)
    return [w / total for w in weights]


