import pickle
import warnings

import mne
import numpy as np
import pytest
from scipy import signal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import parametrize_with_checks

from skvalence.datasets import make_faced_like
from skvalence.eeg.features import VARIANCE_FLOOR, DEFeatureExtractor, FlatSignalWarning, differential_entropy

FS = 250.0


def _white(n=6, ch=3, seconds=30, sigma=2.0, seed=0):
    return sigma * np.random.default_rng(seed).standard_normal((n, ch, int(seconds * FS)))


def _pink(n, ch, seconds, seed, exponent=1.5):
    """Stationary 1/f^exponent noise plus an alpha peak whose height varies per epoch and channel.

    Band powers vary across epochs and channels both in level (gain) and in
    shape (alpha height), so agreement between methods is not just agreement
    on an overall scale.
    """
    rng = np.random.default_rng(seed)
    n_times = int(seconds * FS)
    f = np.fft.rfftfreq(n_times, 1 / FS)
    f[0] = 1.0
    gain = np.exp(rng.normal(0, 0.5, (n, ch, 1)))
    alpha = np.exp(rng.normal(0, 1.0, (n, ch, 1))) * np.exp(-((f - 10) ** 2) / 4.5)
    psd = gain * (f**-exponent + 0.2 * alpha)
    psd[..., 0] = 0
    phase = np.exp(2j * np.pi * rng.random(psd.shape))
    return np.fft.irfft(np.sqrt(psd) * phase, n=n_times) * np.sqrt(n_times)


# ---------------------------------------------------------------- correctness
@pytest.mark.parametrize("method", ["fft", "filter"])
@pytest.mark.parametrize("band", [(13, 30), (30, 47), (8, 40), (1, 60)])
def test_white_noise_de_matches_theory(method, band):
    sigma = 2.0
    X = _white(sigma=sigma)
    de = DEFeatureExtractor(sfreq=FS, bands=[("b", *band)], method=method).fit_transform(X)
    lo, hi = band
    expected = 0.5 * np.log(2 * np.pi * np.e * sigma**2 * (hi - lo) / (FS / 2))
    assert de.shape == (6, 3)
    assert abs(de.mean() - expected) < 0.1


@pytest.mark.parametrize("method", ["fft", "filter"])
def test_white_noise_narrow_band_with_longer_windows(method):
    # Theta (4 Hz wide) needs longer windows to keep the log-average bias small.
    X = _white(n=4, ch=2, seconds=60)
    de = DEFeatureExtractor(sfreq=FS, bands=[("theta", 4, 8)], window=4.0, method=method).fit_transform(X)
    expected = 0.5 * np.log(2 * np.pi * np.e * 4.0 * 4 / (FS / 2))
    assert abs(de.mean() - expected) < 0.1


def test_de_scales_with_amplitude_exactly():
    X = _white(n=3, ch=2, seconds=5)
    de = DEFeatureExtractor(sfreq=FS)
    # DE(a x) = DE(x) + ln|a|, for both methods.
    np.testing.assert_allclose(de.fit_transform(3 * X), de.fit_transform(X) + np.log(3), atol=1e-10)
    de.set_params(method="filter")
    np.testing.assert_allclose(de.fit_transform(3 * X), de.fit_transform(X) + np.log(3), atol=1e-10)


@pytest.mark.parametrize("taper", ["hann", "boxcar"])
def test_fft_is_parseval_exact_for_a_sinusoid(taper):
    # Hann spreads a bin-centred tone over bins k-1..k+1; with all three inside
    # the band, the sum(w^2) normalisation returns its variance exactly.
    t = np.arange(int(FS * 4)) / FS
    x = 3.0 * np.sin(2 * np.pi * 10 * t) + 1.0 * np.sin(2 * np.pi * 20 * t) + 5.0  # DC is removed
    de = DEFeatureExtractor(sfreq=FS, bands=[("a", 8, 13), ("b", 13, 30)], taper=taper).fit_transform(x[None, None])
    np.testing.assert_allclose(de[0], differential_entropy([9 / 2, 1 / 2]), rtol=1e-12)


