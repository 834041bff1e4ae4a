"""Step 2: does stimulus-averaged EEG track the V-axis?"""

from __future__ import annotations

import numpy as np

from ._common import class_coordinates, random_direction_class_coords, stimulus_level_coords
from .base import Step, StepOutput, heading, note, paragraph, table

#: Labels of the side estimates, shown beside the headline.
LOSO_LABEL = ("leave-one-stimulus-out r (same-class clips stay in training; measures class "
              "separability)")
IN_SAMPLE_LABEL = ("in-sample r (ridge fitted and scored on all stimuli; optimistic, the paper's kind "
                   "of figure)")


def _fmt(value, spec=".3f"):
    return "not available" if value is None else format(value, spec)


class TrackingStep(Step):
    """Leave-one-class-out ridge from averaged DE features to V-axis coordinates (the headline),
    with a class permutation test, a subject-bootstrap CI, a random-direction null and the
    leave-one-stimulus-out and in-sample figures beside it."""

    name = "tracking"
    title = "2. EEG tracks the V-axis"
    # Reads context.eeg, context.vaxis and the data label; no earlier step's results.
    inputs = ("data", "model", "dataset")
    config_keys = ("tracking_permutations", "tracking_random_directions", "tracking_bootstrap")
    depends_on = ()

    def run(self, context):
        from ...analysis.tracking import track_vaxis
        from ...utils._validation import stimulus_classes
        from ...viz import plot_tracking_scatter, plot_tracking_topomap

        data, cfg = context.eeg, context.config
        coords = class_coordinates(context.vaxis, data.class_names)
        stimuli, stim_class = stimulus_classes(data.y, data.stimulus)
        n_random = int(cfg["tracking_random_directions"])
        random_coords = None
        if n_random:  # 0: the null is skipped and the result says so
            random_class = random_direction_class_coords(context.vaxis, data.class_names, n_random,
                                                         context.random_state)
            random_coords = random_class[:, stim_class]
        result = track_vaxis(
            data.X, data.stimulus, dict(zip(stimuli, coords[stim_class])), subject=data.subject,
            n_permutations=cfg["tracking_permutations"], n_random_directions=n_random,
            random_coords=random_coords, stimulus_class=dict(zip(stimuli, stim_class)),
            n_bootstrap=cfg["tracking_bootstrap"], ch_names=data.ch_names, bands=data.bands,
            random_state=context.random_state, n_jobs=context.n_jobs, verbose=context.verbose)
        figures = [
            context.save_figure(plot_tracking_scatter(result, class_names=data.class_names),
                                "tracking_scatter"),
        ]
        try:
            figures.append(context.save_figure(plot_tracking_topomap(result, data.ch_names, list(data.bands)),
                                               "tracking_topomap"))
        except ValueError as exc:  # channels without 10-20 positions: no topomap, say why
            context.log(f"no topomap: {exc}")
        results = result.to_dict()
        results["random_null_description"] = self._null_description(result, n_random)
        results["residual"] = _residual_tracking(context, data, stimuli, stim_class)
        return StepOutput(results=results, blocks=self.blocks(results, context.data_label), figures=figures)

    @staticmethod
    def _null_description(result, n_random):
        if result.null_percentile is None:
            return result.random_null  # "not computed, because ..."
        return (f"the class centroids of the language model projected on {n_random} random unit directions "
                "of its hidden space (the paper's random-direction control), each table scored by the "
                "same leave-one-class-out estimator")

    @staticmethod
    def blocks(res, data_label):
        """The section's blocks from the step's stored results (a dict; None where not computed)."""
        level = res.get("ci_level") or 0.95
        if res.get("r_ci") is None:
            ci_value, ci_how, unit = "not computed", res.get("ci_method") or "not computed", "none"
        else:
            low, high = res["r_ci"]
            ci_value, ci_how = f"[{low:.3f}, {high:.3f}]", res.get("ci_method")
            unit = res.get("resampling_unit") or "subject"
        percentile = res.get("null_percentile")
        null_text = res.get("random_null_description") or res.get("random_null")
        percentile_cell = (f"{percentile:.1f}th percentile of {len(res.get('random_r') or [])} random "
                           "directions" if percentile is not None else null_text)
        rows = [
            (f"headline: {res.get('headline', 'leave-one-class-out')} r (each class's clips predicted by a "
             "ridge fitted on the other classes)", res.get("r")),
            (f"{100 * level:g}% CI of the headline r", ci_value),
            ("CI method", ci_how),
            ("unit of resampling (CI)", unit),
            ("p-value of the headline r", res.get("p_value")),
            ("test", res.get("test")),
            ("random-direction null", null_text),
            ("headline r among the random-direction null", percentile_cell),
            (LOSO_LABEL, res.get("r_loso")),
            (IN_SAMPLE_LABEL, res.get("r_in_sample")),
            ("subjects averaged", res.get("n_subjects")),
        ]
        r_text = _fmt(res.get("r"))
        return TrackingStep._headline_blocks(res, data_label, rows, r_text) + residual_blocks(res.get("residual"))

    @staticmethod
    def _headline_blocks(res, data_label, rows, r_text):
        return [
            paragraph(f"Data: {data_label}. DE features are averaged per stimulus (within each subject, then over "
                      "subjects). Headline (leave-one-class-out): all clips of one emotion class are held out "
                      "together and a ridge regression fitted on the clips of the other classes (penalty chosen "
                      "inside each training fold) predicts their V-axis coordinates; r is taken over all clips. "
                      "The V-axis gives one coordinate per class, so this asks whether EEG carries the ordering "
                      "of the classes along the axis for an emotion the ridge never saw, not only whether EEG "
                      f"separates the classes. Measured: r = {r_text}, p = {_fmt(res.get('p_value'), '.3g')}."),
            table(("quantity", "value"), rows),
            note("The p-value comes from permuting the class -> coordinate assignment among the classes "
                 "(stimuli keep their class) and refitting the same estimator; the CI resamples subjects "
                 "with replacement and recomputes the stimulus means (stimuli are the fixed design). "
                 "The leave-one-stimulus-out r keeps a held-out clip's same-class siblings, and their "
                 "shared coordinate, in training: it is high whenever EEG separates the classes. The "
                 "in-sample r is not cross-validated. Paper: in-sample r = 0.87 on FACED; random direction "
                 "r ≈ 0.07."),
        ]


