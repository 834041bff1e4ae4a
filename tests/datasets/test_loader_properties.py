"""Property-based tests of the loaders on corrupted release files (issue 10).

Files in the FACED and SEED-V release formats are written with the package's
own writers, then damaged by a hypothesis-chosen mutation: truncated at a
random byte, bytes flipped, the array replaced by one of another shape or
dtype (pickled with protocol 2 by plain numpy, as the releases were), other
picklable objects, or SEED-V trial tables with broken entries. Every load
either returns a Bunch whose ``X`` is finite real numbers of the documented
shape, or raises a ``ValueError`` / ``TypeError`` (``UnsafePickleError`` is a
``ValueError``) with a clear message; any other exception fails the test.
"""

import pickle
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sklearn.utils import Bunch

from skvalence.datasets import UnsafePickleError, load_faced, load_seedv, write_faced_like, write_seedv_like
from property_checks import outcome, property_settings


_DE_SHAPE = (28, 32, 30, 5)
_SEEDV_FEATURES = 310



def test_unsafe_pickle_error_is_a_value_error():
    # The properties below accept ValueError/TypeError only; the loaders' refusal of a
    # dangerous pickle must therefore be a ValueError.
    assert issubclass(UnsafePickleError, ValueError)


# --------------------------------------------------------------------------- building blocks


def _base_de(seed=0):
    return np.random.default_rng(seed).standard_normal(_DE_SHAPE)


@pytest.fixture(scope="module")
def faced_bytes():
    """The bytes of one valid FACED DE file (both pickle flavours)."""
    out = {}
    with tempfile.TemporaryDirectory() as root:
        for old in (False, True):
            (path,) = write_faced_like(root, {0: _base_de()}, kind="de", old_numpy=old)
            out[old] = path.read_bytes()
    return out


_DTYPES = ("float64", "float32", "float16", "int64", "int8", "uint8", "bool", "complex128", "object", "str",
           "bytes", "datetime64[s]", "timedelta64[s]", "void")


def _cast(array, dtype):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dtype == "str":
            return array.astype(str)
        if dtype == "bytes":
            return array.astype("S8")
        if dtype == "void":
            return np.zeros(array.shape, dtype=[("a", "f8"), ("b", "i4")])
        if dtype.startswith(("datetime", "timedelta")):
            return array.astype("int64").astype(dtype)
        return array.astype(dtype)


@st.composite
def replacement_arrays(draw, shape):
    """An array of the right shape with odd values or dtype, or one of another shape."""
    kind = draw(st.sampled_from(("dtype", "values", "shape", "shape", "scalar", "empty")))
    rng = np.random.default_rng(draw(st.integers(0, 100)))
    if kind == "shape":
        new = list(shape)
        axis = draw(st.integers(0, len(shape) - 1))
        new[axis] += draw(st.sampled_from((-1, 1, -new[axis])))
        if draw(st.booleans()):
            new = new[:-1] if draw(st.booleans()) else new + [1]
        return rng.standard_normal(new)
    if kind == "scalar":
        return np.float64(3.0)
    if kind == "empty":
        return np.zeros((0,) + tuple(shape[1:]))
    array = rng.standard_normal(shape)
    if kind == "values":
        special = draw(st.sampled_from((np.nan, np.inf, -np.inf, 1e308, 1e-320, 0.0)))
        array.flat[draw(st.integers(0, array.size - 1))] = special
        if special == 0.0:
            array[:] = 0.0
        return array
    return _cast(array, draw(st.sampled_from(_DTYPES)))


_OTHER_OBJECTS = (None, 3, "text", b"bytes", [1, 2], {"data": 1}, (np.zeros(3),), {0: np.zeros(_DE_SHAPE)},
                  [np.zeros(_DE_SHAPE)], np.float64(1.0), set(), frozenset({1}), bytearray(b"ab"), complex(1, 2),
                  slice(1, 2), range(3), Ellipsis)


