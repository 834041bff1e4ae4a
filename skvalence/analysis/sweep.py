"""The alignment sweep: every V-axis strategy against the same recipe without it.

Each strategy is trained with each seed and paired with the baseline
(``alignment_loss="none"``) trained with the *same* seed, so the seed's effect
on initialisation and batch order cancels in the difference.  Per strategy the
sweep reports the mean change in balanced accuracy (strategy minus baseline)
with a t-interval over seeds, a paired t-test, Holm correction across
strategies, Cohen's d_z, a TOST equivalence test against ``+-margin`` (also
Holm-corrected) and the mechanism check: the change in class-axis and
within-class residual alignment of the test features.
"""

from __future__ import annotations

import itertools
import logging
import numbers
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from tqdm.auto import tqdm

from ..utils._logging import child_level, inherit_verbose, resolve_verbose
from .saturation import feature_alignments
from .stats import (
    _check_disjoint_groups,
    _t_ci,
    bootstrap_ci,
    holm_correction,
    paired_comparison,
    tost_equivalence,
)

__all__ = ["SweepResult", "alignment_sweep"]

BASELINE = "none"


@dataclass
class SweepResult:
    """Outcome of :func:`alignment_sweep`.

    Attributes
    ----------
    table : list of dict
        One row per strategy: ``strategy``, ``family``, ``weight``, ``n_seeds``,
        ``delta_bacc`` (mean of strategy minus baseline), ``ci_low``,
        ``ci_high``, ``p_value`` (paired t-test), ``p_holm``, ``cohens_dz``,
        ``tost_p``, ``tost_p_holm``, ``verdict`` (``"worse"``, ``"better"``,
        ``"equivalent"`` or ``"inconclusive"``), ``delta_class_alignment`` and
        ``delta_residual_alignment`` (means over seeds; NaN when not computed).
    runs : list of dict
        One row per trained model: ``strategy``, ``seed``, ``bacc``,
        ``class_alignment``, ``residual_alignment``.
    baseline : dict
        Baseline BACC over seeds (mean, t-interval) and, with ``groups_test``,
        a subject-level cluster-bootstrap interval of the seed-0 model.
    settings : dict
        Seeds, alpha, margin and the names of the tests used.

    Examples
    --------
    >>> from skvalence.analysis.sweep import SweepResult
    >>> SweepResult(table=[{"strategy": "rsa", "verdict": "worse"}], runs=[], baseline={}).verdicts()
    {'rsa': 'worse'}
    """

    table: list
    runs: list
    baseline: dict
    settings: dict = field(default_factory=dict)

    def verdicts(self):
        """Mapping strategy -> verdict."""
        return {row["strategy"]: row["verdict"] for row in self.table}

    def to_dict(self):
        """JSON-serialisable dict of every part of the result."""
        return {"table": [dict(r) for r in self.table], "runs": [dict(r) for r in self.runs],
                "baseline": dict(self.baseline), "settings": dict(self.settings)}

    def plot(self, **kwargs):
        """Forest plot; see :func:`skvalence.viz.plot_forest`."""
        from ..viz import plot_forest

        return plot_forest(self, **kwargs)


def _registry():
    try:
        from ..decoders import ALIGNMENT_LOSSES
    except ImportError:  # decoders unavailable: strategies must be named explicitly
        return {}
    return ALIGNMENT_LOSSES


def _weight_for(strategy, alignment_weight, registry):
    if strategy == BASELINE:
        return 0.0
    if isinstance(alignment_weight, dict):
        if strategy in alignment_weight:
            return alignment_weight[strategy]
        alignment_weight = None
    if alignment_weight is None:
        entry = registry.get(strategy)
        return None if entry is None else float(entry.default_weight)
    return alignment_weight


def _make_factory(estimator, alignment_target, alignment_weight, registry):
    """A ``(strategy, seed) -> unfitted estimator`` callable."""
    if hasattr(estimator, "get_params"):
        def make(strategy, seed):
            params = {"alignment_loss": strategy, "random_state": seed}
            weight = _weight_for(strategy, alignment_weight, registry)
            if weight is not None:
                params["alignment_weight"] = weight
            if alignment_target is not None:
                params["alignment_target"] = alignment_target
            return clone(estimator).set_params(**params)

        return make
    if callable(estimator):
        return estimator
    raise TypeError(
        "estimator must be an estimator with alignment_loss/random_state parameters "
        f"or a callable make_estimator(strategy, seed); got {type(estimator).__name__}."
    )


