"""Seed 001 (a real timeline scrape, thai_lossy) as a reader sees it after repair (issue 21):
emoji read by what the post says, styled words read as words of their own text, and no
variation selector where no emoji can take one. The seed is read at run time; none of its
text is written here."""
from __future__ import annotations

import re
import unicodedata

import pytest

from feedarchive.importer import import_file
from feedarchive.store import open_db
from tests.conftest import SEED_TIMELINE, shared_file

LAUGHING = "\U0001F602"  # the commonest emoji, what a bare lead read as by default
SELECTORS = "\ufe0e\ufe0f"
BARE_LEAD = "\u0e50"  # a four-byte character's lead byte read as Thai, all else lost


@pytest.fixture(scope="module")
def seed_archive(tmp_path_factory):
    """The seed imported as a person would: (post texts joined by line breaks, repairs as
    (after, confidence, before))."""
    db = open_db(tmp_path_factory.mktemp("seed") / "archive.db")
    import_file(db, shared_file("seeds", SEED_TIMELINE.name))
    texts = [row["text"] for row in db.query("select text from posts")]
    repairs = [(row["after"], row["confidence"], row["before"])
               for row in db.query("select after, confidence, before from repairs")]
    return "\n".join(texts), repairs


def _is_styled(text: str) -> bool:
    return any(0x1D400 <= ord(c) <= 0x1D7FF for c in text)


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def test_no_variation_selector_after_a_space(seed_archive):
    fixed, _ = seed_archive
    assert not re.search(f"(^|\\s)[{SELECTORS}]", fixed)


def test_styled_compound_is_the_one_the_post_spells_plainly(seed_archive):
    """A styled `x-y` whose plain letters a post also writes unstyled is read as that word."""
    fixed, _ = seed_archive
    styled = re.compile("[\U0001D400-\U0001D7FF]+-[\U0001D400-\U0001D7FF]+")
    checked = 0
    for line in fixed.split("\n"):
        plain_words = {w.lower() for w in re.findall(r"[A-Za-z]+-[A-Za-z]+", line)}
        for match in styled.finditer(line):
            word = _plain(match.group(0))
            first, second = word.split("-")
            spelled = [w for w in plain_words if w.split("-")[1] == second
                       and w[0] == first[0] and len(w.split("-")[0]) == len(first)]
            if spelled:
                checked += 1
                assert word in spelled, (word, spelled)
    assert checked


def test_a_styled_letter_only_the_word_list_chose_is_not_certain(seed_archive):
    _, repairs = seed_archive
    styled = [p for after, p, _ in repairs if _is_styled(after)]
    assert styled and any(p < 1.0 for p in styled)


def test_unsupported_bare_emoji_are_low_confidence_guesses(seed_archive):
    """A lead with nothing left of its emoji, in a post naming none: whatever is chosen, it is
    recorded as less likely than not (`--uncertain mark` shows a placeholder there)."""
    _, repairs = seed_archive
    bare = [p for after, p, before in repairs if before == BARE_LEAD and not _is_styled(after)]
    assert bare and all(p < 0.5 for p in bare)


def test_no_laughing_face_the_text_does_not_support(seed_archive):
    """The seed's bare leads stand before capitalised words, where an emoji labels what follows
    and a face is rare (`choose._weigh_faces`): no word of their posts names the laughing face."""
    fixed, _ = seed_archive
    assert LAUGHING not in fixed


def test_checklist_marks_are_check_marks(seed_archive):
    """A list marker whose middle byte was lost, with a line break after its lead: the seed's
    posts keep no line breaks of their own, so that is the marker's byte 0x85 (a check mark),
    not a line ending after an arrow."""
    fixed, _ = seed_archive
    assert "\u2705" in fixed
