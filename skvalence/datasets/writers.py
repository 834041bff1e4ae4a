"""Write data in the exact file formats of the FACED and SEED-V releases.

Tests, examples, documentation and benchmarks need files that look like the
real releases without shipping them; these writers turn a simulated Bunch
(or plain arrays) into the releases' layouts, so the loaders are exercised on
the same bytes they will meet on a user's disk.
"""

from __future__ import annotations

import numbers
import pickle
import pickletools
import struct
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ._bunch import FACED_CLIP_SECONDS, FACED_N_CLIPS, FACED_SFREQ, check_kind
from .faced import _DE_SHAPE, _LAYOUT, _RAW_SHAPE

__all__ = ["write_faced_like", "write_seedv_like"]


class _Py2Pickler(pickle._Pickler):
    """Protocol-2 pickler that writes ``bytes`` as Python 2 ``str`` (BINSTRING).

    Python 3 pickles ``bytes`` under protocol 2 as ``_codecs.encode(...)``;
    Python 2 wrote them as 8-bit strings, which Python 3 can only read with
    ``encoding="latin1"`` -- the case old releases put their users in.
    """

    dispatch = pickle._Pickler.dispatch.copy()

    def _save_py2_str(self, obj):
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = _save_py2_str


def _old_numpy_globals(data):
    """Rewrite GLOBAL opcodes ``numpy._core.*`` -> ``numpy.core.*`` (numpy < 2 spelling).

    Only opcode arguments are touched (found with :mod:`pickletools`), never
    array payloads; protocol 2 has no frames, so offsets need no fixing.
    """
    ops = list(pickletools.genops(data))
    out, last = [], 0
    for (opcode, arg, pos), nxt in zip(ops, ops[1:] + [(None, None, len(data))]):
        if opcode.name == "GLOBAL" and arg.startswith("numpy._core."):
            module, name = arg.split(" ", 1)
            module = "numpy.core." + module[len("numpy._core.") :]
            out += [data[last:pos], b"c" + module.encode() + b"\n" + name.encode() + b"\n"]
            last = nxt[2]
    out.append(data[last:])
    return b"".join(out)


def _dump_array(array, path, old_numpy):
    array = np.ascontiguousarray(array)
    if old_numpy:
        handle = _BytesSink()
        _Py2Pickler(handle, protocol=2).dump(array)
        payload = _old_numpy_globals(handle.getvalue())
    else:
        payload = pickle.dumps(array, protocol=2)
    Path(path).write_bytes(payload)


class _BytesSink:
    def __init__(self):
        self._parts = []

    def write(self, data):
        self._parts.append(bytes(data))

    def getvalue(self):
        return b"".join(self._parts)


def _bunch_to_release(bunch, subject, kind):
    """Rebuild one subject's release array from a Bunch's rows."""
    rows = np.flatnonzero(np.asarray(bunch.subject) == subject)
    ws = int(bunch.window_seconds)
    n_windows = FACED_CLIP_SECONDS // ws
    order = np.lexsort((bunch.window[rows], bunch.stimulus[rows]))
    rows = rows[order]
    expected = [(c, w) for c in range(FACED_N_CLIPS) for w in range(n_windows)]
    if list(zip(bunch.stimulus[rows].tolist(), bunch.window[rows].tolist())) != expected:
        raise ValueError(f"subject {subject}: the Bunch must hold every clip x window exactly once")
    X = np.asarray(bunch.X)[rows]
    if kind == "de":
        # Each sample's DE stands for every 1-s row inside it; the dropped
        # remainder repeats the last sample so the file keeps 30 rows.
        block = X.reshape(FACED_N_CLIPS, n_windows, _DE_SHAPE[1], _DE_SHAPE[3])
        block = np.repeat(block, ws, axis=1)
        pad = FACED_CLIP_SECONDS - block.shape[1]
        block = np.concatenate([block, np.repeat(block[:, -1:], pad, axis=1)], axis=1)
        return block.transpose(0, 2, 1, 3)
    block = X.reshape(FACED_N_CLIPS, n_windows, _RAW_SHAPE[1], ws * FACED_SFREQ).transpose(0, 2, 1, 3)
    block = block.reshape(FACED_N_CLIPS, _RAW_SHAPE[1], -1)
    pad = _RAW_SHAPE[2] - block.shape[2]
    return np.concatenate([block, np.zeros(block.shape[:2] + (pad,), block.dtype)], axis=2)


def _arrays_by_subject(data, kind, subjects):
    """Normalise a Bunch, a mapping or a stacked array to {subject: release array}."""
    if isinstance(data, Mapping) and "X" in data and "subject" in data:
        kind = kind or data.get("kind")
        check_kind(kind)
        ids = np.unique(data["subject"]) if subjects is None else subjects
        return kind, {int(s): _bunch_to_release(data, s, kind) for s in ids}
    if isinstance(data, Mapping):
        arrays = {int(s): np.asarray(a) for s, a in data.items()}
    else:
        stacked = np.asarray(data)
        if stacked.ndim not in (4, 5):
            raise ValueError(
                f"expected a Bunch, a dict subject -> array, or an array (n_subjects, {_RAW_SHAPE} or "
                f"{_DE_SHAPE}); got an array of shape {stacked.shape}"
            )
        ids = range(len(stacked)) if subjects is None else subjects
        if len(ids) != len(stacked):
            raise ValueError(f"got {len(stacked)} subject arrays but {len(ids)} subject ids")
        arrays = dict(zip((int(s) for s in ids), stacked))
    if kind is None:
        kind = "de" if next(iter(arrays.values())).ndim == 4 else "raw"
    check_kind(kind)
    return kind, arrays


