"""Step 3: decoders trained without the V-axis rediscover it."""

from __future__ import annotations

import math

from ._common import class_centroids, decoder_inputs, decoder_params, train_test_groups
from ._targets import enable_hint
from .base import Step, StepOutput, heading, note, paragraph, table

#: The paper's zoo-level percentile of corr(BACC, class-PC1 alignment) (36 checkpoints).
PAPER_ZOO_PERCENTILE = 93.5

_CORRELATIONS = {"bacc_vs_class_alignment": "BACC vs class-PC1 alignment",
                 "bacc_vs_residual_alignment": "BACC vs within-class residual alignment"}


def _number(value):
    """A finite float, or None (missing, NaN or infinite)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _or_note(value, entry):
    """``value`` when it is a finite number; otherwise the entry's note, so a table never shows a bare NaN."""
    number = _number(value)
    if number is not None:
        return number
    return entry.get("note") or entry.get("reason") or "not computed"


def _percentile(value):
    number = _number(value)
    return "not computed" if number is None else f"{number:.1f}"


def _ci(entry):
    low, high = _number(entry.get("ci_low")), _number(entry.get("ci_high"))
    return "" if low is None or high is None else f"[{low:.3f}, {high:.3f}]"


def correlation_rows(correlations, family_correlations):
    """(scope, correlation, r, Pearson p, 95% CI, n) rows: pooled first, then per family."""
    scopes = [("pooled zoo", correlations or {})]
    scopes += [(f"family {name}", corr) for name, corr in (family_correlations or {}).items()]
    rows = []
    for scope, corr in scopes:
        for key, label in _CORRELATIONS.items():
            entry = corr.get(key)
            if entry is None:
                continue
            computed = entry.get("computed", _number(entry.get("r")) is not None)
            rows.append((scope, label, _or_note(entry.get("r"), entry),
                         _or_note(entry.get("p_value"), entry) if computed else "",
                         _ci(entry), entry.get("n")))
    return rows


def zoo_null_blocks(zoo):
    """Blocks describing the zoo-level random-direction null (or why it was not computed)."""
    if not zoo or not zoo.get("computed"):
        reason = (zoo or {}).get("reason") or "zoo-level null not computed"
        return [heading("Zoo-level random-direction null"), paragraph(reason)]
    percentile, p, n = zoo.get("percentile"), zoo.get("p_value"), zoo.get("n_directions")
    rows = [
        ("test", zoo.get("test")),
        ("observed corr(BACC, class-PC1 alignment)", _number(zoo.get("observed_r"))),
        ("percentile among the null (ours)", _percentile(percentile)),
        ("percentile (paper, 36 checkpoints)", _percentile(PAPER_ZOO_PERCENTILE)),
        (f"Monte-Carlo p (one-sided, {n} random directions)", _number(p)),
        ("null", zoo.get("null_description")),
        ("what is resampled", zoo.get("unit_of_resampling")
         or "random text-space directions (checkpoints held fixed)"),
        ("checkpoints", zoo.get("n_models")),
    ]
    quantiles = zoo.get("null_quantiles") or {}
    if quantiles:
        rows.append(("null correlation: 5th / 50th / 95th percentile",
                     " / ".join(f"{_number(quantiles.get(q)) or 0:+.3f}" for q in ("5", "50", "95"))))
    family_rows = []
    for name, fam in (zoo.get("by_family") or {}).items():
        if fam.get("computed"):
            family_rows.append((name, fam.get("n_models"), _number(fam.get("observed_r")),
                                _percentile(fam.get("percentile")), _number(fam.get("p_value"))))
        else:
            family_rows.append((name, fam.get("n_models"), fam.get("reason") or "not computed", "", ""))
    blocks = [
        heading("Zoo-level random-direction null (the paper's 93.5th percentile)"),
        paragraph(f"The V-axis is replaced by each of {n} random unit directions of the language model's "
                  "class-centroid space; every checkpoint's class-PC1 alignment is recomputed with that "
                  "direction's class coordinates, and so is corr(BACC, alignment) across the zoo. The "
                  "checkpoints (their accuracy and features) are held fixed; only the text-space direction "
                  "is resampled, so this test does not assume independent checkpoints."),
        table(("quantity", "value"), rows),
    ]
    if family_rows:
        blocks.append(table(("family (same null draws)", "checkpoints", "observed r", "percentile",
                             "Monte-Carlo p"), family_rows))
    return blocks


