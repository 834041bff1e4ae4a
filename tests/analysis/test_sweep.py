"""Tests of skvalence.analysis.sweep."""

import json

import matplotlib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from scipy import stats

from skvalence.analysis.stats import holm_correction
from skvalence.analysis.sweep import SweepResult, alignment_sweep, compare_strategies, compare_to_baseline
from skvalence.decoders import ALIGNMENT_LOSSES, ValenceNetClassifier


matplotlib.use("Agg")

N_CH, N_BANDS = 8, 5
TARGET = np.array([-1.0, 0.0, 1.0])


def _data(seed=0, n_subjects=8, per_subject=30):
    rng = np.random.default_rng(seed)
    subject = np.repeat(np.arange(n_subjects), per_subject)
    stimulus = np.tile(np.arange(per_subject) % 6, n_subjects)
    y = stimulus // 2
    stim_coords = np.array([-1.0, -0.7, -0.1, 0.1, 0.8, 1.0])
    X = rng.normal(size=(subject.shape[0], N_CH * N_BANDS))
    X[:, :5] += y[:, None]
    X[:, 5:10] += stim_coords[stimulus][:, None]
    X += 0.5 * rng.normal(size=(n_subjects, 1))[subject]
    return X.astype(np.float32), y, subject, stimulus, stim_coords


@pytest.fixture(scope="module")
def sweep():
    X, y, subject, stimulus, stim_coords = _data()
    tr, te = subject < 6, subject >= 6
    net = ValenceNetClassifier("mlp", module__hidden=16, max_epochs=2, batch_size=64, verbose=0)
    result = alignment_sweep(
        net, X[tr], y[tr], X[te], y[te], strategies=["axis-mse", "rsa", "pairwise-ranking"], seeds=(0, 1),
        alignment_target=TARGET, groups_train=subject[tr], groups_test=subject[te],
        stimulus_train=stimulus[tr], stimulus_test=stimulus[te], stimulus_coords=stim_coords, n_boot=50,
    )
    return result, net, (X, y, subject, tr, te)


def test_sweep_table_structure(sweep):
    result, _, _ = sweep
    assert isinstance(result, SweepResult)
    assert [row["strategy"] for row in result.table] == ["axis-mse", "rsa", "pairwise-ranking"]
    for row in result.table:
        assert row["n_seeds"] == 2
        assert row["ci_low"] <= row["delta_bacc"] <= row["ci_high"]
        assert row["verdict"] in {"worse", "better", "equivalent", "inconclusive"}
        assert row["unit"] == "subject" and row["n_subjects"] == 2
        assert row["subject_level"]["n_units"] == 2 and row["seed_level"]["n_units"] == 2
        assert "bootstrap" in row["ci"] and "subject" in row["ci"]
        assert 0 <= row["nonsup_p"] <= row["nonsup_p_holm"] <= 1
        assert row["family"] == ALIGNMENT_LOSSES[row["strategy"]].family
        assert row["weight"] == ALIGNMENT_LOSSES[row["strategy"]].default_weight
        assert np.isfinite(row["delta_class_alignment"]) and np.isfinite(row["delta_residual_alignment"])
    assert len(result.runs) == 4 * 2
    assert "t-test" in result.settings["test"] and "TOST" in result.settings["equivalence_test"]
    assert result.settings["unit"] == "subject" and result.settings["subjects"] == [6, 7]
    assert "non_superiority_test" in result.settings and set(result.settings["verdicts"]) == {
        "worse", "better", "equivalent", "inconclusive"}
    base = result.baseline
    assert base["subject_ci_low"] <= base["subject_bacc_mean"] <= base["subject_ci_high"]
    assert result.baseline["bootstrap_low"] <= result.baseline["bacc"] <= result.baseline["bootstrap_high"]
    json.dumps(result.to_dict())
    assert result.plot().get_xlabel().startswith("Delta balanced accuracy")


