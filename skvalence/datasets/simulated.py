r"""Simulated FACED-like and SEED-V-like cohorts from one documented generative model.

The simulator is the test bed of skvalence: it has the shape of FACED
(123 subjects x 28 clips x 32 channels, 9 classes, 250 Hz) or of SEED-V
(16 subjects x 3 sessions x 15 trials, 62 channels, 5 classes) and a ground
truth (``truth``: every component's variance share, the topographies, each
stimulus's latent valence and arousal, the subjects' parameters) and an
``oracle`` classifier that knows the generative parameters. It is *not*
evidence about the brain. Its ``"realistic"`` preset is calibrated to the
published difficulty of the real data sets (below), never to any claim of
the paper; nothing the paper reports (where valence lives on the scalp,
which classes are close) is built in.

.. rubric:: Generative model

Indices: subject :math:`s`, stimulus (clip or trial) :math:`c` of class
:math:`k(c)`, 1-s window :math:`t`, channel :math:`j` (template 10-20
position :math:`r_j`), DE band :math:`b`. All quantities are log band power
:math:`\ell` of 1-s windows; DE is :math:`\tfrac12\log(2\pi e) + \tfrac12\ell`
averaged over the windows of a sample. Per subject and window,

.. math::

   \ell_{sctjb} = L_{jb} + o_{s,jb} + o^{\mathrm{sess}}_{s,q(c),jb}
     + \underbrace{g_{sb}\,[G_s\,(\rho_{sc}\,e_{sc} + h_c + I_{sc})]_{jb}}_{\text{stimulus-locked}}
     + \epsilon_{stjb} + d_{stjb} + \alpha_{stjb}.

1. **Background** :math:`L_{jb} = \log\sum_{f\in b} S_j(f)`,
   :math:`S_j(f) = A_j (f^{-\beta_j} + 0.05\,p_j\,e^{-(f-10)^2/(2\cdot 1.5^2)})`,
   :math:`A_j = 100 e^{0.2 u_j}` µV²/Hz, :math:`\beta_j \sim U(1, 2)`,
   :math:`p_j = \exp(-\lVert r_j - r_{Oz}\rVert^2 / 2 (7\,\mathrm{cm})^2)`
   (the resting alpha peak is posterior; this shapes the background only).
2. **Smooth spatial prior** :math:`\mathcal{P}`: a draw is
   :math:`m\odot(K^{1/2} Z B^{1/2\top})` rescaled to unit RMS, with
   :math:`Z` standard normal (channels x bands), :math:`K_{ij} =
   \exp(-\lVert r_i - r_j\rVert^2 / 2 (5\,\mathrm{cm})^2)`,
   :math:`B_{bb'} = 0.5^{|b-b'|}` and :math:`m_j = 0.1` on the mastoid
   references A1/A2, 1 elsewhere. It has no preferred region.
3. **Emotion**: class latents :math:`(\bar v_k, \bar a_k)` =
   :data:`CLASS_LATENTS` (Russell's 1980 circumplex angles of the affect word
   standing for each class; neutral at the centre); clip latents
   :math:`v_c = \bar v_{k(c)} + \tau\xi_c`, :math:`a_c = \bar a_{k(c)} +
   \tau\xi'_c` (``clip_scale`` :math:`\tau`); topographies
   :math:`V, A \sim \mathcal{P}` drawn per ``random_state`` (or given as
   ``topography``); pattern :math:`e_{sc} = \lambda_e (v^*_{sc} V + a^*_{sc} A)`
   where :math:`(v^*, a^*)` is the clip's latent, or -- with probability
   ``label_noise`` -- the latent of another class drawn uniformly (the
   subject felt something else; the label stays the clip's class).
   :math:`\rho_{sc} \sim \mathrm{Bernoulli}(\pi_s)` says whether the subject
   responded at all, :math:`\pi_s \sim \mathrm{Beta}(5\bar\pi, 5(1-\bar\pi))`
   (``responder_rate`` :math:`\bar\pi`).
4. **Stimulus identity** :math:`h_c = \lambda_h H_c`, :math:`H_c \sim
   \mathcal{P}` independent of the emotion: a per-clip response shared by
   every subject (what lets a decoder recognise the video).
5. **Subject x stimulus interaction** (rank :math:`R`,
   ``interaction_rank``): :math:`I_{sc} = \lambda_I \sum_r \alpha_{sr}\beta_{cr} P_r`,
   :math:`P_r \sim \mathcal{P}`, :math:`\alpha, \beta \sim N(0, 1)`.
6. **Shares**: :math:`\lambda_e, \lambda_h, \lambda_I` make the
   per-feature variances across clips of the three stimulus-locked parts
   (before subject effects, all responding) :math:`(1 - s_h - s_I)\sigma^2`,
   :math:`s_h\sigma^2` and :math:`s_I\sigma^2` with ``signal_scale``
   :math:`\sigma`, ``stimulus_share`` :math:`s_h` and ``interaction_share``
   :math:`s_I`. ``stimulus_share=0`` means no clip identity at all.
7. **Subjects**: offsets :math:`o_s = \omega\,\mathcal{P}` (``subject_scale``);
   band gains :math:`g_{sb} = e^{\kappa\zeta_{sb}}` (``gain_scale``); a
   leadfield-like mixing :math:`G_s[j, i] \propto \exp(-\lVert r_j + \delta_{sj}
   - r_i\rVert^2 / 2 (2\,\mathrm{cm})^2)` (rows sum to 1) with electrode
   displacements :math:`\delta_{sj} \sim N(0, \mu^2 I_3)` (``mixing_jitter``),
   so each subject sees the sources through a differently shaped spread that
   no per-channel scaling undoes; with several sessions (SEED-V) a session
   offset :math:`o^{\mathrm{sess}} = \omega_q\,\mathcal{P}` (``session_scale``).
   Bad channels (each with probability ``bad_channel_rate``) carry no signal
   and independent :math:`N(0, 1.5^2)` log power per window.
8. **Noise** (AR(1) in time with coefficient :math:`\phi`, ``ar_coef``, all
   processes stationary with unit variance before scaling):
   :math:`\epsilon_{st} = \eta\,u_{st} + \sigma_{bb}\,w_{st}\mathbf{1} +
   \sigma_{tilt}\,z_{st}\,\theta`, where :math:`u` is spatially correlated
   (share ``volume_conduction`` of its variance through the kernel
   :math:`\exp(-d^2 / 2 (4\,\mathrm{cm})^2)`, the rest independent per
   channel; neighbouring bands correlate as :math:`0.3^{|b-b'|}`), :math:`w`
   is a broadband fluctuation shared by every channel and band
   (``broadband_scale``) and :math:`z` an aperiodic-exponent (1/f slope)
   fluctuation with loading :math:`\theta_b \propto -(\log f_b -
   \overline{\log f})` (``tilt_scale``). ``noise`` is :math:`\eta`.
9. **Drift** :math:`d_{st} = \sigma_d\,u_s(t)\,D_s`, :math:`D_s \sim
   \mathcal{P}`, :math:`u_s` a sum of three random half-cosines over the
   session, unit RMS (``drift_scale``). FACED clips are presented in a
   random order per subject (an assumption), SEED-V trials in the release's
   order; each SEED-V session has its own AR and drift processes.
10. **Artefacts** per 1-s window: a blink with probability ``blink_rate``
    adds :math:`(2, 1, 0.2, 0, 0)` (delta..gamma) times a Gaussian footprint
    (3 cm) around Fp1/Fp2; a muscle burst with probability ``muscle_rate``
    on each side adds :math:`(0, 0, 0.3, 1, 1.5)` around T7 or T8; both
    scaled by ``artefact_scale``.
11. ``kind="raw"`` (FACED only): each 30-s clip of each channel is one
    continuous signal whose band powers follow :math:`e^{\ell}` window by
    window: stationary Gaussian noise per band with spectrum :math:`S_j`
    (random phases, inverse FFT on the clip's 1/30-Hz grid, raised-cosine
    crossfades of 1 Hz between bands, a high-pass-like ramp below 1 Hz),
    multiplied by a smooth envelope through the amplitude gains
    :math:`e^{(\ell_{t} - L)/2}` at the window centres; the range above gamma
    is not modulated. Its DE is a realisation, so it scatters around the DE
    kind's (same ``random_state`` -> same draws);
    ``tests/datasets/test_simulated.py`` states by how much.

``truth.variance_shares`` reports, for the realised cohort, each additive
component's variance across rows (summed over features) over that of all
log power: ``emotion`` (:math:`g G \rho e`), ``stimulus`` (:math:`g G h`),
``subject_x_stimulus``, ``subject`` (offsets and session offsets),
``noise``, ``drift`` and ``artefact``; they sum to about 1 (the components
are independent up to sampling).

.. rubric:: Calibration

The ``"realistic"`` preset was fixed on :data:`CALIBRATION_SEED` before any
analysis was run on the new model, against published baselines only (see
``docs/simulator.rst`` and ``benchmarks/bench_simulator.py``): FACED-like,
paper split, per-subject standardised ``LogisticRegression`` on DE,
balanced accuracy in 0.30-0.45 and the default decoder at most 0.65;
SEED-V-like, trials 0-4 of each session train and 10-14 test,
``LogisticRegression`` in 0.25-0.40.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch, check_random_state
from tqdm.auto import tqdm

from ..eeg.bands import SEEDV_BANDS
from ..eeg.montage import FACED_CHANNELS, SEEDV_CHANNELS
from ..emotions import FACED_CLASSES, FACED_CLIP_CLASS, SEEDV_CLASSES, SEEDV_TRIAL_CLASS
from ..utils._logging import progress_disabled
from . import _sim_model as model
from ._bunch import FACED_CLIP_SECONDS, FACED_N_CLIPS, PAPER_BANDS, check_kind, check_window_seconds, faced_bunch
from ._sim_oracle import GenerativeOracle
from ._sim_presets import CALIBRATION_SEED, CLASS_LATENTS, DIFFICULTIES, PRESETS, check_n_subjects, resolve_params
from ._sim_raw import raw_rows
from .seedv import seedv_bunch

__all__ = [
    "make_faced_like",
    "make_seedv_like",
    "CLASS_LATENTS",
    "CALIBRATION_SEED",
    "DIFFICULTIES",
    "PRESETS",
    "SEEDV_LATENT_CLASS",
    "SEEDV_TRIAL_SECONDS",
]

_HALF_LOG_2PIE = 0.5 * np.log(2 * np.pi * np.e)
#: Virtual subjects whose nuisance the oracle's Gaussian summary is estimated from: enough for
#: ten rows per feature, within these bounds.
_ORACLE_VIRTUAL = (4, 64)

_FACED_LAYOUT = Bunch(
    ch_names=FACED_CHANNELS,
    bands=PAPER_BANDS,
    latent_names=FACED_CLASSES,
    clip_class=FACED_CLIP_CLASS,
    clip_seconds=np.full(FACED_N_CLIPS, FACED_CLIP_SECONDS),
    clip_session=np.zeros(FACED_N_CLIPS, dtype=np.int64),
    shuffle_order=True,
    class_names=FACED_CLASSES,
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
_SEEDV_WINDOW_SECONDS = 4  # the release's DE windows
_SEEDV_N_TRIALS = len(SEEDV_TRIAL_CLASS)
_SEEDV_MAX_SUBJECTS = 16

_PARAM_DOC = """
    difficulty : {"realistic", "easy", "hard"}, default="realistic"
        Preset of every model parameter below (:data:`PRESETS`);
        ``"realistic"`` is calibrated to published accuracies (module
        docstring), ``"easy"`` has little noise and no artefacts (for
        analyses that need a clear signal), ``"hard"`` is noisier than real
        data. A parameter passed explicitly overrides the preset's value.
    stimulus_share : float in [0, 1], optional
        Share :math:`s_h` of the stimulus-locked variance carried by the
        per-clip identity patterns (realistic 0.5); 0 means no clip identity.
    interaction_share : float in [0, 1], optional
        Share :math:`s_I` carried by the subject x stimulus interaction
        (realistic 0.2); the emotion gets ``1 - s_h - s_I``.
    label_noise : float in [0, 1], optional
        Probability that a responding subject felt another class's emotion
        (realistic 0.1).
    topography : array of shape (n_channels, 5) or dict, optional
        The valence topography, or a dict with ``"valence"`` and/or
        ``"arousal"`` maps; otherwise drawn from the smooth prior per
        ``random_state``.
    signal_scale : float >= 0, optional
        :math:`\\sigma`, per-feature SD of the stimulus-locked log power (0.5).
    interaction_rank : int, optional
        :math:`R`, rank of the interaction (3).
    clip_scale : float >= 0, optional
        :math:`\\tau`, SD of a clip's latent around its class's (0.05; small, so that what differs
        between the clips of a class lives in the identity component, whose share is explicit).
    responder_rate : float in [0, 1], optional
        :math:`\\bar\\pi`, mean probability of responding to a clip (0.8).
    subject_scale : float >= 0, optional
        :math:`\\omega`, RMS of the subject offsets (0.5).
    gain_scale : float >= 0, optional
        :math:`\\kappa`, SD of the log band gains (0.3).
    mixing_jitter : float >= 0, optional
        :math:`\\mu`, SD (m) of the electrode displacements of the mixing (0.01).
    noise : float >= 0, optional
        :math:`\\eta`, SD of the spatially correlated window noise (1.0).
    volume_conduction : float in [0, 1], optional
        Share of the window noise that is spatially correlated (0.6).
    broadband_scale, tilt_scale : float >= 0, optional
        SDs of the shared broadband and 1/f-slope fluctuations (0.4, 0.3).
    ar_coef : float in [0, 1), optional
        :math:`\\phi`, AR(1) coefficient across 1-s windows (0.6).
    drift_scale : float >= 0, optional
        :math:`\\sigma_d`, RMS of the slow drift (0.3).
    blink_rate, muscle_rate : float in [0, 1], optional
        Per-window probabilities of a blink and of a muscle burst per side (0.05, 0.03).
    artefact_scale : float >= 0, optional
        Multiplier of the artefact amplitudes (1.0).
    bad_channel_rate : float in [0, 1], optional
        Probability that a channel of a subject is bad (0.0)."""


def _entropy(random_state):
    return [int(v) for v in check_random_state(random_state).randint(0, 2**31 - 1, size=4)]


def _row_plan(layout, rows_per_clip, row_seconds_len):
    """Clip of every row and the clip-major seconds it averages (whole seconds from each clip's start)."""
    start = np.concatenate([[0], np.cumsum(layout.clip_seconds)[:-1]])
    clip_of_row = np.repeat(np.arange(len(layout.clip_seconds)), rows_per_clip)
    first = np.concatenate([start[c] + row_seconds_len * np.arange(n) for c, n in enumerate(rows_per_clip)])
    return clip_of_row, first[:, None] + np.arange(row_seconds_len)[None, :]


def _oracle_nuisance(entropy, pop, params, clip_of_row, row_seconds):
    """Monte-Carlo mean and covariance (DE units) of the draws the oracle does not know."""
    n_features = pop.baseline_log_power.size
    n_virtual = int(np.clip(np.ceil(10 * n_features / len(clip_of_row)), *_ORACLE_VIRTUAL))
    rows = []
    for k in range(n_virtual):  # spawn key 3: seeds no cohort subject uses
        subject = model.draw_subject(entropy, (3, k), pop, params)
        parts = model.row_components(pop, model.subject_components(pop, subject, params), clip_of_row, row_seconds)
        rows.append(0.5 * sum(parts[name] for name in ("subject_x_stimulus", "noise", "drift", "artefact")))
    rows = np.concatenate(rows)
    return rows.mean(axis=0), np.cov(rows, rowvar=False)


def _simulate(entropy, pop, params, subject_ids, clip_of_row, row_seconds, emit, desc, quiet):
    """Draw every subject of population ``pop``; ``emit(i, comps, rows)`` stores each subject's data."""
    shares = model.ShareAccumulator(pop.baseline_log_power.size)
    subjects = {}
    for i, sid in enumerate(tqdm(subject_ids, desc=desc, disable=quiet)):
        subject = model.draw_subject(entropy, (1, int(sid)), pop, params)
        comps = model.subject_components(pop, subject, params)
        rows = model.row_components(pop, comps, clip_of_row, row_seconds)
        shares.add(rows)
        emit(i, comps, rows)
        del subject["rng"]
        subjects[int(sid)] = subject
    mean, cov = _oracle_nuisance(entropy, pop, params, clip_of_row, row_seconds)
    oracle = GenerativeOracle(pop, subjects, params, mean, cov, [str(n) for n in pop.layout.class_names])
    return subjects, shares.shares(), oracle


def _de_rows(pop, rows):
    return _HALF_LOG_2PIE + 0.5 * (pop.baseline_log_power.ravel()[None, :] + sum(rows.values()))


def _truth(pop, subjects, shares, params):
    """The ground-truth Bunch: population draws, subject parameters, variance shares, parameters."""
    skip = {"spatial", "layout", "blink_weight", "muscle_weights"}
    truth = Bunch(**{k: v for k, v in pop.items() if k not in skip})
    subs = list(subjects.values())
    truth.update(
        subject_offsets=np.stack([s.offsets for s in subs]),
        subject_gain=np.stack([s.gain for s in subs]),
        subject_mixing=np.stack([s.mixing for s in subs]),
        subject_response_prob=np.array([s.respond_prob for s in subs]),
        subject_responded=np.stack([s.responded for s in subs]),
        subject_felt_class=np.stack([s.felt_class for s in subs]),
        presentation_order=np.stack([s.order for s in subs]),
        bad_channels=np.stack([s.bad_channels for s in subs]),
        variance_shares=shares,
        class_latent_source="Russell (1980) circumplex angles, see skvalence.datasets.simulated.CLASS_LATENTS",
        params=dict(params),
    )
    return truth


def make_faced_like(
    n_subjects=123,
    kind="de",
    window_seconds=10,
    random_state=None,
    *,
    difficulty="realistic",
    stimulus_share=None,
    interaction_share=None,
    label_noise=None,
    topography=None,
    signal_scale=None,
    interaction_rank=None,
    clip_scale=None,
    responder_rate=None,
    subject_scale=None,
    gain_scale=None,
    mixing_jitter=None,
    noise=None,
    volume_conduction=None,
    broadband_scale=None,
    tilt_scale=None,
    ar_coef=None,
    drift_scale=None,
    blink_rate=None,
    muscle_rate=None,
    artefact_scale=None,
    bad_channel_rate=None,
    dtype=None,
    verbose=None,
):
    r"""Simulate a FACED-shaped cohort from the documented generative model.

    The model (written out in :mod:`skvalence.datasets.simulated` and
    ``docs/simulator.rst``) has subject offsets, band gains and spatial
    mixing; an emotion component (class valence/arousal latents through
    topographies drawn from a smooth prior); a per-clip stimulus-identity
    pattern shared by all subjects; a subject x stimulus interaction;
    per-subject response probabilities and label noise; spatially
    correlated, broadband, 1/f-tilt AR(1) noise; slow drift and artefacts.
    The default ``difficulty="realistic"`` is calibrated to published
    FACED baselines (module docstring). The data are simulated, not
    evidence about the brain.

    Parameters
    ----------
    n_subjects : int, default=123
        Number of subjects (ids 0 .. n_subjects-1). Subject ``s``'s data do
        not depend on ``n_subjects``.
    kind : {"de", "raw"}, default="de"
        DE features ``(n, 160)`` or signals ``(n, 32, window_seconds * 250)``.
        The full raw cohort is large (~3.3 GB of float32); simulate fewer
        subjects when you can. Raw subjects are generated one by one.
    window_seconds : int, default=10
        Sample length; each 30-s clip yields ``30 // window_seconds`` samples
        (the remainder is dropped, as in :func:`load_faced`).
    random_state : int, RandomState instance or None, default=None
        Seeds every draw; the same value gives identical data for both kinds.
    {params}
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
        ``bands`` (delta 0.5-4, theta 4-8, alpha 8-13, beta 13-30, gamma
        30-47 Hz) and ``feature_names`` for DE or ``sfreq`` = 250.0 for raw,
        ``description``, ``source`` = "simulated"), plus

        ``truth``
            The ground truth: ``variance_shares`` (dict, see the module),
            ``stimulus_valence`` / ``stimulus_arousal`` (28,),
            ``class_valence`` / ``class_arousal`` (9,), ``valence_topography``
            / ``arousal_topography`` (32, 5), ``stimulus_patterns`` (28, 160,
            identity :math:`h_c`), ``interaction_patterns``,
            ``stimulus_effects`` (28, 160: emotion + identity at unit gain
            and template mixing), ``emotion_scale``, the subjects'
            ``subject_offsets`` (n, 160), ``subject_gain`` (n, 5),
            ``subject_mixing`` (n, 32, 32), ``subject_response_prob``,
            ``subject_responded`` and ``subject_felt_class`` (n, 28),
            ``presentation_order``, ``bad_channels``, the spectra
            (``spectrum_freqs``, ``spectrum`` (32, 126) µV²/Hz,
            ``spectral_exponent``, ``spectral_scale``, ``alpha_height``),
            ``baseline_log_power`` (32, 5) and ``params``. 160-vectors are
            channel-major like ``X``; patterns are in log-power units (DE is
            half of log power).
        ``oracle``
            A :class:`~skvalence.datasets._sim_oracle.GenerativeOracle`:
            ``oracle.predict(X, subject=...)`` on DE rows, the "attainable"
            reference (it knows the generative parameters; a strong
            reference, not the exact Bayes rule).

    Raises
    ------
    ValueError
        A parameter out of range (negative scale, share or rate outside
        [0, 1], ``stimulus_share + interaction_share > 1``, a topography of
        the wrong shape, ``n_subjects < 1``); the message names it.

    See Also
    --------
    load_faced : The real dataset, same Bunch fields.
    make_seedv_like : The SEED-V-shaped cohort from the same model.
    write_faced_like : Write this cohort in the FACED release format.

    Examples
    --------
    >>> data = make_faced_like(n_subjects=2, random_state=0, verbose=0)
    >>> data.X.shape, data.feature_names[0], data.truth.stimulus_valence.shape
    ((168, 160), 'Fp1_delta', (28,))
    >>> sorted(data.truth.variance_shares)[:3]
    ['artefact', 'drift', 'emotion']
    >>> raw = make_faced_like(n_subjects=1, kind="raw", random_state=0, verbose=0)
    >>> raw.X.shape, raw.sfreq
    ((84, 32, 2500), 250.0)
    """
    check_kind(kind)
    window_seconds, n_windows = check_window_seconds(window_seconds)
    n_subjects = check_n_subjects(n_subjects)
    overrides = dict(
        stimulus_share=stimulus_share, interaction_share=interaction_share, label_noise=label_noise,
        signal_scale=signal_scale, interaction_rank=interaction_rank, clip_scale=clip_scale,
        responder_rate=responder_rate, subject_scale=subject_scale, gain_scale=gain_scale,
        mixing_jitter=mixing_jitter, noise=noise, volume_conduction=volume_conduction,
        broadband_scale=broadband_scale, tilt_scale=tilt_scale, ar_coef=ar_coef, drift_scale=drift_scale,
        blink_rate=blink_rate, muscle_rate=muscle_rate, artefact_scale=artefact_scale,
        bad_channel_rate=bad_channel_rate,
    )  # fmt: skip
    params = resolve_params(difficulty, overrides, n_clips=FACED_N_CLIPS)
    params["window_seconds"] = window_seconds
    quiet = progress_disabled(verbose)
    dtype = np.dtype(dtype if dtype is not None else (np.float64 if kind == "de" else np.float32))
    entropy = _entropy(random_state)
    layout = _FACED_LAYOUT
    clip_of_row, row_seconds = _row_plan(layout, np.full(FACED_N_CLIPS, n_windows), window_seconds)
    rows = len(clip_of_row)
    n_ch, n_bands = len(FACED_CHANNELS), len(PAPER_BANDS)
    shape = (n_ch * n_bands,) if kind == "de" else (n_ch, window_seconds * 250)
    X = np.empty((n_subjects * rows,) + shape, dtype=dtype)
    second_clip = np.repeat(np.arange(FACED_N_CLIPS), FACED_CLIP_SECONDS)
    pop = model.build_population(entropy, layout, params, topography)

    def emit(i, comps, parts):
        if kind == "de":
            X[i * rows : (i + 1) * rows] = _de_rows(pop, parts)
            return
        log_power = model.second_log_power(pop, comps, second_clip).reshape(FACED_N_CLIPS, FACED_CLIP_SECONDS,
                                                                            n_ch, n_bands)  # fmt: skip
        X[i * rows : (i + 1) * rows] = raw_rows(entropy, i, pop, log_power, window_seconds, n_windows)

    subjects, shares, oracle = _simulate(
        entropy, pop, params, range(n_subjects), clip_of_row, row_seconds, emit,
        f"simulating ({kind})", quiet,
    )  # fmt: skip
    description = (
        f"Simulated FACED-like cohort ({kind}, difficulty={difficulty!r}), {n_subjects} subject(s), 28 clips x "
        f"{n_windows} sample(s) of {window_seconds} s, 32 channels; generative model in "
        "skvalence.datasets.simulated (ground truth in .truth, reference classifier in .oracle)"
    )
    return faced_bunch(
        X, np.arange(n_subjects), n_windows, window_seconds, kind=kind, bands=PAPER_BANDS, source="simulated",
        description=description, truth=_truth(pop, subjects, shares, params), oracle=oracle,
    )  # fmt: skip


make_faced_like.__doc__ = make_faced_like.__doc__.replace("    {params}", _PARAM_DOC.strip("\n"))


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
    difficulty="realistic",
    stimulus_share=None,
    interaction_share=None,
    label_noise=None,
    topography=None,
    signal_scale=None,
    interaction_rank=None,
    clip_scale=None,
    responder_rate=None,
    subject_scale=None,
    gain_scale=None,
    mixing_jitter=None,
    noise=None,
    volume_conduction=None,
    broadband_scale=None,
    tilt_scale=None,
    ar_coef=None,
    drift_scale=None,
    blink_rate=None,
    muscle_rate=None,
    artefact_scale=None,
    bad_channel_rate=None,
    session_scale=None,
    dtype=None,
    verbose=None,
):
    r"""Simulate a SEED-V-shaped cohort of DE features (what :func:`load_seedv` returns).

    The same generative model as :func:`make_faced_like` (written out in
    :mod:`skvalence.datasets.simulated`) on SEED-V's layout: 62 channels
    (:data:`skvalence.eeg.montage.SEEDV_CHANNELS`, CB1/CB2 at PO9/PO10), the
    SEED-V bands (delta 1-4, theta 4-8, alpha 8-14, beta 14-31, gamma
    31-50 Hz), five classes whose latents are :data:`CLASS_LATENTS`' disgust,
    fear, sadness, neutral and joy (:data:`SEEDV_LATENT_CLASS`), 45 stimuli
    (one film clip per trial, each with its own latent and identity
    pattern) in the release's order and lengths (:data:`SEEDV_TRIAL_SECONDS`),
    cut into the release's 4-s DE windows (each the mean of four 1-s
    windows' DE). Each of the three sessions (days) has its own offset
    (``session_scale``), noise process and drift. The default
    ``difficulty="realistic"`` is calibrated to SEED-V's published
    difficulty (module docstring). The data are simulated, not evidence
    about the brain.

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
    {params}
    session_scale : float >= 0, optional
        RMS of each session's offset (0.3).
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
        ``description``, ``missing_subjects`` = []), plus ``truth`` (as in
        :func:`make_faced_like`, with 45 stimuli, 62 channels, 310 features,
        and ``session_offsets`` (n, 3, 310), ``trial_windows`` (45,)) and
        ``oracle``.

    Raises
    ------
    ValueError
        If ``n_subjects`` is not an integer in 1-16, a parameter is out of
        range, or ``trial_windows`` is malformed. The message names the
        parameter.

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
    n_subjects = check_n_subjects(n_subjects, maximum=_SEEDV_MAX_SUBJECTS)
    overrides = dict(
        stimulus_share=stimulus_share, interaction_share=interaction_share, label_noise=label_noise,
        signal_scale=signal_scale, interaction_rank=interaction_rank, clip_scale=clip_scale,
        responder_rate=responder_rate, subject_scale=subject_scale, gain_scale=gain_scale,
        mixing_jitter=mixing_jitter, noise=noise, volume_conduction=volume_conduction,
        broadband_scale=broadband_scale, tilt_scale=tilt_scale, ar_coef=ar_coef, drift_scale=drift_scale,
        blink_rate=blink_rate, muscle_rate=muscle_rate, artefact_scale=artefact_scale,
        bad_channel_rate=bad_channel_rate, session_scale=session_scale,
    )  # fmt: skip
    params = resolve_params(difficulty, overrides, n_clips=_SEEDV_N_TRIALS)
    windows = _check_trial_windows(trial_windows)
    quiet = progress_disabled(verbose)
    dtype = np.dtype(dtype if dtype is not None else np.float64)
    entropy = _entropy(random_state)
    layout = Bunch(
        ch_names=SEEDV_CHANNELS, bands=SEEDV_BANDS, class_names=SEEDV_CLASSES,
        latent_names=tuple(SEEDV_LATENT_CLASS[name] for name in SEEDV_CLASSES), clip_class=SEEDV_TRIAL_CLASS,
        clip_seconds=windows * _SEEDV_WINDOW_SECONDS, clip_session=np.arange(_SEEDV_N_TRIALS) // 15,
        shuffle_order=False,
    )  # fmt: skip
    clip_of_row, row_seconds = _row_plan(layout, windows, _SEEDV_WINDOW_SECONDS)
    window_of_row = np.concatenate([np.arange(n) for n in windows])
    rows = len(clip_of_row)
    subjects = np.arange(1, n_subjects + 1)
    X = np.empty((n_subjects * rows, len(SEEDV_CHANNELS) * len(SEEDV_BANDS)), dtype=dtype)
    pop = model.build_population(entropy, layout, params, topography)

    def emit(i, comps, parts):
        X[i * rows : (i + 1) * rows] = _de_rows(pop, parts)

    drawn, shares, oracle = _simulate(
        entropy, pop, params, subjects, clip_of_row, row_seconds, emit,
        "simulating (SEED-V-like)", quiet,
    )  # fmt: skip
    truth = _truth(pop, drawn, shares, params)
    truth.update(session_offsets=np.stack([s.session_offsets for s in drawn.values()]), trial_windows=windows)
    return seedv_bunch(
        X,
        np.tile(SEEDV_TRIAL_CLASS[clip_of_row], n_subjects),
        np.repeat(subjects, rows),
        np.tile(clip_of_row, n_subjects),
        np.tile(window_of_row, n_subjects),
        source="simulated",
        description=(
            f"Simulated SEED-V-like cohort (de, difficulty={difficulty!r}), {n_subjects} subject(s) x 3 sessions "
            f"x 15 trials, {rows} 4-s windows per subject, 62 channels x 5 bands (channel-major); generative "
            "model in skvalence.datasets.simulated (ground truth in .truth, reference classifier in .oracle)"
        ),
        missing_subjects=[],
        truth=truth,
        oracle=oracle,
    )


make_seedv_like.__doc__ = make_seedv_like.__doc__.replace("    {params}", _PARAM_DOC.strip("\n"))
