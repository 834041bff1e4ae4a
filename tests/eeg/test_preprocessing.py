import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skvalence.eeg.preprocessing import SubjectStandardScaler
from skvalence.model_selection import SubjectKFold


def _cohort(n_subjects=12, rows=20, n_features=5, seed=0):
    rng = np.random.default_rng(seed)
    groups = np.repeat(np.arange(n_subjects), rows)
    offset = rng.normal(scale=5, size=(n_subjects, n_features))[groups]
    gain = rng.uniform(0.5, 4, size=(n_subjects, n_features))[groups]
    y = rng.integers(0, 2, size=groups.size)
    X = offset + gain * (rng.normal(size=(groups.size, n_features)) + y[:, None] * 0.8)
    return X, y, groups


@parametrize_with_checks([SubjectStandardScaler(missing_groups="ignore"), SubjectStandardScaler(with_mean=False)])
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check(estimator)


def test_each_subject_has_mean_zero_std_one():
    X, _, groups = _cohort()
    Z = SubjectStandardScaler().fit_transform(X, groups=groups)
    for g in np.unique(groups):
        np.testing.assert_allclose(Z[groups == g].mean(axis=0), 0, atol=1e-12)
        np.testing.assert_allclose(Z[groups == g].std(axis=0), 1, atol=1e-12)


def test_uses_only_own_subject_rows():
    X, _, groups = _cohort()
    full = SubjectStandardScaler().fit(X).transform(X, groups=groups)
    alone = SubjectStandardScaler().fit(X).transform(X[groups == 3], groups=groups[groups == 3])
    np.testing.assert_allclose(full[groups == 3], alone)


def test_with_mean_and_std_options():
    X, _, groups = _cohort()
    rows = groups == 0
    Z = SubjectStandardScaler(with_std=False).fit_transform(X, groups=groups)
    np.testing.assert_allclose(Z[rows], X[rows] - X[rows].mean(axis=0))
    Z = SubjectStandardScaler(with_mean=False).fit_transform(X, groups=groups)
    np.testing.assert_allclose(Z[rows], X[rows] / X[rows].std(axis=0))


def test_constant_feature_and_single_row_subject_no_division_by_zero():
    X, _, groups = _cohort()
    X[:, 2] = 7.0
    X = np.vstack([X, np.ones((1, X.shape[1]))])
    groups = np.append(groups, 99)
    Z = SubjectStandardScaler().fit_transform(X, groups=groups)
    assert np.all(np.isfinite(Z))
    np.testing.assert_allclose(Z[:, 2], 0)
    np.testing.assert_allclose(Z[-1], 0)


def test_missing_groups_policies():
    X, _, groups = _cohort()
    scaler = SubjectStandardScaler().fit(X, groups=groups)
    assert scaler.n_groups_ == 12
    with pytest.warns(UserWarning, match="pooled"):
        Z = scaler.transform(X)
    np.testing.assert_allclose(Z, (X - X.mean(0)) / X.std(0))
    with pytest.raises(ValueError, match="needs `groups`"):
        clone(scaler).set_params(missing_groups="raise").fit(X).transform(X)
    with pytest.raises(ValueError, match="missing_groups"):
        SubjectStandardScaler(missing_groups="nope").fit(X)


def test_bad_groups_and_inputs():
    X, _, groups = _cohort()
    scaler = SubjectStandardScaler().fit(X)
    with pytest.raises(ValueError, match="entries but X has"):
        scaler.transform(X, groups=groups[:-1])
    with pytest.raises(ValueError, match="NaN"):
        scaler.transform(X, groups=np.where(groups == 0, np.nan, groups))
    X_nan = X.copy()
    X_nan[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        SubjectStandardScaler().fit(X_nan)
    with pytest.raises(ValueError, match="features"):
        scaler.transform(X[:, :3], groups=groups)


def test_pickle_roundtrip():
    X, _, groups = _cohort()
    scaler = SubjectStandardScaler().fit(X, groups=groups)
    again = pickle.loads(pickle.dumps(scaler))
    np.testing.assert_allclose(again.transform(X, groups=groups), scaler.transform(X, groups=groups))


def test_pipeline_with_metadata_routing_and_grid_search():
    X, y, groups = _cohort()
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = make_pipeline(SubjectStandardScaler(), LogisticRegression())
        pipe.fit(X, y, groups=groups)
        # The routed groups reached fit_transform: the classifier saw per-subject z-scores.
        Z = pipe[0].transform(X, groups=groups)
        np.testing.assert_allclose(Z[groups == 1].std(axis=0), 1)
        routed = pipe.predict(X, groups=groups)
        expected = pipe[-1].predict(Z)
        np.testing.assert_array_equal(routed, expected)

        search = GridSearchCV(pipe, {"logisticregression__C": [0.01, 1.0]}, cv=SubjectKFold(4))
        with warnings.catch_warnings():
            # Scorers call predict without metadata -> documented pooled fallback.
            warnings.simplefilter("ignore", UserWarning)
            search.fit(X, y, groups=groups)
        assert search.n_splits_ == 4
        assert search.best_score_ > 0.6  # y shifts features by 0.8 std within each subject


def test_per_subject_scaling_removes_subject_offsets():
    X, y, groups = _cohort(seed=1)
    from sklearn.model_selection import cross_val_score

    Z = SubjectStandardScaler().fit_transform(X, groups=groups)
    cv = SubjectKFold(4)
    raw = cross_val_score(LogisticRegression(), X, y, groups=groups, cv=cv).mean()
    scaled = cross_val_score(LogisticRegression(), Z, y, groups=groups, cv=cv).mean()
    assert scaled > raw + 0.05
