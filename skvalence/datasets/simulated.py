r"""Simulated FACED-like and SEED-V-like cohorts with a known generative model.

The simulator is the test bed of skvalence: it has FACED's shape (subjects x
28 clips x 32 channels, 9 classes, 250 Hz) and a ground truth (each clip's
latent valence and arousal, the scalp topographies through which they act,
each clip's private pattern, each subject's offsets), so every analysis can
be checked against what was put in. It is *not* evidence about the brain,
and none of its defaults were tuned to make any claim of the paper come out.

.. rubric:: Generative model

All quantities live on the 1-Hz frequency grid :math:`f_k = k` Hz of a 1-s
window at 250 Hz (:math:`k = 1, \dots, 125`), indexed by subject :math:`s`,
clip :math:`c`, 1-s window :math:`t` (30 per clip), channel :math:`j` and DE
band :math:`b` (the paper's bands: delta 0.5-4, theta 4-8, alpha 8-13,
beta 13-30, gamma 30-47 Hz; bin :math:`k` belongs to band :math:`b` when
:math:`lo_b \le f_k < hi_b`).

1. Background spectrum of channel :math:`j` (1/f with a posterior alpha peak):

   .. math:: S_j(f) = A_j \left(f^{-\beta_j} + h\,p_j\,
             e^{-(f - 10)^2 / (2 \cdot 1.5^2)}\right),

   :math:`A_j = 100\,e^{0.2 u_j}` µV²/Hz, :math:`u_j \sim N(0, 1)`,
   :math:`\beta_j \sim U(1, 2)`, alpha height :math:`h = 0.05` and
   :math:`p_j` the posterior weight below. Baseline log band power:
   :math:`L_{jb} = \log \sum_{k \in b} S_j(f_k)\,\Delta f` with
   :math:`\Delta f = 1` Hz.

2. Topographies, from the template 10-20 positions :math:`r_j`
   (:func:`skvalence.eeg.montage.channel_positions`):
   posterior weight :math:`p_j = \exp(-\lVert r_j - r_{Oz}\rVert^2 / 2\rho^2)`,
   fronto-central weight :math:`q_j = \exp(-\lVert r_j - (r_{Fz} + r_{Cz})/2\rVert^2 / 2\rho^2)`,
   :math:`\rho = 7` cm, and :math:`m_j = 0.1` for the mastoids A1/A2
   (references, little signal), 1 elsewhere. Valence topography
   :math:`V_{jb} = m_j\,p_j\,\sigma^V_b` with band signs
   :math:`\sigma^V = (-0.3, -0.2, 0, 0.6, 1)` (more beta/gamma power for
   positive valence); arousal topography :math:`A_{jb} = m_j\,q_j\,\sigma^A_b`
   with :math:`\sigma^A = (0.2, 0.5, -1, 0.4, 0.2)` (alpha power falls with
   arousal).

3. Stimuli: class :math:`k` has a latent valence and arousal
   :math:`(\bar v_k, \bar a_k)` (:data:`CLASS_LATENTS`); clip :math:`c` of
   class :math:`k(c)` has :math:`v_c = \bar v_{k(c)} + \tau\,\xi_c`,
   :math:`a_c = \bar a_{k(c)} + \tau\,\xi'_c` (``clip_scale`` :math:`\tau`),
   and a private within-class residual from a rank-:math:`R` basis
   :math:`U \in \mathbb{R}^{R \times 160}` (orthogonal rows, unit RMS entries):
   :math:`\varrho_c = \gamma\,(z_c^\top U / \sqrt{R}) \odot m`,
   :math:`z_c \sim N(0, I_R)` (``residual_scale`` :math:`\gamma`). Its effect
   on log band power is

   .. math:: E_{c,jb} = \lambda\,(v_c V_{jb} + a_c A_{jb}) + \varrho_{c,jb}

   with ``effect_scale`` :math:`\lambda`.

4. Subjects: offsets :math:`o_{s,jb} \sim N(0, \omega^2)` (``subject_scale``)
   and a gain :math:`g_s = e^{\kappa \zeta_s}`, :math:`\zeta_s \sim N(0, 1)`
   (``gain_scale`` :math:`\kappa`) on the stimulus effects.

5. Log band power of each 1-s window, with noise
   :math:`\epsilon \sim N(0, \eta^2)` (``noise`` :math:`\eta`):

   .. math:: \ell_{sctjb} = L_{jb} + o_{s,jb} + g_s E_{c,jb} + \epsilon_{sctjb}.

6. ``kind="de"``: differential entropy by the Gaussian identity
   :math:`DE = \tfrac12 \log(2\pi e\,\sigma^2)` with the band variance
   :math:`\sigma^2 = e^{\ell}`, averaged over the 1-s windows of a sample.

7. ``kind="raw"``: each 30-s clip of each channel is one continuous signal,
   synthesised band by band on the clip's frequency grid
   :math:`\varphi_m = m / 30` Hz (:math:`N = 7500` samples) and cut into
   samples afterwards:

   .. math:: x_{scj}(t) = \sum_{b=0}^{4} e_{scjb}(t)\,x_{scjb}(t) + x_{scj5}(t).

   Each :math:`x_{scjb}` is stationary Gaussian noise with spectrum
   :math:`S_j(\varphi)\,W_b(\varphi)` (:math:`S_j` of step 1 on the fine grid,
   flat below 1 Hz): Fourier amplitudes
   :math:`\sqrt{S_j(\varphi_m) W_b(\varphi_m) f_s N / 2}` with uniform random
   phases, independent across components, and an inverse real FFT. The
   power weights :math:`W_b` split the spectrum between the bands along the
   cells of their 1-Hz bins (bin :math:`k` stands for
   :math:`[k - \tfrac12, k + \tfrac12)` Hz, so delta owns 0.5-3.5 Hz, theta
   3.5-7.5, alpha 7.5-12.5, beta 12.5-29.5, gamma 29.5-46.5) with a
   raised-cosine crossfade of width :math:`w = 1` Hz at every edge
   :math:`e`, :math:`\sigma_e(\varphi) = \tfrac12 - \tfrac12\cos(\pi\,
   \mathrm{clip}((\varphi - e)/w + \tfrac12, 0, 1))`:
   :math:`W_b = \sigma_{lo_b} - \sigma_{hi_b}` for the bands and
   :math:`W_5 = \sigma_{46.5}` for the unmodulated range above gamma. The
   weights sum to 1 above 1 Hz, so the stationary signal has the continuous
   spectrum :math:`S_j`; below that they ramp down to 0 at DC (half at
   0.5 Hz, like a high-pass filter's edge), and a band's gain reaches its
   neighbour's smoothly instead of in a step. The envelope :math:`e_{scjb}`
   passes through the amplitude gains :math:`g_t = e^{(\ell_{sctjb} - L_{jb})/2}` at
   the window centres :math:`t + \tfrac12` s and is interpolated between
   them with a raised cosine, :math:`(1 - u')\,g_t + u'\,g_{t+1}`,
   :math:`u' = \tfrac12 - \tfrac12\cos(\pi u)`, :math:`u \in [0, 1)` the
   fraction of the way from one centre to the next (constant before the
   first and after the last centre): positive, continuous, with a
   continuous slope.

   So the raw kind is continuous across windows, like EEG, and the
   expected power of band :math:`b` in window :math:`t` is close to
   :math:`e^{\ell_{sctjb}}`, the DE kind's. It is a realisation, not the
   expectation: the band power of Gaussian noise in a 1-s window scatters
   around its expectation (roughly a :math:`\chi^2` with twice the band's
   1-Hz bins as degrees of freedom, large for narrow delta and theta), about
   a fifth of a window's envelope comes from its neighbours' gains, the
   envelope widens every band by about 1 Hz, and the fine-grid band powers
   differ slightly from the 1-Hz sums :math:`L_{jb}` (delta, whose lowest
   cell lies on the high-pass ramp, reads lower). DE computed from the raw
   kind therefore tracks the DE kind closely (same ``random_state`` -> same latent draws) but not
   exactly; ``tests/datasets/test_simulated.py`` states by how much.

.. rubric:: The SEED-V-like cohort

:func:`make_seedv_like` runs steps 1-6 unchanged on SEED-V's layout: the 62
SEED channels (CB1/CB2 at PO9/PO10, no mastoid damping), the SEED-V bands
(delta 1-4, theta 4-8, alpha 8-14, beta 14-31, gamma 31-50 Hz, on the same
1-Hz grid), five classes whose latents are :data:`CLASS_LATENTS`' disgust,
fear, sadness, neutral and joy, and 45 stimuli :math:`c` (one film clip per
trial, labelled in the release's order) whose lengths are the release's
(:data:`SEEDV_TRIAL_SECONDS`); each 4-s DE window averages the DE of four
1-s windows of step 5. DE kind only; sessions carry no effect of their own.
Neither cohort's defaults are calibrated to published accuracies yet.
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.fft
from sklearn.utils import Bunch, check_random_state
from tqdm.auto import tqdm

from ..eeg.bands import SEEDV_BANDS, band_bins
from ..eeg.montage import FACED_CHANNELS, SEEDV_CHANNELS, channel_positions, channel_region
from ..emotions import FACED_CLASSES, FACED_CLIP_CLASS, SEEDV_CLASSES, SEEDV_TRIAL_CLASS
from ..utils._logging import progress_disabled
from ._bunch import (
    FACED_CLIP_SECONDS,
    FACED_N_CLIPS,
    FACED_SFREQ,
    PAPER_BANDS,
    check_kind,
    check_window_seconds,
    faced_bunch,
)

from .seedv import seedv_bunch

__all__ = ["make_faced_like", "make_seedv_like", "CLASS_LATENTS", "SEEDV_LATENT_CLASS", "SEEDV_TRIAL_SECONDS"]

#: Latent (valence, arousal) of each FACED class, placed by hand on Russell's
#: circumplex (valence -1..1 unpleasant..pleasant, arousal -1..1 calm..excited).
#: These are modelling assumptions, not estimates and not tuned to any result.
CLASS_LATENTS = {
    "anger": (-0.8, 0.8),
    "disgust": (-0.7, 0.5),
    "fear": (-0.7, 0.9),
    "sadness": (-0.7, -0.4),
    "neutral": (0.0, -0.3),
    "amusement": (0.7, 0.6),
    "inspiration": (0.6, 0.4),
    "joy": (0.9, 0.7),
    "tenderness": (0.6, -0.2),
}

_VALENCE_BAND_SIGNS = np.array([-0.3, -0.2, 0.0, 0.6, 1.0])
_AROUSAL_BAND_SIGNS = np.array([0.2, 0.5, -1.0, 0.4, 0.2])
_ALPHA_HEIGHT = 0.05
_ALPHA_FREQ, _ALPHA_WIDTH = 10.0, 1.5
_TOPO_RADIUS = 0.07  # metres, on the template head (radius ~10 cm)
_MASTOID_WEIGHT = 0.1
_WINDOW_SAMPLES = FACED_SFREQ  # 1-s windows
_FREQS = np.fft.rfftfreq(_WINDOW_SAMPLES, d=1.0 / FACED_SFREQ)
_N_CH, _N_BANDS = len(FACED_CHANNELS), len(PAPER_BANDS)
_N_FEATURES = _N_CH * _N_BANDS
_HALF_LOG_2PIE = 0.5 * np.log(2 * np.pi * np.e)


def _band_of_bin(bands=PAPER_BANDS):
    """Band index of each rFFT bin, ``len(bands)`` for bins outside every band."""
    mask = band_bins(bands, FACED_SFREQ, _WINDOW_SAMPLES)
    return np.where(mask.any(axis=1), mask.argmax(axis=1), len(bands))


def _gaussian_weight(positions, centre):
    dist2 = np.sum((positions - centre) ** 2, axis=1)
    return np.exp(-dist2 / (2 * _TOPO_RADIUS**2))


def _topographies(ch_names=FACED_CHANNELS):
    """Posterior and fronto-central channel weights, and the mastoid damping."""
    names = [str(n).upper() for n in ch_names]
    pos = channel_positions(ch_names)
    posterior = _gaussian_weight(pos, pos[names.index("OZ")])
    frontal = _gaussian_weight(pos, (pos[names.index("FZ")] + pos[names.index("CZ")]) / 2)
    mastoid = np.array([_MASTOID_WEIGHT if channel_region(n) == "mastoid" else 1.0 for n in ch_names])
    return posterior, frontal, mastoid


def _spectrum(rng, posterior):
    """Background spectra S_j(f) on the rFFT grid (DC set to 0) and their parameters."""
    n_ch = len(posterior)
    scale = 100.0 * np.exp(0.2 * rng.standard_normal(n_ch))
    exponent = rng.uniform(1.0, 2.0, size=n_ch)
    height = _ALPHA_HEIGHT * posterior
    f = np.maximum(_FREQS, 1.0)  # DC is zeroed below; avoid 0 ** -beta
    peak = np.exp(-((f - _ALPHA_FREQ) ** 2) / (2 * _ALPHA_WIDTH**2))
    spectrum = scale[:, None] * (f[None, :] ** -exponent[:, None] + height[:, None] * peak[None, :])
    spectrum[:, 0] = 0.0
    spectrum[:, -1] = 0.0  # Nyquist: a real-only bin would not keep its power
    return spectrum, scale, exponent, height


def _baseline_log_power(spectrum, band_of_bin, n_bands=_N_BANDS):
    df = _FREQS[1] - _FREQS[0]
    power = np.stack([spectrum[:, band_of_bin == b].sum(axis=1) * df for b in range(n_bands)], axis=1)
    return np.log(power)


#: The FACED layout of the generative model: channels, bands, the
#: :data:`CLASS_LATENTS` entry of each class and the class of each clip.
_FACED_COHORT = Bunch(
    ch_names=FACED_CHANNELS, bands=PAPER_BANDS, latent_names=FACED_CLASSES, clip_class=FACED_CLIP_CLASS
)


def _build_model(entropy, *, effect_scale, residual_scale, residual_rank, clip_scale, cohort=_FACED_COHORT):
    """Draw everything shared by all subjects (spectra, topographies, stimuli).

    ``cohort`` fixes the layout (channels, bands, classes, clips); the draws
    are the same for any layout, in the same order, so FACED's are unchanged.
    """
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(0,)))
    n_bands, n_clips = len(cohort.bands), len(cohort.clip_class)
    n_features = len(cohort.ch_names) * n_bands
    posterior, frontal, mastoid = _topographies(cohort.ch_names)
    band_of_bin = _band_of_bin(cohort.bands)
    spectrum, scale, exponent, height = _spectrum(rng, posterior)

    valence_topo = (mastoid * posterior)[:, None] * _VALENCE_BAND_SIGNS[None, :]
    arousal_topo = (mastoid * frontal)[:, None] * _AROUSAL_BAND_SIGNS[None, :]
    class_latent = np.array([CLASS_LATENTS[name] for name in cohort.latent_names])
    clip_latent = class_latent[cohort.clip_class] + clip_scale * rng.standard_normal((n_clips, 2))

    # Orthonormal rows rescaled to unit RMS entries, so residual_scale is the
    # per-feature standard deviation of a clip's private pattern.
    basis = np.linalg.qr(rng.standard_normal((n_features, residual_rank)))[0].T * np.sqrt(n_features)
    feature_mastoid = np.repeat(mastoid, n_bands)
    weights = rng.standard_normal((n_clips, residual_rank)) / np.sqrt(residual_rank)
    residual = residual_scale * (weights @ basis) * feature_mastoid

    effects = effect_scale * (
        clip_latent[:, :1] * valence_topo.ravel() + clip_latent[:, 1:] * arousal_topo.ravel()
    ) + residual
    return Bunch(
        stimulus_valence=clip_latent[:, 0],
        stimulus_arousal=clip_latent[:, 1],
        class_valence=class_latent[:, 0],
        class_arousal=class_latent[:, 1],
        valence_topography=valence_topo,
        arousal_topography=arousal_topo,
        valence_band_signs=_VALENCE_BAND_SIGNS.copy(),
        arousal_band_signs=_AROUSAL_BAND_SIGNS.copy(),
        residual_basis=basis,
        residual_patterns=residual,
        stimulus_effects=effects,
        spectrum_freqs=_FREQS.copy(),
        spectrum=spectrum,
        spectral_scale=scale,
        spectral_exponent=exponent,
        alpha_height=height,
        baseline_log_power=_baseline_log_power(spectrum, band_of_bin, n_bands),
    )


_FACED_SECOND_CLIP = np.repeat(np.arange(FACED_N_CLIPS), FACED_CLIP_SECONDS)


def _subject_log_power(entropy, subject, model, *, noise, subject_scale, gain_scale, second_clip=None):
    """Offsets, gain and per-1-s-window log band power of one subject.

    ``second_clip`` gives the clip of each 1-s window, in presentation order
    (default FACED's: 28 clips x 30 s, and the result is shaped
    ``(28, 30, 32, 5)``; otherwise ``(n_seconds, n_features)``). Each subject
    has its own seed (spawn key), so a subject's data do not depend on how
    many subjects are simulated, and both kinds share them.
    """
    faced = second_clip is None
    second_clip = _FACED_SECOND_CLIP if faced else second_clip
    n_features = model.stimulus_effects.shape[1]
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(1, subject)))
    offsets = subject_scale * rng.standard_normal(n_features)
    gain = np.exp(gain_scale * rng.standard_normal())
    eps = noise * rng.standard_normal((len(second_clip), n_features))
    mean = model.baseline_log_power.ravel() + offsets + gain * model.stimulus_effects
    log_power = mean[second_clip] + eps
    if faced:
        log_power = log_power.reshape(FACED_N_CLIPS, FACED_CLIP_SECONDS, _N_CH, _N_BANDS)
    return offsets, gain, log_power


def _de_rows(log_power, window_seconds, n_windows):
    de = _HALF_LOG_2PIE + 0.5 * log_power[:, : n_windows * window_seconds]
    de = de.reshape(FACED_N_CLIPS, n_windows, window_seconds, _N_FEATURES).mean(axis=2)
    return de.reshape(FACED_N_CLIPS * n_windows, _N_FEATURES)


_CLIP_SAMPLES = FACED_CLIP_SECONDS * FACED_SFREQ
_CLIP_FREQS = np.fft.rfftfreq(_CLIP_SAMPLES, d=1.0 / FACED_SFREQ)
#: Width (Hz) of the raised-cosine crossfade between neighbouring band gains
#: in the raw kind (see the module docstring).
_CROSSFADE_HZ = 1.0


def _band_cell_edges():
    """Edges of each band's 1-Hz cells: bin ``k`` stands for ``[k - 0.5, k + 0.5)`` Hz."""
    bins = [np.flatnonzero(_band_of_bin() == b) for b in range(_N_BANDS)]
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
    peak = np.exp(-((f - _ALPHA_FREQ) ** 2) / (2 * _ALPHA_WIDTH**2))
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