def test_hann_taper_removes_the_window_mean_exactly():
    # Without mean removal before tapering, Hann would leak an offset into bin 1 (delta).
    X = _white(n=2, ch=2, seconds=3)
    de = DEFeatureExtractor(sfreq=FS, bands="faced").fit(X)
    np.testing.assert_allclose(de.transform(X + 50.0), de.transform(X), atol=1e-9)


def _time_domain_de(X, sfreq, n_window, bands, taper):
    """The fft method's definition, written out: demean, taper, rFFT, Parseval."""
    n_win = X.shape[-1] // n_window
    w = X[..., : n_win * n_window].reshape(*X.shape[:2], n_win, n_window)
    w = w - w.mean(axis=-1, keepdims=True)
    taper = np.ones(n_window) if taper == "boxcar" else signal.windows.hann(n_window, sym=False)
    power = np.abs(np.fft.rfft(w * taper, axis=-1)) ** 2
    freqs = np.arange(power.shape[-1]) * sfreq / n_window
    c = np.where(np.arange(power.shape[-1]) * 2 == n_window, 1.0, 2.0)
    variances = [
        (power * c)[..., (freqs >= lo) & (freqs < hi) & (freqs > 0)].sum(-1) / (n_window * taper @ taper)
        for lo, hi in bands
    ]
    return differential_entropy(np.stack(variances, axis=-1)).mean(axis=2).reshape(len(X), -1)


@pytest.mark.parametrize("taper", ["hann", "boxcar"])
@pytest.mark.parametrize(
    ("sfreq", "n_times", "bands"),
    [
        (FS, 2 * 250 + 17, [(0.5, 4), (4, 8), (8, 13), (13, 30), (30, 47)]),  # leftover samples dropped
        (63.0, 5 * 63, [(1, 5), (5, 31.4)]),  # odd window, band up to the last rFFT bin (31 Hz)
        (64.0, 3 * 64, [(2, 12), (12, 31)]),  # even window, band up to the bin below Nyquist
    ],
)
def test_fft_matches_its_time_domain_definition(taper, sfreq, n_times, bands):
    # The taper is applied as an exact kernel on the spectrum, in blocks of
    # windows; this pins it to the definition (time-domain taper, one pass).
    X = np.random.default_rng(5).standard_normal((7, 150, n_times)) * 3 + 2  # > 1 block of windows
    named = [(f"b{i}", lo, hi) for i, (lo, hi) in enumerate(bands)]
    ours = DEFeatureExtractor(sfreq=sfreq, bands=named, taper=taper).fit_transform(X)
    np.testing.assert_allclose(ours, _time_domain_de(X, sfreq, int(sfreq), bands, taper), rtol=0, atol=1e-10)


def _r_per_band(a, b, n_bands=5):
    a, b = a.reshape(len(a), -1, n_bands), b.reshape(len(b), -1, n_bands)
    return np.array([np.corrcoef(a[..., k].ravel(), b[..., k].ravel())[0, 1] for k in range(n_bands)])


def test_fft_and_filter_agree_on_stationary_pink_noise():
    X = _pink(n=24, ch=8, seconds=30, seed=1)
    fft = DEFeatureExtractor(sfreq=FS).fit_transform(X)
    filt = DEFeatureExtractor(sfreq=FS, method="filter").fit_transform(X)
    r = _r_per_band(fft, filt)
    # Not r > 0.99 in every band: the two methods have different frequency
    # responses (Hann main lobe vs soft Butterworth edges), so a varying alpha
    # peak moves theta and beta differently, and delta's 0.5 Hz edge is below
    # the 1-Hz resolution of 1-s windows. Measured (Hann) over seeds 0-3:
    # 0.97-0.98, 0.971-0.978, 0.996, 0.977-0.982, 0.996.
    assert r.min() > 0.96 and np.median(r) > 0.975, r
    assert r[2] > 0.99 and r[4] > 0.99, r


