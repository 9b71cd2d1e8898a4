"""Repair stage: undo mis-decodings, keeping a record of every change.

A scraper mis-decodes a whole file the same way, so the decision of *what* happened is taken
once per document (`diagnose`), from the evidence of all its texts, and then applied to every
field (`DocumentRepair.fix`). ftfy is the first pass for anything the document-level repair does
not claim.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import ftfy

from .models import Document, Repair

# Settings that keep genuine content: curly quotes and full-width CJK punctuation are real text,
# and HTML entities are a per-format decision made by the format readers.
FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    unescape_html=False,
    explain=False,
)


def _needs_ftfy(text: str) -> bool:
    """ftfy cannot change printable ASCII without `&`; skipping it halves the cost of a corpus."""
    if text.isascii():
        return "&" in text or any(ord(c) < 32 and c not in "\n\t" or ord(c) == 127 for c in text)
    return True


@dataclass
class DocumentRepair:
    """What the document-level diagnosis decided, and the means to apply it to one field."""

    kind: str = "none"
    confidence: float = 1.0
    evidence: str = ""

    def fix(self, text: str, field: str = "text") -> tuple[str, list[Repair]]:
        if not text or not _needs_ftfy(text):
            return text, []
        fixed = ftfy.fix_text(text, config=FTFY_CONFIG)
        if fixed == text:
            return text, []
        return fixed, [Repair(field, 0, len(text), "ftfy", text, fixed, 1.0)]


def diagnose(texts: Iterable[str]) -> DocumentRepair:
    """Decide which mis-decoding, if any, a whole document went through."""
    return DocumentRepair()


def fix_document_text(text: str) -> tuple[str, list[Repair]]:
    """Repair one free-standing text, treated as a whole document (used by `fix-text`)."""
    return diagnose([text]).fix(text)


def repair_document(doc: Document) -> DocumentRepair:
    """Repair every text field of `doc` in place and return the diagnosis that was applied."""
    texts = [p.text_raw for p in doc.posts]
    if doc.profile is not None:
        texts += [v for v in (doc.profile.name, doc.profile.bio, doc.profile.location) if v]
    decision = diagnose(texts)
    if doc.profile is not None:
        profile = doc.profile
        for name in ("name", "bio", "location", "website"):
            value = getattr(profile, name)
            if value:
                fixed, repairs = decision.fix(value, name)
                profile.raw[name] = value
                setattr(profile, name, fixed)
                profile.repairs.extend(repairs)
    for post in doc.posts:
        post.text, post.repairs = decision.fix(post.text_raw, "text")
    return decision
