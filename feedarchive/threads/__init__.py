"""Thread stage: stitch posts into threads, from their markers or from reply ids.

A scraped profile page has no reply ids, so the only proof that posts form a thread is the
marker their author wrote on them (`1/5:`, `(2/8)`, `[3/3]`, `4/`, `🧵1/`...). Membership rests
on those markers alone; everything else (which of two `1/2` posts goes with which `2/2`, whether
a `🧵` head starts a run of `2/`, `3/` parts) is decided from the marker sequence, the declared
total, the author and the distance between posts on the timeline, and explained in the
thread's `evidence`. Unnumbered posts that look like an intro or a closing note are reported as
`candidates`, never mixed into the parts.

Input is in timeline order: index 0 is the newest post, as a profile page shows them. Parts can
sit newest-first (5/5 ... 1/5, the usual case), oldest-first, with other posts between them, or
partly missing. A wrong thread is worse than a missed one, so fractions, dates, ratings and
scores must never be read as markers: a marker has to stand at the very start or the very end of
the post, and the bare `k/n` form, which ordinary prose also uses, needs corroboration.

When a source does carry reply ids (account exports), `stitch_replies` builds the same
`StitchResult` from self-reply chains, so everything downstream has one code path.

The package is in layers; a module imports only from layers below its own, never a private
name (`tests/test_layers.py` checks both):

    threads/__init__     the public API, re-exported
      stitching replies  by markers (with `candidates`); by reply ids
      candidates         unnumbered posts offered beside a thread
      nodes              a marked post as a node of a chain; what both stitchers share
      markers  words     reading one post's marker; content words for tie-breaking
"""
from __future__ import annotations

from .candidates import PINNED_REACH
from .markers import Marker, find_marker, may_carry_marker
from .nodes import StitchResult
from .replies import stitch_replies
from .stitching import stitch, stitch_timeline

__all__ = ["PINNED_REACH", "Marker", "StitchResult", "find_marker", "may_carry_marker", "stitch",
           "stitch_replies", "stitch_timeline"]
