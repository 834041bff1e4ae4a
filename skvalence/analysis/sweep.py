"""The alignment sweep: every V-axis strategy against the same recipe without it.

Each strategy is trained with each seed and paired with the baseline
(``alignment_loss="none"``) trained with the *same* seed, so the seed's effect
on initialisation and batch order cancels in the difference.  The comparison is
reported at two levels:

*subject level* (the headline whenever the test subjects are known)
    For every test subject, the balanced accuracy of its own rows; the paired
    delta of a subject is strategy minus baseline, averaged over seeds.  The
    subjects are the unit of resampling: the confidence interval is a
    subject-cluster bootstrap (:func:`scipy.stats.bootstrap`, paired over
    subjects) and the tests run over subjects, so "significant" speaks about
    new subjects drawn from the same population.
*seed level*
    Balanced accuracy over all test rows, one value per seed; the paired
    delta is per seed.  It only speaks about retraining on this fixed set of
    test subjects.

At each level :func:`compare_to_baseline` runs a two-sided paired test, a
one-sided non-superiority test against ``+margin`` and a one-sided
non-inferiority test against ``-margin`` (the two together are TOST
equivalence); :func:`compare_strategies` Holm-corrects each of them across the
strategies and gives each strategy one of four verdicts:

``"worse"`` / ``"better"``
    The Holm-corrected two-sided test rejects "no difference" at ``alpha``;
    the sign of the mean delta names the verdict.  A significant delta can be
    smaller than the margin.
``"equivalent"`` (equivalent within +-margin)
    Not worse or better, and both one-sided tests reject (Holm-corrected TOST
    p < ``alpha``): the mean delta lies inside ``(-margin, +margin)``.
``"inconclusive"``
    Neither: the data cannot tell a difference from no difference at this
    margin (typically too few subjects or too much spread).

The non-superiority p-value stands beside the verdict: a small value supports
"this strategy does not improve balanced accuracy by ``margin`` or more", the
claim behind "none better", even where the verdict is "inconclusive".

The sweep also reports the mechanism check: the change in class-axis and
within-class residual alignment of the test features.
"""

from __future__ import annotations

import itertools
import logging
import numbers
import warnings
from dataclasses import dataclass, field

import numpy as np
from joblib import Parallel, delayed
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils.validation import check_array
from tqdm.auto import tqdm

from ..utils._logging import child_level, inherit_verbose, resolve_verbose
from ..utils._validation import check_count, jsonable
from .saturation import feature_alignments
from .stats import (
    _MIN_RESAMPLES,
    _TEST_NAMES,
    _as_generator,
    _check_confidence,
    _check_disjoint_groups,
    _check_test,
    _t_ci,
    bootstrap_ci,
    holm_correction,
    margin_tests,
    paired_comparison,
)

__all__ = ["SweepResult", "alignment_sweep", "compare_strategies", "compare_to_baseline"]

BASELINE = "none"
VERDICTS = ("worse", "better", "equivalent", "inconclusive")


