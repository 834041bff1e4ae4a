"""Tests of skvalence.analysis.rediscovery (real decoders on a tiny simulated cohort)."""

import json

import matplotlib
import numpy as np
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from skvalence.analysis.rediscovery import RediscoveryResult, rediscovery_zoo
from skvalence.analysis.stats import pearson_with_p
from skvalence.datasets import make_faced_like
from skvalence.decoders import ValenceNetClassifier


matplotlib.use("Agg")


@pytest.fixture(scope="module")
def cohort():
    data = make_faced_like(n_subjects=6, random_state=0, verbose=0)
    train = data.subject < 4
    return data, train, ~train


def test_zoo_of_real_decoders(cohort):
    data, tr, te = cohort

    def make(arch, seed, epochs):
        size = {"mlp": {"module__hidden": 16}, "cnn": {"module__n_filters": 4, "module__n_features": 16}}[arch]
        return ValenceNetClassifier(arch, max_epochs=epochs, random_state=seed, batch_size=64, verbose=0, **size)

    res = rediscovery_zoo(
        data.X[tr], data.y[tr], data.X[te], data.y[te], data.stimulus[te], data.truth.class_valence,
        groups_train=data.subject[tr], groups_test=data.subject[te],
        architectures=("mlp", "cnn"), seeds=(0, 1), epochs=(1,), make_estimator=make,
        stimulus_coords=data.truth.stimulus_valence, n_random_directions=50, random_state=0,
    )
    assert isinstance(res, RediscoveryResult)
    assert len(res.table) == 4
    assert {(r["architecture"], r["seed"], r["epochs"]) for r in res.table} == {
        (a, s, 1) for a in ("mlp", "cnn") for s in (0, 1)}
    for key in ("bacc", "class_alignment", "residual_alignment"):
        values = res.column(key)
        assert np.all((values >= 0) & (values <= 1))
    assert np.all((res.column("null_percentile") >= 0) & (res.column("null_percentile") <= 100))
    corr = res.correlations["bacc_vs_class_alignment"]
    ref = pearson_with_p(res.column("bacc"), res.column("class_alignment"))
    assert corr["r"] == pytest.approx(ref["r"]) and "Pearson" in corr["test"]
    assert "bacc_vs_residual_alignment" in res.correlations
    json.dumps(res.to_dict())  # serialisable for the report
    axes = res.plot()
    assert len(axes) == 2


def test_default_factory_uses_valence_net(cohort):
    data, tr, te = cohort
    res = rediscovery_zoo(
        data.X[tr], data.y[tr], data.X[te], data.y[te], data.stimulus[te], data.truth.class_valence,
        architectures=("mlp",), seeds=(0,), epochs=(1,), estimator_params={"module__hidden": 8},
        n_random_directions=20, random_state=0,
    )
    assert len(res.table) == 1 and np.isnan(res.table[0]["residual_alignment"])
    # a single model cannot give a correlation: reported as NaN with a reason
    assert np.isnan(res.correlations["bacc_vs_class_alignment"]["r"])
    assert "note" in res.correlations["bacc_vs_class_alignment"]


def test_zoo_recovers_planted_relation_and_is_deterministic():
    # Stand-in zoo: models differ by how much class signal they see; the feature
    # geometry of the better ones follows the coordinates, so r must be positive.
    rng = np.random.default_rng(0)
    coords = np.array([-1.0, -0.3, 0.2, 1.0])
    y = np.repeat(np.arange(4), 60)
    X = np.outer(coords[y], [1.0, 0.5, 0.0]) + rng.normal(size=(240, 3))

    class Noisy(LinearDiscriminantAnalysis):
        def __init__(self, noise=0.0, seed=0):
            super().__init__(n_components=3)
            self.noise, self.seed = noise, seed

        def _blur(self, X):
            return X + self.noise * np.random.default_rng(self.seed).normal(size=X.shape)

        def fit(self, X, y):
            return super().fit(self._blur(X), y)

        def predict(self, X):
            return super().predict(self._blur(X))

        def transform(self, X):
            return super().transform(self._blur(X))

    kw = dict(architectures=("lda",), seeds=(0, 1, 2), epochs=(0.0, 1.0, 3.0),
              make_estimator=lambda a, s, e: Noisy(noise=e, seed=s), n_random_directions=30, random_state=0)
    tr, te = np.arange(240) % 2 == 0, np.arange(240) % 2 == 1
    res = rediscovery_zoo(X[tr], y[tr], X[te], y[te], y[te], coords, **kw)
    assert res.correlations["bacc_vs_class_alignment"]["r"] > 0.5
    again = rediscovery_zoo(X[tr], y[tr], X[te], y[te], y[te], coords, **kw)
    assert json.dumps(again.table) == json.dumps(res.table)


def test_zoo_input_errors(cohort):
    data, tr, te = cohort
    with pytest.raises(ValueError, match="both training and test"):
        rediscovery_zoo(data.X[tr], data.y[tr], data.X[tr], data.y[tr], data.stimulus[tr], data.truth.class_valence,
                        groups_train=data.subject[tr], groups_test=data.subject[tr], architectures=("mlp",))
    with pytest.raises(ValueError, match="stimulus_test"):
        rediscovery_zoo(data.X[tr], data.y[tr], data.X[te], data.y[te], data.stimulus[te][:-1],
                        data.truth.class_valence)
    with pytest.raises(ValueError, match="empty"):
        rediscovery_zoo(data.X[tr], data.y[tr], data.X[te], data.y[te], data.stimulus[te],
                        data.truth.class_valence, seeds=())
