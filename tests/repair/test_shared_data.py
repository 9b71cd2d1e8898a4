"""The repair stage on shared data: ftfy's own test cases, the seeds and the dev corpus.

Skipped when /work/shared is not there.
"""
from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from feedarchive.repair import diagnose, fix_document_text

SHARED = Path("/work/shared")
FTFY_CASES = SHARED / "peers" / "ftfy-test-cases.json"
SEEDS = SHARED / "seeds"
DEV = SHARED / "corpus" / "dev"

_QUOTES = str.maketrans({c: "'" for c in "‘’‚‛ʼ"} | {c: '"' for c in "“”„‟"})


def _fold(text: str) -> str:
    """Compare as /work/shared/peers/README.md says: quotes straight, full-width folded."""
    text = text.translate(_QUOTES)
    return "".join(
        unicodedata.normalize("NFKC", c) if 0xFF01 <= ord(c) <= 0xFFEF or c == "\u3000" else c
        for c in text
    )


def _ftfy_cases(expect: str) -> list:
    if not FTFY_CASES.exists():
        return []
    cases = json.loads(FTFY_CASES.read_text(encoding="utf-8"))
    return [pytest.param(c, id=c["label"][:60]) for c in cases if c["expect"] == expect]


def _matches(case: dict) -> bool:
    fixed, _ = fix_document_text(case["original"])
    wanted = {_fold(case["fixed"]), _fold(case.get("fixed-encoding", case["fixed"]))}
    return _fold(fixed) in wanted


@pytest.mark.skipif(not FTFY_CASES.exists(), reason="shared ftfy cases absent")
@pytest.mark.parametrize("case", _ftfy_cases("pass"))
def test_ftfy_passing_case(case):
    assert _matches(case)


@pytest.mark.skipif(not FTFY_CASES.exists(), reason="shared ftfy cases absent")
@pytest.mark.parametrize("case", _ftfy_cases("fail"))
def test_ftfy_known_failure(case):
    """ftfy's known failures: reported, not required (xfail when we do not fix them either)."""
    if not _matches(case):
        pytest.xfail("ftfy's known failure, not fixed here either")


def _seed(prefix: str) -> str:
    paths = sorted(SEEDS.glob(prefix + "_*.txt")) if SEEDS.exists() else []
    if not paths:
        pytest.skip("seed absent")
    return paths[0].read_text(encoding="utf-8")


def test_seed_003_mac_roman_homepage_has_no_mojibake_left():
    raw = _seed("003")
    fixed, repairs = fix_document_text(raw)
    for emoji in ("ℹ️", "📖", "📝", "🔥", "😁", "🎉🎉", "😄"):
        assert emoji in fixed
    assert "[机器之心](https://mp.weixin.qq.com/" in fixed
    assert "“Model Balancing Helps Low-data Training and Fine-tuning”" in fixed
    assert not re.search("[\uf8ff√Ô‚Ä]", fixed)
    # Markdown and HTML are untouched: only the repaired spans differ.
    assert re.sub(r"[^\x00-\x7f]", "", fixed) == re.sub(r"[^\x00-\x7f]", "", raw)
    assert all(r.kind == "mac_roman" and r.confidence == 1.0 for r in repairs)


def test_seed_001_thai_lossy_timeline():
    raw = _seed("001")
    decision = diagnose([raw])
    assert decision.kind == "thai_lossy"
    fixed, repairs = decision.fix(raw)
    assert "3× faster training speed\u00a0and up to\u00a047% MFU" in fixed
    assert "4.93× on Qwen-32B — beating EAGLE3" in fixed
    assert "boundary. 🧵(1/8)" in fixed
    assert "Expert-choice MoE × diffusion" in fixed
    # The OpenMoE post's line breaks were bytes 0x85 of its check marks: one line again.
    openmoe = next(line for line in fixed.split("\n") if line.startswith("Announcing OpenMoE 2"))
    assert "adaptive" in openmoe
    assert not re.search("[\u0e00-\u0e7f]", fixed)
    guesses = [r for r in repairs if r.confidence < 1.0]
    assert guesses and all(r.kind == "thai_lossy" for r in repairs)


@pytest.mark.skipif(not DEV.exists(), reason="dev corpus absent")
def test_dev_corpus_exact_kinds_and_clean_files():
    """Every post of the exactly invertible kinds restored; no clean text changed."""
    wrong = []
    for truth_path in sorted(DEV.glob("d*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth["corruption"] == "thai_lossy":
            continue
        decision = diagnose([p["raw"] for p in truth["posts"]])
        for post in truth["posts"]:
            fixed, _ = decision.fix(post["raw"])
            want = post["raw"] if truth["corruption"] == "clean" else post["text"]
            if unicodedata.normalize("NFC", fixed).strip() != unicodedata.normalize("NFC", want).strip():
                wrong.append((truth["case"], post["raw"][:60]))
    assert wrong == []


@pytest.mark.skipif(not DEV.exists(), reason="dev corpus absent")
def test_dev_corpus_invertible_thai_posts_are_exact():
    wrong = []
    for truth_path in sorted(DEV.glob("d*.truth.json")):
        truth = json.loads(truth_path.read_text(encoding="utf-8"))
        if truth["corruption"] != "thai_lossy":
            continue
        decision = diagnose([p["raw"] for p in truth["posts"]])
        assert decision.kind == "thai_lossy"
        for post in truth["posts"]:
            if post["invertible"]:
                fixed, _ = decision.fix(post["raw"])
                if unicodedata.normalize("NFC", fixed).strip() != post["text"].strip():
                    wrong.append(post["raw"][:60])
    assert wrong == []
