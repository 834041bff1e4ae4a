"""Last step: each of the paper's numbers beside ours."""

from __future__ import annotations

import numpy as np

from .base import Step, StepOutput, paragraph, table


def _get(results, *keys):
    value = results
    for key in keys:
        if value is None:
            return None
        if isinstance(value, list):
            value = value[key] if isinstance(key, int) and key < len(value) else None
        else:
            value = value.get(key)
    return value


def _first_auc(vaxis):
    scores = [s for s in _get(vaxis, "zero_shot", "scores") or [] if s["metric"] == "roc_auc"]
    return (scores[0]["score"], scores[0]["benchmark"]) if scores else (None, "no benchmark data found")


def _sweep_counts(sweep):
    if not sweep:
        return None
    verdicts = [row["verdict"] for row in sweep["table"]]
    return (f"{verdicts.count('worse')} of {len(verdicts)} worse, "
            f"{verdicts.count('better')} better")


#: Claim of the tracking headline's row.
TRACKING_CLAIM = "EEG tracks the axis: leave-one-class-out r"
#: Claim of the zoo-level null's row.
ZOO_CLAIM = "Rediscovery: zoo-null percentile"


def _zoo_source(redis, data_label):
    zoo = _get(redis, "zoo_null") or {}
    if zoo.get("computed"):
        return (f"{data_label}, {zoo.get('n_models')} checkpoints, {zoo.get('n_directions')} random "
                "text-space directions")
    return f"{data_label}; {zoo.get('reason') or 'not computed'}"


#: What the summary reads from each step it depends on: step -> keys of that step's results.
#: ``tests/reproduce/test_summary_step.py`` checks that a finished run's results hold every key,
#: so renaming one fails a test instead of blanking a cell.
READS = {
    "vaxis": ("pc1_explained_variance", "zero_shot"),
    "tracking": ("r_in_sample", "r", "p_value"),
    "rediscovery": ("correlations", "zoo_null"),
    "sweep": ("table",),
    "ensemble": ("cohort", "cascade", "contribution_alignment_corr", "ablation"),
    "identity": ("headline",),
}

#: Claims of the cascade rows: row key of the ensemble step -> claim (the first and last keep
#: their historical names).
CASCADE_CLAIMS = {
    "base single model": "Single decoder balanced accuracy",
    "+ augmentation": "Cascade: + augmentation",
    "+ distillation": "Cascade: + distillation",
    "depth 6": "Cascade: depth 6",
    "5 members": "Cascade: 5 members",
    "10 members": "10-member ensemble balanced accuracy",
}
#: SEED-V's rows: the paper's single model and ensemble.
SEEDV_CLAIMS = {"single model": "Single decoder balanced accuracy",
                "10 members": "10-member ensemble balanced accuracy"}
#: Pipelines of the identity step whose emotion-vs-identity numbers the summary shows.
IDENTITY_PIPELINES = ("LR on DE", "Riemannian (tangent space)", "default net", "ensemble")


def _cascade_rows(ens, data_label):
    from .ensemble import PAPER_CASCADE, PAPER_SEEDV

    seedv = (ens or {}).get("cohort") == "seedv"
    claims, paper, dataset = (SEEDV_CLAIMS, PAPER_SEEDV, "SEED-V") if seedv else (CASCADE_CLAIMS, PAPER_CASCADE,
                                                                                  "FACED")
    cascade = (ens or {}).get("cascade") or {}
    rows = []
    for key, claim in claims.items():
        row = cascade.get(key)
        # The claim names the row; what our row is stands in the ensemble section.
        source = data_label if row else f"{data_label}; the ensemble step did not run"
        rows.append((claim, f"{paper[key]:.4g} ({dataset})", _get(row, "bacc", "value"), source))
    return rows