@st.composite
def faced_payloads(draw, base):
    """Bytes of a corrupted FACED DE file."""
    kind = draw(st.sampled_from(("truncate", "flip", "array", "array", "object", "protocol", "empty", "valid")))
    if kind == "truncate":
        return base[: draw(st.integers(0, len(base) - 1))]
    if kind == "flip":
        data = bytearray(base)
        for _ in range(draw(st.integers(1, 4))):
            # Header bytes (first 200) hold the opcodes and globals; flip there most of the time.
            limit = 200 if draw(st.booleans()) else len(data)
            i = draw(st.integers(0, limit - 1))
            data[i] ^= draw(st.integers(1, 255))
        return bytes(data)
    if kind == "array":
        return pickle.dumps(draw(replacement_arrays(_DE_SHAPE)), protocol=2)
    if kind == "object":
        return pickle.dumps(draw(st.sampled_from(_OTHER_OBJECTS)), protocol=2)
    if kind == "protocol":
        return pickle.dumps(_base_de(), protocol=draw(st.sampled_from((0, 1, 3, 4, 5))))
    if kind == "empty":
        return b""
    return base


def _check_faced_bunch(bunch):
    assert isinstance(bunch, Bunch)
    X = np.asarray(bunch.X)
    assert X.dtype.kind == "f", f"X has dtype {X.dtype}, expected real floats"
    assert X.ndim == 2 and X.shape[1] == 32 * 5 and X.shape[0] == len(bunch.y) == len(bunch.subject)
    assert np.isfinite(X).all()


# --------------------------------------------------------------------------- FACED


@property_settings(80)
@given(data=st.data(), old=st.booleans(), window_seconds=st.sampled_from((10, 1, 30)))
def test_load_faced_on_corrupted_files(faced_bytes, data, old, window_seconds):
    payload = data.draw(faced_payloads(faced_bytes[old]))
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root, "EEG_Features", "DE")
        folder.mkdir(parents=True)
        (folder / "sub000.pkl.pkl").write_bytes(payload)
        bunch, error = outcome(load_faced, root, kind="de", subjects=[0], window_seconds=window_seconds, verbose=0)
    if error is None:
        _check_faced_bunch(bunch)
        assert len(bunch.y) == 28 * (30 // window_seconds)


def _complex_de():
    return pickle.dumps(_base_de().astype(complex), protocol=2)


@property_settings(40)
@given(data=st.data(), raw_kind=st.sampled_from(("array", "object", "truncate")))
def test_load_faced_raw_on_corrupted_files(data, raw_kind):
    # Raw files are 54 MB when valid; only small (wrong) payloads are tried here.
    if raw_kind == "array":
        payload = pickle.dumps(data.draw(replacement_arrays((28, 32, 20))), protocol=2)
    elif raw_kind == "object":
        payload = pickle.dumps(data.draw(st.sampled_from(_OTHER_OBJECTS)), protocol=2)
    else:
        whole = pickle.dumps(np.zeros((28, 32, 7500), dtype=np.float32), protocol=2)
        payload = whole[: data.draw(st.integers(0, 4096))]
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root, "Processed_data")
        folder.mkdir(parents=True)
        (folder / "sub000.pkl").write_bytes(payload)
        bunch, error = outcome(load_faced, root, kind="raw", subjects=[0], verbose=0)
    if error is None:
        X = np.asarray(bunch.X)
        assert X.dtype.kind == "f" and X.ndim == 3 and np.isfinite(X).all()


@pytest.mark.parametrize("dtype", ["float32", "float16", "int16", "uint8", "bool"])
def test_load_faced_real_dtypes_load_as_floats(dtype):
    # A release written with another numeric dtype: a Bunch with finite float features, or a clear error.
    payload = pickle.dumps(_cast(_base_de() * 10, dtype), protocol=2)
    with tempfile.TemporaryDirectory() as root:
        folder = Path(root, "EEG_Features", "DE")
        folder.mkdir(parents=True)
        (folder / "sub000.pkl.pkl").write_bytes(payload)
        bunch, error = outcome(load_faced, root, kind="de", subjects=[0], verbose=0)
    if error is None:
        _check_faced_bunch(bunch)


# --------------------------------------------------------------------------- SEED-V


def _seedv_tables(seed=0, n_windows=2):
    rng = np.random.default_rng(seed)
    data = {t: rng.standard_normal((n_windows, _SEEDV_FEATURES)) for t in range(45)}
    labels = {t: np.full(n_windows, t % 5) for t in range(45)}
    return data, labels


