"""Property-based tests of the EEG side's input validation (issue 10).

Every call on hypothesis-chosen input -- random rank, shape (zeros included),
dtype, NaN/inf, huge or tiny values, odd parameters -- either returns a result
of the documented shape with finite values, or raises a ``ValueError`` /
``TypeError`` with a message. Any other exception (IndexError, MemoryError,
numpy's AxisError, LinAlgError, ZeroDivisionError, ...) fails the test.
"""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st

from skvalence.eeg.augment import FeatureAugmenter
from skvalence.eeg.bands import check_bands, resolve_bands
from skvalence.eeg.features import DEFeatureExtractor
from skvalence.eeg.preprocessing import SubjectStandardScaler
from property_checks import outcome, property_settings


# --------------------------------------------------------------------------- strategies

_DTYPES = ("float64", "float32", "float16", "int64", "int8", "uint8", "bool", "complex128", "object",
           "mixed-object", "str", "bytes")
_SCALES = (0.0, 1e-300, 1e-20, 1.0, 1e6, 1e150, 1e300)
_SPECIALS = (None, np.nan, np.inf, -np.inf, 1e308, -1e308)


_DEFECTS = ("none", "none", "none", "rank", "zero-size", "dtype", "special", "scale", "container")


@st.composite
def arrays(draw, ndim=3, last=(64, 100, 128, 257), defects=_DEFECTS):
    """Valid data of rank ``ndim`` with at most one defect: rank (0-4), a zero-length axis,
    dtype, one NaN/inf/huge value, an extreme scale, or a list / ragged list / scalar / None."""
    defect = draw(st.sampled_from(defects))
    shape = [draw(st.integers(1, 3)) for _ in range(ndim - 1)] + [draw(st.sampled_from(last))]
    if defect == "rank":
        rank = draw(st.sampled_from([r for r in range(5) if r != ndim]))
        shape = shape[:rank] if rank < ndim else shape + [2] * (rank - ndim)
    elif defect == "zero-size":
        shape[draw(st.integers(0, ndim - 1))] = 0
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    X = np.asarray(rng.standard_normal(shape))
    if defect == "scale":
        X = X * draw(st.sampled_from(_SCALES))
    elif defect == "special" and X.size:
        X.flat[draw(st.integers(0, X.size - 1))] = draw(st.sampled_from(_SPECIALS[1:]))
    elif defect == "dtype":
        dtype = draw(st.sampled_from(_DTYPES))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if dtype == "mixed-object":
                X = X.astype(object)
                if X.size:
                    X.flat[0] = draw(st.sampled_from([None, "a", b"x", [1.0], {"k": 1}]))
            elif dtype == "str":
                X = X.astype(str)
            elif dtype == "bytes":
                X = X.astype("S8")
            else:
                X = X.astype(dtype)
    elif defect == "container":
        kind = draw(st.sampled_from(("list", "ragged", "scalar", "None", "string")))
        if kind == "list":
            return X.tolist()
        if kind == "ragged":
            rows = X.tolist() if X.ndim else [X.item()]
            return rows + [[0.0]] if rows else [[0.0], [0.0, 1.0]]
        return {"scalar": 1.5, "None": None, "string": "not an array"}[kind]
    return X


_ODD_NUMBERS = (0, -1, np.nan, np.inf, 1e-9, 1e12, "250", None, True, [250])
def _mostly(valid, odd):
    """Three draws in four from ``valid``, else from ``odd``."""
    return st.one_of(st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(valid), st.sampled_from(odd))


sfreqs = _mostly((100, 128, 250.0, np.float32(128), np.int64(250)), _ODD_NUMBERS + (8, 16, 32))
windows = _mostly((1.0, 0.5, 1.0), (0, -1.0, np.nan, 1e9, 1e-9, "1", None, 2.0, 0.25))
edges = st.one_of(
    st.floats(min_value=0, max_value=80, allow_nan=False),
    st.sampled_from((-1.0, np.nan, np.inf, "4", None, True, 0)),
)
bands = st.one_of(
    st.sampled_from((None, "paper", "faced", [("a", 2, 6), ("b", 8, 20)], {"mu": (8, 12)})),
    st.sampled_from((None, "paper", "faced", [("a", 2, 6), ("b", 8, 20)], {"mu": (8, 12)})),
    st.sampled_from(("seedv", "nope", "", [], {}, 5, [("a", 1)], {"a": 3}, [("a", 1, 3)], {"a": (3, 1)},
                     [("a", 1, 3), ("a", 3, 5)], [(1, 1, 3)], [("", 1, 3)])),
    st.lists(st.tuples(st.sampled_from(("x", "y", "z")), edges, edges), min_size=1, max_size=3),
)
methods = _mostly(("fft", "filter"), ("FFT", None, 3))
tapers = _mostly(("hann", "boxcar"), ("hamming", 3, None))
chunks = _mostly(("auto", 1, 2), (0, -1, 1.5, "big", None))


