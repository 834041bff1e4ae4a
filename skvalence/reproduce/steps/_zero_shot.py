"""Zero-shot scores of the V-axis on whatever text benchmarks are on disk."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..report import paragraph, table

#: Folders searched besides ``--benchmark-dir``: the environment variable, then the
#: folder where ``make bench`` stores the VADER corpora.
ENV_VAR = "SKVALENCE_BENCHMARK_DIR"
_DEFAULT_DIRS = (Path("benchmarks") / "_data",)


def benchmark_dirs(context):
    """Existing folders to search for benchmark data, in priority order."""
    candidates = [context.benchmark_dir, os.environ.get(ENV_VAR), *_DEFAULT_DIRS]
    seen, dirs = set(), []
    for cand in candidates:
        if cand and Path(cand).is_dir() and Path(cand).resolve() not in seen:
            seen.add(Path(cand).resolve())
            dirs.append(Path(cand))
    return dirs


class _MemoisedAxis:
    """A fitted V-axis whose hidden states are computed once per distinct text.

    Several benchmarks share texts (a corpus scored as ratings and by sign), and
    ``evaluate_zero_shot`` embeds for its random-direction null anyway.
    """

    def __init__(self, vaxis):
        self.vaxis = vaxis
        self.center_ = vaxis.center_
        self.axis_ = vaxis.axis_
        self._memo = {}

    def embed(self, texts):
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            self._memo.update(zip(missing, self.vaxis.embed(missing)))
        return np.stack([self._memo[t] for t in texts])

    def transform(self, texts):
        return ((self.embed(texts) - self.center_) @ self.axis_)[:, None]


def _subsample(texts, y, max_texts, seed):
    if max_texts is None or len(texts) <= max_texts:
        return list(texts), np.asarray(y)
    keep = np.sort(np.random.default_rng(seed).choice(len(texts), max_texts, replace=False))
    return [texts[i] for i in keep], np.asarray(y)[keep]


def _evaluations(name, data, max_texts, seed):
    """(label, texts, y) to score for one loaded benchmark, on one subsample of its texts."""
    from sklearn.utils import Bunch

    from ...datasets.sentiment import binarize_by_sign

    texts, y = _subsample(data.texts, data.y, max_texts, seed)
    yield name, texts, y
    if data.kind == "continuous" and name == "vader_sentences":
        binary = binarize_by_sign(Bunch(texts=texts, y=y, kind=data.kind, name=name))
        yield f"{name} (sign, ROC AUC)", binary.texts, binary.y


def run_zero_shot(context, vaxis):
    """Score ``vaxis`` on every benchmark found; return (results, report blocks)."""
    from ...datasets.sentiment import SENTIMENT_LOADERS as LOADERS
    from ...datasets.sentiment import find_sentiment_corpora as find_benchmarks
    from ...text.zero_shot import evaluate_zero_shot

    dirs = benchmark_dirs(context)
    axis = _MemoisedAxis(vaxis)
    rows, scores = [], []
    for folder in dirs:
        for name, paths in find_benchmarks(folder).items():
            for path in paths:
                try:
                    data = LOADERS[name](path)
                except ValueError as exc:
                    context.log(f"zero-shot: skipping {path}: {exc}")
                    continue
                context.log(f"zero-shot: {name} ({path})")
                for label, texts, y in _evaluations(name, data, context.config["zero_shot_max_texts"],
                                                    context.random_state):
                    res = evaluate_zero_shot(axis, texts, y, n_bootstrap=1000, n_random_directions=100,
                                             random_state=context.random_state)
                    entry = {"benchmark": label, "file": str(path), "metric": res.metric,
                             "score": res.score, "ci": list(res.ci), "n": res.n,
                             "null_mean": res.null_mean, "null_p95": res.null_p95,
                             "p_random_direction": res.p_random_direction}
                    scores.append(entry)
                    rows.append((label, Path(path).name, res.metric, res.score,
                                 f"[{res.ci[0]:.3f}, {res.ci[1]:.3f}]", res.n, res.null_p95,
                                 res.p_random_direction))
    searched = ", ".join(str(d) for d in dirs) or "none"
    if not scores:
        blocks = [paragraph(f"Zero-shot validation skipped: no human-rated sentiment data was found "
                            f"(searched: {searched or 'no existing folder'}). Missing: the VADER corpora "
                            "(movieReviewSnippets_GroundTruth.txt, tweets_GroundTruth.txt, ...) from the "
                            "vaderSentiment==3.3.2 source distribution. To add them, run "
                            "'python benchmarks/_data.py' (or 'make demo' / 'make bench') where PyPI can be "
                            "reached; it unpacks them into benchmarks/_data. Or put SST-2, IMDB, Yelp or "
                            f"VADER files in a folder and pass --benchmark-dir or set {ENV_VAR}.")]
    else:
        blocks = [paragraph(f"Benchmarks found in: {searched}. Score = the axis coordinate, no training. "
                            "CI: percentile bootstrap over texts. Null: 100 random unit directions through "
                            "the centroid mean; p is the one-sided random-direction test. Paper (Qwen3-4B): "
                            "SST-2 AUC 0.832, IMDB 0.857, Yelp 0.938, Rotten Tomatoes 0.799."),
                  table(("benchmark", "file", "metric", "score", "95% CI", "n", "null 95th pct",
                         "p (random directions)"), rows)]
    return {"searched": [str(d) for d in dirs], "scores": scores}, blocks