class ZooMembers:
    """``(architecture, seed, epochs) -> unfitted net`` built from the run's decoder recipe.

    A member of the recipe's own architecture is the recipe (the paper profile: the axial
    transformer at depth 6, width 128); another architecture keeps the recipe's training
    settings (optimiser, schedule, batch, augmentation, distillation) with its own default
    size, since the recipe's ``module__*`` settings belong to the recipe's backbone. A class
    rather than a closure so that joblib and dask workers can receive it.
    """

    def __init__(self, recipe):
        self.recipe = dict(recipe)

    def params(self, architecture, seed, epochs):
        params = dict(self.recipe)
        if params.get("module") != architecture:
            params = {key: value for key, value in params.items() if not key.startswith("module__")}
        return {**params, "module": architecture, "max_epochs": epochs, "random_state": seed}

    def __call__(self, architecture, seed, epochs):
        from ...decoders import ValenceNetClassifier

        return ValenceNetClassifier(**self.params(architecture, seed, epochs))


def zoo_params(members, architectures, seeds, epochs):
    """Each architecture's estimator parameters (JSON), with the seeds and epoch budgets it was trained at."""
    from .sweep import param_record

    return {f"zoo: {arch}": param_record(members(arch, seeds[0], epochs[0]), random_state=list(seeds),
                                         max_epochs=list(epochs))
            for arch in architectures}


class RediscoveryStep(Step):
    """A zoo of decoders (no V-axis in training): accuracy vs alignment with the axis, with the
    zoo-level random-direction null and per-family correlations."""

    name = "rediscovery"
    title = "3. Rediscovery: decoders trained without the V-axis"
    # Reads context.eeg (split, stimulus coordinates) and context.vaxis (class coordinates, centroids).
    inputs = ("data", "model")
    config_keys = ("zoo_architectures", "zoo_seeds", "zoo_epochs", "zoo_null_directions", "decoder_recipe")
    depends_on = ()

    def run(self, context):
        from ...analysis import rediscovery_zoo
        from ...viz import plot_rediscovery

        cfg = context.config
        split, coords, stim_coords, stim_source = decoder_inputs(context)
        tr, va, te = split["train"], split["val"], split["test"]
        fit_groups, test_groups = train_test_groups(split)
        members = ZooMembers(decoder_params(context))
        result = rediscovery_zoo(
            tr["X"], tr["y"], te["X"], te["y"], te["stimulus"], coords,
            groups_train=fit_groups, groups_test=test_groups,
            architectures=cfg["zoo_architectures"], seeds=cfg["zoo_seeds"], epochs=cfg["zoo_epochs"],
            make_estimator=members,
            stimulus_coords=stim_coords, X_val=va["X"], y_val=va["y"], stimulus_val=va["stimulus"],
            class_centroids=class_centroids(context.vaxis, split["class_names"]),
            n_zoo_directions=cfg["zoo_null_directions"],
            n_jobs=context.n_jobs, random_state=context.random_state, verbose=context.verbose)
        figures = [context.save_figure(plot_rediscovery(result), "rediscovery")]
        results = result.to_dict()
        results["stimulus_coords_source"] = stim_source
        params = zoo_params(members, list(cfg["zoo_architectures"]), list(cfg["zoo_seeds"]), list(cfg["zoo_epochs"]))
        return StepOutput(results=results, blocks=self.blocks(results), figures=figures, params=params)

    @staticmethod
    def blocks(results):
        """The section's blocks from the step's stored results."""
        stim_source = results.get("stimulus_coords_source", "not available")
        measured = any(_number(r.get("residual_alignment")) is not None for r in results.get("table", []))
        residual_hint = "" if measured else enable_hint(stim_source)
        rows = []
        for r in results.get("table", []):
            residual = _number(r.get("residual_alignment"))
            rows.append((f"{r['architecture']} seed {r['seed']} ({r['epochs']} ep)", r["bacc"],
                         r["class_alignment"], r["null_percentile"],
                         residual if residual is not None else "not measured (no per-stimulus coordinates)"))
        dependence = next((c.get("dependence") for c in (results.get("correlations") or {}).values()
                           if c.get("dependence")), None)
        blocks = [
            paragraph("Each decoder is trained on the training subjects without any V-axis; its penultimate "
                      "features on the test subjects give class centroids whose PC1 is compared with "
                      "the V-axis class coordinates (class-PC1 alignment, |r|). Residual alignment asks "
                      "the same of stimulus centroids after class means are removed; per-stimulus "
                      f"coordinates: {stim_source}{residual_hint}. Paper: corr(BACC, class alignment) = +0.885 over 36 "
                      f"checkpoints, at the {PAPER_ZOO_PERCENTILE}th percentile of a random-direction null; "
                      "corr(BACC, residual alignment) = +0.738."),
            *zoo_null_blocks(results.get("zoo_null")),
            heading("Correlations across checkpoints: pooled and within each family"),
            table(("scope", "correlation", "r", "Pearson p (assumes independent checkpoints)",
                   "95% CI (Fisher, same assumption)", "n"),
                  correlation_rows(results.get("correlations"), results.get("family_correlations"))),
        ]
        if dependence:
            blocks.append(note(dependence))
        blocks.append(table(("model", "balanced accuracy", "class alignment", "per-model null percentile",
                             "residual alignment"), rows))
        return blocks
