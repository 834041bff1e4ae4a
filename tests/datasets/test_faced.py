import pickle

import numpy as np
import pytest

from skvalence.datasets import UnsafePickleError, load_faced, make_faced_like, write_faced_like
from skvalence.datasets._bunch import FACED_RELEASE_BANDS
from skvalence.eeg.montage import FACED_CHANNELS
from skvalence.emotions import FACED_CLASSES, FACED_CLIP_CLASS, faced_clip_valence


@pytest.fixture(scope="module")
def de_arrays():
    rng = np.random.default_rng(0)
    return {s: rng.normal(size=(28, 32, 30, 5)) for s in (0, 3, 12)}


@pytest.fixture(scope="module")
def raw_arrays():
    rng = np.random.default_rng(1)
    return {s: rng.standard_normal(size=(28, 32, 7500), dtype=np.float32) for s in (2, 5)}


@pytest.fixture(scope="module")
def raw_root(tmp_path_factory, raw_arrays):
    root = tmp_path_factory.mktemp("faced_raw")
    write_faced_like(root, raw_arrays)
    return root


@pytest.mark.parametrize("old_numpy", [False, True])
def test_de_roundtrip_and_fields(tmp_path, de_arrays, old_numpy):
    write_faced_like(tmp_path, de_arrays, old_numpy=old_numpy)
    data = load_faced(tmp_path, kind="de", allow_incomplete=True, verbose=0)
    assert data.X.shape == (3 * 28 * 3, 160)
    # Row 0: subject 0, clip 0, window 0 = mean of seconds 0-9, channel-major.
    np.testing.assert_allclose(data.X[0], de_arrays[0][0, :, :10, :].mean(axis=1).ravel())
    # Row of subject 12, clip 27, window 2.
    np.testing.assert_allclose(data.X[-1], de_arrays[12][27, :, 20:30, :].mean(axis=1).ravel())
    np.testing.assert_array_equal(np.unique(data.subject), [0, 3, 12])
    np.testing.assert_array_equal(data.stimulus[:6], [0, 0, 0, 1, 1, 1])
    np.testing.assert_array_equal(data.window[:6], [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(data.y, FACED_CLIP_CLASS[data.stimulus])
    np.testing.assert_array_equal(data.valence, faced_clip_valence()[data.stimulus])
    assert data.class_names == FACED_CLASSES
    assert data.ch_names == list(FACED_CHANNELS)
    assert data.bands == FACED_RELEASE_BANDS and list(data.bands) == ["delta", "theta", "alpha", "beta", "gamma"]
    assert data.feature_names[:6] == ["Fp1_delta", "Fp1_theta", "Fp1_alpha", "Fp1_beta", "Fp1_gamma", "Fp2_delta"]
    assert data.source == str(tmp_path) and "FACED" in data.description
    assert data.y.dtype == np.int64 and data.subject.dtype == np.int64


def test_de_window_remainder_is_dropped(tmp_path, de_arrays):
    write_faced_like(tmp_path, {0: de_arrays[0]})
    data = load_faced(tmp_path, window_seconds=7, allow_incomplete=True, verbose=0)
    assert data.X.shape == (28 * 4, 160)  # 30 // 7 = 4, seconds 28-29 dropped
    np.testing.assert_allclose(data.X[3], de_arrays[0][0, :, 21:28, :].mean(axis=1).ravel())


@pytest.mark.parametrize("window_seconds, n_windows", [(10, 3), (30, 1), (4, 7)])
def test_raw_windows(raw_root, raw_arrays, window_seconds, n_windows):
    data = load_faced(raw_root, kind="raw", window_seconds=window_seconds, allow_incomplete=True, verbose=0)
    n_times = window_seconds * 250
    assert data.X.shape == (2 * 28 * n_windows, 32, n_times)
    assert data.sfreq == 250.0 and "bands" not in data
    w = n_windows - 1
    row = 28 * n_windows + 5 * n_windows + w  # subject 5, clip 5, last window
    assert (data.subject[row], data.stimulus[row], data.window[row]) == (5, 5, w)
    np.testing.assert_array_equal(data.X[row], raw_arrays[5][5, :, w * n_times : (w + 1) * n_times])
    assert data.X.dtype == np.float32


def test_roundtrip_from_simulated_bunch(tmp_path):
    sim = make_faced_like(2, kind="de", window_seconds=10, random_state=0, verbose=0)
    write_faced_like(tmp_path, sim, old_numpy=True)
    data = load_faced(tmp_path, allow_incomplete=True, verbose=0)
    np.testing.assert_allclose(data.X, sim.X, rtol=1e-12)
    for key in ("y", "subject", "stimulus", "window", "valence"):
        np.testing.assert_array_equal(data[key], sim[key])

    odd = make_faced_like(1, kind="de", window_seconds=7, random_state=1, verbose=0)
    write_faced_like(tmp_path, odd)  # 30 % 7 seconds are padded in the file, dropped on load
    loaded = load_faced(tmp_path, subjects=[0], window_seconds=7, verbose=0)
    np.testing.assert_allclose(loaded.X, odd.X, rtol=1e-12)

    raw = make_faced_like(1, kind="raw", random_state=0, verbose=0)
    write_faced_like(tmp_path, raw)
    loaded = load_faced(tmp_path, kind="raw", dtype=np.float32, allow_incomplete=True, verbose=0)
    np.testing.assert_array_equal(loaded.X, raw.X)


def test_subject_selection_and_errors(tmp_path, de_arrays):
    write_faced_like(tmp_path, de_arrays)
    data = load_faced(tmp_path, subjects=[12, 0], verbose=0)
    np.testing.assert_array_equal(np.unique(data.subject), [0, 12])
    assert data.subject[0] == 0  # sorted
    with pytest.raises(ValueError, match=r"subject\(s\) \[1\]"):
        load_faced(tmp_path, subjects=[0, 1], verbose=0)
    with pytest.raises(ValueError, match="unknown subject 200"):
        load_faced(tmp_path, subjects=[200], verbose=0)
    with pytest.raises(ValueError, match="duplicates"):
        load_faced(tmp_path, subjects=[0, 0], verbose=0)
    with pytest.raises(ValueError, match="kind must be"):
        load_faced(tmp_path, kind="psd")
    for bad in (0, 31):
        with pytest.raises(ValueError, match="window_seconds"):
            load_faced(tmp_path, window_seconds=bad)
    with pytest.raises(TypeError, match="window_seconds"):
        load_faced(tmp_path, window_seconds=2.5)


def test_missing_layout_says_what_was_expected(tmp_path, de_arrays):
    with pytest.raises(ValueError, match=r"EEG_Features.DE.*subNNN\.pkl\.pkl"):
        load_faced(tmp_path / "nowhere")
    write_faced_like(tmp_path, de_arrays)
    with pytest.raises(ValueError, match=r"Processed_data"):
        load_faced(tmp_path, kind="raw")
    (tmp_path / "Processed_data").mkdir()
    with pytest.raises(ValueError, match="no FACED subject files"):
        load_faced(tmp_path, kind="raw")


def test_plain_pkl_name_accepted_but_not_beside_the_release_name(tmp_path, de_arrays):
    folder = tmp_path / "EEG_Features" / "DE"
    folder.mkdir(parents=True)
    (folder / "sub007.pkl").write_bytes(pickle.dumps(de_arrays[3], protocol=4))
    data = load_faced(tmp_path, allow_incomplete=True, verbose=0)
    np.testing.assert_array_equal(np.unique(data.subject), [7])
    # Two files for one subject: which one is meant is not ours to guess.
    (folder / "sub007.pkl.pkl").write_bytes(pickle.dumps(de_arrays[0], protocol=4))
    with pytest.raises(ValueError, match=r"sub007\.pkl and .*sub007\.pkl\.pkl both hold FACED subject 7"):
        load_faced(tmp_path, allow_incomplete=True, verbose=0)


def test_missing_subjects_listed_when_allowed(tmp_path, de_arrays):
    write_faced_like(tmp_path, de_arrays)
    data = load_faced(tmp_path, allow_incomplete=True, verbose=0)
    assert data.missing_subjects == [s for s in range(123) if s not in (0, 3, 12)]
    assert "INCOMPLETE" in data.description and "1-2, 4-11, 13-122" in data.description
    complete = load_faced(tmp_path, subjects=[0, 3], verbose=0)
    assert complete.missing_subjects == [] and "INCOMPLETE" not in complete.description
    partial = load_faced(tmp_path, subjects=[0, 1], allow_incomplete=True, verbose=0)
    assert partial.missing_subjects == [1] and set(partial.subject) == {0}
    with pytest.raises(ValueError, match=r"none of the requested FACED subject\(s\) 5 has a file"):
        load_faced(tmp_path, subjects=[5], allow_incomplete=True, verbose=0)
    with pytest.raises(TypeError, match="allow_incomplete"):
        load_faced(tmp_path, allow_incomplete="yes", verbose=0)


def _write_one(tmp_path, obj, raw=False):
    folder = tmp_path / ("Processed_data" if raw else "EEG_Features/DE")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ("sub000.pkl" if raw else "sub000.pkl.pkl")
    path.write_bytes(pickle.dumps(obj, protocol=2))
    return path


def test_bad_files_are_named(tmp_path):
    path = _write_one(tmp_path, np.zeros((28, 32, 29, 5)))
    with pytest.raises(ValueError, match=r"sub000\.pkl\.pkl: expected an array of shape \(28, 32, 30, 5\), got \(28, 32, 29, 5\)"):
        load_faced(tmp_path, allow_incomplete=True, verbose=0)
    _write_one(tmp_path, {"data": np.zeros(3)})
    with pytest.raises(ValueError, match="expected a numpy array"):
        load_faced(tmp_path, allow_incomplete=True, verbose=0)
    bad = np.zeros((28, 32, 30, 5))
    bad[3, 4, 5, 1] = np.nan
    _write_one(tmp_path, bad)
    with pytest.raises(ValueError, match="NaN"):
        load_faced(tmp_path, allow_incomplete=True, verbose=0)
    _write_one(tmp_path, np.zeros((28, 32, 30, 5)))
    path.write_bytes(path.read_bytes()[:-5000])
    with pytest.raises(ValueError, match=r"sub000\.pkl\.pkl: truncated or corrupt"):
        load_faced(tmp_path, allow_incomplete=True, verbose=0)
    raw_path = _write_one(tmp_path, np.zeros((28, 32, 7000)), raw=True)
    with pytest.raises(ValueError, match=r"expected an array of shape \(28, 32, 7500\)"):
        load_faced(tmp_path, kind="raw", allow_incomplete=True, verbose=0)
    assert raw_path.exists()


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os

        return (os.system, (f"touch {self.marker}",))


def test_tampered_file_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    _write_one(tmp_path, _Evil(marker))
    with pytest.raises(UnsafePickleError, match="sub000"):
        load_faced(tmp_path, allow_incomplete=True, verbose=0)
    assert not marker.exists()


def test_progress_bar_follows_verbose(tmp_path, de_arrays, capsys):
    write_faced_like(tmp_path, {0: de_arrays[0]})
    load_faced(tmp_path, allow_incomplete=True, verbose=0)
    assert "FACED" not in capsys.readouterr().err
    load_faced(tmp_path, allow_incomplete=True, verbose=1)
    assert "FACED de" in capsys.readouterr().err


def test_writer_rejects_bad_input(tmp_path):
    with pytest.raises(ValueError, match=r"expected a de array of shape"):
        write_faced_like(tmp_path, {0: np.zeros((28, 32, 30, 4))}, kind="de")
    with pytest.raises(ValueError, match="expected a Bunch"):
        write_faced_like(tmp_path, np.zeros((3, 4)))
    sim = make_faced_like(1, random_state=0, verbose=0)
    sim.X, sim.stimulus, sim.window = sim.X[1:], sim.stimulus[1:], sim.window[1:]
    sim.subject = sim.subject[1:]
    with pytest.raises(ValueError, match="every clip x window"):
        write_faced_like(tmp_path, sim)


@pytest.mark.parametrize("dtype", [complex, bool, object, "U1", "datetime64[s]"])
def test_only_real_numbers_are_accepted(tmp_path, dtype):
    _write_one(tmp_path, np.zeros((28, 32, 30, 5)).astype(dtype))
    with pytest.raises(ValueError, match=r"sub000\.pkl\.pkl: .*real integer or floating-point numbers"):
        load_faced(tmp_path, subjects=[0], verbose=0)


def test_integer_arrays_are_accepted(tmp_path):
    _write_one(tmp_path, np.ones((28, 32, 30, 5), dtype=np.int16))
    assert load_faced(tmp_path, subjects=[0], verbose=0).X.shape == (84, 160)
