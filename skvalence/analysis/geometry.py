"""Geometry of decoder features: class means, the basin, and V-axis alignment.

Vocabulary used throughout :mod:`skvalence.analysis`:

*class mean*
    :math:`\\mu_k`, the mean feature vector of the samples labelled ``k``.
*basin*
    The paper's name for the part of the features that the class labels explain.
    As a *vector decomposition* (:func:`split_basin_residual` without ``basis``)
    the basin part of sample ``i`` is its class mean :math:`\\mu_{y_i}`.  As a
    *subspace* (:func:`class_mean_subspace`) it is the span of the centred class
    means :math:`\\mu_k - \\bar\\mu`, where :math:`\\bar\\mu` is the unweighted mean
    of the class means; its dimension is at most ``n_classes - 1``.
*within-class residual*
    :math:`r_i = z_i - \\mu_{y_i}`: what is left of a sample once its class mean
    is removed.  Residuals average to zero inside every class.
*class-axis alignment*
    :func:`class_axis_alignment`: does the first principal direction of the class
    centroids order the classes as the V-axis does?
*residual alignment*
    :func:`residual_axis_alignment`: does the residual, between stimuli of the
    same class, order the stimuli as their V-axis coordinates do?
"""

from __future__ import annotations

import numbers

import numpy as np
from scipy import sparse
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array, check_consistent_length

from ..utils._validation import check_groups, stimulus_classes
from ..utils.linalg import row_space
from ..utils.nulls import monte_carlo_p, null_percentile, pearson_columns, random_unit_directions

__all__ = [
    "basin_projector",
    "class_axis_alignment",
    "class_mean_subspace",
    "class_means",
    "neural_collapse_ratio",
    "random_direction_null",
    "residual_axis_alignment",
    "split_basin_residual",
]


#: Smallest Monte-Carlo null accepted by the analyses (random directions, permutations).
MIN_NULL_SIZE = 100


# --------------------------------------------------------------------------- helpers
def _check_features(Z, y, name="Z"):
    Z = check_array(Z, dtype=np.float64, input_name=name)
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D (one label per row of {name}); got shape {y.shape}.")
    check_consistent_length(Z, y)
    # labels are grouped with np.unique: no NaN, no ids of types that cannot be sorted together
    return Z, check_groups(y, Z.shape[0], name="y")


def _check_labels(labels, n_rows, name):
    labels = np.asarray(labels)
    if labels.ndim != 1 or labels.shape[0] != n_rows:
        raise ValueError(f"{name} must be 1-D with one entry per sample ({n_rows}); got shape {labels.shape}.")
    return check_groups(labels, n_rows, name=name)


def _lookup(coords, keys, name):
    """Coordinates of ``keys`` from an array indexed by label value, or a mapping."""
    if isinstance(coords, dict):
        missing = [k for k in keys if k not in coords and _py(k) not in coords]
        if missing:
            raise ValueError(f"{name} has no coordinate for label(s) {missing[:5]}.")
        values = [coords[k] if k in coords else coords[_py(k)] for k in keys]
        out = np.asarray(values, dtype=np.float64)
    else:
        arr = check_array(coords, ensure_2d=False, dtype=np.float64, input_name=name)
        if arr.ndim != 1:
            raise ValueError(f"{name} must be 1-D (one coordinate per label); got shape {arr.shape}.")
        keys = np.asarray(keys)
        if not np.issubdtype(keys.dtype, np.integer):
            raise TypeError(
                f"{name} is an array, so labels must be integers 0..{arr.shape[0] - 1} that index it; "
                f"got labels of dtype {keys.dtype}. Pass a dict label -> coordinate instead."
            )
        if keys.min() < 0 or keys.max() >= arr.shape[0]:
            raise ValueError(
                f"{name} has {arr.shape[0]} entries but the labels run from {keys.min()} to {keys.max()}."
            )
        out = arr[keys]
    if not np.all(np.isfinite(out)):
        raise ValueError(f"{name} contains NaN or infinity.")
    return out


def _py(value):
    return value.item() if isinstance(value, np.generic) else value


