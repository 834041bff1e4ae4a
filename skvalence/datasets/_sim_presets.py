"""Parameters of the simulator: class latents, difficulty presets, validation.

The presets were calibrated once, on :data:`CALIBRATION_SEED`, against the
published difficulty of the real data sets (see ``docs/simulator.rst``),
never against any analysis of the paper (tracking, sweeps, rediscovery,
ensembles).
"""

from __future__ import annotations

import numbers

import numpy as np

#: Seed of the calibration runs (``benchmarks/bench_simulator.py``); tests use other seeds.
CALIBRATION_SEED = 20260

#: Angle (degrees) on Russell's circumplex of the affect word standing for each
#: class, as placed by Russell (1980), "A circumplex model of affect", J. Pers.
#: Soc. Psychol. 39:1161-1178 (direct circular scaling of 28 affect words;
#: angles as commonly reproduced from that paper, to the degree). FACED's
#: category -> Russell's word: anger -> angry, disgust -> annoyed (disgust is
#: not among the 28 words), fear -> afraid, sadness -> sad, amusement ->
#: delighted, inspiration -> excited, joy -> happy, tenderness -> content.
CIRCUMPLEX_WORDS = {
    "anger": ("angry", 99.0),
    "disgust": ("annoyed", 123.0),
    "fear": ("afraid", 116.0),
    "sadness": ("sad", 207.5),
    "amusement": ("delighted", 24.9),
    "inspiration": ("excited", 48.6),
    "joy": ("happy", 7.8),
    "tenderness": ("content", 323.0),
}


def _circumplex_latents():
    latents = {name: (float(np.cos(np.radians(a))), float(np.sin(np.radians(a))))
               for name, (_, a) in CIRCUMPLEX_WORDS.items()}  # fmt: skip
    latents["neutral"] = (0.0, 0.0)  # the circumplex's centre
    order = ("anger", "disgust", "fear", "sadness", "neutral", "amusement", "inspiration", "joy", "tenderness")
    return {name: tuple(round(v, 3) for v in latents[name]) for name in order}


#: Latent (valence, arousal) of each FACED class: ``(cos a, sin a)`` of the
#: class's angle in :data:`CIRCUMPLEX_WORDS` (unit radius, valence -1..1
#: unpleasant..pleasant, arousal -1..1 calm..excited), neutral at the centre.
#: A documented placement, not an estimate from EEG and not tuned to any result.
CLASS_LATENTS = _circumplex_latents()

#: Difficulty presets. ``"realistic"`` (the default) is the calibrated one;
#: ``"easy"`` keeps every mechanism but with little noise (for tests of
#: analyses that need a clear signal); ``"hard"`` is noisier than real data.
PRESETS = {
    "realistic": dict(
        signal_scale=0.22, stimulus_share=0.5, interaction_share=0.2, interaction_rank=3, clip_scale=0.05,
        responder_rate=0.8, label_noise=0.1, subject_scale=0.5, gain_scale=0.5, mixing_jitter=0.025,
        noise=1.0, volume_conduction=0.6, broadband_scale=0.4, tilt_scale=0.3, ar_coef=0.6, drift_scale=0.3,
        blink_rate=0.05, muscle_rate=0.03, artefact_scale=1.0, bad_channel_rate=0.0, session_scale=0.3,
    ),
    "easy": dict(
        signal_scale=0.5, stimulus_share=0.3, interaction_share=0.1, interaction_rank=3, clip_scale=0.05,
        responder_rate=1.0, label_noise=0.0, subject_scale=0.5, gain_scale=0.2, mixing_jitter=0.005,
        noise=0.5, volume_conduction=0.6, broadband_scale=0.2, tilt_scale=0.1, ar_coef=0.3, drift_scale=0.1,
        blink_rate=0.0, muscle_rate=0.0, artefact_scale=1.0, bad_channel_rate=0.0, session_scale=0.1,
    ),
    "hard": dict(
        signal_scale=0.18, stimulus_share=0.6, interaction_share=0.25, interaction_rank=3, clip_scale=0.05,
        responder_rate=0.7, label_noise=0.15, subject_scale=0.5, gain_scale=0.6, mixing_jitter=0.03,
        noise=1.3, volume_conduction=0.6, broadband_scale=0.5, tilt_scale=0.4, ar_coef=0.7, drift_scale=0.4,
        blink_rate=0.08, muscle_rate=0.05, artefact_scale=1.0, bad_channel_rate=0.02, session_scale=0.4,
    ),
}  # fmt: skip
DIFFICULTIES = tuple(PRESETS)