def test_sweep_pairs_by_seed_and_by_subject_and_applies_holm(sweep):
    result, _, (X, y, subject, tr, te) = sweep
    runs = {(r["strategy"], r["seed"]): r for r in result.runs}
    for row in result.table:
        deltas = [runs[(row["strategy"], s)]["bacc"] - runs[("none", s)]["bacc"] for s in (0, 1)]
        assert row["seed_level"]["mean_delta"] == pytest.approx(np.mean(deltas))
        per_subject = np.mean([np.subtract(runs[(row["strategy"], s)]["subject_bacc"], runs[("none", s)]["subject_bacc"])
                               for s in (0, 1)], axis=0)
        np.testing.assert_allclose(row["subject_level"]["unit_deltas"], per_subject)
        assert row["delta_bacc"] == pytest.approx(per_subject.mean())  # the headline is the subject level
        cls = [runs[(row["strategy"], s)]["class_alignment"] - runs[("none", s)]["class_alignment"] for s in (0, 1)]
        assert row["delta_class_alignment"] == pytest.approx(np.mean(cls))
    for level in ("seed_level", "subject_level"):
        views = [r[level] for r in result.table]
        for key in ("p_value", "p_non_superiority", "p_equivalence"):
            np.testing.assert_allclose([v[key.replace("p_value", "p") + "_holm"] for v in views],
                                       holm_correction([v[key] for v in views]))
    np.testing.assert_allclose([r["p_holm"] for r in result.table],
                               holm_correction([r["p_value"] for r in result.table]))
    np.testing.assert_allclose([r["tost_p_holm"] for r in result.table],
                               holm_correction([r["tost_p"] for r in result.table]))


def test_sweep_subject_bacc_is_each_subjects_own_score(sweep):
    result, net, (X, y, subject, tr, te) = sweep
    refit = clone(net).set_params(random_state=1).fit(X[tr], y[tr], groups=subject[tr])
    pred = refit.predict(X[te])
    expected = [balanced_accuracy_score(y[te][subject[te] == s], pred[subject[te] == s]) for s in (6, 7)]
    run = next(r for r in result.runs if r["strategy"] == "none" and r["seed"] == 1)
    assert run["subject_bacc"] == pytest.approx(expected)


def test_sweep_runs_are_reproducible_fits(sweep):
    result, net, (X, y, subject, tr, te) = sweep
    runs = {(r["strategy"], r["seed"]): r for r in result.runs}
    refit = clone(net).set_params(random_state=1).fit(X[tr], y[tr], groups=subject[tr])
    assert balanced_accuracy_score(y[te], refit.predict(X[te])) == runs[("none", 1)]["bacc"]
    aligned = clone(net).set_params(alignment_loss="rsa", alignment_weight=1.0, alignment_target=TARGET,
                                    random_state=0).fit(X[tr], y[tr], groups=subject[tr])
    assert balanced_accuracy_score(y[te], aligned.predict(X[te])) == runs[("rsa", 0)]["bacc"]


def _lr_factory(strategy, seed):
    C = {"none": 1.0, "same": 1.0, "crippled": 1e-4}[strategy]
    return LogisticRegression(C=C, random_state=seed)


def test_verdicts_with_stand_in_models():
    X, y, subject, _, _ = _data(1)
    tr, te = subject < 6, subject >= 6
    result = alignment_sweep(_lr_factory, X[tr], y[tr], X[te], y[te], strategies=["same", "crippled"],
                             seeds=tuple(range(7)), class_coords=TARGET)
    verdicts = result.verdicts()
    assert verdicts["same"] == "equivalent"  # zero delta on every seed
    crippled = result.table[1]
    assert crippled["delta_bacc"] < -0.01
    # deterministic fits: identical deltas, exact sign-flip p = 2/2**7 (x2 by Holm), never 0
    assert verdicts["crippled"] == "worse" and crippled["p_value"] == pytest.approx(2 / 2**7)
    # class_coords without transform(): the mechanism columns are NaN, not made up
    assert np.isnan(result.table[0]["delta_class_alignment"])


def test_sweep_input_errors():
    X, y, subject, _, _ = _data(2)
    tr, te = subject < 6, subject >= 6
    args = (_lr_factory, X[tr], y[tr], X[te], y[te])
    with pytest.raises(ValueError, match="both training and test"):
        alignment_sweep(*args, strategies=["same"], groups_train=subject[tr], groups_test=subject[tr])
    with pytest.raises(ValueError, match="seeds"):
        alignment_sweep(*args, strategies=["same"], seeds=(0,))
    with pytest.raises(ValueError, match="duplicates"):
        alignment_sweep(*args, strategies=["same", "same"])
    with pytest.raises(ValueError, match="No strategy"):
        alignment_sweep(*args, strategies=["none"])
    with pytest.raises(TypeError, match="make_estimator"):
        alignment_sweep(42, X[tr], y[tr], X[te], y[te], strategies=["same"])