def test_hann_taper_stops_leakage_on_brown_noise():
    # 1/f^2 spectra: the boxcar's sidelobes fall off no faster than the spectrum,
    # so low-frequency power leaks into every higher band; Hann's do not.
    X = _pink(n=24, ch=8, seconds=30, seed=1, exponent=2.0)
    filt = DEFeatureExtractor(sfreq=FS, method="filter").fit_transform(X)
    hann = DEFeatureExtractor(sfreq=FS, taper="hann").fit_transform(X)
    box = DEFeatureExtractor(sfreq=FS, taper="boxcar").fit_transform(X)
    r_hann, r_box = _r_per_band(hann, filt), _r_per_band(box, filt)
    gap_hann, gap_box = (np.abs((est - filt).reshape(24, 8, 5).mean(axis=(0, 1))) for est in (hann, box))
    # Measured over seeds 0-2: mean (fft - filter) per band, boxcar 0.26, 0.28,
    # 0.08, 0.42, 0.37 nats; Hann -0.01, 0.04, 0.00, 0.20, 0.06.
    assert (gap_box[[0, 1, 3, 4]] > 0.25).all() and (gap_hann < gap_box - 0.05).all(), (gap_hann, gap_box)
    assert gap_hann[4] < 0.1, gap_hann
    assert r_hann[4] > 0.99 > r_box[4] and r_hann[1] > r_box[1] + 0.01, (r_hann, r_box)
    assert r_hann.min() > 0.95, r_hann


@pytest.fixture(scope="module")
def faced_raw():
    # Subject s's data do not depend on n_subjects: two subjects, 168 epochs.
    return make_faced_like(n_subjects=2, kind="raw", window_seconds=10, random_state=0, verbose=0)


def test_fft_and_filter_on_simulated_faced_raw(faced_raw):
    X = faced_raw.X
    filt = DEFeatureExtractor(sfreq=faced_raw.sfreq, method="filter").fit_transform(X)
    r = _r_per_band(DEFeatureExtractor(sfreq=faced_raw.sfreq).fit_transform(X), filt)
    # The issue asks for r > 0.99 per band; it holds for beta and gamma. The
    # simulated clips are continuous Gaussian signals, so a 1-s window's band
    # power is itself random (about chi^2 with 2 x the band's 1-Hz bins degrees
    # of freedom: 6 for delta, 8 for theta, 10 for alpha, 34 for beta). The Hann
    # taper weights the window's centre and leaks +-2 bins; the filter weights
    # the window evenly, with soft edges and an impulse response reaching into
    # the neighbouring windows: the two see partly different samples of that
    # randomness. How large it is: two realisations of the same latent band
    # powers (same clips, subjects, window noise; new phases) give Hann
    # features correlated only 0.87, 0.91, 0.95, 0.986, 0.991, so the narrow
    # bands cannot reach 0.99 between estimators on 10-s samples of 1-s
    # windows. Measured here (random_state 0-3): 0.965-0.968, 0.950-0.962,
    # 0.973-0.981, 0.994-0.997, 0.997-0.998.
    assert r[3] > 0.99 and r[4] > 0.99, r
    assert r[0] > 0.955 and r[1] > 0.94 and r[2] > 0.965, r


def test_fft_filter_gap_is_the_resolution_of_one_second_windows(faced_raw):
    # Why delta/theta/alpha stop short of 0.99: two FFT estimates that differ
    # only in the taper (same windows, same bins) disagree as much as fft and
    # filter do, while two filters of different orders (same time support)
    # agree closely. The limit is what a 1-s window can resolve of a narrow
    # band, not a mismatch between our two implementations; a wrong filter
    # (band, gain or windowing) would fall well below the taper-vs-taper line.
    # Measured (random_state 0-1): hann vs boxcar 0.971-0.972, 0.959-0.963,
    # 0.976-0.978, 0.990-0.992, 0.994; hann vs filter 0.965-0.967,
    # 0.950-0.956, 0.978-0.981, 0.994-0.996, 0.997.
    X, fs = faced_raw.X, faced_raw.sfreq
    hann = DEFeatureExtractor(sfreq=fs).fit_transform(X)
    boxcar = DEFeatureExtractor(sfreq=fs, taper="boxcar").fit_transform(X)
    filt = DEFeatureExtractor(sfreq=fs, method="filter").fit_transform(X)
    r_taper, r_method = _r_per_band(hann, boxcar), _r_per_band(hann, filt)
    assert np.all(r_taper[:3] < 0.985), r_taper
    assert np.all(r_method >= r_taper - 0.015), (r_method, r_taper)


