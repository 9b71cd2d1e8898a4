"""The held-out measurement of issue 21 measures what it says: the damage is the corpus README's
`thai_lossy`, "invertible" is its definition, a repair is judged against the original at its
own place, and the persona split is a deterministic rule with no text in both halves.
Nothing here is timed, and no language model is loaded."""
from __future__ import annotations

import doctest
import json
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[2]))  # `tests.bench` importable

from conftest import shared_file  # noqa: E402
from feedarchive.models import Repair  # noqa: E402
from tests.bench import heldout  # noqa: E402
from tests.bench.heldout_sentences import EMOJI_POSTS, MATH_POSTS, SENTENCES, SENTENCES_2  # noqa: E402
from tests.bench.measure_repair import calibration, offsets_to_chars, repair_right  # noqa: E402


def test_damage_follows_the_corpus_definition():
    """Each step of the README, on strings made up here (bytes in the comments)."""
    assert heldout.thai_lossy("plain ASCII\n") == "plain ASCII\n"
    assert heldout.thai_lossy("é") == "รฉ"  # C3 A9: both bytes are Thai letters
    assert heldout.thai_lossy("À") == "ร"  # C3 80: the C1 control 0x80 is deleted
    assert heldout.thai_lossy("ą") == "ฤ\n"  # C4 85: U+0085 becomes a line break
    assert heldout.thai_lossy("\u00a0") == "ย "  # C2 A0: the NBSP becomes a space
    assert heldout.thai_lossy("ۀ") == ""  # DB 80: 0xDB is undefined in ISO-8859-11
    assert heldout.thai_lossy("日") == "ๆฅ"  # E6 97 A5: 0x97 deleted
    text = "日本語のテスト, café… 👍🏽"
    assert heldout.thai_lossy(text) == "".join(heldout.thai_lossy(c) for c in text)
    starts = heldout.damage_starts(text)
    assert starts[-1] == len(heldout.thai_lossy(text))
    assert all(heldout.thai_lossy(text)[starts[i]:starts[i + 1]] == heldout.thai_lossy(c)
               for i, c in enumerate(text))


def test_invertible_is_exactly_one_completion():
    assert heldout.completion_count(heldout.thai_lossy("café")) == 1
    assert heldout.completion_count(heldout.thai_lossy("À la")) == 2  # 0x80 could be any lost byte
    assert heldout.completion_count("ภาษา") == 0  # genuine Thai is no damaged UTF-8


def test_a_repair_is_right_only_where_the_original_says():
    text = "Voilà ça"  # à is C3 A0: its second byte became the space after it
    raw = heldout.thai_lossy(text)
    starts = offsets_to_chars(text)
    lead = raw.index("ร")
    right = Repair("text", lead, lead + 2, "thai_lossy", raw[lead:lead + 2], "à", 0.9)
    assert repair_right(right, text, starts)
    assert not repair_right(Repair("text", lead, lead + 2, "thai_lossy", "", "á", 0.9), text, starts)
    # Reading the space as text and the lead alone: the span ends inside `à`'s damaged form.
    assert not repair_right(Repair("text", lead, lead + 1, "thai_lossy", "", "À", 0.9), text, starts)


def test_calibration_counts():
    figures = calibration([(1.0, True), (1.0, False), (0.97, False), (0.6, True), (0.2, False)])
    assert (figures["certain"], figures["wrong_certain"]) == (2, 1)
    assert (figures["guesses"], figures["wrong_high_guesses"]) == (3, 1)
    assert [b["n"] for b in figures["bins"]] == [1, 1, 0, 1, 2]
    assert abs(figures["ece"] - (0.2 + 0.4 + 0.97 + 1.0) / 5) < 1e-9


def test_persona_split_is_a_rule():
    names = ["ada", "bo", "chen", "dee", "ema", "นก", "山田"]
    first = heldout.persona_halves(names)
    assert first == heldout.persona_halves(list(reversed(names)))
    assert set(first) == set(names)
    assert sorted(first.values()).count("tuning") == 4  # dealt alternately: 4 and 3
    latin = [first[n] for n in names[:5]]
    assert sorted(latin) == ["heldout", "heldout", "heldout", "tuning", "tuning"]  # 5 as 3 + 2


