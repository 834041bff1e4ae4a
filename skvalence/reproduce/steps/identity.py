"""Step: emotion or stimulus identity? Every baseline decoder under two protocols, and clip naming.

Every subject of FACED (and of SEED-V) watched the same clips, so a decoder scored across
subjects can succeed by recognising *the clip* rather than the emotion. For each baseline
decoder the main job trains, this step reports balanced accuracy per test subject under the
paper's subject split and under :class:`~skvalence.model_selection.StimulusDisjointSplit`
(no subject and no clip on both sides), and how well the same features name the clip itself
in unseen subjects (28-way on FACED), all through :mod:`skvalence.analysis.identity`.
"""

from __future__ import annotations

import numpy as np

from ._common import check_seeds, dataset_label, decoder_params
from .base import Step, StepOutput, note, paragraph, table
from .ensemble import estimator_params

#: Pipelines of the per-subject figure (the headline ones).
FIGURE_PIPELINES = ("LR on DE", "Riemannian (tangent space)", "default net", "ensemble")
#: Variance shares of the simulator shown beside the scores, in this order.
SHARE_NAMES = ("emotion", "stimulus", "subject_x_stimulus", "subject", "noise")
#: How the protocols of :mod:`skvalence.analysis.identity` read in the report.
PROTOCOL_TEXT = {
    "paper": "paper split (subjects; training and validation subjects train)",
    "stimulus-disjoint": "stimulus-disjoint (no subject and no clip on both sides)",
    "clip-identification": "clip identification (which clip was shown, unseen subjects)",
}


def _standardised_de(context):
    """DE features standardised per subject with the subject's own unlabelled rows (label-free)."""
    from ...eeg.preprocessing import SubjectStandardScaler

    data = context.eeg
    X = SubjectStandardScaler().fit_transform(data.X, groups=data.subject).astype(np.float32)
    return X, np.asarray(data.y), np.asarray(data.subject), np.asarray(data.stimulus)


def _lr():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=1000)


def _net(context):
    from ...decoders import ValenceNetClassifier

    return ValenceNetClassifier(**decoder_params(context))


def _ensemble(context):
    """A small uniform ensemble of the recipe (members train on all training rows)."""
    from ...decoders import ValenceNetClassifier
    from ...ensemble import ResidualDiversityEnsemble

    import sklearn

    # score_protocols fits a metadata router (the ensemble) with routing on: its members say they
    # take the subject ids (skorch allows setting the request only while routing is enabled).
    member = ValenceNetClassifier(**decoder_params(context))
    with sklearn.config_context(enable_metadata_routing=True):
        member.set_fit_request(groups=True, stimulus=False)
    grid = {"random_state": list(context.config["identity_ensemble_seeds"]),
            "max_epochs": [context.config["ensemble_epochs"][0]]}
    return ResidualDiversityEnsemble(member, member_grid=grid, selection="all", validation_size=0,
                                     random_state=context.random_state, verbose=context.verbose)


# ----------------------------------------------------------------------------- Riemannian features
def _raw_subjects(context):
    """``(loaders, why not)`` for the Riemannian pipeline, capped by ``identity_riemann_subjects``.

    Each loader returns a raw Bunch: one subject of a real FACED copy, or the simulated cohort's
    first subjects together (~27 MB each). ``loaders`` is None, with the reason, where no raw
    EEG exists.
    """
    cap = context.config["identity_riemann_subjects"]
    if context.cohort == "seedv":
        return None, "skipped: SEED-V releases DE features only, no raw EEG to estimate covariances from"
    if context.simulated:
        from ...datasets import make_faced_like

        n = len(np.unique(context.eeg.subject))
        n = n if cap is None else min(n, int(cap))
        # Subject s's data do not depend on n_subjects: these are the DE cohort's first n subjects.
        return [lambda: make_faced_like(n_subjects=n, kind="raw", random_state=context.random_state,
                                        verbose=context.verbose)], None
    from ...datasets.faced import faced_subject_files, load_faced

    try:
        files = faced_subject_files(context.data_dir, kind="raw", allow_incomplete=True)
    except ValueError:  # no Processed_data/ folder: a DE-only copy
        files = {}
    wanted = context.config.get("subjects")
    ids = sorted(s for s in files if wanted is None or s in set(wanted))
    if not ids:
        return None, "skipped: the FACED folder has no raw files (Processed_data/subNNN.pkl)"
    ids = ids if cap is None else ids[: int(cap)]
    # One subject at a time: raw epochs are large, their covariances small.
    return [lambda s=s: load_faced(context.data_dir, kind="raw", subjects=[s], verbose=0) for s in ids], None


