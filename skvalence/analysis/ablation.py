"""Directional ablation: what does a decoder lose when one feature direction is removed?

The paper projects the within-class residual V-axis direction out of a
decoder's penultimate features at inference and reports the drop in balanced
accuracy next to the drop caused by random directions.  This module does the
same for any decoder that exposes (features, head): a
:class:`~skvalence.decoders.ValenceNetClassifier` (``transform`` and
``module_.head``) or any pair of callables.

The default null compares the tested direction with random directions of the
*same within-class residual variance* inside the residual principal subspace
(:func:`variance_matched_directions`): isotropic random directions carry about
``1 / n_features`` of the variance, so against them any data-chosen direction
looks important.  Projections pass through the reference features' mean by
default, so removing a direction does not also move the feature mean.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array

from ..utils._validation import check_count, stimulus_classes
from ..utils.nulls import monte_carlo_p, random_unit_directions
from .geometry import (
    MIN_NULL_SIZE,
    _check_features,
    _check_labels,
    _lookup,
    _residual_stimulus_coords,
    split_basin_residual,
)

__all__ = ["directional_ablation", "project_out", "residual_direction", "variance_matched_directions"]


def project_out(Z, direction, *, center=None):
    """Remove one direction from features: ``Z' = Z - ((Z - c) . u) u`` with ``u`` unit.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    direction : array-like of shape (n_features,)
        Direction to remove (normalised internally; must be non-zero).
    center : array-like of shape (n_features,), default=None
        Point the projection passes through; ``None`` means the origin
        (``Z' = Z - (Z . u) u``).

    Returns
    -------
    Z_ablated : ndarray of shape (n_samples, n_features)
        Features with no component along ``u`` (relative to ``center``).

    Examples
    --------
    >>> from skvalence.analysis.ablation import project_out
    >>> project_out([[1.0, 2.0], [3.0, -1.0]], [1.0, 0.0]).tolist()
    [[0.0, 2.0], [0.0, -1.0]]
    """
    Z = check_array(Z, dtype=np.float64, input_name="Z")
    u = _unit(direction, Z.shape[1])
    c = np.zeros(Z.shape[1]) if center is None else np.asarray(center, dtype=np.float64)
    return Z - np.outer((Z - c) @ u, u)


def _unit(direction, n_features):
    u = check_array(direction, ensure_2d=False, dtype=np.float64, input_name="direction").ravel()
    if u.shape[0] != n_features:
        raise ValueError(f"direction has {u.shape[0]} entries but the features have {n_features}.")
    norm = np.linalg.norm(u)
    if norm == 0:
        raise ValueError("direction must be non-zero.")
    return u / norm


def _default_features(estimator):
    if not hasattr(estimator, "transform"):
        raise TypeError(
            f"{type(estimator).__name__} has no transform(); pass features_fn=callable(X) -> features."
        )
    return estimator.transform


def _default_head(estimator):
    """Scores from features through a fitted skorch net's ``module_.head``."""
    module = getattr(estimator, "module_", None)
    head = getattr(module, "head", None)
    if head is None:
        raise TypeError(
            f"{type(estimator).__name__} has no module_.head; pass head_fn=callable(features) -> scores."
        )
    import torch

    device = getattr(estimator, "device", "cpu") or "cpu"

    def head_fn(Z):
        module.eval()  # dropout off, as in predict()
        with torch.no_grad():
            out = head(torch.as_tensor(np.asarray(Z), dtype=torch.float32, device=device))
        return out.detach().cpu().numpy()

    return head_fn


def _predict(head_fn, Z, classes):
    scores = np.asarray(head_fn(Z))
    if scores.ndim != 2:
        raise ValueError(f"head_fn must return (n_samples, n_classes) scores; got shape {scores.shape}.")
    idx = scores.argmax(axis=1)
    return idx if classes is None else np.asarray(classes)[idx]


_NULLS = ("variance-matched", "isotropic", "shuffle")

_NULL_DESCRIPTIONS = {
    "variance-matched": (
        "random unit directions in the span of the top within-class residual principal components "
        "of the reference features, each tilted towards higher- or lower-variance components until "
        "its residual variance equals the tested direction's"
    ),
    "isotropic": (
        "uniformly random unit directions in the whole feature space (each carries about 1/n_features "
        "of the variance, so a data-chosen direction looks special: biased towards finding an effect)"
    ),
    "shuffle": (
        "the residual direction re-estimated on the reference data with the stimulus coordinates "
        "shuffled among the stimuli of each class"
    ),
}


def _within_class_residuals(Z, y):
    _, R = split_basin_residual(Z, y)
    return R


def _residual_spectrum(R):
    """Eigenvalues (descending) and eigenvectors of the residual covariance ``R^T R / n``."""
    cov = R.T @ R / R.shape[0]
    evals, evecs = np.linalg.eigh(cov)
    order = np.argsort(evals)[::-1]
    return np.clip(evals[order], 0.0, None), evecs[:, order]


def _tilted_unit_vectors(log_g2, log_lam, lam, target):
    """Unit coefficient vectors ``a`` with ``sum(lam * a**2) == target``, one per row of ``log_g2``.

    Row ``i`` has weights ``a**2 = softmax(log_g2[i] + s_i * log_lam)``: ``s_i = 0`` is the
    isotropic draw ``g / |g|``; the variance ``sum(lam * a**2)`` grows monotonically with
    ``s_i`` (its derivative is a covariance of ``lam`` and ``log lam``), so ``s_i`` is
    found by a vectorised bisection.
    """

    def weights(s):
        logits = log_g2 + s[:, None] * log_lam[None, :]
        logits -= logits.max(axis=1, keepdims=True)
        w = np.exp(logits)
        return w / w.sum(axis=1, keepdims=True)

    def variance(s):
        return weights(s) @ lam

    n = log_g2.shape[0]
    lo, hi = -np.ones(n), np.ones(n)
    for _ in range(60):  # widen the brackets until they contain the target (or saturate)
        low_bad, high_bad = variance(lo) > target, variance(hi) < target
        if not (low_bad.any() or high_bad.any()):
            break
        lo[low_bad] *= 2.0
        hi[high_bad] *= 2.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        above = variance(mid) > target
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    return np.sqrt(weights(0.5 * (lo + hi)))


def variance_matched_directions(Z, y, direction, n_directions, *, n_components=None, random_state=None):
    """Random unit directions with the same within-class residual variance as ``direction``.

    The within-class residuals ``R = Z - mu_y`` of ``Z`` give a covariance ``S = R^T R / n``
    with eigenvalues ``lam_1 >= lam_2 >= ...`` and eigenvectors ``v_1, v_2, ...`` (the
    residual principal components).  The tested direction ``u`` has residual variance
    ``t = u^T S u``.  Each null direction is ``sum_i a_i v_i`` over the top ``k``
    components, with ``a_i = sign(g_i) * sqrt(softmax(log g_i**2 + s log lam_i))`` for a
    standard normal ``g``: at ``s = 0`` this is a uniformly random unit vector of the
    subspace, and ``s`` is solved for so that its residual variance is exactly ``t``.
    A data-chosen direction (large residual variance) is thus compared with random
    directions that move the features just as much, not with isotropic directions that
    carry about ``1 / n_features`` of the variance.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Reference features (e.g. the data the tested direction was estimated on).
    y : array-like of shape (n_samples,)
        Class labels of ``Z``.
    direction : array-like of shape (n_features,)
        The tested direction (normalised internally).
    n_directions : int
        Number of null directions.
    n_components : int, default=None
        ``k``, the size of the residual principal subspace.  None: the fewest
        components explaining 90% of the residual variance.  In both cases ``k`` is
        raised (to at least 2, and until ``lam_k <= t``) so that the variance ``t`` is
        reachable inside the subspace; the ``k`` used is returned.
    random_state : int, RandomState instance or None, default=None
        Seed of the draws.

    Returns
    -------
    result : Bunch
        ``directions`` (n_directions, n_features), unit rows; ``target_variance`` ``t``;
        ``variance_fraction`` ``t / trace(S)``; ``n_components`` (the ``k`` used);
        ``eigenvalues`` of ``S``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.ablation import variance_matched_directions
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 3, 400)
    >>> Z = rng.normal(size=(400, 8)) * np.array([5, 4, 3, 2, 1, 1, 1, 1]) + y[:, None]
    >>> res = variance_matched_directions(Z, y, np.eye(8)[1], 50, random_state=0)
    >>> R = Z - np.array([Z[y == k].mean(0) for k in range(3)])[y]
    >>> np.allclose(np.einsum("ij,jk,ik->i", res.directions, R.T @ R / 400, res.directions),
    ...             res.target_variance)
    True
    """
    Z, y = _check_features(Z, y)
    u = _unit(direction, Z.shape[1])
    n_directions = check_count(n_directions, "n_directions")
    return _variance_matched(_residual_spectrum(_within_class_residuals(Z, y)), u, n_directions,
                             n_components, check_random_state(random_state))


def _variance_matched(spectrum, u, n_directions, n_components, rng):
    lam, V = spectrum
    total = float(lam.sum())
    if total <= 0:
        raise ValueError("The within-class residuals of the reference features are zero; "
                         "a variance-matched null is undefined.")
    S_u = V.T @ u
    target = float(np.clip((S_u**2) @ lam, lam[-1], lam[0]))
    d = lam.shape[0]
    if n_components is None:
        k = int(np.searchsorted(np.cumsum(lam) / total, 0.9) + 1)
    else:
        k = check_count(n_components, "n_components")
        if k > d:
            raise ValueError(f"n_components={k} exceeds the number of features ({d}).")
    reach = int(np.argmax(lam <= target * (1 + 1e-12))) + 1  # first component at or below t
    k = min(d, max(k, 2, reach))
    floor = lam[0] * 1e-12 if lam[0] > 0 else 1e-300
    lam_k = np.maximum(lam[:k], floor)
    g = rng.standard_normal((n_directions, k))
    coef = _tilted_unit_vectors(np.log(g**2 + 1e-300), np.log(lam_k), lam_k, target) * np.sign(g)
    return Bunch(
        directions=coef @ V[:, :k].T,
        target_variance=target,
        variance_fraction=target / total,
        n_components=k,
        eigenvalues=lam,
    )


def _shuffled_directions(Z_ref, y_ref, stimulus_ref, stimulus_coords, n_directions, rng):
    """Residual directions re-estimated with stimulus coordinates permuted within class."""
    Z_ref, y_ref = _check_features(Z_ref, y_ref)
    stimulus_ref = _check_labels(stimulus_ref, Z_ref.shape[0], "stimulus_reference")
    stimuli, stim_class = stimulus_classes(y_ref, stimulus_ref)
    coords = _lookup(stimulus_coords, stimuli, "stimulus_coords")
    groups = [np.flatnonzero(stim_class == cls) for cls in np.unique(stim_class)]
    if all(idx.size < 2 for idx in groups):
        raise ValueError("null='shuffle' needs at least one class with two or more stimuli to shuffle.")
    out = np.empty((n_directions, Z_ref.shape[1]))
    for i in range(n_directions):
        shuffled = coords.copy()
        for idx in groups:
            shuffled[idx] = coords[rng.permutation(idx)]
        out[i] = residual_direction(Z_ref, y_ref, stimulus_ref, dict(zip(stimuli.tolist(), shuffled)))
    return out


def _balanced_accuracy_scorer(y, head_fn, classes):
    """``features -> balanced accuracy`` for fixed labels ``y``.

    Equal to :func:`sklearn.metrics.balanced_accuracy_score` (mean recall over the
    classes present in ``y``), computed with one ``bincount`` because the null calls
    it hundreds of times and sklearn's input validation would dominate the run time.
    """
    _, codes = np.unique(y, return_inverse=True)
    support = np.bincount(codes)

    def bacc(features):
        correct = np.asarray(_predict(head_fn, features, classes) == y, dtype=np.float64)
        return float(np.mean(np.bincount(codes, weights=correct, minlength=support.size) / support))

    return bacc


def _resolve_center(center, Z_ref, n_features, reference_name):
    if center is True or (isinstance(center, str) and center == "mean"):
        return Z_ref.mean(axis=0), f"mean feature vector of the {reference_name}"
    if center is False or center is None or (isinstance(center, str) and center == "origin"):
        return np.zeros(n_features), "origin (the projection also shifts the feature mean)"
    if isinstance(center, str):
        raise ValueError(f"center must be 'mean', 'origin', a bool or a point; got {center!r}.")
    point = check_array(center, ensure_2d=False, dtype=np.float64, input_name="center").ravel()
    if point.shape[0] != n_features:
        raise ValueError(f"center has {point.shape[0]} entries but the features have {n_features}.")
    return point, "a point given by the caller"


def directional_ablation(
    estimator,
    X,
    y,
    direction,
    *,
    n_random=200,
    null="variance-matched",
    center="mean",
    X_reference=None,
    y_reference=None,
    stimulus_reference=None,
    stimulus_coords=None,
    n_components=None,
    random_state=None,
    features_fn=None,
    head_fn=None,
):
    """Balanced-accuracy cost of projecting a direction out of the features, against a null.

    The features ``Z = features_fn(X)`` are classified by ``head_fn`` before and
    after removing the direction (see :func:`project_out`); the same is done for
    ``n_random`` null directions, which gives the distribution of the cost of
    removing a direction that is *not* special.  Which directions are comparable
    matters: a direction chosen from the data (such as :func:`residual_direction`)
    lies where the features vary, and removing any high-variance direction costs
    more than removing an isotropic random one.  Hence the default null:

    * ``null="variance-matched"`` (default): random directions inside the top
      within-class residual principal subspace of the reference features, each
      with exactly the tested direction's residual variance
      (:func:`variance_matched_directions`);
    * ``null="shuffle"``: the residual direction re-estimated on the reference data
      (``X_reference``, ``y_reference``, ``stimulus_reference``) with the stimulus
      coordinates shuffled among the stimuli of each class -- the whole
      direction-finding procedure under "the coordinates carry no within-class
      information"; pass the direction from :func:`residual_direction` on the same data;
    * ``null="isotropic"``: uniformly random unit directions (the earlier null;
      biased towards finding an effect, kept for comparison).

    The projection is around the **mean** feature vector of the reference data by
    default (``center="mean"``): only the variation along the direction is removed
    and the feature mean is kept.  Pass the training (or validation) data as
    ``X_reference``/``y_reference`` to project around the training mean and to
    estimate the residual subspace away from the evaluated data; without them the
    evaluated ``X``/``y`` serve as reference (its label-free mean, and its labels for
    the residual subspace), and the result says so.

    Parameters
    ----------
    estimator : object
        A fitted decoder.  By default ``estimator.transform`` gives features and
        ``estimator.module_.head`` maps them to class scores (as for
        :class:`~skvalence.decoders.ValenceNetClassifier`); predicted labels are
        ``estimator.classes_[argmax]`` when ``classes_`` exists.
    X : array-like
        Input data to evaluate on, passed to ``features_fn``.
    y : array-like of shape (n_samples,)
        True labels.
    direction : array-like of shape (n_features,)
        The direction to remove, e.g. from :func:`residual_direction`.
    n_random : int, default=200
        Number of null directions.  Below 100 the deltas are still computed but the
        ``p_value`` is not (NaN, with the reason in ``p_value_note``).
    null : {"variance-matched", "shuffle", "isotropic"}, default="variance-matched"
        The null distribution (see above).
    center : "mean", "origin", bool or array-like of shape (n_features,), default="mean"
        Point the projection passes through: ``"mean"`` (or True) is the mean feature
        vector of the reference data, ``"origin"`` (or False) gives
        ``Z' = Z - (Z . u) u``, an array is used as is.
    X_reference, y_reference : array-like, default=None
        Reference data (e.g. the training or validation subjects, on which the
        direction was chosen): their features give the projection centre and the
        residual principal subspace.  None: ``X`` and ``y``.
    stimulus_reference : array-like of shape (n_reference,), default=None
        Stimulus of each reference row; needed by ``null="shuffle"``.
    stimulus_coords : array-like or dict, default=None
        Per-stimulus coordinates; needed by ``null="shuffle"``.
    n_components : int, default=None
        Size of the residual principal subspace of the variance-matched null
        (see :func:`variance_matched_directions`).
    random_state : int, RandomState instance or None, default=None
        Seed of the null directions.
    features_fn : callable, default=None
        ``features_fn(X) -> (n_samples, n_features)``.
    head_fn : callable, default=None
        ``head_fn(Z) -> (n_samples, n_classes)`` scores.

    Returns
    -------
    result : Bunch
        ``baseline_bacc``, ``ablated_bacc``, ``delta`` (ablated minus baseline;
        negative means the direction mattered), ``random_deltas`` (the null's
        deltas), ``z_score`` of ``delta`` against them, ``p_value`` (one-sided
        Monte-Carlo p of a drop at least as large,
        :func:`~skvalence.utils.nulls.monte_carlo_p`), ``p_value_note`` (empty, or why
        the p-value was not computed), ``test``, ``null`` and ``null_description``,
        ``center`` (where the projection passes through), ``reference`` (which data
        gave the centre and subspace), ``unit_of_resampling``,
        ``direction_residual_variance`` and ``residual_variance_fraction`` (the
        tested direction's share of the reference residual variance; an isotropic
        direction's expected share is ``1 / n_features``), ``null_subspace_dim``
        (variance-matched only; else None) and ``n_random``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.ablation import directional_ablation
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200)
    >>> Z = rng.normal(size=(200, 5)); Z[:, 0] += 3 * (2 * y - 1)
    >>> W = np.zeros((5, 2)); W[0] = [-1, 1]
    >>> res = directional_ablation(None, Z, y, [1, 0, 0, 0, 0], n_random=100, random_state=0,
    ...                            features_fn=lambda X: X, head_fn=lambda Z: Z @ W)
    >>> bool(res.delta < -0.3), res.null, res.center
    (True, 'variance-matched', 'mean feature vector of the evaluated data (X, y)')
    """
    n_random = check_count(n_random, "n_random")
    if null not in _NULLS:
        raise ValueError(f"null must be one of {_NULLS}; got {null!r}.")
    features_fn = _default_features(estimator) if features_fn is None else features_fn
    head_fn = _default_head(estimator) if head_fn is None else head_fn
    classes = getattr(estimator, "classes_", None)
    Z = check_array(features_fn(X), dtype=np.float64, input_name="features")
    y = _check_labels(y, Z.shape[0], "y")
    u = _unit(direction, Z.shape[1])
    if X_reference is None:
        if y_reference is not None or stimulus_reference is not None:
            raise ValueError("y_reference/stimulus_reference need X_reference.")
        Z_ref, y_ref, reference = Z, y, "evaluated data (X, y)"
    else:
        if y_reference is None:
            raise ValueError("X_reference needs y_reference (class labels of the reference rows).")
        Z_ref = check_array(features_fn(X_reference), dtype=np.float64, input_name="reference features")
        if Z_ref.shape[1] != Z.shape[1]:
            raise ValueError(f"X_reference gives {Z_ref.shape[1]} features but X gives {Z.shape[1]}.")
        y_ref = _check_labels(y_reference, Z_ref.shape[0], "y_reference")
        reference = f"reference data (X_reference, {Z_ref.shape[0]} rows)"
    c, center_text = _resolve_center(center, Z_ref, Z.shape[1], reference)

    bacc = _balanced_accuracy_scorer(y, head_fn, classes)

    baseline = bacc(Z)
    ablated = bacc(project_out(Z, u, center=c))
    rng = check_random_state(random_state)
    spectrum = _residual_spectrum(_within_class_residuals(Z_ref, y_ref))
    lam, V = spectrum
    t = float(((V.T @ u) ** 2) @ lam)
    subspace_dim = None
    if null == "variance-matched":
        matched = _variance_matched(spectrum, u, n_random, n_components, rng)
        U, subspace_dim = matched.directions, matched.n_components
    elif null == "isotropic":
        U = random_unit_directions(n_random, Z.shape[1], random_state=rng)
    else:
        if stimulus_reference is None or stimulus_coords is None:
            raise ValueError("null='shuffle' needs stimulus_reference and stimulus_coords (and X_reference, "
                             "y_reference unless the direction was estimated on X, y; then pass "
                             "X_reference=X, y_reference=y).")
        U = _shuffled_directions(Z_ref, y_ref, stimulus_reference, stimulus_coords, n_random, rng)
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    Zc = Z - c
    random_deltas = np.array([bacc(Z - np.outer(Zc @ v, v)) - baseline for v in U])
    delta = ablated - baseline
    spread = random_deltas.std(ddof=1) if n_random > 1 else 0.0
    mean = random_deltas.mean()
    if spread > 0:
        z = (delta - mean) / spread
    else:
        z = 0.0 if delta == mean else float(np.sign(delta - mean) * np.inf)
    if n_random < MIN_NULL_SIZE:
        p_value = float("nan")
        p_note = (f"not computed, because a Monte-Carlo null of {n_random} directions is below the minimum "
                  f"of {MIN_NULL_SIZE} (it cannot resolve p = 0.01)")
    else:
        p_value, p_note = monte_carlo_p(delta, random_deltas, alternative="less"), ""
    return Bunch(
        baseline_bacc=float(baseline),
        ablated_bacc=float(ablated),
        delta=float(delta),
        random_deltas=random_deltas,
        z_score=float(z),
        p_value=float(p_value),
        p_value_note=p_note,
        test=f"{null} random-direction Monte-Carlo null of the BACC change (one-sided, drop)",
        null=null,
        null_description=_NULL_DESCRIPTIONS[null],
        center=center_text,
        reference=reference,
        unit_of_resampling="null directions (the evaluated samples and the decoder are fixed)",
        direction_residual_variance=t,
        residual_variance_fraction=t / float(lam.sum()) if lam.sum() > 0 else float("nan"),
        null_subspace_dim=subspace_dim,
        n_random=n_random,
    )


def residual_direction(Z, y, stimulus, stimulus_coords):
    """Within-class residual V-axis direction in feature space.

    The features' within-class residuals ``R = Z - mu_y`` are regressed, one
    feature at a time, on the samples' residual coordinates ``c`` (stimulus
    coordinate minus the mean coordinate of the stimuli of its class, as in
    :func:`~skvalence.analysis.geometry.residual_axis_alignment`); the slope
    vector ``R^T c / (c^T c)`` is the direction along which the residual grows
    with the coordinate.  It is returned with unit norm.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels.
    stimulus : array-like of shape (n_samples,)
        Stimulus of each sample (one class per stimulus).
    stimulus_coords : array-like or dict
        Per-stimulus V-axis coordinates, indexed by stimulus label value.

    Returns
    -------
    direction : ndarray of shape (n_features,)
        Unit vector, signed so that a higher residual coordinate projects
        positive.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.ablation import residual_direction
    >>> rng = np.random.default_rng(0)
    >>> stimulus = np.repeat(np.arange(6), 20); y = stimulus // 2
    >>> coords = rng.normal(size=6)
    >>> Z = np.outer(coords[stimulus], [0, 1.0, 0]) + 0.01 * rng.normal(size=(120, 3))
    >>> np.round(residual_direction(Z, y, stimulus, coords), 2).tolist()
    [0.0, 1.0, 0.0]
    """
    Z, y, stimulus, stimuli, res_coords = _residual_stimulus_coords(
        Z,
        y,
        stimulus,
        stimulus_coords,
        "The stimulus coordinates are constant within every class; residual_direction needs per-stimulus coordinates.",
    )
    c = res_coords[np.searchsorted(stimuli, stimulus)]
    _, R = split_basin_residual(Z, y)
    slope = R.T @ c / (c @ c)
    norm = np.linalg.norm(slope)
    if norm == 0:
        raise ValueError("The residual features do not covary with the residual coordinates (zero direction).")
    return slope / norm
