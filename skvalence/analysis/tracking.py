"""Does stimulus-averaged EEG track the V-axis? A cross-validated ridge test.

The paper averages differential-entropy features over subjects and time to
one row per stimulus (28 FACED clips x 160 features) and shows that a ridge
regression predicts each clip's V-axis coordinate (r = 0.87, in-sample). This
module asks the same question out of sample, in a form that can say "no":

* **headline: leave-one-class-out r.** All stimuli of one emotion class are
  held out together and their coordinates predicted by a ridge fitted on the
  other classes (:func:`~sklearn.model_selection.cross_val_predict` with
  :class:`~sklearn.model_selection.LeaveOneGroupOut`, a ``StandardScaler`` +
  :class:`~sklearn.linear_model.RidgeCV` pipeline whose penalty is chosen inside
  each training fold). V-axis coordinates are class-level, so a stimulus held
  out alone would keep its same-class siblings, and their shared coordinate, in
  training: leave-one-stimulus-out r mostly measures "EEG separates the
  classes". Predicting an emotion the ridge never saw measures whether EEG
  carries the *ordering* of the classes along the axis.
* **test: class-level permutation.** The class -> coordinate assignment is
  permuted among classes (stimuli keep their class) and the leave-one-class-out
  r recomputed; every ordering is enumerated when there are few enough
  (9 classes: 9! = 362,880), otherwise ``n_permutations`` are drawn.
* **CI: subject-cluster bootstrap.** Subjects are resampled with replacement,
  the stimulus means recomputed and the leave-one-class-out r refitted; the
  interval of those r is reported (the unit of resampling is the
  subject, not the stimulus).
* **random-direction null:** the same headline estimator on coordinate tables
  that carry no valence (random directions of the language model's space, or
  random class values).
* leave-one-stimulus-out r and the in-sample r (fit and score on all stimuli,
  the paper's kind of figure) are given beside the headline, labelled.

All null tables are fitted in the same multi-output
:class:`~sklearn.linear_model.RidgeCV` call per fold (one penalty per target),
so 1000 permutations cost about as much as a few fits.
"""

from __future__ import annotations

import itertools
import logging
import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
from joblib import Parallel, delayed
from scipy import stats
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import LeaveOneGroupOut, cross_val_predict, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array
from threadpoolctl import threadpool_limits

from skvalence.emotions import FACED_CLASSES, FACED_CLIP_CLASS
from skvalence.utils._logging import resolve_verbose
from skvalence.utils._validation import check_count, jsonable
from skvalence.utils.nulls import monte_carlo_p, null_percentile, pearson_columns

from .geometry import _group_mean

__all__ = ["TrackingResult", "class_to_stimulus_coords", "track_vaxis"]

_PERMUTATIONS = ("auto", "stimulus", "class")
HEADLINE = "leave-one-class-out"
#: smallest Monte-Carlo null (permutations, random tables, bootstrap resamples) accepted
MIN_NULL_SIZE = 100
#: a subject bootstrap needs this many subjects (5 subjects: 126 distinct resamples)
MIN_BOOTSTRAP_SUBJECTS = 5
_TIE_RTOL = 1e-9  # permuted tables equal to the observed one tie with it despite rounding
_CHUNK = 2048  # null tables per multi-output fit (bounds memory for exact enumerations)


