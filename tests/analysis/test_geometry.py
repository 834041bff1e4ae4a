"""Tests of skvalence.analysis.geometry."""

import numpy as np
import pytest
from scipy.stats import special_ortho_group

from skvalence.analysis.geometry import (
    basin_projector,
    class_axis_alignment,
    class_mean_subspace,
    class_means,
    neural_collapse_ratio,
    random_direction_null,
    residual_axis_alignment,
    split_basin_residual,
)

N_CLASSES, PER_CLASS, DIM = 9, 30, 16


def _aligned_features(rng, coords, noise=0.3):
    """Class means along one direction, ordered by ``coords``, plus isotropic noise."""
    y = np.repeat(np.arange(coords.shape[0]), PER_CLASS)
    u = rng.normal(size=DIM)
    u /= np.linalg.norm(u)
    Z = np.outer(coords[y], u) * 3 + noise * rng.normal(size=(y.shape[0], DIM))
    return Z, y


def _stimulus_design(rng, n_classes=6, per_class=3, reps=12):
    stim_class = np.repeat(np.arange(n_classes), per_class)
    stimulus = np.repeat(np.arange(stim_class.shape[0]), reps)
    y = stim_class[stimulus]
    class_coord = np.linspace(-1, 1, n_classes)
    stim_coords = class_coord[stim_class] + 0.3 * rng.normal(size=stim_class.shape[0])
    return stimulus, y, stim_class, stim_coords


