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
    absent_subjects,
    check_allow_incomplete,
    check_kind,
    check_real_numbers,
    check_subjects,
    check_window_seconds,
    faced_bunch,
    present_subjects,
    format_ids,
    scan_subject_files,
)
from ._safe_pickle import safe_load_pickle

__all__ = ["load_faced", "faced_subject_files", "FACED_SUBJECTS"]

_N_CHANNELS = 32
_N_BANDS = len(FACED_RELEASE_BANDS)
_RAW_SHAPE = (FACED_N_CLIPS, _N_CHANNELS, FACED_CLIP_SECONDS * FACED_SFREQ)
_DE_SHAPE = (FACED_N_CLIPS, _N_CHANNELS, FACED_CLIP_SECONDS, _N_BANDS)
_LAYOUT = {
    "raw": (("Processed_data",), re.compile(r"^sub(\d+)\.pkl$")),
    "de": (("EEG_Features", "DE"), re.compile(r"^sub(\d+)\.pkl(\.pkl)?$")),
}


def faced_subject_files(path, kind="de", *, allow_incomplete=False):
    """Map subject id -> file for the FACED files present under ``path``.

    The listing refuses to guess: every entry named like a subject file
    (``subNNN.pkl``, and for DE also ``subNNN.pkl.pkl``) must be a regular
    file (or a symbolic link to one) with a three-digit id in 0-122, and no
    subject may have two files. Other names are ignored.

    Parameters
    ----------
    path : str or path-like
        The dataset root, holding ``Processed_data/`` and/or ``EEG_Features/DE/``.
    kind : {"de", "raw"}, default="de"
        Which files to list.
    allow_incomplete : bool, default=False
        ``False``: a copy lacking any of the release's 123 subjects is an
        error naming the absent ids. ``True``: list the subjects present.

    Returns
    -------
    files : dict of int -> pathlib.Path
        Sorted by subject id.

    Raises
    ------
    ValueError
        If the folder for ``kind`` is missing or holds no subject files; if
        an entry named like a subject file is not a regular file (a
        directory, a broken symbolic link, a FIFO...), has an id outside
        0-122 or not of three digits, or is the second file of its subject
        (e.g. ``sub007.pkl`` beside ``sub007.pkl.pkl``); or, unless
        ``allow_incomplete=True``, if a subject is missing. The message names
        the file or the subjects.

    Examples
    --------
    >>> import tempfile
    >>> from skvalence.datasets import make_faced_like, write_faced_like
    >>> root = tempfile.mkdtemp()
    >>> _ = write_faced_like(root, make_faced_like(2, random_state=0, verbose=0))
    >>> sorted(faced_subject_files(root, allow_incomplete=True))
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
    allow_incomplete = check_allow_incomplete(allow_incomplete)
    example = "sub007.pkl" + (".pkl" if kind == "de" else "")
    files = scan_subject_files(folder, pattern, FACED_SUBJECTS, dataset="FACED", example=example, id_digits=3)
    if not files:
        raise ValueError(f"no FACED subject files in {folder}: expected files like {expected}")
    absent_subjects(files, FACED_SUBJECTS, dataset=f"FACED ({kind})", folder=folder,
                    allow_incomplete=allow_incomplete)
    return files


def _read_subject(file, expected_shape):
    array = safe_load_pickle(file)
    if not isinstance(array, np.ndarray):
        raise ValueError(f"{file}: expected a numpy array of shape {expected_shape}, got {type(array).__name__}")
    if array.shape != expected_shape:
        raise ValueError(f"{file}: expected an array of shape {expected_shape}, got {array.shape}")
    check_real_numbers(array, file)
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


def load_faced(path, kind="de", subjects=None, window_seconds=10, *, allow_incomplete=False, dtype=None,
               verbose=None):
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
        Subject ids (0-122) to load, in any order (rows come sorted by id).
        ``None`` loads the whole release: all 123 subjects must have a file
        unless ``allow_incomplete=True``.
    window_seconds : int, default=10
        Each 30-s clip is cut into ``30 // window_seconds`` samples of this
        length (10 s -> three samples, the paper's protocol). When it does not
        divide 30, the clip's last ``30 % window_seconds`` seconds are
        dropped. For DE, the 1-s rows inside a sample are averaged.
    allow_incomplete : bool, default=False
        Load the subjects that have a file and list the others in the
        result's ``missing_subjects`` (and its ``description``) instead of
        raising when some are absent (all 123 with ``subjects=None``, or the
        requested ones).
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
        ``window_seconds``; ``kind``; ``missing_subjects`` (ids asked for,
        or of the release when ``subjects=None``, that have no file; empty
        unless ``allow_incomplete=True``); ``description``; ``source`` (the
        root).

    Raises
    ------
    ValueError
        If the layout is missing; if a subject has no file (unless
        ``allow_incomplete=True``; with ``subjects=None`` every release
        subject counts); if an entry named like a subject file is not a
        regular file, has an id outside 0-122, or doubles another file of its
        subject (see :func:`faced_subject_files`); or if a file is truncated,
        unsafe, wrongly shaped, not of a real integer/float dtype (complex,
        bool, object and text arrays are refused) or holds NaN. The message
        names the file, or the missing subjects and how to proceed.

    Examples
    --------
    >>> import tempfile
    >>> from skvalence.datasets import make_faced_like, write_faced_like
    >>> root = tempfile.mkdtemp()
    >>> sim = make_faced_like(2, kind="de", window_seconds=1, random_state=0, verbose=0)
    >>> _ = write_faced_like(root, sim)
    >>> data = load_faced(root, kind="de", allow_incomplete=True, verbose=0)
    >>> data.X.shape, data.class_names[data.y[0]], data.feature_names[1]
    ((168, 160), 'anger', 'Fp1_theta')
    >>> data.missing_subjects[:3], len(data.missing_subjects)
    ([2, 3, 4], 121)
    """
    check_kind(kind)
    window_seconds, n_windows = check_window_seconds(window_seconds)
    quiet = progress_disabled(verbose)
    allow_incomplete = check_allow_incomplete(allow_incomplete)
    subjects = check_subjects(subjects, FACED_SUBJECTS)
    # The release as a whole must be complete only when no subjects were named.
    files = faced_subject_files(path, kind, allow_incomplete=allow_incomplete or subjects is not None)
    folder = Path(path).joinpath(*_LAYOUT[kind][0])
    subjects, missing = present_subjects(files, subjects, FACED_SUBJECTS, allow_incomplete=allow_incomplete,
                                         folder=folder, dataset="FACED")

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
        + (f"; INCOMPLETE: no file for subject(s) {format_ids(missing)} (allow_incomplete=True)" if missing else "")
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
        missing_subjects=missing,
    )
