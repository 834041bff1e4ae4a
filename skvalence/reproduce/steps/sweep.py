"""Step 4: alignment strategies against the same recipe without them, and why they saturate."""

from __future__ import annotations

import math

import numpy as np

from ...decoders.registry import resolve_strategies
from ._common import dataset_label, decoder_inputs, train_test_groups
from ._targets import enable_hint, strategy_plans
from .base import Step, StepOutput, heading, note, paragraph, table

#: Strategy traced by the monitors in the mechanism check.
MECHANISM_STRATEGY = "axis-mse"
#: Probe rows of the mechanism monitors.
PROBE_SIZE = 256
#: The baseline every strategy is paired with.
BASELINE = "none"
#: Verdicts of :func:`skvalence.analysis.alignment_sweep`.
VERDICT_NAMES = ("worse", "better", "equivalent", "inconclusive")
#: Columns of the displacement table, from :func:`skvalence.analysis.compare_displacement`.
DISPLACEMENT_COLUMNS = ("path_disp_class_mean", "path_disp_within", "path_disp_within_target",
                        "within_over_class_mean", "class_alignment_change", "residual_alignment_change",
                        "delta_residual_alignment")


def decoder(context, **params):
    """The run's default decoder with the profile's training budget."""
    from ...decoders import ValenceNetClassifier

    from ._common import decoder_params

    return ValenceNetClassifier(**decoder_params(context, verbose=context.verbose, **params))


def _g(value):
    """A number as text with three significant digits; None when missing or not finite.

    A float cell shows three decimals, which would print a p-value of 1e-5 or a
    displacement of 1e-7 as 0.000.
    """
    if value is None or not math.isfinite(value):
        return None
    return f"{value:.3g}"


_p = _g  # p-values: same format


def _interval(low, high):
    return f"[{low:+.3f}, {high:+.3f}]"


def _origin(strategy):
    """'paper' for the paper's 25 strategies, 'ours' for the others the package adds."""
    from ...decoders import ALIGNMENT_LOSSES

    return ALIGNMENT_LOSSES[strategy].origin


def _param_value(value):
    """A parameter as JSON: classes by their dotted name, large arrays by their shape."""
    from ...utils._validation import jsonable

    if isinstance(value, np.ndarray):
        return jsonable(value) if value.size <= 16 else f"array of shape {value.shape}"
    if isinstance(value, dict):
        return {str(k): _param_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_param_value(v) for v in value]
    if isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    try:
        return jsonable(value)
    except TypeError:
        return repr(value)


def param_record(estimator, **varied):
    """``estimator.get_params(deep=False)`` as JSON, with ``varied`` (e.g. the seeds) written in."""
    params = {**estimator.get_params(deep=False), **varied}
    return {key: _param_value(value) for key, value in sorted(params.items())}


def _distill_text(params):
    from ...decoders.net import _DEFAULT_DISTILL

    distill = params["distill"]
    lam = _DEFAULT_DISTILL if distill is True else float(distill or 0.0)
    if lam == 0:
        return "no distillation"
    return f"distillation onto random orthonormal prototypes λ = {lam:g}, T = {params['distill_temperature']:g}"


def recipe_text(context):
    """One line on the recipe the sweep's nets start from, and whether it is the paper's."""
    from ...decoders.net import PAPER_RECIPE

    recipe = context.config["decoder_recipe"]
    params = decoder(context).get_params(deep=False)
    size = ", ".join(f"{key[len('module__'):]} {value}" for key, value in sorted(params.items())
                     if key.startswith("module__"))
    text = (f"{params['module']}{f' ({size})' if size else ''}, {params['max_epochs']} epochs, AdamW lr "
            f"{params['lr']:g}, weight decay {params['weight_decay']:g}, batch {params['batch_size']}, "
            f"{params['warmup_epochs']}-epoch warm-up then cosine, augmentation "
            f"{'on (p drawn per sample)' if params['augment'] else 'off'}, {_distill_text(params)}")
    paper = recipe == "paper" or (isinstance(recipe, dict) and recipe.get("recipe") == "paper")
    if paper:
        differs = sorted(k for k, v in PAPER_RECIPE.items() if params.get(k) != v)
        return f"the paper's recipe: {text}" + (f" (changed for this run: {', '.join(differs)})" if differs else "")
    return (f"this profile's small, fast recipe, not the paper's (axial transformer depth 6, width 128, "
            f"100/150 epochs): {text}")


