"""`explain_thai.py` on sentences written here: it finds the lattice's runs and, where the
repair read a run otherwise, the best path that spells the original."""
from __future__ import annotations

from tests.bench import explain_thai
from tests.bench.heldout import thai_lossy


def test_original_chars_follow_the_damaged_groups():
    from feedarchive.repair.lossy.damage import parse_lossy

    text = "ฝนตกหนัก"  # every consonant but ห lost its last byte
    groups = parse_lossy(thai_lossy(text)).groups
    chars = explain_thai.original_chars(text, groups)
    assert "".join(chars[g] for g in sorted(chars)) == text


def test_a_misread_run_shows_both_paths_and_the_original_spelled():
    text = "ฝนตกทั้งวันเลยไม่ได้ออกไปไหนเลยจ้า"
    lines = explain_thai.explain(text)
    assert lines[0] == text and lines[1].startswith("  repaired: ")
    if lines[1].endswith("(differs)"):
        chosen = [n for n, line in enumerate(lines) if line.startswith("  chosen: total")]
        original = [n for n, line in enumerate(lines) if line.startswith("  original")]
        assert chosen and original and chosen[0] < original[0]
        words = "".join(line.split()[0] for line in lines[original[0] + 1:]
                        if line.split()[1:2] in (["word"], ["char"]))
        assert words in text.replace(" ", "")
    assert explain_thai.explain("ขอบคุณมาก")[1] == "  repaired: ขอบคุณมาก"