def test_fft_recovers_simulated_de_kind():
    # The raw kind is a realisation whose expected band powers are the DE
    # kind's (same random_state, same latent draws): an independent check of
    # our DE. Its 1-s band powers scatter around the expectation, most in
    # narrow bands, so the match is a correlation. Measured (random_state 0-3,
    # Hann): 0.958-0.963, 0.938-0.966, 0.977-0.986, 0.995-0.997, 0.997-0.998.
    raw = make_faced_like(n_subjects=1, kind="raw", window_seconds=10, random_state=3, verbose=0)
    de = make_faced_like(n_subjects=1, kind="de", window_seconds=10, random_state=3, verbose=0)
    ours = DEFeatureExtractor(sfreq=raw.sfreq, ch_names=raw.ch_names).fit(raw.X)
    np.testing.assert_array_equal(ours.get_feature_names_out(), de.feature_names)
    ours = ours.transform(raw.X)
    r = _r_per_band(ours, de.X)
    assert np.all(r > [0.92, 0.91, 0.95, 0.985, 0.99]), r
    # Levels agree too, except delta: the simulator's spectrum ramps down to 0
    # at DC (half at 0.5 Hz), below its lowest 1-Hz cell, read ~0.25 nats low.
    # Alpha reads slightly low (measured, random_state 0-3: -0.019 to -0.056 nats):
    # the envelope widens the narrow posterior alpha peak by ~1 Hz into its neighbours.
    gap = (ours - de.X).reshape(len(ours), -1, 5).mean(axis=(0, 1))
    assert np.all(np.abs(gap[[1, 3, 4]]) < 0.05) and -0.08 < gap[2] < 0.02 and -0.35 < gap[0] < -0.15, gap


def test_leftover_samples_are_dropped():
    X = _white(n=2, ch=2, seconds=3)
    extra = np.concatenate([X, 100 * np.ones((2, 2, 100))], axis=-1)  # 0.4 s tail, not a full window
    de = DEFeatureExtractor(sfreq=FS)
    np.testing.assert_array_equal(de.fit_transform(extra), de.fit_transform(X))


def test_average_of_de_not_de_of_average():
    x = np.concatenate([_white(1, 1, 1, sigma=1.0, seed=1), _white(1, 1, 1, sigma=10.0, seed=2)], axis=-1)
    both = DEFeatureExtractor(sfreq=FS, bands=[("b", 13, 30)]).fit_transform(x)
    each = [DEFeatureExtractor(sfreq=FS, bands=[("b", 13, 30)]).fit_transform(x[..., s : s + 250]) for s in (0, 250)]
    np.testing.assert_allclose(both, (each[0] + each[1]) / 2, rtol=1e-12)


def test_float32_input_matches_float64():
    X = _white(n=3, ch=2, seconds=4)
    de = DEFeatureExtractor(sfreq=FS)
    out32 = de.fit_transform(X.astype(np.float32))
    assert out32.dtype == np.float64
    np.testing.assert_allclose(out32, de.fit_transform(X), atol=1e-5)


@pytest.mark.parametrize("method", ["fft", "filter"])
def test_chunked_equals_unchunked(method):
    X = _white(n=7, ch=3, seconds=4)
    full = DEFeatureExtractor(sfreq=FS, method=method, chunk_size=100).fit_transform(X)
    for size in (1, 3, "auto"):
        chunked = DEFeatureExtractor(sfreq=FS, method=method, chunk_size=size).fit_transform(X)
        np.testing.assert_allclose(chunked, full, rtol=1e-12, atol=1e-12)


