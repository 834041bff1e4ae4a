"""Tests of skvalence.analysis.saturation."""

import pickle

import numpy as np
import pytest

from skvalence.analysis.saturation import alignment_deltas, feature_alignments
from skvalence.decoders import ValenceNetClassifier


N_CH, N_BANDS, N_CLASSES = 8, 5, 3


def _data(seed=0, n=180):
    rng = np.random.default_rng(seed)
    stimulus = np.arange(n) % (2 * N_CLASSES)
    y = stimulus // 2
    coords = np.array([-1.0, -0.6, 0.0, 0.2, 0.7, 1.0])  # per-stimulus, two stimuli per class
    X = rng.normal(size=(n, N_CH * N_BANDS))
    X[:, :5] += 1.5 * y[:, None]
    X[:, 5:10] += coords[stimulus][:, None]
    return X.astype(np.float32), y, stimulus, coords


def _net(**kw):
    params = dict(max_epochs=3, random_state=0, module__hidden=16, batch_size=64)
    params.update(kw)
    return ValenceNetClassifier("mlp", **params)


def test_alignment_deltas_on_real_nets():
    X, y, stimulus, coords = _data(3)
    base = _net().fit(X, y)
    aligned = _net(alignment_loss="axis-mse", alignment_weight=5.0, alignment_target=[-1.0, 0.0, 1.0]).fit(X, y)
    out = alignment_deltas(base, aligned, X, y, stimulus, coords, [-1.0, 0.0, 1.0])
    assert set(out) == {"baseline_class", "aligned_class", "delta_class", "baseline_residual",
                        "aligned_residual", "delta_residual"}
    assert out["delta_class"] == pytest.approx(out["aligned_class"] - out["baseline_class"])
    assert out["delta_residual"] == pytest.approx(out["aligned_residual"] - out["baseline_residual"])
    direct = feature_alignments(base.transform(X), y, [-1.0, 0.0, 1.0], stimulus, coords)
    assert out["baseline_class"] == pytest.approx(direct["class_alignment"])
    # identical nets: zero deltas
    same = alignment_deltas(base, pickle.loads(pickle.dumps(base)), X, y, stimulus, coords, [-1.0, 0.0, 1.0])
    assert same["delta_class"] == pytest.approx(0.0, abs=1e-9)
    no_resid = alignment_deltas(base, aligned, X, y, class_coords=[-1.0, 0.0, 1.0])
    assert np.isnan(no_resid["delta_residual"])
    with pytest.raises(ValueError, match="class_coords"):
        alignment_deltas(base, aligned, X, y)
    with pytest.raises(TypeError, match="transform"):
        alignment_deltas(object(), aligned, X, y, class_coords=[-1.0, 0.0, 1.0])
