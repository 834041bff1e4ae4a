"""What each alignment strategy of the sweep is trained toward, built from the run's inputs.

Every registry strategy names the target it needs (:attr:`AlignmentStrategy.target
<skvalence.decoders.AlignmentStrategy>`) and its extra inputs (``requires``);
:func:`strategy_plans` builds them from the run:

``coordinate``
    The V-axis coordinate of each class (``VAxisTransformer.class_coords_``).
``centroids``
    The language model's class centroids (``VAxisTransformer.centroids_``), row ``k`` for
    label ``k``: RSA, Procrustes, CKA and the prototype losses compare the features'
    geometry with the model's, not with one number per class.
``axes``
    Several axes of the same model as columns: the PCA axis (PC1) and the
    difference-of-means axis of the class centroids, one coordinate per class each. A
    column collinear with an earlier one is dropped; with one column left, multi-axis is
    the axis MSE (:data:`COINCIDENCES`).
``stimulus``
    Stimulus prototypes: the run's per-stimulus coordinates placed in the class
    coordinates' units (each class's stimuli average to its class coordinate; the spread
    within a class is scaled by the least-squares slope of class coordinates on the
    class means of the stimulus coordinates). Without per-stimulus coordinates the
    strategy is skipped, never given a stand-in.
``topography``
    ``|ridge weights|`` (channel x band) of the tracking step's estimator
    (:func:`~skvalence.analysis.track_vaxis`) refitted on the training subjects only:
    the tracking step averages every subject, test subjects included, so its weights
    would let the test subjects' EEG shape a training mask.
``source``
    Cross-dataset transfer: a second simulated cohort with the run's channel layout
    (``make_faced_like`` for FACED and the simulated cohort, ``make_seedv_like`` for
    SEED-V), as many subjects as the training split, drawn with the run's seed + 1 and
    scaled per subject like the training data; each source row's coordinate is the V-axis
    coordinate of its class.
``ch_names``
    The channel-masked losses mask by the net's channel names, the FACED or SEED-V layout
    of a 32- or 62-channel grid; data with another layout skips them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._common import class_centroids, class_coordinates

#: What enables the within-class residual analyses when there are no per-stimulus coordinates.
STIMULUS_FILES_HINT = ("pass --stimulus-texts FILE (texts describing each clip, scored on the same V-axis) or "
                       "--stimulus-ratings FILE (CSV: stimulus, valence) to enable it")



def enable_hint(stim_source):
    """``"; <which file enables it>"``, unless the coordinate source already says so."""
    return "" if "--stimulus-texts" in str(stim_source) else f"; {STIMULUS_FILES_HINT}"


#: Pairs that are the same loss for a given target: strategy -> (the one it equals, why).
COINCIDENCES = {
    "multi-axis": ("axis-mse", "with a single distinct axis, multi-axis regresses one linear readout of the "
                               "features onto the z-scored class coordinate with an MSE, which is the axis MSE"),
}

#: Collinearity threshold for axis columns (|Pearson r| across classes).
_COLLINEAR = 1.0 - 1e-9


class Unavailable(Exception):
    """A strategy's input cannot be built on this run; the message says why."""


@dataclass
class StrategyPlan:
    """What one strategy is trained with.

    ``target`` and ``kwargs`` become ``alignment_target`` and ``alignment_kwargs``;
    ``inputs`` describes each of them for the report. ``skipped`` is the reason when
    the strategy cannot run here; ``same_as`` names the strategy it provably equals
    with this target.
    """

    name: str
    target: object = None
    kwargs: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    skipped: str | None = None
    same_as: str | None = None
    same_reason: str = ""


def _distinct_columns(columns, names):
    """Drop columns that are constant or collinear with an earlier kept one."""
    kept, kept_names = [], []
    for column, name in zip(columns.T, names):
        if np.ptp(column) == 0:
            continue
        if any(abs(np.corrcoef(column, other)[0, 1]) >= _COLLINEAR for other in kept):
            continue
        kept.append(column)
        kept_names.append(name)
    return np.column_stack(kept), kept_names


def several_axes(vaxis, class_names):
    """Class coordinates on the PCA and difference-of-means axes of the same centroids.

    Returns the ``(n_classes, k)`` columns (``k`` = 2, or 1 when they are collinear) and
    their names.
    """
    from ...text.vaxis import axis_from_centroids

    all_rows = np.asarray(vaxis.centroids_, dtype=float)
    rows = class_centroids(vaxis, class_names) - all_rows.mean(axis=0)
    columns, names = [], []
    for method, name in (("pca", "PCA PC1"), ("diff_means", "difference of means")):
        axis, _ = axis_from_centroids(all_rows, list(vaxis.classes_), method)
        columns.append(rows @ axis)
        names.append(name)
    return _distinct_columns(np.column_stack(columns), names)


