import pickle

import numpy as np
import pytest

from skvalence.datasets import UnsafePickleError, load_seedv, write_seedv_like
from skvalence.eeg.montage import SEEDV_CHANNELS
from skvalence.emotions import SEEDV_CLASSES, SEEDV_VALENCE


def _fake(subjects=(1, 4), seed=0):
    rng = np.random.default_rng(seed)
    data, labels = {}, {}
    for s in subjects:
        n = rng.integers(2, 6, size=45)  # windows differ per trial, as in the release
        data[s] = {t: rng.normal(size=(n[t], 310)) for t in range(45)}
        labels[s] = {t: np.full(n[t], (t + s) % 5, dtype=np.int64) for t in range(45)}
    return data, labels


@pytest.fixture()
def fake_root(tmp_path):
    data, labels = _fake()
    write_seedv_like(tmp_path, data, labels)
    return tmp_path, data, labels


def test_rows_fields_and_valence(fake_root):
    root, data, labels = fake_root
    out = load_seedv(root, allow_incomplete=True, verbose=0)
    n1 = sum(len(v) for v in data[1].values())
    assert out.X.shape == (n1 + sum(len(v) for v in data[4].values()), 310)
    # First rows: subject 1, trial 0; then trial 1 ...
    np.testing.assert_array_equal(out.X[: len(data[1][0])], data[1][0])
    row = n1 + sum(len(data[4][t]) for t in range(17)) + 1  # subject 4, trial 17, window 1
    np.testing.assert_array_equal(out.X[row], data[4][17][1])
    assert (out.subject[row], out.stimulus[row], out.session[row], out.trial[row], out.window[row]) == (4, 17, 1, 2, 1)
    assert out.y[row] == (17 + 4) % 5
    expected_valence = np.array([SEEDV_VALENCE[c] for c in SEEDV_CLASSES])[out.y]
    np.testing.assert_array_equal(out.valence, expected_valence)
    assert set(np.unique(out.valence)) == {-1, 0, 1}
    assert out.class_names == SEEDV_CLASSES
    assert out.ch_names == list(SEEDV_CHANNELS)
    assert out.feature_names[:2] == ["FP1_delta", "FP1_theta"] and len(out.feature_names) == 310
    assert list(out.bands) == ["delta", "theta", "alpha", "beta", "gamma"]
    np.testing.assert_array_equal(out.session, out.stimulus // 15)
    np.testing.assert_array_equal(out.trial, out.stimulus % 15)


def test_band_major_layout_is_reordered(fake_root):
    root, data, _ = fake_root
    out = load_seedv(root, subjects=[1], feature_layout="band_major", verbose=0)
    row = data[1][0][0]
    # File column b * 62 + c must land at channel-major position c * 5 + b.
    assert out.X[0, 3 * 5 + 2] == row[2 * 62 + 3]
    with pytest.raises(ValueError, match="feature_layout"):
        load_seedv(root, feature_layout="weird")


def test_subjects_and_paths(fake_root):
    root, _, _ = fake_root
    out = load_seedv(root / "EEG_DE_features", subjects=[4], verbose=0)
    assert set(out.subject) == {4}
    with pytest.raises(ValueError, match=r"subject\(s\) \[2\]"):
        load_seedv(root, subjects=[2], verbose=0)
    with pytest.raises(ValueError, match="unknown subject 17"):
        load_seedv(root, subjects=[17], verbose=0)
    with pytest.raises(ValueError, match=r"EEG_DE_features.*1_123\.npz"):
        load_seedv(root / "missing", allow_incomplete=True, verbose=0)


def test_bunch_roundtrip(fake_root, tmp_path_factory):
    root, _, _ = fake_root
    first = load_seedv(root, allow_incomplete=True, verbose=0)
    other = tmp_path_factory.mktemp("again")
    write_seedv_like(other, first)
    second = load_seedv(other, allow_incomplete=True, verbose=0)
    for key in ("X", "y", "subject", "stimulus", "window", "session", "trial"):
        np.testing.assert_array_equal(first[key], second[key])


def _write_raw(root, data, label):
    folder = root / "EEG_DE_features"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "1_123.npz"
    np.savez(path, data=pickle.dumps(data), label=pickle.dumps(label))
    return path


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d, lab: d.pop(44), "trials 0-44"),
        (lambda d, lab: d.__setitem__(3, np.zeros((4, 300))), r"trial 3 data should have shape \(n_windows, 310\)"),
        (lambda d, lab: lab.__setitem__(5, np.zeros(2)), r"trial 5 label should have shape"),
        (lambda d, lab: lab.__setitem__(6, np.full(4, 7)), "labels must be integers 0-4"),
        (lambda d, lab: d[7].__setitem__((0, 0), np.nan), "finite"),
    ],
)
def test_malformed_files(tmp_path, mutate, message):
    data = {t: np.ones((4, 310)) for t in range(45)}
    label = {t: np.zeros(4, dtype=int) for t in range(45)}
    mutate(data, label)
    path = _write_raw(tmp_path, data, label)
    with pytest.raises(ValueError, match=message) as info:
        load_seedv(tmp_path, allow_incomplete=True, verbose=0)
    assert path.name in str(info.value)


