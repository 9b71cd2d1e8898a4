"""The Thai lattice's syllable context (`repair/lossy/syllables.py`, from TLTK's data with the
`thai` extra): sentences written for these tests, where the damage leaves `เปิด` ("open") and
`เกิด` ("be born", the commoner word) one trace and only what follows can choose."""
from __future__ import annotations

import os

import pytest

from feedarchive.repair.lossy.syllables import (BREAK, NUMBER, SyllablePairs, split_word,
                                                syllable_arrays, syllable_pairs, tokens)
from tests.repair.test_fix import thai_lossy_round_trip


@pytest.fixture(scope="module")
def pairs() -> SyllablePairs:
    """TLTK's statistics; without TLTK a skip, except in CI, which installs the extra."""
    found = syllable_pairs()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI installs feedarchive[thai]: TLTK's sylseg.3g should be found")
        pytest.skip("TLTK (the thai extra) is not installed")
    return found


@pytest.mark.parametrize("original", [
    "ห้องสมุดเปิดให้ยืมหนังสือฟรีทุกวัน",  # the library opens (to) lend books free every day
    "บริษัทจะเปิดสาขาใหม่ที่เชียงราย",  # the company will open a new branch in Chiang Rai
])
def test_what_follows_picks_open_over_the_commoner_born(pairs, original):
    assert thai_lossy_round_trip(original) == original


def test_open_is_likelier_than_born_before_give(pairs):
    give = pairs.token("ให้")
    after_open = pairs.context_log((None, pairs.token("เปิด")), give)
    after_born = pairs.context_log((None, pairs.token("เกิด")), give)
    assert after_open > 0.0 > after_born


def test_a_word_leaves_its_last_two_syllables(pairs):
    room, notebook = pairs.token("ห้อง"), pairs.token("สมุด")  # ห้องสมุด: a library
    assert pairs.ends("ห้องสมุด") == (room, (room, notebook))
    assert pairs.ends("no such word") is None


def test_a_table_built_from_a_few_counts():
    # Three sentences' worth of trigrams: `\x1f` marks a sentence's edges, `<s>` a space.
    trigrams = {
        ("\x1f", "ร้าน", "เปิด"): 3, ("ร้าน", "เปิด", "แล้ว<s>"): 3, ("เปิด", "แล้ว<s>", "\x1f"): 3,
        ("\x1f", "เด็ก", "เกิด"): 1, ("เด็ก", "เกิด", "ใหม่"): 1, ("เกิด", "ใหม่", "\x1f"): 1,
        ("\x1f", "ราคา", "50"): 2, ("ราคา", "50", "บาท"): 2, ("50", "บาท", "\x1f"): 2,
    }
    table = syllable_arrays(trigrams, ["ร้านเปิด", "เด็ก", "ไม่มี"])
    found = SyllablePairs(table)
    shop, opened, already = (found.token(s) for s in ("ร้าน", "เปิด", "แล้ว"))
    assert found.ends("ร้านเปิด") == (shop, (shop, opened))
    assert found.ends("เด็ก") == (found.token("เด็ก"), (None, found.token("เด็ก")))
    assert found.ends("ไม่มี") is None  # not made of the corpus's syllables
    assert found.context_log((None, opened), already) > 0.0  # seen three times
    assert found.context_log((None, opened), found.token("ใหม่")) < 0.0  # never seen
    assert found.context_log((None, found.token("ราคา")), found.number_id) > 0.0
    assert found.token(BREAK) == found.break_id and found.token(NUMBER) == found.number_id


def test_corpus_tokens_and_splits():
    assert tokens("แล้ว<s>") == ["แล้ว", BREAK] and tokens("1,250") == [NUMBER]
    assert split_word("ร้านเปิด", {"ร้าน": 3, "เปิด": 3, "ร้านเ": 1}, 7) == ["ร้าน", "เปิด"]
