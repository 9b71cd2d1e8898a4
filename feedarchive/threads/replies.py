"""Stitching by reply ids: an author's chain of replies to their own posts.

Reply ids are proof, so no candidates are guessed; markers, when the parts carry them, only
supply the declared total and what is missing.
"""
from __future__ import annotations

from ..identity import thread_id
from ..models import Post, Thread
from .markers import find_marker
from .nodes import StitchResult, id_of, missing_parts, post_text


def _self_reply_children(posts: list[Post], reply_to: dict[str, str]) -> dict[str, list[Post]]:
    """Children of each post that are replies by the same author (a self-reply).

    >>> posts = [Post("2/2: more", "ada", id="b"), Post("Nice!", "bo", id="x"),
    ...          Post("1/2: First", "ada", id="a")]
    >>> {parent: [p.id for p in kids] for parent, kids in
    ...  _self_reply_children(posts, {"b": "a", "x": "a"}).items()}
    {'a': ['b']}
    """
    by_id = {p.id: p for p in posts if p.id}
    children: dict[str, list[Post]] = {}
    for post in posts:
        parent = by_id.get(reply_to.get(post.id or ""))
        if parent is not None and parent is not post and parent.author.lower() == post.author.lower():
            children.setdefault(parent.id, []).append(post)
    return children


def _reading_order(root: Post, children: dict[str, list[Post]], age: dict[int, int]) -> list[Post]:
    """Depth-first from the root, older replies first: covers both chain and star shapes.

    A star: both replies answer the root; the older one (further down the page) comes first.

    >>> root, older, newer = (Post(text, "ada", id=text[0]) for text in ("root", "a", "b"))
    >>> age = {id(newer): 3, id(older): 2, id(root): 1}
    >>> [p.id for p in _reading_order(root, {"r": [newer, older]}, age)]
    ['r', 'a', 'b']
    """
    out, stack, seen = [], [root], set()
    while stack:
        post = stack.pop()
        if id(post) in seen:
            continue
        seen.add(id(post))
        out.append(post)
        kids = sorted(children.get(post.id, []), key=lambda p: age[id(p)])
        stack.extend(reversed(kids))
    return out


def stitch_replies(posts: list[Post], reply_to: dict[str, str]) -> StitchResult:
    """Threads from reply ids: an author's chain of replies to their own posts.

    Both shapes authors use are covered: each part replying to the previous one, or every part
    replying to the first. Reply ids are proof, so no candidates are guessed; markers, when the
    parts carry them, only supply the declared total and what is missing.

    Newest first, as a page shows them; another author's reply is no part:

    >>> posts = [Post("3/3: done", "ada", id="c"), Post("Nice!", "bo", id="x"),
    ...          Post("2/3: then this", "ada", id="b"), Post("1/3: First", "ada", id="a")]
    >>> thread = stitch_replies(posts, {"c": "b", "b": "a", "x": "a"}).threads[0]
    >>> [p.id for p in thread.parts], thread.declared_total, thread.missing
    (['a', 'b', 'c'], 3, [])
    """
    children = _self_reply_children(posts, reply_to)
    by_id = {p.id: p for p in posts if p.id}
    age = {id(p): len(posts) - i for i, p in enumerate(posts)}  # larger = newer
    result = StitchResult()
    for post in reversed(posts):  # oldest first, so threads come out in posting order
        parent = by_id.get(reply_to.get(post.id or ""))
        is_root = parent is None or parent.author.lower() != post.author.lower()
        if not is_root or post.id not in children:
            continue
        parts = _reading_order(post, children, age)
        result.threads.append(_reply_thread(parts, reply_to))
    place = {id(p): i for i, p in enumerate(posts)}
    result.threads.sort(key=lambda t: min(place[id(p)] for p in t.parts))
    return result


def _reply_thread(parts: list[Post], reply_to: dict[str, str]) -> Thread:
    """Make the Thread for a self-reply chain and stamp its parts.

    >>> parts = [Post("1/4: First", "ada", id="a"), Post("2/4: Second", "ada", id="b")]
    >>> thread = _reply_thread(parts, {"b": "a"})
    >>> thread.declared_total, thread.missing, parts[1].thread_index, thread.evidence
    (4, [3, 4], 2, 'Self-reply chain by ada: each part replies to the one before.')
    """
    author = parts[0].author
    tid = thread_id(author, id_of(parts[0]))
    markers = [find_marker(post_text(p)) for p in parts]
    totals = {m.total for m in markers if m and m.total}
    declared = totals.pop() if len(totals) == 1 else None
    numbers = [m.part for m in markers if m and m.part]
    missing = missing_parts(numbers, declared) if numbers and declared else []
    star = all(reply_to.get(p.id) == parts[0].id for p in parts[1:])
    shape = ("every part replies to the first" if star and len(parts) > 2 else
             "each part replies to the one before" if all(
                 reply_to.get(b.id) == a.id for a, b in zip(parts, parts[1:]))
             else "parts reply to earlier parts")
    for index, (post, marker) in enumerate(zip(parts, markers), start=1):
        post.thread_id, post.thread_index = tid, index
        post.thread_marker = marker.text if marker else None
    return Thread(id=tid, author=author, parts=parts, declared_total=declared, missing=missing,
                  confidence=1.0, method="replies",
                  evidence=f"Self-reply chain by {author}: {shape}.")