def test_missing_key_truncated_and_tampered(tmp_path):
    folder = tmp_path / "EEG_DE_features"
    folder.mkdir()
    np.savez(folder / "1_123.npz", data=pickle.dumps({t: np.ones((1, 310)) for t in range(45)}))
    with pytest.raises(ValueError, match="missing key 'label'"):
        load_seedv(tmp_path, allow_incomplete=True, verbose=0)

    path = _write_raw(tmp_path, {t: np.ones((40, 310)) for t in range(45)}, {t: np.zeros(40) for t in range(45)})
    path.write_bytes(path.read_bytes()[:2000])
    with pytest.raises(ValueError, match=r"1_123\.npz: truncated or corrupt"):
        load_seedv(tmp_path, allow_incomplete=True, verbose=0)

    class Evil:
        def __reduce__(self):
            import os

            return (os.system, (f"touch {tmp_path / 'pwned'}",))

    np.savez(path, data=pickle.dumps({0: Evil()}), label=pickle.dumps({}))
    with pytest.raises(UnsafePickleError, match="1_123.npz"):
        load_seedv(tmp_path, allow_incomplete=True, verbose=0)
    assert not (tmp_path / "pwned").exists()


def test_writer_needs_labels(tmp_path):
    with pytest.raises(ValueError, match="labels is required"):
        write_seedv_like(tmp_path, {1: {0: np.zeros((1, 310))}})
    with pytest.raises(ValueError, match="different subjects"):
        write_seedv_like(tmp_path, {1: {}}, {2: {}})


@pytest.mark.parametrize("part", ["data", "label"])
@pytest.mark.parametrize("dtype", [complex, bool, object, "U1"])
def test_only_real_numbers_are_accepted(tmp_path, part, dtype):
    data = {t: np.ones((4, 310)) for t in range(45)}
    label = {t: np.zeros(4, dtype=int) for t in range(45)}
    target = data if part == "data" else label
    target[0] = target[0].astype(dtype)
    _write_raw(tmp_path, data, label)
    with pytest.raises(ValueError, match=rf"1_123\.npz: the trial 0 {part} must hold real"):
        load_seedv(tmp_path, subjects=[1], verbose=0)


def test_ragged_trial_is_named(tmp_path):
    data = {t: np.ones((4, 310)) for t in range(45)}
    data[2] = [np.ones(310), np.ones(300)]
    _write_raw(tmp_path, data, {t: np.zeros(4, dtype=int) for t in range(45)})
    with pytest.raises(ValueError, match=r"1_123\.npz: 'data' trial 2 is not an array"):
        load_seedv(tmp_path, subjects=[1], verbose=0)
