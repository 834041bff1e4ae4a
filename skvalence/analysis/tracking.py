"""Does stimulus-averaged EEG track the V-axis? A cross-validated ridge test.

The paper averages differential-entropy features over subjects and time to
one row per stimulus (28 FACED clips x 160 features) and shows that a ridge
regression predicts each clip's V-axis coordinate (r = 0.87, in-sample). This
module asks the same question out of sample:

* every stimulus is predicted by a ridge model fitted on the *other* stimuli
  (leave-one-stimulus-out), with the ridge penalty chosen inside each
  training fold by :class:`~sklearn.linear_model.RidgeCV`;
* the cross-validated Pearson r is tested against a permutation null
  (coordinates shuffled across stimuli, or across classes), one-sided;
* a random-coordinate null reports where r falls among coordinate tables
  with the same class structure but no relation to valence;
* the in-sample r (fit and score on all stimuli) is given beside it, labelled.

All null targets are fitted in the same :class:`~sklearn.linear_model.RidgeCV`
call per fold (multi-output, one penalty per target), so 1000 permutations
cost about as much as one fit.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
from joblib import Parallel, delayed
from scipy import stats
from sklearn.linear_model import RidgeCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array
from threadpoolctl import threadpool_limits

from skvalence.emotions import FACED_CLASSES, FACED_CLIP_CLASS
from skvalence.utils._logging import resolve_verbose
from skvalence.utils._validation import check_count, jsonable

from .geometry import _group_mean

__all__ = ["TrackingResult", "class_to_stimulus_coords", "track_vaxis"]

_PERMUTATIONS = ("auto", "stimulus", "class")


@dataclass
class TrackingResult:
    """Outcome of :func:`track_vaxis`.

    Attributes
    ----------
    r : float
        Cross-validated (leave-one-stimulus-out) Pearson r between held-out
        predictions and true coordinates. The headline number.
    r_ci : tuple of float
        95% Fisher-z interval of ``r``; it treats the held-out pairs as
        independent, which leave-one-out predictions are only approximately.
    r_in_sample : float
        Pearson r of a ridge fitted and scored on all stimuli (in-sample, as
        the paper's r = 0.87; optimistic by construction).
    p_value : float
        Permutation p-value of ``r``, ``(1 + #{r_perm >= r}) / (1 + n_permutations)``.
    test : str
        Name of the test behind ``p_value``.
    permutation : str
        ``"stimulus"`` or ``"class"`` (what was permuted; ``"auto"`` resolved).
    n_permutations : int
        Number of permutations.
    permutation_r : ndarray of shape (n_permutations,)
        Cross-validated r of every permuted coordinate table.
    null_percentile : float
        Percentile of ``r`` among ``random_r`` (ties count half).
    random_null : str
        What the random-coordinate null is.
    random_r : ndarray of shape (n_random,)
        Cross-validated r of every random coordinate table.
    stimuli : ndarray of shape (n_stimuli,)
        Sorted stimulus ids, the order of every per-stimulus array.
    true : ndarray of shape (n_stimuli,)
        Coordinate of each stimulus.
    predicted : ndarray of shape (n_stimuli,)
        Cross-validated prediction for each stimulus.
    stimulus_class : ndarray of shape (n_stimuli,)
        Class index of each stimulus (used by the class-level nulls and plots).
    alpha_ : ndarray of shape (n_stimuli,)
        Ridge penalty chosen inside each fold (fold ``i`` holds out stimulus ``i``).
    alpha_in_sample : float
        Ridge penalty of the in-sample fit.
    coef_ : ndarray of shape (n_channels, n_bands) or (n_features,)
        In-sample ridge weights on standardised features, as a channel x band
        topography when channel and band names are known.
    ch_names, bands : list of str or None
        Rows and columns of ``coef_`` when it is a topography.
    feature_names : list of str or None
        Feature names, when given.
    n_subjects : int or None
        Number of subjects averaged (None when ``subject`` was not given).
    """

    r: float
    r_ci: tuple
    r_in_sample: float
    p_value: float
    test: str
    permutation: str
    n_permutations: int
    permutation_r: np.ndarray
    null_percentile: float
    random_null: str
    random_r: np.ndarray
    stimuli: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    stimulus_class: np.ndarray
    alpha_: np.ndarray
    alpha_in_sample: float
    coef_: np.ndarray
    ch_names: list | None = None
    bands: list | None = None
    feature_names: list | None = None
    n_subjects: int | None = None

    def to_dict(self):
        """The result as plain JSON-serialisable Python (non-finite -> None).

        Returns
        -------
        dict

        Examples
        --------
        >>> import json
        >>> from skvalence.analysis.tracking import track_vaxis
        >>> import numpy as np
        >>> rng = np.random.default_rng(0)
        >>> stim = np.repeat(np.arange(8), 5)
        >>> X = rng.normal(size=(40, 6)) + np.arange(8)[stim, None] * [1, 0, 0, 0, 0, 0]
        >>> res = track_vaxis(X, stim, np.arange(8.0), n_permutations=20, n_random_directions=10, random_state=0)
        >>> sorted(json.loads(json.dumps(res.to_dict())))[:3]
        ['alpha_', 'alpha_in_sample', 'bands']
        """
        return jsonable(asdict(self))

    def region_weights(self):
        """Mean absolute ridge weight per scalp region (needs a channel x band ``coef_``).

        A mean rather than a sum, so regions with more electrodes do not weigh
        more; mastoid references are reported like any other region.

        Returns
        -------
        dict
            Region name -> mean of ``|coef_|`` over its channels and all bands,
            sorted from largest to smallest.

        Examples
        --------
        >>> import numpy as np
        >>> from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis
        >>> rng = np.random.default_rng(0)
        >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
        >>> stim = np.tile(np.arange(28), 3)
        >>> topo = np.zeros((2, 2)); topo[1] = 1.0      # only Oz carries the signal
        >>> X = rng.normal(size=(84, 4)) + np.outer(coords[stim], topo.ravel())
        >>> res = track_vaxis(X, stim, coords, n_permutations=10, n_random_directions=0,
        ...                   ch_names=["Fz", "Oz"], bands=["alpha", "beta"])
        >>> list(res.region_weights())[0]
        'occipital'
        """
        from skvalence.eeg.montage import channel_region

        weights = np.asarray(self.coef_)
        if weights.ndim != 2 or self.ch_names is None:
            raise ValueError("region_weights needs a (n_channels, n_bands) coef_; pass ch_names and bands")
        regions = np.array([channel_region(name) for name in self.ch_names])
        means = {str(reg): float(np.abs(weights[regions == reg]).mean()) for reg in dict.fromkeys(regions)}
        return dict(sorted(means.items(), key=lambda item: -item[1]))

    def summary(self):
        """A few lines of text: the cross-validated r, its test, the null and the in-sample r.

        Returns
        -------
        str

        Examples
        --------
        >>> import numpy as np
        >>> from skvalence.analysis.tracking import track_vaxis
        >>> rng = np.random.default_rng(0)
        >>> stim = np.repeat(np.arange(8), 5)
        >>> X = rng.normal(size=(40, 6)) + np.arange(8)[stim, None] * [1, 0, 0, 0, 0, 0]
        >>> res = track_vaxis(X, stim, np.arange(8.0), n_permutations=20, n_random_directions=10, random_state=0)
        >>> res.summary().splitlines()[0]
        'EEG tracks the V-axis: 8 stimuli, 6 features'
        """
        lo, hi = self.r_ci
        subjects = f", averaged over {self.n_subjects} subjects" if self.n_subjects else ""
        lines = [
            f"EEG tracks the V-axis: {len(self.stimuli)} stimuli, {self.coef_.size} features{subjects}",
            f"  cross-validated r (leave-one-stimulus-out) = {self.r:.3f}  [95% CI {lo:.3f}, {hi:.3f}]",
            f"  p = {self.p_value:.4g} ({self.test}; {self.n_permutations} permutations of the {self.permutation} table)",
            f"  random-coordinate null: r at the {self.null_percentile:.1f}th percentile of "
            f"{len(self.random_r)} tables (median null r = {np.nanmedian(self.random_r) if len(self.random_r) else np.nan:.3f})",
            f"  in-sample r (fit and scored on all stimuli; optimistic) = {self.r_in_sample:.3f}",
        ]
        return "\n".join(lines)


def class_to_stimulus_coords(class_coords, clip_class=FACED_CLIP_CLASS, classes=FACED_CLASSES):
    """Per-stimulus coordinates from one coordinate per class.

    Each stimulus gets the coordinate of its class, e.g. FACED's 9 class
    coordinates become 28 clip coordinates.

    Parameters
    ----------
    class_coords : array-like of shape (n_classes,) or mapping
        One coordinate per class, in ``classes`` order (e.g.
        ``VAxisTransformer().fit().class_coords_``), or a mapping from class
        name to coordinate.
    clip_class : array-like of int, shape (n_stimuli,), default=FACED_CLIP_CLASS
        Class index of every stimulus, in stimulus order.
    classes : sequence of str, default=FACED_CLASSES
        Class names, used only to read a mapping.

    Returns
    -------
    coords : ndarray of shape (n_stimuli,)

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.tracking import class_to_stimulus_coords
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> coords.shape, coords[:4].tolist()
    ((28,), [-1.0, -1.0, -1.0, -0.75])
    """
    if isinstance(class_coords, dict):
        missing = [c for c in classes if c not in class_coords]
        if missing:
            raise ValueError(f"class_coords has no coordinate for class(es) {missing}")
        class_coords = [class_coords[c] for c in classes]
    values = check_array(class_coords, ensure_2d=False, dtype=np.float64, input_name="class_coords")
    if values.ndim != 1:
        raise ValueError(f"class_coords must be 1-D (one coordinate per class), got shape {values.shape}")
    clip_class = np.asarray(clip_class)
    if clip_class.ndim != 1 or clip_class.dtype.kind not in "iu":
        raise ValueError("clip_class must be a 1-D array of integer class indices")
    if clip_class.size and (clip_class.min() < 0 or clip_class.max() >= values.size):
        raise ValueError(
            f"clip_class refers to class {clip_class.max()} but class_coords has {values.size} entries"
        )
    return values[clip_class]


# --------------------------------------------------------------------------- input checks


def _check_inputs(X, stimulus, subject):
    X = check_array(X, dtype=np.float64, input_name="X")
    stimulus = np.asarray(stimulus)
    if stimulus.ndim != 1 or stimulus.shape[0] != X.shape[0]:
        raise ValueError(f"stimulus must be 1-D with one entry per row of X ({X.shape[0]}), got shape {stimulus.shape}")
    if stimulus.dtype.kind == "f" and np.isnan(stimulus).any():
        raise ValueError("stimulus contains NaN")
    if subject is not None:
        subject = np.asarray(subject)
        if subject.ndim != 1 or subject.shape[0] != X.shape[0]:
            raise ValueError(f"subject must be 1-D with one entry per row of X ({X.shape[0]}), got shape {subject.shape}")
        if subject.dtype.kind == "f" and np.isnan(subject).any():
            raise ValueError("subject contains NaN")
    return X, stimulus, subject


def _average_per_stimulus(X, stimulus, subject):
    """(n_stimuli, n_features): subject-then-stimulus averages, and sorted stimulus ids."""
    stimuli, s_codes = np.unique(stimulus, return_inverse=True)
    n_stim = stimuli.size
    if subject is None:
        return _group_mean(X, s_codes, n_stim), stimuli, None
    subjects, g_codes = np.unique(subject, return_inverse=True)
    # Average windows within each (subject, stimulus) cell first, so every subject who saw a
    # stimulus weighs the same whatever their number of windows; then average over subjects.
    cells, c_codes = np.unique(g_codes * n_stim + s_codes, return_inverse=True)
    cell_means = _group_mean(X, c_codes, cells.size)
    return _group_mean(cell_means, cells % n_stim, n_stim), stimuli, int(subjects.size)


def _lookup_coords(stimulus_coords, stimuli):
    if isinstance(stimulus_coords, dict):
        missing = [s for s in stimuli.tolist() if s not in stimulus_coords]
        if missing:
            raise ValueError(f"stimulus_coords has no coordinate for stimulus/stimuli {missing[:10]}")
        values = [stimulus_coords[s] for s in stimuli.tolist()]
    else:
        values = stimulus_coords
    coords = check_array(values, ensure_2d=False, dtype=np.float64, input_name="stimulus_coords")
    if coords.ndim != 1 or coords.size != stimuli.size:
        raise ValueError(
            f"stimulus_coords must hold one coordinate per stimulus ({stimuli.size} sorted unique ids), "
            f"got shape {coords.shape}"
        )
    if np.ptp(coords) == 0:
        raise ValueError("stimulus_coords are all equal: a correlation with them is undefined")
    return coords


def _stimulus_class_codes(stimulus_class, coords, stimuli):
    """Class code per stimulus; by default stimuli sharing a coordinate form one class."""
    if stimulus_class is None:
        return np.unique(coords, return_inverse=True)[1]
    if isinstance(stimulus_class, dict):
        missing = [s for s in stimuli.tolist() if s not in stimulus_class]
        if missing:
            raise ValueError(f"stimulus_class has no class for stimulus/stimuli {missing[:10]}")
        stimulus_class = [stimulus_class[s] for s in stimuli.tolist()]
    labels = np.asarray(stimulus_class)
    if labels.ndim != 1 or labels.size != stimuli.size:
        raise ValueError(f"stimulus_class must hold one class per stimulus ({stimuli.size}), got shape {labels.shape}")
    return np.unique(labels, return_inverse=True)[1]


def _topography(n_features, feature_names, ch_names, bands):
    """Index array (n_channels, n_bands) into the features, with the names, or Nones."""
    if bands is not None:
        bands = list(bands)  # a dict of band edges gives its names
    if ch_names is not None and bands is not None:
        ch_names = list(ch_names)
        if len(ch_names) * len(bands) != n_features:
            raise ValueError(
                f"{len(ch_names)} channels x {len(bands)} bands = {len(ch_names) * len(bands)} "
                f"but X has {n_features} features"
            )
        if feature_names is None:  # channel-major layout: feature = channel * n_bands + band
            return np.arange(n_features).reshape(len(ch_names), len(bands)), ch_names, bands
    if feature_names is None:
        return None, None, None
    lookup = {name: i for i, name in enumerate(feature_names)}
    inferred = ch_names is None or bands is None
    if inferred:
        parts = [name.rsplit("_", 1) for name in feature_names]
        if not all(len(p) == 2 for p in parts):
            return None, None, None
        ch_names = ch_names or list(dict.fromkeys(p[0] for p in parts))
        bands = bands or list(dict.fromkeys(p[1] for p in parts))
    index = np.array([[lookup.get(f"{ch}_{band}", -1) for band in bands] for ch in ch_names])
    if index.size != n_features or (index < 0).any():
        if inferred:  # names that merely contain "_" need not be a channel x band grid
            return None, None, None
        raise ValueError("feature_names do not form a complete '<channel>_<band>' grid of ch_names x bands")
    return index, list(ch_names), list(bands)


# --------------------------------------------------------------------------- ridge engine


def _pearson_columns(pred, true):
    """Pearson r of every column of ``pred`` with the same column of ``true`` (NaN if constant)."""
    pc = pred - pred.mean(axis=0)
    tc = true - true.mean(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pc * tc).sum(axis=0) / np.sqrt((pc**2).sum(axis=0) * (tc**2).sum(axis=0))


def _fit_fold(M, T, held_out, alphas):
    """Fit scaler + RidgeCV on all stimuli but one; predict that one for every target column."""
    train = np.arange(M.shape[0]) != held_out
    # Matrices of a few dozen rows: multi-threaded BLAS only adds contention (10x slower
    # on a busy machine); parallelism, when wanted, is over folds via n_jobs.
    with threadpool_limits(limits=1):
        scaler = StandardScaler().fit(M[train])
        ridge = RidgeCV(alphas=alphas, alpha_per_target=True).fit(scaler.transform(M[train]), T[train])
        prediction = ridge.predict(scaler.transform(M[[held_out]]))[0]
    return prediction, np.atleast_1d(ridge.alpha_)[0]


def _cross_validated_predictions(M, T, alphas, n_jobs, level):
    """Leave-one-stimulus-out predictions (n_stimuli, n_targets) and the fold penalties."""
    # the folds are quick ridge fits: joblib's per-fold messages are DEBUG details
    folds = Parallel(n_jobs=n_jobs, verbose=10 if level <= logging.DEBUG else 0)(
        delayed(_fit_fold)(M, T, i, alphas) for i in range(M.shape[0])
    )
    return np.stack([f[0] for f in folds]), np.array([f[1] for f in folds])


def _check_alphas(alphas):
    if alphas is None:
        return np.logspace(-3, 3, 13)
    alphas = check_array(alphas, ensure_2d=False, dtype=np.float64, input_name="alphas")
    if alphas.ndim != 1 or alphas.size == 0 or np.any(alphas <= 0):
        raise ValueError("alphas must be a non-empty 1-D array of positive penalties")
    return alphas


def _class_values(coords, codes):
    """The coordinate of each class when its stimuli share one (allclose), else None."""
    first = np.array([coords[codes == c][0] for c in range(codes.max() + 1)])
    return first if np.allclose(coords, first[codes]) else None


def _shares_class_coordinates(coords, codes):
    """True when some class holds several stimuli and every class has a single coordinate."""
    if codes.max() + 1 == codes.size:
        return False
    return _class_values(coords, codes) is not None


def _null_tables(coords, codes, permutation, n_permutations, n_random, random_coords, rng):
    """Permuted coordinate tables and random-coordinate tables, each (n_stimuli, n)."""
    n_classes = codes.max() + 1
    if permutation == "stimulus":
        perms = np.stack([rng.permutation(coords) for _ in range(n_permutations)], axis=1)
    else:
        class_values = _class_values(coords, codes)
        if class_values is None:
            raise ValueError("permutation='class' needs one coordinate per class (stimuli of a class share it)")
        perms = np.stack([rng.permutation(class_values)[codes] for _ in range(n_permutations)], axis=1)
    if random_coords is not None:
        table = check_array(random_coords, dtype=np.float64, input_name="random_coords")
        if table.shape[1] != coords.size:
            raise ValueError(f"random_coords must have shape (n_random, {coords.size}), got {table.shape}")
        return perms, table.T
    # Random class values, mapped to stimuli: same class structure, no relation to valence.
    return perms, rng.standard_normal((n_random, n_classes))[:, codes].T


def track_vaxis(
    X,
    stimulus,
    stimulus_coords,
    *,
    subject=None,
    alphas=None,
    n_permutations=1000,
    permutation="auto",
    n_random_directions=200,
    random_coords=None,
    stimulus_class=None,
    feature_names=None,
    ch_names=None,
    bands=None,
    random_state=None,
    n_jobs=None,
    verbose=None,
):
    """Test whether stimulus-averaged EEG features predict V-axis coordinates.

    Rows of ``X`` are averaged per stimulus (within each subject first, then
    over subjects, when ``subject`` is given; otherwise over all rows of the
    stimulus). A ``StandardScaler`` + :class:`~sklearn.linear_model.RidgeCV`
    model then predicts every stimulus's coordinate from the other stimuli
    (leave-one-stimulus-out); the penalty is picked from ``alphas`` by
    efficient leave-one-out *within each training fold*, so the held-out
    stimulus never informs it.

    Two nulls are reported:

    * ``p_value`` -- one-sided permutation test of the cross-validated r,
      ``p = (1 + #{r_perm >= r}) / (1 + n_permutations)``.
      With ``permutation="stimulus"`` the coordinate table is shuffled across
      stimuli: the null is "no relation between the features and the
      stimuli's coordinates". With ``permutation="class"`` the class
      coordinates are shuffled across classes and then mapped to stimuli: the
      null is "the features carry class structure, but not this ordering of
      the classes". When stimuli of a class share a coordinate (class-level
      V-axis coordinates) and the EEG differs between classes for any
      reason, *every* class-structured table tracks better than a
      stimulus-shuffled one, so the stimulus null is anti-conservative for a
      claim about valence (on the simulated cohort, 6 of 20 random class
      tables reached p < 0.05 with it, 0 of 20 with the class null).
      ``"auto"`` (default) therefore uses ``"class"`` whenever stimuli share
      classes (given ``stimulus_class``, or tied coordinates) and
      ``"stimulus"`` when every stimulus has its own coordinate.
    * ``null_percentile`` -- where r falls among coordinate tables that carry
      no valence: ``random_coords`` when given (e.g. projections of the class
      centroids on random directions of the language model's hidden space, the
      paper's control); otherwise independent standard-normal values per
      class, mapped to stimuli (the class structure of the real table with
      arbitrary values; the scale is irrelevant to Pearson r).

    Note that chance level of a leave-one-out r is *below* zero (a model that
    only predicts the training mean gives r = -1), which is why the p-value
    comes from a permutation null run through the identical pipeline, not
    from a parametric test of r.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features (e.g. DE, channel-major ``<channel>_<band>``).
    stimulus : array-like of shape (n_samples,)
        Stimulus id of each row.
    stimulus_coords : mapping or array-like of shape (n_stimuli,)
        Coordinate per stimulus: a mapping from stimulus id, or an array in
        the order of the sorted unique ids (see :func:`class_to_stimulus_coords`).
    subject : array-like of shape (n_samples,), default=None
        Subject id of each row; when given, averaging is within subject first.
    alphas : array-like of float, default=None
        Candidate ridge penalties; None means ``np.logspace(-3, 3, 13)``.
    n_permutations : int, default=1000
        Permutations for ``p_value`` (at least 1).
    permutation : {"auto", "stimulus", "class"}, default="auto"
        What the permutation null shuffles (see above).
    n_random_directions : int, default=200
        Random coordinate tables for ``null_percentile`` when
        ``random_coords`` is None (0 skips the null).
    random_coords : array-like of shape (n_random, n_stimuli), default=None
        Caller-supplied null coordinate tables (e.g. random-direction projections).
    stimulus_class : array-like or mapping, default=None
        Class of each stimulus. None: stimuli sharing a coordinate form a class
        (exactly the classes when coordinates come from
        :func:`class_to_stimulus_coords`; each stimulus alone otherwise).
    feature_names : sequence of str, default=None
        Names ``"<channel>_<band>"`` of the features, used to shape ``coef_``.
    ch_names, bands : sequence of str, default=None
        Channels and bands of a channel-major feature layout (a dict of bands
        gives its keys), used to shape ``coef_`` as a topography.
    random_state : int, RandomState instance or None, default=None
        Seed of the permutations and of the random-coordinate null.
    n_jobs : int, default=None
        Parallel jobs over folds (joblib).
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        joblib's messages over the folds appear at DEBUG.

    Returns
    -------
    result : TrackingResult

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis
    >>> rng = np.random.default_rng(0)
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> stim = np.tile(np.arange(28), 10)
    >>> X = rng.normal(size=(280, 20)) + np.outer(coords[stim], rng.normal(size=20))
    >>> res = track_vaxis(X, stim, coords, n_permutations=99, n_random_directions=20, random_state=0)
    >>> res.r > 0.8, res.p_value
    (True, 0.01)
    """
    if permutation not in _PERMUTATIONS:
        raise ValueError(f"permutation must be one of {_PERMUTATIONS}, got {permutation!r}")
    check_count(n_permutations, "n_permutations", minimum=1)
    check_count(n_random_directions, "n_random_directions", minimum=0)
    alphas = _check_alphas(alphas)
    X, stimulus, subject = _check_inputs(X, stimulus, subject)
    M, stimuli, n_subjects = _average_per_stimulus(X, stimulus, subject)
    if stimuli.size < 4:
        raise ValueError(f"need at least 4 stimuli for leave-one-stimulus-out ridge, got {stimuli.size}")
    coords = _lookup_coords(stimulus_coords, stimuli)
    codes = _stimulus_class_codes(stimulus_class, coords, stimuli)
    if feature_names is not None:
        feature_names = [str(f) for f in feature_names]
        if len(feature_names) != X.shape[1]:
            raise ValueError(f"{len(feature_names)} feature_names for {X.shape[1]} features")
    index, ch_names, bands = _topography(X.shape[1], feature_names, ch_names, bands)

    level = resolve_verbose(verbose)
    rng = check_random_state(random_state)
    if permutation == "auto":
        permutation = "class" if _shares_class_coordinates(coords, codes) else "stimulus"
    perms, randoms = _null_tables(coords, codes, permutation, n_permutations, n_random_directions, random_coords, rng)
    # One multi-output RidgeCV per fold fits the real target and every null target at once.
    targets = np.column_stack([coords, perms, randoms])
    predictions, fold_alphas = _cross_validated_predictions(M, targets, alphas, n_jobs, level)
    r_all = _pearson_columns(predictions, targets)
    r = float(r_all[0])
    permutation_r = r_all[1 : 1 + n_permutations]
    random_r = r_all[1 + n_permutations :]

    in_sample = make_pipeline(StandardScaler(), RidgeCV(alphas=alphas)).fit(M, coords)
    ridge = in_sample[-1]
    coef = ridge.coef_ if index is None else ridge.coef_[index]
    ci = stats.pearsonr(predictions[:, 0], coords).confidence_interval(0.95)

    return TrackingResult(
        r=r,
        r_ci=(float(ci.low), float(ci.high)),
        r_in_sample=float(_pearson_columns(in_sample.predict(M)[:, None], coords[:, None])[0]),
        p_value=float((1 + np.sum(permutation_r >= r)) / (1 + n_permutations)),
        test="permutation of stimulus coordinates, one-sided, cross-validated Pearson r"
        if permutation == "stimulus"
        else "permutation of class coordinates, one-sided, cross-validated Pearson r",
        permutation=permutation,
        n_permutations=int(n_permutations),
        permutation_r=permutation_r,
        null_percentile=float(stats.percentileofscore(random_r, r, kind="mean")) if random_r.size else float("nan"),
        random_null="caller-supplied random_coords"
        if random_coords is not None
        else "independent standard-normal value per class, mapped to stimuli",
        random_r=random_r,
        stimuli=stimuli,
        true=coords,
        predicted=predictions[:, 0],
        stimulus_class=codes,
        alpha_=fold_alphas,
        alpha_in_sample=float(ridge.alpha_),
        coef_=coef,
        ch_names=ch_names,
        bands=bands,
        feature_names=feature_names,
        n_subjects=n_subjects,
    )