def _raw_rows(entropy, subject, model, log_power, window_seconds, n_windows):
    """Synthesise continuous 30-s clips band by band and cut them into samples."""
    rng = np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=(2, subject)))
    weights = _band_weights(_CLIP_FREQS)
    # |X_m|^2 = P(f_m) fs N / 2 gives a signal of variance sum_m P(f_m) df.
    base = _fine_spectrum(model) * (FACED_SFREQ * _CLIP_SAMPLES / 2)
    # Amplitude gain of each window and band over the baseline, (bands, clips, channels, seconds).
    gain = np.exp(0.5 * (log_power - model.baseline_log_power)).astype(np.float32).transpose(3, 0, 2, 1)
    signal = np.zeros((FACED_N_CLIPS, _N_CH, _CLIP_SAMPLES), np.float32)
    for b in range(_N_BANDS + 1):
        support = np.flatnonzero(weights[b] > 0)  # contiguous: the component's bins
        lo, hi = support[0], support[-1] + 1
        amplitude = np.sqrt(base[:, lo:hi] * weights[b, lo:hi]).astype(np.float32)
        component = _band_component(rng, np.broadcast_to(amplitude, (FACED_N_CLIPS,) + amplitude.shape), lo, hi)
        if b < _N_BANDS:  # the range above gamma is not modulated
            _modulate(component, gain[b])
        signal += component
    n_times = window_seconds * FACED_SFREQ
    signal = signal[:, :, : n_windows * n_times].reshape(FACED_N_CLIPS, _N_CH, n_windows, n_times)
    return signal.transpose(0, 2, 1, 3).reshape(FACED_N_CLIPS * n_windows, _N_CH, n_times)


