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

# Issue 12: the zoo-level null is imported inside the tests that need it, so that on code
# without it only those tests fail (the rest of the module still runs).
NO_CENTROIDS_REASON = "zoo-level null not computed, because no class centroids were given"


def _centroids_for(class_coords, dim=24, seed=0):
    """Language-model-like class centroids whose PC1 coordinate is ``class_coords``."""
    rng = np.random.default_rng(seed)
    axis = np.linalg.qr(rng.normal(size=(dim, 1)))[0][:, 0]
    return 3 * np.outer(class_coords, axis) + 0.5 * rng.normal(size=(len(class_coords), dim))


def _synthetic_zoo(seed, planted, n_models=36, n_classes=9, dim=64):
    """Per-checkpoint inputs of the zoo-level null, without training nets.

    Every checkpoint's class-centroid PC1 scores are ``strength * coords + noise``: the
    zoo is aligned with the V-axis either way; with ``planted`` the alignment grows with
    the checkpoint's accuracy, otherwise its strength is drawn independently of it.
    """
    rng = np.random.default_rng(seed)
    C = rng.normal(size=(n_classes, dim))
    Cc = C - C.mean(0)
    pc1 = np.linalg.svd(Cc, full_matrices=False)[2][0]
    C = C + 0.5 * np.outer(Cc @ pc1, pc1)  # PC1 carries a larger share, as in real LMs
    Cc = C - C.mean(0)
    coords = Cc @ np.linalg.svd(Cc, full_matrices=False)[2][0]
    coords /= coords.std()
    bacc = rng.uniform(0.3, 0.7, n_models)
    strength = 4 * (bacc - 0.3) if planted else rng.uniform(0, 1.6, n_models)
    scores = strength[:, None] * coords + rng.normal(size=(n_models, n_classes))
    return bacc, scores, coords, C


@pytest.fixture(scope="module")
def cohort():
    data = make_faced_like(n_subjects=6, random_state=0, verbose=0)
    train = data.subject < 4
    return data, train, ~train


class BlurredLDA(LinearDiscriminantAnalysis):
    """LDA that sees its input through seeded Gaussian noise: more noise, a worse checkpoint."""

    def __init__(self, n_components=None, noise=0.0, seed=0):
        super().__init__(n_components=n_components)
        self.noise, self.seed = noise, seed

    def _blur(self, X):
        return X + self.noise * np.random.default_rng(self.seed).normal(size=X.shape)

    def fit(self, X, y):
        return super().fit(self._blur(X), y)

    def predict(self, X):
        return super().predict(self._blur(X))

    def transform(self, X):
        return super().transform(self._blur(X))


