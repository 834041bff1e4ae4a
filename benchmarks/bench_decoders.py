"""Decoder benchmark: held-out-subject accuracy vs logistic regression, and skorch overhead.

1. Quality. On the simulated FACED-like cohort (123 subjects, DE features), train on
   subjects 0-79 and test on subjects 100-122 (the paper's split). Both models see
   the same features after label-free per-subject standardisation (each subject's
   own mean/std, test subjects included; no labels are used). Balanced accuracy is
   reported with a 95 % bootstrap CI over test subjects, plus the paired
   difference. The simulator is a test bed, not evidence about EEG.
2. Speed. Training throughput (samples/s) of :class:`ValenceNetClassifier` vs a
   minimal hand-written PyTorch loop on the same module, data, batch size and
   epochs; reported as a ratio measured in the same run (goal >= 0.8).
"""

from __future__ import annotations

import time

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skvalence.datasets import make_faced_like
from skvalence.decoders import ValenceNetClassifier, build_module
from skvalence.eeg.preprocessing import SubjectStandardScaler
from skvalence.model_selection import FACEDPaperSplit

N_BOOT = 1000


def _paper_split(subject):
    return next(FACEDPaperSplit().split(np.zeros(len(subject)), groups=subject))


def _bootstrap(y, preds, subject, seed=0):
    """Per-model BACC CIs and the paired difference, resampling test subjects."""
    rng = np.random.default_rng(seed)
    ids = np.unique(subject)
    rows = {s: np.flatnonzero(subject == s) for s in ids}
    draws = np.empty((N_BOOT, len(preds)))
    for b in range(N_BOOT):
        idx = np.concatenate([rows[s] for s in rng.choice(ids, size=len(ids), replace=True)])
        draws[b] = [balanced_accuracy_score(y[idx], p[idx]) for p in preds]
    return draws


def quality(data, verbose=True):
    X = SubjectStandardScaler().fit_transform(data.X, groups=data.subject)
    y, subject = data.y, data.subject
    train, test = _paper_split(subject)
    models = {
        "LogisticRegression (standardised)": make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)),
        # The default decoder, default recipe (MLP, 30 epochs, augmentation and distillation on).
        "ValenceNetClassifier (default)": ValenceNetClassifier(random_state=0),
    }
    preds = {}
    for name, model in models.items():
        t0 = time.perf_counter()
        model.fit(X[train], y[train])
        preds[name] = model.predict(X[test])
        if verbose:
            print(f"  fitted {name} in {time.perf_counter() - t0:.0f} s")
    names = list(preds)
    draws = _bootstrap(y[test], [preds[n] for n in names], subject[test])
    print(f"\nHeld-out subjects: train {len(np.unique(subject[train]))}, test {len(np.unique(subject[test]))} "
          f"(chance 1/{len(np.unique(y))})")
    print(f"{'model':40s} {'BACC':>6s}   95% CI (bootstrap over test subjects)")
    for i, name in enumerate(names):
        point = balanced_accuracy_score(y[test], preds[name])
        lo, hi = np.percentile(draws[:, i], [2.5, 97.5])
        print(f"{name:40s} {point:6.3f}   [{lo:.3f}, {hi:.3f}]")
    diff = draws[:, 1] - draws[:, 0]
    point = balanced_accuracy_score(y[test], preds[names[1]]) - balanced_accuracy_score(y[test], preds[names[0]])
    lo, hi = np.percentile(diff, [2.5, 97.5])
    print(f"{'difference (net - LR), paired':40s} {point:+6.3f}   [{lo:+.3f}, {hi:+.3f}]")


def _manual_loop(module, X, y, epochs, batch_size, lr, weight_decay, seed):
    torch.manual_seed(seed)
    opt = torch.optim.AdamW(module.parameters(), lr=lr, weight_decay=weight_decay)
    xt, yt = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y, dtype=torch.long)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xt, yt), batch_size=batch_size,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    module.train()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(module(xb), yb)
            loss.backward()
            opt.step()


def throughput(data, epochs=2, batch_size=128, n_rows=1024, repeats=2):
    X = data.X[:n_rows].astype(np.float32)
    y = data.y[:n_rows]
    kwargs = dict(module__depth=2, module__width=32)
    timings = {"hand-written loop": [], "ValenceNetClassifier": []}
    for r in range(repeats):  # interleaved, best of `repeats`, to damp load noise
        module = build_module("axial", 32, 5, 9, depth=2, width=32)
        t0 = time.perf_counter()
        _manual_loop(module, X, y, epochs, batch_size, 1e-3, 1e-2, seed=r)
        timings["hand-written loop"].append(time.perf_counter() - t0)
        net = ValenceNetClassifier("axial", max_epochs=epochs, batch_size=batch_size, augment=False,
                                   distill=False, warmup_epochs=0, random_state=r, **kwargs)
        t0 = time.perf_counter()
        net.fit(X, y)
        timings["ValenceNetClassifier"].append(time.perf_counter() - t0)
    rate = {k: epochs * len(X) / min(v) for k, v in timings.items()}
    base = rate["hand-written loop"]
    print(f"\nTraining throughput (axial depth 2 width 32, {len(X)} rows, batch {batch_size}, {epochs} epochs)")
    print(f"{'trainer':24s} {'samples/s ratio vs hand-written loop':>38s}")
    for name, value in rate.items():
        print(f"{name:24s} {value / base:38.2f}")
    return rate["ValenceNetClassifier"] / base


def main():
    data = make_faced_like(123, kind="de", random_state=0, verbose=0)
    print("bench_decoders: simulated FACED-like cohort, DE features", data.X.shape)
    quality(data)
    ratio = throughput(data)
    print(f"\nskorch/hand-written throughput ratio: {ratio:.2f} (goal >= 0.8)")


if __name__ == "__main__":
    main()