def _within_class(values, keys):
    """``values`` minus the mean of the rows sharing their key (row-wise groups)."""
    _, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.ravel()
    sums = np.zeros((inverse.max() + 1,) + values.shape[1:])
    np.add.at(sums, inverse, values)
    counts = np.bincount(inverse).reshape((-1,) + (1,) * (values.ndim - 1))
    return values - (sums / counts)[inverse]


def _within_class_permutations(values, classes, n_tables, random_state):
    """``n_tables`` copies of ``values`` each shuffled within every class (rows: tables)."""
    rng = np.random.default_rng(random_state)
    tables = np.repeat(values[None, :], n_tables, axis=0)
    for c in np.unique(classes):
        members = np.flatnonzero(classes == c)
        tables[:, members] = rng.permuted(tables[:, members], axis=1)
    return tables


def _residual_tracking(context, data, stimuli, stim_class):
    """Does the within-class part of the EEG track the within-class part of per-stimulus coordinates?

    Each subject's features have their class means removed (per subject and class), each
    stimulus's coordinate its class's mean coordinate. The same ridge predicts the residual
    coordinates of each class's stimuli from the other classes' (leave-one-class-out: within a
    class the residuals sum to zero, so a stimulus held out alone would be given away by its
    siblings). The p-value compares r with residual coordinates shuffled within each class;
    the CI resamples subjects. Without per-stimulus coordinates it is skipped, and the source
    says why.
    """
    from ...analysis.tracking import track_vaxis
    from ...utils.nulls import monte_carlo_p

    coords, source = stimulus_level_coords(context)
    if coords is None:
        return {"computed": False, "stimulus_coords_source": source}
    cfg = context.config
    stim_class = np.asarray(stim_class)
    values = np.asarray(coords, dtype=float)[np.asarray(stimuli, dtype=int)]
    residual_coords = _within_class(values[:, None], stim_class)[:, 0]
    n_null = int(cfg["tracking_permutations"])
    null_tables = _within_class_permutations(residual_coords, stim_class, n_null, context.random_state)
    y, subject = np.asarray(data.y), np.asarray(data.subject)
    X = _within_class(np.asarray(data.X, dtype=float), np.stack([subject, y], axis=1))
    result = track_vaxis(
        X, data.stimulus, dict(zip(stimuli, residual_coords)), subject=data.subject,
        n_permutations=100, permutation="stimulus", random_coords=null_tables,
        stimulus_class=dict(zip(stimuli, stim_class)), n_bootstrap=cfg["tracking_bootstrap"],
        ch_names=data.ch_names, bands=data.bands, random_state=context.random_state,
        n_jobs=context.n_jobs, verbose=context.verbose)
    out = result.to_dict()
    keep = ("r", "r_ci", "ci_level", "ci_method", "resampling_unit", "n_subjects", "r_in_sample")
    return {"computed": True, "stimulus_coords_source": source, "n_stimuli": len(stimuli),
            "p_value": float(monte_carlo_p(result.r, result.random_r)), "n_permutations": n_null,
            "test": (f"Monte-Carlo permutation test, one-sided: {n_null} tables with the residual coordinates "
                     "shuffled within each class, each scored by the same leave-one-class-out estimator"),
            **{k: out.get(k) for k in keep}}


def residual_blocks(residual):
    """The within-class residual tracking section: its numbers and the coordinates' source, or why not."""
    if not residual:
        return []
    title = heading("Within-class residual tracking (per-stimulus coordinates)")
    source = residual.get("stimulus_coords_source") or "not available"
    if not residual.get("computed"):
        return [title, paragraph(f"Skipped. Per-stimulus coordinates: {source}.")]
    ci = residual.get("r_ci")
    ci_text = "not computed" if ci is None else f"[{ci[0]:.3f}, {ci[1]:.3f}]"
    rows = [
        ("leave-one-class-out r of the within-class residuals", residual.get("r")),
        (f"{100 * (residual.get('ci_level') or 0.95):g}% CI", ci_text),
        ("CI method", residual.get("ci_method")),
        ("p-value", residual.get("p_value")),
        ("test", residual.get("test")),
        ("in-sample r (not cross-validated)", residual.get("r_in_sample")),
        ("stimuli", residual.get("n_stimuli")),
        ("subjects averaged", residual.get("n_subjects")),
    ]
    return [
        title,
        paragraph(f"Per-stimulus coordinates: {source}. Each subject's features have their class means removed "
                  "and each stimulus's coordinate its class's mean, so only the differences between clips of "
                  "one emotion remain; a ridge fitted on the other classes' clips predicts the residual "
                  "coordinates of each class's clips (a clip held out alone would be given away by its "
                  f"siblings, whose residuals sum to minus its own). Measured: r = {_fmt(residual.get('r'))}, p = {_fmt(residual.get('p_value'), '.3g')}."),
        table(("quantity", "value"), rows),
        note("The p-value shuffles the residual coordinates within each class (a null with the same "
             "class structure) and refits the same estimator; the CI resamples subjects. No random-direction "
             "null: the coordinates are per stimulus, not a direction of the language model's space."),
    ]