def _group_mean(X, codes, n_groups):
    """Row means of X per integer code (sparse one-hot product; fast for many rows)."""
    onehot = sparse.csr_matrix((np.ones(codes.size), (codes, np.arange(codes.size))), shape=(n_groups, codes.size))
    counts = np.asarray(onehot.sum(axis=1)).ravel()
    return np.asarray(onehot @ X) / counts[:, None]


def _group_means(Z, labels):
    """Sorted unique labels, the mean row of Z per label, and each row's label index."""
    keys, inverse = np.unique(labels, return_inverse=True)
    return keys, _group_mean(Z, inverse, keys.shape[0]), inverse


def _pc1(points):
    """First principal direction and explained-variance ratio of centred ``points``."""
    centred = points - points.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    total = float(np.sum(s**2))
    ratio = float(s[0] ** 2 / total) if total > 0 else 0.0
    return vt[0], ratio


def _corr(a, b, what):
    if np.ptp(a) <= 1e-12 * max(1.0, np.max(np.abs(a))):
        raise ValueError(f"{what}: the principal-component scores are constant (features carry no spread).")
    if np.ptp(b) == 0:
        raise ValueError(f"{what}: the coordinates are constant, so a correlation is undefined.")
    return float(np.corrcoef(a, b)[0, 1])


def _residual_coords(stim_coords, stim_classes):
    """Stimulus coordinate minus the mean coordinate of the stimuli of its class."""
    out = np.empty_like(stim_coords)
    for cls in np.unique(stim_classes):
        mask = stim_classes == cls
        out[mask] = stim_coords[mask] - stim_coords[mask].mean()
    return out


def _residual_stimulus_coords(Z, y, stimulus, stimulus_coords, error_message):
    """Checked inputs, sorted stimuli and their within-class residual coordinates.

    Raises ``ValueError(error_message)`` when the residual coordinates are all
    (numerically) zero, i.e. the coordinates are constant within every class.
    """
    Z, y = _check_features(Z, y)
    stimulus = _check_labels(stimulus, Z.shape[0], "stimulus")
    stimuli, stim_class = stimulus_classes(y, stimulus)
    coords = _lookup(stimulus_coords, stimuli, "stimulus_coords")
    res_coords = _residual_coords(coords, stim_class)
    if np.ptp(res_coords) <= 1e-12 * max(1.0, np.max(np.abs(coords))):
        raise ValueError(error_message)
    return Z, y, stimulus, stimuli, res_coords


# --------------------------------------------------------------------------- basics
def class_means(Z, y):
    """Mean feature vector of every class.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features (e.g. a decoder's penultimate layer).
    y : array-like of shape (n_samples,)
        Class labels.

    Returns
    -------
    classes : ndarray of shape (n_classes,)
        Sorted unique labels.
    means : ndarray of shape (n_classes, n_features)
        ``means[k]`` is the mean of the rows of ``Z`` labelled ``classes[k]``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import class_means
    >>> classes, means = class_means([[0.0, 0.0], [2.0, 0.0], [5.0, 5.0]], [0, 0, 1])
    >>> classes.tolist(), means.tolist()
    ([0, 1], [[1.0, 0.0], [5.0, 5.0]])
    """
    Z, y = _check_features(Z, y)
    classes, means, _ = _group_means(Z, y)
    return classes, means


def class_mean_subspace(Z, y, *, tol=1e-10):
    """Orthonormal basis of the span of the centred class means (the basin subspace).

    The class means are centred on their unweighted average, so the span has
    dimension ``k <= n_classes - 1`` (less if the means are affinely dependent).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels (at least two classes).
    tol : float, default=1e-10
        Singular values below ``tol`` times the largest one are dropped.

    Returns
    -------
    basis : ndarray of shape (n_features, k)
        Orthonormal columns spanning the centred class means.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import class_mean_subspace
    >>> Z = np.array([[1.0, 0, 0], [3.0, 0, 0], [0, 2.0, 0]])
    >>> class_mean_subspace(Z, [0, 0, 1]).shape
    (3, 1)
    """
    Z, y = _check_features(Z, y)
    _, means, _ = _group_means(Z, y)
    if means.shape[0] < 2:
        raise ValueError("class_mean_subspace needs at least two classes in y.")
    return row_space(means - means.mean(axis=0), tol)


