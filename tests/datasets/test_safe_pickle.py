import collections
import os
import pickle
import warnings

import numpy as np
import pytest

from skvalence.datasets import UnsafePickleError, safe_load_npz, safe_load_pickle
from skvalence.datasets._safe_pickle import safe_loads


class _Evil:
    """Pickles into a call of os.system that would create a marker file."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", [2, 3, 4, 5])
def test_roundtrip_arrays_scalars_containers(protocol, tmp_path):
    rng = np.random.default_rng(0)
    obj = {
        "a": rng.normal(size=(4, 3)),
        "b": [np.float32(1.5), np.int64(7), np.arange(5, dtype=np.int16)[::2]],
        "c": collections.OrderedDict(x=np.ones((2, 2), dtype=np.float32, order="F")),
        0: (np.array([], dtype=np.float64), "text"),
    }
    path = tmp_path / "ok.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=protocol))
    out = safe_load_pickle(path)
    np.testing.assert_array_equal(out["a"], obj["a"])
    assert out["b"][0] == np.float32(1.5) and out["b"][0].dtype == np.float32
    np.testing.assert_array_equal(out["b"][2], [0, 2, 4])
    assert isinstance(out["c"], collections.OrderedDict)
    assert out["c"]["x"].flags.f_contiguous
    assert out[0][1] == "text"


@pytest.mark.parametrize("protocol", [0, 2, 4])
def test_os_system_is_refused_and_never_runs(protocol, tmp_path):
    marker = tmp_path / "marker"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"x": np.zeros(2), "evil": _Evil(marker)}, protocol=protocol))
    with pytest.raises(UnsafePickleError, match=r"evil\.pkl.*system"):
        safe_load_pickle(path)
    assert not marker.exists()
    # The ordinary unpickler would have run it: the test pickle is really armed.
    pickle.loads(path.read_bytes())
    assert marker.exists()


@pytest.mark.parametrize(
    "payload",
    [
        b"\x80\x02cbuiltins\neval\nX\x04\x00\x00\x001+1q\x00\x85R.",
        b"\x80\x02cnumpy\nfromfile\nX\x04\x00\x00\x00/etcq\x00\x85R.",
        b"\x80\x02cnumpy.core.multiarray\nfromfile\nX\x04\x00\x00\x00/etc\x85R.",
        b"\x80\x02c__builtin__\nbytes\nJ\x00\x00\x00\x7f\x85R.",  # bytes(2**31): memory bomb
    ],
)
def test_other_globals_are_refused(payload):
    with pytest.raises(UnsafePickleError, match="refusing"):
        safe_loads(payload, source="crafted")


def test_codecs_encode_only_latin1():
    ok = b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x06\x00\x00\x00latin1\x86R."
    assert safe_loads(ok) == b"ab"
    bad = b"\x80\x02c_codecs\nencode\nX\x02\x00\x00\x00abX\x05\x00\x00\x00rot13\x86R."
    with pytest.raises(UnsafePickleError, match="rot13"):
        safe_loads(bad)


def test_old_numpy_module_paths_load_without_deprecated_alias(tmp_path):
    array = np.arange(12, dtype=np.float64).reshape(3, 4)
    payload = pickle.dumps({"a": array, "s": np.float64(2.5)}, protocol=2)
    old = payload.replace(b"cnumpy._core.multiarray\n", b"cnumpy.core.multiarray\n")
    assert b"numpy.core.multiarray" in old and b"numpy._core" not in old
    path = tmp_path / "old.pkl"
    path.write_bytes(old)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # importing numpy.core would warn on numpy 2
        out = safe_load_pickle(path)
    np.testing.assert_array_equal(out["a"], array)
    assert out["s"] == 2.5


def test_old_numpy_frombuffer_path(tmp_path):
    array = np.arange(6, dtype=np.int32)
    payload = pickle.dumps(array, protocol=5).replace(b"numpy._core.numeric", b"numpy.core.numeric")
    # SHORT_BINUNICODE carries a 1-byte length: fix it for the shorter name.
    payload = payload.replace(bytes([len("numpy._core.numeric")]) + b"numpy.core.numeric",
                              bytes([len("numpy.core.numeric")]) + b"numpy.core.numeric")
    payload = _unframe(payload)
    np.testing.assert_array_equal(safe_loads(payload), array)


def _unframe(payload):
    """Drop the (now wrong-length) FRAME header; pickletools.optimize re-frames."""
    import pickletools

    assert payload[2:3] == pickle.FRAME  # PROTO(2 bytes) FRAME(1 + 8 bytes) body
    return pickletools.optimize(payload[:2] + payload[11:])


def test_truncated_pickle_gives_clear_error(tmp_path):
    path = tmp_path / "trunc.pkl"
    full = pickle.dumps(np.random.default_rng(0).normal(size=(50, 50)), protocol=4)
    path.write_bytes(full[: len(full) // 2])
    with pytest.raises(ValueError, match=r"trunc\.pkl: truncated or corrupt pickle"):
        safe_load_pickle(path)
    with pytest.raises(ValueError, match="truncated or corrupt"):
        safe_loads(b"")


def test_fileobj_and_latin1_python2_strings(tmp_path):
    from skvalence.datasets.writers import _BytesSink, _Py2Pickler

    sink = _BytesSink()
    _Py2Pickler(sink, protocol=2).dump(np.arange(300, dtype=np.float64))
    path = tmp_path / "py2.pkl"
    path.write_bytes(sink.getvalue())
    with open(path, "rb") as handle:
        np.testing.assert_array_equal(safe_load_pickle(handle), np.arange(300.0))


def test_npz_with_pickled_dicts(tmp_path):
    path = tmp_path / "x.npz"
    trials = {t: np.full((2, 3), t, dtype=np.float64) for t in range(4)}
    np.savez(path, data=pickle.dumps(trials), plain=np.arange(3))
    out = safe_load_npz(path)
    assert sorted(out["data"]) == [0, 1, 2, 3]
    np.testing.assert_array_equal(out["data"][3], trials[3])
    np.testing.assert_array_equal(out["plain"], np.arange(3))


def test_npz_refuses_evil_pickle_and_object_arrays(tmp_path):
    marker = tmp_path / "marker"
    evil = tmp_path / "evil.npz"
    np.savez(evil, data=pickle.dumps({0: _Evil(marker)}))
    with pytest.raises(UnsafePickleError, match=r"evil\.npz\['data'\]"):
        safe_load_npz(evil)
    assert not marker.exists()

    objects = tmp_path / "objects.npz"
    np.savez(objects, data=np.array([{0: 1}], dtype=object))
    with pytest.raises(ValueError, match="object arrays"):
        safe_load_npz(objects)


def test_truncated_npz(tmp_path):
    path = tmp_path / "t.npz"
    np.savez(path, data=pickle.dumps({0: np.zeros(1000)}))
    path.write_bytes(path.read_bytes()[:300])
    with pytest.raises(ValueError, match=r"t\.npz: truncated or corrupt"):
        safe_load_npz(path)