def _stimulus_values(stim_coords, stimuli):
    if isinstance(stim_coords, dict):
        values = np.array([stim_coords.get(int(s), np.nan) for s in stimuli], dtype=float)
    else:
        table = np.asarray(stim_coords, dtype=float).ravel()
        inside = (stimuli >= 0) & (stimuli < table.shape[0])
        values = np.full(stimuli.shape[0], np.nan)
        values[inside] = table[stimuli[inside]]
    missing = stimuli[~np.isfinite(values)]
    if missing.size:
        raise Unavailable(f"the per-stimulus coordinates have no finite value for training stimuli "
                          f"{missing.tolist()[:10]}")
    return values


def stimulus_prototypes(stim_coords, y, stimulus, coords):
    """Per-stimulus coordinates in class-coordinate units, indexed by stimulus id.

    Stimulus ``i`` of class ``k`` gets ``coords[k] + slope * (s_i - mean_k(s))``, so each
    class's stimuli average to its class coordinate and keep their order within the
    class. Returns the table (ids absent from training get the mean class coordinate,
    never read) and the slope.
    """
    from ...utils._validation import stimulus_classes

    stimuli, classes = stimulus_classes(np.asarray(y), np.asarray(stimulus))
    stimuli, classes = stimuli.astype(int), classes.astype(int)
    values = _stimulus_values(stim_coords, stimuli)
    labels = np.unique(classes)
    means = np.array([values[classes == k].mean() for k in labels])
    if labels.size < 2 or np.ptp(means) == 0:
        raise Unavailable("the per-stimulus coordinates have the same mean in every class, so they cannot be "
                          "placed on the class coordinates' scale")
    target = np.asarray(coords, dtype=float)[labels]
    slope = float(np.cov(means, target, bias=True)[0, 1] / np.var(means))
    table = np.full(int(stimuli.max()) + 1, float(np.mean(coords)))
    class_mean = dict(zip(labels.tolist(), means))
    for sid, k, value in zip(stimuli, classes, values):
        table[sid] = coords[k] + slope * (value - class_mean[int(k)])
    return table, slope


def training_topography(context, train, coords):
    """``|ridge weights|`` of the tracking estimator refitted on the training subjects."""
    from ...analysis.tracking import track_vaxis
    from ...utils._validation import stimulus_classes

    stimuli, stim_class = stimulus_classes(train["y"], train["stimulus"])
    stim_class = stim_class.astype(int)
    data = context.eeg
    result = track_vaxis(
        train["X"], train["stimulus"], dict(zip(stimuli.tolist(), coords[stim_class])),
        subject=train["subject"], n_permutations=100, n_random_directions=0, n_bootstrap=0,
        stimulus_class=dict(zip(stimuli.tolist(), stim_class)), ch_names=data.get("ch_names"),
        bands=data.get("bands"), random_state=context.random_state, verbose=0)
    return np.abs(np.asarray(result.coef_, dtype=float)), len(np.unique(train["subject"]))


def transfer_source(context, train):
    """Rows and V-axis coordinates of a second simulated cohort with the run's channel layout."""
    from ...datasets import make_faced_like, make_seedv_like
    from ...eeg.preprocessing import SubjectStandardScaler

    data = context.eeg
    make = make_seedv_like if context.dataset_name == "seedv" else make_faced_like
    n_subjects = int(np.unique(train["subject"]).size)
    seed = (int(context.random_state or 0) + 1) % 2**32
    source = make(n_subjects=n_subjects, random_state=seed, verbose=0)
    if list(source.ch_names) != list(data.ch_names) or list(source.bands) != list(data.bands):
        raise Unavailable(f"the simulated source cohort ({make.__name__}) has channels or bands that differ "
                          "from the run's data")
    X = SubjectStandardScaler().fit_transform(source.X, groups=source.subject).astype(np.float32)
    source_coords = class_coordinates(context.vaxis, source.class_names)[np.asarray(source.y, dtype=int)]
    text = (f"{make.__name__}(n_subjects={n_subjects}, random_state={seed}): {X.shape[0]} rows scaled per "
            "subject; each row's coordinate is the V-axis coordinate of its class")
    return X, source_coords, text