def test_auto_chunk_is_about_64_mb():
    de = DEFeatureExtractor(sfreq=FS).fit(np.random.default_rng(0).standard_normal((1, 32, 7500)))
    assert de._resolved_chunk(7500) == 64 * 2**20 // (32 * 7500 * 8)


# --------------------------------------------------------------- flat signals
@pytest.mark.parametrize("method", ["fft", "filter"])
@pytest.mark.parametrize("level", [0.0, 37.5])
def test_flat_channel_is_floored_with_a_warning(method, level):
    X = _white(n=2, ch=3, seconds=2)
    X[1, 2] = level
    with pytest.warns(FlatSignalWarning, match=r"channel\(s\) \['Oz'\]"):
        out = DEFeatureExtractor(sfreq=FS, method=method, ch_names=["Fz", "Cz", "Oz"]).fit_transform(X)
    assert np.isfinite(out).all()
    floor = 0.5 * np.log(2 * np.pi * np.e * VARIANCE_FLOOR)
    np.testing.assert_allclose(out[1, 10:], floor)
    assert (out[0] > floor + 10).all() and (out[1, :10] > floor + 10).all()


def test_no_warning_on_normal_data():
    with warnings.catch_warnings():
        warnings.simplefilter("error", FlatSignalWarning)
        DEFeatureExtractor(sfreq=FS).fit_transform(_white(n=2, ch=2, seconds=2))


# ---------------------------------------------------------- names and layout
def test_feature_names_and_channel_major_ordering():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 3, 500))
    X[:, 1] *= 1000.0  # channel 1 is loud in every band
    de = DEFeatureExtractor(sfreq=FS, bands="faced", ch_names=["Fp1", "Cz", "O2"]).fit(X)
    names = de.get_feature_names_out()
    assert names[:6].tolist() == ["Fp1_delta", "Fp1_theta", "Fp1_alpha", "Fp1_beta", "Fp1_gamma", "Cz_delta"]
    assert len(names) == 15
    out = de.transform(X)
    loud = np.array([n.startswith("Cz_") for n in names])
    assert out[:, loud].min() > out[:, ~loud].max()
    generic = DEFeatureExtractor(sfreq=FS, bands=[("a", 8, 13)]).fit(X)
    assert generic.get_feature_names_out().tolist() == ["ch0_a", "ch1_a", "ch2_a"]
    assert generic.get_feature_names_out(["x", "y", "z"]).tolist() == ["x_a", "y_a", "z_a"]
    with pytest.raises(ValueError, match="do not match"):
        de.get_feature_names_out(["a", "b", "c"])
    with pytest.raises(ValueError, match="expected 3"):
        generic.get_feature_names_out(["x"])


def test_pandas_output():
    pd = pytest.importorskip("pandas")
    X = _white(n=2, ch=2, seconds=1)
    out = DEFeatureExtractor(sfreq=FS, ch_names=["C3", "C4"]).set_output(transform="pandas").fit_transform(X)
    assert isinstance(out, pd.DataFrame) and out.columns[0] == "C3_delta"


# ------------------------------------------------------------------ mne.Epochs
def _epochs(X, names, preload=True):
    info = mne.create_info(names, sfreq=FS, ch_types="eeg")
    epochs = mne.EpochsArray(X, info, verbose=False)
    return epochs


def test_epochs_input_matches_array():
    X = _white(n=5, ch=3, seconds=2) * 1e-6
    names = ["Fz", "Cz", "Pz"]
    epochs = _epochs(X, names)
    from_epochs = DEFeatureExtractor(chunk_size=2).fit(epochs)
    assert from_epochs.sfreq_ == FS and from_epochs.ch_names_ == names
    assert from_epochs.get_feature_names_out()[0] == "Fz_delta"
    np.testing.assert_allclose(
        from_epochs.transform(epochs), DEFeatureExtractor(sfreq=FS).fit_transform(epochs.get_data()), rtol=1e-12
    )
    # An array with the same layout goes through an Epochs-fitted extractor too.
    np.testing.assert_allclose(from_epochs.transform(X), from_epochs.transform(epochs), rtol=1e-12)


