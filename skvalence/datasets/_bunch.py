"""Constants and helpers shared by the FACED, SEED-V and simulated datasets.

Every loader returns a :class:`sklearn.utils.Bunch` with the same fields
(``X``, ``y``, ``class_names``, ``subject``, ``stimulus``, ``valence``,
``window``, ``ch_names``, ``sfreq`` or ``bands``, ``description``,
``source``); the helpers here build those fields in one place so the
loaders and the simulator cannot drift apart.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils import Bunch

from ..eeg.bands import FACED_BANDS as _FACED_BANDS
from ..eeg.bands import PAPER_BANDS as _PAPER_BANDS
from ..eeg.montage import FACED_CHANNELS
from ..emotions import FACED_CLASSES, FACED_CLIP_CLASS, faced_clip_valence

#: FACED sampling rate (Hz) of ``Processed_data``.
FACED_SFREQ = 250
#: Number of clips per FACED subject.
FACED_N_CLIPS = 28
#: Length of each FACED clip in seconds.
FACED_CLIP_SECONDS = 30
#: Subject ids of the FACED release.
FACED_SUBJECTS = tuple(range(123))
#: DE bands of the FACED release's ``EEG_Features/DE`` files, in file order (Hz);
#: a plain-dict copy of :data:`skvalence.eeg.bands.FACED_BANDS`.
FACED_RELEASE_BANDS = dict(_FACED_BANDS)
#: DE bands of the paper (Hz), used by the simulated cohort; a plain-dict copy of
#: :data:`skvalence.eeg.bands.PAPER_BANDS`.
PAPER_BANDS = dict(_PAPER_BANDS)


def check_kind(kind):
    """Validate ``kind`` ('de' or 'raw')."""
    if kind not in ("de", "raw"):
        raise ValueError(f"kind must be 'de' or 'raw', got {kind!r}")
    return kind


def check_window_seconds(window_seconds, clip_seconds=FACED_CLIP_SECONDS):
    """Validate the sample length; return ``(window_seconds, n_windows)``.

    Samples are whole seconds because FACED's DE rows are 1-s windows. When
    ``window_seconds`` does not divide the clip, the remainder is dropped.
    """
    if isinstance(window_seconds, bool) or not isinstance(window_seconds, numbers.Integral):
        raise TypeError(f"window_seconds must be an integer number of seconds, got {window_seconds!r}")
    window_seconds = int(window_seconds)
    if not 1 <= window_seconds <= clip_seconds:
        raise ValueError(
            f"window_seconds must be between 1 and {clip_seconds} (the clip length), got {window_seconds}"
        )
    return window_seconds, clip_seconds // window_seconds


def check_subjects(subjects, valid, name="subjects"):
    """Validate a list of subject ids against the valid ones; ``None`` passes through."""
    if subjects is None:
        return None
    if isinstance(subjects, numbers.Integral):
        subjects = [subjects]
    out = []
    for s in subjects:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"{name} must be integers, got {s!r}")
        if int(s) not in valid:
            raise ValueError(f"unknown subject {int(s)}; valid ids are {min(valid)}-{max(valid)}")
        out.append(int(s))
    if len(set(out)) != len(out):
        raise ValueError(f"{name} contains duplicates: {out}")
    if not out:
        raise ValueError(f"{name} is empty")
    return sorted(out)


def de_feature_names(ch_names, bands):
    """Channel-major DE feature names ``"<ch>_<band>"``.

    Examples
    --------
    >>> de_feature_names(["Fz", "Cz"], {"alpha": (8, 13), "beta": (13, 30)})
    ['Fz_alpha', 'Fz_beta', 'Cz_alpha', 'Cz_beta']
    """
    return [f"{ch}_{band}" for ch in ch_names for band in bands]


def faced_row_meta(subjects, n_windows):
    """Per-row subject, stimulus, window, class and valence for FACED-shaped data.

    Rows are ordered subject, clip, window (the order of the loaders' ``X``).
    """
    subjects = np.asarray(subjects, dtype=np.int64)
    per_subject = FACED_N_CLIPS * n_windows
    stimulus = np.tile(np.repeat(np.arange(FACED_N_CLIPS), n_windows), len(subjects))
    return {
        "subject": np.repeat(subjects, per_subject),
        "stimulus": stimulus.astype(np.int64),
        "window": np.tile(np.arange(n_windows), FACED_N_CLIPS * len(subjects)).astype(np.int64),
        "y": FACED_CLIP_CLASS[stimulus].astype(np.int64),
        "valence": faced_clip_valence()[stimulus].astype(np.int64),
    }


def faced_bunch(X, subjects, n_windows, window_seconds, *, kind, bands, source, description, **extra):
    """Assemble the FACED-shaped Bunch shared by :func:`load_faced` and the simulator."""
    ch_names = list(FACED_CHANNELS)
    bunch = Bunch(
        X=X,
        class_names=tuple(FACED_CLASSES),
        ch_names=ch_names,
        kind=kind,
        window_seconds=window_seconds,
        source=source,
        description=description,
        **faced_row_meta(subjects, n_windows),
    )
    if kind == "de":
        bunch.bands = dict(bands)
        bunch.feature_names = de_feature_names(ch_names, bands)
    else:
        bunch.sfreq = float(FACED_SFREQ)
    bunch.update(extra)
    return bunch
