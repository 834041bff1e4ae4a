"""Tests of the zero-shot scoring of a valence axis (skvalence.text.zero_shot)."""

import pickle

import numpy as np
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from skvalence.text.zero_shot import (
    ZeroShotResult,
    axis_scores,
    compare_scores,
    evaluate_zero_shot,
    score_metric,
)




class FakeAxis:
    """A fitted 'V-axis': texts are looked up in a table of hidden states."""

    def __init__(self, hidden, texts, axis, center, with_embed=True):
        self._rows = {t: i for i, t in enumerate(texts)}
        self._hidden = hidden
        self.axis_ = axis
        self.center_ = center
        if not with_embed:
            del self.axis_, self.center_

    def embed(self, texts):
        return self._hidden[[self._rows[t] for t in texts]]

    def transform(self, texts):
        return ((self.embed(texts) - self.center_) @ self.axis_)[:, None]


def _planted(n=200, dim=16, signal=3.0, seed=0):
    rng = np.random.default_rng(seed)
    y = np.repeat([0, 1], n // 2)
    axis = np.zeros(dim)
    axis[0] = 1.0
    hidden = rng.normal(size=(n, dim))
    hidden[:, 0] += signal * (2 * y - 1)
    texts = [f"text {i}" for i in range(n)]
    return texts, y, hidden, axis, np.zeros(dim)


def test_evaluate_zero_shot_planted_signal():
    texts, y, hidden, axis, center = _planted()
    res = evaluate_zero_shot(FakeAxis(hidden, texts, axis, center), texts, y,
                             n_bootstrap=300, n_random_directions=200, random_state=0)
    assert isinstance(res, ZeroShotResult)
    assert res.metric == "roc_auc" and res.kind == "binary" and res.n == 200
    assert res.score == pytest.approx(roc_auc_score(y, hidden[:, 0]))
    assert res.score > 0.97
    assert res.ci[0] > 0.5 and res.ci[0] <= res.score <= res.ci[1]
    # Random directions in 16-D carry ~1/4 of the signal on average: well below.
    assert res.null_scores.shape == (200,)
    assert res.null_mean < 0.75 and res.null_p95 < res.score
    assert res.null_percentile == 100.0
    assert res.p_random_direction == pytest.approx(1 / 201)
    assert "random-direction test" in str(res)


def test_evaluate_zero_shot_random_axis_is_chance():
    texts, y, hidden, _, center = _planted(n=400, signal=0.0, seed=1)
    res = evaluate_zero_shot(FakeAxis(hidden, texts, np.eye(16)[3], center), texts, y,
                             n_bootstrap=300, n_random_directions=50, random_state=0)
    assert abs(res.score - 0.5) < 0.08
    assert res.ci[0] < 0.5 < res.ci[1]
    assert abs(res.null_mean - 0.5) < 0.05
    assert res.p_random_direction > 0.05


def test_evaluate_zero_shot_continuous_and_reproducible():
    rng = np.random.default_rng(2)
    texts, _, hidden, axis, center = _planted(n=150, signal=0.0, seed=2)
    ratings = hidden[:, 0] + 0.5 * rng.normal(size=150)
    fake = FakeAxis(hidden, texts, axis, center)
    res = evaluate_zero_shot(fake, texts, ratings, n_bootstrap=200,
                             n_random_directions=30, random_state=3)
    assert res.metric == "spearman" and res.kind == "continuous"
    assert res.score == pytest.approx(stats.spearmanr(ratings, hidden[:, 0])[0])
    assert res.score > 0.8 and res.ci[0] > 0.6
    again = evaluate_zero_shot(fake, texts, ratings, n_bootstrap=200,
                               n_random_directions=30, random_state=3)
    assert again.ci == res.ci
    np.testing.assert_array_equal(again.null_scores, res.null_scores)
    assert pickle.loads(pickle.dumps(res)).score == res.score


def test_evaluate_zero_shot_without_embed_has_no_null():
    texts, y, hidden, axis, center = _planted(n=60)

    class TransformOnly:
        def transform(self, t):
            return FakeAxis(hidden, texts, axis, center).transform(t)

    res = evaluate_zero_shot(TransformOnly(), texts, y, n_bootstrap=50, random_state=0)
    assert res.score > 0.95
    assert res.null_scores.size == 0 and np.isnan(res.null_mean)
    assert np.isnan(res.p_random_direction)


def test_evaluate_zero_shot_falls_back_to_transform():
    # A transformer whose transform() is not <embed - center, axis>: the score
    # must still be that of transform(), with a warning.
    texts, y, hidden, axis, center = _planted(n=80)

    class Flipped(FakeAxis):
        def transform(self, t):
            return -super().transform(t)

    with pytest.warns(RuntimeWarning, match="differs"):
        res = evaluate_zero_shot(Flipped(hidden, texts, axis, center), texts, y,
                                 n_bootstrap=0, n_random_directions=10, random_state=0)
    assert res.score < 0.05
    assert np.isnan(res.ci[0])


@pytest.mark.parametrize(
    "y, kwargs, error, match",
    [
        ([0, 1, 0], {}, ValueError, "3 values but there are 4 texts"),
        ([0, 1, np.nan, 1], {}, ValueError, "NaN"),
        ([1, 1, 1, 1], {}, ValueError, "at least 3 distinct"),
        ([0.1, 0.2, 0.3, 0.4], {"kind": "binary"}, ValueError, "exactly 2"),
        ([0, 1, 0, 1], {"kind": "ordinal"}, ValueError, "kind must be"),
        ([0, 1, 0, 1], {"n_bootstrap": -1}, ValueError, "n_bootstrap"),
        ([0, 1, 0, 1], {"n_random_directions": 1.5}, ValueError, "n_random_directions"),
        (["a", "b", "a", "b"], {}, TypeError, "numeric"),
    ],
)
def test_evaluate_zero_shot_bad_input(y, kwargs, error, match):
    texts, _, hidden, axis, center = _planted(n=4)
    with pytest.raises(error, match=match):
        evaluate_zero_shot(FakeAxis(hidden, texts, axis, center), texts, y, **kwargs)


def test_evaluate_zero_shot_bad_transformer():
    texts = ["a", "b", "c", "d"]

    class Wide:
        def transform(self, t):
            return np.ones((len(t), 2))

    with pytest.raises(ValueError, match="one coordinate per text"):
        evaluate_zero_shot(Wide(), texts, [0, 1, 0, 1])
    with pytest.raises(TypeError, match="no transform"):
        evaluate_zero_shot(object(), texts, [0, 1, 0, 1])
    with pytest.raises(TypeError, match="single string"):
        evaluate_zero_shot(Wide(), "abcd", [0, 1, 0, 1])


def test_score_metric_matches_sklearn_and_scipy():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    s = np.round(y + rng.normal(size=300), 1)  # rounding makes ties
    auc, name = score_metric(y, s)
    assert name == "roc_auc" and auc == pytest.approx(roc_auc_score(y, s))
    ratings = np.round(s + rng.normal(size=300), 1)
    rho, name = score_metric(ratings, s)
    assert name == "spearman" and rho == pytest.approx(stats.spearmanr(ratings, s)[0])
    # Labels other than 0/1: the larger value is the positive class.
    assert score_metric(2 * y + 1, s)[0] == pytest.approx(auc)


def test_compare_scores_detects_better_axis_and_no_difference():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 150)
    weak = y + 1.5 * rng.normal(size=300)
    strong = y + 0.3 * rng.normal(size=300)
    cmp = compare_scores(weak, strong, y, n_bootstrap=400, random_state=0)
    assert cmp.metric == "roc_auc"
    assert cmp.difference == pytest.approx(cmp.score_b - cmp.score_a)
    assert cmp.difference > 0.15 and cmp.ci[0] > 0 and cmp.p_value < 0.01
    same = compare_scores(strong, strong + 1e-9 * rng.normal(size=300), y,
                          n_bootstrap=200, random_state=0)
    assert abs(same.difference) < 1e-3 and same.ci[0] <= 0 <= same.ci[1]
    assert "paired bootstrap" in str(cmp)
    with pytest.raises(ValueError, match="scores_a has 300"):
        compare_scores(weak, strong[:10], y)


def test_axis_scores_shares_hidden_states_with_the_null():
    texts, y, hidden, axis, center = _planted(n=40)
    center = np.full(hidden.shape[1], 0.5)
    fake = FakeAxis(hidden, texts, axis, center)
    scores, centred = axis_scores(fake, texts)
    np.testing.assert_allclose(centred, hidden - center)
    np.testing.assert_allclose(scores, (hidden - center) @ axis)

    class TransformOnly:  # no embed/center_/axis_: transform() is scored, no null
        def transform(self, t):
            return fake.transform(t)

    only, none = axis_scores(TransformOnly(), texts)
    assert none is None
    np.testing.assert_allclose(only, scores)
