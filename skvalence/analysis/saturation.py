"""Why V-axis supervision saturates: what training actually does to the features.

The paper's mechanism claim is that alignment supervision moves the class
means (the *basin*) but leaves the within-class residual almost untouched
("supervision raises class-PC1 alignment by +0.01...+0.36 but moves residual
alignment by ~1e-7").  This module measures that directly:

* :func:`feature_displacement` compares the penultimate features of a fixed
  probe set at two moments (the end of epoch ``t-1`` and of epoch ``t``) and
  splits the displacement ``Delta = Z_t - Z_{t-1}`` two ways: into the basin
  subspace (the span of the centred class means at ``t-1``) and its orthogonal
  complement, and into the movement of the class means and the movement of
  the within-class residuals.  With per-stimulus V-axis coordinates it also
  reports the residual displacement along the *residual target direction*
  (the feature direction that covaries with the within-class V-axis
  coordinate) and the residual alignment itself.
* :class:`~skvalence.decoders.callbacks.FeatureDisplacementMonitor` (a skorch
  callback) calls it at the end of every epoch; :func:`displacement_summary`
  and :func:`compare_displacement` turn its records into a per-run summary
  and a table (e.g. cross-entropy alone against cross-entropy plus an
  alignment loss).
* :func:`alignment_deltas` measures how much an aligned decoder moves the
  class-axis and residual alignment relative to its baseline, after training
  (:func:`feature_alignments` scores one feature matrix).

**A sanity check, not evidence.**
:class:`~skvalence.decoders.callbacks.GradientSubspaceMonitor` records the
share of the cross-entropy gradient w.r.t. the features that lies in the row
space of the output layer.  For a linear head that share is exactly 1 by
algebra (``d CE / d z = W^T (p - y)``), whatever the network does, so it
cannot show that the residual receives little gradient: parameter updates move
the features by ``J J^T W^T (p - y)`` (``J`` the Jacobian of the features with
respect to the parameters), which is not confined to that row space.  The
displacement measured here is what the claim is about.
"""

from __future__ import annotations

import numpy as np
from sklearn.utils.validation import check_array

from .geometry import (
    _residual_stimulus_coords,
    class_axis_alignment,
    class_mean_subspace,
    class_means,
    residual_axis_alignment,
)

__all__ = [
    "DISPLACEMENT_KEYS",
    "RESIDUAL_TARGET_KEYS",
    "alignment_deltas",
    "compare_displacement",
    "displacement_summary",
    "feature_alignments",
    "feature_displacement",
    "residual_target_direction",
]

#: Per-epoch displacement measures (root mean square over probe rows, feature units).
DISPLACEMENT_KEYS = ("disp_total", "disp_basin", "disp_complement", "disp_class_mean", "disp_within")
#: Present only with per-stimulus coordinates.
RESIDUAL_TARGET_KEYS = ("disp_within_target",)


def _rms(A):
    """Root mean square over rows of the row norms: ``sqrt(mean_i ||A_i||^2)``."""
    return float(np.sqrt(np.sum(A * A) / A.shape[0]))


def _row_residual_coords(y, stimulus, stimulus_coords, Z):
    """Per-row within-class residual V-axis coordinate (stimulus coordinate minus its class's mean)."""
    _, _, stimulus, stimuli, res_coords = _residual_stimulus_coords(
        Z, y, stimulus, stimulus_coords,
        "The stimulus coordinates are constant within every class, so the within-class residual "
        "coordinate is zero; the residual target needs per-stimulus coordinates.",
    )
    return res_coords[np.searchsorted(stimuli, stimulus)]


def residual_target_direction(Z, y, stimulus, stimulus_coords):
    """Unit feature direction along which the within-class residual covaries with the V-axis.

    With ``R`` the within-class residual features (``Z`` minus each row's class
    mean) and ``c`` each row's residual V-axis coordinate (its stimulus
    coordinate minus the mean coordinate of its class's stimuli), the
    direction is ``u = R^T c / ||R^T c||``: the gradient of ``sum_i c_i <r_i, u>``,
    i.e. the way the residuals would have to move to order the stimuli inside
    each class as the V-axis does.

    Parameters
    ----------
    Z : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    stimulus : array-like of shape (n_samples,)
        Stimulus of each row (each stimulus in one class).
    stimulus_coords : array-like or dict
        Per-stimulus V-axis coordinates (indexed by stimulus id, or a mapping).

    Returns
    -------
    u : ndarray of shape (n_features,)

    Raises
    ------
    ValueError
        If the coordinates are constant within every class, or the residual
        features carry no covariance with them (e.g. constant features).

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.saturation import residual_target_direction
    >>> stimulus = np.repeat(np.arange(4), 5); y = stimulus // 2
    >>> coords = np.array([-1.0, -0.5, 0.5, 1.0])
    >>> Z = np.c_[y, coords[stimulus], np.zeros(20)]
    >>> residual_target_direction(Z, y, stimulus, coords).round(6).tolist()
    [0.0, 1.0, 0.0]
    """
    Z = check_array(Z, dtype=np.float64, input_name="Z")
    y = np.asarray(y)
    c = _row_residual_coords(y, stimulus, stimulus_coords, Z)
    _, means = class_means(Z, y)
    inverse = np.unique(y, return_inverse=True)[1].reshape(-1)
    v = (Z - means[inverse]).T @ c
    norm = float(np.linalg.norm(v))
    if not norm > 1e-12 * max(1.0, float(np.abs(Z).max())):
        raise ValueError("The within-class residual features carry no covariance with the residual coordinates; "
                         "the residual target direction is undefined.")
    return v / norm