class _Inputs:
    """The run's targets and extra inputs, each built once and only when a strategy asks for it."""

    def __init__(self, context, split, coords, stim_coords, stim_source):
        self.context, self.split, self.coords = context, split, np.asarray(coords, dtype=float)
        self.stim_coords, self.stim_source = stim_coords, stim_source
        self._cache = {}

    def get(self, key):
        if key not in self._cache:
            try:
                self._cache[key] = getattr(self, "_" + key)()
            except Unavailable as exc:
                self._cache[key] = exc
        value = self._cache[key]
        if isinstance(value, Unavailable):
            raise value
        return value

    def _coordinate(self):
        n = self.coords.shape[0]
        method = getattr(self.context.vaxis, "method", "pca")
        return self.coords, {"alignment_target": f"V-axis coordinate of each class ({n} values, {method} axis)"}

    def _centroids(self):
        rows = class_centroids(self.context.vaxis, self.split["class_names"])
        return rows, {"alignment_target": "the language model's class centroids "
                                          f"({rows.shape[0]} x {rows.shape[1]}, VAxisTransformer.centroids_)"}

    def _axes(self):
        columns, names = several_axes(self.context.vaxis, self.split["class_names"])
        if columns.shape[1] > 1:
            text = f"{columns.shape[1]} axes of the same model's class centroids as columns: {', '.join(names)}"
        else:
            text = (f"1 axis of the same model's class centroids: {names[0]} (the other axes are collinear "
                    "with it)")
        return columns, {"alignment_target": text}

    def _stimulus(self):
        if self.stim_coords is None:
            raise Unavailable(f"no per-stimulus coordinates ({self.stim_source}){enable_hint(self.stim_source)}")
        train = self.split["train"]
        table, slope = stimulus_prototypes(self.stim_coords, train["y"], train["stimulus"], self.coords)
        return {"stimulus_target": table}, {
            "stimulus_target": (f"{table.shape[0]} stimulus prototypes from {self.stim_source}, placed on the "
                                f"class coordinates (class means kept; within-class slope {slope:.3g})")}

    def _topography(self):
        topo, n_subjects = training_topography(self.context, self.split["train"], self.coords)
        return {"topography": topo}, {
            "topography": (f"|ridge weights| {tuple(topo.shape)} of the tracking estimator refitted on the "
                           f"{n_subjects} training subjects (leave-one-class-out ridge, in-sample weights)")}

    def _ch_names(self):
        # The net names the channels of a 32- or 62-channel grid by the FACED or SEED-V layout,
        # which is what the loaders return; any other layout would mask the wrong channels.
        from ...eeg.montage import FACED_CHANNELS, SEEDV_CHANNELS

        names = list(self.context.eeg.get("ch_names") or [])
        default = {32: list(FACED_CHANNELS), 62: list(SEEDV_CHANNELS)}.get(len(names))
        if names != default:
            raise Unavailable("the data's channels are not the FACED or SEED-V layout the channel masks are "
                              "built for")
        return {}, {}

    def _source(self):
        X, source_coords, text = transfer_source(self.context, self.split["train"])
        return {"source_X": X, "source_coords": source_coords}, {"source": text}


def _plan(name, entry, inputs):
    plan = StrategyPlan(name)
    try:
        plan.target, described = inputs.get(entry.target)
        plan.inputs.update(described)
        for need in entry.requires:
            kwargs, described = inputs.get(need)
            plan.kwargs.update(kwargs)
            plan.inputs.update(described)
    except Unavailable as exc:
        plan.skipped = str(exc)
        return plan
    if name in COINCIDENCES and np.asarray(plan.target).ndim == 2 and np.asarray(plan.target).shape[1] == 1:
        plan.same_as, plan.same_reason = COINCIDENCES[name]
    return plan


def strategy_plans(context, split, strategies, coords, stim_coords, stim_source):
    """One :class:`StrategyPlan` per strategy name, in the given order.

    Parameters
    ----------
    context : RunContext
    split : dict
        :func:`~skvalence.reproduce.steps._common.paper_split_data` of the run.
    strategies : sequence of str
        Registry names.
    coords : ndarray of shape (n_classes,)
        V-axis coordinate of each class, in label order.
    stim_coords : array-like, dict or None
        Per-stimulus coordinates (indexed by stimulus id) and ``stim_source`` their description.
    """
    from ...decoders import ALIGNMENT_LOSSES

    inputs = _Inputs(context, split, coords, stim_coords, stim_source)
    return {name: _plan(name, ALIGNMENT_LOSSES[name], inputs) for name in strategies}
