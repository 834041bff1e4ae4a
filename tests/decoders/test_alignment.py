"""The alignment losses: weights, schedules, channel masks and the target convention."""

import numpy as np
import pytest
import torch

from skvalence.decoders.alignment import normalise_target, scalar_axis
from strategy_nets import CH, N_CLASSES, make_data as _data, make_net as _net


def test_zero_weight_equals_baseline():
    X, y, _, target = _data()
    base = _net("none", None, alignment_weight=0.0).fit(X, y)
    zero = _net("axis-mse", target, alignment_weight=0.0).fit(X, y)
    on = _net("axis-mse", target, alignment_weight=1.0).fit(X, y)
    np.testing.assert_array_equal(base.predict_proba(X), zero.predict_proba(X))
    assert not np.allclose(base.predict_proba(X), on.predict_proba(X))


def test_pretrain_schedule_and_freezing():
    X, y, _, target = _data()
    net = _net("pretrain-frozen", target, max_epochs=4).fit(X, y)
    aligner = net.aligner_
    assert aligner.ce_scale(0.0) == 0.0 and aligner.alignment_scale(0.0) == 1.0
    assert aligner.ce_scale(0.5) == 1.0 and aligner.alignment_scale(0.5) == 0.0
    assert aligner.freeze_backbone(0.5) and not net.set_params(alignment_loss="pretrain-unfrozen").fit(
        X, y).aligner_.freeze_backbone(0.5)
    # Frozen fine-tuning leaves the backbone untouched: one more epoch changes only the head.
    net = _net("pretrain-frozen", target, max_epochs=2).fit(X, y)
    before = net.module_.cell_embed.weight.detach().clone()
    head_before = net.module_.head.weight.detach().clone()
    net.partial_fit(X, y)
    assert len(net.history) == 4
    assert torch.equal(before, net.module_.cell_embed.weight)
    assert not torch.equal(head_before, net.module_.head.weight)


def test_masks_follow_the_montage():
    X, y, _, target = _data()
    net = _net("axis-frontal", target).fit(X, y)
    mask = net.aligner_.cell_mask.reshape(len(CH), 5).numpy()
    np.testing.assert_array_equal(mask[:, 0], [1, 1, 1, 1, 0, 0, 0, 0])
    net = _net("axis-frontal-alpha-asymmetry", target).fit(X, y)
    mask = net.aligner_.cell_mask.reshape(len(CH), 5).numpy()
    np.testing.assert_array_equal(mask[:, 2], [-1, 1, -1, 1, 0, 0, 0, 0])
    assert np.all(mask[:, [0, 1, 3, 4]] == 0)
    with pytest.raises(ValueError, match="topography"):
        _net("axis-topo-optimal", target, alignment_kwargs=None).fit(X, y)


def test_target_normalisation():
    t, centre, scale = normalise_target(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(t[:, 0], [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    proto = np.random.default_rng(0).normal(size=(9, 384))
    axis = scalar_axis(normalise_target(proto)[0])
    assert axis.shape == (9,) and abs(axis.std() - 1) < 1e-9
    with pytest.raises(ValueError, match="constant"):
        normalise_target(np.ones(9))


def test_high_dimensional_prototypes_are_accepted():
    X, y, _, _ = _data()
    centroids = np.random.default_rng(1).normal(size=(N_CLASSES, 384))
    net = _net("distance-ce", centroids).fit(X, y)
    assert net.aligner_.readout.out_features == 384
    assert np.isfinite(net.history[-1]["train_loss"])
