import numpy as np
import pytest

from skvalence.eeg.bands import (
    BAND_PRESETS,
    FACED_BANDS,
    PAPER_BANDS,
    SEEDV_BANDS,
    band_bins,
    check_bands,
    resolve_bands,
)


def test_presets_have_the_documented_edges():
    assert list(PAPER_BANDS) == ["delta", "theta", "alpha", "beta", "gamma"]
    assert PAPER_BANDS["delta"] == (0.5, 4.0) and PAPER_BANDS["alpha"] == (8.0, 13.0)
    assert FACED_BANDS["alpha"] == (8.0, 14.0) and FACED_BANDS["gamma"] == (30.0, 47.0)
    assert SEEDV_BANDS["beta"] == (14.0, 31.0) and SEEDV_BANDS["gamma"] == (31.0, 50.0)
    assert set(BAND_PRESETS) == {"paper", "faced", "seedv"}
    with pytest.raises(TypeError):
        PAPER_BANDS["delta"] = (0, 1)  # presets are read-only


@pytest.mark.parametrize(
    "spec, expected",
    [
        (None, dict(PAPER_BANDS)),
        ("SEEDV", dict(SEEDV_BANDS)),
        ({"mu": (8, 12), "beta": [13, 30]}, {"mu": (8.0, 12.0), "beta": (13.0, 30.0)}),
        ([("b", 13, 30), ("a", 8, 13)], {"b": (13.0, 30.0), "a": (8.0, 13.0)}),
    ],
)
def test_resolve_bands_forms(spec, expected):
    resolved = resolve_bands(spec)
    assert resolved == expected
    assert list(resolved) == list(expected)  # order is kept
    resolved["x"] = (1, 2)
    assert "x" not in resolve_bands(spec)  # a fresh dict each time


@pytest.mark.parametrize(
    "spec, error, match",
    [
        ("alpha-only", ValueError, "Unknown band preset"),
        ([], ValueError, "empty"),
        ([("a", 8, 13), ("a", 13, 30)], ValueError, "twice"),
        ({"a": (13, 8)}, ValueError, "must be below"),
        ({"a": (8, 8)}, ValueError, "must be below"),
        ({"a": (-1, 4)}, ValueError, "negative"),
        ({"a": (1, np.inf)}, ValueError, "finite"),
        ({"a": (1, "4")}, TypeError, "real number"),
        ({"a": (1, 2, 3)}, TypeError, "pair"),
        ([("a", 1)], TypeError, "triples"),
        ([(3, 1, 4)], TypeError, "names"),
        (42, TypeError, "bands must be"),
    ],
)
def test_resolve_bands_rejects(spec, error, match):
    with pytest.raises(error, match=match):
        resolve_bands(spec)


def test_check_bands_nyquist_message_is_exact():
    with pytest.raises(ValueError, match=r"sampling rate 90 Hz is too low for band gamma \(30-47 Hz\): Nyquist is 45 Hz"):
        check_bands(None, sfreq=90)
    # hi must be strictly below Nyquist: 47 Hz at 94 Hz sampling is refused, at 95 Hz accepted.
    with pytest.raises(ValueError, match="Nyquist is 47 Hz"):
        check_bands(None, sfreq=94)
    assert check_bands(None, sfreq=95)["gamma"] == (30.0, 47.0)


def test_check_bands_resolution():
    with pytest.raises(ValueError, match=r"band theta \(4-8 Hz\) holds no FFT bin at the frequency resolution 8 Hz"):
        check_bands([("theta", 4, 8)], sfreq=128, window=0.125)
    # A band containing only the DC bin is empty: DC is excluded (window mean removed).
    with pytest.raises(ValueError, match="holds no FFT bin"):
        check_bands({"slow": (0, 1)}, sfreq=100, window=1.0)
    assert check_bands({"slow": (0, 2)}, sfreq=100, window=1.0) == {"slow": (0.0, 2.0)}
    with pytest.raises(ValueError, match="holds no FFT bin"):
        check_bands({"n": (9.2, 9.8)}, sfreq=250, window=1.0)


@pytest.mark.parametrize("sfreq, window", [(0, 1), (-250, 1), (250, 0), (250, np.nan), (250, 0.004)])
def test_check_bands_bad_sampling(sfreq, window):
    with pytest.raises(ValueError, match="positive|at least 2"):
        check_bands(None, sfreq=sfreq, window=window)


def test_band_bins_half_open_and_no_dc():
    mask = band_bins(resolve_bands(None), sfreq=250, n_window=250)
    assert mask.shape == (126, 5)
    freqs = np.arange(126)
    np.testing.assert_array_equal(freqs[mask[:, 0]], [1, 2, 3])  # delta 0.5-4: no DC, not 4
    np.testing.assert_array_equal(freqs[mask[:, 2]], [8, 9, 10, 11, 12])  # alpha 8-13
    assert mask.sum(axis=1).max() == 1  # adjacent bands never share a bin
    # 2-s windows: 0.5 Hz bins; 4.0 Hz goes to theta, 3.5 Hz to delta.
    mask2 = band_bins(resolve_bands(None), sfreq=250, n_window=500)
    assert mask2[7, 0] and mask2[8, 1] and not mask2[8, 0]