def _check_params(n_subjects, scales, residual_rank, n_clips=FACED_N_CLIPS, max_subjects=None):
    if isinstance(n_subjects, bool) or not isinstance(n_subjects, numbers.Integral) or n_subjects < 1:
        raise ValueError(f"n_subjects must be a positive integer, got {n_subjects!r}")
    if max_subjects is not None and n_subjects > max_subjects:
        raise ValueError(f"n_subjects must be at most {max_subjects}, got {n_subjects!r}")
    for name, value in scales.items():
        if not isinstance(value, numbers.Real) or not np.isfinite(value) or value < 0:
            raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    if (
        isinstance(residual_rank, bool)
        or not isinstance(residual_rank, numbers.Integral)
        or not 1 <= residual_rank <= n_clips
    ):
        raise ValueError(f"residual_rank must be an integer between 1 and {n_clips}, got {residual_rank!r}")


def make_faced_like(
    n_subjects=123,
    kind="de",
    window_seconds=10,
    random_state=None,
    *,
    noise=1.0,
    effect_scale=0.5,
    residual_scale=0.3,
    residual_rank=3,
    clip_scale=0.15,
    subject_scale=0.5,
    gain_scale=0.2,
    dtype=None,
    verbose=None,
):
    r"""Simulate a FACED-shaped cohort from a documented generative model.

    The model (spectra, topographies, latent valence/arousal per clip,
    within-class residuals, subject effects, window noise) is written out in
    :mod:`skvalence.datasets.simulated`; in short, the log band power of
    subject :math:`s`, clip :math:`c`, 1-s window :math:`t`, channel :math:`j`
    and band :math:`b` is

    .. math:: \ell = L_{jb} + o_{s,jb}
              + g_s \left[\lambda (v_c V_{jb} + a_c A_{jb}) + \varrho_{c,jb}\right]
              + \epsilon_{sctjb},

    and DE is :math:`\tfrac12\log(2\pi e\,e^{\ell})`. The raw kind is a
    continuous 250-Hz signal per clip and channel whose band powers follow
    :math:`e^{\ell}` window by window through smooth envelopes (a realisation,
    so its DE scatters around the DE kind's; see the module).

    Parameters
    ----------
    n_subjects : int, default=123
        Number of subjects (ids 0 .. n_subjects-1). Subject ``s``'s data do
        not depend on ``n_subjects``.
    kind : {"de", "raw"}, default="de"
        DE features ``(n, 160)`` or signals ``(n, 32, window_seconds * 250)``.
        The full raw cohort is large: 123 x 28 x 32 x 7500 float32 values are
        ~3.3 GB; simulate fewer subjects when you can. Beyond ``X``, the raw
        kind needs ~150 MB of work arrays (one subject's 28 x 32 clips of
        7500 samples, in float32 and complex64).
    window_seconds : int, default=10
        Sample length; each 30-s clip yields ``30 // window_seconds`` samples
        (the remainder is dropped, as in :func:`load_faced`).
    random_state : int, RandomState instance or None, default=None
        Seeds every draw; the same value gives identical data for both kinds.
    noise : float, default=1.0
        SD :math:`\eta` of the per-window noise on log band power.
    effect_scale : float, default=0.5
        :math:`\lambda`, scale of the valence and arousal effects on log power.
    residual_scale : float, default=0.3
        :math:`\gamma`, per-feature SD of each clip's within-class residual.
    residual_rank : int, default=3
        :math:`R`, rank of the residual patterns' shared basis.
    clip_scale : float, default=0.15
        :math:`\tau`, SD of a clip's latent valence/arousal around its class's.
    subject_scale : float, default=0.5
        :math:`\omega`, SD of the subject offsets on log band power.
    gain_scale : float, default=0.2
        :math:`\kappa`, SD of the log of each subject's effect gain.
    dtype : numpy dtype, optional
        The dtype of ``X``; default float64 for DE and float32 for raw.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Returns
    -------
    data : sklearn.utils.Bunch
        The fields of :func:`load_faced` (``X``, ``y``, ``class_names``,
        ``subject``, ``stimulus``, ``window``, ``valence``, ``ch_names``,
        ``bands`` (the paper's: delta 0.5-4, theta 4-8, alpha 8-13, beta 13-30,
        gamma 30-47 Hz) and ``feature_names`` for DE or ``sfreq`` = 250.0 for
        raw, ``description``, ``source`` = "simulated"), plus ``truth``, a
        Bunch of the ground truth: ``stimulus_valence`` and
        ``stimulus_arousal`` (28,), ``class_valence`` and ``class_arousal``
        (9,), ``valence_topography`` and ``arousal_topography`` (32, 5),
        ``residual_basis`` (R, 160), ``residual_patterns`` (28, 160),
        ``stimulus_effects`` (28, 160), ``subject_offsets`` (n_subjects, 160),
        ``subject_gain`` (n_subjects,), the spectra (``spectrum_freqs``,
        ``spectrum`` (32, 126) in µV²/Hz, ``spectral_exponent``,
        ``spectral_scale``, ``alpha_height``), ``baseline_log_power`` (32, 5)
        and ``params`` (the arguments). 160-vectors are channel-major like
        ``X``.

    See Also
    --------
    load_faced : The real dataset, same Bunch fields.
    write_faced_like : Write this cohort in the FACED release format.

    Examples
    --------
    >>> data = make_faced_like(n_subjects=2, random_state=0, verbose=0)
    >>> data.X.shape, data.feature_names[0], data.truth.stimulus_valence.shape
    ((168, 160), 'Fp1_delta', (28,))
    >>> raw = make_faced_like(n_subjects=1, kind="raw", random_state=0, verbose=0)
    >>> raw.X.shape, raw.sfreq
    ((84, 32, 2500), 250.0)
    """
    check_kind(kind)
    window_seconds, n_windows = check_window_seconds(window_seconds)
    quiet = progress_disabled(verbose)
    scales = dict(
        noise=noise,
        effect_scale=effect_scale,
        residual_scale=residual_scale,
        clip_scale=clip_scale,
        subject_scale=subject_scale,
        gain_scale=gain_scale,
    )
    _check_params(n_subjects, scales, residual_rank)
    dtype = np.dtype(dtype if dtype is not None else (np.float64 if kind == "de" else np.float32))
    entropy = [int(v) for v in check_random_state(random_state).randint(0, 2**31 - 1, size=4)]
    model = _build_model(
        entropy,
        effect_scale=effect_scale,
        residual_scale=residual_scale,
        residual_rank=residual_rank,
        clip_scale=clip_scale,
    )

    rows = FACED_N_CLIPS * n_windows
    shape = (_N_FEATURES,) if kind == "de" else (_N_CH, window_seconds * FACED_SFREQ)
    X = np.empty((n_subjects * rows,) + shape, dtype=dtype)
    offsets, gains = np.empty((n_subjects, _N_FEATURES)), np.empty(n_subjects)
    for s in tqdm(range(n_subjects), desc=f"simulating ({kind})", disable=quiet):
        offsets[s], gains[s], log_power = _subject_log_power(
            entropy, s, model, noise=noise, subject_scale=subject_scale, gain_scale=gain_scale
        )
        if kind == "de":
            per_window = log_power.reshape(FACED_N_CLIPS, FACED_CLIP_SECONDS, -1)
            X[s * rows : (s + 1) * rows] = _de_rows(per_window, window_seconds, n_windows)
        else:
            X[s * rows : (s + 1) * rows] = _raw_rows(entropy, s, model, log_power, window_seconds, n_windows)

    model.update(
        subject_offsets=offsets,
        subject_gain=gains,
        params=dict(scales, residual_rank=residual_rank, window_seconds=window_seconds),
    )
    description = (
        f"Simulated FACED-like cohort ({kind}), {n_subjects} subject(s), 28 clips x "
        f"{n_windows} sample(s) of {window_seconds} s, 32 channels; generative model in "
        "skvalence.datasets.simulated (ground truth in .truth)"
    )
    return faced_bunch(
        X,
        np.arange(n_subjects),
        n_windows,
        window_seconds,
        kind=kind,
        bands=PAPER_BANDS,
        source="simulated",
        description=description,
        truth=model,
    )


