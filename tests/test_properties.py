"""Property-based tests of the splitters' and the ensemble's input validation (issue 10).

Every call on hypothesis-chosen input either returns a result that keeps the
documented promises (no subject on both sides of a split, valid indices,
probabilities that sum to one) or raises a ``ValueError`` / ``TypeError``
with a clear message; any other exception fails the test.
"""


import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from skvalence.ensemble import ResidualDiversityEnsemble
from skvalence.model_selection import FACEDPaperSplit, SEEDVTrialSplit, SubjectKFold, seedv_trial_groups
from property_checks import outcome, property_settings




@st.composite
def group_ids(draw, n_rows, max_groups=8):
    """Group ids of many kinds, some deliberately broken."""
    kind = draw(st.one_of(st.sampled_from(("int", "str", "negative", "huge", "object-int")),
                          st.sampled_from(("float", "nan", "short", "2d", "mixed", "None", "bool"))))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    ids = rng.integers(0, draw(st.integers(1, max_groups)), size=n_rows)
    if kind == "str":
        return np.array([f"s{i}" for i in ids])
    if kind == "float":
        return ids.astype(float) + draw(st.sampled_from((0.0, 0.5)))
    if kind == "nan":
        g = ids.astype(float)
        if n_rows:
            g[0] = np.nan
        return g
    if kind == "negative":
        return ids - 3
    if kind == "short":
        return ids[:-1]
    if kind == "2d":
        return ids.reshape(-1, 1)
    if kind == "mixed":
        g = ids.astype(object)
        if n_rows:
            g[0] = "x"
        return g
    if kind == "None":
        return None
    if kind == "bool":
        return ids.astype(bool)
    if kind == "object-int":
        return ids.astype(object)
    if kind == "huge":
        return ids + 2**62
    return ids


X_kinds = st.sampled_from(("array", "array", "array", "none", "list", "short", "3d"))


def _make_X(kind, n_rows):
    if kind == "none":
        return None
    if kind == "list":
        return [[float(i)] for i in range(n_rows)]
    if kind == "short":
        return np.zeros((max(n_rows - 2, 0), 2))
    if kind == "3d":
        return np.zeros((n_rows, 2, 2))
    return np.zeros((n_rows, 2))


def _check_folds(folds, n_rows, groups):
    groups = np.asarray(groups)
    for train, test in folds:
        train, test = np.asarray(train), np.asarray(test)
        assert train.dtype.kind in "iu" and test.dtype.kind in "iu"
        assert len(test) > 0
        assert np.all((train >= 0) & (train < n_rows)) and np.all((test >= 0) & (test < n_rows))
        assert np.intersect1d(train, test).size == 0
        assert np.intersect1d(groups[train], groups[test]).size == 0, "a group on both sides of a split"


# --------------------------------------------------------------------------- splitters


@property_settings(150)
@given(data=st.data(), n_rows=st.integers(0, 30), x_kind=X_kinds,
       n_splits=st.one_of(st.sampled_from((2, 3, np.int64(2))),
                          st.sampled_from((5, 10, 0, 1, -2, 2.0, 2.5, "3", None, True, 10**6))),
       shuffle=st.booleans(), random_state=st.sampled_from((None, None, 0, 7, -1, "x")))
def test_subject_kfold_never_crashes(data, n_rows, x_kind, n_splits, shuffle, random_state):
    if not shuffle and data.draw(st.booleans()):
        random_state = None  # scikit-learn refuses a random_state without shuffle; try both
    groups = data.draw(group_ids(n_rows))
    X = _make_X(x_kind, n_rows)
    folds, error = outcome(lambda: list(SubjectKFold(n_splits, shuffle=shuffle, random_state=random_state)
                                        .split(X, groups=groups)))
    if error is None:
        assert len(folds) == n_splits
        _check_folds(folds, n_rows, groups)
        tested = np.sort(np.concatenate([test for _, test in folds]))
        np.testing.assert_array_equal(tested, np.arange(n_rows))


@property_settings(60)
@given(data=st.data(), n_subjects=st.integers(2, 12), n_splits=st.integers(2, 12),
       id_kind=st.sampled_from(("int", "str", "negative", "huge", "object-int", "float")),
       shuffle=st.booleans(), seed=st.integers(0, 100))
