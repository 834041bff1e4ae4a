"""Directional ablation: what does a decoder lose when one feature direction is removed?

The paper projects the within-class residual V-axis direction out of a
decoder's penultimate features at inference and reports the drop in balanced
accuracy next to the drop caused by random directions.  This module does the
same for any decoder that exposes (features, head): a
:class:`~skvalence.decoders.ValenceNetClassifier` (``transform`` and
``module_.head``) or any pair of callables.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.metrics import balanced_accuracy_score
from sklearn.utils import Bunch, check_random_state
from sklearn.utils.validation import check_array

from .geometry import _check_labels, _residual_stimulus_coords, split_basin_residual

__all__ = ["directional_ablation", "project_out", "residual_direction"]


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


def directional_ablation(
    estimator,
    X,
    y,
    direction,
    *,
    n_random=100,
    center=False,
    random_state=None,
    features_fn=None,
    head_fn=None,
):
    """Balanced-accuracy cost of projecting a direction out of the features.

    The features ``Z = features_fn(X)`` are classified by ``head_fn`` before and
    after removing the direction (see :func:`project_out`); the same is done for
    ``n_random`` uniformly random unit directions, which gives the null
    distribution of the cost of removing one arbitrary direction.

    Parameters
    ----------
    estimator : object
        A fitted decoder.  By default ``estimator.transform`` gives features and
        ``estimator.module_.head`` maps them to class scores (as for
        :class:`~skvalence.decoders.ValenceNetClassifier`); predicted labels are
        ``estimator.classes_[argmax]`` when ``classes_`` exists.
    X : array-like
        Input data, passed to ``features_fn``.
    y : array-like of shape (n_samples,)
        True labels.
    direction : array-like of shape (n_features,)
        The direction to remove, e.g. from :func:`residual_direction`.
    n_random : int, default=100
        Number of random directions.
    center : bool, default=False
        If True, project around the mean feature vector of ``X`` (only the
        variation along ``u`` is removed; the mean is label-free); if False,
        around the origin, ``Z' = Z - (Z . u) u``.
    random_state : int, RandomState instance or None, default=None
        Seed of the random directions.
    features_fn : callable, default=None
        ``features_fn(X) -> (n_samples, n_features)``.
    head_fn : callable, default=None
        ``head_fn(Z) -> (n_samples, n_classes)`` scores.

    Returns
    -------
    result : Bunch
        ``baseline_bacc``, ``ablated_bacc``, ``delta`` (ablated minus baseline;
        negative means the direction mattered), ``random_deltas``,
        ``z_score`` of ``delta`` against the random deltas, ``p_value``
        (one-sided Monte-Carlo p of a drop at least as large) and ``test``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.ablation import directional_ablation
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 200)
    >>> Z = rng.normal(size=(200, 5)); Z[:, 0] += 3 * (2 * y - 1)
    >>> W = np.zeros((5, 2)); W[0] = [-1, 1]
    >>> res = directional_ablation(None, Z, y, [1, 0, 0, 0, 0], n_random=50, random_state=0,
    ...                            features_fn=lambda X: X, head_fn=lambda Z: Z @ W)
    >>> bool(res.delta < -0.3), bool(abs(np.mean(res.random_deltas)) < 0.1)
    (True, True)
    """
    if not isinstance(n_random, numbers.Integral) or n_random < 1:
        raise ValueError(f"n_random must be a positive integer; got {n_random!r}.")
    features_fn = _default_features(estimator) if features_fn is None else features_fn
    head_fn = _default_head(estimator) if head_fn is None else head_fn
    classes = getattr(estimator, "classes_", None)
    Z = check_array(features_fn(X), dtype=np.float64, input_name="features")
    y = _check_labels(y, Z.shape[0], "y")
    u = _unit(direction, Z.shape[1])
    c = Z.mean(axis=0) if center else None

    def bacc(features):
        return balanced_accuracy_score(y, _predict(head_fn, features, classes))

    baseline = bacc(Z)
    ablated = bacc(project_out(Z, u, center=c))
    rng = check_random_state(random_state)
    U = rng.standard_normal((n_random, Z.shape[1]))
    random_deltas = np.array([bacc(project_out(Z, v, center=c)) - baseline for v in U])
    delta = ablated - baseline
    spread = random_deltas.std(ddof=1) if n_random > 1 else 0.0
    mean = random_deltas.mean()
    if spread > 0:
        z = (delta - mean) / spread
    else:
        z = 0.0 if delta == mean else float(np.sign(delta - mean) * np.inf)
    return Bunch(
        baseline_bacc=float(baseline),
        ablated_bacc=float(ablated),
        delta=float(delta),
        random_deltas=random_deltas,
        z_score=float(z),
        p_value=float((1 + np.sum(random_deltas <= delta)) / (1 + n_random)),
        test="random-direction Monte-Carlo null of the BACC change (one-sided, drop)",
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