def test_held_out_text_is_written_here():
    assert len(SENTENCES) >= 14 and all(15 <= len(v) <= 30 for v in SENTENCES.values())
    assert len(set(sum(SENTENCES.values(), ()))) == sum(len(v) for v in SENTENCES.values())
    assert all(heldout.render_styles(t) != t for t in MATH_POSTS)
    assert EMOJI_POSTS and all(not t.isascii() for t in EMOJI_POSTS)
    assert doctest.testmod(heldout).failed == 0


def test_second_batch_is_new_text_in_the_same_languages():
    """`SENTENCES_2` (set `languages2`) repeats no post of the first batch, nor of the text
    written to tune or calibrate on, and builds one damaged document per language."""
    from tests.bench import calibration_sentences as calibration
    from tests.bench.language_tuning_sentences import LANGUAGE_TUNING
    from tests.bench.thai_tuning_sentences import THAI_TUNING

    second = sum(SENTENCES_2.values(), ())
    assert list(SENTENCES_2) == list(SENTENCES) and all(len(v) == 20 for v in SENTENCES_2.values())
    assert len(set(second)) == len(second)
    written_before = (set(sum(SENTENCES.values(), ())) | set(THAI_TUNING)
                      | set(sum(LANGUAGE_TUNING.values(), ())) | set(sum(calibration.SENTENCES.values(), ())))
    assert not {heldout.norm(t) for t in second} & {heldout.norm(t) for t in written_before}
    documents = heldout.language_documents(batch=2)
    assert [(d.set, d.name) for d in documents] == [("languages2", f"{lang}-1") for lang in SENTENCES_2]
    posts = [post for document in documents for post in document.posts]
    assert [post.text for post in posts] == list(second)
    assert all(post.raw == heldout.thai_lossy(post.text) for post in posts)
    assert [post.language for post in documents[1].posts] == ["ko"] * 20


def test_thai_tuning_text_is_apart_from_held_out_text():
    """The Thai written to tune on shares no post with the held-out or calibration sentences,
    and its documents are that Thai, damaged."""
    from tests.bench import calibration_sentences as calibration
    from tests.bench.thai_tuning_sentences import THAI_TUNING, THAI_TUNING_2

    held_out = set(sum(SENTENCES.values(), ())) | set(sum(SENTENCES_2.values(), ())) | set(EMOJI_POSTS)
    calibrated = (set(sum(calibration.SENTENCES.values(), ())) | set(calibration.EMOJI_POSTS)
                  | set(calibration.MATH_POSTS))
    tuning = THAI_TUNING + THAI_TUNING_2
    assert len(set(THAI_TUNING)) == len(THAI_TUNING) >= 50
    assert len(set(tuning)) == len(tuning)
    assert not {heldout.norm(t) for t in tuning} & {heldout.norm(t) for t in held_out | calibrated}
    documents = heldout.thai_tuning_documents()
    posts = [post for document in documents for post in document.posts]
    assert [post.text for post in posts] == list(tuning)
    assert all(post.raw == heldout.thai_lossy(post.text) for post in posts)


def test_the_corpus_split_and_damage():
    """Against the development corpus when it is beside this checkout: the damage gives every
    `thai_lossy` post's raw text, the truth's `invertible` is `completion_count == 1`, and
    every text (a persona's own post, reposted in other timelines) is in one half only."""
    corpus = shared_file("corpus", "dev")
    documents = heldout.dev_documents(corpus)
    halves: dict[str, set[str]] = {}
    for document in documents:
        for post in document.posts:
            halves.setdefault(heldout.norm(post.text), set()).add(post.half)
            if post.kind == "thai_lossy":
                assert heldout.thai_lossy(post.text) == post.raw
                assert (heldout.completion_count(post.raw) == 1) == post.invertible
    assert all(len(h) == 1 for h in halves.values())
    lossy = [p.half for d in documents if d.kind == "thai_lossy" for p in d.posts]
    assert 0.4 < lossy.count("tuning") / len(lossy) < 0.6
    names = {json.loads(p.read_text(encoding="utf-8"))["profile"]["name"] for p in corpus.glob("*.truth.json")}
    split = heldout.persona_halves(heldout.persona_key(n) for n in names)
    assert sorted(split.values()).count("tuning") * 2 == len(split)