#: The :data:`CLASS_LATENTS` entry that stands for each SEED-V class (SEED-V's
#: "sad" is FACED's sadness, its "happy" FACED's joy).
SEEDV_LATENT_CLASS = {"disgust": "disgust", "fear": "fear", "sad": "sadness", "neutral": "neutral", "happy": "joy"}

#: Duration (s) of each of SEED-V's 45 trials in presentation order, from the
#: start/end time stamps of the release's stimulus table as reproduced by
#: common SEED-V preprocessing code (not checked against the release itself).
#: ``duration // 4`` gives 681, 541 and 601 DE windows for sessions 1-3.
SEEDV_TRIAL_SECONDS = np.array(
    [72, 96, 237, 187, 147, 258, 297, 69, 264, 141, 174, 172, 234, 240, 155]
    + [237, 189, 66, 127, 131, 59, 240, 230, 120, 99, 187, 116, 95, 219, 76]
    + [291, 65, 165, 90, 52, 239, 84, 72, 228, 285, 220, 118, 207, 131, 178]
)
_SEEDV_WINDOW_SECONDS = 4
_SEEDV_N_TRIALS = len(SEEDV_TRIAL_CLASS)
_SEEDV_MAX_SUBJECTS = 16
_SEEDV_COHORT = Bunch(
    ch_names=SEEDV_CHANNELS,
    bands=SEEDV_BANDS,
    latent_names=tuple(SEEDV_LATENT_CLASS[name] for name in SEEDV_CLASSES),
    clip_class=SEEDV_TRIAL_CLASS,
)