def feature_displacement(Z_prev, Z_curr, y, *, stimulus=None, stimulus_coords=None, class_coords=None):
    """Displacement of the features between two moments, split into basin and residual parts.

    With ``D = Z_curr - Z_prev`` (rows: the same probe samples) and all norms
    the root mean square over rows of the row norms (feature units):

    * ``disp_total`` = ``rms(D)``;
    * ``disp_basin`` = ``rms(D P)`` and ``disp_complement`` = ``rms(D (I - P))``,
      with ``P`` the orthogonal projector on the basin subspace of ``Z_prev``
      (the span of its centred class means,
      :func:`~skvalence.analysis.geometry.class_mean_subspace`, dimension
      ``basin_dim <= n_classes - 1``);
    * ``disp_class_mean`` = ``rms(M D)`` and ``disp_within`` = ``rms(D - M D)``,
      where ``M D`` replaces each row by the mean of ``D`` over its class:
      the movement of the class means and of the within-class residuals
      (``r_t - r_{t-1}``).  This is the headline "residual displacement".

    Both splits are orthogonal, so ``disp_total**2 = disp_basin**2 +
    disp_complement**2 = disp_class_mean**2 + disp_within**2``.
    ``basin_share`` is ``disp_basin**2 / disp_total**2`` (0 when nothing moved);
    an isotropic displacement would give ``basin_share_chance = basin_dim /
    n_features``.

    With ``stimulus`` and ``stimulus_coords`` (per-stimulus V-axis coordinates):

    * ``disp_within_target`` = ``rms((D - M D) u)``, the residual displacement
      along the residual target direction ``u`` of ``Z_prev``
      (:func:`residual_target_direction`);
    * ``residual_alignment`` (of ``Z_curr``) and ``residual_alignment_change``
      (``Z_curr`` minus ``Z_prev``), by
      :func:`~skvalence.analysis.geometry.residual_axis_alignment`.

    With ``class_coords``: ``class_alignment`` of ``Z_curr`` and
    ``class_alignment_change``, by
    :func:`~skvalence.analysis.geometry.class_axis_alignment`.

    Parameters
    ----------
    Z_prev, Z_curr : array-like of shape (n_samples, n_features)
        Features of the same rows before and after (finite).
    y : array-like of shape (n_samples,)
        Class labels (at least two classes).
    stimulus : array-like of shape (n_samples,), default=None
    stimulus_coords : array-like or dict, default=None
        Per-stimulus coordinates; both or neither.
    class_coords : array-like or dict, default=None
        One V-axis coordinate per class.

    Returns
    -------
    record : dict of str to float
        The keys above plus ``basin_dim`` and ``n_features``.

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.saturation import feature_displacement
    >>> y = np.repeat([0, 1], 3)
    >>> Z0 = np.c_[2.0 * y, np.arange(6.0) % 3]
    >>> rec = feature_displacement(Z0, Z0 + [0.5, 0.0], y)  # every row moves along the class axis
    >>> rec["disp_basin"], rec["disp_within"], rec["disp_class_mean"]
    (0.5, 0.0, 0.5)
    """
    Z0 = check_array(Z_prev, dtype=np.float64, input_name="Z_prev")
    Z1 = check_array(Z_curr, dtype=np.float64, input_name="Z_curr")
    if Z0.shape != Z1.shape:
        raise ValueError(f"Z_prev and Z_curr must have the same shape; got {Z0.shape} and {Z1.shape}.")
    if (stimulus is None) != (stimulus_coords is None):
        raise ValueError("stimulus and stimulus_coords go together: pass both or neither.")
    basis = class_mean_subspace(Z0, y)  # checks y (length, at least two classes)
    y = np.asarray(y)
    inverse = np.unique(y, return_inverse=True)[1].reshape(-1)
    D = Z1 - Z0
    D_basin = (D @ basis) @ basis.T
    _, mean_moves = class_means(D, y)
    D_class = mean_moves[inverse]
    D_within = D - D_class
    total = _rms(D)
    record = {
        "disp_total": total,
        "disp_basin": _rms(D_basin),
        "disp_complement": _rms(D - D_basin),
        "disp_class_mean": _rms(D_class),
        "disp_within": _rms(D_within),
        "basin_dim": int(basis.shape[1]),
        "n_features": int(Z0.shape[1]),
    }
    record["basin_share"] = record["disp_basin"] ** 2 / total**2 if total > 0 else 0.0
    record["basin_share_chance"] = basis.shape[1] / Z0.shape[1]
    if stimulus is not None:
        u = residual_target_direction(Z0, y, stimulus, stimulus_coords)
        record["disp_within_target"] = _rms((D_within @ u)[:, None])
        before = residual_axis_alignment(Z0, y, stimulus, stimulus_coords)
        after = residual_axis_alignment(Z1, y, stimulus, stimulus_coords)
        record["residual_alignment"] = float(after)
        record["residual_alignment_change"] = float(after - before)
    if class_coords is not None:
        before = class_axis_alignment(Z0, y, class_coords)
        after = class_axis_alignment(Z1, y, class_coords)
        record["class_alignment"] = float(after)
        record["class_alignment_change"] = float(after - before)
    return record


