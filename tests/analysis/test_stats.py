"""Tests of skvalence.analysis.stats."""

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import balanced_accuracy_score

from skvalence.analysis.stats import (
    bootstrap_ci,
    holm_correction,
    margin_tests,
    paired_comparison,
    pearson_with_p,
    tost_equivalence,
)


def test_paired_ttest_matches_scipy_and_reports_effect_size():
    rng = np.random.default_rng(0)
    a = rng.normal(0.6, 0.02, 8)
    b = a - 0.01 + rng.normal(0, 0.005, 8)
    res = paired_comparison(a, b)
    d = b - a
    ref = stats.ttest_rel(b, a)
    assert res["mean_delta"] == pytest.approx(d.mean())
    assert res["p_value"] == pytest.approx(ref.pvalue)
    assert res["statistic"] == pytest.approx(ref.statistic)
    assert res["cohens_dz"] == pytest.approx(d.mean() / d.std(ddof=1))
    half = stats.t.ppf(0.975, 7) * d.std(ddof=1) / np.sqrt(8)
    assert res["ci_low"] == pytest.approx(d.mean() - half)
    assert res["ci_high"] == pytest.approx(d.mean() + half)
    assert "t-test" in res["test"] and res["n"] == 8
    one_sided = paired_comparison(a, b, alternative="less")
    assert one_sided["p_value"] == pytest.approx(ref.pvalue / 2)


def test_paired_wilcoxon_and_degenerate_cases():
    a = np.arange(10.0)
    b = a + np.linspace(0.1, 1.0, 10)
    res = paired_comparison(a, b, test="wilcoxon")
    assert "Wilcoxon" in res["test"]
    assert res["p_value"] == pytest.approx(stats.wilcoxon(b - a).pvalue)
    same = paired_comparison(a, a)
    assert same["p_value"] == 1.0 and same["cohens_dz"] == 0.0
    shifted = paired_comparison(a, a + 1)
    # identical deltas: the exact sign-flip p (2 of 2**10 flips as extreme), never 0
    assert shifted["p_value"] == 2 / 2**10 and shifted["mean_delta"] == pytest.approx(1.0)


@pytest.mark.parametrize("test", ["ttest", "wilcoxon", "permutation"])
def test_identical_deltas_never_give_p_zero(test):
    """Three identical deltas cannot be significant: the sign-flip floor is 2/8 (two-sided), 1/8 (one-sided).

    Before the fix the degenerate path returned p = 0 for every test, while the same
    deltas with rounding noise went through the Wilcoxon / permutation test (p = 0.25).
    """
    a = np.array([0.5, 0.6, 0.7])
    for b in (a - 0.03, np.full(3, 0.47) + [0.0, 0.1, 0.2]):  # exactly equal deltas / equal up to rounding
        res = paired_comparison(a, b, test=test, random_state=0)
        assert res["p_value"] == pytest.approx(0.25)
        one = paired_comparison(a, b, test=test, alternative="less", random_state=0)
        assert one["p_value"] == pytest.approx(0.125)
    flat = margin_tests([-0.03] * 3, 0.01, test=test, random_state=0)
    assert flat["p_non_superiority"] == pytest.approx(0.125) and flat["p_non_inferiority"] == 1.0
    many = paired_comparison(np.zeros(12), np.full(12, -0.03), test=test, random_state=0)
    assert 0 < many["p_value"] < 0.001  # with enough units identical deltas are significant


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"a": [1.0, 2.0, 3.0], "b": [1.0, 2.0]}, "paired"),
        ({"a": [1.0], "b": [1.0]}, "at least 2"),
        ({"a": [1.0, np.nan], "b": [1.0, 2.0]}, "NaN"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0], "test": "anova"}, "test must be"),
        ({"a": [1.0, 2.0], "b": [1.0, 2.0], "alternative": "bigger"}, "alternative"),
    ],
)
def test_paired_comparison_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        paired_comparison(**kwargs)


