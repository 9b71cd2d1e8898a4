"""Fit the lossy repair's calibration map and write it into `feedarchive/repair/tuning.py`
(issue 21: a guess recorded at 0.8 should be right about 80% of the time).

    .venv/bin/python tests/bench/calibrate.py            # fit, write tuning.py, print the fit
    .venv/bin/python tests/bench/calibrate.py --dry-run  # fit and print, write nothing

Re-run it whenever the models or the weights of the repair change (a new prior, a new context
rule): the raw probabilities the decoders give move with them, and the map must follow. It is
not a test; then judge the map on the held-out sets, which it never sees:
`.venv/bin/python tests/bench/measure_repair.py --out DIR` (ECE, wrong guesses at >= 0.95).

What it is fitted on, and nothing else:

- the `thai_lossy` posts of the development corpus's TUNING half (`heldout.dev_documents`, split
  by persona; each file diagnosed whole, as an import does);
- the posts of `calibration_sentences.py`, written for this fit and for no rule, damaged here
  with `heldout.thai_lossy` (in documents of one language, as the held-out sets are).

Never on the development corpus's held-out half, nor on the held-out sets of
`heldout_sentences.py` or ../shared/realworld: those judge the fit.

Each post is repaired as `measure_repair.py` does (`diagnose`, then the decision's `fix`); each
guess (a repair whose confidence is below 1) is paired with the `Evidence` its decoder gave
(`calibration.Evidence`, captured from `choose`) and labelled right when it put back exactly
the original characters at their place (`measure_repair.repair_right`). A logistic regression
with an L2 penalty on the features of `calibration.features` is fitted by Newton's method; the
penalty is the one of PENALTIES whose fits best predict documents left out of them
(`choose_penalty`), and a decoder's slope on the raw log-odds is kept non-negative
(`monotone`). The weights go between the BEGIN/END CALIBRATION lines of tuning.py, with an
`Origin:` line saying this command, the date, the commit and the counts fitted on.
"""
from __future__ import annotations

import argparse
import datetime
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Optional

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from feedarchive.repair import diagnose  # noqa: E402
from feedarchive.repair.lossy import calibration  # noqa: E402
from feedarchive.repair.lossy import choose as choose_module  # noqa: E402
from feedarchive.repair.lossy.calibration import Evidence, features  # noqa: E402
from tests.bench import heldout  # noqa: E402
from tests.bench.heldout import Document, Post  # noqa: E402
from tests.bench.measure_repair import offsets_to_chars, repair_right  # noqa: E402

TUNING = ROOT / "feedarchive" / "repair" / "tuning.py"
BEGIN = "# BEGIN CALIBRATION (written by tests/bench/calibrate.py)"
END = "# END CALIBRATION"


# --- What is fitted on -------------------------------------------------------------------------

def fit_documents(corpus: Path) -> list[tuple[Document, set[str]]]:
    """(document, halves scored) for the fit: the development corpus (its tuning half scored)
    and the damaged posts of `calibration_sentences`."""
    from tests.bench.calibration_sentences import EMOJI_POSTS, MATH_POSTS, SENTENCES

    found: list[tuple[Document, set[str]]] = [
        (d, {"tuning"}) for d in heldout.dev_documents(corpus) if d.kind == "thai_lossy"]
    groups = {f"calibration-{lang}": list(texts) for lang, texts in SENTENCES.items()}
    groups["calibration-emoji"] = list(EMOJI_POSTS)
    groups["calibration-math"] = [heldout.render_styles(t) for t in MATH_POSTS]
    for name, texts in groups.items():
        raw = [heldout.thai_lossy(t) for t in texts]
        document = Document("calibration", name, "thai_lossy", raw)
        document.posts = [Post(f"calibration/{name}/{k}", t, r, language=name)
                          for k, (t, r) in enumerate(zip(texts, raw))]
        found.append((document, {"none"}))
    return found


def guesses(documents: list[tuple[Document, set[str]]]) -> list[tuple[Evidence, bool, str, str]]:
    """(evidence, right, set, document) of every guess the repair makes on the scored posts."""
    captured: list = []
    original = choose_module.choose

    def capturing(*args, **kwargs):
        found = original(*args, **kwargs)
        captured.extend(found)
        return found

    rows = []
    choose_module.choose = capturing
    try:
        for document, halves in documents:
            decision = diagnose(document.texts)
            for post in document.posts:
                if post.half is not None and post.half not in halves:
                    continue
                captured.clear()
                _fixed, repairs = decision.fix(post.raw)
                if len(captured) != len(repairs):
                    raise SystemExit(f"{post.key}: {len(repairs)} repairs, {len(captured)} choices")
                starts = offsets_to_chars(post.text)
                for choice, repair in zip(captured, repairs):
                    if (choice.start, choice.char) != (repair.start, repair.after):
                        raise SystemExit(f"{post.key}: a repair does not match its choice")
                    if choice.evidence is not None:
                        rows.append((choice.evidence, repair_right(repair, post.text, starts),
                                     document.set, document.name))
    finally:
        choose_module.choose = original
    return rows


