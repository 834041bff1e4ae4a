"""Statistics for paired decoder comparisons, equivalence and subject-level CIs.

Every function that returns a p-value also returns the name of its test, so a
report never shows a bare p.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np
from scipy import stats
from sklearn.utils import check_random_state, check_scalar
from sklearn.utils.validation import check_array

from ..utils._validation import check_groups

__all__ = [
    "bootstrap_ci",
    "holm_correction",
    "margin_tests",
    "paired_comparison",
    "pearson_with_p",
    "tost_equivalence",
]

_TESTS = ("ttest", "wilcoxon", "permutation")
_TEST_NAMES = {
    "ttest": "paired t-test (scipy.stats.ttest_rel)",
    "wilcoxon": "Wilcoxon signed-rank test (scipy.stats.wilcoxon)",
    "permutation": "sign-flip permutation test of the mean delta (scipy.stats.permutation_test)",
}
_MIN_RESAMPLES = 100

_ALTERNATIVES = ("two-sided", "less", "greater")


def _vector(values, name, min_size=2):
    arr = check_array(values, ensure_2d=False, dtype=np.float64, input_name=name)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {arr.shape}.")
    if arr.shape[0] < min_size:
        raise ValueError(f"{name} needs at least {min_size} values; got {arr.shape[0]}.")
    return arr


def _check_confidence(confidence):
    check_scalar(confidence, "confidence", numbers.Real)  # TypeError naming the parameter
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")


def _t_ci(values, confidence):
    """Two-sided t-interval of the mean (``ttest_1samp(...).confidence_interval``); a point when sd == 0."""
    values = np.asarray(values, dtype=np.float64)
    mean = float(values.mean())
    if values.shape[0] < 2 or float(values.std(ddof=1)) == 0:
        return mean, mean
    ci = stats.ttest_1samp(values, 0.0).confidence_interval(confidence_level=confidence)
    return float(ci.low), float(ci.high)


def _check_test(test, n_resamples):
    if test not in _TESTS:
        raise ValueError(f"test must be one of {_TESTS}; got {test!r}.")
    if test == "permutation" and (
        isinstance(n_resamples, bool) or not isinstance(n_resamples, numbers.Integral)
        or n_resamples < _MIN_RESAMPLES
    ):
        raise ValueError(f"n_resamples must be an integer >= {_MIN_RESAMPLES}; got {n_resamples!r}.")


def _as_generator(random_state):
    """A numpy Generator from an int, None, a Generator or a RandomState (for scipy's ``rng=``)."""
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(0, 2**31 - 1))
    return np.random.default_rng(random_state)


def _one_sample_p(deltas, null_mean, alternative, test, n_resamples, random_state):
    """p-value of a one-sample test of ``mean(deltas)`` against ``null_mean`` (deltas not all equal)."""
    shifted = deltas - null_mean
    if test == "ttest":
        return float(stats.ttest_1samp(deltas, null_mean, alternative=alternative).pvalue)
    if test == "wilcoxon":
        if not np.any(shifted):
            return 1.0
        return float(stats.wilcoxon(shifted, alternative=alternative).pvalue)
    res = stats.permutation_test((shifted,), lambda d, axis: np.mean(d, axis=axis), permutation_type="samples",
                                 vectorized=True, n_resamples=n_resamples, alternative=alternative,
                                 rng=_as_generator(random_state))
    return float(res.pvalue)


#: deltas whose standard deviation is below this share of their scale are "all equal" (rounding noise)
_EQUAL_RTOL = 1e-12


def _all_equal(deltas, *scale_from):
    """True when the deltas differ only by rounding (relative to the magnitude of the inputs)."""
    scale = max([1.0] + [float(np.max(np.abs(v))) for v in scale_from])
    return float(np.std(deltas, ddof=1)) <= _EQUAL_RTOL * scale


