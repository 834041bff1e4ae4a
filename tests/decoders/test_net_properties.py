"""Property-based tests of ValenceNetClassifier's input validation (issue 10).

Bad ``X`` / ``y`` / ``groups`` / ``stimulus`` (shapes, dtypes, NaN/inf, huge
values, odd labels) and odd parameters: every fit or predict either returns a
result of the documented shape with finite values, or raises a ``ValueError``
/ ``TypeError`` with a clear message; never a torch ``RuntimeError``, an
IndexError or another exception. Nets are tiny (MLP width 8, one epoch).
"""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from skvalence.decoders import ValenceNetClassifier
from property_checks import outcome, property_settings




def _net(**kw):
    params = dict(module__hidden=8, module__depth=1, max_epochs=1, batch_size=16, warmup_epochs=0,
                  random_state=0, verbose=0)
    params.update(kw)
    return ValenceNetClassifier("mlp", **params)


_RNG = np.random.default_rng(0)
_X = _RNG.standard_normal((24, 10))
_Y = np.arange(24) % 3


def _check_fitted(net, X):
    proba = net.predict_proba(X)
    assert proba.shape == (len(X), net.n_classes_)
    assert np.isfinite(proba).all(), "finite input gave non-finite probabilities"
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-4)
    assert set(net.predict(X).tolist()) <= set(net.classes_.tolist())
    Z = net.transform(X)
    assert Z.shape[0] == len(X) and np.isfinite(Z).all()


_X_KINDS = ("ok", "ok", "nan", "inf", "huge", "f32-overflow", "tiny", "1d", "3d", "empty", "no-features",
            "not-multiple", "strings", "object-none", "complex", "bool", "int", "list", "short", "scalar", "None")
_Y_KINDS = ("ok", "ok", "strings", "float", "one-class", "continuous", "nan", "2d", "short", "mixed", "None",
            "negative", "bool", "huge-int", "object-int")


def _make_X(kind):
    X = _X.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            "ok": X, "nan": np.where(np.eye(24, 10, dtype=bool), np.nan, X), "inf": np.r_[X[:-1], np.full((1, 10), np.inf)],
            "huge": X * 1e300, "f32-overflow": X * 1e39, "tiny": X * 1e-300, "1d": X[:, 0], "3d": X.reshape(24, 2, 5),
            "empty": X[:0], "no-features": X[:, :0], "not-multiple": X[:, :7], "strings": X.astype(str),
            "object-none": np.where(np.eye(24, 10, dtype=bool), None, X.astype(object)), "complex": X.astype(complex),
            "bool": X > 0, "int": np.round(X * 10).astype(int), "list": X.tolist(), "short": X[:-1], "scalar": 1.0,
            "None": None,
        }[kind]


def _make_y(kind):
    y = _Y.copy()
    return {
        "ok": y, "strings": np.array(["neg", "neu", "pos"])[y], "float": y.astype(float), "one-class": np.zeros(24, int),
        "continuous": np.linspace(0, 1, 24), "nan": np.r_[np.nan, y[1:].astype(float)], "2d": y[:, None],
        "short": y[:-1], "mixed": np.array([0, "a", 1.5] * 8, dtype=object), "None": None, "negative": y - 5,
        "bool": y > 0, "huge-int": y * 2**60, "object-int": y.astype(object),
    }[kind]


@property_settings(40)
@given(x_kind=st.sampled_from(_X_KINDS), y_kind=st.sampled_from(_Y_KINDS))
def test_fit_predict_on_bad_data(x_kind, y_kind):
    X, y = _make_X(x_kind), _make_y(y_kind)
    net, error = outcome(_net().fit, X, y)
    if error is None:
        _check_fitted(net, np.asarray(X, dtype=float))


@property_settings(30)
@given(x_kind=st.sampled_from(_X_KINDS))
def test_predict_on_bad_data(x_kind):
    net = _net().fit(_X, _Y)
    X = _make_X(x_kind)
    for method in (net.predict_proba, net.predict, net.transform):
        out, error = outcome(method, X)
        if error is None:
            assert len(out) == len(X)
            assert np.isfinite(np.asarray(out, dtype=float)).all()


