"""Difficulty of the simulated cohorts: LR, the default decoder and the oracle, in one run.

For the default (``difficulty="realistic"``) FACED-like cohort (123 subjects)
and SEED-V-like cohort (16 subjects x 3 sessions x 15 trials), generated on
the documented calibration seed, this prints balanced accuracy with a 95%
cluster-bootstrap interval over test subjects of

* per-subject standardised ``LogisticRegression`` on DE,
* the default decoder (``ValenceNetClassifier()`` defaults, same features),
* the generative oracle (``data.oracle``: knows the model's parameters),

under the paper split (FACED: ``FACEDPaperSplit(assign="proportional")``;
SEED-V: trials 0-4 of each session train, 10-14 test, pooled over subjects)
and under ``StimulusDisjointSplit`` (subject- and clip-disjoint, predictions
pooled over rotations). The calibration targets (issue 13): FACED-like LR
0.30-0.45 and decoder <= 0.65 on the paper split, a clear drop under the
stimulus-disjoint split; SEED-V-like LR 0.25-0.40 on the trial protocol.
The protocols live in :mod:`skvalence.datasets._sim_calibration`.

``python benchmarks/bench_simulator.py --no-decoder`` skips the decoder (it
takes minutes per split on a CPU).
"""

from __future__ import annotations

import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

from skvalence.datasets import _sim_calibration as cal
from skvalence.datasets import make_faced_like, make_seedv_like
from skvalence.datasets.simulated import CALIBRATION_SEED

TARGETS = {"faced": {"paper": (0.30, 0.45)}, "seedv": {"paper": (0.25, 0.40)}}
DECODER_MAX = 0.65


def _models(with_decoder):
    models = {"LogisticRegression": LogisticRegression(max_iter=2000)}
    if with_decoder:
        from skvalence.decoders import ValenceNetClassifier

        models["ValenceNetClassifier()"] = ValenceNetClassifier(random_state=CALIBRATION_SEED, verbose=0)
    return models


def _row(cohort, split, model, result, seconds):
    point, low, high = result
    target = TARGETS.get(cohort, {}).get(split) if model == "LogisticRegression" else None
    if model.startswith("ValenceNet") and split == "paper":
        target = (0.0, DECODER_MAX)
    verdict = "" if target is None else ("  in target" if target[0] <= point <= target[1] else "  OUT OF TARGET")
    print(f"{cohort:6s} {split:9s} {model:24s} {point:.3f} [{low:.3f}, {high:.3f}]  {seconds:6.1f} s{verdict}",
          flush=True)  # fmt: skip


def run_cohort(name, data, with_decoder):
    shares = ", ".join(f"{k} {v:.3f}" for k, v in data.truth.variance_shares.items())
    print(f"\n{name}: {data.description}\n  variance shares: {shares}", flush=True)
    Xs = cal.standardise(data).astype(np.float32)
    for split, splits in (("paper", [cal.paper_rows(data)]), ("disjoint", cal.disjoint_rows(data))):
        for model_name, model in _models(with_decoder).items():
            start = time.perf_counter()
            rows, pred = cal.predict(model, Xs, data, splits)
            _row(name, split, model_name, cal.score(data, rows, pred), time.perf_counter() - start)
        start = time.perf_counter()
        rows, pred = cal.oracle_predict(data, splits)
        _row(name, split, "oracle", cal.score(data, rows, pred), time.perf_counter() - start)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with_decoder = "--no-decoder" not in argv
    print(f"Simulator difficulty (difficulty='realistic', calibration seed {CALIBRATION_SEED}); chance: FACED "
          "1/9 = 0.111, SEED-V 1/5 = 0.200")  # fmt: skip
    start = time.perf_counter()
    faced = make_faced_like(random_state=CALIBRATION_SEED, verbose=0)
    print(f"FACED-like default cohort generated in {time.perf_counter() - start:.1f} s")
    run_cohort("faced", faced, with_decoder)
    start = time.perf_counter()
    seedv = make_seedv_like(random_state=CALIBRATION_SEED, verbose=0)
    print(f"SEED-V-like default cohort generated in {time.perf_counter() - start:.1f} s")
    run_cohort("seedv", seedv, with_decoder)


if __name__ == "__main__":
    main()