def _degenerate_p(mean, null_mean, alternative, n):
    """p-value when all ``n`` deltas are equal: the exact sign-flip p-value.

    Every test here is then undefined (t is infinite) or reduces to the sign-flip
    permutation test, whose p-value is ``1 / 2**n`` (one-sided) or ``2 / 2**n``
    (two-sided) when the alternative holds and 1 otherwise, the same as
    :func:`scipy.stats.wilcoxon` and :func:`scipy.stats.permutation_test` give. Never
    0: ``n`` identical deltas cannot be more convincing than ``n`` deltas of one sign.
    """
    holds = {"two-sided": mean != null_mean, "greater": mean > null_mean, "less": mean < null_mean}[alternative]
    if not holds:
        return 1.0
    return float(min(1.0, (2.0 if alternative == "two-sided" else 1.0) / 2.0**n))


def margin_tests(deltas, margin, *, test="ttest", n_resamples=9999, random_state=None):
    """One-sided tests of the mean delta against ``+margin`` (non-superiority) and ``-margin`` (non-inferiority).

    * Non-superiority: null ``mean >= +margin`` against ``mean < +margin``.  A small
      ``p_non_superiority`` supports "the treatment does not improve by ``margin``
      or more", the claim behind "no strategy helps".
    * Non-inferiority: null ``mean <= -margin`` against ``mean > -margin``.

    Both small is equivalence within ``(-margin, +margin)`` (TOST, see
    :func:`tost_equivalence`); the TOST p-value is the larger of the two.

    Parameters
    ----------
    deltas : array-like of shape (n,)
        Paired differences (treatment minus baseline), finite, ``n >= 2``.
    margin : float
        Positive margin in the units of ``deltas``.
    test : {"ttest", "wilcoxon", "permutation"}, default="ttest"
        One-sample t-tests (:func:`scipy.stats.ttest_1samp`), Wilcoxon signed-rank
        tests of ``deltas -+ margin``, or sign-flip permutation tests of their mean
        (:func:`scipy.stats.permutation_test`, exact when ``2**n <= n_resamples``).
    n_resamples : int, default=9999
        Sign flips drawn by the permutation test (at least 100).
    random_state : int, numpy Generator or None, default=None
        Seed of the permutation test.

    Returns
    -------
    result : dict
        ``p_non_superiority``, ``p_non_inferiority``, ``p_equivalence`` (the
        larger), ``mean_delta``, ``margin``, ``n`` and ``test``.

    Examples
    --------
    >>> from skvalence.analysis.stats import margin_tests
    >>> res = margin_tests([-0.021, -0.019, -0.02, -0.018, -0.022], margin=0.01)
    >>> res["p_non_superiority"] < 0.001, res["p_non_inferiority"] > 0.5
    (True, True)
    """
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real) or not (np.isfinite(margin) and margin > 0):
        raise ValueError(f"margin must be a positive finite number; got {margin!r}.")
    _check_test(test, n_resamples)
    d = _vector(deltas, "deltas")
    mean = float(d.mean())
    if _all_equal(d, d):
        p_sup = _degenerate_p(mean, margin, "less", d.shape[0])
        p_inf = _degenerate_p(mean, -margin, "greater", d.shape[0])
    else:
        p_sup = _one_sample_p(d, margin, "less", test, n_resamples, random_state)
        p_inf = _one_sample_p(d, -margin, "greater", test, n_resamples, random_state)
    name = {"ttest": "one-sided one-sample t-tests (scipy.stats.ttest_1samp)",
            "wilcoxon": "one-sided Wilcoxon signed-rank tests (scipy.stats.wilcoxon)",
            "permutation": "one-sided sign-flip permutation tests (scipy.stats.permutation_test)"}[test]
    return {
        "p_non_superiority": p_sup,
        "p_non_inferiority": p_inf,
        "p_equivalence": max(p_sup, p_inf),
        "mean_delta": mean,
        "margin": float(margin),
        "n": int(d.shape[0]),
        "test": f"{name} against -+{float(margin):g}",
    }