def _run_one(make, strategy, seed, data, level):
    est = inherit_verbose(make(strategy, seed), level)
    fit_kw = {k: data[k + "_train"] for k in ("groups", "stimulus") if data[k + "_train"] is not None}
    est.fit(data["X_train"], data["y_train"], **fit_kw)
    y_pred = est.predict(data["X_test"])
    row = {"strategy": strategy, "seed": seed,
           "bacc": float(balanced_accuracy_score(data["y_test"], y_pred)),
           "class_alignment": float("nan"), "residual_alignment": float("nan")}
    if data["class_coords"] is not None and hasattr(est, "transform"):
        scores = feature_alignments(est.transform(data["X_test"]), data["y_test"], data["class_coords"],
                                    data["stimulus_test"], data["stimulus_coords"])
        row.update(scores)
    if data["groups_test"] is not None and strategy == BASELINE:
        row["y_pred"] = y_pred
    return row


def _verdict(row, alpha):
    if row["p_holm"] < alpha:
        return "worse" if row["delta_bacc"] < 0 else "better"
    if row["tost_p_holm"] < alpha:
        return "equivalent"
    return "inconclusive"


def _default_class_coords(alignment_target, y_train):
    if alignment_target is None:
        return None
    target = np.asarray(alignment_target, dtype=float)
    if target.ndim == 1 and target.shape[0] == np.unique(y_train).shape[0]:
        return target
    return None


def _summarise(strategy, runs, registry, margin, make_weight):
    by_seed = {(r["strategy"], r["seed"]): r for r in runs}
    seeds = sorted(s for (name, s) in by_seed if name == strategy)
    base = np.array([by_seed[(BASELINE, s)]["bacc"] for s in seeds])
    treat = np.array([by_seed[(strategy, s)]["bacc"] for s in seeds])
    cmp = paired_comparison(base, treat)
    tost = tost_equivalence(treat - base, margin)

    def mean_delta(key):
        d = [by_seed[(strategy, s)][key] - by_seed[(BASELINE, s)][key] for s in seeds]
        return float(np.mean(d))

    entry = registry.get(strategy)
    return {
        "strategy": strategy,
        "family": getattr(entry, "family", ""),
        "weight": make_weight(strategy),
        "n_seeds": len(seeds),
        "delta_bacc": cmp["mean_delta"],
        "ci_low": cmp["ci_low"],
        "ci_high": cmp["ci_high"],
        "p_value": cmp["p_value"],
        "cohens_dz": cmp["cohens_dz"],
        "tost_p": tost["p_value"],
        "delta_class_alignment": mean_delta("class_alignment"),
        "delta_residual_alignment": mean_delta("residual_alignment"),
    }


