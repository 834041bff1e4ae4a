"""ValenceNetClassifier: scikit-learn contract, determinism, persistence and bad input."""

import pickle

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.estimator_checks import check_estimator

from skvalence.decoders import (
    PAPER_RECIPE,
    SubjectValidSplit,
    ValenceNetClassifier,
    WarmupCosineSchedule,
)

try:
    from skvalence.model_selection import SubjectKFold as _Splitter
except ImportError:  # pragma: no cover - fallback while the module is absent
    from sklearn.model_selection import GroupKFold as _Splitter



def _data(n=180, n_channels=8, seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    X = rng.normal(size=(n, n_channels * 5))
    X[:, :5] += 1.5 * y[:, None]
    X = X * 3 + 10  # raw DE-like offsets: the net must standardise
    groups = np.repeat(np.arange(6), n // 6)
    return X, y, groups


def _small(**kw):
    params = dict(module__width=16, module__depth=1, max_epochs=3, batch_size=32, random_state=0)
    params.update(kw)
    return ValenceNetClassifier("axial", **params)


def test_learns_separable_data_and_outputs():
    X, y, _ = _data()
    net = _small(max_epochs=15, lr=5e-3).fit(X, y)
    proba = net.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(1), 1.0, rtol=1e-5)
    X_test, y_test, _ = _data(seed=1)
    assert net.score(X_test, y_test) > 0.6  # chance is 1/3
    assert net.transform(X).shape == (len(X), 16)
    assert net.n_channels_ == 8 and net.n_classes_ == 3


def test_string_labels_round_trip():
    X, y, _ = _data()
    labels = np.array(["neg", "neu", "pos"])[y]
    net = _small().fit(X, labels)
    assert set(net.predict(X)) <= set(labels)
    assert list(net.classes_) == ["neg", "neu", "pos"]


def test_same_seed_same_probabilities_also_after_clone():
    X, y, _ = _data()
    target = np.array([-1.0, 0.0, 1.0])
    net = _small(alignment_loss="supcon-valence", alignment_weight=0.5, alignment_target=target)
    p1 = net.fit(X, y).predict_proba(X)
    p2 = clone(net).fit(X, y).predict_proba(X)
    p3 = net.fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(p1, p2)
    np.testing.assert_array_equal(p1, p3)
    p4 = clone(net).set_params(random_state=1).fit(X, y).predict_proba(X)
    assert not np.array_equal(p1, p4)


def test_fit_leaves_global_torch_rng_untouched():
    X, y, _ = _data()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _small().fit(X, y)
    np.testing.assert_array_equal(torch.rand(3), expected)


def test_pickle_round_trip_predicts_identically():
    X, y, _ = _data()
    net = _small(alignment_loss="head-lora", alignment_weight=1.0, alignment_target=[0.0, 1.0, 2.0]).fit(X, y)
    loaded = pickle.loads(pickle.dumps(net))
    np.testing.assert_array_equal(loaded.predict_proba(X), net.predict_proba(X))
    np.testing.assert_array_equal(loaded.transform(X), net.transform(X))


@pytest.mark.parametrize("module", ["mlp", "dgcnn", "cnn"])
def test_other_families_fit(module):
    X, y, _ = _data(n_channels=32)
    net = ValenceNetClassifier(module, max_epochs=2, batch_size=64, random_state=0).fit(X, y)
    assert net.predict_proba(X).shape == (len(X), 3)
    assert net.transform(X).shape == (len(X), net.module_.n_features)


@pytest.mark.slow  # starts a joblib worker pool
def test_grid_search_by_subject_in_parallel():
    X, y, groups = _data(n=90)
    net = _small(max_epochs=1, alignment_target=np.array([-1.0, 0.0, 1.0]))
    grid = GridSearchCV(
        net,
        {"alignment_loss": ["axis-mse", "rsa", "pairwise-ranking"], "alignment_weight": [0.1, 1.0]},
        cv=_Splitter(n_splits=3),
        n_jobs=2,
        error_score="raise",
    )
    grid.fit(X, y, groups=groups)
    assert len(grid.cv_results_["params"]) == 6
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))


def test_pipeline_and_stimulus_routing():
    X, y, _ = _data()
    stimulus = np.arange(len(X)) % 9
    y = stimulus // 3
    pipe = make_pipeline(FunctionTransformer(), _small(alignment_loss="stimulus-prototype-distill",
                                                      alignment_weight=0.5, alignment_target=[-1.0, 0.0, 1.0]))
    pipe.fit(X, y, valencenetclassifier__stimulus=stimulus)
    assert pipe.predict(X).shape == (len(X),)