def test_subject_kfold_valid_input_gives_valid_folds(data, n_subjects, n_splits, id_kind, shuffle, seed):
    rng = np.random.default_rng(seed)
    ids = np.repeat(np.arange(n_subjects), rng.integers(1, 4, size=n_subjects))
    groups = {"int": ids, "str": np.array([f"s{i:02d}" for i in ids]), "negative": ids - 50,
              "huge": ids + 2**62, "object-int": ids.astype(object), "float": ids * 1.5}[id_kind]
    cv = SubjectKFold(n_splits, shuffle=shuffle, random_state=seed if shuffle else None)
    folds, error = outcome(lambda: list(cv.split(np.zeros((len(groups), 2)), groups=groups)))
    if n_splits > n_subjects:
        assert error is not None
        return
    assert error is None, error
    assert len(folds) == n_splits
    _check_folds(folds, len(groups), groups)
    np.testing.assert_array_equal(np.sort(np.concatenate([te for _, te in folds])), np.arange(len(groups)))


@property_settings(40)
@given(data=st.data(), mode=st.sampled_from(("test", "validation", "train+validation")), seed=st.integers(0, 100))
def test_faced_paper_split_valid_input_follows_the_protocol(data, mode, seed):
    # Any cohort holding at least one subject of each range: subjects go to the sets the paper gives them.
    rng = np.random.default_rng(seed)
    ids = np.unique(np.r_[rng.integers(0, 80), rng.integers(80, 100), rng.integers(100, 123),
                          rng.choice(123, size=data.draw(st.integers(0, 40)), replace=False)])
    groups = np.repeat(ids, 2)
    folds, error = outcome(lambda: list(FACEDPaperSplit(mode=mode).split(None, groups=groups)))
    assert error is None, error
    ((train, test),) = folds
    _check_folds(folds, len(groups), groups)
    train_ids, test_ids = set(groups[train].tolist()), set(groups[test].tolist())
    expected_train = {i for i in ids.tolist() if i < (100 if mode == "train+validation" else 80)}
    expected_test = {i for i in ids.tolist() if (80 <= i < 100 if mode == "validation" else i >= 100)}
    assert train_ids == expected_train and test_ids == expected_test


@property_settings(120)
@given(data=st.data(), n_rows=st.integers(0, 50), x_kind=X_kinds,
       trial_kind=st.sampled_from(("valid", "valid", "global", "float", "half", "str", "negative", "big")))
def test_seedv_trial_split_never_crashes(data, n_rows, x_kind, trial_kind):
    rng = np.random.default_rng(data.draw(st.integers(0, 1000)))
    trials = rng.integers(0, 15, size=n_rows)
    if trial_kind == "global":
        trials = rng.integers(0, 45, size=n_rows)
    elif trial_kind == "float":
        trials = trials.astype(float)
    elif trial_kind == "half":
        trials = trials + 0.5
    elif trial_kind == "str":
        trials = trials.astype(str)
    elif trial_kind == "negative":
        trials = trials - 1
    elif trial_kind == "big":
        trials = trials + 2**40
    if data.draw(st.booleans()):
        trials = data.draw(group_ids(n_rows, max_groups=20))
    X = _make_X(x_kind, n_rows)
    folds, error = outcome(lambda: list(SEEDVTrialSplit().split(X, groups=trials)))
    if error is None:
        assert len(folds) == SEEDVTrialSplit().get_n_splits() == 3
        _check_folds(folds, n_rows, trials)


@property_settings(60)
@given(values=st.one_of(st.lists(st.integers(-5, 60), max_size=10),
                        st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5),
                        st.lists(st.text(max_size=2), max_size=3)),
       key=st.sampled_from(("trial", "stimulus", "other")))
def test_seedv_trial_groups_never_crashes(values, key):
    groups, error = outcome(seedv_trial_groups, {key: np.asarray(values)})
    if error is None:
        assert groups.shape == (len(values),) and np.all((groups >= 0) & (groups < 15))


@property_settings(120)
@given(data=st.data(), n_subjects=st.sampled_from((123, 30, 10, 130, 7, 3, 1, 0)), rows=st.integers(1, 2),
       mode=st.sampled_from(("test", "validation", "train+validation", "test", "validation", "bogus")),
       ranges=st.sampled_from(("default", "default", "default", "overlap", "out-of-range", "empty-test",
                               "strings")))
