"""Loader for the FACED release (Chen et al., 2023; Synapse syn50614194).

FACED: 123 subjects watched 28 video clips of 30 s each (9 emotion classes)
while 32-channel EEG was recorded (30 scalp channels, mastoids A2/A1 last).
The release ships the preprocessed signals and 1-s differential-entropy
features as one pickle per subject.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from ..utils._logging import progress_disabled
from ._bunch import (
    FACED_CLIP_SECONDS,
    FACED_N_CLIPS,
    FACED_RELEASE_BANDS,
    FACED_SFREQ,
    FACED_SUBJECTS,
    check_kind,
    check_subjects,
    check_window_seconds,
    faced_bunch,
)
from ._safe_pickle import safe_load_pickle

__all__ = ["load_faced", "faced_subject_files"]

_N_CHANNELS = 32
_N_BANDS = len(FACED_RELEASE_BANDS)
_RAW_SHAPE = (FACED_N_CLIPS, _N_CHANNELS, FACED_CLIP_SECONDS * FACED_SFREQ)
_DE_SHAPE = (FACED_N_CLIPS, _N_CHANNELS, FACED_CLIP_SECONDS, _N_BANDS)
_LAYOUT = {
    "raw": (("Processed_data",), re.compile(r"^sub(\d{3})\.pkl$")),
    "de": (("EEG_Features", "DE"), re.compile(r"^sub(\d{3})\.pkl(\.pkl)?$")),
}


def faced_subject_files(path, kind="de"):
    """Map subject id -> file for the FACED files present under ``path``.

    Parameters
    ----------
    path : str or path-like
        The dataset root, holding ``Processed_data/`` and/or ``EEG_Features/DE/``.
    kind : {"de", "raw"}, default="de"
        Which files to list.

    Returns
    -------
    files : dict of int -> pathlib.Path
        Sorted by subject id. For DE, ``subNNN.pkl.pkl`` (the release's name)
        wins over ``subNNN.pkl`` when both exist.

    Raises
    ------
    ValueError
        If the folder for ``kind`` is missing or holds no subject files.

    Examples
    --------
    >>> import tempfile
    >>> from skvalence.datasets import make_faced_like, write_faced_like
    >>> root = tempfile.mkdtemp()
    >>> _ = write_faced_like(root, make_faced_like(2, random_state=0, verbose=0))
    >>> sorted(faced_subject_files(root))
    [0, 1]
    """
    check_kind(kind)
    parts, pattern = _LAYOUT[kind]
    folder = Path(path).joinpath(*parts)
    expected = f"{folder}{os.sep}subNNN.pkl" + (".pkl" if kind == "de" else "")
    if not folder.is_dir():
        raise ValueError(
            f"{path} does not look like a FACED root: expected the folder {folder} "
            f"holding files like {expected} (kind={kind!r})"
        )
    files = {}
    for entry in sorted(folder.iterdir()):
        match = pattern.match(entry.name)
        if match and entry.is_file():
            subject = int(match.group(1))
            # sorted() puts subNNN.pkl before subNNN.pkl.pkl, so the release name wins.
            files[subject] = entry
    if not files:
        raise ValueError(f"no FACED subject files in {folder}: expected files like {expected}")
    return dict(sorted(files.items()))


def _read_subject(file, expected_shape):
    array = safe_load_pickle(file)
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{file}: expected a numpy array of shape {expected_shape}, got {type(array).__name__}")
    if array.shape != expected_shape:
        raise ValueError(f"{file}: expected an array of shape {expected_shape}, got {array.shape}")
    if not np.issubdtype(array.dtype, np.number):
        raise ValueError(f"{file}: expected a numeric array, got dtype {array.dtype}")
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{file}: contains NaN or infinite values")
    return array


def _de_rows(array, window_seconds, n_windows):
    """(28, 32, 30, 5) 1-s DE -> (28 * n_windows, 32 * 5), mean over each sample window."""
    kept = array[:, :, : n_windows * window_seconds, :]
    grouped = kept.reshape(FACED_N_CLIPS, _N_CHANNELS, n_windows, window_seconds, _N_BANDS)
    mean = grouped.mean(axis=3).transpose(0, 2, 1, 3)  # clips, windows, channels, bands
    return mean.reshape(FACED_N_CLIPS * n_windows, _N_CHANNELS * _N_BANDS)


def _raw_rows(array, window_seconds, n_windows):
    """(28, 32, 7500) -> (28 * n_windows, 32, window_seconds * 250)."""
    n_times = window_seconds * FACED_SFREQ
    kept = array[:, :, : n_windows * n_times]
    grouped = kept.reshape(FACED_N_CLIPS, _N_CHANNELS, n_windows, n_times).transpose(0, 2, 1, 3)
    return grouped.reshape(FACED_N_CLIPS * n_windows, _N_CHANNELS, n_times)


def load_faced(path, kind="de", subjects=None, window_seconds=10, *, dtype=None, verbose=None):
    """Load FACED from its release layout into a Bunch of samples.

    Parameters
    ----------
    path : str or path-like
        The dataset root holding ``Processed_data/subNNN.pkl`` (raw; pickled
        array (28, 32, 7500): clips x channels x samples at 250 Hz) and/or
        ``EEG_Features/DE/subNNN.pkl.pkl`` (DE; array (28, 32, 30, 5): clips x
        channels x 1-s windows x bands; ``subNNN.pkl`` is accepted too). NNN is
        the zero-padded subject id, 000-122.
    kind : {"de", "raw"}, default="de"
        Differential-entropy features or the preprocessed signals.
    subjects : list of int, optional
        Subject ids (0-122) to load; ``None`` loads all present, sorted.
    window_seconds : int, default=10
        Each 30-s clip is cut into ``30 // window_seconds`` samples of this
        length (10 s -> three samples, the paper's protocol). When it does not
        divide 30, the clip's last ``30 % window_seconds`` seconds are
        dropped. For DE, the 1-s rows inside a sample are averaged.
    dtype : numpy dtype, optional
        Cast ``X`` to this dtype (e.g. ``np.float32`` halves the raw cohort's
        ~6.6 GB); ``None`` keeps the files' dtype.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``X``: ``(n, 160)`` for DE, channel-major (``Fp1_delta, Fp1_theta, ...,
        Fp2_delta, ...``; names in ``feature_names``), or ``(n, 32,
        window_seconds * 250)`` for raw. Rows are ordered subject, clip,
        window. ``y`` class index into ``class_names`` (FACED's nine classes,
        via :data:`skvalence.emotions.FACED_CLIP_CLASS`); ``subject``;
        ``stimulus`` (clip index 0-27); ``window`` (sample index within its
        clip); ``valence`` (-1/0/+1); ``ch_names`` (32, A2/A1 last);
        ``bands`` (DE: the release's bands delta 1-4, theta 4-8, alpha 8-14,
        beta 14-30, gamma 30-47 Hz, in file order) or ``sfreq`` (raw: 250.0);
        ``window_seconds``; ``kind``; ``description``; ``source`` (the root).

    Raises
    ------
    ValueError
        If the layout is missing, a requested subject has no file, or a file
        is truncated, unsafe, wrongly shaped or holds NaN (the message names
        the file and the expected shape).

    Examples
    --------
    >>> import tempfile
    >>> from skvalence.datasets import make_faced_like, write_faced_like
    >>> root = tempfile.mkdtemp()
    >>> sim = make_faced_like(2, kind="de", window_seconds=1, random_state=0, verbose=0)
    >>> _ = write_faced_like(root, sim)
    >>> data = load_faced(root, kind="de", verbose=0)
    >>> data.X.shape, data.class_names[data.y[0]], data.feature_names[1]
    ((168, 160), 'anger', 'Fp1_theta')
    """
    check_kind(kind)
    window_seconds, n_windows = check_window_seconds(window_seconds)
    quiet = progress_disabled(verbose)
    subjects = check_subjects(subjects, FACED_SUBJECTS)
    files = faced_subject_files(path, kind)
    if subjects is None:
        subjects = list(files)
    missing = [s for s in subjects if s not in files]
    if missing:
        folder = Path(path).joinpath(*_LAYOUT[kind][0])
        raise ValueError(f"no {kind} file in {folder} for subject(s) {missing}")

    shape, rows = (_DE_SHAPE, _de_rows) if kind == "de" else (_RAW_SHAPE, _raw_rows)
    blocks = []
    for subject in tqdm(subjects, desc=f"FACED {kind}", disable=quiet):
        block = rows(_read_subject(files[subject], shape), window_seconds, n_windows)
        blocks.append(block.astype(dtype, copy=False) if dtype is not None else block)
    X = np.concatenate(blocks, axis=0)
    description = (
        f"FACED ({kind}), {len(subjects)} subject(s), 28 clips x {n_windows} sample(s) of "
        f"{window_seconds} s per clip, 32 channels"
        + (", DE in the release's 5 bands, averaged over 1-s windows" if kind == "de" else ", 250 Hz")
    )
    return faced_bunch(
        X,
        subjects,
        n_windows,
        window_seconds,
        kind=kind,
        bands=FACED_RELEASE_BANDS,
        source=os.fspath(path),
        description=description,
    )