def basin_projector(Z, y, *, tol=1e-10):
    """Orthogonal projector onto the basin subspace (see :func:`class_mean_subspace`).

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels.
    tol : float, default=1e-10
        Relative singular-value cut-off passed to :func:`class_mean_subspace`.

    Returns
    -------
    P : ndarray of shape (n_features, n_features)
        Symmetric, idempotent ``B @ B.T`` for the orthonormal basis ``B``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import basin_projector
    >>> P = basin_projector([[1.0, 0.0], [3.0, 0.0]], [0, 1])
    >>> np.allclose(P, [[1, 0], [0, 0]])
    True
    """
    basis = class_mean_subspace(Z, y, tol=tol)
    return basis @ basis.T


def split_basin_residual(Z, y, basis=None):
    """Split features into a basin part and a within-class residual.

    Two precise definitions, chosen by ``basis``:

    * ``basis=None`` (the paper's decomposition): ``basin[i] = mean of the rows of
      Z with label y[i]`` (the class mean) and ``residual[i] = Z[i] - basin[i]``.
      The residual averages to zero within each class.
    * ``basis`` given (an orthonormal ``(n_features, k)`` matrix, e.g. a basin
      estimated on other data): orthogonal projection around the unweighted mean
      of the class means ``c``, ``basin = c + (Z - c) B B^T`` and
      ``residual = Z - basin``, which is orthogonal to ``B``.

    In both cases ``basin + residual == Z``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels.
    basis : array-like of shape (n_features, k), default=None
        Orthonormal basis of a subspace to project on.

    Returns
    -------
    basin : ndarray of shape (n_samples, n_features)
    residual : ndarray of shape (n_samples, n_features)

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import split_basin_residual
    >>> basin, residual = split_basin_residual([[0.0, 1.0], [2.0, -1.0], [5.0, 0.0]], [0, 0, 1])
    >>> basin.tolist(), residual.tolist()
    ([[1.0, 0.0], [1.0, 0.0], [5.0, 0.0]], [[-1.0, 1.0], [1.0, -1.0], [0.0, 0.0]])
    """
    Z, y = _check_features(Z, y)
    _, means, inverse = _group_means(Z, y)
    if basis is None:
        basin = means[inverse]
    else:
        B = check_array(basis, dtype=np.float64, input_name="basis")
        if B.shape[0] != Z.shape[1]:
            raise ValueError(f"basis has {B.shape[0]} rows but Z has {Z.shape[1]} features.")
        if not np.allclose(B.T @ B, np.eye(B.shape[1]), atol=1e-6):
            raise ValueError("basis must have orthonormal columns (B.T @ B == I).")
        centre = means.mean(axis=0)
        basin = centre + (Z - centre) @ B @ B.T
    return basin, Z - basin


def neural_collapse_ratio(Z, y):
    """Within-class over between-class spread: ``tr(S_W) / tr(S_B)`` (NC1-style).

    ``S_W = (1/n) sum_i (z_i - mu_{y_i})(z_i - mu_{y_i})^T`` is the pooled
    within-class covariance and ``S_B = (1/K) sum_k (mu_k - mu)(mu_k - mu)^T``
    the covariance of the ``K`` class means around their unweighted average
    ``mu``.  Papyan et al.'s NC1 is ``tr(S_W S_B^+) / K``; the trace ratio used
    here needs no pseudo-inverse and is invariant to rotation and scale of the
    features.  It falls towards 0 as features collapse onto their class means.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels (at least two classes).

    Returns
    -------
    ratio : float
        Non-negative; ``inf`` when all class means coincide.

    Examples
    --------
    >>> from skvalence.analysis.geometry import neural_collapse_ratio
    >>> neural_collapse_ratio([[0.0], [2.0], [10.0], [12.0]], [0, 0, 1, 1])
    0.04
    """
    Z, y = _check_features(Z, y)
    peak = float(np.max(np.abs(Z)))
    if peak > 0:  # the ratio is scale-invariant; an exact power-of-two rescale keeps squares of huge/tiny Z finite
        Z = np.ldexp(Z, -np.frexp(peak)[1])
    _, means, inverse = _group_means(Z, y)
    if means.shape[0] < 2:
        raise ValueError("neural_collapse_ratio needs at least two classes in y.")
    within = float(np.mean(np.sum((Z - means[inverse]) ** 2, axis=1)))
    between = float(np.mean(np.sum((means - means.mean(axis=0)) ** 2, axis=1)))
    return within / between if between > 0 else float("inf")