def test_lazy_epochs_from_raw():
    X = _white(n=1, ch=2, seconds=20)[0] * 1e-6
    raw = mne.io.RawArray(X, mne.create_info(["C3", "C4"], FS, "eeg"), verbose=False)
    events = mne.make_fixed_length_events(raw, duration=4.0)
    epochs = mne.Epochs(raw, events, tmin=0, tmax=4.0 - 1 / FS, baseline=None, preload=False, verbose=False)
    out = DEFeatureExtractor(chunk_size=2).fit_transform(epochs)
    expected = DEFeatureExtractor(sfreq=FS).fit_transform(epochs.get_data())
    np.testing.assert_allclose(out, expected, rtol=1e-12)


def test_epochs_errors():
    epochs = _epochs(_white(n=2, ch=2, seconds=1), ["C3", "C4"])
    with pytest.raises(ValueError, match="disagrees with the Epochs"):
        DEFeatureExtractor(sfreq=500).fit(epochs)
    with pytest.raises(ValueError, match="ch_names"):
        DEFeatureExtractor(ch_names=["A", "B"]).fit(epochs)
    de = DEFeatureExtractor().fit(epochs)
    other = mne.EpochsArray(_white(n=2, ch=2, seconds=1), mne.create_info(["C3", "C4"], 500, "eeg"), verbose=False)
    with pytest.raises(ValueError, match="500 Hz"):
        de.transform(other)
    with pytest.raises(ValueError, match="3 channels"):
        de.transform(_epochs(_white(n=2, ch=3, seconds=1), ["C3", "C4", "Cz"]))
    with pytest.raises(ValueError, match=r"differ from those seen in fit at 2 position\(s\) \(0: 'C4' \(fitted 'C3'\)"):
        de.transform(_epochs(_white(n=2, ch=2, seconds=1), ["C4", "C3"]))
    unnamed = DEFeatureExtractor(sfreq=250).fit(_white(n=2, ch=2, seconds=1))
    assert unnamed.transform(_epochs(_white(n=2, ch=2, seconds=1), ["C4", "C3"])).shape == (2, 10)
    bad = _white(n=3, ch=2, seconds=1)
    bad[1, 0, 5] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite.*\[1\]"):
        de.transform(_epochs(bad, ["C3", "C4"]))


# ------------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    "X, params, match",
    [
        (np.zeros((4, 500)), {}, r"expected \(n_epochs, n_channels, n_times\).*2-D"),
        (np.zeros(500), {}, "Reshape your data"),
        (np.zeros((1, 2, 3, 500)), {}, "4-D"),
        (np.zeros((2, 0, 500)), {}, "0 channels"),
        (np.zeros((0, 2, 500)), {}, "0 sample"),
        (np.ones((2, 2, 100)), {}, r"shorter than one window of 1 s \(250 samples"),
        (_white(2, 2, 1), {"sfreq": None}, "sfreq is required"),
        (_white(2, 2, 1), {"sfreq": 80}, "sampling rate 80 Hz is too low for band gamma"),
        (_white(2, 2, 1), {"bands": {"a": (13, 8)}}, "must be below"),
        (_white(2, 2, 1), {"method": "wavelet"}, "method must be"),
        (_white(2, 2, 1), {"taper": "hamming"}, "taper must be one of"),
        (_white(2, 2, 1), {"chunk_size": 0}, "chunk_size"),
        (_white(2, 2, 1), {"window": -1}, "window must be a positive"),
        (_white(2, 2, 1), {"ch_names": ["a"]}, "ch_names has 1 names"),
        (_white(2, 2, 1), {"ch_names": ["a", "a"]}, "duplicates"),
    ],
)
def test_bad_input_raises_value_error(X, params, match):
    de = DEFeatureExtractor(**{"sfreq": FS, **params})
    with pytest.raises(ValueError, match=match):
        de.fit(X)


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf_rejected(value):
    X = _white(2, 2, 1)
    X[0, 1, 3] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        DEFeatureExtractor(sfreq=FS).fit(X)
    de = DEFeatureExtractor(sfreq=FS).fit(_white(2, 2, 1))
    with pytest.raises(ValueError, match="NaN|infinity"):
        de.transform(X)


