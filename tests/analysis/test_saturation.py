"""Tests of skvalence.analysis.saturation."""

import pickle

import numpy as np
import pytest
import torch

from skvalence.analysis.saturation import (
    alignment_deltas,
    compare_displacement,
    displacement_summary,
    feature_alignments,
    feature_displacement,
    residual_target_direction,
)
from skvalence.decoders import FeatureDisplacementMonitor, ValenceNetClassifier
from toy_decoding import toy_data as _data, toy_net as _net


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


# --------------------------------------------------------------------------- displacement
def test_feature_displacement_splits_exactly():
    rng = np.random.default_rng(0)
    stimulus = np.repeat(np.arange(6), 10)
    y = stimulus // 2
    coords = np.array([-1.0, -0.6, 0.0, 0.2, 0.7, 1.0])
    Z0 = rng.normal(size=(60, 7)) + 3 * np.eye(7)[y]
    D = rng.normal(size=Z0.shape)
    rec = feature_displacement(Z0, Z0 + D, y, stimulus=stimulus, stimulus_coords=coords, class_coords=[-1, 0, 1])
    # both splits are orthogonal decompositions of the same displacement
    assert rec["disp_total"] == pytest.approx(np.sqrt(np.mean(np.sum(D**2, axis=1))))
    assert rec["disp_basin"] ** 2 + rec["disp_complement"] ** 2 == pytest.approx(rec["disp_total"] ** 2)
    assert rec["disp_class_mean"] ** 2 + rec["disp_within"] ** 2 == pytest.approx(rec["disp_total"] ** 2)
    assert rec["basin_dim"] == 2 and rec["basin_share_chance"] == pytest.approx(2 / 7)
    assert 0 <= rec["disp_within_target"] <= rec["disp_within"]
    for key in ("residual_alignment", "residual_alignment_change", "class_alignment", "class_alignment_change"):
        assert np.isfinite(rec[key])
    # moving every row of a class by the same vector moves the class means only
    shift = rng.normal(size=(3, 7))[y]
    only_means = feature_displacement(Z0, Z0 + shift, y)
    assert only_means["disp_within"] == pytest.approx(0.0, abs=1e-12)
    assert only_means["disp_class_mean"] == pytest.approx(only_means["disp_total"])
    # moving the residuals along the residual target direction is all "within" and all "target"
    u = residual_target_direction(Z0, y, stimulus, coords)
    c = (coords - np.repeat([-0.8, 0.1, 0.85], 2))[stimulus]
    along = feature_displacement(Z0, Z0 + 0.5 * np.outer(c, u), y, stimulus=stimulus, stimulus_coords=coords)
    assert along["disp_class_mean"] == pytest.approx(0.0, abs=1e-12)
    assert along["disp_within_target"] == pytest.approx(along["disp_within"])
    assert along["residual_alignment_change"] > 0
    # nothing moved: every displacement is zero and the share is 0, not NaN
    still = feature_displacement(Z0, Z0, y)
    assert still["disp_total"] == 0.0 and still["basin_share"] == 0.0


