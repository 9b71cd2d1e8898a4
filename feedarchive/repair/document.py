"""Repairing a whole document: diagnose it once, then fix every field.

The entry points the importer and the CLI use: `repair_document` for a document held whole,
`repair_streamed` for one whose posts are repaired one at a time as they are read
(`repair-check`), `document_evidence` + `diagnose` + `repair_profile_and_pages` /
`repair_posts` for one whose posts stream in batches (the importer), and `fix_document_text`
for one free-standing text (`fix-text`).
"""
from __future__ import annotations

from typing import Iterable, Iterator, Optional

from ..models import Document, OffersEvidence, Page, Post, Repair
from .diagnose import diagnose
from .fix import DocumentRepair


def fix_document_text(text: str) -> tuple[str, list[Repair]]:
    """Repair one free-standing text, treated as a whole document (used by `fix-text`).

    >>> text, repairs = fix_document_text("Itâ€™s a cafÃ© crÃ¨me")
    >>> text, [(r.before, r.after, r.rule) for r in repairs][0]
    ('It’s a café crème', ('â€™', '’', 'inverse of cp1252'))
    """
    return diagnose([text]).fix(text)


# Origin: a bound on memory set by hand when posts began to stream (commit 2da99ef).
EVIDENCE_TEXTS = 20_000  # texts that can show a mis-decoding: plenty to decide a document


def document_evidence(doc: Document) -> list[str]:
    """What the diagnosis looks at: profile and page texts, and the posts' non-ASCII texts
    (ASCII cannot show a mis-decoding), up to a cap so a huge file is never held whole. A
    lazily read timeline offers its own `evidence` (non-ASCII lines found without parsing).

    >>> from feedarchive.models import Profile
    >>> posts = [Post("plain ASCII", "ada"), Post("café crème", "ada"), Post("", "ada")]
    >>> document_evidence(Document("a.txt", "timeline", Profile("ada", name="Ada L."), posts))
    ['Ada L.', 'café crème']
    """
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
    """Diagnose `doc` and repair every text field in place, its posts then held as a list;
    return the diagnosis applied. (`repair_streamed` does the same without holding the
    posts, and the importer with posts in batches, so large files stream.)"""
    decision, repaired = repair_streamed(doc)
    held = list(repaired)
    if not isinstance(doc.posts, list):  # a list of posts stays the same list
        doc.posts = held
    return decision


def repair_streamed(doc: Document) -> tuple[DocumentRepair, Iterator[Post]]:
    """Diagnose `doc`, repair its profile and pages in place, and return the diagnosis with
    the document's posts, each repaired as it is read: nothing holds them all, so a report
    on a large file (`repair-check`) keeps only what it prints."""
    decision = diagnose(document_evidence(doc))
    repair_profile_and_pages(doc, decision)
    return decision, _repaired_one_by_one(decision, doc.posts)


def _repaired_one_by_one(decision: DocumentRepair, posts: Iterable[Post]) -> Iterator[Post]:
    """Each post repaired as it is read, the next read only when this one has been used."""
    for post in posts:
        yield from repair_posts(decision, [post])
