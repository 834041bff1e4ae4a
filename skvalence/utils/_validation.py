"""Input checks shared by several subpackages.

The module is private; its functions are the one implementation of each check,
imported by the modules that need it (``from skvalence.utils._validation import
check_groups``). Each raises a ``ValueError`` whose message names the argument.
"""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path

import numpy as np
from sklearn.utils import check_array

__all__ = [
    "check_count",
    "check_groups",
    "check_missing_groups",
    "format_ids",
    "jsonable",
    "missing_groups_fallback",
    "stimulus_classes",
]


def check_groups(groups, n_samples=None, *, owner=None, name="groups"):
    """Group ids (e.g. subjects) as a 1-D array with one entry per row.

    Parameters
    ----------
    groups : array-like of shape (n_samples,) or None
        One group id per row. Ids of any dtype are accepted; NaN is not.
    n_samples : int or None, default=None
        Number of rows of ``X``; None skips the length check.
    owner : str or None, default=None
        Name of the caller (e.g. a splitter's class name); when given, messages
        start with ``"<owner>: "``.
    name : str, default="groups"
        Name of the argument in messages (e.g. ``"y"`` or ``"stimulus"`` for
        per-row class or stimulus labels, which obey the same rules).

    Returns
    -------
    groups : ndarray of shape (n_samples,)

    Raises
    ------
    ValueError
        If ``groups`` is None, not 1-D, empty, of the wrong length, or holds NaN.
    TypeError
        If the ids mix types that cannot be sorted together (e.g. ``[0, "a"]``).
    """
    prefix = f"{owner}: " if owner else ""
    if groups is None and name != "groups":
        raise ValueError(f"{prefix}`{name}` is required (one entry per row); got None")
    if groups is None:
        raise ValueError(
            f"{owner or 'this estimator'} needs `groups` (one subject or trial id per row); got "
            "groups=None. Pass groups=... to split(), cross_val_score() or GridSearchCV.fit()."
        )
    groups = check_array(groups, ensure_2d=False, dtype=None, ensure_all_finite=False, input_name=name)
    if groups.ndim != 1:
        raise ValueError(f"{prefix}`{name}` must be 1-D, got shape {groups.shape}")
    if n_samples is not None and groups.shape[0] != n_samples:
        raise ValueError(f"{prefix}`{name}` has {groups.shape[0]} entries but X has {n_samples} rows")
    if groups.dtype.kind in "fc" and np.isnan(groups).any():
        raise ValueError(f"{prefix}`{name}` contains NaN")
    if groups.dtype == object:
        try:  # ids are grouped with np.unique, which sorts them
            np.unique(groups)
        except TypeError:
            kinds = sorted({type(g).__name__ for g in groups.tolist()})
            raise TypeError(
                f"{prefix}`{name}` mixes ids of types {kinds} that cannot be sorted together; "
                "give every row an id of one type (e.g. all int or all str)"
            ) from None
    return groups


_MISSING_GROUPS = ("warn", "ignore", "raise")


def check_missing_groups(policy):
    """Refuse a ``missing_groups`` value other than "warn", "ignore" or "raise"."""
    if policy not in _MISSING_GROUPS:
        raise ValueError(f"missing_groups must be one of {_MISSING_GROUPS}, got {policy!r}")


def missing_groups_fallback(policy, owner, fallback):
    """Apply a per-subject transformer's ``missing_groups`` policy when no ``groups`` came.

    "raise" raises the routing advice of :func:`~skvalence.utils._validation.check_groups`;
    "warn" warns that ``fallback`` (what the transformer does instead) happens; "ignore"
    does nothing.
    """
    if policy == "raise":
        check_groups(None, owner=owner)
    if policy == "warn":
        warnings.warn(f"{owner}: no `groups` given; {fallback}", UserWarning, stacklevel=3)


def check_count(value, name, *, minimum=1):
    """An integer count ``>= minimum`` (bools refused), returned as ``int``.

    Raises
    ------
    ValueError
        If ``value`` is not an integer (``bool`` included) or is below ``minimum``.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < minimum:
        if minimum == 0:
            what = "a non-negative integer"
        elif minimum == 1:
            what = "a positive integer"
        else:
            what = f"an integer >= {minimum}"
        raise ValueError(f"{name} must be {what}, got {value!r}")
    return int(value)


def jsonable(value):
    """``value`` converted to plain JSON types, recursively.

    Dict keys become strings, tuples and arrays become lists, NumPy scalars
    become Python scalars, non-finite floats become ``None`` and paths become
    strings. Anything else must already be JSON-serialisable (``TypeError``
    otherwise).
    """
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    json.dumps(value)  # anything else must already be JSON (fails loudly otherwise)
    return value


def stimulus_classes(y, stimulus):
    """The class of every stimulus, from per-row labels.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class label of every row.
    stimulus : array-like of shape (n_samples,)
        Stimulus id of every row.

    Returns
    -------
    stimuli : ndarray of shape (n_stimuli,)
        Sorted unique stimulus ids.
    classes : ndarray of shape (n_stimuli,)
        The class of each stimulus, with the dtype of ``y``.

    Raises
    ------
    ValueError
        If ``y`` and ``stimulus`` differ in length, or if the rows of a stimulus
        carry more than one class (the message names the stimulus and the
        classes found).
    """
    y = np.asarray(y)
    stimulus = np.asarray(stimulus)
    if y.shape[0] != stimulus.shape[0]:
        raise ValueError(f"y has {y.shape[0]} rows but stimulus has {stimulus.shape[0]}")
    stimuli, inverse = np.unique(stimulus, return_inverse=True)
    inverse = inverse.reshape(-1)
    classes = np.empty(stimuli.shape[0], dtype=y.dtype)
    for j, key in enumerate(stimuli.tolist()):
        found = np.unique(y[inverse == j])
        if found.shape[0] != 1:
            raise ValueError(
                f"stimulus {key!r} occurs with several classes {found.tolist()}; "
                "each stimulus must have one class."
            )
        classes[j] = found[0]
    return stimuli, classes


def format_ids(ids):
    """Subject ids as a short, readable list: runs of consecutive ids become ranges.

    Examples
    --------
    >>> format_ids([0, 1, 2, 5, 7, 8, 122])
    '0-2, 5, 7-8, 122'
    """
    ids = sorted(int(i) for i in ids)
    runs = []
    for i in ids:
        if runs and i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in runs)