def test_zoo_of_real_decoders(cohort):
    data, tr, te = cohort

    def make(arch, seed, epochs):
        size = {"mlp": {"module__hidden": 16}, "cnn": {"module__n_filters": 4, "module__n_features": 16}}[arch]
        return ValenceNetClassifier(arch, max_epochs=epochs, random_state=seed, batch_size=64, verbose=0, **size)

    res = rediscovery_zoo(
        data.X[tr], data.y[tr], data.X[te], data.y[te], data.stimulus[te], data.truth.class_valence,
        groups_train=data.subject[tr], groups_test=data.subject[te],
        architectures=("mlp", "cnn"), seeds=(0, 1), epochs=(1,), make_estimator=make,
        stimulus_coords=data.truth.stimulus_valence, n_random_directions=100, random_state=0,
        class_centroids=_centroids_for(data.truth.class_valence), n_zoo_directions=200,
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
    assert "not independent" in corr["dependence"]
    assert "bacc_vs_residual_alignment" in res.correlations
    # the zoo-level null over the 4 checkpoints, and per-family entries (2 checkpoints each: not computed)
    assert res.zoo_null["computed"] and 0 <= res.zoo_null["percentile"] <= 100
    assert res.zoo_null["observed_r"] == pytest.approx(corr["r"])
    assert set(res.family_correlations) == {"mlp", "cnn"}
    fam = res.family_correlations["mlp"]["bacc_vs_class_alignment"]
    assert not fam["computed"] and fam["note"].startswith("not computed, because")
    assert not res.zoo_null["by_family"]["cnn"]["computed"]
    json.dumps(res.to_dict())  # serialisable for the report
    axes = res.plot()
    assert len(axes) == 2


def test_default_factory_uses_valence_net(cohort):
    data, tr, te = cohort
    res = rediscovery_zoo(
        data.X[tr], data.y[tr], data.X[te], data.y[te], data.stimulus[te], data.truth.class_valence,
        architectures=("mlp",), seeds=(0,), epochs=(1,), estimator_params={"module__hidden": 8},
        n_random_directions=100, random_state=0,
    )
    assert len(res.table) == 1 and np.isnan(res.table[0]["residual_alignment"])
    # a single model cannot give a correlation: reported as NaN with a reason
    assert np.isnan(res.correlations["bacc_vs_class_alignment"]["r"])
    assert "at least 3 checkpoints" in res.correlations["bacc_vs_class_alignment"]["note"]
    assert "stimulus_coords" in res.correlations["bacc_vs_residual_alignment"]["note"]
    assert res.zoo_null == {"computed": False, "reason": NO_CENTROIDS_REASON}


def test_zoo_recovers_planted_relation_and_is_deterministic():
    # Stand-in zoo: models differ by how much class signal they see; the feature
    # geometry of the better ones follows the coordinates, so r must be positive.
    rng = np.random.default_rng(0)
    coords = np.array([-1.0, -0.3, 0.2, 1.0])
    y = np.repeat(np.arange(4), 60)
    X = np.outer(coords[y], [1.0, 0.5, 0.0]) + rng.normal(size=(240, 3))

    kw = dict(architectures=("lda",), seeds=(0, 1, 2), epochs=(0.0, 1.0, 3.0),
              make_estimator=lambda a, s, e: BlurredLDA(n_components=3, noise=e, seed=s), n_random_directions=100, random_state=0)
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


# --------------------------------------------------------------------------- zoo-level null (issue 12)
def test_zoo_null_unrelated_alignment_is_not_significant():
    from skvalence.analysis.rediscovery import zoo_null

    pct = np.array([zoo_null(*_synthetic_zoo(seed, planted=False), n_directions=1000, random_state=seed).percentile
                    for seed in range(50)])
    assert np.all((pct >= 0) & (pct <= 100))
    assert np.mean(pct < 95) >= 0.9


def test_zoo_null_detects_planted_relation():
    from skvalence.analysis.rediscovery import zoo_null

    results = [zoo_null(*_synthetic_zoo(seed, planted=True), n_directions=1000, random_state=seed)
               for seed in range(50)]
    assert np.mean([r.percentile > 95 for r in results]) >= 0.9
    assert np.median([r.observed_r for r in results]) > 0.5
    res = results[0]
    assert res.null.shape == (1000,) and res.n_undefined == 0
    assert res.p_value == pytest.approx((1 + np.sum(res.null >= res.observed_r)) / 1001)
    assert "not independent" in res.dependence and "random directions" in res.unit_of_resampling


def test_zoo_null_matches_the_definition_and_reports_families():
    from skvalence.analysis.geometry import class_axis_alignment
    from skvalence.analysis.rediscovery import zoo_null

    bacc, scores, coords, C = _synthetic_zoo(3, planted=True, n_models=12, n_classes=6, dim=10)
    families = np.repeat(["mlp", "cnn", "gnn"], [5, 5, 2])
    res = zoo_null(bacc, scores, coords, C, families=families, n_directions=100, random_state=1)
    # observed alignment is class_axis_alignment's |corr| of each checkpoint's scores with the coordinates
    y = np.repeat(np.arange(6), 2)
    for j in (0, 7):
        Z = np.repeat(scores[j][:, None], 2, axis=0) * np.array([[1.0, 0.0]]) + 1e-9 * np.arange(12)[:, None]
        assert res.alignment[j] == pytest.approx(class_axis_alignment(Z, y, coords), abs=1e-6)
    assert res.observed_r == pytest.approx(np.corrcoef(bacc, res.alignment)[0, 1])
    # one null draw by hand: a random unit direction u of the centroid space replaces the axis
    u = np.random.RandomState(1).standard_normal((100, C.shape[1]))[0]
    draw = (C - C.mean(0)) @ (u / np.linalg.norm(u))
    align = np.abs([np.corrcoef(sc, draw)[0, 1] for sc in scores])
    assert res.null[0] == pytest.approx(np.corrcoef(bacc, align)[0, 1])
    assert res.by_family["mlp"]["computed"] and res.by_family["cnn"]["computed"]
    rows = families == "mlp"
    assert res.by_family["mlp"]["observed_r"] == pytest.approx(np.corrcoef(bacc[rows], res.alignment[rows])[0, 1])
    assert 0 <= res.by_family["mlp"]["percentile"] <= 100
    assert not res.by_family["gnn"]["computed"]
    assert res.by_family["gnn"]["reason"].startswith("not computed, because")


def test_zoo_null_bad_input():
    from skvalence.analysis.rediscovery import zoo_null

    bacc, scores, coords, C = _synthetic_zoo(0, planted=True, n_models=6)
    with pytest.raises(ValueError, match="at least 3 checkpoints"):
        zoo_null(bacc[:2], scores[:2], coords, C)
    with pytest.raises(ValueError, match="n_directions"):
        zoo_null(bacc, scores, coords, C, n_directions=99)
    bad = bacc.copy()
    bad[1] = np.nan
    with pytest.raises(ValueError, match="NaN|infinity"):
        zoo_null(bad, scores, coords, C)
    bad_scores = scores.copy()
    bad_scores[2, 3] = np.inf
    with pytest.raises(ValueError, match="NaN|infinity"):
        zoo_null(bacc, bad_scores, coords, C)
    with pytest.raises(ValueError, match="constant"):
        zoo_null(np.full(6, 0.5), scores, coords, C)
    with pytest.raises(ValueError, match="rows"):
        zoo_null(bacc, scores, coords, C[:-1])


LDA_COORDS = np.array([-1.0, -0.4, 0.1, 0.5, 1.0])


def _lda_zoo(**kw):
    """A fast stand-in zoo: LDA on blurred inputs (more blur, lower accuracy)."""
    rng = np.random.default_rng(0)
    coords = LDA_COORDS
    y = np.repeat(np.arange(5), 40)
    X = np.outer(coords[y], [1.0, 0.5, 0.0, 0.0]) + np.eye(5, 4)[y] * 0.8 + rng.normal(size=(200, 4))

    tr, te = np.arange(200) % 2 == 0, np.arange(200) % 2 == 1
    params = dict(architectures=("lda", "qda"), seeds=(0, 1), epochs=(0.0, 1.0, 2.0),
                  make_estimator=lambda a, s, e: BlurredLDA(n_components=4, noise=e, seed=s + (10 if a == "qda" else 0)),
                  n_random_directions=100, random_state=0)
    params.update(kw)
    return rediscovery_zoo(X[tr], y[tr], X[te], y[te], y[te], coords, **params)


def test_rediscovery_zoo_reports_zoo_null_and_families():
    res = _lda_zoo(class_centroids=_centroids_for(LDA_COORDS), n_zoo_directions=300)
    zoo = res.zoo_null
    assert zoo["computed"] and zoo["n_models"] == 12 and zoo["n_directions"] == 300
    assert len(zoo["null"]) == 300 and 0 <= zoo["percentile"] <= 100 and 0 < zoo["p_value"] <= 1
    assert zoo["observed_r"] == pytest.approx(res.correlations["bacc_vs_class_alignment"]["r"])
    assert "random unit directions" in zoo["null_description"] and "not independent" in zoo["dependence"]
    assert set(zoo["by_family"]) == {"lda", "qda"} and all(f["computed"] for f in zoo["by_family"].values())
    assert set(res.family_correlations) == {"lda", "qda"}
    rows = np.array([r["architecture"] == "qda" for r in res.table])
    fam = res.family_correlations["qda"]["bacc_vs_class_alignment"]
    assert fam["r"] == pytest.approx(np.corrcoef(res.column("bacc")[rows], res.column("class_alignment")[rows])[0, 1])
    assert "not independent" in fam["dependence"]
    assert res.class_scores.shape == (12, 5) and list(res.classes) == [0, 1, 2, 3, 4]
    assert "language model" in res.settings["per_model_null"]
    out = json.loads(json.dumps(res.to_dict()))
    assert out["zoo_null"]["percentile"] == zoo["percentile"] and len(out["class_scores"]) == 12
    # families can group architectures
    grouped = _lda_zoo(class_centroids=_centroids_for(LDA_COORDS), families={"lda": "linear", "qda": "linear"})
    assert set(grouped.family_correlations) == {"linear"}
    assert grouped.family_correlations["linear"]["bacc_vs_class_alignment"]["r"] == pytest.approx(
        grouped.correlations["bacc_vs_class_alignment"]["r"])


def test_rediscovery_zoo_without_centroids_says_why():
    res = _lda_zoo(seeds=(0,), epochs=(0.0, 1.0))
    assert res.zoo_null == {"computed": False, "reason": NO_CENTROIDS_REASON}
    assert "standard-normal" in res.settings["per_model_null"]
    assert res.correlations["bacc_vs_class_alignment"]["computed"]
    assert res.family_correlations["lda"]["bacc_vs_class_alignment"]["note"].startswith("not computed, because")


def test_rediscovery_zoo_bad_null_sizes_fail_before_training():
    def boom(*args):
        raise AssertionError("nothing should be trained")

    X, y = np.zeros((9, 2)), np.repeat(np.arange(3), 3)
    with pytest.raises(ValueError, match="n_random_directions"):
        rediscovery_zoo(X, y, X, y, y, np.arange(3.0), make_estimator=boom, n_random_directions=50)
    with pytest.raises(ValueError, match="n_zoo_directions"):
        rediscovery_zoo(X, y, X, y, y, np.arange(3.0), make_estimator=boom, n_zoo_directions=99)
    with pytest.raises(ValueError, match="class_centroids"):
        rediscovery_zoo(X, y, X, y, y, np.arange(3.0), make_estimator=boom, class_centroids=np.ones((2, 4)))