def _check_de_output(de, X, out):
    X = np.asarray(X)
    assert isinstance(out, np.ndarray) and out.dtype == np.float64
    assert out.shape == (X.shape[0], X.shape[1] * len(de.bands_))
    assert np.isfinite(out).all(), "finite input gave non-finite DE features"


# --------------------------------------------------------------------------- DEFeatureExtractor


@property_settings(150)
@given(X=arrays(last=(128, 257, 300, 512)), sfreq=sfreqs, bands=bands, window=windows, method=methods,
       taper=tapers, chunk=chunks)
@example(X=np.ones((2, 2, 300)), sfreq=1e12, bands=None, window=1.0, method="fft", taper="hann", chunk="auto")
def test_de_extractor_fit_transform_never_crashes(X, sfreq, bands, window, method, taper, chunk):
    de = DEFeatureExtractor(sfreq=sfreq, bands=bands, window=window, method=method, taper=taper, chunk_size=chunk)
    fitted, error = outcome(de.fit, X)
    if error is not None:
        return
    assert fitted is de
    out, error = outcome(de.transform, X)
    assert error is None, f"fit accepted X but transform refused it: {error!r}"
    _check_de_output(de, X, out)


_CLEAN = np.random.default_rng(0).standard_normal((3, 2, 128))


@property_settings(120)
@given(sfreq=sfreqs, bands=bands, window=windows, method=methods, taper=tapers, chunk=chunks,
       ch_names=st.sampled_from((None, ["a", "b"], ["a"], ["a", "a"], "ab", [1, 2], 3)),
       verbose=st.sampled_from((None, 0, 1, "WARNING", "nope", -3)))
def test_de_extractor_parameters_never_crash(sfreq, bands, window, method, taper, chunk, ch_names, verbose):
    de = DEFeatureExtractor(sfreq=sfreq, bands=bands, window=window, method=method, taper=taper,
                            chunk_size=chunk, ch_names=ch_names, verbose=verbose)
    out, error = outcome(de.fit_transform, _CLEAN)
    if error is None:
        _check_de_output(de, _CLEAN, out)
        assert len(de.get_feature_names_out()) == out.shape[1]


@property_settings(80)
@given(X=arrays(), method=st.sampled_from(("fft", "filter")))
def test_de_extractor_transform_of_random_input(X, method):
    # Fitted on clean data, then given anything.
    rng = np.random.default_rng(0)
    fit_X = rng.standard_normal((2, 2, 128))
    de = DEFeatureExtractor(sfreq=64, bands=[("a", 2, 6), ("b", 8, 20)], method=method).fit(fit_X)
    out, error = outcome(de.transform, X)
    if error is None:
        _check_de_output(de, X, out)


@property_settings(80)
@given(
    scale=st.sampled_from(_SCALES + (1e154, 1e200, 1e307)),
    dtype=st.sampled_from(("float64", "float32")),
    method=st.sampled_from(("fft", "filter")),
    taper=st.sampled_from(("hann", "boxcar")),
    n_times=st.sampled_from((32, 33, 64, 100)),
)
def test_de_extractor_extreme_magnitudes(scale, dtype, method, taper, n_times):
    # Finite input of any magnitude: finite features, or a clear error -- never inf/NaN.
    with np.errstate(over="ignore"):  # float32 of 1e300 is inf: the extractor must refuse it
        X = (np.random.default_rng(1).standard_normal((2, 2, n_times)) * scale).astype(dtype)
    de = DEFeatureExtractor(sfreq=32, bands=[("a", 1, 4), ("b", 4, 15)], method=method, taper=taper)
    out, error = outcome(de.fit_transform, X)
    if error is None:
        _check_de_output(de, X, out)
        if dtype == "float64" and scale >= 1:  # above the variance floor: DE(c x) = DE(x) + ln c
            ref = de.fit_transform(np.random.default_rng(1).standard_normal((2, 2, n_times)))
            np.testing.assert_allclose(out - ref, np.log(scale), rtol=0, atol=1e-9)


