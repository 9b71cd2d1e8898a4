"""Styled words (math-alphabet letters such as `𝐛𝐨𝐥𝐝`, `𝗦𝗔𝗡𝗦`, `𝔣𝔯𝔞𝔨𝔱𝔲𝔯`) through the lossy Thai
damage, read back as people write them, with confidences that say how sure the reading is
(issue 21). The damage always takes the byte that tells the math alphabets apart, and often
the letter's own last byte too, so the same raw text can be a word in several alphabets, a
number, or emoji. Texts written here, styled with `heldout.render_styles` markup
(`{sb:text}` sans-serif bold, `{b:...}` bold, `{m:...}` monospace, `{f:...}` Fraktur)."""
from __future__ import annotations

import unicodedata

import pytest

from feedarchive.repair import diagnose
from tests.bench.heldout import damage_starts, render_styles, thai_lossy

# The rest of the timeline: a damaged French post, so that the document is diagnosed as
# damaged, as an import would see it.
TIMELINE = ["Café crème, s'il vous plaît", "Déjà vu au théâtre ce soir"]


def repaired(markup: str):
    """(original, repaired text, repairs) of one styled post in its timeline."""
    original = render_styles(markup)
    raw = thai_lossy(original)
    decision = diagnose([raw] + [thai_lossy(t) for t in TIMELINE])
    assert decision.kind == "thai_lossy"
    fixed, repairs = decision.fix(raw)
    return original, fixed, repairs


def sure_but_wrong(original: str, repairs) -> list[tuple[str, float]]:
    """The guesses recorded at 0.95 or more that did not put back what the damage took."""
    starts = damage_starts(original)
    char_at = {offset: i for i, offset in enumerate(starts)}
    found = []
    for repair in repairs:
        if not 0.95 <= repair.confidence < 1.0:
            continue
        i, j = char_at.get(repair.start), char_at.get(repair.end)
        if i is None or j is None or original[i:j] != repair.after:
            found.append((repair.after, repair.confidence))
    return found


@pytest.mark.parametrize("markup", [
    "{sb:CLOSED} for the {sb:holidays}",
    "{sb:PUBLIC NOTICE}: the {sb:library} is closed",
])
def test_a_word_in_capitals_is_read_in_capitals(markup):
    # All capitals is one way to style a word; `𝗖𝗟𝗢𝗦𝗘𝗗`'s bytes also spell a mixed-case
    # word in double-struck (`𝕝𝕖𝕢𝕦𝕖𝕝`), which nobody writes.
    original, fixed, _ = repaired(markup)
    assert fixed == original


@pytest.mark.parametrize("markup", ["{b:Nothing} to see here", "{f:Magic} tricks tonight"])
def test_a_last_letter_whose_last_byte_became_a_space_is_read(markup):
    # Bold `𝐠` is F0 9D 90 A0 and Fraktur `𝔠` F0 9D 94 A0: the damage leaves the lead and,
    # from A0, a space, before the real one. The word's last letter owns that space.
    original, fixed, _ = repaired(markup)
    assert fixed == original


def test_styled_digits_are_a_number_not_greek_capitals():
    # Monospace `𝟶𝟶𝟹𝟷` keeps its last bytes, which the bold Greek capitals `𝚶𝚶𝚹𝚷` share.
    original, fixed, _ = repaired("Loss {m:0.0031} after a day, {b:can do}")
    assert render_styles("{m:0031} after a day") in fixed
    assert not any("GREEK" in unicodedata.name(c, "") for c in fixed)
    original, fixed, _ = repaired("{sb:Top 10} books of {sb:2025}")
    assert fixed == original


@pytest.mark.parametrize("markup", [
    "Loss {m:0.0031} after a day, {b:can do}",
    "Score {sb:42} to {sb:17}, {sb:great game}",
    "{sb:CLOSED} for the {sb:holidays}",
    "{sb:FREE} coffee for {sb:everyone}",
    "{b:DEADLINE EXTENDED} to {b:Friday}",
    "{ds:BREAKING}: {ds:coffee} is good",
])
def test_a_styled_reading_the_damage_leaves_open_is_never_reported_sure(markup):
    # Wherever another alphabet, case or a number fits the same bytes, the reading is a
    # guess: a wrong one is never recorded at 0.95 or more (`𝟶𝟶𝟹𝟷` read as Greek was at 0.98).
    original, _fixed, repairs = repaired(markup)
    assert sure_but_wrong(original, repairs) == []
