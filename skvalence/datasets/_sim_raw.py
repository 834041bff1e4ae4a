"""The raw kind: continuous 250-Hz signals whose band powers follow the model window by window.

See step 8 of the model in :mod:`skvalence.datasets.simulated`.
"""

from __future__ import annotations

import numpy as np
import scipy.fft

from . import _sim_spectrum as spec
from ._bunch import FACED_CLIP_SECONDS, FACED_N_CLIPS, FACED_SFREQ, PAPER_BANDS

_N_BANDS = len(PAPER_BANDS)
_CLIP_SAMPLES = FACED_CLIP_SECONDS * FACED_SFREQ
_CLIP_FREQS = np.fft.rfftfreq(_CLIP_SAMPLES, d=1.0 / FACED_SFREQ)
#: Width (Hz) of the raised-cosine crossfade between neighbouring band gains
#: in the raw kind (see the module docstring).
_CROSSFADE_HZ = 1.0


def _band_cell_edges():
    """Edges of each band's 1-Hz cells: bin ``k`` stands for ``[k - 0.5, k + 0.5)`` Hz."""
    bins = [np.flatnonzero(spec.band_of_bin() == b) for b in range(_N_BANDS)]
    return np.array([bins[0][0] - 0.5] + [b[-1] + 0.5 for b in bins])


def _smooth_step(f, edge, width):
    """0 below ``edge - width/2``, 1 above ``edge + width/2``, raised cosine between."""
    u = np.clip((f - edge) / width + 0.5, 0.0, 1.0)
    return 0.5 - 0.5 * np.cos(np.pi * u)


def _band_weights(freqs, width=_CROSSFADE_HZ):
    """Power weights ``W_b(f)`` of the bands and of the unmodulated range above them.

    Rows ``0..4``: the bands, row 5: above gamma. They sum to 1 above 1 Hz and
    ramp down to 0 at DC (half at 0.5 Hz, the lowest delta cell edge), like a
    high-pass filter.
    """
    steps = np.stack([_smooth_step(freqs, e, width) for e in _band_cell_edges()])
    return np.concatenate([steps[:-1] - steps[1:], steps[-1:]])


def _fine_spectrum(model):
    """The background spectra ``S_j(f)`` on the clip's rFFT grid (``1/30`` Hz)."""
    f = np.maximum(_CLIP_FREQS, 1.0)
    peak = np.exp(-((f - spec.ALPHA_FREQ) ** 2) / (2 * spec.ALPHA_WIDTH**2))
    return model.spectral_scale[:, None] * (
        f[None, :] ** -model.spectral_exponent[:, None] + model.alpha_height[:, None] * peak[None, :]
    )


def _modulate(component, gain):
    """Multiply ``component`` by a smooth envelope through ``gain`` at the window centres.

    ``gain[..., t]`` is the amplitude at the centre ``t + 0.5`` s of 1-s window
    ``t``. Between the centres of windows ``t`` and ``t + 1`` the envelope is
    ``(1 - w) g_t + w g_{t+1}`` with ``w = (1 - cos(pi u)) / 2`` and ``u`` the
    fraction of the way: continuous, with a continuous slope (zero at every
    centre), and constant before the first and after the last centre.
    """
    half, n_gaps = FACED_SFREQ // 2, gain.shape[-1] - 1  # centres at samples half + 250 t
    w = (0.5 - 0.5 * np.cos(np.pi * np.arange(FACED_SFREQ) / FACED_SFREQ)).astype(np.float32)
    stop = half + n_gaps * FACED_SFREQ
    middle = component[..., half:stop].reshape(component.shape[:-1] + (n_gaps, FACED_SFREQ))
    middle *= gain[..., :-1, None] * (1 - w) + gain[..., 1:, None] * w
    component[..., half:stop] = middle.reshape(component.shape[:-1] + (-1,))  # in case reshape copied
    component[..., :half] *= gain[..., :1]
    component[..., stop:] *= gain[..., -1:]
    return component


def _band_component(rng, amplitude, lo, hi):
    """Random-phase Gaussian noise with the given Fourier amplitudes on bins ``lo:hi``."""
    angle = (2 * np.pi) * rng.random(amplitude.shape[:-1] + (hi - lo,), dtype=np.float32)
    spectrum = np.zeros(amplitude.shape[:-1] + (len(_CLIP_FREQS),), np.complex64)
    spectrum.real[..., lo:hi] = amplitude * np.cos(angle)
    spectrum.imag[..., lo:hi] = amplitude * np.sin(angle)
    return scipy.fft.irfft(spectrum, n=_CLIP_SAMPLES, axis=-1, overwrite_x=True)


def raw_rows(entropy, subject, model, log_power, window_seconds, n_windows):
    """Synthesise continuous 30-s clips band by band and cut them into samples."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(2, subject)))
    weights = _band_weights(_CLIP_FREQS)
    # |X_m|^2 = P(f_m) fs N / 2 gives a signal of variance sum_m P(f_m) df.
    base = _fine_spectrum(model) * (FACED_SFREQ * _CLIP_SAMPLES / 2)
    # Amplitude gain of each window and band over the baseline, (bands, clips, channels, seconds).
    gain = np.exp(0.5 * (log_power - model.baseline_log_power)).astype(np.float32).transpose(3, 0, 2, 1)
    n_ch = log_power.shape[2]
    signal = np.zeros((FACED_N_CLIPS, n_ch, _CLIP_SAMPLES), np.float32)
    for b in range(_N_BANDS + 1):
        support = np.flatnonzero(weights[b] > 0)  # contiguous: the component's bins
        lo, hi = support[0], support[-1] + 1
        amplitude = np.sqrt(base[:, lo:hi] * weights[b, lo:hi]).astype(np.float32)
        component = _band_component(rng, np.broadcast_to(amplitude, (FACED_N_CLIPS,) + amplitude.shape), lo, hi)
        if b < _N_BANDS:  # the range above gamma is not modulated
            _modulate(component, gain[b])
        signal += component
    n_times = window_seconds * FACED_SFREQ
    signal = signal[:, :, : n_windows * n_times].reshape(FACED_N_CLIPS, n_ch, n_windows, n_times)
    return signal.transpose(0, 2, 1, 3).reshape(FACED_N_CLIPS * n_windows, n_ch, n_times)

