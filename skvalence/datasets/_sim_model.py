"""The simulator's generative model: population draws and one subject's components.

The equations are written out in :mod:`skvalence.datasets.simulated`. This
module draws them; the public functions there assemble cohorts.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch

from . import _sim_spectrum as spec
from ._sim_noise import nuisance
from ._sim_presets import CLASS_LATENTS
from ._sim_spatial import SpatialModel

#: Names of the additive components of log band power, in the order of ``truth.variance_shares``.
COMPONENTS = ("emotion", "stimulus", "subject_x_stimulus", "subject", "noise", "drift", "artefact")
_LOCKED = COMPONENTS[:3]
_TIMED = COMPONENTS[4:]
#: SD of the log band power of a bad channel's windows (its own, unrelated noise).
BAD_CHANNEL_SD = 1.5
#: Concentration ``a + b`` of the Beta distribution of each subject's response probability.
RESPONDER_CONCENTRATION = 5.0
#: Temporal electrodes where muscle bursts are centred (left, right).
MUSCLE_SITES = (("T7",), ("T8",))
#: Electrodes under the eyes' footprint (blinks).
BLINK_SITES = ("Fp1", "Fp2")


def _seeded(entropy, *key):
    return np.random.default_rng(np.random.SeedSequence(entropy, spawn_key=key))


def _check_topography(topography, shape):
    """``topography``: None, an array (the valence map) or a mapping with 'valence' and/or 'arousal'."""
    if topography is None:
        return {}
    maps = dict(topography) if isinstance(topography, dict) else {"valence": topography}
    unknown = set(maps) - {"valence", "arousal"}
    if unknown:
        raise ValueError(f"topography keys must be 'valence' and/or 'arousal', got {sorted(unknown)}")
    out = {}
    for name, value in maps.items():
        arr = np.asarray(value, dtype=float)
        if arr.shape != shape:
            raise ValueError(f"topography['{name}'] must have shape {shape} (channels, bands), got {arr.shape}")
        if not np.all(np.isfinite(arr)) or not np.any(arr):
            raise ValueError(f"topography['{name}'] must be finite and not all zero")
        out[name] = arr
    return out


def _unit_variance_scale(patterns, target_variance):
    """Scale making the per-feature variance of ``patterns`` across rows average ``target_variance``."""
    flat = patterns.reshape(len(patterns), -1)
    variance = flat.var(axis=0).mean()
    return float(np.sqrt(target_variance / variance)) if variance > 0 and target_variance > 0 else 0.0


def build_population(entropy, layout, params, topography=None):
    """Everything shared by all subjects: spectra, topographies, stimuli, interaction patterns."""
    rng = _seeded(entropy, 0)
    n_bands, n_clips = len(layout.bands), len(layout.clip_class)
    spatial = SpatialModel(layout.ch_names, n_bands)
    given = _check_topography(topography, (spatial.n_ch, n_bands))
    bins = spec.band_of_bin(layout.bands)
    spectrum, scale, exponent, height = spec.spectrum(rng, spec.posterior_weight(spatial.positions, layout.ch_names))

    drawn = spatial.smooth(rng, 2)  # drawn even when given, so the other draws do not move
    valence_topo = given.get("valence", drawn[0])
    arousal_topo = given.get("arousal", drawn[1])
    class_latent = np.array([CLASS_LATENTS[name] for name in layout.latent_names])
    clip_latent = class_latent[layout.clip_class] + params["clip_scale"] * rng.standard_normal((n_clips, 2))
    identity = spatial.smooth(rng, n_clips)
    rank = params["interaction_rank"]
    inter_patterns = spatial.smooth(rng, rank)
    inter_clip = rng.standard_normal((n_clips, rank))

    locked = params["signal_scale"] ** 2
    emotion_share = max(0.0, 1.0 - params["stimulus_share"] - params["interaction_share"])
    emotion_raw = clip_latent[:, :1, None] * valence_topo + clip_latent[:, 1:, None] * arousal_topo
    emotion_scale = _unit_variance_scale(emotion_raw, emotion_share * locked)
    identity_scale = _unit_variance_scale(identity, params["stimulus_share"] * locked)
    # Interaction = sum_r alpha_sr beta_cr P_r with alpha, beta ~ N(0, 1): variance sum_r P_r^2.
    inter_var = np.mean(np.sum(inter_patterns**2, axis=0))
    inter_scale = float(np.sqrt(params["interaction_share"] * locked / inter_var))

    n_features = spatial.n_ch * n_bands
    identity = identity_scale * identity
    return Bunch(
        spatial=spatial,
        layout=layout,
        stimulus_valence=clip_latent[:, 0],
        stimulus_arousal=clip_latent[:, 1],
        class_valence=class_latent[:, 0],
        class_arousal=class_latent[:, 1],
        valence_topography=valence_topo,
        arousal_topography=arousal_topo,
        emotion_scale=emotion_scale,
        stimulus_patterns=identity.reshape(n_clips, n_features),
        interaction_patterns=inter_scale * inter_patterns.reshape(rank, n_features),
        interaction_clip_loadings=inter_clip,
        stimulus_effects=(emotion_scale * emotion_raw + identity).reshape(n_clips, n_features),
        spectrum_freqs=spec.FREQS.copy(),
        spectrum=spectrum,
        spectral_scale=scale,
        spectral_exponent=exponent,
        alpha_height=height,
        baseline_log_power=spec.baseline_log_power(spectrum, bins, n_bands),
        tilt_loading=spec.tilt_loading(layout.bands),
        blink_weight=spatial.footprint(BLINK_SITES),
        muscle_weights=[spatial.footprint(site) for site in MUSCLE_SITES],
    )


def emotion_patterns(pop, latents):
    """``lambda_e (v V + a A)`` for rows of (valence, arousal) latents: ``(n, n_ch, n_bands)``."""
    latents = np.asarray(latents, dtype=float)
    return pop.emotion_scale * (
        latents[:, :1, None] * pop.valence_topography + latents[:, 1:, None] * pop.arousal_topography
    )


def mix(subject, patterns):
    """A subject's view of source patterns ``(n, n_ch, n_bands)``: ``g_sb * (G_s P)_jb``, bad channels 0."""
    out = np.einsum("ij,njb->nib", subject.mixing, patterns) * subject.gain[None, None, :]
    out[:, subject.bad_channels, :] = 0.0
    return out.reshape(len(patterns), -1)