def _check_disjoint_groups(groups_train, groups_test):
    """Raise if a subject (group) is in both the training and the test data; None skips the check."""
    if groups_train is None or groups_test is None:
        return
    shared = np.intersect1d(np.asarray(groups_train), np.asarray(groups_test))
    if shared.size:
        raise ValueError(f"Subjects {shared[:5].tolist()} are in both training and test data.")


def paired_comparison(a, b, *, test="ttest", alternative="two-sided", confidence=0.95, n_resamples=9999,
                      random_state=None):
    """Paired comparison of two conditions measured on the same units (e.g. seeds).

    The difference is ``delta = b - a`` (so with ``a`` the baseline and ``b`` the
    treatment, a positive mean delta means the treatment scores higher).

    Parameters
    ----------
    a, b : array-like of shape (n_pairs,)
        Paired measurements; ``a[i]`` and ``b[i]`` come from the same unit.
    test : {"ttest", "wilcoxon", "permutation"}, default="ttest"
        Paired t-test (:func:`scipy.stats.ttest_rel`), Wilcoxon signed-rank
        test (:func:`scipy.stats.wilcoxon`) or sign-flip permutation test of the
        mean delta (:func:`scipy.stats.permutation_test`, exact when
        ``2**n_pairs <= n_resamples``).
    alternative : {"two-sided", "less", "greater"}, default="two-sided"
        Alternative hypothesis about ``mean(b - a)`` relative to 0.
    confidence : float, default=0.95
        Level of the two-sided t-interval of the mean delta
        (``scipy.stats.ttest_rel(b, a).confidence_interval``), whatever the test.
    n_resamples : int, default=9999
        Sign flips drawn by the permutation test (at least 100).
    random_state : int, numpy Generator or None, default=None
        Seed of the permutation test.

    Returns
    -------
    result : dict
        ``mean_delta``, ``ci_low``, ``ci_high``, ``statistic`` (t, the Wilcoxon
        W, or the mean delta for the permutation test), ``p_value``,
        ``test`` (name), ``alternative``, ``cohens_dz`` (mean delta over the
        standard deviation of the deltas, the paired effect size) and ``n``.

    Examples
    --------
    >>> from skvalence.analysis.stats import paired_comparison
    >>> res = paired_comparison([0.60, 0.62, 0.61, 0.63], [0.58, 0.60, 0.60, 0.61])
    >>> round(res["mean_delta"], 4), res["p_value"] < 0.05
    (-0.0175, True)
    """
    _check_test(test, n_resamples)
    if alternative not in _ALTERNATIVES:
        raise ValueError(f"alternative must be one of {_ALTERNATIVES}; got {alternative!r}.")
    _check_confidence(confidence)
    a = _vector(a, "a")
    b = _vector(b, "b")
    if a.shape != b.shape:
        raise ValueError(f"a and b must be paired (same length); got {a.shape[0]} and {b.shape[0]}.")
    deltas = b - a
    mean = float(deltas.mean())
    sd = float(deltas.std(ddof=1))
    if _all_equal(deltas, a, b):
        # Identical deltas: t is undefined; the p-value is the exact sign-flip one (never 0).
        statistic = 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
        p_value = _degenerate_p(mean, 0.0, alternative, deltas.shape[0])
        ci = (mean, mean)
        dz = 0.0 if mean == 0 else float(np.sign(mean) * np.inf)
    else:
        if test == "ttest":
            res = stats.ttest_rel(b, a, alternative=alternative)
            statistic, p_value = float(res.statistic), float(res.pvalue)
        elif test == "wilcoxon":
            res = stats.wilcoxon(deltas, alternative=alternative)
            statistic, p_value = float(res.statistic), float(res.pvalue)
        else:
            statistic = mean
            p_value = _one_sample_p(deltas, 0.0, alternative, test, n_resamples, random_state)
        ci = stats.ttest_rel(b, a).confidence_interval(confidence_level=confidence)
        dz = mean / sd
    name = _TEST_NAMES[test]
    return {
        "mean_delta": mean,
        "ci_low": float(ci[0]),
        "ci_high": float(ci[1]),
        "confidence": confidence,
        "statistic": statistic,
        "p_value": p_value,
        "test": name,
        "alternative": alternative,
        "cohens_dz": dz,
        "n": int(deltas.shape[0]),
    }