def _count(plans, table):
    """How many distinct strategies were tested, and their verdicts, for the paper's and ours."""
    verdicts = {row["strategy"]: row["verdict"] for row in table}
    out = {}
    for origin in ("paper", "ours"):
        names = [name for name in plans if _origin(name) == origin]
        tested = [name for name in names if name in verdicts]
        entry = {"requested": len(names), "distinct_tested": len(tested),
                 "coinciding": {n: plans[n].same_as for n in names if n not in verdicts and plans[n].same_as},
                 "skipped": {n: plans[n].skipped for n in names if plans[n].skipped}}
        entry.update({v: sum(verdicts[n] == v for n in tested) for v in VERDICT_NAMES})
        entry["text"] = (f"{entry['worse']} of {len(tested)} distinct {origin} strategies worse, "
                         f"{entry['better']} better ({len(entry['coinciding'])} coinciding with another, "
                         f"counted once; {len(entry['skipped'])} skipped)")
        out[origin] = entry
    return out


def _score_rows(context, runs, subjects, protocol):
    """Per-subject test balanced accuracy of every (strategy, seed), as tidy score rows."""
    from ...utils._validation import jsonable

    rows = []
    for run in runs:
        for subject, value in zip(subjects or [], run.get("subject_bacc", [])):
            rows.append({"dataset": dataset_label(context), "protocol": protocol, "pipeline": run["strategy"],
                         "seed": run["seed"], "subject": jsonable(subject), "metric": "balanced_accuracy",
                         "value": float(value)})
    return rows


class _StrategyNets:
    """``(strategy, seed) -> unfitted net``: the base net with the strategy's loss, target and inputs.

    A class rather than a closure so that joblib and dask workers can receive it.
    """

    def __init__(self, base, plans):
        self.base = base
        self.plans = plans

    def __call__(self, strategy, seed):
        from sklearn.base import clone

        if strategy == BASELINE:
            return clone(self.base).set_params(random_state=seed)
        plan = self.plans[strategy]
        return clone(self.base).set_params(
            alignment_loss=strategy, alignment_weight="default", alignment_target=plan.target,
            alignment_kwargs=dict(plan.kwargs) or None, random_state=seed)


def _overrides(record, base):
    """The entries of ``record`` that differ from ``base``."""
    return {key: value for key, value in record.items() if base.get(key) != value}