def test_transform_checks_consistency():
    de = DEFeatureExtractor(sfreq=FS).fit(_white(2, 3, 2))
    with pytest.raises(ValueError, match="X has 2 features, but DEFeatureExtractor is expecting 3"):
        de.transform(_white(2, 2, 2))
    with pytest.raises(ValueError, match="shorter than one window"):
        de.transform(_white(2, 3, 0.5))
    # Another epoch length is fine: features do not depend on it.
    assert de.transform(_white(2, 3, 5)).shape == (2, 15)


def test_sparse_and_strings_rejected():
    sp = pytest.importorskip("scipy.sparse")
    with pytest.raises(TypeError, match="sparse"):
        DEFeatureExtractor(sfreq=FS).fit(sp.csr_array(np.ones((3, 3))))
    with pytest.raises(ValueError):
        DEFeatureExtractor(sfreq=FS).fit(np.full((1, 1, 300), "a"))


# ------------------------------------------------------- scikit-learn contract
def test_clone_pickle_pipeline_gridsearch():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 20)
    X = rng.standard_normal((40, 4, 500))
    X[y == 1, 2] *= 1.5  # class 1 is louder on channel 2
    de = DEFeatureExtractor(sfreq=FS, bands="faced")
    assert clone(de).get_params() == de.get_params()
    fitted = de.fit(X)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.transform(X), fitted.transform(X))
    pipe = make_pipeline(DEFeatureExtractor(sfreq=FS), StandardScaler(), LogisticRegression())
    search = GridSearchCV(pipe, {"defeatureextractor__bands": ["paper", "faced"]}, cv=3)
    search.fit(X, y)
    assert search.best_score_ > 0.8
    assert search.predict(X).shape == (40,)


def test_tags():
    tags = get_tags(DEFeatureExtractor())
    assert tags.input_tags.three_d_array and not tags.input_tags.two_d_array
    assert not tags.input_tags.allow_nan and not tags.target_tags.required


_BASE = np.random.default_rng(0).standard_normal(64)


class _LiftedDE(DEFeatureExtractor):
    """Test-only adapter: scikit-learn's checks feed 2-D data; lift each row to epochs.

    Feature ``j`` of a row becomes channel ``j`` carrying a fixed 1-s noise trace
    scaled by the value, so every check exercises the real fit/transform and
    validation code. Input the lift cannot represent (sparse, non-2-D) is passed
    through untouched so the real estimator's errors are what the checks see.
    """

    def _lift(self, X):
        if hasattr(X, "tocsr"):
            return X
        X = np.asarray(X)
        if X.ndim != 2:
            return X
        try:
            return X[:, :, None] * _BASE
        except TypeError:  # strings: let the real validation reject them
            return np.repeat(X[:, :, None], _BASE.size, axis=2)

    def fit(self, X, y=None):
        return super().fit(self._lift(X), y)

    def transform(self, X):
        return super().transform(self._lift(X))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array, tags.input_tags.three_d_array = True, False
        return tags


def _expected_failures(estimator):
    return {
        "check_estimators_empty_data_messages": (
            "expects the 2-D message '0 feature(s) (shape=(n, 0))'; for 3-D input we raise "
            "'X has 0 channels (shape (n, 0, t))' instead"
        ),
    }


@parametrize_with_checks(
    [_LiftedDE(sfreq=64, bands=[("a", 4, 12), ("b", 12, 30)])], expected_failed_checks=_expected_failures
)
def test_sklearn_checks_through_2d_adapter(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FlatSignalWarning)  # checks feed exact zeros
        check(estimator)
