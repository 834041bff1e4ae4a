"""Tests of skvalence.analysis.ablation."""

import numpy as np
import pytest

from skvalence.analysis.ablation import directional_ablation, project_out, residual_direction



def _linear_problem(seed=0, n=300, d=6):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    Z = rng.normal(size=(n, d))
    Z[:, 0] += 3.0 * (y - 1)  # all class information on feature 0
    W = np.zeros((d, 3))
    W[0] = [-1.0, 0.0, 1.0]
    b = np.array([-1.5, 0.0, -1.5])
    return Z, y, lambda F: F @ W + b


def test_project_out_removes_the_component():
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(50, 5))
    u = rng.normal(size=5)
    out = project_out(Z, 3 * u)  # scale of the direction does not matter
    np.testing.assert_allclose(out @ u, 0, atol=1e-10)
    np.testing.assert_allclose(project_out(out, u), out)  # idempotent
    c = Z.mean(axis=0)
    centred = project_out(Z, u, center=c)
    np.testing.assert_allclose((centred - c) @ u, 0, atol=1e-10)
    with pytest.raises(ValueError, match="non-zero"):
        project_out(Z, np.zeros(5))
    with pytest.raises(ValueError, match="entries"):
        project_out(Z, np.ones(4))


def test_ablation_of_informative_direction_costs_accuracy():
    Z, y, head = _linear_problem()
    res = directional_ablation(None, Z, y, np.eye(6)[0], n_random=60, random_state=0,
                               features_fn=lambda X: X, head_fn=head)
    assert res.baseline_bacc > 0.8
    assert res.delta < -0.4
    assert res.random_deltas.shape == (60,)
    assert res.z_score < -3 and res.p_value < 0.05
    assert "null" in res.test


def test_ablation_of_uninformative_direction_is_like_random():
    Z, y, head = _linear_problem(seed=1)
    res = directional_ablation(None, Z, y, np.eye(6)[3], n_random=60, random_state=0,
                               features_fn=lambda X: X, head_fn=head)
    assert res.delta == 0.0  # the head ignores feature 3 entirely
    assert res.p_value > 0.05
    again = directional_ablation(None, Z, y, np.eye(6)[3], n_random=60, random_state=0,
                                 features_fn=lambda X: X, head_fn=head)
    np.testing.assert_array_equal(res.random_deltas, again.random_deltas)


def test_ablation_maps_argmax_through_classes_():
    Z, y, head = _linear_problem(seed=2)

    class Labelled:
        classes_ = np.array([10, 20, 30])

        def transform(self, X):
            return X

    res = directional_ablation(Labelled(), Z, y * 10 + 10, np.eye(6)[3], n_random=5, random_state=0, head_fn=head)
    assert res.baseline_bacc > 0.8


def test_ablation_input_errors():
    Z, y, head = _linear_problem()
    with pytest.raises(TypeError, match="transform"):
        directional_ablation(object(), Z, y, np.eye(6)[0], head_fn=head)
    with pytest.raises(TypeError, match="head"):
        directional_ablation(None, Z, y, np.eye(6)[0], features_fn=lambda X: X)
    with pytest.raises(ValueError, match="n_random"):
        directional_ablation(None, Z, y, np.eye(6)[0], n_random=0, features_fn=lambda X: X, head_fn=head)
    with pytest.raises(ValueError, match="scores"):
        directional_ablation(None, Z, y, np.eye(6)[0], n_random=2, features_fn=lambda X: X,
                             head_fn=lambda F: F[:, 0])


def test_residual_direction_recovers_planted_direction():
    rng = np.random.default_rng(3)
    stim_class = np.repeat(np.arange(4), 3)
    coords = np.linspace(-1, 1, 4)[stim_class] + 0.3 * rng.normal(size=12)
    stimulus = np.repeat(np.arange(12), 25)
    y = stim_class[stimulus]
    u = rng.normal(size=10)
    u /= np.linalg.norm(u)
    w = rng.normal(size=10)
    Z = np.outer(y, w) + 2 * np.outer(coords[stimulus], u) + 0.1 * rng.normal(size=(300, 10))
    d = residual_direction(Z, y, stimulus, coords)
    assert np.linalg.norm(d) == pytest.approx(1.0)
    assert d @ u > 0.98  # signed along the coordinate
    with pytest.raises(ValueError, match="per-stimulus"):
        residual_direction(Z, y, stimulus, np.linspace(-1, 1, 4)[stim_class])


def test_ablation_with_real_valence_net():
    from skvalence.decoders import ValenceNetClassifier

    rng = np.random.default_rng(4)
    stimulus = np.arange(240) % 6
    y = stimulus // 2 + 10  # labels need not be 0..K-1: classes_ maps them
    coords = np.array([-1.0, -0.5, 0.0, 0.3, 0.6, 1.0])
    X = rng.normal(size=(240, 40)).astype(np.float32)
    X[:, :5] += 2.0 * (y - 10)[:, None]
    X[:, 5:10] += coords[stimulus][:, None]
    net = ValenceNetClassifier("mlp", module__hidden=16, max_epochs=5, random_state=0, batch_size=64).fit(X, y)
    Z = net.transform(X)
    u = residual_direction(Z, y, stimulus, coords)
    res = directional_ablation(net, X, y, u, n_random=20, random_state=0)
    # the default head path reproduces the net's own predictions
    assert res.baseline_bacc == pytest.approx(net.score(X, y))
    assert res.random_deltas.shape == (20,)
    # removing the head's dominant input direction hurts more than any random direction
    W = net.module_.head.weight.detach().numpy()
    top = np.linalg.svd(W)[2][0]
    hit = directional_ablation(net, X, y, top, n_random=20, random_state=0, center=True)
    assert hit.delta < hit.random_deltas.min()