_NONNEGATIVE = ("signal_scale", "clip_scale", "subject_scale", "gain_scale", "mixing_jitter", "noise",
                "broadband_scale", "tilt_scale", "drift_scale", "artefact_scale", "session_scale")  # fmt: skip
_UNIT = ("stimulus_share", "interaction_share", "responder_rate", "label_noise", "volume_conduction",
         "blink_rate", "muscle_rate", "bad_channel_rate")  # fmt: skip


def _real(name, value):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return float(value)


def resolve_params(difficulty, overrides, n_clips):
    """The preset of ``difficulty`` with every non-None override applied, validated.

    Raises ``ValueError`` naming the parameter: an unknown difficulty, a
    negative scale, a share or rate outside [0, 1], shares summing above 1,
    an AR coefficient outside [0, 1), an interaction rank outside 1..n_clips.
    """
    if not isinstance(difficulty, str) or difficulty not in PRESETS:
        raise ValueError(f"difficulty must be one of {DIFFICULTIES}, got {difficulty!r}")
    params = dict(PRESETS[difficulty])
    unknown = set(overrides) - set(params)
    if unknown:  # a programming error of the caller, not user input
        raise TypeError(f"unknown simulator parameter(s): {sorted(unknown)}")
    params.update({k: v for k, v in overrides.items() if v is not None})
    for name in _NONNEGATIVE:
        if _real(name, params[name]) < 0:
            raise ValueError(f"{name} must be >= 0 (a scale or standard deviation), got {params[name]!r}")
    for name in _UNIT:
        if not 0.0 <= _real(name, params[name]) <= 1.0:
            raise ValueError(f"{name} must lie in [0, 1], got {params[name]!r}")
    if params["stimulus_share"] + params["interaction_share"] > 1.0 + 1e-12:
        raise ValueError(
            "stimulus_share + interaction_share must be at most 1 (the emotion gets the rest of the "
            f"stimulus-locked variance), got {params['stimulus_share']} + {params['interaction_share']}"
        )
    if not 0.0 <= _real("ar_coef", params["ar_coef"]) < 1.0:
        raise ValueError(f"ar_coef must lie in [0, 1), got {params['ar_coef']!r}")
    rank = params["interaction_rank"]
    if isinstance(rank, bool) or not isinstance(rank, numbers.Integral) or not 1 <= rank <= n_clips:
        raise ValueError(f"interaction_rank must be an integer between 1 and {n_clips}, got {rank!r}")
    params = {k: (int(v) if k == "interaction_rank" else float(v)) for k, v in params.items()}
    params["difficulty"] = difficulty
    return params


def check_n_subjects(n_subjects, minimum=1, maximum=None):
    """``n_subjects`` must be an integer in ``minimum..maximum``."""
    if isinstance(n_subjects, bool) or not isinstance(n_subjects, numbers.Integral) or n_subjects < minimum:
        raise ValueError(
            "n_subjects must be a positive integer" + (f" >= {minimum}" if minimum > 1 else "")
            + f", got {n_subjects!r}"
        )
    if maximum is not None and n_subjects > maximum:
        raise ValueError(f"n_subjects must be at most {maximum}, got {n_subjects!r}")
    return int(n_subjects)