def test_sweep_without_subjects_says_why_the_subject_level_is_missing():
    X, y, subject, _, _ = _data(1)
    tr, te = subject < 6, subject >= 6
    result = alignment_sweep(_lr_factory, X[tr], y[tr], X[te], y[te], strategies=["same", "crippled"],
                             seeds=(0, 1, 2))
    for row in result.table:
        assert row["unit"] == "seed" and row["subject_level"]["computed"] is False
        assert row["subject_level"]["reason"].startswith("not computed, because groups_test")
        assert "subject_bacc" not in result.runs[0]
    assert result.settings["unit"] == "seed" and result.settings["subject_level"].startswith("not computed")
    one = te & (subject == 6)
    single = alignment_sweep(_lr_factory, X[tr], y[tr], X[one], y[one], strategies=["same"], seeds=(0, 1),
                             groups_test=subject[one])
    row = single.table[0]
    assert row["unit"] == "seed" and "only 1 subject" in row["subject_level"]["reason"]
    assert single.baseline["bootstrap"].startswith("not computed")
    json.dumps(single.to_dict())


# --------------------------------------------------------------------------- planted deltas (no training)
def _planted(n_subjects, true_delta, n_seeds=5, seed=0):
    """Subjects x seeds BACC tables: subjects differ a lot, each has its own effect around ``true_delta``."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.35, 0.75, n_subjects)
    base = level[:, None] + 0.02 * rng.normal(size=(n_subjects, n_seeds))
    effect = true_delta + 0.01 * rng.normal(size=n_subjects)
    strategy = (level + effect)[:, None] + 0.02 * rng.normal(size=(n_subjects, n_seeds))
    return strategy, base


def _verdicts(n_subjects, true_delta, n_draws=20):
    return [compare_to_baseline(*_planted(n_subjects, true_delta, seed=k), margin=0.01)["verdict"]
            for k in range(n_draws)]


def test_planted_two_points_worse_is_worse():
    assert _verdicts(20, -0.02) == ["worse"] * 20
    res = compare_to_baseline(*_planted(20, -0.02), margin=0.01)
    assert res["ci_high"] < 0 and res["non_superior"] and res["unit"] == "subject"


def test_planted_zero_with_ample_subjects_is_equivalent():
    verdicts = _verdicts(40, 0.0)
    assert verdicts.count("equivalent") >= 18  # the rest: the two-sided test's 5% false alarms
    res = compare_to_baseline(*_planted(40, 0.0), margin=0.01)
    assert res["verdict_text"] == "equivalent within +-0.01" and res["non_superior"]
    assert -0.01 < res["ci_low"] < 0 < res["ci_high"] < 0.01


def test_planted_zero_with_three_subjects_is_inconclusive():
    verdicts = _verdicts(3, 0.0)
    assert verdicts.count("inconclusive") >= 18
    assert "equivalent" not in verdicts


def test_planted_family_is_holm_corrected():
    # three strategies against one shared baseline, as in a sweep
    _, base = _planted(40, 0.0, seed=99)
    level = base.mean(axis=1, keepdims=True)
    rng = np.random.default_rng(5)
    tables = {name: level + delta + 0.01 * rng.normal(size=(40, 1)) + 0.02 * rng.normal(size=base.shape)
              for name, delta in (("worse", -0.02), ("same", 0.0), ("better", 0.02))}
    out = compare_strategies(tables, base, subjects=[f"s{i}" for i in range(40)], margin=0.01)
    assert {k: v["verdict"] for k, v in out.items()} == {"worse": "worse", "same": "equivalent", "better": "better"}
    raw = [compare_to_baseline(t, base, margin=0.01) for t in tables.values()]
    np.testing.assert_allclose([v["p_non_superiority_holm"] for v in out.values()],
                               holm_correction([r["p_non_superiority"] for r in raw]))
    assert [v["non_superior"] for v in out.values()] == [True, True, False]
    assert out["same"]["units"][0] == "s0"


def test_compare_to_baseline_uses_scipy_and_resamples_subjects():
    strategy, base = _planted(15, -0.01, seed=3)
    res = compare_to_baseline(strategy, base, margin=0.01, random_state=0)
    s_mean, b_mean = strategy.mean(axis=1), base.mean(axis=1)
    ref = stats.bootstrap((s_mean, b_mean), lambda a, b, axis: np.mean(a - b, axis=axis), paired=True,
                          vectorized=True, method="percentile", n_resamples=9999, rng=np.random.default_rng(0))
    assert res["ci_low"] == pytest.approx(ref.confidence_interval.low)
    assert res["ci_high"] == pytest.approx(ref.confidence_interval.high)
    t = stats.ttest_rel(s_mean, b_mean)
    assert res["p_value"] == pytest.approx(t.pvalue)
    ci = t.confidence_interval()
    assert (res["t_ci_low"], res["t_ci_high"]) == pytest.approx((ci.low, ci.high))
    assert res["p_non_superiority"] == pytest.approx(
        stats.ttest_1samp(s_mean - b_mean, 0.01, alternative="less").pvalue)
    # seeds are averaged inside a subject: shuffling seeds within subjects changes nothing
    perm = np.random.default_rng(1).permuted(strategy, axis=1)
    assert compare_to_baseline(perm, base)["mean_delta"] == pytest.approx(res["mean_delta"])
    # the subject spread, not the seed count, sets the interval
    wide = compare_to_baseline(base + np.linspace(-0.1, 0.06, 15)[:, None], base)
    assert wide["ci_high"] - wide["ci_low"] > 3 * (res["ci_high"] - res["ci_low"])


def test_compare_to_baseline_permutation_test_is_exact_for_few_subjects():
    strategy, base = _planted(3, -0.05, seed=0)
    res = compare_to_baseline(strategy, base, test="permutation")
    assert res["p_value"] >= 0.25 - 1e-12  # 2**3 sign flips: a two-sided p cannot go lower
    assert "permutation" in res["test"] and res["verdict"] == "inconclusive"


@pytest.mark.parametrize(
    "strategy, baseline, kwargs, match",
    [
        ([[0.5, 0.6]], [[0.5, 0.6]], {}, "at least 2 subjects"),
        ([0.5], [0.5], {}, "at least 2 subjects"),
        ([0.5, np.nan, 0.4], [0.5, 0.6, 0.4], {}, "NaN"),
        ([0.5, np.inf, 0.4], [0.5, 0.6, 0.4], {}, "infinity"),
        ([0.5, 0.6, 0.4], [0.5, 0.6], {}, "paired"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"n_resamples": 50}, "n_resamples"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"test": "permutation", "n_resamples": 99}, "n_resamples"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"margin": 0.0}, "margin"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"alpha": 1.5}, "alpha"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"test": "anova"}, "test must be"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"ci": "fisher"}, "ci must be"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"subjects": [1, 1, 2]}, "duplicates"),
        ([0.5, 0.6, 0.4], [0.5, 0.6, 0.3], {"subjects": [1, 2]}, "one id per row"),
    ],
)
def test_compare_to_baseline_rejects_bad_input(strategy, baseline, kwargs, match):
    with pytest.raises(ValueError, match=match):
        compare_to_baseline(strategy, baseline, **kwargs)


def test_compare_to_baseline_degenerate_deltas():
    base = np.array([[0.5], [0.6], [0.7]])
    same = compare_to_baseline(base, base)
    assert same["ci_low"] == same["ci_high"] == 0.0
    shifted = compare_to_baseline(base - 0.03, base)
    assert shifted["ci_low"] == pytest.approx(-0.03)
    # three identical deltas: sign-flip floor (two-sided 2/8, one-sided 1/8), so nothing is shown
    assert same["verdict"] == shifted["verdict"] == "inconclusive"
    assert shifted["p_value"] == pytest.approx(0.25) and same["p_equivalence"] == pytest.approx(0.125)
    wide = np.linspace(0.4, 0.8, 8)[:, None]  # eight identical deltas: 2/256 and 1/256
    assert compare_to_baseline(wide - 0.03, wide)["verdict"] == "worse"
    assert compare_to_baseline(wide, wide)["verdict"] == "equivalent"