@dataclass
class TrackingResult:
    """Outcome of :func:`track_vaxis`.

    Attributes
    ----------
    r : float
        The headline estimate: equal to ``r_loco``.
    r_loco : float
        Leave-one-class-out Pearson r: every stimulus's coordinate is predicted by a
        ridge fitted on the stimuli of the *other* classes (all stimuli of a class
        held out together), and r is taken over all stimuli.
    r_loso : float
        Leave-one-stimulus-out r (each stimulus held out alone; its same-class
        siblings stay in training). Shown beside the headline, labelled; with
        class-level coordinates it mostly measures class separability.
    r_in_sample : float
        Pearson r of a ridge fitted and scored on all stimuli (in-sample, as the
        paper's r = 0.87; optimistic by construction).
    headline : str
        Name of the headline estimate, ``"leave-one-class-out"``.
    p_value : float
        One-sided permutation p-value of the headline r: exact
        (``#{r_perm >= r} / n_permutations`` over every ordering, the identity
        included) when ``permutation_exact``, else Monte-Carlo
        (``(1 + #{r_perm >= r}) / (1 + n_permutations)``).
    test : str
        Name of the test behind ``p_value``.
    permutation : str
        ``"class"`` (class -> coordinate assignment permuted among classes) or
        ``"stimulus"`` (coordinates shuffled across stimuli); ``"auto"`` resolved.
    permutation_exact : bool
        True when every ordering was enumerated, False when orderings were sampled.
    n_permutations : int
        Number of permuted tables scored (all orderings when exact).
    permutation_r : ndarray of shape (n_permutations,)
        Headline r of every permuted table.
    r_ci : tuple of float or None
        Confidence interval of the headline r from the subject-cluster bootstrap;
        None when not computed (``ci_method`` says why).
    ci_level : float
        Confidence level of ``r_ci``.
    ci_method : str
        How ``r_ci`` was obtained, or ``"not computed, because ..."``.
    resampling_unit : str or None
        Unit resampled by the bootstrap (``"subject"``); None when not computed.
    n_bootstrap : int
        Bootstrap resamples drawn (0 when not computed).
    bootstrap_r : ndarray of shape (n_bootstrap,)
        Headline r of every bootstrap resample.
    null_percentile : float or None
        Percentile of the headline r among ``random_r`` (ties count half); None
        when that null was not computed (``random_null`` says why).
    random_null : str
        What the random-coordinate null is, or ``"not computed, because ..."``.
    random_r : ndarray of shape (n_random,)
        Headline (leave-one-class-out) r of every random coordinate table.
    stimuli : ndarray of shape (n_stimuli,)
        Sorted stimulus ids, the order of every per-stimulus array.
    true : ndarray of shape (n_stimuli,)
        Coordinate of each stimulus.
    predicted : ndarray of shape (n_stimuli,)
        Leave-one-class-out prediction for each stimulus (the headline's).
    predicted_loso : ndarray of shape (n_stimuli,)
        Leave-one-stimulus-out prediction for each stimulus.
    stimulus_class : ndarray of shape (n_stimuli,)
        Class code of each stimulus (the groups held out together).
    alpha_ : ndarray of shape (n_classes,)
        Ridge penalty chosen inside each leave-one-class-out fold (fold ``c``
        holds out class code ``c``).
    alpha_in_sample : float
        Ridge penalty of the in-sample fit.
    coef_ : ndarray of shape (n_channels, n_bands) or (n_features,)
        In-sample ridge weights on standardised features, as a channel x band
        topography when channel and band names are known.
    pattern_ : ndarray, same shape as ``coef_``
        Forward model of the in-sample ridge (Haufe et al., 2014, NeuroImage 87:96-110):
        the covariance of each standardised feature with the ridge's prediction, divided
        by the prediction's variance. The weights ``coef_`` of a backward model also
        cancel what is shared with nuisance (for example each clip's own pattern), so
        they are not a topography; ``pattern_`` is the map of where the tracked signal
        lives, and what the report plots.
    ch_names, bands : list of str or None
        Rows and columns of ``coef_`` when it is a topography.
    feature_names : list of str or None
        Feature names, when given.
    n_subjects : int or None
        Number of subjects averaged (None when ``subject`` was not given).
    """

    r: float
    r_loco: float
    r_loso: float
    r_in_sample: float
    headline: str
    p_value: float
    test: str
    permutation: str
    permutation_exact: bool
    n_permutations: int
    permutation_r: np.ndarray
    r_ci: tuple | None
    ci_level: float
    ci_method: str
    resampling_unit: str | None
    n_bootstrap: int
    bootstrap_r: np.ndarray
    null_percentile: float | None
    random_null: str
    random_r: np.ndarray
    stimuli: np.ndarray
    true: np.ndarray
    predicted: np.ndarray
    predicted_loso: np.ndarray
    stimulus_class: np.ndarray
    alpha_: np.ndarray
    alpha_in_sample: float
    coef_: np.ndarray
    ch_names: list | None = None
    bands: list | None = None
    feature_names: list | None = None
    n_subjects: int | None = None
    pattern_: np.ndarray | None = None

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
        >>> res = track_vaxis(X, stim, np.arange(8.0), n_permutations=100, n_random_directions=0, random_state=0)
        >>> d = json.loads(json.dumps(res.to_dict()))
        >>> d["headline"], d["r"] == d["r_loco"], d["r_ci"], d["ci_method"]
        ('leave-one-class-out', True, None, 'not computed, because no subject ids were given')
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
        >>> res = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=0,
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
        """A few lines of text: the headline r, its test, CI, null, and the labelled side figures.

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
        >>> res = track_vaxis(X, stim, np.arange(8.0), n_permutations=100, n_random_directions=0, random_state=0)
        >>> print(res.summary().splitlines()[0])
        EEG tracks the V-axis: 8 stimuli in 8 classes, 6 features
        """
        n_classes = int(np.unique(self.stimulus_class).size)
        subjects = f", averaged over {self.n_subjects} subjects" if self.n_subjects else ""
        if self.r_ci is None:
            ci = f"  95% CI: {self.ci_method}"
        else:
            ci = (f"  {100 * self.ci_level:g}% CI [{self.r_ci[0]:.3f}, {self.r_ci[1]:.3f}] "
                  f"({self.ci_method})")
        if self.null_percentile is None:
            null = f"  random-coordinate null: {self.random_null}"
        else:
            null = (f"  random-coordinate null ({self.random_null}): r at the {self.null_percentile:.1f}th "
                    f"percentile of {len(self.random_r)} tables (median null r = {np.median(self.random_r):.3f})")
        same = " (each class holds one stimulus: same as leave-one-class-out)" \
            if n_classes == len(self.stimuli) else " (same-class siblings stay in training)"
        lines = [
            f"EEG tracks the V-axis: {len(self.stimuli)} stimuli in {n_classes} classes, "
            f"{self.coef_.size} features{subjects}",
            f"  headline: {self.headline} r = {self.r:.3f}",
            ci,
            f"  p = {self.p_value:.4g} ({self.test})",
            null,
            f"  leave-one-stimulus-out r = {self.r_loso:.3f}{same}",
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


def _subject_cells(X, stimulus, subject):
    """Per-(subject, stimulus) mean rows, dense (n_subjects, n_stimuli, n_features), and presence.

    ``present[g, s]`` is 1 where subject ``g`` has rows of stimulus ``s`` (cells without rows
    hold zeros). Weighting subjects by ``w`` and dividing by ``present.T @ w`` gives the
    stimulus means of :func:`_average_per_stimulus` for any multiset of subjects.
    """
    _, s_codes = np.unique(stimulus, return_inverse=True)
    _, g_codes = np.unique(subject, return_inverse=True)
    n_stim, n_subj = s_codes.max() + 1, g_codes.max() + 1
    cells, c_codes = np.unique(g_codes * n_stim + s_codes, return_inverse=True)
    dense = np.zeros((n_subj, n_stim, X.shape[1]))
    present = np.zeros((n_subj, n_stim))
    dense[cells // n_stim, cells % n_stim] = _group_mean(X, c_codes, cells.size)
    present[cells // n_stim, cells % n_stim] = 1.0
    return dense, present


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


def _forward_pattern(standardised, weights):
    """Haufe et al. (2014) forward pattern of a linear backward model: cov(x_j, y_hat) / var(y_hat)."""
    predicted = standardised @ np.ravel(weights)
    centred = predicted - predicted.mean()
    variance = centred @ centred
    if variance <= 0:
        return np.zeros(standardised.shape[1])
    return (standardised - standardised.mean(axis=0)).T @ centred / variance


def _pipeline(alphas):
    """Standardise on the training stimuli, then ridge with its penalty chosen per target by
    efficient leave-one-out *within* the training stimuli (never the held-out ones)."""
    return make_pipeline(StandardScaler(), RidgeCV(alphas=alphas, alpha_per_target=True))


def _joblib_verbose(level):
    # the folds are quick ridge fits: joblib's per-fold messages are DEBUG details
    return 10 if level <= logging.DEBUG else 0


def _held_out_predictions(M, T, groups, alphas, n_jobs=None, level=logging.WARNING):
    """Prediction of every column of ``T`` (n_stimuli, n_targets) with each group held out in turn.

    One multi-output fit per fold scores the real table and every null table at once (one
    penalty per target); columns are fitted in chunks so exact enumerations fit in memory.
    """
    out = np.empty_like(T)
    for start in range(0, T.shape[1], _CHUNK):
        block = T[:, start : start + _CHUNK]
        pred = cross_val_predict(_pipeline(alphas), M, block, groups=groups, cv=LeaveOneGroupOut(),
                                 n_jobs=n_jobs, verbose=_joblib_verbose(level))
        out[:, start : start + _CHUNK] = np.reshape(pred, block.shape)
    return out


def _headline_fit(M, coords, codes, alphas, n_jobs, level):
    """Leave-one-class-out predictions of the real table and the penalty chosen in each fold."""
    cv = cross_validate(_pipeline(alphas), M, coords, groups=codes, cv=LeaveOneGroupOut(),
                        scoring="neg_mean_squared_error", return_estimator=True, return_indices=True,
                        n_jobs=n_jobs, verbose=_joblib_verbose(level))
    predicted = np.empty(coords.size)
    fold_alphas = np.empty(len(cv["estimator"]))
    # LeaveOneGroupOut visits the sorted groups: fold c holds out class code c.
    for fold, (model, test) in enumerate(zip(cv["estimator"], cv["indices"]["test"])):
        predicted[test] = model.predict(M[test])
        fold_alphas[fold] = np.ravel(model[-1].alpha_)[0]
    return predicted, fold_alphas


def _check_alphas(alphas):
    if alphas is None:
        return np.logspace(-3, 3, 13)
    alphas = check_array(alphas, ensure_2d=False, dtype=np.float64, input_name="alphas")
    if alphas.ndim != 1 or alphas.size == 0 or np.any(alphas <= 0):
        raise ValueError("alphas must be a non-empty 1-D array of positive penalties")
    return alphas


def _check_null_size(value, name, allow_zero):
    """A null size of 0 (only where ``allow_zero``: skip) or at least MIN_NULL_SIZE."""
    value = check_count(value, name, minimum=0 if allow_zero else 1)
    if value == 0 and allow_zero:
        return value
    if value < MIN_NULL_SIZE:
        skip = " (or 0 to skip it)" if allow_zero else ""
        raise ValueError(f"{name}={value} is too small: a Monte-Carlo null or bootstrap needs at least "
                         f"{MIN_NULL_SIZE} draws{skip}")
    return value


def _class_values(coords, codes):
    """The coordinate of each class when its stimuli share one (allclose), else None."""
    first = np.array([coords[codes == c][0] for c in range(codes.max() + 1)])
    return first if np.allclose(coords, first[codes]) else None


def _shares_class_coordinates(coords, codes):
    """True when some class holds several stimuli and every class has a single coordinate."""
    if codes.max() + 1 == codes.size:
        return False
    return _class_values(coords, codes) is not None


def _permutation_tables(coords, codes, permutation, n_permutations, rng):
    """Permuted coordinate tables (n_stimuli, n) and whether they are every ordering.

    ``"class"`` permutes the class -> coordinate assignment among classes (stimuli keep their
    class); ``"stimulus"`` shuffles the coordinates across stimuli. When the number of
    orderings is at most ``n_permutations`` all of them are enumerated (exact test).
    """
    if permutation == "class":
        units = _class_values(coords, codes)
        if units is None:
            raise ValueError("permutation='class' needs one coordinate per class (stimuli of a class share it)")
        to_stimuli = codes
    else:
        units, to_stimuli = coords, np.arange(coords.size)
    if math.factorial(units.size) <= n_permutations:
        orders = np.array(list(itertools.permutations(range(units.size))))
        return units[orders][:, to_stimuli].T, True
    return np.stack([rng.permutation(units)[to_stimuli] for _ in range(n_permutations)], axis=1), False


def _random_tables(coords, codes, n_random, random_coords, rng):
    """Coordinate tables without valence (n_stimuli, n_random), or None, and their description."""
    if random_coords is not None:
        table = check_array(random_coords, dtype=np.float64, input_name="random_coords")
        if table.shape[1] != coords.size:
            raise ValueError(f"random_coords must have shape (n_random, {coords.size}), got {table.shape}")
        if table.shape[0] < MIN_NULL_SIZE:
            raise ValueError(f"random_coords holds {table.shape[0]} tables: the random-direction null "
                             f"needs at least {MIN_NULL_SIZE}")
        return table.T, "caller-supplied random_coords"
    if n_random == 0:
        return None, "not computed, because n_random_directions=0"
    # Random class values, mapped to stimuli: same class structure, no relation to valence.
    return rng.standard_normal((n_random, codes.max() + 1))[:, codes].T, \
        "independent standard-normal value per class, mapped to stimuli"


def _finite_r(r, what):
    r = np.asarray(r, dtype=np.float64)
    bad = ~np.isfinite(r)
    if bad.any():
        raise ValueError(f"the {what} is undefined for {int(bad.sum())} of {r.size} tables: the held-out "
                         "predictions are constant (features without variance across the training stimuli?)")
    return r


def _bootstrap_r(dense, present, weights, coords, codes, alphas):
    """Headline r after replacing the subjects by a weighted multiset of them (NaN if undefined)."""
    counts = present.T @ weights
    if np.any(counts == 0):  # a stimulus that no resampled subject saw
        return np.nan
    M = np.tensordot(weights, dense, axes=1) / counts[:, None]
    with threadpool_limits(limits=1):
        pred = _held_out_predictions(M, coords[:, None], codes, alphas)
    return float(pearson_columns(pred, coords)[0])


def _subject_bootstrap(dense, present, coords, codes, alphas, r, n_bootstrap, level, rng, n_jobs):
    """(CI, method, unit, bootstrap r) of the headline r, resampling subjects with replacement.

    The interval is normal on Fisher's z scale, centred on the estimate, with the standard error
    of the bootstrap distribution. Percentile-type intervals (percentile, BCa) fail here: a
    resample repeats some subjects and omits others, so its stimulus means average fewer
    distinct subjects, are noisier, and give a lower r; the whole bootstrap distribution can
    sit below the estimate (BCa's bias correction is then infinite).
    """
    n_subjects = dense.shape[0]

    def statistic(idx, axis=-1):
        rows = np.asarray(idx).reshape(-1, np.shape(idx)[-1]).astype(np.intp)
        values = Parallel(n_jobs=n_jobs)(
            delayed(_bootstrap_r)(dense, present, np.bincount(row, minlength=n_subjects).astype(float),
                                  coords, codes, alphas)
            for row in rows
        )
        return np.asarray(values, dtype=np.float64).reshape(np.shape(idx)[:-1])

    generator = np.random.default_rng(rng.randint(2**32 - 1))
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)  # NaN resamples: reported below
        # scipy draws the resamples of subject ids; the interval is computed below
        res = stats.bootstrap((np.arange(n_subjects),), statistic, vectorized=True, n_resamples=n_bootstrap,
                              method="percentile", confidence_level=level, rng=generator)
    boot = np.asarray(res.bootstrap_distribution, dtype=np.float64)
    bad = int(np.sum(~np.isfinite(boot)))
    if bad:
        return (None, f"not computed, because {bad} of {n_bootstrap} subject resamples gave an undefined r "
                "(a stimulus seen by no resampled subject, or constant predictions)", None, boot)
    edge = 1 - 1e-12
    se = float(np.std(np.arctanh(np.clip(boot, -edge, edge)), ddof=1))
    if not se > 0:
        return None, "not computed, because every subject resample gave the same r", None, boot
    half = stats.norm.ppf(0.5 + level / 2) * se
    z = np.arctanh(np.clip(r, -edge, edge))
    ci = (float(np.tanh(z - half)), float(np.tanh(z + half)))
    method = (f"subject-cluster bootstrap: {n_bootstrap} resamples of the {n_subjects} subjects with "
              f"replacement, stimulus means recomputed and the {HEADLINE} r refitted; normal interval on "
              "Fisher's z scale around the estimate, standard error from the bootstrap")
    return ci, method, "subject", boot


def _bootstrap_skipped(subject, n_subjects, n_bootstrap):
    """Why the subject bootstrap cannot run, or None when it can."""
    if subject is None:
        return "not computed, because no subject ids were given"
    if n_subjects < MIN_BOOTSTRAP_SUBJECTS:
        return (f"not computed, because a subject bootstrap needs at least {MIN_BOOTSTRAP_SUBJECTS} subjects "
                f"(got {n_subjects})")
    if n_bootstrap == 0:
        return "not computed, because n_bootstrap=0"
    return None


def _test_name(permutation, exact, n_tables, n_units):
    if permutation == "class":
        what = (f"class-level permutation test of the {HEADLINE} r, one-sided: the class -> coordinate "
                f"assignment is permuted among the {n_units} classes (stimuli keep their class; "
                "class coordinates permuted)")
    else:
        what = (f"stimulus-level permutation test of the {HEADLINE} r, one-sided: the stimulus coordinates "
                f"are shuffled across the {n_units} stimuli")
    if exact:
        how = f"exact, all {n_units}! = {n_tables} orderings"
    else:
        total = f"{n_units}! = {math.factorial(n_units):,}" if n_units <= 12 else f"{n_units}!"
        how = f"Monte Carlo, {n_tables} random orderings of the {total}"
    return f"{what}; {how}"


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
    n_bootstrap=1000,
    confidence_level=0.95,
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
    pipeline then predicts coordinates out of sample, through
    :func:`~sklearn.model_selection.cross_val_predict` with
    :class:`~sklearn.model_selection.LeaveOneGroupOut`; the penalty is picked
    from ``alphas`` by efficient leave-one-out *within each training fold*, so
    the held-out stimuli never inform it.

    * **Headline** ``r`` = ``r_loco``, *leave-one-class-out*: all stimuli of a
      class are held out together, so the ridge predicts the coordinate of an
      emotion it never saw. With class-level coordinates (every clip of a class
      shares its class's V-axis coordinate) this is the estimate that can fail:
      the leave-one-stimulus-out ``r_loso`` keeps a held-out clip's same-class
      siblings, and their coordinate, in training, so it is high whenever EEG
      separates the classes, whatever the coordinates are. ``r_loso`` and the
      in-sample ``r_in_sample`` are reported beside the headline, labelled.
    * **Test** (``p_value``, one-sided): the headline r against the same
      estimator on permuted coordinate tables. With ``permutation="class"`` the
      class -> coordinate assignment is permuted among classes (stimuli keep
      their class): the null is "the features carry class structure, but not
      this ordering of the classes". With ``"stimulus"`` the coordinates are
      shuffled across stimuli (for per-stimulus coordinates; anti-conservative
      when classes share coordinates and the EEG differs between classes).
      ``"auto"`` (default) uses ``"class"`` whenever stimuli share their class's
      coordinate and ``"stimulus"`` otherwise. When the number of orderings
      (``n_classes!`` or ``n_stimuli!``) is at most ``n_permutations``, every
      ordering is enumerated and ``p`` is the exact permutation p-value
      (``#{r_perm >= r} / n!``, the identity included); otherwise
      ``n_permutations`` orderings are drawn and
      ``p = (1 + #{r_perm >= r}) / (1 + n_permutations)``. ``test`` and
      ``permutation_exact`` say which.
    * **Confidence interval** (``r_ci``): subject-cluster bootstrap --
      subjects are resampled with replacement (:func:`scipy.stats.bootstrap`
      over subject ids), the stimulus means recomputed from the resampled
      subjects and the leave-one-class-out r refitted. The interval is normal
      on Fisher's z scale around the estimate with the bootstrap's standard
      error (only the transform is Fisher's; the spread comes from resampling
      subjects). Percentile-type intervals are not used: a resample repeats
      some subjects and drops others, so its means are noisier and its r lower,
      and the bootstrap distribution can sit entirely below the estimate.
      Stimuli are not resampled (they are the fixed design); the subject is the
      unit of resampling (``resampling_unit``). Without ``subject``, with fewer
      than 5 subjects or with ``n_bootstrap=0`` it is not computed and
      ``ci_method`` says why.
    * **Random-direction null** (``null_percentile``): the headline estimator on
      coordinate tables that carry no valence: ``random_coords`` when given (e.g.
      projections of the class centroids on random directions of the language
      model's hidden space, the paper's control); otherwise independent
      standard-normal values per class, mapped to stimuli.

    Chance level of a held-out r is *below* zero (a model that only predicts the
    training mean gives r = -1 under leave-one-out), which is why the p-value
    comes from permutations run through the identical pipeline, not from a
    parametric test of r.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        Features (e.g. DE, channel-major ``<channel>_<band>``); non-finite values
        are refused.
    stimulus : array-like of shape (n_samples,)
        Stimulus id of each row.
    stimulus_coords : mapping or array-like of shape (n_stimuli,)
        Coordinate per stimulus: a mapping from stimulus id, or an array in
        the order of the sorted unique ids (see :func:`class_to_stimulus_coords`).
    subject : array-like of shape (n_samples,), default=None
        Subject id of each row; when given, averaging is within subject first,
        and the confidence interval resamples subjects.
    alphas : array-like of float, default=None
        Candidate ridge penalties; None means ``np.logspace(-3, 3, 13)``.
    n_permutations : int, default=1000
        Permuted tables for ``p_value``, at least 100; every ordering is
        enumerated instead when there are no more than this many.
    permutation : {"auto", "stimulus", "class"}, default="auto"
        What the permutation test permutes (see above).
    n_random_directions : int, default=200
        Random coordinate tables for ``null_percentile`` when ``random_coords``
        is None: 0 skips the null (reported as not computed), otherwise at least 100.
    random_coords : array-like of shape (n_random, n_stimuli), default=None
        Caller-supplied null coordinate tables (at least 100), e.g.
        random-direction projections.
    stimulus_class : array-like or mapping, default=None
        Class of each stimulus: the groups held out together. None: stimuli
        sharing a coordinate form a class (exactly the classes when coordinates
        come from :func:`class_to_stimulus_coords`; each stimulus alone
        otherwise, which makes leave-one-class-out leave-one-stimulus-out).
        At least 3 classes are needed.
    n_bootstrap : int, default=1000
        Subject resamples for ``r_ci``: 0 skips the interval (reported as not
        computed), otherwise at least 100. Each resample refits the
        leave-one-class-out ridge (about 0.05 s each on one core).
    confidence_level : float, default=0.95
        Level of ``r_ci``.
    feature_names : sequence of str, default=None
        Names ``"<channel>_<band>"`` of the features, used to shape ``coef_``.
    ch_names, bands : sequence of str, default=None
        Channels and bands of a channel-major feature layout (a dict of bands
        gives its keys), used to shape ``coef_`` as a topography.
    random_state : int, RandomState instance or None, default=None
        Seed of the sampled permutations, the random-coordinate null and the bootstrap.
    n_jobs : int, default=None
        Parallel jobs over folds and bootstrap resamples (joblib).
    verbose : bool | int | str | None, default=None
        0/False: warnings only; 1/True: progress bars (INFO); 2: also per-epoch and per-item
        details (DEBUG); None: the level set by :func:`skvalence.utils.set_log_level` (INFO).
        joblib's messages over the folds appear at DEBUG.

    Returns
    -------
    result : TrackingResult

    Raises
    ------
    ValueError
        Fewer than 4 stimuli or 3 classes; a null size (``n_permutations``,
        ``n_random_directions``, ``random_coords`` rows, ``n_bootstrap``) between
        1 and 99; non-finite features or coordinates; an undefined r (constant
        held-out predictions) for the real or any null table.

    Notes
    -----
    Changed in issue 12: ``r`` is now the leave-one-class-out r (it was the
    leave-one-stimulus-out r, now ``r_loso``); ``r_ci`` comes from a subject
    bootstrap (it was Fisher's z over stimuli) and is None when not computed;
    ``null_percentile`` is None (not NaN) without a random null; ``alpha_`` has
    one entry per class; null sizes below 100 are refused.

    Examples
    --------
    A planted valence signal: every clip's features carry its class coordinate.

    >>> import numpy as np
    >>> from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis
    >>> rng = np.random.default_rng(0)
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> subject = np.repeat(np.arange(6), 28)
    >>> stim = np.tile(np.arange(28), 6)
    >>> X = rng.normal(size=(168, 20)) + np.outer(coords[stim], rng.normal(size=20))
    >>> res = track_vaxis(X, stim, coords, subject=subject, n_permutations=200,
    ...                   n_random_directions=0, n_bootstrap=100, random_state=0)
    >>> res.headline, res.r == res.r_loco, bool(res.r > 0.8), res.p_value
    ('leave-one-class-out', True, True, 0.004975124378109453)
    >>> res.resampling_unit, bool(res.r_ci[0] < res.r < res.r_ci[1] + 1e-12)
    ('subject', True)
    """
    if permutation not in _PERMUTATIONS:
        raise ValueError(f"permutation must be one of {_PERMUTATIONS}, got {permutation!r}")
    n_permutations = _check_null_size(n_permutations, "n_permutations", allow_zero=False)
    n_random_directions = _check_null_size(n_random_directions, "n_random_directions", allow_zero=True)
    n_bootstrap = _check_null_size(n_bootstrap, "n_bootstrap", allow_zero=True)
    if not (isinstance(confidence_level, (float, int)) and 0 < confidence_level < 1):
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level!r}")
    alphas = _check_alphas(alphas)
    X, stimulus, subject = _check_inputs(X, stimulus, subject)
    M, stimuli, n_subjects = _average_per_stimulus(X, stimulus, subject)
    if stimuli.size < 4:
        raise ValueError(f"need at least 4 stimuli for held-out ridge predictions, got {stimuli.size}")
    coords = _lookup_coords(stimulus_coords, stimuli)
    codes = _stimulus_class_codes(stimulus_class, coords, stimuli)
    n_classes = int(codes.max() + 1)
    if n_classes < 3:
        raise ValueError(f"leave-one-class-out needs at least 3 classes (got {n_classes}): with 2, each fold "
                         "trains on a single class and the held-out r is not informative")
    if feature_names is not None:
        feature_names = [str(f) for f in feature_names]
        if len(feature_names) != X.shape[1]:
            raise ValueError(f"{len(feature_names)} feature_names for {X.shape[1]} features")
    index, ch_names, bands = _topography(X.shape[1], feature_names, ch_names, bands)

    level = resolve_verbose(verbose)
    rng = check_random_state(random_state)
    if permutation == "auto":
        permutation = "class" if _shares_class_coordinates(coords, codes) else "stimulus"
    perms, exact = _permutation_tables(coords, codes, permutation, n_permutations, rng)
    randoms, random_null = _random_tables(coords, codes, n_random_directions, random_coords, rng)
    nulls = perms if randoms is None else np.column_stack([perms, randoms])

    # Matrices of a few dozen rows: multi-threaded BLAS only adds contention (10x slower on a
    # busy machine); parallelism, when wanted, is over folds and resamples via n_jobs.
    with threadpool_limits(limits=1):
        predicted, fold_alphas = _headline_fit(M, coords, codes, alphas, n_jobs, level)
        r = float(_finite_r(pearson_columns(predicted, coords), f"{HEADLINE} r")[0])
        null_r = _finite_r(pearson_columns(_held_out_predictions(M, nulls, codes, alphas, n_jobs, level), nulls),
                           f"{HEADLINE} r of the null tables")
        predicted_loso = _held_out_predictions(M, coords[:, None], np.arange(coords.size), alphas, n_jobs,
                                               level)[:, 0]
        r_loso = float(_finite_r(pearson_columns(predicted_loso, coords), "leave-one-stimulus-out r")[0])
        in_sample = _pipeline(alphas).fit(M, coords)
        r_in_sample = float(_finite_r(pearson_columns(in_sample.predict(M), coords), "in-sample r")[0])
    permutation_r = null_r[: perms.shape[1]]
    random_r = null_r[perms.shape[1] :]

    skipped = _bootstrap_skipped(subject, n_subjects or 0, n_bootstrap)
    if skipped is None:
        dense, present = _subject_cells(X, stimulus, subject)
        r_ci, ci_method, unit, boot = _subject_bootstrap(dense, present, coords, codes, alphas, r, n_bootstrap,
                                                         float(confidence_level), rng, n_jobs)
    else:
        r_ci, ci_method, unit, boot = None, skipped, None, np.empty(0)

    ridge = in_sample[-1]
    coef = ridge.coef_ if index is None else ridge.coef_[index]
    pattern = _forward_pattern(in_sample[0].transform(M), ridge.coef_)
    pattern = pattern if index is None else pattern[index]
    n_units = n_classes if permutation == "class" else coords.size
    return TrackingResult(
        r=r,
        r_loco=r,
        r_loso=r_loso,
        r_in_sample=r_in_sample,
        headline=HEADLINE,
        p_value=monte_carlo_p(r, permutation_r, exact=exact, rtol=_TIE_RTOL),
        test=_test_name(permutation, exact, permutation_r.size, n_units),
        permutation=permutation,
        permutation_exact=bool(exact),
        n_permutations=int(permutation_r.size),
        permutation_r=permutation_r,
        r_ci=r_ci,
        ci_level=float(confidence_level),
        ci_method=ci_method,
        resampling_unit=unit,
        n_bootstrap=int(boot.size),
        bootstrap_r=boot,
        null_percentile=null_percentile(r, random_r) if random_r.size else None,
        random_null=random_null,
        random_r=random_r,
        stimuli=stimuli,
        true=coords,
        predicted=predicted,
        predicted_loso=predicted_loso,
        stimulus_class=codes,
        alpha_=fold_alphas,
        alpha_in_sample=float(np.ravel(ridge.alpha_)[0]),
        coef_=coef,
        ch_names=ch_names,
        bands=bands,
        feature_names=feature_names,
        n_subjects=n_subjects,
        pattern_=pattern,
    )
