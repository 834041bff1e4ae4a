"""Spatial pieces of the simulator: the smooth scalp prior, volume conduction, mixing, artefact footprints.

Everything is built from the template 10-20 positions of
:func:`skvalence.eeg.montage.channel_positions` (metres, head radius ~9.5 cm),
so the same code serves FACED's 32 channels and SEED-V's 62.
"""

from __future__ import annotations

import numpy as np

from ..eeg.montage import channel_positions, channel_region

#: Length scale (m) of the smooth spatial prior of topographies and clip patterns.
TOPO_LENGTH = 0.05
#: Correlation of a prior draw between neighbouring bands (rho^|b - b'|).
BAND_CORRELATION = 0.5
#: Length scale (m) of the volume-conduction kernel of the window noise.
CONDUCTION_LENGTH = 0.04
#: Correlation of the window noise between neighbouring bands.
NOISE_BAND_CORRELATION = 0.3
#: Width (m) of each subject's leadfield-like mixing kernel.
MIXING_WIDTH = 0.02
#: Width (m) of the blink and muscle footprints.
ARTEFACT_WIDTH = 0.03
#: Weight of the mastoid references A1/A2 in every pattern (they carry little signal).
MASTOID_WEIGHT = 0.1
_JITTER = 1e-6


def _distances2(positions, others=None):
    others = positions if others is None else others
    return np.sum((positions[:, None, :] - others[None, :, :]) ** 2, axis=-1)


def gaussian_kernel(positions, length):
    """``exp(-|r_i - r_j|^2 / 2 length^2)`` between all channel pairs."""
    return np.exp(-_distances2(positions) / (2 * length**2))


def band_correlation(n_bands, rho):
    """``rho^|b - b'|``: neighbouring bands correlate, distant ones less."""
    idx = np.arange(n_bands)
    return rho ** np.abs(idx[:, None] - idx[None, :])


def cholesky(matrix):
    """Lower Cholesky factor with a small ridge (kernels are near-singular)."""
    return np.linalg.cholesky(matrix + _JITTER * np.eye(len(matrix)))


class SpatialModel:
    """The channel layout's positions and the Cholesky factors the draws use."""

    def __init__(self, ch_names, n_bands):
        self.ch_names = tuple(ch_names)
        self.n_ch, self.n_bands = len(ch_names), n_bands
        self.positions = channel_positions(ch_names)
        self.mastoid = np.array([MASTOID_WEIGHT if channel_region(n) == "mastoid" else 1.0 for n in ch_names])
        self.prior_ch = cholesky(gaussian_kernel(self.positions, TOPO_LENGTH))
        self.prior_band = cholesky(band_correlation(n_bands, BAND_CORRELATION))
        self.conduction = cholesky(gaussian_kernel(self.positions, CONDUCTION_LENGTH))
        self.noise_band = cholesky(band_correlation(n_bands, NOISE_BAND_CORRELATION))

    def smooth(self, rng, n=None):
        """Draws from the smooth prior, unit RMS each, mastoids damped: ``(n, n_ch, n_bands)``.

        Each draw is ``L_ch Z L_band^T`` with ``Z`` standard normal: a Gaussian
        process over the scalp (squared-exponential kernel, length
        :data:`TOPO_LENGTH`) whose bands correlate as ``0.5^|b - b'|``; it has
        no preferred region.
        """
        z = rng.standard_normal((1 if n is None else n, self.n_ch, self.n_bands))
        draws = np.einsum("ij,njb,cb->nic", self.prior_ch, z, self.prior_band) * self.mastoid[None, :, None]
        draws /= np.sqrt(np.mean(draws**2, axis=(1, 2), keepdims=True))
        return draws[0] if n is None else draws

    def correlated_noise(self, rng, n_times, volume_conduction):
        """Unit-variance noise per window, ``(n_times, n_ch, n_bands)``.

        A share ``volume_conduction`` of the variance is spatially correlated
        (kernel of length :data:`CONDUCTION_LENGTH`), the rest independent per
        channel; neighbouring bands correlate as ``0.3^|b - b'|``.
        """
        # matmul (BLAS), not einsum: this is the simulator's inner loop.
        shared = self.conduction @ rng.standard_normal((n_times, self.n_ch, self.n_bands))
        local = rng.standard_normal((n_times, self.n_ch, self.n_bands))
        field = np.sqrt(volume_conduction) * shared + np.sqrt(1.0 - volume_conduction) * local
        return field @ self.noise_band.T

    def mixing(self, rng, jitter):
        """One subject's mixing matrix ``G_s`` (n_ch, n_ch), rows summing to 1.

        ``G_s[j, i] ~ exp(-|r_j + d_j - r_i|^2 / 2 w^2)`` with electrode
        displacements ``d_j ~ N(0, jitter^2 I_3)`` and ``w`` =
        :data:`MIXING_WIDTH`: a smooth, leadfield-like spread whose shape
        differs per subject, so no per-channel scaling undoes it.
        """
        moved = self.positions + jitter * rng.standard_normal(self.positions.shape)
        kernel = np.exp(-_distances2(moved, self.positions) / (2 * MIXING_WIDTH**2))
        return kernel / kernel.sum(axis=1, keepdims=True)

    def footprint(self, names):
        """Gaussian weight (max 1) around the mean position of ``names`` (e.g. the eyes above Fp1/Fp2)."""
        upper = [n.upper() for n in self.ch_names]
        centre = self.positions[[upper.index(n.upper()) for n in names]].mean(axis=0)
        weight = np.exp(-np.sum((self.positions - centre) ** 2, axis=1) / (2 * ARTEFACT_WIDTH**2))
        return weight / weight.max()
