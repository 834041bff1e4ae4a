"""Why V-axis supervision saturates: alignment changes of aligned decoders.

:func:`alignment_deltas` measures how much an aligned decoder moves the
class-axis alignment and the within-class residual alignment relative to its
baseline (:func:`feature_alignments` scores one feature matrix). The second
diagnostic of the paper's mechanism, where each loss term's gradient w.r.t. the
penultimate features points during training, is the skorch callback
:class:`~skvalence.decoders.callbacks.GradientSubspaceMonitor`.
"""

from __future__ import annotations

from .geometry import class_axis_alignment, residual_axis_alignment

__all__ = ["alignment_deltas", "feature_alignments"]


def feature_alignments(Z, y, class_coords, stimulus=None, stimulus_coords=None, **val):
    """Class-axis and (when possible) residual alignment of one feature matrix.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
        Features.
    y : array-like of shape (n_samples,)
        Class labels.
    class_coords : array-like or dict
        Class coordinates (see :func:`~skvalence.analysis.geometry.class_axis_alignment`).
    stimulus, stimulus_coords : array-like, default=None
        Stimulus labels and per-stimulus coordinates; the residual alignment is
        NaN when either is missing.
    **val
        ``Z_val``, ``y_val``, ``stimulus_val`` forwarded to
        :func:`~skvalence.analysis.geometry.residual_axis_alignment`.

    Returns
    -------
    alignments : dict
        ``class_alignment`` and ``residual_alignment``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.saturation import feature_alignments
    >>> y = np.repeat(np.arange(3), 5)
    >>> Z = np.c_[y, 0.01 * np.random.default_rng(0).normal(size=15)]
    >>> round(feature_alignments(Z, y, [0.0, 1.0, 2.0])["class_alignment"], 3)
    1.0
    """
    out = {"class_alignment": class_axis_alignment(Z, y, class_coords), "residual_alignment": float("nan")}
    if stimulus is not None and stimulus_coords is not None:
        out["residual_alignment"] = residual_axis_alignment(Z, y, stimulus, stimulus_coords, **val)
    return out


def alignment_deltas(
    baseline_net,
    aligned_net,
    X,
    y,
    stimulus=None,
    stimulus_coords=None,
    class_coords=None,
    *,
    X_val=None,
    y_val=None,
    stimulus_val=None,
):
    """Change in class-axis and residual alignment from a baseline to an aligned decoder.

    Both decoders' penultimate features (``transform``) on the same data are
    scored with :func:`feature_alignments`; deltas are aligned minus baseline.

    Parameters
    ----------
    baseline_net, aligned_net : fitted estimators with ``transform``
        E.g. two :class:`~skvalence.decoders.ValenceNetClassifier` that differ
        only by their alignment loss.
    X : array-like
        Evaluation data (held-out subjects).
    y : array-like of shape (n_samples,)
        Class labels of ``X``.
    stimulus : array-like of shape (n_samples,), default=None
        Stimulus of each row (needed for the residual alignment).
    stimulus_coords : array-like or dict, default=None
        Per-stimulus coordinates (needed for the residual alignment).
    class_coords : array-like or dict
        Class coordinates (required).
    X_val, y_val, stimulus_val : array-like, default=None
        Validation data on which the residual direction is chosen.

    Returns
    -------
    result : dict
        ``baseline_class``, ``aligned_class``, ``delta_class``,
        ``baseline_residual``, ``aligned_residual``, ``delta_residual``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from skvalence.analysis.saturation import alignment_deltas
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat(np.arange(4), 10)
    >>> X = np.c_[y + 0.1 * rng.normal(size=40), rng.normal(size=(40, 3))]
    >>> a = PCA(2).fit(X); b = PCA(2).fit(X)
    >>> alignment_deltas(a, b, X, y, class_coords=np.arange(4.0))["delta_class"]
    0.0
    """
    if class_coords is None:
        raise ValueError("alignment_deltas needs class_coords (one V-axis coordinate per class).")
    val = {}
    if X_val is not None:
        val = {"y_val": y_val, "stimulus_val": stimulus_val}
    out = {}
    for name, net in (("baseline", baseline_net), ("aligned", aligned_net)):
        if not hasattr(net, "transform"):
            raise TypeError(f"The {name} estimator has no transform() giving penultimate features.")
        if X_val is not None:
            val["Z_val"] = net.transform(X_val)
        scores = feature_alignments(net.transform(X), y, class_coords, stimulus, stimulus_coords, **val)
        out[f"{name}_class"] = scores["class_alignment"]
        out[f"{name}_residual"] = scores["residual_alignment"]
    out["delta_class"] = out["aligned_class"] - out["baseline_class"]
    out["delta_residual"] = out["aligned_residual"] - out["baseline_residual"]
    return out
