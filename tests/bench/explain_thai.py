"""Why the Thai word lattice read a sentence as it did: a documented command, not a test.

    .venv/bin/python tests/bench/explain_thai.py "ประโยคที่คุณเขียนเอง" [...]

Damages each sentence given (the lossy Thai damage, `heldout.thai_lossy`), repairs it, and for
every run the Thai lattice decided otherwise than the original prints two paths through that
run's lattice (`thai.span_lattice`): the one it chose and the best one that spells the
original, each word with its own score (the log probability of the word, or of a character
as an out-of-vocabulary token; a space between groups is an edge too) and what the syllable
context added after the path before it, and each path's total (the end of the run included).

A wrong reading is then one of two things: a path that outscores the original's (the model
prefers it: word frequencies or context would have to change), or no path that spells the
original at all (a word the lexicon lacks or drops, `WORDS_PER_FORM`). Run it on text you
write, never on held-out text: issue 21's rules keep the held-out sets for scores only.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from feedarchive.repair import diagnose  # noqa: E402
from feedarchive.repair.lossy import choose  # noqa: E402
from feedarchive.repair.lossy.lattice import Context, Edge, best_edges_in_context  # noqa: E402
from feedarchive.repair.lossy.thai import span_lattice  # noqa: E402
from tests.bench.heldout import damage_starts, thai_lossy  # noqa: E402


def recorded_runs(raw: str) -> tuple[str, list[tuple]]:
    """`raw` repaired, and the arguments of every call the repair made to the word lattice
    (`decode_span`), recorded on the way."""
    calls: list[tuple] = []
    real = choose.decode_span

    def recording(*args):
        calls.append(args)
        return real(*args)

    choose.decode_span = recording
    try:
        fixed, _ = diagnose([raw]).fix(raw)
    finally:
        choose.decode_span = real
    return fixed, calls


def original_chars(text: str, groups) -> dict[int, str]:
    """Group index -> the character of `text` whose damaged form starts where the group does.

    >>> from feedarchive.repair.lossy.damage import parse_lossy
    >>> original_chars("วันนี้", parse_lossy(thai_lossy("วันนี้")).groups)[0]
    'ว'
    """
    at = {offset: char for offset, char in zip(damage_starts(text), text)}
    return {g: at.get(group.start, "") for g, group in enumerate(groups)}


def explain_run(text: str, args: tuple, truth: dict[int, str]) -> Optional[list[str]]:
    """Lines comparing the chosen path of one lattice run with the best that spells `truth`,
    or None when they are the same path."""
    lattice = span_lattice(*args)
    context = lattice.context or Context(lambda state, token: 0.0, None, {})
    where = (lattice.by_start, lattice.first, lattice.last, lattice.ends, context)
    chosen = best_edges_in_context(*where)
    wanted = best_edges_in_context(
        *where, keep=lambda edge: all(truth.get(g) == char for g, _, char in edge.picks))
    if [edge.picks for edge, _ in chosen[1]] == [edge.picks for edge, _ in wanted[1]]:
        return None
    raw = args[0]
    lines = []
    for name, (total, path) in (("chosen", chosen), ("original", wanted)):
        if total is None:
            lines.append(f"  {name}: no path spells it (a word missing from the lexicon?)")
            continue
        lines.append(f"  {name}: total {total:.2f}")
        lines += [_edge_line(raw, edge, state, context) for edge, state in path]
        closing = total - sum(context.step(state, edge) for edge, state in path)
        lines.append(f"    {'(its end)':<19} {0.0:7.2f}  context {closing:+.2f}")
    return lines


def _edge_line(raw: str, edge: Edge, state, context: Context) -> str:
    """One edge of a path: what it spells, its own score, what the context added."""
    spelled = "".join(char for _, _, char in edge.picks) or repr(raw[edge.start:edge.end])
    kind = "word" if len(edge.picks) > 1 else "char" if edge.picks else "raw"
    added = context.step(state, edge) - edge.score
    return f"    {spelled:<14} {kind:<4} {edge.score:7.2f}  context {added:+.2f}"


def explain(text: str) -> list[str]:
    """The report for one sentence: the original, the repair, and each run read otherwise."""
    raw = thai_lossy(text)
    fixed, calls = recorded_runs(raw)
    lines = [text, f"  repaired: {fixed}" + ("" if fixed == text else "  (differs)")]
    for args in calls:
        if args[4:5] and args[4] is not None:  # another language's lexicon, not Thai's
            continue
        found = explain_run(text, args, original_chars(text, args[1]))
        if found:
            lines += found
    return lines


def main(argv: Optional[list[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sentences", nargs="+", help="Thai text you wrote (not held-out text)")
    for sentence in parser.parse_args(argv).sentences:
        print("\n".join(explain(sentence)))


if __name__ == "__main__":
    main()