# --------------------------------------------------------------------------- alignment
def class_axis_alignment(Z, y, class_coords, *, return_details=False):
    """Class-PC1 alignment: ``|corr|`` between class-centroid PC1 scores and class coordinates.

    Steps: class centroids of ``Z`` -> centred on their unweighted mean -> first
    principal component -> each centroid's PC1 score -> absolute Pearson
    correlation with the coordinate of its class.  The absolute value is taken
    because the sign of a principal component is arbitrary.  The result is
    invariant to rotations, translations and isotropic scaling of ``Z``.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels; at least three distinct classes (with two, any
        correlation is +-1).
    class_coords : array-like of shape (n_labels,) or dict
        V-axis coordinate of each class: an array indexed by the integer label
        value (``class_coords[k]`` for label ``k``), or a mapping label -> value.
    return_details : bool, default=False
        Also return a :class:`~sklearn.utils.Bunch` with ``r`` (signed),
        ``explained_variance_ratio`` of PC1, ``sign`` (+1 when PC1 already points
        along the coordinates), ``classes`` and ``scores``.

    Returns
    -------
    alignment : float in [0, 1]
    details : Bunch
        Only when ``return_details=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import class_axis_alignment
    >>> rng = np.random.default_rng(0)
    >>> coords = np.array([-1.0, 0.2, 0.5, 1.0])
    >>> y = np.repeat(np.arange(4), 20)
    >>> Z = np.outer(coords[y], rng.normal(size=6)) + 0.05 * rng.normal(size=(80, 6))
    >>> round(class_axis_alignment(Z, y, coords), 2)
    1.0
    """
    Z, y = _check_features(Z, y)
    classes, means, _ = _group_means(Z, y)
    if classes.shape[0] < 3:
        raise ValueError(f"class_axis_alignment needs at least 3 classes; y has {classes.shape[0]}.")
    coords = _lookup(class_coords, classes, "class_coords")
    direction, ratio = _pc1(means)
    scores = (means - means.mean(axis=0)) @ direction
    r = _corr(scores, coords, "class_axis_alignment")
    alignment = abs(r)
    if not return_details:
        return alignment
    return alignment, Bunch(
        r=r, sign=1 if r >= 0 else -1, explained_variance_ratio=ratio, classes=classes, scores=scores
    )