def test_class_means_and_split_reconstruct():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(40, 5))
    y = rng.integers(0, 4, 40)
    classes, means = class_means(Z, y)
    assert classes.tolist() == sorted(set(y.tolist()))
    basin, residual = split_basin_residual(Z, y)
    np.testing.assert_allclose(basin + residual, Z)
    for k, c in enumerate(classes):
        np.testing.assert_allclose(residual[y == c].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(basin[y == c], np.broadcast_to(means[k], basin[y == c].shape))


def test_subspace_and_projector_properties():
    rng = np.random.default_rng(1)
    Z = rng.normal(size=(60, 10))
    y = np.repeat(np.arange(4), 15)
    B = class_mean_subspace(Z, y)
    assert B.shape == (10, 3)  # n_classes - 1
    np.testing.assert_allclose(B.T @ B, np.eye(3), atol=1e-10)
    P = basin_projector(Z, y)
    np.testing.assert_allclose(P @ P, P, atol=1e-10)
    np.testing.assert_allclose(P, P.T, atol=1e-12)
    _, means = class_means(Z, y)
    centred = means - means.mean(axis=0)
    np.testing.assert_allclose(centred @ P, centred, atol=1e-10)
    basin, residual = split_basin_residual(Z, y, basis=B)
    np.testing.assert_allclose(residual @ B, 0, atol=1e-10)
    np.testing.assert_allclose(basin + residual, Z)


def test_split_rejects_non_orthonormal_basis():
    Z = np.random.default_rng(0).normal(size=(10, 3))
    with pytest.raises(ValueError, match="orthonormal"):
        split_basin_residual(Z, np.arange(10) % 2, basis=np.ones((3, 1)))
    with pytest.raises(ValueError, match="rows"):
        split_basin_residual(Z, np.arange(10) % 2, basis=np.eye(4)[:, :1])


def test_class_alignment_near_one_when_means_follow_coords():
    rng = np.random.default_rng(2)
    coords = rng.normal(size=N_CLASSES)
    Z, y = _aligned_features(rng, coords)
    alignment, details = class_axis_alignment(Z, y, coords, return_details=True)
    assert alignment > 0.99
    assert details.explained_variance_ratio > 0.9
    # dict coordinates give the same value
    assert class_axis_alignment(Z, y, dict(enumerate(coords))) == pytest.approx(alignment)
    # flipping the axis keeps |r| and flips the sign
    flipped, d2 = class_axis_alignment(Z, y, -coords, return_details=True)
    assert flipped == pytest.approx(alignment)
    assert d2.sign == -details.sign


def test_class_alignment_invariant_to_rotation_and_scale():
    rng = np.random.default_rng(3)
    coords = rng.normal(size=N_CLASSES)
    Z, y = _aligned_features(rng, coords, noise=2.0)
    Q = special_ortho_group.rvs(DIM, random_state=0)
    base = class_axis_alignment(Z, y, coords)
    assert class_axis_alignment(7.5 * Z @ Q + 3.0, y, coords) == pytest.approx(base, abs=1e-10)


def test_class_alignment_chance_for_random_means():
    rng = np.random.default_rng(4)
    coords = rng.normal(size=N_CLASSES)
    values = []
    for seed in range(30):
        r = np.random.default_rng(seed)
        y = np.repeat(np.arange(N_CLASSES), PER_CLASS)
        Z = 3 * r.normal(size=(N_CLASSES, DIM))[y] + r.normal(size=(y.shape[0], DIM))
        values.append(class_axis_alignment(Z, y, coords))
    # |r| of 9 random points has mean ~0.27; far from the ~1 of aligned features
    assert np.mean(values) < 0.5


def test_random_direction_null_percentiles():
    rng = np.random.default_rng(5)
    coords = rng.normal(size=N_CLASSES)
    Z, y = _aligned_features(rng, coords)
    res = random_direction_null(Z, y, coords, n_directions=500, random_state=0)
    assert res.null.shape == (500,)
    assert np.all((res.null >= 0) & (res.null <= 1 + 1e-12))
    assert res.percentile > 95 and res.p_value < 0.05
    assert "null" in res.test
    # reproducible with a seed
    again = random_direction_null(Z, y, coords, n_directions=500, random_state=0)
    np.testing.assert_array_equal(res.null, again.null)
    # features unrelated to the coordinates: observed sits inside the null
    Zr = 3 * rng.normal(size=(N_CLASSES, DIM))[y] + rng.normal(size=Z.shape)
    pcts = [random_direction_null(Zr, y, rng.normal(size=N_CLASSES), n_directions=300,
                                  random_state=s).percentile for s in range(20)]
    assert 20 < np.mean(pcts) < 80
    # text-space centroids variant
    cents = np.outer(coords, np.ones(4)) + 0.01 * rng.normal(size=(N_CLASSES, 4))
    res2 = random_direction_null(Z, y, coords, class_centroids=cents, n_directions=200, random_state=1)
    assert res2.null.shape == (200,)
    assert "language-model" in res2.test and "standard-normal" in res.test
    # the null draws are |corr| of the centroids' PC1 scores with (centroids - mean) @ u, u a unit direction
    u = np.random.RandomState(1).standard_normal((200, 4))[0]
    draw = (cents - cents.mean(0)) @ (u / np.linalg.norm(u))
    assert res2.null[0] == pytest.approx(abs(np.corrcoef(res2.scores, draw)[0, 1]))
    assert res2.p_value == pytest.approx((1 + np.sum(res2.null >= res2.observed)) / 201)
    # a mapping label -> centroid gives the same null
    res3 = random_direction_null(Z, y, coords, class_centroids=dict(enumerate(cents)), n_directions=200,
                                 random_state=1)
    np.testing.assert_array_equal(res3.null, res2.null)


def test_residual_alignment_high_when_residual_carries_coordinate():
    rng = np.random.default_rng(6)
    stimulus, y, stim_class, stim_coords = _stimulus_design(rng)
    u, w = rng.normal(size=(2, DIM))
    # class part along w, stimulus coordinate part along u, plus noise
    Z = np.outer(y, w) + 2 * np.outer(stim_coords[stimulus], u) + 0.1 * rng.normal(size=(y.shape[0], DIM))
    value, details = residual_axis_alignment(Z, y, stimulus, stim_coords, return_details=True)
    assert value > 0.95
    # the residual coordinates are centred within each class
    for c in np.unique(stim_class):
        assert details.residual_coords[stim_class == c].mean() == pytest.approx(0, abs=1e-12)
    # with a direction chosen on validation data
    Zv = np.outer(y, w) + 2 * np.outer(stim_coords[stimulus], u) + 0.1 * rng.normal(size=Z.shape)
    val = residual_axis_alignment(Z, y, stimulus, stim_coords, Z_val=Zv, y_val=y, stimulus_val=stimulus)
    assert val > 0.95


def test_residual_alignment_chance_when_residual_is_unrelated():
    values = []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        stimulus, y, _, stim_coords = _stimulus_design(rng)
        stim_offsets = rng.normal(size=(stim_coords.shape[0], DIM))  # stimulus effects unrelated to coords
        Z = np.outer(stim_coords[stimulus], rng.normal(size=DIM)) * 0 + stim_offsets[stimulus]
        Z = Z + 0.1 * rng.normal(size=Z.shape)
        values.append(residual_axis_alignment(Z, y, stimulus, stim_coords))
    assert np.mean(values) < 0.5


def test_residual_alignment_requires_per_stimulus_coords():
    rng = np.random.default_rng(7)
    stimulus, y, stim_class, _ = _stimulus_design(rng)
    per_class = np.linspace(-1, 1, 6)[stim_class]
    with pytest.raises(ValueError, match="per-stimulus"):
        residual_axis_alignment(rng.normal(size=(y.shape[0], 4)), y, stimulus, per_class)


def test_residual_alignment_rejects_stimulus_in_two_classes():
    y = np.array([0, 0, 1, 1, 2, 2])
    stimulus = np.array([0, 1, 1, 2, 3, 3])
    with pytest.raises(ValueError, match="several classes"):
        residual_axis_alignment(np.eye(6), y, stimulus, np.arange(4.0))


def test_neural_collapse_ratio():
    rng = np.random.default_rng(8)
    y = np.repeat(np.arange(5), 40)
    means = 5 * rng.normal(size=(5, 8))
    tight = means[y] + 0.01 * rng.normal(size=(200, 8))
    loose = means[y] + 3.0 * rng.normal(size=(200, 8))
    assert neural_collapse_ratio(tight, y) < 1e-4 < neural_collapse_ratio(loose, y)
    Q = special_ortho_group.rvs(8, random_state=1)
    assert neural_collapse_ratio(2 * loose @ Q, y) == pytest.approx(neural_collapse_ratio(loose, y))
    assert neural_collapse_ratio(np.ones((4, 2)), [0, 0, 1, 1]) == np.inf


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: class_axis_alignment(np.ones((4, 2)), [0, 0, 1, 1], [0.0, 1.0]), "at least 3 classes"),
        (lambda: class_axis_alignment(np.full((6, 2), np.nan), [0, 0, 1, 1, 2, 2], [0, 1, 2.0]), "NaN"),
        (lambda: class_axis_alignment(np.ones((6, 2)), [0, 0, 1, 1, 2, 2, 2], [0, 1, 2.0]), "inconsistent"),
        (lambda: class_axis_alignment(np.eye(6), [0, 0, 1, 1, 5, 5], [0, 1, 2.0]), "labels run"),
        (lambda: class_axis_alignment(np.eye(6), list("aabbcc"), [0, 1, 2.0]), "dict"),
        (lambda: class_axis_alignment(np.eye(6), [0, 0, 1, 1, 2, 2], {0: 1.0, 1: 2.0}), "no coordinate"),
        (lambda: class_axis_alignment(np.ones((6, 2)), [0, 0, 1, 1, 2, 2], [0, 1, 2.0]), "constant"),
        (lambda: random_direction_null(np.eye(6), [0, 0, 1, 1, 2, 2], [0, 1, 2.0], n_directions=0), "n_directions"),
        (lambda: random_direction_null(np.eye(6), [0, 0, 1, 1, 2, 2], [0, 1, 2.0], n_directions=99), ">= 100"),
        (lambda: random_direction_null(np.eye(6), [0, 0, 1, 1, 2, 2], [0, 1, 2.0], class_centroids=np.ones((2, 3))),
         "one row per label"),
        (lambda: random_direction_null(np.eye(6), [0, 0, 1, 1, 2, 2], [0, 1, 2.0], class_centroids={0: [1.0, 2.0]}),
         "no centroid"),
    ],
)
def test_bad_input_raises_clear_errors(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
