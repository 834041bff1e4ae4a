"""Figures of the "EEG tracks the V-axis" analysis.

matplotlib and MNE are imported inside the functions, so importing
:mod:`skvalence.analysis` stays light.
"""

from __future__ import annotations

import numpy as np

from skvalence.eeg.montage import channel_region, make_info
from skvalence.emotions import FACED_CLASSES, FACED_CLIP_CLASS

__all__ = ["plot_tracking_scatter", "plot_tracking_topomap"]


def _class_labels(result, class_names):
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


def plot_tracking_scatter(result, ax=None, class_names=None):
    """Cross-validated prediction against true coordinate, one point per stimulus.

    Points are coloured by class; the title gives the cross-validated r, its
    permutation p-value and the in-sample r (labelled).

    Parameters
    ----------
    result : TrackingResult
        Output of :func:`skvalence.analysis.tracking.track_vaxis`.
    ax : matplotlib.axes.Axes, default=None
        Axes to draw on; a new figure when None.
    class_names : sequence of str, default=None
        Legend names of the class codes in ``result.stimulus_class``. None
        names FACED classes when the stimuli are the 28 FACED clips.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis
    >>> from skvalence.analysis._plots import plot_tracking_scatter
    >>> rng = np.random.default_rng(0)
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> stim = np.tile(np.arange(28), 4)
    >>> X = rng.normal(size=(112, 10)) + np.outer(coords[stim], rng.normal(size=10))
    >>> res = track_vaxis(X, stim, coords, n_permutations=20, n_random_directions=0, random_state=0)
    >>> fig = plot_tracking_scatter(res)
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(6.4, 4.5), layout="constrained")
    else:
        fig = ax.figure
    labels = _class_labels(result, class_names)
    cmap = plt.get_cmap("tab10" if len(labels) <= 10 else "tab20")
    for code, label in enumerate(labels):
        rows = result.stimulus_class == code
        ax.scatter(result.true[rows], result.predicted[rows], color=cmap(code % cmap.N), label=label, s=36)
    # Least-squares line: ridge shrinks predictions, so the identity line would mislead.
    slope, intercept = np.polyfit(result.true, result.predicted, 1)
    grid = np.linspace(result.true.min(), result.true.max(), 2)
    ax.plot(grid, slope * grid + intercept, color="0.4", lw=1, ls="--")
    ax.set_xlabel("V-axis coordinate of the stimulus")
    ax.set_ylabel("EEG prediction (leave-one-stimulus-out)")
    ax.set_title(
        f"cross-validated r = {result.r:.2f}, permutation p = {result.p_value:.3g}\n"
        f"(in-sample r = {result.r_in_sample:.2f}, not cross-validated)",
        fontsize=10,
    )
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def plot_tracking_topomap(result, ch_names=None, bands=None):
    """One scalp map per frequency band of the in-sample ridge weights.

    Mastoid reference channels (A1/A2, M1/M2) are dropped: they sit below the
    head outline, and interpolating towards them distorts the maps.

    Parameters
    ----------
    result : TrackingResult
        Output of :func:`~skvalence.analysis.tracking.track_vaxis` whose
        ``coef_`` is a (n_channels, n_bands) topography.
    ch_names, bands : sequence of str, default=None
        Channel and band names; default to ``result.ch_names`` / ``result.bands``.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import numpy as np
    >>> from skvalence.analysis.tracking import class_to_stimulus_coords, track_vaxis
    >>> from skvalence.analysis._plots import plot_tracking_topomap
    >>> from skvalence.eeg.montage import FACED_CHANNELS
    >>> rng = np.random.default_rng(0)
    >>> coords = class_to_stimulus_coords(np.linspace(-1, 1, 9))
    >>> stim = np.tile(np.arange(28), 2)
    >>> X = rng.normal(size=(56, 160)) + np.outer(coords[stim], rng.normal(size=160))
    >>> res = track_vaxis(X, stim, coords, n_permutations=10, n_random_directions=0,
    ...                   ch_names=FACED_CHANNELS, bands=["delta", "theta", "alpha", "beta", "gamma"])
    >>> fig = plot_tracking_topomap(res)
    """
    import matplotlib.pyplot as plt
    import mne

    ch_names = list(result.ch_names if ch_names is None else ch_names)
    bands = list(result.bands if bands is None else bands)
    weights = np.asarray(result.coef_)
    if weights.ndim != 2 or weights.shape != (len(ch_names), len(bands)):
        raise ValueError(
            f"result.coef_ must be a (n_channels, n_bands) = ({len(ch_names)}, {len(bands)}) topography, "
            f"got shape {weights.shape}; pass ch_names and bands to track_vaxis"
        )
    keep = np.array([channel_region(name) != "mastoid" for name in ch_names])
    info = make_info([n for n, k in zip(ch_names, keep) if k], sfreq=100.0)
    weights = weights[keep]
    limit = float(np.abs(weights).max()) or 1.0
    fig, axes = plt.subplots(
        1, len(bands), figsize=(2.2 * len(bands) + 1.2, 2.8), squeeze=False, layout="constrained"
    )
    for j, band in enumerate(bands):
        image, _ = mne.viz.plot_topomap(
            weights[:, j], info, axes=axes[0, j], show=False, cmap="RdBu_r", vlim=(-limit, limit), contours=0
        )
        axes[0, j].set_title(band)
    fig.colorbar(image, ax=axes[0].tolist(), shrink=0.8, label="weight (z-scored DE)")
    fig.suptitle("EEG -> V-axis ridge weights (in-sample fit)", fontsize=10)
    return fig