def _riemann_features(context, loaders):
    """Filter-bank covariances of every loaded subject, one loader's raw data in memory at a time."""
    from ...eeg.riemann import make_riemann_pipeline

    keep = context.config.get("rows_per_cell")
    parts = []
    for load in loaders:
        raw = load()
        rows = np.ones(len(raw.y), dtype=bool) if keep is None else np.asarray(raw.window) < int(keep)
        # Covariances are per epoch and learn nothing from other rows, so computing them once,
        # outside the folds, is the same as inside each fold.
        covs = make_riemann_pipeline(raw.sfreq)[0].fit_transform(raw.X[rows])
        parts.append((covs, np.asarray(raw.y)[rows], np.asarray(raw.subject)[rows],
                      np.asarray(raw.stimulus)[rows]))
        del raw
    return tuple(np.concatenate(p) for p in zip(*parts))


def _riemann_after_covariances():
    """The Riemannian pipeline minus its covariance step: re-centring, tangent space, LR (C by subject-grouped CV)."""
    from sklearn.pipeline import Pipeline

    from ...eeg.riemann import make_riemann_pipeline

    return Pipeline(make_riemann_pipeline(missing_groups="raise").steps[1:])


# ----------------------------------------------------------------------------- the evaluations
def _subject_folds(y, subject, stimulus):
    """Subject folds of the stimulus-disjoint split: one per clip rotation, fewer with fewer subjects."""
    from ...utils._validation import stimulus_classes

    _, classes = stimulus_classes(y, stimulus)
    n_rotations = int(np.unique(classes, return_counts=True)[1].max())
    n_subjects = len(np.unique(subject))
    return None if n_subjects >= n_rotations else max(2, n_subjects)


def _evaluate(context, name, estimator, X, y, subject, stimulus, identify):
    """Per-subject rows of one pipeline, or ``([], why)`` when the cohort is too small for a protocol."""
    from ...analysis.identity import identify_stimulus, score_protocols

    context.log(f"identity: {name}")
    try:
        rows = score_protocols(estimator, X, y, subject=subject, stimulus=stimulus,
                               n_subject_folds=_subject_folds(y, subject, stimulus))
        if identify:
            rows += identify_stimulus(estimator, X, subject=subject, stimulus=stimulus)
    except ValueError as exc:
        # e.g. a --smoke run's handful of subjects cannot fill the protocol's parts: say so in the report
        return [], f"not computed: {exc}"
    return [dict(r, pipeline=name) for r in rows], None


#: How the "paper" protocol of :mod:`skvalence.analysis.identity` is named per cohort: its name in
#: ``scores.csv``, the report's column and the report's description. On SEED-V it is not SEED-V's own
#: protocol but a plain subject split.
SUBJECT_SPLIT_NAMES = {
    # Not "faced-paper": that is the sweep's and ensemble's protocol, which train on subjects 0-79 and
    # validate on 80-99; the identity step trains on 0-99 and tests the same subjects 100-122.
    "faced": ("faced-paper-trainval", "paper split", PROTOCOL_TEXT["paper"]),
    "seedv": ("subject-split", "subject split",
              "subject split (FACED's 80/20/23 proportions applied to SEED-V's subjects; SEED-V's own protocol "
              "is within-subject, trials 0-4 train and 10-14 test, which are different clips already, so it "
              "has no stimulus-disjoint counterpart to compare with)"),
}