@property_settings(30)
@given(groups=st.sampled_from(("ok", "short", "2d", "nan", "mixed", "strings", "scalar")),
       stimulus=st.sampled_from((None, "ok", "short", "negative", "float", "half", "nan", "strings", "huge")),
       loss=st.sampled_from(("none", "stimulus-prototype-distill")))
def test_fit_with_bad_groups_and_stimulus(groups, stimulus, loss):
    g = {"ok": np.repeat(np.arange(4), 6), "short": np.arange(23), "2d": np.zeros((24, 1)),
         "nan": np.r_[np.nan, np.zeros(23)], "mixed": np.array([0, "a"] * 12, dtype=object),
         "strings": np.array(["s1", "s2"] * 12), "scalar": 3}[groups]
    s = None if stimulus is None else {
        "ok": np.arange(24) % 6, "short": np.arange(23), "negative": np.arange(24) - 30, "float": np.arange(24) % 6 * 1.0,
        "half": np.arange(24) / 2, "nan": np.r_[np.nan, np.arange(23.0)], "strings": (np.arange(24) % 6).astype(str),
        "huge": np.arange(24) % 6 + 2**40}[stimulus]
    kwargs = {}
    if loss != "none":
        kwargs = dict(alignment_loss=loss, alignment_weight="default", alignment_target=np.eye(3))
    net, error = outcome(_net(**kwargs).fit, _X, _Y, groups=g, stimulus=s)
    if error is None:
        _check_fitted(net, _X)


_BAD_PARAMS = {
    "n_bands": (5, 1, 2, 0, 3, 2.5, "5", None),
    "n_channels": (None, 2, 3, 0),
    "max_epochs": (1, 0, -1, 1.5, "1"),
    "batch_size": (16, 1, 0, -1, 100, 2.5),
    "lr": (1e-3, 0.0, -1.0, np.nan, np.inf, "x", None),
    "warmup_epochs": (0, 1, 5, -1, 0.5),
    "distill": (True, False, 0.5, 1.5, -0.1, np.nan, "x", None),
    "distill_temperature": (1.0, 0.0, -1.0, np.nan, np.inf, "x", None),
    "weight_decay": (1e-2, 0.0, -1.0, np.nan, "x"),
    "alignment_loss": ("none", "axis-mse", "bogus", None, 3),
    "alignment_weight": (0.0, 0.5, "default", None, -1.0, np.nan, "x", True),
    "alignment_target": (None, "ok", "short", "nan", "3d", "strings"),
    "augment": (True, False, None, "yes"),
    "device": ("cpu", "bogus", "cuda:99", None, 3),
}


def _resolve(params):
    params = dict(params)
    if "alignment_target" in params:
        params["alignment_target"] = {None: None, "ok": np.array([-1.0, 0.0, 1.0]), "short": np.zeros(2),
                                      "nan": np.array([np.nan, 0.0, 1.0]), "3d": np.zeros((3, 2, 2)),
                                      "strings": np.array(["a", "b", "c"])}[params["alignment_target"]]
    return params


@pytest.mark.parametrize("name, value", [(k, v) for k, vs in _BAD_PARAMS.items() for v in vs])
def test_one_odd_parameter(name, value):
    # Every odd value of every parameter, one at a time (the rest at their defaults).
    params = _resolve({name: value})
    if name == "alignment_weight":
        params.update(alignment_loss="axis-mse", alignment_target=np.array([-1.0, 0.0, 1.0]))
    net, error = outcome(_net(**params).fit, _X, _Y)
    if error is None:
        _check_fitted(net, _X)


@property_settings(30)
@given(params=st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in _BAD_PARAMS.items()}))
def test_parameter_combinations_never_crash(params):
    net, error = outcome(_net(**_resolve(params)).fit, _X, _Y)
    if error is None:
        _check_fitted(net, _X)


def test_default_device_runs_on_this_machine():
    # Sanity check that the tiny net itself is fine (guards the properties above against a broken fixture).
    net = _net().fit(_X, _Y)
    assert torch.isfinite(torch.as_tensor(net.predict_proba(_X))).all()
