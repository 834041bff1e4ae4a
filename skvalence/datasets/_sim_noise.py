"""The simulator's time-varying nuisance on log band power, per 1-s window.

One call draws, for one subject and one recording session of ``n`` seconds,
the window noise (spatially correlated, AR(1)), the shared broadband and
aperiodic-tilt fluctuations (AR(1)), the slow drift and the artefacts. The
equations are in :mod:`skvalence.datasets.simulated`.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

#: Log-power increase of a blink in a 1-s window at the eyes, per band (delta..gamma).
BLINK_PROFILE = np.array([2.0, 1.0, 0.2, 0.0, 0.0])
#: Log-power increase of a muscle burst at a temporal electrode, per band.
MUSCLE_PROFILE = np.array([0.0, 0.0, 0.3, 1.0, 1.5])
#: Number of cosine terms of the drift's time course.
DRIFT_TERMS = 3


def ar1(rng, shape, coef):
    """Stationary AR(1) series of unit variance along axis 0: ``e_t = phi e_{t-1} + sqrt(1 - phi^2) w_t``."""
    w = rng.standard_normal(shape)
    if coef == 0.0 or shape[0] < 2:
        return w
    w[0] /= np.sqrt(1.0 - coef**2)  # so that e_0 = w_0 has the stationary variance
    return lfilter([np.sqrt(1.0 - coef**2)], [1.0, -coef], w, axis=0)


def _drift_course(rng, n):
    """A slow zero-mean time course of unit RMS over ``n`` seconds (a few half-cosines)."""
    t = (np.arange(n) + 0.5) / n
    course = sum(rng.standard_normal() * np.cos(np.pi * k * t) / k for k in range(1, DRIFT_TERMS + 1))
    course = course - course.mean()
    rms = np.sqrt(np.mean(course**2))
    return course / rms if rms > 0 else course


def nuisance(rng, n, spatial, params, tilt_loading, blink_weight, muscle_weights):
    """Noise, drift and artefact components of one session, each ``(n, n_ch * n_bands)``.

    Returns a dict with ``noise`` (window noise + broadband + tilt),
    ``drift`` and ``artefact``.
    """
    n_ch, n_bands = spatial.n_ch, spatial.n_bands
    phi = params["ar_coef"]
    # The spatial field is AR(1) in time: filter each feature's innovations.
    field = spatial.correlated_noise(rng, n, params["volume_conduction"]).reshape(n, -1)
    if phi > 0 and n > 1:
        field[0] /= np.sqrt(1.0 - phi**2)
        field = lfilter([np.sqrt(1.0 - phi**2)], [1.0, -phi], field, axis=0)
    shared = ar1(rng, (n, 2), phi)
    noise = params["noise"] * field
    noise += params["broadband_scale"] * shared[:, :1]  # every channel and band
    noise += params["tilt_scale"] * shared[:, 1:] * np.tile(tilt_loading, n_ch)[None, :]

    drift_pattern = spatial.smooth(rng).ravel()
    drift = params["drift_scale"] * _drift_course(rng, n)[:, None] * drift_pattern[None, :]

    artefact = np.zeros((n, n_ch, n_bands))
    blinks = rng.random(n) < params["blink_rate"]
    bursts = rng.random((n, len(muscle_weights))) < params["muscle_rate"]
    scale = params["artefact_scale"]
    artefact += scale * blinks[:, None, None] * np.outer(blink_weight, BLINK_PROFILE[:n_bands])[None]
    for side, weight in enumerate(muscle_weights):
        artefact += scale * bursts[:, side, None, None] * np.outer(weight, MUSCLE_PROFILE[:n_bands])[None]
    return {"noise": noise, "drift": drift, "artefact": artefact.reshape(n, -1)}
