"""Repair stage: undo mis-decodings, keeping a record of every change.

A scraper mis-decodes a whole file one way, so what happened is decided once per document
(`diagnose`) from all its texts, then applied to every field (`DocumentRepair.fix`). The
package is in layers; a module imports only from layers below its own, never a private name
(`tests/test_layers.py` checks both):

    repair/__init__       the public API, re-exported
      document            repair_document, repair_streamed, repair_posts, document_evidence,
                          fix_document_text
      diagnose            which mis-decoding a document went through
      fix                 DocumentRepair: apply a diagnosis to one text, recording Repairs
      diff  exact         changed spans; codecs and their exact inversion
      lossy/              the lossy Thai damage, whose lost bytes are guessed:
        choose            the best character per damaged group, with its confidence
        languages         which languages a text is in, read from the text and its document
        words             word lattices for a text's own language (wordfreq's words)
        chain  styled     forward-backward over neighbours; math-alphabet words read whole
        thai  japanese    word lattices (PyThaiNLP's words; Mozc's dictionary and grammar)
        context           rules on neighbours: bigrams, classes, quotes, emoji sequences
        lattice  mecab    lattice maths shared by both lattices; the MeCab dictionary reader
        syllables         what Thai syllable follows what (TLTK's data, the `thai` extra)
        damage  prior  emoji
                          the byte-damage parser and damaged forms; character priors
                          (wordfreq); emoji sequences and names (`emoji`)
        candidates  cache  mapped
                          a candidate table, owning what is derived from it; scored options;
                          the models' tables, built once and memory-mapped from disk; the
                          shapes they take there (columns of strings, an index by string)
    tuning                the tuned weights with their origin, read by every layer

The language models load on first use only: `lossy.choose` (and with it wordfreq, PyThaiNLP's
data and Mozc's dictionary) is imported when a document is diagnosed as lossy Thai, so a clean
file, `feedarchive --help` and `feedarchive serve` never load one. What the models derive from
that data is built once per installation, in the user's cache folder (`lossy.cache`).
"""
from __future__ import annotations

from .diagnose import diagnose
from .document import (
    document_evidence,
    fix_document_text,
    repair_document,
    repair_page,
    repair_posts,
    repair_profile_and_pages,
    repair_streamed,
)
from .fix import DocumentRepair

__all__ = [
    "DocumentRepair",
    "diagnose",
    "document_evidence",
    "fix_document_text",
    "repair_document",
    "repair_page",
    "repair_posts",
    "repair_profile_and_pages",
    "repair_streamed",
]