def _identity_rows(identity, data_label):
    headline = _get(identity, "headline") or {}
    rows = []
    for pipeline in IDENTITY_PIPELINES:
        h = headline.get(pipeline)
        if h is None or h.get("drop") is None:
            continue
        rows.append((f"Stimulus identity: BACC drop, paper split -> stimulus-disjoint ({pipeline})",
                     "not reported (Gerster et al. 2026: FACED scores mostly reflect the video)", h["drop"],
                     f"{data_label}; paper split {h['paper']:.3f} -> stimulus-disjoint {h['stimulus_disjoint']:.3f}"))
    clip = _get(headline, "LR on DE", "clip_identification")
    if clip is not None:
        rows.append(("Stimulus identity: clip identification accuracy (LR on DE)", "not reported", clip,
                     f"{data_label}; which clip was shown, in unseen subjects"))
    return rows


def summary_rows(results, data_label):
    """(claim, paper, ours, source of ours) rows from the earlier steps' results.

    ``results`` maps step name -> that step's results; only the keys in :data:`READS` are read.
    """
    vaxis, tracking = results.get("vaxis"), results.get("tracking")
    redis, sweep, ens = results.get("rediscovery"), results.get("sweep"), results.get("ensemble")
    auc, auc_source = _first_auc(vaxis or {})
    ablation = (ens or {}).get("ablation") or []
    rows = [
        ("V-axis: PC1 share of centroid variance", "0.41–0.58", _get(vaxis, "pc1_explained_variance"),
         "measured (text)"),
        ("Zero-shot ROC AUC of the axis", "SST-2 0.832 (Qwen3-4B)", auc, f"measured: {auc_source}"),
        ("EEG tracks the axis: r (paper in-sample)", "0.87", _get(tracking, "r_in_sample"),
         f"{data_label}, in-sample"),
        (TRACKING_CLAIM, "not reported", _get(tracking, "r"),
         f"{data_label}, leave-one-class-out (each class predicted by a ridge fitted on the others)"),
        ("EEG tracks the axis: class permutation p", "not reported", _get(tracking, "p_value"),
         f"{data_label}, class -> coordinate assignment permuted"),
        ("Rediscovery: corr(BACC, class alignment)", "+0.885 (36 models)",
         _get(redis, "correlations", "bacc_vs_class_alignment", "r"), data_label),
        (ZOO_CLAIM, "93.5", _get(redis, "zoo_null", "percentile"), _zoo_source(redis, data_label)),
        ("Rediscovery: corr(BACC, residual alignment)", "+0.738",
         _get(redis, "correlations", "bacc_vs_residual_alignment", "r"), data_label),
        ("Alignment strategies vs baseline", "25 tested: 16 worse, 0 better", _sweep_counts(sweep), data_label),
        *_cascade_rows(ens, data_label),
        ("LOO contribution vs residual alignment r", "+0.74 (n = 10)",
         _get(ens, "contribution_alignment_corr", "r"), data_label),
        ("Ablating the residual axis: Δ BACC", "−0.006 to −0.024",
         float(np.mean([a["delta"] for a in ablation])) if ablation else None, data_label),
        *_identity_rows(results.get("identity"), data_label),
    ]
    return rows


class SummaryStep(Step):
    """The paper's numbers (cited) beside ours (measured, labelled by data source)."""

    name = "summary"
    title = "Summary: the paper's numbers beside ours"
    # Reads the results of the steps it depends on (stored ones when they are not in this run) and the data label.
    inputs = ("dataset",)
    config_keys = ()
    depends_on = tuple(READS)

    def run(self, context):
        # Only the declared steps, so a dependency the fingerprint does not track cannot leak in.
        results = {name: context.results.get(name) for name in self.depends_on}
        rows = summary_rows(results, context.data_label)
        results = {"rows": [dict(zip(("claim", "paper", "ours", "source"), row)) for row in rows]}
        blocks = [
            paragraph("Paper values are cited from arXiv 2606.00129; ours are measured in this run and labelled "
                      f"by their source ({context.data_label} for EEG numbers). A blank means the step did not "
                      "run or the quantity is unavailable on this data. Each cascade row is compared with the "
                      "same row of ours (see the ensemble section for what each of our rows is)."),
            table(("claim", "paper (cited)", "ours (measured)", "source"), rows),
        ]
        return StepOutput(results=results, blocks=blocks)