@st.composite
def seedv_mutations(draw):
    """A mutation of SEED-V's trial tables or of the archive's bytes."""
    kind = draw(st.sampled_from(("trial-data", "trial-data", "trial-label", "keys", "table", "archive",
                                 "truncate", "flip", "valid")))
    trial = draw(st.integers(0, 44))
    if kind == "trial-data":
        return kind, trial, draw(replacement_arrays((2, _SEEDV_FEATURES)))
    if kind == "trial-label":
        return kind, trial, draw(st.sampled_from((np.array([5, 5]), np.array([-1, 0]), np.array([0.5, 1.0]),
                                                  np.array([np.nan, 0.0]), np.array(["a", "b"]), np.array([0]),
                                                  np.array([[0, 0]]), np.array([0, 1, 2]), None, np.array([2**62] * 2),
                                                  np.array([True, False]), np.array([1 + 0j, 0j]))))
    if kind == "keys":
        return kind, trial, draw(st.sampled_from(("drop", "extra", "string", "float", "negative", "none", "tuple")))
    if kind == "table":
        return kind, trial, draw(st.sampled_from((None, [], "text", np.zeros(3), {"a": 1}, [np.zeros((2, 310))])))
    if kind == "archive":
        return kind, trial, draw(st.sampled_from(("no-label", "no-data", "extra-key", "plain-arrays",
                                                  "object-array", "int-bytes")))
    if kind in ("truncate", "flip"):
        return kind, trial, draw(st.integers(0, 10**6))
    return kind, trial, None


def _write_seedv(root, mutation):
    kind, trial, value = mutation
    data, labels = _seedv_tables()
    if kind == "trial-data":
        data[trial] = value
    elif kind == "trial-label":
        labels[trial] = value
    elif kind == "keys":
        table = data
        if value == "drop":
            del table[trial]
        elif value == "extra":
            table[45] = table[0]
        else:
            new = {"string": str(trial), "float": float(trial) + 0.5, "negative": -1, "none": None,
                   "tuple": (trial,)}[value]
            table[new] = table.pop(trial)
    (path,) = write_seedv_like(root, {1: {0: np.zeros((1, 310))}}, {1: {0: np.zeros(1, int)}})
    if kind == "table":
        np.savez(path, data=pickle.dumps(value, protocol=2), label=pickle.dumps(labels, protocol=2))
    elif kind == "archive":
        arrays = {"data": pickle.dumps(data, protocol=2), "label": pickle.dumps(labels, protocol=2)}
        if value == "no-label":
            del arrays["label"]
        elif value == "no-data":
            del arrays["data"]
        elif value == "extra-key":
            arrays["other"] = np.zeros(3)
        elif value == "plain-arrays":
            arrays = {"data": np.zeros((45, 2, 310)), "label": np.zeros((45, 2))}
        elif value == "object-array":
            arrays["data"] = np.array([data[0], "x"], dtype=object)
        elif value == "int-bytes":
            arrays["data"] = np.frombuffer(arrays["data"][: len(arrays["data"]) // 8 * 8], dtype=np.int64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.savez(path, **arrays)
    else:
        np.savez(path, data=pickle.dumps(data, protocol=2), label=pickle.dumps(labels, protocol=2))
    if kind == "truncate":
        raw = path.read_bytes()
        path.write_bytes(raw[: value % len(raw)])
    elif kind == "flip":
        raw = bytearray(path.read_bytes())
        raw[value % len(raw)] ^= 0xFF
        path.write_bytes(bytes(raw))


@property_settings(80)
@given(mutation=seedv_mutations(), layout=st.sampled_from(("channel_major", "band_major")))
@example(mutation=("trial-data", 3, np.zeros((2, 310), dtype=complex)), layout="channel_major")
def test_load_seedv_on_corrupted_files(mutation, layout):
    with tempfile.TemporaryDirectory() as root:
        _write_seedv(root, mutation)
        bunch, error = outcome(load_seedv, root, subjects=[1], feature_layout=layout, verbose=0)
    if error is None:
        assert isinstance(bunch, Bunch)
        X = np.asarray(bunch.X)
        assert X.dtype.kind == "f", f"X has dtype {X.dtype}, expected real floats"
        assert X.ndim == 2 and X.shape[1] == _SEEDV_FEATURES and np.isfinite(X).all()
        y = np.asarray(bunch.y)
        assert y.shape == (X.shape[0],) and y.dtype.kind in "iu" and np.all((y >= 0) & (y <= 4))