@dataclass
class SweepResult:
    """Outcome of :func:`alignment_sweep`.

    Attributes
    ----------
    table : list of dict
        One row per strategy.  Headline columns, from the subject-level view
        when the test subjects are known (``groups_test`` with at least two
        subjects), otherwise from the seed-level view (``unit`` says which):
        ``strategy``, ``family``, ``weight``, ``n_seeds``, ``n_subjects``,
        ``unit`` (``"subject"`` or ``"seed"``), ``delta_bacc`` (mean paired delta,
        strategy minus baseline), ``ci_low``, ``ci_high`` and ``ci`` (how the
        interval was made), ``p_value`` (two-sided paired test), ``p_holm``,
        ``cohens_dz``, ``nonsup_p`` and ``nonsup_p_holm`` (one-sided
        non-superiority against ``+margin``), ``non_superior``, ``tost_p``,
        ``tost_p_holm`` (TOST equivalence within +-``margin``), ``verdict``
        (``"worse"``, ``"better"``, ``"equivalent"`` or ``"inconclusive"``;
        see the module docstring) and ``verdict_text``.  Both views in full:
        ``subject_level`` and ``seed_level`` (:func:`compare_to_baseline`
        results; ``subject_level`` is ``{"computed": False, "reason": ...}``
        when it could not be computed).  Mechanism columns:
        ``delta_class_alignment`` and ``delta_residual_alignment`` (means over
        seeds; NaN when not computed, e.g. no ``transform`` or no coordinates).
    runs : list of dict
        One row per trained model: ``strategy``, ``seed``, ``bacc`` (all test
        rows), ``subject_bacc`` (one balanced accuracy per test subject, in the
        order of ``settings["subjects"]``; only with ``groups_test``),
        ``class_alignment``, ``residual_alignment``.
    baseline : dict
        Baseline BACC over seeds (mean, t-interval); with ``groups_test`` also
        the mean per-subject BACC with a subject-cluster bootstrap interval, and
        the seed-0 model's pooled BACC with a subject-level cluster bootstrap.
    settings : dict
        Seeds, subjects, alpha, margin, the unit of the headline and the names
        of the tests used.

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


# --------------------------------------------------------------------------- statistics
def _score_table(scores, name):
    """Scores as a finite (n_units, n_seeds) float array (a 1-D input is one seed)."""
    arr = check_array(scores, ensure_2d=False, dtype=np.float64, input_name=name)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be (n_subjects, n_seeds) or (n_subjects,); got shape {arr.shape}.")
    return arr


def _bootstrap_ci(strategy_means, baseline_means, confidence, n_resamples, method, random_state):
    """Paired bootstrap over units (subjects) of the mean delta, by :func:`scipy.stats.bootstrap`."""
    deltas = strategy_means - baseline_means
    mean = float(deltas.mean())
    if float(np.ptp(deltas)) == 0:  # every resample gives the same mean: the interval is a point
        return mean, mean

    def mean_delta(s, b, axis):
        return np.mean(s - b, axis=axis)

    with warnings.catch_warnings():
        # BCa on tiny samples may warn; the interval is still reported (and checked below).
        warnings.simplefilter("ignore", RuntimeWarning)
        res = stats.bootstrap((strategy_means, baseline_means), mean_delta, paired=True, vectorized=True,
                              n_resamples=n_resamples, confidence_level=confidence, method=method,
                              rng=_as_generator(random_state))
    low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if not (np.isfinite(low) and np.isfinite(high)):
        raise ValueError(f"the {method} bootstrap interval is not finite for these deltas; "
                         "use bootstrap_method='percentile'.")
    return low, high


def _verdict(p_holm, mean_delta, p_equivalence_holm, alpha):
    """The four verdicts; see the module docstring."""
    if p_holm < alpha:
        return "worse" if mean_delta < 0 else "better"
    if p_equivalence_holm < alpha:
        return "equivalent"
    return "inconclusive"


def _describe_verdict(verdict, margin):
    return f"equivalent within +-{margin:g}" if verdict == "equivalent" else verdict


def compare_to_baseline(
    scores_strategy,
    scores_baseline,
    subjects=None,
    *,
    margin=0.01,
    alpha=0.05,
    test="ttest",
    ci="bootstrap",
    confidence=0.95,
    n_resamples=9999,
    bootstrap_method="percentile",
    unit="subject",
    random_state=0,
):
    """Paired comparison of one strategy with the baseline, one delta per subject.

    ``scores_strategy[i, j]`` and ``scores_baseline[i, j]`` are the balanced
    accuracies of subject ``i`` (its own test rows) for seed ``j``; the paired
    delta of subject ``i`` is ``mean_j(strategy - baseline)``.  The subjects are
    the unit of inference: tests run over the ``n_subjects`` deltas, and the
    confidence interval resamples subjects (a cluster bootstrap: the seeds of a
    subject travel together).  Passing one row per seed with ``unit="seed"``
    and ``ci="t"`` gives the seed-level view.

    Tests (each one p-value, uncorrected here; :func:`compare_strategies`
    Holm-corrects them across strategies):

    * two-sided: "no difference" (``p_value``), by ``test``;
    * non-superiority: null ``mean delta >= +margin`` against ``< +margin``
      (``p_non_superiority``);
    * non-inferiority: null ``mean delta <= -margin`` against ``> -margin``
      (``p_non_inferiority``); with the previous one, TOST equivalence
      (``p_equivalence``, the larger of the two).

    The verdict (for a family of one strategy) is ``"worse"``/``"better"`` when
    the two-sided p is below ``alpha`` (sign of the mean delta), else
    ``"equivalent"`` (within +-``margin``) when the TOST p is below ``alpha``,
    else ``"inconclusive"``.

    Parameters
    ----------
    scores_strategy, scores_baseline : array-like of shape (n_subjects, n_seeds) or (n_subjects,)
        Paired scores, finite; at least two subjects.
    subjects : array-like of shape (n_subjects,), default=None
        Subject ids of the rows (reported only); ``range(n_subjects)`` when None.
    margin : float, default=0.01
        Equivalence / non-superiority margin in score units (0.01 = 1 point of
        balanced accuracy).
    alpha : float, default=0.05
        Level of the verdict.
    test : {"ttest", "wilcoxon", "permutation"}, default="ttest"
        Paired t-test (:func:`scipy.stats.ttest_rel`), Wilcoxon signed-rank, or
        sign-flip permutation test (:func:`scipy.stats.permutation_test`) over
        subjects, for the two-sided and both one-sided tests.
    ci : {"bootstrap", "t"}, default="bootstrap"
        Headline interval: subject-cluster bootstrap (:func:`scipy.stats.bootstrap`,
        paired, vectorized) or the t-interval
        (``scipy.stats.ttest_rel(...).confidence_interval``); the t-interval is
        reported in ``t_ci_low``/``t_ci_high`` either way.
    confidence : float, default=0.95
        Level of the intervals.
    n_resamples : int, default=9999
        Bootstrap resamples and permutation-test sign flips (at least 100).
    bootstrap_method : {"percentile", "basic", "BCa"}, default="percentile"
        Passed to :func:`scipy.stats.bootstrap`.
    unit : str, default="subject"
        Name of the unit of resampling, for the report (``"subject"`` or ``"seed"``).
    random_state : int, numpy Generator or None, default=0
        Seed of the bootstrap and the permutation test.

    Returns
    -------
    result : dict
        ``unit``, ``n_units``, ``n_seeds``, ``units`` (ids), ``unit_deltas``
        (one per unit), ``mean_delta``, ``ci_low``/``ci_high`` and ``ci`` (how
        they were computed), ``t_ci_low``/``t_ci_high``, ``cohens_dz``,
        ``p_value`` and ``test``, ``p_non_superiority``, ``p_non_inferiority``,
        ``p_equivalence`` and ``margin_test``, the same three with ``_holm``
        (equal to the raw ones for a family of one), ``p_holm``,
        ``non_superior`` (Holm-corrected non-superiority p < ``alpha``),
        ``verdict``, ``verdict_text``, ``margin``, ``alpha``.

    Raises
    ------
    ValueError
        Fewer than two subjects, non-finite or mismatched scores, an unknown
        test or interval, ``n_resamples`` below 100.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.sweep import compare_to_baseline
    >>> rng = np.random.default_rng(0)
    >>> base = rng.uniform(0.4, 0.7, size=(20, 5))                     # 20 subjects x 5 seeds
    >>> worse = base - 0.02 + 0.01 * rng.normal(size=base.shape)       # 2 points worse everywhere
    >>> res = compare_to_baseline(worse, base, margin=0.01)
    >>> res["verdict"], res["unit"], res["n_units"], res["ci_low"] < res["mean_delta"] < res["ci_high"] < 0
    ('worse', 'subject', 20, True)
    >>> res["non_superior"]  # also shown not to improve by 1 point or more
    True
    """
    S = _score_table(scores_strategy, "scores_strategy")
    B = _score_table(scores_baseline, "scores_baseline")
    if S.shape != B.shape:
        raise ValueError(f"scores_strategy and scores_baseline must be paired (same shape); "
                         f"got {S.shape} and {B.shape}.")
    if S.shape[0] < 2:
        raise ValueError(f"compare_to_baseline needs at least 2 {unit}s (one delta each); got {S.shape[0]}.")
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not (np.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a positive finite number; got {margin!r}.")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}.")
    _check_confidence(confidence)
    _check_test(test, n_resamples)
    if ci not in ("bootstrap", "t"):
        raise ValueError(f"ci must be 'bootstrap' or 't'; got {ci!r}.")
    if ci == "bootstrap":
        check_count(n_resamples, "n_resamples", minimum=_MIN_RESAMPLES)
        if bootstrap_method not in ("percentile", "basic", "BCa"):
            raise ValueError(f"bootstrap_method must be 'percentile', 'basic' or 'BCa'; got {bootstrap_method!r}.")
    if subjects is None:
        units = np.arange(S.shape[0])
    else:
        units = np.asarray(subjects)
        if units.ndim != 1 or units.shape[0] != S.shape[0]:
            raise ValueError(f"subjects must hold one id per row of the scores ({S.shape[0]}); "
                             f"got shape {units.shape}.")
        if np.unique(units).shape[0] != units.shape[0]:
            raise ValueError("subjects contains duplicates: each row must be a different subject.")

    s_mean, b_mean = S.mean(axis=1), B.mean(axis=1)
    deltas = s_mean - b_mean
    two = paired_comparison(b_mean, s_mean, test=test, confidence=confidence, n_resamples=n_resamples,
                            random_state=random_state)
    one = margin_tests(deltas, margin, test=test, n_resamples=n_resamples, random_state=random_state)
    if ci == "bootstrap":
        ci_low, ci_high = _bootstrap_ci(s_mean, b_mean, confidence, n_resamples, bootstrap_method, random_state)
        ci_text = (f"{confidence:.0%} {unit}-cluster bootstrap ({bootstrap_method}, {n_resamples} paired "
                   f"resamples of {unit}s, scipy.stats.bootstrap)")
    else:
        ci_low, ci_high = two["ci_low"], two["ci_high"]
        ci_text = f"{confidence:.0%} t-interval over {unit}s (scipy.stats.ttest_rel)"
    out = {
        "unit": unit,
        "n_units": int(S.shape[0]),
        "n_seeds": int(S.shape[1]),
        "units": jsonable(units),
        "unit_deltas": [float(d) for d in deltas],
        "mean_delta": float(deltas.mean()),
        "ci_low": float(ci_low),
        "ci_high": float(ci_high),
        "ci": ci_text,
        "t_ci_low": two["ci_low"],
        "t_ci_high": two["ci_high"],
        "cohens_dz": two["cohens_dz"],
        "p_value": two["p_value"],
        "test": f"two-sided {two['test']} over {unit}s",
        "p_non_superiority": one["p_non_superiority"],
        "p_non_inferiority": one["p_non_inferiority"],
        "p_equivalence": one["p_equivalence"],
        "margin_test": f"{one['test']} over {unit}s",
        "margin": float(margin),
        "alpha": float(alpha),
    }
    _set_holm(out, out["p_value"], out["p_non_superiority"], out["p_equivalence"])
    return out


def _set_holm(result, p_holm, p_non_superiority_holm, p_equivalence_holm):
    result["p_holm"] = float(p_holm)
    result["p_non_superiority_holm"] = float(p_non_superiority_holm)
    result["p_equivalence_holm"] = float(p_equivalence_holm)
    result["non_superior"] = bool(p_non_superiority_holm < result["alpha"])
    result["verdict"] = _verdict(p_holm, result["mean_delta"], p_equivalence_holm, result["alpha"])
    result["verdict_text"] = _describe_verdict(result["verdict"], result["margin"])


def compare_strategies(scores, scores_baseline, subjects=None, **kwargs):
    """:func:`compare_to_baseline` for several strategies, Holm-corrected across them.

    The two-sided, non-superiority and TOST p-values are each Holm-corrected
    (:func:`~skvalence.analysis.stats.holm_correction`) across the strategies,
    and the verdicts use the corrected values, so the family-wise error rate
    of every kind of claim ("worse", "better", "equivalent", "not better by
    ``margin``") is at most ``alpha``.

    Parameters
    ----------
    scores : dict of str to array-like of shape (n_subjects, n_seeds)
        Strategy name -> its scores, paired with ``scores_baseline``.
    scores_baseline : array-like of shape (n_subjects, n_seeds)
    subjects : array-like of shape (n_subjects,), default=None
    **kwargs
        Passed to :func:`compare_to_baseline`.

    Returns
    -------
    results : dict of str to dict
        One :func:`compare_to_baseline` result per strategy, in the input order,
        with the ``_holm`` p-values, ``non_superior`` and the verdict corrected.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.sweep import compare_strategies
    >>> rng = np.random.default_rng(0)
    >>> base = rng.uniform(0.4, 0.7, size=(40, 3))
    >>> out = compare_strategies({"same": base + 0.005 * rng.normal(size=base.shape),
    ...                           "worse": base - 0.02 + 0.005 * rng.normal(size=base.shape)}, base)
    >>> {name: res["verdict"] for name, res in out.items()}
    {'same': 'equivalent', 'worse': 'worse'}
    """
    if not isinstance(scores, dict) or not scores:
        raise ValueError("scores must be a non-empty dict mapping strategy name -> scores.")
    results = {name: compare_to_baseline(table, scores_baseline, subjects, **kwargs)
               for name, table in scores.items()}
    rows = list(results.values())
    corrected = [holm_correction([r[key] for r in rows])
                 for key in ("p_value", "p_non_superiority", "p_equivalence")]
    for row, p_two, p_sup, p_eq in zip(rows, *corrected):
        _set_holm(row, p_two, p_sup, p_eq)
    return results


# --------------------------------------------------------------------------- the sweep
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
    if data["groups_test"] is not None:
        row["subject_bacc"] = _subject_bacc(data["y_test"], y_pred, data["groups_test"], data["subjects"])
        if strategy == BASELINE:
            row["y_pred"] = y_pred
    return row


def _subject_bacc(y_true, y_pred, groups, subjects):
    """Balanced accuracy of each subject's own rows, in the order of ``subjects``."""
    out = []
    with warnings.catch_warnings():
        # A subject may miss a class in y_true or y_pred; the score is still defined over its classes.
        warnings.simplefilter("ignore", UserWarning)
        for subject in subjects:
            rows = groups == subject
            out.append(float(balanced_accuracy_score(y_true[rows], y_pred[rows])))
    return out


def _default_class_coords(alignment_target, y_train):
    if alignment_target is None:
        return None
    target = np.asarray(alignment_target, dtype=float)
    if target.ndim == 1 and target.shape[0] == np.unique(y_train).shape[0]:
        return target
    return None


def _mean_delta(runs, strategy, seeds, key):
    by_seed = {(r["strategy"], r["seed"]): r for r in runs}
    return float(np.mean([by_seed[(strategy, s)][key] - by_seed[(BASELINE, s)][key] for s in seeds]))


def _headline(row, view):
    """Copy one view's numbers into the row's headline columns (names kept for the report and plots)."""
    row.update(
        unit=view["unit"], delta_bacc=view["mean_delta"], ci_low=view["ci_low"], ci_high=view["ci_high"],
        ci=view["ci"], p_value=view["p_value"], p_holm=view["p_holm"], cohens_dz=view["cohens_dz"],
        nonsup_p=view["p_non_superiority"], nonsup_p_holm=view["p_non_superiority_holm"],
        non_superior=view["non_superior"], tost_p=view["p_equivalence"], tost_p_holm=view["p_equivalence_holm"],
        verdict=view["verdict"], verdict_text=view["verdict_text"],
    )


def _summarise(strategies, runs, seeds, subjects, registry, make_weight, stat_kw):
    """Seed- and subject-level comparisons of every strategy, Holm-corrected across strategies."""
    by_seed = {(r["strategy"], r["seed"]): r for r in runs}

    def seed_scores(strategy):
        return np.array([[by_seed[(strategy, s)]["bacc"]] for s in seeds])

    seed_level = compare_strategies({s: seed_scores(s) for s in strategies}, seed_scores(BASELINE), seeds,
                                    unit="seed", ci="t", **stat_kw)
    subject_level, reason = None, "groups_test was not given, so per-subject scores do not exist"
    if subjects is not None and len(subjects) < 2:
        reason = f"the test data hold only {len(subjects)} subject; a subject-level test needs at least 2"
    elif subjects is not None:
        def subject_scores(strategy):
            return np.array([by_seed[(strategy, s)]["subject_bacc"] for s in seeds]).T  # subjects x seeds

        subject_level = compare_strategies({s: subject_scores(s) for s in strategies}, subject_scores(BASELINE),
                                           subjects, unit="subject", ci="bootstrap", **stat_kw)
    table = []
    for strategy in strategies:
        entry = registry.get(strategy)
        row = {"strategy": strategy, "family": getattr(entry, "family", ""), "weight": make_weight(strategy),
               "n_seeds": len(seeds), "n_subjects": 0 if subjects is None else len(subjects)}
        row["seed_level"] = seed_level[strategy]
        if subject_level is None:
            row["subject_level"] = {"computed": False, "reason": f"not computed, because {reason}"}
            _headline(row, seed_level[strategy])
        else:
            row["subject_level"] = {"computed": True, **subject_level[strategy]}
            _headline(row, subject_level[strategy])
        row["delta_class_alignment"] = _mean_delta(runs, strategy, seeds, "class_alignment")
        row["delta_residual_alignment"] = _mean_delta(runs, strategy, seeds, "residual_alignment")
        table.append(row)
    return table, reason if subject_level is None else None


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
    test="ttest",
    n_resamples=9999,
    random_state=0,
    verbose=None,
):
    """Paired comparison of alignment strategies against the same recipe without alignment.

    Every (strategy, seed) and the baseline ``"none"`` for every seed are
    trained on the training subjects and scored on the test subjects; jobs run
    through :class:`joblib.Parallel` (``joblib.parallel_config(backend="dask")``
    scales them out).  Each model's test predictions are scored once over all
    test rows (the seed-level view) and once per test subject (the
    subject-level view, with ``groups_test``); no extra training is done.
    Statistics (:func:`compare_strategies` at each level) are described in the
    module docstring and in :class:`SweepResult`: a two-sided paired test, a
    one-sided non-superiority test and TOST, each Holm-corrected across
    strategies, and the verdicts ``"worse"``, ``"better"``, ``"equivalent"``
    (within +-``equivalence_margin``) and ``"inconclusive"``.

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
        given a shared subject raises ``ValueError``; ``groups_test`` enables
        the subject-level view (the headline) and a subject-level bootstrap
        interval of the baseline BACC.
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
        Equivalence and non-superiority margin in BACC units (0.01 = 1 point).
    alpha : float, default=0.05
        Family-wise level of the verdicts.
    n_boot : int, default=1000
        Bootstrap resamples of the seed-0 baseline interval.
    test : {"ttest", "wilcoxon", "permutation"}, default="ttest"
        Paired test used at both levels (see :func:`compare_to_baseline`).
    n_resamples : int, default=9999
        Resamples of the subject-cluster bootstrap and of a permutation test (at least 100).
    random_state : int or None, default=0
        Seed of the bootstrap and permutation resampling (not of the training; see ``seeds``).
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
    >>> [row["strategy"] for row in res.table], res.table[0]["n_seeds"], res.table[0]["unit"]
    (['weak'], 2, 'seed')
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
    if isinstance(equivalence_margin, bool) or not isinstance(equivalence_margin, numbers.Real) \
            or not (np.isfinite(equivalence_margin) and equivalence_margin > 0):
        raise ValueError(f"equivalence_margin must be positive; got {equivalence_margin!r}.")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}.")
    _check_test(test, n_resamples)
    check_count(n_resamples, "n_resamples", minimum=_MIN_RESAMPLES)
    _check_disjoint_groups(groups_train, groups_test)
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    level = resolve_verbose(verbose)
    make = _make_factory(estimator, alignment_target, alignment_weight, registry)
    data = dict(
        X_train=X_train, y_train=y_train, X_test=X_test, y_test=y_test,
        groups_train=groups_train, stimulus_train=stimulus_train,
        groups_test=None if groups_test is None else np.asarray(groups_test),
        subjects=None if groups_test is None else np.unique(np.asarray(groups_test)),
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

    stat_kw = dict(margin=float(equivalence_margin), alpha=alpha, test=test, n_resamples=n_resamples,
                   random_state=random_state)
    subjects = data["subjects"]
    table, not_computed = _summarise(strategies, runs, seeds, subjects, registry, make_weight, stat_kw)
    baseline = _baseline_summary(runs, data, n_boot, n_resamples, random_state)
    for r in runs:
        r.pop("y_pred", None)
    unit = "seed" if not_computed else "subject"
    settings = dict(
        seeds=seeds, strategies=list(strategies), alpha=alpha, equivalence_margin=float(equivalence_margin),
        subjects=None if subjects is None else jsonable(subjects), unit=unit,
        subject_level=("computed: per-subject BACC, paired deltas averaged over seeds, resampled by subject"
                       if not not_computed else f"not computed, because {not_computed}"),
        delta=("strategy BACC minus baseline BACC; subject level: per test subject, averaged over seeds; "
               "seed level: BACC over all test rows, paired by seed"),
        test=f"two-sided {_TEST_NAMES[test]}, Holm-corrected across strategies",
        non_superiority_test=(f"one-sided test of mean delta < +{equivalence_margin:g} "
                              "(null: improvement >= margin), Holm-corrected across strategies"),
        equivalence_test=(f"TOST (two one-sided tests against -+{equivalence_margin:g}), "
                          "Holm-corrected across strategies"),
        ci=table[0]["ci"],
        verdicts={"worse": "Holm-corrected two-sided p < alpha and mean delta < 0",
                  "better": "Holm-corrected two-sided p < alpha and mean delta > 0",
                  "equivalent": (f"not worse/better and Holm-corrected TOST p < alpha: mean delta within "
                                 f"+-{equivalence_margin:g}"),
                  "inconclusive": "neither: no difference shown and no equivalence shown"},
    )
    return SweepResult(table=table, runs=runs, baseline=baseline, settings=settings)


def _baseline_summary(runs, data, n_boot, n_resamples, random_state):
    base = [r for r in runs if r["strategy"] == BASELINE]
    bacc = np.array([r["bacc"] for r in base])
    ci_low, ci_high = _t_ci(bacc, 0.95)
    out = {"bacc_mean": float(bacc.mean()), "ci_low": ci_low, "ci_high": ci_high,
           "ci": "95% t-interval over seeds"}
    if data["groups_test"] is not None and len(data["subjects"]) < 2:
        out["bootstrap"] = "not computed, because the test data hold only one subject"
    elif data["groups_test"] is not None:
        first = base[0]
        point, lo, hi = bootstrap_ci(balanced_accuracy_score, data["y_test"], first["y_pred"],
                                     data["groups_test"], n_boot=n_boot, random_state=0)
        out.update(seed=first["seed"], bacc=point, bootstrap_low=lo, bootstrap_high=hi,
                   bootstrap="95% subject-level cluster bootstrap (percentile)")
        per_subject = np.array([r["subject_bacc"] for r in base]).mean(axis=0)  # averaged over seeds
        out["subject_bacc_mean"] = float(per_subject.mean())
        if per_subject.shape[0] >= 2 and np.ptp(per_subject) > 0:
            res = stats.bootstrap((per_subject,), np.mean, n_resamples=n_resamples, method="percentile",
                                  vectorized=True, rng=_as_generator(random_state))
            out.update(subject_ci_low=float(res.confidence_interval.low),
                       subject_ci_high=float(res.confidence_interval.high))
        else:
            out.update(subject_ci_low=out["subject_bacc_mean"], subject_ci_high=out["subject_bacc_mean"])
        out["subject_ci"] = ("95% bootstrap over test subjects (percentile, scipy.stats.bootstrap) of the mean "
                             "per-subject BACC, averaged over seeds")
    return out
