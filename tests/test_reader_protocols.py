"""What readers hand the importer besides their posts is declared (models: ReadsInBlocks,
OffersEvidence, InFileOrder), and each lazy reader's posts object says what it offers."""
from __future__ import annotations

import pytest

from feedarchive.formats import read_document
from feedarchive.models import InFileOrder, OffersEvidence, ReadsInBlocks

from conftest import FIXTURES, timeline

FORMATS = FIXTURES / "formats"


@pytest.mark.parametrize("source, offers", [
    ("x-archive", {ReadsInBlocks, OffersEvidence}),
    ("snscrape.jsonl", {ReadsInBlocks, OffersEvidence, InFileOrder}),
    ("twarc2.jsonl", {OffersEvidence, InFileOrder}),
    ("mastodon", {OffersEvidence, InFileOrder}),
])
def test_each_reader_says_what_its_posts_offer(source, offers):
    posts = read_document(FORMATS / source).posts
    found = {p for p in (ReadsInBlocks, OffersEvidence, InFileOrder) if isinstance(posts, p)}
    assert found == offers
    assert list(posts) == list(posts)  # re-iterable: read afresh each time


def test_a_timeline_is_read_in_blocks_with_its_own_evidence(write_file):
    path = write_file("ada.txt", timeline(("Café crème", "0", "1", "2")))
    posts = read_document(path).posts
    assert isinstance(posts, ReadsInBlocks) and isinstance(posts, OffersEvidence)
    assert not isinstance(posts, InFileOrder)
    assert posts.evidence(5) == ["Café crème"]


def test_a_list_of_posts_offers_nothing_more():
    assert not isinstance([], (ReadsInBlocks, OffersEvidence, InFileOrder))
