"""Every figure of skvalence, with one calling convention.

Each function takes its data first, then keyword-only options. A
single-panel figure accepts ``ax=None`` (keyword-only): it draws on ``ax``
when given, otherwise on a new figure, and returns the
:class:`~matplotlib.axes.Axes` it drew on. A multi-panel figure accepts
``axes=None`` instead and returns a :class:`numpy.ndarray` of Axes, as
scikit-learn and MNE do. The figure is always ``ax.figure`` (or
``axes.flat[0].figure``); nothing is shown or saved here.

matplotlib (and MNE, for scalp maps) is imported inside each function, so
importing this module needs neither a display nor a plotting backend.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "plot_ensemble_contributions",
    "plot_feature_displacement",
    "plot_forest",
    "plot_gradient_comparison",
    "plot_gradient_monitor",
    "plot_rediscovery",
    "plot_saturation_bars",
    "plot_subject_scores",
    "plot_tracking_scatter",
    "plot_tracking_topomap",
    "plot_vaxis_classes",
]


def _new_axes(nrows=1, ncols=1, figsize=(6, 4), **kwargs):
    """A new figure's axes as a (nrows, ncols) object array."""
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(nrows, ncols, figsize=figsize, squeeze=False, **kwargs)
    return axes


def _axes_array(axes, n, what):
    """``axes`` as a flat object array holding at least ``n`` Axes."""
    axes = np.asarray(axes, dtype=object).ravel()
    if axes.size < n:
        raise ValueError(f"{what} needs {n} axes, got {axes.size}")
    return axes[:n]


def _stars(p):
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


# ----------------------------------------------------------------------
# text side
# ----------------------------------------------------------------------


def plot_vaxis_classes(classes, coords, valence=None, *, ax=None):
    """Emotion classes as horizontal bars along the V-axis, coloured by valence.

    Classes are sorted by coordinate; red bars are negative, grey neutral and
    blue positive classes; a vertical line marks zero.

    Parameters
    ----------
    classes : sequence of str
        Class names, e.g. ``VAxisTransformer.classes_``.
    coords : array-like of shape (n_classes,)
        Coordinate of each class on the axis, e.g.
        ``VAxisTransformer.class_coords_``.
    valence : dict of str to {-1, 0, 1}, default=None
        Valence of each class; None uses
        :data:`skvalence.emotions.FACED_VALENCE`.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_vaxis_classes
    >>> ax = plot_vaxis_classes(["anger", "neutral", "joy"], [-0.8, 0.1, 0.9])
    >>> len(ax.patches), ax.get_yticklabels()[0].get_text()
    (3, 'anger')
    """
    if valence is None:
        from .emotions import FACED_VALENCE as valence

    colours = {-1: "#c0392b", 0: "#7f8c8d", 1: "#2471a3"}
    classes = list(classes)
    coords = np.asarray(coords, dtype=float)
    if coords.shape != (len(classes),):
        raise ValueError(f"coords has shape {coords.shape} for {len(classes)} classes")
    created = ax is None
    if created:
        ax = _new_axes(figsize=(7, 3.2))[0, 0]
    order = np.argsort(coords)
    ax.barh(np.arange(len(order)), coords[order], color=[colours[valence[classes[i]]] for i in order])
    ax.set_yticks(np.arange(len(order)), [classes[i] for i in order])
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("coordinate on the V-axis")
    ax.set_title("Emotion classes along the V-axis (red negative, grey neutral, blue positive)")
    if created:
        ax.figure.tight_layout()
    return ax


# ----------------------------------------------------------------------
# EEG tracks the V-axis
# ----------------------------------------------------------------------


def _class_labels(result, class_names):
    from .emotions import FACED_CLASSES, FACED_CLIP_CLASS

    n_classes = int(result.stimulus_class.max()) + 1
    if class_names is not None:
        if len(class_names) != n_classes:
            raise ValueError(f"class_names has {len(class_names)} names for {n_classes} classes")
        return list(class_names)
    if n_classes == len(FACED_CLASSES) and len(result.stimuli) == len(FACED_CLIP_CLASS):
        # Classes inferred from FACED clip coordinates come out sorted by coordinate,
        # not in FACED order, so name each by its first clip (clips are class-ordered).
        order = {}
        for stim, code in zip(result.stimuli.tolist(), result.stimulus_class.tolist()):
            if isinstance(stim, int) and 0 <= stim < len(FACED_CLIP_CLASS):
                order.setdefault(code, FACED_CLASSES[FACED_CLIP_CLASS[stim]])
        if len(order) == n_classes:
            return [order[c] for c in range(n_classes)]
    return [f"class {c}" for c in range(n_classes)]