def test_stimulus_classes_from_labels_and_mixed_stimulus_raises():
    X, _, _ = _data()
    stimulus = np.arange(len(X)) % 9
    labels = np.array(["neg", "neu", "pos"])[stimulus // 3]
    net = _small(max_epochs=1).fit(X, labels, stimulus=stimulus)
    np.testing.assert_array_equal(net.stimulus_classes_, np.repeat([0, 1, 2], 3))
    labels[0] = "pos"  # stimulus 0 now holds rows of two classes
    with pytest.raises(ValueError, match=r"stimulus 0 occurs with several classes \['neg', 'pos'\]"):
        _small(max_epochs=1).fit(X, labels, stimulus=stimulus)


def test_subject_valid_split_is_by_subject():
    X, y, groups = _data()
    split = SubjectValidSplit(valid_size=0.34, random_state=0)
    net = _small(train_split=split).fit(X, y, groups=groups)
    assert np.isfinite(net.history[-1]["valid_loss"])
    data = {"x": X, "stimulus": np.full(len(X), -1), "group": groups}
    from skorch.dataset import Dataset

    train, valid = split(Dataset(data, y))
    assert not set(groups[train.indices]) & set(groups[valid.indices])
    with pytest.raises(ValueError, match="groups"):
        _small(train_split=split).fit(X, y)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"X": "odd"}, "multiple of n_bands"),
        ({"X": "nan"}, "NaN"),
        ({"alignment_loss": "bogus"}, "valid names: none, axis-mse"),
        ({"alignment_target": [0.0, 1.0]}, "n_classes=3"),
        ({"alignment_weight": -1.0}, ">= 0"),
        ({"n_channels": 5}, "n_channels=5"),
        ({"distill": 2.0}, "distill"),
    ],
)
def test_bad_input_raises_value_error(change, match):
    X, y, _ = _data()
    change = dict(change)
    kind = change.pop("X", None)
    if kind == "odd":
        X = X[:, :-1]
    elif kind == "nan":
        X = X.copy()
        X[0, 0] = np.nan
    params = {"alignment_loss": "axis-mse", "alignment_weight": 1.0, "alignment_target": [0.0, 1.0, 2.0]}
    params.update(change)
    with pytest.raises(ValueError, match=match):
        _small(**params).fit(X, y)


def test_predict_checks_feature_count():
    X, y, _ = _data()
    net = _small(max_epochs=1).fit(X, y)
    with pytest.raises(ValueError, match="features"):
        net.predict(X[:, :35])


def test_paper_recipe_and_schedule():
    net = ValenceNetClassifier.paper_recipe()
    params = net.get_params()
    assert params["module__depth"] == 6 and params["module__width"] == 128
    assert net.max_epochs == PAPER_RECIPE["max_epochs"] == 100 and net.batch_size == 128
    assert net.distill == 0.5 and net.weight_decay == 1e-2 and net.warmup_epochs == 5
    sched = WarmupCosineSchedule(5, 100)
    factors = [sched(e) for e in range(100)]
    assert np.all(np.diff(factors[:6]) > 0) and factors[5] == 1.0
    assert np.all(np.diff(factors[5:]) < 0) and factors[-1] > 0


def test_lr_follows_schedule_during_fit():
    X, y, _ = _data()
    net = _small(max_epochs=4, warmup_epochs=2, lr=0.01).fit(X, y)
    lrs = [net.optimizer_.param_groups[0]["initial_lr"] * WarmupCosineSchedule(2, 4)(e) for e in range(4)]
    assert lrs[0] < lrs[1] < lrs[2]
    np.testing.assert_allclose(net.optimizer_.param_groups[0]["lr"], 0.01 * WarmupCosineSchedule(2, 4)(4))
    assert net.optimizer_.param_groups[0]["weight_decay"] == 1e-2


@pytest.mark.slow  # sklearn's full estimator checks, each fitting the net
def test_check_estimator():
    # n_bands=1 so any feature count is a valid grid; full-batch training keeps it fast.
    est = ValenceNetClassifier("mlp", n_bands=1, module__hidden=32, max_epochs=15, batch_size=-1, lr=0.03,
                               random_state=0, augment=False, distill=False, warmup_epochs=0)
    skorch_init = "skorch's NeuralNet.__init__ sets history_/initialized_ and stores module__* kwargs"
    check_estimator(
        est,
        expected_failed_checks={
            "check_no_attributes_set_in_init": skorch_init,
            "check_do_not_raise_errors_in_init_or_set_params": "skorch builds callbacks from `callbacks` in get_params",
        },
    )