@property_settings(120)
@given(bands=bands, sfreq=sfreqs, window=windows)
@example(bands="paper", sfreq=1e12, window=1.0)  # was a 3.6 TiB MemoryError
@example(bands="paper", sfreq=250, window=1e9)
@example(bands="paper", sfreq=1e300, window=1e300)  # was an OverflowError
def test_band_checks_never_crash(bands, sfreq, window):
    resolved, error = outcome(resolve_bands, bands)
    if error is None:
        assert resolved and all(0 <= lo < hi for lo, hi in resolved.values())
    checked, error = outcome(check_bands, bands, sfreq, window)
    if error is None:
        assert all(hi < float(sfreq) / 2 for _, hi in checked.values())


# --------------------------------------------------------------------------- SubjectStandardScaler


def _n_rows(X):
    try:
        return len(X)
    except TypeError:  # scalars, None, 0-d arrays
        return 0



@st.composite
def groups_for(draw, n_rows):
    kind = draw(st.one_of(st.sampled_from(("int", "str", "float")),
                          st.sampled_from(("nan", "short", "long", "2d", "mixed", "none-item", "bool", "complex",
                                           "scalar", "None", "empty", "bytes"))))
    rng = np.random.default_rng(draw(st.integers(0, 1000)))
    n_groups = draw(st.integers(1, 4))
    ids = rng.integers(0, n_groups, size=n_rows)
    if kind == "int":
        return ids
    if kind == "str":
        return np.array([f"s{i}" for i in ids])
    if kind == "bytes":
        return np.array([f"s{i}".encode() for i in ids])
    if kind == "float":
        return ids.astype(float)
    if kind == "nan":
        g = ids.astype(float)
        if n_rows:
            g[draw(st.integers(0, n_rows - 1))] = np.nan
        return g
    if kind == "short":
        return ids[: max(0, n_rows - 1)]
    if kind == "long":
        return np.append(ids, 0)
    if kind == "2d":
        return ids[:, None]
    if kind == "mixed":
        g = ids.astype(object)
        if n_rows:
            g[0] = "a"
        return g
    if kind == "none-item":
        g = list(ids)
        if n_rows:
            g[-1] = None
        return g
    if kind == "bool":
        return ids.astype(bool)
    if kind == "complex":
        return ids.astype(complex)
    if kind == "scalar":
        return 3
    if kind == "empty":
        return []
    return None


_SCALER_PARAMS = st.fixed_dictionaries({}, optional={
    "with_mean": st.sampled_from((True, False, "yes", None)),
    "with_std": st.sampled_from((True, False, 0, 1)),
    "eps": st.sampled_from((1e-8, 0.0, -1.0, np.nan, np.inf, "x", None, [1e-8])),
    "missing_groups": st.sampled_from(("warn", "ignore", "raise", "nope", None)),
})


@property_settings(150)
@given(data=st.data(), X=arrays(ndim=2, last=(1, 2, 3, 5)), params=_SCALER_PARAMS)
def test_subject_scaler_never_crashes(data, X, params):
    n_rows = _n_rows(X)
    groups = data.draw(groups_for(n_rows))
    scaler = SubjectStandardScaler(**params)
    Z, error = outcome(scaler.fit_transform, X, groups=groups)
    if error is None:
        X = np.asarray(X)
        assert Z.shape == X.shape and Z.dtype == np.float64
        assert np.isfinite(Z).all(), "finite input gave non-finite standardised features"


@property_settings(40)
@given(scale=st.sampled_from((1.0, 1e-100, 1e100, 1e154, 1e200, 1e300, 1e307, 2.0**-1000)),
       with_std=st.booleans(), seed=st.integers(0, 50))