def test_faced_paper_split_never_crashes(data, n_subjects, rows, mode, ranges):
    kwargs = {
        "default": {},
        "overlap": {"train": range(0, 90), "validation": range(80, 100)},
        "out-of-range": {"test": range(100, 200)},
        "empty-test": {"test": []},
        "strings": {"train": ["a", "b"]},
    }[ranges]
    groups = np.repeat(np.arange(n_subjects), rows)
    if data.draw(st.sampled_from((False, False, True))):
        groups = data.draw(group_ids(len(groups), max_groups=130))
    cv = FACEDPaperSplit(mode=mode, **kwargs)
    folds, error = outcome(lambda: list(cv.split(None, groups=groups)))
    if error is None:
        assert len(folds) == cv.get_n_splits() == 1
        _check_folds(folds, len(groups), groups)


# --------------------------------------------------------------------------- ensemble


class _NoProba:
    def fit(self, X, y):
        return self

    def get_params(self, deep=True):
        return {}


_X = np.random.default_rng(0).standard_normal((36, 3))
_Y = np.tile([0, 1, 2], 12)
_GROUPS = np.repeat(np.arange(6), 6)

_ENSEMBLE_PARAMS = st.fixed_dictionaries({}, optional={
    "estimator": st.sampled_from(("logreg", "none", "str", "noproba", "groupkfold")),
    "member_grid": st.sampled_from((None, {"C": [0.5, 1.0]}, {"C": [1.0]}, {}, {"C": []}, {"bogus": [1]},
                                    [{"C": [1.0]}, {"C": [2.0]}], "C", 5, {"C": 1.0}, {"C": [1.0, "x"]})),
    "selection": st.sampled_from(("all", "residual", "greedy", "best", None, 3)),
    "n_members": st.sampled_from((None, 1, 2, 0, -1, 100, 1.5, True, "2", np.int64(1))),
    "validation_size": st.sampled_from((0.2, 0.0, 0, 0.5, 1.0, 1.5, -0.1, np.nan, 3, 35, 36, 100, "0.2", True, None,
                                        "splitter")),
    "alignment_target": st.sampled_from((None, "table", "short", "nan", "2d", "dict", "str")),
    "refit_full": st.booleans(),
    "random_state": st.sampled_from((0, None, -1, "x")),
})


def _ensemble(params):
    params = {"estimator": "logreg", "member_grid": {"C": [0.5, 1.0]}, **params}
    params["estimator"] = {"logreg": LogisticRegression(max_iter=200), "none": None, "str": "LogisticRegression",
                           "noproba": _NoProba(), "groupkfold": GroupKFold()}[params["estimator"]]
    if isinstance(params.get("validation_size"), str) and params["validation_size"] == "splitter":
        params["validation_size"] = GroupKFold(n_splits=3)
    params["alignment_target"] = {None: None, "table": np.linspace(-1, 1, 12), "short": np.zeros(2),
                                  "nan": np.full(12, np.nan), "2d": np.zeros((12, 2)),
                                  "dict": {i: float(i) for i in range(12)},
                                  "str": "abc"}[params.get("alignment_target")]
    return ResidualDiversityEnsemble(**params)


def _check_fitted_ensemble(ens, X):
    proba = ens.predict_proba(X)
    assert proba.shape == (len(X), len(ens.classes_))
    assert np.isfinite(proba).all()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert set(ens.predict(X)) <= set(ens.classes_)
    assert ens.weights_.shape == (len(ens.member_params_),)


_ENSEMBLE_ODD = {
    "estimator": ("none", "str", "noproba", "groupkfold"),
    "member_grid": ({}, {"C": []}, {"bogus": [1]}, [{"C": [1.0]}, {"C": [2.0]}], "C", 5, {"C": 1.0},
                    {"C": [1.0, "x"]}, {"C": [-1.0]}),
    "selection": ("residual", "greedy", "best", None, 3),
    "n_members": (1, 0, -1, 100, 1.5, True, "2", np.int64(1)),
    "validation_size": (0.0, 0, 0.5, 1.0, 1.5, -0.1, np.nan, np.inf, 3, 35, 36, 100, "0.2", True, None, "splitter"),
    "alignment_target": ("table", "short", "nan", "2d", "dict", "str"),
    "refit_full": (True, "yes"),
    "random_state": (None, -1, "x", 2**40),
    "n_jobs": (0, "x", 1.5),
    "verbose": ("nope", -1),
}