def _check_trial_windows(trial_windows):
    if trial_windows is None:
        return SEEDV_TRIAL_SECONDS // _SEEDV_WINDOW_SECONDS
    if isinstance(trial_windows, bool):
        raise ValueError(f"trial_windows must be None, a positive integer or 45 of them, got {trial_windows!r}")
    values = np.asarray(trial_windows)
    if values.ndim == 0:
        values = np.full(_SEEDV_N_TRIALS, values)
    if values.shape != (_SEEDV_N_TRIALS,) or not np.issubdtype(values.dtype, np.integer) or np.any(values < 1):
        raise ValueError(
            "trial_windows must be None (the release's lengths), a positive integer or 45 positive "
            f"integers (one per trial), got {trial_windows!r}"
        )
    return values.astype(np.int64)


def make_seedv_like(
    n_subjects=16,
    *,
    random_state=None,
    trial_windows=None,
    noise=1.0,
    effect_scale=0.5,
    residual_scale=0.3,
    residual_rank=3,
    clip_scale=0.15,
    subject_scale=0.5,
    gain_scale=0.2,
    dtype=None,
    verbose=None,
):
    r"""Simulate a SEED-V-shaped cohort of DE features (what :func:`load_seedv` returns).

    The data are simulated, not evidence about the brain: the same generative
    model as :func:`make_faced_like` (written out in
    :mod:`skvalence.datasets.simulated`) instantiated for SEED-V's layout,
    with none of its defaults tuned to SEED-V's published accuracies yet.

    Shared with :func:`make_faced_like`: the 1/f background spectra with a
    posterior alpha peak; the valence and arousal topographies (posterior and
    fronto-central Gaussians with the same band signs, drawn from the same
    template positions); one latent (valence, arousal) per class from
    :data:`CLASS_LATENTS`, jittered per stimulus by ``clip_scale``; a private
    rank-``residual_rank`` pattern per stimulus (the "clip fingerprint",
    identical for every subject); per-subject offsets and effect gain;
    independent Gaussian noise on the log band power of every 1-s window;
    DE by the Gaussian identity, averaged over the 1-s windows of a sample.
    Each subject's draws use its own seed, so they do not depend on
    ``n_subjects``.

    What differs: 62 channels (:data:`skvalence.eeg.montage.SEEDV_CHANNELS`,
    CB1/CB2 placed at PO9/PO10; no mastoids, so no channel is damped); the
    SEED-V bands (delta 1-4, theta 4-8, alpha 8-14, beta 14-31, gamma
    31-50 Hz) summed on the same 1-Hz grid; five classes whose latents are
    FACED's disgust, fear, sadness, neutral and joy
    (:data:`SEEDV_LATENT_CLASS`); 45 stimuli (15 film clips per session, a
    different clip in every trial, each with its own latent and fingerprint)
    labelled in the release's order (:data:`skvalence.emotions.SEEDV_TRIAL_CLASS`,
    three trials per emotion per session); trials of the release's lengths
    (:data:`SEEDV_TRIAL_SECONDS`, 52-297 s) cut into 4-s DE windows, each
    the mean of four 1-s windows' DE. Sessions are only a grouping of the
    trials: there is no session (day) effect, no drift, no spatially
    correlated or autocorrelated noise, no artefact (see issue 13).

    Parameters
    ----------
    n_subjects : int, default=16
        Number of subjects, 1-16 (the release's ids 1 .. n_subjects, so the
        cohort can be written with :func:`write_seedv_like` and read back).
    random_state : int, RandomState instance or None, default=None
        Seeds every draw.
    trial_windows : None, int or array-like of 45 ints, default=None
        4-s windows per trial (the same for every subject, since everyone saw
        the same clips). ``None``: the release's, ``SEEDV_TRIAL_SECONDS // 4``
        (13-74, 1823 per subject); an int: that many in every trial (small
        cohorts for tests).
    noise, effect_scale, residual_scale, residual_rank, clip_scale, subject_scale, gain_scale
        As in :func:`make_faced_like` (``residual_rank`` may go up to 45).
    dtype : numpy dtype, optional
        The dtype of ``X``; default float64 (the loader's).
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Returns
    -------
    data : sklearn.utils.Bunch
        The fields of :func:`load_seedv` with the same dtypes and the same
        channel-major 310-column layout (``X``, ``y``, ``subject`` (1-16),
        ``stimulus`` (global trial 0-44), ``window``, ``session``, ``trial``,
        ``valence``, ``class_names``, ``ch_names``, ``bands``,
        ``feature_names``, ``kind`` = "de", ``source`` = "simulated",
        ``description``, ``missing_subjects`` = []), plus ``truth``, the
        ground truth as in :func:`make_faced_like` with 45 stimuli, 62
        channels and 310 features (``stimulus_valence`` (45,),
        ``valence_topography`` (62, 5), ``stimulus_effects`` (45, 310),
        ``subject_offsets`` (n_subjects, 310) in subject-id order, ...), the
        ``trial_windows`` (45,) and ``params``.

    Raises
    ------
    ValueError
        If ``n_subjects`` is not an integer in 1-16, a scale is negative or
        not finite, ``residual_rank`` is not in 1-45, or ``trial_windows`` is
        malformed. The message names the parameter.

    See Also
    --------
    load_seedv : The real dataset, same Bunch fields.
    write_seedv_like : Write this cohort in the SEED-V release format.
    make_faced_like : The FACED-shaped cohort from the same model.

    Examples
    --------
    >>> data = make_seedv_like(2, random_state=0, verbose=0)
    >>> data.X.shape, data.feature_names[5], data.class_names[data.y[0]]
    ((3646, 310), 'FPZ_delta', 'happy')
    >>> small = make_seedv_like(1, trial_windows=3, random_state=0, verbose=0)
    >>> small.X.shape, small.session.max(), small.truth.stimulus_effects.shape
    ((135, 310), np.int64(2), (45, 310))
    """
    scales = dict(
        noise=noise,
        effect_scale=effect_scale,
        residual_scale=residual_scale,
        clip_scale=clip_scale,
        subject_scale=subject_scale,
        gain_scale=gain_scale,
    )
    _check_params(n_subjects, scales, residual_rank, n_clips=_SEEDV_N_TRIALS, max_subjects=_SEEDV_MAX_SUBJECTS)
    windows = _check_trial_windows(trial_windows)
    quiet = progress_disabled(verbose)
    dtype = np.dtype(dtype if dtype is not None else np.float64)
    entropy = [int(v) for v in check_random_state(random_state).randint(0, 2**31 - 1, size=4)]
    model = _build_model(
        entropy,
        effect_scale=effect_scale,
        residual_scale=residual_scale,
        residual_rank=residual_rank,
        clip_scale=clip_scale,
        cohort=_SEEDV_COHORT,
    )
    n_features = model.stimulus_effects.shape[1]
    trial_of_row = np.repeat(np.arange(_SEEDV_N_TRIALS), windows)
    second_clip = np.repeat(trial_of_row, _SEEDV_WINDOW_SECONDS)
    window_of_row = np.arange(len(trial_of_row)) - np.repeat(np.cumsum(windows) - windows, windows)
    subjects = np.arange(1, n_subjects + 1)
    rows = len(trial_of_row)

    X = np.empty((n_subjects * rows, n_features), dtype=dtype)
    offsets, gains = np.empty((n_subjects, n_features)), np.empty(n_subjects)
    for i, s in enumerate(tqdm(subjects, desc="simulating (SEED-V-like)", disable=quiet)):
        offsets[i], gains[i], log_power = _subject_log_power(
            entropy, int(s), model, noise=noise, subject_scale=subject_scale, gain_scale=gain_scale,
            second_clip=second_clip,
        )  # fmt: skip
        log_power = log_power.reshape(rows, _SEEDV_WINDOW_SECONDS, n_features).mean(axis=1)
        X[i * rows : (i + 1) * rows] = _HALF_LOG_2PIE + 0.5 * log_power

    model.update(
        subject_offsets=offsets,
        subject_gain=gains,
        trial_windows=windows,
        params=dict(scales, residual_rank=residual_rank),
    )
    return seedv_bunch(
        X,
        np.tile(SEEDV_TRIAL_CLASS[trial_of_row], n_subjects),
        np.repeat(subjects, rows),
        np.tile(trial_of_row, n_subjects),
        np.tile(window_of_row, n_subjects),
        source="simulated",
        description=(
            f"Simulated SEED-V-like cohort (de), {n_subjects} subject(s) x 3 sessions x 15 trials, "
            f"{rows} 4-s windows per subject, 62 channels x 5 bands (channel-major); generative model "
            "in skvalence.datasets.simulated (ground truth in .truth)"
        ),
        missing_subjects=[],
        truth=model,
    )
