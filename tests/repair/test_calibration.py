"""Confidence that means probability (issue 21): a repair is recorded as certain only where the
damage left one possible character, every guess carries a calibrated probability below that,
the map from raw scores to confidences never turns a surer guess into a less sure one, and the
alternatives recorded agree with the confidence. Texts written here, damaged as the corpus
README says."""
from __future__ import annotations

import itertools

import pytest

from feedarchive.repair import diagnose
from feedarchive.repair.lossy.calibration import Evidence, calibrated, kind_of, rescaled
from feedarchive.repair.lossy.damage import parse_lossy
from feedarchive.repair.tuning import CALIBRATION_WEIGHTS, MAX_GUESS_CONFIDENCE


def thai_lossy(text: str) -> str:
    """The corpus's `thai_lossy` damage: UTF-8 read as ISO-8859-11, C1 controls deleted but
    U+0085 (a line break), undefined bytes dropped, the NBSP of 0xA0 a plain space."""
    decoded = text.encode("utf-8").decode("iso8859_11", errors="ignore")
    kept = "".join(c for c in decoded if not ("\x80" <= c <= "\x9f") or c == "\x85")
    return kept.replace("\x85", "\n").replace("\xa0", " ")


POSTS = [
    "À la gare avec Zoë, on a raté le train de 8h…",
    "Привет! Сегодня идём в кино, кто с нами?",
    "𝐍𝐞𝐰 𝐩𝐚𝐩𝐞𝐫 out today, code 👉 github.com/someone/thing 🎉",
    "𝐨𝐧𝐞 𝐦𝐨𝐫𝐞 𝐭𝐡𝐢𝐧𝐠: 𝕨𝕠𝕣𝕕𝕤 in two styles",
    "วันนี้ไปตลาดกับแม่ ซื้อผลไม้มาเยอะมาก 🍉",
    "今日は雨なので、家でゆっくり本を読みます☔",
    "Café crème, s'il vous plaît — merci !",
]


def repaired(posts: list[str]):
    """(raw, fixed, repairs) of each post, the posts diagnosed together as one timeline."""
    raws = [thai_lossy(p) for p in posts]
    decision = diagnose(raws)
    assert decision.kind == "thai_lossy"
    return [(raw, *decision.fix(raw)) for raw in raws]


@pytest.fixture(scope="module")
def results():
    return repaired(POSTS)


def test_certain_only_where_the_damage_left_one_character(results):
    """A group with one reading and one candidate is certain; any other is a guess, recorded
    below 1 however sure the decoder was (`𝐨` whose lead bytes fit several alphabets, a
    Cyrillic letter that lost its second byte), never above MAX_GUESS_CONFIDENCE."""
    guesses = certain = 0
    for raw, _fixed, repairs in results:
        exact = {g.start: g.is_exact for g in parse_lossy(raw).groups}
        for repair in repairs:
            if exact[repair.start]:
                assert repair.confidence == 1.0, repair
                certain += 1
            else:
                assert 0.0 < repair.confidence <= MAX_GUESS_CONFIDENCE < 1.0, repair
                guesses += 1
    assert guesses > 50 and certain > 10  # both kinds are exercised


def test_a_text_whose_bytes_all_survived_is_certain():
    """Every byte of è, û, é, ç and î survives the damage (`à` would not: its 0xA0 becomes a
    space, so it could be `À` before a space)."""
    (_raw, fixed, repairs), = repaired(["Crème brûlée, façon grand-mère, s'il te plaît"])
    assert fixed == "Crème brûlée, façon grand-mère, s'il te plaît"
    assert repairs and all(r.confidence == 1.0 and not r.alternatives for r in repairs)


def test_alternatives_agree_with_the_confidence(results):
    """The chosen text comes first at the confidence, no alternative is likelier than it, and
    all together never pass 1."""
    seen = 0
    for _raw, _fixed, repairs in results:
        for repair in repairs:
            if repair.confidence == 1.0:
                assert not repair.alternatives
                continue
            first, *others = repair.alternatives
            assert first == (repair.after, repair.confidence)
            assert all(p <= repair.confidence for _, p in others)
            assert sum(p for _, p in repair.alternatives) <= 1.0 + 1e-9
            seen += bool(others)
    assert seen > 10


def test_rescaled_alternatives_share_what_the_confidence_leaves():
    offered = [("é", 0.9), ("è", 0.06), ("ê", 0.04)]
    found = dict(rescaled(offered, "é", 0.9, 0.5))
    assert found["é"] == 0.5
    assert found["è"] == pytest.approx(0.3) and found["ê"] == pytest.approx(0.2)


DECODERS = ("chain", "styled", "thai", "japanese", "korean")
KINDS = sorted({name.split(":", 1)[1] for name in CALIBRATION_WEIGHTS if name.startswith("kind:")}
               | {"latin", "emoji"})


@pytest.mark.parametrize("decoder,kind", list(itertools.product(DECODERS, KINDS)))
def test_the_map_is_monotone_in_the_raw_probability(decoder, kind):
    """With everything else alike, a higher raw probability never gives a lower confidence."""
    for candidates, run, kana in ((31, 1, 0.0), (4000, 1, 0.5), (16, 5, 1.0)):
        confidences = [calibrated(Evidence(p / 100, decoder, kind, candidates, run, kana))
                       for p in range(1, 101)]
        assert confidences == sorted(confidences)
        assert all(0.0 < c <= MAX_GUESS_CONFIDENCE for c in confidences)


def test_kinds_the_map_tells_apart():
    assert [kind_of(c) for c in "éяк日の。😂𝐨ก"] == [
        "latin", "cyrillic", "cyrillic", "han", "kana", "cjk-punct", "emoji", "math", "thai"]