def residual_axis_alignment(
    Z,
    y,
    stimulus,
    stimulus_coords,
    *,
    Z_val=None,
    y_val=None,
    stimulus_val=None,
    return_details=False,
):
    """Within-class residual alignment with the V-axis, at the level of stimuli.

    Exact definition implemented:

    1. Residual features ``R = Z - mu_{y}`` (class means of the data they are
       applied to; see :func:`split_basin_residual`).
    2. Stimulus centroids of ``R``: one mean residual per stimulus.
    3. Direction ``u`` = PC1 of the centred stimulus centroids.  When
       ``Z_val``/``y_val``/``stimulus_val`` are given, ``u`` is computed from
       the validation residuals (with the validation class means) and only
       applied to ``Z``, so choosing the direction and scoring it use disjoint
       data.
    4. Scores: each stimulus centroid of ``R`` projected on ``u``.
    5. Residual coordinate of stimulus ``s``: its coordinate minus the mean
       coordinate of the stimuli of its class (in ``Z``).  This is the part of
       the V-axis that class labels cannot explain.
    6. Alignment = ``|Pearson r|`` between the scores and residual coordinates.

    The class mean is removed on both sides because the question is whether the
    features order stimuli *inside* a class as the V-axis does; any class-level
    agreement is already measured by :func:`class_axis_alignment`.  This needs
    **per-stimulus** coordinates (e.g. a text coordinate per clip, or a
    simulator's ground truth): with one coordinate per class the residual
    coordinate is identically zero and a ``ValueError`` is raised.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features to score.
    y : array-like of shape (n_samples,)
        Class labels.
    stimulus : array-like of shape (n_samples,)
        Stimulus (clip) of each sample; each stimulus belongs to one class.
    stimulus_coords : array-like of shape (n_stimulus_labels,) or dict
        V-axis coordinate of each stimulus, indexed by stimulus label value, or
        a mapping stimulus -> coordinate.
    Z_val, y_val, stimulus_val : array-like, default=None
        Held-out data used only to choose the residual direction ``u``.
    return_details : bool, default=False
        Also return a Bunch with ``r``, ``explained_variance_ratio`` of the
        direction's PC1, ``stimuli``, ``scores`` and ``residual_coords``.

    Returns
    -------
    alignment : float in [0, 1]
    details : Bunch
        Only when ``return_details=True``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import residual_axis_alignment
    >>> rng = np.random.default_rng(0)
    >>> stim_class = np.repeat(np.arange(3), 3)                 # 9 stimuli, 3 classes
    >>> stim_coords = np.linspace(-1, 1, 9) + 0.2 * rng.normal(size=9)
    >>> stimulus = np.repeat(np.arange(9), 10)
    >>> y = stim_class[stimulus]
    >>> Z = np.outer(stim_coords[stimulus], rng.normal(size=5)) + 0.01 * rng.normal(size=(90, 5))
    >>> round(residual_axis_alignment(Z, y, stimulus, stim_coords), 2)
    1.0
    """
    Z, y, stimulus, stimuli, res_coords = _residual_stimulus_coords(
        Z,
        y,
        stimulus,
        stimulus_coords,
        "The stimulus coordinates are constant within every class, so the within-class residual "
        "coordinate is zero; residual_axis_alignment needs per-stimulus coordinates.",
    )
    _, residual = split_basin_residual(Z, y)
    _, centroids, _ = _group_means(residual, stimulus)
    if centroids.shape[0] < 3:
        raise ValueError("residual_axis_alignment needs at least 3 stimuli.")

    if Z_val is None:
        direction, ratio = _pc1(centroids)
    else:
        if y_val is None or stimulus_val is None:
            raise ValueError("Z_val needs y_val and stimulus_val too.")
        Zv, yv = _check_features(Z_val, y_val, name="Z_val")
        if Zv.shape[1] != Z.shape[1]:
            raise ValueError(f"Z_val has {Zv.shape[1]} features but Z has {Z.shape[1]}.")
        sv = _check_labels(stimulus_val, Zv.shape[0], "stimulus_val")
        _, residual_val = split_basin_residual(Zv, yv)
        _, centroids_val, _ = _group_means(residual_val, sv)
        if centroids_val.shape[0] < 2:
            raise ValueError("The validation data need at least 2 stimuli to define a direction.")
        direction, ratio = _pc1(centroids_val)
    scores = (centroids - centroids.mean(axis=0)) @ direction
    r = _corr(scores, res_coords, "residual_axis_alignment")
    if not return_details:
        return abs(r)
    return abs(r), Bunch(
        r=r, explained_variance_ratio=ratio, stimuli=stimuli, scores=scores, residual_coords=res_coords
    )