def holm_correction(pvalues):
    """Holm–Bonferroni step-down adjusted p-values (family-wise error control).

    With ``m`` p-values sorted ascending, ``p_(1) <= ... <= p_(m)``, the adjusted
    value is ``max_{j <= i} min(1, (m - j + 1) * p_(j))``; rejecting where the
    adjusted p is below ``alpha`` controls the family-wise error rate at
    ``alpha``.  The output is in the input order.

    Parameters
    ----------
    pvalues : array-like of shape (m,)
        Raw p-values in [0, 1].

    Returns
    -------
    adjusted : ndarray of shape (m,)

    Examples
    --------
    >>> from skvalence.analysis.stats import holm_correction
    >>> holm_correction([0.01, 0.04, 0.03, 0.005]).round(3).tolist()
    [0.03, 0.06, 0.06, 0.02]
    """
    p = _vector(pvalues, "pvalues", min_size=1)
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1].")
    m = p.shape[0]
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def tost_equivalence(deltas, margin, *, alpha=0.05):
    """Two one-sided t-tests (TOST) that the mean delta lies within ``(-margin, +margin)``.

    The null hypothesis is non-equivalence: ``mean <= -margin`` or
    ``mean >= +margin``.  Two one-sided one-sample t-tests
    (:func:`scipy.stats.ttest_1samp` against ``-margin`` with ``alternative=
    "greater"`` and against ``+margin`` with ``alternative="less"``) are run; the
    TOST p-value is the larger of the two.  A small p supports "no effect larger
    than the margin", e.g. "no improvement of more than 0.01 BACC".

    Parameters
    ----------
    deltas : array-like of shape (n,)
        Paired differences (e.g. treatment minus baseline, one per seed).
    margin : float
        Positive equivalence margin, in the units of ``deltas``.
    alpha : float, default=0.05
        Level used for the ``equivalent`` verdict.

    Returns
    -------
    result : dict
        ``p_value``, ``p_lower``, ``p_upper``, ``mean_delta``, ``margin``,
        ``equivalent`` (bool), ``conclusion`` (a sentence) and ``test``.

    Examples
    --------
    >>> from skvalence.analysis.stats import tost_equivalence
    >>> tost_equivalence([0.001, -0.002, 0.0, 0.002, -0.001], margin=0.01)["equivalent"]
    True
    """
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0 < alpha < 1:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}.")
    res = margin_tests(deltas, margin)
    mean, margin = res["mean_delta"], res["margin"]
    p_lower, p_upper = res["p_non_inferiority"], res["p_non_superiority"]
    p = res["p_equivalence"]
    equivalent = bool(p < alpha)
    verb = "lies" if equivalent else "is not shown to lie"
    return {
        "p_value": p,
        "p_lower": p_lower,
        "p_upper": p_upper,
        "mean_delta": mean,
        "margin": float(margin),
        "equivalent": equivalent,
        "conclusion": f"mean delta {mean:+.4f} {verb} within +-{margin:g} (TOST p={p:.3g}, alpha={alpha:g})",
        "test": "TOST: two one-sided one-sample t-tests (scipy.stats.ttest_1samp)",
    }