# --- Fitting -----------------------------------------------------------------------------------

def design(rows: list[tuple[Evidence, bool, str, str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Feature names, the feature matrix and the labels."""
    dicts = [features(e) for e, _ok, _set, _doc in rows]
    names = sorted({name for d in dicts for name in d})
    x = np.array([[d.get(n, 0.0) for n in names] for d in dicts], dtype=np.float64)
    y = np.array([ok for _e, ok, _set, _doc in rows], dtype=np.float64)
    return names, x, y


def fit(names: list[str], x: np.ndarray, y: np.ndarray, penalty: float) -> dict[str, float]:
    """Logistic regression with an L2 penalty on every weight but `bias`, by Newton's method,
    started from the identity map (weight 1 on `logit`), toward which the penalty pulls the
    raw log-odds' weight."""
    prior = np.array([1.0 if n == "logit" else 0.0 for n in names])
    ridge = np.array([1e-3 if n == "bias" else penalty for n in names])

    def loss(w: np.ndarray) -> float:
        z = x @ w
        return float(np.sum(np.logaddexp(0.0, z) - y * z) + 0.5 * np.sum(ridge * (w - prior) ** 2))

    w = prior.copy()
    for _ in range(200):
        p = 1.0 / (1.0 + np.exp(-np.clip(x @ w, -30, 30)))
        gradient = x.T @ (p - y) + ridge * (w - prior)
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(ridge)
        step = np.linalg.solve(hessian, gradient)
        size, before = 1.0, loss(w)
        while loss(w - size * step) > before and size > 1e-6:  # damped: never uphill
            size /= 2
        w = w - size * step
        if np.max(np.abs(size * step)) < 1e-7:
            break
    return {n: round(float(v), 4) for n, v in zip(names, w)}


# Penalties tried by `choose_penalty`.
PENALTIES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0)


def choose_penalty(names: list[str], x: np.ndarray, y: np.ndarray,
                   documents: list[str]) -> tuple[float, float]:
    """The penalty of PENALTIES whose fits predict best the documents they were not fitted on,
    with that mean log-loss: each document (a development file, one language's posts) is
    left out in turn, the map fitted on the rest and scored on the one left out."""
    losses = {}
    for penalty in PENALTIES:
        total = 0.0
        for left_out in sorted(set(documents)):
            out = np.array([d == left_out for d in documents])
            weights = fit(names, x[~out], y[~out], penalty)
            z = x[out] @ np.array([weights[n] for n in names])
            total += float(np.sum(np.logaddexp(0.0, z) - y[out] * z))
        losses[penalty] = total / len(y)
        print(f"  penalty {penalty:5}: log-loss on documents left out {losses[penalty]:.4f}")
    best = min(losses, key=losses.__getitem__)
    return best, losses[best]


def monotone(weights: dict[str, float], decoders: set[str]) -> dict[str, float]:
    """The weights with every decoder's slope on the raw log-odds made non-negative (a higher
    raw probability must never give a lower confidence): a negative slope is lifted to zero
    through that decoder's own slope weight."""
    weights = dict(weights)
    for decoder in sorted(decoders):
        key = f"logit|decoder:{decoder}"
        slope = weights.get("logit", 0.0) + weights.get(key, 0.0)
        if slope < 0:
            weights[key] = round(weights.get(key, 0.0) - slope, 4)
    return weights


# --- Reporting ---------------------------------------------------------------------------------

BINS = ((0.0, 0.5), (0.5, 0.8), (0.8, 0.95), (0.95, 1.0))


def ece(pairs: list[tuple[float, bool]]) -> float:
    """Expected calibration error over `measure_repair`'s bins of guesses."""
    total = len(pairs)
    error = 0.0
    for low, high in BINS:
        inside = [(c, ok) for c, ok in pairs if low <= c < high or (high == 1.0 and c >= 1.0)]
        if inside:
            error += len(inside) / total * abs(sum(ok for _, ok in inside) / len(inside)
                                               - sum(c for c, _ in inside) / len(inside))
    return error


def report(rows: list[tuple[Evidence, bool, str, str]], weights: dict[str, float]) -> None:
    """In-sample figures, raw and calibrated, by set and by kind: a check that the fit took,
    not a measurement (that is measure_repair's, on the held-out sets)."""
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        groups["all"].append(row)
        groups["set:" + row[2]].append(row)
        groups["kind:" + row[0].kind].append(row)
        groups["decoder:" + row[0].decoder].append(row)
    print(f"{'':22} {'guesses':>7} {'right':>6} {'raw ECE':>8} {'fit ECE':>8} {'wrong>=.95 raw':>15} {'fit':>5}")
    for name, group in sorted(groups.items()):
        raw = [(e.probability, ok) for e, ok, *_ in group]
        fitted = [(_calibrated(e, weights), ok) for e, ok, *_ in group]
        print(f"{name:22} {len(group):7} {sum(ok for _, ok in raw):6} {ece(raw):8.3f} {ece(fitted):8.3f} "
              f"{sum(1 for c, ok in raw if c >= 0.95 and not ok):15} "
              f"{sum(1 for c, ok in fitted if c >= 0.95 and not ok):5}")


def _calibrated(evidence: Evidence, weights: dict[str, float]) -> float:
    saved = dict(calibration.CALIBRATION_WEIGHTS)
    calibration.CALIBRATION_WEIGHTS.clear()
    calibration.CALIBRATION_WEIGHTS.update(weights)
    try:
        return calibration.calibrated(evidence)
    finally:
        calibration.CALIBRATION_WEIGHTS.clear()
        calibration.CALIBRATION_WEIGHTS.update(saved)


# --- Writing tuning.py -------------------------------------------------------------------------

def write_weights(weights: dict[str, float], rows: list[tuple[Evidence, bool, str, str]],
                  penalty: float, left_out: Optional[float]) -> None:
    """Replace the block between BEGIN and END CALIBRATION in tuning.py."""
    sets = Counter(s for _e, _ok, s, _doc in rows)
    commit = _commit() or "unknown commit"
    origin = (f"# Origin: fitted by `.venv/bin/python tests/bench/calibrate.py` on "
              f"{datetime.date.today().isoformat()} (models of commit {commit}), on "
              f"{sets['dev']} guesses of the development corpus's tuning half and "
              f"{sets['calibration']} of tests/bench/calibration_sentences.py; "
              f"L2 penalty {penalty}"
              + (f" (chosen by leaving each document out: log-loss {left_out:.4f})" if left_out else "")
              + ". Judged on the held-out sets by measure_repair.py, never fitted on them.")
    lines = [BEGIN, *_wrapped(origin), "CALIBRATION_WEIGHTS: dict[str, float] = {"]
    for name, value in sorted(weights.items()):
        if value:  # a feature the fit never saw stays at 0: left out
            lines.append(f"    \"{name}\": {value!r},")
    lines += ["}", END]
    text = TUNING.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{TUNING}: no {BEGIN!r} block")
    TUNING.write_text(pattern.sub(lambda _m: "\n".join(lines), text), encoding="utf-8")
    print(f"weights written to {TUNING}")


def _wrapped(comment: str, width: int = 99) -> list[str]:
    lines, line = [], "#"
    for word in comment[2:].split(" "):
        if len(line) + 1 + len(word) > width:
            lines.append(line)
            line = "#"
        line += " " + word
    return lines + [line]


def _commit() -> Optional[str]:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default="/work/shared/corpus/dev")
    parser.add_argument("--dry-run", action="store_true", help="fit and print, write nothing")
    parser.add_argument("--penalty", type=float, default=None,
                        help="the L2 penalty (default: chosen by leaving documents out)")
    args = parser.parse_args(argv)
    rows = guesses(fit_documents(Path(args.corpus)))
    names, x, y = design(rows)
    penalty, left_out = args.penalty, None
    if penalty is None:
        penalty, left_out = choose_penalty(names, x, y, [doc for *_, doc in rows])
    weights = monotone(fit(names, x, y, penalty), {e.decoder for e, *_ in rows})
    z = x @ np.array([weights.get(n, 0.0) for n in names])
    print(f"{len(rows)} guesses, {int(y.sum())} right; mean log-loss of the map "
          f"{float(np.mean(np.logaddexp(0.0, z) - y * z)):.4f}; weights:")
    for name, value in sorted(weights.items()):
        print(f"  {name:24} {value:8.4f}")
    report(rows, weights)
    if not args.dry_run:
        write_weights(weights, rows, penalty, left_out)


if __name__ == "__main__":
    main(sys.argv[1:])
