"""Loader for the DE features of SEED-V (Liu et al., 2021; BCMI, SJTU).

SEED-V: 16 subjects, 3 sessions x 15 film clips (three per emotion), 62-channel
EEG. The release's ``EEG_DE_features/{subject}_123.npz`` holds, under the keys
``data`` and ``label``, the *bytes of a pickled dict* keyed by the 45 trials
(0-14 session 1, 15-29 session 2, 30-44 session 3).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
from sklearn.utils import Bunch
from tqdm.auto import tqdm

from ..eeg.bands import SEEDV_BANDS as _SEEDV_BANDS
from ..eeg.montage import SEEDV_CHANNELS
from ..emotions import SEEDV_CLASSES, SEEDV_VALENCE
from ..utils._logging import progress_disabled
from ._bunch import (
    absent_subjects,
    check_allow_incomplete,
    check_real_numbers,
    check_subjects,
    de_feature_names,
    format_ids,
    present_subjects,
    scan_subject_files,
)
from ._safe_pickle import safe_load_npz

__all__ = ["load_seedv", "seedv_subject_files", "SEEDV_BANDS", "SEEDV_SUBJECTS"]

#: DE bands of the SEED family's feature files (Hz), in file order; a plain-dict
#: copy of :data:`skvalence.eeg.bands.SEEDV_BANDS`.
SEEDV_BANDS = dict(_SEEDV_BANDS)
#: Subject ids of the SEED-V release (file names ``{subject}_123.npz``).
SEEDV_SUBJECTS = tuple(range(1, 17))
_N_TRIALS = 45
_TRIALS_PER_SESSION = 15
_N_FEATURES = len(SEEDV_CHANNELS) * len(SEEDV_BANDS)
_FILE = re.compile(r"^(\d+)_123\.npz$")
_LAYOUTS = ("channel_major", "band_major")


def _feature_folder(path, allow_incomplete):
    allow_incomplete = check_allow_incomplete(allow_incomplete)
    path = Path(path)
    folder = path if path.name == "EEG_DE_features" else path / "EEG_DE_features"
    if not folder.is_dir():
        raise ValueError(
            f"{path} does not look like a SEED-V root: expected the folder {folder} "
            "holding files like {subject}_123.npz (e.g. 1_123.npz)"
        )
    files = scan_subject_files(folder, _FILE, SEEDV_SUBJECTS, dataset="SEED-V", example="1_123.npz")
    if not files:
        raise ValueError(f"no SEED-V files in {folder}: expected files like 1_123.npz")
    absent_subjects(files, SEEDV_SUBJECTS, dataset="SEED-V", folder=folder, allow_incomplete=allow_incomplete)
    return folder, files


def seedv_subject_files(path, *, allow_incomplete=False):
    """Map subject id -> file for the SEED-V DE files present under ``path``.

    The listing refuses to guess: every entry named like a subject file
    (``{subject}_123.npz``) must be a regular file (or a symbolic link to
    one) whose id lies in 1-16, and no subject may have two files (``2_123.npz``
    and ``002_123.npz``). Other names are ignored.

    Parameters
    ----------
    path : str or path-like
        The dataset root holding ``EEG_DE_features/`` (or that folder itself).
    allow_incomplete : bool, default=False
        ``False``: a copy lacking any of the 16 subjects is an error naming
        the absent ids. ``True``: list the subjects present.

    Returns
    -------
    files : dict of int -> pathlib.Path
        The ``{subject}_123.npz`` files, sorted by subject id.

    Raises
    ------
    ValueError
        If the folder is missing or holds no ``{subject}_123.npz`` file; if
        an entry so named is not a regular file (a directory, a broken
        symbolic link, a FIFO...), has an id outside 1-16 or doubles another
        file of its subject; or, unless ``allow_incomplete=True``, if a
        subject is missing. The message names the file or the subjects.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from skvalence.datasets import write_seedv_like
    >>> rng = np.random.default_rng(0)
    >>> data = {2: {t: rng.normal(size=(1, 310)) for t in range(45)}}
    >>> labels = {2: {t: np.full(1, t % 5) for t in range(45)}}
    >>> root = tempfile.mkdtemp()
    >>> _ = write_seedv_like(root, data, labels)
    >>> sorted(seedv_subject_files(root, allow_incomplete=True))
    [2]
    """
    return _feature_folder(path, allow_incomplete)[1]


def _trial_dict(values, key, file):
    if key not in values:
        raise ValueError(f"{file}: missing key {key!r} (expected 'data' and 'label')")
    table = values[key]
    if not isinstance(table, dict):
        raise ValueError(f"{file}: {key!r} should be a pickled dict of trials, got {type(table).__name__}")
    try:
        keys = sorted(int(k) for k in table)
    except (TypeError, ValueError):
        raise ValueError(f"{file}: {key!r} trial keys must be integers 0-44, got {list(table)[:5]}") from None
    if keys != list(range(_N_TRIALS)):
        raise ValueError(f"{file}: {key!r} should hold trials 0-44, got {len(keys)} trial(s): {keys[:5]}...")
    out = {}
    for k, v in table.items():
        try:
            out[int(k)] = np.asarray(v)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{file}: {key!r} trial {k} is not an array ({exc})") from None
    return out


def _check_trial(file, trial, data, label):
    check_real_numbers(data, file, what=f"trial {trial} data")
    check_real_numbers(label, file, what=f"trial {trial} label")
    if data.ndim != 2 or data.shape[1] != _N_FEATURES:
        raise ValueError(f"{file}: trial {trial} data should have shape (n_windows, {_N_FEATURES}), got {data.shape}")
    if label.shape != (data.shape[0],):
        raise ValueError(f"{file}: trial {trial} label should have shape ({data.shape[0]},), got {label.shape}")
    if not np.all(np.isfinite(data)):
        raise ValueError(f"{file}: trial {trial} data must be finite numbers")
    if np.any((label != np.round(label)) | (label < 0) | (label > 4)):
        raise ValueError(f"{file}: trial {trial} labels must be integers 0-4, got {np.unique(label)}")


def _read_subject(file, feature_layout):
    values = safe_load_npz(file)
    data, label = _trial_dict(values, "data", file), _trial_dict(values, "label", file)
    blocks = []
    for trial in range(_N_TRIALS):
        x, y = data[trial], label[trial]
        _check_trial(file, trial, x, y)
        if feature_layout == "band_major":
            x = x.reshape(len(x), len(SEEDV_BANDS), len(SEEDV_CHANNELS)).transpose(0, 2, 1).reshape(len(x), -1)
        blocks.append((trial, x, y.astype(np.int64)))
    return blocks


def load_seedv(path, subjects=None, *, allow_incomplete=False, feature_layout="channel_major", verbose=None):
    """Load SEED-V's differential-entropy features into a Bunch of 4-s windows.

    Parameters
    ----------
    path : str or path-like
        The dataset root holding ``EEG_DE_features/`` (or that folder itself),
        with one ``{subject}_123.npz`` per subject (subjects 1-16). Each file's
        ``data`` and ``label`` keys hold the bytes of a pickled dict of 45
        trials; ``data[t]`` is ``(n_windows, 310)`` and ``label[t]`` is
        ``(n_windows,)`` with the emotion 0-4 (disgust, fear, sad, neutral,
        happy). The pickles are read with an allow-listing unpickler, so a
        tampered file cannot run code.
    subjects : list of int, optional
        Subject ids (1-16) to load; rows come sorted by id. ``None`` loads
        the whole release: all 16 subjects must have a file unless
        ``allow_incomplete=True``.
    allow_incomplete : bool, default=False
        Load the subjects that have a file and list the others in the
        result's ``missing_subjects`` (and its ``description``) instead of
        raising when some are absent (all 16 with ``subjects=None``, or the
        requested ones).
    feature_layout : {"channel_major", "band_major"}, default="channel_major"
        How the 310 columns are ordered in the files. The release's 310 =
        62 channels x 5 bands; we read it channel-major (``FP1_delta, ...,
        FP1_gamma, FPZ_delta, ...``), the convention of common SEED-V loaders
        (e.g. torcheeg reshapes each row to (62, 5)). This is an assumption
        we could not check against official documentation; pass
        ``"band_major"`` if your copy is ordered (5, 62) and it is reordered
        to channel-major.
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).

    Returns
    -------
    data : sklearn.utils.Bunch
        ``X`` ``(n, 310)`` channel-major, one row per DE window of the release
        (4 s, non-overlapping); ``y`` emotion index into ``class_names``
        (:data:`skvalence.emotions.SEEDV_CLASSES`); ``subject`` (1-16);
        ``session`` (0-2, = global trial // 15); ``trial`` (0-14 within the
        session, = global trial % 15); ``stimulus`` (the global trial id 0-44:
        the same film clip for every subject, since all subjects saw the
        same clips in the same order); ``window`` (row index within the
        trial); ``valence`` per row from :data:`skvalence.emotions.SEEDV_VALENCE`
        (disgust, fear, sad -> -1; neutral -> 0; happy -> +1); ``ch_names``
        (62); ``bands`` (delta 1-4, theta 4-8, alpha 8-14, beta 14-31,
        gamma 31-50 Hz); ``feature_names``; ``missing_subjects`` (ids asked
        for, or of the release when ``subjects=None``, that have no file;
        empty unless ``allow_incomplete=True``); ``description``; ``source``.

    Raises
    ------
    ValueError
        If the layout is missing; if a subject has no file (unless
        ``allow_incomplete=True``; with ``subjects=None`` all 16 count); if an
        entry named like a subject file is not a regular file, has an id
        outside 1-16 or doubles another file of its subject (see
        :func:`seedv_subject_files`); or if a file is truncated, unsafe or
        malformed, including arrays that are not real integers/floats
        (complex, bool, object, text). The message names the file, or the
        missing subjects and how to proceed.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from skvalence.datasets import write_seedv_like
    >>> rng = np.random.default_rng(0)
    >>> data = {1: {t: rng.normal(size=(3, 310)) for t in range(45)}}
    >>> labels = {1: {t: np.full(3, t % 5) for t in range(45)}}
    >>> root = tempfile.mkdtemp()
    >>> _ = write_seedv_like(root, data, labels)
    >>> seedv = load_seedv(root, allow_incomplete=True, verbose=0)
    >>> seedv.X.shape, seedv.session.max(), seedv.class_names[seedv.y[3]]
    ((135, 310), np.int64(2), 'fear')
    >>> seedv.missing_subjects
    [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]
    """
    if feature_layout not in _LAYOUTS:
        raise ValueError(f"feature_layout must be one of {_LAYOUTS}, got {feature_layout!r}")
    allow_incomplete = check_allow_incomplete(allow_incomplete)
    subjects = check_subjects(subjects, SEEDV_SUBJECTS)
    # The release as a whole must be complete only when no subjects were named.
    folder, files = _feature_folder(path, allow_incomplete or subjects is not None)
    subjects, missing = present_subjects(files, subjects, SEEDV_SUBJECTS, allow_incomplete=allow_incomplete,
                                         folder=folder, dataset="SEED-V",
                                         hint=" (expected files like 1_123.npz)")

    columns = {k: [] for k in ("X", "y", "subject", "stimulus", "window")}
    for subject in tqdm(subjects, desc="SEED-V", disable=progress_disabled(verbose)):
        for trial, x, y in _read_subject(files[subject], feature_layout):
            n = len(x)
            columns["X"].append(x)
            columns["y"].append(y)
            columns["subject"].append(np.full(n, subject, dtype=np.int64))
            columns["stimulus"].append(np.full(n, trial, dtype=np.int64))
            columns["window"].append(np.arange(n, dtype=np.int64))
    out = {k: np.concatenate(v) for k, v in columns.items()}
    return seedv_bunch(
        **out,
        source=os.fspath(path),
        description=(
            f"SEED-V DE features, {len(subjects)} subject(s) x 3 sessions x 15 trials, "
            "one row per 4-s window, 62 channels x 5 bands (channel-major)"
            + (f"; INCOMPLETE: no file for subject(s) {format_ids(missing)} (allow_incomplete=True)"
               if missing else "")
        ),
        missing_subjects=missing,
    )


def seedv_bunch(X, y, subject, stimulus, window, *, source, description, missing_subjects=(), **extra):
    """The Bunch of :func:`load_seedv` from its row columns (shared with the simulator).

    ``stimulus`` is the global trial 0-44; ``session``, ``trial`` and
    ``valence`` are derived from it and ``y``. ``extra`` fields (e.g. a
    simulator's ``truth``) are added as given.
    """
    stimulus, y = np.asarray(stimulus, dtype=np.int64), np.asarray(y, dtype=np.int64)
    valence = np.array([SEEDV_VALENCE[name] for name in SEEDV_CLASSES], dtype=np.int64)
    ch_names = list(SEEDV_CHANNELS)
    return Bunch(
        X=X,
        y=y,
        subject=np.asarray(subject, dtype=np.int64),
        stimulus=stimulus,
        window=np.asarray(window, dtype=np.int64),
        session=stimulus // _TRIALS_PER_SESSION,
        trial=stimulus % _TRIALS_PER_SESSION,
        valence=valence[y],
        class_names=tuple(SEEDV_CLASSES),
        ch_names=ch_names,
        bands=dict(SEEDV_BANDS),
        feature_names=de_feature_names(ch_names, SEEDV_BANDS),
        kind="de",
        source=source,
        description=description,
        missing_subjects=list(missing_subjects),
        **extra,
    )