def test_subject_scaler_scale_equivariance(scale, with_std, seed):
    # Per-subject z-scores do not depend on the unit: scaling X by c leaves them unchanged (with_std),
    # or scales the centred values by c (with_std=False) -- also where squares would overflow float64.
    rng = np.random.default_rng(seed)
    X, groups = rng.standard_normal((8, 3)), [0, 0, 0, 0, 1, 1, 1, 1]
    scaler = SubjectStandardScaler(with_std=with_std, eps=0.0)
    ref = scaler.fit_transform(X, groups=groups)
    Z, error = outcome(scaler.fit_transform, X * scale, groups=groups)
    assert error is None, error
    assert np.isfinite(Z).all()
    np.testing.assert_allclose(Z, ref if with_std else ref * scale, rtol=1e-9, atol=0)


@property_settings(60)
@given(data=st.data(), n_rows=st.integers(1, 6))
def test_subject_scaler_random_groups(data, n_rows):
    X = np.random.default_rng(n_rows).standard_normal((n_rows, 3))
    groups = data.draw(groups_for(n_rows))
    scaler = SubjectStandardScaler(missing_groups="ignore")
    Z, error = outcome(scaler.fit_transform, X, groups=groups)
    if error is None:
        assert Z.shape == X.shape and np.isfinite(Z).all()
    Z, error = outcome(SubjectStandardScaler(missing_groups="ignore").fit(X).transform, X, groups=groups)
    if error is None:
        assert Z.shape == X.shape and np.isfinite(Z).all()


@property_settings(100)
@given(params=_SCALER_PARAMS, groups=st.sampled_from((None, [0, 0, 1, 1, 2, 2], ["a"] * 6)))
def test_subject_scaler_parameters_never_crash(params, groups):
    X = np.random.default_rng(0).standard_normal((6, 3))
    Z, error = outcome(SubjectStandardScaler(**params).fit_transform, X, groups=groups)
    if error is None:
        assert Z.shape == X.shape and np.isfinite(Z).all()


@property_settings(100)
@given(data=st.data(), X=arrays(ndim=2, last=(3, 3, 1, 4)))
def test_subject_scaler_transform_of_random_input(data, X):
    rng = np.random.default_rng(0)
    scaler = SubjectStandardScaler(missing_groups="ignore").fit(rng.standard_normal((6, 3)),
                                                               groups=[0, 0, 0, 1, 1, 1])
    groups = data.draw(groups_for(_n_rows(X)))
    Z, error = outcome(scaler.transform, X, groups=groups)
    if error is None:
        assert Z.shape == np.asarray(X).shape and np.isfinite(Z).all()


# --------------------------------------------------------------------------- FeatureAugmenter

_AUG_PARAMS = st.fixed_dictionaries({}, optional={
    "n_bands": st.sampled_from((5, 1, 2, 0, -1, 2.5, "5", None, np.int64(5))),
    "p": st.sampled_from((0.6, 0.0, 1.0, 1.5, -0.1, np.nan, "0.5", None)),
    "noise": st.sampled_from((0.05, 0.0, -1.0, np.nan, np.inf, None, "x")),
    "channel_drop": st.sampled_from((0.15, 0.0, 1.0, 2.0, np.nan, None)),
    "mask_fraction": st.sampled_from((0.05, 0.0, 1.0, -0.5, np.nan, None)),
})


@property_settings(150)
@given(X=arrays(ndim=2, last=(5, 10, 1)), params=_AUG_PARAMS, seed=st.integers(0, 100))
def test_feature_augmenter_never_crashes(X, params, seed):
    aug = FeatureAugmenter(**params)
    fitted, error = outcome(aug.fit, X)
    if error is not None:
        return
    X = np.asarray(X, dtype=np.float64)
    batch = torch.as_tensor(X[:4], dtype=torch.float64)  # float64: huge features stay representable
    out, error = outcome(aug, batch, torch.Generator().manual_seed(seed))
    assert error is None, f"fit accepted X but augmenting a batch of it failed: {error!r}"
    assert out.shape == batch.shape
    assert torch.isfinite(out).all(), "augmenting finite features gave NaN/inf"


@property_settings(100)
@given(params=_AUG_PARAMS, seed=st.integers(0, 100))
def test_feature_augmenter_parameters_never_crash(params, seed):
    X = np.random.default_rng(seed).standard_normal((8, 10))
    fitted, error = outcome(FeatureAugmenter(**params).fit, X)
    if error is None:
        batch = torch.as_tensor(X, dtype=torch.float32)
        out = fitted(batch, torch.Generator().manual_seed(seed))
        assert out.shape == batch.shape and torch.isfinite(out).all()