def _protocol_name(context, protocol):
    """The protocol's name in ``scores.csv`` (see :data:`SUBJECT_SPLIT_NAMES`); the others keep their names."""
    return SUBJECT_SPLIT_NAMES[context.cohort][0] if protocol == "paper" else protocol


def _score_rows(context, rows):
    """The per-subject rows in the columns of ``scores.csv``."""
    return [{"dataset": dataset_label(context), "protocol": _protocol_name(context, r["protocol"]),
             "pipeline": r["pipeline"],
             "seed": None, "subject": r["subject"], "metric": r["metric"], "value": float(r["value"])}
            for r in rows]


def _summaries(rows):
    from ...analysis.identity import summarize_scores

    return summarize_scores(rows, by=("pipeline", "protocol", "metric"), random_state=0)


def _variance_shares(context):
    truth = context.eeg.get("truth")
    shares = None if truth is None else truth.get("variance_shares")
    if not shares:
        return None
    return {k: float(shares[k]) for k in SHARE_NAMES if k in shares} | {
        k: float(v) for k, v in shares.items() if k not in SHARE_NAMES}


class IdentityStep(Step):
    """Each baseline decoder under the paper split and a stimulus-disjoint split, and clip identification."""

    name = "identity"
    title = "Emotion or stimulus identity?"
    # Reads context.eeg (DE; raw for the Riemannian pipeline comes from the same cohort or folder).
    inputs = ("data",)
    config_keys = ("decoder_recipe", "ensemble_epochs", "identity_ensemble_seeds", "identity_riemann_subjects",
                   "rows_per_cell", "subjects")
    depends_on = ()

    def validate(self, context):
        """Refuse settings the step cannot run with, before any step trains."""
        cfg = context.config
        cap = cfg["identity_riemann_subjects"]
        if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 2):
            raise ValueError(f"identity_riemann_subjects must be None or an integer >= 2; got {cap!r}")
        check_seeds("identity_ensemble_seeds", cfg["identity_ensemble_seeds"])
        if not cfg["ensemble_epochs"]:
            raise ValueError("ensemble_epochs is empty; the identity step's ensemble trains for its first value")

    def run(self, context):
        X, y, subject, stimulus = _standardised_de(context)
        rows, params, notes = [], {}, {}

        def evaluate(name, estimator, *data, identify):
            new, why = _evaluate(context, name, estimator, *data, identify=identify)
            rows.extend(new)
            params[name] = estimator_params(estimator)
            if why:
                notes[name] = why

        evaluate("LR on DE", _lr(), X, y, subject, stimulus, identify=True)
        loaders, why_not = _raw_subjects(context)
        if loaders is None:
            notes["Riemannian (tangent space)"] = why_not
        else:
            covs, ry, rsubject, rstimulus = _riemann_features(context, loaders)
            notes["Riemannian (tangent space)"] = (
                f"{len(np.unique(rsubject))} subjects (profile key identity_riemann_subjects), raw epochs of "
                "the same cohort; covariances per band, re-centred per subject on its own unlabelled epochs")
            evaluate("Riemannian (tangent space)", _riemann_after_covariances(), covs, ry, rsubject, rstimulus,
                     identify=True)
        evaluate("default net", _net(context), X, y, subject, stimulus, identify=False)
        notes["ensemble"] = (f"uniform softmax average of {len(context.config['identity_ensemble_seeds'])} "
                             f"members (seeds {list(context.config['identity_ensemble_seeds'])}, "
                             f"{context.config['ensemble_epochs'][0]} epochs), trained in this step under both "
                             "protocols alike; not the ensemble step's model")
        evaluate("ensemble", _ensemble(context), X, y, subject, stimulus, identify=False)
        summary = _summaries(rows) if rows else []
        order = [p for p in FIGURE_PIPELINES if p in params or p in notes]
        results = {"pipelines": order, "summary": summary, "headline": _headline(summary), "notes": notes,
                   "variance_shares": _variance_shares(context), "data_label": context.data_label,
                   "cohort": context.cohort}
        figures = [self._figure(context, rows)] if rows else []
        return StepOutput(results=results, blocks=self._blocks(results), figures=figures,
                          scores=_score_rows(context, rows), params=params)

    @staticmethod
    def _figure(context, rows):
        from ...viz import plot_subject_scores

        class_rows = [r for r in rows if r["protocol"] in ("paper", "stimulus-disjoint")]
        pipelines = [p for p in FIGURE_PIPELINES if any(r["pipeline"] == p for r in class_rows)]
        ax = plot_subject_scores(class_rows, pipelines=pipelines, protocols=("paper", "stimulus-disjoint"))
        return context.save_figure(ax, "identity_subject_scores")

    @staticmethod
    def _blocks(results):
        def cell(s):
            if s["n_subjects"] < 2:  # a subject bootstrap needs two subjects
                return f"{s['mean']:.3f} (n = 1, no CI)"
            return f"{s['mean']:.3f} [{s['ci_low']:.3f}, {s['ci_high']:.3f}] (n = {s['n_subjects']})"

        by = {(s["pipeline"], s["protocol"]): s for s in results["summary"]}
        pipelines = results["pipelines"]
        rows = []
        for p in pipelines:
            paper, disjoint, clip = (by.get((p, k)) for k in PROTOCOL_TEXT)
            rows.append((p, cell(paper) if paper else "", cell(disjoint) if disjoint else "",
                         f"{paper['mean'] - disjoint['mean']:+.3f}" if paper and disjoint else "",
                         cell(clip) if clip else "", results["notes"].get(p, "")))
        chance = {s["protocol"]: s["chance"] for s in results["summary"]}
        _, column, description = SUBJECT_SPLIT_NAMES[results["cohort"]]
        blocks = [
            paragraph(
                "Every subject watched the same clips, so a decoder scored across subjects can succeed by "
                "recognising the clip rather than the emotion. Balanced accuracy per test subject under the "
                f"{description} and under a stimulus-disjoint split (within each class some clips train and "
                "another tests, rotated; no subject on both sides), mean over subjects with a "
                "95% subject-bootstrap CI; and the accuracy of naming the clip itself in unseen subjects "
                f"from the same features. Measured on {results['data_label']} data."),
            table(("pipeline", f"{column} BACC", "stimulus-disjoint BACC", "drop",
                   "clip identification accuracy", "note"), rows),
            note(f"Chance: class BACC {_text(chance.get('paper'))}; clip identification "
                 f"{_text(chance.get('clip-identification'))}. Clip identification is measured "
                 "with the linear and Riemannian pipelines (a property of the features); the nets are "
                 "scored on the emotion only. Per-subject standardisation of DE uses each subject's own "
                 "unlabelled rows, the one computation on test subjects."),
            paragraph("How to read it: a score that holds under the stimulus-disjoint split comes from what "
                      "the clips of a class share (the emotion); the part that is lost needed the clip seen "
                      "in training. High clip identification with a large drop says the decoder mostly "
                      "recognises the video, as a 2026 re-analysis of FACED (Gerster et al.) reports."),
        ]
        shares = results.get("variance_shares")
        if shares:
            blocks.append(paragraph(
                "The simulator's variance shares of this cohort (share of log-power variance, summed over "
                "features), so the diagnostic can be checked against what was planted: "
                + ", ".join(f"{k} {v:.3f}" for k, v in shares.items()) + "."))
        elif results["data_label"] == "simulated":
            blocks.append(note("The simulator reports no variance shares for this cohort."))
        return blocks


def _text(value):
    return "not computed" if value is None else f"{value:.3f}"


def _headline(summary):
    """Balanced accuracy under both protocols and the drop, per pipeline (what the summary shows)."""
    by = {(s["pipeline"], s["protocol"]): s["mean"] for s in summary}
    out = {}
    for pipeline in dict.fromkeys(s["pipeline"] for s in summary):
        paper, disjoint = by.get((pipeline, "paper")), by.get((pipeline, "stimulus-disjoint"))
        out[pipeline] = {"paper": paper, "stimulus_disjoint": disjoint,
                         "drop": None if paper is None or disjoint is None else paper - disjoint,
                         "clip_identification": by.get((pipeline, "clip-identification"))}
    return out