def bootstrap_ci(metric_fn, y_true, y_pred, groups, *, n_boot=1000, confidence=0.95, random_state=None):
    """Cluster-bootstrap confidence interval of a metric, resampling subjects.

    Samples from one subject are correlated, so resampling rows would make the
    interval too narrow; here whole groups are drawn with replacement and all
    their rows kept.  The interval is the percentile interval of the
    bootstrap distribution.

    Parameters
    ----------
    metric_fn : callable
        ``metric_fn(y_true, y_pred) -> float``, e.g.
        :func:`sklearn.metrics.balanced_accuracy_score`.
    y_true, y_pred : array-like of shape (n_samples,)
        Labels and predictions (or scores, whatever ``metric_fn`` takes).
    groups : array-like of shape (n_samples,)
        Subject of each sample; at least two distinct subjects.
    n_boot : int, default=1000
        Number of bootstrap resamples.
    confidence : float, default=0.95
        Level of the interval.
    random_state : int, RandomState instance or None, default=None
        Seed of the resampling.

    Returns
    -------
    point : float
        The metric on all data.
    low, high : float
        Interval bounds.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.metrics import accuracy_score
    >>> from skvalence.analysis.stats import bootstrap_ci
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200); pred = np.where(rng.random(200) < 0.8, y, 1 - y)
    >>> point, low, high = bootstrap_ci(accuracy_score, y, pred, np.repeat(np.arange(20), 10),
    ...                                 n_boot=200, random_state=0)
    >>> low < point < high
    True
    """
    if not callable(metric_fn):
        raise TypeError("metric_fn must be callable as metric_fn(y_true, y_pred).")
    if not isinstance(n_boot, numbers.Integral) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer; got {n_boot!r}.")
    _check_confidence(confidence)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if values.ndim == 0:
            raise ValueError(f"{name} must be an array with one entry per sample; got {values!r}.")
    groups = check_groups(groups, name="groups", owner="bootstrap_ci")
    if not (y_true.shape[0] == y_pred.shape[0] == groups.shape[0]):
        raise ValueError(
            f"y_true, y_pred and groups must have the same length; got "
            f"{y_true.shape[0]}, {y_pred.shape[0]} and {groups.shape[0]}."
        )
    keys, inverse = np.unique(groups, return_inverse=True)
    if keys.shape[0] < 2:
        raise ValueError("bootstrap_ci needs at least two distinct groups (subjects).")
    members = [np.flatnonzero(inverse == k) for k in range(keys.shape[0])]
    rng = check_random_state(random_state)
    point = float(metric_fn(y_true, y_pred))
    values = np.empty(n_boot)
    with warnings.catch_warnings():
        # A resample may miss a class; metrics warn about it, the value is still defined.
        warnings.simplefilter("ignore", UserWarning)
        for b in range(n_boot):
            idx = np.concatenate([members[k] for k in rng.randint(0, keys.shape[0], keys.shape[0])])
            values[b] = metric_fn(y_true[idx], y_pred[idx])
    tail = 100 * (1 - confidence) / 2
    low, high = np.nanpercentile(values, [tail, 100 - tail])
    return point, float(low), float(high)


def pearson_with_p(x, y, *, confidence=0.95):
    """Pearson correlation with its two-sided p-value and a Fisher-z confidence interval.

    Parameters
    ----------
    x, y : array-like of shape (n,)
        Paired observations, ``n >= 3``, neither constant.
    confidence : float, default=0.95
        Level of the interval on ``r``.

    Returns
    -------
    result : dict
        ``r``, ``p_value``, ``ci_low``, ``ci_high``, ``n`` and ``test``.

    Examples
    --------
    >>> from skvalence.analysis.stats import pearson_with_p
    >>> res = pearson_with_p([1, 2, 3, 4, 5], [1.1, 1.9, 3.2, 3.9, 5.1])
    >>> round(res["r"], 3), res["p_value"] < 0.01
    (0.996, True)
    """
    _check_confidence(confidence)
    x = _vector(x, "x", min_size=3)
    y = _vector(y, "y", min_size=3)
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same length; got {x.shape[0]} and {y.shape[0]}.")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        raise ValueError("pearson_with_p: an input is constant, so the correlation is undefined.")
    res = stats.pearsonr(x, y)
    ci = res.confidence_interval(confidence_level=confidence)
    return {
        "r": float(res.statistic),
        "p_value": float(res.pvalue),
        "ci_low": float(ci.low),
        "ci_high": float(ci.high),
        "n": int(x.shape[0]),
        "test": "Pearson correlation, two-sided t-test on r (scipy.stats.pearsonr)",
    }
