"""Search result snippets, made here rather than by FTS5's snippet().

snippet() reads the whole document and costs time quadratic in how often a term repeats in it
(a 1 MB post of `word word …` took minutes), inside one SQLite call that the SQL time limit
cannot interrupt. Here a result costs at most SCAN_BYTES of its text: the first match in them
is found by tokenizing as the index's `unicode61` tokenizer does (letters, numbers, marks and
private-use characters; case and Latin diacritics folded), and the snippet is about
SNIPPET_TOKENS tokens (at most SNIPPET_CHARS characters) around it, with every matching token
between markers: a word, a word of the same English stem (the index's `porter`), a prefix,
or, inside a run of Chinese, Japanese, Thai… (one token), each place a gram term occurs. A text whose first SCAN_BYTES hold no match (its match lies further on) is
searched with SQLite's `instr` when it is at most DEEP_SCAN_BYTES long; otherwise, or when
`instr` cannot find the word as written (a case or accent the folding matched), the snippet is
the text's start.
"""
from __future__ import annotations

import re
import sys
import unicodedata
from collections import deque
from functools import lru_cache
from typing import Callable, NamedTuple

from feedarchive.textindex import GRAM_SPLIT

from .limits import read_text

SCAN_BYTES = 32_768
DEEP_SCAN_BYTES = 8 * 1024 * 1024
SNIPPET_TOKENS = 32
LEAD_TOKENS = 6  # tokens shown before the first match, when the window must start later
SNIPPET_CHARS = 600
ELLIPSIS = "…"


@lru_cache(maxsize=1)
def token_pattern() -> re.Pattern:
    """A token as unicode61 sees one: a run of letters, numbers (`[^\\W_]`), marks (M*) and
    private-use characters (Co). The marks are listed from unicodedata once, on first use."""
    ranges, start, previous = [], None, 0
    scan = list(range(0x20000)) + list(range(0xE0000, 0xE1000))
    for cp in scan + [sys.maxunicode + 1]:
        ok = cp <= sys.maxunicode and (unicodedata.category(chr(cp))[0] == "M"
                                       or 0xE000 <= cp <= 0xF8FF)
        if ok and start is None:
            start = cp
        elif not ok and start is not None:
            ranges.append((start, previous))
            start = None
        previous = cp
    ranges += [(0xF0000, 0xFFFFD), (0x100000, 0x10FFFD)]
    marks = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "")
                    for a, b in ranges)
    return re.compile(f"(?:[^\\W_]|[{marks}])+")


def fold(token: str) -> str:
    """Case and Latin diacritics removed, as unicode61 (remove_diacritics=1) indexes a token."""
    if token.isascii():
        return token.lower()
    decomposed = unicodedata.normalize("NFD", token)
    stripped = "".join(ch for ch in decomposed if not "\u0300" <= ch <= "\u036f")
    return unicodedata.normalize("NFC", stripped).lower()


class Term(NamedTuple):
    """One token of the user's words: `folded` as the word index folds it, `prefix` for a
    `word*`, `typed` as written (for `instr`), `gram` for a run of a gram script (Chinese,
    Japanese, Thai, …), which matches anywhere inside a token rather than as a whole one."""

    folded: str
    prefix: bool
    typed: str
    gram: bool = False


@lru_cache(maxsize=1)
def english_stemmer():
    """The Porter stemmer, as the word index's `porter` tokenizer stems English tokens."""
    import snowballstemmer

    return snowballstemmer.stemmer("porter")


def query_terms(q: str) -> list[Term]:
    """The terms of the user's words, split as `textindex.split_query` splits them."""
    terms = []
    for word in re.findall(r"[^\s\"]+", q):
        prefix = word.endswith("*")
        word = word.strip("*#@")
        tokens = token_pattern().findall(word)
        for i, token in enumerate(tokens):
            pieces = GRAM_SPLIT.split(token)
            for j, piece in enumerate(pieces):
                if j % 2:
                    terms.append(Term(piece, False, piece, gram=True))
                elif piece:
                    last = i == len(tokens) - 1 and j == len(pieces) - 1
                    terms.append(Term(fold(piece), prefix and last, piece))
    return terms


def matcher(terms: list[Term]) -> Callable[[str], list[tuple[int, int]]]:
    """A function giving, for a token of a text, the spans of it to mark: all of it when it is
    one of the words (or has its English stem, or starts with a prefix), and each place a
    gram-script term occurs inside it."""
    words = {t.folded for t in terms if not t.prefix and not t.gram}
    prefixes = tuple(t.folded for t in terms if t.prefix)
    runs = [t.folded for t in terms if t.gram]
    stem = english_stemmer().stemWord
    stems = {stem(word) for word in words if word.isascii()}

    def marks(token: str) -> list[tuple[int, int]]:
        folded = fold(token)
        if folded in words or (prefixes and folded.startswith(prefixes)) or (
                stems and folded.isascii() and stem(folded) in stems):
            return [(0, len(token))]
        found: list[tuple[int, int]] = []
        for run in runs:
            at = token.find(run)
            while at >= 0:
                found.append((at, at + len(run)))
                at = token.find(run, at + len(run))
        return merged(found)

    return marks


def merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Overlapping or touching spans as one, in order."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def make_snippet(text: str, terms, mark_open: str, mark_close: str, *, cut_before=False,
                 cut_after=False) -> str:
    """About SNIPPET_TOKENS tokens of `text` around its first matching token (or its start),
    each matching token between the markers, `…` where text was left out. `cut_before` and
    `cut_after` say that `text` is a piece of a longer text (a token at a cut is left out)."""
    marks = matcher(terms)
    spans = token_pattern().finditer(text)
    first_tokens: list = []  # the window when nothing matches
    before: deque = deque(maxlen=SNIPPET_TOKENS)
    seen_before = 0
    after: list = []  # the first match and the tokens after it
    more = False  # tokens past those collected
    for span in spans:
        if (cut_before and span.start() == 0) or (cut_after and span.end() == len(text)):
            continue
        if after:
            if len(after) >= SNIPPET_TOKENS:
                more = True
                break
            after.append(span)
        elif marks(span.group()):
            after.append(span)
        else:
            if len(first_tokens) <= SNIPPET_TOKENS:
                first_tokens.append(span)
            before.append(span)
            seen_before += 1
    if after:
        n_after = min(len(after), SNIPPET_TOKENS - min(LEAD_TOKENS, len(before)))
        n_lead = min(len(before), SNIPPET_TOKENS - n_after)
        window = list(before)[len(before) - n_lead:] + after[:n_after]
        from_first = n_lead == seen_before
        to_last = n_after == len(after) and not more
    else:
        window = first_tokens[:SNIPPET_TOKENS]
        from_first, to_last = True, len(first_tokens) <= SNIPPET_TOKENS
    if not window:
        start, end = 0, min(len(text), SNIPPET_CHARS)
    else:
        start = 0 if from_first and not cut_before else window[0].start()
        end = len(text) if to_last and not cut_after else window[-1].end()
    if end - start > SNIPPET_CHARS:  # long tokens, or long runs of spaces or punctuation
        match_at = after[0].start() + marks(after[0].group())[0][0] if after else start
        start = max(start, min(match_at - SNIPPET_CHARS // 4, end - SNIPPET_CHARS))
        end = min(end, start + SNIPPET_CHARS)
    out = [ELLIPSIS] if start > 0 else []
    last = start
    for span in window:
        for mark_start, mark_end in marks(span.group()):
            a = max(span.start() + mark_start, start, last)
            b = min(span.start() + mark_end, end)
            if a < b:
                out += [text[last:a], mark_open, text[a:b], mark_close]
                last = b
    out.append(text[last:end])
    if end < len(text) or cut_after:
        out.append(ELLIPSIS)
    return "".join(out)


def result_snippet(conn, table: str, column: str, rowid: int, terms, mark_open: str,
                   mark_close: str) -> str:
    """The snippet of one search result, read from its stored text within the budget above."""
    head, size = read_text(conn, table, column, rowid, SCAN_BYTES)
    if head is None:
        return ""
    longer = size > SCAN_BYTES
    snippet = make_snippet(head, terms, mark_open, mark_close, cut_after=longer)
    if mark_open in snippet or not longer or size > DEEP_SCAN_BYTES or not terms:
        return snippet
    # The match lies past the first SCAN_BYTES: find the word as written (or in lower, title
    # or upper case) with instr, and show the text around it.
    spellings = sorted({s for term in terms for s in (
        term.typed, term.typed.lower(), term.typed.capitalize(), term.typed.upper())})
    found = conn.execute(
        f"select length([{column}]), {', '.join(f'instr([{column}], ?)' for _ in spellings)} "
        f"from [{table}] where rowid = ?", [*spellings, rowid]).fetchone()
    positions = [p for p in (found or ())[1:] if p]
    if not positions:
        return snippet
    length, at = found[0], min(positions)
    start = max(1, at - SNIPPET_CHARS)
    piece = conn.execute(f"select substr([{column}], ?, ?) from [{table}] where rowid = ?",
                         [start, 3 * SNIPPET_CHARS, rowid]).fetchone()[0] or ""
    return make_snippet(piece, terms, mark_open, mark_close, cut_before=start > 1,
                        cut_after=start - 1 + len(piece) < length)