def draw_subject(entropy, key, pop, params):
    """One subject's parameters (offsets, gains, mixing, responses, ...): spawn key ``(key, subject)``."""
    layout, spatial = pop.layout, pop.spatial
    rng = _seeded(entropy, *key)
    n_clips, n_sessions = len(layout.clip_class), int(layout.clip_session.max()) + 1
    n_classes = len(pop.class_valence)
    offsets = params["subject_scale"] * spatial.smooth(rng).ravel()
    gain = np.exp(params["gain_scale"] * rng.standard_normal(spatial.n_bands))
    mixing = spatial.mixing(rng, params["mixing_jitter"])
    rate = params["responder_rate"]
    if 0.0 < rate < 1.0:
        respond_prob = rng.beta(rate * RESPONDER_CONCENTRATION, (1.0 - rate) * RESPONDER_CONCENTRATION)
    else:
        respond_prob = rate
    order = rng.permutation(n_clips) if layout.shuffle_order else np.arange(n_clips)
    responded = rng.random(n_clips) < respond_prob
    # Label noise: the subject felt another class's emotion (its latent), the clip keeps its label.
    flipped = rng.random(n_clips) < params["label_noise"]
    other = (layout.clip_class + rng.integers(1, n_classes, size=n_clips)) % n_classes
    felt = np.where(flipped, other, layout.clip_class)
    inter_subject = rng.standard_normal(params["interaction_rank"])
    session_offsets = params["session_scale"] * spatial.smooth(rng, n_sessions).reshape(n_sessions, -1)
    if n_sessions == 1:  # one recording: a session offset would only be a second subject offset
        session_offsets[:] = 0.0
    bad = rng.random(spatial.n_ch) < params["bad_channel_rate"]
    return Bunch(
        rng=rng, offsets=offsets, gain=gain, mixing=mixing, respond_prob=float(respond_prob), order=order,
        responded=responded, felt_class=felt, label_flipped=flipped, interaction_loadings=inter_subject,
        session_offsets=session_offsets, bad_channels=bad,
    )  # fmt: skip


def _presentation(layout, order):
    """Per session: the clips in presentation order; and the clip-major index of every second."""
    seconds = layout.clip_seconds
    start = np.zeros(len(seconds), dtype=np.int64)
    sessions, position = [], 0
    for session in range(int(layout.clip_session.max()) + 1):
        clips = [c for c in order if layout.clip_session[c] == session]
        for c in clips:
            start[c] = position
            position += seconds[c]
        sessions.append(int(sum(seconds[c] for c in clips)))
    clip_major = np.concatenate([start[c] + np.arange(seconds[c]) for c in range(len(seconds))])
    return sessions, clip_major