def alignment_sweep(
    estimator,
    X_train,
    y_train,
    X_test,
    y_test,
    *,
    strategies=None,
    seeds=(0, 1, 2, 3, 4),
    alignment_target=None,
    alignment_weight=None,
    groups_train=None,
    groups_test=None,
    stimulus_train=None,
    stimulus_test=None,
    class_coords=None,
    stimulus_coords=None,
    n_jobs=None,
    equivalence_margin=0.01,
    alpha=0.05,
    n_boot=1000,
    verbose=None,
):
    """Paired comparison of alignment strategies against the same recipe without alignment.

    Every (strategy, seed) and the baseline ``"none"`` for every seed are
    trained on the training subjects and scored on the test subjects; jobs run
    through :class:`joblib.Parallel` (``joblib.parallel_config(backend="dask")``
    scales them out).  Statistics are described in :class:`SweepResult`; the
    paired t-test p-values and the TOST p-values are each Holm-corrected across
    strategies, and the verdict is ``"worse"``/``"better"`` when the corrected
    t-test p is below ``alpha``, otherwise ``"equivalent"`` when the corrected
    TOST p is below ``alpha``, otherwise ``"inconclusive"``.

    Parameters
    ----------
    estimator : estimator or callable
        A :class:`~skvalence.decoders.ValenceNetClassifier` (cloned, then
        ``alignment_loss``, ``alignment_weight``, ``alignment_target`` and
        ``random_state`` set per run), or ``make_estimator(strategy, seed)``
        returning an unfitted estimator.
    X_train, y_train : array-like
        Training data and labels.
    X_test, y_test : array-like
        Test data and labels (other subjects).
    strategies : sequence of str, default=None
        Strategy names; ``None`` means every entry of
        :data:`~skvalence.decoders.ALIGNMENT_LOSSES` except ``"none"``.
    seeds : sequence of int, default=(0, 1, 2, 3, 4)
        Seeds; at least two (the paired test needs them).
    alignment_target : array-like, default=None
        Class coordinates or prototype rows passed to the estimator.
    alignment_weight : float, dict or None, default=None
        Weight of the alignment term: one value for all strategies, a dict per
        strategy, or ``None`` for each strategy's registry default.
    groups_train, groups_test : array-like, default=None
        Subject ids.  ``groups_train`` is passed to ``fit``; when both are
        given a shared subject raises ``ValueError``; ``groups_test`` also
        enables a subject-level bootstrap interval of the baseline BACC.
    stimulus_train : array-like, default=None
        Passed to ``fit(..., stimulus=...)`` (stimulus-level strategies need it).
    stimulus_test : array-like, default=None
        Stimulus of each test row, for the residual alignment.
    class_coords : array-like or dict, default=None
        Class coordinates for the mechanism check; defaults to
        ``alignment_target`` when that is one coordinate per class.
    stimulus_coords : array-like or dict, default=None
        Per-stimulus coordinates for the residual alignment.
    n_jobs : int, default=None
        Parallel jobs (joblib semantics).
    equivalence_margin : float, default=0.01
        TOST margin in BACC units.
    alpha : float, default=0.05
        Family-wise level of the verdicts.
    n_boot : int, default=1000
        Bootstrap resamples of the baseline interval.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        Decoders whose own ``verbose`` is None get this level, lowered to warnings only
        unless it is DEBUG (so nets print their epoch tables only then).

    Returns
    -------
    result : SweepResult

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skvalence.analysis.sweep import alignment_sweep
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(3), 40); X = y[:, None] + 2 * rng.normal(size=(120, 4))
    >>> make = lambda strategy, seed: LogisticRegression(C={"none": 1.0, "weak": 1e-3}[strategy])
    >>> res = alignment_sweep(make, X[::2], y[::2], X[1::2], y[1::2], strategies=["weak"], seeds=(0, 1))
    >>> [row["strategy"] for row in res.table], res.table[0]["n_seeds"]
    (['weak'], 2)
    """
    registry = _registry()
    if strategies is None:
        if not registry:
            raise ValueError("strategies=None needs skvalence.decoders.ALIGNMENT_LOSSES; name the strategies.")
        strategies = [name for name in registry if name != BASELINE]
    strategies = [s for s in strategies if s != BASELINE]
    if not strategies:
        raise ValueError("No strategy to compare with the baseline.")
    if len(set(strategies)) != len(strategies):
        raise ValueError("strategies contains duplicates.")
    seeds = list(seeds)
    if len(seeds) < 2 or len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must hold at least two distinct values; got {seeds}.")
    if not isinstance(equivalence_margin, numbers.Real) or equivalence_margin <= 0:
        raise ValueError(f"equivalence_margin must be positive; got {equivalence_margin!r}.")
    _check_disjoint_groups(groups_train, groups_test)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    level = resolve_verbose(verbose)
    make = _make_factory(estimator, alignment_target, alignment_weight, registry)
    data = dict(
        X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test,
        groups_train=groups_train, stimulus_train=stimulus_train,
        groups_test=None if groups_test is None else np.asarray(groups_test),
        stimulus_test=stimulus_test, stimulus_coords=stimulus_coords,
        class_coords=class_coords if class_coords is not None else _default_class_coords(alignment_target, y_train),
    )
    jobs = list(itertools.product([BASELINE] + list(strategies), seeds))
    gen = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_run_one)(make, s, seed, data, child_level(level)) for s, seed in jobs
    )
    runs = list(tqdm(gen, total=len(jobs), desc="alignment sweep", disable=level > logging.INFO))

    def make_weight(strategy):
        return _weight_for(strategy, alignment_weight, registry)

    table = [_summarise(s, runs, registry, equivalence_margin, make_weight) for s in strategies]
    p_holm = holm_correction([row["p_value"] for row in table])
    tost_holm = holm_correction([row["tost_p"] for row in table])
    for row, p, t in zip(table, p_holm, tost_holm):
        row["p_holm"], row["tost_p_holm"] = float(p), float(t)
        row["verdict"] = _verdict(row, alpha)
    baseline = _baseline_summary(runs, data, n_boot)
    for r in runs:
        r.pop("y_pred", None)
    settings = dict(
        seeds=seeds, strategies=list(strategies), alpha=alpha, equivalence_margin=float(equivalence_margin),
        delta="strategy BACC minus baseline BACC, paired by seed",
        test="paired t-test (scipy.stats.ttest_rel), Holm-corrected across strategies",
        equivalence_test="TOST (two one-sided t-tests), Holm-corrected across strategies",
    )
    return SweepResult(table=table, runs=runs, baseline=baseline, settings=settings)


def _baseline_summary(runs, data, n_boot):
    base = [r for r in runs if r["strategy"] == BASELINE]
    bacc = np.array([r["bacc"] for r in base])
    ci_low, ci_high = _t_ci(bacc, 0.95)
    out = {"bacc_mean": float(bacc.mean()), "ci_low": ci_low, "ci_high": ci_high,
           "ci": "95% t-interval over seeds"}
    if data["groups_test"] is not None:
        first = base[0]
        point, lo, hi = bootstrap_ci(balanced_accuracy_score, data["y_test"], first["y_pred"],
                                     data["groups_test"], n_boot=n_boot, random_state=0)
        out.update(seed=first["seed"], bacc=point, bootstrap_low=lo, bootstrap_high=hi,
                   bootstrap="95% subject-level cluster bootstrap (percentile)")
    return out