def plot_tracking_scatter(result, *, ax=None, class_names=None):
    """Cross-validated prediction against true coordinate, one point per stimulus.

    Points are the headline's held-out predictions (``result.predicted``:
    leave-one-class-out, named by ``result.headline``), coloured by class; a
    dashed least-squares line is drawn (ridge shrinks predictions, so the
    identity line would mislead); the title gives the headline r, its
    subject-bootstrap CI when computed, its permutation p-value and the
    in-sample r (labelled).

    Parameters
    ----------
    result : TrackingResult
        Output of :func:`skvalence.analysis.track_vaxis`.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.
    class_names : sequence of str, default=None
        Legend names of the class codes in ``result.stimulus_class``. None
        names FACED classes when the stimuli are the 28 FACED clips.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvalence.analysis import class_to_stimulus_coords, track_vaxis
    >>> from skvalence.viz import plot_tracking_scatter
    >>> rng = np.random.default_rng(0)
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> stim = np.tile(np.arange(28), 4)
    >>> X = rng.normal(size=(112, 10)) + np.outer(coords[stim], rng.normal(size=10))
    >>> res = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=0, random_state=0)
    >>> ax = plot_tracking_scatter(res)
    >>> sum(len(c.get_offsets()) for c in ax.collections)  # one point per clip
    28
    """
    import matplotlib.pyplot as plt

    if ax is None:
        ax = _new_axes(figsize=(6.4, 4.5), layout="constrained")[0, 0]
    labels = _class_labels(result, class_names)
    cmap = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    for code, label in enumerate(labels):
        rows = result.stimulus_class == code
        ax.scatter(result.true[rows], result.predicted[rows], color=cmap(code % cmap.N), label=label, s=36)
    slope, intercept = np.polyfit(result.true, result.predicted, 1)
    grid = np.linspace(result.true.min(), result.true.max(), 2)
    ax.plot(grid, slope * grid + intercept, color="0.4", lw=1, ls="--")
    ax.set_xlabel("V-axis coordinate of the stimulus")
    # The points are the headline's held-out predictions (leave-one-class-out since issue 12).
    headline = getattr(result, "headline", "leave-one-stimulus-out")
    ax.set_ylabel(f"EEG prediction ({headline})")
    r_ci, ci = getattr(result, "r_ci", None), ""
    if r_ci is not None:  # None when the subject bootstrap was not computed
        level = 100 * getattr(result, "ci_level", 0.95)
        unit = getattr(result, "resampling_unit", None) or "subject"
        ci = f", {level:g}% CI [{r_ci[0]:.2f}, {r_ci[1]:.2f}] ({unit} bootstrap)"
    ax.set_title(
        f"cross-validated r ({headline}) = {result.r:.2f}{ci}\n"
        f"permutation p = {result.p_value:.3g}; in-sample r = {result.r_in_sample:.2f} (not cross-validated)",
        fontsize=9,
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def plot_tracking_topomap(result, ch_names=None, bands=None, *, axes=None):
    """One scalp map per frequency band of the in-sample ridge weights.

    All maps share one symmetric colour scale and one colour bar. Mastoid
    reference channels (A1/A2, M1/M2) are dropped: they sit below the head
    outline, and interpolating towards them distorts the maps.

    Parameters
    ----------
    result : TrackingResult
        Output of :func:`skvalence.analysis.track_vaxis` whose ``coef_`` is a
        (n_channels, n_bands) topography.
    ch_names : sequence of str, default=None
        Channel names; default to ``result.ch_names``.
    bands : sequence of str, default=None
        Band names; default to ``result.bands``.
    axes : array-like of matplotlib.axes.Axes, default=None
        One Axes per band, all on one figure (the colour bar is added to
        it); a new figure, with a title, when None.

    Returns
    -------
    axes : ndarray of matplotlib.axes.Axes of shape (n_bands,)
        The Axes drawn on, one per band, titled with the band name.

    Raises
    ------
    ValueError
        If ``result.coef_`` is not a (n_channels, n_bands) topography, or
        fewer Axes than bands are given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skvalence.analysis import class_to_stimulus_coords, track_vaxis
    >>> from skvalence.eeg.montage import FACED_CHANNELS
    >>> from skvalence.viz import plot_tracking_topomap
    >>> rng = np.random.default_rng(0)
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> stim = np.tile(np.arange(28), 2)
    >>> X = rng.normal(size=(56, 160)) + np.outer(coords[stim], rng.normal(size=160))
    >>> res = track_vaxis(X, stim, coords, n_permutations=100, n_random_directions=0,
    ...                   ch_names=FACED_CHANNELS, bands=["delta", "theta", "alpha", "beta", "gamma"])
    >>> axes = plot_tracking_topomap(res)
    >>> [ax.get_title() for ax in axes]
    ['delta', 'theta', 'alpha', 'beta', 'gamma']
    """
    import mne

    from .eeg.montage import channel_region, make_info

    ch_names = list(result.ch_names if ch_names is None else ch_names)
    bands = list(result.bands if bands is None else bands)
    weights = np.asarray(result.coef_)
    if weights.ndim != 2 or weights.shape != (len(ch_names), len(bands)):
        raise ValueError(
            f"result.coef_ must be a (n_channels, n_bands) = ({len(ch_names)}, {len(bands)}) topography, "
            f"got shape {weights.shape}; pass ch_names and bands to track_vaxis"
        )
    created = axes is None
    if created:
        axes = _new_axes(1, len(bands), figsize=(2.2 * len(bands) + 1.2, 2.8), layout="constrained")
    axes = _axes_array(axes, len(bands), "plot_tracking_topomap")
    keep = np.array([channel_region(name) != "mastoid" for name in ch_names])
    info = make_info([n for n, k in zip(ch_names, keep) if k], sfreq=100.0)
    weights = weights[keep]
    limit = float(np.abs(weights).max()) or 1.0
    for ax, band, column in zip(axes, bands, weights.T):
        image, _ = mne.viz.plot_topomap(
            column, info, axes=ax, show=False, cmap="RdBu_r", vlim=(-limit, limit), contours=0
        )
        ax.set_title(band)
    fig = axes[0].figure
    fig.colorbar(image, ax=axes.tolist(), shrink=0.8, label="weight (z-scored DE)")
    if created:
        fig.suptitle("EEG -> V-axis ridge weights (in-sample fit)", fontsize=10)
    return axes


# ----------------------------------------------------------------------
# rediscovery, sweep and saturation
# ----------------------------------------------------------------------


def plot_rediscovery(result, *, which=("class_alignment", "residual_alignment"), axes=None):
    """Scatter of each decoder's balanced accuracy against its V-axis alignment.

    One panel per alignment column, one colour per architecture; the title
    gives the Pearson correlation stored in the result, its p-value marked as
    assuming independent checkpoints (they share data, seeds and architectures),
    and, on the class-alignment panel, the zoo-level random-direction null's
    percentile when it was computed (the paper's 93.5th; it resamples text-space
    directions, not checkpoints).

    Parameters
    ----------
    result : RediscoveryResult or dict
        Output of :func:`skvalence.analysis.rediscovery_zoo` (or its
        ``to_dict()``).
    which : sequence of str, default=("class_alignment", "residual_alignment")
        Alignment columns, one panel each (all-NaN columns are skipped).
    axes : array-like of matplotlib.axes.Axes, default=None
        One Axes per drawn panel; a new figure when None.

    Returns
    -------
    axes : ndarray of matplotlib.axes.Axes of shape (n_panels,)
        The Axes drawn on.

    Raises
    ------
    ValueError
        If no column of ``which`` has a finite value, or fewer Axes than
        panels are given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_rediscovery
    >>> table = [dict(architecture="mlp", bacc=b, class_alignment=a, residual_alignment=float("nan"))
    ...          for b, a in [(0.3, 0.5), (0.4, 0.7), (0.5, 0.9)]]
    >>> axes = plot_rediscovery({"table": table, "correlations": {}})
    >>> len(axes), axes[0].get_xlabel()
    (1, 'class-PC1 alignment')
    >>> zoo = {"computed": True, "percentile": 96.2, "n_directions": 1000}
    >>> corr = {"bacc_vs_class_alignment": {"r": 0.9, "p_value": 0.04, "n": 3}}
    >>> print(plot_rediscovery({"table": table, "correlations": corr, "zoo_null": zoo})[0].get_title())
    r = +0.900, Pearson p = 0.04 (n=3; assumes independent checkpoints)
    zoo-level null: 96.2th percentile of 1000 random directions (paper: 93.5th)
    """
    data = result.to_dict() if hasattr(result, "to_dict") else result
    table = data["table"]
    which = [w for w in which if np.any(np.isfinite([row[w] for row in table]))]
    if not which:
        raise ValueError("No alignment column with values to plot.")
    if axes is None:
        axes = _new_axes(1, len(which), figsize=(5 * len(which), 4))
    axes = _axes_array(axes, len(which), "plot_rediscovery")
    names = {"class_alignment": "class-PC1 alignment", "residual_alignment": "within-class residual alignment"}
    keys = {"class_alignment": "bacc_vs_class_alignment", "residual_alignment": "bacc_vs_residual_alignment"}
    archs = sorted({row.get("architecture", "") for row in table})
    for ax, column in zip(axes, which):
        for arch in archs:
            rows = [r for r in table if r.get("architecture", "") == arch]
            ax.scatter([r[column] for r in rows], [r["bacc"] for r in rows], label=arch or None, alpha=0.8)
        corr = data.get("correlations", {}).get(keys.get(column), {})
        lines = []
        r, p = corr.get("r"), corr.get("p_value")
        if r is not None and np.isfinite(r):
            p_text = f"{p:.2g}" if p is not None and np.isfinite(p) else "n/a"
            lines.append(f"r = {r:+.3f}, Pearson p = {p_text} (n={corr.get('n')}; assumes independent "
                         "checkpoints)")
        zoo = data.get("zoo_null") or {}
        if column == "class_alignment" and zoo.get("computed") and zoo.get("percentile") is not None:
            lines.append(f"zoo-level null: {zoo['percentile']:.1f}th percentile of "
                         f"{zoo.get('n_directions')} random directions (paper: 93.5th)")
        if lines:
            ax.set_title("\n".join(lines), fontsize=9)
        ax.set_xlabel(names.get(column, column))
        ax.set_ylabel("balanced accuracy (test subjects)")
        if archs != [""]:
            ax.legend(fontsize="small")
    return axes


def plot_forest(result, *, ax=None, alpha=None):
    """Forest plot of the change in balanced accuracy per alignment strategy.

    Each strategy's headline delta (strategy minus baseline) is a point with
    its 95% interval: a subject-cluster bootstrap interval when the rows'
    ``unit`` is ``"subject"`` (per-subject deltas averaged over seeds), a
    t-interval over seeds otherwise.  Colour gives the verdict (a key lists
    all four: worse, better, equivalent within the margin, inconclusive),
    stars the Holm-corrected two-sided p-value; a vertical line marks zero
    and a band the equivalence margin.

    Parameters
    ----------
    result : SweepResult or dict
        Output of :func:`skvalence.analysis.alignment_sweep` (or its
        ``to_dict()``).
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.
    alpha : float, default=None
        Level for the stars; the sweep's ``alpha`` when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_forest
    >>> row = dict(strategy="rsa", delta_bacc=-0.02, ci_low=-0.03, ci_high=-0.01, p_holm=0.01, verdict="worse",
    ...            unit="subject")
    >>> ax = plot_forest({"table": [row], "settings": {"equivalence_margin": 0.01}})
    >>> ax.get_yticklabels()[0].get_text()
    'rsa'
    >>> ax.get_xlabel()
    'Delta balanced accuracy vs. no alignment (mean, 95% subject-cluster bootstrap CI)'
    """
    data = result.to_dict() if hasattr(result, "to_dict") else result
    rows = sorted(data["table"], key=lambda r: r["delta_bacc"])
    settings = data.get("settings", {})
    alpha = settings.get("alpha", 0.05) if alpha is None else alpha
    colours = {"worse": "tab:red", "better": "tab:green", "equivalent": "tab:blue", "inconclusive": "tab:gray"}
    if ax is None:
        ax = _new_axes(figsize=(6, 0.35 * len(rows) + 1.8))[0, 0]
    margin = settings.get("equivalence_margin")
    if margin:
        ax.axvspan(-margin, margin, color="tab:blue", alpha=0.08, label=f"+-{margin:g} equivalence margin")
    ax.axvline(0, color="black", lw=1)
    for i, row in enumerate(rows):
        colour = colours.get(row.get("verdict"), "tab:gray")
        ax.errorbar(row["delta_bacc"], i, xerr=[[row["delta_bacc"] - row["ci_low"]], [row["ci_high"] - row["delta_bacc"]]],
                    fmt="o", color=colour, capsize=3)
        stars = _stars(row["p_holm"]) if row["p_holm"] < alpha else ""
        if stars:
            ax.annotate(stars, (row["ci_high"], i), xytext=(4, -3), textcoords="offset points", color=colour)
    ax.set_yticks(range(len(rows)), [r["strategy"] for r in rows])
    by_subject = bool(rows) and all(r.get("unit") == "subject" for r in rows)
    interval = "subject-cluster bootstrap CI" if by_subject else "CI over seeds"
    ax.set_xlabel(f"Delta balanced accuracy vs. no alignment (mean, 95% {interval})")
    ax.set_title("Alignment strategies (stars: Holm-corrected two-sided test)")
    margin_text = f" within +-{margin:g}" if margin else ""
    for verdict, colour in colours.items():  # the colour key lists all four verdicts
        ax.plot([], [], "o", color=colour, label=verdict + (margin_text if verdict == "equivalent" else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small")
    return ax


def plot_saturation_bars(deltas, *, ax=None):
    """Bars of the change in class-axis and residual alignment per strategy.

    Parameters
    ----------
    deltas : dict, SweepResult or list of dict
        ``{name: alignment_deltas(...)}`` (keys ``delta_class`` and
        ``delta_residual``), or a sweep result / table (keys
        ``delta_class_alignment`` and ``delta_residual_alignment``).
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on: two bars per strategy.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_saturation_bars
    >>> ax = plot_saturation_bars({"axis-mse": {"delta_class": 0.2, "delta_residual": 1e-4}})
    >>> len(ax.patches)
    2
    """
    if hasattr(deltas, "table"):
        deltas = deltas.table
    if isinstance(deltas, dict):
        names = list(deltas)
        cls = [deltas[n]["delta_class"] for n in names]
        res = [deltas[n]["delta_residual"] for n in names]
    else:
        names = [r["strategy"] for r in deltas]
        cls = [r["delta_class_alignment"] for r in deltas]
        res = [r["delta_residual_alignment"] for r in deltas]
    if ax is None:
        ax = _new_axes(figsize=(max(4, 1.2 * len(names) + 2), 4))[0, 0]
    x = np.arange(len(names))
    ax.bar(x - 0.2, cls, width=0.4, label="Delta class-PC1 alignment")
    ax.bar(x + 0.2, res, width=0.4, label="Delta residual alignment")
    ax.axhline(0, color="black", lw=1)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("aligned minus baseline")
    ax.legend(fontsize="small")
    return ax


def plot_gradient_monitor(records, *, terms=("ce",), axes=None):
    """Curves of a :class:`~skvalence.decoders.GradientSubspaceMonitor` over epochs.

    Left: gradient norm of each term w.r.t. the features (log scale) and, on
    a twin y-axis, the probe confidence; right: the fraction of the squared
    gradient in the class-mean basin and in the head's row space.

    Parameters
    ----------
    records : GradientSubspaceMonitor or list of dict
        The monitor (its ``records_``) or the records themselves.
    terms : sequence of str, default=("ce",)
        Loss terms to draw; terms that were not recorded are skipped.
    axes : array-like of two matplotlib.axes.Axes, default=None
        Left and right panel; a new figure when None.

    Returns
    -------
    axes : ndarray of matplotlib.axes.Axes of shape (2,)
        The left and right Axes (the twin axis of the confidence is
        ``axes[0]``'s twin, not returned).

    Raises
    ------
    ValueError
        If there are no records, or fewer than two Axes are given.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_gradient_monitor
    >>> recs = [dict(epoch=e, probe_confidence=0.5, grad_norm_ce=1 / e, grad_basin_frac_ce=0.9,
    ...              grad_head_frac_ce=1.0) for e in (1, 2, 3)]
    >>> left, right = plot_gradient_monitor(recs)
    >>> len(left.lines), len(right.lines)
    (1, 2)
    """
    records = getattr(records, "records_", records)
    if not records:
        raise ValueError("No records to plot: was the monitor attached to a fitted net?")
    if axes is None:
        axes = _new_axes(1, 2, figsize=(10, 4))
    axes = _axes_array(axes, 2, "plot_gradient_monitor")
    epochs = [r["epoch"] for r in records]
    left, right = axes
    for term in terms:
        if f"grad_norm_{term}" not in records[0]:
            continue
        left.plot(epochs, [r[f"grad_norm_{term}"] for r in records], marker="o", label=f"|dL/dz| {term}")
        right.plot(epochs, [r[f"grad_basin_frac_{term}"] for r in records], marker="o", label=f"{term}: class-mean basin")
        right.plot(epochs, [r[f"grad_head_frac_{term}"] for r in records], ls="--", label=f"{term}: head row space")
    left.set_yscale("log")
    left.set_xlabel("epoch")
    left.set_ylabel("gradient norm w.r.t. features")
    twin = left.twinx()
    twin.plot(epochs, [r["probe_confidence"] for r in records], color="gray", ls=":", label="confidence")
    twin.set_ylabel("mean max softmax (probe)")
    left.legend(fontsize="small", loc="lower left")
    right.set_ylim(-0.02, 1.02)
    right.set_xlabel("epoch")
    right.set_ylabel("fraction of squared gradient")
    right.legend(fontsize="small")
    return axes


def plot_gradient_comparison(records, *, terms=("ce",), axes=None):
    """:func:`plot_gradient_monitor` for several decoders, one row each.

    Row ``i`` shows decoder ``i``'s gradient norms (left) and subspace
    shares (right), titled with its name.

    Parameters
    ----------
    records : dict of str to GradientSubspaceMonitor or list of dict
        Monitor (or its records) of each decoder, in row order.
    terms : sequence of str or dict of str to sequence of str, default=("ce",)
        Loss terms to draw, for every decoder or per decoder name (names
        missing from the dict draw ``("ce",)``).
    axes : array-like of matplotlib.axes.Axes of shape (n_decoders, 2), default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    axes : ndarray of matplotlib.axes.Axes of shape (n_decoders, 2)
        The Axes drawn on.

    Raises
    ------
    ValueError
        If a decoder has no records, or ``axes`` has fewer Axes than needed.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_gradient_comparison
    >>> recs = [dict(epoch=e, probe_confidence=0.5, grad_norm_ce=1 / e, grad_basin_frac_ce=0.9,
    ...              grad_head_frac_ce=1.0) for e in (1, 2, 3)]
    >>> axes = plot_gradient_comparison({"none": recs, "axis-mse": recs})
    >>> axes.shape, axes[1, 0].get_title()
    ((2, 2), 'axis-mse: gradient norm w.r.t. features')
    """
    names = list(records)
    created = axes is None
    if created:
        axes = _new_axes(len(names), 2, figsize=(11, 3.5 * len(names)))
    axes = _axes_array(axes, 2 * len(names), "plot_gradient_comparison").reshape(len(names), 2)
    for row, name in zip(axes, names):
        row_terms = terms.get(name, ("ce",)) if isinstance(terms, dict) else terms
        plot_gradient_monitor(records[name], terms=row_terms, axes=row)
        row[0].set_title(f"{name}: gradient norm w.r.t. features")
        row[1].set_title(f"{name}: share in basin / head row space")
    if created:
        axes[0, 0].figure.tight_layout()
    return axes


def plot_feature_displacement(records_by_run, *, ax=None):
    """Per-epoch displacement of the penultimate features: class means against within-class residuals.

    One colour per run; solid lines are the movement of the class means
    (``disp_class_mean``), dashed lines the movement of the within-class
    residuals (``disp_within``), dotted lines the residual movement along the
    residual target direction (``disp_within_target``, when recorded).  Thin
    grey lines mark each run's floating-point resolution of the features
    (``disp_resolution``), below which a displacement is rounding.  Values are root mean squares over probe rows, on a log
    scale.

    Parameters
    ----------
    records_by_run : dict of str to (FeatureDisplacementMonitor or list of dict)
        Each run's monitor (:class:`~skvalence.decoders.FeatureDisplacementMonitor`)
        or its ``records_``, e.g. ``{"none": ce_only, "axis-mse": aligned}``.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    ValueError
        If ``records_by_run`` is empty or a run has no records.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_feature_displacement
    >>> recs = [dict(epoch=e, disp_class_mean=1 / e, disp_within=0.1 / e, disp_resolution=1e-7) for e in (1, 2, 3)]
    >>> ax = plot_feature_displacement({"none": recs, "axis-mse": recs})
    >>> len(ax.lines), ax.get_yscale()  # per run: class means, residual, resolution
    (6, 'log')
    """
    if not isinstance(records_by_run, dict) or not records_by_run:
        raise ValueError("records_by_run must be a non-empty dict run name -> records.")
    created = ax is None
    if created:
        ax = _new_axes(figsize=(9, 4))[0, 0]
    styles = (("disp_class_mean", "-", "class means"), ("disp_within", "--", "within-class residual"),
              ("disp_within_target", ":", "residual along target"))
    has_resolution = False
    for i, (name, records) in enumerate(records_by_run.items()):
        records = list(getattr(records, "records_", records))
        if not records:
            raise ValueError(f"No records for run {name!r}.")
        epochs = [r.get("epoch", k + 1) for k, r in enumerate(records)]
        for key, style, label in styles:
            if key in records[0]:
                ax.plot(epochs, [r[key] for r in records], style, color=f"C{i}", label=f"{name}: {label}")
        if "disp_resolution" in records[0]:
            ax.plot(epochs, [r["disp_resolution"] for r in records], color="0.6", lw=1,
                    label=None if has_resolution else "float resolution")
            has_resolution = True
    from matplotlib.ticker import MaxNLocator

    ax.set_yscale("log")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel("displacement per epoch (RMS per probe row)")
    ax.set_title("Penultimate features: basin vs within-class movement")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="x-small")
    if created:
        ax.figure.tight_layout()
    return ax


# ----------------------------------------------------------------------
# ensemble
# ----------------------------------------------------------------------


def plot_ensemble_contributions(ensemble, *, ax=None):
    """Each member's leave-one-out contribution against its residual alignment.

    One point per member of a fitted
    :class:`~skvalence.ResidualDiversityEnsemble`, annotated
    ``random_state/max_epochs`` from its parameters; the title gives the
    Pearson correlation across members (the paper reports r = +0.74).

    Parameters
    ----------
    ensemble : ResidualDiversityEnsemble
        Fitted with a validation part and an ``alignment_target``, so that
        ``loo_contributions_`` and ``residual_alignment_`` are set.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    ValueError
        If the ensemble has no residual alignments or no contributions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    >>> from skvalence.ensemble import ResidualDiversityEnsemble
    >>> from skvalence.viz import plot_ensemble_contributions
    >>> rng = np.random.RandomState(0)
    >>> stim = np.tile(np.arange(6), 30)
    >>> coords = np.array([-1.0, -0.5, 0.0, 0.2, 0.6, 1.0])
    >>> X = rng.normal(size=(180, 5)) + np.c_[stim // 2, coords[stim]] @ np.ones((2, 5))
    >>> ens = ResidualDiversityEnsemble(
    ...     LinearDiscriminantAnalysis(solver="eigen"), member_grid={"shrinkage": [0.0, 0.5, 0.9]},
    ...     alignment_target=coords, random_state=0,
    ... ).fit(X, stim // 2, groups=np.repeat(np.arange(10), 18), stimulus=stim)
    >>> ax = plot_ensemble_contributions(ens)
    >>> len(ax.collections[0].get_offsets())  # one point per member
    3
    """
    alignment = getattr(ensemble, "residual_alignment_", None)
    contributions = getattr(ensemble, "loo_contributions_", None)
    if alignment is None or contributions is None:
        raise ValueError("The ensemble has no residual alignments or leave-one-out contributions: fit it "
                         "with a validation part, an alignment_target, stimulus ids and members with transform.")
    created = ax is None
    if created:
        ax = _new_axes(figsize=(5.5, 4))[0, 0]
    ax.scatter(alignment, contributions, c="#2471a3")
    for i, params in enumerate(ensemble.member_params_):
        ax.annotate(f"{params.get('random_state')}/{params.get('max_epochs')}",
                    (alignment[i], contributions[i]), fontsize=7)
    corr = ensemble.contribution_alignment_corr_ or {}
    ax.set_xlabel("within-class residual alignment (validation)")
    ax.set_ylabel("leave-one-out contribution (validation BACC)")
    ax.set_title(f"r = {corr.get('r', float('nan')):.2f}, p = {corr.get('p_value', float('nan')):.3g}")
    if created:
        ax.figure.tight_layout()
    return ax


def plot_vaxis_methods(classes, coords_by_method, valence=None, *, ax=None):
    """Class coordinates of several V-axis methods side by side (e.g. PCA and diff-means).

    Each method's coordinates are divided by their largest absolute value, so axes of
    different scale share one x-axis; classes keep the order of ``classes``, and a
    marker's colour gives the class's valence (red negative, grey neutral, blue
    positive). An axis that orders the classes by valence puts every red marker
    left of every blue one.

    Parameters
    ----------
    classes : sequence of str
        Class names, e.g. ``VAxisTransformer.classes_``.
    coords_by_method : dict of str to array-like of shape (n_classes,)
        Method name to the class coordinates on its axis.
    valence : dict of str to {-1, 0, 1}, default=None
        Valence of each class; None uses :data:`skvalence.emotions.FACED_VALENCE`.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_vaxis_methods
    >>> ax = plot_vaxis_methods(["anger", "neutral", "joy"],
    ...                         {"pca": [-0.8, 0.1, 0.9], "diff_means": [-2.0, 0.0, 1.5]})
    >>> len(ax.collections), [t.get_text() for t in ax.get_yticklabels()]
    (2, ['anger', 'neutral', 'joy'])
    """
    if valence is None:
        from .emotions import FACED_VALENCE as valence

    classes = list(classes)
    if not coords_by_method:
        raise ValueError("coords_by_method is empty; pass at least one method's coordinates")
    colours = {-1: "#c0392b", 0: "#7f8c8d", 1: "#2471a3"}
    markers = "os^Dv"
    created = ax is None
    if created:
        ax = _new_axes(figsize=(7, 3.6))[0, 0]
    rows = np.arange(len(classes))
    n = len(coords_by_method)
    for k, (name, coords) in enumerate(coords_by_method.items()):
        coords = np.asarray(coords, dtype=float)
        if coords.shape != (len(classes),):
            raise ValueError(f"coords of {name!r} have shape {coords.shape} for {len(classes)} classes")
        scale = np.abs(coords).max() or 1.0
        offset = (k - (n - 1) / 2) * 0.25
        ax.scatter(coords / scale, rows + offset, marker=markers[k % len(markers)], label=name,
                   c=[colours[valence.get(c, 0)] for c in classes], edgecolors="k", linewidths=0.5)
    ax.set_yticks(rows, classes)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_xlabel("class coordinate / largest |coordinate| of the method")
    ax.set_title("Class order on each V-axis method (red negative, grey neutral, blue positive)")
    ax.legend(loc="lower right", fontsize=8)
    if created:
        ax.figure.tight_layout()
    return ax


def plot_subject_scores(rows, *, pipelines=None, protocols=None, ax=None):
    """Per-subject scores of several pipelines under several protocols, a subject's points joined.

    One group of columns per pipeline (named above it), one column per protocol inside it
    (named below); each point is one test subject's score, a black bar the mean over subjects. When a subject is
    scored under several protocols its points are joined by a grey line, so a drop from
    the paper split to the stimulus-disjoint split shows subject by subject. A dashed
    line marks chance when the rows carry one (``chance``, as
    :func:`skvalence.analysis.identity.score_protocols` writes it).

    Parameters
    ----------
    rows : iterable of dict
        Tidy score rows with keys ``pipeline``, ``protocol``, ``subject`` and ``value``
        (the columns of ``scores.csv``); rows of one metric.
    pipelines : sequence of str, default=None
        Pipelines to draw, in this order; None draws all, in first-seen order.
    protocols : sequence of str, default=None
        Protocols to draw inside each pipeline, in this order; None: all, first-seen order.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.

    Returns
    -------
    ax : matplotlib.axes.Axes
        The Axes drawn on.

    Raises
    ------
    ValueError
        If no row is left to draw, a row lacks one of the keys, or the rows mix metrics.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.viz import plot_subject_scores
    >>> rows = [{"pipeline": "LR", "protocol": p, "subject": s, "value": base + shift}
    ...         for p, shift in (("paper", 0.2), ("stimulus-disjoint", 0.0))
    ...         for s, base in enumerate([0.3, 0.4])]
    >>> ax = plot_subject_scores(rows)
    >>> len(ax.lines), [t.get_text() for t in ax.texts], len(ax.get_xticklabels())
    (2, ['LR'], 2)
    """
    rows = [dict(r) for r in rows]
    missing = sorted({k for r in rows for k in ("pipeline", "protocol", "subject", "value") if k not in r})
    if missing:
        raise ValueError(f"every row needs the keys pipeline, protocol, subject and value; missing {missing}")
    pipelines = list(dict.fromkeys(r["pipeline"] for r in rows)) if pipelines is None else list(pipelines)
    protocols = list(dict.fromkeys(r["protocol"] for r in rows)) if protocols is None else list(protocols)
    rows = [r for r in rows if r["pipeline"] in pipelines and r["protocol"] in protocols]
    if not rows:
        raise ValueError("no score rows to draw for the requested pipelines and protocols")
    metrics = {r.get("metric") for r in rows}
    if len(metrics) > 1:
        raise ValueError(f"the rows mix metrics {sorted(map(str, metrics))}; draw one metric at a time")
    created = ax is None
    if created:
        ax = _new_axes(figsize=(max(5.0, 1.1 * len(pipelines) * len(protocols)), 4))[0, 0]
    colours = ["#2471a3", "#c0392b", "#7f8c8d", "#239b56"]
    rng = np.random.default_rng(0)  # jitter only; fixed so figures are reproducible
    ticks, labels = [], []
    for i, pipeline in enumerate(pipelines):
        positions, first = {}, i * (len(protocols) + 1)
        for j, protocol in enumerate(protocols):
            mine = [r for r in rows if r["pipeline"] == pipeline and r["protocol"] == protocol]
            if not mine:
                continue
            x = i * (len(protocols) + 1) + j
            values = np.array([float(r["value"]) for r in mine])
            xs = x + rng.uniform(-0.15, 0.15, size=values.size)
            ax.scatter(xs, values, s=12, color=colours[j % len(colours)], alpha=0.8, zorder=3)
            ax.hlines(values.mean(), x - 0.3, x + 0.3, color="k", lw=2, zorder=4)
            positions[protocol] = {r["subject"]: (px, v) for r, px, v in zip(mine, xs, values)}
            ticks.append(x)
            labels.append(str(protocol).replace("-", "-\n", 1))
        if positions:
            ax.text(first + (len(protocols) - 1) / 2, 1.01, pipeline, transform=ax.get_xaxis_transform(),
                    ha="center", va="bottom", fontsize=9)
        _join_subjects(ax, positions, protocols)
    chances = {r.get("chance") for r in rows} - {None}
    if len(chances) == 1:
        ax.axhline(chances.pop(), color="k", ls="--", lw=0.8, label="chance")
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xticks(ticks, labels, fontsize=8)
    ax.set_ylabel(str(metrics.pop() or "score") + " per test subject")
    ax.set_title("Per-subject scores (bar: mean over subjects; lines join a subject's scores)", pad=18)
    if created:
        ax.figure.tight_layout()
    return ax


def _join_subjects(ax, positions, protocols):
    """Grey lines from a subject's point under one protocol to its point under the next."""
    present = [p for p in protocols if p in positions]
    for left, right in zip(present, present[1:]):
        for subject, (x0, v0) in positions[left].items():
            if subject in positions[right]:
                x1, v1 = positions[right][subject]
                ax.plot([x0, x1], [v0, v1], color="0.7", lw=0.6, zorder=2)
