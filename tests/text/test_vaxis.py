"""Tests of skvalence.text.vaxis.VAxisTransformer."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skvalence.emotions import FACED_CLASSES, FACED_VALENCE, negative_classes, positive_classes
from skvalence.text import VAxisTransformer, load_anchor_texts
from skvalence.text import vaxis as vaxis_mod
from skvalence.text.vaxis import axis_from_centroids

POSITIVE = ["We won the championship and everyone cheered.", "She hugged her newborn baby.",
            "The sunset over the calm sea was beautiful.", "He laughed with his best friends.",
            "They celebrated the wonderful news together.", "I passed the exam with top marks."]
NEGATIVE = ["The house burned down in the night.", "He was fired and lost everything.",
            "The food was rotten and full of worms.", "She cried alone at the funeral.",
            "A stranger attacked him in the dark.", "My dog was hit by a car."]
TEXTS = POSITIVE + NEGATIVE
Y = np.array([1] * len(POSITIVE) + [0] * len(NEGATIVE))


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("vaxis_cache"))


@pytest.fixture(scope="module")
def small_anchors():
    """Three texts per class: enough for the mechanics, cheap to encode."""
    return {k: v[:3] for k, v in load_anchor_texts().items()}


@pytest.fixture(scope="module")
def fitted_default(cache_dir):
    """The offline default: MiniLM and the full bundled stories."""
    return VAxisTransformer(cache_dir=cache_dir).fit()


# ----------------------------------------------------------------- real model
def test_default_axis_on_minilm(fitted_default):
    v = fitted_default
    assert list(v.classes_) == list(FACED_CLASSES)
    coords = v.class_coords_dict()
    assert coords["joy"] > 0  # sign convention
    pos = np.mean([coords[c] for c in positive_classes()])
    neg = np.mean([coords[c] for c in negative_classes()])
    assert pos > neg
    np.testing.assert_allclose(np.linalg.norm(v.axis_), 1.0)
    np.testing.assert_allclose(v.center_, v.centroids_.mean(axis=0))
    np.testing.assert_allclose(v.class_coords_, (v.centroids_ - v.center_) @ v.axis_)
    evr = v.explained_variance_ratio_
    assert evr.shape == (8,) and np.all(np.diff(evr) <= 1e-12) and 0 < evr.sum() <= 1 + 1e-9
    d = v.diagnostics_
    assert -1 <= d["cos_pca_diff_means"] <= 1
    assert set(d["loco_abs_cos"]) == set(FACED_CLASSES) - {"joy"}
    assert 0 <= d["loco_min_abs_cos"] <= d["loco_mean_abs_cos"] <= 1
    assert d["n_anchors"] == {c: 24 for c in FACED_CLASSES}
    assert d["encoder"]["pooling"] == "mean" and d["encoder"]["layer_index"] == 6
    # "auto" settings of a sentence-transformers model, recorded on the fitted object
    assert (v.layer_, v.pooling_, v.normalize_, v.model_kind_) == (6, "mean", True, "sentence-transformers")


def test_default_axis_orders_the_nine_classes(fitted_default):
    """Bundled stories + MiniLM: positives above negatives, and the VADER norm's order."""
    from skvalence.text.norms import VADER_CLASS_VALENCE, class_order

    coords = fitted_default.class_coords_dict()
    lowest_positive = min(coords[c] for c in positive_classes())
    highest_negative = max(coords[c] for c in negative_classes())
    assert lowest_positive > highest_negative, coords
    order = class_order(fitted_default.classes_, fitted_default.class_coords_)
    assert order["positive_above_negative"] and order["misordered"] == []
    assert order["spearman"] >= 0.8, (order["spearman"], coords, VADER_CLASS_VALENCE)
    assert fitted_default.diagnostics_["class_order"]["spearman"] == pytest.approx(order["spearman"])
    assert 0 < fitted_default.explained_variance_ratio_[0] < 1  # PC1's share is reported


def test_one_text_per_class_needs_an_explicit_opt_in(cache_dir):
    from skvalence.text import one_sentence_anchors

    with pytest.raises(ValueError, match="at least min_texts_per_class=2 texts per class.*'joy': 1"):
        VAxisTransformer(anchors=one_sentence_anchors()).fit()
    control = VAxisTransformer(anchors=one_sentence_anchors(), min_texts_per_class=1,
                               cache_dir=cache_dir).fit()
    assert control.diagnostics_["n_anchors"] == {c: 1 for c in FACED_CLASSES}
    with pytest.raises(ValueError, match="min_texts_per_class must be a positive int"):
        VAxisTransformer(anchors=one_sentence_anchors(), min_texts_per_class=0).fit()