def test_holm_known_values():
    # Worked example: sorted 0.005*4, 0.01*3, 0.03*2 -> 0.06, 0.04*1 -> max(0.06, 0.04)
    np.testing.assert_allclose(holm_correction([0.01, 0.04, 0.03, 0.005]), [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm_correction([0.5, 0.9]), [1.0, 1.0])
    np.testing.assert_allclose(holm_correction([0.02]), [0.02])


def test_holm_properties():
    rng = np.random.default_rng(1)
    p = rng.random(20) ** 3
    adj = holm_correction(p)
    assert np.all(adj >= p) and np.all(adj <= 1)
    order = np.argsort(p)
    assert np.all(np.diff(adj[order]) >= 0)  # monotone in the raw p
    # Holm is never more conservative than Bonferroni
    assert np.all(adj <= np.minimum(1, 20 * p) + 1e-15)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        holm_correction([0.2, 1.5])


def test_tost_equivalence_and_non_equivalence():
    rng = np.random.default_rng(2)
    tiny = rng.normal(0, 0.002, 10)
    res = tost_equivalence(tiny, 0.01)
    assert res["equivalent"] and res["p_value"] < 0.05
    assert res["p_value"] == pytest.approx(max(res["p_lower"], res["p_upper"]))
    assert res["p_lower"] == pytest.approx(stats.ttest_1samp(tiny, -0.01, alternative="greater").pvalue)
    big = rng.normal(0.03, 0.002, 10)
    assert not tost_equivalence(big, 0.01)["equivalent"]
    noisy = rng.normal(0, 0.05, 3)
    assert not tost_equivalence(noisy, 0.01)["equivalent"]
    assert "TOST" in res["test"] and "within" in res["conclusion"]
    with pytest.raises(ValueError, match="margin"):
        tost_equivalence(tiny, -0.01)


def test_bootstrap_resamples_subjects():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.arange(12), 25)
    # subject-level accuracy varies strongly: resampling subjects must see that spread
    subject_acc = np.linspace(0.3, 0.95, 12)
    y = rng.integers(0, 3, groups.shape[0])
    correct = rng.random(groups.shape[0]) < subject_acc[groups]
    pred = np.where(correct, y, (y + 1) % 3)
    point, lo, hi = bootstrap_ci(balanced_accuracy_score, y, pred, groups, n_boot=300, random_state=0)
    assert lo < point < hi
    # a row-level bootstrap would be far narrower than the cluster one
    row_lo, row_hi = np.percentile(
        [balanced_accuracy_score(y[i], pred[i]) for i in rng.integers(0, y.shape[0], (300, y.shape[0]))], [2.5, 97.5]
    )
    assert (hi - lo) > 1.5 * (row_hi - row_lo)
    again = bootstrap_ci(balanced_accuracy_score, y, pred, groups, n_boot=300, random_state=0)
    assert again == (point, lo, hi)
    with pytest.raises(ValueError, match="two distinct groups"):
        bootstrap_ci(balanced_accuracy_score, y, pred, np.zeros_like(groups))
    with pytest.raises(ValueError, match="same length"):
        bootstrap_ci(balanced_accuracy_score, y, pred[:-1], groups)


def test_pearson_with_p():
    rng = np.random.default_rng(4)
    x = rng.normal(size=30)
    y = 0.8 * x + 0.3 * rng.normal(size=30)
    res = pearson_with_p(x, y)
    ref = stats.pearsonr(x, y)
    assert res["r"] == pytest.approx(ref.statistic) and res["p_value"] == pytest.approx(ref.pvalue)
    assert res["ci_low"] < res["r"] < res["ci_high"]
    assert "Pearson" in res["test"]
    with pytest.raises(ValueError, match="constant"):
        pearson_with_p(x, np.ones(30))


def test_paired_comparison_interval_is_scipys_and_permutation_test():
    rng = np.random.default_rng(5)
    a = rng.normal(0.6, 0.02, 12)
    b = a + 0.01 + rng.normal(0, 0.01, 12)
    res = paired_comparison(a, b, confidence=0.9)
    ci = stats.ttest_rel(b, a).confidence_interval(confidence_level=0.9)
    assert (res["ci_low"], res["ci_high"]) == pytest.approx((ci.low, ci.high))
    perm = paired_comparison(a, b, test="permutation", random_state=0)
    assert "permutation" in perm["test"] and perm["statistic"] == pytest.approx(res["mean_delta"])
    ref = stats.permutation_test((b - a,), lambda d, axis: np.mean(d, axis=axis), permutation_type="samples",
                                 vectorized=True, rng=np.random.default_rng(0))
    assert perm["p_value"] == pytest.approx(ref.pvalue)
    # three pairs: 8 sign flips, so a two-sided p can never go below 2/8
    small = paired_comparison([0.5, 0.6, 0.7], [0.6, 0.75, 0.8], test="permutation")
    assert small["p_value"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="n_resamples"):
        paired_comparison(a, b, test="permutation", n_resamples=10)


def test_margin_tests_one_sided_against_each_margin():
    rng = np.random.default_rng(6)
    worse = -0.02 + 0.005 * rng.normal(size=15)
    res = margin_tests(worse, 0.01)
    assert res["p_non_superiority"] == pytest.approx(stats.ttest_1samp(worse, 0.01, alternative="less").pvalue)
    assert res["p_non_inferiority"] == pytest.approx(stats.ttest_1samp(worse, -0.01, alternative="greater").pvalue)
    assert res["p_non_superiority"] < 1e-6 and res["p_non_inferiority"] > 0.99
    assert res["p_equivalence"] == max(res["p_non_superiority"], res["p_non_inferiority"])
    tost = tost_equivalence(worse, 0.01)
    assert (tost["p_upper"], tost["p_lower"]) == (res["p_non_superiority"], res["p_non_inferiority"])
    for test in ("wilcoxon", "permutation"):
        other = margin_tests(worse, 0.01, test=test, random_state=0)
        assert other["p_non_superiority"] < 0.01 and other["p_non_inferiority"] > 0.9 and test[:4] in other["test"].lower()
    degenerate = margin_tests([0.0, 0.0, 0.0], 0.01)
    assert degenerate["p_non_superiority"] == 1 / 8 and degenerate["p_non_inferiority"] == 1 / 8
    for bad in (0.0, -1.0, np.nan, True):
        with pytest.raises(ValueError, match="margin"):
            margin_tests(worse, bad)
    with pytest.raises(ValueError, match="NaN|infinity"):
        margin_tests([0.1, np.nan, 0.2], 0.01)