def random_direction_null(
    Z, y, class_coords, *, n_directions=1000, class_centroids=None, random_state=None
):
    """Where the observed class-axis alignment falls among random-axis alignments.

    The null replaces the V-axis by random directions and recomputes
    :func:`class_axis_alignment` on the same features:

    * ``class_centroids=None``: each null draw gives every class an independent
      standard normal coordinate (a random direction in a space where the class
      centroids are in general position);
    * ``class_centroids`` given (the text-model centroids, shape
      ``(n_labels, n_dims)``): each draw is a uniformly random unit direction
      ``u`` and the class coordinates are ``(centroids - mean) @ u``, as in the
      paper's "random direction in the language model's space" control.

    The percentile is :func:`~skvalence.utils.nulls.null_percentile` (share of draws
    below ``observed``, ties counted half); the p-value is the one-sided Monte-Carlo p
    ``(1 + #(null >= observed)) / (1 + n_directions)``
    (:func:`~skvalence.utils.nulls.monte_carlo_p`).  This is a per-model null; the
    paper's zoo-level null over many checkpoints is
    :func:`skvalence.analysis.rediscovery.zoo_null`.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Integer class labels indexing ``class_coords``.
    class_coords : array-like of shape (n_labels,) or dict
        The real class coordinates.
    n_directions : int, default=1000
        Number of random draws (at least 100).
    class_centroids : array-like of shape (n_labels, n_dims) or dict, default=None
        Optional text-space class centroids (rows indexed by label value, or a
        mapping label -> centroid).
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    result : Bunch
        ``observed``, ``null`` (n_directions,), ``percentile`` and ``p_value``,
        ``test`` naming the procedure (and which null), ``classes`` and ``scores``
        (the centroids' PC1 scores, as in :func:`class_axis_alignment`).

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.geometry import random_direction_null
    >>> rng = np.random.default_rng(0)
    >>> coords = np.linspace(-1, 1, 6)
    >>> y = np.repeat(np.arange(6), 10)
    >>> Z = np.outer(coords[y], rng.normal(size=4)) + 0.1 * rng.normal(size=(60, 4))
    >>> res = random_direction_null(Z, y, coords, n_directions=200, random_state=0)
    >>> res.percentile > 90
    True
    """
    if not isinstance(n_directions, numbers.Integral) or n_directions < MIN_NULL_SIZE:
        raise ValueError(
            f"n_directions must be an integer >= {MIN_NULL_SIZE} (a smaller Monte-Carlo null cannot "
            f"resolve p = 0.01); got {n_directions!r}."
        )
    observed, details = class_axis_alignment(Z, y, class_coords, return_details=True)
    rng = check_random_state(random_state)
    n_classes = details.classes.shape[0]
    if class_centroids is None:
        draws = rng.standard_normal((n_directions, n_classes))
        kind = "standard-normal class coordinates"
    else:
        C = _centroid_rows(class_centroids, details.classes)
        U = random_unit_directions(n_directions, C.shape[1], random_state=rng)
        draws = ((C - C.mean(axis=0)) @ U.T).T
        kind = "random unit directions in the class-centroid (language-model) space"
    # |Pearson r| of the fixed scores with every draw at once; a draw on which all
    # classes coincide orders nothing, so its alignment is 0.
    null = np.nan_to_num(np.abs(pearson_columns(draws.T, details.scores)), nan=0.0)
    return Bunch(
        observed=observed,
        null=null,
        percentile=null_percentile(observed, null),
        p_value=monte_carlo_p(observed, null, alternative="greater"),
        test=f"random-direction Monte-Carlo null of |corr| (one-sided; {kind})",
        classes=details.classes,
        scores=details.scores,
    )


def _centroid_rows(class_centroids, classes):
    """Rows of ``class_centroids`` (array indexed by label value, or dict) for ``classes``."""
    if isinstance(class_centroids, dict):
        missing = [k for k in classes if k not in class_centroids and _py(k) not in class_centroids]
        if missing:
            raise ValueError(f"class_centroids has no centroid for label(s) {missing[:5]}.")
        rows = [class_centroids[k] if k in class_centroids else class_centroids[_py(k)] for k in classes]
        return check_array(np.asarray(rows, dtype=np.float64), input_name="class_centroids")
    C = check_array(class_centroids, dtype=np.float64, input_name="class_centroids")
    classes = np.asarray(classes)
    if not np.issubdtype(classes.dtype, np.integer):
        raise TypeError("class_centroids is an array, so class labels must be integers that index its rows; "
                        "pass a dict label -> centroid instead.")
    if np.min(classes) < 0 or np.max(classes) >= C.shape[0]:
        raise ValueError(f"class_centroids has {C.shape[0]} rows but the labels run from "
                         f"{np.min(classes)} to {np.max(classes)}; it needs one row per label value.")
    return C[classes]
