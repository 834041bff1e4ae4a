"""Tests of skvalence.analysis.sweep."""

import json

import matplotlib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import balanced_accuracy_score

from skvalence.analysis.stats import holm_correction
from skvalence.analysis.sweep import SweepResult, alignment_sweep
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
        assert row["family"] == ALIGNMENT_LOSSES[row["strategy"]].family
        assert row["weight"] == ALIGNMENT_LOSSES[row["strategy"]].default_weight
        assert np.isfinite(row["delta_class_alignment"]) and np.isfinite(row["delta_residual_alignment"])
    assert len(result.runs) == 4 * 2
    assert "t-test" in result.settings["test"] and "TOST" in result.settings["equivalence_test"]
    assert result.baseline["bootstrap_low"] <= result.baseline["bacc"] <= result.baseline["bootstrap_high"]
    json.dumps(result.to_dict())
    assert result.plot().get_xlabel().startswith("Delta balanced accuracy")


def test_sweep_pairs_by_seed_and_applies_holm(sweep):
    result, _, _ = sweep
    runs = {(r["strategy"], r["seed"]): r for r in result.runs}
    for row in result.table:
        deltas = [runs[(row["strategy"], s)]["bacc"] - runs[("none", s)]["bacc"] for s in (0, 1)]
        assert row["delta_bacc"] == pytest.approx(np.mean(deltas))
        cls = [runs[(row["strategy"], s)]["class_alignment"] - runs[("none", s)]["class_alignment"] for s in (0, 1)]
        assert row["delta_class_alignment"] == pytest.approx(np.mean(cls))
    np.testing.assert_allclose([r["p_holm"] for r in result.table],
                               holm_correction([r["p_value"] for r in result.table]))
    np.testing.assert_allclose([r["tost_p_holm"] for r in result.table],
                               holm_correction([r["tost_p"] for r in result.table]))


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
                             seeds=(0, 1, 2), class_coords=TARGET)
    verdicts = result.verdicts()
    assert verdicts["same"] == "equivalent"  # zero delta on every seed
    crippled = result.table[1]
    assert crippled["delta_bacc"] < -0.01
    assert verdicts["crippled"] == "worse"  # deterministic fits: identical deltas, p = 0
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
