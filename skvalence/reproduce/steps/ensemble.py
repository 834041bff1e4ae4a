"""Step 5: the residual-diversity ensemble, its cascade, and directional ablation."""

from __future__ import annotations

import numpy as np

from ._common import check_seeds, dataset_label, decoder_params, paper_split_data, stimulus_level_coords
from .base import Step, StepOutput, note, paragraph, table


def _metrics_from_confusion(C):
    """Balanced accuracy, Cohen's kappa and weighted F1 of confusion matrices ``C`` (..., K, K).

    As scikit-learn computes them over the labels present (classes absent from both the
    truth and the predictions carry no weight): recall averaged over classes with support,
    ``(p_o - p_e) / (1 - p_e)``, and per-class F1 weighted by support.
    """
    C = np.asarray(C, dtype=float)
    support, predicted = C.sum(-1), C.sum(-2)
    diag = np.diagonal(C, axis1=-2, axis2=-1)
    n = support.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, diag / support, np.nan)
        bacc = np.nanmean(recall, axis=-1)
        p_o, p_e = diag.sum(-1) / n, (support * predicted).sum(-1) / n**2
        kappa = (p_o - p_e) / (1 - p_e)
        f1 = np.where(support + predicted > 0, 2 * diag / (support + predicted), 0.0)
        f1_weighted = (f1 * support).sum(-1) / n
    return {"bacc": bacc, "kappa": kappa, "f1_weighted": f1_weighted}


def classification_metrics(y_true, y_pred, subject=None, random_state=None, n_boot=1000):
    """Balanced accuracy, Cohen's kappa and weighted F1.

    With ``subject``, each comes with a 95% CI from a bootstrap over subjects: the draws of
    :func:`skvalence.analysis.stats.bootstrap_ci` (whole subjects with replacement, same
    seed, same percentile interval), computed from per-subject confusion matrices so that a
    thousand resamples cost milliseconds; without, the CI is None.
    """
    from sklearn.utils import check_random_state

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    labels, codes = np.unique(np.concatenate([y_true, y_pred]), return_inverse=True)
    k = len(labels)
    truth, pred = codes[: len(y_true)], codes[len(y_true):]
    if subject is None:
        C = np.bincount(truth * k + pred, minlength=k * k).reshape(k, k)
        return {name: {"value": float(v), "ci": None} for name, v in _metrics_from_confusion(C).items()}
    keys, group = np.unique(np.asarray(subject), return_inverse=True)
    per_subject = np.bincount((group * k + truth) * k + pred, minlength=len(keys) * k * k).reshape(len(keys), k, k)
    point = _metrics_from_confusion(per_subject.sum(0))
    rng = check_random_state(random_state)
    # Resample counts of each subject, drawn exactly as bootstrap_ci draws its subjects.
    draws = np.stack([np.bincount(rng.randint(0, len(keys), len(keys)), minlength=len(keys))
                      for _ in range(n_boot)])
    boot = _metrics_from_confusion(np.tensordot(draws, per_subject, axes=1))
    out = {}
    for name, values in boot.items():
        low, high = np.nanpercentile(values, [2.5, 97.5])
        out[name] = {"value": float(point[name]), "ci": [float(low), float(high)]}
    return out


def _member_grid(context):
    cfg = context.config
    return {"random_state": list(cfg["ensemble_seeds"]), "max_epochs": list(cfg["ensemble_epochs"])}


