import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from skvalence.datasets import load_seedv, make_seedv_like, write_seedv_like
from skvalence.datasets.seedv import SEEDV_BANDS
from skvalence.datasets.simulated import CLASS_LATENTS, SEEDV_LATENT_CLASS, SEEDV_TRIAL_SECONDS
from skvalence.eeg.montage import SEEDV_CHANNELS
from skvalence.emotions import SEEDV_CLASSES, SEEDV_TRIAL_CLASS
from skvalence.model_selection import SEEDVTrialSplit, seedv_trial_groups


@pytest.fixture(scope="module")
def small():
    return make_seedv_like(3, trial_windows=4, random_state=0, verbose=0)


def test_fields_and_layout(small):
    d = small
    assert d.X.shape == (3 * 45 * 4, 310) and d.X.dtype == np.float64 and np.all(np.isfinite(d.X))
    assert d.ch_names == list(SEEDV_CHANNELS) and d.bands == dict(SEEDV_BANDS)
    assert d.class_names == SEEDV_CLASSES and d.kind == "de" and d.missing_subjects == []
    assert d.feature_names[:6] == [f"FP1_{b}" for b in SEEDV_BANDS] + ["FPZ_delta"]  # channel-major
    np.testing.assert_array_equal(np.unique(d.subject), [1, 2, 3])
    np.testing.assert_array_equal(d.y, SEEDV_TRIAL_CLASS[d.stimulus])
    np.testing.assert_array_equal(d.session, d.stimulus // 15)
    np.testing.assert_array_equal(d.trial, d.stimulus % 15)
    # Three trials of every emotion in every session.
    for session in range(3):
        counts = np.bincount(SEEDV_TRIAL_CLASS[15 * session : 15 * (session + 1)], minlength=5)
        np.testing.assert_array_equal(counts, [3] * 5)
    assert d.valence[d.y == SEEDV_CLASSES.index("happy")].min() == 1
    truth = d.truth
    shapes = {
        "stimulus_valence": (45,), "class_valence": (5,), "valence_topography": (62, 5),
        "stimulus_effects": (45, 310), "stimulus_patterns": (45, 310), "subject_offsets": (3, 310),
        "subject_gain": (3, 5), "baseline_log_power": (62, 5), "trial_windows": (45,),
        "session_offsets": (3, 3, 310), "subject_mixing": (3, 62, 62),
    }  # fmt: skip
    for key, shape in shapes.items():
        assert truth[key].shape == shape, key
    expected = [CLASS_LATENTS[SEEDV_LATENT_CLASS[c]][0] for c in SEEDV_CLASSES]
    np.testing.assert_allclose(truth.class_valence, expected)


def test_default_trial_lengths():
    d = make_seedv_like(1, random_state=0, verbose=0)
    windows = SEEDV_TRIAL_SECONDS // 4
    assert [windows[15 * k : 15 * (k + 1)].sum() for k in range(3)] == [681, 541, 601]
    np.testing.assert_array_equal(np.bincount(d.stimulus), windows)
    for t in (0, 7, 44):
        np.testing.assert_array_equal(d.window[d.stimulus == t], np.arange(windows[t]))


def test_round_trip_through_release_files(small, tmp_path):
    paths = write_seedv_like(tmp_path, small)
    assert [p.name for p in paths] == ["1_123.npz", "2_123.npz", "3_123.npz"]
    loaded = load_seedv(tmp_path, subjects=[1, 2, 3], verbose=0)
    assert set(small) - set(loaded) == {"truth", "oracle"} and set(loaded) <= set(small)
    for key, value in loaded.items():
        if key in ("source", "description"):
            continue
        ours = small[key]
        if isinstance(value, np.ndarray):
            assert ours.dtype == value.dtype and ours.shape == value.shape, key
            np.testing.assert_array_equal(ours, value, err_msg=key)
        else:
            assert type(ours) is type(value) and ours == value, key
    assert small.source == "simulated" and "simulated" in small.description.lower()


def test_full_release_round_trip(tmp_path):
    d = make_seedv_like(trial_windows=1, random_state=1, verbose=0)
    write_seedv_like(tmp_path, d)
    loaded = load_seedv(tmp_path, verbose=0)  # all 16 subjects: no allow_incomplete needed
    assert loaded.missing_subjects == []
    np.testing.assert_array_equal(loaded.X, d.X)


def test_deterministic(small):
    again = make_seedv_like(3, trial_windows=4, random_state=0, verbose=0)
    np.testing.assert_array_equal(again.X, small.X)
    other = make_seedv_like(3, trial_windows=4, random_state=1, verbose=0)
    assert not np.allclose(other.X, small.X)
    # A subject's data do not depend on how many subjects are simulated.
    fewer = make_seedv_like(2, trial_windows=4, random_state=0, verbose=0)
    np.testing.assert_array_equal(fewer.X, small.X[small.subject <= 2])


def test_trial_windows_array_and_dtype():
    windows = np.arange(1, 46)
    d = make_seedv_like(1, trial_windows=windows, random_state=0, dtype=np.float32, verbose=0)
    assert d.X.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(d.stimulus), windows)


def test_sessions_differ_by_an_offset():
    # Each session (day) has its own offset: with everything else silent, a subject's mean
    # DE differs between sessions by exactly half the session offsets.
    silent = dict(noise=0.0, broadband_scale=0.0, tilt_scale=0.0, drift_scale=0.0, blink_rate=0.0,
                  muscle_rate=0.0, signal_scale=0.0)  # fmt: skip
    d = make_seedv_like(1, trial_windows=2, random_state=0, verbose=0, **silent)
    means = np.stack([d.X[d.session == k].mean(axis=0) for k in range(3)])
    offsets = d.truth.session_offsets[0]
    np.testing.assert_allclose(means - means[0], 0.5 * (offsets - offsets[0]), atol=1e-10)
    assert np.abs(offsets[1] - offsets[0]).max() > 0.05


def test_class_signal_learnable_but_not_perfect():
    d = make_seedv_like(4, trial_windows=8, random_state=0, difficulty="easy", verbose=0)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    with threadpool_limits(limits=1):  # BLAS threads on a small problem only contend (20 s vs 0.3 s)
        scores = cross_val_score(
            model, d.X, d.y, groups=seedv_trial_groups(d), cv=SEEDVTrialSplit(), scoring="balanced_accuracy"
        )
    # Chance is 0.2. On the easy preset the band only says "there is a class signal
    # that transfers to unseen trials, and it is not trivially separable"; the
    # realistic preset's calibration is guarded in test_simulated_calibration.py.
    assert 0.25 < scores.mean() < 0.95, scores


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_subjects": 0}, "n_subjects must be a positive integer"),
        ({"n_subjects": 17}, "n_subjects must be at most 16"),
        ({"n_subjects": 2.5}, "n_subjects"),
        ({"noise": -1.0}, "noise must be >= 0"),
        ({"signal_scale": float("nan")}, "signal_scale"),
        ({"session_scale": -0.1}, "session_scale"),
        ({"interaction_rank": 46}, "interaction_rank must be an integer between 1 and 45"),
        ({"trial_windows": 0}, "trial_windows"),
        ({"trial_windows": [3] * 44}, "trial_windows"),
        ({"trial_windows": 2.5}, "trial_windows"),
        ({"trial_windows": True}, "trial_windows"),
    ],
)
def test_bad_parameters(kwargs, match):
    kwargs = {"n_subjects": 1, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_seedv_like(random_state=0, verbose=0, **kwargs)
