"""`calibrate.py` fits what it says and writes it where tuning.py keeps it: on guesses made up
here (no repair is run), a fitted map is calibrated on them, keeps its slopes non-negative,
and lands between the BEGIN/END lines as valid Python with an Origin line."""
from __future__ import annotations

import random
import sys
from pathlib import Path

import numpy as np

sys.path.append(str(Path(__file__).resolve().parents[2]))  # `tests.bench` importable

from feedarchive.repair.lossy.calibration import Evidence  # noqa: E402
from tests.bench import calibrate  # noqa: E402


def made_up_guesses(count: int = 3000) -> list[tuple[Evidence, bool, str, str]]:
    """Chain guesses right as often as their raw probability says; Cyrillic ones right half as
    often (the model is overconfident there)."""
    rng = random.Random(21)
    rows = []
    for i in range(count):
        p = rng.uniform(0.05, 0.999)
        kind = "cyrillic" if i % 3 == 0 else "latin"
        right = rng.random() < (p / 2 if kind == "cyrillic" else p)
        rows.append((Evidence(p, "chain", kind, 31), right, "made-up", f"doc{i % 7}"))
    return rows


def test_the_fit_learns_an_overconfident_kind():
    rows = made_up_guesses()
    names, x, y = calibrate.design(rows)
    weights = calibrate.fit(names, x, y, 1.0)
    z = x @ np.array([weights[n] for n in names])
    fitted = 1 / (1 + np.exp(-z))
    for kind, share in (("cyrillic", 0.5), ("latin", 1.0)):
        mask = np.array([e.kind == kind for e, *_ in rows])
        raw = np.mean([e.probability for e, *_ in rows if e.kind == kind])
        # calibrated in the large, per kind: the mean confidence is the share right
        assert abs(fitted[mask].mean() - y[mask].mean()) < 0.01
        assert abs(y[mask].mean() - share * raw) < 0.05


def test_slopes_are_lifted_to_zero_when_negative():
    lifted = calibrate.monotone({"logit": 0.5, "logit|decoder:styled": -0.8}, {"styled", "chain"})
    assert lifted["logit"] + lifted["logit|decoder:styled"] == 0.0
    assert "logit|decoder:chain" not in lifted


def test_weights_are_written_between_the_markers(tmp_path, monkeypatch):
    tuning = tmp_path / "tuning.py"
    tuning.write_text("A = 1\n" + calibrate.BEGIN + "\nCALIBRATION_WEIGHTS = {}\n" + calibrate.END
                      + "\nB = 2\n", encoding="utf-8")
    monkeypatch.setattr(calibrate, "TUNING", tuning)
    rows = made_up_guesses(10)
    calibrate.write_weights({"bias": -0.5, "logit": 0.9}, rows, 0.1, 0.4321)
    text = tuning.read_text(encoding="utf-8")
    found: dict = {}
    exec(text, found)
    assert found["CALIBRATION_WEIGHTS"] == {"bias": -0.5, "logit": 0.9}
    assert found["A"] == 1 and found["B"] == 2
    assert "# Origin: fitted by `.venv/bin/python tests/bench/calibrate.py`" in text
    assert all(len(line) <= 100 for line in text.splitlines())