def write_faced_like(root, data, kind=None, subjects=None, *, old_numpy=False):
    """Write FACED files in the release layout and pickle format.

    Parameters
    ----------
    root : str or path-like
        Dataset root to create; files go to ``Processed_data/subNNN.pkl``
        (raw) or ``EEG_Features/DE/subNNN.pkl.pkl`` (DE).
    data : Bunch, dict or ndarray
        A Bunch as returned by :func:`make_faced_like` or :func:`load_faced`
        (rows are reassembled per subject; a DE sample's value is written to
        each of its 1-s rows, and the seconds a ``window_seconds`` that does
        not divide 30 dropped are filled with the last sample (DE) or zeros
        (raw)); or a dict subject -> release array ((28, 32, 30, 5) DE or
        (28, 32, 7500) raw); or such arrays stacked on a first subject axis.
    kind : {"de", "raw"}, optional
        Default: the Bunch's ``kind``, or inferred from the arrays' rank.
    subjects : list of int, optional
        For a Bunch, the subjects to write (default all); for a stacked array,
        the ids of its entries (default 0 .. n-1).
    old_numpy : bool, default=False
        ``False`` writes ``pickle.dumps(array, protocol=2)`` as Python 3
        does. ``True`` writes what Python 2 with numpy < 2 wrote: globals
        ``numpy.core.multiarray._reconstruct`` and the array bytes as 8-bit
        strings, which Python 3 reads only with ``encoding="latin1"``.

    Returns
    -------
    paths : list of pathlib.Path
        The files written, by subject.

    Raises
    ------
    ValueError
        If an array has the wrong shape or a Bunch lacks some clip x window.

    Examples
    --------
    >>> import tempfile
    >>> from skvalence.datasets import make_faced_like, load_faced
    >>> root = tempfile.mkdtemp()
    >>> paths = write_faced_like(root, make_faced_like(1, random_state=0, verbose=0))
    >>> paths[0].name
    'sub000.pkl.pkl'
    """
    kind, arrays = _arrays_by_subject(data, kind, subjects)
    expected = _DE_SHAPE if kind == "de" else _RAW_SHAPE
    folder = Path(root).joinpath(*_LAYOUT[kind][0])
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".pkl.pkl" if kind == "de" else ".pkl"
    paths = []
    for subject, array in sorted(arrays.items()):
        if array.shape != expected:
            raise ValueError(f"subject {subject}: expected a {kind} array of shape {expected}, got {array.shape}")
        if not 0 <= subject <= 999:
            raise ValueError(f"subject ids must be 0-999 to fit subNNN, got {subject}")
        path = folder / f"sub{subject:03d}{suffix}"
        _dump_array(array, path, old_numpy)
        paths.append(path)
    return paths


def _seedv_from_bunch(bunch):
    data, labels = {}, {}
    for subject in np.unique(bunch.subject):
        data[int(subject)], labels[int(subject)] = {}, {}
        mask = np.asarray(bunch.subject) == subject
        for trial in np.unique(bunch.stimulus[mask]):
            rows = np.flatnonzero(mask & (np.asarray(bunch.stimulus) == trial))
            rows = rows[np.argsort(bunch.window[rows], kind="stable")]
            data[int(subject)][int(trial)] = np.asarray(bunch.X)[rows]
            labels[int(subject)][int(trial)] = np.asarray(bunch.y)[rows]
    return data, labels


def write_seedv_like(root, data, labels=None, *, protocol=4):
    """Write SEED-V DE files as the release does: ``.npz`` of pickled dicts.

    Parameters
    ----------
    root : str or path-like
        Dataset root; files go to ``EEG_DE_features/{subject}_123.npz``.
    data : Bunch or dict
        A Bunch with ``X`` (n, 310), ``y``, ``subject``, ``stimulus`` (global
        trial 0-44) and ``window`` (as :func:`load_seedv` returns), or a dict
        subject -> {trial: array (n_windows, 310)}.
    labels : dict, optional
        With a dict ``data``: subject -> {trial: array (n_windows,)} of
        emotion labels 0-4. Ignored for a Bunch.
    protocol : int, default=4
        Pickle protocol of the embedded dicts.

    Returns
    -------
    paths : list of pathlib.Path
        The files written, by subject.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> data = {3: {t: np.zeros((2, 310)) for t in range(45)}}
    >>> labels = {3: {t: np.zeros(2, dtype=int) for t in range(45)}}
    >>> write_seedv_like(tempfile.mkdtemp(), data, labels)[0].name
    '3_123.npz'
    """
    if isinstance(data, Mapping) and "X" in data and "subject" in data:
        data, labels = _seedv_from_bunch(data)
    elif labels is None:
        raise ValueError("labels is required when data is a dict subject -> {trial: array}")
    if set(data) != set(labels):
        raise ValueError(f"data and labels hold different subjects: {sorted(data)} vs {sorted(labels)}")
    folder = Path(root) / "EEG_DE_features"
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for subject in sorted(data):
        if isinstance(subject, bool) or not isinstance(subject, numbers.Integral):
            raise ValueError(f"subject ids must be integers, got {subject!r}")
        path = folder / f"{int(subject)}_123.npz"
        trials = {int(t): np.asarray(x) for t, x in data[subject].items()}
        trial_labels = {int(t): np.asarray(y) for t, y in labels[subject].items()}
        np.savez(
            path,
            data=pickle.dumps(trials, protocol=protocol),
            label=pickle.dumps(trial_labels, protocol=protocol),
        )
        paths.append(path)
    return paths
