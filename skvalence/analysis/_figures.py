"""Figures of the analyses: forest plot, rediscovery scatter, saturation bars, gradient curves.

matplotlib is imported inside each function so that importing the analyses
never needs a display or a plotting backend.  Every function draws on ``ax``
when given (and returns it) or creates a figure and returns its axes.
"""

from __future__ import annotations

import numpy as np

__all__ = ["plot_forest", "plot_gradient_monitor", "plot_rediscovery", "plot_saturation_bars"]


def _axes(ax, ncols=1, figsize=(6, 4)):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, axes = plt.subplots(1, ncols, figsize=figsize, squeeze=False)
    return axes[0] if ncols > 1 else axes[0, 0]


def _stars(p):
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def plot_forest(result, *, ax=None, alpha=None):
    """Forest plot of the change in balanced accuracy per alignment strategy.

    Each strategy's mean delta (strategy minus baseline, paired by seed) is a
    point with its 95% t-interval; colour gives the verdict, stars the
    Holm-corrected p-value; a vertical line marks zero and a band the TOST
    equivalence margin.

    Parameters
    ----------
    result : SweepResult or dict
        Output of :func:`~skvalence.analysis.sweep.alignment_sweep` (or its
        ``to_dict()``).
    ax : matplotlib Axes, default=None
        Where to draw; a new figure when None.
    alpha : float, default=None
        Level for the stars; the sweep's ``alpha`` when None.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.analysis._figures import plot_forest
    >>> row = dict(strategy="rsa", delta_bacc=-0.02, ci_low=-0.03, ci_high=-0.01, p_holm=0.01, verdict="worse")
    >>> ax = plot_forest({"table": [row], "settings": {"equivalence_margin": 0.01}})
    >>> ax.get_yticklabels()[0].get_text()
    'rsa'
    """
    data = result.to_dict() if hasattr(result, "to_dict") else result
    rows = sorted(data["table"], key=lambda r: r["delta_bacc"])
    settings = data.get("settings", {})
    alpha = settings.get("alpha", 0.05) if alpha is None else alpha
    colours = {"worse": "tab:red", "better": "tab:green", "equivalent": "tab:blue", "inconclusive": "tab:gray"}
    ax = _axes(ax, figsize=(6, 0.35 * len(rows) + 1.5))
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
    ax.set_xlabel("Delta balanced accuracy vs. no alignment (mean, 95% CI over seeds)")
    ax.set_title("Alignment strategies (stars: Holm-corrected paired t-test)")
    for verdict, colour in colours.items():
        if any(r.get("verdict") == verdict for r in rows):
            ax.plot([], [], "o", color=colour, label=verdict)
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_rediscovery(result, *, which=("class_alignment", "residual_alignment"), axes=None):
    """Scatter of each decoder's balanced accuracy against its V-axis alignment.

    Parameters
    ----------
    result : RediscoveryResult or dict
        Output of :func:`~skvalence.analysis.rediscovery.rediscovery_zoo`.
    which : sequence of str, default=("class_alignment", "residual_alignment")
        Alignment columns, one panel each (all-NaN columns are skipped).
    axes : sequence of matplotlib Axes, default=None
        One per panel; a new figure when None.

    Returns
    -------
    axes : list of matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.analysis._figures import plot_rediscovery
    >>> table = [dict(architecture="mlp", bacc=b, class_alignment=a, residual_alignment=float("nan"))
    ...          for b, a in [(0.3, 0.5), (0.4, 0.7), (0.5, 0.9)]]
    >>> len(plot_rediscovery({"table": table, "correlations": {}}))
    1
    """
    data = result.to_dict() if hasattr(result, "to_dict") else result
    table = data["table"]
    which = [w for w in which if np.any(np.isfinite([row[w] for row in table]))]
    if not which:
        raise ValueError("No alignment column with values to plot.")
    if axes is None:
        ax = _axes(None, ncols=len(which), figsize=(5 * len(which), 4))
        axes = list(ax) if len(which) > 1 else [ax]
    names = {"class_alignment": "class-PC1 alignment", "residual_alignment": "within-class residual alignment"}
    keys = {"class_alignment": "bacc_vs_class_alignment", "residual_alignment": "bacc_vs_residual_alignment"}
    archs = sorted({row.get("architecture", "") for row in table})
    for ax, column in zip(axes, which):
        for arch in archs:
            rows = [r for r in table if r.get("architecture", "") == arch]
            ax.scatter([r[column] for r in rows], [r["bacc"] for r in rows], label=arch or None, alpha=0.8)
        corr = data.get("correlations", {}).get(keys.get(column), {})
        if corr and np.isfinite(corr.get("r", np.nan)):
            ax.set_title(f"r = {corr['r']:+.3f}, p = {corr['p_value']:.2g} (Pearson, n={corr['n']})")
        ax.set_xlabel(names.get(column, column))
        ax.set_ylabel("balanced accuracy (test subjects)")
        if archs != [""]:
            ax.legend(fontsize="small")
    return axes


def plot_saturation_bars(deltas, *, ax=None):
    """Bars of the change in class-axis and residual alignment per strategy.

    Parameters
    ----------
    deltas : dict, SweepResult or list of dict
        ``{name: alignment_deltas(...)}`` (keys ``delta_class`` and
        ``delta_residual``), or a sweep result / table (keys
        ``delta_class_alignment`` and ``delta_residual_alignment``).
    ax : matplotlib Axes, default=None
        Where to draw.

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.analysis._figures import plot_saturation_bars
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
    ax = _axes(ax, figsize=(max(4, 1.2 * len(names) + 2), 4))
    x = np.arange(len(names))
    ax.bar(x - 0.2, cls, width=0.4, label="Delta class-PC1 alignment")
    ax.bar(x + 0.2, res, width=0.4, label="Delta residual alignment")
    ax.axhline(0, color="black", lw=1)
    ax.set_xticks(x, names, rotation=30, ha="right")
    ax.set_ylabel("aligned minus baseline")
    ax.legend(fontsize="small")
    return ax


def plot_gradient_monitor(records, *, terms=("ce",), axes=None):
    """Curves of a :class:`~skvalence.analysis.saturation.GradientSubspaceMonitor` over epochs.

    Left: gradient norm of each term w.r.t. the features (log scale) and the
    probe confidence; right: the fraction of the squared gradient in the
    class-mean basin and in the head's row space.

    Parameters
    ----------
    records : GradientSubspaceMonitor or list of dict
        The monitor (its ``records_``) or the records themselves.
    terms : sequence of str, default=("ce",)
        Loss terms to draw (those recorded).
    axes : pair of matplotlib Axes, default=None
        Where to draw.

    Returns
    -------
    axes : list of two matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skvalence.analysis._figures import plot_gradient_monitor
    >>> recs = [dict(epoch=e, probe_confidence=0.5, grad_norm_ce=1 / e, grad_basin_frac_ce=0.9,
    ...              grad_head_frac_ce=1.0) for e in (1, 2, 3)]
    >>> len(plot_gradient_monitor(recs))
    2
    """
    records = getattr(records, "records_", records)
    if not records:
        raise ValueError("No records to plot: was the monitor attached to a fitted net?")
    if axes is None:
        axes = list(_axes(None, ncols=2, figsize=(10, 4)))
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
    return [left, right]