def test_transform_shape_and_projection(fitted_default):
    X = fitted_default.transform(TEXTS)
    assert X.shape == (len(TEXTS), 1) and X.dtype == np.float64
    H = fitted_default.embed(TEXTS)
    np.testing.assert_allclose(X[:, 0], (H - fitted_default.center_) @ fitted_default.axis_)
    assert list(fitted_default.get_feature_names_out()) == ["vaxis"]
    assert list(fitted_default.get_feature_names_out(["text"])) == ["vaxis"]


def test_diff_means_points_from_negative_to_positive(cache_dir):
    from sklearn.metrics import roc_auc_score

    from skvalence.text import HiddenStateEncoder

    v = VAxisTransformer(method="diff_means", cache_dir=cache_dir).fit()
    # The axis recomputed with numpy from the same encoder's hidden states of the anchors:
    # mean of the positive-class centroids minus mean of the negative-class centroids.
    anchors = load_anchor_texts()
    encoder = HiddenStateEncoder(cache_dir=cache_dir)
    H = encoder.encode([t for texts in anchors.values() for t in texts]).astype(np.float64)  # one batch: cached
    labels = np.repeat(list(anchors), [len(texts) for texts in anchors.values()])
    centroids = {c: H[labels == c].mean(axis=0) for c in anchors}
    direction = (np.mean([centroids[c] for c in positive_classes()], axis=0)
                 - np.mean([centroids[c] for c in negative_classes()], axis=0))
    direction /= np.linalg.norm(direction)
    assert float(v.axis_ @ direction) > 1 - 1e-6  # same line, and oriented negative -> positive
    center = np.mean(list(centroids.values()), axis=0)
    scores = v.transform(TEXTS)[:, 0]
    np.testing.assert_allclose(scores, (encoder.encode(TEXTS).astype(np.float64) - center) @ direction, atol=1e-4)
    # Behaviour on texts that are not anchors: positive sentences score above negative ones.
    assert roc_auc_score(Y, scores) >= 0.9
    assert scores[Y == 1].mean() > scores[Y == 0].mean()
    assert v.explained_variance_ratio_.shape == (1,)
    assert 0 < v.explained_variance_ratio_[0] <= 1


def test_pickle_is_small_and_weightless(fitted_default):
    blob = pickle.dumps(fitted_default)
    assert len(blob) < 5 * 1024 ** 2
    restored = pickle.loads(blob)
    assert restored.encoder_._model is None
    np.testing.assert_allclose(restored.transform(TEXTS[:3]), fitted_default.transform(TEXTS[:3]),
                               atol=1e-5)


def test_clone_and_params(small_anchors, cache_dir):
    v = VAxisTransformer(anchors=small_anchors, layer=-1, cache_dir=cache_dir)
    c = clone(v)
    assert c.get_params() == v.get_params() and not hasattr(c, "axis_")
    c.set_params(method="diff_means", layer=-3)
    assert c.method == "diff_means" and c.layer == -3


def test_pipeline_and_grid_search(small_anchors, cache_dir):
    pipe = Pipeline([("v", VAxisTransformer(anchors=small_anchors, cache_dir=cache_dir)),
                     ("clf", LogisticRegression())])
    pipe.fit(TEXTS, Y)
    assert pipe.predict(TEXTS).shape == (len(TEXTS),)
    assert list(pipe[:-1].get_feature_names_out()) == ["vaxis"]
    grid = GridSearchCV(pipe, {"v__layer": [-1, -2], "v__method": ["pca", "diff_means"]},
                        cv=2, error_score="raise")
    grid.fit(np.array(TEXTS, dtype=object), Y)
    assert len(grid.cv_results_["params"]) == 4
    assert grid.best_params_["v__layer"] in (-1, -2)


def test_fit_ignores_X_and_y(small_anchors, cache_dir):
    a = VAxisTransformer(anchors=small_anchors, cache_dir=cache_dir).fit()
    b = VAxisTransformer(anchors=small_anchors, cache_dir=cache_dir).fit(TEXTS, Y)
    np.testing.assert_array_equal(a.axis_, b.axis_)
    assert not hasattr(b, "n_features_in_")


def test_tags():
    tags = VAxisTransformer().__sklearn_tags__()
    assert tags.input_tags.string and not tags.input_tags.two_d_array and tags.requires_fit


# ----------------------------------------------------------------- errors
def test_transform_before_fit():
    with pytest.raises(NotFittedError):
        VAxisTransformer().transform(["a text"])


