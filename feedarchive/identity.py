"""Stable identities for things that arrive without ids.

A scrape carries no post ids, so a post's id is derived from what stays the same between two
scrapes of it: the author and the repaired text, normalised (NFC, case-folded handle, collapsed
whitespace). Counts change and are left out. Identical texts by one author in one source are
told apart by their occurrence number.
"""
from __future__ import annotations

import hashlib
import unicodedata


def normalise_text(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def post_id(author: str, text: str, occurrence: int = 0) -> str:
    """16 hex digits of SHA-256 over the author and normalised text."""
    key = f"{author.lower()}\x1f{normalise_text(text)}"
    if occurrence:
        key += f"\x1f{occurrence}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]


def native_post_id(platform: str, native_id: str) -> str:
    """Sources with ids keep them, namespaced: the same tweet from two exports is one post."""
    return f"{platform}:{native_id}"


def thread_id(author: str, first_post_id: str) -> str:
    """A thread is named after its author and its earliest part present in the archive."""
    return "t" + hashlib.sha256(f"{author.lower()}\x1f{first_post_id}".encode()).hexdigest()[:15]