class SweepStep(Step):
    """Paired sweep over alignment strategies, each with its own target, forest plot, and the
    feature-displacement mechanism check."""

    name = "sweep"
    title = "4. Alignment strategies and the saturation mechanism"
    # Reads context.eeg (split, stimulus coordinates, channel layout) and context.vaxis (targets).
    inputs = ("data", "model")
    config_keys = ("sweep_strategies", "sweep_seeds", "decoder_recipe")
    depends_on = ()

    @staticmethod
    def validate_config(config):
        """Check the sweep's settings before any training; return the strategy names.

        Raises
        ------
        ValueError
            An unknown strategy name (see :func:`resolve_strategies`), or fewer than two
            distinct seeds.
        """
        strategies = resolve_strategies(config.get("sweep_strategies"))
        seeds = list(config.get("sweep_seeds") or ())
        if len(seeds) < 2 or len(set(seeds)) != len(seeds):
            raise ValueError(f"sweep_seeds must hold at least two distinct seeds (paired tests); got {seeds}")
        return strategies

    @staticmethod
    def base_params(context):
        """Parameters of the sweep's base net (the baseline; strategies add their own on top)."""
        net = decoder(context, alignment_loss=BASELINE, alignment_weight=0.0)
        return param_record(net, random_state=list(context.config["sweep_seeds"]))

    def run(self, context):
        from ...analysis import alignment_sweep
        from ...viz import plot_forest, plot_saturation_bars

        cfg = context.config
        strategies = self.validate_config(cfg)
        split, coords, stim_coords, stim_source = decoder_inputs(context)
        tr, te = split["train"], split["test"]
        fit_groups, test_groups = train_test_groups(split)
        plans = strategy_plans(context, split, strategies, coords, stim_coords, stim_source)
        runnable = {name for name, plan in plans.items() if plan.skipped is None}
        trained = [name for name in strategies if name in runnable and plans[name].same_as not in runnable]
        if not trained:
            raise ValueError("no alignment strategy can run on this data: "
                             + "; ".join(f"{n}: {p.skipped}" for n, p in plans.items()))
        nets = _StrategyNets(decoder(context, alignment_loss=BASELINE, alignment_weight=0.0), plans)
        result = alignment_sweep(
            nets, tr["X"], tr["y"], te["X"], te["y"], strategies=trained,
            seeds=cfg["sweep_seeds"], groups_train=fit_groups, groups_test=test_groups,
            stimulus_train=tr["stimulus"], stimulus_test=te["stimulus"], class_coords=coords,
            stimulus_coords=stim_coords, n_jobs=context.n_jobs, verbose=context.verbose)
        figures = [context.save_figure(plot_forest(result), "sweep_forest"),
                   context.save_figure(plot_saturation_bars(result), "sweep_alignment_deltas")]
        mechanism, figs = self._mechanism(context, tr, coords, stim_coords)
        figures.append(context.save_figure(figs["displacement"], "feature_displacement"))
        figures.append(context.save_figure(figs["gradients"], "saturation_gradients"))
        results = result.to_dict()
        for row in results["table"]:
            row["origin"] = _origin(row["strategy"])
            row["target"] = plans[row["strategy"]].inputs.get("alignment_target")
        results["strategies"] = {name: self._plan_entry(plan, name in trained) for name, plan in plans.items()}
        results["count"] = _count(plans, results["table"])
        results["mechanism"] = mechanism
        results["stimulus_coords_source"] = stim_source
        results["recipe"] = recipe_text(context)
        base = self.base_params(context)
        params = {"sweep: base net (alignment_loss='none')": base}
        for name in trained:  # each strategy: what it changes on the base net
            record = param_record(nets(name, cfg["sweep_seeds"][0]), random_state=list(cfg["sweep_seeds"]))
            params[f"sweep: {name} (changes to the base net)"] = _overrides(record, base)
        params["sweep: mechanism check"] = {
            "runs": [BASELINE, MECHANISM_STRATEGY], "random_state": context.random_state,
            "callbacks": ["GradientSubspaceMonitor", "FeatureDisplacementMonitor"],
            "alignment_target": "V-axis coordinate of each class"}
        return StepOutput(results=results, blocks=self._blocks(results, mechanism, stim_source),
                          figures=figures, scores=_score_rows(context, result.runs, result.settings["subjects"],
                                                    split.get("protocol", "paper")),
                          params=params)

    @staticmethod
    def _plan_entry(plan, trained):
        from ...decoders import ALIGNMENT_LOSSES

        entry = ALIGNMENT_LOSSES[plan.name]
        status = "trained" if trained else ("skipped" if plan.skipped else "coincides")
        return {"status": status, "origin": entry.origin, "family": entry.family, "target_kind": entry.target,
                "inputs": dict(plan.inputs), "skipped": plan.skipped, "same_as": plan.same_as,
                "same_reason": plan.same_reason or None, "paper_note": entry.paper_note or None}

    @staticmethod
    def _mechanism(context, train, coords, stim_coords):
        """Train the baseline and the aligned net once each, with both monitors on the same probe rows."""
        from ...analysis import compare_displacement
        from ...decoders import FeatureDisplacementMonitor, GradientSubspaceMonitor
        from ...viz import plot_feature_displacement, plot_gradient_comparison

        records, displacement, initial, terms = {}, {}, {}, {}
        # "default" takes the strategy's registry weight; 0.0 would build no alignment at all.
        for loss, weight in (("none", 0.0), (MECHANISM_STRATEGY, "default")):
            gradients = GradientSubspaceMonitor(probe_size=PROBE_SIZE, random_state=context.random_state)
            moves = FeatureDisplacementMonitor(stimulus_coords=stim_coords, class_coords=coords,
                                               probe_size=PROBE_SIZE, random_state=context.random_state)
            net = decoder(context, alignment_loss=loss, alignment_weight=weight, alignment_target=coords,
                          random_state=context.random_state,
                          callbacks=[("gradient_monitor", gradients), ("displacement_monitor", moves)])
            net.fit(train["X"], train["y"], groups=train["subject"], stimulus=train["stimulus"])
            terms[loss] = ("ce",) if loss == "none" else ("ce", "alignment")
            records[loss] = gradients.records_
            displacement[loss] = moves.records_
            initial[loss] = dict(moves.initial_)
        figs = {"gradients": plot_gradient_comparison(records, terms=terms),
                "displacement": plot_feature_displacement(displacement)}
        last = {name: recs[-1] for name, recs in records.items() if recs}
        rows = compare_displacement(displacement, reference="none")
        for row in rows:
            recs = displacement[row["run"]]
            row["disp_resolution_last"] = recs[-1].get("disp_resolution") if recs else None
        mechanism = {
            "strategy": MECHANISM_STRATEGY, "records": records, "last_epoch": last,
            "displacement": {"records": displacement, "initial": initial, "table": rows,
                             "probe_size": PROBE_SIZE, "seed": context.random_state,
                             "residual_target": stim_coords is not None},
        }
        return mechanism, figs

    # ------------------------------------------------------------------ report
    @staticmethod
    def _sweep_blocks(results):
        table_rows, settings, base = results["table"], results["settings"], results["baseline"]
        subject_unit = settings.get("unit") == "subject"
        margin = settings["equivalence_margin"]
        with_origin = any("origin" in row for row in table_rows)
        level = "subject level" if subject_unit else "seed level"
        header = ["strategy", "family"] + (["origin"] if with_origin else []) + [
            f"Δ BACC ({level})",
            "95% CI (subject-cluster bootstrap)" if subject_unit else "95% CI (t-interval over seeds)",
            "p (two-sided)", "p (Holm)", "non-superiority p (Holm)", "TOST p (Holm)", "verdict",
            "n subjects × n seeds"]
        if subject_unit:
            header += ["seed level: fixed test subjects, retraining noise only — Δ BACC [95% t-interval]",
                       "seed-level verdict"]
        rows = []
        for r in table_rows:
            row = [r["strategy"], r.get("family")] + ([r.get("origin")] if with_origin else []) + [
                r["delta_bacc"], _interval(r["ci_low"], r["ci_high"]), _p(r["p_value"]), _p(r["p_holm"]),
                _p(r["nonsup_p_holm"]), _p(r["tost_p_holm"]), r["verdict_text"],
                f"{r['n_subjects'] or '—'} × {r['n_seeds']}"]
            if subject_unit:
                seed = r["seed_level"]
                row += [f"{seed['mean_delta']:+.3f} {_interval(seed['ci_low'], seed['ci_high'])}",
                        seed["verdict_text"]]
            rows.append(row)

        verdicts = [r["verdict"] for r in table_rows]
        summary = ", ".join(f"{v}: {verdicts.count(v)}" for v in ("worse", "better", "equivalent", "inconclusive")
                            if v in verdicts)
        if subject_unit and "subject_bacc_mean" in base:
            baseline = (f"Baseline balanced accuracy (no alignment), mean over test subjects of each subject's "
                        f"BACC averaged over seeds: {base['subject_bacc_mean']:.3f} "
                        f"[{base['subject_ci_low']:.3f}, {base['subject_ci_high']:.3f}] ({base['subject_ci']}); "
                        f"over all test rows: {base['bacc_mean']:.3f} [{base['ci_low']:.3f}, "
                        f"{base['ci_high']:.3f}] ({base['ci']}).")
        else:
            baseline = (f"Baseline balanced accuracy (no alignment): {base['bacc_mean']:.3f} "
                        f"[{base['ci_low']:.3f}, {base['ci_high']:.3f}] ({base['ci']}).")
        unit_text = ("the test subject (n = {n}; each subject's delta is averaged over its seeds, so the seeds of "
                     "a subject are resampled together)" if subject_unit else
                     "the seed (n = {n_seeds}; one delta per seed over all test rows)")
        n = table_rows[0]["n_subjects"] if table_rows else 0
        n_seeds = table_rows[0]["n_seeds"] if table_rows else 0
        verdict_defs = "; ".join(f"{name}: {text}" for name, text in settings.get("verdicts", {}).items())
        caption = (f"Δ BACC is {settings.get('delta', 'strategy minus baseline balanced accuracy')}. "
                   f"Test: {settings['test']}; null Δ = 0. "
                   f"Non-superiority: {settings['non_superiority_test']}; null Δ ≥ +{margin:g}. "
                   f"Equivalence: {settings['equivalence_test']}; null |Δ| ≥ {margin:g}. "
                   f"CI: {settings['ci']}. Unit of resampling: {unit_text.format(n=n, n_seeds=n_seeds)}. "
                   f"Holm family: the {len(table_rows)} strategies, α = {settings['alpha']:g}. "
                   f"Verdicts — {verdict_defs}.")
        recipe = f" Decoder: {results['recipe']}." if results.get("recipe") else ""
        count = (results.get("count") or {}).get("paper")
        counted = f" Paper's strategies: {count['text']}." if count and count["requested"] else ""
        blocks = [
            paragraph("Each strategy is paired with the same recipe without alignment, trained with the same "
                      f"seed, on held-out subjects.{recipe} {baseline} Verdicts: {summary}.{counted} Paper: 25 "
                      "strategies, 16 significantly worse, none better (paired over 5 seeds on one fixed test "
                      "set)."),
        ]
        if not subject_unit:
            reason = settings.get("subject_level") or next(
                (r["subject_level"].get("reason") for r in table_rows if "subject_level" in r), None)
            blocks.append(note(f"Subject level: {reason}. The headline below is the seed-level view: fixed test "
                               "subjects, retraining noise only."))
        blocks += [table(header, rows), note(caption)]
        if with_origin:
            blocks.append(note("Origin: 'paper' marks the paper's 25 strategies; 'ours' marks strategies this "
                               "package adds."))
        return blocks + SweepStep._target_blocks(results)

    @staticmethod
    def _target_blocks(results):
        """What each strategy was trained toward, and which ones were skipped or counted once."""
        plans = results.get("strategies")
        if not plans:
            return []
        rows = []
        for name, plan in plans.items():
            inputs = plan.get("inputs") or {}
            why = plan.get("skipped") or (f"same loss as {plan['same_as']}: {plan['same_reason']}"
                                          if plan.get("status") == "coincides" else "")
            rows.append((name, plan.get("origin"), plan.get("status"), inputs.get("alignment_target", "—"),
                         "; ".join(f"{k}: {v}" for k, v in inputs.items() if k != "alignment_target") or "—",
                         plan.get("paper_note") or "", why))
        return [
            heading("What each strategy was trained toward"),
            table(("strategy", "origin", "status", "alignment target", "other inputs", "how it maps to the paper",
                   "skipped / counted once because"), rows),
            note("Status 'coincides': with this target the strategy is provably the same loss as the one named, "
                 "so it is not trained again and counts once among the distinct strategies. 'skipped': an input "
                 "it needs does not exist on this run (never replaced by a stand-in). The channel-masked losses "
                 "take their channel names from the data's layout."),
        ]

    @staticmethod
    def _mechanism_blocks(results, mechanism, stim_source):
        disp = mechanism["displacement"]
        disp_rows = [[row["run"]] + [_g(row.get(key)) for key in DISPLACEMENT_COLUMNS]
                     + [_g(row.get("disp_resolution_last"))] for row in disp["table"]]
        align_rows = [(r["strategy"], r.get("delta_class_alignment"), _g(r.get("delta_residual_alignment")))
                      for r in results["table"]]
        residual = ("per-stimulus coordinates: " + stim_source) if disp["residual_target"] else (
            "no per-stimulus coordinates, so the residual target and residual alignment are not computed: "
            f"{stim_source}{enable_hint(stim_source)}")
        grad_rows = []
        for name, rec in mechanism["last_epoch"].items():
            for term in ("ce", "alignment"):
                if f"grad_head_frac_{term}" in rec:
                    grad_rows.append((name, term, _g(rec.get(f"grad_norm_{term}")),
                                      rec.get(f"grad_head_frac_{term}"), rec.get(f"grad_basin_frac_{term}"),
                                      rec.get("probe_confidence")))
        return [
            heading("Alignment of the test features after training"),
            table(("strategy", "Δ class-PC1 alignment", "Δ residual alignment"), align_rows),
            note("Aligned minus baseline, test subjects' penultimate features, mean over seeds; no test and no CI. "
                 f"Residual alignment (the residual shift) uses per-stimulus coordinates: {stim_source}"
                 + ("." if disp["residual_target"] else f"{enable_hint(stim_source)}.")),
            heading("Mechanism: where the penultimate features move during training"),
            paragraph(f"The baseline ('none') and '{mechanism['strategy']}' are trained once more (seed "
                      f"{disp['seed']}) with a monitor that, after every epoch, recomputes the penultimate "
                      f"features of a fixed probe of {disp['probe_size']} training rows and splits their "
                      "displacement into the movement of the class means (basin) and of the within-class "
                      "residuals, and the residual movement along the residual target direction (the feature "
                      "direction that covaries with the within-class V-axis coordinate). The paper's claim: "
                      "supervision raises class-PC1 alignment by +0.01…+0.36 but moves residual alignment by "
                      "about 1e-7."),
            table(("run", "path: class means", "path: within-class residual", "path: residual along target",
                   "within / class-mean path", "class-PC1 alignment change", "residual alignment change",
                   "Δ residual alignment vs none", "float resolution (last epoch)"), disp_rows),
            note("Paths are sums over epochs of the RMS per probe row of the displacement (feature units). "
                 "One seed, training rows: descriptive, with no null and no CI. Alignment changes are final "
                 "minus initial on the probe; 'Δ residual alignment vs none' is the final residual alignment "
                 f"minus the baseline's. Residual target: {residual}. A change of ~1e-7 is at float32 "
                 "resolution (machine epsilon 1.2e-7 relative to the feature norm; last column in feature "
                 "units): it cannot be told from rounding."),
            heading("Sanity check: the cross-entropy share in the head's row space is 1 by algebra for a "
                    "linear head"),
            paragraph("On the same probe rows, the gradient of each loss term with respect to the penultimate "
                      "features, split into the head's row space and the class-mean subspace. For a linear "
                      "head dCE/dz = Wᵀ(p − y) lies in the row space whatever the network does, so this share "
                      "cannot show that the residual receives little gradient: parameter updates move the "
                      "features by J·Jᵀ·Wᵀ(p − y), which is not confined to that space. The displacement above "
                      "is the measurement."),
            table(("decoder", "term", "gradient norm (last epoch)", "share in head row space", "share in basin",
                   "probe confidence"), grad_rows),
        ]

    @classmethod
    def _blocks(cls, results, mechanism, stim_source):
        return cls._sweep_blocks(results) + cls._mechanism_blocks(results, mechanism, stim_source)