@pytest.mark.parametrize(
    "anchors, exc, match",
    [
        ({"joy": ["a b"], "anger": ["c d"], "bliss": ["e f"]}, ValueError, "unknown anchor classes.*bliss"),
        ({"anger": ["a b"], "amusement": ["c d"]}, ValueError, "sign class 'joy'"),
        ({"joy": ["a b"], "amusement": ["c d"]}, ValueError, "positive and one negative"),
        ({"joy": ["a b"], "anger": []}, ValueError, "empty"),
        ({"joy": ["a b"], "anger": ["ok", ""]}, ValueError, r"anchors\['anger'\]\[1\]"),
        ({"joy": ["a b"], "anger": [3]}, TypeError, r"anchors\['anger'\]\[0\]"),
        ({"joy": "a b", "anger": ["c"]}, TypeError, "single string"),
        (["joy"], TypeError, "dict"),
    ],
)
def test_bad_anchors(anchors, exc, match):
    with pytest.raises(exc, match=match):
        VAxisTransformer(anchors=anchors).fit()


def test_bad_params_and_inputs(small_anchors, fitted_default, tmp_path):
    with pytest.raises(ValueError, match="method"):
        VAxisTransformer(anchors=small_anchors, method="ica").fit()
    with pytest.raises(ValueError, match="layer must be in"):
        VAxisTransformer(anchors=small_anchors, layer=12).fit()
    with pytest.raises(ValueError, match="no_model_here"):
        VAxisTransformer(anchors=small_anchors, model=str(tmp_path / "no_model_here")).fit()
    with pytest.raises(TypeError, match="single string"):
        fitted_default.transform("one text")
    with pytest.raises(TypeError, match=r"X\[1\]"):
        fitted_default.transform(["fine", None])
    with pytest.raises(ValueError, match="empty"):
        fitted_default.transform([])


# ----------------------------------------------------------------- synthetic encoder
def _planted_encode(direction, seed=0, noise=0.05):
    """An ``encode`` whose hidden states put class valence along ``direction``."""
    anchors = load_anchor_texts()
    rng = np.random.default_rng(seed)
    d = direction.size
    # class-specific offsets orthogonal to the planted direction, smaller than it
    offsets = {}
    for c in FACED_CLASSES:
        o = rng.normal(size=d)
        o -= (o @ direction) * direction
        offsets[c] = 0.3 * o / np.linalg.norm(o)
    lookup = {t: c for c, texts in anchors.items() for t in texts}

    def encode(self, texts):
        rows = []
        for t in texts:
            c = lookup[t]
            rows.append(2.0 * FACED_VALENCE[c] * direction + offsets[c] + noise * rng.normal(size=d))
        return np.asarray(rows, dtype=np.float32)

    return encode


@pytest.mark.parametrize("method", ["pca", "diff_means"])
@pytest.mark.parametrize("flip", [1.0, -1.0])
def test_planted_direction_is_recovered(monkeypatch, method, flip):
    rng = np.random.default_rng(1)
    direction = rng.normal(size=48)
    direction = flip * direction / np.linalg.norm(direction)
    monkeypatch.setattr(vaxis_mod.HiddenStateEncoder, "encode", _planted_encode(direction))
    v = VAxisTransformer(method=method).fit()
    cos = float(v.axis_ @ direction)
    assert cos > 0.99  # recovered, and signed towards positive valence
    assert v.class_coords_dict()["joy"] > 0
    assert v.diagnostics_["loco_min_abs_cos"] > 0.98
    if method == "pca":
        assert v.explained_variance_ratio_[0] > 0.8
        assert v.diagnostics_["cos_pca_diff_means"] > 0.99


def test_axis_from_centroids_sign_and_errors():
    C = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.0]])
    axis, evr = axis_from_centroids(C, ["joy", "anger", "neutral"])
    np.testing.assert_allclose(axis, [1.0, 0.0], atol=1e-12)
    axis, _ = axis_from_centroids(-C, ["joy", "anger", "neutral"])
    np.testing.assert_allclose(axis, [-1.0, 0.0], atol=1e-12)  # still joy-positive
    with pytest.raises(ValueError, match="identical"):
        axis_from_centroids(np.zeros((3, 2)), ["joy", "anger", "neutral"])
    with pytest.raises(ValueError, match="method"):
        axis_from_centroids(C, ["joy", "anger", "neutral"], method="lda")


# ----------------------------------------------------------------- sklearn API checks
def _api_checks():
    from sklearn.utils import estimator_checks as ec

    # ``check_estimator`` skips estimators whose input is text, so run the
    # API checks that do not need numeric 2-D input to ``transform``.
    # (check_fit_score_takes_y is left out: it calls fit_transform on a numeric
    # array, which a text transformer rightly rejects.)
    est = VAxisTransformer()
    checks = [c for c in ec._yield_api_checks(est) if c.__name__ != "check_fit_score_takes_y"]
    return checks + [ec.check_estimator_cloneable, ec.check_get_params_invariance,
                     ec.check_set_params, ec.check_parameters_default_constructible]


@pytest.mark.parametrize("check", _api_checks(), ids=lambda c: c.__name__)
def test_sklearn_api_checks(check, small_anchors, cache_dir):
    est = VAxisTransformer(anchors=small_anchors, cache_dir=cache_dir)
    check(type(est).__name__, est)