def displacement_summary(records):
    """Totals over the epochs of a :class:`~skvalence.decoders.callbacks.FeatureDisplacementMonitor`.

    Parameters
    ----------
    records : FeatureDisplacementMonitor or list of dict
        Per-epoch records (``records_``) as returned by :func:`feature_displacement`.

    Returns
    -------
    summary : dict
        ``n_epochs``; ``path_<key>`` for every displacement key present (the
        sum over epochs: the length of the path the features travelled in
        that component); ``within_over_class_mean`` (``path_disp_within /
        path_disp_class_mean``) and ``within_target_over_class_mean`` when
        defined; ``residual_alignment_final`` and ``residual_alignment_change``
        (sum of the per-epoch changes = final minus initial), the same for the
        class alignment, when recorded.

    Examples
    --------
    >>> from skvalence.analysis.saturation import displacement_summary
    >>> recs = [{"disp_class_mean": 1.0, "disp_within": 0.1}, {"disp_class_mean": 0.5, "disp_within": 0.05}]
    >>> out = displacement_summary(recs)
    >>> out["n_epochs"], out["path_disp_class_mean"], round(out["within_over_class_mean"], 3)
    (2, 1.5, 0.1)
    """
    records = list(getattr(records, "records_", records))
    if not records:
        raise ValueError("displacement_summary needs at least one epoch record.")
    out = {"n_epochs": len(records)}
    for key in DISPLACEMENT_KEYS + RESIDUAL_TARGET_KEYS:
        if key in records[0]:
            values = np.array([r[key] for r in records], dtype=np.float64)
            if not np.all(np.isfinite(values)):
                raise ValueError(f"records hold non-finite {key} values.")
            out[f"path_{key}"] = float(values.sum())
    moved = out.get("path_disp_class_mean", 0.0)
    if moved > 0:
        for key, name in (("disp_within", "within_over_class_mean"),
                          ("disp_within_target", "within_target_over_class_mean")):
            if f"path_{key}" in out:
                out[name] = out[f"path_{key}"] / moved
    for what in ("residual_alignment", "class_alignment"):
        if what in records[-1]:
            out[f"{what}_final"] = float(records[-1][what])
            out[f"{what}_change"] = float(sum(r[f"{what}_change"] for r in records))
    return out


def compare_displacement(records_by_run, reference=None):
    """One summary row per run, with alignment changes relative to a reference run.

    Parameters
    ----------
    records_by_run : dict of str to (FeatureDisplacementMonitor or list of dict)
        E.g. ``{"none": monitor_ce_only, "axis-mse": monitor_aligned}``.
    reference : str, default=None
        Run the others are compared with (e.g. ``"none"``, cross-entropy
        alone); the first run when None.

    Returns
    -------
    rows : list of dict
        ``run`` plus :func:`displacement_summary`, and for every run
        ``ratio_path_<key>`` (its path over the reference's) and
        ``delta_residual_alignment`` / ``delta_class_alignment`` (its final
        alignment minus the reference's) when recorded.

    Examples
    --------
    >>> from skvalence.analysis.saturation import compare_displacement
    >>> recs = {"none": [{"disp_class_mean": 1.0, "disp_within": 0.2}],
    ...         "axis-mse": [{"disp_class_mean": 2.0, "disp_within": 0.2}]}
    >>> [(r["run"], r["ratio_path_disp_class_mean"]) for r in compare_displacement(recs, "none")]
    [('none', 1.0), ('axis-mse', 2.0)]
    """
    if not isinstance(records_by_run, dict) or not records_by_run:
        raise ValueError("records_by_run must be a non-empty dict run name -> records.")
    reference = next(iter(records_by_run)) if reference is None else reference
    if reference not in records_by_run:
        raise ValueError(f"reference {reference!r} is not one of the runs {list(records_by_run)}.")
    summaries = {name: displacement_summary(recs) for name, recs in records_by_run.items()}
    ref = summaries[reference]
    rows = []
    for name, summary in summaries.items():
        row = {"run": name, "reference": reference, **summary}
        for key in DISPLACEMENT_KEYS + RESIDUAL_TARGET_KEYS:
            path = f"path_{key}"
            if path in summary and ref.get(path, 0.0) > 0:
                row[f"ratio_{path}"] = summary[path] / ref[path]
        for what in ("residual_alignment", "class_alignment"):
            if f"{what}_final" in summary and f"{what}_final" in ref:
                row[f"delta_{what}"] = summary[f"{what}_final"] - ref[f"{what}_final"]
        rows.append(row)
    return rows


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