@pytest.mark.parametrize("name, value", [(k, v) for k, vs in _ENSEMBLE_ODD.items() for v in vs])
def test_ensemble_one_odd_parameter(name, value):
    params = {"estimator": "logreg", "member_grid": {"C": [0.5, 1.0]}, "selection": "all", "n_members": None,
              "validation_size": 0.2, "alignment_target": None, "refit_full": False, "random_state": 0}
    params[name] = value
    ens = _ensemble(params)
    fitted, error = outcome(ens.fit, _X, _Y, groups=_GROUPS, stimulus=np.arange(36) % 12)
    if error is None:
        _check_fitted_ensemble(fitted, _X)


@property_settings(150)
@given(params=_ENSEMBLE_PARAMS, groups=st.sampled_from((None, "subjects", "one-group")),
       stimulus=st.sampled_from((None, "ids", "strings")))
def test_ensemble_parameters_never_crash(params, groups, stimulus):
    ens = _ensemble(params)
    groups = {None: None, "subjects": _GROUPS, "one-group": np.zeros(36, int)}[groups]
    stimulus = {None: None, "ids": np.arange(36) % 12, "strings": (np.arange(36) % 12).astype(str)}[stimulus]
    fitted, error = outcome(ens.fit, _X, _Y, groups=groups, stimulus=stimulus)
    if error is None:
        _check_fitted_ensemble(fitted, _X)


@property_settings(80)
@given(data=st.data(),
       x_kind=st.sampled_from(("ok", "nan", "inf", "1d", "3d", "empty", "strings", "object", "complex", "short",
                               "huge")),
       y_kind=st.sampled_from(("ok", "one-class", "float", "continuous", "strings", "2d", "nan", "none", "short",
                               "object-mixed")))
def test_ensemble_data_never_crashes(data, x_kind, y_kind):
    X = _X.copy()
    if x_kind == "nan":
        X[3, 1] = np.nan
    elif x_kind == "inf":
        X[0, 0] = np.inf
    elif x_kind == "1d":
        X = X[:, 0]
    elif x_kind == "3d":
        X = np.stack([X, X], axis=2)
    elif x_kind == "empty":
        X = X[:0]
    elif x_kind == "strings":
        X = X.astype(str)
    elif x_kind == "object":
        X = X.astype(object)
        X[0, 0] = None
    elif x_kind == "complex":
        X = X.astype(complex)
    elif x_kind == "short":
        X = X[:-1]
    elif x_kind == "huge":
        X = X * 1e300
    y = {"ok": _Y, "one-class": np.zeros(36, int), "float": _Y.astype(float), "continuous": np.linspace(0, 1, 36),
         "strings": np.array(["a", "b", "c"] * 12), "2d": _Y[:, None], "nan": np.r_[np.nan, _Y[1:]], "none": None,
         "short": _Y[:-1], "object-mixed": np.array([0, "a", 1.5] * 12, dtype=object)}[y_kind]
    ens = ResidualDiversityEnsemble(LogisticRegression(max_iter=200), member_grid={"C": [0.5, 1.0]},
                                    selection=data.draw(st.sampled_from(("all", "greedy"))), random_state=0)
    fitted, error = outcome(ens.fit, X, y, groups=None if len(X) != 36 else _GROUPS)
    if error is None:
        _check_fitted_ensemble(fitted, X)


@property_settings(40)
@given(x_kind=st.sampled_from(("1col", "4col", "nan", "empty", "strings", "list", "scalar", "none", "3d")))
def test_ensemble_predict_random_input(x_kind):
    ens = ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0]}, validation_size=0).fit(_X, _Y)
    X = {"1col": _X[:, :1], "4col": np.c_[_X, _X[:, :1]], "nan": np.full((2, 3), np.nan), "empty": _X[:0],
         "strings": _X.astype(str), "list": _X[:2].tolist(), "scalar": 3.0, "none": None,
         "3d": _X[:, :, None]}[x_kind]
    proba, error = outcome(ens.predict_proba, X)
    if error is None:
        assert proba.shape == (len(X), 3) and np.isfinite(proba).all()


@pytest.mark.parametrize("n_rows", [3, 4])
def test_ensemble_tiny_data_clear_error_or_result(n_rows):
    # A validation part of a tiny data set may miss classes or leave training single-class.
    X, y = _X[:n_rows], _Y[:n_rows]
    fitted, error = outcome(ResidualDiversityEnsemble(LogisticRegression(), member_grid={"C": [1.0, 2.0]},
                                                      selection="greedy", random_state=0).fit, X, y)
    if error is None:
        _check_fitted_ensemble(fitted, X)
