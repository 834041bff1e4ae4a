"""Background spectra of the simulator: 1/f with a posterior alpha peak, on the 1-Hz grid of a 1-s window."""

from __future__ import annotations

import numpy as np

from ..eeg.bands import band_bins
from ._bunch import FACED_SFREQ, PAPER_BANDS

ALPHA_HEIGHT = 0.05
ALPHA_FREQ, ALPHA_WIDTH = 10.0, 1.5
#: Radius (m) of the posterior weight that shapes the alpha peak.
POSTERIOR_RADIUS = 0.07
WINDOW_SAMPLES = FACED_SFREQ  # 1-s windows
FREQS = np.fft.rfftfreq(WINDOW_SAMPLES, d=1.0 / FACED_SFREQ)


def band_of_bin(bands=PAPER_BANDS):
    """Band index of each rFFT bin of a 1-s window, ``len(bands)`` for bins outside every band."""
    mask = band_bins(bands, FACED_SFREQ, WINDOW_SAMPLES)
    return np.where(mask.any(axis=1), mask.argmax(axis=1), len(bands))


def posterior_weight(positions, ch_names):
    """``exp(-|r_j - r_Oz|^2 / 2 (7 cm)^2)``: where the background alpha peak is strongest."""
    names = [str(n).upper() for n in ch_names]
    dist2 = np.sum((positions - positions[names.index("OZ")]) ** 2, axis=1)
    return np.exp(-dist2 / (2 * POSTERIOR_RADIUS**2))


def spectrum(rng, posterior):
    """Background spectra S_j(f) on the rFFT grid (DC and Nyquist set to 0) and their parameters."""
    n_ch = len(posterior)
    scale = 100.0 * np.exp(0.2 * rng.standard_normal(n_ch))
    exponent = rng.uniform(1.0, 2.0, size=n_ch)
    height = ALPHA_HEIGHT * posterior
    f = np.maximum(FREQS, 1.0)  # DC is zeroed below; avoid 0 ** -beta
    peak = np.exp(-((f - ALPHA_FREQ) ** 2) / (2 * ALPHA_WIDTH**2))
    spec = scale[:, None] * (f[None, :] ** -exponent[:, None] + height[:, None] * peak[None, :])
    spec[:, 0] = 0.0
    spec[:, -1] = 0.0  # Nyquist: a real-only bin would not keep its power
    return spec, scale, exponent, height


def baseline_log_power(spec, bins, n_bands):
    """``L_jb = log sum_{k in b} S_j(f_k) df``."""
    df = FREQS[1] - FREQS[0]
    power = np.stack([spec[:, bins == b].sum(axis=1) * df for b in range(n_bands)], axis=1)
    return np.log(power)


def tilt_loading(bands):
    """Unit-RMS loading of an aperiodic-exponent change on each band's log power.

    Steepening the 1/f exponent by ``d`` changes log power at ``f`` by
    ``-d log f``; relative to the mean over bands, band ``b`` (geometric
    centre ``f_b``) moves by ``-(log f_b - mean log f)``.
    """
    centre = np.log([np.sqrt(lo * hi) for lo, hi in bands.values()])
    loading = -(centre - centre.mean())
    return loading / np.sqrt(np.mean(loading**2))