def _fit_ensemble(context, split, stim_coords):
    """Members on the training part; the protocol's validation part scores them."""
    from sklearn.model_selection import PredefinedSplit

    from ...decoders import ValenceNetClassifier
    from ...ensemble import ResidualDiversityEnsemble

    tr, va = split["train"], split["val"]
    X = np.concatenate([tr["X"], va["X"]])
    y = np.concatenate([tr["y"], va["y"]])
    groups = np.concatenate([tr["subject"], va["subject"]])
    stimulus = np.concatenate([tr["stimulus"], va["stimulus"]])
    fold = np.r_[np.full(len(tr["y"]), -1), np.zeros(len(va["y"]), dtype=int)]
    base = ValenceNetClassifier(**decoder_params(context))
    n_total = len(context.config["ensemble_seeds"]) * len(context.config["ensemble_epochs"])
    ensemble = ResidualDiversityEnsemble(
        base, member_grid=_member_grid(context), selection="residual", n_members=max(1, n_total // 2),
        alignment_target=stim_coords, validation_size=PredefinedSplit(fold), n_jobs=context.n_jobs,
        random_state=context.random_state, verbose=context.verbose)
    if split.get("protocol") == "seedv-trials":
        # SEED-V's trial protocol puts every subject on both sides by design (it splits trials, not
        # subjects), so subject ids would wrongly fail the ensemble's subject-leakage check.
        groups = None
    # groups and stimulus reach the members too (the ensemble routes its fit parameters).
    ensemble.fit(X, y, groups=groups, stimulus=stimulus)
    return ensemble


# ----------------------------------------------------------------------------- rows for the report
#: The paper's cascade on FACED (9 classes, balanced accuracy), row key -> number.
PAPER_CASCADE = {"base single model": 0.619, "+ augmentation": 0.634, "+ distillation": 0.644,
                 "depth 6": 0.658, "5 members": 0.680, "10 members": 0.6948}
#: The paper's SEED-V numbers: its single model and its ensemble, on the rows that stand for them.
PAPER_SEEDV = {"single model": 0.374, "10 members": 0.408}
#: Rows trained only for the FACED cascade (the paper reports none of them on SEED-V).
ABLATION_ROWS = ("base single model", "+ augmentation", "+ distillation")
#: Metric name of the per-subject rows in ``scores.csv``.
SCORE_METRIC = "balanced_accuracy"


def score_rows(context, protocol, pipeline, seed, y_true, y_pred, subject):
    """Per-subject balanced-accuracy rows (the keys of :data:`~.base.SCORE_COLUMNS`)."""
    import warnings

    from sklearn.metrics import balanced_accuracy_score

    rows = []
    y_true, y_pred, subject = np.asarray(y_true), np.asarray(y_pred), np.asarray(subject)
    for s in np.unique(subject):
        mine = subject == s
        with warnings.catch_warnings():
            # A subject's test rows may lack a class the decoder predicts; the score is still defined.
            warnings.simplefilter("ignore", UserWarning)
            value = float(balanced_accuracy_score(y_true[mine], y_pred[mine]))
        rows.append({"dataset": dataset_label(context), "protocol": protocol, "pipeline": pipeline,
                     "seed": None if seed is None else int(seed), "subject": s.item(), "metric": SCORE_METRIC,
                     "value": value})
    return rows


def _plain(value):
    """A parameter value as JSON: estimators as their own parameters, classes by dotted name."""
    from sklearn.base import BaseEstimator

    from ...utils._validation import jsonable

    if isinstance(value, BaseEstimator):
        return {"estimator": type(value).__name__, "params": estimator_params(value)}
    if isinstance(value, type) or callable(value):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', repr(value))}"
    if isinstance(value, np.ndarray) and value.size > 20:
        return f"array of shape {value.shape}"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    try:
        return jsonable(value)
    except TypeError:
        return repr(value)[:200]


def estimator_params(estimator):
    """``estimator.get_params(deep=False)`` as JSON (what the manifest records)."""
    return {key: _plain(value) for key, value in estimator.get_params(deep=False).items()}


# ----------------------------------------------------------------------------- the cascade
def _cascade_specs(context):
    """Row key -> (overrides of the recipe, what the row is) for the three single-model ablation rows.

    Each adds one thing to the row above it, as the paper's cascade: augmentation, then
    distillation, then (the ensemble's first member) the recipe's full depth.
    """
    recipe = decoder_params(context)
    shallow = dict(context.config["cascade_shallow"])
    shallow_text = ", ".join(f"{k}={v}" for k, v in shallow.items())
    distill = recipe.get("distill", True)
    augment = recipe.get("augment", True)
    return {
        "base single model": ({**shallow, "augment": False, "distill": False},
                              f"the recipe with {shallow_text}, no augmentation, no distillation"),
        "+ augmentation": ({**shallow, "augment": True if augment is False else augment, "distill": False},
                           "as above plus the recipe's augmentation"),
        "+ distillation": ({**shallow, "augment": True if augment is False else augment,
                            "distill": 0.5 if distill in (False, None) else distill},
                           "as above plus distillation onto random orthonormal prototypes"),
    }


def _depth_text(context):
    """What the "depth 6" row is for this run's recipe (the paper's, or a labelled departure)."""
    import inspect

    from ...decoders.modules import MODULES

    recipe = decoder_params(context)
    module = recipe.get("module", "mlp")
    depth = recipe.get("module__depth")
    if depth is None and isinstance(module, str) and module in MODULES:
        depth = inspect.signature(MODULES[module]).parameters["depth"].default
    above = "" if context.cohort == "seedv" else \
        f" (rows above: depth {context.config['cascade_shallow'].get('module__depth')})"
    if module == "axial" and depth == 6:
        return f"the paper's axial transformer at depth 6{above}"
    return (f"labelled departure: the {module} backbone at its recipe depth {depth}{above}; the paper's "
            "model is the axial transformer at depth 6")


def _train_single(context, split, overrides):
    from ...decoders import ValenceNetClassifier

    tr = split["train"]
    cfg = context.config
    params = decoder_params(context, random_state=cfg["ensemble_seeds"][0], max_epochs=cfg["ensemble_epochs"][0],
                            **overrides)
    net = ValenceNetClassifier(**params)
    return net.fit(tr["X"], tr["y"], groups=tr["subject"], stimulus=tr["stimulus"])


def _cascade(context, ensemble, split, base_nets):
    """The paper's cascade as rows, and how each row maps to ours.

    Returns ``(rows, extra, predictions)``: rows in the paper's order (each with its metrics and CIs
    over test subjects, the paper's number, what it is), further rows (validation-selected
    single member, mean member, residual selection) and every row's test predictions.
    """
    test = split["test"]
    cfg = context.config
    classes = ensemble.classes_
    probas = np.stack([m.predict_proba(test["X"]) for m in ensemble.estimators_])
    epochs = np.array([p["max_epochs"] for p in ensemble.member_params_])
    seeds = np.array([p["random_state"] for p in ensemble.member_params_])
    first_budget = epochs == cfg["ensemble_epochs"][0]
    first = int(np.flatnonzero(first_budget & (seeds == cfg["ensemble_seeds"][0]))[0])
    paper = PAPER_SEEDV if context.cohort == "seedv" else PAPER_CASCADE

    def score(pred):
        return classification_metrics(test["y"], pred, test["subject"], context.random_state)

    rows, predictions = {}, {}
    specs = _cascade_specs(context)
    for key, net in base_nets.items():
        predictions[key] = (net.predict(test["X"]), int(cfg["ensemble_seeds"][0]))
        rows[key] = {"how": specs[key][1], "n_members": 1}
    single = "single model" if context.cohort == "seedv" else "depth 6"
    predictions[single] = (classes[probas[first].argmax(1)], int(seeds[first]))
    rows[single] = {"how": _depth_text(context) + f"; seed {seeds[first]}, {epochs[first]} epochs",
                       "n_members": 1}
    predictions["5 members"] = (classes[probas[first_budget].mean(0).argmax(1)], None)
    rows["5 members"] = {"how": f"softmax average of seeds {list(cfg['ensemble_seeds'])} at "
                                f"{cfg['ensemble_epochs'][0]} epochs", "n_members": int(first_budget.sum())}
    predictions["10 members"] = (classes[probas.mean(0).argmax(1)], None)
    rows["10 members"] = {"how": f"softmax average of seeds x epochs {list(cfg['ensemble_epochs'])}",
                          "n_members": len(probas)}
    for key, row in rows.items():
        row.update(score(predictions[key][0]))
        row["paper_bacc"] = paper.get(key)

    member_metrics = [classification_metrics(test["y"], classes[p.argmax(1)]) for p in probas]
    best = int(np.nanargmax(ensemble.member_scores_))
    extra = {
        "best single member (validation-selected)": score(classes[probas[best].argmax(1)]),
        "mean member": {k: {"value": float(np.mean([m[k]["value"] for m in member_metrics])), "ci": None}
                        for k in member_metrics[0]},
        f"residual selection ({len(ensemble.selected_)} members)": score(ensemble.predict(test["X"])),
    }
    return rows, extra, member_metrics, predictions


def _finite_or_none(value):
    value = float(value)
    return value if np.isfinite(value) else None


def _ablation(context, ensemble, split, stim_coords):
    """Project each member's residual V-axis direction (found on validation) out at test time.

    The validation subjects, on which the direction is found, are also the reference of the
    projection centre (their mean feature vector) and of the variance-matched null's residual
    subspace; the test subjects are only evaluated.
    """
    from ...analysis.ablation import directional_ablation, residual_direction

    va, te = split["val"], split["test"]
    n_random = int(context.config["ablation_random_directions"])
    out = []
    for member in ensemble.estimators_:
        Z_val = member.transform(va["X"])
        direction = residual_direction(Z_val, va["y"], va["stimulus"], stim_coords)
        res = directional_ablation(member, te["X"], te["y"], direction, n_random=n_random,
                                   X_reference=va["X"], y_reference=va["y"],
                                   random_state=context.random_state)
        out.append({
            "delta": float(res.delta), "baseline_bacc": float(res.baseline_bacc),
            "ablated_bacc": float(res.ablated_bacc), "z_score": _finite_or_none(res.z_score),
            "p_value": _finite_or_none(res.p_value), "p_value_note": res.p_value_note,
            "random_mean": float(np.mean(res.random_deltas)), "test": res.test, "null": res.null,
            "null_description": res.null_description, "center": res.center, "reference": res.reference,
            "unit_of_resampling": res.unit_of_resampling, "n_random": int(res.n_random),
            "residual_variance_fraction": _finite_or_none(res.residual_variance_fraction),
            "isotropic_variance_fraction": 1.0 / Z_val.shape[1], "n_features": int(Z_val.shape[1]),
            "null_subspace_dim": res.null_subspace_dim,
        })
    return out


def ablation_blocks(ablation):
    """Blocks of the directional ablation: one row per member, and the null and centring used."""
    if not ablation:
        return []
    deltas = np.array([a["delta"] for a in ablation])
    rand = np.array([a["random_mean"] for a in ablation])
    first = ablation[0]

    def p_cell(a):
        return a.get("p_value") if a.get("p_value") is not None else (a.get("p_value_note") or "not computed")

    rows = [(f"member {i + 1}", a["delta"], a["random_mean"], p_cell(a), a.get("residual_variance_fraction"),
             a.get("isotropic_variance_fraction"))
            for i, a in enumerate(ablation)]
    notes = sorted({a["p_value_note"] for a in ablation if a.get("p_value_note")})
    blocks = [
        paragraph("Directional ablation: each member's within-class residual V-axis direction, found on the "
                  "validation subjects, is projected out of its features at test time. Δ BACC mean "
                  f"{deltas.mean():+.4f} (range {deltas.min():+.4f} to {deltas.max():+.4f}); the null's "
                  f"mean {rand.mean():+.4f}. Paper: −0.006 to −0.024, random ≈ 0."),
        table(("member", "Δ BACC", "null mean Δ", "p (one-sided, drop)",
               "direction's share of residual variance", "isotropic share (1 / n_features)"), rows),
        note(f"Test: {first.get('test')}. Null ({first.get('n_random')} directions per member): "
             f"{first.get('null_description')}. Projection centre: {first.get('center')}. Unit of "
             f"resampling: {first.get('unit_of_resampling')}. A data-chosen direction carries more "
             "residual variance than an isotropic random one (about 1 / n_features), which is why the "
             "null is variance-matched."),
    ]
    if notes:
        blocks.append(note("p-value: " + "; ".join(notes)))
    return blocks


def _fmt(metric):
    ci = metric["ci"]
    return f"{metric['value']:.3f}" + ("" if ci is None else f" [{ci[0]:.3f}, {ci[1]:.3f}]")


def cascade_blocks(results):
    """The cascade (or, on SEED-V, single vs ensemble) table beside the paper's numbers."""
    seedv = results.get("cohort") == "seedv"
    label = results.get("data_label", "")
    rows = [(key, row["n_members"], "" if row.get("paper_bacc") is None else f"{row['paper_bacc']:.4g}",
             _fmt(row["bacc"]), _fmt(row["kappa"]), _fmt(row["f1_weighted"]), row["how"])
            for key, row in results["cascade"].items()]
    if seedv:
        intro = ("SEED-V: the paper's single model (0.374) and ensemble (0.408) beside ours, on "
                 f"{results.get('protocol_description')}. Ours are measured on {label} data"
                 + (" — a simulated SEED-V-like cohort, not the real recordings." if "simulated" in label else "."))
    else:
        intro = ("The paper's cascade on FACED (9 classes): each row adds one thing to the row above it. "
                 f"Ours are measured on {label} data; 95% CIs from a bootstrap over test subjects.")
    blocks = [paragraph(intro),
              table(("row", "members", "paper BACC (cited)", "our BACC [95% CI]", "Cohen's κ", "weighted F1",
                     "what our row is"), rows)]
    if not seedv:
        blocks.append(note(DISTILLATION_NOTE))
    extra = [(name, _fmt(m["bacc"]), _fmt(m["kappa"]), _fmt(m["f1_weighted"]))
             for name, m in results["selection"].items()]
    blocks += [paragraph("Further rows (ours, not in the paper): the member the validation subjects rank first, "
                         "the mean single member, and residual-diversity selection."),
               table(("model", "balanced accuracy", "Cohen's κ", "weighted F1"), extra)]
    return blocks


#: What the report says about the distillation rows (tests/decoders/test_distillation.py shows it).
DISTILLATION_NOTE = (
    "Distillation onto random orthonormal class prototypes with λ = 0.5 and T = 1 is a fixed label "
    "smoothing whatever the draw: the teacher of class c is softmax(P Pᵀ e_c / T) = softmax(e_c / T) "
    "(0.254 on the true class, 0.093 on each other for 9 classes), so the loss equals cross-entropy with "
    "label smoothing ε = λ·K / (e + K − 1) ≈ 0.42 up to a constant, with identical gradients. The "
    "'+ distillation' row therefore measures label smoothing, not knowledge from the prototypes.")


class EnsembleStep(Step):
    """The paper's cascade as rows (single models, then ensembles), and ablation of the residual axis."""

    name = "ensemble"
    title = "5. Residual-diversity ensemble"
    # Reads context.eeg only (split and the per-stimulus coordinates); no V-axis.
    inputs = ("data",)
    config_keys = ("ensemble_seeds", "ensemble_epochs", "decoder_recipe", "ablation_random_directions",
                   "cascade_shallow")
    depends_on = ()

    def validate(self, context):
        """Refuse settings the step cannot train with, before any step trains."""
        cfg = context.config
        check_seeds("ensemble_seeds", cfg["ensemble_seeds"])
        epochs = list(cfg["ensemble_epochs"] or ())
        if not epochs or any(not isinstance(e, int) or isinstance(e, bool) or e < 1 for e in epochs):
            raise ValueError(f"ensemble_epochs must hold positive integers; got {epochs}")
        shallow = cfg["cascade_shallow"]
        if not isinstance(shallow, dict) or any(not str(k).startswith("module__") for k in shallow):
            raise ValueError("cascade_shallow must be a dict of backbone settings ('module__...'), e.g. "
                             f"{{'module__depth': 2}}; got {shallow!r}")

    def run(self, context):
        from ...viz import plot_ensemble_contributions

        split = paper_split_data(context)
        protocol = split.get("protocol", "faced-paper")
        stim_coords, stim_source = stimulus_level_coords(context)
        ensemble = _fit_ensemble(context, split, stim_coords)
        # SEED-V: the paper reports single model vs ensemble only, so the ablation rows are not trained.
        base_nets = {} if context.cohort == "seedv" else {
            key: _train_single(context, split, overrides) for key, (overrides, _) in _cascade_specs(context).items()}
        cascade, selection, member_metrics, predictions = _cascade(context, ensemble, split, base_nets)
        scores = [row for key, (pred, seed) in predictions.items()
                  for row in score_rows(context, protocol, key, seed, split["test"]["y"], pred,
                                        split["test"]["subject"])]
        params = {key: estimator_params(net) for key, net in base_nets.items()}
        params["single model and ensemble members"] = estimator_params(ensemble.estimators_[0])
        params["ensemble"] = estimator_params(ensemble)
        figures = []
        ablation = None
        if stim_coords is not None:
            figures.append(context.save_figure(plot_ensemble_contributions(ensemble), "ensemble_loo_vs_alignment"))
            ablation = _ablation(context, ensemble, split, stim_coords)
        results = {
            "cohort": context.cohort,
            "data_label": context.data_label,
            "protocol": protocol,
            "protocol_description": split.get("protocol_description"),
            "cascade": cascade,
            "selection": selection,
            "members": [{"params": p, "val_bacc": s, "test": m, "loo_contribution": c}
                        for p, s, m, c in zip(ensemble.member_params_, ensemble.member_scores_, member_metrics,
                                              ensemble.loo_contributions_)],
            "residual_alignment": None if ensemble.residual_alignment_ is None
            else list(ensemble.residual_alignment_),
            "contribution_alignment_corr": ensemble.contribution_alignment_corr_,
            "ablation": ablation,
            "stimulus_coords_source": stim_source,
        }
        return StepOutput(results=results, blocks=self._blocks(results), figures=figures, scores=scores,
                          params=params)

    @staticmethod
    def _blocks(results):
        blocks = [paragraph("Members differ by seed and training budget; they train on the training subjects, "
                            "the validation part scores them, and all numbers below are on the test part.")]
        blocks += cascade_blocks(results)
        corr = results["contribution_alignment_corr"]
        if corr:
            r, p = corr.get("r"), corr.get("p_value")
            if r is None or not np.isfinite(r):
                measured = ("not computed (fewer than three members with a finite alignment, or a "
                            "constant input)")
            else:
                p_text = "not computed" if p is None or not np.isfinite(p) else f"{p:.3g}"
                measured = f"r = {r:.3f}, p = {p_text} ({corr.get('test', 'Pearson')}, n = {corr.get('n')})"
            blocks.append(paragraph(
                f"Leave-one-out contribution vs residual alignment across members: {measured}; paper "
                f"r = +0.74, n = 10. Per-stimulus coordinates: {results['stimulus_coords_source']}."))
        blocks.extend(ablation_blocks(results["ablation"]))
        return blocks