def test_residual_target_direction_recovers_a_planted_direction():
    rng = np.random.default_rng(1)
    stimulus = np.repeat(np.arange(6), 20)
    y = stimulus // 2
    coords = np.array([-1.0, -0.6, 0.0, 0.2, 0.7, 1.0])
    planted = rng.normal(size=12)
    planted /= np.linalg.norm(planted)
    Z = 2 * np.eye(12)[y] + np.outer(coords[stimulus], planted) + 0.05 * rng.normal(size=(120, 12))
    u = residual_target_direction(Z, y, stimulus, coords)
    assert abs(u @ planted) > 0.95 and np.linalg.norm(u) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="constant within every class"):
        residual_target_direction(Z, y, stimulus, np.repeat([-1.0, 0.0, 1.0], 2))
    with pytest.raises(ValueError, match="no covariance"):
        residual_target_direction(np.ones_like(Z), y, stimulus, coords)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"Z_curr": np.zeros((6, 3))}, "same shape"),
        ({"Z_curr": np.full((6, 2), np.nan)}, "NaN"),
        ({"y": np.zeros(6)}, "two classes"),
        ({"y": np.zeros(5)}, "inconsistent|length|entries"),
        ({"stimulus": np.arange(6)}, "both or neither"),
    ],
)
def test_feature_displacement_rejects_bad_input(kwargs, match):
    args = {"Z_prev": np.arange(12.0).reshape(6, 2), "Z_curr": np.ones((6, 2)), "y": np.repeat([0, 1], 3)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        feature_displacement(args.pop("Z_prev"), args.pop("Z_curr"), args.pop("y"), **args)


def test_displacement_summary_and_comparison():
    recs = [{"disp_class_mean": 1.0, "disp_within": 0.1, "residual_alignment": 0.4, "residual_alignment_change": 0.1},
            {"disp_class_mean": 0.5, "disp_within": 0.2, "residual_alignment": 0.5, "residual_alignment_change": 0.1}]
    out = displacement_summary(recs)
    assert out["path_disp_within"] == pytest.approx(0.3) and out["within_over_class_mean"] == pytest.approx(0.2)
    assert out["residual_alignment_final"] == 0.5 and out["residual_alignment_change"] == pytest.approx(0.2)
    rows = compare_displacement({"ce": recs, "aligned": [dict(r, disp_within=2 * r["disp_within"]) for r in recs]})
    assert rows[0]["reference"] == "ce" and rows[1]["ratio_path_disp_within"] == pytest.approx(2.0)
    assert rows[1]["delta_residual_alignment"] == 0.0
    with pytest.raises(ValueError, match="at least one"):
        displacement_summary([])
    with pytest.raises(ValueError, match="non-finite"):
        displacement_summary([{"disp_within": np.nan}])
    with pytest.raises(ValueError, match="reference"):
        compare_displacement({"ce": recs}, reference="other")


# --------------------------------------------------------------------------- positive control on a small net
PLANTED_SEED = 1


def planted_residual_net(direction, residual_coords, weight):
    """A registry-free positive control: an auxiliary loss acting *only* on within-class residuals.

    The returned ``ValenceNetClassifier`` subclass adds the term
    ``weight * mean_i (<r_i, u> - 3 c_i)^2`` to its loss, where ``r_i`` is the
    sample's feature minus its class mean in the batch, ``u`` a fixed unit
    direction and ``c_i`` the within-class residual V-axis coordinate of the
    sample's stimulus.  Its gradient w.r.t. the features is centred within each
    class and points along ``u``: the residual gets a direct gradient, which no
    registered alignment strategy gives it.
    """
    u = torch.as_tensor(direction, dtype=torch.float32)
    table = torch.as_tensor(residual_coords, dtype=torch.float32)

    class PlantedResidualNet(ValenceNetClassifier):
        def loss_terms(self, features, logits, y, stimulus=None, X=None, progress=None):
            terms = super().loss_terms(features, logits, y, stimulus=stimulus, X=X, progress=progress)
            if features is None or stimulus is None:
                return terms
            y_t = torch.as_tensor(y).long()
            onehot = torch.nn.functional.one_hot(y_t, self.n_classes_).float()
            means = (onehot.T @ features) / onehot.sum(0).clamp_min(1)[:, None]
            r = features - means[y_t]
            target = 3.0 * table[torch.as_tensor(stimulus).long()]
            terms["planted"] = weight * ((r @ u - target) ** 2).mean()
            return terms

    return PlantedResidualNet


def test_residual_displacement_positive_control():
    X, y, stimulus, coords = _data(0, n=240)
    res_coords = coords - np.repeat([coords[0:2].mean(), coords[2:4].mean(), coords[4:6].mean()], 2)
    direction = np.random.default_rng(1).normal(size=16)
    direction /= np.linalg.norm(direction)
    monitors = {}
    for name, cls in (("alignment", ValenceNetClassifier),
                      ("alignment+planted", planted_residual_net(direction, res_coords, 20.0))):
        monitor = FeatureDisplacementMonitor(stimulus_coords=coords, class_coords=[-1.0, 0.0, 1.0],
                                             probe_size=120, random_state=0)
        # plain SGD: a displacement then follows the gradient it gets (Adam would rescale it)
        cls("mlp", max_epochs=4, random_state=PLANTED_SEED, module__hidden=16, batch_size=64, verbose=0,
            warmup_epochs=0, lr=0.05, optimizer=torch.optim.SGD, alignment_loss="axis-mse",
            alignment_weight=1.0, alignment_target=[-1.0, 0.0, 1.0],
            callbacks=[("displacement", monitor)]).fit(X, y, stimulus=stimulus)
        monitors[name] = monitor
    base = monitors["alignment"]
    # under the alignment loss the residual displacement is reported, every epoch, finite
    assert [r["epoch"] for r in base.records_] == [1, 2, 3, 4]
    for rec in base.records_:
        assert rec["disp_within"] > rec["disp_resolution"] > 0
        assert np.isfinite(rec["disp_within_target"]) and np.isfinite(rec["residual_alignment"])
    assert set(base.initial_) == {"residual_alignment", "class_alignment"}
    rows = {r["run"]: r for r in compare_displacement(monitors, reference="alignment")}
    planted = rows["alignment+planted"]
    # a direct gradient on the residual moves it clearly more, above all along the residual target
    assert planted["ratio_path_disp_within"] > 2
    assert planted["ratio_path_disp_within_target"] > 3
    assert planted["residual_alignment_change"] > rows["alignment"]["residual_alignment_change"] + 0.2


def test_displacement_monitor_errors():
    X, y, stimulus, coords = _data(0)
    monitor = FeatureDisplacementMonitor(stimulus_coords=coords, probe_size=50, random_state=0)
    with pytest.raises(ValueError, match="stimulus ids"):
        _net(max_epochs=1, callbacks=[("d", monitor)]).fit(X, y)  # no stimulus: no residual target
    with pytest.raises(ValueError, match="probe_size"):
        _net(max_epochs=1, callbacks=[("d", FeatureDisplacementMonitor(probe_size=1))]).fit(X, y)
    with pytest.raises(ValueError, match="y_probe"):
        _net(max_epochs=1, callbacks=[("d", FeatureDisplacementMonitor(X_probe=X[:20]))]).fit(X, y)
