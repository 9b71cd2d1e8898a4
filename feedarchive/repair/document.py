"""Repairing a whole document: diagnose it once, then fix every field.

The entry points the importer and the CLI use: `repair_document` for a document held whole,
`document_evidence` + `diagnose` + `repair_profile_and_pages` / `repair_posts` for one whose
posts stream in batches, and `fix_document_text` for one free-standing text (`fix-text`).
"""
from __future__ import annotations

from typing import Optional

from ..models import Document, OffersEvidence, Page, Post, Repair
from .diagnose import diagnose
from .fix import DocumentRepair


def fix_document_text(text: str) -> tuple[str, list[Repair]]:
    """Repair one free-standing text, treated as a whole document (used by `fix-text`)."""
    return diagnose([text]).fix(text)


EVIDENCE_TEXTS = 20_000  # texts that can show a mis-decoding: plenty to decide a document


def document_evidence(doc: Document) -> list[str]:
    """What the diagnosis looks at: profile and page texts, and the posts' non-ASCII texts
    (ASCII cannot show a mis-decoding), up to a cap so a huge file is never held whole. A
    lazily read timeline offers its own `evidence` (non-ASCII lines found without parsing)."""
    if doc.source_text is not None:  # one text: diagnosed whole, as `fix-text` does
        return [doc.source_text]
    texts = [page.text for page in doc.pages if page.text]
    if doc.profile is not None:
        texts += [v for v in (doc.profile.name, doc.profile.bio, doc.profile.location) if v]
    if isinstance(doc.posts, OffersEvidence):
        return texts + doc.posts.evidence(EVIDENCE_TEXTS)
    posts = [post.text for post in doc.posts if post.text and not post.text.isascii()]
    return texts + posts[:EVIDENCE_TEXTS]


def repair_profile_and_pages(doc: Document, decision: DocumentRepair) -> None:
    """Apply the document's diagnosis to its profile fields and pages, keeping the raw values."""
    if doc.profile is not None:
        profile = doc.profile
        for name in ("name", "bio", "location", "website"):
            value = getattr(profile, name)
            if value:
                fixed, repairs = decision.fix(value, name)
                profile.raw[name] = value
                setattr(profile, name, fixed)
                profile.repairs.extend(repairs)
    for page in doc.pages:
        repair_page(page, decision)


def repair_page(page: Page, decision: DocumentRepair) -> None:
    """Apply the diagnosis to every text of a page: its title, its text, each section's
    heading and text, each entry's text and venue. Each repair names its field
    (`page.title`, `page.entry.3.text`, …)."""
    page.repairs = []

    def fixed(value: Optional[str], name: str) -> Optional[str]:
        if not value:
            return value
        value, repairs = decision.fix(value, name)
        page.repairs.extend(repairs)
        return value

    page.title = fixed(page.title, "page.title")
    page.text = fixed(page.text or "", "page.text")
    for index, section in enumerate(page.sections):
        for key in ("heading", "text"):
            if isinstance(section.get(key), str):
                section[key] = fixed(section[key], f"page.section.{index}.{key}")
    for index, entry in enumerate(page.entries):
        entry.text = fixed(entry.text, f"page.entry.{index}.text") or entry.text
        entry.venue = fixed(entry.venue, f"page.entry.{index}.venue")


def repair_posts(decision: DocumentRepair, posts: list[Post]) -> list[Post]:
    """Apply the diagnosis to a batch of posts. `text` starts as the reader left it (a reader
    may already have expanded links), and `text_raw` keeps what the source said."""
    for post in posts:
        post.text, post.repairs = decision.fix(post.text or "", "text")
    return posts


def repair_document(doc: Document) -> DocumentRepair:
    """Diagnose `doc` and repair every text field in place; return the diagnosis applied.
    (The importer does the same with posts in batches, so large files stream.)"""
    decision = diagnose(document_evidence(doc))
    repair_profile_and_pages(doc, decision)
    if not isinstance(doc.posts, list):
        doc.posts = list(doc.posts)
    repair_posts(decision, doc.posts)
    return decision
