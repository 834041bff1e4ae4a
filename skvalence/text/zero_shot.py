"""Zero-shot validation of a valence axis: its coordinate scored against human labels.

The V-axis is built from emotion stories only, never from sentiment labels, so its
coordinate is a zero-shot sentiment score: ROC AUC on binary corpora, Spearman's
rho on continuous ratings (corpora: :mod:`skvalence.datasets.sentiment`). Every
score comes with a percentile bootstrap CI over texts and a random-direction null
(unit directions through the same centre, on the same hidden states);
:func:`compare_scores` compares two axes on the same texts with a paired bootstrap.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy import stats
from sklearn.utils import check_random_state

from ..utils._validation import check_count
from ..utils.nulls import monte_carlo_p, random_unit_directions

__all__ = [
    "ZeroShotResult",
    "ScoreComparison",
    "axis_scores",
    "compare_scores",
    "evaluate_zero_shot",
    "score_metric",
]


_METRICS = {"binary": "roc_auc", "continuous": "spearman"}


def _resolve_kind(y, kind):
    if kind not in ("auto", "binary", "continuous"):
        raise ValueError(f"kind must be 'auto', 'binary' or 'continuous', got {kind!r}")
    n_unique = np.unique(y).size
    if kind == "auto":
        kind = "binary" if n_unique == 2 else "continuous"
    if kind == "binary" and n_unique != 2:
        raise ValueError(f"binary scoring needs exactly 2 label values, got {n_unique}")
    if kind == "continuous" and n_unique < 3:
        raise ValueError(
            f"continuous scoring needs at least 3 distinct ratings, got {n_unique}"
        )
    return kind


def _check_y(y, n):
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if y.shape[0] != n:
        raise ValueError(f"y has {y.shape[0]} values but there are {n} texts")
    if not np.issubdtype(y.dtype, np.number) and not np.issubdtype(y.dtype, np.bool_):
        raise TypeError(f"y must be numeric, got dtype {y.dtype}")
    y = y.astype(float)
    if not np.isfinite(y).all():
        raise ValueError("y contains NaN or infinite values")
    return y


def _check_texts(texts):
    if isinstance(texts, str) or not hasattr(texts, "__len__"):
        raise TypeError("texts must be a sequence of strings, not a single string")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise TypeError(f"texts must be strings; item {bad[0]} is {type(texts[bad[0]]).__name__}")
    if len(texts) < 3:
        raise ValueError(f"need at least 3 texts to score, got {len(texts)}")
    return texts


def _metric_columns(y, scores, kind):
    """Metric of every column of ``scores`` (n, k) against ``y``; vectorised.

    ROC AUC via the Mann-Whitney rank identity, Spearman via Pearson on
    ranks; both handle ties with average ranks, as scikit-learn and scipy do.
    """
    ranks = stats.rankdata(scores, axis=0)
    if kind == "binary":
        pos = y == y.max()
        n_pos, n_neg = pos.sum(), (~pos).sum()
        u = ranks[pos].sum(axis=0) - n_pos * (n_pos + 1) / 2.0
        return u / (n_pos * n_neg)
    ry = stats.rankdata(y)
    ry = (ry - ry.mean()) / np.linalg.norm(ry - ry.mean())
    centred = ranks - ranks.mean(axis=0)
    norm = np.linalg.norm(centred, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (ry @ centred) / norm


def score_metric(y, scores, kind="auto"):
    """ROC AUC (binary ``y``) or Spearman's rho (continuous ``y``) of scores.

    Parameters
    ----------
    y : array-like of shape (n,)
        Binary labels (the larger value is the positive class) or ratings.
    scores : array-like of shape (n,)
        Valence scores.
    kind : {"auto", "binary", "continuous"}, default="auto"
        ``"auto"``: binary when ``y`` has exactly two values.

    Returns
    -------
    value : float
    metric : str
        ``"roc_auc"`` or ``"spearman"``.

    Examples
    --------
    >>> from skvalence.text.zero_shot import score_metric
    >>> score_metric([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    (0.75, 'roc_auc')
    """
    scores = np.asarray(scores, dtype=float).ravel()
    y = _check_y(y, scores.shape[0])
    kind = _resolve_kind(y, kind)
    value = float(_metric_columns(y, scores[:, None], kind)[0])
    return value, _METRICS[kind]


def _bootstrap(y, score_sets, kind, n_bootstrap, rng, chunk=64):
    """Metric of each score vector on ``n_bootstrap`` paired resamples.

    Returns (n_bootstrap, len(score_sets)); resamples that hold one class only
    (or one rating value) are NaN and are left out of percentiles.
    """
    n = y.shape[0]
    out = np.full((n_bootstrap, len(score_sets)), np.nan)
    for start in range(0, n_bootstrap, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_bootstrap - start), n))
        for b, rows in enumerate(idx, start=start):
            yb = y[rows]
            if yb.min() == yb.max():
                continue
            cols = np.column_stack([s[rows] for s in score_sets])
            out[b] = _metric_columns(yb, cols, kind)
    return out


def _percentile_ci(values, level=0.95):
    values = values[np.isfinite(values)]
    if values.size == 0:
        return (np.nan, np.nan)
    alpha = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [alpha, 100 - alpha])
    return (float(lo), float(hi))


@dataclass
class ZeroShotResult:
    """Zero-shot score of a valence axis on one labelled text set.

    Attributes
    ----------
    metric : str
        ``"roc_auc"`` (binary labels) or ``"spearman"`` (continuous ratings).
    score : float
        The metric of the axis coordinate against ``y``.
    ci : tuple of float
        Percentile bootstrap 95% CI of ``score`` (texts resampled).
    n : int
        Number of texts.
    n_bootstrap : int
        Bootstrap resamples drawn (degenerate ones are ignored).
    null_scores : ndarray
        Metric of each random unit direction through ``center_`` (empty when
        the transformer exposes no ``embed``/``center_``/``axis_``).
    null_mean, null_p95 : float
        Mean and 95th percentile of ``null_scores`` (NaN without a null).
    null_percentile : float
        Percentage of null scores ``<= score`` (NaN without a null).
    p_random_direction : float
        One-sided random-direction test: ``(1 + #(null >= score)) /
        (1 + n_null)`` (NaN without a null).
    kind : str
        ``"binary"`` or ``"continuous"``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.text.zero_shot import evaluate_zero_shot
    >>> class Length:
    ...     def transform(self, texts):
    ...         return np.array([[len(t)] for t in texts])
    >>> res = evaluate_zero_shot(Length(), ["a", "bb", "ccc", "dddd"], [0, 0, 1, 1],
    ...                          n_bootstrap=0)
    >>> res.metric, res.score, res.n
    ('roc_auc', 1.0, 4)
    """

    metric: str
    score: float
    ci: tuple
    n: int
    n_bootstrap: int
    null_scores: np.ndarray = field(repr=False)
    null_mean: float
    null_p95: float
    null_percentile: float
    p_random_direction: float
    kind: str

    def __str__(self):
        text = (f"{self.metric} = {self.score:.3f} "
                f"[95% CI {self.ci[0]:.3f}, {self.ci[1]:.3f}], n = {self.n}")
        if self.null_scores.size:
            text += (f"; random directions (k = {self.null_scores.size}): "
                     f"mean {self.null_mean:.3f}, 95th pct {self.null_p95:.3f}, "
                     f"axis at {self.null_percentile:.1f}th pct, "
                     f"p = {self.p_random_direction:.3g} (random-direction test)")
        return text


def _has_null(transformer):
    return all(hasattr(transformer, a) for a in ("embed", "center_", "axis_"))


def axis_scores(transformer, texts):
    """Axis coordinates of texts and, when possible, their hidden states minus ``center_``.

    Shared by every random-direction null on the text side (zero-shot scores here,
    cross-model consistency in :mod:`skvalence.text.consistency`): texts are encoded
    once, and the same centred hidden states are projected on the axis and on the
    random directions.

    Parameters
    ----------
    transformer : fitted transformer
        Anything whose ``transform(texts)`` gives one coordinate per text; when it
        also has ``embed``, ``center_`` and ``axis_`` (a fitted
        :class:`~skvalence.text.vaxis.VAxisTransformer`), the hidden states are returned too.
    texts : list of str
        The texts.

    Returns
    -------
    scores : ndarray of shape (n_texts,)
        Coordinates, ``<embed(x) - center_, axis_>`` (or ``transform`` output when
        the two disagree, with a RuntimeWarning).
    centred : ndarray of shape (n_texts, hidden_size) or None
        ``embed(texts) - center_``; None without ``embed``/``center_``/``axis_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.text.zero_shot import axis_scores
    >>> class Axis:
    ...     center_, axis_ = np.zeros(2), np.array([1.0, 0.0])
    ...     def embed(self, texts):
    ...         return np.array([[len(t), 0.0] for t in texts])
    ...     def transform(self, texts):
    ...         return (self.embed(texts) - self.center_) @ self.axis_[:, None]
    >>> scores, centred = axis_scores(Axis(), ["a", "bbb"])
    >>> scores.tolist(), centred.shape
    ([1.0, 3.0], (2, 2))
    """
    if not _has_null(transformer):
        return _transform_scores(transformer, texts), None
    hidden = np.asarray(transformer.embed(texts), dtype=float)
    if hidden.ndim != 2 or hidden.shape[0] != len(texts):
        raise ValueError(
            f"transformer.embed returned shape {hidden.shape}, expected "
            f"({len(texts)}, hidden_size)"
        )
    center = np.asarray(transformer.center_, dtype=float).ravel()
    axis = np.asarray(transformer.axis_, dtype=float).ravel()
    centred = hidden - center
    projected = centred @ axis
    # The null relies on transform == <embed - center_, axis_>; check it on a
    # few texts and fall back to transform() if a subclass scores otherwise.
    k = min(8, len(texts))
    direct = _transform_scores(transformer, texts[:k])
    if not np.allclose(direct, projected[:k], rtol=1e-3, atol=1e-4 * (1 + np.abs(direct).max())):
        warnings.warn(
            "transform() differs from the projection of embed() onto axis_; "
            "scoring transform() output, the random-direction null uses the "
            "projection", RuntimeWarning, stacklevel=3)
        return _transform_scores(transformer, texts), centred
    return projected, centred


def _transform_scores(transformer, texts):
    scores = np.asarray(transformer.transform(texts), dtype=float)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.shape != (len(texts),):
        raise ValueError(
            f"transformer.transform returned shape {scores.shape}; a valence "
            f"axis must give one coordinate per text, i.e. ({len(texts)}, 1)"
        )
    if not np.isfinite(scores).all():
        raise ValueError("transformer.transform returned NaN or infinite scores")
    return scores


def evaluate_zero_shot(transformer, texts, y, *, kind="auto", n_bootstrap=1000,
                       n_random_directions=100, random_state=None):
    """Score a fitted valence axis against human labels, without training.

    Parameters
    ----------
    transformer : fitted transformer
        Anything whose ``transform(texts)`` returns one coordinate per text,
        e.g. a fitted :class:`~skvalence.text.vaxis.VAxisTransformer`. When it
        also exposes ``embed``, ``center_`` and ``axis_``, texts are encoded
        once and a random-direction null is computed from the same hidden
        states.
    texts : sequence of str
        Texts to score.
    y : array-like of shape (n,)
        Binary labels (larger value = positive) or continuous ratings.
    kind : {"auto", "binary", "continuous"}, default="auto"
        ``"auto"`` picks binary (ROC AUC) when ``y`` has two values,
        otherwise continuous (Spearman's rho).
    n_bootstrap : int, default=1000
        Paired resamples of texts for the percentile 95% CI (0: no CI).
    n_random_directions : int, default=100
        Random unit directions through ``center_`` for the null (0: none).
    random_state : int, RandomState or None, default=None
        Seed of the bootstrap and the random directions.

    Returns
    -------
    result : ZeroShotResult

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.text.zero_shot import evaluate_zero_shot
    >>> class Lexicon:  # any fitted object with transform() works
    ...     def transform(self, texts):
    ...         return np.array([[t.count("good") - t.count("bad")] for t in texts])
    >>> texts = ["good", "bad", "good good", "bad day", "so good", "bad bad"]
    >>> res = evaluate_zero_shot(Lexicon(), texts, [1, 0, 1, 0, 1, 0],
    ...                          n_bootstrap=200, random_state=0)
    >>> res.metric, res.score
    ('roc_auc', 1.0)
    """
    texts = _check_texts(texts)
    y = _check_y(y, len(texts))
    kind = _resolve_kind(y, kind)
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    n_random_directions = check_count(n_random_directions, "n_random_directions", minimum=0)
    if not hasattr(transformer, "transform"):
        raise TypeError(f"{type(transformer).__name__} has no transform() method")
    rng = check_random_state(random_state)
    gen = np.random.default_rng(rng.randint(2**32 - 1))

    scores, centred = axis_scores(transformer, texts)
    score = float(_metric_columns(y, scores[:, None], kind)[0])
    boot = _bootstrap(y, [scores], kind, n_bootstrap, gen)[:, 0]

    null = np.empty(0)
    if centred is not None and n_random_directions:
        dirs = random_unit_directions(n_random_directions, centred.shape[1], gen)
        null = _metric_columns(y, centred @ dirs.T, kind)
    has_null = null.size > 0
    return ZeroShotResult(
        metric=_METRICS[kind],
        score=score,
        ci=_percentile_ci(boot),
        n=len(texts),
        n_bootstrap=n_bootstrap,
        null_scores=null,
        null_mean=float(null.mean()) if has_null else np.nan,
        null_p95=float(np.percentile(null, 95)) if has_null else np.nan,
        null_percentile=float(stats.percentileofscore(null, score, kind="weak"))
        if has_null else np.nan,
        p_random_direction=monte_carlo_p(score, null) if has_null else np.nan,
        kind=kind,
    )


@dataclass
class ScoreComparison:
    """Paired comparison of two score vectors on the same labelled texts.

    Attributes
    ----------
    metric : str
        ``"roc_auc"`` or ``"spearman"``.
    score_a, score_b : float
        Metric of each score vector.
    difference : float
        ``score_b - score_a``.
    ci : tuple of float
        Paired percentile bootstrap 95% CI of the difference.
    p_value : float
        Two-sided paired bootstrap p-value for "no difference"
        (twice the smaller tail of the bootstrap differences around 0).
    n : int
        Number of texts.

    Examples
    --------
    >>> from skvalence.text.zero_shot import compare_scores
    >>> cmp = compare_scores([0, 1, 0, 1, 2], [0, 1, 2, 3, 4], [0, 0, 1, 1, 1],
    ...                      n_bootstrap=100, random_state=0)
    >>> round(cmp.score_a, 3), cmp.score_b
    (0.667, 1.0)
    """

    metric: str
    score_a: float
    score_b: float
    difference: float
    ci: tuple
    p_value: float
    n: int

    def __str__(self):
        return (f"{self.metric}: {self.score_a:.3f} -> {self.score_b:.3f}, "
                f"difference {self.difference:+.3f} "
                f"[95% CI {self.ci[0]:+.3f}, {self.ci[1]:+.3f}], "
                f"p = {self.p_value:.3g} (paired bootstrap, two-sided), n = {self.n}")


def compare_scores(scores_a, scores_b, y, *, kind="auto", n_bootstrap=1000,
                   random_state=None):
    """Paired bootstrap comparison of two valence scorings of the same texts.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n,)
        Two scorings (e.g. two axes' coordinates) of the same texts.
    y : array-like of shape (n,)
        Binary labels or continuous ratings.
    kind : {"auto", "binary", "continuous"}, default="auto"
        As in :func:`evaluate_zero_shot`.
    n_bootstrap : int, default=1000
        Paired resamples (texts resampled once for both scorings).
    random_state : int, RandomState or None, default=None
        Seed of the bootstrap.

    Returns
    -------
    comparison : ScoreComparison

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.text.zero_shot import compare_scores
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 100)
    >>> weak, strong = y + 2 * rng.normal(size=200), y + 0.3 * rng.normal(size=200)
    >>> cmp = compare_scores(weak, strong, y, n_bootstrap=300, random_state=0)
    >>> cmp.difference > 0 and cmp.ci[0] > 0
    True
    """
    a = np.asarray(scores_a, dtype=float).ravel()
    b = np.asarray(scores_b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"scores_a has {a.size} values, scores_b has {b.size}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("scores contain NaN or infinite values")
    y = _check_y(y, a.size)
    kind = _resolve_kind(y, kind)
    n_bootstrap = check_count(n_bootstrap, "n_bootstrap", minimum=0)
    gen = np.random.default_rng(check_random_state(random_state).randint(2**32 - 1))
    sa, sb = _metric_columns(y, np.column_stack([a, b]), kind)
    boot = _bootstrap(y, [a, b], kind, n_bootstrap, gen)
    diff = boot[:, 1] - boot[:, 0]
    diff = diff[np.isfinite(diff)]
    if diff.size:
        # Add-one so a finite bootstrap never claims p = 0.
        tail = min((diff <= 0).sum(), (diff >= 0).sum())
        p_value = float(min(1.0, 2 * (tail + 1) / (diff.size + 1)))
    else:
        p_value = np.nan
    return ScoreComparison(
        metric=_METRICS[kind], score_a=float(sa), score_b=float(sb),
        difference=float(sb - sa), ci=_percentile_ci(diff), p_value=p_value, n=a.size,
    )