def subject_components(pop, subject, params):
    """Additive components of one subject's log band power.

    Returns a Bunch: ``locked`` (emotion, stimulus, subject_x_stimulus per
    clip, ``(n_clips, F)``), ``offsets`` per session ``(n_sessions, F)``, and
    ``timed`` (noise, drift, artefact per second, clip-major ``(n_seconds, F)``).
    """
    layout, rng = pop.layout, subject.rng
    clip_latent = np.column_stack([pop.stimulus_valence, pop.stimulus_arousal])
    class_latent = np.column_stack([pop.class_valence, pop.class_arousal])
    felt = np.where(subject.label_flipped[:, None], class_latent[subject.felt_class], clip_latent)
    n_clips, n_ch, n_bands = len(clip_latent), pop.spatial.n_ch, pop.spatial.n_bands
    emotion = emotion_patterns(pop, felt) * subject.responded[:, None, None]
    loadings = pop.interaction_clip_loadings * subject.interaction_loadings[None, :]  # alpha_sr beta_cr
    interaction = (loadings @ pop.interaction_patterns).reshape(n_clips, n_ch, n_bands)
    identity = pop.stimulus_patterns.reshape(n_clips, n_ch, n_bands)
    locked = {
        "emotion": mix(subject, emotion),
        "stimulus": mix(subject, identity),
        "subject_x_stimulus": mix(subject, interaction),
    }
    sessions, clip_major = _presentation(layout, subject.order)
    parts = [
        nuisance(rng, n, pop.spatial, params, pop.tilt_loading, pop.blink_weight, pop.muscle_weights)
        for n in sessions
    ]
    timed = {name: np.concatenate([p[name] for p in parts]) for name in _TIMED}
    if np.any(clip_major != np.arange(len(clip_major))):  # presentation order -> clip-major
        timed = {name: values[clip_major] for name, values in timed.items()}
    bad = np.repeat(subject.bad_channels, n_bands)
    if bad.any():
        timed["drift"][:, bad] = timed["artefact"][:, bad] = 0.0
        timed["noise"][:, bad] = BAD_CHANNEL_SD * rng.standard_normal((len(clip_major), int(bad.sum())))
    offsets = subject.offsets[None, :] + subject.session_offsets
    return Bunch(locked=locked, offsets=offsets, timed=timed)


def row_components(pop, comps, clip_of_row, row_seconds):
    """Each component's value on every sample row (mean over the row's seconds), ``(n_rows, F)``."""
    session = pop.layout.clip_session[clip_of_row]
    out = {name: comps.locked[name][clip_of_row] for name in _LOCKED}
    out["subject"] = comps.offsets[session]
    for name in _TIMED:
        out[name] = comps.timed[name][row_seconds].mean(axis=1)
    return out


def second_log_power(pop, comps, clip_of_second):
    """Log band power of every second (clip-major), ``(n_seconds, F)``: ``L`` + all components."""
    session = pop.layout.clip_session[clip_of_second]
    total = pop.baseline_log_power.ravel()[None, :] + comps.offsets[session]
    for name in _LOCKED:
        total = total + comps.locked[name][clip_of_second]
    for name in _TIMED:
        total = total + comps.timed[name]
    return total


class ShareAccumulator:
    """Running per-feature sums of each component's row values, for ``truth.variance_shares``."""

    def __init__(self, n_features):
        self.n = 0
        self.sums = {name: np.zeros(n_features) for name in COMPONENTS + ("total",)}
        self.squares = {name: np.zeros(n_features) for name in COMPONENTS + ("total",)}

    def add(self, rows):
        total = sum(rows[name] for name in COMPONENTS)
        for name, values in list(rows.items()) + [("total", total)]:
            self.sums[name] += values.sum(axis=0)
            self.squares[name] += (values**2).sum(axis=0)
        self.n += len(total)

    def shares(self):
        """Each component's variance across rows, summed over features, over that of the total."""
        var = {k: float(np.sum(self.squares[k] / self.n - (self.sums[k] / self.n) ** 2)) for k in self.sums}
        total = var.pop("total")
        return {k: (v / total if total > 0 else 0.0) for k, v in var.items()}
