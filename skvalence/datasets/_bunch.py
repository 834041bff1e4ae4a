"""Constants and helpers shared by the FACED, SEED-V and simulated datasets.

Every loader returns a :class:`sklearn.utils.Bunch` with the same fields
(``X``, ``y``, ``class_names``, ``subject``, ``stimulus``, ``valence``,
``window``, ``ch_names``, ``sfreq`` or ``bands``, ``description``,
``source``); the helpers here build those fields in one place so the
loaders and the simulator cannot drift apart.
"""

from __future__ import annotations

import numbers
import stat

import numpy as np
from sklearn.utils import Bunch

from ..eeg.bands import FACED_BANDS as _FACED_BANDS
from ..eeg.bands import PAPER_BANDS as _PAPER_BANDS
from ..eeg.montage import FACED_CHANNELS
from ..emotions import FACED_CLASSES, FACED_CLIP_CLASS, faced_clip_valence
from ..utils._validation import format_ids

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


def _not_regular(entry):
    """What ``entry`` is when it is not a regular file (or a link to one); ``None`` otherwise."""
    try:
        mode = entry.stat().st_mode  # follows symbolic links
    except FileNotFoundError:
        return "a broken symbolic link" if entry.is_symlink() else "gone (deleted while listing)"
    except OSError as exc:
        return f"unreadable ({exc.strerror or exc})"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def scan_subject_files(folder, pattern, valid, *, dataset, example, id_digits=None):
    """Map subject id -> file for the entries of ``folder`` whose name matches ``pattern``.

    Names that do not match are someone else's files and are ignored. A
    matching entry must be a regular file (a symbolic link to one is fine)
    whose id lies in ``valid`` and is the only file of its subject; anything
    else raises a ``ValueError`` naming the entry, because loading around it
    would return a cohort the caller did not ask for.

    Parameters
    ----------
    folder : pathlib.Path
        The folder to list.
    pattern : re.Pattern
        Matches a subject file's name; group 1 holds the subject id's digits.
    valid : sequence of int
        The release's subject ids.
    dataset : str
        The data set's name, for messages.
    example : str
        A well-formed file name, for messages.
    id_digits : int, optional
        Required number of digits of the id (e.g. 3 for FACED's ``subNNN``).

    Returns
    -------
    files : dict of int -> pathlib.Path
        Sorted by subject id; may be empty.
    """
    files = {}
    for entry in sorted(folder.iterdir()):
        match = pattern.match(entry.name)
        if not match:
            continue
        digits = match.group(1)
        if id_digits is not None and len(digits) != id_digits:
            raise ValueError(
                f"{entry}: {dataset} subject files carry a {id_digits}-digit id (like {example}); "
                "rename or remove this file rather than have it guessed at"
            )
        what = _not_regular(entry)
        if what is not None:
            raise ValueError(
                f"{entry}: named like a {dataset} subject file but is {what}; remove it or put the "
                "subject's file in its place"
            )
        subject = int(digits)
        if subject not in valid:
            raise ValueError(
                f"{entry}: subject id {subject} is outside {dataset}'s subjects "
                f"{min(valid)}-{max(valid)}; remove or rename the file"
            )
        if subject in files:
            raise ValueError(
                f"{files[subject]} and {entry} both hold {dataset} subject {subject}; keep one of them"
            )
        files[subject] = entry
    return dict(sorted(files.items()))


def absent_subjects(files, valid, *, dataset, folder, allow_incomplete):
    """The release's subjects with no file; an error unless ``allow_incomplete``.

    Parameters
    ----------
    files : mapping of int -> path
        The subject files present.
    valid : sequence of int
        The release's subject ids.
    dataset : str
        The data set's name, for messages.
    folder : path-like
        The folder listed, for messages.
    allow_incomplete : bool
        Return the absent ids instead of raising.

    Returns
    -------
    missing : list of int
    """
    missing = [s for s in valid if s not in files]
    if missing and not allow_incomplete:
        raise ValueError(
            f"the {dataset} copy in {folder} is incomplete: no file for subject(s) {format_ids(missing)} "
            f"({len(files)} of {len(valid)} present). Pass allow_incomplete=True to load the subjects "
            "present (the result's missing_subjects lists the absent ones), or subjects=[...] to choose "
            "which subjects to load"
        )
    return missing


def check_allow_incomplete(allow_incomplete):
    """Validate the ``allow_incomplete`` flag (a bool)."""
    if not isinstance(allow_incomplete, (bool, np.bool_)):
        raise TypeError(f"allow_incomplete must be True or False, got {allow_incomplete!r}")
    return bool(allow_incomplete)


def check_real_numbers(array, file, what="array"):
    """Refuse arrays that are not real integer or floating-point numbers (complex, bool, object, text)."""
    if array.dtype.kind not in "iuf":
        raise ValueError(
            f"{file}: the {what} must hold real integer or floating-point numbers, got dtype {array.dtype}"
        )
    return array


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


def present_subjects(files, subjects, release_ids, *, allow_incomplete, folder, dataset, hint=""):
    """The requested subjects that have a file, and those that do not.

    ``subjects=None`` requests the whole release. A requested subject without a file is
    an error unless ``allow_incomplete``; no requested subject with a file is always one.

    Returns
    -------
    present, missing : list of int
    """
    requested = list(release_ids) if subjects is None else subjects
    missing = [s for s in requested if s not in files]
    if missing and not allow_incomplete:
        raise ValueError(
            f"no {dataset} file in {folder} for subject(s) {missing}{hint}; pass allow_incomplete=True to load "
            "the others"
        )
    present = [s for s in requested if s in files]
    if not present:
        raise ValueError(f"none of the requested {dataset} subject(s) {format_ids(requested)} has a file in {folder}")
    return present, missing