@property_settings(60)
@given(shape=st.lists(st.integers(0, 12), min_size=0, max_size=3),
       dtype=st.sampled_from((torch.float32, torch.float64, torch.int64, torch.bool)))
def test_feature_augmenter_batch_of_random_shape(shape, dtype):
    aug = FeatureAugmenter(n_bands=5, p=1.0).fit(np.random.default_rng(0).standard_normal((20, 10)))
    batch = torch.zeros(shape, dtype=dtype)
    out, error = outcome(aug, batch, torch.Generator().manual_seed(0))
    if error is None:
        assert out.shape == batch.shape


@pytest.mark.parametrize("n_rows", [1, 2])
def test_feature_augmenter_few_rows(n_rows):
    # std of a single row is 0: noise is 0, never NaN.
    X = np.arange(n_rows * 10, dtype=float).reshape(n_rows, 10)
    aug = FeatureAugmenter(n_bands=5, p=1.0).fit(X)
    out = aug(torch.as_tensor(X, dtype=torch.float32), torch.Generator().manual_seed(0))
    assert torch.isfinite(out).all()


# --------------------------------------------------------------------------- one odd parameter at a time

_ONE_AT_A_TIME = {
    DEFeatureExtractor: (dict(sfreq=64, bands=[("a", 2, 6), ("b", 8, 20)]), {
        "sfreq": _ODD_NUMBERS + (np.float32(64), 64),
        "bands": ("nope", "", [], {}, 5, [("a", 1)], {"a": 3}, {"a": (3, 1)}, [("a", 1, 3), ("a", 3, 5)],
                  [(1, 1, 3)], [("", 1, 3)], [("a", np.nan, 3)], [("a", 1, np.inf)], [("a", "1", 3)],
                  [("a", 1, 40)], [("a", 0, 0.5)], [("a", 31.5, 31.9)]),
        "window": (0, -1.0, np.nan, np.inf, 1e9, 1e-9, "1", None, True, 0.01, 2.0),
        "method": ("FFT", None, 3, "welch"),
        "taper": ("hamming", 3, None),
        "chunk_size": (0, -1, 1.5, "big", None, True, 1),
        "ch_names": (["a"], ["a", "a"], "ab", [1, 2], 3, ["a", "b", "c"]),
        "verbose": ("nope", -3, 1.5, [1]),
    }),
    SubjectStandardScaler: (dict(missing_groups="ignore"), {
        "with_mean": ("yes", None, 2),
        "with_std": ("yes", None, 0),
        "eps": (0.0, -1.0, np.nan, np.inf, "x", None, [1e-8], True),
        "missing_groups": ("nope", None, 3),
    }),
    FeatureAugmenter: (dict(p=1.0), {
        "n_bands": (0, -1, 2.5, "5", None, np.int64(5), True, 3),
        "p": (1.5, -0.1, np.nan, np.inf, "0.5", None),
        "noise": (-1.0, np.nan, np.inf, None, "x", 10.0),
        "channel_drop": (2.0, -0.5, np.nan, None, "x"),
        "mask_fraction": (1.0, -0.5, 2.0, np.nan, None, "x"),
    }),
}


@pytest.mark.parametrize(
    "cls, name, value",
    [(cls, name, value) for cls, (_, odd) in _ONE_AT_A_TIME.items() for name, values in odd.items() for value in values],
)
def test_one_odd_parameter(cls, name, value):
    base, _ = _ONE_AT_A_TIME[cls]
    est = cls(**{**base, name: value})
    if cls is DEFeatureExtractor:
        out, error = outcome(est.fit_transform, _CLEAN)
        if error is None:
            _check_de_output(est, _CLEAN, out)
    elif cls is SubjectStandardScaler:
        X = np.random.default_rng(0).standard_normal((6, 3))
        out, error = outcome(est.fit_transform, X, groups=[0, 0, 0, 1, 1, 1])
        if error is None:
            assert out.shape == X.shape and np.isfinite(out).all()
    else:
        X = np.random.default_rng(0).standard_normal((8, 10))
        fitted, error = outcome(est.fit, X)
        if error is None:
            out = fitted(torch.as_tensor(X, dtype=torch.float32), torch.Generator().manual_seed(0))
            assert out.shape == X.shape and torch.isfinite(out).all()
